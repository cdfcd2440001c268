//! ZRANGE in all its forms (by index, BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and
//! ZREMRANGEBYRANK/ZREMRANGEBYSCORE, as Redis 7.0.15's zrangeGenericCommand and
//! zremrangeGenericCommand parse and answer them.

use ferrous_io_sim::Value;

use super::errors::{parse_integer, syntax_error};
use super::score::{LexRange, ScoreRange, NOT_A_FLOAT_RANGE, NOT_A_LEX_RANGE};
use super::zset::{Scored, ZSet};
use super::zsets::{drop_if_empty, scored_items, zset};
use super::{Call, Expect, Model};

const NOT_INT: &str = "ERR value is not an integer or out of range";

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// ZRANGE's options after `key min max`.
struct Options {
    by: By,
    rev: bool,
    withscores: bool,
    /// LIMIT offset count.
    limit: Option<(i64, i64)>,
}

fn options(args: &[Vec<u8>]) -> Result<Options, Value> {
    let mut o = Options {
        by: By::Rank,
        rev: false,
        withscores: false,
        limit: None,
    };
    let mut by = None;
    let mut j = 4;
    while j < args.len() {
        let left = args.len() - j - 1;
        match args[j].to_ascii_lowercase().as_slice() {
            b"withscores" => o.withscores = true,
            b"limit" if left >= 2 => {
                let (Some(offset), Some(count)) = (parse_integer(&args[j + 1]), parse_integer(&args[j + 2])) else {
                    return Err(Value::error(NOT_INT));
                };
                o.limit = Some((offset, count));
                j += 2;
            }
            b"rev" if !o.rev => o.rev = true,
            b"bylex" if by.is_none() => by = Some(By::Lex),
            b"byscore" if by.is_none() => by = Some(By::Score),
            _ => return Err(syntax_error()),
        }
        j += 1;
    }
    o.by = by.unwrap_or(By::Rank);
    // Redis' "no LIMIT" is a count of -1, so `LIMIT x -1` passes with an index range.
    if o.limit.is_some_and(|(_, count)| count != -1) && o.by == By::Rank {
        return Err(Value::error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if o.withscores && o.by == By::Lex {
        return Err(Value::error(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    Ok(o)
}

/// Redis' start/end clamping for ranks: `None` when the range is empty.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end };
    (start <= end && start < len).then(|| (start as usize, end.min(len - 1) as usize))
}

/// LIMIT over the members in range: a negative offset walks off the end, a negative count
/// takes all.
fn limited(items: Vec<Scored>, limit: Option<(i64, i64)>) -> Vec<Scored> {
    match limit {
        None => items,
        Some((offset, _)) if offset < 0 => Vec::new(),
        Some((offset, count)) => {
            let take = usize::try_from(count).unwrap_or(usize::MAX);
            items.into_iter().skip(offset as usize).take(take).collect()
        }
    }
}

/// The range the arguments select; `Err` for a parse error. With REV the score and lex bounds
/// come as `max min`.
enum Selection {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

fn selection(o: &Options, a: &[u8], b: &[u8]) -> Result<Selection, Value> {
    let (min, max) = if o.rev && o.by != By::Rank { (b, a) } else { (a, b) };
    match o.by {
        By::Rank => match (parse_integer(min), parse_integer(max)) {
            (Some(s), Some(e)) => Ok(Selection::Rank(s, e)),
            _ => Err(Value::error(NOT_INT)),
        },
        By::Score => ScoreRange::parse(min, max)
            .map(Selection::Score)
            .ok_or_else(|| Value::error(NOT_A_FLOAT_RANGE)),
        By::Lex => LexRange::parse(min, max)
            .map(Selection::Lex)
            .ok_or_else(|| Value::error(NOT_A_LEX_RANGE)),
    }
}

/// The members selected, in reply order.
fn select(z: &ZSet, sel: &Selection, o: &Options) -> Vec<Scored> {
    let all = z.ordered(o.rev);
    match sel {
        Selection::Rank(s, e) => match rank_span(*s, *e, all.len()) {
            None => Vec::new(),
            Some((s, e)) => all[s..=e].to_vec(),
        },
        Selection::Score(r) => limited(all.into_iter().filter(|(_, s)| r.contains(*s)).collect(), o.limit),
        Selection::Lex(r) => limited(all.into_iter().filter(|(m, _)| r.contains(m)).collect(), o.limit),
    }
}

/// Redis documents BYLEX only for members of one score: otherwise which members come back
/// depends on the encoding's search, and any array is right.
fn lex_is_specified(z: &ZSet) -> bool {
    let scores = z.sorted();
    scores.first().is_none_or(|(_, s)| scores.iter().all(|(_, x)| x == s))
}

pub(super) fn zrange(m: &mut Model, c: &Call) -> Expect {
    let parsed = options(c.args).and_then(|o| Ok((selection(&o, &c.args[2], &c.args[3])?, o)));
    let (sel, o) = match parsed {
        Ok(p) => p,
        Err(e) => return Expect::Reply(e),
    };
    let resp3 = m.session(c.id).resp3;
    let (items, specified) = match zset(m, c, &c.args[1]) {
        Err(e) => return Expect::Reply(e),
        Ok(None) => (Vec::new(), true),
        Ok(Some(z)) => (select(z, &sel, &o), o.by != By::Lex || lex_is_specified(z)),
    };
    if !specified {
        return Expect::AnyArray;
    }
    Expect::Reply(Value::Array(scored_items(items, o.withscores, resp3, resp3)))
}

/// ZREMRANGEBYRANK/ZREMRANGEBYSCORE: the range is parsed before the key is looked up.
fn zremrange(m: &mut Model, c: &Call, by: By) -> Value {
    let o = Options {
        by,
        rev: false,
        withscores: false,
        limit: None,
    };
    let sel = match selection(&o, &c.args[2], &c.args[3]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let key = &c.args[1];
    let removed = match zset(m, c, key) {
        Err(e) => return e,
        Ok(None) => return Value::Int(0),
        Ok(Some(z)) => {
            let doomed = select(z, &sel, &o);
            doomed.iter().for_each(|(member, _)| {
                z.remove(member);
            });
            doomed.len()
        }
    };
    drop_if_empty(m, c, key);
    if removed > 0 {
        m.modified(c, key);
    }
    Value::Int(removed as i64)
}

pub(super) fn zremrangebyrank(m: &mut Model, c: &Call) -> Value {
    zremrange(m, c, By::Rank)
}

pub(super) fn zremrangebyscore(m: &mut Model, c: &Call) -> Value {
    zremrange(m, c, By::Score)
}
