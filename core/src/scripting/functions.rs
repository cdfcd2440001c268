//! Redis 7 functions (functions.c, function_lua.c): libraries of named Lua functions loaded
//! with FUNCTION LOAD into an interpreter of their own, called with FCALL, and saved with the
//! dataset.

use std::collections::BTreeMap;

use mlua::{Function, Lua, MultiValue, Table, Value};

use super::engine::{self, Engine};
use super::script_flags;
use crate::server::Server;

pub(crate) struct FunctionInfo {
    pub callback: Function,
    pub description: Option<Vec<u8>>,
    pub flags: u32,
}

pub(crate) struct Library {
    /// The whole code, shebang included, as FUNCTION LOAD got it.
    pub code: Vec<u8>,
    pub functions: BTreeMap<String, FunctionInfo>,
}

pub(crate) struct Functions {
    /// The libraries' interpreter; out of here while a function or a library's code runs.
    pub engine: Option<Engine>,
    pub libraries: BTreeMap<String, Library>,
}

impl Default for Functions {
    fn default() -> Self {
        Functions {
            engine: Some(Engine::new().expect("a fresh Lua state sets up")),
            libraries: BTreeMap::new(),
        }
    }
}

impl Functions {
    /// Function `name` as it was registered, and the function. Function names are global
    /// and compared without case (Redis' functionDictType); library names keep their case.
    pub fn find(&self, name: &str) -> Option<(&str, &FunctionInfo)> {
        self.libraries.values().find_map(|l| {
            l.functions
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(name))
                .map(|(f, info)| (f.as_str(), info))
        })
    }

    /// Whether a library other than `except` has a function named `name` (without case).
    pub fn taken(&self, name: &str, except: impl Fn(&str) -> bool) -> bool {
        self.libraries
            .iter()
            .any(|(l, lib)| !except(l) && lib.functions.keys().any(|f| f.eq_ignore_ascii_case(name)))
    }

    /// Bytes the libraries' interpreter holds (INFO's used_memory_vm_functions).
    pub fn vm_memory(&self) -> u64 {
        self.engine.as_ref().map_or(0, |e| e.lua.used_memory() as u64)
    }

    /// Bytes of the libraries' code (used_memory_functions).
    pub fn code_memory(&self) -> u64 {
        self.libraries.values().map(|l| l.code.len() as u64).sum()
    }

    pub fn function_count(&self) -> usize {
        self.libraries.values().map(|l| l.functions.len()).sum()
    }
}

/// `[a-zA-Z0-9_]+`, the names Redis accepts for libraries and functions.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

const BAD_NAME: &str =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// What the first line of a library's code says, and the code after it.
struct LibMeta<'a> {
    engine: Vec<u8>,
    name: Vec<u8>,
    /// The code from the first line's break on (line numbers stay those of the whole code).
    body: &'a [u8],
}

/// Redis' functionExtractLibMetaData: `#!<engine> name=<library>` on the first line.
fn metadata(code: &[u8]) -> Result<LibMeta<'_>, String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&c| c == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let parts = match crate::resp::split_args(&code[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid library metadata".into()),
    };
    let engine = parts[0][2..].to_vec();
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err("Invalid metadata value, name argument was given multiple times".into());
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let name = name.ok_or("Library name was not given")?;
    Ok(LibMeta {
        engine,
        name,
        body: &code[end..],
    })
}

/// How many Lua instructions a library's code may run at load time. Redis allows 500 ms of
/// wall time; the core has no clock inside a call, so a count stands for it (a few times what
/// Lua runs in 500 ms here), which also keeps the outcome the same on every machine.
const LOAD_INSTRUCTION_BUDGET: u64 = 200_000_000;

/// What `redis.register_function` collected while a library's code ran.
type Registered = BTreeMap<String, FunctionInfo>;

impl Server {
    /// FUNCTION LOAD: compiles and runs the library's code, which registers its functions,
    /// and links them in (replacing the library of the same name if `replace`). Returns the
    /// library name, or Redis' error text.
    pub(crate) fn load_library(&mut self, code: &[u8], replace: bool) -> Result<String, String> {
        let meta = metadata(code)?;
        if !valid_name(&meta.name) {
            return Err(BAD_NAME.into());
        }
        let name = String::from_utf8_lossy(&meta.name).into_owned();
        if !meta.engine.eq_ignore_ascii_case(b"lua") {
            return Err(format!("Engine '{}' not found", String::from_utf8_lossy(&meta.engine)));
        }
        if self.scripting.functions.libraries.contains_key(&name) && !replace {
            return Err(format!("Library '{name}' already exists"));
        }
        let functions = self.run_library_code(meta.body)?;
        if functions.is_empty() {
            return Err("No functions registered".into());
        }
        let libs = &self.scripting.functions;
        let clash = functions.keys().find(|f| libs.taken(f, |l| l == name));
        if let Some(f) = clash {
            return Err(format!("Function {f} already exists"));
        }
        let library = Library {
            code: code.to_vec(),
            functions,
        };
        self.scripting.functions.libraries.insert(name.clone(), library);
        Ok(name)
    }

    /// Runs a library's code with the library API, collecting what it registers.
    fn run_library_code(&mut self, body: &[u8]) -> Result<Registered, String> {
        let engine = self
            .scripting
            .functions
            .engine
            .take()
            .expect("no library loads inside a run");
        let result = match engine.compile(body, engine::FUNCTION_CHUNK) {
            Err(e) => Err(format!("Error compiling function: {e}")),
            Ok(f) => {
                engine.set_loading(true);
                engine.limit_instructions(LOAD_INSTRUCTION_BUDGET, "FUNCTION LOAD timeout");
                let outcome = self.register_in_scope(&engine, &f);
                engine.lua.remove_hook();
                engine.set_loading(false);
                outcome
            }
        };
        self.scripting.functions.engine = Some(engine);
        result
    }

    fn register_in_scope(&mut self, engine: &Engine, f: &Function) -> Result<Registered, String> {
        let mut registered = Registered::new();
        let outcome = engine.call_with_bridge(f, MultiValue::new(), |lua, op, args| match op {
            "register" => match register(lua, args, &mut registered) {
                Ok(()) => (true, Value::Nil),
                Err(msg) => (false, engine::error_value(lua, msg.as_bytes())),
            },
            "log" => self.redis_log(lua, args),
            _ => {
                let msg = b"This Redis API is not available while loading a library";
                (false, engine::error_value(lua, msg))
            }
        });
        match outcome {
            Ok(_) => Ok(registered),
            Err(e) => Err(format!("Error registering functions: {}", error_message(&e))),
        }
    }
}

/// The message of a raised error value (the `err` of an error table).
fn error_message(e: &Value) -> String {
    match e {
        Value::Table(t) => t
            .raw_get::<Value>("err")
            .ok()
            .and_then(|v| v.to_string().ok())
            .unwrap_or_default(),
        other => other.to_string().unwrap_or_default(),
    }
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=,
/// callback=, flags=, description=}`, with Redis' checks and messages.
fn register(lua: &Lua, args: &[Value], registered: &mut Registered) -> Result<(), String> {
    let _ = lua;
    let (name, callback, description, flags) = match args {
        [Value::Table(t)] => named_args(t)?,
        [_] => return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).".into()),
        [name, callback] => {
            let name = engine::lua_string_bytes(name).ok_or("first argument to redis.register_function must be a string")?;
            let Value::Function(callback) = callback else {
                return Err("second argument to redis.register_function must be a function".into());
            };
            (name, callback.clone(), None, 0)
        }
        _ => return Err("wrong number of arguments to redis.register_function".into()),
    };
    if !valid_name(&name) {
        return Err(BAD_NAME.into());
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    if registered.contains_key(&name) {
        return Err("Function already exists in the library".into());
    }
    registered.insert(
        name,
        FunctionInfo {
            callback,
            description,
            flags,
        },
    );
    Ok(())
}

type NamedArgs = (Vec<u8>, Function, Option<Vec<u8>>, u32);

fn named_args(t: &Table) -> Result<NamedArgs, String> {
    let (mut name, mut callback, mut description, mut flags) = (None, None, None, 0);
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair.map_err(|e| e.to_string())?;
        let key = engine::lua_string_bytes(&k)
            .ok_or("named argument key given to redis.register_function is not a string")?;
        match key.to_ascii_lowercase().as_slice() {
            b"function_name" => {
                name = Some(
                    engine::lua_string_bytes(&v)
                        .ok_or("function_name argument given to redis.register_function must be a string")?,
                )
            }
            b"description" => {
                description = Some(
                    engine::lua_string_bytes(&v)
                        .ok_or("description argument given to redis.register_function must be a string")?,
                )
            }
            b"callback" => match v {
                Value::Function(f) => callback = Some(f),
                _ => return Err("callback argument given to redis.register_function must be a function".into()),
            },
            b"flags" => {
                let Value::Table(list) = v else {
                    return Err(
                        "flags argument to redis.register_function must be a table representing function flags".into(),
                    );
                };
                flags = read_flags(&list).ok_or("unknown flag given")?;
            }
            _ => return Err("unknown argument given to redis.register_function".into()),
        }
    }
    let name = name.ok_or("redis.register_function must get a function name argument")?;
    let callback = callback.ok_or("redis.register_function must get a callback argument")?;
    Ok((name, callback, description, flags))
}

/// The flags array of a named registration, names compared without case.
fn read_flags(list: &Table) -> Option<u32> {
    let mut flags = 0;
    for i in 1.. {
        let v = list.raw_get::<Value>(i).ok()?;
        if v.is_nil() {
            break;
        }
        let name = engine::lua_string_bytes(&v)?;
        let (f, _) = script_flags::NAMES
            .iter()
            .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(&name))?;
        flags |= f;
    }
    Some(flags)
}
