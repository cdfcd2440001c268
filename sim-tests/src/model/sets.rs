//! Set commands as Redis 7.0.15's t_set.c answers them: SADD, SREM, SCARD, SISMEMBER,
//! SMISMEMBER, SMEMBERS, SMOVE, SUNION, SDIFF, SINTER. Members come out ascending while the set
//! is an intset (only integers, at most `set-max-intset-entries` = 512), in any order once Redis
//! converted it to a hashtable (never back).

use std::collections::BTreeSet;

use ferrous_io_sim::Value;

use super::errors::parse_integer;
use super::keyspace::{wrongtype, Entry, MVal};
use super::{Call, Expect, Model};

const MAX_INTSET_ENTRIES: usize = 512;

type Members = BTreeSet<Vec<u8>>;

fn set<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<Option<(&'a mut Members, &'a mut bool)>, Value> {
    match m.lookup(c, key) {
        None => Ok(None),
        Some(Entry {
            value: MVal::Set { members, intset },
            ..
        }) => Ok(Some((members, intset))),
        Some(_) => Err(wrongtype()),
    }
}

/// Redis' setTypeAdd for the encoding: a non-integer or one member too many makes a hashtable.
fn add(members: &mut Members, intset: &mut bool, v: &[u8]) -> bool {
    let added = members.insert(v.to_vec());
    if added && *intset && (parse_integer(v).is_none() || members.len() > MAX_INTSET_ENTRIES) {
        *intset = false;
    }
    added
}

/// The members in the order Redis lists them: ascending by value for an intset.
fn listed(members: &Members, intset: bool) -> Expect {
    let mut v: Vec<&Vec<u8>> = members.iter().collect();
    if intset {
        v.sort_by_key(|m| parse_integer(m).unwrap_or(0));
    }
    let items = Value::Set(v.into_iter().map(|m| Value::Bulk(m.clone())).collect());
    if intset {
        Expect::Reply(items)
    } else {
        Expect::Unordered(items)
    }
}

/// Sets reply as RESP3 sets; RESP2 clients see arrays.
fn protocol(m: &mut Model, c: &Call, e: Expect) -> Expect {
    if m.session(c.id).resp3 {
        return e;
    }
    let to_array = |v: Value| match v {
        Value::Set(items) => Value::Array(items),
        other => other,
    };
    match e {
        Expect::Reply(v) => Expect::Reply(to_array(v)),
        Expect::Unordered(v) => Expect::Unordered(to_array(v)),
        other => other,
    }
}

pub(super) fn sadd(m: &mut Model, c: &Call) -> Value {
    let key = c.args[1].clone();
    match set(m, c, &key) {
        Err(e) => return e,
        Ok(Some(_)) => {}
        Ok(None) => {
            // Redis picks the first encoding from the first member (setTypeCreate).
            let intset = parse_integer(&c.args[2]).is_some();
            let value = MVal::Set {
                members: BTreeSet::new(),
                intset,
            };
            m.db(c.id).insert(key.clone(), Entry::of(value));
        }
    }
    let Ok(Some((members, intset))) = set(m, c, &key) else {
        unreachable!("created above")
    };
    let added = c.args[2..].iter().filter(|v| add(members, intset, v)).count();
    if added > 0 {
        m.modified(c, &key);
    }
    Value::Int(added as i64)
}

pub(super) fn srem(m: &mut Model, c: &Call) -> Value {
    let key = c.args[1].clone();
    let (removed, empty) = match set(m, c, &key) {
        Err(e) => return e,
        Ok(None) => return Value::Int(0),
        Ok(Some((members, _))) => {
            let removed = c.args[2..].iter().filter(|v| members.remove(*v)).count();
            (removed, members.is_empty())
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

pub(super) fn scard(m: &mut Model, c: &Call) -> Value {
    match set(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(s) => Value::Int(s.map_or(0, |(members, _)| members.len()) as i64),
    }
}

pub(super) fn sismember(m: &mut Model, c: &Call) -> Value {
    match set(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(s) => Value::Int(i64::from(s.is_some_and(|(members, _)| members.contains(&c.args[2])))),
    }
}

pub(super) fn smismember(m: &mut Model, c: &Call) -> Value {
    match set(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(s) => {
            let has = |v: &Vec<u8>| s.as_ref().is_some_and(|(members, _)| members.contains(v));
            Value::Array(c.args[2..].iter().map(|v| Value::Int(i64::from(has(v)))).collect())
        }
    }
}

pub(super) fn smembers(m: &mut Model, c: &Call) -> Expect {
    let e = match set(m, c, &c.args[1].clone()) {
        Err(e) => return Expect::Reply(e),
        Ok(None) => Expect::Reply(Value::Set(Vec::new())),
        Ok(Some((members, intset))) => listed(members, *intset),
    };
    protocol(m, c, e)
}

pub(super) fn smove(m: &mut Model, c: &Call) -> Value {
    let (src, dst, v) = (c.args[1].clone(), c.args[2].clone(), c.args[3].clone());
    // Both keys are looked up (and lazily expired) first; a missing source answers 0 before
    // any type check, then both types are checked.
    let src_state = set(m, c, &src).map(|s| s.map(|(members, _)| members.contains(&v)));
    let dst_state = set(m, c, &dst).map(|_| ());
    let src_has = match src_state {
        Ok(None) => return Value::Int(0),
        Err(e) => return e,
        Ok(Some(has)) => has,
    };
    if let Err(e) = dst_state {
        return e;
    }
    if src == dst {
        return Value::Int(i64::from(src_has));
    }
    if !src_has {
        return Value::Int(0);
    }
    let empty = match set(m, c, &src) {
        Ok(Some((members, _))) => {
            members.remove(&v);
            members.is_empty()
        }
        _ => false,
    };
    if empty {
        m.db(c.id).remove(&src);
    }
    if !matches!(set(m, c, &dst), Ok(Some(_))) {
        let intset = parse_integer(&v).is_some();
        let value = MVal::Set {
            members: BTreeSet::new(),
            intset,
        };
        m.db(c.id).insert(dst.clone(), Entry::of(value));
    }
    // The source is signalled once the destination exists; the destination only if the
    // member was new there.
    m.modified(c, &src);
    let added = match set(m, c, &dst) {
        Ok(Some((members, intset))) => add(members, intset, &v),
        _ => false,
    };
    if added {
        m.modified(c, &dst);
    }
    Value::Int(1)
}

/// The sets named from argument 1 on (a missing key is an empty set), or WRONGTYPE.
fn operands(m: &mut Model, c: &Call) -> Result<Vec<Members>, Value> {
    let mut out = Vec::new();
    for k in &c.args[1..] {
        out.push(set(m, c, k)?.map(|(members, _)| members.clone()).unwrap_or_default());
    }
    Ok(out)
}

/// SUNION/SDIFF build their result in a set that starts as an intset (sunionDiffGenericCommand),
/// so it comes out ascending while every member is a small integer.
fn computed(m: &mut Model, c: &Call, result: Members) -> Expect {
    let intset = result.len() <= MAX_INTSET_ENTRIES && result.iter().all(|v| parse_integer(v).is_some());
    let e = listed(&result, intset);
    protocol(m, c, e)
}

pub(super) fn sunion(m: &mut Model, c: &Call) -> Expect {
    match operands(m, c) {
        Err(e) => Expect::Reply(e),
        Ok(sets) => {
            let all: Members = sets.into_iter().flatten().collect();
            computed(m, c, all)
        }
    }
}

/// Depending on the sizes Redis either adds what survives or adds the whole first set and then
/// removes: the result is only surely an intset when the first set's members all are integers.
pub(super) fn sdiff(m: &mut Model, c: &Call) -> Expect {
    match operands(m, c) {
        Err(e) => Expect::Reply(e),
        Ok(sets) => {
            let mut it = sets.into_iter();
            let first = it.next().unwrap_or_default();
            let rest: Vec<Members> = it.collect();
            let sure = first.len() <= MAX_INTSET_ENTRIES && first.iter().all(|v| parse_integer(v).is_some());
            let diff: Members = first
                .into_iter()
                .filter(|v| !rest.iter().any(|s| s.contains(v)))
                .collect();
            let e = listed(&diff, sure);
            protocol(m, c, e)
        }
    }
}

/// SINTER walks the smallest set; its order is compared as unordered.
pub(super) fn sinter(m: &mut Model, c: &Call) -> Expect {
    match operands(m, c) {
        Err(e) => Expect::Reply(e),
        Ok(sets) => {
            let mut it = sets.into_iter();
            let first = it.next().unwrap_or_default();
            let rest: Vec<Members> = it.collect();
            let inter: Vec<Value> = first
                .into_iter()
                .filter(|v| rest.iter().all(|s| s.contains(v)))
                .map(Value::Bulk)
                .collect();
            protocol(m, c, Expect::Unordered(Value::Set(inter)))
        }
    }
}
