//! The sorted-set type (Redis' t_zset.c): `listpack` (member, score pairs in score order)
//! while small, `skiplist` once more than `zset-max-listpack-entries` members or a member
//! longer than `zset-max-listpack-value` bytes was added. Elements are ordered by score, ties
//! by member bytes (memcmp, shorter first).
//!
//! Both encodings keep the elements in one score-ordered [`Ranked`] sequence (blocks indexed by
//! a Fenwick tree: rank ↔ element in O(log n), as Redis' skiplist with spans); the skiplist
//! encoding adds a [`Dict`] member → score, so that finding a member's score is O(1) as in
//! Redis, while a listpack finds it by a linear walk as Redis does.

use std::cmp::Ordering;
use std::fmt;

use crate::dict::Dict;
use crate::hash::KeyedState;
use crate::types::ranked::Ranked;

/// The encoding thresholds (from the configuration at the time of the write) and the key for
/// the skiplist's dict (from the server seed).
#[derive(Clone, Copy, Debug)]
pub struct ZLimits {
    pub max_entries: usize,
    pub max_value: usize,
    pub hasher: KeyedState,
}

pub struct ZSet {
    /// (score, member), ordered by score then member.
    items: Ranked<(f64, Vec<u8>)>,
    /// `Some` for the skiplist encoding: member → score.
    dict: Option<Dict<Vec<u8>, f64>>,
}

/// Redis' element order: score, then member bytes.
pub fn cmp_elem(a_score: f64, a: &[u8], b_score: f64, b: &[u8]) -> Ordering {
    match a_score.partial_cmp(&b_score) {
        Some(Ordering::Equal) | None => a.cmp(b),
        Some(o) => o,
    }
}

/// A score bound of ZRANGEBYSCORE and friends.
#[derive(Clone, Copy, Debug)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    pub fn gte_min(&self, s: f64) -> bool {
        if self.minex {
            s > self.min
        } else {
            s >= self.min
        }
    }
    pub fn lte_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }
    /// Whether no score can be in the range (Redis' check before walking).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// A lex bound: `-`, `+`, or a member inclusive (`[`) or exclusive (`(`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    Min,
    Max,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

impl LexBound {
    /// Redis' zslParseLexRangeItem.
    pub fn parse(b: &[u8]) -> Option<LexBound> {
        match b.first() {
            Some(b'+') if b.len() == 1 => Some(LexBound::Max),
            Some(b'-') if b.len() == 1 => Some(LexBound::Min),
            Some(b'[') => Some(LexBound::Incl(b[1..].to_vec())),
            Some(b'(') => Some(LexBound::Excl(b[1..].to_vec())),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    pub fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Incl(x) => m >= x.as_slice(),
            LexBound::Excl(x) => m > x.as_slice(),
        }
    }
    pub fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Incl(x) => m <= x.as_slice(),
            LexBound::Excl(x) => m < x.as_slice(),
        }
    }
    /// Redis' zslIsInLexRange pre-check: a range that cannot hold anything.
    pub fn is_empty(&self) -> bool {
        let key = |b: &LexBound| match b {
            LexBound::Min => (0u8, Vec::new()),
            LexBound::Max => (2u8, Vec::new()),
            LexBound::Incl(x) | LexBound::Excl(x) => (1u8, x.clone()),
        };
        let (a, b) = (key(&self.min), key(&self.max));
        let excl = matches!(self.min, LexBound::Excl(_)) || matches!(self.max, LexBound::Excl(_));
        a > b || (a == b && excl)
    }
}

impl ZSet {
    /// An empty listpack sorted set.
    pub fn new() -> ZSet {
        ZSet {
            items: Ranked::new(),
            dict: None,
        }
    }

    /// An empty skiplist sorted set (Redis' createZsetObject).
    pub fn new_skiplist(hasher: KeyedState) -> ZSet {
        ZSet {
            items: Ranked::new(),
            dict: Some(Dict::new(hasher)),
        }
    }

    pub fn encoding(&self) -> &'static str {
        if self.dict.is_some() {
            "skiplist"
        } else {
            "listpack"
        }
    }

    pub fn is_listpack(&self) -> bool {
        self.dict.is_none()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.dict {
            Some(d) => d.get(member).copied(),
            None => self.items.iter().find(|(_, m)| m == member).map(|(s, _)| *s),
        }
    }

    /// The element at 0-based ascending rank `i`.
    pub fn get(&self, i: usize) -> Option<(&[u8], f64)> {
        self.items.get(i).map(|(s, m)| (m.as_slice(), *s))
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], f64)> + '_ {
        self.items.iter().map(|(s, m)| (m.as_slice(), *s))
    }

    /// Where (score, member) is or would go.
    fn search(&self, score: f64, member: &[u8]) -> Result<usize, usize> {
        self.items.binary_search_by(|(s, m)| cmp_elem(*s, m, score, member))
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        self.search(score, member).ok()
    }

    /// Converts to a skiplist (no-op if it is one).
    pub fn convert_to_skiplist(&mut self, hasher: KeyedState) {
        if self.dict.is_none() {
            let mut d = Dict::new(hasher);
            for (s, m) in self.items.iter() {
                d.insert(m.clone(), *s);
            }
            self.dict = Some(d);
        }
    }

    /// Converts to a listpack (no-op if it is one).
    pub fn convert_to_listpack(&mut self) {
        self.dict = None;
        for (s, _) in self.items.iter_mut() {
            if *s == 0.0 {
                *s = 0.0;
            }
        }
    }

    /// Redis' zsetConvertToListpackIfNeeded for computed results.
    pub fn shrink_if_fits(&mut self, lim: &ZLimits) {
        if self.dict.is_some()
            && self.items.len() <= lim.max_entries
            && self.items.iter().all(|(_, m)| m.len() <= lim.max_value)
        {
            self.convert_to_listpack();
        }
    }

    /// A listpack stores a zero score as the integer 0: -0 does not survive in it.
    fn norm(&self, score: f64) -> f64 {
        if self.dict.is_none() && score == 0.0 {
            0.0
        } else {
            score
        }
    }

    /// Inserts a member known to be absent, converting first as Redis' zsetAdd does.
    pub fn insert_new(&mut self, member: &[u8], score: f64, lim: &ZLimits) {
        if self.dict.is_none() && (self.items.len() + 1 > lim.max_entries || member.len() > lim.max_value) {
            self.convert_to_skiplist(lim.hasher);
        }
        let score = self.norm(score);
        let at = self.search(score, member).unwrap_or_else(|i| i);
        self.items.insert(at, (score, member.to_vec()));
        if let Some(d) = &mut self.dict {
            d.insert(member.to_vec(), score);
        }
    }

    /// Moves an existing member to `score`.
    pub fn update(&mut self, member: &[u8], old: f64, score: f64) {
        // As Redis: only a different score (-0 equals 0) moves the element.
        if old == score {
            return;
        }
        let score = self.norm(score);
        if let Ok(i) = self.search(old, member) {
            let (_, m) = self.items.remove(i);
            let at = self.search(score, &m).unwrap_or_else(|i| i);
            self.items.insert(at, (score, m));
        }
        if let Some(d) = &mut self.dict {
            if let Some(s) = d.get_mut(member) {
                *s = score;
            }
        }
    }

    /// Sets `member` to `score`, adding it if absent; whether it was added.
    pub fn set(&mut self, member: &[u8], score: f64, lim: &ZLimits) -> bool {
        match self.score(member) {
            Some(old) => {
                self.update(member, old, score);
                false
            }
            None => {
                self.insert_new(member, score, lim);
                true
            }
        }
    }

    /// Removes `member`; its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let score = self.score(member)?;
        if let Ok(i) = self.search(score, member) {
            self.items.remove(i);
        }
        if let Some(d) = &mut self.dict {
            d.remove(member);
        }
        Some(score)
    }

    /// Removes the elements at ascending ranks `start..end`, returning them.
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<(f64, Vec<u8>)> {
        let gone: Vec<(f64, Vec<u8>)> = self.items.drain(start, end);
        if let Some(d) = &mut self.dict {
            for (_, m) in &gone {
                d.remove(m.as_slice());
            }
        }
        gone
    }

    /// The first rank whose score is in the range's lower side.
    pub fn first_in_score(&self, r: &ScoreRange) -> usize {
        self.items.partition_point(|(s, _)| !r.gte_min(*s))
    }

    /// One past the last rank whose score is within the range's upper side.
    pub fn end_in_score(&self, r: &ScoreRange) -> usize {
        self.items.partition_point(|(s, _)| r.lte_max(*s))
    }

    pub fn first_in_lex(&self, r: &LexRange) -> usize {
        self.items.partition_point(|(_, m)| !r.gte_min(m))
    }

    pub fn end_in_lex(&self, r: &LexRange) -> usize {
        self.items.partition_point(|(_, m)| r.lte_max(m))
    }

    /// The rank range `[start, end)` of a score range (empty when nothing fits).
    pub fn score_span(&self, r: &ScoreRange) -> (usize, usize) {
        if r.is_empty() {
            return (0, 0);
        }
        let a = self.first_in_score(r);
        let b = self.end_in_score(r).max(a);
        (a, b)
    }

    pub fn lex_span(&self, r: &LexRange) -> (usize, usize) {
        if r.is_empty() {
            return (0, 0);
        }
        let a = self.first_in_lex(r);
        let b = self.end_in_lex(r).max(a);
        (a, b)
    }

    /// One element picked uniformly: by rank for a listpack, as the dict picks for a skiplist.
    pub fn random_elem(&self, rng: &mut impl FnMut() -> u64) -> Option<(&[u8], f64)> {
        match &self.dict {
            Some(d) => d.random_entry(rng).map(|(m, s)| (m.as_slice(), *s)),
            None if self.items.is_empty() => None,
            None => self.get((rng() % self.items.len() as u64) as usize),
        }
    }

    /// The skiplist's dict, for SCAN.
    pub fn dict(&self) -> Option<&Dict<Vec<u8>, f64>> {
        self.dict.as_ref()
    }

    /// Builds a sorted set from loaded (member, score) pairs, in any order; `None` on a
    /// duplicate member. Listpack unless `skiplist`.
    pub fn from_pairs(pairs: Vec<(Vec<u8>, f64)>, skiplist: bool, hasher: KeyedState) -> Option<ZSet> {
        let mut items: Vec<(f64, Vec<u8>)> = pairs.into_iter().map(|(m, s)| (s, m)).collect();
        items.sort_by(|a, b| cmp_elem(a.0, &a.1, b.0, &b.1));
        let mut z = ZSet {
            items: Ranked::from_sorted(items),
            dict: None,
        };
        let mut d: Dict<Vec<u8>, f64> = Dict::new(hasher);
        for (s, m) in z.items.iter() {
            if d.insert(m.clone(), *s).is_some() {
                return None;
            }
        }
        z.dict = Some(d);
        if !skiplist {
            z.convert_to_listpack();
        }
        Some(z)
    }
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        let dict = self.dict.as_ref().map(|d| {
            let mut c = Dict::new(d.hasher());
            for (m, s) in d.iter() {
                c.insert(m.clone(), *s);
            }
            c
        });
        ZSet {
            items: self.items.clone(),
            dict,
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.is_listpack() == other.is_listpack()
            && self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(other.items.iter())
                .all(|(a, b)| a.1 == b.1 && a.0.to_bits() == b.0.to_bits())
    }
}

impl Eq for ZSet {}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for (m, s) in self.iter() {
            l.entry(&(String::from_utf8_lossy(m), s));
        }
        l.finish()?;
        write!(f, " ({})", self.encoding())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn lim(max_entries: usize, max_value: usize) -> ZLimits {
        ZLimits {
            max_entries,
            max_value,
            hasher: KeyedState::new(1, 2),
        }
    }

    #[test]
    fn orders_by_score_then_member_and_converts() {
        let l = lim(3, 4);
        let mut z = ZSet::new();
        assert!(z.set(b"b", 1.0, &l));
        assert!(z.set(b"a", 1.0, &l));
        assert!(z.set(b"ab", 1.0, &l));
        assert!(!z.set(b"b", 0.5, &l));
        let order: Vec<&[u8]> = z.iter().map(|(m, _)| m).collect();
        assert_eq!(order, [&b"b"[..], b"a", b"ab"]);
        assert_eq!(z.rank(b"ab"), Some(2));
        assert_eq!(z.encoding(), "listpack");
        z.set(b"c", 2.0, &l);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"c");
        z.remove(b"a");
        assert_eq!(z.encoding(), "skiplist", "never converts back by itself");
        let mut z = ZSet::new();
        z.set(b"12345", 1.0, &l);
        assert_eq!(z.encoding(), "skiplist");
    }

    #[test]
    fn large_sets_keep_order_and_ranks() {
        let l = lim(128, 64);
        let mut z = ZSet::new();
        let mut x: u64 = 7;
        let mut model = BTreeMap::new();
        for i in 0..5000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let m = format!("m{}", x % 3000).into_bytes();
            let score = ((x >> 33) % 1000) as f64;
            if i % 7 == 0 {
                assert_eq!(z.remove(&m).is_some(), model.remove(&m).is_some());
            } else {
                z.set(&m, score, &l);
                model.insert(m, score);
            }
        }
        assert_eq!(z.encoding(), "skiplist");
        let mut want: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
        want.sort_by(|a, b| cmp_elem(a.0, &a.1, b.0, &b.1));
        assert_eq!(z.len(), want.len());
        for (i, (s, m)) in want.iter().enumerate() {
            assert_eq!(z.get(i), Some((m.as_slice(), *s)));
            assert_eq!(z.rank(m), Some(i));
        }
        let r = ScoreRange {
            min: 100.0,
            max: 200.0,
            minex: true,
            maxex: false,
        };
        let (a, b) = z.score_span(&r);
        assert_eq!(b - a, want.iter().filter(|(s, _)| *s > 100.0 && *s <= 200.0).count());
        let gone = z.remove_range(a, b);
        assert_eq!(gone.len(), b - a);
        assert_eq!(z.score_span(&r), (a, a));
    }

    #[test]
    fn lex_ranges() {
        let r = LexRange {
            min: LexBound::parse(b"[b").unwrap(),
            max: LexBound::parse(b"(d").unwrap(),
        };
        let l = lim(10, 10);
        let mut z = ZSet::new();
        for m in [&b"a"[..], b"b", b"c", b"d"] {
            z.set(m, 0.0, &l);
        }
        assert_eq!(z.lex_span(&r), (1, 3));
        assert!(LexBound::parse(b"x").is_none());
        let e = LexRange {
            min: LexBound::Max,
            max: LexBound::Min,
        };
        assert!(e.is_empty());
    }

    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, i8),
        Del(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..40, any::<i8>()).prop_map(|(m, s)| Op::Set(m, s)),
            1 => (0u8..40).prop_map(Op::Del),
        ]
    }

    proptest! {
        /// Against a model map: same members and scores, order by (score, member), ranks
        /// agree, and listpack exactly while no threshold was passed.
        #[test]
        fn behaves_like_an_ordered_map(ops in proptest::collection::vec(op(), 1..200), max_entries in 0usize..30) {
            let l = lim(max_entries, 64);
            let mut z = ZSet::new();
            let mut model: BTreeMap<Vec<u8>, i8> = BTreeMap::new();
            let mut converted = false;
            for op in &ops {
                match *op {
                    Op::Set(m, s) => {
                        let m = vec![b'm'; (m % 8) as usize + 1];
                        let added = model.insert(m.clone(), s).is_none();
                        prop_assert_eq!(z.set(&m, f64::from(s), &l), added);
                        converted |= model.len() > max_entries;
                    }
                    Op::Del(m) => {
                        let m = vec![b'm'; (m % 8) as usize + 1];
                        prop_assert_eq!(z.remove(&m).is_some(), model.remove(&m).is_some());
                    }
                }
                prop_assert_eq!(z.len(), model.len());
                prop_assert_eq!(z.is_listpack(), !converted);
            }
            let mut want: Vec<(i8, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
            want.sort();
            let got: Vec<(i8, Vec<u8>)> = z.iter().map(|(m, s)| (s as i8, m.to_vec())).collect();
            prop_assert_eq!(&got, &want);
            for (i, (_, m)) in want.iter().enumerate() {
                prop_assert_eq!(z.rank(m), Some(i));
            }
            let c = z.clone();
            prop_assert_eq!(&c, &z);
        }
    }
}
