//! CONFIG GET / SET / HELP.

use crate::command::Ctx;
use crate::server::Output;

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
    let changed = match ctx.srv.cfg.set_many(&pairs) {
        Ok(changed) => changed,
        Err(e) => return ctx.out.error(&e),
    };
    if changed.iter().any(|n| *n == "port" || *n == "bind") {
        let cfg = &ctx.srv.cfg;
        let out = Output::Listen {
            bind: cfg.bind.clone(),
            port: cfg.port as u16,
        };
        ctx.srv.push_output(out);
    }
    // A new maxmemory-policy changes how the next value's access field starts.
    ctx.srv.update_lru_clock();
    if changed.contains(&"appendonly") {
        let in_exec = ctx.client().deny_blocking;
        ctx.srv.apply_appendonly(in_exec);
    }
    ctx.out.ok();
    if changed.contains(&"maxmemory") && ctx.srv.cfg.maxmemory > 0 {
        // Redis' updateMaxmemory starts its eviction time event: keys go right after the reply.
        ctx.raising_here(|srv| srv.perform_evictions());
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
        ],
    );
}
