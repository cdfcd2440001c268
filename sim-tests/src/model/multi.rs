//! Transactions as Redis 7.0.15's multi.c runs them: MULTI queues what follows (`+QUEUED`), a
//! command refused while queueing dooms the transaction (EXEC answers EXECABORT), EXEC runs the
//! queue atomically (runtime errors are replies in its array; nothing is rolled back), DISCARD
//! drops it. WATCH keeps Redis' own bookkeeping — per key the watchers in WATCH order, each with
//! whether the key was already logically expired then — and every signalModifiedKey the model's
//! commands make goes through [`Model::touch`], exactly as touchWatchedKey reads it, so EXEC's
//! nil follows from the order in which the server ran everything.

use std::collections::BTreeMap;

use ferrous_core::{ClientId, Now};
use ferrous_io_sim::Value;

use super::keyspace::Entry;
use super::{Call, Expect, Model};

/// A client's transaction state (Redis' CLIENT_MULTI, CLIENT_DIRTY_EXEC, CLIENT_DIRTY_CAS and
/// its list of watched keys).
#[derive(Clone, Debug, Default)]
pub(super) struct Tx {
    /// Inside MULTI: the commands queued so far.
    pub queued: Option<Vec<Vec<Vec<u8>>>>,
    /// A command was refused while queueing: EXEC will abort.
    pub doomed: bool,
    /// A watched key was modified: EXEC will answer nil.
    pub dirty: bool,
    /// (database, key) pairs, in WATCH order.
    pub watched: Vec<(usize, Vec<u8>)>,
}

/// One client watching one key.
#[derive(Clone, Copy, Debug)]
pub(super) struct Watcher {
    client: ClientId,
    /// The key was logically expired when WATCH ran (its deletion then changes nothing).
    expired: bool,
}

/// A (database, key) pair.
pub(super) type Slot = (usize, Vec<u8>);

/// Watchers per (database, key), in the order they started watching.
pub(super) type Watches = BTreeMap<Slot, Vec<Watcher>>;

/// The watched keys' values before a command, to check afterwards that the model signalled
/// every change it made to them (a forgotten signal would blame the server for the model).
pub(super) struct WatchedBefore(Vec<(Slot, Option<Entry>)>);

/// What transactions did in a run.
#[derive(Clone, Debug, Default)]
pub struct TxStats {
    pub multis: u64,
    pub queued: u64,
    /// EXECs that ran their queue.
    pub committed: u64,
    /// EXECs answered nil because a watched key changed.
    pub watch_failed: u64,
    /// EXECs answered EXECABORT.
    pub aborted: u64,
    pub discarded: u64,
}

/// Commands a client inside MULTI runs at once instead of queueing (processCommand).
pub(super) fn runs_inside_multi(name: &str) -> bool {
    matches!(name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

impl Model {
    pub fn tx_stats(&self) -> &TxStats {
        &self.tx_stats
    }

    pub(super) fn in_multi(&mut self, id: ClientId) -> bool {
        self.session(id).tx.queued.is_some()
    }

    /// Queues a command that passed processCommand's checks.
    pub(super) fn queue(&mut self, c: &Call) -> Value {
        self.tx_stats.queued += 1;
        let tx = &mut self.session(c.id).tx;
        // Once doomed, Redis stops keeping what is queued (queueMultiCommand).
        if !tx.doomed && !tx.dirty {
            tx.queued.get_or_insert_with(Vec::new).push(c.args.to_vec());
        }
        Value::simple("QUEUED")
    }

    /// processCommand refused the command: inside MULTI that dooms the transaction
    /// (flagTransaction); a refused EXEC aborts it at once, quoting why (execCommandAbort).
    pub(super) fn refuse(&mut self, c: &Call, error: Value, is_exec: bool) -> Value {
        let tx = &mut self.session(c.id).tx;
        if tx.queued.is_some() {
            tx.doomed = true;
        }
        if !is_exec {
            return error;
        }
        self.discard_transaction(c.id);
        let Value::Error(msg) = error else {
            unreachable!("refusals are errors")
        };
        let why = msg.strip_prefix(b"ERR ").unwrap_or(&msg);
        let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
        text.extend_from_slice(why);
        Value::Error(text)
    }

    /// discardTransaction: queue, flags and watches go.
    pub(super) fn discard_transaction(&mut self, id: ClientId) {
        let tx = &mut self.session(id).tx;
        tx.queued = None;
        tx.doomed = false;
        tx.dirty = false;
        self.unwatch_all(id);
    }

    /// unwatchAllKeys.
    pub(super) fn unwatch_all(&mut self, id: ClientId) {
        let Some(s) = self.sessions.get_mut(&id) else { return };
        for slot in std::mem::take(&mut s.tx.watched) {
            if let Some(list) = self.watches.get_mut(&slot) {
                list.retain(|w| w.client != id);
                if list.is_empty() {
                    self.watches.remove(&slot);
                }
            }
        }
    }

    /// touchWatchedKey: `key` of `db` was modified (signalModifiedKey). Whether the key is in
    /// the dictionary *now* decides what an expired-at-WATCH watcher makes of it; Redis 7.0
    /// stops at the first such watcher of a key still there, leaving the later ones clean.
    pub(super) fn touch(&mut self, db: usize, key: &[u8]) {
        if let Some(log) = self.touched.as_mut() {
            log.push((db, key.to_vec()));
        }
        if self.watches.is_empty() {
            return;
        }
        let exists = self.dbs[db].contains_key(key);
        let Some(list) = self.watches.get_mut(&(db, key.to_vec())) else {
            return;
        };
        let mut dirty = Vec::new();
        for w in list.iter_mut() {
            if w.expired {
                if !exists {
                    w.expired = false;
                    continue;
                }
                break;
            }
            dirty.push(w.client);
        }
        for id in dirty {
            self.session(id).tx.dirty = true;
            // A dirty client has no use for its watches any more.
            self.unwatch_all(id);
        }
    }

    /// [`Model::touch`] for a key of the calling client's database.
    pub(super) fn modified(&mut self, c: &Call, key: &[u8]) {
        let db = self.session(c.id).db;
        self.touch(db, key);
    }

    /// touchAllWatchedKeysInDb for a database about to be emptied (FLUSHDB, FLUSHALL): every
    /// watched key stored there counts as modified, except for watchers that saw it expired.
    pub(super) fn touch_all_in_db(&mut self, db: usize) {
        let mut dirty = Vec::new();
        for ((d, key), list) in self.watches.iter_mut() {
            if *d != db || !self.dbs[db].contains_key(key) {
                continue;
            }
            if let Some(log) = self.touched.as_mut() {
                log.push((db, key.clone()));
            }
            for w in list.iter_mut() {
                if w.expired {
                    w.expired = false;
                } else {
                    dirty.push(w.client);
                }
            }
        }
        for id in dirty {
            self.session(id).tx.dirty = true;
        }
    }

    pub(super) fn watched_before(&mut self) -> Option<WatchedBefore> {
        if self.watches.is_empty() {
            return None;
        }
        self.touched = Some(Vec::new());
        let entries = self
            .watches
            .keys()
            .map(|slot| (slot.clone(), self.dbs[slot.0].get(&slot.1).cloned()))
            .collect();
        Some(WatchedBefore(entries))
    }

    /// Panics (a model bug) if a watched key changed without a signal.
    pub(super) fn check_signalled(&mut self, before: Option<WatchedBefore>, args: &[Vec<u8>]) {
        let touched = self.touched.take().unwrap_or_default();
        for (slot, old) in before.map(|b| b.0).unwrap_or_default() {
            let now = self.dbs[slot.0].get(&slot.1);
            let changed = now.map(Entry::data) != old.as_ref().map(Entry::data);
            if changed && !touched.contains(&slot) {
                panic!(
                    "model bug: {} changed key {} of db {} without signalling it",
                    String::from_utf8_lossy(&args[0]),
                    String::from_utf8_lossy(&slot.1),
                    slot.0
                );
            }
        }
    }

    /// isWatchedKeyExpired: a key live at WATCH that is logically expired now.
    fn watched_key_expired(&self, id: ClientId, now: Now) -> bool {
        let Some(s) = self.sessions.get(&id) else { return false };
        s.tx.watched.iter().any(|slot| {
            let expired_then = self.watches[slot].iter().any(|w| w.client == id && w.expired);
            let dead_now = self.dbs[slot.0].get(&slot.1).is_some_and(|e| e.is_dead(now.unix_ms));
            !expired_then && dead_now
        })
    }

    /// Runs one command of EXEC's queue: no checks any more (they ran when it was queued),
    /// and blocking commands answer at once (CLIENT_DENY_BLOCKING).
    pub(super) fn run_queued(&mut self, c: &Call) -> Expect {
        let db = self.session(c.id).db;
        let watched = self.watch(db, c.now);
        let expect = self.run_checked(c);
        // A key a queued command creates is signalled then, in that order (dbAdd).
        self.signal_created(db, watched, c.now);
        expect
    }
}

pub(super) fn multi(m: &mut Model, c: &Call) -> Value {
    let tx = &mut m.session(c.id).tx;
    if tx.queued.is_some() {
        return Value::error("ERR MULTI calls can not be nested");
    }
    tx.queued = Some(Vec::new());
    m.tx_stats.multis += 1;
    Value::simple("OK")
}

pub(super) fn discard(m: &mut Model, c: &Call) -> Value {
    if !m.in_multi(c.id) {
        return Value::error("ERR DISCARD without MULTI");
    }
    m.discard_transaction(c.id);
    m.tx_stats.discarded += 1;
    Value::simple("OK")
}

pub(super) fn exec(m: &mut Model, c: &Call) -> Expect {
    if !m.in_multi(c.id) {
        return Expect::Reply(Value::error("ERR EXEC without MULTI"));
    }
    if m.watched_key_expired(c.id, c.now) {
        m.session(c.id).tx.dirty = true;
    }
    let tx = &m.session(c.id).tx;
    if tx.doomed || tx.dirty {
        let reply = if tx.doomed {
            m.tx_stats.aborted += 1;
            Value::error("EXECABORT Transaction discarded because of previous errors.")
        } else {
            m.tx_stats.watch_failed += 1;
            m.null_array(c.id)
        };
        m.discard_transaction(c.id);
        return Expect::Reply(reply);
    }
    let queued = m.session(c.id).tx.queued.take().unwrap_or_default();
    m.unwatch_all(c.id);
    m.deny_blocking = true;
    let replies = queued
        .iter()
        .map(|args| {
            m.run_queued(&Call {
                id: c.id,
                args,
                now: c.now,
            })
        })
        .collect();
    m.deny_blocking = false;
    m.discard_transaction(c.id);
    m.tx_stats.committed += 1;
    Expect::Array(replies)
}

pub(super) fn watch(m: &mut Model, c: &Call) -> Value {
    if m.in_multi(c.id) {
        return Value::error("ERR WATCH inside MULTI is not allowed");
    }
    // No point in watching once dirty: EXEC fails anyway.
    if m.session(c.id).tx.dirty {
        return Value::simple("OK");
    }
    let db = m.session(c.id).db;
    for key in &c.args[1..] {
        let slot = (db, key.clone());
        if m.session(c.id).tx.watched.contains(&slot) {
            continue;
        }
        let expired = m.dbs[db].get(key).is_some_and(|e| e.is_dead(c.now.unix_ms));
        m.session(c.id).tx.watched.push(slot.clone());
        m.watches
            .entry(slot)
            .or_default()
            .push(Watcher { client: c.id, expired });
    }
    Value::simple("OK")
}

pub(super) fn unwatch(m: &mut Model, c: &Call) -> Value {
    m.unwatch_all(c.id);
    m.session(c.id).tx.dirty = false;
    Value::simple("OK")
}
