//! A simulated server process: one core `Server` plus what the real backend keeps per
//! connection (a request parser). It turns packets into core events and the core's outputs
//! into packets, exactly as `ferrous-io-real` turns socket reads and writes into them.
//!
//! Crashes and restarts (dropping the server, rebuilding it from a simulated disk) will live
//! here; a node already has an identity separate from the `Server` it currently runs.

use std::collections::BTreeMap;

use ferrous_core::{ConnInfo, DiskReq, DiskResult, Event, MemDisk, Now, Output, RequestParser, Server, Signal};

use crate::net::{ConnId, Dir, Packet};
use crate::sim::{Actors, Failure, World};

pub type NodeId = usize;

/// How long a simulated disk request takes.
const DISK_LATENCY_US: u64 = 200;

pub struct Node {
    id: NodeId,
    server: Server,
    /// Accepted connections that the server has not closed, with their parsers.
    conns: BTreeMap<ConnId, RequestParser>,
    exit_code: Option<i32>,
    /// How far this node's wall clock is off (0 for now; per-node skew is a planned fault).
    wall_skew_ms: i64,
    /// The node's files (durable at once for now; crash faults are planned).
    disk: MemDisk,
}

impl Node {
    pub fn new(id: NodeId, server: Server) -> Node {
        Node {
            id,
            server,
            conns: BTreeMap::new(),
            exit_code: None,
            wall_skew_ms: 0,
            disk: MemDisk::default(),
        }
    }

    /// Start-up before any client: the server loads its RDB file from the node's disk.
    pub fn boot(&mut self, now: Now) {
        self.server.load_from_disk();
        while let Some(out) = self.server.poll_output() {
            if let Output::Disk { req, op } = out {
                let result = self.disk.apply(op);
                self.server.handle(now, Event::Disk { req, result });
            }
        }
    }

    pub fn disk(&self) -> &MemDisk {
        &self.disk
    }

    /// A disk request this node made completed.
    pub fn disk_done<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        req: DiskReq,
        result: DiskResult,
        actors: &mut A,
    ) -> Result<(), Failure> {
        if self.exit_code.is_some() {
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
        self.exit_code.is_none().then(|| self.server.next_deadline_us())
    }

    /// A packet from a client arrived.
    pub fn receive<A: Actors + ?Sized>(
        &mut self,
        w: &mut World,
        conn: ConnId,
        packet: Packet,
        actors: &mut A,
    ) -> Result<(), Failure> {
        if self.exit_code.is_some() {
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
        if self.exit_code.is_some() {
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
        Ok(())
    }

    fn perform(&mut self, w: &mut World, out: Output) {
        let now_us = w.clock.mono_us();
        match out {
            Output::Send { client, data } => {
                if self.conns.contains_key(&client) {
                    w.net.send(now_us, client, Dir::ToClient, data);
                }
            }
            // The simulated network has no reset yet: an abort closes like a close.
            Output::Close { client } | Output::Abort { client } => {
                if self.conns.remove(&client).is_some() {
                    w.net.close(now_us, client, Dir::ToClient);
                }
            }
            // Logs are in the trace already; the simulated node listens wherever it is told.
            Output::Log { .. } | Output::Listen { .. } => {}
            Output::Exit { code } => self.exit(w, code),
            // Carried out now, in order; the completion arrives a little later.
            Output::Disk { req, op } => {
                let result = self.disk.apply(op);
                w.complete_disk(now_us + DISK_LATENCY_US, self.id, req, result);
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
        let now_us = w.clock.mono_us();
        for conn in std::mem::take(&mut self.conns).into_keys() {
            w.net.close(now_us, conn, Dir::ToClient);
        }
    }
}
