//! Set commands as Redis 7.0.15's t_set.c answers them: SADD, SREM, SCARD, SISMEMBER,
//! SMISMEMBER, SMEMBERS, SMOVE, SUNION, SDIFF, SINTER. The order of the members in a reply is
//! the encoding's, kept as Redis 7.2 keeps it (its listpack encoding of small sets is the
//! collections issue's named 7.2 addition): ascending while an intset (only integers, at most
//! `set-max-intset-entries` = 512), in insertion order while a listpack (at most
//! `set-max-listpack-entries` = 128 members of at most `set-max-listpack-value` = 64 bytes),
//! in any order once a hashtable (never back).

use ferrous_io_sim::Value;

use super::errors::parse_integer;
use super::keyspace::{wrongtype, Entry, MVal};
use super::{Call, Expect, Model};

const MAX_INTSET_ENTRIES: usize = 512;
const MAX_LISTPACK_ENTRIES: usize = 128;
const MAX_LISTPACK_VALUE: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetEnc {
    Intset,
    Listpack,
    Hashtable,
}

/// A set with the encoding Redis would have it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MSet {
    /// In insertion order (a listpack's; an intset lists them ascending whatever this says).
    pub members: Vec<Vec<u8>>,
    pub enc: SetEnc,
}

impl MSet {
    fn new(enc: SetEnc) -> MSet {
        MSet {
            members: Vec::new(),
            enc,
        }
    }

    /// Redis 7.2's setTypeCreate: an intset for an integer if `hint` members fit one, else a
    /// listpack if they fit one, else a hashtable.
    fn create(first: &[u8], hint: usize) -> MSet {
        if parse_integer(first).is_some() && hint <= MAX_INTSET_ENTRIES {
            MSet::new(SetEnc::Intset)
        } else if hint <= MAX_LISTPACK_ENTRIES {
            MSet::new(SetEnc::Listpack)
        } else {
            MSet::new(SetEnc::Hashtable)
        }
    }

    /// The value without its encoding, for comparing contents.
    pub fn canonical(&self) -> MSet {
        let mut members = self.members.clone();
        members.sort();
        MSet {
            members,
            enc: SetEnc::Hashtable,
        }
    }

    pub fn contains(&self, v: &[u8]) -> bool {
        self.members.iter().any(|m| m == v)
    }

    /// Redis 7.2's setTypeMaybeConvert: SADD naming more members than the compact encoding
    /// holds makes a hashtable first.
    fn maybe_convert(&mut self, hint: usize) {
        let limit = match self.enc {
            SetEnc::Intset => MAX_INTSET_ENTRIES,
            SetEnc::Listpack => MAX_LISTPACK_ENTRIES,
            SetEnc::Hashtable => return,
        };
        if hint > limit {
            self.enc = SetEnc::Hashtable;
        }
    }

    /// Redis 7.2's setTypeAdd: an intset past 512 integers becomes a hashtable; a string
    /// turns it into a listpack (its integers ascending first) when it has fewer than 128
    /// members and none of them nor the string is longer than 64 bytes, else a hashtable; a
    /// listpack that cannot take the member becomes a hashtable.
    fn add(&mut self, v: &[u8]) -> bool {
        if self.contains(v) {
            return false;
        }
        let n = self.members.len();
        self.enc = match (self.enc, parse_integer(v)) {
            (SetEnc::Intset, Some(_)) if n + 1 > MAX_INTSET_ENTRIES => SetEnc::Hashtable,
            (SetEnc::Intset, Some(_)) => SetEnc::Intset,
            (SetEnc::Intset, None) => {
                let longest = self.members.iter().map(Vec::len).max().unwrap_or(0);
                if n < MAX_LISTPACK_ENTRIES && v.len() <= MAX_LISTPACK_VALUE && longest <= MAX_LISTPACK_VALUE {
                    self.members.sort_by_key(|m| parse_integer(m));
                    SetEnc::Listpack
                } else {
                    SetEnc::Hashtable
                }
            }
            (SetEnc::Listpack, _) if n < MAX_LISTPACK_ENTRIES && v.len() <= MAX_LISTPACK_VALUE => SetEnc::Listpack,
            _ => SetEnc::Hashtable,
        };
        self.members.push(v.to_vec());
        true
    }

    fn remove(&mut self, v: &[u8]) -> bool {
        let before = self.members.len();
        self.members.retain(|m| m != v);
        before != self.members.len()
    }

    /// The members in the order the server iterates them, and whether that order is known
    /// (not a hashtable's).
    fn listed(&self) -> (Vec<Vec<u8>>, bool) {
        let mut v = self.members.clone();
        match self.enc {
            SetEnc::Intset => {
                v.sort_by_key(|m| parse_integer(m).unwrap_or(0));
                (v, true)
            }
            SetEnc::Listpack => (v, true),
            SetEnc::Hashtable => (v, false),
        }
    }
}

fn set<'a>(m: &'a mut Model, c: &Call, key: &[u8]) -> Result<Option<&'a mut MSet>, Value> {
    match m.lookup(c, key) {
        None => Ok(None),
        Some(Entry {
            value: MVal::Set(s), ..
        }) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

/// A reply of `members` as a set, exact when their order is `known`.
fn reply(m: &mut Model, c: &Call, members: Vec<Vec<u8>>, known: bool) -> Expect {
    let items = Value::Set(members.into_iter().map(Value::Bulk).collect());
    protocol(
        m,
        c,
        if known {
            Expect::Reply(items)
        } else {
            Expect::Unordered(items)
        },
    )
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
    let hint = c.args.len() - 2;
    match set(m, c, &key) {
        Err(e) => return e,
        Ok(Some(s)) => s.maybe_convert(hint),
        Ok(None) => {
            let value = MVal::Set(MSet::create(&c.args[2], hint));
            m.db(c.id).insert(key.clone(), Entry::of(value));
        }
    }
    let Ok(Some(s)) = set(m, c, &key) else {
        unreachable!("created above")
    };
    let added = c.args[2..].iter().filter(|v| s.add(v)).count();
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
        Ok(Some(s)) => {
            let removed = c.args[2..].iter().filter(|v| s.remove(v)).count();
            (removed, s.members.is_empty())
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
        Ok(s) => Value::Int(s.map_or(0, |s| s.members.len()) as i64),
    }
}

pub(super) fn sismember(m: &mut Model, c: &Call) -> Value {
    match set(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(s) => Value::Int(i64::from(s.is_some_and(|s| s.contains(&c.args[2])))),
    }
}

pub(super) fn smismember(m: &mut Model, c: &Call) -> Value {
    match set(m, c, &c.args[1].clone()) {
        Err(e) => e,
        Ok(s) => {
            let has = |v: &Vec<u8>| s.as_ref().is_some_and(|s| s.contains(v));
            Value::Array(c.args[2..].iter().map(|v| Value::Int(i64::from(has(v)))).collect())
        }
    }
}

/// SMEMBERS is SINTER of one key.
pub(super) fn smembers(m: &mut Model, c: &Call) -> Expect {
    sinter(m, c)
}

pub(super) fn smove(m: &mut Model, c: &Call) -> Value {
    let (src, dst, v) = (c.args[1].clone(), c.args[2].clone(), c.args[3].clone());
    // Both keys are looked up (and lazily expired) first; a missing source answers 0 before
    // any type check, then both types are checked.
    let src_state = set(m, c, &src).map(|s| s.map(|s| s.contains(&v)));
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
        Ok(Some(s)) => {
            s.remove(&v);
            s.members.is_empty()
        }
        _ => false,
    };
    if empty {
        m.db(c.id).remove(&src);
    }
    if !matches!(set(m, c, &dst), Ok(Some(_))) {
        let value = MVal::Set(MSet::create(&v, 1));
        m.db(c.id).insert(dst.clone(), Entry::of(value));
    }
    // The source is signalled once the destination exists; the destination only if the
    // member was new there.
    m.modified(c, &src);
    let added = match set(m, c, &dst) {
        Ok(Some(s)) => s.add(&v),
        _ => false,
    };
    if added {
        m.modified(c, &dst);
    }
    Value::Int(1)
}

/// The sets named from argument 1 on (`None` for a missing key), or WRONGTYPE.
fn operands(m: &mut Model, c: &Call) -> Result<Vec<Option<MSet>>, Value> {
    let mut out = Vec::new();
    for k in &c.args[1..] {
        out.push(set(m, c, k)?.cloned());
    }
    Ok(out)
}

/// The result of SUNION/SDIFF, built as Redis builds it (a new set, an intset first, members
/// added in the operands' order), replied in its own order.
fn computed(m: &mut Model, c: &Call, result: &MSet, operands_known: bool) -> Expect {
    let (members, known) = result.listed();
    let known = known && (result.enc == SetEnc::Intset || operands_known);
    reply(m, c, members, known)
}

pub(super) fn sunion(m: &mut Model, c: &Call) -> Expect {
    let sets = match operands(m, c) {
        Err(e) => return Expect::Reply(e),
        Ok(sets) => sets,
    };
    let mut result = MSet::new(SetEnc::Intset);
    let mut known = true;
    for s in sets.iter().flatten() {
        let (members, k) = s.listed();
        known &= k;
        for v in members {
            result.add(&v);
        }
    }
    computed(m, c, &result, known)
}

/// Redis' two algorithms: by the sizes, either add the first set's members that no other set
/// has, or add them all and then remove the others' (which can leave another encoding).
pub(super) fn sdiff(m: &mut Model, c: &Call) -> Expect {
    let sets = match operands(m, c) {
        Err(e) => return Expect::Reply(e),
        Ok(sets) => sets,
    };
    let mut result = MSet::new(SetEnc::Intset);
    let Some(first) = &sets[0] else {
        return computed(m, c, &result, true);
    };
    if c.args[2..].contains(&c.args[1]) {
        return computed(m, c, &result, true);
    }
    let present: Vec<&MSet> = sets.iter().flatten().collect();
    let one = present.len() * first.members.len() / 2;
    let two: usize = present.iter().map(|s| s.members.len()).sum();
    let (members, known) = first.listed();
    let rest: Vec<&MSet> = sets[1..].iter().flatten().collect();
    if one <= two {
        for v in members {
            if !rest.iter().any(|s| s.contains(&v)) {
                result.add(&v);
            }
        }
    } else {
        for v in members {
            result.add(&v);
        }
        for s in &rest {
            if result.members.is_empty() {
                break;
            }
            for v in &s.members {
                result.remove(v);
            }
        }
    }
    computed(m, c, &result, known)
}

/// SINTER (and SMEMBERS) walk the smallest set (the first of the smallest, by a stable sort)
/// and reply in its order.
pub(super) fn sinter(m: &mut Model, c: &Call) -> Expect {
    let sets = match operands(m, c) {
        Err(e) => return Expect::Reply(e),
        Ok(sets) => sets,
    };
    let Some(mut sets) = sets.into_iter().collect::<Option<Vec<MSet>>>() else {
        return reply(m, c, Vec::new(), true);
    };
    sets.sort_by_key(|s| s.members.len());
    let (members, known) = sets[0].listed();
    let inter: Vec<Vec<u8>> = members
        .into_iter()
        .filter(|v| sets[1..].iter().all(|s| s.contains(v)))
        .collect();
    reply(m, c, inter, known)
}
