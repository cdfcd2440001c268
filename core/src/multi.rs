//! WATCH bookkeeping (Redis' multi.c): which clients watch which (database, key), and marking
//! them dirty (CLIENT_DIRTY_CAS, so their EXEC fails) when a watched key is modified, flushed,
//! swapped or expires.

use std::collections::BTreeMap;

use crate::client::ClientId;
use crate::server::Server;

/// One client watching one key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Watcher {
    pub client: ClientId,
    /// The key was already logically expired when WATCH ran (its deletion is no change).
    pub expired: bool,
}

/// Watchers per (database, key), in the order they started watching.
pub(crate) type WatchedKeys = BTreeMap<(usize, Vec<u8>), Vec<Watcher>>;

impl Server {
    /// WATCH of `key` in `db` by `id` (once per key and database).
    pub(crate) fn watch_key(&mut self, id: ClientId, db: usize, key: &[u8]) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        if c.watched.iter().any(|(d, k)| *d == db && k == key) {
            return;
        }
        c.watched.push((db, key.to_vec()));
        let expired = self.dbs[db].is_expired(key, self.clock.unix_ms());
        self.watched_keys
            .entry((db, key.to_vec()))
            .or_default()
            .push(Watcher { client: id, expired });
    }

    /// Forgets every key `id` watches (UNWATCH, EXEC, DISCARD, disconnection).
    pub(crate) fn unwatch_all(&mut self, id: ClientId) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        for (db, key) in std::mem::take(&mut c.watched) {
            let slot = (db, key);
            if let Some(list) = self.watched_keys.get_mut(&slot) {
                list.retain(|w| w.client != id);
                if list.is_empty() {
                    self.watched_keys.remove(&slot);
                }
            }
        }
    }

    /// Whether a key `id` watches has expired since it was watched (EXEC then fails).
    pub(crate) fn watched_key_expired(&self, id: ClientId) -> bool {
        let Some(c) = self.clients.get(&id) else { return false };
        let now = self.clock.unix_ms();
        c.watched.iter().any(|(db, key)| {
            let was_expired = self
                .watched_keys
                .get(&(*db, key.clone()))
                .and_then(|l| l.iter().find(|w| w.client == id))
                .is_some_and(|w| w.expired);
            !was_expired && self.dbs[*db].is_expired(key, now)
        })
    }

    /// `key` in `db` was modified (Redis' signalModifiedKey → touchWatchedKey and
    /// trackingInvalidateKey).
    pub(crate) fn signal_modified_key(&mut self, db: usize, key: &[u8]) {
        self.tracking_invalidate_key(key);
        if self.watched_keys.is_empty() {
            return;
        }
        let slot = (db, key.to_vec());
        let Some(list) = self.watched_keys.get_mut(&slot) else {
            return;
        };
        let exists = self.dbs[db].contains(key);
        let mut dirty = Vec::new();
        for w in list.iter_mut() {
            if w.expired {
                if !exists {
                    // The expired key is gone now: logically nothing changed.
                    w.expired = false;
                    continue;
                }
                // Redis 7.0 stops looking at the other watchers here.
                break;
            }
            dirty.push(w.client);
        }
        for id in dirty {
            if let Some(c) = self.clients.get_mut(&id) {
                c.dirty_cas = true;
            }
            // A dirty client has no use for its watches any more.
            self.unwatch_all(id);
        }
    }

    /// Every watched key of `emptied` that existed there, or exists in `replaced_with`, counts
    /// as modified (FLUSHDB, FLUSHALL, SWAPDB: Redis' touchAllWatchedKeysInDb). Runs before
    /// the flush or swap.
    pub(crate) fn touch_all_watched_in_db(&mut self, emptied: usize, replaced_with: Option<usize>) {
        let now = self.clock.unix_ms();
        let slots: Vec<(usize, Vec<u8>)> = self
            .watched_keys
            .range((emptied, Vec::new())..)
            .take_while(|((d, _), _)| *d == emptied)
            .map(|(k, _)| k.clone())
            .collect();
        let mut dirty = Vec::new();
        for slot in slots {
            let key = &slot.1;
            let in_emptied = self.dbs[emptied].contains(key);
            let in_other = replaced_with.is_some_and(|o| self.dbs[o].contains(key));
            if !in_emptied && !in_other {
                continue;
            }
            let other_expired = replaced_with.is_some_and(|o| self.dbs[o].is_expired(key, now));
            let Some(list) = self.watched_keys.get_mut(&slot) else {
                continue;
            };
            for w in list.iter_mut() {
                if w.expired {
                    if !in_other {
                        w.expired = false;
                        continue;
                    } else if other_expired {
                        continue;
                    }
                } else if !in_emptied && other_expired {
                    w.expired = true;
                    continue;
                }
                dirty.push(w.client);
            }
        }
        for id in dirty {
            if let Some(c) = self.clients.get_mut(&id) {
                c.dirty_cas = true;
            }
        }
    }
}
