//! Lua scripting (Redis' eval.c, script.c, script_lua.c): the interpreter, the script cache,
//! and the run of one script, whose `redis.call`s execute commands as Redis' script client
//! would. The script runs on behalf of its caller: its commands run with the caller's id, in
//! the script's own database and protocol, and are propagated one by one as the script's
//! effects (the script itself never is).

mod bitop;
mod convert;
pub(crate) mod engine;
pub(crate) mod functions;
mod lrand;
mod shebang;
pub(crate) mod slices;

use std::collections::BTreeMap;

use mlua::{Function, Lua, MultiValue, Value};

use crate::client::ClientId;
use crate::command::{flags, CommandSpec, Lookup};
use crate::resp::Reply;
use crate::server::Server;
use crate::LogLevel;
use engine::{error_value, lua_string_bytes, lua_tonumber, Engine, Step};
pub(crate) use shebang::{parse_shebang, script_flags};

/// Flags of one run (Redis' SCRIPT_* run-context flags).
pub(crate) mod run_flags {
    /// EVAL_RO / a `no-writes` script: write commands are refused.
    pub const READ_ONLY: u32 = 1 << 0;
    /// An `allow-oom` script: commands run even when over maxmemory.
    pub const ALLOW_OOM: u32 = 1 << 1;
    /// The script ran a write command: later ones are not refused for memory or disk errors.
    pub const WRITE_DIRTY: u32 = 1 << 2;
}

/// A cached script: the flags its shebang declared and its size (the body lives on as its
/// compiled function in the interpreter).
pub(crate) struct Script {
    pub flags: u32,
    pub body_len: usize,
}

/// The script running now, and what its commands need.
pub(crate) struct RunCtx {
    pub caller: ClientId,
    /// The database its commands run in (SELECT inside the script changes only this).
    pub db: usize,
    /// The protocol its commands reply in (`redis.setresp`).
    pub resp3: bool,
    pub flags: u32,
    /// `redis.set_repl`: where its commands propagate (`crate::repl::target` bits).
    pub repl: u8,
    /// The caller was over maxmemory when the script started.
    pub oom_at_start: bool,
    /// The EVAL/FCALL that runs the script: a tracking caller that reads caches its keys.
    pub cmd: &'static CommandSpec,
    pub args: Vec<Vec<u8>>,
}

pub(crate) struct Scripting {
    /// EVAL's interpreter; out of here while a script runs (the script reaches the server).
    engine: Option<Engine>,
    /// FUNCTION's libraries and their interpreter.
    pub functions: functions::Functions,
    /// EVAL's script cache, by lowercase SHA1.
    pub scripts: BTreeMap<String, Script>,
    pub run: Option<RunCtx>,
    /// The running script, between two of its slices (see `slices`).
    pub suspended: Option<slices::Suspended>,
    /// Events are being served while a script is busy (they are not held back).
    pub serving_busy: bool,
    /// Runs since the last incremental GC step (Redis steps every 50 calls).
    gc_count: u32,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting {
            engine: Some(Engine::new().expect("a fresh Lua state sets up")),
            functions: Default::default(),
            scripts: BTreeMap::new(),
            run: None,
            suspended: None,
            serving_busy: false,
            gc_count: 0,
        }
    }
}

/// SHA1 of `data` in lowercase hex, as Redis names scripts.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    // By hand: this runs for every EVAL, and fmt's Display is several times slower.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(40);
    for b in sha1_smol::Sha1::from(data).digest().bytes() {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

impl Scripting {
    pub fn engine(&self) -> &Engine {
        self.engine
            .as_ref()
            .expect("the engine is only away while a script runs")
    }

    /// Where the interpreter of EVAL scripts (or of `function` libraries) is kept.
    fn engine_slot(&mut self, function: bool) -> &mut Option<Engine> {
        if function {
            &mut self.functions.engine
        } else {
            &mut self.engine
        }
    }

    /// Bytes the interpreter holds (INFO's used_memory_lua).
    pub fn vm_memory(&self) -> u64 {
        self.engine.as_ref().map_or(0, |e| e.lua.used_memory() as u64)
    }

    /// Bytes of the script cache: bodies and their SHA1 names (used_memory_scripts_eval).
    pub fn cache_memory(&self) -> u64 {
        self.scripts.values().map(|s| (s.body_len + 40) as u64).sum()
    }

    /// SCRIPT FLUSH: a new interpreter and an empty cache; the random state carries over.
    pub fn flush(&mut self) {
        let rand = self.engine().state().rand.clone();
        let fresh = Engine::new().expect("a fresh Lua state sets up");
        fresh.state().rand = rand;
        self.engine = Some(fresh);
        self.scripts.clear();
    }

    /// The compiled function of cached script `sha`.
    pub fn function(&self, sha: &str) -> Option<Function> {
        self.engine().lua.named_registry_value(&format!("f_{sha}")).ok()
    }

    /// Compiles and caches `body` (with its shebang `flags` and the length of the shebang
    /// line, which is left out but for its line break, keeping line numbers).
    pub fn create(&mut self, body: &[u8], flags: u32, shebang_len: usize) -> Result<String, String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let engine = self.engine();
        let f = engine
            .compile(&body[shebang_len..], engine::EVAL_CHUNK)
            .map_err(|e| format!("Error compiling script (new function): {e}"))?;
        engine
            .lua
            .set_named_registry_value(&format!("f_{sha}"), f)
            .map_err(|e| e.to_string())?;
        let body_len = body.len();
        self.scripts.insert(sha.clone(), Script { flags, body_len });
        Ok(sha)
    }
}

impl Server {
    /// Runs `f` for `run.caller` with `keys` and `argv` (as KEYS and ARGV for an EVAL script,
    /// as its two arguments for a `function`), and writes its result (or its error, naming
    /// script `name`) to `out`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_script(
        &mut self,
        run: RunCtx,
        name: &str,
        f: &Function,
        keys: &[Vec<u8>],
        argv: &[Vec<u8>],
        function: bool,
        out: &mut Reply,
    ) {
        let id = run.caller;
        let engine = self
            .scripting
            .engine_slot(function)
            .take()
            .expect("no script runs inside another");
        let mut args = MultiValue::new();
        let (keys, argv) = (lua_array(&engine, keys), lua_array(&engine, argv));
        if function {
            args.push_back(keys);
            args.push_back(argv);
        } else {
            let _ = engine.backing.raw_set("KEYS", keys);
            let _ = engine.backing.raw_set("ARGV", argv);
        }
        engine.state().running = true;
        let deny_before = self.clients.get(&id).is_some_and(|c| c.deny_blocking);
        let may_suspend = !deny_before && self.may_suspend_script(id);
        if let Some(c) = self.clients.get_mut(&id) {
            c.deny_blocking = true;
        }
        self.scripting.run = Some(run);
        let co = match engine.start() {
            Ok(co) => co,
            Err(e) => {
                let outcome = Err(error_value(&engine.lua, e.to_string().as_bytes()));
                return self.end_script(engine, function, deny_before, outcome, name, out);
            }
        };
        let mut step = engine.resume_with_bridge(&co, Some((f, args)), |lua, op, args| self.bridge(lua, op, args));
        // Where the server cannot be handed back mid-command (inside EXEC, say), the slices
        // just follow each other.
        while matches!(step, Step::Yielded) && !may_suspend {
            step = engine.resume_with_bridge(&co, None, |lua, op, args| self.bridge(lua, op, args));
        }
        match step {
            Step::Done(outcome) => {
                if outcome.is_ok() {
                    engine.recycle(co);
                }
                self.end_script(engine, function, deny_before, outcome, name, out)
            }
            Step::Yielded => {
                let parts = slices::Parts {
                    engine,
                    function,
                    co,
                    name: name.to_string(),
                    deny_before,
                };
                self.suspend_script(parts);
            }
        }
    }

    /// A script ended (returned, raised, or was killed): the interpreter goes back, and the
    /// result or the error is written to `out`.
    fn end_script(
        &mut self,
        engine: Engine,
        function: bool,
        deny_before: bool,
        outcome: Result<Value, Value>,
        name: &str,
        out: &mut Reply,
    ) {
        engine.state().running = false;
        self.scripting.gc_count += 1;
        if self.scripting.gc_count == 50 {
            let _ = engine.lua.gc_step();
            self.scripting.gc_count = 0;
        }
        *self.scripting.engine_slot(function) = Some(engine);
        let run = self.scripting.run.take().expect("set when the script started");
        let id = run.caller;
        if let Some(c) = self.clients.get_mut(&id) {
            c.deny_blocking = deny_before;
        }
        // What its commands raised for the caller (keyspace events, invalidations) goes
        // before the script's reply, where Redis writes it.
        crate::command::move_stray_pushes(self, id, out);
        match outcome {
            Ok(v) => convert::lua_to_reply(&v, out, run.resp3),
            Err(e) => write_script_error(&e, name, out),
        }
        // The script's commands went out as its effects; the script itself does not.
        self.repl.prevent();
    }

    /// One `redis.*` call that needs the server: `(true, result)` or `(false, error)` for the
    /// Lua wrapper to raise.
    fn bridge(&mut self, lua: &Lua, op: &str, args: &[Value]) -> (bool, Value) {
        let fail = |msg: &str| (false, error_value(lua, msg.as_bytes()));
        match op {
            "call" => self.redis_call(lua, args, true),
            "pcall" => self.redis_call(lua, args, false),
            "setresp" => {
                if args.len() != 1 {
                    return fail("redis.setresp() requires one argument.");
                }
                match lua_tonumber(&args[0]).unwrap_or(0.0) as i64 {
                    v @ (2 | 3) => {
                        if let Some(run) = self.scripting.run.as_mut() {
                            run.resp3 = v == 3;
                        }
                        (true, Value::Nil)
                    }
                    _ => fail("RESP version must be 2 or 3."),
                }
            }
            "set_repl" => {
                if args.len() != 1 {
                    return fail("redis.set_repl() requires two arguments.");
                }
                let flags = lua_tonumber(&args[0]).unwrap_or(0.0) as i64;
                if flags & !3 != 0 {
                    return fail("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
                }
                if let Some(run) = self.scripting.run.as_mut() {
                    run.repl = flags as u8;
                }
                (true, Value::Nil)
            }
            "log" => self.redis_log(lua, args),
            "acl_check_cmd" => match lua_argv(args) {
                Err(msg) => fail(msg),
                Ok(argv) => match crate::command::lookup(&self.commands, &argv) {
                    // Every client is the default user, allowed everything.
                    Lookup::Found(_) => (true, Value::Boolean(true)),
                    _ => fail("Invalid command passed to redis.acl_check_cmd()"),
                },
            },
            "register" => fail("redis.register_function can only be called on FUNCTION LOAD command"),
            _ => fail("unknown redis API call"),
        }
    }

    /// redis.call / redis.pcall: runs the command and converts its reply; an error reply is
    /// raised by `call` (`raise`) and returned as a table by `pcall`.
    fn redis_call(&mut self, lua: &Lua, args: &[Value], raise: bool) -> (bool, Value) {
        let argv = match lua_argv(args) {
            Ok(argv) => argv,
            Err(msg) => return (!raise, error_value(lua, msg.as_bytes())),
        };
        match self.script_call(&argv) {
            Err(msg) => (!raise, error_value(lua, &msg)),
            Ok(reply) => {
                let mut pos = 0;
                let value = convert::reply_to_lua(lua, &reply, &mut pos).unwrap_or(Value::Nil);
                (!(raise && reply.first() == Some(&b'-')), value)
            }
        }
    }

    /// Redis' scriptCall: checks the command as Redis does for scripts, then runs it as the
    /// caller in the script's database and protocol. `Err` is an error the script gets without
    /// the command running.
    fn script_call(&mut self, argv: &[Vec<u8>]) -> Result<Vec<u8>, Vec<u8>> {
        let cmd = match crate::command::lookup(&self.commands, argv) {
            Lookup::Found(cmd) if cmd.arity_ok(argv.len()) => cmd,
            Lookup::Found(_) => return Err(b"Wrong number of args calling Redis command from script".to_vec()),
            _ => return Err(b"Unknown Redis command called from script".to_vec()),
        };
        if cmd.flags & flags::NOSCRIPT != 0 {
            return Err(b"This Redis command is not allowed from script".to_vec());
        }
        self.script_may_run(cmd)?;
        let run = self.scripting.run.as_mut().expect("called from a running script");
        if cmd.flags & flags::WRITE != 0 {
            run.flags |= run_flags::WRITE_DIRTY;
        }
        let (id, db, resp3, targets) = (run.caller, run.db, run.resp3, run.repl);
        let Some(c) = self.clients.get_mut(&id) else {
            return Err(b"the calling client is gone".to_vec());
        };
        let (caller_db, last_cmd) = (c.db, c.last_cmd);
        c.db = db;
        let mut out = Reply::new(resp3);
        crate::command::call_from_script(self, id, cmd, argv, &mut out, targets);
        if let Some(c) = self.clients.get_mut(&id) {
            let script_db = std::mem::replace(&mut c.db, caller_db);
            c.last_cmd = last_cmd;
            if let Some(run) = self.scripting.run.as_mut() {
                run.db = script_db;
            }
        }
        Ok(out.buf)
    }

    /// The checks of Redis' scriptVerifyWriteCommandAllow and scriptVerifyOOM.
    fn script_may_run(&mut self, cmd: &CommandSpec) -> Result<(), Vec<u8>> {
        let run = self.scripting.run.as_ref().expect("called from a running script");
        let (flags, oom_at_start) = (run.flags, run.oom_at_start);
        if flags & run_flags::READ_ONLY != 0 && cmd.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0 {
            return Err(b"Write commands are not allowed from read-only scripts.".to_vec());
        }
        let dirty = flags & run_flags::WRITE_DIRTY != 0;
        let caller = run.caller;
        if cmd.flags & flags::WRITE != 0 && !dirty {
            let obeyed = self.clients.get(&caller).is_some_and(|c| c.master);
            if self.is_replica() && self.cfg.replica_read_only && !obeyed {
                return Err(b"-READONLY You can't write against a read only replica.".to_vec());
            }
            if let Some(msg) = self.disk_error_message() {
                let mut e = b"-".to_vec();
                e.extend_from_slice(&msg);
                return Err(e);
            }
            if !self.enough_good_replicas() {
                return Err(b"-NOREPLICAS Not enough good replicas to write.".to_vec());
            }
        }
        let oom = flags & run_flags::ALLOW_OOM == 0
            && self.cfg.maxmemory > 0
            && !dirty
            && oom_at_start
            && cmd.flags & flags::DENYOOM != 0;
        if oom {
            return Err(b"-OOM command not allowed when used memory > 'maxmemory'.".to_vec());
        }
        Ok(())
    }

    /// redis.log(level, ...): the arguments joined by spaces, at that level.
    fn redis_log(&mut self, lua: &Lua, args: &[Value]) -> (bool, Value) {
        if args.len() < 2 {
            return (false, error_value(lua, b"redis.log() requires two arguments or more."));
        }
        let Some(level) = lua_tonumber(&args[0]) else {
            return (false, error_value(lua, b"First argument must be a number (log level)."));
        };
        let level = match level as i64 {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            2 => LogLevel::Notice,
            3 => LogLevel::Warning,
            _ => return (false, error_value(lua, b"Invalid debug level.")),
        };
        let parts: Vec<String> = args[1..]
            .iter()
            .filter_map(lua_string_bytes)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
        self.log(level, parts.join(" "));
        (true, Value::Nil)
    }
}

/// Redis' luaArgsToRedisArgv: strings as they are, numbers as `%.17g`; anything else refused.
fn lua_argv(args: &[Value]) -> Result<Vec<Vec<u8>>, &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    args.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            Value::Integer(i) => Ok(crate::resp::format_double(*i as f64).into_bytes()),
            Value::Number(n) => Ok(crate::resp::format_double(*n).into_bytes()),
            _ => Err("Lua redis lib command arguments must be strings or integers"),
        })
        .collect()
}

/// A Lua array of `items` (KEYS, ARGV, FCALL's arguments).
fn lua_array(engine: &Engine, items: &[Vec<u8>]) -> Value {
    let Ok(t) = engine.lua.create_table() else {
        return Value::Nil;
    };
    for (i, item) in items.iter().enumerate() {
        if let Ok(s) = engine.lua.create_string(item) {
            let _ = t.raw_set(i + 1, s);
        }
    }
    Value::Table(t)
}

/// The reply for a script that raised an error (Redis' luaCallFunction): the error table's
/// message, and where it was raised; anything else raised is "Error running script".
fn write_script_error(e: &Value, name: &str, out: &mut Reply) {
    let Value::Table(t) = e else {
        let msg = lua_string_bytes(e).unwrap_or_else(|| b"execution failure".to_vec());
        let mut text = format!("ERR Error running script {name}, ").into_bytes();
        text.extend_from_slice(&msg[..msg.len().min(100)]);
        return out.error_format_bytes(&text);
    };
    let field = |k: &str| t.raw_get::<Value>(k).ok().as_ref().and_then(lua_string_bytes);
    let mut msg = field("err").unwrap_or_default();
    if let (Some(source), Some(line)) = (field("source"), field("line")) {
        msg.extend_from_slice(format!(" script: {name}, on ").as_bytes());
        msg.extend_from_slice(&source);
        msg.push(b':');
        msg.extend_from_slice(&line);
        msg.push(b'.');
    }
    out.error_bytes(&msg);
}
