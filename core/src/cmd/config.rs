//! CONFIG GET / SET / HELP.

use crate::command::Ctx;

pub(crate) fn get(ctx: &mut Ctx) {
    let patterns: Vec<&[u8]> = ctx.args[2..].iter().map(|a| a.as_slice()).collect();
    let pairs = ctx.srv.cfg.get_matching(&patterns);
    ctx.out.map(pairs.len());
    for (k, v) in pairs {
        ctx.out.bulk_str(k);
        ctx.out.bulk_str(&v);
    }
}

pub(crate) fn set(ctx: &mut Ctx) {
    if !ctx.args.len().is_multiple_of(2) {
        return ctx.syntax_error();
    }
    let pairs: Vec<(String, String)> = ctx.args[2..].chunks(2).map(|p| (lossy(&p[0]), lossy(&p[1]))).collect();
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    let before = ctx.srv.cfg.backup(&names);
    let (old_port, old_bind) = (ctx.srv.cfg.port, ctx.srv.cfg.bind.clone());
    let changed = match ctx.srv.cfg.set_many(&pairs) {
        Ok(changed) => changed,
        Err(e) => return ctx.out.error(&e),
    };
    let in_exec = ctx.client().deny_blocking;
    // As Redis, a value set to what it already was is not applied again (rebinding the
    // same port would fail while the old listener holds it).
    let new_port = changed.contains(&"port") && ctx.srv.cfg.port != old_port;
    let new_bind = changed.contains(&"bind") && ctx.srv.cfg.bind != old_bind;
    let relisten = new_port || new_bind;
    if relisten {
        let arg = if new_bind { "bind" } else { "port" };
        let waiter = (!in_exec).then_some(ctx.id);
        ctx.srv.relisten(waiter, before, arg);
    }
    // A new maxmemory-policy changes how the next value's access field starts.
    ctx.srv.update_lru_clock();
    if changed.contains(&"appendonly") {
        ctx.srv.apply_appendonly(in_exec);
    }
    // Turning auto-gc on removes the AOF's history; the reply waits for the manifest.
    let gc_waits =
        changed.contains(&"aof-disable-auto-gc") && ctx.srv.aof_gc_history((!in_exec && !relisten).then_some(ctx.id));
    // With new listeners the reply waits for the driver's bind (see `relisten`).
    if (!relisten && !gc_waits) || in_exec {
        ctx.out.ok();
    }
    if changed.contains(&"maxmemory") && ctx.srv.cfg.maxmemory > 0 {
        // Redis' updateMaxmemory starts its eviction time event: keys go right after the reply.
        ctx.raising_here(|srv| srv.perform_evictions());
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// CONFIG RESETSTAT: the counters INFO shows start again from zero (Redis'
/// resetServerStats); what describes the dataset or the last save stays.
pub(crate) fn resetstat(ctx: &mut Ctx) {
    let st = &mut ctx.srv.stats;
    *st = crate::server::Stats {
        lastsave_s: st.lastsave_s,
        rdb_saves: st.rdb_saves,
        ..Default::default()
    };
    ctx.out.ok();
}

pub(crate) fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        ],
    );
}
