//! The actors of a replication run: writers pipelining writes to the master (node 0), one
//! control client per node (REPLICAOF, and the faults it is told to cause), the fault
//! injector, and the auditor that probes every node once writing stops ([`auditing`]).
//!
//! Faults, at random moments while writers write: `CLIENT KILL TYPE master` on a replica,
//! `CLIENT KILL TYPE replica` on a node with replicas, a replica node crashing (it restarts a
//! little later from its disk and, having no REPLICAOF in its configuration, is told again by
//! its control client), and BGSAVE on the master.

use std::collections::{BTreeMap, VecDeque};

use ferrous_core::{Event, Now};
use ferrous_io_sim::request::multibulk;
use ferrous_io_sim::{Actors, ConnId, Ctx, Failure, NodeId, ReplyParser, SimRng, Value};

use super::audit::{KeyDigests, Probe, PROBE};
use super::writes::{argv, batch, Argv, KeySpace, Shape};
use crate::replies::{each_reply, ParserOf};

mod auditing;

pub const NODES: usize = 3;
pub const MASTER: NodeId = 0;

/// How the run is set up.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Node i's master (`None` for the master itself).
    pub masters: [Option<NodeId>; NODES],
    pub writers: u32,
    pub space: KeySpace,
    /// How long writers write, virtual µs.
    pub write_for_us: u64,
    /// Between faults, and how long a crashed node stays down, virtual µs.
    pub fault_gap_us: (u64, u64),
    pub down_for_us: (u64, u64),
    /// After writing stops, how long the replicas have to converge.
    pub converge_within_us: u64,
}

/// What the run did, for the report and for tests that it did something.
#[derive(Clone, Debug, Default)]
pub struct ReplStats {
    /// Write commands sent (not counting SELECT, MULTI, EXEC), and MULTI blocks and scripts
    /// among them.
    pub writes: u64,
    pub multis: u64,
    pub scripts: u64,
    /// Replies the writers got.
    pub replies: u64,
    /// CLIENT KILL TYPE master / replica sent, and the links they closed.
    pub master_kills: u64,
    pub master_links_killed: u64,
    pub replica_kills: u64,
    pub replica_links_killed: u64,
    pub crashes: u64,
    pub bgsaves: u64,
    /// SYNC/PSYNC requests the nodes received.
    pub syncs_asked: u64,
    /// INFO's sync_full of the nodes that serve replicas, at the end (a crashed node's count
    /// starts again from zero).
    pub sync_full: u64,
    /// Keys the master found expired (INFO's expired_keys): each a DEL for the replicas.
    pub expired_keys: u64,
    pub audit_rounds: u64,
    /// Virtual µs from the end of writing to convergence.
    pub converged_after_us: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Writing,
    Auditing,
    /// The digests differed: finding the keys that differ, for the failure message.
    Diagnosing,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Writer,
    Control(NodeId),
    Auditor(NodeId),
}

/// What a reply owed answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owed {
    Write,
    Replicaof,
    /// A CLIENT KILL TYPE master (true) or replica (false).
    Kill(bool),
    Bgsave,
    /// Command `n` of the audit probe.
    Probe(usize),
    Select,
    /// DEBUG DIGEST-VALUE of every key in database `n`.
    Values(usize),
}

struct Client {
    role: Role,
    parser: ReplyParser,
    owed: VecDeque<Owed>,
    closed: bool,
    probe: Probe,
    values: KeyDigests,
}

/// Timer tokens: the kind in the low bits, a connection or node above.
const T_WRITER: u64 = 0;
const T_FAULT: u64 = 1;
const T_RESTART: u64 = 2;
const T_STOP: u64 = 3;
const T_POLL: u64 = 4;
const T_DEADLINE: u64 = 5;

/// Replies a writer may owe before it waits.
const MAX_OWED: usize = 16;
const POLL_EVERY_US: u64 = 200_000;

pub struct ReplScenario {
    rng: SimRng,
    plan: Plan,
    clients: BTreeMap<ConnId, Client>,
    control: [Option<ConnId>; NODES],
    auditors: [Option<ConnId>; NODES],
    down: [bool; NODES],
    phase: Phase,
    stopped_at_us: u64,
    /// The audit round in progress: each node's probe, and how many are still coming.
    round: Vec<Option<Probe>>,
    round_pending: usize,
    last_round: Vec<Option<Probe>>,
    /// Why the digests differed, and each node's key digests as they come.
    diverged: String,
    diagnosis: Vec<Option<KeyDigests>>,
    pub stats: ReplStats,
}

fn token(kind: u64, arg: u64) -> u64 {
    (arg << 4) | kind
}

impl ReplScenario {
    pub fn new(rng: SimRng, plan: Plan) -> ReplScenario {
        ReplScenario {
            rng,
            plan,
            clients: BTreeMap::new(),
            control: [None; NODES],
            auditors: [None; NODES],
            down: [false; NODES],
            phase: Phase::Writing,
            stopped_at_us: 0,
            round: vec![None; NODES],
            round_pending: 0,
            last_round: vec![None; NODES],
            diverged: String::new(),
            diagnosis: vec![None; NODES],
            stats: ReplStats::default(),
        }
    }

    pub fn done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Replicas told their masters, writers, the first fault, and the end of writing.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        for node in 0..NODES {
            self.connect_control(ctx, node);
        }
        for _ in 0..self.plan.writers {
            let conn = self.connect(ctx, MASTER, Role::Writer);
            let at = ctx.now_us() + self.rng.below(1_000);
            ctx.set_timer(at, token(T_WRITER, conn));
        }
        self.schedule_fault(ctx);
        ctx.set_timer(ctx.now_us() + self.plan.write_for_us, token(T_STOP, 0));
    }

    fn connect(&mut self, ctx: &mut Ctx<'_>, node: NodeId, role: Role) -> ConnId {
        let conn = ctx.connect(node);
        let client = Client {
            role,
            parser: ReplyParser::new(),
            owed: VecDeque::new(),
            closed: false,
            probe: Probe::default(),
            values: Vec::new(),
        };
        self.clients.insert(conn, client);
        conn
    }

    /// A node's control client; a replica's is told its master at once.
    fn connect_control(&mut self, ctx: &mut Ctx<'_>, node: NodeId) {
        let conn = self.connect(ctx, node, Role::Control(node));
        self.control[node] = Some(conn);
        if let Some(master) = self.plan.masters[node] {
            let host = format!("node{master}");
            self.send(ctx, conn, &[argv(&["REPLICAOF", &host, "6379"])], Owed::Replicaof);
        }
    }

    /// Pipelines `cmds` on `conn`, each owing a reply of kind `owed`.
    fn send(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, cmds: &[Argv], owed: Owed) {
        let Some(c) = self.clients.get_mut(&conn) else { return };
        let mut wire = Vec::new();
        for cmd in cmds {
            wire.extend(multibulk(cmd));
            c.owed.push_back(owed);
        }
        ctx.send(conn, wire);
    }

    fn on_writer_timer(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        if self.phase != Phase::Writing {
            return;
        }
        let Some(c) = self.clients.get(&conn).filter(|c| !c.closed) else {
            return;
        };
        if c.owed.len() < MAX_OWED {
            let (shape, cmds) = batch(&mut self.rng, self.plan.space);
            self.count_batch(shape, cmds.len());
            self.send(ctx, conn, &cmds, Owed::Write);
        }
        let at = ctx.now_us() + self.rng.between(100, 10_000);
        ctx.set_timer(at, token(T_WRITER, conn));
    }

    fn count_batch(&mut self, shape: Shape, commands: usize) {
        let s = &mut self.stats;
        match shape {
            Shape::Single => s.writes += 1,
            Shape::Select => {}
            Shape::Multi => {
                s.multis += 1;
                s.writes += commands as u64 - 2;
            }
            Shape::Script => {
                s.scripts += 1;
                s.writes += 1;
            }
        }
    }

    fn schedule_fault(&mut self, ctx: &mut Ctx<'_>) {
        let (lo, hi) = self.plan.fault_gap_us;
        let at = ctx.now_us() + self.rng.between(lo, hi);
        ctx.set_timer(at, token(T_FAULT, 0));
    }

    /// The replicas that are up, in node order.
    fn live_replicas(&self) -> Vec<NodeId> {
        (0..NODES).filter(|&n| n != MASTER && !self.down[n]).collect()
    }

    fn on_fault_timer(&mut self, ctx: &mut Ctx<'_>) {
        if self.phase != Phase::Writing {
            return;
        }
        let live = self.live_replicas();
        match self.rng.weighted(&[3, 3, 2, 2]) {
            0 if !live.is_empty() => {
                let node = *self.rng.pick(&live);
                self.stats.master_kills += 1;
                self.control_sends(ctx, node, &["CLIENT", "KILL", "TYPE", "master"], Owed::Kill(true));
            }
            1 => {
                // The master, or a replica that has replicas of its own (a chain).
                let chained = self.plan.masters.contains(&Some(1)) && !self.down[1];
                let node = if chained && self.rng.chance(0.3) { 1 } else { MASTER };
                self.stats.replica_kills += 1;
                self.control_sends(ctx, node, &["CLIENT", "KILL", "TYPE", "replica"], Owed::Kill(false));
            }
            2 if !live.is_empty() => {
                let node = *self.rng.pick(&live);
                self.crash(ctx, node);
            }
            3 => {
                self.stats.bgsaves += 1;
                self.control_sends(ctx, MASTER, &["BGSAVE"], Owed::Bgsave);
            }
            _ => {}
        }
        self.schedule_fault(ctx);
    }

    fn control_sends(&mut self, ctx: &mut Ctx<'_>, node: NodeId, words: &[&str], owed: Owed) {
        if let Some(conn) = self.control[node] {
            ctx.note(|| format!("c{conn} asks node{node} for {}", words.join(" ")));
            self.send(ctx, conn, &[argv(words)], owed);
        }
    }

    fn crash(&mut self, ctx: &mut Ctx<'_>, node: NodeId) {
        ctx.note(|| format!("node{node} loses power"));
        ctx.crash(node);
        self.down[node] = true;
        self.control[node] = None;
        self.stats.crashes += 1;
        let (lo, hi) = self.plan.down_for_us;
        let at = ctx.now_us() + self.rng.between(lo, hi);
        ctx.set_timer(at, token(T_RESTART, node as u64));
    }

    /// The crashed node boots from its disk as a master (its configuration names none), so its
    /// control client tells it its master again.
    fn on_restart_timer(&mut self, ctx: &mut Ctx<'_>, node: NodeId) {
        ctx.note(|| format!("node{node} boots again"));
        ctx.restart(node);
        self.down[node] = false;
        self.connect_control(ctx, node);
    }

    fn on_reply(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, value: Value) -> Result<(), Failure> {
        let Some(c) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        let Some(owed) = c.owed.pop_front() else {
            return Err(Failure(format!("c{conn}: a reply nothing asked for: {value:?}")));
        };
        match owed {
            Owed::Write => {
                self.stats.replies += 1;
                if has_error(&value) {
                    return Err(Failure(format!("c{conn}: a write failed: {value:?}")));
                }
            }
            Owed::Replicaof if value != Value::simple("OK") => {
                return Err(Failure(format!("c{conn}: REPLICAOF answered {value:?}")));
            }
            Owed::Replicaof => {}
            Owed::Kill(master) => {
                let Value::Int(n) = value else {
                    return Err(Failure(format!("c{conn}: CLIENT KILL answered {value:?}")));
                };
                let killed = n.max(0) as u64;
                if master {
                    self.stats.master_links_killed += killed;
                } else {
                    self.stats.replica_links_killed += killed;
                }
            }
            // BGSAVE may be refused while another snapshot runs.
            Owed::Bgsave if matches!(value, Value::Simple(_) | Value::Error(_)) => {}
            Owed::Bgsave => return Err(Failure(format!("c{conn}: BGSAVE answered {value:?}"))),
            Owed::Select => {}
            Owed::Values(db) => {
                if let Role::Auditor(node) = c.role {
                    return self.on_values(node, db, value);
                }
            }
            Owed::Probe(part) => {
                c.probe
                    .take(part, &value)
                    .map_err(|e| Failure(format!("c{conn}: {e}")))?;
                if part == PROBE.len() - 1 {
                    if let Role::Auditor(node) = c.role {
                        self.round[node] = Some(c.probe.clone());
                    }
                    return self.probe_done(ctx);
                }
            }
        }
        Ok(())
    }

    fn probe_done(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        self.round_pending -= 1;
        if self.round_pending == 0 {
            return self.end_round(ctx);
        }
        Ok(())
    }
}

/// An error reply, or one inside EXEC's array.
fn has_error(value: &Value) -> bool {
    match value {
        Value::Error(_) => true,
        Value::Array(items) => items.iter().any(|v| matches!(v, Value::Error(_))),
        _ => false,
    }
}

impl Actors for ReplScenario {
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) -> Result<(), Failure> {
        let (kind, arg) = (token & 0xf, token >> 4);
        match kind {
            T_WRITER => self.on_writer_timer(ctx, arg),
            T_FAULT => self.on_fault_timer(ctx),
            T_RESTART => self.on_restart_timer(ctx, arg as NodeId),
            T_STOP => self.on_stop(ctx),
            T_POLL => self.on_poll(ctx),
            T_DEADLINE => return self.on_deadline(),
            _ => {}
        }
        Ok(())
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, data: &[u8]) -> Result<(), Failure> {
        let parser: ParserOf<Self> = |s, conn| s.clients.get_mut(&conn).map(|c| &mut c.parser);
        each_reply(self, ctx, conn, data, parser, Self::on_reply)
    }

    /// Only a crash closes connections: those to the crashed node (or to a node that was down
    /// when they were opened) end, any other end is a failure.
    fn on_eof(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) -> Result<(), Failure> {
        let Some(c) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        c.closed = true;
        let owed_probe = c.owed.iter().any(|o| matches!(o, Owed::Probe(_)));
        c.owed.clear();
        match c.role {
            Role::Control(node) if self.control[node] != Some(conn) || self.down[node] => Ok(()),
            Role::Auditor(node) => {
                self.auditors[node] = None;
                if owed_probe {
                    return self.probe_done(ctx);
                }
                Ok(())
            }
            role => Err(Failure(format!("c{conn} ({role:?}): the server closed the connection"))),
        }
    }

    fn before_event(&mut self, _node: NodeId, _now: Now, event: &Event) -> Result<(), Failure> {
        if let Event::Commands { cmds, .. } = event {
            let syncs = cmds
                .iter()
                .filter(|a| a[0].eq_ignore_ascii_case(b"PSYNC") || a[0].eq_ignore_ascii_case(b"SYNC"))
                .count();
            self.stats.syncs_asked += syncs as u64;
        }
        Ok(())
    }
}
