//! A sorted set as the model keeps it: members with their scores, ordered by score then by
//! bytes (as both of Redis' encodings order them), and which encoding Redis would use. The
//! encoding shows in one place: a listpack stores an integral score as an integer, so a score
//! of `-0` reads back as `0` there and as `-0` from a skiplist.

use std::collections::BTreeMap;

use super::score::ScoreRange;

/// `zset-max-listpack-entries` and `zset-max-listpack-value`, Redis' defaults.
const MAX_LISTPACK_ENTRIES: usize = 128;
const MAX_LISTPACK_VALUE: usize = 64;

/// Members and their scores (never NaN), and whether Redis keeps them in a listpack.
#[derive(Clone, Debug)]
pub struct ZSet {
    scores: BTreeMap<Vec<u8>, f64>,
    listpack: bool,
}

/// Scores compare by their bits: `-0` and `0` print differently, so they are different values.
impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.listpack == other.listpack
            && self.scores.len() == other.scores.len()
            && self
                .scores
                .iter()
                .zip(&other.scores)
                .all(|((a, x), (b, y))| a == b && x.to_bits() == y.to_bits())
    }
}

impl Eq for ZSet {}

/// A member and its score, as replies list them.
pub(super) type Scored = (Vec<u8>, f64);

impl ZSet {
    /// An empty sorted set as ZADD creates it: a listpack unless the first member it adds is
    /// too long for one.
    pub fn for_first(member: &[u8]) -> ZSet {
        ZSet {
            scores: BTreeMap::new(),
            listpack: member.len() <= MAX_LISTPACK_VALUE,
        }
    }

    /// A computed result (ZUNIONSTORE/ZINTERSTORE): built as a skiplist, then turned into a
    /// listpack if it fits one (zsetConvertToListpackIfNeeded).
    pub fn result(scores: BTreeMap<Vec<u8>, f64>) -> ZSet {
        let fits = scores.len() <= MAX_LISTPACK_ENTRIES && scores.keys().all(|m| m.len() <= MAX_LISTPACK_VALUE);
        let mut z = ZSet { scores, listpack: fits };
        if fits {
            z.scores.values_mut().for_each(|s| *s = listpack_score(*s));
        }
        z
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn score(&self, m: &[u8]) -> Option<f64> {
        self.scores.get(m).copied()
    }

    /// Adds or updates `m`; a new member that does not fit the listpack converts it first.
    pub fn insert(&mut self, m: &[u8], s: f64) {
        let new = !self.scores.contains_key(m);
        if new && (self.scores.len() + 1 > MAX_LISTPACK_ENTRIES || m.len() > MAX_LISTPACK_VALUE) {
            self.listpack = false;
        }
        let s = if self.listpack { listpack_score(s) } else { s };
        self.scores.insert(m.to_vec(), s);
    }

    pub fn remove(&mut self, m: &[u8]) -> bool {
        self.scores.remove(m).is_some()
    }

    /// Ascending by score, ties by bytes (`-0` ties with `0`), as the skiplist and listpack
    /// keep them.
    pub fn sorted(&self) -> Vec<Scored> {
        let mut v: Vec<Scored> = self.scores.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|(ma, a), (mb, b)| a.partial_cmp(b).expect("no NaN scores").then_with(|| ma.cmp(mb)));
        v
    }

    /// How many scores `range` holds.
    pub(super) fn count_in(&self, range: &ScoreRange) -> usize {
        self.scores.values().filter(|s| range.contains(**s)).count()
    }

    /// Ascending, or descending for the REV forms.
    pub fn ordered(&self, reverse: bool) -> Vec<Scored> {
        let mut v = self.sorted();
        if reverse {
            v.reverse();
        }
        v
    }

    /// Removes up to `n` members from the low (or, `max`, the high) end, in that order.
    pub fn pop(&mut self, n: usize, max: bool) -> Vec<Scored> {
        let popped: Vec<Scored> = self.ordered(max).into_iter().take(n).collect();
        for (m, _) in &popped {
            self.scores.remove(m);
        }
        popped
    }
}

/// A listpack keeps an integral score as an integer (zzlInsertAt): `-0` becomes `0`.
fn listpack_score(s: f64) -> f64 {
    if s == 0.0 {
        0.0
    } else {
        s
    }
}
