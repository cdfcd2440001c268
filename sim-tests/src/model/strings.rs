//! String commands on the keyspace: GETDEL, INCR/DECR/INCRBY, APPEND, STRLEN, MGET, MSET.
//! Modifying a value keeps its expiry (Redis' dbOverwrite); MSET replaces it (setKey).

use ferrous_io_sim::Value;

use super::errors::parse_integer;
use super::keyspace::Entry;
use super::{Call, Model};

pub(super) fn getdel(m: &mut Model, c: &Call) -> Value {
    match m.lookup(c, &c.args[1]) {
        Some(_) => {
            let e = m.db(c.id).remove(&c.args[1]).expect("looked up");
            Value::Bulk(e.value)
        }
        None => m.null(c.id),
    }
}

fn incr_by(m: &mut Model, c: &Call, by: i64) -> Value {
    let current = m.lookup(c, &c.args[1]).cloned();
    let old = match &current {
        None => 0,
        // Redis reads the stored string with string2ll (no spaces, no '+', no leading zeros).
        Some(e) => match parse_integer(&e.value) {
            Some(n) => n,
            None => return Value::error("ERR value is not an integer or out of range"),
        },
    };
    let Some(new) = old.checked_add(by) else {
        return Value::error("ERR increment or decrement would overflow");
    };
    let expire_at = current.and_then(|e| e.expire_at);
    let entry = Entry {
        value: new.to_string().into_bytes(),
        expire_at,
    };
    m.db(c.id).insert(c.args[1].clone(), entry);
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
    let len = match m.lookup(c, &c.args[1]) {
        Some(e) => {
            e.value.extend_from_slice(&c.args[2]);
            e.value.len()
        }
        None => {
            m.db(c.id).insert(c.args[1].clone(), Entry::new(c.args[2].clone()));
            c.args[2].len()
        }
    };
    Value::Int(len as i64)
}

pub(super) fn strlen(m: &mut Model, c: &Call) -> Value {
    Value::Int(m.lookup(c, &c.args[1]).map_or(0, |e| e.value.len()) as i64)
}

pub(super) fn mget(m: &mut Model, c: &Call) -> Value {
    let values = c.args[1..]
        .iter()
        .map(|k| match m.lookup(c, k) {
            Some(e) => Value::Bulk(e.value.clone()),
            None => m.null(c.id),
        })
        .collect();
    Value::Array(values)
}

pub(super) fn mset(m: &mut Model, c: &Call) -> Value {
    if c.args.len().is_multiple_of(2) {
        return super::errors::arity_error("mset");
    }
    for kv in c.args[1..].chunks(2) {
        m.db(c.id).insert(kv[0].clone(), Entry::new(kv[1].clone()));
    }
    Value::simple("OK")
}
