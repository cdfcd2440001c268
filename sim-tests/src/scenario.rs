//! The actors of the basic scenario: clients that come and go on one server, now and then
//! quitting, disconnecting or breaking the protocol, while the wall clock is stepped under them;
//! the reference model rides along on every event the server gets. Each client has a role:
//! most pipeline random commands, some run transactions among them, some subscribe (and
//! reconnect after a disconnect) while others publish. How many of each is drawn per run.

use std::collections::BTreeMap;

use ferrous_core::{Event, Now, Signal};
use ferrous_io_sim::request::multibulk;
use ferrous_io_sim::{Actors, ConnId, Ctx, Failure, NodeId, SimRng};

use crate::client::{Profile, Role, SimClient, State};
use crate::model::{Model, Owed};
use crate::workload::{message, Args, Workload};

/// The one server of this scenario.
pub const SERVER: NodeId = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Clients act.
    Running,
    /// No new actions: what is in flight completes.
    Draining,
    /// The server was told to terminate: every connection must close.
    ShuttingDown,
}

/// Counts for the run's summary.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub clients: u64,
    pub commands_sent: u64,
    pub commands_run: u64,
    pub replies_checked: u64,
    pub disconnects: u64,
    pub quits: u64,
    pub protocol_errors: u64,
    pub http_requests: u64,
    pub wall_clock_steps: u64,
    /// Subscribers that came back on a new connection after disconnecting.
    pub reconnects: u64,
}

/// The roles, in the order of [`Scenario`]'s weights.
const ROLES: [Role; 4] = [Role::Mixed, Role::Transactions, Role::Subscriber, Role::Publisher];

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Spawn,
    WallClock,
    Client(ConnId),
}

impl Token {
    fn encode(self) -> u64 {
        match self {
            Token::Spawn => 0,
            Token::WallClock => 1,
            Token::Client(c) => c + 2,
        }
    }

    fn decode(n: u64) -> Token {
        match n {
            0 => Token::Spawn,
            1 => Token::WallClock,
            c => Token::Client(c - 2),
        }
    }
}

pub struct Scenario {
    rng: SimRng,
    workload: Workload,
    model: Model,
    /// Every client of the run, including those gone.
    clients: BTreeMap<ConnId, SimClient>,
    live: usize,
    max_clients: usize,
    /// Weights of the roles new clients take, in [`ROLES`] order.
    mix: [u32; 4],
    /// The last message serial handed to a publisher.
    serial: u64,
    phase: Phase,
    active_expiry: bool,
    pub stats: Stats,
}

impl Scenario {
    /// `active_expiry`: whether the server reclaims expired keys by itself (then the wall
    /// clock only steps forward).
    pub fn new(mut rng: SimRng, active_expiry: bool) -> Scenario {
        let workload = Workload::new(&mut rng);
        let max_clients = rng.between(2, 16) as usize;
        // Mostly random commands, so that blocked clients still meet their producers.
        let mix = [
            100,
            rng.between(5, 40) as u32,
            rng.between(5, 30) as u32,
            rng.between(5, 30) as u32,
        ];
        Scenario {
            mix,
            serial: 0,
            rng,
            workload,
            model: Model::new(active_expiry),
            active_expiry,
            clients: BTreeMap::new(),
            live: 0,
            max_clients,
            phase: Phase::Running,
            stats: Stats::default(),
        }
    }

    /// First clients and the periodic timers.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        for _ in 0..self.rng.between(1, 4) {
            self.spawn(ctx);
        }
        ctx.set_timer(ctx.now_us(), Token::Spawn.encode());
        ctx.set_timer(ctx.now_us(), Token::WallClock.encode());
    }

    /// Clients stop acting; timers lapse.
    pub fn drain(&mut self) {
        self.phase = Phase::Draining;
    }

    /// Asks the server to terminate, as `kill -TERM` would.
    pub fn shut_down(&mut self, ctx: &mut Ctx<'_>) {
        self.phase = Phase::ShuttingDown;
        ctx.signal(SERVER, Signal::Terminate);
        // The server's cron acts on the signal (as Redis' does): a timer a second out keeps
        // the simulation going until its ticks have run (it fires into a scenario that no
        // longer acts).
        ctx.set_timer(ctx.now_us() + 1_000_000, Token::WallClock.encode());
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Once quiet: every reply owed has arrived.
    pub fn check_settled(&self) -> Result<(), Failure> {
        self.clients.values().try_for_each(|c| c.settled()).map_err(Failure)
    }

    /// After shutdown: every client that did not leave saw its connection closed.
    pub fn check_all_closed(&self) -> Result<(), Failure> {
        match self
            .clients
            .values()
            .find(|c| !matches!(c.state(), State::Gone | State::Closed))
        {
            Some(c) => Err(Failure(format!("client c{}: the connection was never closed", c.conn))),
            None => Ok(()),
        }
    }

    fn spawn(&mut self, ctx: &mut Ctx<'_>) {
        let role = ROLES[self.rng.weighted(&self.mix)];
        self.spawn_as(ctx, role);
    }

    fn spawn_as(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        let conn = ctx.connect(SERVER);
        let profile = Profile::random(&mut self.rng, role);
        ctx.note(|| format!("c{conn} connects ({profile:?})"));
        let mut client = SimClient::new(conn, profile);
        if role == Role::Subscriber {
            client.script.push_back(self.first_subscriptions());
        }
        self.clients.insert(conn, client);
        self.live += 1;
        self.stats.clients += 1;
        let first = ctx.now_us() + self.rng.below(2_000);
        ctx.set_timer(first, Token::Client(conn).encode());
    }

    fn on_spawn_timer(&mut self, ctx: &mut Ctx<'_>) {
        if self.live < self.max_clients {
            self.spawn(ctx);
        }
        let next = ctx.now_us() + self.rng.between(1_000, 40_000);
        ctx.set_timer(next, Token::Spawn.encode());
    }

    /// Steps the wall clock now and then, either way, as NTP or an operator might.
    fn on_wall_clock_timer(&mut self, ctx: &mut Ctx<'_>) {
        if self.rng.chance(0.5) {
            let magnitude = self.rng.between(1, 10_000) as i64;
            let back = !self.active_expiry && self.rng.chance(0.5);
            let delta = if back { -magnitude } else { magnitude };
            ctx.note(|| format!("wall clock steps by {delta} ms"));
            ctx.step_wall_clock(delta);
            self.stats.wall_clock_steps += 1;
        }
        let next = ctx.now_us() + self.rng.between(50_000, 500_000);
        ctx.set_timer(next, Token::WallClock.encode());
    }

    fn on_client_timer(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn).filter(|c| c.state() == State::Active) else {
            return;
        };
        if client.awaiting_blocking() {
            // Mostly waits for the blocking command's reply; sometimes pipelines more behind
            // it or gives up and disconnects.
            match self.rng.below(100) {
                0 => return self.disconnect(ctx, conn),
                1..=8 => self.send_pipeline(ctx, conn, Ending::Nothing),
                _ => {}
            }
        } else {
            self.act(ctx, conn);
            if self.clients.get(&conn).is_none_or(|c| c.state() != State::Active) {
                return;
            }
        }
        let think = self.clients[&conn].profile.max_think_us;
        let next = ctx.now_us() + self.rng.below(think + 1);
        ctx.set_timer(next, Token::Client(conn).encode());
    }

    /// One action of an active client that is not waiting on a blocking command.
    fn act(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        match self.clients[&conn].profile.role {
            Role::Mixed => self.act_mixed(ctx, conn),
            Role::Transactions => self.act_transactions(ctx, conn),
            Role::Subscriber => self.act_subscriber(ctx, conn),
            Role::Publisher => self.act_publisher(ctx, conn),
        }
    }

    fn act_mixed(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        match self.rng.below(1000) {
            0..=19 => self.disconnect(ctx, conn),
            20..=29 => self.send_pipeline(ctx, conn, Ending::Quit),
            30..=36 => self.send_pipeline(ctx, conn, Ending::Garbage),
            37..=38 if self.clients[&conn].idle() => self.send_http(ctx, conn),
            37..=79 => {}
            _ => self.send_pipeline(ctx, conn, Ending::Nothing),
        }
    }

    /// A transaction client writes its script chunk by chunk, thinking in between (other
    /// clients run meanwhile); sometimes it leaves in the middle.
    fn act_transactions(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        match self.rng.below(1000) {
            0..=11 => self.disconnect(ctx, conn),
            12..=15 => self.send(ctx, conn, Vec::new(), Ending::Quit),
            16..=18 => self.send(ctx, conn, Vec::new(), Ending::Garbage),
            19..=249 => {}
            _ => {
                let client = self.clients.get_mut(&conn).expect("active clients exist");
                if !client.scripted() && self.rng.chance(0.2) {
                    return self.send_pipeline(ctx, conn, Ending::Nothing);
                }
                if !client.scripted() {
                    client.script = self.workload.transaction(&mut self.rng).into();
                }
                let chunk = client.script.pop_front().unwrap_or_default();
                self.send(ctx, conn, chunk, Ending::Nothing);
            }
        }
    }

    /// A subscriber mostly listens; it changes its subscriptions now and then, and when it
    /// disconnects it often comes back on a new connection and subscribes again.
    fn act_subscriber(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        if let Some(chunk) = self.clients.get_mut(&conn).and_then(|c| c.script.pop_front()) {
            return self.send(ctx, conn, chunk, Ending::Nothing);
        }
        match self.rng.below(1000) {
            0..=9 => {
                self.disconnect(ctx, conn);
                if self.rng.chance(0.7) {
                    ctx.note(|| format!("c{conn} reconnects"));
                    self.stats.reconnects += 1;
                    self.spawn_as(ctx, Role::Subscriber);
                }
            }
            10..=12 => self.send(ctx, conn, Vec::new(), Ending::Quit),
            13..=14 => self.send(ctx, conn, Vec::new(), Ending::Garbage),
            15..=299 => {
                let n = self.rng.between(1, 2);
                let cmds = (0..n)
                    .map(|_| {
                        let payload = self.payload(conn);
                        self.workload.subscriber_command(&mut self.rng, payload)
                    })
                    .collect();
                self.send(ctx, conn, cmds, Ending::Nothing);
            }
            _ => {}
        }
    }

    /// A publisher publishes numbered messages, now and then several inside MULTI, and asks
    /// PUBSUB who listens.
    fn act_publisher(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        // A few messages at a time: every delivery is a step of the run.
        let max = self.clients[&conn].profile.max_pipeline.min(4);
        let cmds = match self.rng.below(1000) {
            0..=9 => return self.disconnect(ctx, conn),
            10..=12 => return self.send(ctx, conn, Vec::new(), Ending::Quit),
            13..=14 => return self.send(ctx, conn, Vec::new(), Ending::Garbage),
            15..=89 => vec![self.workload.pubsub_query(&mut self.rng)],
            90..=139 => {
                let mut cmds = vec![vec![b"MULTI".to_vec()]];
                for _ in 0..self.rng.between(1, 4) {
                    let payload = self.payload(conn);
                    cmds.push(self.workload.publish(&mut self.rng, payload));
                }
                cmds.push(vec![b"EXEC".to_vec()]);
                cmds
            }
            _ => (0..self.rng.between(1, max))
                .map(|_| {
                    let payload = self.payload(conn);
                    self.workload.publish(&mut self.rng, payload)
                })
                .collect(),
        };
        self.send(ctx, conn, cmds, Ending::Nothing);
    }

    /// The next message `conn` publishes.
    fn payload(&mut self, conn: ConnId) -> Vec<u8> {
        self.serial += 1;
        message(conn, self.serial)
    }

    /// A new subscriber's first chunk: a protocol, then subscriptions.
    fn first_subscriptions(&mut self) -> Vec<Args> {
        let mut chunk = Vec::new();
        if self.rng.chance(0.5) {
            chunk.push(vec![b"HELLO".to_vec(), b"3".to_vec()]);
        }
        for _ in 0..self.rng.between(1, 3) {
            chunk.push(self.workload.subscription(&mut self.rng));
        }
        chunk
    }

    fn disconnect(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        ctx.note(|| format!("c{conn} disconnects"));
        ctx.close(conn);
        if let Some(c) = self.clients.get_mut(&conn) {
            c.leave();
            self.live -= 1;
        }
        self.stats.disconnects += 1;
    }

    /// Writes 1..max_pipeline random commands at once, optionally ending with QUIT or a broken
    /// request.
    fn send_pipeline(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, ending: Ending) {
        let n = self.rng.between(1, self.clients[&conn].profile.max_pipeline);
        let cmds = (0..n).map(|_| self.workload.command(&mut self.rng)).collect();
        self.send(ctx, conn, cmds, ending);
    }

    /// Writes `cmds` at once, optionally ending with QUIT or a broken request.
    fn send(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, cmds: Vec<Args>, ending: Ending) {
        let client = self.clients.get_mut(&conn).expect("active clients exist");
        let n = cmds.len() as u64;
        let mut wire = Vec::new();
        for args in cmds {
            wire.extend(Workload::encode(&mut self.rng, &args, client.profile.inline_share));
            client.sent(1);
            if Workload::may_block(&args) {
                client.sent_blocking();
            }
        }
        self.stats.commands_sent += n;
        match ending {
            Ending::Nothing => {}
            Ending::Quit => {
                wire.extend(Workload::encode(
                    &mut self.rng,
                    &[b"QUIT".to_vec()],
                    client.profile.inline_share,
                ));
                client.sent_quit();
                self.stats.quits += 1;
                self.stats.commands_sent += 1;
            }
            Ending::Garbage => {
                let g = Workload::garbage(&mut self.rng);
                wire.extend(g.bytes);
                client.sent_garbage(g.error);
                self.stats.protocol_errors += 1;
            }
        }
        ctx.note(|| format!("c{conn} writes {n} commands ({} bytes), then {ending:?}", wire.len()));
        ctx.send(conn, wire);
    }

    /// Writes an HTTP request once every command sent has been answered: the server must close
    /// the connection without a reply.
    fn send_http(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let client = self.clients.get_mut(&conn).expect("active clients exist");
        let wire = Workload::http(&mut self.rng);
        client.sent_http();
        self.stats.http_requests += 1;
        ctx.note(|| format!("c{conn} writes an HTTP request ({} bytes)", wire.len()));
        ctx.send(conn, wire);
    }
}

#[derive(Clone, Copy, Debug)]
enum Ending {
    Nothing,
    Quit,
    Garbage,
}

impl Actors for Scenario {
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) -> Result<(), Failure> {
        if self.phase != Phase::Running {
            return Ok(());
        }
        match Token::decode(token) {
            Token::Spawn => self.on_spawn_timer(ctx),
            Token::WallClock => self.on_wall_clock_timer(ctx),
            Token::Client(conn) => self.on_client_timer(ctx, conn),
        }
        Ok(())
    }

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, conn: ConnId, data: &[u8]) -> Result<(), Failure> {
        let Some(client) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        self.stats.replies_checked += client.receive(data).map_err(Failure)?;
        Ok(())
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) -> Result<(), Failure> {
        ctx.note(|| format!("c{conn} sees the connection closed"));
        let shutting_down = self.phase == Phase::ShuttingDown;
        let Some(client) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        let result = client.closed(shutting_down);
        self.live -= 1;
        result.map_err(Failure)
    }

    fn before_event(&mut self, _node: NodeId, now: Now, event: &Event) -> Result<(), Failure> {
        match event {
            Event::Connected { client, .. } => self.model.connect(*client),
            Event::Commands { client, cmds } => self.model.commands(*client, cmds, now),
            Event::ProtocolError { client, .. } => self.model.protocol_error(*client, now),
            Event::Disconnected { client } => self.model.disconnect(*client),
            // The server serves on until its cron shuts it down (and closes everyone then).
            Event::Signal(_) => {}
            Event::Tick => self.model.tick(now),
            // The simulated network does not report backlogs (no output-buffer limits yet).
            Event::Backlog { .. } => {}
            // Saves change no reply (while one blocks the server, what arrives waits in order).
            Event::Disk { .. } => {}
            // Query buffer sizes only show in CLIENT LIST, which the model does not predict.
            Event::QueryBuffer { .. } => {}
            // The workload sends no CONFIG SET port.
            Event::Listened { .. } => {}
            // This scenario runs one node: it opens no connections of its own.
            Event::Outbound { .. } | Event::Data { .. } => {}
        }
        self.collect_owed()
    }
}

impl Scenario {
    /// Hands every reply the model says the event owes to its client, in order.
    fn collect_owed(&mut self) -> Result<(), Failure> {
        for owed in self.model.take_owed() {
            match owed {
                Owed::Reply { client, args, expect } => {
                    self.stats.commands_run += 1;
                    if let Some(c) = self.clients.get_mut(&client) {
                        c.owe(&args, expect);
                    }
                }
                Owed::ProtocolError { client } => {
                    if let Some(c) = self.clients.get_mut(&client) {
                        c.owe_protocol_error().map_err(Failure)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Once the run has drained: a fresh client reads back every key the model holds, in every
    /// database, so that what the server kept is compared element by element (every element
    /// pushed and not popped, every score), not just counted.
    pub fn audit(&mut self, ctx: &mut Ctx<'_>) {
        let conn = ctx.connect(SERVER);
        let profile = Profile {
            role: Role::Mixed,
            max_pipeline: 1,
            max_think_us: 1,
            inline_share: 0.0,
        };
        let mut client = SimClient::new(conn, profile);
        let reads = self.model.audit_reads();
        let wire: Vec<u8> = reads.iter().flat_map(|args| multibulk(args)).collect();
        client.sent(reads.len() as u64);
        ctx.note(|| format!("c{conn} connects to read back {} keys", reads.len()));
        ctx.send(conn, wire);
        self.clients.insert(conn, client);
        self.live += 1;
        self.stats.clients += 1;
        self.stats.commands_sent += reads.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::Token;

    #[test]
    fn timer_tokens_round_trip() {
        for t in [Token::Spawn, Token::WallClock, Token::Client(1), Token::Client(99)] {
            assert_eq!(Token::decode(t.encode()), t);
        }
    }
}
