//! Expiry commands: EXPIRE/PEXPIRE (NX XX GT LT), TTL, PTTL, PERSIST, as Redis 7.0.15's
//! expireGenericCommand and ttlGenericCommand.

use ferrous_io_sim::Value;

use super::errors::{c_str, error_line, parse_integer};
use super::{Call, Model};

fn expire_generic(m: &mut Model, c: &Call, unit: u64, cmd: &str) -> Value {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &c.args[3..] {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"gt" => gt = true,
            b"lt" => lt = true,
            _ => {
                // addReplyErrorFormat: trailing line breaks are trimmed, inner ones are spaces.
                let mut msg = b"ERR Unsupported option ".to_vec();
                msg.extend_from_slice(c_str(opt, usize::MAX));
                while msg.last().is_some_and(|c| *c == b'\r' || *c == b'\n') {
                    msg.pop();
                }
                return error_line(msg);
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Value::error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return Value::error("ERR GT and LT options at the same time are not compatible");
    }
    // The options are checked before the number.
    let Some(n) = parse_integer(&c.args[2]) else {
        return Value::error("ERR value is not an integer or out of range");
    };
    let invalid = || Value::error(&format!("ERR invalid expire time in '{cmd}' command"));
    let Some(when) = n
        .checked_mul(unit as i64)
        .and_then(|ms| ms.checked_add(c.now.unix_ms as i64))
    else {
        return invalid();
    };
    let now = c.now.unix_ms as i64;
    let Some(entry) = m.lookup(c, &c.args[1]) else {
        return Value::Int(0);
    };
    let current = entry.expire_at.map(|t| t as i64);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|t| when <= t))
        || (lt && current.is_some_and(|t| when >= t));
    if refused {
        return Value::Int(0);
    }
    if when <= now {
        m.db(c.id).remove(&c.args[1]);
    } else {
        entry.expire_at = Some(when as u64);
    }
    m.modified(c, &c.args[1]);
    Value::Int(1)
}

pub(super) fn expire(m: &mut Model, c: &Call) -> Value {
    expire_generic(m, c, 1000, "expire")
}

pub(super) fn pexpire(m: &mut Model, c: &Call) -> Value {
    expire_generic(m, c, 1, "pexpire")
}

fn ttl_generic(m: &mut Model, c: &Call, in_ms: bool) -> Value {
    let now = c.now.unix_ms;
    let Some(entry) = m.lookup(c, &c.args[1]) else {
        return Value::Int(-2);
    };
    match entry.expire_at {
        None => Value::Int(-1),
        Some(t) => {
            let left = t.saturating_sub(now) as i64;
            Value::Int(if in_ms { left } else { (left + 500) / 1000 })
        }
    }
}

pub(super) fn ttl(m: &mut Model, c: &Call) -> Value {
    ttl_generic(m, c, false)
}

pub(super) fn pttl(m: &mut Model, c: &Call) -> Value {
    ttl_generic(m, c, true)
}

pub(super) fn persist(m: &mut Model, c: &Call) -> Value {
    let had = m.lookup(c, &c.args[1]).and_then(|e| e.expire_at.take()).is_some();
    if had {
        m.modified(c, &c.args[1]);
    }
    Value::Int(i64::from(had))
}
