//! OBJECT: introspection of stored values. IDLETIME waits for per-key access times.

use crate::command::acl::KEYSPACE;
use crate::command::flags::{LOADING, READONLY, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::value::{RStr, Value};

const GROUP: &str = "generic";
const NONDET: &[&str] = &["nondeterministic_output"];

static SUBCOMMANDS: &[CommandSpec] = &[
    cmd(
        "object|encoding",
        3,
        READONLY,
        KEYSPACE,
        GROUP,
        "2.2.3",
        "Inspect the internal encoding of a Redis object",
        "O(1)",
        encoding,
    )
    .keys(2, 2, 1, &["RO"])
    .tips(NONDET),
    cmd(
        "object|freq",
        3,
        READONLY,
        KEYSPACE,
        GROUP,
        "4.0.0",
        "Get the logarithmic access frequency counter of a Redis object",
        "O(1)",
        freq,
    )
    .keys(2, 2, 1, &["RO"])
    .tips(NONDET),
    cmd(
        "object|help",
        2,
        LOADING | STALE,
        KEYSPACE,
        GROUP,
        "6.2.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        help,
    ),
    cmd(
        "object|refcount",
        3,
        READONLY,
        KEYSPACE,
        GROUP,
        "2.2.3",
        "Get the number of references to the value of the key",
        "O(1)",
        refcount,
    )
    .keys(2, 2, 1, &["RO"])
    .tips(NONDET),
];

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "object",
    -2,
    0,
    0,
    GROUP,
    "2.2.3",
    "A container for object introspection commands",
    "Depends on subcommand.",
    super::connection::container,
)
.subs(SUBCOMMANDS)];

/// Redis' OBJ_SHARED_INTEGERS: 0..10000 are shared objects with an "infinite" refcount.
const SHARED_INTEGERS: i64 = 10_000;

/// The value under argument 2, without touching access stats; replies null if missing.
fn lookup<'a>(ctx: &'a mut Ctx) -> Option<&'a Value> {
    let args = ctx.args;
    let db = ctx.db();
    if !ctx.srv.key_exists(db, &args[2]) {
        ctx.out.null();
        return None;
    }
    ctx.srv.db_mut(db).get(&args[2])
}

fn encoding(ctx: &mut Ctx) {
    if let Some(enc) = lookup(ctx).map(Value::encoding) {
        ctx.out.bulk_str(enc);
    }
}

fn refcount(ctx: &mut Ctx) {
    let shared = match lookup(ctx) {
        None => return,
        Some(Value::Str(RStr::Int(n))) => (0..SHARED_INTEGERS).contains(n),
        #[allow(unreachable_patterns)]
        Some(_) => false,
    };
    ctx.out.int(if shared { i64::from(i32::MAX) } else { 1 });
}

/// Access frequency is tracked only under an LFU maxmemory policy, which does not exist yet;
/// Redis gives this answer under the default policy.
fn freq(ctx: &mut Ctx) {
    if lookup(ctx).is_some() {
        ctx.out.err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
}

fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}
