//! FUNCTION and FCALL: the Redis 7 function libraries (Redis' functions.c). Loading and
//! running them is in `crate::scripting::functions`.

use crate::command::acl::{SCRIPTING, SLOW, WRITE as ACL_WRITE};
use crate::command::flags::{
    ALLOW_BUSY, DENYOOM, LOADING, MAY_REPLICATE, MOVABLE_KEYS, NOSCRIPT, NO_MANDATORY_KEYS, READONLY, SKIP_MONITOR,
    STALE, WRITE,
};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::rdb::{opcode, Decoder, Encoder, RDB_VERSION};
use crate::scripting::script_flags;

const GROUP: &str = "scripting";
const FCALL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;
const SHARDS_OK: &[&str] = &["request_policy:all_shards", "response_policy:all_succeeded"];

#[rustfmt::skip]
static SUBCOMMANDS: &[CommandSpec] = &[
    cmd("function|delete", 3, WRITE | NOSCRIPT, ACL_WRITE | SLOW | SCRIPTING, GROUP, "7.0.0", "Delete a function by name", "O(1)", delete).tips(SHARDS_OK),
    cmd("function|dump", 2, NOSCRIPT, SLOW | SCRIPTING, GROUP, "7.0.0", "Dump all functions into a serialized binary payload", "O(N) where N is the number of functions", dump),
    cmd("function|flush", -2, WRITE | NOSCRIPT, ACL_WRITE | SLOW | SCRIPTING, GROUP, "7.0.0", "Deleting all functions", "O(N) where N is the number of functions deleted", flush).tips(SHARDS_OK),
    cmd("function|help", 2, LOADING | STALE, SLOW | SCRIPTING, GROUP, "7.0.0", "Show helpful text about the different subcommands", "O(1)", help),
    cmd("function|kill", 2, NOSCRIPT | ALLOW_BUSY, SLOW | SCRIPTING, GROUP, "7.0.0", "Kill the function currently in execution.", "O(1)", kill)
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
    cmd("function|list", -2, NOSCRIPT, SLOW | SCRIPTING, GROUP, "7.0.0", "List information about all the functions", "O(N) where N is the number of functions", list)
        .tips(&["nondeterministic_output_order"]),
    cmd("function|load", -3, WRITE | DENYOOM | NOSCRIPT, ACL_WRITE | SLOW | SCRIPTING, GROUP, "7.0.0", "Create a function with the given arguments (name, code, description)", "O(1) (considering compilation time is redundant)", load).tips(SHARDS_OK),
    cmd("function|restore", -3, WRITE | DENYOOM | NOSCRIPT, ACL_WRITE | SLOW | SCRIPTING, GROUP, "7.0.0", "Restore all the functions on the given payload", "O(N) where N is the number of functions on the payload", restore).tips(SHARDS_OK),
    cmd("function|stats", 2, NOSCRIPT | ALLOW_BUSY, SLOW | SCRIPTING, GROUP, "7.0.0", "Return information about the function currently running (name, description, duration)", "O(1)", stats)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("function", -2, 0, SLOW, GROUP, "7.0.0", "A container for function commands", "Depends on subcommand.", super::connection::container).subs(SUBCOMMANDS),
    cmd("fcall", -3, FCALL_FLAGS | MAY_REPLICATE, SLOW | SCRIPTING, GROUP, "7.0.0", "Invoke a function", "Depends on the function that is executed.", fcall).getkeys(crate::command::keynum_keys::<0, 2, 3, 1>),
    cmd("fcall_ro", -3, READONLY | FCALL_FLAGS, SLOW | SCRIPTING, GROUP, "7.0.0", "Invoke a read-only function", "Depends on the function that is executed.", fcall).getkeys(crate::command::keynum_keys::<0, 2, 3, 1>),
];

/// FCALL / FCALL_RO function numkeys key... arg...
fn fcall(ctx: &mut Ctx) {
    super::scripting::feed_monitors_first(ctx);
    let asked = String::from_utf8_lossy(&ctx.args[1]).into_owned();
    let Some((name, f)) = ctx.srv.scripting.functions.find(&asked) else {
        return ctx.out.err("Function not found");
    };
    let (name, callback, flags) = (name.to_string(), f.callback.clone(), f.flags);
    let numkeys = match crate::resp::parse_i64(&ctx.args[2]) {
        Some(n) => n,
        None => return ctx.out.err("Bad number of keys provided"),
    };
    let Some(keys_end) = super::scripting::keys_end(ctx, numkeys) else {
        return;
    };
    let Some(run) = super::scripting::prepare(ctx, flags) else {
        return;
    };
    let (keys, argv) = (&ctx.args[3..keys_end], &ctx.args[keys_end..]);
    ctx.srv.run_script(run, &name, &callback, keys, argv, true, ctx.out);
}

/// FUNCTION LOAD [REPLACE] code
fn load(ctx: &mut Ctx) {
    let args = ctx.args;
    let mut replace = false;
    for opt in &args[2..args.len() - 1] {
        if !opt.eq_ignore_ascii_case(b"replace") {
            let mut msg = b"ERR Unknown option given: ".to_vec();
            msg.extend_from_slice(opt);
            return ctx.out.error_format_bytes(&msg);
        }
        replace = true;
    }
    match ctx.srv.load_library(&args[args.len() - 1], replace) {
        Ok(name) => {
            ctx.dirty(1);
            ctx.out.bulk(name.as_bytes());
        }
        Err(e) => ctx.out.err(&e),
    }
}

fn delete(ctx: &mut Ctx) {
    let name = String::from_utf8_lossy(&ctx.args[2]).into_owned();
    if ctx.srv.scripting.functions.libraries.remove(&name).is_none() {
        return ctx.out.err("Library not found");
    }
    ctx.dirty(1);
    ctx.out.ok();
}

/// FUNCTION FLUSH [ASYNC|SYNC], with Redis' argument checks.
fn flush(ctx: &mut Ctx) {
    if ctx.args.len() > 3 {
        return subcommand_syntax_error(ctx);
    }
    if let Some(mode) = ctx.args.get(2) {
        if !mode.eq_ignore_ascii_case(b"sync") && !mode.eq_ignore_ascii_case(b"async") {
            return ctx.out.err("FUNCTION FLUSH only supports SYNC|ASYNC option");
        }
    }
    ctx.srv.scripting.functions.libraries.clear();
    ctx.dirty(1);
    ctx.out.ok();
}

/// Redis' addReplySubcommandSyntaxError: the subcommand as the client typed it.
fn subcommand_syntax_error(ctx: &mut Ctx) {
    let mut msg = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    msg.extend_from_slice(crate::command::c_str(&ctx.args[1], 128));
    msg.extend_from_slice(b"'. Try FUNCTION HELP.");
    ctx.out.error_bytes(&msg);
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
fn list(ctx: &mut Ctx) {
    let args = ctx.args;
    let (mut with_code, mut pattern) = (false, None);
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            if i + 1 >= args.len() {
                return ctx.out.err("library name argument was not given");
            }
            i += 1;
            pattern = Some(&args[i]);
        } else {
            let mut msg = b"ERR Unknown argument ".to_vec();
            msg.extend_from_slice(a);
            return ctx.out.error_bytes(&msg);
        }
        i += 1;
    }
    let libs: Vec<_> = ctx
        .srv
        .scripting
        .functions
        .libraries
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| crate::glob::glob_match(p, name.as_bytes(), true)))
        .collect();
    let out = &mut *ctx.out;
    out.array(libs.len());
    for (name, lib) in libs {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(lib.functions.len());
        for (fname, f) in &lib.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(fname.as_bytes());
            out.bulk(b"description");
            match &f.description {
                Some(d) => out.bulk(d),
                None => out.null(),
            }
            out.bulk(b"flags");
            let names: Vec<&str> = script_flags::NAMES
                .iter()
                .filter(|(bit, _)| f.flags & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            out.set(names.len());
            for n in names {
                out.simple(n);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&lib.code);
        }
    }
}

/// No function ever runs while another client's command does.
fn kill(ctx: &mut Ctx) {
    match ctx.srv.kill_script(false) {
        Ok(()) => ctx.out.ok(),
        Err(e) => ctx.out.error(e),
    }
}

fn stats(ctx: &mut Ctx) {
    if ctx.srv.script_suspended() && ctx.srv.running_function().is_none() {
        return ctx.out.error(crate::scripting::slices::BUSY_EVAL);
    }
    let running = ctx.srv.running_function();
    let f = &ctx.srv.scripting.functions;
    let (libs, functions) = (f.libraries.len(), f.function_count());
    let out = &mut *ctx.out;
    out.map(2);
    out.bulk(b"running_script");
    match running {
        None => out.null(),
        Some((name, args, ms)) => {
            out.map(3);
            out.bulk(b"name");
            out.bulk(name.as_bytes());
            out.bulk(b"command");
            out.array(args.len());
            for a in &args {
                out.bulk(a);
            }
            out.bulk(b"duration_ms");
            out.int(ms as i64);
        }
    }
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(libs as i64);
    out.bulk(b"functions_count");
    out.int(functions as i64);
}

/// FUNCTION DUMP: every library as RDB's FUNCTION2 opcode and its code, sealed like DUMP's
/// payloads (RDB version and CRC-64).
fn dump(ctx: &mut Ctx) {
    let mut body = ctx.srv.functions_rdb_image(true);
    crate::rdb::dump::seal(&mut body, RDB_VERSION);
    ctx.out.bulk(&body);
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
fn restore(ctx: &mut Ctx) {
    let args = ctx.args;
    if args.len() > 4 {
        return subcommand_syntax_error(ctx);
    }
    let policy = match args.get(3).map(|p| p.to_ascii_lowercase()) {
        None => Policy::Append,
        Some(p) if p == b"append" => Policy::Append,
        Some(p) if p == b"replace" => Policy::Replace,
        Some(p) if p == b"flush" => Policy::Flush,
        Some(_) => {
            return ctx
                .out
                .err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
        }
    };
    let payload = &args[2];
    if crate::rdb::dump::verify_footer(payload, ctx.srv.skip_checksum_validation).is_err() {
        return ctx.out.err("DUMP payload version or checksum are wrong");
    }
    let codes = match read_functions(&payload[..payload.len() - crate::rdb::dump::FOOTER_LEN]) {
        Ok(codes) => codes,
        Err(e) => return ctx.out.err(e),
    };
    match ctx.srv.restore_libraries(&codes, policy) {
        Ok(()) => {
            ctx.dirty(1);
            ctx.out.ok();
        }
        Err(e) => ctx.out.err(&e),
    }
}

/// How FUNCTION RESTORE treats the libraries already there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Add; a library that exists already fails the whole restore.
    Append,
    /// Add, replacing libraries of the same name.
    Replace,
    /// Remove every library first.
    Flush,
}

/// The library codes of a payload's body: FUNCTION2 opcodes, each with its code.
fn read_functions(body: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    let mut d = Decoder::new(body);
    let mut codes = Vec::new();
    while d.position() < body.len() {
        let Ok(op) = d.read_u8() else {
            return Err("can not read data type");
        };
        if op != opcode::FUNCTION2 {
            return Err("given type is not a function");
        }
        match d.read_string_bytes() {
            Ok(code) => codes.push(code),
            Err(_) => return Err("Failed loading library payload"),
        }
    }
    Ok(codes)
}

impl crate::server::Server {
    /// The libraries as RDB writes them: FUNCTION2 and the code, for each.
    pub(crate) fn functions_rdb_image(&self, compression: bool) -> Vec<u8> {
        let mut e = Encoder::new(compression);
        for lib in self.scripting.functions.libraries.values() {
            e.write_u8(opcode::FUNCTION2);
            e.write_string(&lib.code);
        }
        e.into_bytes()
    }

    /// Loads `codes` as new libraries under `policy`: all of them or none.
    pub(crate) fn restore_libraries(&mut self, codes: &[Vec<u8>], policy: Policy) -> Result<(), String> {
        let saved = std::mem::take(&mut self.scripting.functions.libraries);
        let mut loaded = Vec::new();
        let mut result = Ok(());
        for code in codes {
            match self.load_library(code, false) {
                Ok(name) => loaded.push(name),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let fresh = std::mem::replace(&mut self.scripting.functions.libraries, saved);
        result?;
        if policy == Policy::Flush {
            self.scripting.functions.libraries = fresh;
            return Ok(());
        }
        let current = &self.scripting.functions.libraries;
        for name in fresh.keys() {
            if current.contains_key(name) && policy == Policy::Append {
                return Err(format!("Library {name} already exists"));
            }
        }
        for (name, lib) in &fresh {
            for f in lib.functions.keys() {
                let replaced = |l: &str| l == name || (policy == Policy::Replace && fresh.contains_key(l));
                if self.scripting.functions.taken(f, replaced) {
                    return Err(format!("Function {f} already exists"));
                }
            }
        }
        self.scripting.functions.libraries.extend(fresh);
        Ok(())
    }
}

fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
}
