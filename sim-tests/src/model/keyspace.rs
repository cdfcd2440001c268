//! The keyspace as Redis keeps it: values with an optional absolute expiry (unix ms). A key
//! past its expiry stays stored until something touches it (lazy expiry) or, when the server
//! runs its active expiry cycle, until a cycle finds it; the model deletes it on touch and
//! treats its presence between the two as unknowable (see [`Model::key_range`]).
//! Commands: GET, SET (all options), DEL, EXISTS, DBSIZE, FLUSHDB. Every change a command
//! makes to a key is signalled ([`Model::modified`], Redis' signalModifiedKey) where Redis
//! signals it: WATCH reads those signals.

use std::collections::VecDeque;

use ferrous_io_sim::Value;

use super::errors::{parse_integer, syntax_error};
use super::{Call, Expect, Model};

/// A value as Redis holds it, with what decides the order of its replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MVal {
    Str(Vec<u8>),
    List(VecDeque<Vec<u8>>),
    /// Fields in insertion order. `compact` while Redis keeps the listpack encoding (replies
    /// in this order); false once it converted to a hashtable (replies in any order).
    Hash {
        fields: Vec<(Vec<u8>, Vec<u8>)>,
        compact: bool,
    },
    /// With the encoding that decides its replies' order (see [`super::sets`]).
    Set(super::sets::MSet),
    /// Ordered by score then bytes in either encoding.
    ZSet(super::zset::ZSet),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub value: MVal,
    pub expire_at: Option<u64>,
}

impl Entry {
    pub fn new(value: Vec<u8>) -> Entry {
        Entry::of(MVal::Str(value))
    }

    pub fn of(value: MVal) -> Entry {
        Entry { value, expire_at: None }
    }

    /// The string value, or Redis' WRONGTYPE error for any other type.
    pub fn string(&mut self) -> Result<&mut Vec<u8>, Value> {
        match &mut self.value {
            MVal::Str(s) => Ok(s),
            _ => Err(wrongtype()),
        }
    }

    /// The value and expiry without the encoding: a command may convert an encoding (HSETNX
    /// with a long value that is not set) without modifying the key.
    pub fn data(&self) -> (MVal, Option<u64>) {
        let value = match &self.value {
            MVal::Hash { fields, .. } => MVal::Hash {
                fields: fields.clone(),
                compact: false,
            },
            MVal::Set(s) => MVal::Set(s.canonical()),
            other => other.clone(),
        };
        (value, self.expire_at)
    }

    /// Past its expiry at wall-clock `now_ms` (Redis' keyIsExpired: `now > when`; in the
    /// expiry's own millisecond the key lives and PTTL answers 0).
    pub fn is_dead(&self, now_ms: u64) -> bool {
        self.expire_at.is_some_and(|t| t < now_ms)
    }
}

pub fn wrongtype() -> Value {
    Value::error("WRONGTYPE Operation against a key holding the wrong kind of value")
}

impl Model {
    /// The value under `key` if `pick` takes its type: `Ok(None)` when missing, WRONGTYPE for
    /// another type.
    pub(super) fn lookup_as<'a, T>(
        &'a mut self,
        c: &Call,
        key: &[u8],
        pick: fn(&mut MVal) -> Option<&mut T>,
    ) -> Result<Option<&'a mut T>, Value> {
        match self.lookup(c, key) {
            None => Ok(None),
            Some(e) => pick(&mut e.value).map(Some).ok_or_else(wrongtype),
        }
    }

    /// Deletes `key` if `empty` finds its value emptied: Redis keeps no empty collection.
    pub(super) fn drop_if(&mut self, c: &Call, key: &[u8], empty: fn(&MVal) -> bool) {
        if self.db(c.id).get(key).is_some_and(|e| empty(&e.value)) {
            self.db(c.id).remove(key);
        }
    }
}

pub(super) fn get(m: &mut Model, c: &Call) -> Value {
    match m.lookup(c, &c.args[1]).map(Entry::string) {
        Some(Ok(s)) => Value::Bulk(s.clone()),
        Some(Err(e)) => e,
        None => m.null(c.id),
    }
}

/// SET's options as Redis' parseExtendedStringArgumentsOrReply reads them.
#[derive(Default)]
struct SetOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    /// The expiry option's unit (1 or 1000 ms), whether it is absolute, and its argument.
    expire: Option<(u64, bool, Vec<u8>)>,
}

fn parse_set_opts(args: &[Vec<u8>]) -> Option<SetOpts> {
    let mut o = SetOpts::default();
    let mut i = 3;
    while i < args.len() {
        let opt = args[i].to_ascii_lowercase();
        let next = args.get(i + 1);
        match (opt.as_slice(), next) {
            (b"nx", _) if !o.xx => o.nx = true,
            (b"xx", _) if !o.nx => o.xx = true,
            (b"get", _) => o.get = true,
            (b"keepttl", _) if o.expire.is_none() => o.keep_ttl = true,
            (b"ex" | b"px" | b"exat" | b"pxat", Some(v)) if o.expire.is_none() && !o.keep_ttl => {
                let unit = if opt.starts_with(b"e") { 1000 } else { 1 };
                o.expire = Some((unit, opt.ends_with(b"at"), v.clone()));
                i += 1;
            }
            _ => return None,
        }
        i += 1;
    }
    Some(o)
}

/// The absolute expiry in ms, or Redis' error (7.0.15's getExpireMillisecondsOrReply).
pub(super) fn expire_ms(c: &Call, unit: u64, absolute: bool, arg: &[u8], cmd: &str) -> Result<u64, Value> {
    let n = parse_integer(arg).ok_or_else(|| Value::error("ERR value is not an integer or out of range"))?;
    let invalid = || Value::error(&format!("ERR invalid expire time in '{cmd}' command"));
    if n <= 0 {
        return Err(invalid());
    }
    let ms = (n as u64)
        .checked_mul(unit)
        .filter(|&ms| ms <= i64::MAX as u64)
        .ok_or_else(invalid)?;
    if absolute {
        return Ok(ms);
    }
    ms.checked_add(c.now.unix_ms)
        .filter(|&t| t <= i64::MAX as u64)
        .ok_or_else(invalid)
}

pub(super) fn set(m: &mut Model, c: &Call) -> Value {
    let Some(o) = parse_set_opts(c.args) else {
        return syntax_error();
    };
    let expire_at = match &o.expire {
        Some((unit, absolute, arg)) => match expire_ms(c, *unit, *absolute, arg, "set") {
            Ok(t) => Some(t),
            Err(e) => return e,
        },
        None => None,
    };
    let mut old = m.lookup(c, &c.args[1]).cloned();
    let reply = match (&mut old, o.get) {
        // GET reads the old value first: only a string will do.
        (Some(e), true) => match e.string() {
            Ok(s) => Value::Bulk(s.clone()),
            Err(wrong) => return wrong,
        },
        (None, true) => m.null(c.id),
        _ => Value::simple("OK"),
    };
    if (o.nx && old.is_some()) || (o.xx && old.is_none()) {
        return if o.get { reply } else { m.null(c.id) };
    }
    let kept = if o.keep_ttl {
        old.and_then(|e| e.expire_at)
    } else {
        None
    };
    let entry = Entry {
        value: MVal::Str(c.args[2].clone()),
        expire_at: expire_at.or(kept),
    };
    m.db(c.id).insert(c.args[1].clone(), entry);
    m.modified(c, &c.args[1]);
    reply
}

/// Each key is deleted once, so a repeated key counts once; an expired key counts as absent.
pub(super) fn del(m: &mut Model, c: &Call) -> Value {
    let removed = c.args[1..]
        .iter()
        .filter(|k| {
            let gone = m.lookup(c, k).is_some() && m.db(c.id).remove(*k).is_some();
            if gone {
                m.modified(c, k);
            }
            gone
        })
        .count();
    Value::Int(removed as i64)
}

/// Each argument is counted, so a repeated existing key counts every time.
pub(super) fn exists(m: &mut Model, c: &Call) -> Value {
    let found = c.args[1..].iter().filter(|k| m.lookup(c, k).is_some()).count();
    Value::Int(found as i64)
}

/// DBSIZE counts what is stored, expired or not: exact unless an active expiry cycle may have
/// removed expired keys nobody touched.
pub(super) fn dbsize(m: &mut Model, c: &Call) -> Expect {
    let db = m.session(c.id).db;
    let (lo, hi) = m.key_range(db, c.now.unix_ms);
    if lo == hi {
        Expect::Reply(Value::Int(hi as i64))
    } else {
        Expect::IntBetween {
            lo: lo as i64,
            hi: hi as i64,
        }
    }
}

/// FLUSHDB [ASYNC|SYNC]: watchers of the keys it held are told first (signalFlushedDb).
pub(super) fn flushdb(m: &mut Model, c: &Call) -> Value {
    let mode_ok = c
        .args
        .get(1)
        .is_none_or(|a| a.eq_ignore_ascii_case(b"async") || a.eq_ignore_ascii_case(b"sync"));
    if c.args.len() > 2 || !mode_ok {
        return syntax_error();
    }
    let db = m.session(c.id).db;
    m.touch_all_in_db(db);
    m.dbs[db].clear();
    Value::simple("OK")
}

impl Model {
    /// Commands that read back every key held (expired or not), database by database, each
    /// with the read that lists its whole value.
    pub fn audit_reads(&self) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for (db, keys) in self.dbs.iter().enumerate().filter(|(_, keys)| !keys.is_empty()) {
            out.push(vec![b"SELECT".to_vec(), db.to_string().into_bytes()]);
            for (k, e) in keys {
                let (name, rest): (&[u8], &[&[u8]]) = match e.value {
                    MVal::Str(_) => (b"GET", &[]),
                    MVal::List(_) => (b"LRANGE", &[b"0", b"-1"]),
                    MVal::Hash { .. } => (b"HGETALL", &[]),
                    MVal::Set(_) => (b"SMEMBERS", &[]),
                    MVal::ZSet(_) => (b"ZRANGE", &[b"0", b"-1", b"WITHSCORES"]),
                };
                let mut args = vec![name.to_vec(), k.clone()];
                args.extend(rest.iter().map(|a| a.to_vec()));
                out.push(args);
            }
        }
        out
    }
}
