//! Propagation of writes, as Redis' `call()` / `alsoPropagate` / `propagatePendingCommands`:
//! a command that changed the dataset (the dirty counter moved) is propagated as it was sent or
//! as its handler rewrote it, after the effects it caused on the way (lazily expired keys as
//! `DEL`); more than one effect goes out wrapped in MULTI/EXEC. The stream goes to the
//! replicas attached with SYNC/PSYNC, preceded by a SELECT whenever the database changes.
//! (The AOF will read the same stream.)

use crate::client::ClientId;
use crate::server::Server;

pub(crate) type Argv = Vec<Vec<u8>>;

/// Where a propagated command goes (Redis' PROPAGATE_AOF and PROPAGATE_REPL).
pub(crate) mod target {
    pub const AOF: u8 = 1;
    pub const REPLICAS: u8 = 2;
    pub const ALL: u8 = AOF | REPLICAS;
}

#[derive(Default)]
pub(crate) struct Propagation {
    /// Redis' `server.dirty`: changes to the dataset since the last save (INFO's
    /// rdb_changes_since_last_save).
    pub dirty: u64,
    /// Effects of the running command to propagate (Redis' `server.also_propagate`), with
    /// their targets.
    pending: Vec<(usize, Argv, u8)>,
    /// Where the running command itself goes (a script's `redis.set_repl`).
    targets: u8,
    /// What the running command propagates instead of its arguments, if it rewrote them.
    rewrite: Option<Argv>,
    /// The running command propagates nothing itself (its effects went out another way).
    prevent: bool,
    /// The running command propagates even without changes (FLUSHALL of an empty dataset).
    force: bool,
    /// Clients attached with SYNC/PSYNC, in attach order.
    pub replicas: Vec<ClientId>,
    /// Replicas waiting for a snapshot to start (and whether they asked with PSYNC).
    pub waiting_sync: Vec<(ClientId, bool)>,
    /// The end mark of the snapshot streaming to replicas.
    pub sync_mark: Vec<u8>,
    /// The database the stream last selected (Redis' `slaveseldb`); `None` forces a SELECT.
    pub stream_db: Option<usize>,
    /// Redis creates its backlog on the first replica; from then on the offset counts every
    /// propagated byte even when no replica is attached.
    pub backlog: bool,
    /// Bytes of replication stream produced (INFO's master_repl_offset).
    pub offset: u64,
    /// This master's replication id (40 hex digits, new at every start; a replica's is its
    /// master's).
    pub replid: String,
    /// The id this server's history had before (a promoted replica's old master's), and the
    /// first offset that is not part of it (INFO's master_replid2, second_repl_offset).
    pub replid2: Option<(String, u64)>,
    /// The AOF is on: it reads the stream too.
    pub aof: bool,
    /// A client started WAITing: the replicas are asked for their offsets after this event.
    pub ask_acks: bool,
}

impl Propagation {
    pub fn new(replid: String) -> Propagation {
        Propagation {
            replid,
            targets: target::ALL,
            ..Default::default()
        }
    }

    /// A new history starts: the current id becomes the second one (Redis' shiftReplicationId).
    pub fn shift_replid(&mut self, new_id: String) {
        let old = std::mem::replace(&mut self.replid, new_id);
        self.replid2 = Some((old, self.offset + 1));
    }

    pub fn clear_replid2(&mut self) {
        self.replid2 = None;
    }

    /// Whether anything consumes the stream, so effects are worth recording.
    pub fn active(&self) -> bool {
        self.backlog || self.aof
    }

    /// Restarts the per-command state before a command runs.
    pub fn begin_command(&mut self) {
        self.rewrite = None;
        self.prevent = false;
        self.force = false;
        self.targets = target::ALL;
    }

    /// The running command goes only to `targets` (see [`target`]; none: nowhere).
    pub fn limit_targets(&mut self, targets: u8) {
        self.targets = targets;
    }

    /// The running command propagates `argv` instead of its arguments
    /// (Redis' rewriteClientCommandVector).
    pub fn rewrite(&mut self, argv: Argv) {
        self.rewrite = Some(argv);
    }

    /// The running command propagates nothing itself (Redis' preventCommandPropagation).
    pub fn prevent(&mut self) {
        self.prevent = true;
    }

    /// The running command propagates even if it changed nothing (forceCommandPropagation).
    pub fn force(&mut self) {
        self.force = true;
    }

    /// Records an effect to propagate after the running command (Redis' alsoPropagate).
    pub fn also(&mut self, db: usize, argv: Argv) {
        if self.active() {
            self.pending.push((db, argv, target::ALL));
        }
    }

    /// After a command: records the command itself if it changed the dataset.
    pub fn end_command(&mut self, db: usize, args: &[Vec<u8>], dirty_before: u64) {
        let wanted = !self.prevent && self.targets != 0;
        if (self.dirty > dirty_before || self.force) && wanted && self.active() {
            let argv = self.rewrite.take().unwrap_or_else(|| args.to_vec());
            self.pending.push((db, argv, self.targets));
        }
    }

    /// Forgets the stream position: the next command is preceded by a SELECT (a new replica
    /// starts from its snapshot).
    pub fn reset_stream_db(&mut self) {
        self.stream_db = None;
    }
}

/// `argv` as a RESP multibulk, as replicas and the AOF read it.
pub(crate) fn encode_command(argv: &[impl AsRef<[u8]>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Server {
    /// A replica's state as INFO and the shutdown log name it (Redis' replstateToString for
    /// a diskless sync: wait_bgsave until the whole snapshot is sent, online from then on,
    /// even before the first ACK).
    pub(crate) fn replica_state(&self, id: ClientId) -> &'static str {
        let waiting = self.repl.waiting_sync.iter().any(|(c, _)| *c == id);
        let sending = self
            .clients
            .get(&id)
            .is_some_and(|c| c.repl_pending.is_some() && !c.repl_online_on_ack);
        if waiting || sending {
            "wait_bgsave"
        } else {
            "online"
        }
    }

    /// Sends what the last command (or cron step) recorded: one effect as is, several wrapped
    /// in MULTI/EXEC (`in_transaction` false for active expiry, whose DELs go out alone).
    pub(crate) fn propagate_pending(&mut self, wrap: bool) {
        let ops = std::mem::take(&mut self.repl.pending);
        if ops.is_empty() {
            return;
        }
        let transaction = wrap && ops.len() > 1;
        if transaction {
            self.feed_replicas(Some(ops[0].0), &[b"MULTI".to_vec()]);
        }
        let last_db = ops[ops.len() - 1].0;
        for (db, argv, targets) in &ops {
            self.feed_targets(Some(*db), argv, *targets);
        }
        if transaction {
            self.feed_replicas(Some(last_db), &[b"EXEC".to_vec()]);
        }
    }

    /// Appends one command to the stream of every replica, selecting `db` first if the stream
    /// is elsewhere (`None`: a command of no database, such as the replication PING).
    pub(crate) fn feed_replicas(&mut self, db: Option<usize>, argv: &[Vec<u8>]) {
        self.feed_targets(db, argv, target::ALL);
    }

    /// [`Server::feed_replicas`] for `targets` only (see [`target`]).
    fn feed_targets(&mut self, db: Option<usize>, argv: &[Vec<u8>], targets: u8) {
        // The AOF takes the dataset's commands, not the replication PINGs (no database).
        if db.is_some() && targets & target::AOF != 0 {
            self.aof_feed(db, argv);
        }
        // A replica's replicas take its master's stream as it came (see crate::replica).
        if !self.repl.backlog || targets & target::REPLICAS == 0 || self.is_replica() {
            return;
        }
        let mut bytes = Vec::new();
        if let Some(db) = db {
            if self.repl.stream_db != Some(db) {
                bytes = encode_command(&[b"SELECT".to_vec(), db.to_string().into_bytes()]);
                self.repl.stream_db = Some(db);
            }
        }
        bytes.extend_from_slice(&encode_command(argv));
        self.repl.offset += bytes.len() as u64;
        self.feed_replica_bytes(&bytes);
    }

    /// Appends stream bytes to every replica's output (or to what waits behind its snapshot).
    pub(crate) fn feed_replica_bytes(&mut self, bytes: &[u8]) {
        for id in self.repl.replicas.clone() {
            if let Some(c) = self.clients.get_mut(&id) {
                self.stats.net_repl_output_bytes += bytes.len() as u64;
                match c.repl_pending.as_mut() {
                    Some(held) => held.extend_from_slice(bytes),
                    None => {
                        c.reply.buf.extend_from_slice(bytes);
                        self.mark_dirty(id);
                    }
                }
            }
        }
    }

    /// Redis' call(): client `id`'s last write offset (what WAIT waits for) moves on when the
    /// stream grew since `before`, because of its command.
    pub(crate) fn note_write_offset(&mut self, id: ClientId, before: u64) {
        let offset = self.repl.offset;
        if offset != before {
            if let Some(c) = self.clients.get_mut(&id) {
                c.woff = offset;
            }
        }
    }

    /// Replicas online whose last REPLCONF ACK is at most min-replicas-max-lag seconds old
    /// (Redis' repl_good_slaves_count).
    pub(crate) fn good_replicas(&self) -> usize {
        let now = self.clock.mono_us();
        let max_lag = self.cfg.min_replicas_max_lag.max(0) as u64;
        self.repl
            .replicas
            .iter()
            .filter_map(|id| self.clients.get(id))
            .filter(|c| c.replica_online())
            .filter(|c| now.saturating_sub(c.repl_ack_us) / 1_000_000 <= max_lag)
            .count()
    }

    /// Whether writes may run under min-replicas-to-write (Redis' checkGoodReplicasStatus).
    pub(crate) fn enough_good_replicas(&self) -> bool {
        let (need, lag) = (self.cfg.min_replicas_to_write, self.cfg.min_replicas_max_lag);
        self.is_replica() || need == 0 || lag == 0 || self.good_replicas() >= need as usize
    }

    /// Makes `id` a replica fed from now on (after its snapshot went out).
    pub(crate) fn attach_replica(&mut self, id: ClientId) {
        self.repl.backlog = true;
        self.repl.reset_stream_db();
        if !self.repl.replicas.contains(&id) {
            self.repl.replicas.push(id);
        }
        if let Some(c) = self.clients.get_mut(&id) {
            c.replica = true;
        }
    }

    pub(crate) fn forget_replica(&mut self, id: ClientId) {
        self.repl.replicas.retain(|&r| r != id);
        self.repl.waiting_sync.retain(|&(r, _)| r != id);
    }

    /// Deletes of keys that expired (active expiry) or were evicted: each raises its keyspace
    /// `event` (class, name: "expired" or "evicted") and goes out alone.
    pub(crate) fn propagate_deletions(&mut self, db: usize, keys: Vec<Vec<u8>>, event: (u32, &str)) {
        for key in &keys {
            // Redis notifies an expiry before signalling the key (deleteExpiredKeyAndPropagate),
            // an eviction after (performEvictions).
            let expired = event.0 == crate::notify::class::EXPIRED;
            if expired {
                self.notify(event.0, event.1, key, db);
            }
            self.signal_modified_key(db, key);
            if !expired {
                self.notify(event.0, event.1, key, db);
            }
        }
        if !self.repl.active() {
            return;
        }
        for key in keys {
            self.feed_replicas(Some(db), &[b"DEL".to_vec(), key]);
        }
    }
}
