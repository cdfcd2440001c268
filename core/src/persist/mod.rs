//! RDB persistence to disk: SAVE and the other whole-file saves that block the server
//! ([`save`]), the fork-free background save ([`bgsave`]), loading at start-up ([`load`]),
//! and the save points of the cron. Every file operation is a disk request the driver
//! carries out ([`crate::disk`]); what each completion means is decided here.

pub(crate) mod aof;
mod aof_gc;
pub(crate) mod aof_load;
mod aof_upgrade;
pub(crate) mod bgsave;
pub(crate) mod load;
pub(crate) mod repl_sync;
pub(crate) mod rewrite;
pub(crate) mod save;
pub(crate) use save::ShutdownAsk;
pub(crate) mod snap;

use std::collections::BTreeMap;

use crate::disk::{DiskOp, DiskReq, DiskResult};
use crate::server::{Output, Server};

/// Redis' CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this
/// long before trying again.
const BGSAVE_RETRY_DELAY_MS: u64 = 5000;

/// What a disk request in flight belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Save,
    Bgsave,
    Load,
    /// Appends to the AOF and their fsyncs.
    Aof,
    /// Writing a new AOF base, incr file and manifest.
    AofRewrite,
    /// Reading the AOF's manifest and files.
    AofLoad,
    /// Reading the manifest alone (start-up with the AOF off).
    AofManifest,
    /// Moving an old AOF in, or opening the first incr file, at start-up.
    AofStart,
    /// The manifest without its history, which CONFIG SET waits for.
    AofGc,
    /// Cleaning up after a failure: the outcome changes nothing.
    Cleanup,
    /// The last cleanup before a forced exit: the process exits with 1 once it is done.
    ExitAfter,
}

/// Persistence state and the fields INFO persistence shows.
pub(crate) struct Persistence {
    next_req: DiskReq,
    inflight: BTreeMap<DiskReq, Job>,
    /// A save the whole server waits for (SAVE, SHUTDOWN, DEBUG RELOAD, FLUSHALL).
    pub(crate) save: Option<save::SyncSave>,
    pub(crate) bgsave: Option<bgsave::Bgsave>,
    /// The RDB file is being read and loaded at start-up.
    pub(crate) loading: bool,
    /// AOF commands are being replayed: keys do not expire (Redis' keyIsExpired while loading).
    pub(crate) replaying: bool,
    pub(crate) last_bgsave_ok: bool,
    pub(crate) last_bgsave_time_s: i64,
    /// When the last background save was tried (unix ms), for the retry delay.
    pub(crate) last_bgsave_try_ms: u64,
    pub(crate) keys_loaded: u64,
    pub(crate) keys_expired_on_load: u64,
    pub(crate) aof: aof::Aof,
    pub(crate) aof_load: Option<aof_load::AofLoad>,
    /// BGSAVE SCHEDULE (or BGSAVE inside EXEC): the cron starts it when nothing else runs.
    pub(crate) bgsave_scheduled: bool,
    /// The start-up RDB load, when it takes more than one step.
    pub(crate) startup: Option<load::StartupLoad>,
    /// A SHUTDOWN (its client, whether it saves) waiting for an AOF rewrite to end.
    pub(crate) shutdown_after_rewrite: Option<save::ShutdownAsk>,
    /// History removal in progress (CONFIG SET aof-disable-auto-gc no waits for it, with the
    /// whole server).
    pub(crate) gc: Option<aof_gc::GcChain>,
}

impl Default for Persistence {
    fn default() -> Persistence {
        Persistence {
            next_req: 1,
            inflight: BTreeMap::new(),
            save: None,
            bgsave: None,
            loading: false,
            replaying: false,
            last_bgsave_ok: true,
            last_bgsave_time_s: -1,
            last_bgsave_try_ms: 0,
            keys_loaded: 0,
            keys_expired_on_load: 0,
            aof: Default::default(),
            aof_load: None,
            shutdown_after_rewrite: None,
            startup: None,
            bgsave_scheduled: false,
            gc: None,
        }
    }
}

impl Persistence {
    /// Requests of an abandoned job still complete, but mean nothing any more.
    fn disown(&mut self, job: Job) {
        for j in self.inflight.values_mut() {
            if *j == job {
                *j = Job::Cleanup;
            }
        }
    }
}

impl Server {
    /// `name` inside the configured `dir`.
    pub(crate) fn data_path(&self, name: &str) -> String {
        crate::disk::join(&self.cfg.dir, name)
    }

    /// The directory files are saved in, for FsyncDir.
    pub(crate) fn data_dir(&self) -> String {
        if self.cfg.dir.is_empty() {
            ".".into()
        } else {
            self.cfg.dir.clone()
        }
    }

    /// What makes a written temp file the RDB file: fsync it, rename it over `dbfilename`,
    /// fsync the directory so that the rename survives a crash.
    pub(crate) fn commit_ops(&self, temp: &str) -> [DiskOp; 3] {
        [
            DiskOp::Fsync { path: temp.into() },
            DiskOp::Rename {
                from: temp.into(),
                to: self.data_path(&self.cfg.dbfilename),
            },
            DiskOp::FsyncDir { path: self.data_dir() },
        ]
    }

    fn submit(&mut self, job: Job, op: DiskOp) -> DiskReq {
        let req = self.persist.next_req;
        self.persist.next_req += 1;
        let inline = job == Job::Aof
            && match op {
                DiskOp::Write { .. } => true,
                DiskOp::Fsync { .. } => self.cfg.appendfsync == aof::FSYNC_ALWAYS,
                _ => false,
            };
        self.persist.inflight.insert(req, job);
        self.push_output(Output::Disk { req, op, inline });
        req
    }

    /// A disk request completed.
    pub(crate) fn on_disk(&mut self, req: DiskReq, result: DiskResult) {
        match self.persist.inflight.remove(&req) {
            Some(Job::Save) => self.save_progress(result),
            Some(Job::Bgsave) => self.bgsave_progress(result),
            Some(Job::Load) => self.load_read(result),
            Some(Job::Aof) => self.aof_progress(req, result),
            Some(Job::AofRewrite) => self.aof_rewrite_progress(result),
            Some(Job::AofLoad) => self.aof_load_progress(result),
            Some(Job::AofManifest) => self.aof_manifest_read(result),
            Some(Job::AofStart) => self.aof_start_progress(result),
            Some(Job::AofGc) => self.aof_gc_progress(result),
            Some(Job::ExitAfter) => self.push_output(crate::server::Output::Exit { code: 1 }),
            Some(Job::Cleanup) | None => {}
        }
    }

    /// Whether the server runs nothing until a disk request completes (a blocking save).
    pub(crate) fn waits_for_disk(&self) -> bool {
        self.persist.save.is_some()
            || self.persist.gc.as_ref().is_some_and(|g| g.client.is_some())
            || (self.loadaof_client().is_some() && !self.script_suspended())
    }

    /// DEBUG LOADAOF's client, waiting for the load. The server waits with it, except while
    /// a slow script from the AOF runs: then, as in Redis, others are answered -LOADING.
    pub(crate) fn loadaof_client(&self) -> Option<crate::client::ClientId> {
        self.persist.aof_load.as_ref().and_then(|l| l.client)
    }

    /// Redis' writeCommandsDeniedByDiskError with its message: writes (and PING) are refused
    /// after a failed background save (with save points and `stop-writes-on-bgsave-error`)
    /// or while a failed AOF write is being repaired.
    pub(crate) fn disk_error_message(&self) -> Option<Vec<u8>> {
        let rdb =
            self.cfg.stop_writes_on_bgsave_error && !self.cfg.save_points.is_empty() && !self.persist.last_bgsave_ok;
        if rdb {
            return Some(MISCONF.to_vec());
        }
        self.aof_misconf()
    }

    /// Whether a background save may start: the last one succeeded, or failed long enough
    /// ago (Redis' CONFIG_BGSAVE_RETRY_DELAY).
    fn bgsave_may_retry(&self) -> bool {
        self.persist.last_bgsave_ok
            || self.clock.unix_ms().saturating_sub(self.persist.last_bgsave_try_ms) > BGSAVE_RETRY_DELAY_MS
    }

    /// Whether a background snapshot (BGSAVE or an AOF rewrite's) is being written: Redis'
    /// hasActiveChildProcess.
    pub(crate) fn snapshot_busy(&self) -> bool {
        // (The AOF's start-up steps count too: a rewrite's base would be the only copy of the
        // appends that wait for them.)
        self.persist.bgsave.is_some() || self.persist.aof.rewriting || self.persist.aof.start_step.is_some()
    }

    /// The cron starts what was scheduled once nothing else runs (Redis' serverCron): an AOF
    /// rewrite first, then a BGSAVE (after the retry delay if the last one failed).
    pub(crate) fn run_scheduled_saves(&mut self) {
        // Replicas waiting for a snapshot go first, as Redis' replicationCron starts theirs.
        self.start_waiting_syncs();
        if self.snapshot_busy() || self.persist.save.is_some() || self.persist.loading {
            return;
        }
        if std::mem::take(&mut self.persist.aof.rewrite_scheduled) {
            let enable = std::mem::take(&mut self.persist.aof.waiting);
            self.start_aof_rewrite(enable);
            return;
        }
        if self.persist.bgsave_scheduled && self.bgsave_may_retry() && self.start_bgsave().is_ok() {
            self.persist.bgsave_scheduled = false;
        }
    }

    /// The cron's save points: a background save once some point's changes happened and its
    /// seconds passed since the last save (retrying a failed save only after a delay).
    pub(crate) fn check_save_points(&mut self) {
        if self.persist.bgsave.is_some() || self.persist.save.is_some() || self.persist.loading {
            return;
        }
        let since_save_s = (self.clock.unix_ms() / 1000).saturating_sub(self.stats.lastsave_s) as i64;
        let may_retry = self.bgsave_may_retry();
        let due = self
            .cfg
            .save_points
            .iter()
            .find(|&&(secs, changes)| self.repl.dirty as i64 >= changes && since_save_s > secs)
            .copied();
        if let (Some((secs, changes)), true) = (due, may_retry) {
            self.log(
                crate::LogLevel::Notice,
                format!("{changes} changes in {secs} seconds. Saving..."),
            );
            let _ = self.start_bgsave();
        }
    }
}

/// Redis' MISCONF error for writes refused after a failed background save.
pub(crate) const MISCONF: &[u8] = b"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
