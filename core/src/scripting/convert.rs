//! Between Redis replies and Lua values, as Redis' script_lua.c converts them: a command's
//! reply (RESP2 or RESP3 bytes, as the script's `redis.setresp` chose) becomes what
//! `redis.call` returns, and the script's return value becomes the caller's reply.

use mlua::{Lua, Table, Value};

use crate::resp::Reply;

/// How deep a script's return value may nest before Redis' "reached lua stack limit".
const MAX_DEPTH: usize = 1000;

/// Parses one reply from `buf` at `*pos` into a Lua value; `None` on bytes that are not a
/// reply (never produced by our own commands).
pub(crate) fn reply_to_lua(lua: &Lua, buf: &[u8], pos: &mut usize) -> Option<Value> {
    let kind = *buf.get(*pos)?;
    let line = read_line(buf, pos)?;
    let int = || std::str::from_utf8(line).ok()?.parse::<i64>().ok();
    let string = |s: &[u8]| lua.create_string(s).ok().map(Value::String);
    let single = |key: &str, v: Value| -> Option<Value> {
        let t = lua.create_table().ok()?;
        t.raw_set(key, v).ok()?;
        Some(Value::Table(t))
    };
    Some(match kind {
        b'+' => single("ok", string(line)?)?,
        b'-' => {
            let mut raw = b"-".to_vec();
            raw.extend_from_slice(line);
            Value::Table(super::engine::error_table(lua, &raw).ok()?)
        }
        b':' => Value::Number(int()? as f64),
        b'$' | b'=' => {
            let n = int()?;
            if n < 0 {
                return Some(Value::Boolean(false));
            }
            let body = buf.get(*pos..*pos + n as usize)?;
            *pos += n as usize + 2;
            if kind == b'$' {
                string(body)?
            } else {
                let (format, text) = (body.get(..3)?, body.get(4..)?);
                let v = lua.create_table().ok()?;
                v.raw_set("format", lua.create_string(format).ok()?).ok()?;
                v.raw_set("string", lua.create_string(text).ok()?).ok()?;
                single("verbatim_string", Value::Table(v))?
            }
        }
        b'*' => {
            let n = int()?;
            if n < 0 {
                return Some(Value::Boolean(false));
            }
            let t = lua.create_table().ok()?;
            for i in 1..=n {
                let v = reply_to_lua(lua, buf, pos)?;
                t.raw_set(i, v).ok()?;
            }
            Value::Table(t)
        }
        b'%' | b'~' => {
            let n = int()?;
            let t = lua.create_table().ok()?;
            for _ in 0..n {
                let k = reply_to_lua(lua, buf, pos)?;
                let v = if kind == b'%' {
                    reply_to_lua(lua, buf, pos)?
                } else {
                    Value::Boolean(true)
                };
                // A nil key has no place in a Lua table; Redis' lua_settable would fail too.
                let _ = t.raw_set(k, v);
            }
            single(if kind == b'%' { "map" } else { "set" }, Value::Table(t))?
        }
        b'|' => {
            // Attributes are not shown to scripts: skip them, the reply follows.
            for _ in 0..int()? * 2 {
                reply_to_lua(lua, buf, pos)?;
            }
            reply_to_lua(lua, buf, pos)?
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(line == b"t"),
        b',' => {
            let d = match line {
                b"inf" => f64::INFINITY,
                b"-inf" => f64::NEG_INFINITY,
                b"nan" | b"-nan" => f64::NAN,
                _ => std::str::from_utf8(line).ok()?.parse::<f64>().ok()?,
            };
            single("double", Value::Number(d))?
        }
        b'(' => single("big_number", string(line)?)?,
        _ => return None,
    })
}

/// The line after the type byte at `*pos`, moving `*pos` past its CRLF.
fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let start = *pos + 1;
    let len = buf.get(start..)?.windows(2).position(|w| w == b"\r\n")?;
    *pos = start + len + 2;
    Some(&buf[start..start + len])
}

/// Writes a script's return value as the reply (`script_resp3`: the protocol the script chose
/// last, which decides how booleans go out, as in Redis).
pub(crate) fn lua_to_reply(v: &Value, out: &mut Reply, script_resp3: bool) {
    write_value(v, out, script_resp3, 0);
}

fn write_value(v: &Value, out: &mut Reply, script_resp3: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return out.err("reached lua stack limit");
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Boolean(b) if !script_resp3 => {
            if *b {
                out.int(1)
            } else {
                out.null()
            }
        }
        Value::Boolean(b) => out.bool(*b),
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(number_to_i64(*n)),
        Value::Table(t) => write_table(t, out, script_resp3, depth),
        _ => out.null(),
    }
}

/// C's `(long long)` cast of a double, as x86-64 does it: truncation, and the "integer
/// indefinite" value for what does not fit.
fn number_to_i64(n: f64) -> i64 {
    // 2^63 is the first double past i64::MAX; -2^63 is i64::MIN itself.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

/// A table is an error (`err`), a status (`ok`), one of the RESP3 shapes (`double`,
/// `big_number`, `verbatim_string`, `map`, `set`), or else an array up to its first nil.
fn write_table(t: &Table, out: &mut Reply, script_resp3: bool, depth: usize) {
    let field = |k: &str| t.raw_get::<Value>(k).unwrap_or(Value::Nil);
    if let Value::String(e) = field("err") {
        return out.error_format_bytes(&e.as_bytes());
    }
    if let Value::String(s) = field("ok") {
        return out.simple_bytes(&s.as_bytes());
    }
    match field("double") {
        Value::Number(d) => return out.double(d),
        Value::Integer(i) => return out.double(i as f64),
        _ => {}
    }
    if let Value::String(s) = field("big_number") {
        let digits = String::from_utf8_lossy(&s.as_bytes()).replace(['\r', '\n'], " ");
        return out.big_number(&digits);
    }
    if let Value::Table(v) = field("verbatim_string") {
        let format = v.raw_get::<Value>("format").unwrap_or(Value::Nil);
        let text = v.raw_get::<Value>("string").unwrap_or(Value::Nil);
        if let (Value::String(format), Value::String(text)) = (format, text) {
            return out.verbatim_as(&format.as_bytes(), &text.as_bytes());
        }
    }
    if let Value::Table(m) = field("map") {
        let pairs: Vec<(Value, Value)> = m.pairs::<Value, Value>().filter_map(Result::ok).collect();
        out.map(pairs.len());
        for (k, v) in &pairs {
            write_value(k, out, script_resp3, depth + 1);
            write_value(v, out, script_resp3, depth + 1);
        }
        return;
    }
    if let Value::Table(s) = field("set") {
        let members: Vec<Value> = s
            .pairs::<Value, Value>()
            .filter_map(|p| p.ok().map(|(k, _)| k))
            .collect();
        out.set(members.len());
        for k in &members {
            write_value(k, out, script_resp3, depth + 1);
        }
        return;
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
    }
    out.array(items.len());
    for v in &items {
        write_value(v, out, script_resp3, depth + 1);
    }
}
