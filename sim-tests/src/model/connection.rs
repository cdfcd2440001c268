//! Connection commands: PING, ECHO, HELLO, SELECT, QUIT, RESET, CLIENT ID/SETNAME/GETNAME,
//! and the Redis 7.2 CLIENT NO-TOUCH/SETINFO that ferrous also has.

use ferrous_io_sim::Value;

use super::errors::{arity_error, c_str, error_line, parse_integer, syntax_error};
use super::{Call, Model, DATABASES, REDIS_VERSION};

pub(super) fn ping(m: &mut Model, c: &Call) -> Value {
    if let Some(v) = super::pubsub::ping_when_subscribed(m, c) {
        return v;
    }
    match c.args.len() {
        1 => Value::simple("PONG"),
        2 => Value::Bulk(c.args[1].clone()),
        _ => arity_error("ping"),
    }
}

pub(super) fn echo(_: &mut Model, c: &Call) -> Value {
    Value::Bulk(c.args[1].clone())
}

pub(super) fn quit(m: &mut Model, c: &Call) -> Value {
    m.close(c.id);
    Value::simple("OK")
}

/// Back to a fresh connection's state (the parts the workload can change), as
/// clearClientConnectionState: no transaction, no watches, no subscriptions (unconfirmed).
pub(super) fn reset(m: &mut Model, c: &Call) -> Value {
    m.discard_transaction(c.id);
    m.unsubscribe_all(c.id);
    let s = m.session(c.id);
    s.db = 0;
    s.resp3 = false;
    s.name.clear();
    Value::simple("RESET")
}

/// `getIntFromObjectOrReply`, then the database range.
pub(super) fn select(m: &mut Model, c: &Call) -> Value {
    let Some(n) = parse_integer(&c.args[1]) else {
        return Value::error("ERR value is not an integer or out of range");
    };
    if i32::try_from(n).is_err() {
        return Value::error("ERR value is out of range, value must between -2147483648 and 2147483647");
    }
    if !(0..DATABASES as i64).contains(&n) {
        return Value::error("ERR DB index is out of range");
    }
    m.session(c.id).db = n as usize;
    Value::simple("OK")
}

pub(super) fn client_id(_: &mut Model, c: &Call) -> Value {
    Value::Int(c.id as i64)
}

pub(super) fn client_getname(m: &mut Model, c: &Call) -> Value {
    let name = m.session(c.id).name.clone();
    if name.is_empty() {
        m.null(c.id)
    } else {
        Value::Bulk(name)
    }
}

pub(super) fn client_setname(m: &mut Model, c: &Call) -> Value {
    match set_name(m, c, &c.args[2]) {
        Ok(()) => Value::simple("OK"),
        Err(e) => e,
    }
}

const BAD_NAME: &str = "ERR Client names cannot contain spaces, newlines or special characters.";

/// What Redis allows in client names and library infos: `!`..`~` (so no spaces).
fn printable(b: &[u8]) -> bool {
    b.iter().all(|c| (b'!'..=b'~').contains(c))
}

/// `clientSetName`: empty clears the name; otherwise only `!`..`~` are allowed.
fn set_name(m: &mut Model, c: &Call, name: &[u8]) -> Result<(), Value> {
    if !printable(name) {
        return Err(Value::error(BAD_NAME));
    }
    m.session(c.id).name = name.to_vec();
    Ok(())
}

/// CLIENT NO-TOUCH ON|OFF (Redis 7.2). Whether keys are touched shows in nothing the workload
/// reads, so the mode itself is not kept.
pub(super) fn client_no_touch(_: &mut Model, c: &Call) -> Value {
    let v = &c.args[2];
    if v.eq_ignore_ascii_case(b"on") || v.eq_ignore_ascii_case(b"off") {
        Value::simple("OK")
    } else {
        syntax_error()
    }
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2): the attribute first, then the value as
/// client names are checked. The values show only in CLIENT LIST/INFO, which the workload does
/// not send, so they are not kept.
pub(super) fn client_setinfo(_: &mut Model, c: &Call) -> Value {
    let attr = c.args[2].to_ascii_lowercase();
    if attr != b"lib-name" && attr != b"lib-ver" {
        let mut msg = b"ERR Unrecognized option '".to_vec();
        msg.extend_from_slice(&c.args[2]);
        msg.push(b'\'');
        return error_line(msg);
    }
    if !printable(&c.args[3]) {
        let mut msg = b"ERR ".to_vec();
        msg.extend_from_slice(&attr);
        msg.extend_from_slice(b" cannot contain spaces, newlines or special characters.");
        return Value::Error(msg);
    }
    Value::simple("OK")
}

/// HELLO [protover [AUTH user pass] [SETNAME name]]. As in Redis 7.0.15 the options take
/// effect one by one, in order: a SETNAME before a failing option stays applied, and the first
/// failing option's error is the reply. Without a password only `default` authenticates.
pub(super) fn hello(m: &mut Model, c: &Call) -> Value {
    let mut ver = None;
    if let Some(v) = c.args.get(1) {
        match parse_integer(v) {
            None => return Value::error("ERR Protocol version is not an integer or out of range"),
            Some(v) if !(2..=3).contains(&v) => return Value::error("NOPROTO unsupported protocol version"),
            Some(v) => ver = Some(v),
        }
    }
    let mut j = 2;
    while j < c.args.len() {
        let more = c.args.len() - 1 - j;
        let opt = &c.args[j];
        if opt.eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            if c.args[j + 1] != b"default" {
                return Value::error("WRONGPASS invalid username-password pair or user is disabled.");
            }
            j += 3;
        } else if opt.eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            if let Err(e) = set_name(m, c, &c.args[j + 1]) {
                return e;
            }
            j += 2;
        } else {
            let mut msg = b"ERR Syntax error in HELLO option '".to_vec();
            msg.extend_from_slice(c_str(opt, usize::MAX));
            msg.push(b'\'');
            return error_line(msg);
        }
    }
    if let Some(v) = ver {
        m.session(c.id).resp3 = v == 3;
    }
    hello_reply(m.session(c.id).resp3, c.id)
}

/// The HELLO map: a RESP3 map, or a flat array of its pairs in RESP2.
fn hello_reply(resp3: bool, id: u64) -> Value {
    let bulk = |s: &str| Value::bulk(s.as_bytes());
    let pairs = vec![
        (bulk("server"), bulk("redis")),
        (bulk("version"), bulk(REDIS_VERSION)),
        (bulk("proto"), Value::Int(if resp3 { 3 } else { 2 })),
        (bulk("id"), Value::Int(id as i64)),
        (bulk("mode"), bulk("standalone")),
        (bulk("role"), bulk("master")),
        (bulk("modules"), Value::Array(Vec::new())),
    ];
    if resp3 {
        Value::Map(pairs)
    } else {
        Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
    }
}
