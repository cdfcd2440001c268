//! The dataset to and from whole RDB images: what SYNC sends a replica and what DEBUG RELOAD
//! goes through (persistence to disk will write and read the same bytes).

use crate::db::Db;
use crate::rdb::file::{self, AuxFields, LoadedKey, SaveInfo};
use crate::rdb::LoadOptions;
use crate::server::Server;

impl Server {
    /// The whole dataset as Redis 7.0 would save it now; `for_replica` adds the replication
    /// id and offset a replica starts from.
    pub(crate) fn rdb_image(&self, for_replica: bool) -> Vec<u8> {
        let info = SaveInfo {
            ctime_s: self.clock.unix_ms() / 1000,
            used_mem: 0,
            access: self.access_to_save(),
            repl: for_replica.then(|| {
                let db = self.stream_db_for_new_replica() as i64;
                (self.repl.replid.clone(), self.repl.offset, db)
            }),
            functions: self.functions_rdb_image(true),
        };
        file::save(&self.dbs, &info, true)
    }

    /// Loads the libraries an RDB file held (replacing same-named ones if `merge`, Redis'
    /// RDBFLAGS_ALLOW_DUP); the error is Redis' "Failed loading library, ..." reason.
    pub(crate) fn load_rdb_functions(&mut self, codes: &[Vec<u8>], merge: bool) -> Result<(), String> {
        for code in codes {
            if let Err(e) = self.load_library(code, merge) {
                let line = format!("Failed loading library, {e}");
                self.log(crate::LogLevel::Warning, line.clone());
                return Err(line);
            }
        }
        Ok(())
    }

    /// The thresholds and hasher loaded values are built with.
    pub(crate) fn load_options(&self) -> LoadOptions {
        let c = &self.cfg;
        let u = |v: i64| usize::try_from(v).unwrap_or(0);
        LoadOptions {
            hasher: self.hasher,
            set_max_intset_entries: u(c.set_max_intset_entries),
            set_max_listpack_entries: u(c.set_max_listpack_entries),
            set_max_listpack_value: u(c.set_max_listpack_value),
            hash_max_listpack_entries: u(c.hash_max_listpack_entries),
            hash_max_listpack_value: u(c.hash_max_listpack_value),
            zset_max_listpack_entries: u(c.zset_max_listpack_entries),
            zset_max_listpack_value: u(c.zset_max_listpack_value),
            list_max_listpack_size: c.list_max_listpack_size,
            list_packed_threshold: self.list_packed_threshold,
            skip_checksum: self.skip_checksum_validation || !c.rdbchecksum,
        }
    }

    /// Loads an RDB image into the dataset (Redis' rdbLoad; into emptied databases when
    /// `flush`). Keys already expired are skipped, as a master does; INFO counts both. A key
    /// already present is an error unless `merge`. A background save in progress is abandoned:
    /// the dataset it was saving is gone. Returns the image's aux fields.
    pub(crate) fn load_image(&mut self, image: &[u8], flush: bool, merge: bool) -> Result<AuxFields, String> {
        self.abort_bgsave("load");
        let (mut loaded, mut expired) = (0u64, 0u64);
        let mut dbs: Vec<Db> = if flush {
            let (lru, lfu_init) = self.dbs.first().map_or((0, None), |d| (d.lru_clock, d.lfu_init));
            (0..self.dbs.len())
                .map(|_| {
                    let mut d = Db::new(self.hasher);
                    d.lru_clock = lru;
                    d.lfu_init = lfu_init;
                    d
                })
                .collect()
        } else {
            std::mem::take(&mut self.dbs)
        };
        let place = Placing {
            now_ms: self.clock.unix_ms(),
            lfu: self.lfu_policy(),
            merge,
            keep_expired: self.is_replica(),
        };
        let mut duplicate = None;
        // Redis' emptyData takes the functions with the keys; a failed load keeps both.
        let old_libraries = if flush {
            std::mem::take(&mut self.scripting.functions.libraries)
        } else {
            Default::default()
        };
        let opts = self.load_options();
        let result = file::Loader::new(image, dbs.len()).and_then(|mut loader| {
            while let Some(k) = loader.next_key(image, opts)? {
                size_tables(&mut dbs, &mut loader);
                match place.store(&mut dbs, k) {
                    Stored::Loaded => loaded += 1,
                    Stored::Expired => expired += 1,
                    Stored::Duplicate(key) => {
                        loaded += 1;
                        duplicate.get_or_insert(key);
                    }
                }
            }
            Ok((loader.aux, loader.functions))
        });
        self.persist.keys_loaded = loaded;
        self.persist.keys_expired_on_load = expired;
        let (aux, result) = match result {
            Ok((aux, codes)) => (aux, Ok(self.load_rdb_functions(&codes, merge))),
            Err(e) => (Vec::new(), Err(e)),
        };
        let failure = match (result, duplicate) {
            (Err(e), _) => Some(e.to_string()),
            (Ok(Err(why)), _) => Some(why),
            (Ok(Ok(())), Some(key)) => Some(format!(
                "duplicate key '{}' found in RDB file",
                String::from_utf8_lossy(&key)
            )),
            (Ok(Ok(())), None) => None,
        };
        if let Some(why) = failure {
            if flush {
                self.scripting.functions.libraries = old_libraries;
            } else {
                // The merge went into the live dataset: what loaded stays, as in Redis.
                self.dbs = dbs;
            }
            return Err(why);
        }
        self.dbs = dbs;
        Ok(aux)
    }
}

/// Sizes a database's tables from the RESIZEDB the loader just read, as Redis does, instead
/// of growing them key by key.
pub(crate) fn size_tables(dbs: &mut [Db], loader: &mut file::Loader) {
    if let Some((db, keys, expires)) = loader.resize.take() {
        dbs[db].reserve(keys, expires);
    }
}

/// Where a loaded key goes, as rdbLoad decides it.
pub(crate) struct Placing {
    pub(crate) now_ms: u64,
    pub(crate) lfu: bool,
    pub(crate) merge: bool,
    /// A replica keeps keys that expired: its master's DELs remove them (rdbLoad's iAmMaster).
    pub(crate) keep_expired: bool,
}

pub(crate) enum Stored {
    Loaded,
    /// Already expired: skipped, as a master does.
    Expired,
    /// Already present and not merging: the load fails.
    Duplicate(Vec<u8>),
}

impl Placing {
    /// Stores `k` in `dbs` with its expiry and access field.
    pub(crate) fn store(&self, dbs: &mut [Db], k: LoadedKey) -> Stored {
        if !self.keep_expired && k.expire_ms.is_some_and(|at| at < self.now_ms) {
            return Stored::Expired;
        }
        let db = &mut dbs[k.db];
        if !self.merge && db.contains(&k.key) {
            return Stored::Duplicate(k.key);
        }
        db.set(&k.key, k.value, false);
        if let Some(at) = k.expire_ms {
            db.set_expire(&k.key, at);
        }
        let freq = k.freq.map(i64::from);
        let idle = k.idle_s.map(|i| i as i64);
        if let Some(lru) = crate::lfu::access_field(self.lfu, self.now_ms, db.lru_clock, idle, freq) {
            db.set_lru(&k.key, lru);
        }
        Stored::Loaded
    }
}
