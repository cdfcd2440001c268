//! String commands on the keyspace: GETDEL, INCR/DECR/INCRBY, APPEND, STRLEN, MGET, MSET.
//! Modifying a value keeps its expiry (Redis' dbOverwrite); MSET replaces it (setKey).

use ferrous_io_sim::Value;

use super::errors::parse_integer;
use super::keyspace::{Entry, MVal};
use super::{Call, Model};

pub(super) fn getdel(m: &mut Model, c: &Call) -> Value {
    match m.lookup(c, &c.args[1]).map(|e| e.string().map(|s| s.clone())) {
        Some(Ok(s)) => {
            m.db(c.id).remove(&c.args[1]);
            m.modified(c, &c.args[1]);
            Value::Bulk(s)
        }
        Some(Err(wrong)) => wrong,
        None => m.null(c.id),
    }
}

fn incr_by(m: &mut Model, c: &Call, by: i64) -> Value {
    let mut current = m.lookup(c, &c.args[1]).cloned();
    let old = match &mut current {
        None => 0,
        // Redis reads the stored string with string2ll (no spaces, no '+', no leading zeros).
        Some(e) => match e.string().map(|s| parse_integer(s)) {
            Ok(Some(n)) => n,
            Ok(None) => return Value::error("ERR value is not an integer or out of range"),
            Err(wrong) => return wrong,
        },
    };
    let Some(new) = old.checked_add(by) else {
        return Value::error("ERR increment or decrement would overflow");
    };
    let expire_at = current.and_then(|e| e.expire_at);
    let entry = Entry {
        value: MVal::Str(new.to_string().into_bytes()),
        expire_at,
    };
    m.db(c.id).insert(c.args[1].clone(), entry);
    m.modified(c, &c.args[1]);
    Value::Int(new)
}

pub(super) fn incr(m: &mut Model, c: &Call) -> Value {
    incr_by(m, c, 1)
}

pub(super) fn decr(m: &mut Model, c: &Call) -> Value {
    incr_by(m, c, -1)
}

pub(super) fn incrby(m: &mut Model, c: &Call) -> Value {
    match parse_integer(&c.args[2]) {
        Some(by) => incr_by(m, c, by),
        None => Value::error("ERR value is not an integer or out of range"),
    }
}

pub(super) fn append(m: &mut Model, c: &Call) -> Value {
    let len = match m.lookup(c, &c.args[1]).map(Entry::string) {
        Some(Err(wrong)) => return wrong,
        Some(Ok(s)) => {
            s.extend_from_slice(&c.args[2]);
            s.len()
        }
        None => {
            m.db(c.id).insert(c.args[1].clone(), Entry::new(c.args[2].clone()));
            c.args[2].len()
        }
    };
    m.modified(c, &c.args[1]);
    Value::Int(len as i64)
}

pub(super) fn strlen(m: &mut Model, c: &Call) -> Value {
    match m.lookup(c, &c.args[1]).map(Entry::string) {
        Some(Ok(s)) => Value::Int(s.len() as i64),
        Some(Err(wrong)) => wrong,
        None => Value::Int(0),
    }
}

pub(super) fn mget(m: &mut Model, c: &Call) -> Value {
    let values = c.args[1..]
        .iter()
        // A key of another type reads as missing, not as an error.
        .map(|k| match m.lookup(c, k).map(|e| e.value.clone()) {
            Some(MVal::Str(s)) => Value::Bulk(s),
            _ => m.null(c.id),
        })
        .collect();
    Value::Array(values)
}

pub(super) fn mset(m: &mut Model, c: &Call) -> Value {
    if c.args.len().is_multiple_of(2) {
        return super::errors::arity_error("mset");
    }
    for kv in c.args[1..].chunks(2) {
        // setKey looks the key up first: an expired one is deleted (and signalled) then.
        m.lookup(c, &kv[0]);
        m.db(c.id).insert(kv[0].clone(), Entry::new(kv[1].clone()));
        m.modified(c, &kv[0]);
    }
    Value::simple("OK")
}
