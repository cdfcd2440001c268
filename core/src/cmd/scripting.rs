//! EVAL, EVALSHA, their read-only forms, and SCRIPT (Redis' eval.c). The interpreter and the
//! run of a script are in `crate::scripting`.

use crate::command::acl::{SCRIPTING, SLOW};
use crate::command::flags::{
    ALLOW_BUSY, DENYOOM, LOADING, MAY_REPLICATE, MOVABLE_KEYS, NOSCRIPT, NO_MANDATORY_KEYS, READONLY, SKIP_MONITOR,
    STALE, WRITE,
};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::scripting::{run_flags, script_flags, RunCtx};
use crate::server::Server;

const GROUP: &str = "scripting";
const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;
const EVAL_KEYS: crate::command::GetKeys = crate::command::keynum_keys::<0, 2, 3, 1>;

#[rustfmt::skip]
static SCRIPT_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("script|debug", 3, NOSCRIPT, SLOW | SCRIPTING, GROUP, "3.2.0", "Set the debug mode for executed scripts.", "O(1).", script_debug),
    cmd("script|exists", -3, NOSCRIPT, SLOW | SCRIPTING, GROUP, "2.6.0", "Check existence of scripts in the script cache.", "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", script_exists)
        .tips(&["request_policy:all_shards", "response_policy:agg_logical_and"]),
    cmd("script|flush", -2, NOSCRIPT, SLOW | SCRIPTING, GROUP, "2.6.0", "Remove all the scripts from the script cache.", "O(N) with N being the number of scripts in cache", script_flush)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    cmd("script|help", 2, LOADING | STALE, SLOW | SCRIPTING, GROUP, "5.0.0", "Show helpful text about the different subcommands", "O(1)", script_help),
    cmd("script|kill", 2, NOSCRIPT | ALLOW_BUSY, SLOW | SCRIPTING, GROUP, "2.6.0", "Kill the script currently in execution.", "O(1)", script_kill)
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
    cmd("script|load", 3, NOSCRIPT | STALE, SLOW | SCRIPTING, GROUP, "2.6.0", "Load the specified Lua script into the script cache.", "O(N) with N being the length in bytes of the script body.", script_load)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("eval", -3, EVAL_FLAGS | MAY_REPLICATE, SLOW | SCRIPTING, GROUP, "2.6.0", "Execute a Lua script server side", "Depends on the script that is executed.", eval).getkeys(EVAL_KEYS),
    cmd("evalsha", -3, EVAL_FLAGS | MAY_REPLICATE, SLOW | SCRIPTING, GROUP, "2.6.0", "Execute a Lua script server side", "Depends on the script that is executed.", evalsha).getkeys(EVAL_KEYS),
    cmd("eval_ro", -3, READONLY | EVAL_FLAGS, SLOW | SCRIPTING, GROUP, "7.0.0", "Execute a read-only Lua script server side", "Depends on the script that is executed.", eval).getkeys(EVAL_KEYS),
    cmd("evalsha_ro", -3, READONLY | EVAL_FLAGS, SLOW | SCRIPTING, GROUP, "7.0.0", "Execute a read-only Lua script server side", "Depends on the script that is executed.", evalsha).getkeys(EVAL_KEYS),
    cmd("script", -2, 0, SLOW, GROUP, "2.6.0", "A container for Lua scripts management commands", "Depends on subcommand.", super::connection::container).subs(SCRIPT_SUBCOMMANDS),
];

const NOSCRIPT_ERR: &str = "NOSCRIPT No matching script. Please use EVAL.";

/// Whether `cmd` is a read-only form (EVAL_RO, EVALSHA_RO, FCALL_RO): its script may not
/// write, and its own keys are not cached by tracking (the script's reads cache them, see
/// `crate::command::after_call`).
pub(crate) fn is_read_only_form(cmd: &CommandSpec) -> bool {
    matches!(cmd.name, "eval_ro" | "evalsha_ro" | "fcall_ro")
}

/// `cmd`'s flags for this call: a script that declared flags (a shebang, or a function's
/// registration) replaces stale/denyoom/write with what they say (Redis' getCommandFlags with
/// evalGetCommandFlags, fcallGetCommandFlags and scriptFlagsToCmdFlags).
pub(crate) fn effective_flags(srv: &Server, cmd: &CommandSpec, args: &[Vec<u8>]) -> u32 {
    let script = match cmd.name {
        // Without a shebang a script declares nothing (cached or not): no hashing needed.
        "eval" | "eval_ro" if args.len() > 1 && args[1].starts_with(b"#!") => {
            match srv.scripting.scripts.get(&crate::scripting::sha1_hex(&args[1])) {
                Some(s) => Some(s.flags),
                None => crate::scripting::parse_shebang(&args[1]).ok().map(|(f, _)| f),
            }
        }
        "evalsha" | "evalsha_ro" if args.len() > 1 && args[1].len() == 40 => {
            let sha = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
            srv.scripting.scripts.get(&sha).map(|s| s.flags)
        }
        "fcall" | "fcall_ro" if args.len() > 1 => {
            let name = String::from_utf8_lossy(&args[1]);
            srv.scripting.functions.find(&name).map(|(_, f)| f.flags)
        }
        _ => None,
    };
    match script {
        Some(f) if f & script_flags::EVAL_COMPAT_MODE == 0 => {
            // Declared flags say whether it writes: MAY_REPLICATE goes (scriptFlagsToCmdFlags).
            let mut flags = cmd.flags & !(STALE | DENYOOM | WRITE | MAY_REPLICATE);
            if f & (script_flags::ALLOW_OOM | script_flags::NO_WRITES) == 0 {
                flags |= DENYOOM;
            }
            if f & script_flags::NO_WRITES == 0 {
                flags |= WRITE;
            }
            if f & script_flags::ALLOW_STALE != 0 {
                flags |= STALE;
            }
            flags
        }
        _ => cmd.flags,
    }
}

/// EVAL / EVAL_RO script numkeys key... arg...
fn eval(ctx: &mut Ctx) {
    feed_monitors_first(ctx);
    let sha = crate::scripting::sha1_hex(&ctx.args[1]);
    run(ctx, &sha, true);
}

/// EVALSHA / EVALSHA_RO sha1 numkeys key... arg...
fn evalsha(ctx: &mut Ctx) {
    feed_monitors_first(ctx);
    if ctx.args[1].len() != 40 {
        return ctx.out.error(NOSCRIPT_ERR);
    }
    let sha = String::from_utf8_lossy(&ctx.args[1]).to_ascii_lowercase();
    run(ctx, &sha, false);
}

/// Redis feeds MONITOR with the EVAL itself before the script runs, so the script's
/// commands show after it (EVAL is flagged skip_monitor for call()).
pub(crate) fn feed_monitors_first(ctx: &mut Ctx) {
    if !ctx.srv.monitors.is_empty() && !crate::cmd::serving_blocked(ctx) {
        let db = ctx.db();
        ctx.srv.feed_monitors(ctx.id, db, ctx.args, ctx.out);
    }
}

/// Redis' evalGenericCommand: finds (or for EVAL, creates) the script, checks that it may
/// run, and runs it.
fn run(ctx: &mut Ctx, sha: &str, is_eval: bool) {
    let Some(numkeys) = ctx.int_arg(2) else { return };
    let Some(keys_end) = keys_end(ctx, numkeys) else { return };
    if !ctx.srv.scripting.scripts.contains_key(sha) {
        if !is_eval {
            return ctx.out.error(NOSCRIPT_ERR);
        }
        if let Err(e) = create(ctx, 1) {
            return ctx.out.error_format_bytes(e.as_bytes());
        }
    }
    let Some(f) = ctx.srv.scripting.function(sha) else {
        return ctx.out.error(NOSCRIPT_ERR);
    };
    let flags = ctx.srv.scripting.scripts[sha].flags;
    let Some(run) = prepare(ctx, flags) else { return };
    let (keys, argv) = (&ctx.args[3..keys_end], &ctx.args[keys_end..]);
    ctx.srv.run_script(run, sha, &f, keys, argv, false, ctx.out);
}

/// Where the keys of `script numkeys key... arg...` end, once `numkeys` passed Redis' checks
/// (shared by EVAL and FCALL).
pub(crate) fn keys_end(ctx: &mut Ctx, numkeys: i64) -> Option<usize> {
    if numkeys > ctx.args.len() as i64 - 3 {
        ctx.out.err("Number of keys can't be greater than number of args");
        return None;
    }
    if numkeys < 0 {
        ctx.out.err("Number of keys can't be negative");
        return None;
    }
    Some(3 + numkeys as usize)
}

/// Compiles and caches the script in argument `i`; the error is Redis' reply text.
fn create(ctx: &mut Ctx, i: usize) -> Result<String, String> {
    let body = &ctx.args[i];
    let (flags, shebang_len) = crate::scripting::parse_shebang(body).map_err(|e| format!("ERR {e}"))?;
    ctx.srv
        .scripting
        .create(body, flags, shebang_len)
        .map_err(|e| format!("ERR {e}"))
}

/// Redis' scriptPrepareForRun: refuses a script its flags do not allow now, else the run.
pub(crate) fn prepare(ctx: &mut Ctx, script: u32) -> Option<RunCtx> {
    let cmd = ctx
        .srv
        .commands
        .get(&ctx.args[0])
        .expect("the running command is in the table");
    let read_only_cmd = is_read_only_form(cmd);
    let compat = script & script_flags::EVAL_COMPAT_MODE != 0;
    let oom_at_start = ctx.srv.cfg.maxmemory > 0 && ctx.srv.oom_before_command;
    if !compat {
        if script & script_flags::NO_WRITES == 0 {
            if let Some(msg) = ctx.srv.disk_error_message() {
                let text = if msg == crate::persist::MISCONF {
                    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.".to_string()
                } else {
                    format!("MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: {}", ctx.srv.persist.aof.last_error)
                };
                ctx.out.error(&text);
                return None;
            }
            if read_only_cmd {
                ctx.out
                    .err("Can not execute a script with write flag using *_ro command.");
                return None;
            }
        }
        if oom_at_start && script & (script_flags::ALLOW_OOM | script_flags::NO_WRITES) == 0 {
            ctx.out
                .error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
            return None;
        }
    }
    let mut flags = 0;
    if read_only_cmd || (!compat && script & script_flags::NO_WRITES != 0) {
        flags |= run_flags::READ_ONLY;
    }
    if !compat && script & script_flags::ALLOW_OOM != 0 {
        flags |= run_flags::ALLOW_OOM;
    }
    Some(RunCtx {
        caller: ctx.id,
        db: ctx.db(),
        resp3: false,
        flags,
        repl: 3,
        oom_at_start,
        cmd,
        args: ctx.args.to_vec(),
    })
}

fn script_load(ctx: &mut Ctx) {
    match create(ctx, 2) {
        Ok(sha) => ctx.out.bulk(sha.as_bytes()),
        Err(e) => ctx.out.error_format_bytes(e.as_bytes()),
    }
}

fn script_exists(ctx: &mut Ctx) {
    ctx.out.array(ctx.args.len() - 2);
    for sha in &ctx.args[2..] {
        // The cache compares names without case (Redis' shaScriptObjectDictType).
        let known =
            std::str::from_utf8(sha).is_ok_and(|s| ctx.srv.scripting.scripts.contains_key(&s.to_ascii_lowercase()));
        ctx.out.int(i64::from(known));
    }
}

fn script_flush(ctx: &mut Ctx) {
    let ok = match ctx.args.get(2) {
        None => ctx.args.len() == 2,
        Some(m) => ctx.args.len() == 3 && (m.eq_ignore_ascii_case(b"sync") || m.eq_ignore_ascii_case(b"async")),
    };
    if !ok {
        return ctx.out.err("SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    ctx.srv.scripting.flush();
    ctx.out.ok();
}

/// SCRIPT KILL: a script runs while other commands do only once it is busy (see
/// scripting::slices).
fn script_kill(ctx: &mut Ctx) {
    match ctx.srv.kill_script(true) {
        Ok(()) => ctx.out.ok(),
        Err(e) => ctx.out.error(e),
    }
}

/// The Lua debugger is not offered.
fn script_debug(ctx: &mut Ctx) {
    let mode = &ctx.args[2];
    if mode.eq_ignore_ascii_case(b"no") {
        return ctx.out.ok();
    }
    if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        return ctx.out.err("SCRIPT DEBUG is not supported by this server");
    }
    ctx.out.err("Use SCRIPT DEBUG YES/SYNC/NO");
}

fn script_help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
}
