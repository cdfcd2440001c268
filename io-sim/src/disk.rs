//! A node's simulated disk, with the guarantees a real one gives and no more.
//!
//! Every file (an inode) has a durable content and, on top of it, the changes written since
//! its last fsync; every name has a durable directory entry and, on top of it, the creations,
//! renames and removals since its directory's last fsync. Reads see everything (the page
//! cache). A crash keeps a random prefix of each file's changes, the last one possibly torn
//! half-way, and a random prefix of the directory changes; a file no durable name reaches is
//! gone. Faults, drawn from the disk's own seeded stream: an fsync fails (EIO) and the data
//! written since the file's last fsync is lost, as Linux drops dirty pages it failed to write
//! back (truncations, being metadata, stay); the disk
//! fills up for a while (writes fail with ENOSPC); requests take a varying time, but complete
//! in the order they were made.
//!
//! Directories themselves are durable at once (the core creates one directory, once).

use std::collections::BTreeMap;

use ferrous_core::{DiskError, DiskErrorKind, DiskOp, DiskResult};

use crate::rng::SimRng;

/// How often things go wrong. All zero: a disk that only loses what a crash takes.
#[derive(Clone, Debug, Default)]
pub struct DiskFaults {
    /// Chance that an fsync fails (and loses the file's unsynced changes).
    pub fsync_fail: f64,
    /// Chance that a write finds the disk full; it stays full for `full_for_us`.
    pub full: f64,
    pub full_for_us: (u64, u64),
    /// Extra latency of a request, drawn uniformly up to this.
    pub max_jitter_us: u64,
}

/// How long a disk request takes before any jitter.
pub const BASE_LATENCY_US: u64 = 200;

type Inode = u64;

/// A change to a file not yet fsynced.
#[derive(Clone, Debug)]
enum Change {
    Append(Vec<u8>),
    Truncate(usize),
}

#[derive(Clone, Debug, Default)]
struct File {
    durable: Vec<u8>,
    pending: Vec<Change>,
    /// `durable` with `pending` applied: what reads see.
    current: Vec<u8>,
}

impl File {
    fn change(&mut self, c: Change) {
        apply(&mut self.current, &c);
        self.pending.push(c);
    }

    fn sync(&mut self) {
        self.durable.clone_from(&self.current);
        self.pending.clear();
    }

    fn drop_pending(&mut self) {
        self.current.clone_from(&self.durable);
        self.pending.clear();
    }

    /// A failed fsync: the data written since the last good one is gone (Linux drops the
    /// dirty pages it could not write back); size changes (truncations) are metadata and stay.
    fn lose_unsynced_data(&mut self) {
        for c in std::mem::take(&mut self.pending) {
            if let Change::Truncate(_) = c {
                apply(&mut self.durable, &c);
            }
        }
        self.current.clone_from(&self.durable);
    }

    /// What survives a crash: the durable content, then a random prefix of the changes, the
    /// first change not kept possibly torn (a prefix of its bytes reached the platter).
    fn crash(&mut self, rng: &mut SimRng) {
        let keep = rng.between(0, self.pending.len() as u64) as usize;
        let mut data = std::mem::take(&mut self.durable);
        for c in &self.pending[..keep] {
            apply(&mut data, c);
        }
        if let Some(Change::Append(bytes)) = self.pending.get(keep) {
            let torn = rng.between(0, bytes.len() as u64) as usize;
            data.extend_from_slice(&bytes[..torn]);
        }
        self.durable = data;
        self.drop_pending();
    }
}

fn apply(data: &mut Vec<u8>, c: &Change) {
    match c {
        Change::Append(bytes) => data.extend_from_slice(bytes),
        Change::Truncate(len) => data.truncate(*len),
    }
}

/// A set of name changes made together (a rename moves one name and removes another).
type NameChange = Vec<(String, Option<Inode>)>;

pub struct SimDisk {
    rng: SimRng,
    faults: DiskFaults,
    files: BTreeMap<Inode, File>,
    next_inode: Inode,
    /// Names as reads see them.
    names: BTreeMap<String, Inode>,
    /// Names as a crash would leave them, and the changes since, in order.
    durable_names: BTreeMap<String, Inode>,
    pending_names: Vec<NameChange>,
    /// ENOSPC until then (virtual µs).
    full_until_us: u64,
    /// When the last request completes: a later one never completes before it.
    last_done_us: u64,
    /// Faults injected so far: when each began and ended (virtual µs).
    faults_injected: Vec<(u64, u64)>,
}

impl SimDisk {
    pub fn new(rng: SimRng, faults: DiskFaults) -> SimDisk {
        SimDisk {
            rng,
            faults,
            files: BTreeMap::new(),
            next_inode: 1,
            names: BTreeMap::new(),
            durable_names: BTreeMap::new(),
            pending_names: Vec::new(),
            full_until_us: 0,
            last_done_us: 0,
            faults_injected: Vec::new(),
        }
    }

    pub fn set_faults(&mut self, faults: DiskFaults) {
        self.faults = faults;
    }

    /// Carries out `op` now; returns its result and when its completion is reported.
    pub fn submit(&mut self, now_us: u64, op: DiskOp) -> (DiskResult, u64) {
        let result = self.apply(now_us, op);
        let jitter = match self.faults.max_jitter_us {
            0 => 0,
            j => self.rng.between(0, j),
        };
        let done = (now_us + BASE_LATENCY_US + jitter).max(self.last_done_us);
        self.last_done_us = done;
        (result, done)
    }

    /// Carries out `op` now, with faults as configured.
    pub fn apply(&mut self, now_us: u64, op: DiskOp) -> DiskResult {
        match op {
            DiskOp::Write { path, data, truncate } => self.write(now_us, path, data, truncate),
            DiskOp::Fsync { path } => self.fsync(now_us, &path),
            DiskOp::Rename { from, to } => {
                let inode = self.names.remove(&from).ok_or_else(missing)?;
                self.names.insert(to.clone(), inode);
                self.pending_names.push(vec![(to, Some(inode)), (from, None)]);
                Ok(None)
            }
            DiskOp::Remove { path } => {
                if self.names.remove(&path).is_some() {
                    self.pending_names.push(vec![(path, None)]);
                }
                Ok(None)
            }
            DiskOp::FsyncDir { path } => {
                self.sync_dir(&path);
                Ok(None)
            }
            DiskOp::Read { path } => Ok(Some(self.read(&path).ok_or_else(missing)?.to_vec())),
            DiskOp::CreateDir { .. } => Ok(None),
            DiskOp::Truncate { path, len } => {
                let inode = *self.names.get(&path).ok_or_else(missing)?;
                self.file(inode).change(Change::Truncate(len as usize));
                Ok(None)
            }
        }
    }

    /// The faults injected so far: when each began and ended (virtual µs).
    pub fn faults(&self) -> &[(u64, u64)] {
        &self.faults_injected
    }

    /// What reads of `path` return now.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        let inode = self.names.get(path)?;
        self.files.get(inode).map(|f| f.current.as_slice())
    }

    /// The names reads see, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }

    /// The machine loses power: what was not durable is lost, except for whatever prefix of
    /// it happened to reach the disk.
    pub fn crash(&mut self) {
        let keep = self.rng.between(0, self.pending_names.len() as u64) as usize;
        for change in self.pending_names.drain(..keep) {
            apply_names(&mut self.durable_names, change);
        }
        self.pending_names.clear();
        self.names.clone_from(&self.durable_names);
        let live: std::collections::BTreeSet<Inode> = self.names.values().copied().collect();
        self.files.retain(|inode, _| live.contains(inode));
        for file in self.files.values_mut() {
            file.crash(&mut self.rng);
        }
        self.full_until_us = 0;
    }

    fn write(&mut self, now_us: u64, path: String, data: Vec<u8>, truncate: bool) -> DiskResult {
        if !data.is_empty() && self.is_full(now_us) {
            return Err(DiskError::new(DiskErrorKind::NoSpace, "No space left on device"));
        }
        let inode = match self.names.get(&path) {
            Some(&inode) => inode,
            None => self.create(path),
        };
        let file = self.file(inode);
        if truncate {
            file.change(Change::Truncate(0));
        }
        if !data.is_empty() {
            file.change(Change::Append(data));
        }
        Ok(None)
    }

    fn create(&mut self, path: String) -> Inode {
        let inode = self.next_inode;
        self.next_inode += 1;
        self.files.insert(inode, File::default());
        self.names.insert(path.clone(), inode);
        self.pending_names.push(vec![(path, Some(inode))]);
        inode
    }

    fn fsync(&mut self, now_us: u64, path: &str) -> DiskResult {
        let inode = *self.names.get(path).ok_or_else(missing)?;
        let fail = self.faults.fsync_fail > 0.0 && self.rng.chance(self.faults.fsync_fail);
        if fail {
            self.faults_injected.push((now_us, now_us));
            self.file(inode).lose_unsynced_data();
            return Err(DiskError::new(DiskErrorKind::Other, "Input/output error"));
        }
        self.file(inode).sync();
        Ok(None)
    }

    /// Makes durable the name changes in directory `dir` (a rename counts for both of its
    /// directories: the journal commits it as one).
    fn sync_dir(&mut self, dir: &str) {
        let (now, later): (Vec<NameChange>, Vec<NameChange>) = std::mem::take(&mut self.pending_names)
            .into_iter()
            .partition(|change| change.iter().any(|(p, _)| parent(p) == dir.trim_end_matches('/')));
        for change in now {
            apply_names(&mut self.durable_names, change);
        }
        self.pending_names = later;
    }

    fn is_full(&mut self, now_us: u64) -> bool {
        if now_us < self.full_until_us {
            return true;
        }
        if self.faults.full > 0.0 && self.rng.chance(self.faults.full) {
            let (lo, hi) = self.faults.full_for_us;
            self.full_until_us = now_us + self.rng.between(lo, hi.max(lo));
            self.faults_injected.push((now_us, self.full_until_us));
            return true;
        }
        false
    }

    fn file(&mut self, inode: Inode) -> &mut File {
        self.files.entry(inode).or_default()
    }
}

fn apply_names(names: &mut BTreeMap<String, Inode>, change: NameChange) {
    for (path, inode) in change {
        match inode {
            Some(i) => names.insert(path, i),
            None => names.remove(&path),
        };
    }
}

/// The directory a path is in, as the core names it in FsyncDir (`.` for a bare name).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

fn missing() -> DiskError {
    DiskError::new(DiskErrorKind::NotFound, "No such file or directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(seed: u64) -> SimDisk {
        SimDisk::new(SimRng::new(seed, 99), DiskFaults::default())
    }

    fn write(d: &mut SimDisk, path: &str, data: &[u8]) {
        let op = DiskOp::Write {
            path: path.into(),
            data: data.to_vec(),
            truncate: false,
        };
        d.apply(0, op).unwrap();
    }

    fn op(d: &mut SimDisk, op: DiskOp) -> DiskResult {
        d.apply(0, op)
    }

    #[test]
    fn reads_see_everything_written() {
        let mut d = disk(1);
        write(&mut d, "dir/a", b"hello ");
        write(&mut d, "dir/a", b"world");
        assert_eq!(d.read("dir/a"), Some(&b"hello world"[..]));
        assert_eq!(
            op(&mut d, DiskOp::Read { path: "dir/b".into() }).unwrap_err().kind,
            DiskErrorKind::NotFound
        );
    }

    #[test]
    fn fsynced_data_under_a_synced_name_survives_every_crash() {
        for seed in 0..50 {
            let mut d = disk(seed);
            write(&mut d, "dir/a", b"durable");
            op(&mut d, DiskOp::Fsync { path: "dir/a".into() }).unwrap();
            op(&mut d, DiskOp::FsyncDir { path: "dir".into() }).unwrap();
            write(&mut d, "dir/a", b" maybe");
            d.crash();
            let got = d.read("dir/a").unwrap();
            assert!(
                got.starts_with(b"durable") && b"durable maybe".starts_with(got),
                "{got:?}"
            );
        }
    }

    #[test]
    fn a_crash_keeps_a_prefix_of_unsynced_writes_sometimes_torn() {
        let mut lengths = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let mut d = disk(seed);
            write(&mut d, "a", b"");
            op(&mut d, DiskOp::FsyncDir { path: ".".into() }).unwrap();
            write(&mut d, "a", b"abc");
            write(&mut d, "a", b"def");
            d.crash();
            let got = d.read("a").unwrap().to_vec();
            assert!(b"abcdef".starts_with(&got));
            lengths.insert(got.len());
        }
        assert_eq!(lengths.len(), 7, "every prefix length happens: {lengths:?}");
    }

    #[test]
    fn a_new_name_or_rename_needs_the_directory_fsynced() {
        let (mut lost, mut kept) = (0, 0);
        for seed in 0..100 {
            let mut d = disk(seed);
            write(&mut d, "d/old", b"1");
            op(&mut d, DiskOp::Fsync { path: "d/old".into() }).unwrap();
            op(&mut d, DiskOp::FsyncDir { path: "d".into() }).unwrap();
            write(&mut d, "d/tmp", b"2");
            op(&mut d, DiskOp::Fsync { path: "d/tmp".into() }).unwrap();
            op(
                &mut d,
                DiskOp::Rename {
                    from: "d/tmp".into(),
                    to: "d/old".into(),
                },
            )
            .unwrap();
            d.crash();
            match d.read("d/old") {
                Some(b"1") => lost += 1,
                Some(b"2") => kept += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(lost > 0 && kept > 0);
        let mut d = disk(7);
        write(&mut d, "d/tmp", b"2");
        op(&mut d, DiskOp::Fsync { path: "d/tmp".into() }).unwrap();
        op(
            &mut d,
            DiskOp::Rename {
                from: "d/tmp".into(),
                to: "d/new".into(),
            },
        )
        .unwrap();
        op(&mut d, DiskOp::FsyncDir { path: "d".into() }).unwrap();
        d.crash();
        assert_eq!(d.read("d/new"), Some(&b"2"[..]));
        assert_eq!(d.read("d/tmp"), None);
    }

    #[test]
    fn a_failed_fsync_loses_the_unsynced_data() {
        let faults = DiskFaults {
            fsync_fail: 1.0,
            ..DiskFaults::default()
        };
        let mut d = SimDisk::new(SimRng::new(3, 99), faults);
        write(&mut d, "a", b"lost");
        let err = op(&mut d, DiskOp::Fsync { path: "a".into() }).unwrap_err();
        assert_eq!(err.kind, DiskErrorKind::Other);
        assert_eq!(d.read("a"), Some(&b""[..]));
        assert_eq!(d.faults().len(), 1);
    }

    #[test]
    fn a_full_disk_refuses_writes_for_a_while() {
        let faults = DiskFaults {
            full: 1.0,
            full_for_us: (1000, 1000),
            ..DiskFaults::default()
        };
        let mut d = SimDisk::new(SimRng::new(3, 99), faults);
        let w = |data: &[u8]| DiskOp::Write {
            path: "a".into(),
            data: data.to_vec(),
            truncate: false,
        };
        assert_eq!(d.apply(10, w(b"x")).unwrap_err().kind, DiskErrorKind::NoSpace);
        assert_eq!(d.apply(500, w(b"x")).unwrap_err().kind, DiskErrorKind::NoSpace);
        d.set_faults(DiskFaults::default());
        assert!(d.apply(1010, w(b"x")).is_ok());
    }

    #[test]
    fn completions_keep_request_order_whatever_the_jitter() {
        let faults = DiskFaults {
            max_jitter_us: 5000,
            ..DiskFaults::default()
        };
        let mut d = SimDisk::new(SimRng::new(3, 99), faults);
        let mut last = 0;
        for now in 0..100 {
            let (_, at) = d.submit(now * 10, DiskOp::CreateDir { path: "d".into() });
            assert!(at >= last && at >= now * 10 + BASE_LATENCY_US);
            last = at;
        }
    }
}
