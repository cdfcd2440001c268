//! Blocked clients as Redis 7.0.15's blocked.c keeps them. A blocking command that finds
//! nothing to pop blocks its client on its keys; from then on the client runs nothing (what it
//! sends, a broken request included, waits in its queue) until it is served, times out or goes.
//!
//! - A key is *signalled* when a command creates it as a list or sorted set while clients wait
//!   on it (dbAdd's signalKeyAsReady; overwriting an existing key signals nothing).
//! - After every command the signalled keys are handled in signal order
//!   (handleClientsBlockedOnKeys): the clients waiting on each, first blocked first, are served
//!   from that key while it holds the type they want; a served BLMOVE may signal its
//!   destination, handled in a later round.
//! - A client times out at the first server tick at or after its deadline (the monotonic clock
//!   when it blocked plus its timeout, as the design contract has the core keep time), earliest
//!   deadline first, and gets the null array.
//! - Released clients run what they queued after the event that released them, in release
//!   order (beforeSleep's processUnblockedClients).

use std::collections::{BTreeSet, VecDeque};

use ferrous_core::{ClientId, Now};

use super::keyspace::MVal;
use super::{Call, Model};

/// What a blocked client waits to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// BLPOP/BRPOP: one element, `[key, element]`.
    Pop { left: bool },
    /// BLMPOP: up to `count` elements, `[key, [elements]]`.
    MPop { left: bool, count: usize },
    /// BLMOVE/BRPOPLPUSH: one element moved to `dst`.
    Move {
        dst: Vec<u8>,
        from_left: bool,
        to_left: bool,
    },
    /// BZPOPMIN/BZPOPMAX: `[key, member, score]`.
    ZPop { max: bool },
    /// BZMPOP: up to `count` members, `[key, [[member, score]...]]`.
    ZMPop { max: bool, count: usize },
}

impl Kind {
    fn wants_list(&self) -> bool {
        matches!(self, Kind::Pop { .. } | Kind::MPop { .. } | Kind::Move { .. })
    }
}

/// What a blocked client sent meanwhile, run once it is released.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pending {
    Command(Vec<Vec<u8>>),
    /// A broken request: Redis finds it only when it parses that far.
    ProtocolError,
}

/// One blocked client.
#[derive(Debug)]
struct Waiter {
    client: ClientId,
    db: usize,
    keys: Vec<Vec<u8>>,
    kind: Kind,
    /// The blocking command, for the reply it is eventually owed.
    args: Vec<Vec<u8>>,
    /// Monotonic µs; `None` waits forever.
    deadline_us: Option<u64>,
    pending: VecDeque<Pending>,
}

impl Waiter {
    fn waits_on(&self, db: usize, key: &[u8]) -> bool {
        self.db == db && self.keys.iter().any(|k| k == key)
    }
}

/// What blocking did in a run.
#[derive(Clone, Debug, Default)]
pub struct BlockStats {
    pub blocked: u64,
    pub served: u64,
    pub timed_out: u64,
    /// Blocked clients that disconnected.
    pub gone: u64,
}

type Slot = (usize, Vec<u8>);

#[derive(Debug, Default)]
pub(super) struct Blocking {
    /// Blocked clients, first blocked first: each key's queue in Redis' order.
    waiters: Vec<Waiter>,
    /// Signalled keys not handled yet, in signal order, and the same as a set.
    ready: VecDeque<Slot>,
    ready_set: BTreeSet<Slot>,
    /// Released clients whose queued input is still to run, in release order.
    released: VecDeque<(ClientId, VecDeque<Pending>)>,
    pub stats: BlockStats,
}

impl Blocking {
    fn find(&mut self, id: ClientId) -> Option<&mut Waiter> {
        self.waiters.iter_mut().find(|w| w.client == id)
    }

    fn take(&mut self, id: ClientId) -> Option<Waiter> {
        let at = self.waiters.iter().position(|w| w.client == id)?;
        Some(self.waiters.remove(at))
    }

    /// The clients waiting on `key` of `db`, first blocked first.
    fn waiting_on(&self, db: usize, key: &[u8]) -> Vec<ClientId> {
        self.waiters
            .iter()
            .filter(|w| w.waits_on(db, key))
            .map(|w| w.client)
            .collect()
    }
}

impl Model {
    /// Blocks `c`'s client on `keys` for `timeout_ms`.
    pub(super) fn block(&mut self, c: &Call, keys: &[Vec<u8>], timeout_ms: Option<u64>, kind: Kind) {
        let waiter = Waiter {
            client: c.id,
            db: self.session(c.id).db,
            keys: keys.to_vec(),
            kind,
            args: c.args.to_vec(),
            deadline_us: timeout_ms.map(|ms| c.now.mono_us + ms * 1000),
            pending: VecDeque::new(),
        };
        self.blocking.waiters.push(waiter);
        self.blocking.stats.blocked += 1;
    }

    pub fn is_blocked(&self, id: ClientId) -> bool {
        self.blocking.waiters.iter().any(|w| w.client == id)
    }

    pub fn block_stats(&self) -> &BlockStats {
        &self.blocking.stats
    }

    /// Queues input that reached a blocked client.
    pub(super) fn defer(&mut self, id: ClientId, items: impl IntoIterator<Item = Pending>) {
        if let Some(w) = self.blocking.find(id) {
            w.pending.extend(items);
        }
    }

    /// Whether `key` of `db` holds a live value now (an expired one is as good as gone: the
    /// next lookup deletes it).
    fn is_live(&self, db: usize, key: &[u8], now: Now) -> bool {
        self.dbs[db].get(key).is_some_and(|e| !e.is_dead(now.unix_ms))
    }

    /// The keys clients wait on in `db`, and whether each is live before a command runs.
    pub(super) fn watch(&self, db: usize, now: Now) -> Vec<(Vec<u8>, bool)> {
        let waiters = self.blocking.waiters.iter().filter(|w| w.db == db);
        let keys: BTreeSet<&Vec<u8>> = waiters.flat_map(|w| &w.keys).collect();
        keys.into_iter()
            .map(|k| (k.clone(), self.is_live(db, k, now)))
            .collect()
    }

    /// After a command: signals the watched keys it created as a list or sorted set.
    pub(super) fn signal_created(&mut self, db: usize, watched: Vec<(Vec<u8>, bool)>, now: Now) {
        for (key, was_live) in watched {
            let wakes = matches!(
                self.dbs[db].get(&key).map(|e| &e.value),
                Some(MVal::List(_) | MVal::ZSet(_))
            );
            if !was_live && wakes && self.is_live(db, &key, now) {
                self.signal(db, &key);
            }
        }
    }

    /// signalKeyAsReady: queued once, and only while someone waits on the key.
    pub(super) fn signal(&mut self, db: usize, key: &[u8]) {
        let waited = self.blocking.waiters.iter().any(|w| w.waits_on(db, key));
        let slot = (db, key.to_vec());
        if waited && self.blocking.ready_set.insert(slot.clone()) {
            self.blocking.ready.push_back(slot);
        }
    }

    /// handleClientsBlockedOnKeys: rounds of the keys signalled so far, in signal order.
    pub(super) fn handle_ready(&mut self, now: Now) {
        while !self.blocking.ready.is_empty() {
            let round = std::mem::take(&mut self.blocking.ready);
            for slot in round {
                self.blocking.ready_set.remove(&slot);
                self.serve_key(slot.0, &slot.1, now);
            }
        }
    }

    /// Serves the clients waiting on `key`, first blocked first, while it holds what they want.
    fn serve_key(&mut self, db: usize, key: &[u8], now: Now) {
        let list = match self.lookup_in(db, key, now) {
            Some(MVal::List(_)) => true,
            Some(MVal::ZSet(_)) => false,
            _ => return,
        };
        for id in self.blocking.waiting_on(db, key) {
            let wanted = self.blocking.find(id).is_some_and(|w| w.kind.wants_list() == list);
            let Some(w) = wanted.then(|| self.unblock(id)).flatten() else {
                continue;
            };
            self.blocking.stats.served += 1;
            let call = Call { id, args: &w.args, now };
            if self.serve(&call, key, &w.kind) {
                break; // the key was emptied and deleted
            }
        }
    }

    /// The value under `key` of `db`, after lazy expiry, for the serving loop.
    fn lookup_in(&mut self, db: usize, key: &[u8], now: Now) -> Option<&MVal> {
        if self.dbs[db].get(key).is_some_and(|e| e.is_dead(now.unix_ms)) {
            self.dbs[db].remove(key);
            self.expired_on_access += 1;
            self.touch(db, key);
        }
        self.dbs[db].get(key).map(|e| &e.value)
    }

    /// Takes `id` out of the waiters; what it sent meanwhile is queued to run.
    fn unblock(&mut self, id: ClientId) -> Option<Waiter> {
        let mut w = self.blocking.take(id)?;
        let pending = std::mem::take(&mut w.pending);
        if !pending.is_empty() {
            self.blocking.released.push_back((id, pending));
        }
        Some(w)
    }

    /// A client that went away leaves no trace.
    pub(super) fn forget_blocked(&mut self, id: ClientId) {
        if self.blocking.take(id).is_some() {
            self.blocking.stats.gone += 1;
        }
        self.blocking.released.retain(|(c, _)| *c != id);
    }

    /// Times out the clients whose deadline has come, earliest first (ties in blocking order).
    pub(super) fn expire_waiters(&mut self, now: Now) {
        let mut due: Vec<(u64, ClientId)> = self
            .blocking
            .waiters
            .iter()
            .filter_map(|w| w.deadline_us.filter(|&t| t <= now.mono_us).map(|t| (t, w.client)))
            .collect();
        due.sort_by_key(|&(t, _)| t);
        for (_, id) in due {
            if let Some(w) = self.unblock(id) {
                self.blocking.stats.timed_out += 1;
                let null = self.null_array(id);
                self.owe(id, w.args, super::Expect::Reply(null));
            }
        }
    }

    /// Runs what released clients queued, in release order (they may release others).
    pub(super) fn run_released(&mut self, now: Now) {
        while let Some((id, items)) = self.blocking.released.pop_front() {
            self.run_batch(id, items, now);
        }
    }
}
