//! The sorted-set type (Redis' t_zset.c): `listpack` (member, score pairs in score order)
//! while small, `skiplist` once more than `zset-max-listpack-entries` members or a member
//! longer than `zset-max-listpack-value` bytes was added. Elements are ordered by score, ties
//! by member bytes (memcmp, shorter first).
//!
//! A `listpack` is one [`Listpack`] buffer holding Redis' bytes: member, score, member, score...
//! in order, scores as Redis' zzlInsertAt writes them (see [`listpack_score`]); like Redis,
//! every operation on it is a linear walk. A `skiplist` keeps the elements in one score-ordered
//! [`Ranked`] sequence (blocks indexed by a Fenwick tree: rank ↔ element in O(log n), as Redis'
//! skiplist with spans) and a [`Dict`] member → score, so that finding a member's score is O(1).
//!
//! A listpack stores a member that is a canonical integer as an integer, so members are handed
//! out as [`Entry`]s (a skiplist's are always `Entry::Str`).

use std::cmp::Ordering;
use std::fmt;

use crate::dict::Dict;
use crate::hash::KeyedState;
pub use crate::listpack::Entry;
use crate::listpack::{Listpack, Pairs};
use crate::types::ranked::Ranked;

/// The encoding thresholds (from the configuration at the time of the write) and the key for
/// the skiplist's dict (from the server seed).
#[derive(Clone, Copy, Debug)]
pub struct ZLimits {
    pub max_entries: usize,
    pub max_value: usize,
    pub hasher: KeyedState,
}

pub struct ZSet(Repr);

enum Repr {
    Listpack(Listpack),
    /// Boxed so that a small sorted set does not carry a skiplist's size.
    Skiplist(Box<Skiplist>),
}

struct Skiplist {
    /// (score, member), ordered by score then member.
    items: Ranked<(f64, Vec<u8>)>,
    /// member → score.
    dict: Dict<Vec<u8>, f64>,
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

/// The text or integer a listpack holds for a score (Redis' zzlInsertAt): an integer when the
/// score is one within ±2^62 (so -0 is stored as 0), else `%.17g` (`inf`, `-inf` for the
/// infinities).
pub fn listpack_score(s: f64) -> String {
    let half = (i64::MAX / 2) as f64;
    if s.is_finite() && s >= -half && s <= half && s == s.trunc() {
        return (s as i64).to_string();
    }
    crate::resp::format_double(s)
}

/// A score as a listpack holds it, read back (Redis' zzlGetScore: strtod of the text).
fn entry_score(e: Entry) -> f64 {
    match e {
        Entry::Int(n) => n as f64,
        // What zzlInsertAt writes parses as Rust floats do; anything else a file held (and the
        // loader accepted) is read as C's strtod reads it.
        Entry::Str(b) => match std::str::from_utf8(b).ok().and_then(|t| t.parse::<f64>().ok()) {
            Some(v) => v,
            None => crate::cmd::zsets::strtod(b).0,
        },
    }
}

/// Orders a listpack member against `m` as Redis' zzlCompareElements: by their strings.
fn cmp_entry(e: Entry, m: &[u8]) -> Ordering {
    e.with_bytes(|b| b.cmp(m))
}

/// Why a listpack from a file or a DUMP payload cannot be a sorted set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    Empty,
    OddCount,
    BadScore,
    DuplicateMember,
}

impl ZSet {
    /// An empty listpack sorted set.
    pub fn new() -> ZSet {
        ZSet(Repr::Listpack(Listpack::new()))
    }

    /// An empty skiplist sorted set (Redis' createZsetObject).
    pub fn new_skiplist(hasher: KeyedState) -> ZSet {
        ZSet(Repr::Skiplist(Box::new(Skiplist {
            items: Ranked::new(),
            dict: Dict::new(hasher),
        })))
    }

    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Repr::Listpack(_) => "listpack",
            Repr::Skiplist(_) => "skiplist",
        }
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self.0, Repr::Listpack(_))
    }

    /// The listpack of a listpack-encoded sorted set (its bytes are what Redis writes into an
    /// RDB file or a DUMP payload).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.0 {
            Repr::Listpack(lp) => Some(lp),
            Repr::Skiplist(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Listpack(lp) => lp.len() / 2,
            Repr::Skiplist(sl) => sl.items.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Listpack(lp) => lp.is_empty(),
            Repr::Skiplist(sl) => sl.items.is_empty(),
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let m = lp.find(lp.first()?, member, 1)?;
                Some(entry_score(lp.get(lp.next(m)?)))
            }
            Repr::Skiplist(sl) => sl.dict.get(member).copied(),
        }
    }

    /// The element at 0-based ascending rank `i`.
    pub fn get(&self, i: usize) -> Option<(Entry<'_>, f64)> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let m = lp.seek(i64::try_from(i).ok()?.checked_mul(2)?)?;
                Some((lp.get(m), entry_score(lp.get(lp.next(m)?))))
            }
            Repr::Skiplist(sl) => sl.items.get(i).map(|(s, m)| (Entry::Str(m), *s)),
        }
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Listpack(lp) => Iter::Listpack(lp.pairs()),
            Repr::Skiplist(sl) => Iter::Skiplist(Box::new(sl.items.iter().map(|(s, m)| (Entry::Str(m), *s)))),
        }
    }

    /// Elements in descending order.
    pub fn iter_rev(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let mut back = Vec::with_capacity(self.len());
                back.extend(lp.pairs().map(|(m, s)| (m, entry_score(s))));
                Iter::Skiplist(Box::new(back.into_iter().rev()))
            }
            Repr::Skiplist(sl) => Iter::Skiplist(Box::new(sl.items.iter().rev().map(|(s, m)| (Entry::Str(m), *s)))),
        }
    }

    /// The elements of ascending ranks `start..end` (cut at the end), in that order: one walk
    /// from `start` for a listpack (Redis' lpSeek then lpNext).
    pub fn range(&self, start: usize, end: usize) -> Vec<(Entry<'_>, f64)> {
        let end = end.min(self.len());
        if start >= end {
            return Vec::new();
        }
        match &self.0 {
            Repr::Listpack(lp) => {
                let mut out = Vec::with_capacity(end - start);
                let mut pos = lp.seek(2 * start as i64);
                while let Some(m) = pos {
                    if out.len() == end - start {
                        break;
                    }
                    let Some(s) = lp.next(m) else { break };
                    out.push((lp.get(m), entry_score(lp.get(s))));
                    pos = lp.next(s);
                }
                out
            }
            Repr::Skiplist(sl) => (start..end)
                .filter_map(|i| sl.items.get(i).map(|(s, m)| (Entry::Str(m.as_slice()), *s)))
                .collect(),
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let as_int = crate::resp::parse_i64(member);
                lp.pairs().position(|(m, _)| m.matches(member, as_int))
            }
            Repr::Skiplist(sl) => {
                let score = *sl.dict.get(member)?;
                sl.search(score, member).ok()
            }
        }
    }

    /// Converts to a skiplist (no-op if it is one).
    pub fn convert_to_skiplist(&mut self, hasher: KeyedState) {
        if let Repr::Listpack(lp) = &self.0 {
            let items: Vec<(f64, Vec<u8>)> = lp.pairs().map(|(m, s)| (entry_score(s), m.to_bytes())).collect();
            let mut dict = Dict::new(hasher);
            for (s, m) in &items {
                dict.insert(m.clone(), *s);
            }
            self.0 = Repr::Skiplist(Box::new(Skiplist {
                items: Ranked::from_sorted(items),
                dict,
            }));
        }
    }

    /// Converts to a listpack (no-op if it is one), scores written as zzlInsertAt writes them.
    pub fn convert_to_listpack(&mut self) {
        if let Repr::Skiplist(sl) = &self.0 {
            let scores: Vec<String> = sl.items.iter().map(|(s, _)| listpack_score(*s)).collect();
            let lp = Listpack::from_elements(
                sl.items
                    .iter()
                    .zip(&scores)
                    .flat_map(|((_, m), s)| [m.as_slice(), s.as_bytes()]),
            );
            self.0 = Repr::Listpack(lp);
        }
    }

    /// Redis' zsetConvertToListpackIfNeeded for computed results.
    pub fn shrink_if_fits(&mut self, lim: &ZLimits) {
        if let Repr::Skiplist(sl) = &self.0 {
            if sl.items.len() <= lim.max_entries && sl.items.iter().all(|(_, m)| m.len() <= lim.max_value) {
                self.convert_to_listpack();
            }
        }
    }

    /// Inserts a member known to be absent, converting first as Redis' zsetAdd does.
    pub fn insert_new(&mut self, member: &[u8], score: f64, lim: &ZLimits) {
        if self.is_listpack() && (self.len() + 1 > lim.max_entries || member.len() > lim.max_value) {
            self.convert_to_skiplist(lim.hasher);
        }
        match &mut self.0 {
            Repr::Listpack(lp) => lp_insert(lp, member, score),
            Repr::Skiplist(sl) => sl.insert(member, score),
        }
    }

    /// Moves an existing member to `score`.
    pub fn update(&mut self, member: &[u8], old: f64, score: f64) {
        // As Redis: only a different score (-0 equals 0) moves the element.
        if old == score {
            return;
        }
        match &mut self.0 {
            // Redis' zsetAdd: zzlDelete then zzlInsert.
            Repr::Listpack(lp) => {
                if let Some(m) = lp.first().and_then(|f| lp.find(f, member, 1)) {
                    lp.delete_range(m, 2);
                    lp_insert(lp, member, score);
                }
            }
            Repr::Skiplist(sl) => {
                if let Ok(i) = sl.search(old, member) {
                    let (_, m) = sl.items.remove(i);
                    let at = sl.search(score, &m).unwrap_or_else(|i| i);
                    sl.items.insert(at, (score, m));
                }
                if let Some(s) = sl.dict.get_mut(member) {
                    *s = score;
                }
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
        match &mut self.0 {
            Repr::Listpack(lp) => {
                let m = lp.find(lp.first()?, member, 1)?;
                let score = entry_score(lp.get(lp.next(m)?));
                lp.delete_range(m, 2);
                Some(score)
            }
            Repr::Skiplist(sl) => {
                let (_, score) = sl.dict.remove(member)?;
                if let Ok(i) = sl.search(score, member) {
                    sl.items.remove(i);
                }
                Some(score)
            }
        }
    }

    /// Removes the elements at ascending ranks `start..end`, returning them.
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<(f64, Vec<u8>)> {
        match &mut self.0 {
            Repr::Listpack(lp) => {
                let end = end.min(lp.len() / 2);
                if start >= end {
                    return Vec::new();
                }
                let Some(first) = lp.seek(2 * start as i64) else {
                    return Vec::new();
                };
                let gone: Vec<(f64, Vec<u8>)> = ZSet::range_of(lp, first, end - start)
                    .map(|(m, s)| (entry_score(s), m.to_bytes()))
                    .collect();
                lp.delete_range(first, 2 * gone.len());
                gone
            }
            Repr::Skiplist(sl) => {
                let gone = sl.items.drain(start, end);
                for (_, m) in &gone {
                    sl.dict.remove(m.as_slice());
                }
                gone
            }
        }
    }

    /// `n` pairs of a listpack from the member at `pos` on.
    fn range_of(lp: &Listpack, pos: usize, n: usize) -> impl Iterator<Item = (Entry<'_>, Entry<'_>)> {
        let mut at = Some(pos);
        std::iter::from_fn(move || {
            let m = at?;
            let s = lp.next(m)?;
            at = lp.next(s);
            Some((lp.get(m), lp.get(s)))
        })
        .take(n)
    }

    /// The rank range `[a, b)` of the elements for which `below(elem)` is false (past the
    /// range's low side) and `within(elem)` is true (inside its high side): the ranks are
    /// prefixes since both only change once along the order.
    fn span_by(&self, below: impl Fn(Entry, f64) -> bool, within: impl Fn(Entry, f64) -> bool) -> (usize, usize) {
        let (mut a, mut b) = (0, 0);
        match &self.0 {
            // Redis walks a listpack from its head (zzlFirstInRange / zzlFirstInLexRange).
            Repr::Listpack(lp) => {
                for (m, s) in lp.pairs() {
                    let s = entry_score(s);
                    if !within(m, s) {
                        break;
                    }
                    b += 1;
                    if below(m, s) {
                        a += 1;
                    }
                }
            }
            Repr::Skiplist(sl) => {
                a = sl.items.partition_point(|(s, m)| below(Entry::Str(m), *s));
                b = sl.items.partition_point(|(s, m)| within(Entry::Str(m), *s));
            }
        }
        (a, b.max(a))
    }

    /// The rank range `[start, end)` of a score range (empty when nothing fits).
    pub fn score_span(&self, r: &ScoreRange) -> (usize, usize) {
        if r.is_empty() {
            return (0, 0);
        }
        self.span_by(|_, s| !r.gte_min(s), |_, s| r.lte_max(s))
    }

    pub fn lex_span(&self, r: &LexRange) -> (usize, usize) {
        if r.is_empty() {
            return (0, 0);
        }
        self.span_by(
            |m, _| m.with_bytes(|b| !r.gte_min(b)),
            |m, _| m.with_bytes(|b| r.lte_max(b)),
        )
    }

    /// One element picked uniformly: by rank for a listpack, as the dict picks for a skiplist.
    pub fn random_elem(&self, rng: &mut impl FnMut() -> u64) -> Option<(Entry<'_>, f64)> {
        match &self.0 {
            Repr::Skiplist(sl) => sl.dict.random_entry(rng).map(|(m, s)| (Entry::Str(m), *s)),
            Repr::Listpack(_) if self.is_empty() => None,
            Repr::Listpack(_) => self.get((rng() % self.len() as u64) as usize),
        }
    }

    /// The skiplist's dict, for SCAN.
    pub fn dict(&self) -> Option<&Dict<Vec<u8>, f64>> {
        match &self.0 {
            Repr::Listpack(_) => None,
            Repr::Skiplist(sl) => Some(&sl.dict),
        }
    }

    /// Builds a sorted set from loaded (member, score) pairs, in any order; `None` on a
    /// duplicate member. Listpack unless `skiplist`.
    pub fn from_pairs(pairs: Vec<(Vec<u8>, f64)>, skiplist: bool, hasher: KeyedState) -> Option<ZSet> {
        let mut items: Vec<(f64, Vec<u8>)> = pairs.into_iter().map(|(m, s)| (s, m)).collect();
        items.sort_by(|a, b| cmp_elem(a.0, &a.1, b.0, &b.1));
        let mut dict: Dict<Vec<u8>, f64> = Dict::new(hasher);
        for (s, m) in &items {
            if dict.insert(m.clone(), *s).is_some() {
                return None;
            }
        }
        let mut z = ZSet(Repr::Skiplist(Box::new(Skiplist {
            items: Ranked::from_sorted(items),
            dict,
        })));
        if !skiplist {
            z.convert_to_listpack();
        }
        Some(z)
    }

    /// A sorted set from a listpack of member, score... as RDB_TYPE_ZSET_LISTPACK holds it
    /// (Redis' rdbLoadObject): refused when empty, odd, with a score that is not a number or
    /// with a repeated member; kept as it is when in order (elements out of order are sorted
    /// into a new listpack); a skiplist when it has more members than
    /// `zset-max-listpack-entries` (long members are not looked at).
    pub fn from_listpack(lp: Listpack, lim: &ZLimits) -> Result<ZSet, LoadError> {
        if lp.is_empty() {
            return Err(LoadError::Empty);
        }
        if !lp.len().is_multiple_of(2) {
            return Err(LoadError::OddCount);
        }
        let mut pairs = Vec::with_capacity(lp.len() / 2);
        for (m, s) in lp.pairs() {
            let score = match s {
                Entry::Int(n) => n as f64,
                Entry::Str(b) => crate::cmd::zsets::parse_score(b).ok_or(LoadError::BadScore)?,
            };
            pairs.push((m.to_bytes(), score));
        }
        let in_order = pairs
            .windows(2)
            .all(|w| cmp_elem(w[0].1, &w[0].0, w[1].1, &w[1].0) == Ordering::Less);
        let skiplist = pairs.len() > lim.max_entries;
        if in_order {
            let mut members: Vec<&[u8]> = pairs.iter().map(|(m, _)| m.as_slice()).collect();
            members.sort_unstable();
            if members.windows(2).any(|w| w[0] == w[1]) {
                return Err(LoadError::DuplicateMember);
            }
            let mut z = ZSet(Repr::Listpack(lp));
            if skiplist {
                z.convert_to_skiplist(lim.hasher);
            }
            return Ok(z);
        }
        ZSet::from_pairs(pairs, skiplist, lim.hasher).ok_or(LoadError::DuplicateMember)
    }
}

/// Redis' zzlInsert: the member and its score before the first element that orders after
/// them (a greater score, or the same score and a greater member), else at the tail.
fn lp_insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let mut at = lp.end();
    let mut pos = lp.first();
    while let Some(m) = pos {
        let Some(s) = lp.next(m) else { break };
        let cur = entry_score(lp.get(s));
        if cur > score || (cur == score && cmp_entry(lp.get(m), member) == Ordering::Greater) {
            at = m;
            break;
        }
        pos = lp.next(s);
    }
    // The score first, then the member before it: the same bytes as member-then-score.
    lp.insert_at(at, listpack_score(score).as_bytes());
    lp.insert_at(at, member);
}

impl Skiplist {
    /// Where (score, member) is or would go.
    fn search(&self, score: f64, member: &[u8]) -> Result<usize, usize> {
        self.items.binary_search_by(|(s, m)| cmp_elem(*s, m, score, member))
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        let at = self.search(score, member).unwrap_or_else(|i| i);
        self.items.insert(at, (score, member.to_vec()));
        self.dict.insert(member.to_vec(), score);
    }
}

/// A sorted set's elements in order (see [`ZSet::iter`]).
pub enum Iter<'a> {
    Listpack(Pairs<'a>),
    Skiplist(Box<dyn Iterator<Item = (Entry<'a>, f64)> + 'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Entry<'a>, f64);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(p) => p.next().map(|(m, s)| (m, entry_score(s))),
            Iter::Skiplist(it) => it.next(),
        }
    }
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Listpack(lp) => ZSet(Repr::Listpack(lp.clone())),
            Repr::Skiplist(sl) => {
                let mut dict = Dict::new(sl.dict.hasher());
                for (m, s) in sl.dict.iter() {
                    dict.insert(m.clone(), *s);
                }
                ZSet(Repr::Skiplist(Box::new(Skiplist {
                    items: sl.items.clone(),
                    dict,
                })))
            }
        }
    }
}

/// Equal when the encodings are and the elements are, in order (members by their strings,
/// scores bit for bit).
impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.is_listpack() == other.is_listpack()
            && self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.0.to_bytes() == b.0.to_bytes() && a.1.to_bits() == b.1.to_bits())
    }
}

impl Eq for ZSet {}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for (m, s) in self.iter() {
            l.entry(&(String::from_utf8_lossy(&m.to_bytes()), s));
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
        let order: Vec<Vec<u8>> = z.iter().map(|(m, _)| m.to_bytes()).collect();
        assert_eq!(order, [b"b".to_vec(), b"a".to_vec(), b"ab".to_vec()]);
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
            assert_eq!(z.get(i), Some((Entry::Str(m), *s)));
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
            let got: Vec<(i8, Vec<u8>)> = z.iter().map(|(m, s)| (s as i8, m.to_bytes())).collect();
            prop_assert_eq!(&got, &want);
            for (i, (_, m)) in want.iter().enumerate() {
                prop_assert_eq!(z.rank(m), Some(i));
            }
            let c = z.clone();
            prop_assert_eq!(&c, &z);
        }
    }

    /// Members a listpack stores as integers or as strings: canonical integers and their near
    /// misses ("007", "-0", "+5", past i64), and words.
    const MEMBERS: &[&str] = &[
        "12",
        "-5",
        "0",
        "007",
        "-0",
        "+5",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "a",
        "b",
        "ab",
        "",
        "zz",
        "1.5",
        "100000",
    ];

    /// Scores of every kind a listpack writes: integers (small, up to ±2^62 and past it),
    /// fractions, -0, the infinities.
    const SCORES: &[f64] = &[
        0.0,
        -0.0,
        1.0,
        -1.0,
        2.5,
        0.1,
        -7.25,
        1e17,
        4611686018427387904.0,
        5e18,
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        12.0,
    ];

    #[derive(Clone, Debug)]
    enum ZOp {
        Set(usize, usize),
        Incr(usize, usize),
        Del(usize),
        RemoveRange(usize, usize),
    }

    fn zop() -> impl Strategy<Value = ZOp> {
        let m = 0..MEMBERS.len();
        let s = 0..SCORES.len();
        prop_oneof![
            4 => (m.clone(), s.clone()).prop_map(|(m, s)| ZOp::Set(m, s)),
            1 => (m.clone(), s).prop_map(|(m, s)| ZOp::Incr(m, s)),
            2 => m.prop_map(ZOp::Del),
            1 => (0usize..20, 0usize..4).prop_map(|(a, n)| ZOp::RemoveRange(a, n)),
        ]
    }

    fn sort_model(model: &mut [(Vec<u8>, f64)]) {
        model.sort_by(|a, b| cmp_elem(a.1, &a.0, b.1, &b.0));
    }

    proptest! {
        /// Against a sorted Vec: the same elements in the same order (members as strings,
        /// scores as read back), the same ranks, score and lex spans, ranges and removals, the
        /// encoding listpack exactly while no threshold was passed, and a listpack's bytes
        /// those Redis writes for the same elements (what DUMP and RDB files hold).
        #[test]
        fn matches_a_model_and_redis_bytes(ops in proptest::collection::vec(zop(), 1..120), max_entries in 0usize..20, bounds in (0..SCORES.len(), 0..SCORES.len(), any::<bool>(), any::<bool>(), 0..MEMBERS.len(), 0..MEMBERS.len())) {
            let l = lim(max_entries, 20);
            let mut z = ZSet::new();
            let mut model: Vec<(Vec<u8>, f64)> = Vec::new();
            let mut converted = false;
            for op in &ops {
                match *op {
                    ZOp::Set(m, s) | ZOp::Incr(m, s) => {
                        let member = MEMBERS[m].as_bytes();
                        let mut score = SCORES[s];
                        let old = model.iter().position(|(x, _)| x == member);
                        if let (ZOp::Incr(..), Some(i)) = (op, old) {
                            score += model[i].1;
                            if score.is_nan() {
                                continue;
                            }
                        }
                        // A listpack stores -0 as the integer 0.
                        let stored = if !converted && score == 0.0 { 0.0 } else { score };
                        match old {
                            Some(i) => {
                                prop_assert!(!z.set(member, score, &l));
                                if model[i].1 != score {
                                    model[i].1 = stored;
                                }
                            }
                            None => {
                                converted |= model.len() + 1 > max_entries || member.len() > 20;
                                let stored = if !converted && score == 0.0 { 0.0 } else { score };
                                prop_assert!(z.set(member, score, &l));
                                model.push((member.to_vec(), stored));
                            }
                        }
                        sort_model(&mut model);
                    }
                    ZOp::Del(m) => {
                        let member = MEMBERS[m].as_bytes();
                        let want = model.iter().position(|(x, _)| x == member).map(|i| model.remove(i).1);
                        prop_assert_eq!(z.remove(member).map(f64::to_bits), want.map(f64::to_bits));
                    }
                    ZOp::RemoveRange(a, n) => {
                        let a = a.min(model.len());
                        let b = (a + n).min(model.len());
                        let want: Vec<(f64, Vec<u8>)> = model.drain(a..b).map(|(m, s)| (s, m)).collect();
                        prop_assert_eq!(z.remove_range(a, a + n), want);
                    }
                }
                prop_assert_eq!(z.len(), model.len());
                prop_assert_eq!(z.is_empty(), model.is_empty());
                prop_assert_eq!(z.is_listpack(), !converted);
            }
            let got: Vec<(Vec<u8>, u64)> = z.iter().map(|(m, s)| (m.to_bytes(), s.to_bits())).collect();
            let want: Vec<(Vec<u8>, u64)> = model.iter().map(|(m, s)| (m.clone(), s.to_bits())).collect();
            prop_assert_eq!(&got, &want);
            let back: Vec<(Vec<u8>, u64)> = z.iter_rev().map(|(m, s)| (m.to_bytes(), s.to_bits())).collect();
            prop_assert_eq!(back, want.iter().rev().cloned().collect::<Vec<_>>());
            for (i, (m, s)) in model.iter().enumerate() {
                prop_assert_eq!(z.rank(m), Some(i));
                prop_assert_eq!(z.score(m).map(f64::to_bits), Some(s.to_bits()));
                prop_assert_eq!(z.get(i).map(|(m, s)| (m.to_bytes(), s.to_bits())), Some((m.clone(), s.to_bits())));
            }
            for m in MEMBERS {
                let present = model.iter().any(|(x, _)| x == m.as_bytes());
                prop_assert_eq!(z.score(m.as_bytes()).is_some(), present);
            }
            let (lo, hi, minex, maxex, lmin, lmax) = bounds;
            let r = ScoreRange { min: SCORES[lo], max: SCORES[hi], minex, maxex };
            let (a, b) = z.score_span(&r);
            let inside: Vec<usize> = (0..model.len()).filter(|&i| !r.is_empty() && r.gte_min(model[i].1) && r.lte_max(model[i].1)).collect();
            prop_assert_eq!(b - a, inside.len());
            if let Some(&first) = inside.first() {
                prop_assert_eq!(a, first);
            }
            let lex = LexRange { min: LexBound::Incl(MEMBERS[lmin].as_bytes().to_vec()), max: LexBound::Excl(MEMBERS[lmax].as_bytes().to_vec()) };
            let (a, b) = z.lex_span(&lex);
            let inside = (0..model.len()).filter(|&i| !lex.is_empty() && lex.gte_min(&model[i].0) && lex.lte_max(&model[i].0)).count();
            if model.windows(2).all(|w| w[0].1 == w[1].1) {
                // Lex ranges are meant for equal scores: then the span is exact.
                prop_assert_eq!(b - a, inside);
            }
            let part: Vec<Vec<u8>> = z.range(1, 4).into_iter().map(|(m, _)| m.to_bytes()).collect();
            let want_part: Vec<Vec<u8>> = model.iter().skip(1).take(3).map(|(m, _)| m.clone()).collect();
            prop_assert_eq!(part, want_part);
            if let Some(lp) = z.as_listpack() {
                let scores: Vec<String> = model.iter().map(|(_, s)| listpack_score(*s)).collect();
                let want = crate::rdb::listpack::encode(model.iter().zip(&scores).flat_map(|((m, _), s)| [&m[..], s.as_bytes()]));
                prop_assert_eq!(lp.as_bytes(), &want[..]);
                if !model.is_empty() {
                    let again = ZSet::from_listpack(lp.clone(), &l).unwrap();
                    prop_assert_eq!(&again, &z);
                }
            }
            let c = z.clone();
            prop_assert_eq!(&c, &z);
            let mut sl = z.clone();
            sl.convert_to_skiplist(l.hasher);
            let got: Vec<(Vec<u8>, u64)> = sl.iter().map(|(m, s)| (m.to_bytes(), s.to_bits())).collect();
            prop_assert_eq!(&got, &want);
        }
    }
}
