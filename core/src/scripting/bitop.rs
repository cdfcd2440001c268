//! The `bit` library Redis loads into Lua (Lua BitOp 1.0): 32-bit operations on Lua numbers.
//! Numbers are reduced to 32 bits as BitOp does, by adding 2^52 + 2^51 and taking the low
//! word of the double, which rounds half to even.

use mlua::{Function, Lua, Table, Value, Variadic};

/// The outcome a `raiser` C function turns into a return or a raised error.
type Outcome = (bool, Value);

/// Creates the `bit` table, each function behind `raiser` (see `engine.rs`).
pub(crate) fn install(lua: &Lua, raiser: &Function) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    type Op = fn(&Lua, &[Value]) -> Result<Value, String>;
    let ops: &[(&str, Op)] = &[
        ("tobit", |_, a| Ok(num(arg(a, 0, "tobit")? as i32))),
        ("tohex", tohex),
        ("bnot", |_, a| Ok(num(!arg(a, 0, "bnot")? as i32))),
        ("band", |_, a| fold(a, "band", |x, y| x & y)),
        ("bor", |_, a| fold(a, "bor", |x, y| x | y)),
        ("bxor", |_, a| fold(a, "bxor", |x, y| x ^ y)),
        ("lshift", |_, a| shift(a, "lshift", |b, n| b << n)),
        ("rshift", |_, a| shift(a, "rshift", |b, n| b >> n)),
        ("arshift", |_, a| shift(a, "arshift", |b, n| ((b as i32) >> n) as u32)),
        ("rol", |_, a| shift(a, "rol", |b, n| b.rotate_left(n))),
        ("ror", |_, a| shift(a, "ror", |b, n| b.rotate_right(n))),
        ("bswap", |_, a| Ok(num(arg(a, 0, "bswap")?.swap_bytes() as i32))),
    ];
    for (name, op) in ops {
        let op = *op;
        let f = lua.create_function(move |lua, args: Variadic<Value>| -> mlua::Result<Outcome> {
            Ok(match op(lua, &args) {
                Ok(v) => (true, v),
                Err(msg) => (false, Value::String(lua.create_string(msg)?)),
            })
        })?;
        t.raw_set(*name, raiser.call::<Function>(f)?)?;
    }
    Ok(t)
}

fn num(n: i32) -> Value {
    Value::Number(f64::from(n))
}

/// Argument `i` reduced to 32 bits, or Lua's "bad argument" message.
fn arg(args: &[Value], i: usize, func: &str) -> Result<u32, String> {
    let Some(n) = args.get(i).and_then(super::engine::lua_tonumber) else {
        let got = args.get(i).map_or("no value", Value::type_name);
        return Err(format!(
            "bad argument #{} to '{func}' (number expected, got {got})",
            i + 1
        ));
    };
    Ok((n + 6_755_399_441_055_744.0).to_bits() as u32)
}

/// band/bor/bxor: the first argument, then the others from the last down (BitOp's order).
fn fold(args: &[Value], func: &str, op: fn(u32, u32) -> u32) -> Result<Value, String> {
    let mut b = arg(args, 0, func)?;
    for i in (1..args.len()).rev() {
        b = op(b, arg(args, i, func)?);
    }
    Ok(num(b as i32))
}

fn shift(args: &[Value], func: &str, op: fn(u32, u32) -> u32) -> Result<Value, String> {
    let b = arg(args, 0, func)?;
    let n = arg(args, 1, func)? & 31;
    Ok(num(op(b, n) as i32))
}

/// tohex(x [, n]): |n| hex digits (8 by default, at most 8), upper case for a negative n.
fn tohex(lua: &Lua, args: &[Value]) -> Result<Value, String> {
    let mut b = arg(args, 0, "tohex")?;
    let mut n = if args.len() < 2 {
        8
    } else {
        arg(args, 1, "tohex")? as i32
    };
    let digits: &[u8] = if n < 0 {
        n = n.wrapping_neg();
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let n = n.clamp(0, 8) as usize;
    let mut buf = vec![b'0'; n];
    for c in buf.iter_mut().rev() {
        *c = digits[(b & 15) as usize];
        b >>= 4;
    }
    lua.create_string(buf).map(Value::String).map_err(|e| e.to_string())
}
