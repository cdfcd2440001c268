//! MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis' multi.c). Queueing itself happens in
//! `command::dispatch`: a client inside MULTI gets `+QUEUED` for every command but these.

use crate::command::acl::{FAST, SLOW, TRANSACTION};
use crate::command::flags::{ALLOW_BUSY, FAST as FAST_FLAG, LOADING, NOSCRIPT, SKIP_SLOWLOG, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};

const QUICK: u32 = NOSCRIPT | LOADING | STALE | FAST_FLAG | ALLOW_BUSY;
const GROUP: &str = "transactions";

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("multi", 1, QUICK, FAST | TRANSACTION, GROUP, "1.2.0", "Mark the start of a transaction block", "O(1)", multi),
    cmd("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, SLOW | TRANSACTION, GROUP, "1.2.0", "Execute all commands issued after MULTI", "Depends on commands in the transaction", exec),
    cmd("discard", 1, QUICK, FAST | TRANSACTION, GROUP, "2.0.0", "Discard all commands issued after MULTI", "O(N), when N is the number of queued commands", discard),
    cmd("watch", -2, QUICK, FAST | TRANSACTION, GROUP, "2.2.0", "Watch the given keys to determine execution of the MULTI/EXEC block", "O(1) for every key.", watch).keys(1, -1, 1, &["RO"]),
    cmd("unwatch", 1, QUICK, FAST | TRANSACTION, GROUP, "2.2.0", "Forget about all watched keys", "O(1)", unwatch),
];

/// The commands a client inside MULTI runs at once instead of queueing.
pub(crate) fn runs_inside_multi(name: &str) -> bool {
    matches!(name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

fn multi(ctx: &mut Ctx) {
    let c = ctx.client();
    if c.multi.is_some() {
        return ctx.out.err("MULTI calls can not be nested");
    }
    c.multi = Some(Vec::new());
    ctx.out.ok();
}

/// Ends the transaction: queue, error flag and watches are dropped (discardTransaction).
pub(crate) fn discard_transaction(ctx: &mut Ctx) {
    let c = ctx.client();
    c.multi = None;
    c.multi_error = false;
    c.dirty_cas = false;
    let id = ctx.id;
    ctx.srv.unwatch_all(id);
}

fn discard(ctx: &mut Ctx) {
    if ctx.client().multi.is_none() {
        return ctx.out.err("DISCARD without MULTI");
    }
    discard_transaction(ctx);
    ctx.out.ok();
}

/// EXEC: runs the queued commands in order, or fails as a whole when a queued command was
/// refused (EXECABORT) or a watched key changed (null array). Runtime errors of single
/// commands are replies in the array; nothing is rolled back.
fn exec(ctx: &mut Ctx) {
    let id = ctx.id;
    if ctx.client().multi.is_none() {
        return ctx.out.err("EXEC without MULTI");
    }
    if ctx.srv.watched_key_expired(id) {
        ctx.client().dirty_cas = true;
    }
    let c = ctx.client();
    if c.multi_error || c.dirty_cas {
        if c.multi_error {
            ctx.out
                .error("EXECABORT Transaction discarded because of previous errors.");
        } else {
            ctx.out.null_array();
        }
        return discard_transaction(ctx);
    }
    let queued = c.multi.take().unwrap_or_default();
    c.deny_blocking = true;
    ctx.srv.unwatch_all(id);
    ctx.out.array(queued.len());
    for args in &queued {
        crate::command::call_nested(ctx.srv, id, args, ctx.out);
    }
    if ctx.srv.clients.contains_key(&id) {
        ctx.client().deny_blocking = false;
        discard_transaction(ctx);
    }
}

fn watch(ctx: &mut Ctx) {
    let c = ctx.client();
    if c.multi.is_some() {
        return ctx.out.err("WATCH inside MULTI is not allowed");
    }
    // A client already dirty would fail its EXEC anyway.
    if !c.dirty_cas {
        let (id, db) = (ctx.id, ctx.db());
        for key in &ctx.args[1..] {
            ctx.srv.watch_key(id, db, key);
        }
    }
    ctx.out.ok();
}

fn unwatch(ctx: &mut Ctx) {
    let id = ctx.id;
    ctx.srv.unwatch_all(id);
    ctx.client().dirty_cas = false;
    ctx.out.ok();
}
