//! The append-only file as Redis 7 lays it out: a directory (`appenddirname`) holding a base
//! file (an RDB image with `aof-use-rdb-preamble`), incremental files of commands, and a
//! manifest naming them:
//!
//! ```text
//! file appendonly.aof.1.base.rdb seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! Every propagated write is appended to the current incr file (the stream replicas get, with
//! its own SELECTs). `appendfsync always` holds every reply until the bytes written before it
//! are fsynced — one fsync covers all the clients whose writes it holds (group commit);
//! `everysec` fsyncs from the cron at most once a second (appends wait while it runs, as in
//! Redis); `no` leaves it to the OS.
//! BGREWRITEAOF names a new incr file in the manifest (temp file, fsync, rename, directory
//! fsync), then writes a new base and a manifest naming it. Turning the AOF on appends to a temp
//! incr file instead, renamed and named only with the first base (Redis' AOF_WAIT_REWRITE).

use std::collections::VecDeque;

use super::Job;
use crate::client::ClientId;
use crate::disk::{DiskOp, DiskResult};
use crate::repl::encode_command;
use crate::server::Server;
use crate::LogLevel;

/// A rewrite that failed is tried again this long after (unix ms).
const REWRITE_RETRY_DELAY_MS: u64 = 1000;

/// appendfsync's values (indexes into `config::APPENDFSYNC`).
pub(super) const FSYNC_ALWAYS: usize = 0;
const FSYNC_EVERYSEC: usize = 1;
const FSYNC_NO: usize = 2;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// The base file's name and sequence number.
    pub(crate) base: Option<(String, u64)>,
    /// Files a rewrite replaced, newest first, kept while `aof-disable-auto-gc` is on.
    pub(crate) history: Vec<(String, u64)>,
    /// Incremental files, oldest first.
    pub(crate) incrs: Vec<(String, u64)>,
    /// The last base and incr sequence numbers given out (Redis' curr_base_file_seq and
    /// curr_incr_file_seq): each kind counts on its own.
    pub(crate) base_seq: u64,
    pub(crate) incr_seq: u64,
}

/// Redis' MANIFEST_MAX_LINE: a longer line is refused.
const MANIFEST_MAX_LINE: usize = 1024;

/// Why a manifest was refused, and the line at fault (number and text), as Redis logs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ManifestError {
    pub(crate) line: Option<(usize, String)>,
    pub(crate) reason: &'static str,
}

impl ManifestError {
    fn whole(reason: &'static str) -> ManifestError {
        ManifestError { line: None, reason }
    }

    fn at(n: usize, raw: &[u8], reason: &'static str) -> ManifestError {
        let text = String::from_utf8_lossy(raw.trim_ascii()).into_owned();
        ManifestError {
            line: Some((n, text)),
            reason,
        }
    }
}

/// A file name as the manifest holds it: quoted and escaped when it has spaces, quotes or
/// unprintable bytes (Redis' sdsneedsrepr / sdscatrepr).
fn manifest_name(name: &str) -> String {
    let plain = name.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if plain && !name.is_empty() {
        return name.to_string();
    }
    crate::resp::repr(name.as_bytes())
}

impl Manifest {
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Redis' order: the base, the history, the incr files.
        let base = self.base.iter().map(|f| (f, 'b'));
        let history = self.history.iter().map(|f| (f, 'h'));
        let incrs = self.incrs.iter().map(|f| (f, 'i'));
        for ((name, seq), kind) in base.chain(history).chain(incrs) {
            out.push_str(&format!("file {} seq {seq} type {kind}\n", manifest_name(name)));
        }
        out
    }

    /// Redis' aofLoadManifestFromFile: `key value` pairs per line (quoted as in redis.conf),
    /// `#` lines are comments; refused as Redis refuses it, with its reason and the line.
    pub(crate) fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        let mut maxseq = 0;
        if text.is_empty() {
            return Err(ManifestError::whole("Found an empty AOF manifest"));
        }
        for (i, raw) in text.split_inclusive(|&b| b == b'\n').enumerate() {
            let at = |err| ManifestError::at(i + 1, raw, err);
            if raw.starts_with(b"#") {
                continue;
            }
            if !raw.ends_with(b"\n") || raw.len() > MANIFEST_MAX_LINE {
                return Err(at("The AOF manifest file contains too long line"));
            }
            let words = crate::resp::split_args(raw.trim_ascii()).unwrap_or_default();
            if words.len() < 6 || words.len() % 2 == 1 {
                return Err(at("Invalid AOF manifest file format"));
            }
            let (mut name, mut seq, mut kind) = (None, 0, None);
            for pair in words.chunks(2) {
                match pair[0].to_ascii_lowercase().as_slice() {
                    b"file" if pair[1].contains(&b'/') => return Err(at("File can't be a path, just a filename")),
                    b"file" => name = Some(String::from_utf8_lossy(&pair[1]).into_owned()),
                    b"seq" => seq = crate::command::c_atoll(&pair[1]),
                    b"type" => kind = pair[1].first().copied(),
                    _ => {}
                }
            }
            let (Some(name), Some(kind), true) = (name, kind, seq != 0) else {
                return Err(at("Invalid AOF manifest file format"));
            };
            match kind {
                b'b' if m.base.is_some() => return Err(at("Found duplicate base file information")),
                b'b' => {
                    m.base = Some((name, seq as u64));
                    m.base_seq = seq as u64;
                }
                b'i' if seq <= maxseq => return Err(at("Found a non-monotonic sequence number")),
                b'i' => {
                    m.incrs.push((name, seq as u64));
                    m.incr_seq = m.incr_seq.max(seq as u64);
                    maxseq = seq;
                }
                // History files are left from a rewrite and no longer part of the dataset.
                // An incr file among them still counts for numbering, so that a new incr file
                // never reuses a history file's name (Redis restarts at 1 and may reopen one).
                b'h' => {
                    if name.ends_with(".incr.aof") {
                        m.incr_seq = m.incr_seq.max(seq as u64);
                    }
                    m.history.push((name, seq as u64));
                }
                _ => return Err(at("Unknown AOF file type")),
            }
        }
        Ok(m)
    }

    /// A new incr file, named after `appendfilename`, added last (Redis' getNewIncrAofName).
    pub(crate) fn add_incr(&mut self, appendfilename: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{appendfilename}.{}.incr.aof", self.incr_seq);
        self.incrs.push((name.clone(), self.incr_seq));
        name
    }

    /// After a rewrite: `base` replaces the base, and the old base and the incr files before
    /// `keep` (the one appended to, if the AOF is on) become history, as Redis'
    /// getNewBaseFileNameAndMarkPreAsHistory and markRewrittenIncrAofAsHistory leave them.
    pub(crate) fn rewritten(&self, base: (String, u64), keep_last_incr: bool) -> Manifest {
        let mut incrs = self.incrs.clone();
        let kept = if keep_last_incr { incrs.pop() } else { None };
        let mut history = incrs;
        history.extend(self.base.clone());
        history.extend(self.history.iter().cloned());
        Manifest {
            base_seq: base.1,
            base: Some(base),
            history,
            incrs: kept.into_iter().collect(),
            incr_seq: self.incr_seq,
        }
    }
}

/// What an append request in flight covers.
#[derive(Clone, Copy, Debug)]
enum InFlight {
    Write(u64),
    /// An fsync up to a position; of the temp incr file of the rewrite turning the AOF on
    /// with this number, if it was one (it vouches for nothing until that rewrite names it).
    Fsync(u64, Option<u64>),
}

/// A forced write waiting for the requests in flight (see `Aof::deferred`).
struct Deferred {
    path: String,
    data: Vec<u8>,
    /// The stream position it ends at.
    pos: u64,
    /// The rewrite turning the AOF on whose temp incr file it goes to, if it does (see
    /// `InFlight::Fsync`): as things were when it was asked for.
    unnamed: Option<u64>,
}

#[derive(Default)]
pub(crate) struct Aof {
    /// Writes go to the AOF (Redis' aof_state ON).
    pub(crate) on: bool,
    /// A rewrite is running (BGREWRITEAOF, or the AOF being turned on).
    pub(crate) rewriting: bool,
    /// BGREWRITEAOF while a BGSAVE ran (or inside EXEC): the cron starts it later.
    pub(crate) rewrite_scheduled: bool,
    /// Turned on, waiting for the scheduled first rewrite (Redis' AOF_WAIT_REWRITE).
    pub(crate) waiting: bool,
    /// Turned on, its first rewrite not yet done (the rest of Redis' AOF_WAIT_REWRITE):
    /// appends go to a temp incr file no manifest names, renamed and named with the new base.
    /// Until then the old files on disk are what a restart loads, and no reply under `always`
    /// is released (its fsync vouches for a file a restart would not read).
    pub(crate) unnamed_incr: bool,
    rewrite_ops: VecDeque<DiskOp>,
    /// Opening the new incr file (appends wait in `buf` meanwhile).
    pub(crate) opening: bool,
    /// The new base is on disk; the final manifest is being written.
    base_ready: bool,
    finishing: bool,
    /// The final manifest's rename was asked for: even if the rewrite fails after, the disk
    /// may name its files, so their names are not used again.
    final_manifest_sent: bool,
    /// A base written at once: its write, fsync and rename.
    base_ops: VecDeque<DiskOp>,
    base_at_once: bool,
    /// The new base's name and sequence number.
    new_base: (String, u64),
    /// The rewrite opened a new incr file: the final manifest keeps it, even if the AOF was
    /// turned off meanwhile (it holds the writes made since the snapshot).
    opened_incr: bool,
    /// The AOF was turned off while the new incr file was being opened: what was appended
    /// meanwhile still goes to the disk once the opening ends (see `aof_opening_ended`); the
    /// stream position it ends at (writes made while waiting to turn it on again count on).
    stopped_while_opening: Option<u64>,
    /// Rewrites that turned the AOF on so far (see `InFlight::Fsync`).
    unnamed_rewrites: u64,
    /// Appends that could not be written when the rewrite started were dropped: the new base
    /// is their only copy, so this rewrite is not stopped.
    base_only_copy: bool,
    /// What the finished rewrite leaves behind to remove.
    stale: Vec<String>,
    /// The stream position the new base covers: durable once the rewrite is.
    rewrite_covers: u64,
    /// The incr file before the rewrite, appended to again if opening the new one fails.
    old_incr_path: String,
    /// While a failed write is being repaired, fsyncs of the new incr file cannot vouch for
    /// the bytes lost before it: how far they got, applied once the rewrite is durable.
    synced_after_failure: u64,
    /// A write or fsync failed while a rewrite ran (see `aof_io_failed`).
    failed_in_rewrite: bool,
    buf: Vec<u8>,
    selected_db: Option<usize>,
    /// aof-timestamp-enabled: the second of the last `#TS:` annotation appended.
    cur_timestamp: u64,
    /// Stream positions: bytes appended to `buf` so far, written, fsynced.
    appended: u64,
    written: u64,
    synced: u64,
    /// Every append request in flight, in order: a completion is matched by its id, not by
    /// guessing which kind was outstanding (a forced flush can put two writes in flight).
    requests: VecDeque<(crate::disk::DiskReq, InFlight)>,
    /// Forced writes (the AOF turned off, a rewrite starting) asked for while requests were in
    /// flight. Each waits until none is (see `aof_drained`): queued behind a request that
    /// fails, a write would land after the bytes that request lost, a hole in the file.
    deferred: VecDeque<Deferred>,
    /// The rewrite's opening waits for the requests before it to be done: after one that
    /// fails, no manifest may name a file following the old incr file.
    opening_waits: bool,
    /// appendfsync always: replies held until the stream is fsynced up to a position.
    held: VecDeque<(u64, Vec<ClientId>)>,
    pub(crate) manifest: Manifest,
    /// The incr file appends go to.
    incr_path: String,
    last_fsync_ms: u64,
    pub(crate) delayed_fsync: u64,
    /// everysec: since when appends have waited for the background fsync (unix ms).
    flush_postponed_since_ms: Option<u64>,
    pub(crate) write_failed: bool,
    /// DEBUG AOF-FLUSH-SLEEP: microseconds the server is busy with each AOF write (a test
    /// hook of Redis, which sleeps in flushAppendOnlyFile).
    pub(crate) flush_sleep_us: u64,
    /// Start-up steps still to do (see `aof_upgrade`), with what to log if each fails; one is
    /// in flight at a time, so a failure stops the ones after it.
    pub(super) start_steps: VecDeque<(DiskOp, String)>,
    pub(super) start_step: Option<String>,
    /// History removal asked for while those steps ran (they write the manifest too).
    pub(super) gc_after_start: bool,
    /// Why the last write or fsync failed (MISCONF quotes it).
    pub(crate) last_error: String,
    /// The manifest before the rewrite in progress: still what the disk holds if it fails.
    old_manifest: Option<Manifest>,
    /// A failed rewrite is tried again then (appends wait in memory meanwhile).
    retry_at_ms: Option<u64>,
    pub(crate) rewrites: u64,
    pub(crate) rewrite_failed: bool,
    /// Sizes for INFO and auto-aof-rewrite: the base, and what the current incr file holds.
    pub(crate) base_size: u64,
    pub(crate) incr_size: u64,
    /// The new base's size, once written (it becomes `base_size` with the final manifest).
    new_base_size: u64,
}

impl Aof {
    /// The stream position the latest write in flight ends at.
    fn write_in_flight(&self) -> Option<u64> {
        self.requests.iter().rev().find_map(|(_, d)| match d {
            InFlight::Write(p) => Some(*p),
            InFlight::Fsync(..) => None,
        })
    }

    /// The stream position the latest fsync in flight covers.
    fn fsync_in_flight(&self) -> Option<u64> {
        self.requests.iter().rev().find_map(|(_, d)| match d {
            InFlight::Fsync(p, _) => Some(*p),
            InFlight::Write(_) => None,
        })
    }

    /// Whether the temp incr file of rewrite `unnamed` (if any) is still named by no manifest
    /// (a rewrite that failed or was stopped took its requests with it).
    fn still_unnamed(&self, unnamed: Option<u64>) -> bool {
        unnamed.is_some_and(|n| self.unnamed_incr && n == self.unnamed_rewrites)
    }

    /// The rewrite turning the AOF on whose temp incr file appends go to now, if any: what
    /// `InFlight::Fsync` and `Deferred` carry.
    fn unnamed_tag(&self) -> Option<u64> {
        self.unnamed_incr.then_some(self.unnamed_rewrites)
    }

    fn fsyncs_in_flight(&self) -> usize {
        self.requests
            .iter()
            .filter(|(_, d)| matches!(d, InFlight::Fsync(..)))
            .count()
    }

    /// The rewrite that turns the AOF on is running (between a failed try and the next none
    /// runs, as Redis has no child then).
    pub(crate) fn initial_rewrite_running(&self) -> bool {
        self.on && self.unnamed_incr && self.rewriting && self.retry_at_ms.is_none()
    }

    /// Appends go to `path` from now on (the last incr file of a loaded AOF).
    pub(crate) fn set_incr(&mut self, path: String) {
        self.incr_path = path;
        self.selected_db = None;
    }
}

/// `data` written to `temp`, fsynced, and renamed to `to`: the file appears whole or not at all.
pub(super) fn write_then_rename(temp: String, data: Vec<u8>, to: String) -> [DiskOp; 3] {
    [
        DiskOp::Write {
            path: temp.clone(),
            data,
            truncate: true,
        },
        DiskOp::Fsync { path: temp.clone() },
        DiskOp::Rename { from: temp, to },
    ]
}

impl Server {
    pub(super) fn aof_dir(&self) -> String {
        self.data_path(&self.cfg.appenddirname)
    }

    pub(super) fn aof_file(&self, name: &str) -> String {
        crate::disk::join(&self.aof_dir(), name)
    }

    pub(crate) fn aof_manifest_path(&self) -> String {
        self.aof_file(&format!("{}.manifest", self.cfg.appendfilename))
    }

    /// CONFIG SET appendonly: starts or stops the AOF to match the setting. Like Redis'
    /// startAppendOnly, turning it on while a BGSAVE runs or inside EXEC only schedules the
    /// first rewrite (AOF_WAIT_REWRITE): the cron starts it, and until then nothing is appended
    /// (the base it writes will hold those writes).
    pub(crate) fn apply_appendonly(&mut self, in_exec: bool) {
        let aof = &self.persist.aof;
        if self.cfg.appendonly && !aof.on && !aof.waiting {
            // (A rewrite already running without the AOF on took no appends: a new one follows.)
            if self.snapshot_busy() || in_exec {
                self.persist.aof.waiting = true;
                self.persist.aof.rewrite_scheduled = true;
                let why = if in_exec {
                    "AOF was enabled during a transaction"
                } else {
                    "AOF was enabled but there is already another background operation"
                };
                self.log(
                    LogLevel::Warning,
                    format!("{why}. An AOF background was scheduled to start when possible."),
                );
            } else {
                self.start_aof_rewrite(true);
            }
        } else if !self.cfg.appendonly && (aof.on || aof.waiting) {
            self.stop_aof();
        }
    }

    /// Redis' stopAppendOnly: what is buffered is written and fsynced, then nothing more, and
    /// a running rewrite is stopped (Redis' killAppendOnlyChild). While the rewrite opens its
    /// new incr file, appends wait for it: both happen once it is open.
    fn stop_aof(&mut self) {
        let opening = self.persist.aof.opening;
        if !opening {
            self.aof_flush(true);
        }
        // Redis fsyncs on stop even with nothing buffered: the last second's writes too.
        if self.persist.aof.on && self.persist.aof.written > self.persist.aof.synced {
            self.aof_fsync(true);
        }
        let aof = &mut self.persist.aof;
        aof.on = false;
        aof.waiting = false;
        aof.rewrite_scheduled = false;
        aof.selected_db = None;
        aof.stopped_while_opening = opening.then_some(aof.appended);
        self.repl.aof = false;
        self.log(LogLevel::Notice, "Background append only file rewriting terminated");
        if !opening {
            self.kill_aof_rewrite();
            // No incr file is open any more (Redis closes aof_fd): a rewrite with the AOF off
            // may make it history and remove it, and turning the AOF on opens a new one.
            self.persist.aof.incr_path.clear();
        }
    }

    /// The opening of a rewrite's new incr file ended (`opened`), or failed. If the AOF was
    /// turned off meanwhile, what it buffered is written and fsynced to the new file, as
    /// stopAppendOnly would have, and the rewrite is stopped. (A failed opening may have been
    /// the old file's fsync: appending there could land after lost pages, so the buffer goes,
    /// as with any failed AOF write.)
    fn aof_opening_ended(&mut self, opened: bool) {
        let Some(pos) = self.persist.aof.stopped_while_opening.take() else {
            return;
        };
        if opened && !self.persist.aof.buf.is_empty() && !self.persist.aof.incr_path.is_empty() {
            self.aof_write_buf(pos, true);
        }
        if opened {
            self.kill_aof_rewrite();
        }
        self.persist.aof.buf.clear();
        self.persist.aof.incr_path.clear();
    }

    /// With the AOF off, a rewrite writing its base snapshot stops. The manifest on disk is
    /// the one its opening wrote (the old files and the new incr file, which holds every
    /// write since), so it stays; turning the AOF on, the manifest was not written yet, and
    /// the temp incr file goes. A base written at once, a rewrite repairing a failed write,
    /// one whose base is the only copy of some writes, or one whose base has all its keys
    /// (its last fsync and rename are in flight) is let finish: each keeps every write.
    fn kill_aof_rewrite(&mut self) {
        let snapshot = self.aof_base_producing();
        let aof = &self.persist.aof;
        let settled = !aof.opening && !aof.finishing && !aof.base_ready && aof.retry_at_ms.is_none();
        // (Turned on again meanwhile, the rewrite it waits for follows this one.)
        let off = !aof.on && !aof.waiting;
        if !off || !aof.rewriting || !snapshot || !settled || aof.write_failed || aof.base_only_copy {
            return;
        }
        self.log(
            LogLevel::Notice,
            "Killing running AOF rewrite child (ferrous rewrites in-process: its snapshot stops)",
        );
        self.abort_aof_snapshot();
        let aof = &mut self.persist.aof;
        aof.rewriting = false;
        aof.stale.clear();
        let old = aof.old_manifest.take();
        if std::mem::take(&mut aof.unnamed_incr) {
            if let Some(old) = old {
                aof.manifest = old;
            }
            // (The temp incr file's path as the rewrite's start made it: `dir` may have changed.)
            let path = aof.incr_path.clone();
            // Its requests in flight vouch for nothing, and a late failure of one must not
            // mark the next AOF as failed.
            aof.requests.clear();
            // (A write deferred to it would make the removed file again.)
            aof.deferred.clear();
            self.persist.disown(Job::Aof);
            self.submit(Job::Cleanup, DiskOp::Remove { path });
            // Its fsyncs vouched for a file no manifest names, and nothing is promised with
            // the AOF off: the replies held for this rewrite go out (Redis sent them already).
            self.release_all_held();
        }
        self.shutdown_if_waiting();
    }

    /// BGREWRITEAOF, and turning the AOF on: Redis 7's rewrite. At once a new incr file is
    /// opened and added to the manifest (appends go there from now on; with the AOF off there
    /// is none; turning it on, it is a temp file no manifest names until the base exists), and
    /// a point-in-time snapshot of the dataset starts to become the new base —
    /// the fork-free walk BGSAVE uses, or, without the RDB preamble, commands written at once.
    /// When the base is on disk the manifest names it and the new incr file; the old base and
    /// incr files become history, removed unless `aof-disable-auto-gc` keeps them. Base and
    /// incr files are numbered each on their own, as Redis numbers them. Returns false if a
    /// rewrite is already running.
    pub(crate) fn start_aof_rewrite(&mut self, enable: bool) -> bool {
        if self.persist.aof.rewriting && self.persist.aof.retry_at_ms.is_none() {
            return false;
        }
        if self.persist.aof.start_step.is_some() && !self.persist.aof.write_failed {
            // Start-up steps still write the manifest naming the incr file, and appends wait
            // for them: the new base would be their only copy. The cron starts it after.
            self.persist.aof.rewrite_scheduled = true;
            self.persist.aof.waiting |= enable;
            return true;
        }
        // Waiting to be turned on, any rewrite is the one that turns it on, as Redis'
        // AOF_WAIT_REWRITE ends with the next rewrite whoever asked for it.
        let enable = enable || std::mem::take(&mut self.persist.aof.waiting);
        if enable {
            self.persist.aof.rewrite_scheduled = false;
        }
        // What was appended before now belongs to the old incr file; what cannot go there (the
        // AOF is waiting for a retry) is dropped: the new base holds it, and it must not be
        // replayed twice from the new incr file.
        let repair = self.persist.aof.write_failed;
        if !repair {
            self.aof_flush(true);
        }
        let aof = &mut self.persist.aof;
        aof.base_only_copy = !aof.buf.is_empty();
        aof.buf.clear();
        self.persist.aof.flush_postponed_since_ms = None;
        let name = self.cfg.appendfilename.clone();
        let old = self.persist.aof.manifest.clone();
        let base_seq = old.base_seq + 1;
        let mut opening = old.clone();
        let mut ops = VecDeque::from([DiskOp::CreateDir { path: self.aof_dir() }]);
        let unnamed = (enable && !self.persist.aof.on) || self.persist.aof.unnamed_incr;
        // With the AOF off (BGREWRITEAOF alone) only a base is written, as Redis'
        // openNewIncrAofForAppend opens nothing then; turning it on, the incr file is a temp
        // one until the base exists (Redis' getTempIncrAofName).
        let new_incr = if unnamed {
            Some(self.aof_temp_incr_path())
        } else {
            self.persist.aof.on.then(|| {
                let incr_name = opening.add_incr(&name);
                self.aof_file(&incr_name)
            })
        };
        if let Some(path) = &new_incr {
            ops.push_back(DiskOp::Write {
                path: path.clone(),
                data: Vec::new(),
                truncate: true,
            });
            // Repairing a failed write, the old incr file may have lost its tail: no manifest
            // may name anything after it, so the new files appear only with the final manifest
            // (the base written at once, appends waiting in memory until then). Otherwise the
            // old incr file is fsynced first, so that the manifest naming a file after it never
            // follows a torn tail. (A temp incr file is named by no manifest until then.)
            if !repair && !unnamed {
                if self.persist.aof.on && !self.persist.aof.incr_path.is_empty() {
                    let path = self.persist.aof.incr_path.clone();
                    ops.push_front(DiskOp::Fsync { path });
                }
                ops.extend(self.manifest_ops(&opening));
            }
        }
        let aof = &mut self.persist.aof;
        aof.manifest = opening;
        aof.old_manifest = Some(old);
        aof.old_incr_path = aof.incr_path.clone();
        aof.retry_at_ms = None;
        // Everything appended so far is in the new base: durable once the rewrite is.
        aof.rewrite_covers = aof.appended;
        aof.rewriting = true;
        aof.opening = true;
        aof.rewrite_ops = ops;
        // Naming a file after the old incr file, the opening waits for its writes in flight.
        aof.final_manifest_sent = false;
        let in_flight = !(aof.requests.is_empty() && aof.deferred.is_empty());
        aof.opening_waits = !repair && !unnamed && new_incr.is_some() && in_flight;
        aof.stale.clear();
        aof.opened_incr = new_incr.is_some();
        aof.unnamed_incr = unnamed;
        aof.unnamed_rewrites += u64::from(unnamed);
        aof.stopped_while_opening = None;
        if let Some(path) = new_incr {
            aof.incr_path = path;
            aof.incr_size = 0;
        }
        aof.selected_db = None;
        aof.base_at_once = false;
        aof.base_ready = false;
        if enable {
            aof.on = true;
            self.repl.aof = true;
        }
        self.log(LogLevel::Notice, "Background append only file rewriting started");
        // The opening steps go first: the directory the base's temp file lives in may be new.
        self.aof_rewrite_next();
        self.start_aof_base(&name, base_seq, repair);
        true
    }

    /// A rewrite's temp base file, in the AOF directory where it is renamed.
    pub(crate) fn aof_temp_path(&self, kind: &str) -> String {
        self.aof_file(&format!("temp-rewriteaof-{kind}-{}.aof", self.env.pid))
    }

    /// Where appends go while the AOF is being turned on (Redis' getTempIncrAofName).
    fn aof_temp_incr_path(&self) -> String {
        self.aof_file(&self.aof_temp_incr_name())
    }

    fn aof_temp_incr_name(&self) -> String {
        format!("temp-{}.incr", self.cfg.appendfilename)
    }

    /// The new base as of now, an RDB image or commands per `aof-use-rdb-preamble`: a
    /// background snapshot, or (`at_once`, or while a BGSAVE runs) written at once.
    fn start_aof_base(&mut self, name: &str, seq: u64, at_once: bool) {
        let kind = if self.cfg.aof_use_rdb_preamble { "rdb" } else { "aof" };
        let base_name = format!("{name}.{seq}.base.{kind}");
        self.persist.aof.new_base = (base_name.clone(), seq);
        let target = super::bgsave::Target::AofBase(self.aof_file(&base_name));
        // (A BGSAVE walking the dataset already: this base is written at once instead.)
        if at_once || self.start_snapshot(target).is_err() {
            let base = match self.cfg.aof_use_rdb_preamble {
                true => self.rdb_file_image(),
                false => self.aof_commands_image(),
            };
            self.write_aof_base_now(base_name, base);
        }
    }

    fn write_aof_base_now(&mut self, base_name: String, data: Vec<u8>) {
        let temp = self.aof_temp_path("now");
        self.persist.aof.new_base_size = data.len() as u64;
        let ops = write_then_rename(temp, data, self.aof_file(&base_name));
        self.persist.aof.base_ops.extend(ops);
        self.persist.aof.base_at_once = true;
    }

    /// Writing `m` as the manifest: temp file, fsync, rename over the manifest, directory fsync.
    pub(super) fn manifest_ops(&self, m: &Manifest) -> [DiskOp; 4] {
        let temp = self.aof_file(&format!("temp-{}.manifest", self.cfg.appendfilename));
        let [write, fsync, rename] = write_then_rename(temp, m.render().into_bytes(), self.aof_manifest_path());
        [write, fsync, rename, DiskOp::FsyncDir { path: self.aof_dir() }]
    }

    /// The rewrite's next step: the opening ops, then a base written at once, then (once the
    /// base is on disk) the final manifest and the removal of the old files.
    fn aof_rewrite_next(&mut self) {
        let manifest_path = self.aof_manifest_path();
        let aof = &mut self.persist.aof;
        if aof.opening_waits {
            return;
        }
        let op = aof.rewrite_ops.pop_front().or_else(|| aof.base_ops.pop_front());
        match op {
            Some(op) => {
                // Appends asked for from now on reach the disk after the rename (requests are
                // carried out in order): they follow the file to its new name.
                if let DiskOp::Rename { from, to } = &op {
                    if *from == aof.incr_path {
                        aof.incr_path = to.clone();
                    }
                    // So do writes deferred until then (see `aof_drained`).
                    for d in aof.deferred.iter_mut().filter(|d| d.path == *from) {
                        d.path = to.clone();
                    }
                    aof.final_manifest_sent |= aof.finishing && *to == manifest_path;
                }
                self.submit(Job::AofRewrite, op);
            }
            None if self.persist.aof.opening => {
                self.persist.aof.opening = false;
                self.aof_opening_ended(true);
                if !self.persist.aof.rewriting {
                    return;
                }
                let aof = &mut self.persist.aof;
                // A base written at once is on disk by now (a snapshot's reports itself).
                aof.base_ready |= aof.base_at_once;
                self.aof_flush(false);
                self.shutdown_if_waiting();
                if self.persist.aof.base_ready {
                    self.aof_finish_rewrite();
                }
            }
            None if self.persist.aof.finishing => self.aof_rewrite_done(),
            None => {}
        }
    }

    /// The snapshot of the new base is on disk (`size` bytes).
    pub(crate) fn aof_snapshot_written(&mut self, size: u64) {
        self.persist.aof.new_base_size = size;
        self.aof_base_written();
    }

    /// The snapshot (or the at-once write) of the new base is on disk.
    pub(crate) fn aof_base_written(&mut self) {
        self.persist.aof.base_ready = true;
        if !self.persist.aof.opening && self.persist.aof.rewrite_ops.is_empty() {
            self.aof_finish_rewrite();
        }
    }

    fn aof_finish_rewrite(&mut self) {
        let aof = &mut self.persist.aof;
        if aof.finishing {
            return;
        }
        aof.finishing = true;
        // The incr file this rewrite opened stays (a rewrite with the AOF off opened none);
        // a temp one is renamed to the next incr name first, as Redis'
        // backgroundRewriteDoneHandler does.
        let unnamed = aof.unnamed_incr;
        let mut done = aof
            .manifest
            .rewritten(aof.new_base.clone(), aof.opened_incr && !unnamed);
        if unnamed {
            let from = self.aof_temp_incr_path();
            let to = self.aof_file(&done.add_incr(&self.cfg.appendfilename));
            self.persist.aof.rewrite_ops.push_back(DiskOp::Rename { from, to });
        }
        if !self.cfg.aof_disable_auto_gc {
            self.persist.aof.stale = self.take_history(&mut done);
        }
        let ops = self.manifest_ops(&done);
        let aof = &mut self.persist.aof;
        aof.manifest = done;
        aof.rewrite_ops.extend(ops);
        self.aof_rewrite_next();
    }

    pub(super) fn aof_rewrite_progress(&mut self, result: DiskResult) {
        match result {
            Ok(_) => self.aof_rewrite_next(),
            Err(e) => self.aof_rewrite_failed(&e.message),
        }
    }

    /// A rewrite that cannot finish. Failing while the new incr file was being opened, the old
    /// manifest still names what the disk holds: appends wait in memory and the rewrite is
    /// tried again. Failing later, the manifest on disk names the old files and the new incr
    /// file, so nothing is lost; only a rewrite that repairs a failed AOF write is retried
    /// (its held replies wait for it). The base snapshot, if any, is stopped.
    pub(crate) fn aof_rewrite_failed(&mut self, why: &str) {
        if !self.persist.aof.rewriting || self.persist.aof.retry_at_ms.is_some() {
            return;
        }
        self.abort_aof_snapshot();
        // A step in flight answers no one: the next rewrite must not take its answer.
        self.persist.disown(Job::AofRewrite);
        let retry_at = self.clock.unix_ms() + REWRITE_RETRY_DELAY_MS;
        let aof = &mut self.persist.aof;
        let opening = aof.opening;
        aof.opening = false;
        // (An opening still waiting to begin has not touched the old incr file.)
        let began = !std::mem::take(&mut aof.opening_waits);
        aof.finishing = false;
        aof.base_ready = false;
        aof.rewrite_ops.clear();
        aof.base_ops.clear();
        aof.stale.clear();
        aof.rewrite_failed = true;
        let unnamed = aof.unnamed_incr;
        // A temp incr file was never named: the disk still holds the old manifest.
        if opening || unnamed {
            if let Some(mut old) = aof.old_manifest.take() {
                if aof.final_manifest_sent {
                    old.base_seq = old.base_seq.max(aof.manifest.base_seq);
                    old.incr_seq = old.incr_seq.max(aof.manifest.incr_seq);
                }
                aof.manifest = old;
            }
            aof.incr_path = std::mem::take(&mut aof.old_incr_path);
        }
        // A failed opening may be the old incr file's fsync: it is failed too (see
        // `aof_io_failed`), for the AOF on or turned off meanwhile with writes of its own.
        if opening && began && aof.opened_incr && (aof.on || aof.stopped_while_opening.is_some()) {
            aof.write_failed = true;
            aof.last_error = why.to_string();
        }
        // An opening that never began left the old incr file sound: turned off meanwhile,
        // what was buffered goes there behind the requests it waited for, as stopAppendOnly
        // would have written it.
        if opening && !began {
            if let Some(pos) = aof.stopped_while_opening.take() {
                let path = std::mem::take(&mut aof.incr_path);
                if !path.is_empty() {
                    self.defer_buf(path, pos, None);
                }
                self.persist.aof.buf.clear();
            }
        }
        if opening {
            self.aof_opening_ended(false);
        }
        let aof = &mut self.persist.aof;
        if aof.on && (opening || aof.write_failed || unnamed) {
            aof.retry_at_ms = Some(retry_at);
        } else {
            aof.rewriting = false;
            aof.unnamed_incr = false;
            // With the AOF off nothing is promised any more: replies that waited for this
            // rewrite (their fsyncs vouched for a temp file, or for a file that failed) go
            // out. Others wait for the fsync in flight that covers them.
            if !aof.on && !aof.waiting && (unnamed || aof.write_failed) {
                self.release_all_held();
            }
        }
        self.log(LogLevel::Warning, format!("Background AOF rewrite failed: {why}"));
        if unnamed {
            // As Redis' aofDelTempIncrAofFile: the next try's base holds what it had.
            let name = self.aof_temp_incr_name();
            self.log(
                LogLevel::Notice,
                format!("Removing the temp incr aof file {name} in the background"),
            );
            let path = self.aof_temp_incr_path();
            // Requests on it in flight vouch for nothing, even once a later try names its own.
            self.persist.aof.requests.clear();
            self.persist.aof.deferred.clear();
            self.persist.disown(Job::Aof);
            self.submit(Job::Cleanup, DiskOp::Remove { path });
        }
        self.aof_flush(false);
        self.aof_drained();
        self.shutdown_if_waiting();
    }

    fn aof_rewrite_done(&mut self) {
        let aof = &mut self.persist.aof;
        aof.rewriting = false;
        aof.finishing = false;
        aof.base_ready = false;
        aof.base_size = aof.new_base_size;
        aof.rewrites += 1;
        aof.rewrite_failed = false;
        aof.unnamed_incr = false;
        aof.old_manifest = None;
        aof.written = aof.written.max(aof.rewrite_covers);
        aof.synced = aof.synced.max(aof.rewrite_covers);
        let failed_again = std::mem::take(&mut aof.failed_in_rewrite);
        if !failed_again {
            aof.write_failed = false;
            aof.synced = aof.synced.max(aof.synced_after_failure);
        }
        aof.synced_after_failure = 0;
        let stale = std::mem::take(&mut aof.stale);
        self.release_held_replies();
        for path in stale {
            self.submit(Job::Cleanup, DiskOp::Remove { path });
        }
        self.log(LogLevel::Notice, "Background AOF rewrite terminated with success");
        if failed_again {
            self.start_aof_rewrite(false);
            return;
        }
        self.aof_flush(false);
        self.shutdown_if_waiting();
    }

    /// A SHUTDOWN that waited for the rewrite goes on.
    fn shutdown_if_waiting(&mut self) {
        if let Some(ask) = self.persist.shutdown_after_rewrite.take() {
            self.shutting_down = false;
            self.begin_shutdown(ask);
        }
    }

    /// The dataset as commands (aof-use-rdb-preamble no): one command per key and its TTL.
    pub(super) fn aof_commands_image(&self) -> Vec<u8> {
        let mut out = self.aof_commands_preamble();
        for (i, db) in self.dbs.iter().enumerate() {
            if db.is_empty() {
                continue;
            }
            super::rewrite::write_select(&mut out, i);
            for (key, value) in db.iter() {
                super::rewrite::write_key(&mut out, key, value, db.expire_at(key));
            }
        }
        out
    }

    /// What a base of commands starts with, before the keys.
    pub(super) fn aof_commands_preamble(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Redis' rewriteAppendOnlyFileRio records the rewrite's second first.
        if self.cfg.aof_timestamp_enabled {
            out.extend_from_slice(format!("#TS:{}\r\n", self.clock.unix_ms() / 1000).as_bytes());
        }
        // Then the function libraries, as rewriteFunctions writes them.
        for lib in self.scripting.functions.libraries.values() {
            out.extend(encode_command(&[&b"FUNCTION"[..], b"LOAD", &lib.code]));
        }
        out
    }

    /// Appends one propagated command to the AOF stream (Redis' feedAppendOnlyFile).
    pub(crate) fn aof_feed(&mut self, db: Option<usize>, argv: &[Vec<u8>]) {
        let aof = &mut self.persist.aof;
        if !aof.on {
            return;
        }
        let before = aof.buf.len();
        // Redis' genAofTimestampAnnotationIfNeeded: a "#TS:<unix seconds>" line before the
        // first command of each new second, which loading skips as an annotation.
        let secs = self.clock.unix_ms() / 1000;
        if self.cfg.aof_timestamp_enabled && aof.cur_timestamp < secs {
            aof.cur_timestamp = secs;
            aof.buf.extend_from_slice(format!("#TS:{secs}\r\n").as_bytes());
        }
        if let Some(db) = db {
            if aof.selected_db != Some(db) {
                aof.buf
                    .extend(encode_command(&[b"SELECT".to_vec(), db.to_string().into_bytes()]));
                aof.selected_db = Some(db);
            }
        }
        aof.buf.extend(encode_command(argv));
        aof.appended += (aof.buf.len() - before) as u64;
    }

    /// Before replies go out (Redis' beforeSleep → flushAppendOnlyFile): what was appended is
    /// written; under `always` also fsynced, and the replies wait for that fsync. `force`
    /// writes and fsyncs whatever the policy (the AOF is being turned off).
    pub(crate) fn aof_flush(&mut self, force: bool) {
        let always = self.cfg.appendfsync == FSYNC_ALWAYS;
        let aof = &mut self.persist.aof;
        // Under `always` appends gather while an fsync is in flight (group commit): a write
        // queued behind an fsync that fails would land after the pages Linux dropped, leaving
        // a hole in the file. Otherwise they gather while a write is in flight; under `no`
        // also while a (forced) fsync is, under `everysec` see `postpone_for_fsync`.
        let no = self.cfg.appendfsync == FSYNC_NO;
        let busy = !force
            && match always {
                true => aof.fsyncs_in_flight() >= 1,
                false => aof.write_in_flight().is_some() || (no && aof.fsync_in_flight().is_some()),
            };
        // Appends also wait while start-up steps write the manifest naming their incr file,
        // and, after a failed write, for the rewrite that repairs the file: a write after the
        // one that failed would leave a hole where its bytes should be.
        let waiting = aof.opening || aof.retry_at_ms.is_some() || aof.start_step.is_some();
        let busy = busy || (!force && !aof.deferred.is_empty()) || aof.write_failed;
        // (Turned off during the start-up steps, what is buffered goes once they are done.
        // With a retry pending after a failed opening the old incr file is sound, unless a
        // write failed: forced, what is buffered goes there.)
        let after_start = force && aof.start_step.is_some();
        let sound_retry = force && aof.retry_at_ms.is_some() && !aof.opening && !aof.unnamed_incr;
        let forced_through = after_start || (sound_retry && !aof.incr_path.is_empty());
        if !aof.on || (waiting && !forced_through) || busy || aof.buf.is_empty() || self.postpone_for_fsync(force) {
            return;
        }
        let aof = &self.persist.aof;
        if force && !(aof.requests.is_empty() && aof.deferred.is_empty() && !after_start) {
            let (path, pos, unnamed) = (aof.incr_path.clone(), aof.appended, aof.unnamed_tag());
            return self.defer_buf(path, pos, unnamed);
        }
        let pos = aof.appended;
        self.aof_write_buf(pos, always || force);
    }

    /// What is buffered (the stream up to `pos`) is written to `path` and fsynced once no
    /// request is in flight and the start-up steps are done (see `aof_drained`).
    fn defer_buf(&mut self, path: String, pos: u64, unnamed: Option<u64>) {
        let aof = &mut self.persist.aof;
        let data = std::mem::take(&mut aof.buf);
        if data.is_empty() {
            return;
        }
        aof.incr_size += data.len() as u64;
        aof.deferred.push_back(Deferred {
            path,
            data,
            pos,
            unnamed,
        });
    }

    /// What is buffered (the stream up to `pos`) is written to the incr file, and fsynced too
    /// with `fsync`.
    fn aof_write_buf(&mut self, pos: u64, fsync: bool) {
        let aof = &mut self.persist.aof;
        let data = std::mem::take(&mut aof.buf);
        aof.incr_size += data.len() as u64;
        let path = aof.incr_path.clone();
        self.aof_write(path, data, pos);
        if fsync {
            self.aof_fsync(true);
        }
    }

    /// `data`, the stream up to `pos`, is appended to the file at `path`.
    fn aof_write(&mut self, path: String, data: Vec<u8>, pos: u64) {
        let aof = &self.persist.aof;
        if aof.flush_sleep_us > 0 {
            // Redis sleeps before the write; the core cannot sleep, so the server is busy
            // for as long from the write on: clients see the same stall.
            let us = aof.flush_sleep_us;
            self.sleep_for(us);
        }
        let op = DiskOp::Write {
            path,
            data,
            truncate: false,
        };
        let req = self.submit(Job::Aof, op);
        self.persist.aof.requests.push_back((req, InFlight::Write(pos)));
    }

    /// No request is in flight any more: the next deferred write goes (with its fsync), then,
    /// once none is left, the rewrite's opening or a shutdown that waited for them. After a
    /// failure they are dropped: the rewrite that repairs the AOF holds their writes.
    pub(super) fn aof_drained(&mut self) {
        let aof = &mut self.persist.aof;
        // (The start-up steps may still be making the file.)
        if !aof.requests.is_empty() || aof.start_step.is_some() {
            return;
        }
        if aof.write_failed {
            aof.deferred.clear();
        }
        if let Some(Deferred {
            path,
            data,
            pos,
            unnamed,
        }) = aof.deferred.pop_front()
        {
            self.aof_write(path.clone(), data, pos);
            let req = self.submit(Job::Aof, DiskOp::Fsync { path });
            let fsync = InFlight::Fsync(pos, unnamed);
            self.persist.aof.requests.push_back((req, fsync));
            return;
        }
        if std::mem::take(&mut self.persist.aof.opening_waits) {
            self.aof_rewrite_next();
        }
        self.shutdown_if_waiting();
    }

    /// everysec: while the background fsync runs, appends wait (up to 2 s, then they are
    /// written anyway and counted in `aof_delayed_fsync`), as Redis' flushAppendOnlyFile
    /// postpones them. Besides not queueing behind a slow fsync, this means no write lands
    /// behind an fsync that fails: Linux drops the pages it could not write back, and a later
    /// write would leave a hole before it in the file.
    fn postpone_for_fsync(&mut self, force: bool) -> bool {
        if force || self.cfg.appendfsync != FSYNC_EVERYSEC || self.persist.aof.fsync_in_flight().is_none() {
            self.persist.aof.flush_postponed_since_ms = None;
            return false;
        }
        let now = self.clock.unix_ms();
        let since = *self.persist.aof.flush_postponed_since_ms.get_or_insert(now);
        if now.saturating_sub(since) < 2000 {
            return true;
        }
        self.persist.aof.flush_postponed_since_ms = None;
        self.persist.aof.delayed_fsync += 1;
        self.log(
            LogLevel::Notice,
            "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer \
             without waiting for fsync to complete, this may slow down Redis.",
        );
        false
    }

    /// Fsyncs what was written or is being written. With `queue` it goes behind an fsync in
    /// flight that does not cover it; otherwise the completion of that one asks for the next.
    fn aof_fsync(&mut self, queue: bool) {
        let aof = &mut self.persist.aof;
        if aof.opening || aof.incr_path.is_empty() {
            // `incr_path` names the new incr file, which may not exist yet; everything written
            // is in the old one, which the rewrite fsyncs before naming the new one. (No path:
            // a failed rewrite that turned the AOF on left no file to fsync.)
            return;
        }
        let pos = aof.write_in_flight().unwrap_or(aof.written);
        match aof.fsync_in_flight() {
            Some(covered) if covered >= pos || !queue => return,
            _ => {}
        }
        aof.last_fsync_ms = self.clock.unix_ms();
        let path = aof.incr_path.clone();
        let req = self.submit(Job::Aof, DiskOp::Fsync { path });
        let fsync = InFlight::Fsync(pos, self.persist.aof.unnamed_tag());
        self.persist.aof.requests.push_back((req, fsync));
    }

    /// Whether the last writes before an exit must wait for requests in flight (or for the
    /// start-up steps making the incr file): writes deferred behind them, or (with the AOF
    /// on) what is buffered.
    pub(crate) fn aof_flush_must_wait(&self) -> bool {
        let aof = &self.persist.aof;
        let buffered = aof.on && !aof.write_failed && !aof.buf.is_empty();
        // (During the start-up steps the incr file to fsync may not exist yet.)
        let starting = aof.on && aof.start_step.is_some();
        !aof.deferred.is_empty() || (buffered && !aof.requests.is_empty()) || starting
    }

    /// SHUTDOWN with the AOF on: what is buffered is written and fsynced; returns a last fsync
    /// to wait for before exiting.
    pub(crate) fn aof_flush_for_shutdown(&mut self) -> Option<DiskOp> {
        if !self.persist.aof.on {
            // Turned off, its last writes may still be in flight: the exit waits for them
            // behind a directory fsync (requests are carried out in order).
            let pending = !self.persist.aof.requests.is_empty();
            return pending.then(|| DiskOp::FsyncDir { path: self.aof_dir() });
        }
        self.aof_flush(true);
        // (No incr file: the AOF was turned on and its first rewrite failed; nothing went to
        // the disk since, as Redis appends nothing in AOF_WAIT_REWRITE without a child.)
        let path = self.persist.aof.incr_path.clone();
        (!path.is_empty()).then_some(DiskOp::Fsync { path })
    }

    /// Redis' automatic rewrite: once the AOF is past auto-aof-rewrite-min-size and has grown
    /// by auto-aof-rewrite-percentage over the base the last rewrite left.
    pub(crate) fn aof_auto_rewrite(&mut self) {
        let aof = &self.persist.aof;
        let (perc, min) = (self.cfg.auto_aof_rewrite_percentage, self.cfg.auto_aof_rewrite_min_size);
        let size = (aof.base_size + aof.incr_size) as i64;
        if !aof.on || aof.rewriting || self.persist.bgsave.is_some() || perc == 0 || size <= min {
            return;
        }
        let base = (aof.base_size as i64).max(1);
        let growth = size * 100 / base - 100;
        if growth >= perc {
            self.log(
                LogLevel::Notice,
                format!("Starting automatic rewriting of AOF on {growth}% growth"),
            );
            self.start_aof_rewrite(false);
        }
    }

    /// The cron under `everysec`: an fsync once a second if anything was written since.
    pub(crate) fn aof_cron(&mut self) {
        let now = self.clock.unix_ms();
        if self.persist.aof.retry_at_ms.is_some_and(|t| now >= t) {
            self.start_aof_rewrite(false);
            return;
        }
        let aof = &self.persist.aof;
        let due = aof.on
            && self.cfg.appendfsync == FSYNC_EVERYSEC
            && aof.written > aof.synced
            && now.saturating_sub(aof.last_fsync_ms) >= 1000;
        // (While the last second's fsync still runs, this one waits for a later second.)
        if due && aof.fsync_in_flight().is_none() {
            self.aof_fsync(false);
        }
    }

    pub(super) fn aof_progress(&mut self, req: crate::disk::DiskReq, result: DiskResult) {
        if let Err(e) = result {
            return self.aof_io_failed(&e.message);
        }
        let aof = &mut self.persist.aof;
        let Some(i) = aof.requests.iter().position(|(r, _)| *r == req) else {
            return;
        };
        let done = aof.requests.remove(i).map(|(_, d)| d);
        match done {
            Some(InFlight::Write(pos)) => aof.written = aof.written.max(pos),
            // Only a rewrite clears a failure: a later success says nothing of the bytes lost.
            Some(InFlight::Fsync(pos, unnamed)) if aof.write_failed || aof.still_unnamed(unnamed) => {
                aof.synced_after_failure = aof.synced_after_failure.max(pos);
            }
            Some(InFlight::Fsync(pos, _)) => {
                aof.synced = aof.synced.max(pos);
                self.release_held_replies();
            }
            None => {}
        }
        let aof = &self.persist.aof;
        // (Fsyncs that vouch for nothing yet still count: asking again would loop.)
        let fsynced = aof.synced.max(aof.synced_after_failure);
        if self.cfg.appendfsync == FSYNC_ALWAYS && aof.written > fsynced && aof.write_in_flight().is_none() {
            self.aof_fsync(false);
        }
        self.aof_flush(false);
        self.aof_drained();
    }

    /// A write or fsync of the incr file failed. What it was writing (or, for an fsync, what
    /// was written since the last good one: Linux drops dirty pages it failed to write back)
    /// is no longer sure to be in the file, and a later fsync would not say otherwise. So the
    /// AOF is made again from the dataset: a rewrite covers everything appended so far, and
    /// the replies it holds go out once it is durable. Until then writes are refused
    /// (Redis' MISCONF for AOF errors).
    pub(crate) fn aof_io_failed(&mut self, why: &str) {
        if !self.persist.aof.write_failed {
            self.log(LogLevel::Warning, format!("Error writing to the AOF file: {why}"));
        }
        let aof = &mut self.persist.aof;
        aof.write_failed = true;
        aof.last_error = why.to_string();
        aof.requests.clear();
        // A rewrite running now does not cover what its new incr file just lost: once it is
        // done, another one repairs the AOF.
        aof.failed_in_rewrite |= aof.rewriting;
        // Later completions of the failed file's requests mean nothing any more.
        self.persist.disown(Job::Aof);
        // A rewrite whose opening waited for them must not name a file after this one: it
        // fails as a failed opening does, and is tried again as a repair.
        if std::mem::take(&mut self.persist.aof.opening_waits) {
            self.persist.aof.failed_in_rewrite = false;
            self.aof_rewrite_failed(why);
        }
        // Turned off, no rewrite repairs it: nothing is promised, the held replies go out.
        let aof = &self.persist.aof;
        if !aof.on && !aof.waiting && !aof.rewriting {
            self.release_all_held();
        }
        if self.persist.aof.on && !self.persist.aof.rewriting {
            self.start_aof_rewrite(false);
        }
        self.aof_drained();
    }

    /// Redis' MISCONF for a failed AOF write: writes are refused until the AOF is sound again.
    pub(crate) fn aof_misconf(&self) -> Option<Vec<u8>> {
        let aof = &self.persist.aof;
        (aof.on && aof.write_failed)
            .then(|| format!("MISCONF Errors writing to the AOF file: {}", aof.last_error).into_bytes())
    }

    /// appendfsync always: instead of flushing `ids` now, hold them until what was appended
    /// so far is fsynced. Returns whether they are held.
    pub(crate) fn aof_hold(&mut self, ids: &[ClientId]) -> bool {
        let aof = &mut self.persist.aof;
        if !aof.on || self.cfg.appendfsync != FSYNC_ALWAYS || aof.synced >= aof.appended {
            return false;
        }
        let pos = aof.appended;
        match aof.held.back_mut() {
            Some((p, list)) if *p == pos => list.extend_from_slice(ids),
            _ => aof.held.push_back((pos, ids.to_vec())),
        }
        true
    }

    /// Clients whose replies wait for an fsync that has not happened.
    pub(crate) fn aof_unsynced_clients(&self) -> Vec<ClientId> {
        let synced = self.persist.aof.synced;
        let held = self.persist.aof.held.iter().filter(|(p, _)| *p > synced);
        held.flat_map(|(_, ids)| ids.iter().copied()).collect()
    }

    /// With the AOF off nothing is promised: every held reply goes out.
    fn release_all_held(&mut self) {
        let held: Vec<ClientId> = self.persist.aof.held.drain(..).flat_map(|(_, ids)| ids).collect();
        self.released.extend(held);
    }

    fn release_held_replies(&mut self) {
        let synced = self.persist.aof.synced;
        while self.persist.aof.held.front().is_some_and(|(p, _)| *p <= synced) {
            let Some((_, ids)) = self.persist.aof.held.pop_front() else {
                break;
            };
            // Held again later (newer replies in its buffer): it waits for that fsync.
            let later = |id: &ClientId| self.persist.aof.held.iter().any(|(_, l)| l.contains(id));
            let free: Vec<ClientId> = ids.into_iter().filter(|id| !later(id)).collect();
            self.released.extend(free);
        }
    }

    /// INFO persistence's AOF fields for an enabled AOF.
    pub(crate) fn aof_info(&self) -> String {
        let aof = &self.persist.aof;
        format!(
            "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:0\r\naof_buffer_length:{}\r\n\
             aof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
            aof.base_size + aof.incr_size,
            aof.base_size,
            aof.buf.len(),
            u8::from(aof.fsync_in_flight().is_some()),
            aof.delayed_fsync
        )
    }
}
