//! The AOF turned off and on at random while writes, rewrites and the disk's answers interleave:
//! INCRs (a write replayed twice shows), BGREWRITEAOF, CONFIG SET appendonly no|yes, cron ticks,
//! and the disk carrying out the requests in order at random moments. At random moments the
//! disk as it is then is restarted from, as after a crash (while the AOF is on): the server
//! must load it, find the dataset as it was after some prefix of the writes, and, under
//! `always`, after every write whose reply came while the AOF was on.

mod common;

use std::collections::VecDeque;

use common::harness;
use ferrous_core::harness::Harness;
use ferrous_core::{DiskError, DiskErrorKind, DiskOp, DiskReq, Event, Output};

/// The client that writes, and the one that turns things on and off.
const W: u64 = 1;
const A: u64 = 2;
/// The client that traces (see `Run::trace`).
const T: u64 = 3;
const KEYS: usize = 5;

/// xorshift64*: the same seed, the same run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

struct Run {
    h: Harness,
    policy: &'static str,
    preamble: &'static str,
    held: VecDeque<(DiskReq, DiskOp)>,
    /// The counters after each number of writes done (`states[0]`: none yet), in the order
    /// their replies came (the order they ran in; a refused write, MISCONF, is not one).
    states: Vec<[u64; KEYS]>,
    /// Writes whose reply has not come yet: their key, and whether the AOF was on then.
    unanswered: VecDeque<(usize, bool)>,
    /// The last write whose reply came while the AOF was on (as it was when it was made).
    promised: usize,
    aof_on: bool,
    /// Turned on while a snapshot ran: until the rewrite that turns it on starts, writes are
    /// answered without being in any file (Redis' AOF_WAIT_REWRITE), so they are no promise.
    waiting: bool,
    /// Rewrites started (the run is worth something only with some).
    rewrites: usize,
}

impl Run {
    fn new(seed: u64) -> Run {
        let policy = ["always", "everysec", "no"][(seed % 3) as usize];
        let preamble = if seed % 4 < 2 { "yes" } else { "no" };
        let directives = [
            ("appendonly", "yes"),
            ("appendfsync", policy),
            ("aof-use-rdb-preamble", preamble),
            ("rdb-key-save-delay", "20000"),
        ];
        let mut h = harness(&directives);
        h.srv.load_from_disk();
        h.event(W, Event::Tick);
        h.connect(A, true);
        h.connect(T, true);
        Run {
            h,
            policy,
            preamble,
            held: VecDeque::new(),
            states: vec![[0; KEYS]],
            unanswered: VecDeque::new(),
            promised: 0,
            aof_on: true,
            waiting: false,
            rewrites: 0,
        }
    }

    /// Takes the server's outputs: disk requests are held, the rest kept in the harness.
    fn collect(&mut self) {
        while let Some(o) = self.h.srv.poll_output() {
            match o {
                Output::Disk { req, op, .. } => self.held.push_back((req, op)),
                Output::Log { text, level } => {
                    if text.starts_with("AOF was enabled") {
                        self.waiting = true;
                    } else if text == "Background append only file rewriting started" {
                        self.waiting = false;
                        self.rewrites += 1;
                    }
                    self.h.other.push(Output::Log { text, level });
                }
                other => self.h.other.push(other),
            }
        }
        self.note_replies();
    }

    fn send(&mut self, client: u64, args: &[&str]) {
        let cmds = vec![args.iter().map(|a| a.as_bytes().to_vec()).collect()];
        self.h.srv.handle(self.h.now, Event::Commands { client, cmds });
        self.collect();
    }

    /// Whether a write made or answered now is a promise.
    fn promising(&self) -> bool {
        self.aof_on && !self.waiting
    }

    fn incr(&mut self, key: usize) {
        self.unanswered.push_back((key, self.promising()));
        self.send(W, &["INCR", &format!("k{key}")]);
    }

    /// W's replies that came: each answers the oldest unanswered write.
    fn note_replies(&mut self) {
        let sent = self.h.take_sent(W);
        for line in sent.split("\r\n").filter(|l| !l.is_empty()) {
            let (key, made_on) = self.unanswered.pop_front().expect("a reply to no write");
            if line.starts_with("-MISCONF ") {
                continue;
            }
            let mut next = *self.states.last().unwrap();
            next[key] += 1;
            assert_eq!(line, format!(":{}", next[key]), "INCR k{key}");
            self.states.push(next);
            if made_on && self.promising() {
                self.promised = self.states.len() - 1;
            }
        }
        self.h.take_sent(A);
    }

    /// Replies that come while the AOF is being turned off are no promise: queued writes of
    /// W (a client waits for its held reply) run with it off.
    fn set_appendonly(&mut self, on: bool) {
        if !on {
            self.aof_on = false;
            self.waiting = false;
        }
        self.send(A, &["CONFIG", "SET", "appendonly", if on { "yes" } else { "no" }]);
        self.aof_on = on;
    }

    fn answer(&mut self, n: u64) {
        for _ in 0..n {
            let Some((req, op)) = self.held.pop_front() else {
                return;
            };
            let result = self.h.disk.apply(op);
            self.h.srv.handle(self.h.now, Event::Disk { req, result });
            self.collect();
        }
    }

    /// The next disk request fails (a write with ENOSPC, having written nothing; anything
    /// else with EIO, having done nothing).
    fn fail_next(&mut self) {
        let Some((req, op)) = self.held.pop_front() else {
            return;
        };
        let err = match op {
            DiskOp::Write { .. } => DiskError::new(DiskErrorKind::NoSpace, "No space left on device"),
            _ => DiskError::new(DiskErrorKind::Other, "Input/output error"),
        };
        self.h.srv.handle(self.h.now, Event::Disk { req, result: Err(err) });
        self.collect();
    }

    /// AOF_TOGGLE_TRACE=seed: each step's held requests, logs and AOF state, on stderr.
    fn trace(&mut self, step: usize, roll: u64) {
        self.send(T, &["INFO", "persistence"]);
        let info = self.h.take_sent(T);
        let wanted = ["aof_enabled", "aof_rewrite_in_progress", "aof_buffer_length"];
        let fields: Vec<&str> = info
            .split("\r\n")
            .filter(|l| wanted.iter().any(|w| l.starts_with(w)))
            .collect();
        for o in self.h.other.drain(..) {
            if let Output::Log { text, .. } = o {
                eprintln!("   log: {text}");
            }
        }
        let held: Vec<String> = self.held.iter().map(|(_, o)| short(o)).collect();
        let writes = self.states.len() - 1;
        eprintln!(
            "step {step} roll {roll} held {held:?} promised {} writes {writes} {fields:?}",
            self.promised
        );
    }

    fn tick(&mut self, ms: u64) {
        self.h.now.unix_ms += ms;
        self.h.now.mono_us += ms * 1000;
        self.h.srv.handle(self.h.now, Event::Tick);
        self.collect();
    }

    /// A restart from the disk as it is: the dataset after some prefix of the writes, one
    /// that holds every promised write under `always`.
    fn check_restart(&self, seed: u64, step: usize) {
        let ctx = format!("seed {seed} step {step} ({} {})", self.policy, self.preamble);
        let mut r = harness(&[("appendonly", "yes"), ("aof-use-rdb-preamble", self.preamble)]);
        r.disk = self.h.disk.clone();
        r.srv.load_from_disk();
        r.event(W, Event::Tick);
        let exited = r.other.iter().any(|o| matches!(o, Output::Exit { .. }));
        assert!(!exited, "{ctx}: the restart refused the files: {:?}", r.logs());
        let mut got = [0u64; KEYS];
        for (k, v) in got.iter_mut().enumerate() {
            let reply = r.cmd(W, &["GET", &format!("k{k}")]);
            *v = match reply.as_str() {
                "$-1\r\n" => 0,
                _ => reply.split("\r\n").nth(1).and_then(|n| n.parse().ok()).expect(&ctx),
            };
        }
        let writes = got.iter().sum::<u64>() as usize;
        assert!(
            self.states.get(writes) == Some(&got),
            "{ctx}: {got:?} is the state after no prefix of the writes; restart logs {:?}",
            r.logs()
        );
        if self.policy == "always" {
            assert!(
                writes >= self.promised,
                "{ctx}: {writes} writes back, but write {} was promised",
                self.promised
            );
        }
    }
}

/// A seed to follow step by step on stderr (see `Run::trace`), when debugging one.
const TRACE: Option<u64> = None;

/// `failures`: the disk also fails now and then.
fn run(seed: u64, failures: bool) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut run = Run::new(seed);
    let trace = TRACE == Some(seed);
    for step in 0..400 {
        let roll = rng.below(100);
        if trace {
            run.trace(step, roll);
        }
        match roll {
            0..=39 => run.incr(rng.below(KEYS as u64) as usize),
            40..=64 => run.answer(1 + rng.below(3)),
            65..=74 => run.tick(1 + rng.below(300)),
            75..=79 => run.send(A, &["BGREWRITEAOF"]),
            80..=84 => run.set_appendonly(false),
            85..=89 => run.set_appendonly(true),
            90..=91 if failures => run.fail_next(),
            // (With every write answered, which ran and which was refused is known.)
            _ if run.aof_on && run.unanswered.is_empty() => run.check_restart(seed, step),
            _ => {}
        }
    }
    // Everything settles: the disk answers, the cron runs, the AOF ends on.
    run.set_appendonly(true);
    for _ in 0..200 {
        run.answer(u64::MAX);
        run.tick(100);
    }
    if !run.unanswered.is_empty() {
        let logs: Vec<String> = run.h.logs().into_iter().rev().take(12).collect();
        panic!(
            "seed {seed}: replies never came: {:?}, last logs {logs:?}",
            run.unanswered
        );
    }
    assert!(run.rewrites > 0, "seed {seed}: no rewrite ran");
    run.check_restart(seed, usize::MAX);
}

#[test]
fn the_aof_turned_off_and_on_during_writes_and_rewrites_keeps_a_prefix_and_every_promise() {
    for seed in 0..200 {
        run(seed, false);
    }
}

/// Writes failing with ENOSPC, fsyncs and the rewrite's steps with EIO: no write may land
/// behind one that failed (a hole), and a rewrite that fails after its manifest's rename may
/// leave that manifest on disk, whose files are then never written again.
#[test]
fn with_disk_failures_too() {
    for seed in 0..200 {
        run(seed, true);
    }
}

/// A disk request in a few words, for the trace.
fn short(op: &DiskOp) -> String {
    let name = |p: &str| p.rsplit('/').next().unwrap_or("").to_string();
    match op {
        DiskOp::Write { path, data, .. } if path.contains("manifest") => {
            format!("W {} {:?}", name(path), String::from_utf8_lossy(data))
        }
        DiskOp::Write { path, data, .. } => format!("W {} {}", name(path), data.len()),
        DiskOp::Fsync { path } => format!("F {}", name(path)),
        DiskOp::Rename { from, to } => format!("R {}>{}", name(from), name(to)),
        DiskOp::Remove { path } => format!("X {}", name(path)),
        other => format!("{other:?}").chars().take(12).collect(),
    }
}
