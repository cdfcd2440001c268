//! What a client's buffers hold and cost (CLIENT LIST's `qbuf`, `qbuf-free`, `argv-mem`,
//! `multi-mem`, `obl`, `oll`, `omem`, `tot-mem`, as Redis' catClientInfoString and
//! getClientMemoryUsage compute them), and the cron pass that gives query buffers back
//! (clientsCronResizeQueryBuffer).
//!
//! The query buffer lives in the driver's parser: the driver reports its usage
//! ([`Event::QueryBuffer`](crate::server::Event)) and shrinks it when told
//! ([`Output::ShrinkQueryBuffer`](crate::server::Output)). Unsent output is what the driver
//! reports as backlog plus what the core has not handed over yet.

use crate::client::{Client, ClientId};
use crate::resp::{Args, QueryBufferUsage};
use crate::server::{Output, Server};

/// Redis' static reply buffer (PROTO_REPLY_CHUNK_BYTES): unsent output up to this size is
/// `obl`, the rest counts as reply-list blocks of this size (`oll`, `omem`).
const REPLY_CHUNK: usize = 16 * 1024;
/// Redis counts a pointer per argument (`sizeof(robj*)`) beside the argument bytes.
const POINTER: usize = 8;
/// A query buffer wasting less than this is left alone.
const SHRINK_WASTE: usize = 4 * 1024;
/// Redis' PROTO_RESIZE_THRESHOLD: a busy client's buffer above this shrinks to its recent peak.
const RESIZE_THRESHOLD: usize = 32 * 1024;
/// Seconds without input after which a buffer shrinks to what it holds.
const IDLE_SECS: u64 = 2;

/// The memory fields of one CLIENT LIST line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientMemory {
    pub qbuf: usize,
    pub qbuf_free: usize,
    pub argv_mem: usize,
    pub multi_mem: usize,
    pub obl: usize,
    pub oll: usize,
    pub omem: usize,
    pub tot_mem: usize,
}

/// The command a listed client is running (the one that asks), with the replies it has
/// produced so far in this read (held by the command, not yet in the client).
pub struct Running<'a> {
    pub args: &'a [Vec<u8>],
    pub reply_bytes: usize,
}

fn args_bytes(args: &[Vec<u8>]) -> usize {
    args.iter().map(Vec::len).sum()
}

/// Redis' mstate.argv_len_sums: the queued commands' argument bytes and pointers.
fn multi_bytes(queued: &[Args]) -> usize {
    queued.iter().map(|a| args_bytes(a) + POINTER * a.len()).sum()
}

/// Bytes of a set of names, each in its own allocation.
fn names<'a>(v: impl IntoIterator<Item = &'a Vec<u8>>) -> usize {
    v.into_iter().map(|n| n.len() + std::mem::size_of::<Vec<u8>>()).sum()
}

/// What the client's subscriptions, watched keys and tracking prefixes keep per client.
fn bookkeeping_bytes(c: &Client) -> usize {
    let prefixes = c.tracking.as_ref().map_or(0, |t| names(&t.prefixes));
    names(&c.subs.channels)
        + names(&c.subs.patterns)
        + names(&c.subs.shard)
        + c.watched.iter().map(|(_, k)| k.len() + POINTER).sum::<usize>()
        + prefixes
}

/// The memory fields of `c`. `running`: its own command, when it is the client asking;
/// `blocked`: the command it waits in (Redis keeps a blocked client's arguments).
pub fn client_memory(c: &Client, running: Option<Running>, blocked: Option<&Args>) -> ClientMemory {
    let q = &c.qbuf;
    // While its command runs, the buffer still holds what the command was parsed from.
    let qbuf = if running.is_some() { q.while_running } else { q.pending };
    let argv = running.as_ref().map(|r| r.args).or(blocked.map(Vec::as_slice));
    let argv_mem = argv.map_or(0, args_bytes) + q.partial_args;
    let argc = argv.map_or(0, <[Vec<u8>]>::len);
    let multi_mem = c.multi.as_deref().map_or(0, multi_bytes);
    let unsent = c.unsent as usize + c.reply.buf.len() + running.as_ref().map_or(0, |r| r.reply_bytes);
    let obl = unsent.min(REPLY_CHUNK);
    let omem = unsent - obl;
    let tot_mem = std::mem::size_of::<Client>()
        + q.capacity
        + argv_mem
        + POINTER * argc
        + multi_mem
        + obl
        + omem
        + bookkeeping_bytes(c);
    ClientMemory {
        qbuf,
        qbuf_free: q.capacity.saturating_sub(qbuf),
        argv_mem,
        multi_mem,
        obl,
        oll: omem.div_ceil(REPLY_CHUNK),
        omem,
        tot_mem,
    }
}

impl Server {
    /// The driver reports `client`'s query buffer after a read (before its commands) or after
    /// shrinking it. A read is an interaction, as in Redis.
    pub(crate) fn on_query_buffer(&mut self, client: ClientId, usage: QueryBufferUsage) {
        let now = self.clock.mono_us();
        if let Some(c) = self.clients.get_mut(&client) {
            c.qbuf = usage;
            c.qbuf_peak = c.qbuf_peak.max(usage.while_running);
            c.last_interaction_us = now;
        }
    }

    /// Redis' clientsCronResizeQueryBuffer for the clients whose turn it is: as many per run
    /// as make every client's turn come about once a second (at least 5).
    pub(crate) fn resize_query_buffers(&mut self) {
        let per_run = (self.clients.len() / self.cfg.hz.max(1) as usize).max(5);
        let ids: Vec<ClientId> = self.clients.keys().copied().collect();
        let next = ids.partition_point(|&id| id <= self.qbuf_cursor);
        let turn: Vec<ClientId> = ids[next..].iter().chain(&ids[..next]).copied().take(per_run).collect();
        for id in turn {
            self.qbuf_cursor = id;
            self.resize_query_buffer(id);
        }
    }

    /// Shrinks an idle client's buffer to what it holds, and a busy one's to its recent peak
    /// when it is more than twice that; then starts a new peak.
    fn resize_query_buffer(&mut self, id: ClientId) {
        let now = self.clock.mono_us();
        let Some(c) = self.clients.get_mut(&id) else { return };
        let q = c.qbuf;
        let idle_secs = now.saturating_sub(c.last_interaction_us) / 1_000_000;
        // The last read's size stands in for the reads since the last turn that reported no
        // change (the driver reports only changes).
        let peak = c.qbuf_peak.max(q.while_running);
        let target = if q.capacity.saturating_sub(q.pending) <= SHRINK_WASTE {
            None
        } else if idle_secs > IDLE_SECS {
            Some(q.pending)
        } else if q.capacity > RESIZE_THRESHOLD && q.capacity / 2 > peak {
            Some(q.pending.max(peak).max(q.bulk))
        } else {
            None
        };
        c.qbuf_peak = q.pending.max(q.bulk);
        if let Some(capacity) = target {
            c.qbuf.capacity = capacity;
            self.push_output(Output::ShrinkQueryBuffer { client: id, capacity });
        }
    }
}

/// Redis' floor for maxmemory-clients: a smaller limit would leave no way in.
const MIN_CLIENTS_LIMIT: u64 = 128 * 1024;

impl Server {
    /// Redis' getClientEvictionLimit: maxmemory-clients in bytes, a percentage of maxmemory
    /// when negative; 0 when there is no limit.
    fn client_eviction_limit(&self) -> u64 {
        let (v, maxmemory) = (self.cfg.maxmemory_clients, self.cfg.maxmemory);
        let limit = match v {
            v if v < 0 && maxmemory > 0 => (maxmemory as f64 * -(v as f64) / 100.0) as u64,
            v if v > 0 => v as u64,
            _ => return 0,
        };
        limit.max(MIN_CLIENTS_LIMIT)
    }

    /// Redis' evictClients: while normal and pub/sub clients use at least maxmemory-clients
    /// together, the largest that may be evicted (not CLIENT NO-EVICT) is closed at once.
    pub(crate) fn evict_clients(&mut self) {
        let limit = self.client_eviction_limit();
        // Not in the middle of a command (a busy script's caller is protected, as in Redis).
        if limit == 0 || self.script_suspended() || self.migrating() {
            return;
        }
        let mut total = 0u64;
        let mut evictable = Vec::new();
        // Redis counts normal and pub/sub clients (getClientType) and evicts among them.
        let counted = |c: &&Client| matches!(crate::cmd::client::client_type(c), "normal" | "pubsub");
        for c in self.clients.values().filter(counted) {
            let mem = client_memory(c, None, self.blocked_args(c.id)).tot_mem as u64;
            total += mem;
            if !c.no_evict {
                evictable.push((mem, c.id));
            }
        }
        if total < limit {
            return;
        }
        evictable.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (mem, id) in evictable {
            if total < limit {
                return;
            }
            let info = self.client_info_line(id);
            self.log(crate::LogLevel::Notice, format!("Evicting client: {info}"));
            self.stats.evicted_clients += 1;
            self.abort_client(id);
            total -= mem;
        }
        if total >= limit {
            self.log(
                crate::LogLevel::Warning,
                "Over client maxmemory after evicting all evictable clients",
            );
        }
    }
}
