//! Our own hash table (Redis' dict.c): power-of-two bucket tables with incremental rehashing,
//! O(1) expected random sampling and Redis' reverse-binary SCAN cursor.
//!
//! Entries live in a slab of fixed-size chunks addressed by `u32` index; bucket tables and chain
//! links hold `index + 1` (0 = empty). Growing or shrinking therefore never moves an entry nor
//! reallocates a big buffer: a new bucket table is allocated zeroed (lazy pages from the OS) and
//! chains are relinked into it one bucket at a time by later mutations and the server cron.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use crate::hash::KeyedState;

/// Slots per slab chunk (after the first chunk, which grows like a `Vec` up to this size).
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_MASK: u32 = (1 << CHUNK_BITS) - 1;
/// Redis' DICT_HT_INITIAL_SIZE.
const MIN_SIZE: usize = 4;
/// Empty buckets one rehash step may visit per bucket it was asked to move.
const EMPTY_VISITS_PER_STEP: usize = 10;
/// Redis' HASHTABLE_MIN_FILL: shrink when less than this percent of the buckets are used.
const MIN_FILL_PERCENT: usize = 10;

struct Slot<K, V> {
    key: K,
    value: V,
    /// The next slot of the chain, as index + 1 (0 = end).
    next: u32,
}

/// Stable storage for entries: chunks never reallocate once full, freed slots are reused.
struct Slab<K, V> {
    chunks: Vec<Vec<Option<Slot<K, V>>>>,
    free: Vec<u32>,
}

impl<K, V> Slab<K, V> {
    fn new() -> Self {
        Slab {
            chunks: Vec::new(),
            free: Vec::new(),
        }
    }

    fn get(&self, i: u32) -> &Slot<K, V> {
        self.chunks[(i >> CHUNK_BITS) as usize][(i & CHUNK_MASK) as usize]
            .as_ref()
            .expect("dict: link to a free slot")
    }

    fn get_mut(&mut self, i: u32) -> &mut Slot<K, V> {
        self.chunks[(i >> CHUNK_BITS) as usize][(i & CHUNK_MASK) as usize]
            .as_mut()
            .expect("dict: link to a free slot")
    }

    fn alloc(&mut self, slot: Slot<K, V>) -> u32 {
        if let Some(i) = self.free.pop() {
            self.chunks[(i >> CHUNK_BITS) as usize][(i & CHUNK_MASK) as usize] = Some(slot);
            return i;
        }
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            // The first chunk starts small (small dicts stay small); later ones are allocated
            // whole so that they never reallocate.
            let cap = if self.chunks.is_empty() { 0 } else { CHUNK };
            self.chunks.push(Vec::with_capacity(cap));
        }
        let n = self.chunks.len() - 1;
        let chunk = &mut self.chunks[n];
        chunk.push(Some(slot));
        let i = (n << CHUNK_BITS) | (chunk.len() - 1);
        u32::try_from(i).expect("dict: more than 2^32 entries")
    }

    /// A uniformly random occupied slot, if one of `tries` random picks finds one.
    fn random_taken(&self, rng: &mut impl FnMut() -> u64, tries: usize) -> Option<&Slot<K, V>> {
        // Every chunk but the last is full.
        let last = self.chunks.last()?;
        let len = (self.chunks.len() - 1) * CHUNK + last.len();
        if len == 0 {
            return None;
        }
        (0..tries).find_map(|_| {
            let i = (rng() % len as u64) as usize;
            self.chunks[i >> CHUNK_BITS][i & CHUNK_MASK as usize].as_ref()
        })
    }

    fn release(&mut self, i: u32) -> Slot<K, V> {
        let slot = self.chunks[(i >> CHUNK_BITS) as usize][(i & CHUNK_MASK) as usize]
            .take()
            .expect("dict: double free");
        self.free.push(i);
        slot
    }
}

#[derive(Default)]
struct Table {
    /// Chain heads as slot index + 1; empty or a power of two long.
    buckets: Vec<u32>,
    used: usize,
}

impl Table {
    fn with_size(size: usize) -> Table {
        Table {
            // vec![0; n] allocates zeroed memory: the OS hands out lazy pages.
            buckets: vec![0; size],
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

/// A hash table with incremental rehashing, keyed from the server seed.
pub struct Dict<K, V> {
    hasher: KeyedState,
    slab: Slab<K, V>,
    tables: [Table; 2],
    /// The next bucket of `tables[0]` to move into `tables[1]`, while rehashing.
    rehash_idx: Option<usize>,
}

impl<K: Hash + Eq, V> Dict<K, V> {
    pub fn new(hasher: KeyedState) -> Self {
        Dict {
            hasher,
            slab: Slab::new(),
            tables: [Table::default(), Table::default()],
            rehash_idx: None,
        }
    }

    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// The hasher's key (a copy of a dict hashes alike).
    pub fn hasher(&self) -> KeyedState {
        self.hasher
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total buckets of both tables (Redis' dictSlots).
    pub fn slots(&self) -> usize {
        self.tables[0].buckets.len() + self.tables[1].buckets.len()
    }

    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    fn table_count(&self) -> usize {
        if self.rehash_idx.is_some() {
            2
        } else {
            1
        }
    }

    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        self.hasher.hash_one(key) as usize
    }

    /// Where `key`'s entry is, without hashing at all when the dict is empty (a GET on an
    /// empty database, a key without TTL looked up in an empty `expires`).
    fn locate<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        self.find(self.hash(key), key)
    }

    fn find<Q>(&self, h: usize, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        for t in &self.tables[..self.table_count()] {
            let mut e = t.buckets[h & t.mask()];
            while e != 0 {
                let s = self.slab.get(e - 1);
                if s.key.borrow() == key {
                    return Some(e - 1);
                }
                e = s.next;
            }
        }
        None
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.locate(key)?;
        let s = self.slab.get(i);
        Some((&s.key, &s.value))
    }

    /// Where `key`'s entry lives: its slot index, stable for as long as the entry exists
    /// (rehashing moves no entry). DEBUG OBJECT shows it as the value's address.
    pub fn slot_of<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.locate(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.locate(key)?;
        Some(&mut self.slab.get_mut(i).value)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.locate(key).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.rehash_step();
        let h = self.hash(&key);
        if let Some(i) = self.find(h, &key) {
            return Some(std::mem::replace(&mut self.slab.get_mut(i).value, value));
        }
        self.expand_if_needed();
        let t = self.table_count() - 1;
        let b = h & self.tables[t].mask();
        let head = self.tables[t].buckets[b];
        let i = self.slab.alloc(Slot { key, value, next: head });
        self.tables[t].buckets[b] = i + 1;
        self.tables[t].used += 1;
        None
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = self.hash(key);
        for t in 0..self.table_count() {
            let table = &mut self.tables[t];
            let b = h & table.mask();
            let mut prev: Option<u32> = None;
            let mut e = table.buckets[b];
            while e != 0 {
                let s = self.slab.get(e - 1);
                let next = s.next;
                if s.key.borrow() == key {
                    match prev {
                        None => table.buckets[b] = next,
                        Some(p) => self.slab.get_mut(p).next = next,
                    }
                    table.used -= 1;
                    let slot = self.slab.release(e - 1);
                    return Some((slot.key, slot.value));
                }
                prev = Some(e - 1);
                e = next;
            }
        }
        None
    }

    pub fn clear(&mut self) {
        self.slab = Slab::new();
        self.tables = [Table::default(), Table::default()];
        self.rehash_idx = None;
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.slab
            .chunks
            .iter()
            .flatten()
            .filter_map(|s| s.as_ref().map(|s| (&s.key, &s.value)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    /// One past the highest slot handed out so far: every entry's slot (see [`Dict::slot_of`])
    /// is below it. A walk by slot sees every entry that stays put once (a background save).
    pub fn slot_bound(&self) -> u32 {
        match self.slab.chunks.last() {
            Some(last) => ((self.slab.chunks.len() - 1) * CHUNK + last.len()) as u32,
            None => 0,
        }
    }

    /// The entry in slot `i`, if one is there.
    pub fn entry_at(&self, i: u32) -> Option<(&K, &V)> {
        let chunk = self.slab.chunks.get((i >> CHUNK_BITS) as usize)?;
        let s = chunk.get((i & CHUNK_MASK) as usize)?.as_ref()?;
        Some((&s.key, &s.value))
    }

    fn rehash_step(&mut self) {
        if self.rehash_idx.is_some() {
            self.rehash(1);
        }
    }

    /// Moves up to `n` buckets to the new table (visiting at most `10 * n` empty ones); returns
    /// whether rehashing still has work to do (Redis' dictRehash).
    pub fn rehash_steps(&mut self, n: usize) -> bool {
        self.rehash(n)
    }

    fn rehash(&mut self, mut n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        let mut empty_visits = n.saturating_mul(EMPTY_VISITS_PER_STEP);
        let [t0, t1] = &mut self.tables;
        let mask1 = t1.mask();
        while n > 0 && t0.used != 0 {
            n -= 1;
            while t0.buckets[idx] == 0 {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            let mut e = std::mem::take(&mut t0.buckets[idx]);
            while e != 0 {
                let s = self.slab.get_mut(e - 1);
                let next = s.next;
                let b = self.hasher.hash_one(&s.key) as usize & mask1;
                s.next = t1.buckets[b];
                t1.buckets[b] = e;
                t0.used -= 1;
                t1.used += 1;
                e = next;
            }
            idx += 1;
        }
        if t0.used == 0 {
            self.tables[0] = std::mem::take(&mut self.tables[1]);
            self.rehash_idx = None;
            return false;
        }
        self.rehash_idx = Some(idx);
        true
    }

    /// Starts a resize to the power of two >= `size` (at least 4); false if not possible now.
    fn expand(&mut self, size: usize) -> bool {
        if self.rehash_idx.is_some() || self.tables[0].used > size {
            return false;
        }
        let real = size.max(MIN_SIZE).checked_next_power_of_two().unwrap_or(size);
        if real == self.tables[0].buckets.len() {
            return false;
        }
        let table = Table::with_size(real);
        if self.tables[0].buckets.is_empty() {
            self.tables[0] = table;
        } else {
            self.tables[1] = table;
            self.rehash_idx = Some(0);
        }
        true
    }

    /// Sizes the table for `n` entries up front, as Redis' dictExpand does for a set about to
    /// receive that many (nothing while rehashing or when it already holds more).
    pub fn reserve(&mut self, n: usize) {
        self.expand(n);
    }

    fn expand_if_needed(&mut self) {
        if self.rehash_idx.is_some() {
            return;
        }
        let t0 = &self.tables[0];
        if t0.buckets.is_empty() {
            self.expand(MIN_SIZE);
        } else if t0.used >= t0.buckets.len() {
            self.expand(t0.used + 1);
        }
    }

    /// Starts shrinking when fewer than 10% of the buckets are used (Redis' htNeedsResize +
    /// dictResize, called from the cron). Returns whether a resize started.
    pub fn shrink_if_needed(&mut self) -> bool {
        let (size, used) = (self.slots(), self.len());
        if self.rehash_idx.is_some() || size <= MIN_SIZE || used * 100 / size >= MIN_FILL_PERCENT {
            return false;
        }
        self.expand(used.max(MIN_SIZE))
    }

    /// A random entry, O(1) expected (Redis' dictGetRandomKey): a random non-empty bucket, then
    /// a random element of its chain.
    pub fn random_entry(&self, rng: &mut impl FnMut() -> u64) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        // Fair first: a random slot of the slab is a uniformly random entry when it is taken
        // (the slab is dense unless many entries were removed). A random bucket, then a random
        // element of its chain, favours entries in short chains (Redis' dictGetRandomKey bias,
        // which its dictGetFairRandomKey corrects by sampling).
        if let Some(s) = self.slab.random_taken(rng, 16) {
            return Some((&s.key, &s.value));
        }
        let [t0, t1] = &self.tables;
        let head = match self.rehash_idx {
            Some(ri) => {
                let (s0, s1) = (t0.buckets.len(), t1.buckets.len());
                loop {
                    // Buckets of table 0 below the rehash index are empty: skip them.
                    let h = ri + (rng() % (s0 + s1 - ri) as u64) as usize;
                    let e = if h >= s0 { t1.buckets[h - s0] } else { t0.buckets[h] };
                    if e != 0 {
                        break e;
                    }
                }
            }
            None => loop {
                let e = t0.buckets[rng() as usize & t0.mask()];
                if e != 0 {
                    break e;
                }
            },
        };
        let mut len = 0u64;
        let mut e = head;
        while e != 0 {
            len += 1;
            e = self.slab.get(e - 1).next;
        }
        let mut pick = rng() % len;
        let mut e = head;
        while pick > 0 {
            e = self.slab.get(e - 1).next;
            pick -= 1;
        }
        let s = self.slab.get(e - 1);
        Some((&s.key, &s.value))
    }

    fn visit_bucket(&self, table: &Table, idx: u64, f: &mut impl FnMut(&K, &V)) {
        let mut e = table.buckets[idx as usize & table.mask()];
        while e != 0 {
            let s = self.slab.get(e - 1);
            f(&s.key, &s.value);
            e = s.next;
        }
    }

    /// One step of a SCAN (Redis' dictScan): calls `f` for the entries of the bucket(s) under
    /// `cursor` and returns the next cursor, 0 when done. Every entry present for the whole scan
    /// is visited at least once, even if the table grows or shrinks between calls.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&K, &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let [t0, t1] = &self.tables;
        if self.rehash_idx.is_none() {
            let m0 = t0.mask() as u64;
            self.visit_bucket(t0, v & m0, &mut f);
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        } else {
            let (small, large) = if t0.buckets.len() <= t1.buckets.len() {
                (t0, t1)
            } else {
                (t1, t0)
            };
            let (m0, m1) = (small.mask() as u64, large.mask() as u64);
            self.visit_bucket(small, v & m0, &mut f);
            // Then every bucket of the large table that expands the small one's.
            loop {
                self.visit_bucket(large, v & m1, &mut f);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn dict<V>() -> Dict<Box<[u8]>, V> {
        Dict::new(KeyedState::new(7, 9))
    }

    fn key(n: u32) -> Box<[u8]> {
        format!("key:{n}").into_bytes().into_boxed_slice()
    }

    fn check_invariants<V>(d: &Dict<Box<[u8]>, V>) {
        let mut n = 0;
        for (t, table) in d.tables.iter().enumerate() {
            let mut used = 0;
            for (b, &head) in table.buckets.iter().enumerate() {
                let mut e = head;
                while e != 0 {
                    let s = d.slab.get(e - 1);
                    assert_eq!(d.hash(&s.key) & table.mask(), b, "entry in the wrong bucket");
                    if t == 0 {
                        if let Some(ri) = d.rehash_idx {
                            assert!(b >= ri, "bucket below the rehash index not empty");
                        }
                    }
                    used += 1;
                    e = s.next;
                }
            }
            assert_eq!(used, table.used);
            n += used;
            assert!(table.buckets.is_empty() || table.buckets.len().is_power_of_two());
        }
        if d.rehash_idx.is_none() {
            assert!(d.tables[1].buckets.is_empty());
        }
        assert_eq!(n, d.iter().count());
    }

    #[test]
    fn insert_get_remove_through_growth() {
        let mut d = dict();
        for i in 0..10_000 {
            assert_eq!(d.insert(key(i), i), None);
        }
        assert_eq!(d.len(), 10_000);
        check_invariants(&d);
        for i in 0..10_000 {
            assert_eq!(d.get(&key(i)[..]), Some(&i));
        }
        assert_eq!(d.insert(key(5), 55), Some(5));
        *d.get_mut(&b"key:6"[..]).unwrap() += 1;
        assert_eq!(d.get(&b"key:6"[..]), Some(&7));
        assert!(!d.contains_key(&b"nope"[..]));
        for i in 0..10_000 {
            assert!(d.remove(&key(i)[..]).is_some());
        }
        assert!(d.is_empty());
        assert_eq!(d.remove(&b"key:1"[..]), None);
        check_invariants(&d);
        while d.rehash_steps(100) {}
        assert!(d.shrink_if_needed());
        while d.rehash_steps(100) {}
        assert_eq!(d.slots(), 4);
        d.insert(key(1), 1);
        d.clear();
        assert!(d.is_empty() && d.get(&b"key:1"[..]).is_none());
    }

    #[test]
    fn growth_is_to_next_power_of_two_and_rehash_is_incremental() {
        let mut d = dict();
        for i in 0..4 {
            d.insert(key(i), ());
        }
        assert_eq!(d.slots(), 4);
        d.insert(key(4), ());
        // used (4) >= size (4): a table of 8 is added and rehashing begins.
        assert!(d.is_rehashing());
        assert_eq!(d.slots(), 12);
        while d.rehash_steps(1) {}
        assert_eq!(d.slots(), 8);
        check_invariants(&d);
    }

    #[test]
    fn slots_are_small_and_reused() {
        let mut d = dict::<u64>();
        for i in 0..100 {
            d.insert(key(i), 0);
        }
        for i in 0..50 {
            d.remove(&key(i)[..]);
        }
        let chunks = d.slab.chunks.len();
        for i in 100..150 {
            d.insert(key(i), 0);
        }
        assert_eq!(d.slab.chunks.len(), chunks);
        assert_eq!(d.slab.free.len(), 0);
        assert!(std::mem::size_of::<Option<Slot<Box<[u8]>, u64>>>() <= 32);
    }

    #[test]
    fn full_scan_returns_every_key_once_without_resizing() {
        let mut d = dict();
        for i in 0..1000 {
            d.insert(key(i), ());
        }
        while d.rehash_steps(100) {}
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, |k, _| seen.push(k.clone()));
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        let before = seen.len();
        seen.dedup();
        assert_eq!(before, seen.len());
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn random_entry_reaches_every_key() {
        let mut d = dict();
        for i in 0..50 {
            d.insert(key(i), i);
        }
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut rng = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seen = BTreeSet::new();
        for _ in 0..5000 {
            let (k, v) = d.random_entry(&mut rng).unwrap();
            assert_eq!(d.get(&k[..]), Some(v));
            seen.insert(*v);
        }
        assert_eq!(seen.len(), 50);
        assert!(dict::<u8>().random_entry(&mut rng).is_none());
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        Rehash(u8),
        Shrink,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u16..400, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            4 => (0u16..400).prop_map(Op::Remove),
            1 => (0u8..20).prop_map(Op::Rehash),
            1 => Just(Op::Shrink),
        ]
    }

    fn apply(d: &mut Dict<Box<[u8]>, u32>, model: &mut BTreeMap<Box<[u8]>, u32>, op: &Op) {
        match *op {
            Op::Insert(k, v) => {
                assert_eq!(d.insert(key(k.into()), v), model.insert(key(k.into()), v));
            }
            Op::Remove(k) => {
                let k = key(k.into());
                assert_eq!(d.remove(&k[..]), model.remove_entry(&k));
            }
            Op::Rehash(n) => {
                d.rehash_steps(n.into());
            }
            Op::Shrink => {
                d.shrink_if_needed();
            }
        }
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec(op(), 1..600)) {
            let mut d = dict();
            let mut model = BTreeMap::new();
            for op in &ops {
                apply(&mut d, &mut model, op);
                prop_assert_eq!(d.len(), model.len());
            }
            check_invariants(&d);
            for k in 0..400u32 {
                let k = key(k);
                prop_assert_eq!(d.get(&k[..]), model.get(&k));
                prop_assert_eq!(d.contains_key(&k[..]), model.contains_key(&k));
            }
            let mut all: Vec<_> = d.iter().map(|(k, v)| (k.clone(), *v)).collect();
            all.sort();
            let expected: Vec<_> = model.iter().map(|(k, v)| (k.clone(), *v)).collect();
            prop_assert_eq!(all, expected);
        }

        #[test]
        fn scan_returns_keys_present_throughout(
            initial in 0u16..300,
            between in proptest::collection::vec(proptest::collection::vec(op(), 0..40), 1..200),
        ) {
            let mut d = dict();
            let mut model = BTreeMap::new();
            for k in 0..initial {
                apply(&mut d, &mut model, &Op::Insert(k, 0));
            }
            // Keys present from start to end of the scan must all be returned.
            let mut always: BTreeSet<Box<[u8]>> = model.keys().cloned().collect();
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            let mut calls = 0;
            loop {
                cursor = d.scan(cursor, |k, _| { seen.insert(k.clone()); });
                if cursor == 0 {
                    break;
                }
                let ops = &between[calls % between.len()];
                calls += 1;
                for op in ops {
                    apply(&mut d, &mut model, op);
                    if let Op::Remove(k) = op {
                        always.remove(&key((*k).into()));
                    }
                }
                prop_assert!(calls < 100_000, "scan does not terminate");
            }
            for k in &always {
                prop_assert!(seen.contains(k), "key {:?} missed", String::from_utf8_lossy(k));
            }
        }

        #[test]
        fn random_entry_returns_present_keys(ops in proptest::collection::vec(op(), 1..300), seed in any::<u64>()) {
            let mut d = dict();
            let mut model = BTreeMap::new();
            let mut x = seed | 1;
            let mut rng = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            for op in &ops {
                apply(&mut d, &mut model, op);
                match d.random_entry(&mut rng) {
                    None => prop_assert!(model.is_empty()),
                    Some((k, v)) => prop_assert_eq!(model.get(k), Some(v)),
                }
            }
            if !model.is_empty() && model.len() <= 20 {
                let mut seen = BTreeSet::new();
                for _ in 0..2000 {
                    seen.insert(d.random_entry(&mut rng).unwrap().0.clone());
                }
                prop_assert_eq!(seen.len(), model.len());
            }
        }
    }
}
