//! The simulated network: byte-stream connections between clients and nodes, with the
//! properties of TCP that a server must cope with and nothing more. Within one direction of a
//! connection bytes arrive in order, but split at arbitrary points and coalesced arbitrarily;
//! each connection has its own latency and jitter, so traffic on different connections is
//! reordered freely. Closing sends a FIN behind the data already written.
//!
//! Faults such as resets, partitions and bandwidth limits belong here later; packets already
//! carry what those need (their own delivery time, a direction, a connection).

use std::collections::{BTreeMap, VecDeque};

use crate::agenda::Agenda;
use crate::node::NodeId;
use crate::rng::SimRng;

/// A connection's number. For a client connection it is also the core's `ClientId`.
pub type ConnId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dir {
    ToServer,
    ToClient,
}

impl Dir {
    fn index(self) -> usize {
        self as usize
    }
}

/// What travels on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    /// The connection request: the server accepts the connection when it arrives.
    Open,
    Data(Vec<u8>),
    /// The sender closed its end after the data before it.
    Fin,
}

/// The ranges from which each connection's behaviour is drawn.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// One-way base latency, µs.
    pub min_latency_us: u64,
    pub max_latency_us: u64,
    /// Upper bound of the per-connection jitter, µs.
    pub max_jitter_us: u64,
    /// Probability that a write is split into several segments.
    pub split_chance: f64,
    /// Probability that a small write is delivered one byte at a time.
    pub bytewise_chance: f64,
    /// Probability that a delivery also takes the later segments already due (one `read` that
    /// returns several writes).
    pub coalesce_chance: f64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            min_latency_us: 20,
            max_latency_us: 2_000,
            max_jitter_us: 1_500,
            split_chance: 0.4,
            bytewise_chance: 0.02,
            coalesce_chance: 0.3,
        }
    }
}

/// One connection's drawn behaviour.
#[derive(Clone, Copy, Debug)]
pub struct LinkProfile {
    pub latency_us: u64,
    pub jitter_us: u64,
}

/// One direction of a connection: packets in flight, in order.
#[derive(Debug, Default)]
struct Pipe {
    in_flight: VecDeque<(u64, Packet)>,
    /// Delivery time of the last packet queued: later packets never overtake it.
    last_at: u64,
}

#[derive(Debug)]
struct Conn {
    node: NodeId,
    /// The node that opened it (a replica's master link); `None` for an actor's.
    origin: Option<NodeId>,
    profile: LinkProfile,
    pipes: [Pipe; 2],
    /// Whether the receiving end of each direction still reads (indexed by `Dir`).
    reading: [bool; 2],
}

/// A packet handed to its receiver.
#[derive(Debug)]
pub struct Delivery {
    pub conn: ConnId,
    pub node: NodeId,
    pub origin: Option<NodeId>,
    pub dir: Dir,
    pub packet: Packet,
}

pub struct Network {
    cfg: NetConfig,
    rng: SimRng,
    conns: BTreeMap<ConnId, Conn>,
    /// One entry per packet sent; an entry whose packet was coalesced into an earlier delivery
    /// finds nothing to deliver and is skipped.
    due: Agenda<(ConnId, Dir)>,
    next_id: ConnId,
}

impl Network {
    pub fn new(cfg: NetConfig, rng: SimRng) -> Network {
        Network {
            cfg,
            rng,
            conns: BTreeMap::new(),
            due: Agenda::default(),
            next_id: 1,
        }
    }

    /// Opens a connection from a client to `node`; the request travels like any packet.
    pub fn connect(&mut self, now_us: u64, node: NodeId) -> ConnId {
        self.connect_from(now_us, None, node)
    }

    /// Opens a connection to `node` from node `origin` (`None`: from an actor).
    pub fn connect_from(&mut self, now_us: u64, origin: Option<NodeId>, node: NodeId) -> ConnId {
        let id = self.next_id;
        self.next_id += 1;
        let latency_us = self.rng.between(self.cfg.min_latency_us, self.cfg.max_latency_us);
        let jitter_us = self.rng.between(0, self.cfg.max_jitter_us);
        let conn = Conn {
            node,
            origin,
            profile: LinkProfile { latency_us, jitter_us },
            pipes: [Pipe::default(), Pipe::default()],
            reading: [true, true],
        };
        self.conns.insert(id, conn);
        self.enqueue(now_us, id, Dir::ToServer, Packet::Open);
        id
    }

    pub fn profile(&self, conn: ConnId) -> Option<LinkProfile> {
        self.conns.get(&conn).map(|c| c.profile)
    }

    /// Writes `data` in direction `dir`; it arrives split at random points.
    pub fn send(&mut self, now_us: u64, conn: ConnId, dir: Dir, data: Vec<u8>) {
        if data.is_empty() || !self.conns.contains_key(&conn) {
            return;
        }
        for segment in self.split(data) {
            self.enqueue(now_us, conn, dir, Packet::Data(segment));
        }
    }

    /// The sender of direction `dir` closes its end: a FIN follows the data already sent, and
    /// the sender reads nothing more (what arrives for it later is dropped, as a closed
    /// socket's kernel would).
    pub fn close(&mut self, now_us: u64, conn: ConnId, dir: Dir) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let reverse = match dir {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        };
        c.reading[reverse.index()] = false;
        c.pipes[reverse.index()].in_flight.clear();
        self.enqueue(now_us, conn, dir, Packet::Fin);
    }

    /// `node`'s machine is gone: nothing more reaches it, and each client connected to it
    /// (or connecting) sees its connection closed after what was already on the wire.
    pub fn crash_node(&mut self, now_us: u64, node: NodeId) {
        let open: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.node == node && c.reading[Dir::ToServer.index()])
            .map(|(&id, _)| id)
            .collect();
        for conn in open {
            self.close(now_us, conn, Dir::ToClient);
        }
        // The connections it opened end too, as its kernel would close them.
        let opened: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.origin == Some(node) && c.reading[Dir::ToClient.index()])
            .map(|(&id, _)| id)
            .collect();
        for conn in opened {
            self.close(now_us, conn, Dir::ToServer);
        }
    }

    /// When the next packet is due.
    pub fn next_at(&self) -> Option<u64> {
        self.due.next_at()
    }

    pub fn is_idle(&self) -> bool {
        self.due.is_empty()
    }

    /// The next packet due at or before `now_us`, if any. Packets for an end that no longer
    /// reads are dropped here.
    pub fn pop_due(&mut self, now_us: u64) -> Option<Delivery> {
        while let Some((_, (conn, dir))) = self.due.pop_due(now_us) {
            if let Some(d) = self.take_front(now_us, conn, dir) {
                return Some(d);
            }
        }
        None
    }

    fn take_front(&mut self, now_us: u64, conn: ConnId, dir: Dir) -> Option<Delivery> {
        let coalesce = self.rng.chance(self.cfg.coalesce_chance);
        let c = self.conns.get_mut(&conn)?;
        let pipe = &mut c.pipes[dir.index()];
        if pipe.in_flight.front().is_none_or(|(at, _)| *at > now_us) {
            return None;
        }
        let (_, mut packet) = pipe.in_flight.pop_front()?;
        if coalesce {
            if let Packet::Data(bytes) = &mut packet {
                while let Some((at, Packet::Data(more))) = pipe.in_flight.front() {
                    if *at > now_us {
                        break;
                    }
                    bytes.extend_from_slice(more);
                    pipe.in_flight.pop_front();
                }
            }
        }
        let (node, origin) = (c.node, c.origin);
        let delivered = c.reading[dir.index()];
        self.forget_if_finished(conn);
        delivered.then_some(Delivery {
            conn,
            node,
            origin,
            dir,
            packet,
        })
    }

    /// A connection is gone once neither end reads and nothing is in flight.
    fn forget_if_finished(&mut self, conn: ConnId) {
        let finished = self
            .conns
            .get(&conn)
            .is_some_and(|c| c.reading == [false, false] && c.pipes.iter().all(|p| p.in_flight.is_empty()));
        if finished {
            self.conns.remove(&conn);
        }
    }

    /// Marks the receiving end of `dir` as no longer reading (its process is gone).
    pub fn stop_reading(&mut self, conn: ConnId, dir: Dir) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.reading[dir.index()] = false;
            c.pipes[dir.index()].in_flight.clear();
        }
        self.forget_if_finished(conn);
    }

    fn enqueue(&mut self, now_us: u64, conn: ConnId, dir: Dir, packet: Packet) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let delay = c.profile.latency_us + self.rng.between(0, c.profile.jitter_us);
        let pipe = &mut c.pipes[dir.index()];
        // TCP keeps order within a direction: a packet never arrives before the one before it.
        let at = (now_us + delay).max(pipe.last_at);
        pipe.last_at = at;
        pipe.in_flight.push_back((at, packet));
        self.due.push(at, (conn, dir));
    }

    /// Cuts one write into the segments the receiver's reads will return.
    fn split(&mut self, data: Vec<u8>) -> Vec<Vec<u8>> {
        let n = data.len();
        if n > 1 && n <= 64 && self.rng.chance(self.cfg.bytewise_chance) {
            return data.iter().map(|&b| vec![b]).collect();
        }
        if n < 2 || !self.rng.chance(self.cfg.split_chance) {
            return vec![data];
        }
        let pieces = self.rng.between(2, 5.min(n as u64)) as usize;
        let mut cuts: Vec<usize> = (1..pieces)
            .map(|_| self.rng.between(1, n as u64 - 1) as usize)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = Vec::with_capacity(cuts.len() + 1);
        let mut start = 0;
        for cut in cuts.into_iter().chain([n]) {
            out.push(data[start..cut].to_vec());
            start = cut;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(seed: u64) -> Network {
        Network::new(NetConfig::default(), SimRng::new(seed, 1))
    }

    /// Delivers everything, returning (time, direction, packet) in delivery order.
    fn drain(n: &mut Network) -> Vec<(u64, Dir, Packet)> {
        let mut out = Vec::new();
        while let Some(at) = n.next_at() {
            while let Some(d) = n.pop_due(at) {
                out.push((at, d.dir, d.packet));
            }
        }
        out
    }

    fn data_to(out: &[(u64, Dir, Packet)], dir: Dir) -> Vec<u8> {
        out.iter()
            .filter(|(_, d, _)| *d == dir)
            .filter_map(|(_, _, p)| match p {
                Packet::Data(b) => Some(b.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn bytes_arrive_in_order_whatever_the_splits() {
        for seed in 0..50 {
            let mut n = net(seed);
            let c = n.connect(0, 0);
            let mut sent = Vec::new();
            for i in 0..20u8 {
                let chunk: Vec<u8> = (0..i * 3).map(|j| i.wrapping_mul(31).wrapping_add(j)).collect();
                sent.extend_from_slice(&chunk);
                n.send(u64::from(i) * 100, c, Dir::ToServer, chunk);
            }
            n.close(5_000, c, Dir::ToServer);
            let out = drain(&mut n);
            assert_eq!(out.first().map(|o| &o.2), Some(&Packet::Open));
            assert_eq!(out.last().map(|o| &o.2), Some(&Packet::Fin));
            assert!(out.windows(2).all(|w| w[0].0 <= w[1].0));
            assert_eq!(data_to(&out, Dir::ToServer), sent, "seed {seed}");
        }
    }

    #[test]
    fn a_closed_end_reads_nothing_more() {
        let mut n = net(3);
        let c = n.connect(0, 0);
        n.close(10, c, Dir::ToServer);
        n.send(20, c, Dir::ToClient, b"late reply".to_vec());
        let out = drain(&mut n);
        let packets: Vec<&Packet> = out.iter().map(|o| &o.2).collect();
        assert_eq!(packets, vec![&Packet::Open, &Packet::Fin]);
        assert!(out.iter().all(|(_, d, _)| *d == Dir::ToServer));
        n.close(10_000, c, Dir::ToClient);
        assert!(drain(&mut n).is_empty());
        assert!(n.profile(c).is_none(), "finished connections are forgotten");
    }
}
