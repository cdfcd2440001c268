//! The AOF's history files (Redis' aofDelHistoryFiles): the files a rewrite replaced stay in
//! the manifest as `type h` while `aof-disable-auto-gc` is on; otherwise, and when it is
//! turned off, they leave the manifest and are removed. Like Redis, CONFIG SET answers once
//! the manifest without them is on disk (the server waits meanwhile); removing the files
//! themselves is background work whose outcome changes nothing.

use std::collections::VecDeque;

use super::aof::Manifest;
use super::Job;
use crate::client::ClientId;
use crate::disk::{DiskOp, DiskResult};
use crate::server::Server;
use crate::LogLevel;

/// A history removal in progress: the manifest without the history is written one step at a
/// time (a failed step stops the rest, so a broken temp file is never renamed in); the files
/// are removed once it is on disk. CONFIG SET's client, if any, waits with the whole server.
pub(crate) struct GcChain {
    pub(super) client: Option<ClientId>,
    steps: VecDeque<DiskOp>,
    stale: Vec<String>,
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
        let busy = aof.rewriting || self.persist.gc.is_some();
        if self.cfg.aof_disable_auto_gc || busy || aof.manifest.history.is_empty() {
            return false;
        }
        if aof.start_step.is_some() {
            // Start-up steps write the manifest now: this follows them.
            self.persist.aof.gc_after_start = true;
            return false;
        }
        let mut m = self.persist.aof.manifest.clone();
        let stale = self.take_history(&mut m);
        let mut steps: VecDeque<DiskOp> = self.manifest_ops(&m).into_iter().collect();
        self.persist.aof.manifest = m;
        let first = steps.pop_front();
        self.persist.gc = Some(GcChain {
            client: waiter,
            steps,
            stale,
        });
        if let Some(op) = first {
            self.submit(Job::AofGc, op);
        }
        waiter.is_some()
    }

    /// A step of the manifest write completed: the next one, or (after the last) the files
    /// go and the waiting client is answered. A failure leaves the files where they are, as
    /// in Redis, and answers too.
    pub(super) fn aof_gc_progress(&mut self, result: DiskResult) {
        let Some(mut chain) = self.persist.gc.take() else {
            return;
        };
        match result {
            Err(e) => {
                let line = format!("Can't persist the AOF manifest file: {}", e.message);
                self.log(LogLevel::Warning, line);
            }
            Ok(_) => {
                if let Some(op) = chain.steps.pop_front() {
                    self.persist.gc = Some(chain);
                    self.submit(Job::AofGc, op);
                    return;
                }
                for path in std::mem::take(&mut chain.stale) {
                    self.submit(Job::Cleanup, DiskOp::Remove { path });
                }
            }
        }
        if let Some(client) = chain.client {
            self.answer(client, |r| r.ok());
        }
    }
}
