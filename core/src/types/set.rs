//! Sets as Redis 7.0 encodes them (t_set.c): an `intset` (sorted integers) while every member
//! is an integer in Redis' string2ll form and there are at most `set-max-intset-entries` of
//! them, else a `hashtable` (our [`Dict`]). A set never converts back, except that SPOP
//! builds a fresh set for what it leaves (as Redis does).

use std::fmt;

use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::hash::KeyedState;
use crate::resp::parse_i64;

/// Redis caps `set-max-intset-entries` at 2^30 (intset internals).
const INTSET_MAX_ENTRIES_CAP: usize = 1 << 30;

/// A set member as stored: an intset integer or hashtable bytes.
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
            Member::Int(n) => f(n.to_string().as_bytes()),
            Member::Bytes(b) => f(b),
        }
    }
}

enum Enc {
    /// Sorted ascending, no duplicates.
    Intset(Vec<i64>),
    Hashtable(Dict<SmallBytes, ()>),
}

/// A set value.
pub struct Set {
    hasher: KeyedState,
    enc: Enc,
}

fn max_entries(limit: usize) -> usize {
    limit.min(INTSET_MAX_ENTRIES_CAP)
}

impl Set {
    /// An empty intset (Redis' createIntsetObject).
    pub fn new_intset(hasher: KeyedState) -> Set {
        Set {
            hasher,
            enc: Enc::Intset(Vec::new()),
        }
    }

    /// An empty hashtable set (Redis' createSetObject).
    pub fn new_hashtable(hasher: KeyedState) -> Set {
        Set {
            hasher,
            enc: Enc::Hashtable(Dict::new(hasher)),
        }
    }

    /// A set that can hold `first` (Redis' setTypeCreate): an intset for an integer.
    pub fn for_member(hasher: KeyedState, first: &[u8]) -> Set {
        if parse_i64(first).is_some() {
            Set::new_intset(hasher)
        } else {
            Set::new_hashtable(hasher)
        }
    }

    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Intset(v) => v.len(),
            Enc::Hashtable(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_intset(&self) -> bool {
        matches!(self.enc, Enc::Intset(_))
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Intset(_) => "intset",
            Enc::Hashtable(_) => "hashtable",
        }
    }

    /// Turns an intset into a hashtable (Redis' setTypeConvert).
    fn convert(&mut self) {
        if let Enc::Intset(v) = &self.enc {
            let mut d = Dict::new(self.hasher);
            for n in v {
                d.insert(SmallBytes::from(n.to_string().into_bytes()), ());
            }
            self.enc = Enc::Hashtable(d);
        }
    }

    /// Adds `member`; returns whether it was new (Redis' setTypeAdd). `max_intset` is
    /// `set-max-intset-entries`.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        match &mut self.enc {
            Enc::Hashtable(d) => {
                if d.contains_key(member) {
                    return false;
                }
                d.insert(SmallBytes::from(member), ());
                true
            }
            Enc::Intset(v) => match parse_i64(member) {
                Some(n) => {
                    let Err(at) = v.binary_search(&n) else {
                        return false;
                    };
                    v.insert(at, n);
                    if v.len() > max_entries(max_intset) {
                        self.convert();
                    }
                    true
                }
                None => {
                    self.convert();
                    if let Enc::Hashtable(d) = &mut self.enc {
                        d.insert(SmallBytes::from(member), ());
                    }
                    true
                }
            },
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
            Enc::Intset(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
        }
    }

    /// Every member: an intset ascending, a hashtable in its table's order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Member<'_>> + '_> {
        match &self.enc {
            Enc::Intset(v) => Box::new(v.iter().map(|&n| Member::Int(n))),
            Enc::Hashtable(d) => Box::new(d.keys().map(|k| Member::Bytes(&k[..]))),
        }
    }

    /// A random member (Redis' setTypeRandomElement), `None` when empty.
    pub fn random(&self, rng: &mut impl FnMut() -> u64) -> Option<Member<'_>> {
        match &self.enc {
            Enc::Intset(v) if v.is_empty() => None,
            Enc::Intset(v) => Some(Member::Int(v[(rng() % v.len() as u64) as usize])),
            Enc::Hashtable(d) => d.random_entry(rng).map(|(k, _)| Member::Bytes(&k[..])),
        }
    }

    /// One SSCAN step over a hashtable (None for an intset, which is returned whole).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8])) -> Option<u64> {
        match &self.enc {
            Enc::Intset(_) => None,
            Enc::Hashtable(d) => Some(d.scan(cursor, |k, _| f(k))),
        }
    }

    /// The hasher the set's table is keyed with (sets derived from it use the same).
    pub fn hasher(&self) -> KeyedState {
        self.hasher
    }
}

impl Clone for Set {
    /// A copy in the same encoding (Redis' setTypeDup).
    fn clone(&self) -> Set {
        let enc = match &self.enc {
            Enc::Intset(v) => Enc::Intset(v.clone()),
            Enc::Hashtable(d) => {
                let mut c = Dict::new(self.hasher);
                for k in d.keys() {
                    c.insert(k.clone(), ());
                }
                Enc::Hashtable(c)
            }
        };
        Set {
            hasher: self.hasher,
            enc,
        }
    }
}

impl PartialEq for Set {
    /// Same encoding and same members.
    fn eq(&self, other: &Set) -> bool {
        self.is_intset() == other.is_intset()
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
    use std::collections::BTreeSet;

    fn hasher() -> KeyedState {
        KeyedState::new(3, 4)
    }

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = Set::for_member(hasher(), b"1");
        assert!(s.is_intset());
        assert!(s.add(b"3", 3) && s.add(b"1", 3) && !s.add(b"3", 3) && s.add(b"-2", 3));
        assert_eq!(
            s.iter().map(Member::to_vec).collect::<Vec<_>>(),
            vec![b"-2".to_vec(), b"1".to_vec(), b"3".to_vec()]
        );
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"4", 3));
        assert_eq!((s.encoding(), s.len()), ("hashtable", 4));
        assert!(s.contains(b"4") && s.contains(b"-2") && !s.contains(b"5"));
        let mut t = Set::for_member(hasher(), b"7");
        for bad in [&b"01"[..], b"-0", b" 1", b"+1", b"1.0", b"9223372036854775808"] {
            assert!(!t.contains(bad));
        }
        assert!(t.add(b"x", 512));
        assert_eq!(t.encoding(), "hashtable");
        assert!(Set::for_member(hasher(), b"-0").encoding() == "hashtable");
        assert!(t.remove(b"x") && !t.remove(b"x"));
        assert_eq!(t.clone(), t);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Add(Vec<u8>),
        Remove(Vec<u8>),
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-20i64..20).prop_map(|n| n.to_string().into_bytes()),
            Just(b"-0".to_vec()),
            Just(b"007".to_vec()),
            "[a-c]{0,2}".prop_map(String::into_bytes),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![3 => member().prop_map(Op::Add), 2 => member().prop_map(Op::Remove)]
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in proptest::collection::vec(op(), 1..200), max in 1usize..30) {
            let mut s = Set::new_intset(hasher());
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            let mut was_hashtable = false;
            for op in &ops {
                match op {
                    Op::Add(m) => prop_assert_eq!(s.add(m, max), model.insert(m.clone())),
                    Op::Remove(m) => prop_assert_eq!(s.remove(m), model.remove(m)),
                }
                prop_assert_eq!(s.len(), model.len());
                // Never back to intset; intset exactly while all integers and few enough.
                if was_hashtable {
                    prop_assert!(!s.is_intset());
                }
                was_hashtable |= !s.is_intset();
                if s.is_intset() {
                    prop_assert!(model.len() <= max && model.iter().all(|m| parse_i64(m).is_some()));
                    let v: Vec<i64> = s.iter().map(|m| match m { Member::Int(n) => n, Member::Bytes(_) => unreachable!() }).collect();
                    prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
                }
            }
            let got: BTreeSet<Vec<u8>> = s.iter().map(Member::to_vec).collect();
            prop_assert_eq!(got, model.clone());
            for m in &model {
                prop_assert!(s.contains(m));
            }
            let mut x = 99u64;
            let mut rng = || { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); x >> 11 };
            if let Some(m) = s.random(&mut rng) {
                prop_assert!(model.contains(&m.to_vec()));
            } else {
                prop_assert!(model.is_empty());
            }
        }
    }
}
