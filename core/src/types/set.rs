//! Sets as Redis 7.2 encodes them (t_set.c): an `intset` (sorted integers) while every member
//! is an integer in Redis' string2ll form and there are at most `set-max-intset-entries` of
//! them; else a `listpack` (members in insertion order) while there are at most
//! `set-max-listpack-entries` members of at most `set-max-listpack-value` bytes; else a
//! `hashtable` (our [`Dict`]). Conversions go one way, intset → listpack → hashtable (intset →
//! hashtable directly when the listpack limits do not allow one), except where Redis builds a
//! new set: SPOP's kept members, and SINTERSTORE's result, which becomes an intset when it can.
//!
//! Redis 7.0 has no listpack encoding for sets: where 7.2 (and ferrous) keep a small set of
//! strings in a listpack, 7.0 has a hashtable. The listpack is the named 7.2 addition.

use std::fmt;

use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::hash::KeyedState;
use crate::listpack::{encode_entry, format_i64, Entry, Listpack};
use crate::resp::parse_i64;

/// Redis caps `set-max-intset-entries` at 2^30 (intset internals).
const INTSET_MAX_ENTRIES_CAP: usize = 1 << 30;
/// Redis' LISTPACK_MAX_SAFETY_SIZE: lpSafeToAdd keeps a listpack under 1 GiB.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// What decides a set's encoding: the three thresholds (from the configuration at the time of
/// the write) and the key of a hashtable's hasher (from the server seed).
#[derive(Clone, Copy, Debug)]
pub struct SetLimits {
    pub max_intset_entries: usize,
    pub max_listpack_entries: usize,
    pub max_listpack_value: usize,
    pub hasher: KeyedState,
}

impl SetLimits {
    /// Redis' defaults (512, 128, 64) with `hasher`.
    pub fn defaults(hasher: KeyedState) -> SetLimits {
        SetLimits {
            max_intset_entries: 512,
            max_listpack_entries: 128,
            max_listpack_value: 64,
            hasher,
        }
    }

    /// Redis' intsetMaxEntries: the intset threshold capped at 2^30.
    fn intset_max(&self) -> usize {
        self.max_intset_entries.min(INTSET_MAX_ENTRIES_CAP)
    }
}

/// A set member as stored: an integer (an intset's, or a listpack's integer entry) or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (integers in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Member::Int(n) => n.to_string().into_bytes(),
            Member::Bytes(b) => b.to_vec(),
        }
    }

    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(n) => f(format_i64(n, &mut [0u8; 20])),
            Member::Bytes(b) => f(b),
        }
    }
}

impl<'a> From<Entry<'a>> for Member<'a> {
    fn from(e: Entry<'a>) -> Member<'a> {
        match e {
            Entry::Int(n) => Member::Int(n),
            Entry::Str(s) => Member::Bytes(s),
        }
    }
}

enum Enc {
    /// Sorted ascending, no duplicates.
    Intset(Vec<i64>),
    /// Insertion order; integers stored as integers, as Redis' listpack does.
    Listpack(Listpack),
    /// Boxed: most sets are small, and a set value is allocated at the size of its largest
    /// encoding.
    Hashtable(Box<Dict<SmallBytes, ()>>),
}

/// A set value.
pub struct Set {
    enc: Enc,
}

/// Redis' lpSafeToAdd: a listpack of `bytes` may take `add` more.
fn listpack_safe_to_add(bytes: usize, add: usize) -> bool {
    bytes.saturating_add(add) <= LISTPACK_MAX_SAFETY_SIZE
}

/// Redis' lpEstimateBytesRepeatedInteger: a listpack of `rep` entries the size of `v`'s.
fn listpack_estimate_repeated(v: i64, rep: usize) -> usize {
    let mut entry = Vec::with_capacity(10);
    encode_entry(&mut entry, format_i64(v, &mut [0u8; 20]));
    crate::listpack::HEADER + entry.len().saturating_mul(rep) + 1
}

/// Which of `len` elements to take so that `count` (at most `len`) are taken, every subset
/// equally likely, deciding in order: each is taken with probability still-to-take over
/// still-to-visit (Redis' lpNextRandom walk, which SPOP and SRANDMEMBER use on a listpack so
/// that they traverse it once and answer in its order).
pub fn pick_in_order(len: usize, count: usize, rng: &mut impl FnMut() -> u64) -> Vec<bool> {
    let mut want = count.min(len);
    (0..len)
        .map(|i| {
            let take = want > 0 && rng() % ((len - i) as u64) < want as u64;
            if take {
                want -= 1;
            }
            take
        })
        .collect()
}

impl Set {
    /// An empty intset (Redis' createIntsetObject).
    pub fn new_intset() -> Set {
        Set {
            enc: Enc::Intset(Vec::new()),
        }
    }

    /// An empty listpack set (Redis' createSetListpackObject).
    pub fn new_listpack() -> Set {
        Set {
            enc: Enc::Listpack(Listpack::new()),
        }
    }

    /// An empty hashtable set (Redis' createSetObject), its table sized for `capacity` members
    /// when that is not 0 (dictExpand).
    pub fn new_hashtable(hasher: KeyedState, capacity: usize) -> Set {
        let mut d = Dict::new(hasher);
        if capacity > 0 {
            d.reserve(capacity);
        }
        Set {
            enc: Enc::Hashtable(Box::new(d)),
        }
    }

    /// A set that can hold `first` and about `size_hint` members (Redis' setTypeCreate): an
    /// intset for an integer if the hint allows one, else a listpack if the hint allows one,
    /// else a hashtable sized for the hint.
    pub fn create(first: &[u8], size_hint: usize, lim: &SetLimits) -> Set {
        if parse_i64(first).is_some() && size_hint <= lim.max_intset_entries {
            Set::new_intset()
        } else if size_hint <= lim.max_listpack_entries {
            Set::new_listpack()
        } else {
            Set::new_hashtable(lim.hasher, size_hint)
        }
    }

    /// A set holding an intset from an RDB file or DUMP payload (checked: ascending, no
    /// duplicates): a hashtable when longer than `set-max-intset-entries`, as Redis loads it
    /// (never a listpack).
    pub fn from_intset(ints: Vec<i64>, lim: &SetLimits) -> Set {
        let n = ints.len();
        let mut s = Set { enc: Enc::Intset(ints) };
        if n > lim.max_intset_entries {
            s.convert_to_hashtable(n, lim.hasher);
        }
        s
    }

    /// A set holding a listpack from an RDB file or DUMP payload (checked, without duplicates):
    /// a hashtable when longer than `set-max-listpack-entries`, as Redis 7.2 loads it.
    pub fn from_listpack(lp: Listpack, lim: &SetLimits) -> Set {
        let n = lp.len();
        let mut s = Set { enc: Enc::Listpack(lp) };
        if n > lim.max_listpack_entries {
            s.convert_to_hashtable(n, lim.hasher);
        }
        s
    }

    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Intset(v) => v.len(),
            Enc::Listpack(lp) => lp.len(),
            Enc::Hashtable(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_intset(&self) -> bool {
        matches!(self.enc, Enc::Intset(_))
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self.enc, Enc::Listpack(_))
    }

    pub fn is_hashtable(&self) -> bool {
        matches!(self.enc, Enc::Hashtable(_))
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Intset(_) => "intset",
            Enc::Listpack(_) => "listpack",
            Enc::Hashtable(_) => "hashtable",
        }
    }

    /// The listpack of a listpack-encoded set (its bytes are what Redis 7.2 holds).
    pub fn listpack(&self) -> Option<&Listpack> {
        match &self.enc {
            Enc::Listpack(lp) => Some(lp),
            _ => None,
        }
    }

    /// Converts to a hashtable sized for `cap` members (Redis' setTypeConvertAndExpand).
    fn convert_to_hashtable(&mut self, cap: usize, hasher: KeyedState) -> &mut Dict<SmallBytes, ()> {
        if !self.is_hashtable() {
            let mut d = Dict::new(hasher);
            d.reserve(cap);
            for m in self.iter() {
                m.with_bytes(|b| d.insert(SmallBytes::from(b), ()));
            }
            self.enc = Enc::Hashtable(Box::new(d));
        }
        let Enc::Hashtable(d) = &mut self.enc else {
            unreachable!("converted above")
        };
        d
    }

    /// Converts an intset to a listpack of its integers, ascending (Redis' setTypeConvert to
    /// OBJ_ENCODING_LISTPACK).
    fn intset_to_listpack(&mut self) {
        if let Enc::Intset(v) = &self.enc {
            let strings: Vec<Vec<u8>> = v.iter().map(|n| n.to_string().into_bytes()).collect();
            self.enc = Enc::Listpack(Listpack::from_elements(strings.iter().map(|s| &s[..])));
        }
    }

    /// Whether an intset may become a listpack to take a string of `len` bytes (Redis 7.2's
    /// setTypeAddAux): fewer members than `set-max-listpack-entries`, the string and the
    /// longest integer (by its extremes) within `set-max-listpack-value`, and a listpack of
    /// that many entries the size of the largest one under the 1 GiB safety limit.
    fn intset_fits_listpack(&self, len: usize, lim: &SetLimits) -> bool {
        let Enc::Intset(v) = &self.enc else {
            return false;
        };
        let n = v.len();
        let (longest, estimate) = match (v.first(), v.last()) {
            (Some(&min), Some(&max)) => {
                let digits = |x: i64| format_i64(x, &mut [0u8; 20]).len();
                (
                    digits(min).max(digits(max)),
                    listpack_estimate_repeated(min, n).max(listpack_estimate_repeated(max, n)),
                )
            }
            _ => (0, 0),
        };
        n < lim.max_listpack_entries
            && len <= lim.max_listpack_value
            && longest <= lim.max_listpack_value
            && listpack_safe_to_add(estimate, len)
    }

    /// Converts to a hashtable when `size_hint` members are about to be added and the current
    /// compact encoding could not hold that many (Redis' setTypeMaybeConvert, before SADD adds
    /// to an existing set).
    pub fn maybe_convert(&mut self, size_hint: usize, lim: &SetLimits) {
        let too_many = match &self.enc {
            Enc::Listpack(_) => size_hint > lim.max_listpack_entries,
            Enc::Intset(_) => size_hint > lim.max_intset_entries,
            Enc::Hashtable(_) => false,
        };
        if too_many {
            self.convert_to_hashtable(size_hint, lim.hasher);
        }
    }

    /// Turns a set whose members are all integers into an intset if there are few enough
    /// (Redis' maybeConvertToIntset, for SINTERSTORE's result); otherwise leaves it.
    pub fn maybe_convert_to_intset(&mut self, lim: &SetLimits) {
        if self.is_intset() || self.len() > lim.intset_max() {
            return;
        }
        let mut ints = Vec::with_capacity(self.len());
        for m in self.iter() {
            match m {
                Member::Int(n) => ints.push(n),
                Member::Bytes(b) => match parse_i64(b) {
                    Some(n) => ints.push(n),
                    None => return,
                },
            }
        }
        ints.sort_unstable();
        ints.dedup();
        self.enc = Enc::Intset(ints);
    }

    /// Adds `member`; returns whether it was new (Redis 7.2's setTypeAddAux): an intset takes
    /// integers until it has more than `set-max-intset-entries`, then becomes a hashtable; a
    /// string turns it into a listpack if [`Set::intset_fits_listpack`], else a hashtable; a
    /// listpack takes members while it has fewer than `set-max-listpack-entries` and the
    /// member is within `set-max-listpack-value`, else becomes a hashtable.
    pub fn add(&mut self, member: &[u8], lim: &SetLimits) -> bool {
        match &mut self.enc {
            Enc::Hashtable(d) => {
                if d.contains_key(member) {
                    return false;
                }
                d.insert(SmallBytes::from(member), ());
                true
            }
            Enc::Listpack(lp) => {
                if lp.first().is_some_and(|p| lp.find(p, member, 0).is_some()) {
                    return false;
                }
                if lp.len() < lim.max_listpack_entries
                    && member.len() <= lim.max_listpack_value
                    && listpack_safe_to_add(lp.as_bytes().len(), member.len())
                {
                    lp.push_back(member);
                } else {
                    let cap = lp.len() + 1;
                    self.convert_to_hashtable(cap, lim.hasher)
                        .insert(SmallBytes::from(member), ());
                }
                true
            }
            Enc::Intset(v) => {
                if let Some(n) = parse_i64(member) {
                    let Err(at) = v.binary_search(&n) else {
                        return false;
                    };
                    v.insert(at, n);
                    let len = v.len();
                    if len > lim.intset_max() {
                        self.convert_to_hashtable(len, lim.hasher);
                    }
                    return true;
                }
                let cap = v.len() + 1;
                if self.intset_fits_listpack(member.len(), lim) {
                    self.intset_to_listpack();
                    if let Enc::Listpack(lp) = &mut self.enc {
                        lp.push_back(member);
                    }
                } else {
                    self.convert_to_hashtable(cap, lim.hasher)
                        .insert(SmallBytes::from(member), ());
                }
                true
            }
        }
    }

    /// Removes `member`; returns whether it was there (Redis' setTypeRemove, which also lets
    /// a sparse hash table shrink).
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Hashtable(d) => {
                let found = d.remove(member).is_some();
                if found {
                    d.shrink_if_needed();
                }
                found
            }
            Enc::Listpack(lp) => match lp.first().and_then(|p| lp.find(p, member, 0)) {
                Some(p) => {
                    lp.delete(p);
                    true
                }
                None => false,
            },
            Enc::Intset(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(at)) => {
                    v.remove(at);
                    true
                }
                _ => false,
            },
        }
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.enc {
            Enc::Hashtable(d) => d.contains_key(member),
            Enc::Listpack(lp) => lp.first().is_some_and(|p| lp.find(p, member, 0).is_some()),
            Enc::Intset(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
        }
    }

    /// Every member: an intset ascending, a listpack in insertion order, a hashtable in its
    /// table's order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Member<'_>> + '_> {
        match &self.enc {
            Enc::Intset(v) => Box::new(v.iter().map(|&n| Member::Int(n))),
            Enc::Listpack(lp) => Box::new(lp.iter().map(Member::from)),
            Enc::Hashtable(d) => Box::new(d.keys().map(|k| Member::Bytes(&k[..]))),
        }
    }

    /// A random member (Redis' setTypeRandomElement), `None` when empty.
    pub fn random(&self, rng: &mut impl FnMut() -> u64) -> Option<Member<'_>> {
        match &self.enc {
            Enc::Intset(v) if v.is_empty() => None,
            Enc::Intset(v) => Some(Member::Int(v[(rng() % v.len() as u64) as usize])),
            Enc::Listpack(lp) if lp.is_empty() => None,
            Enc::Listpack(lp) => {
                let i = rng() % lp.len() as u64;
                lp.seek(i as i64).map(|p| lp.get(p).into())
            }
            Enc::Hashtable(d) => d.random_entry(rng).map(|(k, _)| Member::Bytes(&k[..])),
        }
    }

    /// Removes and returns a random member (Redis' setTypePopRandom), `None` when empty.
    pub fn pop_random(&mut self, rng: &mut impl FnMut() -> u64) -> Option<Vec<u8>> {
        if let Enc::Listpack(lp) = &mut self.enc {
            // Deleted where it was found, without a second search.
            let n = lp.len() as u64;
            let pos = lp.seek((rng() % n.max(1)) as i64)?;
            let m = lp.get(pos).to_bytes();
            lp.delete(pos);
            return Some(m);
        }
        let m = self.random(rng)?.to_vec();
        self.remove(&m);
        Some(m)
    }

    /// `count` members drawn independently (repeats allowed), in the order drawn. A listpack is
    /// walked once for all of them (Redis' lpRandomEntries); other encodings draw one by one.
    pub fn random_members(&self, count: usize, rng: &mut impl FnMut() -> u64) -> Vec<Member<'_>> {
        let Enc::Listpack(lp) = &self.enc else {
            return (0..count).filter_map(|_| self.random(rng)).collect();
        };
        let len = lp.len() as u64;
        if len == 0 {
            return Vec::new();
        }
        let mut picks: Vec<(usize, usize)> = (0..count).map(|order| ((rng() % len) as usize, order)).collect();
        picks.sort_unstable();
        let mut out = vec![Member::Int(0); count];
        let (mut pos, mut at) = (lp.first(), 0);
        for (index, order) in picks {
            while at < index {
                pos = pos.and_then(|p| lp.next(p));
                at += 1;
            }
            if let Some(p) = pos {
                out[order] = lp.get(p).into();
            }
        }
        out
    }

    /// Keeps the members whose flag in `keep` (in iteration order) is set and removes the rest
    /// (a listpack is rewritten in one pass, as Redis' lpBatchDelete does).
    pub fn retain_flagged(&mut self, keep: &[bool]) {
        if let Enc::Listpack(lp) = &mut self.enc {
            let kept: Vec<Vec<u8>> = lp
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(e, _)| e.to_bytes())
                .collect();
            *lp = Listpack::from_elements(kept.iter().map(|e| &e[..]));
            return;
        }
        let gone: Vec<Vec<u8>> = self
            .iter()
            .zip(keep)
            .filter(|(_, k)| !**k)
            .map(|(m, _)| m.to_vec())
            .collect();
        for m in gone {
            self.remove(&m);
        }
    }

    /// One SSCAN step over a hashtable (None for an intset or a listpack, which are returned
    /// whole).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8])) -> Option<u64> {
        match &self.enc {
            Enc::Intset(_) | Enc::Listpack(_) => None,
            Enc::Hashtable(d) => Some(d.scan(cursor, |k, _| f(k))),
        }
    }
}

/// Redis 7.2's rdbLoadObject for an RDB_TYPE_SET of `len` members, fed one member at a time:
/// a hashtable from the start when `len` is past the intset limit, else an intset that, at the
/// first member that is not an integer, becomes a listpack if the members so far are fewer
/// than `set-max-listpack-entries`, the longest member read is within `set-max-listpack-value`
/// and all of them fit under the 1 GiB safety limit (else a hashtable); a listpack becomes a
/// hashtable at the first member it cannot take.
pub struct SetLoader {
    set: Set,
    /// What a hashtable is sized for (the stated length, bounded by the caller).
    presize: usize,
    longest: usize,
    total: usize,
}

impl SetLoader {
    /// A loader for `len` members; `presize` bounds the table a hashtable starts with (a
    /// length read from a file is not trusted for allocation).
    pub fn new(len: u64, presize: usize, lim: &SetLimits) -> SetLoader {
        let set = if len > lim.intset_max() as u64 {
            Set::new_hashtable(lim.hasher, presize)
        } else {
            Set::new_intset()
        };
        SetLoader {
            set,
            presize,
            longest: 0,
            total: 0,
        }
    }

    /// Adds the next member; false if it is a duplicate (the file is corrupt).
    pub fn add(&mut self, m: &[u8], lim: &SetLimits) -> bool {
        self.total = self.total.saturating_add(m.len());
        self.longest = self.longest.max(m.len());
        if let Enc::Intset(v) = &mut self.set.enc {
            if let Some(n) = parse_i64(m) {
                let Err(at) = v.binary_search(&n) else {
                    return false;
                };
                v.insert(at, n);
                return true;
            }
            if v.len() < lim.max_listpack_entries
                && self.longest <= lim.max_listpack_value
                && listpack_safe_to_add(0, self.total)
            {
                self.set.intset_to_listpack();
            } else {
                self.set.convert_to_hashtable(self.presize, lim.hasher);
            }
        }
        if let Enc::Listpack(lp) = &mut self.set.enc {
            if lp.len() < lim.max_listpack_entries
                && m.len() <= lim.max_listpack_value
                && listpack_safe_to_add(lp.as_bytes().len(), m.len())
            {
                if lp.first().is_some_and(|p| lp.find(p, m, 0).is_some()) {
                    return false;
                }
                lp.push_back(m);
                return true;
            }
            self.set.convert_to_hashtable(self.presize, lim.hasher);
        }
        let d = self.set.convert_to_hashtable(self.presize, lim.hasher);
        if d.contains_key(m) {
            return false;
        }
        d.insert(SmallBytes::from(m), ());
        true
    }

    pub fn finish(self) -> Set {
        self.set
    }
}

impl Clone for Set {
    /// A copy in the same encoding (Redis' setTypeDup).
    fn clone(&self) -> Set {
        let enc = match &self.enc {
            Enc::Intset(v) => Enc::Intset(v.clone()),
            Enc::Listpack(lp) => Enc::Listpack(lp.clone()),
            Enc::Hashtable(d) => {
                let mut c = Dict::new(d.hasher());
                c.reserve(d.len());
                for k in d.keys() {
                    c.insert(k.clone(), ());
                }
                Enc::Hashtable(Box::new(c))
            }
        };
        Set { enc }
    }
}

impl PartialEq for Set {
    /// Same encoding and same members.
    fn eq(&self, other: &Set) -> bool {
        self.encoding() == other.encoding()
            && self.len() == other.len()
            && self.iter().all(|m| m.with_bytes(|b| other.contains(b)))
    }
}

impl Eq for Set {}

impl fmt::Debug for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Set({})", self.encoding())?;
        f.debug_set()
            .entries(self.iter().map(|m| String::from_utf8_lossy(&m.to_vec()).into_owned()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hasher() -> KeyedState {
        KeyedState::new(3, 4)
    }

    fn lim(intset: usize, entries: usize, value: usize) -> SetLimits {
        SetLimits {
            max_intset_entries: intset,
            max_listpack_entries: entries,
            max_listpack_value: value,
            hasher: hasher(),
        }
    }

    fn members(s: &Set) -> Vec<Vec<u8>> {
        s.iter().map(Member::to_vec).collect()
    }

    fn strs(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn intset_then_listpack_then_hashtable() {
        let l = lim(3, 5, 4);
        let mut s = Set::create(b"1", 1, &l);
        assert!(s.add(b"3", &l) && s.add(b"1", &l) && !s.add(b"3", &l) && s.add(b"-2", &l));
        assert_eq!((s.encoding(), members(&s)), ("intset", strs(&["-2", "1", "3"])));
        // A string: the integers ascending, then the string, in a listpack.
        assert!(s.add(b"ab", &l));
        assert_eq!((s.encoding(), members(&s)), ("listpack", strs(&["-2", "1", "3", "ab"])));
        assert!(s.contains(b"ab") && s.contains(b"-2") && !s.contains(b"2") && !s.contains(b"-0"));
        assert!(!s.add(b"1", &l) && s.add(b"77", &l));
        assert_eq!((s.encoding(), s.len()), ("listpack", 5));
        // A sixth member is one past set-max-listpack-entries.
        assert!(s.add(b"x", &l));
        assert_eq!((s.encoding(), s.len()), ("hashtable", 6));
        // Never back, even once small again.
        for m in ["x", "77", "ab", "1"] {
            assert!(s.remove(m.as_bytes()));
        }
        assert!(s.add(b"y", &l));
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn a_long_member_or_a_big_intset_skip_the_listpack() {
        let l = lim(512, 128, 4);
        let mut s = Set::create(b"abcde", 1, &l);
        assert_eq!(s.encoding(), "listpack", "setTypeCreate looks at the hint only");
        assert!(s.add(b"abcde", &l));
        assert_eq!(s.encoding(), "hashtable");
        // An intset whose longest integer is past the value limit cannot become a listpack.
        let mut s = Set::create(b"12345", 1, &l);
        assert!(s.add(b"12345", &l) && s.add(b"a", &l));
        assert_eq!(s.encoding(), "hashtable");
        let mut s = Set::create(b"-123", 1, &l);
        assert!(s.add(b"-123", &l) && s.add(b"a", &l));
        assert_eq!(s.encoding(), "listpack", "'-123' is 4 characters");
        // An intset with set-max-listpack-entries members or more becomes a hashtable.
        let l = lim(512, 3, 64);
        let mut s = Set::create(b"1", 1, &l);
        for m in ["1", "2", "3"] {
            s.add(m.as_bytes(), &l);
        }
        assert!(s.add(b"a", &l));
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn create_and_maybe_convert_follow_the_size_hint() {
        let l = lim(4, 2, 64);
        assert_eq!(Set::create(b"1", 4, &l).encoding(), "intset");
        assert_eq!(Set::create(b"1", 5, &l).encoding(), "hashtable");
        assert_eq!(Set::create(b"a", 2, &l).encoding(), "listpack");
        assert_eq!(Set::create(b"1", 0, &lim(4, 0, 64)).encoding(), "intset");
        assert_eq!(Set::create(b"-0", 1, &l).encoding(), "listpack");
        let mut s = Set::create(b"1", 1, &l);
        s.add(b"1", &l);
        s.maybe_convert(4, &l);
        assert_eq!(s.encoding(), "intset");
        s.maybe_convert(5, &l);
        assert_eq!((s.encoding(), members(&s)), ("hashtable", strs(&["1"])));
        let mut s = Set::create(b"a", 1, &l);
        s.add(b"a", &l);
        s.maybe_convert(2, &l);
        assert_eq!(s.encoding(), "listpack");
        s.maybe_convert(3, &l);
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn only_integers_become_an_intset_again() {
        let l = lim(3, 128, 64);
        let mut s = Set::new_listpack();
        for m in ["5", "-1", "300"] {
            s.add(m.as_bytes(), &l);
        }
        s.maybe_convert_to_intset(&l);
        assert_eq!((s.encoding(), members(&s)), ("intset", strs(&["-1", "5", "300"])));
        let mut s = Set::new_listpack();
        for m in ["5", "a"] {
            s.add(m.as_bytes(), &l);
        }
        s.maybe_convert_to_intset(&l);
        assert_eq!(s.encoding(), "listpack");
        let mut s = Set::new_hashtable(hasher(), 0);
        for m in ["1", "2", "3", "4"] {
            s.add(m.as_bytes(), &l);
        }
        s.maybe_convert_to_intset(&l);
        assert_eq!(s.encoding(), "hashtable", "four members are one past the intset limit");
    }

    #[test]
    fn listpack_members_are_redis_bytes_in_insertion_order() {
        let l = SetLimits::defaults(hasher());
        let mut s = Set::create(b"b", 3, &l);
        for m in ["b", "12", "a", "-7"] {
            assert!(s.add(m.as_bytes(), &l));
        }
        assert!(s.remove(b"a"));
        let want = crate::rdb::listpack::encode([&b"b"[..], b"12", b"-7"]);
        assert_eq!(s.listpack().map(Listpack::as_bytes), Some(&want[..]));
        assert_eq!(members(&s), strs(&["b", "12", "-7"]));
        assert_eq!(s.clone(), s);
        assert_eq!(s.clone().listpack(), s.listpack());
    }

    #[test]
    fn picks_in_order_take_exactly_count() {
        let mut x = 7u64;
        let mut rng = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 11
        };
        for (len, count) in [(0, 0), (5, 0), (5, 5), (5, 9), (10, 3), (100, 99)] {
            let picks = pick_in_order(len, count, &mut rng);
            assert_eq!(picks.len(), len);
            assert_eq!(picks.iter().filter(|p| **p).count(), count.min(len));
        }
        // Every element is picked now and then.
        let mut seen = [false; 6];
        for _ in 0..200 {
            for (i, p) in pick_in_order(6, 2, &mut rng).into_iter().enumerate() {
                seen[i] |= p;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn loading_a_plain_set_picks_the_encoding_as_redis_72() {
        let load = |ms: &[&str], l: &SetLimits| {
            let mut ld = SetLoader::new(ms.len() as u64, ms.len(), l);
            for m in ms {
                assert!(ld.add(m.as_bytes(), l));
            }
            ld.finish()
        };
        let l = lim(4, 3, 3);
        assert_eq!(load(&["3", "1", "2"], &l).encoding(), "intset");
        let s = load(&["3", "1", "abc"], &l);
        assert_eq!((s.encoding(), members(&s)), ("listpack", strs(&["1", "3", "abc"])));
        assert_eq!(load(&["a", "b", "c", "d"], &l).encoding(), "hashtable");
        assert_eq!(load(&["1", "2", "3", "a"], &l).encoding(), "hashtable");
        assert_eq!(load(&["a", "abcd"], &l).encoding(), "hashtable");
        assert_eq!(load(&["1", "2", "3", "4", "5"], &l).encoding(), "hashtable");
        assert_eq!(
            load(&["1234", "a"], &l).encoding(),
            "hashtable",
            "the longest member so far counts"
        );
        let mut ld = SetLoader::new(3, 3, &l);
        assert!(ld.add(b"a", &l) && ld.add(b"1", &l) && !ld.add(b"a", &l));
        let mut ld = SetLoader::new(3, 3, &l);
        assert!(ld.add(b"1", &l) && !ld.add(b"1", &l));
        let mut ld = SetLoader::new(9, 9, &l);
        assert!(ld.add(b"1", &l) && !ld.add(b"1", &l));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Add(Vec<u8>),
        Remove(Vec<u8>),
        Pop,
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-20i64..20).prop_map(|n| n.to_string().into_bytes()),
            (-200_000i64..200_000).prop_map(|n| n.to_string().into_bytes()),
            Just(b"-0".to_vec()),
            Just(b"007".to_vec()),
            "[a-c]{0,4}".prop_map(String::into_bytes),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => member().prop_map(Op::Add),
            2 => member().prop_map(Op::Remove),
            1 => Just(Op::Pop),
        ]
    }

    /// The encoding rules of Redis 7.2's t_set.c, restated on plain data.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum ModelEnc {
        Intset,
        Listpack,
        Hashtable,
    }

    struct Model {
        /// Insertion order (what a listpack shows).
        members: Vec<Vec<u8>>,
        enc: ModelEnc,
    }

    impl Model {
        fn add(&mut self, m: &[u8], l: &SetLimits) -> bool {
            if self.members.iter().any(|x| x == m) {
                return false;
            }
            let n = self.members.len();
            let int = parse_i64(m);
            self.enc = match (self.enc, int) {
                (ModelEnc::Intset, Some(_)) if n + 1 > l.max_intset_entries => ModelEnc::Hashtable,
                (ModelEnc::Intset, Some(_)) => ModelEnc::Intset,
                (ModelEnc::Intset, None) => {
                    let longest = self.members.iter().map(Vec::len).max().unwrap_or(0);
                    if n < l.max_listpack_entries && m.len() <= l.max_listpack_value && longest <= l.max_listpack_value
                    {
                        // The integers ascending come first.
                        self.members.sort_by_key(|x| parse_i64(x));
                        ModelEnc::Listpack
                    } else {
                        ModelEnc::Hashtable
                    }
                }
                (ModelEnc::Listpack, _) if n < l.max_listpack_entries && m.len() <= l.max_listpack_value => {
                    ModelEnc::Listpack
                }
                _ => ModelEnc::Hashtable,
            };
            self.members.push(m.to_vec());
            true
        }

        fn remove(&mut self, m: &[u8]) -> bool {
            let before = self.members.len();
            self.members.retain(|x| x != m);
            before != self.members.len()
        }
    }

    proptest! {
        /// Set against the model over random adds, removals and pops: the same members and
        /// replies, the encoding Redis 7.2 would have, an intset ascending and a listpack in
        /// the model's order.
        #[test]
        fn encodes_like_redis_72(
            ops in proptest::collection::vec(op(), 1..200),
            intset in 0usize..24,
            entries in 0usize..24,
            value in 0usize..6,
            first in member(),
        ) {
            let l = lim(intset, entries, value);
            let mut s = Set::create(&first, 1, &l);
            let enc = match s.encoding() {
                "intset" => ModelEnc::Intset,
                "listpack" => ModelEnc::Listpack,
                _ => ModelEnc::Hashtable,
            };
            let mut model = Model { members: Vec::new(), enc };
            let mut x = 99u64;
            let mut rng = || { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); x >> 11 };
            for op in &ops {
                match op {
                    Op::Add(m) => prop_assert_eq!(s.add(m, &l), model.add(m, &l)),
                    Op::Remove(m) => prop_assert_eq!(s.remove(m), model.remove(m)),
                    Op::Pop => match s.pop_random(&mut rng) {
                        Some(m) => prop_assert!(model.remove(&m)),
                        None => prop_assert!(model.members.is_empty()),
                    },
                }
                prop_assert_eq!(s.len(), model.members.len());
                let want = match model.enc {
                    ModelEnc::Intset => "intset",
                    ModelEnc::Listpack => "listpack",
                    ModelEnc::Hashtable => "hashtable",
                };
                prop_assert_eq!(s.encoding(), want);
                let got = members(&s);
                match model.enc {
                    ModelEnc::Intset => {
                        let v: Vec<i64> = got.iter().map(|m| parse_i64(m).unwrap()).collect();
                        prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
                    }
                    ModelEnc::Listpack => prop_assert_eq!(&got, &model.members),
                    ModelEnc::Hashtable => {}
                }
                let mut sorted = got.clone();
                sorted.sort();
                let mut want_sorted = model.members.clone();
                want_sorted.sort();
                prop_assert_eq!(sorted, want_sorted);
            }
            for m in &model.members {
                prop_assert!(s.contains(m));
            }
            match s.random(&mut rng) {
                Some(m) => prop_assert!(model.members.contains(&m.to_vec())),
                None => prop_assert!(model.members.is_empty()),
            }
            let drawn = s.random_members(5, &mut rng);
            prop_assert_eq!(drawn.len(), if model.members.is_empty() { 0 } else { 5 });
            for m in drawn {
                prop_assert!(model.members.contains(&m.to_vec()));
            }
            // Keeping every other member keeps exactly those, in order, in the same encoding.
            let keep: Vec<bool> = (0..s.len()).map(|i| i % 2 == 0).collect();
            let order = members(&s);
            let enc = s.encoding();
            s.retain_flagged(&keep);
            let kept: Vec<Vec<u8>> = order.into_iter().step_by(2).collect();
            let mut got = members(&s);
            prop_assert_eq!(s.encoding(), enc);
            if enc == "hashtable" {
                got.sort();
                let mut kept = kept;
                kept.sort();
                prop_assert_eq!(got, kept);
            } else {
                prop_assert_eq!(got, kept);
            }
        }
    }
}
