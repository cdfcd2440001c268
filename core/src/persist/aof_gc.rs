//! The AOF's history files (Redis' aofDelHistoryFiles): the files a rewrite replaced stay in
//! the manifest as `type h` while `aof-disable-auto-gc` is on; otherwise, and when it is
//! turned off, they leave the manifest and are removed. Like Redis, CONFIG SET answers once
//! the manifest without them is on disk (the server waits meanwhile); removing the files
//! themselves is background work whose outcome changes nothing.

use super::aof::Manifest;
use super::Job;
use crate::client::ClientId;
use crate::disk::{DiskOp, DiskResult};
use crate::server::Server;
use crate::LogLevel;

/// CONFIG SET aof-disable-auto-gc no, waiting for the manifest to be written.
pub(crate) struct GcWait {
    client: ClientId,
    steps_left: usize,
}

impl Server {
    /// The history leaves the manifest `m`, with Redis' log line per file; the paths of its
    /// files, to remove once the manifest without them is on disk.
    pub(super) fn take_history(&mut self, m: &mut Manifest) -> Vec<String> {
        let history = std::mem::take(&mut m.history);
        let mut paths = Vec::with_capacity(history.len());
        for (name, _) in history {
            self.log(
                LogLevel::Notice,
                format!("Removing the history file {name} in the background"),
            );
            paths.push(self.aof_file(&name));
        }
        paths
    }

    /// Removes the history now unless auto-gc is off or a rewrite is running (its end does
    /// it). With `waiter`, returns whether that client's reply waits for the manifest.
    pub(crate) fn aof_gc_history(&mut self, waiter: Option<ClientId>) -> bool {
        let aof = &self.persist.aof;
        if self.cfg.aof_disable_auto_gc || aof.rewriting || aof.manifest.history.is_empty() {
            return false;
        }
        let mut m = self.persist.aof.manifest.clone();
        let stale = self.take_history(&mut m);
        let ops = self.manifest_ops(&m);
        self.persist.aof.manifest = m;
        let job = if waiter.is_some() { Job::AofGc } else { Job::Cleanup };
        let steps_left = ops.len();
        for op in ops {
            self.submit(job, op);
        }
        for path in stale {
            self.submit(Job::Cleanup, DiskOp::Remove { path });
        }
        if let Some(client) = waiter {
            self.persist.gc_wait = Some(GcWait { client, steps_left });
        }
        waiter.is_some()
    }

    /// A step of the manifest write CONFIG SET waits for: after the last, it answers (a
    /// failure only leaves the history files where they are, as in Redis).
    pub(super) fn aof_gc_progress(&mut self, result: DiskResult) {
        if let Err(e) = result {
            self.log(
                LogLevel::Warning,
                format!("Can't persist the AOF manifest file: {}", e.message),
            );
        }
        let Some(wait) = self.persist.gc_wait.as_mut() else {
            return;
        };
        wait.steps_left -= 1;
        if wait.steps_left == 0 {
            let client = wait.client;
            self.persist.gc_wait = None;
            self.answer(client, |r| r.ok());
        }
    }
}
