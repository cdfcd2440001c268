//! SHUTDOWN and the shutdown signals (Redis' prepareForShutdown, isReadyToShutdown,
//! finishShutdown, abortShutdown). Unless told NOW, a master with replicas that have not
//! acknowledged its whole stream first waits for them, up to `shutdown-timeout` seconds, with
//! writes paused so that the stream stops growing; the cron finishes the shutdown once they
//! caught up or the time is up. The clients that asked wait blocked; if the shutdown fails
//! or is aborted they get an error and the server runs on.

use crate::client::ClientId;
use crate::pause::{PauseType, Purpose};
use crate::server::{Server, Signal};
use crate::LogLevel;

/// The `wants` of a client blocked in SHUTDOWN (see `crate::blocking`).
pub(crate) const SHUTDOWN_WAIT: &str = "shutdown";

/// SHUTDOWN's modifiers, also what `shutdown-on-sigterm` / `shutdown-on-sigint` hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownFlags {
    pub save: bool,
    pub nosave: bool,
    /// Do not wait for lagging replicas.
    pub now: bool,
    /// Errors writing the AOF or the RDB do not stop the exit.
    pub force: bool,
}

const FLAG_NAMES: &str = "default, save, nosave, now, force";

impl ShutdownFlags {
    /// A config value: words among default, save, nosave, now, force (Redis' multi-arg enum).
    pub fn from_config(v: &str) -> Result<ShutdownFlags, String> {
        let mut f = ShutdownFlags::default();
        let words: Vec<&str> = v.split_whitespace().collect();
        if words.is_empty() {
            return Err(format!("argument(s) must be one of the following: {FLAG_NAMES}"));
        }
        for w in words {
            if !w.eq_ignore_ascii_case("default") && !f.set(w) {
                return Err(format!("argument(s) must be one of the following: {FLAG_NAMES}"));
            }
        }
        if f.conflicting() {
            return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
        }
        Ok(f)
    }

    /// Sets the flag `word` names (any case); false if it names none.
    pub fn set(&mut self, word: &str) -> bool {
        match word.to_ascii_lowercase().as_str() {
            "save" => self.save = true,
            "nosave" => self.nosave = true,
            "now" => self.now = true,
            "force" => self.force = true,
            _ => return false,
        }
        true
    }

    /// SAVE and NOSAVE together.
    pub fn conflicting(self) -> bool {
        self.save && self.nosave
    }

    /// As CONFIG GET shows it: the flags set, or "default".
    pub fn to_config(self) -> String {
        let set = [
            (self.save, "save"),
            (self.nosave, "nosave"),
            (self.now, "now"),
            (self.force, "force"),
        ];
        let words: Vec<&str> = set.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
        if words.is_empty() {
            "default".into()
        } else {
            words.join(" ")
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct ShutdownState {
    /// A signal asked for a shutdown (Redis' shutdown_asap); the cron begins it.
    pub(crate) signalled: Option<Signal>,
    /// Waiting for lagging replicas until this unix ms (Redis' shutdown_mstime), to shut
    /// down with these flags.
    pub(crate) waiting: Option<(u64, ShutdownFlags)>,
    /// Exiting at once (a second SIGINT): nothing more runs while the temp files go.
    pub(crate) exiting: bool,
}

impl Server {
    /// SHUTDOWN from client `id`: it waits blocked until the server exits, or gets an error.
    pub(crate) fn shutdown_command(&mut self, id: ClientId, db: usize, args: crate::resp::Args, flags: ShutdownFlags) {
        self.block(id, db, args, 0..0, 0, SHUTDOWN_WAIT);
        self.prepare_for_shutdown(flags);
    }

    /// Begins a shutdown; a second one while the first waits for replicas does nothing (its
    /// client waits with the first's).
    pub(crate) fn prepare_for_shutdown(&mut self, mut flags: ShutdownFlags) {
        if self.shutdown.waiting.is_some() || self.shutting_down {
            return;
        }
        // A half-loaded dataset must not overwrite the file it comes from.
        if self.persist.loading {
            flags.save = false;
            flags.nosave = true;
        }
        self.log(LogLevel::Warning, "User requested shutdown...");
        if !flags.now && self.cfg.shutdown_timeout != 0 && !self.replicas_caught_up() {
            let deadline = self.now_ms() + self.cfg.shutdown_timeout as u64 * 1000;
            self.shutdown.waiting = Some((deadline, flags));
            if !self.clients_paused() {
                self.send_getack();
            }
            self.pause_clients(Purpose::Shutdown, u64::MAX, PauseType::Write);
            self.log(LogLevel::Notice, "Waiting for replicas before shutting down.");
            return;
        }
        self.finish_shutdown(flags);
    }

    /// Every replica, those still waiting for their snapshot too (Redis' server.slaves).
    fn all_replicas(&self) -> Vec<&crate::client::Client> {
        let waiting = self.repl.waiting_sync.iter().map(|(id, _)| id);
        self.repl
            .replicas
            .iter()
            .chain(waiting)
            .filter_map(|id| self.clients.get(id))
            .collect()
    }

    /// Whether every replica acknowledged the whole stream (Redis' isReadyToShutdown).
    fn replicas_caught_up(&self) -> bool {
        let offset = self.repl.offset;
        self.all_replicas().iter().all(|c| c.repl_ack_offset == offset)
    }

    /// The last step: says which replicas lag, then saves and exits (`begin_shutdown`).
    fn finish_shutdown(&mut self, flags: ShutdownFlags) {
        self.log_lagging_replicas();
        let save = flags.save || (!flags.nosave && !self.cfg.save_points.is_empty());
        self.begin_shutdown(crate::persist::ShutdownAsk {
            save,
            force: flags.force,
        });
    }

    fn log_lagging_replicas(&mut self) {
        let (offset, now) = (self.repl.offset, self.clock.mono_us());
        let mut lines = Vec::new();
        let replicas = self.all_replicas();
        let total = replicas.len();
        for c in replicas {
            if c.repl_ack_offset != offset {
                let lag = if c.replica_online() {
                    now.saturating_sub(c.repl_ack_us) / 1_000_000
                } else {
                    0
                };
                lines.push(format!(
                    "Lagging replica {} reported offset {} behind master, lag={lag}, state={}.",
                    self.replica_name(c),
                    offset as i64 - c.repl_ack_offset as i64,
                    self.replica_state(c.id)
                ));
            }
        }
        let lagging = lines.len();
        for line in lines {
            self.log(LogLevel::Warning, line);
        }
        if total > 0 {
            let line = format!(
                "{} of {total} replicas are in sync when shutting down.",
                total - lagging
            );
            self.log(LogLevel::Notice, line);
        }
    }

    /// Redis' replicationGetSlaveName: the address it listens on, else its connection's.
    fn replica_name(&self, c: &crate::client::Client) -> String {
        if c.repl_listening_port != 0 {
            format!("{}:{}", c.replica_ip(), c.repl_listening_port)
        } else {
            format!("{}:<unknown-replica-port>", c.conn.ip())
        }
    }

    /// The shutdown stops short (Redis' cancelShutdown): the clients that asked get an
    /// error, writes resume.
    pub(crate) fn cancel_shutdown(&mut self) {
        self.shutdown = ShutdownState::default();
        for (id, _) in self.blocked_in(SHUTDOWN_WAIT) {
            self.release_with(id, |r| r.err("Errors trying to SHUTDOWN. Check logs."));
        }
        self.unpause_clients(Purpose::Shutdown);
    }

    /// SHUTDOWN ABORT: whether there was a shutdown to abort.
    pub(crate) fn abort_shutdown(&mut self) -> bool {
        if self.persist.shutdown_after_rewrite.take().is_some() {
            // The exit waited for the AOF's new file to open, or its writes in flight (see
            // `begin_shutdown`).
            self.shutting_down = false;
            self.cancel_shutdown();
        } else if self.shutdown.waiting.is_some() {
            self.cancel_shutdown();
        } else if self.shutdown.signalled.take().is_none() {
            return false;
        }
        self.log(LogLevel::Notice, "Shutdown manually aborted.");
        true
    }

    /// The cron's part (serverCron): a signalled shutdown begins; a waiting one ends once the
    /// replicas caught up or its time is up.
    pub(crate) fn shutdown_cron(&mut self) {
        if self.shutting_down {
            return;
        }
        match (self.shutdown.signalled, self.shutdown.waiting) {
            (Some(sig), None) => {
                let flags = match sig {
                    // A signal while loading shuts down without saving, whatever the config.
                    _ if self.persist.loading => ShutdownFlags {
                        nosave: true,
                        ..Default::default()
                    },
                    Signal::Terminate => self.cfg.shutdown_on_sigterm,
                    Signal::Interrupt => self.cfg.shutdown_on_sigint,
                };
                self.prepare_for_shutdown(flags);
            }
            (_, Some((deadline, flags))) if self.now_ms() >= deadline || self.replicas_caught_up() => {
                self.finish_shutdown(flags);
            }
            _ => {}
        }
    }

    /// SIGTERM or SIGINT: the cron shuts down; a second SIGINT exits at once (Redis'
    /// sigShutdownHandler: "the user really wants to quit").
    pub(crate) fn on_shutdown_signal(&mut self, sig: Signal) {
        if self.shutdown.signalled.is_some() && sig == Signal::Interrupt {
            self.log(LogLevel::Warning, "You insist... exiting now.");
            return self.exit_removing_temp_rdb();
        }
        let line = if self.persist.loading {
            "Received shutdown signal during loading, scheduling shutdown.".to_string()
        } else {
            let name = match sig {
                Signal::Terminate => "SIGTERM",
                Signal::Interrupt => "SIGINT",
            };
            format!("Received {name} scheduling shutdown...")
        };
        self.log(LogLevel::Warning, line);
        self.shutdown.signalled = Some(sig);
    }

    /// Whether events wait for the shutdown: while it waits for the AOF's new file to open or
    /// its writes in flight before going on (Redis' finishShutdown runs in one go), and
    /// during a forced exit.
    pub(crate) fn shutdown_holds_events(&self) -> bool {
        self.shutdown.exiting || self.persist.shutdown_after_rewrite.is_some()
    }

    /// INFO's shutdown_in_milliseconds, while waiting for replicas.
    pub(crate) fn shutdown_in_ms(&self) -> Option<i64> {
        self.shutdown
            .waiting
            .map(|(deadline, _)| deadline as i64 - self.now_ms() as i64)
    }
}
