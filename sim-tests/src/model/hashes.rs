//! Hash commands as Redis 7.0.15's t_hash.c answers them: HSET/HMSET, HSETNX, HGET, HMGET,
//! HDEL, HLEN, HEXISTS, HSTRLEN, HINCRBY, HGETALL, HKEYS, HVALS. Replies list fields in
//! insertion order while the hash keeps its listpack encoding, in any order once Redis converted
//! it to a hashtable (`hash-max-listpack-entries` 128, `hash-max-listpack-value` 64).

use ferrous_io_sim::Value;

use super::errors::parse_integer;
use super::keyspace::{wrongtype, Entry, MVal};
use super::{Call, Expect, Model};

const MAX_LISTPACK_ENTRIES: usize = 128;
const MAX_LISTPACK_VALUE: usize = 64;

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// The hash under `key` and whether it is still listpack-encoded.
fn hash<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<Option<(&'a mut Fields, &'a mut bool)>, Value> {
    match m.lookup(c, key) {
        None => Ok(None),
        Some(Entry {
            value: MVal::Hash { fields, compact },
            ..
        }) => Ok(Some((fields, compact))),
        Some(_) => Err(wrongtype()),
    }
}

fn get_or_create<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<(&'a mut Fields, &'a mut bool), Value> {
    if hash(m, c, key)?.is_none() {
        let empty = MVal::Hash {
            fields: Vec::new(),
            compact: true,
        };
        m.db(c.id).insert(key.to_vec(), Entry::of(empty));
    }
    Ok(hash(m, c, key)?.expect("created above"))
}

fn set_field(fields: &mut Fields, f: &[u8], v: &[u8]) -> bool {
    match fields.iter_mut().find(|(k, _)| k == f) {
        Some(pair) => {
            pair.1 = v.to_vec();
            false
        }
        None => {
            fields.push((f.to_vec(), v.to_vec()));
            true
        }
    }
}

/// HSET key field value [field value ...] (HMSET answers OK).
fn hset_generic(m: &mut Model, c: &Call, name: &str) -> Value {
    if c.args.len() % 2 == 1 {
        return super::errors::arity_error(name);
    }
    let (fields, compact) = match get_or_create(m, c, &c.args[1].clone()) {
        Ok(h) => h,
        Err(e) => return e,
    };
    // hashTypeTryConversion: a long field or value converts before anything is set.
    if c.args[2..].iter().any(|a| a.len() > MAX_LISTPACK_VALUE) {
        *compact = false;
    }
    let added = c.args[2..]
        .chunks(2)
        .filter(|fv| set_field(fields, &fv[0], &fv[1]))
        .count();
    if fields.len() > MAX_LISTPACK_ENTRIES {
        *compact = false;
    }
    m.modified(c, &c.args[1]);
    if name == "hmset" {
        Value::simple("OK")
    } else {
        Value::Int(added as i64)
    }
}

pub(super) fn hset(m: &mut Model, c: &Call) -> Value {
    hset_generic(m, c, "hset")
}

pub(super) fn hmset(m: &mut Model, c: &Call) -> Value {
    hset_generic(m, c, "hmset")
}

pub(super) fn hsetnx(m: &mut Model, c: &Call) -> Value {
    let (fields, compact) = match get_or_create(m, c, &c.args[1].clone()) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if c.args[2..].iter().any(|a| a.len() > MAX_LISTPACK_VALUE) {
        *compact = false;
    }
    if fields.iter().any(|(k, _)| k == &c.args[2]) {
        return Value::Int(0);
    }
    fields.push((c.args[2].clone(), c.args[3].clone()));
    if fields.len() > MAX_LISTPACK_ENTRIES {
        *compact = false;
    }
    m.modified(c, &c.args[1]);
    Value::Int(1)
}

fn field_value(m: &mut Model, c: &Call, field: &[u8]) -> Result<Option<Vec<u8>>, Value> {
    Ok(hash(m, c, &c.args[1].clone())?.and_then(|(f, _)| f.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone())))
}

pub(super) fn hget(m: &mut Model, c: &Call) -> Value {
    match field_value(m, c, &c.args[2].clone()) {
        Err(e) => e,
        Ok(Some(v)) => Value::Bulk(v),
        Ok(None) => m.null(c.id),
    }
}

pub(super) fn hmget(m: &mut Model, c: &Call) -> Value {
    let mut out = Vec::new();
    for f in &c.args[2..] {
        match field_value(m, c, f) {
            Err(e) => return e,
            Ok(Some(v)) => out.push(Value::Bulk(v)),
            Ok(None) => out.push(m.null(c.id)),
        }
    }
    Value::Array(out)
}

pub(super) fn hdel(m: &mut Model, c: &Call) -> Value {
    let key = c.args[1].clone();
    let (removed, empty) = match hash(m, c, &key) {
        Err(e) => return e,
        Ok(None) => return Value::Int(0),
        Ok(Some((fields, _))) => {
            let before = fields.len();
            fields.retain(|(k, _)| !c.args[2..].contains(k));
            (before - fields.len(), fields.is_empty())
        }
    };
    if empty {
        m.db(c.id).remove(&key);
    }
    if removed > 0 {
        m.modified(c, &key);
    }
    Value::Int(removed as i64)
}

pub(super) fn hlen(m: &mut Model, c: &Call) -> Value {
    match hash(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(h) => Value::Int(h.map_or(0, |(f, _)| f.len()) as i64),
    }
}

pub(super) fn hexists(m: &mut Model, c: &Call) -> Value {
    match field_value(m, c, &c.args[2].clone()) {
        Err(e) => e,
        Ok(v) => Value::Int(i64::from(v.is_some())),
    }
}

pub(super) fn hstrlen(m: &mut Model, c: &Call) -> Value {
    match field_value(m, c, &c.args[2].clone()) {
        Err(e) => e,
        Ok(v) => Value::Int(v.map_or(0, |v| v.len()) as i64),
    }
}

pub(super) fn hincrby(m: &mut Model, c: &Call) -> Value {
    let Some(by) = parse_integer(&c.args[3]) else {
        return Value::error("ERR value is not an integer or out of range");
    };
    let (fields, compact) = match get_or_create(m, c, &c.args[1].clone()) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let old = match fields.iter().find(|(k, _)| k == &c.args[2]) {
        None => 0,
        Some((_, v)) => match parse_integer(v) {
            Some(n) => n,
            None => return Value::error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = old.checked_add(by) else {
        return Value::error("ERR increment or decrement would overflow");
    };
    set_field(fields, &c.args[2], new.to_string().as_bytes());
    if fields.len() > MAX_LISTPACK_ENTRIES {
        *compact = false;
    }
    m.modified(c, &c.args[1]);
    Value::Int(new)
}

/// What HGETALL/HKEYS/HVALS list, and whether Redis lists it in insertion order.
fn listing(m: &mut Model, c: &Call, keys: bool, values: bool) -> Result<(Vec<Value>, bool), Value> {
    let Some((fields, compact)) = hash(m, c, &c.args[1].clone())? else {
        return Ok((Vec::new(), true));
    };
    let mut out = Vec::new();
    for (k, v) in fields.iter() {
        if keys {
            out.push(Value::Bulk(k.clone()));
        }
        if values {
            out.push(Value::Bulk(v.clone()));
        }
    }
    Ok((out, *compact))
}

fn reply(items: Vec<Value>, ordered: bool, as_map: bool, resp3: bool) -> Expect {
    let v = if as_map && resp3 {
        Value::Map(items.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect())
    } else {
        Value::Array(items)
    };
    if ordered {
        Expect::Reply(v)
    } else {
        Expect::Unordered(v)
    }
}

fn list_generic(m: &mut Model, c: &Call, keys: bool, values: bool) -> Expect {
    let resp3 = m.session(c.id).resp3;
    match listing(m, c, keys, values) {
        Err(e) => Expect::Reply(e),
        Ok((items, ordered)) => reply(items, ordered, keys && values, resp3),
    }
}

pub(super) fn hgetall(m: &mut Model, c: &Call) -> Expect {
    list_generic(m, c, true, true)
}

pub(super) fn hkeys(m: &mut Model, c: &Call) -> Expect {
    list_generic(m, c, true, false)
}

pub(super) fn hvals(m: &mut Model, c: &Call) -> Expect {
    list_generic(m, c, false, true)
}
