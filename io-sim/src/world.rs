//! One simulated server node and its clients, connected by a simulated network, in virtual
//! time. The scenario code (sim-tests) drives clients through [`World`] and learns from
//! [`World::step`] what happened, in the order it happened.

use std::collections::BTreeMap;

use ferrous_core::{
    Args, ClientId, Config, ConnInfo, Event, Now, Output, ProtocolError, RequestParser, Server, ServerEnv,
};

use crate::queue::EventQueue;
use crate::rng::SimRng;
use crate::trace::TraceHasher;

#[derive(Clone, Debug)]
pub struct WorldConfig {
    pub seed: u64,
    pub server: Config,
    /// One-way network latency bounds, µs.
    pub min_latency_us: u64,
    pub max_latency_us: u64,
    /// Largest piece a byte stream is cut into in flight.
    pub max_chunk: usize,
    /// Wall-clock time at the start, unix ms.
    pub start_unix_ms: u64,
}

impl WorldConfig {
    pub fn new(seed: u64) -> WorldConfig {
        WorldConfig {
            seed,
            server: Config::default(),
            min_latency_us: 20,
            max_latency_us: 2_000,
            max_chunk: 64,
            start_unix_ms: 1_767_225_600_000,
        }
    }
}

/// What the scenario learns from one step.
#[derive(Debug)]
pub enum Delivery {
    /// These commands were just handed to the server for `client`, in order; the server has
    /// already executed them.
    Executed { client: ClientId, cmds: Vec<Args> },
    /// The server was told that `client`'s stream broke the protocol.
    ProtocolError { client: ClientId, error: ProtocolError },
    /// Reply bytes reached the client.
    ClientBytes { client: ClientId, data: Vec<u8> },
    /// The server closed the connection and the client saw it.
    ClientClosed { client: ClientId },
    /// A timer the scenario set went off.
    Wake { token: u64 },
    /// The server asked to exit.
    ServerExit { code: i32 },
    /// Nothing visible to the scenario (a tick, a log line, bytes still in flight).
    Quiet,
}

enum Pending {
    ToServer { client: ClientId, chunk: Vec<u8> },
    ClientHangup { client: ClientId },
    ToClient { client: ClientId, chunk: Vec<u8> },
    ServerHangup { client: ClientId },
    Tick,
    Wake { token: u64 },
}

/// Per-connection network state.
struct Link {
    parser: RequestParser,
    /// Latest scheduled arrival in each direction: TCP keeps a stream in order.
    last_up_us: u64,
    last_down_us: u64,
    /// The server still has this connection.
    server_side_open: bool,
    latency_us: u64,
}

pub struct World {
    pub cfg: WorldConfig,
    pub rng: SimRng,
    pub trace: TraceHasher,
    server: Server,
    links: BTreeMap<ClientId, Link>,
    queue: EventQueue<Pending>,
    now_us: u64,
    next_client: ClientId,
    tick_at: Option<u64>,
    exited: bool,
}

/// A client as the scenario knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClientHandle(pub ClientId);

impl World {
    pub fn new(cfg: WorldConfig) -> World {
        let mut rng = SimRng::new(cfg.seed);
        let server_seed = rng.u64();
        let now_us = 1_000_000;
        let now = Now::new(cfg.start_unix_ms, now_us);
        let server = Server::new(cfg.server.clone(), ServerEnv::default(), server_seed, now);
        let mut w = World {
            cfg,
            rng,
            trace: TraceHasher::default(),
            server,
            links: BTreeMap::new(),
            queue: EventQueue::default(),
            now_us,
            next_client: 1,
            tick_at: None,
            exited: false,
        };
        w.schedule_tick();
        w
    }

    pub fn now(&self) -> Now {
        Now::new(self.cfg.start_unix_ms + (self.now_us - 1_000_000) / 1000, self.now_us)
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Opens a connection; the server sees it at once.
    pub fn connect(&mut self) -> ClientHandle {
        let id = self.next_client;
        self.next_client += 1;
        let latency_us = self.rng.range(self.cfg.min_latency_us, self.cfg.max_latency_us + 1);
        let link = Link {
            parser: RequestParser::new(),
            last_up_us: 0,
            last_down_us: 0,
            server_side_open: true,
            latency_us,
        };
        self.links.insert(id, link);
        let conn = ConnInfo {
            addr: format!("127.0.0.1:{}", 30000 + id),
            laddr: "127.0.0.1:6379".into(),
            fd: id as i64,
            loopback: true,
        };
        self.trace.event("connect", self.now_us, id, &[]);
        self.feed_server(Event::Connected { client: id, conn });
        ClientHandle(id)
    }

    /// Sends bytes from a client: they travel cut into random pieces, in order.
    pub fn send(&mut self, client: ClientHandle, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = self.rng.range(1, self.cfg.max_chunk as u64 + 1).min(rest.len() as u64) as usize;
            let at = self.arrival(client.0, true);
            self.queue.push(
                at,
                Pending::ToServer {
                    client: client.0,
                    chunk: rest[..n].to_vec(),
                },
            );
            rest = &rest[n..];
        }
    }

    /// The client hangs up after what it already sent.
    pub fn hang_up(&mut self, client: ClientHandle) {
        let at = self.arrival(client.0, true);
        self.queue.push(at, Pending::ClientHangup { client: client.0 });
    }

    /// Calls the scenario back at `at_us` with `token`.
    pub fn wake_at(&mut self, at_us: u64, token: u64) {
        self.queue.push(at_us.max(self.now_us), Pending::Wake { token });
    }

    /// Arrival time of the next piece on a link, keeping the stream in order.
    fn arrival(&mut self, id: ClientId, up: bool) -> u64 {
        let Some(link) = self.links.get(&id) else {
            return self.now_us;
        };
        let jitter = self.rng.range(0, link.latency_us / 2 + 1);
        let link = self.links.get_mut(&id).expect("checked above");
        let last = if up {
            &mut link.last_up_us
        } else {
            &mut link.last_down_us
        };
        let at = (self.now_us + link.latency_us + jitter).max(*last);
        *last = at;
        at
    }

    /// Advances to the next event and handles it. `None` when nothing is left to happen.
    pub fn step(&mut self) -> Option<Vec<Delivery>> {
        let (at, item) = self.queue.pop()?;
        self.now_us = self.now_us.max(at);
        let mut out = Vec::new();
        match item {
            Pending::ToServer { client, chunk } => self.deliver_to_server(client, &chunk, &mut out),
            Pending::ClientHangup { client } => {
                self.trace.event("hangup", self.now_us, client, &[]);
                let open = self
                    .links
                    .get_mut(&client)
                    .map(|l| std::mem::replace(&mut l.server_side_open, false));
                if open == Some(true) {
                    self.feed_server(Event::Disconnected { client });
                }
            }
            Pending::ToClient { client, chunk } => {
                self.trace.event("to-client", self.now_us, client, &chunk);
                out.push(Delivery::ClientBytes { client, data: chunk });
            }
            Pending::ServerHangup { client } => {
                self.trace.event("closed", self.now_us, client, &[]);
                out.push(Delivery::ClientClosed { client });
            }
            Pending::Tick => {
                if self.tick_at == Some(at) {
                    self.tick_at = None;
                    self.trace.event("tick", self.now_us, 0, &[]);
                    self.feed_server(Event::Tick);
                }
            }
            Pending::Wake { token } => out.push(Delivery::Wake { token }),
        }
        if self.exited {
            out.push(Delivery::ServerExit { code: 0 });
        }
        Some(out)
    }

    fn deliver_to_server(&mut self, client: ClientId, chunk: &[u8], out: &mut Vec<Delivery>) {
        self.trace.event("to-server", self.now_us, client, chunk);
        let limits = self.server.parse_limits(client);
        let Some(link) = self.links.get_mut(&client) else {
            return;
        };
        if !link.server_side_open {
            return;
        }
        link.parser.feed(chunk);
        let mut cmds = Vec::new();
        let res = link.parser.parse_into(&limits, &mut cmds);
        if !cmds.is_empty() {
            self.feed_server(Event::Commands {
                client,
                cmds: cmds.clone(),
            });
            out.push(Delivery::Executed { client, cmds });
        }
        if let Err(error) = res {
            self.feed_server(Event::ProtocolError {
                client,
                error: error.clone(),
            });
            out.push(Delivery::ProtocolError { client, error });
        }
    }

    /// Hands one event to the server and carries out what it asks for.
    fn feed_server(&mut self, ev: Event) {
        let now = self.now();
        self.server.handle(now, ev);
        while let Some(o) = self.server.poll_output() {
            self.carry_out(o);
        }
        self.schedule_tick();
    }

    fn carry_out(&mut self, o: Output) {
        match o {
            Output::Send { client, data } => {
                self.trace.event("send", self.now_us, client, &data);
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = self.rng.range(1, self.cfg.max_chunk as u64 + 1).min(rest.len() as u64) as usize;
                    let at = self.arrival(client, false);
                    self.queue.push(
                        at,
                        Pending::ToClient {
                            client,
                            chunk: rest[..n].to_vec(),
                        },
                    );
                    rest = &rest[n..];
                }
            }
            Output::Close { client } => {
                self.trace.event("close", self.now_us, client, &[]);
                if let Some(l) = self.links.get_mut(&client) {
                    l.server_side_open = false;
                }
                let at = self.arrival(client, false);
                self.queue.push(at, Pending::ServerHangup { client });
            }
            Output::Log { text, .. } => self.trace.event("log", self.now_us, 0, text.as_bytes()),
            Output::Listen { port, .. } => self.trace.event("listen", self.now_us, u64::from(port), &[]),
            Output::Exit { code } => {
                self.trace.event("exit", self.now_us, code as u64, &[]);
                self.exited = true;
            }
        }
    }

    fn schedule_tick(&mut self) {
        let at = self.server.next_deadline_us();
        if self.tick_at != Some(at) {
            self.tick_at = Some(at);
            self.queue.push(at, Pending::Tick);
        }
    }

    /// True when only server ticks are left to happen.
    pub fn idle(&self) -> bool {
        self.queue.len() <= 1 && self.tick_at.is_some()
    }
}
