//! Sorted-set commands as Redis 7.0.15's t_zset.c answers them: ZADD (NX XX GT LT CH INCR),
//! ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZPOPMIN, ZPOPMAX. Members are
//! ordered by score, then by their bytes, in either encoding, so every reply is exact. A sorted
//! set emptied by a command is deleted.

use ferrous_io_sim::Value;

use super::errors::{parse_integer, syntax_error};
use super::keyspace::{Entry, MVal};
use super::score::{parse_score, score_value, ScoreRange, NOT_A_FLOAT_RANGE};
use super::zset::{Scored, ZSet};
use super::{Call, Model};

/// The sorted set under `key`: `Ok(None)` when missing, WRONGTYPE for another type.
pub(super) fn zset<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<Option<&'a mut ZSet>, Value> {
    m.lookup_as(c, key, |v| match v {
        MVal::ZSet(z) => Some(z),
        _ => None,
    })
}

/// Deletes `key` if its sorted set is now empty.
pub(super) fn drop_if_empty(m: &mut Model, c: &Call, key: &[u8]) {
    m.drop_if(c, key, |v| matches!(v, MVal::ZSet(z) if z.is_empty()));
}

/// Members with or without scores: flat `[m, s, ...]`, or `[[m, s], ...]` when `nested`.
pub(super) fn scored_items(items: Vec<Scored>, scores: bool, nested: bool, resp3: bool) -> Vec<Value> {
    let mut out = Vec::new();
    for (m, s) in items {
        if !scores {
            out.push(Value::Bulk(m));
        } else if nested {
            out.push(Value::Array(vec![Value::Bulk(m), score_value(s, resp3)]));
        } else {
            out.extend([Value::Bulk(m), score_value(s, resp3)]);
        }
    }
    out
}

#[derive(Default)]
struct ZaddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What zsetAdd did to one member.
#[derive(Default)]
struct Added {
    added: bool,
    updated: bool,
    processed: bool,
    score: f64,
}

const NAN_ERROR: &str = "ERR resulting score is not a number (NaN)";

/// Redis' zsetAdd; `Err` when an increment makes NaN.
fn zset_add(z: &mut ZSet, f: &ZaddFlags, mut score: f64, member: &[u8]) -> Result<Added, Value> {
    let Some(cur) = z.score(member) else {
        if f.xx {
            return Ok(Added::default());
        }
        z.insert(member, score);
        return Ok(Added {
            added: true,
            processed: true,
            score,
            ..Added::default()
        });
    };
    if f.nx {
        return Ok(Added::default());
    }
    if f.incr {
        score += cur;
        if score.is_nan() {
            return Err(Value::error(NAN_ERROR));
        }
    }
    if (f.lt && score >= cur) || (f.gt && score <= cur) {
        return Ok(Added::default());
    }
    let updated = score != cur;
    if updated {
        z.insert(member, score);
    }
    Ok(Added {
        updated,
        processed: true,
        score,
        ..Added::default()
    })
}

/// ZADD's options (a score never looks like one), then its checks in Redis' order.
fn zadd_flags(c: &Call, incr: bool) -> Result<(ZaddFlags, usize), Value> {
    let mut f = ZaddFlags {
        incr,
        ..ZaddFlags::default()
    };
    let mut i = 2;
    while let Some(opt) = c.args.get(i) {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"ch" => f.ch = true,
            b"incr" => f.incr = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => break,
        }
        i += 1;
    }
    let pairs = c.args.len() - i;
    if pairs == 0 || pairs % 2 == 1 {
        return Err(syntax_error());
    }
    if f.nx && f.xx {
        return Err(Value::error(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        return Err(Value::error(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && pairs > 2 {
        return Err(Value::error("ERR INCR option supports a single increment-element pair"));
    }
    Ok((f, i))
}

fn zadd_generic(m: &mut Model, c: &Call, incr: bool) -> Value {
    let (f, first) = match zadd_flags(c, incr) {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    let mut pairs = Vec::new();
    for p in c.args[first..].chunks(2) {
        match parse_score(&p[0]) {
            Some(s) => pairs.push((s, &p[1])),
            None => return Value::error("ERR value is not a valid float"),
        }
    }
    let key = &c.args[1];
    match zset(m, c, key) {
        Err(e) => return e,
        Ok(None) if !f.xx => {
            let z = ZSet::for_first(pairs[0].1);
            m.db(c.id).insert(key.clone(), Entry::of(MVal::ZSet(z)));
        }
        Ok(_) => {}
    }
    let (mut added, mut updated, mut processed, mut score) = (0, 0, 0, 0.0);
    if let Ok(Some(z)) = zset(m, c, key) {
        for (s, member) in pairs {
            let r = match zset_add(z, &f, s, member) {
                Ok(r) => r,
                Err(e) => return e,
            };
            added += i64::from(r.added);
            updated += i64::from(r.updated);
            processed += i64::from(r.processed);
            score = r.score;
        }
    }
    drop_if_empty(m, c, key);
    if added + updated > 0 {
        m.modified(c, key);
    }
    match (f.incr, processed > 0) {
        (true, true) => score_value(score, m.session(c.id).resp3),
        (true, false) => m.null(c.id),
        (false, _) => Value::Int(if f.ch { added + updated } else { added }),
    }
}

pub(super) fn zadd(m: &mut Model, c: &Call) -> Value {
    zadd_generic(m, c, false)
}

pub(super) fn zincrby(m: &mut Model, c: &Call) -> Value {
    zadd_generic(m, c, true)
}

/// Members are removed in order until the set is empty; then the key goes.
pub(super) fn zrem(m: &mut Model, c: &Call) -> Value {
    let key = &c.args[1];
    let removed = match zset(m, c, key) {
        Err(e) => return e,
        Ok(None) => 0,
        Ok(Some(z)) => c.args[2..].iter().filter(|a| z.remove(a)).count(),
    };
    drop_if_empty(m, c, key);
    if removed > 0 {
        m.modified(c, key);
    }
    Value::Int(removed as i64)
}

pub(super) fn zcard(m: &mut Model, c: &Call) -> Value {
    match zset(m, c, &c.args[1]) {
        Err(e) => e,
        Ok(z) => Value::Int(z.map_or(0, |z| z.len()) as i64),
    }
}

fn score_or_null(m: &mut Model, c: &Call, s: Option<f64>) -> Value {
    match s {
        Some(s) => score_value(s, m.session(c.id).resp3),
        None => m.null(c.id),
    }
}

pub(super) fn zscore(m: &mut Model, c: &Call) -> Value {
    match zset(m, c, &c.args[1]) {
        Err(e) => e,
        Ok(z) => {
            let s = z.and_then(|z| z.score(&c.args[2]));
            score_or_null(m, c, s)
        }
    }
}

pub(super) fn zmscore(m: &mut Model, c: &Call) -> Value {
    let scores: Vec<Option<f64>> = match zset(m, c, &c.args[1]) {
        Err(e) => return e,
        Ok(z) => c.args[2..]
            .iter()
            .map(|a| z.as_ref().and_then(|z| z.score(a)))
            .collect(),
    };
    Value::Array(scores.into_iter().map(|s| score_or_null(m, c, s)).collect())
}

fn rank_generic(m: &mut Model, c: &Call, reverse: bool) -> Value {
    let rank = match zset(m, c, &c.args[1]) {
        Err(e) => return e,
        Ok(z) => z.and_then(|z| z.ordered(reverse).iter().position(|(x, _)| x == &c.args[2])),
    };
    match rank {
        Some(r) => Value::Int(r as i64),
        None => m.null(c.id),
    }
}

pub(super) fn zrank(m: &mut Model, c: &Call) -> Value {
    rank_generic(m, c, false)
}

pub(super) fn zrevrank(m: &mut Model, c: &Call) -> Value {
    rank_generic(m, c, true)
}

/// The range is parsed before the key is looked up.
pub(super) fn zcount(m: &mut Model, c: &Call) -> Value {
    let Some(range) = ScoreRange::parse(&c.args[2], &c.args[3]) else {
        return Value::error(NOT_A_FLOAT_RANGE);
    };
    match zset(m, c, &c.args[1]) {
        Err(e) => e,
        Ok(z) => Value::Int(z.map_or(0, |z| z.count_in(&range)) as i64),
    }
}

/// ZPOPMIN/ZPOPMAX key [count]: a flat `[m, s, ...]`, nested pairs in RESP3 with a count.
fn zpop(m: &mut Model, c: &Call, max: bool) -> Value {
    if c.args.len() > 3 {
        return syntax_error();
    }
    let count = match c.args.get(2).map(|a| parse_integer(a)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as usize),
        Some(_) => return Value::error("ERR value is out of range, must be positive"),
    };
    let resp3 = m.session(c.id).resp3;
    let key = &c.args[1];
    let popped = match zset(m, c, key) {
        Err(e) => return e,
        Ok(None) => Vec::new(),
        Ok(Some(z)) => z.pop(count.unwrap_or(1), max),
    };
    drop_if_empty(m, c, key);
    if !popped.is_empty() {
        m.modified(c, key);
    }
    Value::Array(scored_items(popped, true, resp3 && count.is_some(), resp3))
}

pub(super) fn zpopmin(m: &mut Model, c: &Call) -> Value {
    zpop(m, c, false)
}

pub(super) fn zpopmax(m: &mut Model, c: &Call) -> Value {
    zpop(m, c, true)
}
