//! A logical database: the keyspace of one `SELECT` index, with its expiry times. Expired keys
//! are removed lazily when touched and by the active expiry cycle of the cron; removals are
//! reported so the server can count them and, later, propagate them as DEL.

use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::hash::KeyedState;
use crate::value::Value;

/// Keys sampled per loop of the active expiry cycle (Redis' ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// Repeat the loop while more than this percent of the sampled keys had expired.
const EXPIRE_ACCEPTABLE_STALE: usize = 10;

/// Redis' LRU clock: seconds, 24 bits, wrapping (LRU_CLOCK_MAX).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// The LRU clock at wall-clock `unix_ms` (Redis' getLRUClock, 1 s resolution).
pub fn lru_clock(unix_ms: u64) -> u32 {
    ((unix_ms / 1000) & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Seconds from `lru` to `clock` on the wrapping 24-bit LRU clock (estimateObjectIdleTime).
pub fn idle_seconds(clock: u32, lru: u32) -> u32 {
    if clock >= lru {
        clock - lru
    } else {
        clock + (LRU_CLOCK_MAX - lru)
    }
}

/// A stored value and when it was last accessed (Redis' robj `lru` field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obj {
    pub value: Value,
    pub lru: u32,
}

pub struct Db {
    pub(crate) keys: Dict<SmallBytes, Obj>,
    /// Absolute expiry times, unix ms, for keys that have one (Redis' `db->expires`).
    pub(crate) expires: Dict<SmallBytes, u64>,
    /// A background save in progress over this database (see `crate::persist::snap`).
    pub(crate) snap: Option<Box<crate::persist::snap::DbSnap>>,
    /// Where the active expiry cycle goes on in `expires` (a SCAN cursor).
    expire_cursor: u64,
    /// The LRU clock new and accessed values are stamped with (the server keeps it current).
    pub lru_clock: u32,
    /// Under an LFU policy, what a new value's access field starts as (minute and counter);
    /// `None` under the others (new values take `lru_clock`).
    pub lfu_init: Option<u32>,
}

impl Db {
    /// Sizes the tables for `keys` keys, `expires` of them with an expiry, up front (a load
    /// that knows how many follow).
    pub(crate) fn reserve(&mut self, keys: usize, expires: usize) {
        self.keys.reserve(keys);
        self.expires.reserve(expires);
    }

    pub fn new(hasher: KeyedState) -> Db {
        Db {
            keys: Dict::new(hasher),
            expires: Dict::new(hasher),
            expire_cursor: 0,
            snap: None,
            lru_clock: 0,
            lfu_init: None,
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// Is `key` logically expired at `now_ms`? (It may still be stored.)
    pub fn is_expired(&self, key: &[u8], now_ms: u64) -> bool {
        // keyIsExpired: only once the clock is past the expiry; in its very millisecond the key
        // still lives (PTTL answers 0).
        self.expires.get(key).is_some_and(|&at| at < now_ms)
    }

    /// Removes `key` if it has expired; returns whether it did.
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: u64) -> bool {
        if self.is_expired(key, now_ms) {
            self.remove(key);
            return true;
        }
        false
    }

    /// The value under `key`, ignoring expiry (call `expire_if_needed` first).
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.keys.get(key).map(|o| &o.value)
    }

    /// The value under `key`, to change it.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.preserve(key);
        self.keys.get_mut(key).map(|o| &mut o.value)
    }

    /// The value with its access time, as stored (DEBUG OBJECT, OBJECT IDLETIME).
    pub fn get_obj(&self, key: &[u8]) -> Option<&Obj> {
        self.keys.get(key)
    }

    /// A stable identity for `key`'s value while it is stored (DEBUG OBJECT's "Value at").
    pub fn slot_of(&self, key: &[u8]) -> Option<u32> {
        self.keys.slot_of(key)
    }

    /// The value under `key` (ignoring expiry), stamped as accessed now if `stamp`: Redis'
    /// lookupKey does both in one dict lookup.
    pub fn get_stamped(&mut self, key: &[u8], stamp: bool) -> Option<&Value> {
        let now = self.lru_clock;
        let o = self.keys.get_mut(key)?;
        if stamp {
            o.lru = now;
        }
        Some(&o.value)
    }

    /// [`Db::get_stamped`] for a value about to be changed.
    pub fn get_stamped_mut(&mut self, key: &[u8], stamp: bool) -> Option<&mut Value> {
        self.preserve(key);
        let now = self.lru_clock;
        let o = self.keys.get_mut(key)?;
        if stamp {
            o.lru = now;
        }
        Some(&mut o.value)
    }

    /// Sets the access time of `key` (RESTORE ... IDLETIME).
    pub fn set_lru(&mut self, key: &[u8], lru: u32) {
        if let Some(o) = self.keys.get_mut(key) {
            o.lru = lru;
        }
    }

    fn new_obj(&self, value: Value) -> Obj {
        Obj {
            value,
            lru: self.lfu_init.unwrap_or(self.lru_clock),
        }
    }

    /// The access field of `key` (recency or LFU counter, per the policy).
    pub fn lru_of(&self, key: &[u8]) -> Option<u32> {
        self.keys.get(key).map(|o| o.lru)
    }

    /// Stores `value` under `key`; returns whether the key is new. Like Redis' setKey, an
    /// existing TTL is dropped unless `keep_ttl`. Commands store through `Server::set_key` or
    /// `Server::db_add` instead, which wake the clients blocked on a new key and raise "new".
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) -> bool {
        self.preserve(key);
        let obj = self.new_obj(value);
        let created = if let Some(o) = self.keys.get_mut(key) {
            *o = obj;
            false
        } else {
            self.keys.insert(key.into(), obj);
            true
        };
        if !keep_ttl {
            self.expires.remove(key);
        }
        created
    }

    /// Stores under a key known not to exist (or just removed), with no TTL (Redis' dbAdd
    /// without waking blocked clients: see `Server::db_add`).
    pub fn insert_new(&mut self, key: Vec<u8>, value: Value) {
        self.preserve(&key);
        self.expires.remove(&key[..]);
        let obj = self.new_obj(value);
        self.keys.insert(key.into(), obj);
    }

    /// Stores a value taken from another key as it is, access time included (RENAME, MOVE
    /// move the object itself in Redis); no TTL.
    pub fn insert_obj(&mut self, key: Vec<u8>, obj: Obj) {
        self.preserve(&key);
        self.expires.remove(&key[..]);
        self.keys.insert(key.into(), obj);
    }

    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.preserve(key);
        self.expires.remove(key);
        self.keys.remove(key).is_some()
    }

    /// Removes and returns the value and its expiry (RENAME, MOVE).
    pub fn take(&mut self, key: &[u8]) -> Option<(Obj, Option<u64>)> {
        self.preserve(key);
        let (_, v) = self.keys.remove(key)?;
        Some((v, self.expires.remove(key).map(|(_, at)| at)))
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.keys.contains_key(key)
    }

    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.expires.get(key).copied()
    }

    /// Sets the expiry of an existing key.
    pub fn set_expire(&mut self, key: &[u8], at_ms: u64) {
        self.preserve(key);
        if let Some(at) = self.expires.get_mut(key) {
            *at = at_ms;
        } else if self.keys.contains_key(key) {
            self.expires.insert(key.into(), at_ms);
        }
    }

    /// Drops the expiry; returns whether there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.preserve(key);
        self.expires.remove(key).is_some()
    }

    pub fn clear(&mut self) {
        if !self.freeze_for_snapshot() {
            self.keys.clear();
            self.expires.clear();
        }
        self.expire_cursor = 0;
    }

    /// Every key (expired or not), in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.keys().map(|k| &k[..])
    }

    /// Every key with its value (expired or not), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Value)> {
        self.keys.iter().map(|(k, o)| (&k[..], &o.value))
    }

    /// Every key with its stored object (value and access time).
    pub fn iter_objs(&self) -> impl Iterator<Item = (&[u8], &Obj)> {
        self.keys.iter().map(|(k, o)| (&k[..], o))
    }

    /// Sum of TTLs in ms (for INFO keyspace's avg_ttl) of keys expiring after `now_ms`.
    pub fn ttl_stats(&self, now_ms: u64) -> (u64, u64) {
        self.expires
            .iter()
            .map(|(_, &at)| at)
            .filter(|&at| at > now_ms)
            .fold((0, 0), |(n, sum), at| (n + 1, sum + (at - now_ms)))
    }

    /// A random key (expired or not), O(1) expected.
    /// A key with an expiry, picked uniformly (volatile eviction policies).
    pub fn random_volatile_key(&self, rng: &mut impl FnMut() -> u64) -> Option<&[u8]> {
        self.expires.random_entry(rng).map(|(k, _)| &k[..])
    }

    pub fn random_key(&self, rng: &mut impl FnMut() -> u64) -> Option<&[u8]> {
        self.keys.random_entry(rng).map(|(k, _)| &k[..])
    }

    /// One step of SCAN over the keyspace: calls `f` for the keys of the next bucket(s) and
    /// returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &Value)) -> u64 {
        self.keys.scan(cursor, |k, o| f(k, &o.value))
    }

    /// The cron's incremental rehashing and shrinking of both dicts (Redis' databasesCron):
    /// moves up to `steps` buckets of each; returns whether rehashing work remains.
    pub fn rehash_and_shrink(&mut self, steps: usize) -> bool {
        self.keys.shrink_if_needed();
        self.expires.shrink_if_needed();
        let a = self.keys.rehash_steps(steps);
        let b = self.expires.rehash_steps(steps);
        a || b
    }

    /// Active expiry of this database (Redis 7.0's activeExpireCycle, slow cycle): walks
    /// `expires` with its own cursor, sampling up to 20 keys per loop and deleting the expired
    /// ones, repeating while more than 10% of a sample had expired and `budget` (keys sampled +
    /// buckets visited: the core has no clock to measure a time limit with) lasts. Returns (the keys expired, work done).
    pub fn active_expire(&mut self, now_ms: u64, budget: usize) -> (Vec<Vec<u8>>, usize) {
        let (mut removed, mut work) = (Vec::new(), 0usize);
        let mut dead: Vec<SmallBytes> = Vec::new();
        loop {
            let num = self.expires.len();
            if num == 0 {
                self.expire_cursor = 0;
                break;
            }
            // Too sparse a table makes sampling expensive: leave it to lazy expiry and resizing.
            let slots = self.expires.slots();
            if slots > 4 && num * 100 / slots < 1 {
                break;
            }
            let want = num.min(EXPIRE_KEYS_PER_LOOP);
            let max_buckets = want * 20;
            let (mut sampled, mut buckets) = (0usize, 0usize);
            while sampled < want && buckets < max_buckets {
                self.expire_cursor = self.expires.scan(self.expire_cursor, |k, &at| {
                    sampled += 1;
                    if at < now_ms {
                        dead.push(k.clone());
                    }
                });
                buckets += 1;
            }
            let expired = dead.len();
            for k in dead.drain(..) {
                self.remove(&k);
                removed.push(k.to_vec());
            }
            work += sampled + buckets;
            if work >= budget {
                break;
            }
            let repeat = sampled == 0 || expired * 100 / sampled > EXPIRE_ACCEPTABLE_STALE;
            if !repeat {
                break;
            }
        }
        (removed, work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(KeyedState::new(1, 2))
    }

    #[test]
    fn set_expire_take_and_persist() {
        let mut d = db();
        d.set(b"a", Value::string(b"1".to_vec()), false);
        d.set_expire(b"a", 100);
        d.set_expire(b"missing", 100);
        assert_eq!((d.len(), d.expires_len()), (1, 1));
        assert!(d.is_expired(b"a", 101) && !d.is_expired(b"a", 100));
        d.set(b"a", Value::string(b"2".to_vec()), true);
        assert_eq!(d.expire_at(b"a"), Some(100));
        let (o, at) = d.take(b"a").unwrap();
        assert_eq!((o.value, at), (Value::string(b"2".to_vec()), Some(100)));
        assert_eq!((d.len(), d.expires_len()), (0, 0));
        d.insert_new(b"b".to_vec(), Value::string(b"x".to_vec()));
        d.set_expire(b"b", 5);
        assert!(d.persist(b"b") && !d.persist(b"b"));
        assert!(!d.expire_if_needed(b"zz", 0) && d.contains(b"b"));
        assert_eq!(d.keys().collect::<Vec<_>>(), vec![&b"b"[..]]);
    }

    #[test]
    fn active_expire_removes_expired_keys_within_budget() {
        let mut d = db();
        for i in 0..1000u32 {
            let k = format!("k{i}").into_bytes();
            d.set(&k, Value::string(b"v".to_vec()), false);
            if i % 2 == 0 {
                d.set_expire(&k, 10);
            } else if i % 3 == 0 {
                d.set_expire(&k, 1_000_000);
            }
        }
        let (expired, work) = d.active_expire(5, 10_000);
        assert_eq!((expired.len(), work > 0), (0, true));
        let mut total = 0;
        for _ in 0..1000 {
            let (e, work) = d.active_expire(20, 100);
            assert!(work <= 100 + 500);
            total += e.len() as u64;
            if d.expires_len() < 200 {
                break;
            }
        }
        assert!(total >= 300, "expired {total}");
        assert_eq!(d.len() as u64, 1000 - total);
    }
}
