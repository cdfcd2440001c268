//! Saves the whole server waits for, as Redis' rdbSave blocks its one thread: SAVE, SHUTDOWN's
//! final save, DEBUG RELOAD and FLUSHALL with save points. The image is made at once; the
//! server then runs nothing until the file is written, fsynced and renamed into place.

use std::collections::VecDeque;

use super::Job;
use crate::client::ClientId;
use crate::disk::{DiskOp, DiskResult};
use crate::resp::Reply;
use crate::server::Server;
use crate::LogLevel;

/// What follows a blocking save.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AfterSave {
    /// SAVE: `+OK`, or `-ERR` if the save failed.
    Reply(ClientId),
    /// SHUTDOWN (from a client, or a signal): exit once saved.
    Shutdown(ShutdownAsk),
    /// DEBUG RELOAD: load what was saved back.
    Reload { client: ClientId, flush: bool, merge: bool },
    /// FLUSHALL with save points: nobody waits for the outcome.
    Quiet,
    /// A replica's snapshot from its master, written to `dbfilename`: load it.
    ReplicaSync,
}

pub(crate) struct SyncSave {
    ops: VecDeque<DiskOp>,
    /// The temp file written, if this writes one (DEBUG RELOAD NOSAVE only reads).
    temp: Option<String>,
    after: AfterSave,
    /// What a final Read gave (DEBUG RELOAD reads the file back).
    read_back: Option<Vec<u8>>,
    /// The step in flight is the AOF's fsync at shutdown: if it fails, the AOF lost what it
    /// had written since its last fsync, and must be repaired like after any failed fsync.
    aof_fsync: bool,
    /// What the step in flight does (a failure is reported per step).
    in_flight: Step,
    /// rdb-key-save-delay: the µs the written file waits before it is fsynced and renamed
    /// (Redis sleeps that long per key while it writes), and the monotonic time it waits until.
    delay_us: u64,
    held_until_us: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Write,
    Fsync,
    Rename,
    FsyncDir,
    Read,
    Other,
}

impl Step {
    fn of(op: &DiskOp) -> Step {
        match op {
            DiskOp::Write { .. } => Step::Write,
            DiskOp::Fsync { .. } => Step::Fsync,
            DiskOp::Rename { .. } => Step::Rename,
            DiskOp::FsyncDir { .. } => Step::FsyncDir,
            DiskOp::Read { .. } => Step::Read,
            _ => Step::Other,
        }
    }
}

impl Server {
    /// The dataset as the RDB file to write, per `rdbcompression` and `rdbchecksum`.
    pub(crate) fn rdb_file_image(&self) -> Vec<u8> {
        let mut image = self.rdb_image(false);
        if !self.cfg.rdbchecksum {
            let n = image.len();
            image[n - 8..].fill(0);
        }
        image
    }

    /// Saves now and makes the server wait for the file (Redis' rdbSave); `after` says what
    /// the outcome leads to.
    pub(crate) fn start_sync_save(&mut self, after: AfterSave) {
        self.start_sync_save_after(None, after);
    }

    /// A blocking save that first carries out `first` (the AOF's fsync at shutdown).
    fn start_sync_save_after(&mut self, first: Option<DiskOp>, after: AfterSave) {
        let image = self.rdb_file_image();
        let temp = self.data_path(&format!("temp-{}.rdb", self.env.pid));
        let aof_fsync = first.is_some();
        let mut ops: VecDeque<DiskOp> = first.into_iter().collect();
        ops.push_back(DiskOp::Write {
            path: temp.clone(),
            data: image,
            truncate: true,
        });
        ops.extend(self.commit_ops(&temp));
        if let AfterSave::Reload { .. } = after {
            ops.push_back(self.read_rdb_op());
        }
        self.start_blocking_job(ops, Some(temp), after, aof_fsync);
        let per_key = u64::try_from(self.cfg.rdb_key_save_delay).unwrap_or(0);
        let delay_us = per_key.saturating_mul(self.key_count() as u64);
        if let Some(job) = self.persist.save.as_mut() {
            job.delay_us = delay_us;
        }
    }

    /// When a save held by rdb-key-save-delay goes on.
    pub(crate) fn held_save_until_us(&self) -> Option<u64> {
        self.persist.save.as_ref().and_then(|j| j.held_until_us)
    }

    /// A tick while a save is held: its next step goes once the delay is over.
    pub(crate) fn resume_held_save(&mut self) {
        let Some(mut job) = self.persist.save.take() else {
            return;
        };
        if job.held_until_us.is_some_and(|t| self.clock.mono_us() < t) {
            self.persist.save = Some(job);
            return;
        }
        job.held_until_us = None;
        match job.ops.pop_front() {
            Some(op) => self.submit_step(job, op),
            None => self.persist.save = Some(job),
        }
    }

    /// A replica's snapshot from its master (repl-diskless-load disabled): written to a temp
    /// file, fsynced, renamed to `dbfilename` and read back to be loaded, the server waiting
    /// meanwhile as Redis' readSyncBulkPayload blocks it.
    pub(crate) fn start_replica_sync_save(&mut self, data: Vec<u8>) {
        // A running BGSAVE would rename its own (older) dataset over the file: it stops, as
        // Redis kills its RDB child here.
        if self.abort_bgsave("replica sync") {
            self.log(
                LogLevel::Notice,
                "Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process and removing its temp file to avoid any race",
            );
        }
        let name = format!("temp-{}.{}.rdb", self.clock.unix_ms() / 1000, self.env.pid);
        let temp = self.data_path(&name);
        let mut ops = VecDeque::from([DiskOp::Write {
            path: temp.clone(),
            data,
            truncate: true,
        }]);
        ops.extend(self.commit_ops(&temp));
        ops.push_back(self.read_rdb_op());
        self.start_blocking_job(ops, Some(temp), AfterSave::ReplicaSync, false);
    }

    /// rdb-del-sync-files: the file a replica got from its master goes.
    pub(crate) fn remove_rdb_file(&mut self) {
        let path = self.data_path(&self.cfg.dbfilename);
        self.submit(super::Job::Cleanup, DiskOp::Remove { path });
    }

    /// DEBUG RELOAD NOSAVE: reads the RDB file and loads it, the server waiting meanwhile.
    pub(crate) fn start_reload_nosave(&mut self, after: AfterSave) {
        let ops = VecDeque::from([self.read_rdb_op()]);
        self.start_blocking_job(ops, None, after, false);
    }

    fn read_rdb_op(&self) -> DiskOp {
        DiskOp::Read {
            path: self.data_path(&self.cfg.dbfilename),
        }
    }

    /// Runs `ops` in order while the server waits; `aof_fsync` says the first is the AOF's
    /// fsync at shutdown.
    fn start_blocking_job(
        &mut self,
        mut ops: VecDeque<DiskOp>,
        temp: Option<String>,
        after: AfterSave,
        aof_fsync: bool,
    ) {
        let first = ops.pop_front().expect("a blocking job has steps");
        let job = SyncSave {
            ops,
            temp,
            after,
            read_back: None,
            aof_fsync,
            in_flight: Step::Other,
            delay_us: 0,
            held_until_us: None,
        };
        self.submit_step(job, first);
    }

    fn submit_step(&mut self, mut job: SyncSave, op: DiskOp) {
        job.in_flight = Step::of(&op);
        self.persist.save = Some(job);
        self.submit(Job::Save, op);
    }

    pub(super) fn save_progress(&mut self, result: DiskResult) {
        let Some(mut job) = self.persist.save.take() else {
            return;
        };
        match result {
            Ok(data) => {
                job.aof_fsync = false;
                if data.is_some() {
                    job.read_back = data;
                }
                if job.in_flight == Step::Write && job.delay_us > 0 {
                    // The temp file is there; the rest waits as long as Redis' per-key sleeps.
                    job.held_until_us = Some(self.clock.mono_us() + std::mem::take(&mut job.delay_us));
                    self.persist.save = Some(job);
                    return;
                }
                match job.ops.pop_front() {
                    Some(op) => self.submit_step(job, op),
                    None => {
                        let replica = matches!(job.after, AfterSave::ReplicaSync);
                        if job.temp.is_some() && !replica {
                            self.saved_to_disk();
                            self.log(LogLevel::Notice, "DB saved on disk");
                        }
                        self.after_sync_save(job.after, Ok(job.read_back));
                    }
                }
            }
            Err(e) if job.aof_fsync && matches!(job.after, AfterSave::Shutdown(_)) => {
                // Redis' finishShutdown logs a failed fsync of the AOF and goes on: the exit
                // (and the final save, if any) does not wait on a disk that refuses it.
                self.aof_io_failed(&e.message);
                self.log(LogLevel::Warning, format!("Fail to fsync the AOF file: {}.", e.message));
                job.aof_fsync = false;
                match job.ops.pop_front() {
                    Some(op) => self.submit_step(job, op),
                    None => self.after_sync_save(job.after, Ok(None)),
                }
            }
            Err(e) => {
                if job.aof_fsync {
                    self.aof_io_failed(&e.message);
                }
                let saving = job.temp.is_some();
                // The rename is done once a later step is in flight.
                let renamed = matches!(job.in_flight, Step::FsyncDir | Step::Read);
                let line = self.save_failure_line(&job, &e.message, renamed);
                self.log(LogLevel::Warning, line);
                if let Some(temp) = job.temp.filter(|_| !renamed) {
                    // Failed before the rename: the temp file is garbage.
                    self.submit(Job::Cleanup, DiskOp::Remove { path: temp });
                }
                self.after_sync_save(job.after, Err(saving && !renamed));
            }
        }
    }

    /// What a failed step of `job` logs (a replica's steps as readSyncBulkPayload says them).
    fn save_failure_line(&self, job: &SyncSave, why: &str, renamed: bool) -> String {
        let file = &self.cfg.dbfilename;
        let sync = "in MASTER <-> REPLICA synchronization";
        match (job.after, job.in_flight) {
            (AfterSave::ReplicaSync, Step::Write) => {
                format!("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: {why}")
            }
            (AfterSave::ReplicaSync, Step::Fsync) => format!("Failed trying to sync the temp DB to disk {sync}: {why}"),
            (AfterSave::ReplicaSync, Step::Rename) => {
                format!("Failed trying to rename the temp DB into {file} {sync}: {why}")
            }
            (AfterSave::ReplicaSync, Step::FsyncDir) => {
                format!("Failed trying to sync DB directory {file} {sync}: {why}")
            }
            (AfterSave::ReplicaSync, _) => {
                format!("Failed trying to load the MASTER synchronization DB from disk: {why}")
            }
            _ if job.temp.is_some() && !renamed => format!("Write error saving DB on disk: {why}"),
            _ => format!("Error accessing the RDB file: {why}"),
        }
    }

    /// A save reached the disk: the changes since are counted from zero (rdbSave).
    pub(crate) fn saved_to_disk(&mut self) {
        self.repl.dirty = 0;
        self.stats.lastsave_s = self.clock.unix_ms() / 1000;
        self.stats.rdb_saves += 1;
        self.persist.last_bgsave_ok = true;
    }

    /// `outcome`: what was read back, or whether the failure was in saving (not reading).
    fn after_sync_save(&mut self, after: AfterSave, outcome: Result<Option<Vec<u8>>, bool>) {
        let ok = outcome.is_ok();
        match after {
            AfterSave::Reply(id) => self.answer(id, |r| if ok { r.ok() } else { r.error("ERR") }),
            AfterSave::Shutdown(_) if ok => self.shutdown(),
            AfterSave::Shutdown(ask) if ask.force => {
                self.log(LogLevel::Warning, "Error trying to save the DB. Exit anyway.");
                self.shutdown();
            }
            AfterSave::Shutdown(_) => self.refuse_shutdown("Error trying to save the DB, can't exit."),
            AfterSave::Reload { client, flush, merge } => match outcome {
                Ok(image) => self.reload(client, &image.unwrap_or_default(), flush, merge),
                Err(true) => self.answer(client, |r| r.err("Error trying to save the DB")),
                Err(false) => self.answer(client, |r| r.err("Error trying to load the RDB dump")),
            },
            AfterSave::ReplicaSync => self.snapshot_on_disk(outcome),
            AfterSave::Quiet => {}
        }
    }

    /// DEBUG RELOAD's second half: the file read back into the dataset.
    fn reload(&mut self, client: ClientId, image: &[u8], flush: bool, merge: bool) {
        if let Err(why) = self.load_image(image, flush, merge) {
            self.log(LogLevel::Warning, format!("DEBUG RELOAD failed: {why}"));
            return self.answer(client, |r| r.err("Error trying to load the RDB dump"));
        }
        self.log(LogLevel::Warning, "DB reloaded by DEBUG RELOAD");
        self.answer(client, Reply::ok);
    }

    /// Writes a late reply (one that waited for the disk) to `id`.
    pub(crate) fn answer(&mut self, id: ClientId, f: impl FnOnce(&mut Reply)) {
        if let Some(c) = self.clients.get_mut(&id) {
            f(&mut c.reply);
            self.mark_dirty(id);
        }
    }

    /// SHUTDOWN and SIGTERM (Redis' prepareForShutdown): a running background save is
    /// abandoned; the final save, if any, comes before the exit.
    pub(crate) fn begin_shutdown(&mut self, ask: ShutdownAsk) {
        let ShutdownAsk { save, force } = ask;
        if self.persist.aof.opening {
            // The new incr file is not there yet: the shutdown goes on once it is.
            self.persist.shutdown_after_rewrite = Some(ask);
            self.shutting_down = true;
            return;
        }
        // The AOF just turned on has no files of its own yet: exiting now would lose what was
        // written since (Redis' AOF_WAIT_REWRITE check), unless FORCE says so.
        if self.persist.aof.initial_rewrite_running() {
            if !force {
                return self.refuse_shutdown("Writing initial AOF, can't exit.");
            }
            self.log(LogLevel::Warning, "Writing initial AOF. Exit anyway.");
        }
        // The last writes go behind the requests in flight only once they are done (see
        // `aof_drained`), which calls this again.
        if self.aof_flush_must_wait() {
            self.persist.shutdown_after_rewrite = Some(ask);
            self.shutting_down = true;
            return;
        }
        // As Redis kills its children: the manifest names the files that hold everything.
        if self.persist.aof.rewriting {
            self.aof_rewrite_failed("shutdown");
        }
        self.abort_bgsave("shutdown");
        if self.persist.aof.on {
            self.log(LogLevel::Notice, "Calling fsync() on the AOF file.");
        }
        let aof_sync = self.aof_flush_for_shutdown();
        if save {
            self.log(LogLevel::Notice, "Saving the final RDB snapshot before exiting.");
            self.shutting_down = true;
            // Redis fsyncs the AOF at exit before the final save: without it, writes of the
            // last second (or all, under appendfsync no) would not be durable.
            self.start_sync_save_after(aof_sync, AfterSave::Shutdown(ask));
        } else if let Some(op) = aof_sync {
            // Exit once the AOF is on disk (the requests before this one are done by then).
            self.shutting_down = true;
            self.start_blocking_job(VecDeque::from([op]), None, AfterSave::Shutdown(ask), true);
        } else {
            self.shutdown();
        }
    }

    /// A shutdown that cannot go on: why is logged, as Redis' finishShutdown logs it, and the
    /// server keeps running; the clients that asked get an error.
    fn refuse_shutdown(&mut self, why: &str) {
        self.shutting_down = false;
        self.log(LogLevel::Warning, why);
        let line = "Errors trying to shut down the server. Check the logs for more information.";
        self.log(LogLevel::Warning, line);
        self.cancel_shutdown();
    }

    /// A forced exit (Redis' rdbRemoveTempFile, then exit(1)): the temp file of a save in
    /// progress is removed first, and the process exits once it is gone.
    pub(crate) fn exit_removing_temp_rdb(&mut self) {
        self.shutting_down = true;
        // Nothing runs any more (no command, no piece of a snapshot) until the exit.
        self.shutdown.exiting = true;
        // A BGSAVE stops and removes its temp file (its requests already queued come first).
        self.drop_snapshot();
        // No temp file of its own: a last request, behind the BGSAVE's removal, times the exit.
        let op = match self.persist.save.take().and_then(|j| j.temp) {
            Some(path) => DiskOp::Remove { path },
            None => DiskOp::FsyncDir { path: self.data_dir() },
        };
        self.submit(super::Job::ExitAfter, op);
    }
}

/// What a SHUTDOWN (or a signal) asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShutdownAsk {
    pub(crate) save: bool,
    /// SHUTDOWN FORCE: errors on the way do not stop the exit.
    pub(crate) force: bool,
}
