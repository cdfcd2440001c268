//! The Lua interpreter scripts run in, set up as Redis 7.0's scriptingInit does: Lua 5.1 with
//! the base, table, string and math libraries, a `redis` table, Redis' own `pcall`, and
//! globals no script can change. Stock Lua has no read-only tables (Redis patches its Lua), so
//! the globals table is kept empty: lookups fall through to a hidden table that holds
//! everything, and assignments hit a metamethod that refuses them with Redis' message.
//!
//! What needs the server (`redis.call` and friends) reaches it through the `bridge` table,
//! which holds a callback only while a script runs (see `super::run`).

use std::ffi::c_int;

use mlua::{chunk::ChunkMode, ffi, Function, Lua, LuaOptions, MultiValue, StdLib, Table, Thread, Value};

use super::lrand::Lrand48;

/// The chunk name of EVAL scripts (errors read `user_script:1: ...`).
pub(crate) const EVAL_CHUNK: &str = "@user_script";
/// The chunk name of function libraries.
pub(crate) const FUNCTION_CHUNK: &str = "@user_function";
/// Instructions between two calls of a counting hook (Redis' luaMaskCountHook period).
const HOOK_EVERY: u32 = 100_000;
/// Instructions a script runs between two chances to yield to the server (a few ms of Lua).
const SLICE: c_int = 1_000_000;

/// The chunk name of our own Lua code, which error positions skip.
const INTERNAL_CHUNK: &str = "=ferrous";

/// Per-interpreter state reachable from Lua callbacks that do not need the server.
#[derive(Default)]
pub(crate) struct LuaState {
    /// A script is running: `math.random` may be used.
    pub running: bool,
    pub rand: Lrand48,
}

pub(crate) struct Engine {
    pub lua: Lua,
    /// Where the per-run callback is put (`bridge.run`).
    pub bridge: Table,
    /// The table behind the (empty) globals: KEYS and ARGV are set here.
    pub backing: Table,
    /// Runs a function under the handler (`runner(f, handler, args...)`).
    runner: Function,
    /// The metatable of the globals: its `__index` is `backing`, or `load_api` while a
    /// library's code runs for FUNCTION LOAD.
    globals_meta: Table,
    load_api: Table,
    /// The error handler scripts run under (Redis' `__redis__err__handler`).
    handler: Function,
    /// Scripts can yield between slices (see [`Engine::start`]): checked once at creation.
    slicing: bool,
    /// A coroutine to run the next script in (see [`Engine::recycle`]).
    spare: std::cell::RefCell<Option<Thread>>,
}

/// What one resume of a script's coroutine did.
pub(crate) enum Step {
    /// It returned (`Ok(first result)`) or raised (`Err(error table)`).
    Done(Result<Value, Value>),
    /// It ran a slice and yields, to be resumed.
    Yielded,
}

/// Redis' error-table helpers, the `pcall` it installs, the API wrappers and the protection
/// of the globals. Runs once, with the real globals, before they are locked.
const SETUP: &str = r#"
local bridge, err_table, sha1hex, next_unit, seed, raiser = ...
local error, type, select, tostring, tonumber, next, rawset, setmetatable = error, type, select, tostring, tonumber, next, rawset, setmetatable
local unpack, xpcall, floor, loadstring, concat = unpack, xpcall, math.floor, loadstring, table.concat

-- A function of the API that needs the running script (see bridge.run). `raiser` makes it a
-- C function that raises what the implementation returns after `false`, as Redis' C API
-- functions raise: a table as is, a string with the caller's position (luaL_error).
local function api(name, outside)
  return raiser(function(...)
    local run = bridge.run
    if run == nil then return false, {err = 'ERR ' .. outside} end
    return run(name, ...)
  end)
end

redis = {
  call = api('call', 'redis.call/pcall can only be called inside a script invocation'),
  pcall = api('pcall', 'redis.call/pcall can only be called inside a script invocation'),
  setresp = api('setresp', 'redis.setresp can only be called inside a script invocation'),
  set_repl = api('set_repl', 'redis.set_repl can only be called inside a script invocation'),
  acl_check_cmd = api('acl_check_cmd', 'redis.acl_check_cmd can only be called inside a script invocation'),
  log = api('log', 'redis.log can only be called inside a script invocation'),
  sha1hex = raiser(function(...)
    if select('#', ...) ~= 1 then return false, err_table('wrong number of arguments') end
    return true, sha1hex((...))
  end),
  error_reply = function(...)
    local e = ...
    if select('#', ...) ~= 1 or type(e) ~= 'string' then return err_table('wrong number or type of arguments') end
    if e:sub(1, 1) ~= '-' then e = '-' .. e end
    return err_table(e)
  end,
  status_reply = function(...)
    local s = ...
    if select('#', ...) ~= 1 or type(s) ~= 'string' then return err_table('wrong number or type of arguments') end
    return {ok = s}
  end,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function() end,
  REDIS_VERSION = '7.0.15',
  REDIS_VERSION_NUM = 458767,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
}

-- Redis 7's pcall hands back the message of an error table, as older versions did.
local rawpcall = pcall
local function pack(...) return {n = select('#', ...), ...} end
pcall = function(f, ...)
  local r = pack(rawpcall(f, ...))
  if r[1] then return unpack(r, 1, r.n) end
  local e = r[2]
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end

-- Redis' math.random: Lua 5.1's, drawing from Redis' lrand48 (see lrand.rs).
local function int_arg(n, i, v, fname)
  local x = tonumber(v)
  if x == nil then
    return nil, ("bad argument #%d to '%s' (number expected, got %s)"):format(i, fname, n < i and 'no value' or type(v))
  end
  if x >= 0 then return floor(x) end
  return -floor(-x)
end
math.random = raiser(function(...)
  local n = select('#', ...)
  local r = next_unit()
  if r == nil then return false, 'math.random can only be called inside a script invocation' end
  local a, b = ...
  if n == 0 then return true, r end
  if n > 2 then return false, 'wrong number of arguments' end
  local l, u, e = 1
  if n == 1 then
    u, e = int_arg(n, 1, a, 'random')
  else
    l, e = int_arg(n, 1, a, 'random')
    if e == nil then u, e = int_arg(n, 2, b, 'random') end
  end
  if e then return false, e end
  if l > u then return false, ("bad argument #%d to 'random' (interval is empty)"):format(n) end
  return true, floor(r * (u - l + 1)) + l
end)
math.randomseed = raiser(function(...)
  local v, e = int_arg(select('#', ...), 1, (...), 'randomseed')
  if e then return false, e end
  if not seed(v) then return false, 'math.randomseed can only be called inside a script invocation' end
  return true
end)

-- Runs a script function under the error handler, with its arguments (FCALL's keys, args).
local function runner(f, handler, ...)
  local args = pack(...)
  if args.n == 0 then return xpcall(f, handler) end
  return xpcall(function() return f(unpack(args, 1, args.n)) end, handler)
end

-- Text chunks only: Lua bytecode is not checked by the interpreter and could crash it.
local function safe_loadstring(s, name)
  if type(s) == 'string' and s:sub(1, 1) == '\27' then return nil, 'binary chunks are not allowed' end
  return loadstring(s, name)
end

-- Lock everything: the globals table stays empty, what it held moves behind it.
local G = _G
local backing, protected = {}, setmetatable({}, {__mode = 'k'})
local function refuse() error('Attempt to modify a readonly table', 2) end
local function readonly(t)
  local proxy = setmetatable({}, {__index = t, __newindex = refuse, __metatable = false})
  protected[proxy] = true
  return proxy
end
for k, v in next, G do backing[k] = v end
for k in next, backing do rawset(G, k, nil) end
for _, name in next, {'string', 'math', 'table', 'coroutine', 'redis', 'bit'} do
  backing[name] = readonly(backing[name])
end
-- Debian's redis-server 7.0.15 (the reference) has none of these.
backing.getfenv, backing.setfenv, backing.newproxy = nil, nil, nil
backing.dofile, backing.loadfile, backing.print = nil, nil, nil
backing.rawset = function(t, k, v)
  if protected[t] then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end
backing.setmetatable = function(t, m)
  if protected[t] then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, m)
end
backing.loadstring = safe_loadstring
backing.load = function(f, name)
  local parts = {}
  while true do
    local s = f()
    if s == nil or s == '' then break end
    parts[#parts + 1] = s
  end
  return safe_loadstring(concat(parts), name)
end
-- Missing names raise, as Redis' luaSetErrorMetatable makes them.
local function strict(t)
  return setmetatable(t, {__index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end, __newindex = refuse, __metatable = false})
end
strict(backing)
local gmeta = {__index = backing, __newindex = refuse}
gmeta.__metatable = readonly(gmeta)
setmetatable(G, gmeta)
-- Strings index the string library through their metatable: the read-only view there too.
local smeta = getmetatable('')
smeta.__index = backing.string
smeta.__metatable = readonly(smeta)
protected[G] = true
protected[backing] = true

-- What a library's code sees while FUNCTION LOAD runs it (Redis' library API).
local load_redis = strict({
  register_function = api('register', 'redis.register_function can only be called on FUNCTION LOAD command'),
  log = backing.redis.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = '7.0.15', REDIS_VERSION_NUM = 458767,
})
local load_api = strict({redis = readonly(load_redis)})
return backing, runner, gmeta, load_api
"#;

impl Engine {
    /// A fresh interpreter (also what SCRIPT FLUSH leaves behind).
    pub fn new() -> mlua::Result<Engine> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::new())?;
        lua.set_app_data(LuaState::default());
        // Before SETUP locks the globals (the probe needs the stock pcall).
        let slicing = slicing_works(&lua);
        let bridge = lua.create_table()?;
        let err_table = lua.create_function(|lua, msg: mlua::LuaString| error_table(lua, &msg.as_bytes()))?;
        let sha1hex = lua.create_function(|lua, s: Value| {
            lua.create_string(super::sha1_hex(&lua_string_bytes(&s).unwrap_or_default()))
        })?;
        let next_unit = lua.create_function(|lua, ()| {
            let mut st = lua.app_data_mut::<LuaState>().expect("set at creation");
            Ok(st.running.then(|| st.rand.unit()))
        })?;
        let seed = lua.create_function(|lua, n: f64| {
            let mut st = lua.app_data_mut::<LuaState>().expect("set at creation");
            if st.running {
                st.rand.seed(n as i32);
            }
            Ok(st.running)
        })?;
        let raiser = raiser(&lua)?;
        lua.globals().raw_set("bit", super::bitop::install(&lua, &raiser)?)?;
        let (backing, runner, globals_meta, load_api): (Table, Function, Table, Table) = lua
            .load(SETUP)
            .set_name(INTERNAL_CHUNK)
            .call((bridge.clone(), err_table, sha1hex, next_unit, seed, raiser))?;
        let handler = lua.create_function(error_handler)?;
        Ok(Engine {
            lua,
            bridge,
            backing,
            runner,
            globals_meta,
            load_api,
            handler,
            slicing,
            spare: Default::default(),
        })
    }

    /// A coroutine that runs `f`. It yields every SLICE instructions when it is at a point
    /// where Lua 5.1 can yield (not inside pcall, a metamethod or a coroutine of the script's
    /// own), so a long script hands the server back now and then (see `super::slices`).
    pub fn start(&self) -> mlua::Result<Thread> {
        if let Some(co) = self.spare.borrow_mut().take() {
            return Ok(co);
        }
        // SAFETY: lua_newthread pushes the new thread, which is all the closure leaves.
        let co: Thread = unsafe {
            self.lua.exec_raw((), |state| {
                ffi::lua_newthread(state);
            })
        }?;
        if self.slicing {
            let l = co.state();
            // SAFETY: `l` is the new thread's state; the registry write leaves its stack as
            // it was, and the hook only reads it (see slice_hook).
            unsafe {
                ffi::lua_pushlightuserdata(l, l.cast());
                ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, SLICED_KEY.as_ptr());
                ffi::lua_sethook(l, Some(slice_hook), ffi::LUA_MASKCOUNT, SLICE);
            }
        }
        Ok(co)
    }

    /// Keeps `co`, which returned normally, for the next script: a Lua 5.1 coroutine that
    /// ended without error can start another function (a new one costs an allocation and a
    /// registry entry per EVAL).
    pub fn recycle(&self, co: Thread) {
        *self.spare.borrow_mut() = Some(co);
    }

    /// Starts `f` on `co` with `args` (`Some`), or resumes `co` where it yielded (`None`),
    /// until it yields or ends, with `bridge.run` answering the API as in
    /// [`Engine::call_with_bridge`].
    pub fn resume_with_bridge(
        &self,
        co: &Thread,
        first: Option<(&Function, MultiValue)>,
        handler: impl FnMut(&Lua, &str, &[Value]) -> (bool, Value),
    ) -> Step {
        self.with_bridge(handler, || self.resume(co, first))
            .unwrap_or_else(|e| Step::Done(Err(self.lua_error_value(e))))
    }

    /// One raw `lua_resume` of `co`: mlua's own resume turns errors into text, and a script's
    /// error is a table.
    fn resume(&self, co: &Thread, first: Option<(&Function, MultiValue)>) -> Step {
        let mut all = MultiValue::new();
        all.push_back(Value::Thread(co.clone()));
        let starting = first.is_some();
        if let Some((f, args)) = first {
            all.push_back(Value::Function(f.clone()));
            all.extend(args);
        }
        // SAFETY: the closure moves the function and arguments to the coroutine, resumes it,
        // and moves its results (or its error value) back, checking stack space first.
        let out: mlua::Result<MultiValue> = unsafe {
            self.lua.exec_raw(all, |state| {
                let l = ffi::lua_tothread(state, 1);
                let moved_in = ffi::lua_gettop(state) - 1;
                if ffi::lua_checkstack(l, moved_in) == 0 {
                    ffi::lua_settop(state, 0);
                    ffi::lua_pushinteger(state, 3);
                    return;
                }
                ffi::lua_xmove(state, l, moved_in);
                ffi::lua_settop(state, 0);
                let nargs = moved_in - c_int::from(starting);
                let status = ffi::lua_resume_(l, nargs);
                let moved = match status {
                    ffi::LUA_YIELD => 0,
                    0 => ffi::lua_gettop(l),
                    _ => 1,
                };
                if ffi::lua_checkstack(state, moved + 1) == 0 {
                    ffi::lua_pushinteger(state, 3);
                    return;
                }
                ffi::lua_pushinteger(state, ffi::lua_Integer::from(status.clamp(0, 2)));
                ffi::lua_xmove(l, state, moved);
            })
        };
        let mut values = match out {
            Ok(v) => v.into_iter(),
            Err(e) => return Step::Done(Err(self.lua_error_value(e))),
        };
        let tag = values.next();
        let first = values.next().unwrap_or(Value::Nil);
        match tag {
            Some(Value::Integer(1)) => Step::Yielded,
            Some(Value::Integer(0)) => Step::Done(Ok(first)),
            Some(Value::Integer(2)) => {
                let frame = script_frame(co.state());
                Step::Done(Err(error_table_at(&self.lua, first, frame).unwrap_or(Value::Nil)))
            }
            _ => Step::Done(Err(self.lua_error_value(mlua::Error::runtime("out of stack space")))),
        }
    }

    /// The error a killed script ends with: `msg`, at the line the script had reached.
    pub fn error_where(&self, co: &Thread, msg: &[u8]) -> Value {
        let text = self.lua.create_string(msg).map(Value::String).unwrap_or(Value::Nil);
        error_table_at(&self.lua, text, script_frame(co.state())).unwrap_or(Value::Nil)
    }

    /// Compiles a script body (text only: Lua bytecode could crash the interpreter).
    pub fn compile(&self, body: &[u8], chunk: &str) -> Result<Function, String> {
        self.lua
            .load(body)
            .set_name(chunk)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| match e {
                mlua::Error::SyntaxError { message, .. } => message,
                other => other.to_string(),
            })
    }

    /// Runs `f` with `args` under the error handler: `Ok(first result)` or `Err(error value)`,
    /// where the error value is a table `{err=, source=, line=}` as Redis builds it.
    pub fn call(&self, f: &Function, args: MultiValue) -> Result<Value, Value> {
        let mut all = MultiValue::new();
        all.push_back(Value::Function(f.clone()));
        all.push_back(Value::Function(self.handler.clone()));
        all.extend(args);
        let result = self
            .runner
            .call::<MultiValue>(all)
            .map_err(|e| self.lua_error_value(e))?;
        let mut values = result.into_iter();
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let first = values.next().unwrap_or(Value::Nil);
        if ok {
            Ok(first)
        } else {
            Err(first)
        }
    }

    /// [`Engine::call`] with `bridge.run` answering the API functions that need more than
    /// Lua (see SETUP's `api`): `handler(lua, op, args)` gives `(true, result)` or
    /// `(false, error)` for the C wrapper to raise. The bridge exists for this call only.
    pub fn call_with_bridge(
        &self,
        f: &Function,
        args: MultiValue,
        handler: impl FnMut(&Lua, &str, &[Value]) -> (bool, Value),
    ) -> Result<Value, Value> {
        self.with_bridge(handler, || self.call(f, args))
            .unwrap_or_else(|e| Err(self.lua_error_value(e)))
    }

    /// Runs `body` with `bridge.run` calling `handler(lua, op, args)`; the bridge exists for
    /// that long only.
    fn with_bridge<R>(
        &self,
        mut handler: impl FnMut(&Lua, &str, &[Value]) -> (bool, Value),
        body: impl FnOnce() -> R,
    ) -> mlua::Result<R> {
        self.lua.scope(|scope| {
            let bridge = scope.create_function_mut(|lua, args: MultiValue| {
                let mut args = args.into_iter();
                let op = match args.next() {
                    Some(Value::String(s)) => s.to_string_lossy(),
                    _ => String::new(),
                };
                Ok(handler(lua, &op, &args.collect::<Vec<_>>()))
            })?;
            self.bridge.raw_set("run", bridge)?;
            let result = body();
            self.bridge.raw_set("run", Value::Nil)?;
            Ok(result)
        })
    }

    /// Stops what runs next with the error `msg` once it has run `budget` instructions (and
    /// at every 100,000 after that, so it cannot go on by catching the error).
    pub fn limit_instructions(&self, budget: u64, msg: &'static str) {
        let used = std::sync::atomic::AtomicU64::new(0);
        let triggers = mlua::HookTriggers::new().every_nth_instruction(HOOK_EVERY);
        let _ = self.lua.set_hook(triggers, move |_, _| {
            let n = used.fetch_add(u64::from(HOOK_EVERY), std::sync::atomic::Ordering::Relaxed);
            if n >= budget {
                return Err(mlua::Error::runtime(msg));
            }
            Ok(mlua::VmState::Continue)
        });
    }

    /// Shows a library's code the library API (`loading`) or the full one.
    pub fn set_loading(&self, loading: bool) {
        let api = if loading { &self.load_api } else { &self.backing };
        let _ = self.globals_meta.raw_set("__index", api.clone());
    }

    /// An error that escaped xpcall itself (out of memory, an error in the handler).
    fn lua_error_value(&self, e: mlua::Error) -> Value {
        self.lua
            .create_string(e.to_string())
            .map(Value::String)
            .unwrap_or(Value::Nil)
    }

    pub fn state(&self) -> mlua::AppDataRefMut<'_, LuaState> {
        self.lua.app_data_mut::<LuaState>().expect("set at creation")
    }
}

/// Redis' luaPushErrorBuff: `-CODE message` keeps its code, anything else gets `ERR`; line
/// breaks at either end of the message go. Returns `{err = "CODE message"}`.
pub(crate) fn error_table(lua: &Lua, raw: &[u8]) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(error_text(raw))?)?;
    Ok(t)
}

/// [`error_table`] as a value to return to Lua (nil if Lua is out of memory).
pub(crate) fn error_value(lua: &Lua, raw: &[u8]) -> Value {
    error_table(lua, raw).map(Value::Table).unwrap_or(Value::Nil)
}

/// `lua_tolstring`: strings, and numbers as Lua prints them; nothing for other types.
pub(crate) fn lua_string_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(lua_number_text(*n).into_bytes()),
        _ => None,
    }
}

/// `lua_tonumber`: numbers, and strings Lua reads as one; `None` for anything else.
pub(crate) fn lua_tonumber(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => s.to_str().ok().and_then(|s| lua_str2number(&s)),
        _ => None,
    }
}

/// Lua 5.1's string to number: a decimal as strtod reads it, or a hexadecimal integer.
fn lua_str2number(s: &str) -> Option<f64> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = u64::from_str_radix(hex, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    t.parse::<f64>().ok()
}

/// The `err` text of [`error_table`].
pub(crate) fn error_text(raw: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match raw.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&c| c == b' ') {
            Some(sp) => (&rest[..sp], &rest[sp + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", raw),
    };
    let crlf = |c: &u8| *c == b'\r' || *c == b'\n';
    let start = msg.iter().position(|c| !crlf(c)).unwrap_or(msg.len());
    let end = msg.iter().rposition(|c| !crlf(c)).map_or(start, |i| i + 1);
    let mut text = code.to_vec();
    text.push(b' ');
    text.extend_from_slice(&msg[start..end]);
    text
}

/// Redis' `__redis__err__handler`: turns what was raised into `{err=, source=, line=}`, with
/// the position of the script's line that raised it (C functions and our own wrappers are
/// skipped, as Redis skips the C function `redis.call`).
fn error_handler(lua: &Lua, err: Value) -> mlua::Result<Table> {
    let mut frame = None;
    for level in 1..32 {
        let found = lua.inspect_stack(level, |d| {
            let src = d.source();
            (
                src.what.to_string(),
                src.source.map(|s| s.as_bytes().to_vec()),
                d.current_line(),
            )
        });
        let Some((what, source, line)) = found else { break };
        if what == "C" || what == "tail" || source.as_deref() == Some(INTERNAL_CHUNK.as_bytes()) {
            continue;
        }
        frame = Some((source.unwrap_or_default(), line.map_or(-1, |l| l as i64)));
        break;
    }
    match error_table_at(lua, err, frame)? {
        Value::Table(t) => Ok(t),
        _ => lua.create_table(),
    }
}

/// The error table of `err` (a table as raised, anything else as `ERR <text>`), with the
/// position of the script's line that raised it: `frame` is its source and line.
fn error_table_at(lua: &Lua, err: Value, frame: Option<(Vec<u8>, i64)>) -> mlua::Result<Value> {
    let t = match err {
        Value::Table(t) => t,
        other => {
            let text = match (&other, lua_string_bytes(&other)) {
                (_, Some(text)) => text,
                (Value::Error(e), None) => root_message(e).into_bytes(),
                (Value::Nil, None) => b"nil".to_vec(),
                (Value::Boolean(b), None) => b.to_string().into_bytes(),
                (v, None) => v.to_string()?.into_bytes(),
            };
            let mut msg = b"ERR ".to_vec();
            msg.extend_from_slice(&text);
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(msg)?)?;
            t
        }
    };
    if let Some((source, line)) = frame {
        t.raw_set("source", lua.create_string(source)?)?;
        if line >= 0 {
            t.raw_set("line", line)?;
        }
    }
    Ok(Value::Table(t))
}

/// The registry key naming the coroutine a script runs in (the one slice_hook may yield).
const SLICED_KEY: &std::ffi::CStr = c"ferrous.sliced";

/// Yields the script's coroutine at the end of a slice, when Lua 5.1 can: only in that
/// coroutine (not one the script made) and outside any C call boundary.
unsafe extern "C-unwind" fn slice_hook(l: *mut ffi::lua_State, _ar: *mut ffi::lua_Debug) {
    ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, SLICED_KEY.as_ptr());
    let sliced = ffi::lua_touserdata(l, -1);
    ffi::lua_settop(l, -2);
    if sliced == l.cast() && c_calls_above_resume(l) == 0 {
        ffi::lua_yield(l, 0);
    }
}

/// Where Lua 5.1.5's lua_State keeps nCcalls and, right after it, baseCcalls (both unsigned
/// short): after the common header, status, eight pointers and two ints, on 64-bit targets.
const NCCALLS_OFFSET: usize = 96;

/// C calls (pcall, metamethods, sort comparators) between the coroutine's resume and the
/// running code: Lua 5.1 can yield only when there are none. Read from lua_State, as the C
/// API has no call for it; [`slicing_works`] checks the layout before any script relies on it.
unsafe fn c_calls_above_resume(l: *mut ffi::lua_State) -> u16 {
    let p = l.cast::<u8>().cast_const();
    let n = p.add(NCCALLS_OFFSET).cast::<u16>().read_unaligned();
    let base = p.add(NCCALLS_OFFSET + 2).cast::<u16>().read_unaligned();
    n.wrapping_sub(base)
}

/// Whether [`c_calls_above_resume`] reads what it should here: none at a coroutine's top
/// level, one inside a pcall. Otherwise scripts run without slices.
fn slicing_works(lua: &Lua) -> bool {
    unsafe extern "C-unwind" fn probe(l: *mut ffi::lua_State) -> c_int {
        ffi::lua_pushinteger(l, ffi::lua_Integer::from(c_calls_above_resume(l)));
        1
    }
    let check = || -> mlua::Result<bool> {
        // SAFETY: `probe` only reads the state and pushes one integer.
        let probe = unsafe { lua.create_c_function(probe) }?;
        let body: Function = lua
            .load("local probe, pcall = ... return function() local _, inner = pcall(probe) return probe(), inner end")
            .set_name(INTERNAL_CHUNK)
            .call((probe, lua.globals().raw_get::<Function>("pcall")?))?;
        let co = lua.create_thread(body)?;
        let (top, inner): (i64, i64) = co.resume(())?;
        Ok(top == 0 && inner == 1 && cfg!(target_pointer_width = "64"))
    };
    check().unwrap_or(false)
}

/// The source and line of the script frame `l` stopped in (an error's, or a yield's): C
/// functions, tail calls and our own Lua code are skipped, as the error handler skips them.
fn script_frame(l: *mut ffi::lua_State) -> Option<(Vec<u8>, i64)> {
    for level in 0..32 {
        // SAFETY: lua_getstack/lua_getinfo only read `l`'s call info into `ar`.
        let (what, source, line) = unsafe {
            let mut ar = std::mem::zeroed::<ffi::lua_Debug>();
            if ffi::lua_getstack(l, level, &mut ar) == 0 {
                return None;
            }
            ffi::lua_getinfo(l, c"Sl".as_ptr(), &mut ar);
            let text =
                |p: *const std::ffi::c_char| (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_bytes().to_vec());
            (text(ar.what), text(ar.source), ar.currentline)
        };
        let what = what.unwrap_or_default();
        if what == b"C" || what == b"tail" || source.as_deref() == Some(INTERNAL_CHUNK.as_bytes()) {
            continue;
        }
        return Some((source.unwrap_or_default(), i64::from(line)));
    }
    None
}

/// The message of an error raised from Rust (a hook's), without mlua's wrapping.
fn root_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        other => other.to_string(),
    }
}

/// How Lua 5.1's `tostring` writes a number (`%.14g`).
pub(crate) fn lua_number_text(n: f64) -> String {
    crate::resp::format_g(n, 14)
}

/// `raiser(impl)` returns a C function calling `impl(...)`, which answers `true, results...`
/// or `false, error`; the C function returns the results or raises the error (a string gets
/// the caller's position first, as luaL_error adds it). Being C, it keeps the script's own
/// frame on a `return redis.call(...)` tail call, so errors point at the script's line as in
/// Redis, where these functions are C.
fn raiser(lua: &Lua) -> mlua::Result<Function> {
    // SAFETY: `make_raiser` only uses the Lua C API on the stack it is given.
    unsafe { lua.create_c_function(make_raiser) }
}

unsafe extern "C-unwind" fn make_raiser(l: *mut ffi::lua_State) -> c_int {
    ffi::lua_settop(l, 1);
    ffi::lua_pushcclosure(l, raise_or_return, 1);
    1
}

/// The C function `raiser` makes. It holds no Rust values, so `lua_error`'s longjmp past it
/// skips nothing that needs dropping.
unsafe extern "C-unwind" fn raise_or_return(l: *mut ffi::lua_State) -> c_int {
    let n = ffi::lua_gettop(l);
    if ffi::lua_checkstack(l, 3) == 0 {
        ffi::lua_settop(l, 0);
        ffi::lua_pushboolean(l, 0);
        return 1;
    }
    ffi::lua_pushvalue(l, ffi::lua_upvalueindex(1));
    ffi::lua_insert(l, 1);
    ffi::lua_call(l, n, ffi::LUA_MULTRET);
    if ffi::lua_toboolean(l, 1) == 0 {
        ffi::lua_settop(l, 2);
        if ffi::lua_type(l, 2) == ffi::LUA_TSTRING {
            ffi::luaL_where(l, 1);
            ffi::lua_insert(l, 2);
            ffi::lua_concat(l, 2);
        }
        ffi::lua_error(l);
    }
    ffi::lua_remove(l, 1);
    ffi::lua_gettop(l)
}

#[cfg(test)]
mod slice_tests {
    use super::*;

    #[test]
    fn the_call_depth_probe_reads_lua_5_1s_state() {
        let lua = Lua::new_with(StdLib::TABLE, LuaOptions::new()).unwrap();
        assert!(slicing_works(&lua));
    }
}
