//! The simulation loop: one seed, virtual time, a network, nodes, and the actors that use them
//! (clients, a workload, checkers: supplied by the caller through [`Actors`]).
//!
//! Each [`Sim::step`] jumps virtual time to the earliest thing that can happen — a packet
//! arriving, an actor's timer, a server's deadline — and makes it happen. Nothing else moves
//! time, so idle stretches cost nothing and a run depends on its seed alone.

use std::fmt;

use ferrous_core::{Config, DiskReq, DiskResult, Event, Now, ServerEnv, Signal};

use crate::agenda::Agenda;
use crate::clock::SimClock;
use crate::disk::{DiskFaults, SimDisk};
use crate::net::{ConnId, Delivery, Dir, NetConfig, Network, Packet};
use crate::node::{BootSpec, Node, NodeId};
use crate::rng::{streams, SimRng};
use crate::trace::{Trace, TraceMode};

/// Why a run failed: a checker's verdict, with everything needed to understand it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// Everything outside the servers: clients, workloads, checkers.
pub trait Actors {
    /// A timer set with [`Ctx::set_timer`] fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) -> Result<(), Failure>;
    /// Bytes from the server arrived on the client end of `conn`.
    fn on_data(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, data: &[u8]) -> Result<(), Failure>;
    /// The server closed `conn` (after everything it sent before).
    fn on_eof(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) -> Result<(), Failure>;
    /// `event` is about to be handed to `node`'s server at `now`. Commands run atomically in
    /// the order they are handed over, so this is where a reference model applies them.
    fn before_event(&mut self, node: NodeId, now: Now, event: &Event) -> Result<(), Failure>;
}

#[derive(Debug)]
enum Timer {
    Actor(u64),
    Signal(NodeId, Signal),
    /// A node's disk request completes (for the server of that incarnation).
    Disk(NodeId, u64, DiskReq, DiskResult),
    Crash(NodeId),
    Restart(NodeId),
}

/// The shared state nodes and actors act on.
pub struct World {
    /// How many nodes there are (`node<i>` names node i on the simulated network).
    pub node_count: usize,
    pub clock: SimClock,
    pub net: Network,
    pub trace: Trace,
    timers: Agenda<Timer>,
}

impl World {
    /// Reports a disk request's completion to `node` at `at_us`.
    pub(crate) fn complete_disk(
        &mut self,
        at_us: u64,
        node: NodeId,
        incarnation: u64,
        req: DiskReq,
        result: DiskResult,
    ) {
        self.timers.push(at_us, Timer::Disk(node, incarnation, req, result));
    }
}

/// What actors may do: the client side of the network, timers, signals, the wall clock.
pub struct Ctx<'a> {
    world: &'a mut World,
}

impl Ctx<'_> {
    pub fn now(&self) -> Now {
        self.world.clock.now()
    }

    pub fn now_us(&self) -> u64 {
        self.world.clock.mono_us()
    }

    /// Opens a client connection to `node`.
    pub fn connect(&mut self, node: NodeId) -> ConnId {
        let now = self.now_us();
        self.world.net.connect(now, node)
    }

    /// Writes bytes from the client end of `conn`.
    pub fn send(&mut self, conn: ConnId, data: Vec<u8>) {
        let now = self.now_us();
        self.world.net.send(now, conn, Dir::ToServer, data);
    }

    /// Closes the client end of `conn`: the server sees EOF after the data sent before.
    pub fn close(&mut self, conn: ConnId) {
        let now = self.now_us();
        self.world.net.close(now, conn, Dir::ToServer);
    }

    /// Calls [`Actors::on_timer`] with `token` at `at_us` (or now, if that has passed).
    pub fn set_timer(&mut self, at_us: u64, token: u64) {
        let at = at_us.max(self.now_us());
        self.world.timers.push(at, Timer::Actor(token));
    }

    /// Delivers a signal to `node` as soon as possible.
    pub fn signal(&mut self, node: NodeId, sig: Signal) {
        let now = self.now_us();
        self.world.timers.push(now, Timer::Signal(node, sig));
    }

    /// Crashes `node` as soon as possible (power loss: see [`Node::crash`]).
    pub fn crash(&mut self, node: NodeId) {
        let now = self.now_us();
        self.world.timers.push(now, Timer::Crash(node));
    }

    /// Boots a fresh server on the crashed `node` as soon as possible.
    pub fn restart(&mut self, node: NodeId) {
        let now = self.now_us();
        self.world.timers.push(now, Timer::Restart(node));
    }

    /// Steps every node's wall clock by `delta_ms`.
    pub fn step_wall_clock(&mut self, delta_ms: i64) {
        self.world.clock.step_wall_ms(delta_ms);
    }

    /// A context line for the trace (built only if text is kept).
    pub fn note(&mut self, line: impl FnOnce() -> String) {
        let now = self.now_us();
        self.world.trace.note(now, line);
    }
}

pub struct SimConfig {
    pub seed: u64,
    pub nodes: usize,
    pub server: Config,
    pub net: NetConfig,
    pub trace: TraceMode,
    /// What goes wrong with the nodes' disks.
    pub disk_faults: DiskFaults,
}

impl SimConfig {
    pub fn new(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            nodes: 1,
            server: Config::default(),
            net: NetConfig::default(),
            trace: TraceMode::HashOnly,
            disk_faults: DiskFaults::default(),
        }
    }
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Ran,
    /// Nothing is in flight and no timer is set: only server ticks could still happen.
    Quiet,
}

pub struct Sim {
    world: World,
    nodes: Vec<Node>,
    steps: u64,
    start_us: u64,
}

impl Sim {
    pub fn new(cfg: SimConfig) -> Sim {
        let mut clock_rng = SimRng::new(cfg.seed, streams::CLOCK);
        // Start anywhere: code must not assume the monotonic clock starts near zero or that
        // the wall clock shows a particular date.
        let start_us = clock_rng.between(1_000_000, 1 << 40);
        let start_unix_ms = clock_rng.between(1_500_000_000_000, 2_000_000_000_000);
        let clock = SimClock::new(start_us, start_unix_ms);
        let mut server_rng = SimRng::new(cfg.seed, streams::SERVER);
        let env = ServerEnv {
            pid: 4242,
            executable: "/usr/bin/ferrous-sim".into(),
            os: "Simulated".into(),
            arch_bits: 64,
            ..ServerEnv::default()
        };
        let mut trace = Trace::new(cfg.trace, start_us);
        let nodes = (0..cfg.nodes)
            .map(|id| {
                // The first server's seed comes from the stream it always came from, so that
                // runs without crashes replay as before; restarted servers and the disk draw
                // from streams of their own.
                let first = server_rng.next_u64();
                let spec = BootSpec {
                    cfg: cfg.server.clone(),
                    env: env.clone(),
                    seeds: SimRng::new(cfg.seed ^ id as u64, streams::RESTART),
                };
                let disk = SimDisk::new(
                    SimRng::new(cfg.seed ^ id as u64, streams::DISK),
                    cfg.disk_faults.clone(),
                );
                let mut node = Node::new(id, spec, disk, first, clock.now());
                node.boot(clock.now(), &mut trace);
                node
            })
            .collect();
        let world = World {
            node_count: cfg.nodes,
            clock,
            net: Network::new(cfg.net, SimRng::new(cfg.seed, streams::NETWORK)),
            trace,
            timers: Agenda::default(),
        };
        Sim {
            world,
            nodes,
            steps: 0,
            start_us,
        }
    }

    /// A context for actors to act outside a callback (to start a workload, say).
    pub fn ctx(&mut self) -> Ctx<'_> {
        Ctx { world: &mut self.world }
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub fn now(&self) -> Now {
        self.world.clock.now()
    }

    /// Virtual time since the start, µs.
    pub fn elapsed_us(&self) -> u64 {
        self.world.clock.mono_us() - self.start_us
    }

    pub fn trace(&self) -> &Trace {
        &self.world.trace
    }

    /// Makes the earliest pending thing happen.
    pub fn step<A: Actors + ?Sized>(&mut self, actors: &mut A) -> Result<Progress, Failure> {
        let net_at = self.world.net.next_at();
        let Some(work_at) = [net_at, self.world.timers.next_at()].into_iter().flatten().min() else {
            return Ok(Progress::Quiet);
        };
        self.steps += 1;
        // A server deadline due no later than the next piece of work goes first.
        if let Some((node, tick_at)) = self.earliest_deadline().filter(|&(_, at)| at <= work_at) {
            self.advance_to(tick_at);
            return self.nodes[node].tick(&mut self.world, actors).map(|_| Progress::Ran);
        }
        self.advance_to(work_at);
        if net_at == Some(work_at) {
            if let Some(d) = self.world.net.pop_due(work_at) {
                self.deliver(d, actors)?;
            }
        } else if let Some((_, timer)) = self.world.timers.pop_due(work_at) {
            self.fire(timer, actors)?;
        }
        Ok(Progress::Ran)
    }

    /// Steps until nothing is in flight and no timer is set; fails if that takes more than
    /// `max_steps` (something keeps the system busy forever).
    pub fn run_until_quiet<A: Actors + ?Sized>(&mut self, actors: &mut A, max_steps: u64) -> Result<(), Failure> {
        for _ in 0..max_steps {
            if self.step(actors)? == Progress::Quiet {
                return Ok(());
            }
        }
        Err(Failure(format!("the system did not quiesce within {max_steps} steps")))
    }

    fn earliest_deadline(&self) -> Option<(NodeId, u64)> {
        self.nodes
            .iter()
            .filter_map(|n| n.deadline_us().map(|at| (n.id(), at)))
            .min_by_key(|&(id, at)| (at, id))
    }

    fn advance_to(&mut self, at_us: u64) {
        let now = self.world.clock.mono_us();
        self.world.clock.advance_to(at_us.max(now));
    }

    fn deliver<A: Actors + ?Sized>(&mut self, d: Delivery, actors: &mut A) -> Result<(), Failure> {
        if d.dir == Dir::ToServer {
            return self.nodes[d.node].receive(&mut self.world, d.conn, d.packet, actors);
        }
        if let Some(origin) = d.origin {
            return self.nodes[origin].receive_link(&mut self.world, d.conn, d.packet, actors);
        }
        let mut ctx = Ctx { world: &mut self.world };
        match d.packet {
            Packet::Data(bytes) => actors.on_data(&mut ctx, d.conn, &bytes),
            Packet::Fin => actors.on_eof(&mut ctx, d.conn),
            // Connections are only opened towards servers.
            Packet::Open => Ok(()),
        }
    }

    fn fire<A: Actors + ?Sized>(&mut self, timer: Timer, actors: &mut A) -> Result<(), Failure> {
        match timer {
            Timer::Actor(token) => actors.on_timer(&mut Ctx { world: &mut self.world }, token),
            Timer::Signal(node, sig) => self.nodes[node].signal(&mut self.world, sig, actors),
            Timer::Disk(node, inc, req, result) => {
                self.nodes[node].disk_done(&mut self.world, inc, req, result, actors)
            }
            Timer::Crash(node) => {
                self.nodes[node].crash(&mut self.world);
                Ok(())
            }
            Timer::Restart(node) => {
                self.nodes[node].restart(&mut self.world);
                Ok(())
            }
        }
    }
}
