//! CLIENT PAUSE (Redis' pauseClients): until a deadline, commands that may write (WRITE) or
//! all commands (ALL) of every client but replicas wait, postponed as blocked clients, and run
//! again in order once the pause ends or becomes less strict. While paused nothing expires or
//! is evicted: the dataset stays as it is, as a failover needs. Each purpose keeps its own
//! pause; the strictest one in force applies (Redis 7.0 has the client's and SHUTDOWN's).

use crate::server::Server;

/// What a pause holds back; ALL is the stricter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PauseType {
    Write,
    All,
}

/// Who asked for a pause.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    ClientCommand = 0,
    /// SHUTDOWN waiting for lagging replicas: writes wait so that the stream stops growing.
    Shutdown = 1,
}

/// The `wants` of a client postponed by a pause (see `crate::blocking`).
pub(crate) const POSTPONED: &str = "postponed";

#[derive(Debug, Default)]
pub(crate) struct Pauses {
    /// Per purpose: the type and the unix ms it ends at.
    by_purpose: [Option<(PauseType, u64)>; 2],
    /// The strictest type in force and its furthest end.
    current: Option<(PauseType, u64)>,
}

impl Pauses {
    pub(crate) fn current_type(&self) -> Option<PauseType> {
        self.current.map(|(t, _)| t)
    }
}

impl Server {
    /// Pauses for `purpose` until `end_ms` (a pause already there keeps the later end and
    /// the stricter type).
    pub(crate) fn pause_clients(&mut self, purpose: Purpose, end_ms: u64, ty: PauseType) {
        let slot = &mut self.pauses.by_purpose[purpose as usize];
        *slot = Some(match *slot {
            Some((t, e)) => (t.max(ty), e.max(end_ms)),
            None => (ty, end_ms),
        });
        self.update_pause();
    }

    pub(crate) fn unpause_clients(&mut self, purpose: Purpose) {
        self.pauses.by_purpose[purpose as usize] = None;
        self.update_pause();
    }

    /// The cron's check (Redis' checkClientPauseTimeoutAndReturnIfPaused): a pause past its
    /// end is over.
    pub(crate) fn pause_cron(&mut self) {
        if self.pauses.current.is_some_and(|(_, end)| end < self.now_ms()) {
            self.update_pause();
        }
    }

    /// Recomputes the pause in force; when it got less strict the postponed clients run
    /// again (and may be postponed again).
    fn update_pause(&mut self) {
        let now = self.now_ms();
        let old = self.pauses.current_type();
        for slot in self.pauses.by_purpose.iter_mut() {
            if slot.is_some_and(|(_, end)| end < now) {
                *slot = None;
            }
        }
        let live = self.pauses.by_purpose.iter().flatten();
        let ty = live.clone().map(|(t, _)| *t).max();
        self.pauses.current = ty.map(|ty| {
            let end = live.filter(|(t, _)| *t == ty).map(|(_, e)| *e).max().unwrap_or(now);
            (ty, end)
        });
        let new = self.pauses.current_type();
        let looser = match (old, new) {
            (Some(_), None) => true,
            (Some(o), Some(n)) => n < o,
            _ => false,
        };
        if looser {
            self.release_postponed();
        }
    }

    /// Whether the running command of client `id` must wait for the pause to end: replicas
    /// never wait; under WRITE only what may write or replicate does (`may_replicate`).
    pub(crate) fn must_postpone(&self, id: crate::client::ClientId, may_replicate: bool) -> bool {
        let Some(ty) = self.pauses.current_type() else {
            return false;
        };
        if self.clients.get(&id).is_none_or(|c| c.replica) {
            return false;
        }
        ty == PauseType::All || may_replicate
    }

    /// Whether clients are paused (nothing expires or is evicted meanwhile).
    pub(crate) fn clients_paused(&self) -> bool {
        self.pauses.current.is_some()
    }
}
