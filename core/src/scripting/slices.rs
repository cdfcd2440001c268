//! Long scripts (Redis' script timeout, busy-reply-threshold). Redis lets its event loop run
//! from inside a long script: after busy-reply-threshold ms, other clients are answered -BUSY
//! except for the few commands that may run then (SCRIPT KILL, FUNCTION KILL, SHUTDOWN
//! NOSAVE, ...). The core cannot wait for the world inside a call, so a script runs in slices
//! instead (see `engine::Engine::start`): between two slices it is suspended here, the server
//! counts as paused (what arrives waits in order, like during DEBUG SLEEP), and each `Tick`
//! (due at once) runs the next slice. Once the script has run past the threshold, what waits
//! is served in busy mode. A killed script ends with Redis' error at the line it had reached.
//!
//! Scripts run as one piece where the server cannot be handed back in the middle of a
//! command: inside EXEC, for a served blocked client, from the master's stream. A script
//! from the AOF does run in slices, as the AOF client, while others are answered -LOADING.

use mlua::Thread;

use super::engine::{Engine, Step};
use crate::client::{ClientId, ReplyMode};
use crate::persist::aof_load::AOF_CLIENT;
use crate::resp::Reply;
use crate::server::{Event, Server};
use crate::LogLevel;

/// What a script needs to go on after a slice (from `run_script`).
pub(crate) struct Parts {
    pub engine: Engine,
    pub function: bool,
    pub co: Thread,
    pub name: String,
    pub deny_before: bool,
}

/// A script between two slices.
pub(crate) struct Suspended {
    parts: Parts,
    caller: ClientId,
    /// Monotonic µs when it started.
    started_us: u64,
    /// The caller's reply is not to be sent (CLIENT REPLY OFF or SKIP).
    muted: bool,
    /// Past busy-reply-threshold: other clients are served (with -BUSY).
    pub timed_out: bool,
    /// SCRIPT KILL or FUNCTION KILL asked for its end.
    pub killed: bool,
    /// Whether it is a `function` (FCALL) rather than an EVAL script.
    pub function: bool,
}

/// Redis' replies to commands refused while a script is busy.
pub(crate) const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub(crate) const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

impl Server {
    /// Whether a script may be suspended between slices for client `id`'s command (see the
    /// module comment for where it may not).
    pub(crate) fn may_suspend_script(&self, id: ClientId) -> bool {
        let aof = id == AOF_CLIENT;
        !self.replica.applying
            && (aof || !self.persist.replaying)
            && !self.blocking.serving
            && !self.scripting.serving_busy
            && self.clients.get(&id).is_some_and(|c| aof || !c.master)
    }

    pub(crate) fn script_suspended(&self) -> bool {
        self.scripting.suspended.is_some()
    }

    /// Past busy-reply-threshold: commands without `allow-busy` get -BUSY.
    pub(crate) fn script_timed_out(&self) -> bool {
        self.scripting.suspended.as_ref().is_some_and(|s| s.timed_out)
    }

    /// The -BUSY error for the running script.
    pub(crate) fn busy_error(&self) -> &'static str {
        match &self.scripting.suspended {
            Some(s) if s.function => BUSY_FUNCTION,
            _ => BUSY_EVAL,
        }
    }

    /// The script yielded after a slice: it waits here for the next `Tick`.
    pub(crate) fn suspend_script(&mut self, parts: Parts) {
        let caller = self.scripting.run.as_ref().expect("a running script").caller;
        let muted = self
            .clients
            .get(&caller)
            .is_some_and(|c| matches!(c.reply_mode, ReplyMode::Off | ReplyMode::Skipping));
        // Its EVAL/FCALL propagates nothing itself (its commands do, when it ends).
        self.repl.prevent();
        let function = parts.function;
        self.scripting.suspended = Some(Suspended {
            parts,
            caller,
            started_us: self.clock.mono_us(),
            muted,
            timed_out: false,
            killed: false,
            function,
        });
    }

    /// While a script is suspended (from `run_stalled`): a waiting `Tick` runs its next slice;
    /// past the threshold, what waits is served in busy mode. Returns whether it is still
    /// suspended.
    pub(crate) fn script_pending_step(&mut self) -> bool {
        let ticks = self.stalled.len();
        self.stalled.retain(|e| !matches!(e, Event::Tick));
        let killed = self.scripting.suspended.as_ref().is_some_and(|s| s.killed);
        if ticks != self.stalled.len() || killed {
            self.next_slice();
        }
        if !self.script_suspended() {
            return false;
        }
        // Redis' whileBlockedCron: a signal during loading shuts down (without saving) even
        // while a script from the AOF runs.
        if self.persist.loading && self.shutdown.signalled.is_some() {
            self.shutdown_cron();
            return self.script_suspended();
        }
        self.check_busy_threshold();
        if self.script_timed_out() {
            self.serve_while_busy();
        }
        self.script_suspended()
    }

    /// Enters busy mode once the script has run busy-reply-threshold ms (0: never).
    fn check_busy_threshold(&mut self) {
        let threshold_us = (self.cfg.busy_reply_threshold.max(0) as u64).saturating_mul(1000);
        let now = self.clock.mono_us();
        let Some(s) = self.scripting.suspended.as_mut() else {
            return;
        };
        let elapsed_us = now.saturating_sub(s.started_us);
        if s.timed_out || threshold_us == 0 || elapsed_us < threshold_us {
            return;
        }
        s.timed_out = true;
        let kill = if s.function { "FUNCTION KILL" } else { "SCRIPT KILL" };
        let name = s.parts.name.clone();
        self.log(
            LogLevel::Warning,
            format!(
                "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {kill} command. Script name is: {name}.",
                elapsed_us / 1000
            ),
        );
    }

    /// Runs the script's next slice; one from the AOF runs as the AOF's commands do, and
    /// its client goes at its end.
    fn next_slice(&mut self) {
        let aof = self
            .scripting
            .suspended
            .as_ref()
            .is_some_and(|s| s.caller == AOF_CLIENT);
        if !aof {
            return self.run_next_slice();
        }
        self.as_aof_client(Self::run_next_slice);
        if !self.script_suspended() {
            self.aof_script_ended();
        }
    }

    /// Runs the script's next slice, or ends it if it was killed.
    fn run_next_slice(&mut self) {
        let Some(s) = self.scripting.suspended.take() else {
            return;
        };
        let outcome = if s.killed {
            self.log(LogLevel::Warning, "Lua script killed by user with SCRIPT KILL.");
            Err(s
                .parts
                .engine
                .error_where(&s.parts.co, b"Script killed by user with SCRIPT KILL..."))
        } else {
            let outer = self.tracking.current.replace(s.caller);
            let step = s
                .parts
                .engine
                .resume_with_bridge(&s.parts.co, None, |lua, op, args| self.bridge(lua, op, args));
            self.tracking.current = outer;
            match step {
                Step::Yielded => {
                    self.scripting.suspended = Some(s);
                    return;
                }
                Step::Done(outcome) => {
                    if outcome.is_ok() {
                        s.parts.engine.recycle(s.parts.co.clone());
                    }
                    outcome
                }
            }
        };
        let resp3 = self.clients.get(&s.caller).is_some_and(|c| c.reply.resp3);
        let mut out = Reply::new(resp3);
        let Parts {
            engine,
            function,
            name,
            deny_before,
            ..
        } = s.parts;
        self.end_script(engine, function, deny_before, outcome, &name, &mut out);
        if s.caller == AOF_CLIENT {
            // Its effects go nowhere (see `as_aof_client`); clients blocked on keys it filled
            // are served once the load is over, as for the AOF's other commands.
            self.propagate_pending(true);
            return;
        }
        if let Some(c) = self.clients.get_mut(&s.caller) {
            if !s.muted {
                c.reply.buf.extend_from_slice(&out.buf);
            }
            self.mark_dirty(s.caller);
        }
        // What the command's end did not do while the script was away (see command::execute):
        // its effects go out, the caller's WAIT counts them, clients blocked on the keys it
        // filled are served.
        let offset_before = self.repl.offset;
        self.propagate_pending(true);
        self.tracking_send_pending();
        self.note_write_offset(s.caller, offset_before);
        self.handle_ready_keys();
        self.serve_waiting_acks();
    }

    /// Serves what waits while the script is busy: commands (answered -BUSY unless they may
    /// run now), connections and disconnections. The caller's own input, the master link
    /// and signals wait for the script's end.
    fn serve_while_busy(&mut self) {
        let caller = self.scripting.suspended.as_ref().map(|s| s.caller);
        // DEBUG LOADAOF's client waits for the end of the load that runs the script.
        let loading = self.loadaof_client();
        let mut waiting = std::mem::take(&mut self.stalled);
        let mut kept = std::collections::VecDeque::new();
        self.scripting.serving_busy = true;
        while let Some(event) = waiting.pop_front() {
            let client = match &event {
                Event::Commands { client, .. }
                | Event::ProtocolError { client, .. }
                | Event::Disconnected { client }
                | Event::QueryBuffer { client, .. }
                | Event::Backlog { client, .. }
                | Event::Connected { client, .. } => Some(*client),
                _ => None,
            };
            let served =
                client.is_some_and(|c| Some(c) != caller && Some(c) != loading && self.replica.link != Some(c));
            if !served {
                kept.push_back(event);
                continue;
            }
            self.dispatch_busy_event(event);
            if !self.script_suspended() || self.shutting_down {
                break;
            }
        }
        self.scripting.serving_busy = false;
        kept.append(&mut waiting);
        kept.append(&mut self.stalled);
        self.stalled = kept;
    }
}

impl Server {
    /// SCRIPT KILL (`eval`) or FUNCTION KILL: the running script ends at its next slice, if
    /// it wrote nothing yet (Redis' scriptKill); `Err` is the refusal.
    pub(crate) fn kill_script(&mut self, eval: bool) -> Result<(), &'static str> {
        let wrote = self
            .scripting
            .run
            .as_ref()
            .is_some_and(|r| r.flags & super::run_flags::WRITE_DIRTY != 0);
        let Some(s) = self.scripting.suspended.as_mut() else {
            return Err("NOTBUSY No scripts in execution right now.");
        };
        if wrote {
            return Err("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        }
        match (eval, s.function) {
            (true, true) => Err(BUSY_FUNCTION),
            (false, false) => Err(BUSY_EVAL),
            _ => {
                s.killed = true;
                Ok(())
            }
        }
    }

    /// FUNCTION STATS' running_script: the function's name, its caller's command, and how
    /// long it has run (ms).
    pub(crate) fn running_function(&self) -> Option<(String, Vec<Vec<u8>>, u64)> {
        let s = self.scripting.suspended.as_ref().filter(|s| s.function)?;
        let args = self.scripting.run.as_ref().map(|r| r.args.clone()).unwrap_or_default();
        let ms = self.clock.mono_us().saturating_sub(s.started_us) / 1000;
        Some((s.parts.name.clone(), args, ms))
    }
}
