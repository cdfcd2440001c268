//! The Lua interpreter scripts run in, set up as Redis 7.0's scriptingInit does: Lua 5.1 with
//! the base, table, string and math libraries, a `redis` table, Redis' own `pcall`, and
//! globals no script can change. Stock Lua has no read-only tables (Redis patches its Lua), so
//! the globals table is kept empty: lookups fall through to a hidden table that holds
//! everything, and assignments hit a metamethod that refuses them with Redis' message.
//!
//! What needs the server (`redis.call` and friends) reaches it through the `bridge` table,
//! which holds a callback only while a script runs (see `super::run`).

use std::ffi::c_int;

use mlua::{chunk::ChunkMode, ffi, Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use super::lrand::Lrand48;

/// The chunk name of EVAL scripts (errors read `user_script:1: ...`).
pub(crate) const EVAL_CHUNK: &str = "@user_script";
/// The chunk name of function libraries.
pub(crate) const FUNCTION_CHUNK: &str = "@user_function";
/// Instructions between two calls of a counting hook (Redis' luaMaskCountHook period).
const HOOK_EVERY: u32 = 100_000;
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
        })
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
        mut handler: impl FnMut(&Lua, &str, &[Value]) -> (bool, Value),
    ) -> Result<Value, Value> {
        let result = self.lua.scope(|scope| {
            let bridge = scope.create_function_mut(|lua, args: MultiValue| {
                let mut args = args.into_iter();
                let op = match args.next() {
                    Some(Value::String(s)) => s.to_string_lossy(),
                    _ => String::new(),
                };
                Ok(handler(lua, &op, &args.collect::<Vec<_>>()))
            })?;
            self.bridge.raw_set("run", bridge)?;
            let outcome = self.call(f, args);
            self.bridge.raw_set("run", Value::Nil)?;
            Ok(outcome)
        });
        result.unwrap_or_else(|e| Err(self.lua_error_value(e)))
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
    for level in 1..32 {
        let frame = lua.inspect_stack(level, |d| {
            let src = d.source();
            (
                src.what.to_string(),
                src.source.map(|s| s.to_string()),
                d.current_line(),
            )
        });
        let Some((what, source, line)) = frame else { break };
        if what == "C" || what == "tail" || source.as_deref() == Some(INTERNAL_CHUNK) {
            continue;
        }
        if let Some(source) = source {
            t.raw_set("source", source)?;
        }
        if let Some(line) = line {
            t.raw_set("line", line as i64)?;
        }
        break;
    }
    Ok(t)
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
