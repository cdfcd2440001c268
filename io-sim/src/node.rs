//! A simulated server process: one core `Server` plus what the real backend keeps per
//! connection (a request parser). It turns packets into core events and the core's outputs
//! into packets, exactly as `ferrous-io-real` turns socket reads and writes into them.
//!
//! A node outlives the servers it runs: a crash ([`Node::crash`]) drops the server and its
//! connections and applies the crash to the node's disk; a restart ([`Node::restart`]) boots
//! a fresh server from what the disk kept.

use std::collections::BTreeMap;

use ferrous_core::{
    ClientId, Config, ConnInfo, DiskReq, DiskResult, Event, Now, Output, RequestParser, Server, ServerEnv, Signal,
};

use crate::disk::SimDisk;
use crate::net::{ConnId, Dir, Packet};
use crate::rng::SimRng;
use crate::sim::{Actors, Failure, World};
use crate::trace::Trace;

pub type NodeId = usize;

/// What a node boots a server from: its configuration, its environment, and a generator of
/// the seeds of the servers it runs.
pub struct BootSpec {
    pub cfg: Config,
    pub env: ServerEnv,
    pub seeds: SimRng,
}

pub struct Node {
    id: NodeId,
    server: Server,
    /// Accepted connections that the server has not closed, with their parsers.
    conns: BTreeMap<ConnId, RequestParser>,
    exit_code: Option<i32>,
    /// The machine is down (crashed, not restarted yet).
    down: bool,
    /// Counts the servers this node ran: completions meant for an earlier one are dropped.
    incarnation: u64,
    /// Listen requests carried out, whose completions the core still has to hear.
    listened: u32,
    /// Connections the server opened (a replica's master link): the core's id for each
    /// network connection, and back.
    links: BTreeMap<ConnId, ClientId>,
    link_conns: BTreeMap<ClientId, ConnId>,
    /// Completions of connect requests, for the core once its outputs are carried out.
    outbound: Vec<Event>,
    /// How far this node's wall clock is off (0 for now; per-node skew is a planned fault).
    wall_skew_ms: i64,
    disk: SimDisk,
    spec: BootSpec,
}

impl Node {
    /// A node running a server seeded with `seed`.
    pub fn new(id: NodeId, spec: BootSpec, disk: SimDisk, seed: u64, now: Now) -> Node {
        let server = Server::new(spec.cfg.clone(), spec.env.clone(), seed, now);
        Node {
            id,
            server,
            conns: BTreeMap::new(),
            exit_code: None,
            down: false,
            incarnation: 0,
            listened: 0,
            links: BTreeMap::new(),
            link_conns: BTreeMap::new(),
            outbound: Vec::new(),
            wall_skew_ms: 0,
            disk,
            spec,
        }
    }

    /// Start-up before any client: the server loads its dataset from the node's disk. The
    /// requests of the load complete at once, in order.
    pub fn boot(&mut self, now: Now, trace: &mut Trace) {
        self.server.load_from_disk();
        while let Some(out) = self.server.poll_output() {
            trace.output(now.mono_us, self.id, &out);
            match out {
                Output::Disk { req, op, .. } => {
                    let result = self.disk.apply(now.mono_us, op);
                    let event = Event::Disk { req, result };
                    trace.event(now.mono_us, self.id, &event);
                    self.server.handle(now, event);
                }
                // A dataset that cannot be loaded stops the server.
                Output::Exit { code } => self.exit_code = Some(code),
                _ => {}
            }
        }
    }

    pub fn disk(&self) -> &SimDisk {
        &self.disk
    }

    pub fn disk_mut(&mut self) -> &mut SimDisk {
        &mut self.disk
    }

    /// The machine loses power: the server and its connections are gone at once (clients see
    /// their connections closed after what was already on the wire), and the disk keeps only
    /// what a crash keeps.
    pub fn crash(&mut self, w: &mut World) {
        w.net.crash_node(w.clock.mono_us(), self.id);
        self.conns.clear();
        self.links.clear();
        self.link_conns.clear();
        self.outbound.clear();
        self.disk.crash();
        self.down = true;
        self.incarnation += 1;
        let at = w.clock.mono_us();
        w.trace.crash(at, self.id);
    }

    /// A fresh server boots from the disk, as the node's operator would start it.
    pub fn restart(&mut self, w: &mut World) {
        let now = w.clock.now_skewed(self.wall_skew_ms);
        self.server = Server::new(
            self.spec.cfg.clone(),
            self.spec.env.clone(),
            self.spec.seeds.next_u64(),
            now,
        );
        self.down = false;
        self.exit_code = None;
        self.incarnation += 1;
        w.trace.restart(now.mono_us, self.id);
        self.boot(now, &mut w.trace);
    }

    pub fn incarnation(&self) -> u64 {
        self.incarnation
    }

    /// Whether a server runs (not crashed, not exited).
    pub fn is_up(&self) -> bool {
        !self.down && self.exit_code.is_none()
    }

    /// A disk request this node made completed.
    pub fn disk_done<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        incarnation: u64,
        req: DiskReq,
        result: DiskResult,
        actors: &mut A,
    ) -> Result<(), Failure> {
        if !self.is_up() || incarnation != self.incarnation {
            return Ok(());
        }
        self.handle(w, Event::Disk { req, result }, actors)
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// For set-up before the run starts (what an operator's DEBUG command would change).
    pub fn server_mut(&mut self) -> &mut Server {
        &mut self.server
    }

    /// The exit status, once the server asked to exit.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// Connections the server still serves.
    pub fn open_connections(&self) -> usize {
        self.conns.len()
    }

    /// When the server wants its next `Tick`; `None` once it has exited.
    pub fn deadline_us(&self) -> Option<u64> {
        self.is_up().then(|| self.server.next_deadline_us())
    }

    /// A packet from a client arrived.
    pub fn receive<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        conn: ConnId,
        packet: Packet,
        actors: &mut A,
    ) -> Result<(), Failure> {
        if !self.is_up() {
            // Nobody listens any more: a connection attempt is refused, anything else is lost.
            if packet == Packet::Open {
                w.net.close(w.clock.mono_us(), conn, Dir::ToClient);
            }
            return Ok(());
        }
        match packet {
            Packet::Open => self.accept(w, conn, actors),
            Packet::Data(bytes) => self.read(w, conn, &bytes, actors),
            Packet::Fin => self.peer_closed(w, conn, actors),
        }
    }

    pub fn tick<A: Actors + ?Sized>(&mut self, w: &mut World, actors: &mut A) -> Result<(), Failure> {
        if self.deadline_us().is_some_and(|d| d <= w.clock.mono_us()) {
            self.handle(w, Event::Tick, actors)?;
        }
        Ok(())
    }

    pub fn signal<A: Actors + ?Sized>(&mut self, w: &mut World, sig: Signal, actors: &mut A) -> Result<(), Failure> {
        if !self.is_up() {
            return Ok(());
        }
        self.handle(w, Event::Signal(sig), actors)
    }

    fn accept<A: Actors + ?Sized>(&mut self, w: &mut World, conn: ConnId, actors: &mut A) -> Result<(), Failure> {
        self.conns.insert(conn, RequestParser::new());
        let info = ConnInfo {
            addr: format!("127.0.0.1:{}", 32768 + conn % 28000),
            laddr: "127.0.0.1:6379".into(),
            fd: 8 + conn as i64,
            loopback: true,
            unix: false,
        };
        self.handle(
            w,
            Event::Connected {
                client: conn,
                conn: info,
            },
            actors,
        )
    }

    /// Parses what arrived and hands the whole commands, then any protocol error, to the core,
    /// as the real backend does after a read.
    fn read<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        conn: ConnId,
        bytes: &[u8],
        actors: &mut A,
    ) -> Result<(), Failure> {
        let limits = self.server.parse_limits(conn);
        let Some(parser) = self.conns.get_mut(&conn) else {
            return Ok(());
        };
        parser.feed(bytes);
        let mut cmds = Vec::new();
        let res = parser.parse_into(&limits, &mut cmds);
        if let Some(usage) = parser.usage_changed() {
            self.handle(w, Event::QueryBuffer { client: conn, usage }, actors)?;
        }
        if !cmds.is_empty() {
            self.handle(w, Event::Commands { client: conn, cmds }, actors)?;
        }
        if let Err(error) = res {
            self.handle(w, Event::ProtocolError { client: conn, error }, actors)?;
        }
        Ok(())
    }

    fn peer_closed<A: Actors + ?Sized>(&mut self, w: &mut World, conn: ConnId, actors: &mut A) -> Result<(), Failure> {
        if self.conns.remove(&conn).is_none() {
            return Ok(());
        }
        // The backend drops its socket on EOF; nothing it wrote can reach the peer any more.
        w.net.close(w.clock.mono_us(), conn, Dir::ToClient);
        self.handle(w, Event::Disconnected { client: conn }, actors)
    }

    /// Hands one event to the core (the actors see it first: that is where a reference model
    /// applies it) and carries out what the core asks for.
    fn handle<A: Actors + ?Sized>(&mut self, w: &mut World, event: Event, actors: &mut A) -> Result<(), Failure> {
        let now = w.clock.now_skewed(self.wall_skew_ms);
        actors.before_event(self.id, now, &event)?;
        w.trace.event(now.mono_us, self.id, &event);
        self.server.handle(now, event);
        while let Some(out) = self.server.poll_output() {
            w.trace.output(now.mono_us, self.id, &out);
            self.perform(w, out);
        }
        if self.listened > 0 {
            self.listened -= 1;
            return self.handle(w, Event::Listened { result: Ok(()) }, actors);
        }
        if !self.outbound.is_empty() {
            let event = self.outbound.remove(0);
            return self.handle(w, event, actors);
        }
        Ok(())
    }

    /// A packet on a connection this node's server opened.
    pub fn receive_link<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        conn: ConnId,
        packet: Packet,
        actors: &mut A,
    ) -> Result<(), Failure> {
        let Some(&client) = self.links.get(&conn) else {
            return Ok(());
        };
        if !self.is_up() {
            return Ok(());
        }
        match packet {
            Packet::Data(bytes) => self.handle(w, Event::Data { client, bytes }, actors),
            Packet::Fin => {
                self.forget_link(w, client);
                self.handle(w, Event::Disconnected { client }, actors)
            }
            Packet::Open => Ok(()),
        }
    }

    /// Output::Connect: `node<i>` is node i (any port); the connection is reported open at
    /// once, and a node that is down answers it with a close.
    fn connect(&mut self, w: &mut World, client: ClientId, host: &str) {
        let target = host
            .strip_prefix("node")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n < w.node_count);
        let result = match target {
            Some(node) => {
                let conn = w.net.connect_from(w.clock.mono_us(), Some(self.id), node);
                self.links.insert(conn, client);
                self.link_conns.insert(client, conn);
                Ok(())
            }
            None => Err("Name or service not known".to_string()),
        };
        self.outbound.push(Event::Outbound { client, result });
    }

    /// Closes this end of a link the server opened (if it still is open).
    fn forget_link(&mut self, w: &mut World, client: ClientId) {
        if let Some(conn) = self.link_conns.remove(&client) {
            self.links.remove(&conn);
            w.net.close(w.clock.mono_us(), conn, Dir::ToServer);
        }
    }

    fn perform(&mut self, w: &mut World, out: Output) {
        let now_us = w.clock.mono_us();
        match out {
            Output::Send { client, data } => {
                if let Some(&conn) = self.link_conns.get(&client) {
                    w.net.send(now_us, conn, Dir::ToServer, data);
                } else if self.conns.contains_key(&client) {
                    w.net.send(now_us, client, Dir::ToClient, data);
                }
            }
            // The simulated network has no reset yet: an abort closes like a close.
            Output::Close { client } | Output::Abort { client } => {
                if self.link_conns.contains_key(&client) {
                    self.forget_link(w, client);
                } else if self.conns.remove(&client).is_some() {
                    w.net.close(now_us, client, Dir::ToClient);
                }
            }
            Output::Connect { client, host, .. } => self.connect(w, client, &host),
            // Logs are in the trace already.
            Output::Log { .. } => {}
            // The simulated node listens wherever it is told, at once.
            Output::Listen { .. } => self.listened += 1,
            Output::Exit { code } => self.exit(w, code),
            // As a shell reports a death by SIGSEGV.
            Output::Segfault => self.exit(w, 128 + 11),
            // Carried out now, in order; the completion arrives a little later.
            Output::Disk { req, op, .. } => {
                let (result, at_us) = self.disk.submit(now_us, op);
                w.complete_disk(at_us, self.id, self.incarnation, req, result);
            }
            Output::ShrinkQueryBuffer { client, capacity } => {
                if let Some(parser) = self.conns.get_mut(&client) {
                    parser.shrink_to(capacity);
                }
            }
        }
    }

    /// The process ends: the kernel closes every socket it still had.
    fn exit(&mut self, w: &mut World, code: i32) {
        self.exit_code = Some(code);
        for client in self.link_conns.keys().copied().collect::<Vec<_>>() {
            self.forget_link(w, client);
        }
        let now_us = w.clock.mono_us();
        for conn in std::mem::take(&mut self.conns).into_keys() {
            w.net.close(now_us, conn, Dir::ToClient);
        }
    }
}
