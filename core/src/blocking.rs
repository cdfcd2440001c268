//! Clients blocked on keys (Redis' blocked.c), woken by lists and sorted sets.
//!
//! A blocking command that finds nothing to serve calls [`Server::block`] instead of replying.
//! From then on the client runs nothing: what it sends (a broken request included) waits in its
//! `pending` queue, as Redis reads nothing more from a blocked client.
//!
//! Redis looks only at keys that were *signalled ready* ([`Server::signal_key_as_ready`]): a
//! key is signalled when a list or sorted set is added under it while someone waits on it
//! (dbAdd: a new key, or RENAME/MOVE/COPY/RESTORE's delete-then-add) and by SWAPDB; an
//! overwrite of an existing key (setKey's dbOverwrite) or a push into an existing value
//! signals nothing. After each command the signalled keys are handled in signal order
//! ([`Server::handle_ready_keys`]): each is looked up (lazily expiring it), and the clients
//! waiting on it for the type it holds are served first blocked first, from that key alone, by
//! running their blocking command again restricted to it: it now finds the value and replies
//! as Redis shapes the reply of a served client. A waiter is also released by its deadline
//! (virtual or real monotonic time, fed to the driver through [`Server::next_deadline_us`]), by
//! CLIENT UNBLOCK, or by disconnecting (which leaves no trace). Released clients then run what
//! they sent meanwhile.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;

use crate::client::{ClientId, ReplyMode};
use crate::cmd::stream_read::{StreamServe, StreamWait};
use crate::resp::{Args, ProtocolError};
use crate::server::Server;

/// What a client sent, in arrival order: a parsed command, or the broken request that ends its
/// stream (answered only once everything before it has run).
#[derive(Debug)]
pub(crate) enum Input {
    Command(Args),
    ProtocolError(ProtocolError),
}

/// A key of one database.
type Slot = (usize, Vec<u8>);

/// One blocked client.
#[derive(Debug)]
struct Waiter {
    db: usize,
    /// The blocking command, run again (restricted to the key that woke it) to serve it.
    args: Args,
    /// Where its keys are in `args`.
    keys: Range<usize>,
    /// Monotonic µs; `None` waits forever.
    deadline_us: Option<u64>,
    /// Order of blocking, to break ties between equal deadlines.
    seq: u64,
    /// `TYPE` name of the value that wakes this client ("list", "zset").
    wants: &'static str,
    /// What it sent while blocked, run once released.
    pending: VecDeque<Input>,
    /// XREAD / XREADGROUP: what it reads past.
    stream: Option<StreamWait>,
}

impl Waiter {
    fn keys(&self) -> &[Vec<u8>] {
        &self.args[self.keys.clone()]
    }

    /// The blocking command as it runs to serve the client from `key` alone: Redis serves a
    /// waiter from the key that became ready, whatever its other keys hold by then. The
    /// multi-key pops that count their keys (BLMPOP, BZMPOP: `timeout numkeys key...`) get a
    /// count of one.
    fn args_for(&self, key: &[u8]) -> Args {
        let mut args = self.args[..self.keys.start].to_vec();
        if self.keys.start > 1 {
            if let Some(numkeys) = args.last_mut() {
                *numkeys = b"1".to_vec();
            }
        }
        args.push(key.to_vec());
        args.extend_from_slice(&self.args[self.keys.end..]);
        args
    }
}

#[derive(Debug, Default)]
pub(crate) struct Blocking {
    waiters: BTreeMap<ClientId, Waiter>,
    /// Per (db, key): the clients waiting on it, first blocked first.
    by_key: BTreeMap<Slot, VecDeque<ClientId>>,
    /// (deadline, seq, client) of waiters that have a timeout.
    deadlines: BTreeSet<(u64, u64, ClientId)>,
    seq: u64,
    /// Keys signalled ready and not handled yet, in signal order (Redis' server.ready_keys),
    /// and the same as a set, so that a key is queued once (db->ready_keys).
    ready: VecDeque<Slot>,
    ready_set: BTreeSet<Slot>,
    /// Released clients whose queued input is still to run, in release order.
    released: VecDeque<(ClientId, VecDeque<Input>)>,
    /// A waiter's command is running again to serve it (not a command a client just sent):
    /// Redis serves such clients outside call(), so they propagate and count differently.
    pub(crate) serving: bool,
    /// The stream reader being served, for its command to read (see `cmd::stream_read`).
    pub(crate) stream_serve: Option<StreamServe>,
    /// Blocked XREADGROUP clients: their keys are checked after each command.
    group_readers: usize,
}

impl Blocking {
    pub(crate) fn count(&self) -> usize {
        self.waiters.len()
    }

    /// Blocked clients with a timeout (INFO's clients_in_timeout_table).
    pub(crate) fn timed_count(&self) -> usize {
        self.deadlines.len()
    }

    pub(crate) fn next_deadline_us(&self) -> Option<u64> {
        self.deadlines.first().map(|&(t, _, _)| t)
    }

    /// Whether any client anywhere waits for a value of type `ty` (Redis' per-type count of
    /// blocked clients, which signalKeyAsReady consults first).
    fn anyone_wants(&self, ty: &str) -> bool {
        self.waiters.values().any(|w| w.wants == ty)
    }

    /// The clients waiting on `key` of `db` for a value of type `ty`, first blocked first.
    fn waiting_for(&self, db: usize, key: &[u8], ty: &str) -> Vec<ClientId> {
        let Some(q) = self.by_key.get(&(db, key.to_vec())) else {
            return Vec::new();
        };
        q.iter()
            .copied()
            .filter(|id| self.waiters.get(id).is_some_and(|w| w.wants == ty))
            .collect()
    }
}

/// How a waiter leaves without being served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Release {
    /// Its timeout: the null array.
    Timeout,
    /// CLIENT UNBLOCK ... ERROR.
    Error,
    /// The server changed role: this error.
    Failed(&'static str),
}

impl Server {
    /// Blocks client `id` on the keys at `keys` in `args` (the blocking command itself) of
    /// database `db` until one holds a `wants` value, for `timeout_ms` (0 = forever; Redis'
    /// deadline arithmetic wraps into the past on overflow, which times out at once).
    pub(crate) fn block(
        &mut self,
        id: ClientId,
        db: usize,
        args: Args,
        keys: Range<usize>,
        timeout_ms: i64,
        wants: &'static str,
    ) {
        let now = self.clock.mono_us();
        let deadline_us = (timeout_ms > 0).then(|| {
            let wall = self.clock.unix_ms() as i64;
            if wall.checked_add(timeout_ms).is_none() {
                now
            } else {
                now.saturating_add((timeout_ms as u64).saturating_mul(1000))
            }
        });
        let b = &mut self.blocking;
        b.seq += 1;
        let waiter = Waiter {
            db,
            args,
            keys,
            deadline_us,
            seq: b.seq,
            wants,
            pending: VecDeque::new(),
            stream: None,
        };
        for k in waiter.keys() {
            let q = b.by_key.entry((db, k.clone())).or_default();
            if !q.contains(&id) {
                q.push_back(id);
            }
        }
        if let Some(t) = deadline_us {
            b.deadlines.insert((t, waiter.seq, id));
        }
        b.waiters.insert(id, waiter);
        if let Some(c) = self.clients.get_mut(&id) {
            c.blocked = true;
        }
    }

    /// [`Server::block`] for XREAD / XREADGROUP: `wait` says what serves it.
    pub(crate) fn block_stream(
        &mut self,
        id: ClientId,
        db: usize,
        args: Args,
        keys: Range<usize>,
        timeout_ms: i64,
        wait: StreamWait,
    ) {
        let group = wait.group.is_some();
        self.block(id, db, args, keys, timeout_ms, "stream");
        if let Some(w) = self.blocking.waiters.get_mut(&id) {
            w.stream = Some(wait);
            self.blocking.group_readers += usize::from(group);
        }
    }

    pub(crate) fn is_blocked(&self, id: ClientId) -> bool {
        self.blocking.waiters.contains_key(&id)
    }

    /// The command `id` is blocked in.
    pub(crate) fn blocked_args(&self, id: ClientId) -> Option<&Args> {
        self.blocking.waiters.get(&id).map(|w| &w.args)
    }

    /// Queues input that arrived for a blocked client.
    pub(crate) fn defer_input(&mut self, id: ClientId, input: impl IntoIterator<Item = Input>) {
        if let Some(w) = self.blocking.waiters.get_mut(&id) {
            w.pending.extend(input);
        }
    }

    /// Removes every trace of `id`'s waiting; returns its state.
    fn take_waiter(&mut self, id: ClientId) -> Option<Waiter> {
        let b = &mut self.blocking;
        let w = b.waiters.remove(&id)?;
        if w.stream.as_ref().is_some_and(|s| s.group.is_some()) {
            b.group_readers -= 1;
        }
        for k in w.keys() {
            let slot = (w.db, k.clone());
            if let Some(q) = b.by_key.get_mut(&slot) {
                q.retain(|&c| c != id);
                if q.is_empty() {
                    b.by_key.remove(&slot);
                }
            }
        }
        if let Some(t) = w.deadline_us {
            b.deadlines.remove(&(t, w.seq, id));
        }
        if let Some(c) = self.clients.get_mut(&id) {
            c.blocked = false;
        }
        Some(w)
    }

    /// A client that went away: forget it was blocked.
    pub(crate) fn forget_blocked(&mut self, id: ClientId) {
        self.take_waiter(id);
        self.blocking.released.retain(|(c, _)| *c != id);
    }

    /// Redis' signalKeyAsReady: `key` of `db` now holds a value of type `ty`; queue it to be
    /// handled after the command if that type can wake anyone and someone waits on the key.
    pub(crate) fn signal_key_as_ready(&mut self, db: usize, key: &[u8], ty: &str) {
        let b = &mut self.blocking;
        if !matches!(ty, "list" | "zset" | "stream") || !b.anyone_wants(ty) {
            return;
        }
        let slot = (db, key.to_vec());
        if b.by_key.contains_key(&slot) && b.ready_set.insert(slot.clone()) {
            b.ready.push_back(slot);
        }
    }

    /// SWAPDB (Redis' scanDatabaseForReadyKeys): what database `db` holds changed wholesale,
    /// so every key waited on there that now exists is signalled with the type it holds.
    pub(crate) fn signal_waited_keys_in(&mut self, db: usize) {
        let waited: Vec<Vec<u8>> = self
            .blocking
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        for key in waited {
            if let Some(ty) = self.dbs[db].get(&key).map(|v| v.type_name()) {
                self.signal_key_as_ready(db, &key, ty);
            }
        }
    }

    /// Redis' handleClientsBlockedOnKeys: handles the keys signalled ready, in signal order.
    /// What serving signals meanwhile (a served BLMOVE's new destination) queues up for the
    /// next round.
    pub(crate) fn handle_ready_keys(&mut self) {
        while !self.blocking.ready.is_empty() {
            let round = std::mem::take(&mut self.blocking.ready);
            for slot in round {
                self.blocking.ready_set.remove(&slot);
                self.serve_key(slot.0, &slot.1);
            }
        }
        // After the ready keys: a group reader one of them can serve is served first.
        if self.blocking.group_readers > 0 {
            self.release_readers_of_deleted_streams();
        }
    }

    /// Serves the clients waiting on `key` for the type of value it holds, first blocked
    /// first, until it is emptied (and deleted).
    fn serve_key(&mut self, db: usize, key: &[u8]) {
        // The lookup expires the key if its time has come; Redis propagates such a DEL at
        // once, not with the next command's effects.
        if self.expire_if_needed(db, key) {
            self.propagate_pending(true);
        }
        let Some(ty) = self.dbs[db].get(key).map(|v| v.type_name()) else {
            return;
        };
        if ty == "stream" {
            return self.serve_stream_key(db, key);
        }
        for id in self.blocking.waiting_for(db, key, ty) {
            self.serve(id, key);
            if !self.dbs[db].contains(key) {
                break;
            }
        }
    }

    /// Runs a waiter's blocking command again, on `key` alone, now that it can be served.
    fn serve(&mut self, id: ClientId, key: &[u8]) {
        let Some(w) = self.take_waiter(id) else { return };
        let args = w.args_for(key);
        self.run_served(id, &args, w.pending);
    }

    /// Runs a taken waiter's command as served (outside call(), see `Blocking::serving`), then
    /// lets it go with what it sent meanwhile.
    fn run_served(&mut self, id: ClientId, args: &[Vec<u8>], pending: VecDeque<Input>) {
        self.blocking.serving = true;
        crate::command::execute(self, id, args);
        self.blocking.serving = false;
        self.mark_dirty(id);
        self.release(id, pending);
    }

    /// Serves the readers blocked on the stream under `key` whose ID it has passed, first
    /// blocked first; a reader whose group is gone gets NOGROUP (Redis'
    /// serveClientsBlockedOnStreamKey).
    fn serve_stream_key(&mut self, db: usize, key: &[u8]) {
        for id in self.blocking.waiting_for(db, key, "stream") {
            let Some(w) = self.blocking.waiters.get(&id) else {
                continue;
            };
            let Some(wait) = w.stream.clone() else { continue };
            let index = w.keys().iter().position(|k| k == key).unwrap_or(0);
            match self.stream_ready_for(db, key, &wait, index) {
                Err(msg) => {
                    self.release_blocked(id, Release::Failed(msg));
                }
                Ok(None) => {}
                Ok(Some(gt)) => {
                    let Some(w) = self.take_waiter(id) else { continue };
                    self.blocking.stream_serve = Some(StreamServe {
                        key: key.to_vec(),
                        gt,
                        wait,
                    });
                    self.run_served(id, &w.args, w.pending);
                    self.blocking.stream_serve = None;
                }
            }
        }
    }

    /// Readers blocked in XREADGROUP on a key that no longer holds a stream (deleted,
    /// overwritten, flushed) are let go with an error, as Redis'
    /// unblockDeletedStreamReadgroupClients does when such a key is signalled.
    fn release_readers_of_deleted_streams(&mut self) {
        let gone: Vec<ClientId> = self
            .blocking
            .waiters
            .iter()
            .filter(|(_, w)| w.stream.as_ref().is_some_and(|s| s.group.is_some()))
            .filter(|(_, w)| {
                w.keys()
                    .iter()
                    .any(|k| !matches!(self.dbs[w.db].get(k), Some(crate::value::Value::Stream(_))))
            })
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            self.release_blocked(id, Release::Failed("UNBLOCKED the stream key no longer exists"));
        }
    }

    /// Queues a released client's deferred input, or keeps it if it blocked again.
    fn release(&mut self, id: ClientId, pending: VecDeque<Input>) {
        if let Some(again) = self.blocking.waiters.get_mut(&id) {
            let mut all = pending;
            all.append(&mut again.pending);
            again.pending = all;
        } else if !pending.is_empty() {
            self.blocking.released.push_back((id, pending));
        }
    }

    /// Releases `id` without serving it: the timeout reply (null array) or the UNBLOCKED error.
    /// Returns whether it was blocked. A client postponed by CLIENT PAUSE is not released this
    /// way (CLIENT UNBLOCK, REPLICAOF): its command has not started and runs once the pause
    /// ends (Redis' disconnectAllBlockedClients skips BLOCKED_POSTPONE). Nor does CLIENT
    /// UNBLOCK ... TIMEOUT end a SHUTDOWN's wait (Redis 7.0 crashes on it: a SHUTDOWN has no
    /// timeout reply); ERROR does.
    pub(crate) fn release_blocked(&mut self, id: ClientId, how: Release) -> bool {
        let wants = self.blocking.waiters.get(&id).map(|w| w.wants);
        let shutdown = wants == Some(crate::shutdown::SHUTDOWN_WAIT) && how == Release::Timeout;
        if wants == Some(crate::pause::POSTPONED) || shutdown {
            return false;
        }
        let Some(w) = self.take_waiter(id) else { return false };
        let woff = self.clients.get(&id).map_or(0, |c| c.woff);
        let acked = self.replicas_acked(woff) as i64;
        if let Some(c) = self.clients.get_mut(&id) {
            if c.reply_mode == ReplyMode::On {
                match how {
                    // WAIT times out with the count of replicas that did acknowledge.
                    Release::Timeout if w.wants == crate::cmd::wait::WAITING_ACKS => c.reply.int(acked),
                    Release::Timeout => c.reply.null_array(),
                    Release::Error => c.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
                    Release::Failed(msg) => c.reply.error(msg),
                }
            }
        }
        self.mark_dirty(id);
        self.release(id, w.pending);
        true
    }

    /// The clients blocked waiting for `wants`, with their commands, in blocking order.
    pub(crate) fn blocked_in(&self, wants: &str) -> Vec<(ClientId, Args)> {
        let mut found: Vec<(u64, ClientId, Args)> = self
            .blocking
            .waiters
            .iter()
            .filter(|(_, w)| w.wants == wants)
            .map(|(&id, w)| (w.seq, id, w.args.clone()))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id, args)| (id, args)).collect()
    }

    /// Releases `id` with the reply `answer` writes (a WAIT served).
    pub(crate) fn release_with(&mut self, id: ClientId, answer: impl FnOnce(&mut crate::resp::Reply)) {
        let Some(w) = self.take_waiter(id) else { return };
        if let Some(c) = self.clients.get_mut(&id) {
            if c.reply_mode == ReplyMode::On {
                answer(&mut c.reply);
            }
        }
        self.mark_dirty(id);
        self.release(id, w.pending);
    }

    /// Lets every blocked client go with `msg` (Redis' disconnectAllBlockedClients).
    pub(crate) fn release_all_blocked(&mut self, msg: &'static str) {
        let ids: Vec<ClientId> = self.blocking.waiters.keys().copied().collect();
        for id in ids {
            self.release_blocked(id, Release::Failed(msg));
        }
    }

    /// Times out the waiters whose deadline has passed, earliest first.
    pub(crate) fn expire_blocked(&mut self) {
        let now = self.clock.mono_us();
        while let Some(&(t, _, id)) = self.blocking.deadlines.first() {
            if t > now {
                break;
            }
            self.release_blocked(id, Release::Timeout);
        }
    }

    /// Lets every client postponed by a pause go, first postponed first: its command runs
    /// again, then what it sent meanwhile.
    pub(crate) fn release_postponed(&mut self) {
        for (id, _) in self.blocked_in(crate::pause::POSTPONED) {
            let Some(w) = self.take_waiter(id) else { continue };
            let mut input = VecDeque::from([Input::Command(w.args)]);
            input.extend(w.pending);
            self.blocking.released.push_back((id, input));
            // Its replies are flushed with this event's.
            self.mark_dirty(id);
        }
    }

    /// Runs what released clients sent while they were blocked.
    pub(crate) fn run_released(&mut self) {
        while let Some((id, input)) = self.blocking.released.pop_front() {
            self.on_input(id, input.into_iter());
        }
    }
}
