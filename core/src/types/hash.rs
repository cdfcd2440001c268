//! The hash type (Redis' t_hash.c): a `listpack` (field, value, field, value... in insertion
//! order, in one [`Listpack`] buffer holding Redis' own bytes) while small, a `hashtable` (our
//! [`Dict`]) once `hash-max-listpack-entries` fields or a field or value longer than
//! `hash-max-listpack-value` bytes was asked for. Like Redis, a hash never converts back.
//!
//! A listpack stores a field or value that is a canonical integer as an integer, so reads hand
//! out [`Entry`]s: `Entry::Str` for bytes, `Entry::Int` for such an integer (a hashtable's are
//! always `Entry::Str`).

use std::fmt;

use crate::dict::Dict;
use crate::hash::KeyedState;
pub use crate::listpack::Entry;
use crate::listpack::{Listpack, Pairs};

/// What decides the encoding: the two thresholds (from the configuration at the time of the
/// write) and the key for a hashtable's hasher (from the server seed).
#[derive(Clone, Copy, Debug)]
pub struct HashLimits {
    pub max_entries: usize,
    pub max_value: usize,
    pub hasher: KeyedState,
}

pub enum Hash {
    /// Field, value, field, value... in insertion order; a replaced value keeps its place.
    Listpack(Listpack),
    /// Boxed so that a small hash does not carry a table's size.
    Table(Box<Dict<Vec<u8>, Vec<u8>>>),
}

/// Why a listpack from a file or a DUMP payload cannot be a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    Empty,
    OddCount,
    DuplicateField,
}

impl Hash {
    /// An empty hash as Redis creates one (`createHashObject`: listpack).
    pub fn new() -> Hash {
        Hash::Listpack(Listpack::new())
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self, Hash::Listpack(_))
    }

    /// The listpack of a listpack-encoded hash (its bytes are what Redis writes into an RDB
    /// file or a DUMP payload).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match self {
            Hash::Listpack(lp) => Some(lp),
            Hash::Table(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.len() / 2,
            Hash::Table(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Hash::Listpack(lp) => lp.is_empty(),
            Hash::Table(d) => d.is_empty(),
        }
    }

    /// The position of `field` in a listpack (Redis' lpFind over fields only).
    fn find(lp: &Listpack, field: &[u8]) -> Option<usize> {
        lp.find(lp.first()?, field, 1)
    }

    pub fn get(&self, field: &[u8]) -> Option<Entry<'_>> {
        match self {
            Hash::Listpack(lp) => {
                let f = Hash::find(lp, field)?;
                lp.next(f).map(|v| lp.get(v))
            }
            Hash::Table(d) => d.get(field).map(|v| Entry::Str(v)),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => Hash::find(lp, field).is_some(),
            Hash::Table(d) => d.contains_key(field),
        }
    }

    /// Converts to a hashtable (Redis' hashTypeConvert); a no-op if it already is one.
    pub fn convert(&mut self, hasher: KeyedState) {
        if let Hash::Listpack(lp) = self {
            let mut d = Dict::new(hasher);
            for (f, v) in lp.pairs() {
                d.insert(f.to_bytes(), v.to_bytes());
            }
            *self = Hash::Table(Box::new(d));
        }
    }

    /// Redis' hashTypeTryConversion: a listpack becomes a hashtable before a write of these
    /// fields and values if any of them is longer than `hash-max-listpack-value`.
    pub fn try_conversion<'a>(&mut self, items: impl IntoIterator<Item = &'a [u8]>, lim: &HashLimits) {
        if self.is_listpack() && items.into_iter().any(|b| b.len() > lim.max_value) {
            self.convert(lim.hasher);
        }
    }

    /// Redis' hashTypeSet: sets `field`, returns whether it existed (an update). A listpack
    /// converts first if the field or value is too long (the HINCRBY* case), and after the
    /// write if it holds more than `hash-max-listpack-entries` fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: &HashLimits) -> bool {
        if self.is_listpack() && (field.len() > lim.max_value || value.len() > lim.max_value) {
            self.convert(lim.hasher);
        }
        match self {
            Hash::Listpack(lp) => {
                if let Some(v) = Hash::find(lp, field).and_then(|f| lp.next(f)) {
                    lp.replace(v, value);
                    return true;
                }
                lp.push_back(field);
                lp.push_back(value);
                if self.len() > lim.max_entries {
                    self.convert(lim.hasher);
                }
                false
            }
            Hash::Table(d) => match d.get_mut(field) {
                Some(old) => {
                    value.clone_into(old);
                    true
                }
                None => {
                    d.insert(field.to_vec(), value.to_vec());
                    false
                }
            },
        }
    }

    /// Removes `field`; whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => match Hash::find(lp, field) {
                Some(f) => {
                    lp.delete_range(f, 2);
                    true
                }
                None => false,
            },
            Hash::Table(d) => d.remove(field).is_some(),
        }
    }

    /// Every pair: insertion order for a listpack, the table's order for a hashtable.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Listpack(lp) => Iter::Listpack(lp.pairs()),
            Hash::Table(d) => Iter::Table(Box::new(d.iter().map(|(f, v)| (Entry::Str(f), Entry::Str(v))))),
        }
    }

    /// One pair picked uniformly (a listpack) or as Redis' dict does (random bucket, then a
    /// random element of its chain); `None` when empty.
    pub fn random_pair(&self, rng: &mut impl FnMut() -> u64) -> Option<(Entry<'_>, Entry<'_>)> {
        match self {
            Hash::Listpack(lp) => {
                let n = self.len() as u64;
                if n == 0 {
                    return None;
                }
                let f = lp.seek(2 * (rng() % n) as i64)?;
                Some((lp.get(f), lp.get(lp.next(f)?)))
            }
            Hash::Table(d) => d.random_entry(rng).map(|(f, v)| (Entry::Str(f), Entry::Str(v))),
        }
    }

    /// An empty hash about to receive `count` loaded pairs, as Redis' rdbLoadObject starts
    /// one for RDB_TYPE_HASH: a hashtable from the start when there are more pairs than
    /// `hash-max-listpack-entries`, else a listpack.
    pub fn start_loading(count: u64, lim: &HashLimits) -> Hash {
        let mut h = Hash::new();
        if count > lim.max_entries as u64 {
            h.convert(lim.hasher);
        }
        h
    }

    /// Adds one loaded pair: a listpack turns into a hashtable when a field or value longer
    /// than `hash-max-listpack-value` arrives. `false` (and nothing added) on a duplicate field.
    pub fn load_pair(&mut self, field: Vec<u8>, value: Vec<u8>, lim: &HashLimits) -> bool {
        if self.is_listpack() && (field.len() > lim.max_value || value.len() > lim.max_value) {
            self.convert(lim.hasher);
        }
        match self {
            Hash::Listpack(lp) => {
                if Hash::find(lp, &field).is_some() {
                    return false;
                }
                lp.push_back(&field);
                lp.push_back(&value);
            }
            Hash::Table(d) => {
                if d.contains_key(field.as_slice()) {
                    return false;
                }
                d.insert(field, value);
            }
        }
        true
    }

    /// A hash from a listpack of field, value... as RDB_TYPE_HASH_LISTPACK holds it (Redis'
    /// rdbLoadObject): refused when empty, odd or with a repeated field; kept as it is unless
    /// it has more than `hash-max-listpack-entries` fields (long values are not looked at).
    pub fn from_listpack(lp: Listpack, lim: &HashLimits) -> Result<Hash, LoadError> {
        if lp.is_empty() {
            return Err(LoadError::Empty);
        }
        let n = lp.len();
        if !n.is_multiple_of(2) {
            return Err(LoadError::OddCount);
        }
        let mut fields: Vec<Vec<u8>> = lp.pairs().map(|(f, _)| f.to_bytes()).collect();
        fields.sort_unstable();
        if fields.windows(2).any(|w| w[0] == w[1]) {
            return Err(LoadError::DuplicateField);
        }
        let mut h = Hash::Listpack(lp);
        if n / 2 > lim.max_entries {
            h.convert(lim.hasher);
        }
        Ok(h)
    }
}

/// A hash's pairs (see [`Hash::iter`]).
pub enum Iter<'a> {
    Listpack(Pairs<'a>),
    Table(Box<dyn Iterator<Item = (Entry<'a>, Entry<'a>)> + 'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Entry<'a>, Entry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(p) => p.next(),
            Iter::Table(t) => t.next(),
        }
    }
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        match self {
            Hash::Listpack(lp) => Hash::Listpack(lp.clone()),
            Hash::Table(d) => {
                let mut c = Dict::new(d.hasher());
                for (f, v) in d.iter() {
                    c.insert(f.clone(), v.clone());
                }
                Hash::Table(Box::new(c))
            }
        }
    }
}

/// Equal when the encodings and the pairs are (order matters only for listpacks; an element
/// is compared by its string, whichever way a listpack holds it).
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Hash::Listpack(a), Hash::Listpack(b)) => a.iter().map(|e| e.to_bytes()).eq(b.iter().map(|e| e.to_bytes())),
            (Hash::Table(a), Hash::Table(b)) => {
                a.len() == b.len() && a.iter().all(|(f, v)| b.get(f.as_slice()) == Some(v))
            }
            _ => false,
        }
    }
}

impl Eq for Hash {}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.iter() {
            m.entry(
                &String::from_utf8_lossy(&k.to_bytes()),
                &String::from_utf8_lossy(&v.to_bytes()),
            );
        }
        m.finish()?;
        write!(f, " ({})", self.encoding())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn lim(max_entries: usize, max_value: usize) -> HashLimits {
        HashLimits {
            max_entries,
            max_value,
            hasher: KeyedState::new(3, 4),
        }
    }

    fn pairs(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        h.iter().map(|(f, v)| (f.to_bytes(), v.to_bytes())).collect()
    }

    #[test]
    fn converts_at_redis_thresholds() {
        let l = lim(2, 4);
        let mut h = Hash::new();
        assert!(!h.set(b"a", b"1", &l));
        assert!(!h.set(b"b", b"2", &l));
        assert!(h.set(b"a", b"3", &l));
        assert_eq!(h.encoding(), "listpack");
        let order: Vec<Vec<u8>> = h.iter().map(|(f, _)| f.to_bytes()).collect();
        assert_eq!(order, [b"a".to_vec(), b"b".to_vec()]);
        h.set(b"c", b"3", &l);
        assert_eq!(h.encoding(), "hashtable");
        h.remove(b"c");
        h.remove(b"b");
        assert_eq!(h.encoding(), "hashtable", "never converts back");

        let mut h = Hash::new();
        h.set(b"f", b"12345", &l);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.try_conversion([&b"ok"[..], b"long!"], &l);
        assert_eq!(h.encoding(), "hashtable");
    }

    /// The bytes of `HSET h f v n 12` then `HSET h f 7` on redis-server 7.0.15 (DUMP): the
    /// replaced value keeps its place, integers are stored as integers.
    #[test]
    fn holds_redis_bytes() {
        let l = lim(128, 64);
        let mut h = Hash::new();
        h.set(b"f", b"v", &l);
        h.set(b"n", b"12", &l);
        assert_eq!(
            h.as_listpack().map(Listpack::as_bytes),
            Some(&b"\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\x0c\x01\xff"[..])
        );
        assert_eq!(h.get(b"n"), Some(Entry::Int(12)));
        h.set(b"f", b"7", &l);
        assert_eq!(
            pairs(&h),
            [(b"f".to_vec(), b"7".to_vec()), (b"n".to_vec(), b"12".to_vec())]
        );
        assert_eq!(h.get(b"12"), None, "values are not fields");
    }

    #[test]
    fn loading_picks_the_encoding_like_rdb_load() {
        let l = lim(2, 4);
        let load = |pairs: &[(&[u8], &[u8])]| {
            let mut h = Hash::start_loading(pairs.len() as u64, &l);
            let ok = pairs.iter().all(|(f, v)| h.load_pair(f.to_vec(), v.to_vec(), &l));
            ok.then_some(h.encoding())
        };
        assert_eq!(load(&[(b"a", b"1"), (b"b", b"2")]), Some("listpack"));
        assert_eq!(load(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]), Some("hashtable"));
        assert_eq!(load(&[(b"a", b"12345")]), Some("hashtable"));
        assert_eq!(load(&[(b"f", b"1"), (b"f", b"2")]), None);
        assert_eq!(load(&[(b"f", b"12345"), (b"f", b"2")]), None);

        let lp = |e: &[&[u8]]| Listpack::from_elements(e.iter().copied());
        let from = |e: &[&[u8]]| Hash::from_listpack(lp(e), &l).map(|h| h.encoding());
        assert_eq!(
            from(&[b"a", b"12345"]),
            Ok("listpack"),
            "a listpack's long values are kept"
        );
        assert_eq!(from(&[b"a", b"1", b"b", b"2", b"c", b"3"]), Ok("hashtable"));
        assert_eq!(from(&[]), Err(LoadError::Empty));
        assert_eq!(from(&[b"a", b"1", b"b"]), Err(LoadError::OddCount));
        assert_eq!(from(&[b"1", b"a", b"1", b"b"]), Err(LoadError::DuplicateField));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, Vec<u8>),
        Del(u8),
        Incr(u8, i64),
    }

    /// Fields and values that a listpack stores as strings or as integers: canonical integers
    /// of every width, their near misses ("007", "-0", "+5", past i64) and plain strings.
    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-200i64..200).prop_map(|n| n.to_string().into_bytes()),
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            prop::sample::select(vec![
                &b"007"[..],
                b"-0",
                b"+5",
                b"9223372036854775808",
                b"-9223372036854775809",
                b"-9223372036854775808",
                b"9223372036854775807",
                b"",
                b" 1",
                b"1.5",
            ])
            .prop_map(<[u8]>::to_vec),
            proptest::collection::vec(any::<u8>(), 0..70),
        ]
    }

    fn field(f: u8) -> Vec<u8> {
        // Half the fields are integers, so that finding a field compares both kinds.
        if f.is_multiple_of(2) {
            (i64::from(f) * 1000 - 7000).to_string().into_bytes()
        } else {
            vec![b'f', f]
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..40, element()).prop_map(|(f, v)| Op::Set(f, v)),
            1 => (0u8..40).prop_map(Op::Del),
            1 => (0u8..40, -1000i64..1000).prop_map(|(f, n)| Op::Incr(f, n)),
        ]
    }

    proptest! {
        /// Against a model: the same pairs, listpack order is first insertion, the encoding is
        /// listpack exactly while no threshold was ever passed, and the listpack's bytes are
        /// those Redis writes for the same pairs (what DUMP and RDB files hold).
        #[test]
        fn behaves_like_an_ordered_map(ops in proptest::collection::vec(op(), 1..200), max_entries in 0usize..30) {
            let l = lim(max_entries, 64);
            let mut h = Hash::new();
            let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut converted = false;
            for op in &ops {
                match op {
                    Op::Set(f, v) => {
                        let f = field(*f);
                        let existed = model.iter().any(|(x, _)| *x == f);
                        converted |= v.len() > 64;
                        prop_assert_eq!(h.set(&f, v, &l), existed);
                        match model.iter_mut().find(|(x, _)| *x == f) {
                            Some(slot) => slot.1 = v.clone(),
                            None => model.push((f, v.clone())),
                        }
                        converted |= model.len() > max_entries;
                    }
                    Op::Del(f) => {
                        let f = field(*f);
                        let existed = model.iter().any(|(x, _)| *x == f);
                        model.retain(|(x, _)| *x != f);
                        prop_assert_eq!(h.remove(&f), existed);
                    }
                    Op::Incr(f, n) => {
                        // HINCRBY's read-modify-write: the value read back is the string set.
                        let f = field(*f);
                        let old = model.iter().find(|(x, _)| *x == f).map(|(_, v)| v.clone());
                        let got = h.get(&f).map(|e| e.to_bytes());
                        prop_assert_eq!(&got, &old);
                        if let Some(new) = old.as_deref().map_or(Some(0), crate::resp::parse_i64).and_then(|o| o.checked_add(*n)) {
                            let new = new.to_string().into_bytes();
                            h.set(&f, &new, &l);
                            match model.iter_mut().find(|(x, _)| *x == f) {
                                Some(slot) => slot.1 = new,
                                None => model.push((f, new)),
                            }
                            converted |= model.len() > max_entries;
                        }
                    }
                }
                prop_assert_eq!(h.len(), model.len());
                prop_assert_eq!(h.is_empty(), model.is_empty());
                prop_assert_eq!(h.is_listpack(), !converted);
            }
            for (f, v) in &model {
                prop_assert_eq!(h.get(f).map(|e| e.to_bytes()), Some(v.clone()));
                prop_assert!(h.contains(f));
            }
            if h.is_listpack() {
                prop_assert_eq!(pairs(&h), model.clone());
                let want = crate::rdb::listpack::encode(model.iter().flat_map(|(f, v)| [&f[..], &v[..]]));
                prop_assert_eq!(h.as_listpack().map(Listpack::as_bytes), Some(&want[..]));
                let mut rng = 11u64;
                let picked = h.random_pair(&mut || { rng = rng.wrapping_mul(31).wrapping_add(7); rng });
                match picked {
                    Some((f, v)) => prop_assert!(model.contains(&(f.to_bytes(), v.to_bytes()))),
                    None => prop_assert!(model.is_empty()),
                }
            } else {
                let got: BTreeMap<Vec<u8>, Vec<u8>> = pairs(&h).into_iter().collect();
                let want: BTreeMap<Vec<u8>, Vec<u8>> = model.into_iter().collect();
                prop_assert_eq!(got, want);
            }
            let c = h.clone();
            prop_assert_eq!(&c, &h);
        }
    }
}
