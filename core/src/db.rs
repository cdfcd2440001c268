//! A logical database: the keyspace of one `SELECT` index, with its expiry times. Expired keys
//! are removed lazily when touched (and by the active expiry cycle); removals are reported so
//! the server can count them and, later, propagate them as DEL.

use crate::hash::{new_map, KeyedState, Map};
use crate::value::Value;

pub struct Db {
    keys: Map<Vec<u8>, Value>,
    /// Absolute expiry times, unix ms, for keys that have one.
    expires: Map<Vec<u8>, u64>,
}

impl Db {
    pub fn new(hasher: KeyedState) -> Db {
        Db {
            keys: new_map(hasher),
            expires: new_map(hasher),
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
        self.expires.get(key).is_some_and(|&at| at <= now_ms)
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
        self.keys.get(key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.keys.get_mut(key)
    }

    /// Stores `value` under `key`. Like Redis' setKey, an existing TTL is dropped unless
    /// `keep_ttl`.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        if let Some(v) = self.keys.get_mut(key) {
            *v = value;
        } else {
            self.keys.insert(key.to_vec(), value);
        }
        if !keep_ttl {
            self.expires.remove(key);
        }
    }

    /// Stores under a key already known to exist or not: `overwrite` keeps no TTL.
    pub fn insert_new(&mut self, key: Vec<u8>, value: Value) {
        self.expires.remove(&key);
        self.keys.insert(key, value);
    }

    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key);
        self.keys.remove(key).is_some()
    }

    /// Removes and returns the value and its expiry (RENAME, MOVE).
    pub fn take(&mut self, key: &[u8]) -> Option<(Value, Option<u64>)> {
        let v = self.keys.remove(key)?;
        Some((v, self.expires.remove(key)))
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.keys.contains_key(key)
    }

    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.expires.get(key).copied()
    }

    /// Sets the expiry of an existing key.
    pub fn set_expire(&mut self, key: &[u8], at_ms: u64) {
        if self.keys.contains_key(key) {
            self.expires.insert(key.to_vec(), at_ms);
        }
    }

    /// Drops the expiry; returns whether there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key).is_some()
    }

    pub fn clear(&mut self) {
        self.keys.clear();
        self.expires.clear();
    }

    pub fn keys(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.keys.keys()
    }

    /// Sum of TTLs in ms (for INFO keyspace's avg_ttl) of keys expiring after `now_ms`.
    pub fn ttl_stats(&self, now_ms: u64) -> (u64, u64) {
        self.expires
            .values()
            .filter(|&&at| at > now_ms)
            .fold((0, 0), |(n, sum), &at| (n + 1, sum + (at - now_ms)))
    }
}
