//! SORT and SORT_RO (Redis' sort.c): the elements of a list, set or sorted set, ordered
//! numerically or as strings, by themselves or by other keys (BY pattern), limited, mapped
//! through GET patterns, answered or stored as a list.

use crate::command::acl::{DANGEROUS, LIST, SET, SORTEDSET};
use crate::command::flags::{DENYOOM, MOVABLE_KEYS, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::types::list::{End, List};
use crate::value::Value;

const GROUP: &str = "generic";
const SUMMARY: &str = "Sort the elements in a list, set or sorted set";
const COMPLEXITY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd(
        "sort",
        -2,
        WRITE | DENYOOM | MOVABLE_KEYS,
        SET | SORTEDSET | LIST | DANGEROUS,
        GROUP,
        "1.0.0",
        SUMMARY,
        COMPLEXITY,
        sort,
    )
    .keys(1, 1, 1, &["RO", "access"])
    .getkeys(sort_keys),
    cmd(
        "sort_ro",
        -2,
        READONLY | MOVABLE_KEYS,
        SET | SORTEDSET | LIST | DANGEROUS,
        GROUP,
        "7.0.0",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        COMPLEXITY,
        sort_ro,
    )
    .keys(1, 1, 1, &["RO", "access"])
    .getkeys(sort_ro_keys),
];

/// Redis' sortROGetKeys: the sorted key only (BY/GET keys come from its content).
fn sort_ro_keys(_: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    vec![(1, &["RO", "access"])]
}

/// Redis' sortGetKeys: the sorted key, and the last STORE destination (options with
/// arguments are skipped as Redis skips them).
fn sort_keys(args: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    let mut keys: Vec<(usize, &'static [&'static str])> = vec![(1, &["RO", "access"])];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(at) = store {
        keys.push((at, &["OW", "update"]));
    }
    keys
}

fn sort(ctx: &mut Ctx) {
    sort_generic(ctx, false);
}

fn sort_ro(ctx: &mut Ctx) {
    sort_generic(ctx, true);
}

#[derive(Default)]
struct Options {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    store: Option<Vec<u8>>,
    by: Option<Vec<u8>>,
    gets: Vec<Vec<u8>>,
}

/// The options as Redis reads them, or `None` once an error was replied.
fn parse(ctx: &mut Ctx, readonly: bool) -> Option<Options> {
    let args = ctx.args;
    let mut o = Options::default();
    let mut j = 2;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if a.eq_ignore_ascii_case(b"asc") {
            o.desc = false;
        } else if a.eq_ignore_ascii_case(b"desc") {
            o.desc = true;
        } else if a.eq_ignore_ascii_case(b"alpha") {
            o.alpha = true;
        } else if a.eq_ignore_ascii_case(b"limit") && left >= 2 {
            let start = ctx.int_arg(j + 1)?;
            let count = ctx.int_arg(j + 2)?;
            o.limit = Some((start, count));
            j += 2;
        } else if !readonly && a.eq_ignore_ascii_case(b"store") && left >= 1 {
            o.store = Some(args[j + 1].clone());
            j += 1;
        } else if a.eq_ignore_ascii_case(b"by") && left >= 1 {
            o.by = Some(args[j + 1].clone());
            j += 1;
        } else if a.eq_ignore_ascii_case(b"get") && left >= 1 {
            o.gets.push(args[j + 1].clone());
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// The elements to sort and whether they come in an order of their own (list, sorted set),
/// or `Err` for a key of another type.
fn elements(v: Option<&Value>) -> Result<(Vec<Vec<u8>>, bool), ()> {
    match v {
        None => Ok((Vec::new(), true)),
        Some(Value::List(l)) => Ok((l.iter().map(|e| e.to_bytes()).collect(), true)),
        Some(Value::Set(s)) => Ok((s.iter().map(|m| m.to_vec()).collect(), false)),
        // A sorted set's own order is by score, as a constant BY keeps it.
        Some(Value::ZSet(z)) => Ok((z.iter().map(|(m, _)| m.to_bytes()).collect(), true)),
        Some(_) => Err(()),
    }
}

/// Redis' LIMIT arithmetic: the inclusive range to output, empty when `end < start`.
fn range(limit: Option<(i64, i64)>, len: usize) -> (i64, i64) {
    let len = len as i64;
    let (start, count) = limit.unwrap_or((0, -1));
    let start = start.max(0).min(len);
    let count = count.max(-1).min(len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    let (start, end2) = if start >= len { (len - 1, len - 2) } else { (start, end) };
    end = end2.min(len - 1);
    (start, end)
}

fn sort_generic(ctx: &mut Ctx, readonly: bool) {
    let Some(mut o) = parse(ctx, readonly) else { return };
    let db = ctx.db();
    let key = ctx.args[1].clone();
    let found = ctx.srv.lookup_read(db, &key).cloned();
    let is_set = matches!(found, Some(Value::Set(_)));
    let Ok((mut items, ordered)) = elements(found.as_ref()) else {
        return ctx.wrong_type();
    };
    // Redis converts a listpack sorted set to a skiplist for SORT, for good.
    if let Some(Value::ZSet(z)) = ctx.srv.db_mut(db).get_mut(&key) {
        if z.is_listpack() {
            let hasher = ctx.srv.hasher;
            if let Some(Value::ZSet(z)) = ctx.srv.db_mut(db).get_mut(&key) {
                z.convert_to_skiplist(hasher);
            }
        }
    }
    // BY a pattern without '*' sorts nothing; a set stored that way is sorted ALPHA so the
    // result does not depend on its hash order.
    let mut dontsort = o.by.as_ref().is_some_and(|p| !p.contains(&b'*'));
    if dontsort && is_set && o.store.is_some() {
        dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    if dontsort && ordered && o.desc {
        items.reverse();
    }
    if !dontsort {
        match order(ctx, db, &mut items, &o) {
            Ok(()) => {}
            Err(()) => return ctx.out.err("One or more scores can't be converted into double"),
        }
    }
    let (start, end) = range(o.limit, items.len());
    let picked: &[Vec<u8>] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    match o.store {
        None => reply_output(ctx, db, picked, &o.gets),
        Some(dest) => {
            let output = output(ctx, db, picked, &o.gets);
            let n = output.len();
            // Redis' SORT STORE creates its list with the default fill, whatever the
            // configuration says (createQuicklistObject without quicklistSetOptions).
            let mut list = List::new();
            let packed_threshold = ctx.srv.list_packed_threshold;
            for v in output {
                list.push(End::Tail, &v.unwrap_or_default(), packed_threshold);
            }
            super::store_or_delete(ctx, db, &dest, n, Value::List(Box::new(list)), n as u64);
        }
    }
}

/// Sorts `items` in place by score (numeric) or string (ALPHA), from themselves or BY keys.
fn order(ctx: &mut Ctx, db: usize, items: &mut Vec<Vec<u8>>, o: &Options) -> Result<(), ()> {
    let weights: Vec<Option<Vec<u8>>> = items
        .iter()
        .map(|e| match &o.by {
            Some(p) => lookup_by_pattern(ctx, db, p, e, false),
            None => Some(e.clone()),
        })
        .collect();
    let mut keyed: Vec<(Vec<u8>, Option<Vec<u8>>, f64)> = Vec::with_capacity(items.len());
    for (e, w) in items.drain(..).zip(weights) {
        // A missing BY key weighs 0 (numeric) or sorts first (ALPHA).
        let score = match (&w, o.alpha) {
            (Some(b), false) => strtod_whole(b).ok_or(())?,
            _ => 0.0,
        };
        keyed.push((e, w, score));
    }
    let by = o.by.is_some();
    keyed.sort_by(|a, b| {
        let cmp = if !o.alpha {
            a.2.partial_cmp(&b.2)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        } else if by {
            a.1.cmp(&b.1) // None sorts first, as Redis' NULL compare object does
        } else {
            a.0.cmp(&b.0)
        };
        if o.desc {
            cmp.reverse()
        } else {
            cmp
        }
    });
    items.extend(keyed.into_iter().map(|(e, _, _)| e));
    Ok(())
}

/// Replies the output values (see [`output`]) as Redis does, looking each GET key up while
/// the reply is written: the events those lookups raise for a caller that listens land
/// inside the reply.
fn reply_output(ctx: &mut Ctx, db: usize, picked: &[Vec<u8>], gets: &[Vec<u8>]) {
    if gets.is_empty() {
        ctx.out.array(picked.len());
        return picked.iter().for_each(|e| ctx.out.bulk(e));
    }
    ctx.out.array(picked.len() * gets.len());
    for e in picked {
        for g in gets {
            match lookup_by_pattern(ctx, db, g, e, true) {
                Some(b) => ctx.out.bulk(&b),
                None => ctx.out.null(),
            }
        }
    }
}

/// The output values: the elements themselves, or one per GET pattern and element.
fn output(ctx: &mut Ctx, db: usize, picked: &[Vec<u8>], gets: &[Vec<u8>]) -> Vec<Option<Vec<u8>>> {
    if gets.is_empty() {
        return picked.iter().map(|e| Some(e.clone())).collect();
    }
    let mut out = Vec::with_capacity(picked.len() * gets.len());
    for e in picked {
        for g in gets {
            out.push(lookup_by_pattern(ctx, db, g, e, false));
        }
    }
    out
}

/// Redis' lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced
/// by the element and the key's string value (or, with `->field`, its hash field) is read.
/// `in_reply`: the lookup happens while the reply is written (see `lookup_read_in_reply`).
fn lookup_by_pattern(ctx: &mut Ctx, db: usize, pattern: &[u8], subst: &[u8], in_reply: bool) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(subst.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let arrow = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&i| i + 2 < after.len());
    let (middle, field) = match arrow {
        Some(i) => (&after[..i], Some(&after[i + 2..])),
        None => (after, None),
    };
    let mut key = pattern[..star].to_vec();
    key.extend_from_slice(subst);
    key.extend_from_slice(middle);
    let found = if in_reply {
        ctx.srv.lookup_read_in_reply(db, &key, ctx.out)
    } else {
        ctx.srv.lookup_read(db, &key)
    };
    match (found?, field) {
        (Value::Hash(h), Some(f)) => h.get(f).map(|v| v.to_bytes()),
        (Value::Str(s), None) => Some(s.to_bytes()),
        _ => None,
    }
}

/// C's strtod over a whole C string: the number must take every byte up to the first NUL;
/// overflow, underflow (ERANGE) and NaN do not count as numbers. An empty string is 0.
fn strtod_whole(b: &[u8]) -> Option<f64> {
    let b = crate::command::c_str(b, usize::MAX);
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() {
        return Some(0.0);
    }
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let v: f64 = match t.parse() {
        Ok(v) => v,
        Err(_) => hex_float(t)?,
    };
    let lower = t.to_ascii_lowercase();
    let is_inf_word = lower.trim_start_matches(['+', '-']).starts_with("inf");
    let mantissa_nonzero = lower
        .split(['e'])
        .next()
        .is_some_and(|m| m.bytes().any(|c| (b'1'..=b'9').contains(&c)));
    // glibc's strtod reports ERANGE for subnormal results too.
    let underflow = (v == 0.0 && mantissa_nonzero) || (v != 0.0 && v.abs() < f64::MIN_POSITIVE);
    if v.is_nan() || (v.is_infinite() && !is_inf_word) || underflow {
        return None;
    }
    Some(v)
}

/// strtod's hexadecimal form: `[+-]0x` hex digits with an optional point, then an optional
/// binary exponent `p[+-]digits`.
fn hex_float(t: &str) -> Option<f64> {
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let rest = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X"))?;
    let (mantissa, exp) = match rest.find(['p', 'P']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let v = v * 2f64.powi(exp - 4 * frac.len() as i32);
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_arithmetic_follows_redis() {
        assert_eq!(range(None, 5), (0, 4));
        assert_eq!(range(Some((1, 2)), 5), (1, 2));
        assert_eq!(range(Some((-3, 2)), 5), (0, 1));
        assert_eq!(range(Some((10, 2)), 5), (4, 3));
        assert_eq!(range(Some((2, -5)), 5), (2, 4));
        assert_eq!(range(Some((0, 0)), 5), (0, -1));
        assert_eq!(range(None, 0), (-1, -2));
    }

    #[test]
    fn scores_parse_like_strtod() {
        assert_eq!(strtod_whole(b"1.5"), Some(1.5));
        assert_eq!(strtod_whole(b" 2"), Some(2.0));
        assert_eq!(strtod_whole(b""), Some(0.0));
        assert_eq!(strtod_whole(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(strtod_whole(b"0x10"), Some(16.0));
        assert_eq!(strtod_whole(b"-0x1.8p1"), Some(-3.0));
        for bad in [&b"1x"[..], b"nan", b"1e400", b"1e-400", b"4.9e-324", b"abc", b" "] {
            assert_eq!(strtod_whole(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
