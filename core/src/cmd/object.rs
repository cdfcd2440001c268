//! OBJECT: introspection of stored values.

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
        "object|idletime",
        3,
        READONLY,
        KEYSPACE,
        GROUP,
        "2.2.3",
        "Get the time since a Redis object was last accessed",
        "O(1)",
        idletime,
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
    if ctx.srv.lookup_read_nonotify(db, &args[2]).is_none() {
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
    if let Some(n) = lookup(ctx).map(refcount_of) {
        ctx.out.int(n);
    }
}

/// What Redis reports as the value's refcount: shared small integers never die.
pub(crate) fn refcount_of(v: &Value) -> i64 {
    match v {
        Value::Str(RStr::Int(n)) if (0..SHARED_INTEGERS).contains(n) => i64::from(i32::MAX),
        _ => 1,
    }
}

/// The LFU counter after the decay it is owed; tracked only under an LFU maxmemory policy.
fn freq(ctx: &mut Ctx) {
    if lookup(ctx).is_none() {
        return;
    }
    if !ctx.srv.lfu_policy() {
        return ctx.out.err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    let db = ctx.db();
    let now = crate::lfu::minutes(ctx.srv.now_ms());
    let decay = ctx.srv.cfg.lfu_decay_time;
    let lru = ctx.srv.db_mut(db).lru_of(&ctx.args[2]).unwrap_or(0);
    ctx.out.int(i64::from(crate::lfu::decayed(lru, now, decay)));
}

/// Seconds since the key was last accessed, from its LRU stamp (Redis' estimateObjectIdleTime
/// with its 24-bit wrapping clock); not tracked under an LFU policy.
fn idletime(ctx: &mut Ctx) {
    if lookup(ctx).is_none() {
        return;
    }
    if ctx.srv.lfu_policy() {
        return ctx.out.err("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    let db = ctx.db();
    let store = ctx.srv.db_mut(db);
    let lru = store.get_obj(&ctx.args[2]).map_or(store.lru_clock, |o| o.lru);
    ctx.out.int(i64::from(crate::db::idle_seconds(store.lru_clock, lru)));
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
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}
