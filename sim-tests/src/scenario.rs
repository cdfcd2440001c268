//! One seeded run: sessions connect at random times and send random pipelined batches; every
//! reply is checked against the model; the run ends when every session is done.

use std::collections::{BTreeMap, VecDeque};

use ferrous_io_sim::{ClientHandle, Delivery, ReplyParser, RespValue, World, WorldConfig};

use crate::model::{ClientModel, Model};
use crate::workload;

/// Virtual time after which a run that has not finished counts as stuck.
const TIME_LIMIT_US: u64 = 600 * 1_000_000;

#[derive(Debug)]
pub struct RunReport {
    pub seed: u64,
    pub trace_hash: u64,
    pub trace_events: u64,
    pub sessions: usize,
    pub commands: u64,
    pub replies_checked: u64,
    pub virtual_ms: u64,
    /// The first model violation, if any.
    pub failure: Option<String>,
}

/// A client session as the scenario drives it.
struct Session {
    client: Option<ClientHandle>,
    model: ClientModel,
    expected: VecDeque<(String, RespValue)>,
    parser: ReplyParser,
    batches_left: usize,
    /// Waits for all replies before the next batch.
    waits: bool,
    finished: bool,
    closed: bool,
}

struct Run {
    world: World,
    model: Model,
    sessions: Vec<Session>,
    by_client: BTreeMap<u64, usize>,
    commands: u64,
    replies_checked: u64,
    failure: Option<String>,
}

/// Runs the scenario for `seed` with `sessions` client sessions.
pub fn run(seed: u64, sessions: usize) -> RunReport {
    let mut r = Run::new(seed, sessions);
    r.drive();
    RunReport {
        seed,
        trace_hash: r.world.trace.hash(),
        trace_events: r.world.trace.events(),
        sessions,
        commands: r.commands,
        replies_checked: r.replies_checked,
        virtual_ms: r.world.now_us() / 1000,
        failure: r.failure,
    }
}

fn show(args: &[Vec<u8>]) -> String {
    args.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Run {
    fn new(seed: u64, count: usize) -> Run {
        let mut world = World::new(WorldConfig::new(seed));
        let mut sessions = Vec::new();
        for i in 0..count {
            let batches_left = 1 + world.rng.below(12);
            let waits = world.rng.chance(0.7);
            sessions.push(Session {
                client: None,
                model: ClientModel::default(),
                expected: VecDeque::new(),
                parser: ReplyParser::default(),
                batches_left,
                waits,
                finished: false,
                closed: false,
            });
            let at = world.now_us() + world.rng.range(0, 2_000_000);
            world.wake_at(at, i as u64);
        }
        Run {
            world,
            model: Model::default(),
            sessions,
            by_client: BTreeMap::new(),
            commands: 0,
            replies_checked: 0,
            failure: None,
        }
    }

    fn fail(&mut self, msg: String) {
        if self.failure.is_none() {
            self.failure = Some(format!("at {} µs: {msg}", self.world.now_us()));
        }
    }

    fn drive(&mut self) {
        while self.failure.is_none() {
            if self.sessions.iter().all(|s| s.finished) && self.world.idle() {
                break;
            }
            if self.world.now_us() > TIME_LIMIT_US {
                self.fail("the run did not finish within the virtual time limit".into());
                break;
            }
            let Some(deliveries) = self.world.step() else { break };
            for d in deliveries {
                self.on_delivery(d);
            }
        }
        if self.failure.is_none() {
            self.check_all_answered();
        }
    }

    fn on_delivery(&mut self, d: Delivery) {
        match d {
            Delivery::Wake { token } => self.on_wake(token as usize),
            Delivery::Executed { client, cmds } => self.on_executed(client, &cmds),
            Delivery::ProtocolError { client, error } => {
                let Some(&i) = self.by_client.get(&client) else { return };
                let msg = error.message().unwrap_or_default();
                let s = &mut self.sessions[i];
                s.expected
                    .push_back(("<malformed request>".into(), RespValue::Error(msg)));
                s.model.closing = true;
            }
            Delivery::ClientBytes { client, data } => self.on_bytes(client, &data),
            Delivery::ClientClosed { client } => self.on_closed(client),
            Delivery::ServerExit { code } => self.fail(format!("the server exited with status {code}")),
            Delivery::Quiet => {}
        }
    }

    fn on_wake(&mut self, i: usize) {
        let s = &self.sessions[i];
        if s.finished || s.closed || s.model.closing {
            return;
        }
        if s.batches_left == 0 {
            return self.end_session(i);
        }
        if s.client.is_none() {
            let c = self.world.connect();
            self.by_client.insert(c.0, i);
            let s = &mut self.sessions[i];
            s.client = Some(c);
            s.model.id = c.0;
        }
        self.send_batch(i);
        let s = &mut self.sessions[i];
        s.batches_left -= 1;
        if !s.waits || s.batches_left == 0 {
            let at = self.world.now_us() + self.world.rng.range(0, 50_000);
            self.world.wake_at(at, i as u64);
        }
    }

    fn send_batch(&mut self, i: usize) {
        let n = 1 + self.world.rng.below(16);
        let mut wire = Vec::new();
        for _ in 0..n {
            let args = workload::command(&mut self.world.rng);
            wire.extend(workload::encode(&mut self.world.rng, &args));
        }
        if self.world.rng.chance(0.01) {
            wire.extend_from_slice(b"*x\r\n");
        }
        if let Some(c) = self.sessions[i].client {
            self.world.send(c, &wire);
        }
    }

    /// Ends a session: hang up, QUIT, or just stay connected to the end.
    fn end_session(&mut self, i: usize) {
        let choice = self.world.rng.below(3);
        let s = &mut self.sessions[i];
        s.finished = true;
        let Some(c) = s.client else { return };
        match choice {
            0 => {
                s.closed = true;
                self.world.hang_up(c);
            }
            1 => {
                let wire = workload::encode(&mut self.world.rng, &[b"QUIT".to_vec()]);
                self.world.send(c, &wire);
            }
            _ => {}
        }
    }

    fn on_executed(&mut self, client: u64, cmds: &[Vec<Vec<u8>>]) {
        let Some(&i) = self.by_client.get(&client) else { return };
        for args in cmds {
            let s = &mut self.sessions[i];
            if s.model.closing {
                break;
            }
            self.commands += 1;
            let expect = self.model.apply(&mut s.model, args);
            s.expected.push_back((show(args), expect));
        }
    }

    fn on_bytes(&mut self, client: u64, data: &[u8]) {
        let Some(&i) = self.by_client.get(&client) else { return };
        let s = &mut self.sessions[i];
        if s.closed {
            return;
        }
        s.parser.feed(data);
        loop {
            let s = &mut self.sessions[i];
            let got = match s.parser.next_reply() {
                Ok(Some(v)) => v,
                Ok(None) => break,
                Err(e) => return self.fail(format!("client {client}: malformed reply: {e:?}")),
            };
            self.replies_checked += 1;
            let Some((cmd, want)) = s.expected.pop_front() else {
                return self.fail(format!("client {client}: unexpected reply {got:?}"));
            };
            if got != want {
                return self.fail(format!(
                    "client {client}: `{cmd}` answered {got:?}, the model expects {want:?}"
                ));
            }
        }
        let s = &self.sessions[i];
        if s.waits && s.expected.is_empty() && s.batches_left > 0 && !s.model.closing {
            let at = self.world.now_us() + self.world.rng.range(0, 20_000);
            self.world.wake_at(at, i as u64);
        }
    }

    fn on_closed(&mut self, client: u64) {
        let Some(&i) = self.by_client.get(&client) else { return };
        let s = &mut self.sessions[i];
        if s.closed {
            return;
        }
        s.closed = true;
        s.finished = true;
        if !s.model.closing {
            return self.fail(format!(
                "client {client}: the server closed a connection the model keeps open"
            ));
        }
        if let Some((cmd, want)) = s.expected.front() {
            let msg = format!("client {client}: closed before answering `{cmd}` (expected {want:?})");
            self.fail(msg);
        }
    }

    fn check_all_answered(&mut self) {
        for (i, s) in self.sessions.iter().enumerate() {
            if !s.closed {
                if let Some((cmd, _)) = s.expected.front() {
                    self.failure = Some(format!("session {i}: no reply to `{cmd}` by the end of the run"));
                    return;
                }
            }
        }
    }
}
