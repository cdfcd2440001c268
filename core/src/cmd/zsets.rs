//! Sorted-set commands (Redis' t_zset.c) over [`ZSet`], with Redis 7.0's conversion points,
//! error strings, reply shapes (RESP2 flat, RESP3 nested pairs and doubles) and edge cases.

use rand_core::RngCore;

use crate::command::acl::SORTEDSET;
use crate::command::flags::{BLOCKING, DENYOOM, FAST, MOVABLE_KEYS, NOSCRIPT, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::glob::glob_match;
use crate::keyspace::WRONGTYPE;
use crate::notify::class as ev;
use crate::resp::format_double;
use crate::resp::{parse_i64, Reply};
use crate::server::Server;
use crate::types::zset::{Entry, LexBound, LexRange, ScoreRange, ZLimits, ZSet};
use crate::value::Value;

const GROUP: &str = "sorted-set";
const RO: &[&str] = &["RO"];
const RO_ACCESS: &[&str] = &["RO", "access"];
const RW_AD: &[&str] = &["RW", "access", "delete"];
const NONDET: &[&str] = &["nondeterministic_output"];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("zadd", -4, WRITE | DENYOOM | FAST, SORTEDSET, GROUP, "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists", "O(log(N)) for each item added, where N is the number of elements in the sorted set.", zadd).keys(1, 1, 1, &["RW", "update"]),
    cmd("zincrby", 4, WRITE | DENYOOM | FAST, SORTEDSET, GROUP, "1.2.0", "Increment the score of a member in a sorted set", "O(log(N)) where N is the number of elements in the sorted set.", zincrby).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("zrem", -3, WRITE | FAST, SORTEDSET, GROUP, "1.2.0", "Remove one or more members from a sorted set", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", zrem).keys(1, 1, 1, &["RW", "delete"]),
    cmd("zcard", 2, READONLY | FAST, SORTEDSET, GROUP, "1.2.0", "Get the number of members in a sorted set", "O(1)", zcard).keys(1, 1, 1, RO),
    cmd("zscore", 3, READONLY | FAST, SORTEDSET, GROUP, "1.2.0", "Get the score associated with the given member in a sorted set", "O(1)", zscore).keys(1, 1, 1, RO_ACCESS),
    cmd("zmscore", -3, READONLY | FAST, SORTEDSET, GROUP, "6.2.0", "Get the score associated with the given members in a sorted set", "O(N) where N is the number of members being requested.", zmscore).keys(1, 1, 1, RO_ACCESS),
    cmd("zrank", 3, READONLY | FAST, SORTEDSET, GROUP, "2.0.0", "Determine the index of a member in a sorted set", "O(log(N))", zrank).keys(1, 1, 1, RO_ACCESS),
    cmd("zrevrank", 3, READONLY | FAST, SORTEDSET, GROUP, "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low", "O(log(N))", zrevrank).keys(1, 1, 1, RO_ACCESS),
    cmd("zcount", 4, READONLY | FAST, SORTEDSET, GROUP, "2.0.0", "Count the members in a sorted set with scores within the given values", "O(log(N)) with N being the number of elements in the sorted set.", zcount).keys(1, 1, 1, RO_ACCESS),
    cmd("zlexcount", 4, READONLY | FAST, SORTEDSET, GROUP, "2.8.9", "Count the number of members in a sorted set between a given lexicographical range", "O(log(N)) with N being the number of elements in the sorted set.", zlexcount).keys(1, 1, 1, RO_ACCESS),
    cmd("zrange", -4, READONLY, SORTEDSET, GROUP, "1.2.0", "Return a range of members in a sorted set", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", zrange).keys(1, 1, 1, RO_ACCESS),
    cmd("zrangestore", -5, WRITE | DENYOOM, SORTEDSET, GROUP, "6.2.0", "Store a range of members from sorted set into another key", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", zrangestore).keys(1, 2, 1, &["OW", "update"]),
    cmd("zrevrange", -4, READONLY, SORTEDSET, GROUP, "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", zrevrange).keys(1, 1, 1, RO_ACCESS),
    cmd("zrangebyscore", -4, READONLY, SORTEDSET, GROUP, "1.0.5", "Return a range of members in a sorted set, by score", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", zrangebyscore).keys(1, 1, 1, RO_ACCESS),
    cmd("zrevrangebyscore", -4, READONLY, SORTEDSET, GROUP, "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", zrevrangebyscore).keys(1, 1, 1, RO_ACCESS),
    cmd("zrangebylex", -4, READONLY, SORTEDSET, GROUP, "2.8.9", "Return a range of members in a sorted set, by lexicographical range", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", zrangebylex).keys(1, 1, 1, RO_ACCESS),
    cmd("zrevrangebylex", -4, READONLY, SORTEDSET, GROUP, "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", zrevrangebylex).keys(1, 1, 1, RO_ACCESS),
    cmd("zremrangebyrank", 4, WRITE, SORTEDSET, GROUP, "2.0.0", "Remove all members in a sorted set within the given indexes", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", zremrangebyrank).keys(1, 1, 1, &["RW", "delete"]),
    cmd("zremrangebyscore", 4, WRITE, SORTEDSET, GROUP, "1.2.0", "Remove all members in a sorted set within the given scores", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", zremrangebyscore).keys(1, 1, 1, &["RW", "delete"]),
    cmd("zremrangebylex", 4, WRITE, SORTEDSET, GROUP, "2.8.9", "Remove all members in a sorted set between the given lexicographical range", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", zremrangebylex).keys(1, 1, 1, &["RW", "delete"]),
    cmd("zpopmin", -2, WRITE | FAST, SORTEDSET, GROUP, "5.0.0", "Remove and return members with the lowest scores in a sorted set", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", zpopmin).keys(1, 1, 1, RW_AD),
    cmd("zpopmax", -2, WRITE | FAST, SORTEDSET, GROUP, "5.0.0", "Remove and return members with the highest scores in a sorted set", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", zpopmax).keys(1, 1, 1, RW_AD),
    cmd("zmpop", -4, WRITE | MOVABLE_KEYS, SORTEDSET, GROUP, "7.0.0", "Remove and return members with scores in a sorted set", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", zmpop).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("zrandmember", -2, READONLY, SORTEDSET, GROUP, "6.2.0", "Get one or multiple random elements from a sorted set", "O(N) where N is the number of elements returned", zrandmember).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
    cmd("zunion", -3, READONLY | MOVABLE_KEYS, SORTEDSET, GROUP, "6.2.0", "Add multiple sorted sets", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", zunion).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("zinter", -3, READONLY | MOVABLE_KEYS, SORTEDSET, GROUP, "6.2.0", "Intersect multiple sorted sets", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", zinter).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("zdiff", -3, READONLY | MOVABLE_KEYS, SORTEDSET, GROUP, "6.2.0", "Subtract multiple sorted sets", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", zdiff).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, SORTEDSET, GROUP, "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", zunionstore).keys(1, 1, 1, &["OW", "update"]).getkeys(crate::command::keynum_keys::<1, 2, 3, 1>),
    cmd("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, SORTEDSET, GROUP, "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", zinterstore).keys(1, 1, 1, &["OW", "update"]).getkeys(crate::command::keynum_keys::<1, 2, 3, 1>),
    cmd("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, SORTEDSET, GROUP, "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", zdiffstore).keys(1, 1, 1, &["OW", "update"]).getkeys(crate::command::keynum_keys::<1, 2, 3, 1>),
    cmd("zintercard", -3, READONLY | MOVABLE_KEYS, SORTEDSET, GROUP, "7.0.0", "Intersect multiple sorted sets and return the cardinality of the result", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", zintercard).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("zscan", -3, READONLY, SORTEDSET, GROUP, "2.8.0", "Incrementally iterate sorted sets elements and associated scores", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", zscan).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
    cmd("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, SORTEDSET, GROUP, "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "O(log(N)) with N being the number of elements in the sorted set.", bzpopmin).keys(1, -2, 1, RW_AD),
    cmd("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, SORTEDSET, GROUP, "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "O(log(N)) with N being the number of elements in the sorted set.", bzpopmax).keys(1, -2, 1, RW_AD),
    cmd("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, SORTEDSET, GROUP, "7.0.0", "Remove and return members with scores in a sorted set or block until one is available", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", bzmpop).getkeys(crate::command::keynum_keys::<0, 2, 3, 1>),
];

// ---------------------------------------------------------------------------------------------
// Number parsing, as C's strtod and Redis' wrappers around it.

/// C's strtod: the value of the longest prefix that is a number, how many bytes it took (0 if
/// none), and whether it over- or underflowed (ERANGE with ±HUGE_VAL or 0).
pub(crate) fn strtod(b: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let start = i;
    let neg = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let rest = &b[i..];
    let lower = |n: usize| rest.get(..n).map(|p| p.to_ascii_lowercase());
    let sign = if neg { -1.0 } else { 1.0 };
    if lower(3).as_deref() == Some(b"inf") {
        let n = if lower(8).as_deref() == Some(b"infinity") { 8 } else { 3 };
        return (sign * f64::INFINITY, i + n, false);
    }
    if lower(3).as_deref() == Some(b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            if let Some(close) = rest[4..].iter().position(|&c| c == b')') {
                if rest[4..4 + close]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    n = 5 + close;
                }
            }
        }
        return (f64::NAN, i + n, false);
    }
    if lower(2).as_deref() == Some(b"0x") {
        if let Some((v, n)) = hex_float(&rest[2..]) {
            let v = sign * v;
            return (v, i + 2 + n, v.is_infinite());
        }
        // "0x" with no hex digit: just the 0.
        return (sign * 0.0, i + 1, false);
    }
    let mut j = 0;
    let mut digits = 0;
    let mut nonzero = false;
    while j < rest.len() && rest[j].is_ascii_digit() {
        nonzero |= rest[j] != b'0';
        j += 1;
        digits += 1;
    }
    if rest.get(j) == Some(&b'.') {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            nonzero |= rest[j] != b'0';
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0, false);
    }
    if matches!(rest.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(rest.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if rest.get(k).is_some_and(u8::is_ascii_digit) {
            while k < rest.len() && rest[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let text = std::str::from_utf8(&b[start..i + j]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    (v, i + j, erange)
}

/// A hex float body after "0x": digits, an optional fraction, an optional binary exponent.
fn hex_float(b: &[u8]) -> Option<(f64, usize)> {
    let mut j = 0;
    let mut v = 0.0f64;
    let mut any = false;
    while let Some(d) = b.get(j).and_then(|c| (*c as char).to_digit(16)) {
        v = v * 16.0 + f64::from(d);
        j += 1;
        any = true;
    }
    if b.get(j) == Some(&b'.') {
        let mut scale = 1.0 / 16.0;
        let mut k = j + 1;
        let mut frac = false;
        while let Some(d) = b.get(k).and_then(|c| (*c as char).to_digit(16)) {
            v += f64::from(d) * scale;
            scale /= 16.0;
            k += 1;
            frac = true;
        }
        if any || frac {
            j = k;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if matches!(b.get(j), Some(b'p' | b'P')) {
        let mut k = j + 1;
        let neg = b.get(k) == Some(&b'-');
        if matches!(b.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            let mut e: i32 = 0;
            while let Some(d) = b.get(k).filter(|c| c.is_ascii_digit()) {
                e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
                k += 1;
            }
            v *= 2f64.powi(if neg { -e } else { e });
            j = k;
        }
    }
    Some((v, j))
}

/// Redis' getDoubleFromObject: the whole argument, no leading space, no range error, no NaN.
pub(crate) fn parse_score(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b[0].is_ascii_whitespace() || b[0] == 0x0b {
        return None;
    }
    let (v, n, erange) = strtod(b);
    (n == b.len() && !erange && !v.is_nan()).then_some(v)
}

/// Parses argument `i` as a score, or replies `msg` (Redis' "value is not a valid float").
fn score_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<f64> {
    let v = parse_score(&ctx.args[i]);
    if v.is_none() {
        ctx.out.err(msg);
    }
    v
}

/// The argument as a C string (up to its first NUL), as strtod sees it.
fn c_str(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// One bound of Redis' zslParseRange: `(` for exclusive, then strtod of the rest.
fn parse_bound(b: &[u8]) -> Option<(f64, bool)> {
    let b = c_str(b);
    let (ex, body) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    let (v, n, _) = strtod(body);
    (n == body.len() && !v.is_nan()).then_some((v, ex))
}

fn parse_range(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
    let (min, minex) = parse_bound(min)?;
    let (max, maxex) = parse_bound(max)?;
    Some(ScoreRange { min, max, minex, maxex })
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Option<LexRange> {
    Some(LexRange {
        min: LexBound::parse(min)?,
        max: LexBound::parse(max)?,
    })
}

/// Redis' getPositiveLongFromObjectOrReply: `msg` for anything but an integer ≥ 0.
fn positive_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<i64> {
    let v = parse_i64(&ctx.args[i]).filter(|&n| n >= 0);
    if v.is_none() {
        ctx.out.err(msg);
    }
    v
}

/// Redis' getRangeLongFromObjectOrReply(1, LONG_MAX, msg): `msg` for anything but an integer ≥ 1.
fn at_least_one_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<i64> {
    let v = parse_i64(&ctx.args[i]).filter(|&n| n >= 1);
    if v.is_none() {
        ctx.out.err(msg);
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Lookups.

fn limits(srv: &Server) -> ZLimits {
    ZLimits {
        max_entries: usize::try_from(srv.cfg.zset_max_listpack_entries).unwrap_or(0),
        max_value: usize::try_from(srv.cfg.zset_max_listpack_value).unwrap_or(0),
        hasher: srv.hasher,
    }
}

/// A read lookup: `Ok(None)` when missing, `Err(())` after replying WRONGTYPE.
fn read<'s>(srv: &'s mut Server, out: &mut Reply, db: usize, key: &[u8]) -> Result<Option<&'s ZSet>, ()> {
    match srv.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => {
            out.error(WRONGTYPE);
            Err(())
        }
    }
}

/// A write lookup: `Ok(None)` when missing, `Err(())` after replying WRONGTYPE.
fn write<'s>(srv: &'s mut Server, out: &mut Reply, db: usize, key: &[u8]) -> Result<Option<&'s mut ZSet>, ()> {
    match srv.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => {
            out.error(WRONGTYPE);
            Err(())
        }
    }
}

fn delete_if_empty(srv: &mut Server, db: usize, key: &[u8]) {
    if matches!(srv.dbs[db].get(key), Some(Value::ZSet(z)) if z.is_empty()) {
        srv.db_mut(db).remove(key);
    }
}

/// A member with its score: RESP3 nests the pair when `nested`.
fn reply_pair(out: &mut Reply, m: Entry, s: f64, withscores: bool) {
    if withscores && out.resp3 {
        out.array(2);
    }
    m.with_bytes(|b| out.bulk(b));
    if withscores {
        out.double(s);
    }
}

fn pairs_header(out: &mut Reply, n: usize, withscores: bool) {
    out.array(if withscores && !out.resp3 { n * 2 } else { n });
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM.

fn zadd(ctx: &mut Ctx) {
    zadd_generic(ctx, false);
}

fn zincrby(ctx: &mut Ctx) {
    zadd_generic(ctx, true);
}

/// Redis' zaddGenericCommand.
fn zadd_generic(ctx: &mut Ctx, mut incr: bool) {
    let args = ctx.args;
    let (mut nx, mut xx, mut gt, mut lt, mut ch) = (false, false, false, false, false);
    let mut at = 2;
    while at < args.len() {
        let o = &args[at];
        if o.eq_ignore_ascii_case(b"nx") {
            nx = true;
        } else if o.eq_ignore_ascii_case(b"xx") {
            xx = true;
        } else if o.eq_ignore_ascii_case(b"ch") {
            ch = true;
        } else if o.eq_ignore_ascii_case(b"incr") {
            incr = true;
        } else if o.eq_ignore_ascii_case(b"gt") {
            gt = true;
        } else if o.eq_ignore_ascii_case(b"lt") {
            lt = true;
        } else {
            break;
        }
        at += 1;
    }
    let elements = args.len() - at;
    if elements % 2 == 1 || elements == 0 {
        return ctx.syntax_error();
    }
    let elements = elements / 2;
    if nx && xx {
        return ctx.out.err("XX and NX options at the same time are not compatible");
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return ctx
            .out
            .err("GT, LT, and/or NX options at the same time are not compatible");
    }
    if incr && elements > 1 {
        return ctx.out.err("INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(elements);
    for j in 0..elements {
        let Some(s) = score_arg(ctx, at + j * 2, "value is not a valid float") else {
            return;
        };
        scores.push(s);
    }
    let db = ctx.db();
    let key = &args[1];
    let lim = limits(ctx.srv);
    match write(ctx.srv, ctx.out, db, key) {
        Err(()) => return,
        Ok(Some(_)) => {}
        Ok(None) if xx => {
            return if incr { ctx.out.null() } else { ctx.out.int(0) };
        }
        Ok(None) => {
            let first = &args[at + 1];
            let z = if lim.max_entries == 0 || lim.max_value < first.len() {
                ZSet::new_skiplist(lim.hasher)
            } else {
                ZSet::new()
            };
            ctx.srv.db_add(db, key, Value::ZSet(Box::new(z)));
        }
    }
    let Some(Value::ZSet(z)) = ctx.srv.db_mut(db).get_mut(key) else {
        return;
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last = 0.0;
    for (j, &score) in scores.iter().enumerate() {
        let member = &args[at + 1 + j * 2];
        match z.score(member) {
            Some(cur) => {
                if nx {
                    continue;
                }
                let mut score = score;
                if incr {
                    score += cur;
                    if score.is_nan() {
                        return ctx.out.err("resulting score is not a number (NaN)");
                    }
                }
                if (lt && score >= cur) || (gt && score <= cur) {
                    continue;
                }
                if score != cur {
                    z.update(member, cur, score);
                    updated += 1;
                }
                processed += 1;
                last = score;
            }
            None if xx => {}
            None => {
                z.insert_new(member, score, &lim);
                added += 1;
                processed += 1;
                last = score;
            }
        }
    }
    ctx.changed(key, (added + updated) as u64);
    if incr {
        if processed > 0 {
            ctx.out.double(last);
        } else {
            ctx.out.null();
        }
    } else {
        ctx.out.int(if ch { added + updated } else { added });
    }
    if added + updated > 0 {
        ctx.notify(ev::ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
}

fn zrem(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let z = match write(ctx.srv, ctx.out, db, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(z)) => z,
    };
    let mut deleted = 0;
    for m in &args[2..] {
        if z.remove(m).is_some() {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    delete_if_empty(ctx.srv, db, &args[1]);
    ctx.changed(&args[1], deleted as u64);
    if deleted > 0 {
        ctx.notify_removal(ev::ZSET, "zrem", &args[1]);
    }
    ctx.out.int(deleted);
}

// ---------------------------------------------------------------------------------------------
// Simple queries.

fn zcard(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(z)) => {
            let n = z.len() as i64;
            ctx.out.int(n)
        }
        Ok(None) => ctx.out.int(0),
        Err(()) => {}
    }
}

fn zscore(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(z)) => match z.score(&args[2]) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        },
        Ok(None) => ctx.out.null(),
        Err(()) => {}
    }
}

fn zmscore(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let Ok(z) = read(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
}

fn rank_generic(ctx: &mut Ctx, reverse: bool) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(z)) => match z.rank(&args[2]) {
            Some(r) => {
                let r = if reverse { z.len() - 1 - r } else { r };
                ctx.out.int(r as i64)
            }
            None => ctx.out.null(),
        },
        Ok(None) => ctx.out.null(),
        Err(()) => {}
    }
}

fn zrank(ctx: &mut Ctx) {
    rank_generic(ctx, false);
}

fn zrevrank(ctx: &mut Ctx) {
    rank_generic(ctx, true);
}

fn zcount(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(r) = parse_range(&args[2], &args[3]) else {
        return ctx.out.err("min or max is not a float");
    };
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(z)) => {
            let (a, b) = z.score_span(&r);
            ctx.out.int((b - a) as i64)
        }
        Ok(None) => ctx.out.int(0),
        Err(()) => {}
    }
}

fn zlexcount(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(r) = parse_lex_range(&args[2], &args[3]) else {
        return ctx.out.err("min or max not valid string range item");
    };
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(z)) => {
            let (a, b) = z.lex_span(&r);
            ctx.out.int((b - a) as i64)
        }
        Ok(None) => ctx.out.int(0),
        Err(()) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and its family (Redis' zrangeGenericCommand).

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Auto,
    Fwd,
    Rev,
}

/// Redis' rank sanitation: the inclusive rank range, or `None` when empty.
fn rank_span(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen.saturating_add(start) } else { start };
    let mut end = if end < 0 { llen.saturating_add(end) } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize))
}

/// Applies LIMIT offset count to the ranks `a..b` walked forwards or (`rev`) backwards: the
/// ranks left, still ascending (negative offset: nothing, negative count: all).
fn apply_limit(a: usize, b: usize, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
    let Ok(offset) = usize::try_from(offset) else {
        return (0, 0);
    };
    let n = (b - a).saturating_sub(offset);
    let n = usize::try_from(limit).map_or(n, |l| n.min(l));
    if rev {
        (b - offset.min(b - a) - n, b - offset.min(b - a))
    } else {
        let lo = a + offset.min(b - a);
        (lo, lo + n)
    }
}

fn zrange_generic(ctx: &mut Ctx, start_at: usize, dst: Option<&[u8]>, mut rt: RangeType, mut dir: Dir) {
    let args = ctx.args;
    let storing = dst.is_some();
    let key = &args[start_at];
    let (mut minidx, mut maxidx) = (start_at + 1, start_at + 2);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = start_at + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if !storing && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
        } else if a.eq_ignore_ascii_case(b"limit") && left >= 2 {
            let Some(o) = ctx.int_arg(j + 1) else { return };
            let Some(l) = ctx.int_arg(j + 2) else { return };
            offset = o;
            limit = l;
            j += 2;
        } else if dir == Dir::Auto && a.eq_ignore_ascii_case(b"rev") {
            dir = Dir::Rev;
        } else if rt == RangeType::Auto && a.eq_ignore_ascii_case(b"bylex") {
            rt = RangeType::Lex;
        } else if rt == RangeType::Auto && a.eq_ignore_ascii_case(b"byscore") {
            rt = RangeType::Score;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    if dir == Dir::Auto {
        dir = Dir::Fwd;
    }
    if rt == RangeType::Auto {
        rt = RangeType::Rank;
    }
    if limit != -1 && rt == RangeType::Rank {
        return ctx
            .out
            .err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }
    if withscores && rt == RangeType::Lex {
        return ctx
            .out
            .err("syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let rev = dir == Dir::Rev;
    if rev && rt != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    enum Spec {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let spec = match rt {
        RangeType::Score => match parse_range(&args[minidx], &args[maxidx]) {
            Some(r) => Spec::Score(r),
            None => return ctx.out.err("min or max is not a float"),
        },
        RangeType::Lex => match parse_lex_range(&args[minidx], &args[maxidx]) {
            Some(r) => Spec::Lex(r),
            None => return ctx.out.err("min or max not valid string range item"),
        },
        _ => {
            let Some(a) = ctx.int_arg(minidx) else { return };
            let Some(b) = ctx.int_arg(maxidx) else { return };
            Spec::Rank(a, b)
        }
    };
    let db = ctx.db();
    let z = match read(ctx.srv, ctx.out, db, key) {
        Err(()) => return,
        Ok(None) => {
            return match dst {
                Some(dst) => super::store_or_delete(ctx, db, dst, 0, Value::ZSet(Box::default()), 1),
                None => ctx.out.array(0),
            };
        }
        Ok(Some(z)) => z,
    };
    let len = z.len();
    // The ascending ranks to emit (backwards when `rev`), and the size hint ZRANGESTORE
    // starts with.
    let ((lo, hi), hint): ((usize, usize), Option<usize>) = match spec {
        Spec::Rank(a, b) => match rank_span(len, a, b) {
            None => ((0, 0), Some(0)),
            Some((s, e)) if rev => ((len - 1 - e, len - s), Some(e - s + 1)),
            Some((s, e)) => ((s, e + 1), Some(e - s + 1)),
        },
        Spec::Score(_) | Spec::Lex(_) if offset > 0 && offset as u64 >= len as u64 => ((0, 0), None),
        Spec::Score(r) => {
            let (a, b) = z.score_span(&r);
            (apply_limit(a, b, rev, offset, limit), None)
        }
        Spec::Lex(r) => {
            let (a, b) = z.lex_span(&r);
            (apply_limit(a, b, rev, offset, limit), None)
        }
    };
    let mut items = z.range(lo, hi);
    if rev {
        items.reverse();
    }
    match dst {
        Some(dst) => {
            let items: Vec<(Vec<u8>, f64)> = items.into_iter().map(|(m, s)| (m.to_bytes(), s)).collect();
            let lim = limits(ctx.srv);
            let mut out = match hint {
                Some(n) if n > lim.max_entries => ZSet::new_skiplist(lim.hasher),
                _ => ZSet::new(),
            };
            for (m, s) in items {
                if out.score(&m).is_none() {
                    out.insert_new(&m, s, &lim);
                }
            }
            {
                let n = out.len();
                super::store_or_delete(ctx, db, dst, n, Value::ZSet(Box::new(out)), 1);
            }
        }
        None => {
            pairs_header(ctx.out, items.len(), withscores);
            for (m, s) in items {
                reply_pair(ctx.out, m, s, withscores);
            }
        }
    }
}

fn zrange(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Auto, Dir::Auto);
}

fn zrangestore(ctx: &mut Ctx) {
    let args = ctx.args;
    zrange_generic(ctx, 2, Some(&args[1]), RangeType::Auto, Dir::Auto);
}

fn zrevrange(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Rank, Dir::Rev);
}

fn zrangebyscore(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Score, Dir::Fwd);
}

fn zrevrangebyscore(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Score, Dir::Rev);
}

fn zrangebylex(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Lex, Dir::Fwd);
}

fn zrevrangebylex(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Lex, Dir::Rev);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*.

fn zremrange_generic(ctx: &mut Ctx, rt: RangeType) {
    let args = ctx.args;
    enum Spec {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let spec = match rt {
        RangeType::Score => match parse_range(&args[2], &args[3]) {
            Some(r) => Spec::Score(r),
            None => return ctx.out.err("min or max is not a float"),
        },
        RangeType::Lex => match parse_lex_range(&args[2], &args[3]) {
            Some(r) => Spec::Lex(r),
            None => return ctx.out.err("min or max not valid string range item"),
        },
        _ => {
            let Some(a) = ctx.int_arg(2) else { return };
            let Some(b) = ctx.int_arg(3) else { return };
            Spec::Rank(a, b)
        }
    };
    let db = ctx.db();
    let z = match write(ctx.srv, ctx.out, db, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(z)) => z,
    };
    let (a, b) = match spec {
        Spec::Rank(s, e) => match rank_span(z.len(), s, e) {
            Some((s, e)) => (s, e + 1),
            None => (0, 0),
        },
        Spec::Score(r) => z.score_span(&r),
        Spec::Lex(r) => z.lex_span(&r),
    };
    let removed = z.remove_range(a, b).len();
    delete_if_empty(ctx.srv, db, &args[1]);
    ctx.changed(&args[1], removed as u64);
    if removed > 0 {
        let event = match rt {
            RangeType::Score => "zremrangebyscore",
            RangeType::Lex => "zremrangebylex",
            _ => "zremrangebyrank",
        };
        ctx.notify_removal(ev::ZSET, event, &args[1]);
    }
    ctx.out.int(removed as i64);
}

fn zremrangebyrank(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Rank);
}

fn zremrangebyscore(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Score);
}

fn zremrangebylex(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Lex);
}

// ---------------------------------------------------------------------------------------------
// Pops (Redis' genericZpopCommand).

/// How a pop reply is shaped.
#[derive(Clone, Copy)]
struct PopShape {
    emit_key: bool,
    nested: bool,
    nil_when_empty: bool,
}

/// What a pop did.
enum Popped {
    /// No key exists and nothing was replied (the blocking forms block then).
    Nothing,
    /// Replied without popping (an error, an empty reply, a count of 0).
    Replied,
    /// Popped this many members from this key.
    From(Vec<u8>, usize),
}

/// Pops up to `count` (`None`: a plain single pop) from the first existing key, counting one
/// change per member (Redis' genericZpopCommand).
fn zpop_generic(
    ctx: &mut Ctx,
    keys: &[Vec<u8>],
    max: bool,
    count: Option<i64>,
    shape: PopShape,
    block: bool,
) -> Popped {
    let db = ctx.db();
    let mut found = None;
    for k in keys {
        match write(ctx.srv, ctx.out, db, k) {
            Err(()) => return Popped::Replied,
            Ok(None) => continue,
            Ok(Some(_)) => {
                found = Some(k);
                break;
            }
        }
    }
    let Some(key) = found else {
        if block {
            return Popped::Nothing;
        }
        if shape.nil_when_empty {
            ctx.out.null_array();
        } else {
            ctx.out.array(0);
        }
        return Popped::Replied;
    };
    if count == Some(0) {
        ctx.out.array(0);
        return Popped::Replied;
    }
    let Some(Value::ZSet(z)) = ctx.srv.db_mut(db).get_mut(key) else {
        return Popped::Replied;
    };
    let n = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX).min(z.len());
    let popped = if max {
        let len = z.len();
        let mut v = z.remove_range(len - n, len);
        v.reverse();
        v
    } else {
        z.remove_range(0, n)
    };
    let out = &mut *ctx.out;
    match (shape.nested, shape.emit_key) {
        (false, false) => out.array(n * 2),
        (true, false) => out.array(n),
        (false, true) => {
            out.array(n * 2 + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    // Redis raises the pop event here, after the reply's header (inside the reply of a client
    // that listens to itself in RESP3).
    ctx.notify(ev::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
    let out = &mut *ctx.out;
    for (s, m) in popped {
        if shape.nested {
            out.array(2);
        }
        out.bulk(&m);
        out.double(s);
    }
    delete_if_empty(ctx.srv, db, key);
    if !ctx.srv.dbs[db].contains(key) {
        ctx.notify(ev::GENERIC, "del", key);
    }
    ctx.changed(key, n as u64);
    Popped::From(key.clone(), n)
}

/// How a ZMPOP or a blocking pop goes to replicas: ZPOPMIN/ZPOPMAX of the key, with the count
/// popped when the command had a count.
fn zpop_argv(max: bool, key: Vec<u8>, count: Option<usize>) -> Vec<Vec<u8>> {
    let name = if max { b"ZPOPMAX".to_vec() } else { b"ZPOPMIN".to_vec() };
    let mut argv = vec![name, key];
    argv.extend(count.map(|n| n.to_string().into_bytes()));
    argv
}

fn zpop_minmax(ctx: &mut Ctx, max: bool) {
    let args = ctx.args;
    if args.len() > 3 {
        return ctx.syntax_error();
    }
    let mut count = None;
    if args.len() == 3 {
        let Some(c) = positive_arg(ctx, 2, "value is out of range, must be positive") else {
            return;
        };
        count = Some(c);
    }
    let shape = PopShape {
        emit_key: false,
        nested: ctx.out.resp3 && count.is_some(),
        nil_when_empty: false,
    };
    zpop_generic(ctx, &args[1..2], max, count, shape, false);
}

fn zpopmin(ctx: &mut Ctx) {
    zpop_minmax(ctx, false);
}

fn zpopmax(ctx: &mut Ctx) {
    zpop_minmax(ctx, true);
}

/// The parsed arguments of ZMPOP/BZMPOP.
struct MPop {
    keys: std::ops::Range<usize>,
    max: bool,
    count: i64,
}

fn parse_mpop(ctx: &mut Ctx, numkeys_at: usize) -> Option<MPop> {
    let numkeys = at_least_one_arg(ctx, numkeys_at, "numkeys should be greater than 0")?;
    let args = ctx.args;
    let where_at = (numkeys as u64)
        .checked_add(numkeys_at as u64 + 1)
        .filter(|&w| w < args.len() as u64);
    let Some(where_at) = where_at.map(|w| w as usize) else {
        ctx.syntax_error();
        return None;
    };
    let max = if args[where_at].eq_ignore_ascii_case(b"min") {
        false
    } else if args[where_at].eq_ignore_ascii_case(b"max") {
        true
    } else {
        ctx.syntax_error();
        return None;
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count.is_none() && args[j].eq_ignore_ascii_case(b"count") && more > 0 {
            j += 1;
            count = Some(at_least_one_arg(ctx, j, "count should be greater than 0")?);
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(MPop {
        keys: numkeys_at + 1..where_at,
        max,
        count: count.unwrap_or(1),
    })
}

const MPOP_SHAPE: PopShape = PopShape {
    emit_key: true,
    nested: true,
    nil_when_empty: true,
};

fn zmpop(ctx: &mut Ctx) {
    let Some(m) = parse_mpop(ctx, 1) else { return };
    let args = ctx.args;
    if let Popped::From(key, n) = zpop_generic(ctx, &args[m.keys.clone()], m.max, Some(m.count), MPOP_SHAPE, false) {
        ctx.propagate_as(zpop_argv(m.max, key, Some(n)));
    }
}

// ---------------------------------------------------------------------------------------------
// Blocking pops: served at once when a key holds a sorted set, else the client blocks on the
// keys (see `crate::blocking`) and the command runs again when one does.

fn bzpop_generic(ctx: &mut Ctx, max: bool) {
    let args = ctx.args;
    let last = args.len() - 1;
    let Some(timeout) = super::timeout_arg(ctx, last) else {
        return;
    };
    let shape = PopShape {
        emit_key: true,
        nested: false,
        nil_when_empty: false,
    };
    match zpop_generic(ctx, &args[1..last], max, None, shape, true) {
        Popped::Nothing => super::block_on(ctx, 1..last, timeout, "zset"),
        Popped::Replied => {}
        Popped::From(key, _) => super::propagate_served(ctx, zpop_argv(max, key, None)),
    }
}

fn bzpopmin(ctx: &mut Ctx) {
    bzpop_generic(ctx, false);
}

fn bzpopmax(ctx: &mut Ctx) {
    bzpop_generic(ctx, true);
}

fn bzmpop(ctx: &mut Ctx) {
    let Some(m) = parse_mpop(ctx, 2) else { return };
    let Some(timeout) = super::timeout_arg(ctx, 1) else {
        return;
    };
    let args = ctx.args;
    match zpop_generic(ctx, &args[m.keys.clone()], m.max, Some(m.count), MPOP_SHAPE, true) {
        Popped::Nothing => super::block_on(ctx, m.keys, timeout, "zset"),
        Popped::Replied => {}
        Popped::From(key, n) => super::propagate_served(ctx, zpop_argv(m.max, key, Some(n))),
    }
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER.

fn zrandmember(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    if args.len() >= 3 {
        let Some((l, withscores)) = super::rand_count_args(ctx, "withscores") else {
            return;
        };
        return zrandmember_count(ctx, l, withscores);
    }
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.out.null(),
        Err(()) => return,
    }
    let srv = &mut *ctx.srv;
    let Some(Value::ZSet(z)) = srv.dbs[db].get(&args[1]) else {
        return;
    };
    let rng = &mut srv.rng;
    if let Some((m, _)) = z.random_elem(&mut || rng.next_u64()) {
        m.with_bytes(|b| ctx.out.bulk(b));
    }
}

/// Redis' zrandmemberWithCountCommand cases (as HRANDFIELD's).
fn zrandmember_count(ctx: &mut Ctx, l: i64, withscores: bool) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.out.array(0),
        Err(()) => return,
    }
    let srv = &mut *ctx.srv;
    let Some(Value::ZSet(z)) = srv.dbs[db].get(&args[1]) else {
        return;
    };
    let rng = &mut srv.rng;
    let mut next = || rng.next_u64();
    let out = &mut *ctx.out;
    let size = z.len() as u64;
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    if count == 0 {
        return out.array(0);
    }
    // CASE 1: repetitions allowed (or a single element).
    if !uniq || count == 1 {
        pairs_header(out, count as usize, withscores);
        if z.is_listpack() {
            // One walk instead of a seek per pick (Redis' lpRandomPairs also walks once).
            let all: Vec<(Entry, f64)> = z.iter().collect();
            for _ in 0..count {
                let (m, s) = all[(next() % all.len() as u64) as usize];
                reply_pair(out, m, s, withscores);
            }
            return;
        }
        for _ in 0..count {
            if let Some((m, s)) = z.random_elem(&mut next) {
                reply_pair(out, m, s, withscores);
            }
        }
        return;
    }
    pairs_header(out, count.min(size) as usize, withscores);
    // CASE 2: the whole sorted set, greatest first (Redis' zset iterator walks from the tail).
    if count >= size {
        for (m, s) in z.iter_rev() {
            reply_pair(out, m, s, withscores);
        }
        return;
    }
    let all: Vec<(Entry, f64)> = z.iter().collect();
    if count * 3 > size {
        // CASE 3: drop random elements until `count` are left.
        let mut left = all;
        while left.len() as u64 > count {
            let i = (next() % left.len() as u64) as usize;
            left.swap_remove(i);
        }
        for (m, s) in left {
            reply_pair(out, m, s, withscores);
        }
    } else {
        // CASE 4: distinct random picks, in the order picked.
        let mut seen = vec![false; all.len()];
        let mut added = 0;
        while added < count {
            let i = (next() % all.len() as u64) as usize;
            if !seen[i] {
                seen[i] = true;
                added += 1;
                reply_pair(out, all[i].0, all[i].1, withscores);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis' zunionInterDiffGenericCommand).

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input: its elements (sets score 1.0) with a lookup by member.
struct Source {
    /// Index of the key among the inputs (the same key twice is one object in Redis).
    key_idx: usize,
    elems: Vec<(Vec<u8>, f64)>,
    lookup: std::collections::BTreeMap<Vec<u8>, f64>,
    weight: f64,
}

fn zset_op(ctx: &mut Ctx, dst: Option<&[u8]>, numkeys_at: usize, op: SetOp, card_only: bool) {
    let args = ctx.args;
    let Some(setnum) = ctx.int_arg(numkeys_at) else { return };
    if setnum < 1 {
        let name = ctx.client().last_cmd;
        return ctx
            .out
            .err(&format!("at least 1 input key is needed for '{name}' command"));
    }
    if setnum as u64 > (args.len() - numkeys_at - 1) as u64 {
        return ctx.syntax_error();
    }
    let setnum = setnum as usize;
    let db = ctx.db();
    let keys = &args[numkeys_at + 1..numkeys_at + 1 + setnum];
    let mut srcs: Vec<Source> = Vec::with_capacity(setnum);
    for (i, k) in keys.iter().enumerate() {
        let first_idx = keys.iter().position(|x| x == k).unwrap_or(i);
        let elems: Vec<(Vec<u8>, f64)> = match ctx.srv.lookup_read(db, k) {
            None => Vec::new(),
            Some(Value::ZSet(z)) => z.iter().map(|(m, s)| (m.to_bytes(), s)).collect(),
            Some(Value::Set(s)) => s.iter().map(|m| (m.with_bytes(<[u8]>::to_vec), 1.0)).collect(),
            Some(_) => return ctx.wrong_type(),
        };
        srcs.push(Source {
            key_idx: first_idx,
            lookup: elems.iter().cloned().collect(),
            elems,
            weight: 1.0,
        });
    }
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0i64;
    let mut j = numkeys_at + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != SetOp::Diff && !card_only && remaining > setnum && a.eq_ignore_ascii_case(b"weights") {
            j += 1;
            for src in srcs.iter_mut() {
                let Some(w) = parse_score(&args[j]) else {
                    return ctx.out.err("weight value is not a float");
                };
                src.weight = w;
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && a.eq_ignore_ascii_case(b"aggregate") {
            let v = &args[j + 1];
            agg = if v.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if v.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if v.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return ctx.syntax_error();
            };
            j += 2;
        } else if dst.is_none() && !card_only && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && a.eq_ignore_ascii_case(b"limit") {
            let Some(l) = positive_arg(ctx, j + 1, "LIMIT can't be negative") else {
                return;
            };
            limit = l;
            j += 2;
        } else {
            return ctx.syntax_error();
        }
    }
    if op != SetOp::Diff {
        srcs.sort_by_key(|s| s.elems.len());
    }
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cardinality = 0i64;
    match op {
        SetOp::Inter => {
            if !srcs[0].elems.is_empty() {
                for (m, s0) in &srcs[0].elems {
                    let mut score = srcs[0].weight * s0;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    let mut all = true;
                    for src in &srcs[1..] {
                        let value = if src.key_idx == srcs[0].key_idx {
                            s0 * src.weight
                        } else if let Some(v) = src.lookup.get(m) {
                            v * src.weight
                        } else {
                            all = false;
                            break;
                        };
                        aggregate(&mut score, value, agg);
                    }
                    if !all {
                        continue;
                    }
                    if card_only {
                        cardinality += 1;
                        if limit != 0 && cardinality >= limit {
                            break;
                        }
                    } else {
                        result.push((m.clone(), score));
                    }
                }
            }
        }
        SetOp::Union => {
            let mut acc: std::collections::BTreeMap<Vec<u8>, f64> = std::collections::BTreeMap::new();
            for src in &srcs {
                for (m, s) in &src.elems {
                    let mut score = src.weight * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, agg),
                        None => {
                            acc.insert(m.clone(), score);
                        }
                    }
                }
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            if !srcs[0].elems.is_empty() {
                for (m, s) in &srcs[0].elems {
                    let elsewhere = srcs[1..]
                        .iter()
                        .any(|src| src.key_idx == srcs[0].key_idx || src.lookup.contains_key(m));
                    if !elsewhere {
                        result.push((m.clone(), *s));
                    }
                }
            }
        }
    }
    if card_only {
        return ctx.out.int(cardinality);
    }
    let lim = limits(ctx.srv);
    let out = ZSet::from_pairs(result, true, lim.hasher).unwrap_or_default();
    match dst {
        Some(dst) => {
            let mut out = out;
            out.shrink_if_fits(&lim);
            {
                let n = out.len();
                super::store_or_delete(ctx, db, dst, n, Value::ZSet(Box::new(out)), 1);
            }
        }
        None => {
            pairs_header(ctx.out, out.len(), withscores);
            for (m, s) in out.iter() {
                reply_pair(ctx.out, m, s, withscores);
            }
        }
    }
}

fn zunion(ctx: &mut Ctx) {
    zset_op(ctx, None, 1, SetOp::Union, false);
}

fn zinter(ctx: &mut Ctx) {
    zset_op(ctx, None, 1, SetOp::Inter, false);
}

fn zdiff(ctx: &mut Ctx) {
    zset_op(ctx, None, 1, SetOp::Diff, false);
}

fn zunionstore(ctx: &mut Ctx) {
    let args = ctx.args;
    zset_op(ctx, Some(&args[1]), 2, SetOp::Union, false);
}

fn zinterstore(ctx: &mut Ctx) {
    let args = ctx.args;
    zset_op(ctx, Some(&args[1]), 2, SetOp::Inter, false);
}

fn zdiffstore(ctx: &mut Ctx) {
    let args = ctx.args;
    zset_op(ctx, Some(&args[1]), 2, SetOp::Diff, false);
}

fn zintercard(ctx: &mut Ctx) {
    zset_op(ctx, None, 1, SetOp::Inter, true);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN.

/// ZSCAN key cursor [MATCH pattern] [COUNT count]: a listpack answers whole with cursor 0 and
/// its stored score text; a skiplist walks its dict like SCAN.
fn zscan(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(mut cursor) = super::keys::parse_scan_cursor(&args[2]) else {
        return ctx.out.err("invalid cursor");
    };
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return super::keys::empty_scan(ctx.out);
        }
        Err(()) => return,
    }
    let Some(super::keys::ScanOptions { count, pattern, .. }) = super::keys::scan_options(ctx, 3, false) else {
        return;
    };
    let Some(Value::ZSet(z)) = ctx.srv.dbs[db].get(&args[1]) else {
        return;
    };
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    match (z.as_listpack(), z.dict()) {
        (Some(lp), _) => {
            items.extend(lp.pairs().map(|(m, s)| (m.to_bytes(), s.to_bytes())));
            cursor = 0;
        }
        (None, None) => {}
        (None, Some(d)) => {
            let count = count.saturating_mul(2);
            let mut max_iterations = count.saturating_mul(10);
            loop {
                cursor = d.scan(cursor, |m, s| items.push((m.clone(), format_double(*s).into_bytes())));
                if cursor == 0 || max_iterations == 0 || items.len() >= count {
                    break;
                }
                max_iterations -= 1;
            }
        }
    }
    if let Some(p) = pattern {
        items.retain(|(m, _)| glob_match(p, m, false));
    }
    let out = &mut *ctx.out;
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(items.len() * 2);
    for (m, s) in items {
        out.bulk(&m);
        out.bulk(&s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_like_c() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"5."), Some(5.0));
        assert_eq!(parse_score(b"1e400"), None);
        assert_eq!(parse_score(b"1e-400"), None);
        assert_eq!(parse_score(b"0e-400"), Some(0.0));
        assert_eq!(parse_score(b"nan"), None);
        assert_eq!(parse_score(b" 1"), None);
        assert_eq!(parse_score(b"1 "), None);
        assert_eq!(parse_score(b""), None);
        assert_eq!(parse_score(b"1e"), None);
        assert_eq!(parse_bound(b"("), Some((0.0, true)));
        assert_eq!(parse_bound(b""), Some((0.0, false)));
        assert_eq!(parse_bound(b" 2"), Some((2.0, false)));
        assert_eq!(parse_bound(b"1e400"), Some((f64::INFINITY, false)));
        use crate::types::zset::listpack_score;
        assert_eq!(listpack_score(1e17), "100000000000000000");
        assert_eq!(listpack_score(1.5), "1.5");
    }
}
