//! SAVE, BGSAVE and LASTSAVE (Redis' rdb.c commands); the work is in `crate::persist`.

use crate::command::acl::{ADMIN, DANGEROUS, FAST as FAST_CAT, SLOW};
use crate::command::flags::{ADMIN as ADMIN_FLAG, FAST, LOADING, NOSCRIPT, NO_ASYNC_LOADING, NO_MULTI, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::persist::save::AfterSave;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("save", 1, ADMIN_FLAG | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Synchronously save the dataset to disk", "O(N) where N is the total number of keys in all databases", save),
    cmd("bgsave", -1, ADMIN_FLAG | NOSCRIPT | NO_ASYNC_LOADING, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Asynchronously save the dataset to disk", "O(1)", bgsave),
    cmd("bgrewriteaof", 1, ADMIN_FLAG | NOSCRIPT | NO_ASYNC_LOADING, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Asynchronously rewrite the append-only file", "O(1)", bgrewriteaof),
    cmd("lastsave", 1, LOADING | STALE | FAST, ADMIN | FAST_CAT | DANGEROUS, "server", "1.0.0", "Get the UNIX time stamp of the last successful save to disk", "O(1)", lastsave).tips(&["nondeterministic_output"]),
];

/// SAVE: the reply waits until the file is on disk; the server runs nothing meanwhile.
fn save(ctx: &mut Ctx) {
    if ctx.srv.persist.bgsave.is_some() {
        return ctx.out.err("Background save already in progress");
    }
    let id = ctx.id;
    ctx.srv.start_sync_save(AfterSave::Reply(id));
}

/// BGSAVE [SCHEDULE]: SCHEDULE matters only while an AOF rewrite runs, which never happens yet.
fn bgsave(ctx: &mut Ctx) {
    match ctx.args.get(1) {
        None => {}
        Some(a) if ctx.args.len() == 2 && a.eq_ignore_ascii_case(b"schedule") => {}
        Some(_) => return ctx.syntax_error(),
    }
    match ctx.srv.start_bgsave() {
        Ok(()) => ctx.out.simple("Background saving started"),
        Err(msg) => ctx.out.err(msg),
    }
}

fn lastsave(ctx: &mut Ctx) {
    let t = ctx.srv.stats.lastsave_s as i64;
    ctx.out.int(t);
}

/// BGREWRITEAOF: a new base and incr file (the AOF need not be on, as in Redis).
fn bgrewriteaof(ctx: &mut Ctx) {
    if ctx.srv.start_aof_rewrite(false) {
        ctx.out.simple("Background append only file rewriting started");
    } else {
        ctx.out.err("Background append only file rewriting already in progress");
    }
}
