//! Keyspace access for commands: every lookup goes through here so that lazy expiry, the
//! hit/miss counters and (later) propagation of expired keys happen in one place.

use crate::db::Db;
use crate::server::Server;
use crate::value::Value;

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

impl Server {
    pub(crate) fn now_ms(&self) -> u64 {
        self.clock.unix_ms()
    }

    /// Deletes `key` from database `db` if it has expired, counting it.
    pub(crate) fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        let now = self.now_ms();
        let expired = self.dbs[db].expire_if_needed(key, now);
        if expired {
            self.stats.expired_keys += 1;
        }
        expired
    }

    /// A read lookup (Redis' lookupKeyRead): lazy expiry, then hit/miss accounting.
    pub(crate) fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        self.expire_if_needed(db, key);
        let found = self.dbs[db].get(key);
        if found.is_some() {
            self.stats.keyspace_hits += 1;
        } else {
            self.stats.keyspace_misses += 1;
        }
        found
    }

    /// A write lookup (Redis' lookupKeyWrite): lazy expiry, no accounting.
    pub(crate) fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(db, key);
        self.dbs[db].get_mut(key)
    }

    /// Does `key` exist (after lazy expiry)? No hit/miss accounting, like EXISTS' lookup.
    pub(crate) fn key_exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.expire_if_needed(db, key);
        self.dbs[db].contains(key)
    }

    pub(crate) fn db_mut(&mut self, db: usize) -> &mut Db {
        &mut self.dbs[db]
    }
}
