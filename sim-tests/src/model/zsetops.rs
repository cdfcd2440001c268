//! ZUNIONSTORE and ZINTERSTORE as Redis 7.0.15's zunionInterDiffGenericCommand answers them:
//! sources are sorted sets or sets (whose members score 1), WEIGHTS scale them, AGGREGATE
//! SUM|MIN|MAX combines them (a sum that is NaN counts as 0), and the result replaces the
//! destination, expiry and all, or deletes it when empty.
//!
//! Redis visits the sources smallest first; the workload names at most two and never a weight
//! that can make NaN (0 or infinite), so the order in which scores combine does not show.

use std::collections::BTreeMap;

use ferrous_io_sim::Value;

use super::errors::{parse_integer, syntax_error};
use super::keyspace::{wrongtype, Entry, MVal};
use super::score::parse_score;
use super::zset::{Scored, ZSet};
use super::{Call, Model};

type Scores = BTreeMap<Vec<u8>, f64>;

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, target: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *target += v;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min if v < *target => *target = v,
            Aggregate::Max if v > *target => *target = v,
            _ => {}
        }
    }
}

/// One input: its members with their scores, and its weight.
struct Source {
    members: Vec<Scored>,
    weight: f64,
}

/// The sources named after numkeys, read before any option is looked at.
fn sources(m: &mut Model, c: &Call, keys: &[Vec<u8>]) -> Result<Vec<Source>, Value> {
    let mut out = Vec::new();
    for k in keys {
        let members = match m.lookup(c, k).map(|e| &e.value) {
            None => Vec::new(),
            Some(MVal::ZSet(z)) => z.sorted(),
            Some(MVal::Set(s)) => s.members.iter().map(|v| (v.clone(), 1.0)).collect(),
            Some(_) => return Err(wrongtype()),
        };
        out.push(Source { members, weight: 1.0 });
    }
    Ok(out)
}

/// WEIGHTS w1..wn and AGGREGATE SUM|MIN|MAX, in any order and repeated.
fn options(args: &[Vec<u8>], srcs: &mut [Source]) -> Result<Aggregate, Value> {
    let mut agg = Aggregate::Sum;
    let mut j = 0;
    while j < args.len() {
        let remaining = args.len() - j;
        let opt = args[j].to_ascii_lowercase();
        if opt == b"weights" && remaining > srcs.len() {
            for (s, w) in srcs.iter_mut().zip(&args[j + 1..]) {
                s.weight = parse_score(w).ok_or_else(|| Value::error("ERR weight value is not a float"))?;
            }
            j += 1 + srcs.len();
        } else if opt == b"aggregate" && remaining >= 2 {
            agg = match args[j + 1].to_ascii_lowercase().as_slice() {
                b"sum" => Aggregate::Sum,
                b"min" => Aggregate::Min,
                b"max" => Aggregate::Max,
                _ => return Err(syntax_error()),
            };
            j += 2;
        } else {
            return Err(syntax_error());
        }
    }
    Ok(agg)
}

fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn union(srcs: &[Source], agg: Aggregate) -> Scores {
    let mut out = Scores::new();
    for s in srcs {
        for (member, score) in &s.members {
            let v = weighted(*score, s.weight);
            match out.get_mut(member) {
                None => {
                    out.insert(member.clone(), v);
                }
                Some(t) => agg.apply(t, v),
            }
        }
    }
    out
}

fn inter(srcs: &[Source], agg: Aggregate) -> Scores {
    let mut out = Scores::new();
    let (first, rest) = srcs.split_first().expect("at least one source");
    'members: for (member, score) in &first.members {
        let mut t = weighted(*score, first.weight);
        for s in rest {
            let Some((_, v)) = s.members.iter().find(|(x, _)| x == member) else {
                continue 'members;
            };
            agg.apply(&mut t, v * s.weight);
        }
        out.insert(member.clone(), t);
    }
    out
}

fn store_generic(m: &mut Model, c: &Call, name: &str, is_union: bool) -> Value {
    let Some(n) = parse_integer(&c.args[2]) else {
        return Value::error("ERR value is not an integer or out of range");
    };
    if n < 1 {
        return Value::error(&format!("ERR at least 1 input key is needed for '{name}' command"));
    }
    if n > c.args.len() as i64 - 3 {
        return syntax_error();
    }
    let keys_end = 3 + n as usize;
    let mut srcs = match sources(m, c, &c.args[3..keys_end]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let agg = match options(&c.args[keys_end..], &mut srcs) {
        Ok(a) => a,
        Err(e) => return e,
    };
    // Smallest first, as Redis' (stable) sort leaves them.
    srcs.sort_by_key(|s| s.members.len());
    let result = if is_union { union(&srcs, agg) } else { inter(&srcs, agg) };
    let dst = c.args[1].clone();
    if result.is_empty() {
        // dbDelete: an expired destination is deleted (and signalled) like a live one.
        if m.db(c.id).remove(&dst).is_some() {
            m.modified(c, &dst);
        }
        return Value::Int(0);
    }
    let len = result.len();
    // setKey looks the destination up first: an expired one is deleted (and signalled) then.
    m.lookup(c, &dst);
    m.db(c.id)
        .insert(dst.clone(), Entry::of(MVal::ZSet(ZSet::result(result))));
    m.modified(c, &dst);
    Value::Int(len as i64)
}

pub(super) fn zunionstore(m: &mut Model, c: &Call) -> Value {
    store_generic(m, c, "zunionstore", true)
}

pub(super) fn zinterstore(m: &mut Model, c: &Call) -> Value {
    store_generic(m, c, "zinterstore", false)
}
