//! Keyspace access for commands: every lookup goes through here so that lazy expiry, the
//! hit/miss counters and (later) propagation of expired keys happen in one place.

use crate::db::{Db, Obj};
use crate::server::Server;
use crate::value::Value;

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

impl Server {
    pub(crate) fn now_ms(&self) -> u64 {
        self.clock.unix_ms()
    }

    /// Deletes `key` from database `db` if it has expired, counting it; returns whether it
    /// expired. A replica deletes nothing (Redis' expireIfNeeded): its master's DELs do, and
    /// until then the key is gone for its clients and still there for its master's commands.
    pub(crate) fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        if self.persist.replaying {
            return false;
        }
        if self.is_replica() {
            return !self.replica.applying && self.dbs[db].is_expired(key, self.now_ms());
        }
        // While clients are paused an expired key is gone for them but stays stored.
        if self.clients_paused() {
            return self.dbs[db].is_expired(key, self.now_ms());
        }
        self.delete_if_expired(db, key)
    }

    /// Whether an expiry time `when_ms` set by a command deletes the key at once (Redis'
    /// checkAlreadyExpired). Not while a file loads, nor on a replica: there the key keeps the
    /// time (later commands may still use it) and waits for its master's DEL, since a master's
    /// PEXPIREAT may arrive after its time.
    pub(crate) fn already_expired(&self, when_ms: i64) -> bool {
        when_ms <= self.now_ms() as i64 && !self.persist.replaying && !self.is_replica()
    }

    /// The deletion half of [`Server::expire_if_needed`]: counted, notified, propagated as DEL.
    fn delete_if_expired(&mut self, db: usize, key: &[u8]) -> bool {
        let now = self.now_ms();
        let expired = self.dbs[db].expire_if_needed(key, now);
        if expired {
            self.stats.expired_keys += 1;
            // lazyfree-lazy-expire is no: the deletion goes to the replicas as DEL.
            self.repl.also(db, vec![b"DEL".to_vec(), key.to_vec()]);
            self.notify(crate::notify::class::EXPIRED, "expired", key, db);
            self.signal_modified_key(db, key);
        }
        expired
    }

    /// A read lookup (Redis' lookupKeyRead): lazy expiry, the access time, then hit/miss
    /// accounting.
    pub(crate) fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        let (stamp, hidden) = self.expire_then_stamp(db, key);
        self.lookup_counted(db, key, true, stamp, hidden)
    }

    /// A read lookup that leaves the access time alone (LOOKUP_NOTOUCH: EXISTS, TYPE, TTL),
    /// still counted as a hit or miss; a miss is a "keymiss" event.
    pub(crate) fn lookup_read_notouch(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        let hidden = self.expire_if_needed(db, key);
        self.lookup_counted(db, key, true, false, hidden)
    }

    /// OBJECT's lookup (LOOKUP_NOTOUCH | LOOKUP_NONOTIFY): counted, but a miss raises no event.
    pub(crate) fn lookup_read_nonotify(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        let hidden = self.expire_if_needed(db, key);
        self.lookup_counted(db, key, false, false, hidden)
    }

    /// Hit/miss accounting and (if `notify`) the keymiss event, after lazy expiry; `stamp`
    /// sets the access time in the same dict lookup; `hidden`: the key expired on a replica
    /// and counts as missing though it is stored.
    fn lookup_counted(&mut self, db: usize, key: &[u8], notify: bool, stamp: bool, hidden: bool) -> Option<&Value> {
        // A miss worth an event is found apart: the common path stays one dict lookup.
        let miss_event = notify && self.cfg.notify_keyspace_events & crate::notify::class::KEY_MISS != 0;
        if hidden || (miss_event && !self.dbs[db].contains(key)) {
            self.stats.keyspace_misses += 1;
            if miss_event {
                self.notify(crate::notify::class::KEY_MISS, "keymiss", key, db);
            }
            return None;
        }
        match self.dbs[db].get_stamped(key, stamp) {
            Some(v) => {
                self.stats.keyspace_hits += 1;
                Some(v)
            }
            None => {
                self.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// A write lookup (Redis' lookupKeyWrite): lazy expiry, the access time, no accounting.
    pub(crate) fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        // A writable replica's own writes delete what expired (EXPIRE_FORCE_DELETE_EXPIRED).
        if self.is_replica() && !self.replica.applying && !self.persist.replaying {
            self.delete_if_expired(db, key);
        }
        let (stamp, _) = self.expire_then_stamp(db, key);
        self.dbs[db].get_stamped_mut(key, stamp)
    }

    /// Lazy expiry, then whether the lookup should stamp the access time: not when the key
    /// just expired or the client asked for CLIENT NO-TOUCH; an LFU counter is bumped here
    /// instead, since it draws on the server's RNG. Also returns whether the key expired.
    fn expire_then_stamp(&mut self, db: usize, key: &[u8]) -> (bool, bool) {
        if self.expire_if_needed(db, key) {
            return (false, true);
        }
        if self.no_touch {
            return (false, false);
        }
        if self.lfu_policy() {
            self.lfu_touch(db, key);
            return (false, false);
        }
        (true, false)
    }

    /// Redis' dbAdd: stores `value` under `key`, which holds nothing now (or was just deleted,
    /// as RENAME, COPY and RESTORE do), with no TTL, and raises the "new" keyspace event. A
    /// new list or sorted set wakes the clients waiting on the key. Lists and sorted sets are created only through here and
    /// [`Server::set_key`].
    pub(crate) fn db_add(&mut self, db: usize, key: &[u8], value: Value) {
        let ty = value.type_name();
        self.dbs[db].insert_new(key.to_vec(), value);
        self.key_added(db, key, ty);
    }

    /// dbAdd of a value moved from another key, access time included (RENAME, MOVE).
    pub(crate) fn db_add_obj(&mut self, db: usize, key: &[u8], obj: Obj) {
        let ty = obj.value.type_name();
        self.dbs[db].insert_obj(key.to_vec(), obj);
        self.key_added(db, key, ty);
    }

    /// Redis' setKey: dbAdd when the key is new; an existing key is overwritten in place
    /// (dbOverwrite), which wakes nobody even when its type changes, and keeps its TTL only
    /// if `keep_ttl`. The caller has done the write lookup (lazy expiry) already.
    pub(crate) fn set_key(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        let ty = value.type_name();
        if self.dbs[db].set(key, value, keep_ttl) {
            self.key_added(db, key, ty);
        }
    }

    /// What follows dbAdd: a new list or sorted set wakes the clients waiting on the key, and
    /// the "new" keyspace event.
    fn key_added(&mut self, db: usize, key: &[u8], ty: &'static str) {
        self.signal_key_as_ready(db, key, ty);
        self.notify(crate::notify::class::NEW, "new", key, db);
    }

    pub(crate) fn db_mut(&mut self, db: usize) -> &mut Db {
        &mut self.dbs[db]
    }
}
