//! The hash type (Redis' t_hash.c): a `listpack` (field/value pairs in insertion order) while
//! small, a `hashtable` (our [`Dict`]) once `hash-max-listpack-entries` fields or a field or
//! value longer than `hash-max-listpack-value` bytes was asked for. Like Redis, a hash never
//! converts back.

use std::fmt;

use crate::dict::Dict;
use crate::hash::KeyedState;

/// What decides the encoding: the two thresholds (from the configuration at the time of the
/// write) and the key for a hashtable's hasher (from the server seed).
#[derive(Clone, Copy, Debug)]
pub struct HashLimits {
    pub max_entries: usize,
    pub max_value: usize,
    pub hasher: KeyedState,
}

pub enum Hash {
    /// Pairs in insertion order; a replaced value keeps its place.
    Listpack(Vec<(Vec<u8>, Vec<u8>)>),
    Table(Dict<Vec<u8>, Vec<u8>>),
}

impl Hash {
    /// An empty hash as Redis creates one (`createHashObject`: listpack).
    pub fn new() -> Hash {
        Hash::Listpack(Vec::new())
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

    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(v) => v.len(),
            Hash::Table(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Listpack(v) => v.iter().find(|(f, _)| f == field).map(|(_, val)| val.as_slice()),
            Hash::Table(d) => d.get(field).map(Vec::as_slice),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to a hashtable (Redis' hashTypeConvert); a no-op if it already is one.
    pub fn convert(&mut self, hasher: KeyedState) {
        if let Hash::Listpack(v) = self {
            let mut d = Dict::new(hasher);
            for (f, val) in std::mem::take(v) {
                d.insert(f, val);
            }
            *self = Hash::Table(d);
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
    pub fn set(&mut self, field: &[u8], value: Vec<u8>, lim: &HashLimits) -> bool {
        if self.is_listpack() && (field.len() > lim.max_value || value.len() > lim.max_value) {
            self.convert(lim.hasher);
        }
        match self {
            Hash::Listpack(v) => {
                if let Some(slot) = v.iter_mut().find(|(f, _)| f == field) {
                    slot.1 = value;
                    return true;
                }
                v.push((field.to_vec(), value));
                if v.len() > lim.max_entries {
                    self.convert(lim.hasher);
                }
                false
            }
            Hash::Table(d) => match d.get_mut(field) {
                Some(old) => {
                    *old = value;
                    true
                }
                None => {
                    d.insert(field.to_vec(), value);
                    false
                }
            },
        }
    }

    /// Removes `field`; whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(v) => match v.iter().position(|(f, _)| f == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Hash::Table(d) => d.remove(field).is_some(),
        }
    }

    /// Every pair: insertion order for a listpack, the table's order for a hashtable.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            Hash::Listpack(v) => Box::new(v.iter().map(|(f, val)| (f.as_slice(), val.as_slice()))),
            Hash::Table(d) => Box::new(d.iter().map(|(f, val)| (f.as_slice(), val.as_slice()))),
        }
    }

    /// One pair picked uniformly (a listpack) or as Redis' dict does (random bucket, then a
    /// random element of its chain); `None` when empty.
    pub fn random_pair(&self, rng: &mut impl FnMut() -> u64) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Listpack(v) if v.is_empty() => None,
            Hash::Listpack(v) => {
                let (f, val) = &v[(rng() % v.len() as u64) as usize];
                Some((f, val))
            }
            Hash::Table(d) => d.random_entry(rng).map(|(f, val)| (f.as_slice(), val.as_slice())),
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
                if lp.iter().any(|(x, _)| *x == field) {
                    return false;
                }
                lp.push((field, value));
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
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        match self {
            Hash::Listpack(v) => Hash::Listpack(v.clone()),
            Hash::Table(d) => {
                let mut c = Dict::new(d.hasher());
                for (f, v) in d.iter() {
                    c.insert(f.clone(), v.clone());
                }
                Hash::Table(c)
            }
        }
    }
}

/// Equal when the encodings and the pairs are (order matters only for listpacks).
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Hash::Listpack(a), Hash::Listpack(b)) => a == b,
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
            m.entry(&String::from_utf8_lossy(k), &String::from_utf8_lossy(v));
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

    #[test]
    fn converts_at_redis_thresholds() {
        let l = lim(2, 4);
        let mut h = Hash::new();
        assert!(!h.set(b"a", b"1".to_vec(), &l));
        assert!(!h.set(b"b", b"2".to_vec(), &l));
        assert!(h.set(b"a", b"3".to_vec(), &l));
        assert_eq!(h.encoding(), "listpack");
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order, [&b"a"[..], b"b"]);
        h.set(b"c", b"3".to_vec(), &l);
        assert_eq!(h.encoding(), "hashtable");
        h.remove(b"c");
        h.remove(b"b");
        assert_eq!(h.encoding(), "hashtable", "never converts back");

        let mut h = Hash::new();
        h.set(b"f", b"12345".to_vec(), &l);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.try_conversion([&b"ok"[..], b"long!"], &l);
        assert_eq!(h.encoding(), "hashtable");
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
    }

    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, u8),
        Del(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..40, any::<u8>()).prop_map(|(f, v)| Op::Set(f, v)),
            1 => (0u8..40).prop_map(Op::Del),
        ]
    }

    proptest! {
        /// Against a model: the same pairs, listpack order is first insertion, and the encoding
        /// is listpack exactly while no threshold was ever passed.
        #[test]
        fn behaves_like_an_ordered_map(ops in proptest::collection::vec(op(), 1..200), max_entries in 0usize..30) {
            let l = lim(max_entries, 64);
            let mut h = Hash::new();
            let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut converted = false;
            for op in &ops {
                match *op {
                    Op::Set(f, v) => {
                        let f = vec![b'f', f];
                        let existed = model.iter().any(|(x, _)| *x == f);
                        let v = vec![v; (v % 70) as usize];
                        converted |= v.len() > 64;
                        prop_assert_eq!(h.set(&f, v.clone(), &l), existed);
                        match model.iter_mut().find(|(x, _)| *x == f) {
                            Some(slot) => slot.1 = v,
                            None => model.push((f, v)),
                        }
                        converted |= model.len() > max_entries;
                    }
                    Op::Del(f) => {
                        let f = vec![b'f', f];
                        let existed = model.iter().any(|(x, _)| *x == f);
                        model.retain(|(x, _)| *x != f);
                        prop_assert_eq!(h.remove(&f), existed);
                    }
                }
                prop_assert_eq!(h.len(), model.len());
                prop_assert_eq!(h.is_listpack(), !converted);
            }
            if h.is_listpack() {
                let got: Vec<(Vec<u8>, Vec<u8>)> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                prop_assert_eq!(got, model);
            } else {
                let got: BTreeMap<Vec<u8>, Vec<u8>> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                let want: BTreeMap<Vec<u8>, Vec<u8>> = model.into_iter().collect();
                prop_assert_eq!(got, want);
            }
            let c = h.clone();
            prop_assert_eq!(&c, &h);
        }
    }
}
