//! The actors of a crash run: writers pipelining id-carrying writes, a client now and then
//! asking for BGSAVE, BGREWRITEAOF, a blocking SAVE or a SHUTDOWN, and the crasher. A SHUTDOWN
//! that exits is followed by a restart and a read-back like a crash, with a stronger promise:
//! a clean exit with the AOF on or an RDB saved keeps every acknowledged write. At a random moment the node loses
//! power and reboots; once every old connection has closed, a fresh client reads every key
//! back and the [`History`] checks what the disk kept. Then writers start again, until the
//! run's last crash has been checked.

use std::collections::{BTreeMap, VecDeque};

use ferrous_core::{Event, Now};
use ferrous_io_sim::request::multibulk;
use ferrous_io_sim::{Actors, ConnId, Ctx, Failure, NodeId, ReplyParser, SimRng, Value};

use super::history::{key_name, parse_key, Crash, Durability, History, Key, Kind, Observed, Recovery};
use crate::replies::{each_reply, ParserOf};
use crate::scenario::SERVER;

/// How the run is set up.
#[derive(Clone, Debug)]
pub struct Plan {
    pub durability: Durability,
    pub crashes: u32,
    pub writers: u32,
    /// Slots per kind of key.
    pub slots: u32,
    /// Between crashes, virtual µs.
    pub crash_after_us: (u64, u64),
    /// Chance per control tick of BGSAVE, of BGREWRITEAOF and of SAVE.
    pub bgsave: f64,
    pub bgrewrite: f64,
    pub save: f64,
    pub shutdown: f64,
    /// Chance per control tick of turning the AOF off, or back on (AOF runs only).
    pub toggle: f64,
    /// What the server persists, for what a clean SHUTDOWN promises.
    pub aof: bool,
    pub save_points: bool,
    /// No disk faults in this run (a failing fsync at exit may lose writes, as in Redis).
    pub faultless_disk: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Writing,
    /// Crashed: waiting for the old connections to close.
    Draining,
    /// Reading the dataset back.
    Reading,
    Done,
}

/// Where the AOF is, as the control client turned it and saw it; off or not yet back on
/// since `since` (virtual µs), when `CONFIG SET appendonly no` was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AofSwitch {
    On,
    Off {
        since: u64,
    },
    /// `CONFIG SET appendonly yes` was sent; INFO has not yet shown its rewrite done.
    Waiting {
        since: u64,
    },
}

/// What a control reply answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctl {
    /// BGSAVE, BGREWRITEAOF or SAVE: any status or error.
    Plain,
    Shutdown,
    AofOff,
    AofOn,
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Writer,
    Control,
    Reader,
}

struct Client {
    role: Role,
    parser: ReplyParser,
    /// What each reply owed answers: a write's id, or nothing to check.
    owed: VecDeque<Option<u64>>,
    closed: bool,
}

/// What the run did, for the report and for tests that it did something.
#[derive(Clone, Debug, Default)]
pub struct CrashStats {
    pub crashes: u64,
    pub writes: u64,
    pub acked: u64,
    pub refused: u64,
    pub lost_acked: u64,
    pub bgsaves: u64,
    pub rewrites: u64,
    pub saves: u64,
    pub shutdowns: u64,
    /// `CONFIG SET appendonly` sent, and how many times INFO then showed the AOF back on.
    pub aof_toggles: u64,
    pub aof_back_on: u64,
    /// Recovered datasets that held fewer writes than the server had run.
    pub partial_recoveries: u64,
}

pub struct CrashScenario {
    rng: SimRng,
    plan: Plan,
    history: History,
    clients: BTreeMap<ConnId, Client>,
    next_id: u64,
    /// Scripted writes: the id their reply answers, and the second id the script wrote.
    script_partner: std::collections::BTreeMap<u64, u64>,
    phase: Phase,
    /// Timers of an earlier writing phase are ignored.
    epoch: u64,
    crashed_at_us: u64,
    reads: Vec<Key>,
    observed: Observed,
    pub stats: CrashStats,
    pub faults: Vec<(u64, u64)>,
    /// A SHUTDOWN was sent (with its argument) and has not been refused.
    shutdown_asked: Option<&'static str>,
    /// What the last stop promised: the plan's durability after a crash, or more after a
    /// clean SHUTDOWN.
    stop_durability: Durability,
    /// A start-up failed on a disk fault: the incarnation the server's restart begins.
    pub restart_incarnation: Option<u64>,
    aof_switch: AofSwitch,
    /// Since the last restart: the spans acknowledged writes were not promised (see
    /// [`Crash::aof_off`]).
    aof_off: Vec<(u64, u64)>,
    /// What each awaited control reply answers.
    ctl: VecDeque<Ctl>,
}

/// Timer tokens: the kind in the low bits, the epoch above.
const T_WRITER: u64 = 0;
const T_CONTROL: u64 = 1;
const T_CRASH: u64 = 2;
const T_READ: u64 = 3;

impl CrashScenario {
    pub fn new(rng: SimRng, plan: Plan) -> CrashScenario {
        let durability = plan.durability;
        CrashScenario {
            rng,
            plan,
            history: History::default(),
            clients: BTreeMap::new(),
            next_id: 1,
            script_partner: Default::default(),
            phase: Phase::Writing,
            epoch: 0,
            crashed_at_us: 0,
            reads: Vec::new(),
            observed: Observed::new(),
            stats: CrashStats::default(),
            faults: Vec::new(),
            shutdown_asked: None,
            stop_durability: durability,
            restart_incarnation: None,
            aof_switch: AofSwitch::On,
            aof_off: Vec::new(),
            ctl: VecDeque::new(),
        }
    }

    pub fn done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// A SHUTDOWN was asked: the server may exit (cleanly) now.
    pub fn shutting_down(&self) -> bool {
        self.shutdown_asked.is_some() || self.phase == Phase::Draining
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    fn token(&self, kind: u64, conn: ConnId) -> u64 {
        (conn << 24) | (self.epoch << 2) | kind
    }

    /// Writers, the control client and the next crash.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        self.phase = Phase::Writing;
        self.epoch += 1;
        self.ctl.clear();
        for _ in 0..self.plan.writers {
            let conn = self.connect(ctx, Role::Writer);
            let at = ctx.now_us() + self.rng.below(1_000);
            ctx.set_timer(at, self.token(T_WRITER, conn));
        }
        let conn = self.connect(ctx, Role::Control);
        ctx.set_timer(ctx.now_us() + 100_000, self.token(T_CONTROL, conn));
        let (lo, hi) = self.plan.crash_after_us;
        let at = ctx.now_us() + self.rng.between(lo, hi);
        ctx.set_timer(at, self.token(T_CRASH, 0));
    }

    fn connect(&mut self, ctx: &mut Ctx<'_>, role: Role) -> ConnId {
        let conn = ctx.connect(SERVER);
        let client = Client {
            role,
            parser: ReplyParser::new(),
            owed: VecDeque::new(),
            closed: false,
        };
        self.clients.insert(conn, client);
        conn
    }

    /// A pipeline of writes, each with a fresh id.
    fn write(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let n = self.rng.between(1, 4);
        let mut wire = Vec::new();
        for _ in 0..n {
            let id = self.next_id;
            self.next_id += 1;
            if self.rng.chance(0.15) {
                // A script pushing one id to a list and the next to a set: one reply, both ids.
                let partner = self.next_id;
                self.next_id += 1;
                let slot = |s: &mut Self| s.rng.below(u64::from(s.plan.slots)) as u32;
                let (list, set) = ((Kind::List, slot(self)), (Kind::Set, slot(self)));
                wire.extend(multibulk(&script_command(list, set, id, partner)));
                self.script_partner.insert(id, partner);
                self.clients.get_mut(&conn).expect("writer").owed.push_back(Some(id));
                continue;
            }
            let kind = *self.rng.pick(&Kind::ALL);
            let key = (kind, self.rng.below(u64::from(self.plan.slots)) as u32);
            wire.extend(multibulk(&self.write_command(key, id)));
            self.clients.get_mut(&conn).expect("writer").owed.push_back(Some(id));
        }
        ctx.send(conn, wire);
    }

    fn write_command(&mut self, key: Key, id: u64) -> Vec<Vec<u8>> {
        let name = key_name(key);
        let id_b = id.to_string().into_bytes();
        match key.0 {
            Kind::List => vec![b"RPUSH".to_vec(), name, self.padded(id)],
            Kind::Set => vec![b"SADD".to_vec(), name, id_b],
            Kind::Hash => vec![b"HSET".to_vec(), name, id_b, self.padded(id)],
            Kind::Zset => vec![b"ZADD".to_vec(), name, id_b.clone(), id_b],
            Kind::Str => vec![b"SET".to_vec(), name, self.padded(id)],
        }
    }

    /// The id, now and then padded so that AOF writes are big enough to tear anywhere.
    fn padded(&mut self, id: u64) -> Vec<u8> {
        let mut v = id.to_string().into_bytes();
        if self.rng.chance(0.2) {
            let len = self.rng.between(1, 3000) as usize;
            v.push(b'-');
            v.resize(v.len() + len, b'p');
        }
        v
    }

    fn on_writer_timer(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let Some(c) = self.clients.get(&conn).filter(|c| !c.closed) else {
            return;
        };
        if c.owed.len() < 8 {
            self.write(ctx, conn);
        }
        let at = ctx.now_us() + self.rng.between(100, 20_000);
        ctx.set_timer(at, self.token(T_WRITER, conn));
    }

    fn on_control_timer(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        if self.clients.get(&conn).is_none_or(|c| c.closed) || self.shutdown_asked.is_some() {
            return;
        }
        if let AofSwitch::Waiting { .. } = self.aof_switch {
            self.ask(ctx, conn, Ctl::Info, &[b"INFO".to_vec(), b"persistence".to_vec()]);
        }
        let mut cmd = None;
        let waiting = matches!(self.aof_switch, AofSwitch::Waiting { .. });
        if self.plan.aof && !waiting && self.rng.chance(self.plan.toggle) {
            self.switch_aof(ctx, conn);
        } else if self.rng.chance(self.plan.bgsave) {
            cmd = Some(b"BGSAVE".to_vec());
            self.stats.bgsaves += 1;
        } else if self.rng.chance(self.plan.bgrewrite) {
            cmd = Some(b"BGREWRITEAOF".to_vec());
            self.stats.rewrites += 1;
        } else if self.rng.chance(self.plan.save) {
            cmd = Some(b"SAVE".to_vec());
            self.stats.saves += 1;
        } else if self.rng.chance(self.plan.shutdown) {
            let arg = ["", "SAVE", "NOSAVE"][self.rng.index(3)];
            ctx.note(|| format!("c{conn} asks for SHUTDOWN {arg}"));
            self.shutdown_asked = Some(arg);
            self.stats.shutdowns += 1;
            let mut argv = vec![b"SHUTDOWN".to_vec()];
            if !arg.is_empty() {
                argv.push(arg.as_bytes().to_vec());
            }
            self.ask(ctx, conn, Ctl::Shutdown, &argv);
            return;
        }
        if let Some(cmd) = cmd {
            self.ask(ctx, conn, Ctl::Plain, &[cmd]);
        }
        let at = ctx.now_us() + self.rng.between(20_000, 400_000);
        ctx.set_timer(at, self.token(T_CONTROL, conn));
    }

    /// The control client sends `argv`; its reply answers `ctl`.
    fn ask(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, ctl: Ctl, argv: &[Vec<u8>]) {
        self.clients
            .get_mut(&conn)
            .expect("the control client")
            .owed
            .push_back(None);
        self.ctl.push_back(ctl);
        ctx.send(conn, multibulk(argv));
    }

    /// Turns the AOF off, or (off) back on.
    fn switch_aof(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let (on, ctl, value): (bool, Ctl, &[u8]) = match self.aof_switch {
            AofSwitch::Off { since } => {
                self.aof_switch = AofSwitch::Waiting { since };
                (true, Ctl::AofOn, b"yes")
            }
            _ => {
                self.aof_switch = AofSwitch::Off { since: ctx.now_us() };
                (false, Ctl::AofOff, b"no")
            }
        };
        ctx.note(|| format!("c{conn} turns the AOF {}", if on { "on" } else { "off" }));
        self.stats.aof_toggles += 1;
        let argv = [
            b"CONFIG".to_vec(),
            b"SET".to_vec(),
            b"appendonly".to_vec(),
            value.to_vec(),
        ];
        self.ask(ctx, conn, ctl, &argv);
    }

    fn on_crash_timer(&mut self, ctx: &mut Ctx<'_>) {
        ctx.note(|| "the crasher pulls the plug".into());
        ctx.crash(SERVER);
        self.restart_after_stop(ctx, self.plan.durability);
    }

    /// The server exited after SHUTDOWN: it boots again and is read back as after a crash,
    /// holding every acknowledged write if it persisted them on the way out.
    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        let arg = self.shutdown_asked.unwrap_or_default();
        let saved = arg == "SAVE" || (arg.is_empty() && self.plan.save_points);
        let kept = self.plan.faultless_disk && (self.plan.aof || saved);
        ctx.note(|| format!("the server shut down; every acknowledged write must be there: {kept}"));
        let durability = if kept { Durability::Every } else { self.plan.durability };
        self.restart_after_stop(ctx, durability);
    }

    /// When the server last booted (virtual µs).
    pub fn booted_at_us(&self) -> u64 {
        self.crashed_at_us
    }

    /// The server exited while starting, on a disk fault: it is started again, and what it
    /// holds must be what the last stop promised (nothing was acknowledged since).
    pub fn on_failed_start(&mut self, ctx: &mut Ctx<'_>) {
        ctx.note(|| "the start-up failed on a disk fault: the supervisor starts the server again".into());
        ctx.crash(SERVER);
        self.stats.crashes = self.stats.crashes.saturating_sub(1);
        self.restart_after_stop(ctx, self.stop_durability);
    }

    /// After a crash or a SHUTDOWN: the server boots again, and what it holds is checked
    /// against what the stop promised.
    fn restart_after_stop(&mut self, ctx: &mut Ctx<'_>, durability: Durability) {
        self.crashed_at_us = ctx.now_us();
        self.stats.crashes += 1;
        self.phase = Phase::Draining;
        self.epoch += 1;
        self.stop_durability = durability;
        self.shutdown_asked = None;
        // The server boots with the AOF on, as configured. Replies of the old incarnation may
        // still arrive: the span stays open for them.
        if let AofSwitch::Off { since } | AofSwitch::Waiting { since } = self.aof_switch {
            self.aof_off.push((since, u64::MAX));
        }
        self.aof_switch = AofSwitch::On;
        ctx.restart(SERVER);
        // The read-back starts once every old connection is closed (or right away, if none).
        ctx.set_timer(ctx.now_us(), self.token(T_READ, 0));
    }

    fn maybe_read_back(&mut self, ctx: &mut Ctx<'_>) {
        if self.phase != Phase::Draining || self.clients.values().any(|c| !c.closed) {
            return;
        }
        self.phase = Phase::Reading;
        self.clients.clear();
        let conn = self.connect(ctx, Role::Reader);
        self.reads.clear();
        self.observed.clear();
        let mut wire = Vec::new();
        for kind in Kind::ALL {
            for slot in 0..self.plan.slots {
                let key = (kind, slot);
                wire.extend(multibulk(&read_command(key)));
                self.reads.push(key);
            }
        }
        wire.extend(multibulk(&[b"DBSIZE".to_vec()]));
        let c = self.clients.get_mut(&conn).expect("reader");
        c.owed.extend((0..=self.reads.len()).map(|_| None));
        ctx.note(|| format!("c{conn} reads back {} keys", self.reads.len()));
        ctx.send(conn, wire);
    }

    /// One reply to the reader: the keys' contents in order, then DBSIZE.
    fn on_read_reply(&mut self, ctx: &mut Ctx<'_>, value: Value) -> Result<(), Failure> {
        let done = self.observed.len();
        if done < self.reads.len() {
            let key = self.reads[done];
            let ids = ids_of(key, &value).map_err(|e| Failure(format!("reading back {key:?}: {e}")))?;
            self.observed.insert(key, ids);
            return Ok(());
        }
        let Value::Int(dbsize) = value else {
            return Err(Failure(format!("DBSIZE answered {value:?}")));
        };
        let present = self.observed.values().filter(|ids| !ids.is_empty()).count() as i64;
        if dbsize != present {
            return Err(Failure(format!(
                "the recovered dataset has {dbsize} keys, but only {present} of the writers' keys"
            )));
        }
        self.check_recovery(ctx)
    }

    fn check_recovery(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        self.observed.retain(|_, ids| !ids.is_empty());
        let crash = Crash {
            at_us: self.crashed_at_us,
            durability: self.stop_durability,
            faults: &self.faults,
            aof_off: &self.aof_off,
        };
        let ran = self.history.len();
        let Recovery { prefix, lost_acked } = self
            .history
            .recover(&crash, &self.observed)
            .map_err(|e| Failure(format!("after crash {}: {e}", self.stats.crashes)))?;
        self.stats.lost_acked += lost_acked as u64;
        self.aof_off.clear();
        if prefix < ran {
            self.stats.partial_recoveries += 1;
        }
        ctx.note(|| format!("recovered the first {prefix} of {ran} writes ({lost_acked} acknowledged ones lost)"));
        self.clients.clear();
        if self.stats.crashes >= u64::from(self.plan.crashes) {
            self.phase = Phase::Done;
            return Ok(());
        }
        self.start(ctx);
        Ok(())
    }

    fn on_reply(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, value: Value) -> Result<(), Failure> {
        let Some(c) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        let Some(owed) = c.owed.pop_front() else {
            return Err(Failure(format!("c{conn}: a reply nothing asked for: {value:?}")));
        };
        match (c.role, owed) {
            (Role::Reader, _) => self.on_read_reply(ctx, value),
            (_, Some(id)) => self.on_write_reply(ctx, id, value),
            (_, None) => self.on_control_reply(ctx, value),
        }
    }

    fn on_control_reply(&mut self, ctx: &mut Ctx<'_>, value: Value) -> Result<(), Failure> {
        let ctl = self
            .ctl
            .pop_front()
            .ok_or_else(|| Failure("a control reply nothing asked for".into()))?;
        match (ctl, &value) {
            // SHUTDOWN answers only when it refuses (a save failed).
            (Ctl::Shutdown, Value::Error(_)) => self.shutdown_asked = None,
            (Ctl::Plain, Value::Simple(_) | Value::Error(_)) => {}
            (Ctl::AofOff, Value::Simple(ok)) if ok == b"OK" => {}
            (Ctl::AofOn, Value::Simple(ok)) if ok == b"OK" => {}
            // Refused (the first rewrite could not start): still off.
            (Ctl::AofOn, Value::Error(_)) => {
                if let AofSwitch::Waiting { since } = self.aof_switch {
                    self.aof_switch = AofSwitch::Off { since };
                }
            }
            (Ctl::Info, Value::Bulk(text)) => {
                if let (AofSwitch::Waiting { since }, true) = (self.aof_switch, aof_back_on(text)) {
                    ctx.note(|| "INFO shows the AOF back on".into());
                    self.aof_off.push((since, ctx.now_us()));
                    self.aof_switch = AofSwitch::On;
                    self.stats.aof_back_on += 1;
                }
            }
            _ => return Err(Failure(format!("{ctl:?} answered {value:?}"))),
        }
        Ok(())
    }

    fn on_write_reply(&mut self, ctx: &mut Ctx<'_>, id: u64, value: Value) -> Result<(), Failure> {
        let ok = match &value {
            Value::Int(_) | Value::Simple(_) => true,
            Value::Error(e) if e.starts_with(b"MISCONF") => false,
            other => return Err(Failure(format!("write {id} answered {other:?}"))),
        };
        if ok {
            self.stats.acked += 1;
        } else {
            self.stats.refused += 1;
        }
        if let Some(partner) = self.script_partner.remove(&id) {
            self.history.replied(partner, ok, ctx.now_us()).map_err(Failure)?;
        }
        self.history.replied(id, ok, ctx.now_us()).map_err(Failure)
    }
}

/// The script every scripted write runs: RPUSH of ARGV[1] to KEYS[1], SADD of ARGV[2] to
/// KEYS[2], atomically.
const SCRIPT: &[u8] = b"redis.call('RPUSH', KEYS[1], ARGV[1])\nreturn redis.call('SADD', KEYS[2], ARGV[2])";

fn script_command(list: Key, set: Key, id: u64, partner: u64) -> Vec<Vec<u8>> {
    let n = |v: u64| v.to_string().into_bytes();
    vec![
        b"EVAL".to_vec(),
        SCRIPT.to_vec(),
        b"2".to_vec(),
        key_name(list),
        key_name(set),
        n(id),
        n(partner),
    ]
}

/// The keys and ids of a scripted write, as [`script_command`] built it.
fn parse_script(args: &[Vec<u8>]) -> Option<(Key, Key, u64, u64)> {
    let id = |a: &[u8]| std::str::from_utf8(a).ok()?.parse().ok();
    Some((
        parse_key(args.get(3)?)?,
        parse_key(args.get(4)?)?,
        id(args.get(5)?)?,
        id(args.get(6)?)?,
    ))
}

fn read_command(key: Key) -> Vec<Vec<u8>> {
    let name = key_name(key);
    let w = |s: &str| s.as_bytes().to_vec();
    match key.0 {
        Kind::List => vec![w("LRANGE"), name, w("0"), w("-1")],
        Kind::Set => vec![w("SMEMBERS"), name],
        Kind::Hash => vec![w("HKEYS"), name],
        Kind::Zset => vec![w("ZRANGE"), name, w("0"), w("-1")],
        Kind::Str => vec![w("GET"), name],
    }
}

/// The ids a read-back reply shows (a value is the id, maybe followed by `-` and padding).
fn ids_of(key: Key, value: &Value) -> Result<Vec<u64>, String> {
    let id = |b: &[u8]| -> Result<u64, String> {
        let digits = b.split(|&c| c == b'-').next().unwrap_or_default();
        std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not a write's value: {:?}", String::from_utf8_lossy(b)))
    };
    let mut ids = match value {
        Value::NullBulk | Value::Null => Vec::new(),
        Value::Bulk(b) if key.0 == Kind::Str => vec![id(b)?],
        Value::Array(items) | Value::Set(items) => items
            .iter()
            .map(|v| match v {
                Value::Bulk(b) => id(b),
                other => Err(format!("{other:?}")),
            })
            .collect::<Result<_, _>>()?,
        other => return Err(format!("{other:?}")),
    };
    // Sets and hashes come in no particular order; lists' order is checked.
    if matches!(key.0, Kind::Set | Kind::Hash) {
        ids.sort_unstable();
    }
    Ok(ids)
}

/// INFO persistence shows the AOF on with its first rewrite done (what a Redis user waits
/// for after `CONFIG SET appendonly yes`): from then on its writes are promised again.
fn aof_back_on(info: &[u8]) -> bool {
    let text = String::from_utf8_lossy(info);
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':'));
    field("aof_enabled") == Some("1")
        && field("aof_rewrite_in_progress") == Some("0")
        && field("aof_rewrite_scheduled") == Some("0")
        && field("aof_last_bgrewrite_status") == Some("ok")
        && field("aof_last_write_status") == Some("ok")
}

impl Actors for CrashScenario {
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) -> Result<(), Failure> {
        let (kind, epoch, conn) = (token & 3, (token >> 2) & 0x3f_ffff, token >> 24);
        if epoch != self.epoch & 0x3f_ffff {
            return Ok(());
        }
        match kind {
            T_WRITER if self.phase == Phase::Writing => self.on_writer_timer(ctx, conn),
            T_CONTROL if self.phase == Phase::Writing => self.on_control_timer(ctx, conn),
            T_CRASH if self.phase == Phase::Writing => self.on_crash_timer(ctx),
            T_READ => self.maybe_read_back(ctx),
            _ => {}
        }
        Ok(())
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, conn: ConnId, data: &[u8]) -> Result<(), Failure> {
        let parser: ParserOf<Self> = |s, conn| s.clients.get_mut(&conn).map(|c| &mut c.parser);
        each_reply(self, ctx, conn, data, parser, Self::on_reply)
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) -> Result<(), Failure> {
        let Some(c) = self.clients.get_mut(&conn) else {
            return Ok(());
        };
        c.closed = true;
        if self.phase == Phase::Writing && self.shutdown_asked.is_some() {
            self.on_shutdown(ctx);
        }
        if self.phase == Phase::Writing || self.phase == Phase::Reading {
            return Err(Failure(format!("c{conn}: the server closed the connection")));
        }
        self.maybe_read_back(ctx);
        Ok(())
    }

    fn before_event(&mut self, _node: NodeId, _now: Now, event: &Event) -> Result<(), Failure> {
        let Event::Commands { cmds, .. } = event else {
            return Ok(());
        };
        for args in cmds {
            if args[0].eq_ignore_ascii_case(b"EVAL") {
                let (list, set, id, partner) =
                    parse_script(args).ok_or_else(|| Failure("a bad script write".into()))?;
                self.history.record(list, id);
                self.history.record_joined(set, partner);
                self.stats.writes += 2;
                continue;
            }
            let write = ["RPUSH", "SADD", "HSET", "ZADD", "SET"]
                .iter()
                .any(|n| args[0].eq_ignore_ascii_case(n.as_bytes()));
            if !write {
                continue;
            }
            let key = parse_key(&args[1]).ok_or_else(|| Failure("a write to an unknown key".into()))?;
            let id = std::str::from_utf8(&args[2])
                .ok()
                .and_then(|s| s.split('-').next()?.parse().ok())
                .ok_or_else(|| Failure("a write without an id".into()))?;
            self.history.record(key, id);
            self.stats.writes += 1;
        }
        Ok(())
    }
}
