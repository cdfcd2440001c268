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
    let schedule = match ctx.args.get(1) {
        None => false,
        Some(a) if ctx.args.len() == 2 && a.eq_ignore_ascii_case(b"schedule") => true,
        Some(_) => return ctx.syntax_error(),
    };
    let in_exec = ctx.client().deny_blocking;
    let srv = &mut *ctx.srv;
    let rdb_running = srv.persist.bgsave.as_ref().is_some_and(|j| j.target.is_rdb_child());
    if rdb_running {
        return ctx.out.err("Background save already in progress");
    }
    if srv.snapshot_busy() || in_exec {
        // Redis forks no child inside EXEC or while another one runs: SCHEDULE (or EXEC)
        // leaves the save to the cron.
        if schedule || in_exec {
            srv.persist.bgsave_scheduled = true;
            return ctx.out.simple("Background saving scheduled");
        }
        return ctx.out.err("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    match srv.start_bgsave() {
        Ok(()) => ctx.out.simple("Background saving started"),
        Err(msg) => ctx.out.err(msg),
    }
}

fn lastsave(ctx: &mut Ctx) {
    let t = ctx.srv.stats.lastsave_s as i64;
    ctx.out.int(t);
}

/// BGREWRITEAOF: a new base and incr file (the AOF need not be on, as in Redis); while a
/// BGSAVE runs, or inside EXEC, the cron starts it later.
fn bgrewriteaof(ctx: &mut Ctx) {
    let in_exec = ctx.client().deny_blocking;
    if ctx.srv.persist.aof.rewriting {
        return ctx.out.err("Background append only file rewriting already in progress");
    }
    if ctx.srv.snapshot_busy() || in_exec {
        ctx.srv.persist.aof.rewrite_scheduled = true;
        return ctx.out.simple("Background append only file rewriting scheduled");
    }
    ctx.srv.start_aof_rewrite(false);
    ctx.out.simple("Background append only file rewriting started");
}
