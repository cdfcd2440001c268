//! Loading the RDB file at start-up (Redis' loadDataFromDisk), and an AOF's RDB base. Until
//! the file has been read and loaded, commands without the `loading` flag are answered
//! `-LOADING`. The keys go in a step at a time on the server's ticks, so a large file keeps
//! clients answered meanwhile (Redis serves events while loading). A file that is not there is
//! an empty dataset; a file that cannot be loaded stops the server, with the offset and the
//! reason in the log.

use super::Job;
use crate::disk::{DiskErrorKind, DiskOp, DiskResult};
use crate::rdb::file::Loader;
use crate::server::{Output, Server};
use crate::snapshot::{Placing, Stored};
use crate::LogLevel;

/// Keys loaded per step (each step is one tick; the next is due at once).
const KEYS_PER_STEP: usize = 10_000;

/// A start-up load in progress.
pub(crate) struct StartupLoad {
    image: Vec<u8>,
    loader: Loader,
    loaded: u64,
    expired: u64,
    /// The base of an AOF being loaded: its other files follow, and failures are the AOF's.
    aof_base: bool,
    /// key-load-delay: the next key may load from this monotonic time on.
    not_before_us: u64,
}

/// Redis' reply to a command refused while the dataset loads.
pub(crate) const LOADING: &[u8] = b"LOADING Redis is loading the dataset in memory";

impl Server {
    /// Asks for the RDB file; the server is loading until it arrives.
    pub(crate) fn begin_startup_load(&mut self) {
        self.persist.loading = true;
        let path = self.data_path(&self.cfg.dbfilename);
        self.submit(Job::Load, DiskOp::Read { path });
    }

    pub(super) fn load_read(&mut self, result: DiskResult) {
        self.persist.loading = false;
        let image = match result {
            Ok(data) => data.unwrap_or_default(),
            Err(e) if e.kind == DiskErrorKind::NotFound => return,
            Err(e) => return self.fatal_load_error(&e.message),
        };
        self.persist.loading = true;
        self.begin_rdb_steps(image, false);
    }

    /// Starts loading `image` a step at a time (the first step at once).
    pub(super) fn begin_rdb_steps(&mut self, image: Vec<u8>, aof_base: bool) {
        match Loader::new(&image, self.dbs.len()) {
            Ok(loader) => {
                self.persist.startup = Some(StartupLoad {
                    image,
                    loader,
                    loaded: 0,
                    expired: 0,
                    aof_base,
                    not_before_us: 0,
                });
                self.load_step();
            }
            Err(e) => self.rdb_steps_failed(aof_base, &e.to_string()),
        }
    }

    /// Loads the next keys of the start-up file; the last step ends the loading.
    pub(crate) fn load_step(&mut self) {
        let Some(mut job) = self.persist.startup.take() else {
            return;
        };
        // key-load-delay (a testing aid, as in Redis): each key waits that many µs, so a load
        // can be watched while it runs.
        let delay_us = self.cfg.key_load_delay.max(0) as u64;
        let slowed = delay_us > 0 && !self.waits_for_disk();
        let now = self.clock.mono_us();
        if slowed && now < job.not_before_us {
            self.persist.startup = Some(job);
            return;
        }
        job.not_before_us = now + delay_us;
        let opts = self.load_options();
        let place = Placing {
            now_ms: self.clock.unix_ms(),
            lfu: self.lfu_policy(),
            merge: job.aof_base,
            keep_expired: self.is_replica() && !job.aof_base,
        };
        let step = if slowed { 1 } else { KEYS_PER_STEP };
        let byte_budget = self.load_step_size(self.cfg.loading_process_events_interval_bytes.max(1) as usize);
        let start = job.loader.position();
        for _ in 0..self.load_step_size(step) {
            if job.loader.position() - start >= byte_budget {
                break;
            }
            let next = job.loader.next_key(&job.image, opts);
            crate::snapshot::size_tables(&mut self.dbs, &mut job.loader);
            let codes = std::mem::take(&mut job.loader.functions);
            if let Err(why) = self.load_rdb_functions(&codes, job.aof_base) {
                return self.rdb_steps_failed(job.aof_base, &why);
            }
            for name in job.loader.take_skipped() {
                let name = String::from_utf8_lossy(&name);
                self.log(LogLevel::Warning, format!("rdbLoadObject skipping empty key: {name}"));
            }
            let key = match next {
                Ok(Some(key)) => key,
                Ok(None) => return self.startup_loaded(job),
                Err(e) if !job.aof_base => return self.rdb_corrupt(&e, job.loader.object_type),
                Err(e) => return self.rdb_steps_failed(true, &e.to_string()),
            };
            match place.store(&mut self.dbs, key) {
                Stored::Loaded => job.loaded += 1,
                Stored::Expired => job.expired += 1,
                Stored::Duplicate(key) => {
                    let why = format!("duplicate key '{}' found in RDB file", String::from_utf8_lossy(&key));
                    return self.rdb_steps_failed(job.aof_base, &why);
                }
            }
        }
        self.persist.startup = Some(job);
    }

    fn startup_loaded(&mut self, job: StartupLoad) {
        self.persist.keys_loaded = job.loaded;
        self.persist.keys_expired_on_load = job.expired;
        if job.aof_base {
            let end = job.loader.position();
            return self.aof_base_rdb_loaded(job.image, end);
        }
        self.persist.loading = false;
        let (loaded, expired, empty) = (job.loaded, job.expired, job.loader.empty_keys_skipped);
        if empty > 0 {
            self.log(
                LogLevel::Warning,
                format!(
                    "Done loading RDB, keys loaded: {loaded}, keys expired: {expired}, empty keys skipped: {empty}."
                ),
            );
        } else {
            self.log(
                LogLevel::Notice,
                format!("Done loading RDB, keys loaded: {loaded}, keys expired: {expired}."),
            );
        }
        self.log(LogLevel::Notice, "DB loaded from disk");
    }

    /// While a file loads in steps, the next step is due at once.
    pub(crate) fn loading_deadline_us(&self) -> Option<u64> {
        let now = self.clock.mono_us();
        if let Some(job) = &self.persist.startup {
            return Some(job.not_before_us.max(now));
        }
        self.aof_replaying().then_some(now)
    }

    /// How much one step loads (keys, commands or bytes): everything at once while a client
    /// waits for the load with the whole server (DEBUG LOADAOF: ticks do not run then, so a
    /// step that stopped short would never be followed).
    pub(super) fn load_step_size(&self, step: usize) -> usize {
        if self.waits_for_disk() {
            usize::MAX
        } else {
            step
        }
    }

    fn rdb_steps_failed(&mut self, aof_base: bool, why: &str) {
        if aof_base {
            self.persist.startup = None;
            return self.fail_aof_load(why);
        }
        self.fatal_load_error(why);
    }

    /// A start-up file that cannot be read further, as Redis' rdbReportError reports it:
    /// where and why (Redis' words for the reason, ours in brackets), then the last line.
    fn rdb_corrupt(&mut self, e: &crate::rdb::RdbError, object_type: u8) {
        let reason = crate::rdb::reason::redis_reason(e, object_type);
        let line = format!("Internal error in RDB reading offset {} -> {reason} ({e})", e.offset);
        self.log(LogLevel::Warning, line);
        self.exit_loading("Terminating server after rdb file reading failure.");
    }

    fn fatal_load_error(&mut self, why: &str) {
        self.exit_loading(&format!("Fatal error loading the DB: {why}. Exiting."));
    }

    /// A start-up load that cannot go on: `last` ends the log (Redis exits right after it,
    /// and its test harness reads the last line), then the process exits with status 1.
    pub(super) fn exit_loading(&mut self, last: &str) {
        self.persist.startup = None;
        self.persist.aof_load = None;
        self.persist.loading = false;
        self.log(LogLevel::Warning, last.to_string());
        self.shutting_down = true;
        self.push_output(Output::Exit { code: 1 });
    }
}
