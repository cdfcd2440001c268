//! MEMORY USAGE: how many bytes a key and its value take in ferrous' own memory (Redis reports
//! its own allocator's sizes, so the numbers are ferrous', not Redis'). Like Redis, collections
//! are estimated from a sample of their elements (SAMPLES, default 5, 0 = all).

use crate::command::flags::READONLY;
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::db::Obj;
use crate::value::{RStr, Value};

const GROUP: &str = "server";

static SUBCOMMANDS: &[CommandSpec] = &[cmd(
    "memory|usage",
    -3,
    READONLY,
    0,
    GROUP,
    "4.0.0",
    "Estimate the memory usage of a key",
    "O(N) where N is the number of samples.",
    usage,
)
.keys(2, 2, 1, &["RO"])];

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "memory",
    -2,
    0,
    0,
    GROUP,
    "4.0.0",
    "A container for memory diagnostics commands",
    "Depends on subcommand.",
    super::connection::container,
)
.subs(SUBCOMMANDS)];

/// Redis' OBJ_COMPUTE_SIZE_DEF_SAMPLES.
const DEFAULT_SAMPLES: usize = 5;
/// A dict slot holding the key (inline up to 22 bytes), the value and the chain link, plus its
/// bucket.
const ENTRY: usize = std::mem::size_of::<crate::bytes::SmallBytes>() + std::mem::size_of::<Obj>() + 4 + 4;
/// What an element of a collection costs besides its bytes (its own header or slot).
const ELEMENT: usize = 16;

fn usage(ctx: &mut Ctx) {
    let args = ctx.args;
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"samples") && j + 1 < args.len() {
            let Some(n) = ctx.int_arg(j + 1) else { return };
            if n < 0 {
                return ctx.syntax_error();
            }
            samples = if n == 0 { usize::MAX } else { n as usize };
            j += 2;
        } else {
            return ctx.syntax_error();
        }
    }
    let db = ctx.db();
    // Redis looks in the dict directly: no lazy expiry, no access time.
    let Some(obj) = ctx.srv.db_mut(db).get_obj(&args[2]) else {
        return ctx.out.null();
    };
    let bytes = key_bytes(&args[2], obj, samples);
    ctx.out.int(bytes as i64);
}

/// The estimated bytes a key and its value hold (MEMORY USAGE; what evicting it frees).
pub(crate) fn key_bytes(key: &[u8], obj: &Obj, samples: usize) -> usize {
    let key_heap = if key.len() > crate::bytes::INLINE { key.len() } else { 0 };
    ENTRY + key_heap + value_heap(&obj.value, samples)
}

/// Heap bytes of a value: strings exactly, collections from `samples` elements scaled up.
fn value_heap(v: &Value, samples: usize) -> usize {
    fn estimate(len: usize, sizes: impl Iterator<Item = usize>, samples: usize) -> usize {
        let (n, sum) = sizes
            .take(samples)
            .fold((0usize, 0usize), |(n, s), b| (n + 1, s + b + ELEMENT));
        sum.checked_div(n).map_or(0, |avg| avg * len)
    }
    match v {
        Value::Str(RStr::Int(_) | RStr::OwnInt(_)) => 0,
        Value::Str(RStr::Emb(b)) => {
            if b.len() > crate::bytes::INLINE {
                b.len()
            } else {
                0
            }
        }
        Value::Str(RStr::Raw(b)) => b.capacity(),
        // As Redis estimates a quicklist: its nodes sampled (each one's data and slot), scaled
        // to their number.
        Value::List(l) => {
            let slot = std::mem::size_of::<crate::types::list::Node>();
            let (n, sum) = l
                .nodes()
                .take(samples)
                .fold((0usize, 0usize), |(n, s), node| (n + 1, s + node.allocated() + slot));
            sum.checked_div(n).map_or(0, |avg| avg * l.nodes().len())
        }
        // A listpack is one allocation whose size is known exactly.
        Value::Set(s) => match s.listpack() {
            Some(lp) => lp.allocated(),
            None => estimate(s.len(), s.iter().map(|m| m.to_vec().len()), samples),
        },
        Value::Hash(h) => match h.as_listpack() {
            Some(lp) => lp.allocated(),
            None => estimate(
                h.len(),
                h.iter()
                    .map(|(f, v)| f.with_bytes(<[u8]>::len) + v.with_bytes(<[u8]>::len)),
                samples,
            ),
        },
        Value::ZSet(z) => match z.as_listpack() {
            Some(lp) => lp.allocated(),
            None => estimate(z.len(), z.iter().map(|(m, _)| m.with_bytes(<[u8]>::len) + 8), samples),
        },
        Value::Stream(s) => s.memory(),
    }
}
