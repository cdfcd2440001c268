//! The disk thread: carries out the core's disk requests one after another, in order, and
//! reports each completion to I/O thread 0, which hands it to the core. Files being appended
//! to stay open between requests.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::sync::mpsc::Receiver;

use ferrous_core::{DiskError, DiskErrorKind, DiskOp, DiskReq, DiskResult};

use crate::shared::{Shared, ToThread};
use crate::shim::sync::{lock, Arc};

/// Runs until every sender is gone (the server is exiting). Requests already queued are
/// carried out together and reported in one message: a write and the fsync behind it
/// (`appendfsync always`) wake the core once, not twice.
pub fn run(shared: Arc<Shared>, requests: Receiver<(DiskReq, DiskOp)>) {
    while let Ok(first) = requests.recv() {
        let mut done = Vec::new();
        let mut next = Some(first);
        while let Some((req, op)) = next {
            let result = perform(&mut lock(&shared.disk_files), op);
            done.push(ToThread::Disk { req, result });
            next = requests.try_recv().ok();
        }
        shared.mailboxes[0].push_all(done);
    }
}

/// Start-up, before any connection is accepted: the core's first requests (reading the RDB
/// file) are carried out right here, as Redis loads its data before serving. Returns the exit
/// status if the core gave up (a file it cannot load).
pub fn boot(
    server: &mut ferrous_core::Server,
    open: &mut OpenFiles,
    clock: &crate::clock::RealClock,
    logger: &crate::log::Logger,
) -> Option<i32> {
    use ferrous_core::{Event, Output};
    while let Some(out) = server.poll_output() {
        match out {
            Output::Disk { req, op, .. } => {
                let result = perform(open, op);
                server.handle(clock.now(), Event::Disk { req, result });
            }
            Output::Log { level, text } => logger.log(level, &text),
            Output::Exit { code } => return Some(code),
            _ => {}
        }
    }
    None
}

/// Files kept open for appending, by path.
pub type OpenFiles = HashMap<String, File>;

pub fn perform(open: &mut OpenFiles, op: DiskOp) -> DiskResult {
    match op {
        DiskOp::Write { path, data, truncate } => {
            if truncate {
                open.remove(&path);
            }
            let f = match open.get_mut(&path) {
                Some(f) => f,
                None => {
                    let f = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .truncate(false)
                        .open(&path)
                        .map_err(error)?;
                    if truncate {
                        f.set_len(0).map_err(error)?;
                    }
                    open.entry(path).or_insert(f)
                }
            };
            f.write_all(&data).map_err(error)?;
        }
        // fdatasync, as Redis' redis_fsync on Linux: the data and the size, not the times.
        DiskOp::Fsync { path } => match open.get(&path) {
            Some(f) => f.sync_data().map_err(error)?,
            None => File::open(&path).and_then(|f| f.sync_data()).map_err(error)?,
        },
        DiskOp::Rename { from, to } => {
            open.remove(&to);
            if let Some(f) = open.remove(&from) {
                open.insert(to.clone(), f);
            }
            std::fs::rename(&from, &to).map_err(error)?;
        }
        DiskOp::Remove { path } => {
            open.remove(&path);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(error(e)),
                _ => {}
            }
        }
        DiskOp::FsyncDir { path } => File::open(&path).and_then(|d| d.sync_all()).map_err(error)?,
        DiskOp::Read { path } => return std::fs::read(&path).map(Some).map_err(error),
        DiskOp::CreateDir { path } => match std::fs::create_dir(&path) {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => return Err(error(e)),
            _ => {}
        },
        DiskOp::Truncate { path, len } => {
            open.remove(&path);
            OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(len))
                .map_err(error)?;
        }
    }
    Ok(None)
}

/// The error as the core sees it: its kind and strerror's text (what Redis logs).
fn error(e: std::io::Error) -> DiskError {
    let kind = match e.kind() {
        ErrorKind::NotFound => DiskErrorKind::NotFound,
        _ if e.raw_os_error() == Some(libc::ENOSPC) => DiskErrorKind::NoSpace,
        _ => DiskErrorKind::Other,
    };
    // std's Display adds " (os error N)"; Redis quotes strerror alone.
    let text = e.to_string();
    let message = text.split(" (os error").next().unwrap_or(&text).to_string();
    DiskError::new(kind, message)
}
