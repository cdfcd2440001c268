//! A replica's full synchronization without fork and without holding the serialized dataset:
//! the snapshot of [`super::bgsave`] streams to the replica's connection piece by piece, in
//! Redis' diskless format — `$EOF:<40 random bytes>\r\n`, the RDB, the same 40 bytes — for
//! replicas that said `REPLCONF capa eof` (every Redis since 2.8.18). Commands run meanwhile
//! are held per replica and follow the snapshot, so its stream starts exactly where the
//! snapshot ends. A piece is made only while each replica has less than [`WINDOW`] bytes not
//! yet written, so a slow replica holds back the snapshot instead of filling memory.
//!
//! A request that comes while another snapshot runs (BGSAVE, an AOF rewrite, another sync)
//! waits for it to end, as Redis waits for its child; its `+FULLRESYNC` goes out only then,
//! with the offset the snapshot starts at.

use super::bgsave::{Target, PIECE_KEYS};
use crate::rdb::file::SaveInfo;
use crate::server::Server;
use crate::{ClientId, LogLevel};

/// The most bytes a replica may have pending before the next piece is made.
const WINDOW: u64 = 512 * 1024;

/// Pieces made in one go at most: the serving loop gets its turn between.
const PIECES_PER_PUMP: usize = 4;

impl Server {
    /// SYNC (`psync` false) or PSYNC from `id`, which takes a streamed snapshot: it starts
    /// now, or once the snapshot running ends.
    pub(crate) fn request_full_sync(&mut self, id: ClientId, psync: bool) {
        if let Some(c) = self.clients.get_mut(&id) {
            // From now on it gets no replies, and a second SYNC is ignored.
            c.replica = true;
        }
        self.repl.waiting_sync.push((id, psync));
        self.start_waiting_syncs();
    }

    /// Starts one snapshot for every replica waiting, unless a snapshot or a load runs.
    pub(crate) fn start_waiting_syncs(&mut self) {
        let busy = self.snapshot_busy() || self.persist.save.is_some() || self.persist.loading;
        if busy || self.repl.waiting_sync.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.repl.waiting_sync);
        let waiting: Vec<_> = waiting
            .into_iter()
            .filter(|(id, _)| self.clients.contains_key(id))
            .collect();
        if waiting.is_empty() {
            return;
        }
        let mark = self.eof_mark();
        self.repl.sync_mark = mark.clone();
        let mut ids = Vec::new();
        for (id, psync) in waiting {
            let mut head = Vec::new();
            if psync {
                let line = format!("+FULLRESYNC {} {}\r\n", self.repl.replid, self.repl.offset);
                head.extend_from_slice(line.as_bytes());
            }
            head.extend_from_slice(b"$EOF:");
            head.extend_from_slice(&mark);
            head.extend_from_slice(b"\r\n");
            if let Some(c) = self.clients.get_mut(&id) {
                c.reply.buf.extend_from_slice(&head);
                c.repl_pending = Some(Vec::new());
            }
            self.mark_dirty(id);
            self.attach_replica(id);
            ids.push(id);
        }
        self.log(
            LogLevel::Notice,
            "Starting BGSAVE for SYNC with target: replicas sockets",
        );
        if self.start_snapshot(Target::Replicas(ids)).is_err() {
            self.replica_sync_failed("a snapshot is already being written");
        }
    }

    /// The aux fields of a snapshot for replicas: where the stream that follows it starts,
    /// and in which database.
    pub(crate) fn save_info_for_replicas(&self) -> SaveInfo {
        let mut info = self.save_info();
        let db = self.stream_db_for_new_replica() as i64;
        info.repl = Some((self.repl.replid.clone(), self.repl.offset, db));
        info
    }

    /// 40 random characters that end the streamed snapshot (Redis' CONFIG_RUN_ID_SIZE).
    fn eof_mark(&mut self) -> Vec<u8> {
        (0..40)
            .map(|_| b"0123456789abcdef"[(self.random_u64() % 16) as usize])
            .collect()
    }

    /// The snapshot's replicas that are still connected.
    fn live_sync_targets(&self) -> Vec<ClientId> {
        match self.persist.bgsave.as_ref().map(|j| &j.target) {
            Some(Target::Replicas(ids)) => ids.iter().copied().filter(|id| self.clients.contains_key(id)).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether every replica of the snapshot can take another piece.
    pub(crate) fn replica_window_open(&self, ids: &[ClientId]) -> bool {
        ids.iter()
            .filter_map(|id| self.clients.get(id))
            .all(|c| c.unsent + (c.reply.buf.len() as u64) < WINDOW)
    }

    /// Makes and sends the next pieces while the replicas take them.
    pub(crate) fn replica_sync_pump(&mut self) {
        for _ in 0..PIECES_PER_PUMP {
            let ids = self.live_sync_targets();
            if ids.is_empty() {
                // Every replica went away: nobody needs the rest.
                self.drop_snapshot();
                return self.start_waiting_syncs();
            }
            if !self.replica_window_open(&ids) {
                return;
            }
            let Some(keys) = self.produce_piece(PIECE_KEYS) else {
                return self.replica_sync_failed("the dataset was replaced while saving");
            };
            let checksum = self.cfg.rdbchecksum;
            let Some(job) = self.persist.bgsave.as_mut() else {
                return;
            };
            job.keys_done += keys as u64;
            let mut data = job.seal_piece(checksum);
            let last = job.produced_all();
            if last {
                data.extend_from_slice(&self.repl.sync_mark);
            }
            for &id in &ids {
                if let Some(c) = self.clients.get_mut(&id) {
                    c.reply.buf.extend_from_slice(&data);
                    self.stats.net_repl_output_bytes += data.len() as u64;
                }
                self.mark_dirty(id);
            }
            if last {
                return self.replica_sync_finished(ids);
            }
        }
    }

    /// The snapshot is out: each replica's held stream follows its first acknowledgement
    /// ([`Server::replica_acked`]), as Redis puts a diskless replica online on its ACK.
    fn replica_sync_finished(&mut self, ids: Vec<ClientId>) {
        self.drop_snapshot();
        for id in ids {
            let Some(c) = self.clients.get_mut(&id) else {
                continue;
            };
            c.repl_online_on_ack = true;
            let addr = c.conn.addr.clone();
            self.mark_dirty(id);
            self.log(
                LogLevel::Notice,
                format!("Synchronization with replica {addr} succeeded"),
            );
        }
        self.start_waiting_syncs();
    }

    /// REPLCONF ACK from `id`: after its snapshot, the stream held for it goes out and it is
    /// fed live from now on.
    pub(crate) fn replica_acked(&mut self, id: ClientId) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        if !std::mem::take(&mut c.repl_online_on_ack) {
            return;
        }
        if let Some(held) = c.repl_pending.take() {
            c.reply.buf.extend_from_slice(&held);
        }
        self.mark_dirty(id);
    }

    /// The snapshot cannot go on: its replicas are dropped (they will ask again).
    pub(crate) fn replica_sync_failed(&mut self, why: &str) {
        self.log(LogLevel::Warning, format!("Full synchronization failed: {why}"));
        let ids = self.live_sync_targets();
        self.drop_snapshot();
        for id in ids {
            self.forget_replica(id);
            self.abort_client(id);
        }
        self.start_waiting_syncs();
    }
}
