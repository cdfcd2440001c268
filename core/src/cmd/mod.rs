//! Command implementations, one file per family as in Redis' `t_*.c`.

pub(crate) mod bitops;
pub(crate) mod client;
pub(crate) mod command;
pub(crate) mod config;
pub(crate) mod connection;
pub(crate) mod debug;
pub(crate) mod dump;
pub(crate) mod expire;
pub(crate) mod function;
pub(crate) mod hashes;
pub(crate) mod keys;
pub(crate) mod lcs;
pub(crate) mod lists;
pub(crate) mod memory;
pub(crate) mod migrate;
pub(crate) mod monitor;
pub(crate) mod object;
pub(crate) mod persistence;
pub(crate) mod pubsub;
pub(crate) mod replication;
pub(crate) mod scripting;
pub(crate) mod server;
pub(crate) mod sets;
pub(crate) mod sort;
pub(crate) mod stream_groups;
pub(crate) mod stream_read;
pub(crate) mod streams;
pub(crate) mod strings;
pub(crate) mod transactions;
pub(crate) mod wait;
pub(crate) mod zsets;

use crate::command::Ctx;
use crate::notify::class::{GENERIC, LIST, SET, ZSET};
use crate::value::Value;

/// Stores a computed collection of `len` elements under `dst`, or deletes `dst` when it came
/// out empty (Redis keeps no empty collection), and replies the length: the STORE forms of the
/// set and sorted-set algebra and SORT ... STORE. A store counts `stored_changes` changes
/// (one, or SORT's element count), an actual delete one. The keyspace event is the running
/// command's (see [`store_event`]).
pub(crate) fn store_or_delete(ctx: &mut Ctx, db: usize, dst: &[u8], len: usize, value: Value, stored_changes: u64) {
    let (class, event, reply_first) = store_event(ctx.client().last_cmd);
    let event = if len > 0 {
        // setKey's write lookup: an expired destination is deleted (and propagated) first.
        ctx.srv.expire_if_needed(db, dst);
        ctx.srv.set_key(db, dst, value, false);
        ctx.dirty(stored_changes);
        ctx.srv.signal_modified_key(db, dst);
        Some((class, event))
    } else if ctx.srv.db_mut(db).remove(dst) {
        ctx.dirty(1);
        ctx.srv.signal_modified_key(db, dst);
        Some((GENERIC, "del"))
    } else {
        None
    };
    if reply_first {
        ctx.out.int(len as i64);
    }
    if let Some((class, event)) = event {
        ctx.notify(class, event, dst);
    }
    if !reply_first {
        ctx.out.int(len as i64);
    }
}

/// The keyspace event of a STORE command (class, name), and whether Redis replies before it
/// notifies (the set and sorted-set algebra do; SORT notifies first). SINTERSTORE with a
/// missing source does not come here: it notifies its "del" before replying, in `sets`.
fn store_event(command: &'static str) -> (u32, &'static str, bool) {
    match command {
        "sort" => (LIST, "sortstore", false),
        "sinterstore" => (SET, "sinterstore", true),
        "sunionstore" => (SET, "sunionstore", true),
        "sdiffstore" => (SET, "sdiffstore", true),
        "zunionstore" => (ZSET, "zunionstore", true),
        "zinterstore" => (ZSET, "zinterstore", true),
        "zdiffstore" => (ZSET, "zdiffstore", true),
        "zrangestore" => (ZSET, "zrangestore", true),
        other => (GENERIC, other, true),
    }
}

/// Redis' getTimeoutFromObjectOrReply for the blocking commands: seconds as a long double,
/// turned into milliseconds rounded up; replies the error and returns `None` if it is not a
/// float or negative. 0 = forever.
pub(crate) fn timeout_arg(ctx: &mut Ctx, i: usize) -> Option<i64> {
    let Some(t) = crate::ldouble::LDouble::parse(&ctx.args[i]) else {
        ctx.out.err("timeout is not a float or out of range");
        return None;
    };
    let ms = t.ceil_millis();
    if ms < 0 {
        ctx.out.err("timeout is negative");
        return None;
    }
    Some(ms)
}

/// Blocks the calling client on its arguments at `keys` until one holds a value of type
/// `wants` (see `crate::blocking`); the command runs again then, on that key alone.
pub(crate) fn block_on(ctx: &mut Ctx, keys: std::ops::Range<usize>, timeout_ms: i64, wants: &'static str) {
    if ctx.client().deny_blocking {
        // Inside EXEC nothing blocks: the answer is the timeout's, at once (null for the
        // single-element moves, the null array for the rest).
        let name = ctx.client().last_cmd;
        return if name == "blmove" || name == "brpoplpush" {
            ctx.out.null()
        } else {
            ctx.out.null_array()
        };
    }
    let db = ctx.db();
    let args = ctx.args.to_vec();
    ctx.srv.block(ctx.id, db, args, keys, timeout_ms, wants);
}

/// Whether the running command serves a client that was blocked (run again by
/// `crate::blocking`), rather than one that found its data when it was sent.
pub(crate) fn serving_blocked(ctx: &Ctx) -> bool {
    ctx.srv.blocking.serving
}

/// How a blocking command's effect reaches replicas: served at once, the command itself goes
/// out as `argv` (Redis rewrites it); served after blocking, Redis' blocked.c sends `argv` as
/// an extra effect and nothing else (the client's command never went through call()).
pub(crate) fn propagate_served(ctx: &mut Ctx, argv: Vec<Vec<u8>>) {
    if serving_blocked(ctx) {
        let db = ctx.db();
        ctx.srv.repl.also(db, argv);
        ctx.srv.repl.prevent();
    } else {
        ctx.propagate_as(argv);
    }
}

/// HRANDFIELD / ZRANDMEMBER `key count [WITHVALUES|WITHSCORES]`: the count and whether the
/// option was given, checked in Redis' order; `None` once an error was replied.
pub(crate) fn rand_count_args(ctx: &mut Ctx, option: &str) -> Option<(i64, bool)> {
    let args = ctx.args;
    let l = ctx.int_arg(2)?;
    if l == i64::MIN {
        ctx.out
            .err("value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return None;
    }
    if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(option.as_bytes())) {
        ctx.syntax_error();
        return None;
    }
    let with = args.len() == 4;
    // Redis doubles the count for the reply's length: what would overflow is refused.
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        ctx.out.err("value is out of range");
        return None;
    }
    Some((l, with))
}

/// `HELP` replies: the command name's header line, the lines, and Redis' closing `HELP` line.
pub(crate) fn help_reply(ctx: &mut Ctx, container: &str, lines: &[&str]) {
    let mut all = vec![format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    )];
    all.extend(lines.iter().map(|l| l.to_string()));
    all.push("HELP".into());
    all.push("    Prints this help.".into());
    ctx.out.array(all.len());
    for l in &all {
        ctx.out.simple(l);
    }
}
