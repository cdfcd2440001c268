//! BGSAVE without fork: the file is written in pieces while clients are served. Each database
//! saved carries a [`super::snap::DbSnap`] that keeps its section point-in-time; one write is
//! in flight at a time, and its completion produces the next piece. Redis' testing knob
//! `rdb-key-save-delay` paces the pieces (a piece of one key, then that many µs).

use std::collections::VecDeque;

use super::snap::EntryFormat;
use super::Job;
use crate::disk::{DiskOp, DiskResult};
use crate::rdb::crc64::crc64;
use crate::rdb::file::{write_db_start, write_header, SaveInfo};
use crate::rdb::Encoder;
use crate::server::Server;
use crate::{ClientId, LogLevel};

/// A piece is written once it holds this many bytes or keys: small enough that encoding one
/// stalls clients well under a millisecond.
const PIECE_BYTES: usize = 64 * 1024;
pub(super) const PIECE_KEYS: usize = 1024;

/// With `rdb-save-incremental-fsync` (or `aof-rewrite-incremental-fsync` for a rewrite's base)
/// the file is fsynced each time this much more was written, as Redis' REDIS_AUTOSYNC_BYTES:
/// the kernel then writes back a few MB at a time instead of the whole file at the end, which
/// stalls the machine far less.
const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

/// What a background snapshot becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// BGSAVE: the RDB file (`dbfilename`).
    Rdb,
    /// An AOF rewrite's new base file, at this path.
    AofBase(String),
    /// A full synchronization: streamed to these replicas' connections (see `repl_sync`).
    Replicas(Vec<ClientId>),
}

impl Target {
    /// Redis runs this in an RDB child (CHILD_TYPE_RDB): BGSAVE then says one is in progress,
    /// and INFO's rdb_bgsave_in_progress is 1.
    pub(crate) fn is_rdb_child(&self) -> bool {
        !matches!(self, Target::AofBase(_))
    }
}

pub(crate) struct Bgsave {
    pub(crate) target: Target,
    pub(super) temp: String,
    enc: Encoder,
    /// An AOF base of commands (no RDB preamble): no RDB framing, SELECT before each database.
    commands: bool,
    /// CRC-64 of everything written so far.
    crc: u64,
    written_any: bool,
    /// Sections still to write, in order, and whether the first has been opened.
    sections: VecDeque<usize>,
    section_open: bool,
    /// Disk operations due before anything more is produced: an incremental fsync, or after
    /// the last piece the fsync, rename and directory fsync.
    tail: VecDeque<DiskOp>,
    producing: bool,
    in_flight: bool,
    /// rdb-key-save-delay: the next piece waits until then (monotonic µs).
    pub(crate) resume_at_us: Option<u64>,
    dirty_at_start: u64,
    started_ms: u64,
    pub(crate) keys_total: u64,
    pub(crate) keys_done: u64,
    /// Bytes written so far, and when the last incremental fsync was queued.
    bytes: u64,
    synced_at: u64,
}

impl Bgsave {
    /// The bytes encoded since the last piece, as the next piece of the file; after the last
    /// keys also the EOF opcode and the checksum of the whole file (zero without `checksum`).
    pub(super) fn seal_piece(&mut self, checksum: bool) -> Vec<u8> {
        let mut data = self.enc.take_bytes();
        let last = !self.producing && !self.commands;
        if last {
            data.push(crate::rdb::opcode::EOF);
        }
        self.crc = crc64(self.crc, &data);
        if last {
            let crc = if checksum { self.crc } else { 0 };
            data.extend_from_slice(&crc.to_le_bytes());
        }
        self.bytes += data.len() as u64;
        data
    }

    /// Whether every key has been encoded (the next sealed piece is the last).
    pub(super) fn produced_all(&self) -> bool {
        !self.producing
    }
}

impl Server {
    /// BGSAVE (and the save points): starts a background save; the error is Redis' reply.
    pub(crate) fn start_bgsave(&mut self) -> Result<(), &'static str> {
        match self.persist.bgsave.as_ref().map(|j| &j.target) {
            Some(t) if t.is_rdb_child() => Err("Background save already in progress"),
            Some(_) => Err("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."),
            None => self.start_snapshot(Target::Rdb),
        }
    }

    /// Starts a background snapshot of the dataset as it is now, written to `target`.
    pub(crate) fn start_snapshot(&mut self, target: Target) -> Result<(), &'static str> {
        if self.persist.bgsave.is_some() {
            return Err("a snapshot is already being written");
        }
        let now_ms = self.clock.unix_ms();
        self.persist.last_bgsave_try_ms = now_ms;
        let commands = matches!(target, Target::AofBase(_)) && !self.cfg.aof_use_rdb_preamble;
        let format = EntryFormat {
            compression: self.cfg.rdbcompression,
            access: self.access_to_save(),
            commands,
        };
        let mut enc = format.encoder();
        match target {
            _ if commands => enc.write_raw(&self.aof_commands_preamble()),
            Target::Replicas(_) => write_header(&mut enc, &self.save_info_for_replicas()),
            _ => write_header(&mut enc, &self.save_info()),
        }
        let mut sections = VecDeque::new();
        let mut keys_total = 0;
        for (i, db) in self.dbs.iter_mut().enumerate() {
            if !db.is_empty() {
                keys_total += db.len() as u64;
                db.begin_snapshot(i, format);
                sections.push_back(i);
            }
        }
        // A temp file lives in the directory it is renamed in: one directory fsync then makes
        // the rename durable (a rename across directories needs both).
        let temp = match target {
            Target::Rdb => self.data_path(&format!("temp-bg-{}.rdb", self.env.pid)),
            Target::AofBase(_) => self.aof_temp_path("bg"),
            Target::Replicas(_) => String::new(),
        };
        let rdb = target == Target::Rdb;
        self.persist.bgsave = Some(Bgsave {
            target,
            temp,
            enc,
            commands,
            crc: 0,
            written_any: false,
            sections,
            section_open: false,
            tail: VecDeque::new(),
            producing: true,
            in_flight: false,
            resume_at_us: None,
            dirty_at_start: self.repl.dirty,
            started_ms: now_ms,
            keys_total,
            keys_done: 0,
            bytes: 0,
            synced_at: 0,
        });
        if rdb {
            self.log(LogLevel::Notice, "Background saving started");
        }
        self.bgsave_pump();
        Ok(())
    }

    /// What the AUX fields of a saved file say.
    pub(crate) fn save_info(&self) -> SaveInfo {
        SaveInfo {
            ctime_s: self.clock.unix_ms() / 1000,
            used_mem: 0,
            access: self.access_to_save(),
            repl: None,
            functions: self.functions_rdb_image(self.cfg.rdbcompression),
        }
    }

    /// Writes the next piece, unless one is in flight or the pace says wait.
    pub(crate) fn bgsave_pump(&mut self) {
        let now = self.clock.mono_us();
        let delay = self.cfg.rdb_key_save_delay.max(0) as u64;
        let Some(job) = self.persist.bgsave.as_mut() else {
            return;
        };
        if let Target::Replicas(_) = job.target {
            return self.replica_sync_pump();
        }
        if job.in_flight || job.resume_at_us.is_some_and(|t| now < t) {
            return;
        }
        job.resume_at_us = None;
        if let Some(op) = job.tail.pop_front() {
            job.in_flight = true;
            self.submit(Job::Bgsave, op);
            return;
        }
        if !job.producing {
            return self.bgsave_finished();
        }
        let max_keys = if delay > 0 { 1 } else { PIECE_KEYS };
        let Some(keys) = self.produce_piece(max_keys) else {
            return self.bgsave_failed("the dataset was replaced while saving");
        };
        let Some(job) = self.persist.bgsave.as_ref() else {
            return;
        };
        // Only files get here: a replicas' snapshot went to replica_sync_pump above.
        let tail = (!job.producing).then(|| match &job.target {
            Target::AofBase(path) => vec![
                DiskOp::Fsync { path: job.temp.clone() },
                DiskOp::Rename {
                    from: job.temp.clone(),
                    to: path.clone(),
                },
            ],
            _ => self.commit_ops(&job.temp).to_vec(),
        });
        let checksum = self.cfg.rdbchecksum;
        let autosync = match job.target {
            Target::AofBase(_) => self.cfg.aof_rewrite_incremental_fsync,
            _ => self.cfg.rdb_save_incremental_fsync,
        };
        let Some(job) = self.persist.bgsave.as_mut() else {
            return;
        };
        job.keys_done += keys as u64;
        if delay > 0 && keys > 0 {
            job.resume_at_us = Some(now + delay * keys as u64);
        }
        let data = job.seal_piece(checksum);
        if let Some(tail) = tail {
            job.tail = tail.into();
        }
        if autosync && job.tail.is_empty() && job.bytes - job.synced_at >= AUTOSYNC_BYTES {
            // Queued behind this piece; production resumes once it completes.
            job.synced_at = job.bytes;
            job.tail.push_back(DiskOp::Fsync { path: job.temp.clone() });
        }
        let op = DiskOp::Write {
            path: job.temp.clone(),
            data,
            truncate: !job.written_any,
        };
        job.written_any = true;
        job.in_flight = true;
        self.submit(Job::Bgsave, op);
    }

    /// Encodes up to `max_keys` keys (or a piece's worth of bytes) into the job's encoder;
    /// `None` if a section's database is gone (the dataset was replaced).
    pub(super) fn produce_piece(&mut self, max_keys: usize) -> Option<usize> {
        let job = self.persist.bgsave.as_mut()?;
        let mut keys = 0;
        while keys < max_keys && job.enc.len() < PIECE_BYTES {
            let Some(&section) = job.sections.front() else {
                job.producing = false;
                break;
            };
            let db = self
                .dbs
                .iter_mut()
                .find(|d| d.snapshot().is_some_and(|s| s.section == section))?;
            if !job.section_open {
                let s = db.snapshot()?;
                if job.commands {
                    let mut select = Vec::new();
                    super::rewrite::write_select(&mut select, section);
                    job.enc.write_raw(&select);
                } else {
                    write_db_start(&mut job.enc, section, s.keys_at_start, s.expires_at_start);
                }
                job.section_open = true;
            }
            let (n, done) = db.snapshot_step(&mut job.enc, max_keys - keys);
            keys += n;
            if done {
                db.end_snapshot();
                job.sections.pop_front();
                job.section_open = false;
            }
        }
        Some(keys)
    }

    pub(super) fn bgsave_progress(&mut self, result: DiskResult) {
        let Some(job) = self.persist.bgsave.as_mut() else {
            return;
        };
        job.in_flight = false;
        match result {
            Ok(_) => self.bgsave_pump(),
            Err(e) => self.bgsave_failed(&e.message),
        }
    }

    fn bgsave_finished(&mut self) {
        let Some(job) = self.persist.bgsave.take() else {
            return;
        };
        if let Target::AofBase(_) = job.target {
            return self.aof_snapshot_written(job.bytes);
        }
        // What changed while saving is not in the file (Redis: dirty - dirty_before_bgsave).
        let dirty = self.repl.dirty.saturating_sub(job.dirty_at_start);
        self.saved_to_disk();
        self.repl.dirty = dirty;
        self.persist.last_bgsave_time_s = (self.clock.unix_ms().saturating_sub(job.started_ms) / 1000) as i64;
        self.log(LogLevel::Notice, "Background saving terminated with success");
    }

    fn bgsave_failed(&mut self, why: &str) {
        match self.persist.bgsave.as_ref().map(|j| &j.target) {
            Some(Target::AofBase(_)) => return self.aof_rewrite_failed(why),
            Some(Target::Replicas(_)) => return self.replica_sync_failed(why),
            _ => {}
        }
        self.log(LogLevel::Warning, format!("Write error saving DB on disk: {why}"));
        if self.abort_bgsave("error") {
            self.persist.last_bgsave_ok = false;
            self.log(LogLevel::Warning, "Background saving error");
        }
    }

    /// Stops a BGSAVE (failure, FLUSHALL, SHUTDOWN, a dataset load) and removes its temp file;
    /// returns whether one was running. An AOF rewrite's snapshot goes on (see
    /// `abort_aof_snapshot`).
    pub(crate) fn abort_bgsave(&mut self, _why: &str) -> bool {
        if self.persist.bgsave.as_ref().is_none_or(|j| j.target != Target::Rdb) {
            return false;
        }
        self.drop_snapshot()
    }

    /// Stops the snapshot of an AOF rewrite.
    pub(crate) fn abort_aof_snapshot(&mut self) {
        if self.aof_snapshot_running() {
            self.drop_snapshot();
        }
    }

    /// An AOF rewrite's base snapshot is being written.
    fn aof_snapshot_running(&self) -> bool {
        let job = self.persist.bgsave.as_ref();
        job.is_some_and(|j| matches!(j.target, Target::AofBase(_)))
    }

    /// An AOF rewrite's base snapshot still has keys to write (not yet at its last fsync and
    /// rename, which would put the base under its name whatever happens after).
    pub(crate) fn aof_base_producing(&self) -> bool {
        self.aof_snapshot_running() && self.persist.bgsave.as_ref().is_some_and(|j| j.producing)
    }

    pub(super) fn drop_snapshot(&mut self) -> bool {
        let Some(job) = self.persist.bgsave.take() else {
            return false;
        };
        for db in &mut self.dbs {
            db.end_snapshot();
        }
        self.persist.disown(Job::Bgsave);
        if !job.temp.is_empty() {
            self.submit(Job::Cleanup, DiskOp::Remove { path: job.temp });
        }
        true
    }

    /// When the paced background save wants to go on (for the driver's deadline).
    pub(crate) fn bgsave_deadline_us(&self) -> Option<u64> {
        let job = self.persist.bgsave.as_ref()?;
        if let Target::Replicas(ids) = &job.target {
            return self.replica_window_open(ids).then(|| self.clock.mono_us());
        }
        (!job.in_flight).then_some(job.resume_at_us).flatten()
    }

    pub(crate) fn bgsave_elapsed_s(&self) -> i64 {
        self.persist.bgsave.as_ref().map_or(-1, |j| {
            (self.clock.unix_ms().saturating_sub(j.started_ms) / 1000) as i64
        })
    }
}
