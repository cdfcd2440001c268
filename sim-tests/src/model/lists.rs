//! List commands as Redis 7.0.15's t_list.c answers them: LPUSH/RPUSH(X), LPOP/RPOP [count],
//! LLEN, LRANGE, LINDEX, LSET, LREM, LTRIM, LINSERT, LMOVE, RPOPLPUSH. A list emptied by a
//! command is deleted.

use std::collections::VecDeque;

use ferrous_io_sim::Value;

use super::errors::{parse_integer, syntax_error};
use super::keyspace::{Entry, MVal};
use super::{Call, Model};

const NOT_INT: &str = "ERR value is not an integer or out of range";

/// The list under `key`: `Ok(None)` when missing, WRONGTYPE for another type.
pub(super) fn list<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<Option<&'a mut VecDeque<Vec<u8>>>, Value> {
    m.lookup_as(c, key, |v| match v {
        MVal::List(l) => Some(l),
        _ => None,
    })
}

/// Deletes `key` if its list is now empty.
pub(super) fn drop_if_empty(m: &mut Model, c: &Call, key: &[u8]) {
    m.drop_if(c, key, |v| matches!(v, MVal::List(l) if l.is_empty()));
}

fn push(m: &mut Model, c: &Call, left: bool, only_existing: bool) -> Value {
    let key = &c.args[1];
    let existing = match list(m, c, key) {
        Err(e) => return e,
        Ok(l) => l.is_some(),
    };
    if !existing {
        if only_existing {
            return Value::Int(0);
        }
        m.db(c.id).insert(key.clone(), Entry::of(MVal::List(VecDeque::new())));
    }
    let Ok(Some(l)) = list(m, c, key) else {
        unreachable!("created above")
    };
    for v in &c.args[2..] {
        if left {
            l.push_front(v.clone());
        } else {
            l.push_back(v.clone());
        }
    }
    let len = l.len();
    m.modified(c, key);
    Value::Int(len as i64)
}

pub(super) fn lpush(m: &mut Model, c: &Call) -> Value {
    push(m, c, true, false)
}

pub(super) fn rpush(m: &mut Model, c: &Call) -> Value {
    push(m, c, false, false)
}

pub(super) fn lpushx(m: &mut Model, c: &Call) -> Value {
    push(m, c, true, true)
}

pub(super) fn rpushx(m: &mut Model, c: &Call) -> Value {
    push(m, c, false, true)
}

fn pop(m: &mut Model, c: &Call, left: bool) -> Value {
    if c.args.len() > 3 {
        return super::errors::arity_error(if left { "lpop" } else { "rpop" });
    }
    // The count is checked before the key.
    let count = match c.args.get(2).map(|a| parse_integer(a)) {
        None => None,
        Some(None) => return Value::error("ERR value is out of range, must be positive"),
        Some(Some(n)) if n < 0 => return Value::error("ERR value is out of range, must be positive"),
        Some(Some(n)) => Some(n as usize),
    };
    let key = c.args[1].clone();
    let null = match count {
        Some(_) => m.null_array(c.id),
        None => m.null(c.id),
    };
    let popped: Vec<Vec<u8>> = match list(m, c, &key) {
        Err(e) => return e,
        Ok(None) => return null,
        Ok(Some(l)) => {
            let n = count.unwrap_or(1).min(l.len());
            (0..n)
                .filter_map(|_| if left { l.pop_front() } else { l.pop_back() })
                .collect()
        }
    };
    drop_if_empty(m, c, &key);
    if !popped.is_empty() {
        m.modified(c, &key);
    }
    match count {
        None => popped.into_iter().next().map_or(null, Value::Bulk),
        Some(_) => Value::Array(popped.into_iter().map(Value::Bulk).collect()),
    }
}

pub(super) fn lpop(m: &mut Model, c: &Call) -> Value {
    pop(m, c, true)
}

pub(super) fn rpop(m: &mut Model, c: &Call) -> Value {
    pop(m, c, false)
}

pub(super) fn llen(m: &mut Model, c: &Call) -> Value {
    match list(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(l) => Value::Int(l.map_or(0, |l| l.len()) as i64),
    }
}

/// Redis' start/end clamping for LRANGE and LTRIM: `None` when the range is empty.
fn clamp(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end.min(len - 1) };
    (start <= end && start < len).then_some((start as usize, end as usize))
}

pub(super) fn lrange(m: &mut Model, c: &Call) -> Value {
    let (Some(start), Some(end)) = (parse_integer(&c.args[2]), parse_integer(&c.args[3])) else {
        return Value::error(NOT_INT);
    };
    match list(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(None) => Value::Array(Vec::new()),
        Ok(Some(l)) => match clamp(start, end, l.len()) {
            None => Value::Array(Vec::new()),
            Some((s, e)) => Value::Array(l.range(s..=e).cloned().map(Value::Bulk).collect()),
        },
    }
}

/// A list index from the head (negative: from the tail), if inside the list.
fn index(i: i64, len: usize) -> Option<usize> {
    let i = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// The key is looked up before the index is parsed (unlike LRANGE).
pub(super) fn lindex(m: &mut Model, c: &Call) -> Value {
    let found = match list(m, c, &c.args[1].clone()) {
        Err(e) => return e,
        Ok(None) => None,
        Ok(Some(l)) => Some(match parse_integer(&c.args[2]) {
            None => return Value::error(NOT_INT),
            Some(i) => index(i, l.len()).map(|at| l[at].clone()),
        }),
    };
    match found.flatten() {
        Some(v) => Value::Bulk(v),
        None => m.null(c.id),
    }
}

/// The key is looked up before the index is parsed.
pub(super) fn lset(m: &mut Model, c: &Call) -> Value {
    match list(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(None) => Value::error("ERR no such key"),
        Ok(Some(_)) if parse_integer(&c.args[2]).is_none() => Value::error(NOT_INT),
        Ok(Some(l)) => match index(parse_integer(&c.args[2]).unwrap_or(0), l.len()) {
            None => Value::error("ERR index out of range"),
            Some(at) => {
                l[at] = c.args[3].clone();
                m.modified(c, &c.args[1]);
                Value::simple("OK")
            }
        },
    }
}

pub(super) fn lrem(m: &mut Model, c: &Call) -> Value {
    let Some(count) = parse_integer(&c.args[2]) else {
        return Value::error(NOT_INT);
    };
    let key = c.args[1].clone();
    let target = &c.args[3];
    let removed = match list(m, c, &key) {
        Err(e) => return e,
        Ok(None) => 0,
        Ok(Some(l)) => {
            let limit = if count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs() as usize
            };
            let mut removed = 0;
            let mut kept: Vec<Vec<u8>> = Vec::with_capacity(l.len());
            let items: Vec<Vec<u8>> = if count < 0 {
                l.iter().rev().cloned().collect()
            } else {
                l.iter().cloned().collect()
            };
            for v in items {
                if removed < limit && &v == target {
                    removed += 1;
                } else {
                    kept.push(v);
                }
            }
            if count < 0 {
                kept.reverse();
            }
            *l = kept.into();
            removed
        }
    };
    // Signalled before an emptied list is deleted.
    if removed > 0 {
        m.modified(c, &key);
    }
    drop_if_empty(m, c, &key);
    Value::Int(removed as i64)
}

pub(super) fn ltrim(m: &mut Model, c: &Call) -> Value {
    let (Some(start), Some(end)) = (parse_integer(&c.args[2]), parse_integer(&c.args[3])) else {
        return Value::error(NOT_INT);
    };
    let key = c.args[1].clone();
    match list(m, c, &key) {
        Err(e) => return e,
        Ok(None) => return Value::simple("OK"),
        Ok(Some(l)) => {
            *l = match clamp(start, end, l.len()) {
                None => VecDeque::new(),
                Some((s, e)) => l.range(s..=e).cloned().collect(),
            };
        }
    }
    drop_if_empty(m, c, &key);
    // Even when nothing was trimmed.
    m.modified(c, &key);
    Value::simple("OK")
}

pub(super) fn linsert(m: &mut Model, c: &Call) -> Value {
    let where_ = c.args[2].to_ascii_lowercase();
    let before = match where_.as_slice() {
        b"before" => true,
        b"after" => false,
        _ => return syntax_error(),
    };
    let (pivot, v) = (&c.args[3], &c.args[4]);
    match list(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(None) => Value::Int(0),
        Ok(Some(l)) => match l.iter().position(|x| x == pivot) {
            None => Value::Int(-1),
            Some(at) => {
                l.insert(if before { at } else { at + 1 }, v.clone());
                let len = l.len();
                m.modified(c, &c.args[1]);
                Value::Int(len as i64)
            }
        },
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT; RPOPLPUSH is RIGHT LEFT.
pub(super) fn move_(m: &mut Model, c: &Call, from_left: bool, to_left: bool) -> Value {
    let (src, dst) = (c.args[1].clone(), c.args[2].clone());
    let value = match list(m, c, &src) {
        Err(e) => return e,
        Ok(None) => return m.null(c.id),
        Ok(Some(l)) => {
            let v = if from_left { l.front() } else { l.back() };
            v.cloned().unwrap_or_default()
        }
    };
    // The destination's type is checked before anything moves.
    if let Err(e) = list(m, c, &dst) {
        return e;
    }
    if let Ok(Some(l)) = list(m, c, &src) {
        if from_left {
            l.pop_front();
        } else {
            l.pop_back();
        }
    }
    if !matches!(list(m, c, &dst), Ok(Some(_))) {
        m.db(c.id).insert(dst.clone(), Entry::of(MVal::List(VecDeque::new())));
    }
    if let Ok(Some(l)) = list(m, c, &dst) {
        if to_left {
            l.push_front(value.clone());
        } else {
            l.push_back(value.clone());
        }
    }
    // The destination is signalled as it is pushed to, the source after. The source goes
    // only if still empty then: a one-element list moved onto itself keeps its key and TTL.
    m.modified(c, &dst);
    drop_if_empty(m, c, &src);
    m.modified(c, &src);
    Value::Bulk(value)
}

pub(super) fn lmove(m: &mut Model, c: &Call) -> Value {
    let side = |a: &[u8]| match a.to_ascii_lowercase().as_slice() {
        b"left" => Some(true),
        b"right" => Some(false),
        _ => None,
    };
    match (side(&c.args[3]), side(&c.args[4])) {
        (Some(from), Some(to)) => move_(m, c, from, to),
        _ => syntax_error(),
    }
}

pub(super) fn rpoplpush(m: &mut Model, c: &Call) -> Value {
    move_(m, c, false, true)
}
