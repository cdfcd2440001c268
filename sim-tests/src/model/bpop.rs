//! The blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP (t_list.c) and BZPOPMIN,
//! BZPOPMAX, BZMPOP (t_zset.c). Each pops at once from the first of its keys that holds
//! something; a key of another type is an error; if every key is missing the client blocks (see
//! `blocking`) and is answered when served (blocked.c's serveClientBlockedOnList and
//! genericZpopCommand on the key that woke it) or when its timeout comes.

use ferrous_io_sim::Value;

use super::blocking::Kind;
use super::errors::{parse_integer, syntax_error};
use super::score::parse_timeout;
use super::zset::Scored;
use super::zsets::scored_items;
use super::{lists, zsets, Call, Expect, Model};

fn pop_list(m: &mut Model, c: &Call, key: &[u8], left: bool, n: usize) -> Vec<Vec<u8>> {
    let popped = match lists::list(m, c, key) {
        Ok(Some(l)) => (0..n.min(l.len()))
            .filter_map(|_| if left { l.pop_front() } else { l.pop_back() })
            .collect(),
        _ => Vec::new(),
    };
    lists::drop_if_empty(m, c, key);
    if !popped.is_empty() {
        m.modified(c, key);
    }
    popped
}

fn pop_zset(m: &mut Model, c: &Call, key: &[u8], max: bool, n: usize) -> Vec<Scored> {
    let popped = match zsets::zset(m, c, key) {
        Ok(Some(z)) => z.pop(n, max),
        _ => Vec::new(),
    };
    zsets::drop_if_empty(m, c, key);
    if !popped.is_empty() {
        m.modified(c, key);
    }
    popped
}

/// Does what `kind` does to `key`, which holds a nonempty value of the type it wants, and
/// returns the reply.
fn take(m: &mut Model, c: &Call, key: &[u8], kind: &Kind) -> Value {
    let resp3 = m.session(c.id).resp3;
    let k = Value::Bulk(key.to_vec());
    match kind {
        Kind::Pop { left } => {
            let v = pop_list(m, c, key, *left, 1);
            Value::Array([k].into_iter().chain(v.into_iter().map(Value::Bulk)).collect())
        }
        Kind::MPop { left, count } => {
            let v = pop_list(m, c, key, *left, *count);
            Value::Array(vec![k, Value::Array(v.into_iter().map(Value::Bulk).collect())])
        }
        // The source and destination are the blocking command's own first two arguments.
        Kind::Move { from_left, to_left, .. } => lists::move_(m, c, *from_left, *to_left),
        Kind::ZPop { max } => {
            let v = pop_zset(m, c, key, *max, 1);
            Value::Array([k].into_iter().chain(scored_items(v, true, false, resp3)).collect())
        }
        Kind::ZMPop { max, count } => {
            let v = pop_zset(m, c, key, *max, *count);
            Value::Array(vec![k, Value::Array(scored_items(v, true, true, resp3))])
        }
    }
}

impl Model {
    /// Serves a client that waited on `key` (already taken out of the waiters); returns whether
    /// the key is gone afterwards (then nobody else is served from it).
    pub(super) fn serve(&mut self, c: &Call, key: &[u8], kind: &Kind) -> bool {
        let db = self.session(c.id).db;
        let watched = self.watch(db, c.now);
        let reply = take(self, c, key, kind);
        self.owe(c.id, c.args.to_vec(), Expect::Reply(reply));
        self.signal_created(db, watched, c.now);
        !self.dbs[db].contains_key(key)
    }
}

/// Pops from the first key holding something, or blocks on them all (`None`).
fn pop_or_block(m: &mut Model, c: &Call, keys: &[Vec<u8>], timeout: Option<u64>, kind: Kind) -> Option<Value> {
    for k in keys {
        let found = match kind {
            Kind::Pop { .. } | Kind::MPop { .. } | Kind::Move { .. } => {
                lists::list(m, c, k).map(|l| l.is_some_and(|l| !l.is_empty()))
            }
            Kind::ZPop { .. } | Kind::ZMPop { .. } => zsets::zset(m, c, k).map(|z| z.is_some_and(|z| !z.is_empty())),
        };
        match found {
            Err(e) => return Some(e),
            Ok(true) => return Some(take(m, c, k, &kind)),
            Ok(false) => {}
        }
    }
    if m.deny_blocking {
        // Inside EXEC: answered at once as if timed out (BLMOVE with a null bulk).
        let null = match kind {
            Kind::Move { .. } => m.null(c.id),
            _ => m.null_array(c.id),
        };
        return Some(null);
    }
    m.block(c, keys, timeout, kind);
    None
}

/// KEY... TIMEOUT forms: the timeout is read first.
fn keys_then_timeout(m: &mut Model, c: &Call, kind: Kind) -> Option<Value> {
    let last = c.args.len() - 1;
    match parse_timeout(&c.args[last]) {
        Ok(t) => pop_or_block(m, c, &c.args[1..last], t, kind),
        Err(e) => Some(e),
    }
}

pub(super) fn blpop(m: &mut Model, c: &Call) -> Option<Value> {
    keys_then_timeout(m, c, Kind::Pop { left: true })
}

pub(super) fn brpop(m: &mut Model, c: &Call) -> Option<Value> {
    keys_then_timeout(m, c, Kind::Pop { left: false })
}

pub(super) fn bzpopmin(m: &mut Model, c: &Call) -> Option<Value> {
    keys_then_timeout(m, c, Kind::ZPop { max: false })
}

pub(super) fn bzpopmax(m: &mut Model, c: &Call) -> Option<Value> {
    keys_then_timeout(m, c, Kind::ZPop { max: true })
}

/// BLMOVE and BRPOPLPUSH block on their source alone.
fn bmove(m: &mut Model, c: &Call, from_left: bool, to_left: bool, timeout: &[u8]) -> Option<Value> {
    let timeout = match parse_timeout(timeout) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    let kind = Kind::Move {
        dst: c.args[2].clone(),
        from_left,
        to_left,
    };
    pop_or_block(m, c, &c.args[1..2], timeout, kind)
}

pub(super) fn blmove(m: &mut Model, c: &Call) -> Option<Value> {
    let side = |a: &[u8]| match a.to_ascii_lowercase().as_slice() {
        b"left" => Some(true),
        b"right" => Some(false),
        _ => None,
    };
    match (side(&c.args[3]), side(&c.args[4])) {
        (Some(from), Some(to)) => bmove(m, c, from, to, &c.args[5]),
        _ => Some(syntax_error()),
    }
}

pub(super) fn brpoplpush(m: &mut Model, c: &Call) -> Option<Value> {
    bmove(m, c, false, true, &c.args[3])
}

/// BLMPOP/BZMPOP after the timeout: `numkeys key... END [COUNT n]`, where END is one of
/// `ends`. Returns the keys' positions, whether END is the first of `ends`, and the count.
fn parse_mpop(args: &[Vec<u8>], ends: [&[u8]; 2]) -> Result<(std::ops::Range<usize>, bool, usize), Value> {
    let numkeys = parse_integer(&args[2])
        .filter(|&n| n >= 1)
        .ok_or_else(|| Value::error("ERR numkeys should be greater than 0"))?;
    let end_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(3))
        .filter(|&w| w < args.len())
        .ok_or_else(syntax_error)?;
    let first = if args[end_at].eq_ignore_ascii_case(ends[0]) {
        true
    } else if args[end_at].eq_ignore_ascii_case(ends[1]) {
        false
    } else {
        return Err(syntax_error());
    };
    let mut count = None;
    let mut j = end_at + 1;
    while j < args.len() {
        if count.is_some() || !args[j].eq_ignore_ascii_case(b"count") || j + 1 == args.len() {
            return Err(syntax_error());
        }
        let n = parse_integer(&args[j + 1]).filter(|&n| n >= 1);
        count = Some(n.ok_or_else(|| Value::error("ERR count should be greater than 0"))? as usize);
        j += 2;
    }
    Ok((3..end_at, first, count.unwrap_or(1)))
}

/// The arguments first, then the timeout, then the keys.
fn mpop(m: &mut Model, c: &Call, ends: [&[u8]; 2], kind: fn(bool, usize) -> Kind) -> Option<Value> {
    let parsed = parse_mpop(c.args, ends).and_then(|p| Ok((p, parse_timeout(&c.args[1])?)));
    match parsed {
        Ok(((keys, first, count), timeout)) => pop_or_block(m, c, &c.args[keys], timeout, kind(first, count)),
        Err(e) => Some(e),
    }
}

pub(super) fn blmpop(m: &mut Model, c: &Call) -> Option<Value> {
    mpop(m, c, [b"left", b"right"], |left, count| Kind::MPop { left, count })
}

pub(super) fn bzmpop(m: &mut Model, c: &Call) -> Option<Value> {
    mpop(m, c, [b"min", b"max"], |min, count| Kind::ZMPop { max: !min, count })
}
