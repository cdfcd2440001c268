//! The pub/sub stream: several connections per server (subscribers in RESP2 and RESP3,
//! publishers, connections that switch protocol, open transactions, RESET or QUIT), one random
//! command at a time. After each command every connection of both servers is read up to a
//! barrier, and what each received — the sender its replies and its own messages, the others
//! the messages the command delivered — must be the same on both servers, connection by
//! connection, in order ([`compare`] lists the few places where Redis' order is its hash
//! tables').
//!
//! The barrier ([`view::Barrier`]) is a command whose reply is the last thing a connection
//! receives in this step: both servers write a message into its subscriber's buffer before
//! they answer the publisher, and the barrier goes to the others only once the publisher has
//! been answered. Its reply is compared too (a subscribed RESP2 connection answers PING as
//! `[pong, token]`).

mod compare;
pub mod gen;
mod view;

use super::resp::{command_text, Conn, Outcome};
use super::{Mismatch, SeedStats};
use view::{pick_connection, resp_name, Barrier, ConnView};

/// The name `FERROUS_DIFF_FAMILIES` selects the stream by.
pub const NAME: &str = "pubsub";

/// The commands the stream sends (the harness runs it only where both servers have them).
pub const REQUIRES: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "psubscribe",
    "punsubscribe",
    "ssubscribe",
    "sunsubscribe",
    "publish",
    "spublish",
    "pubsub|channels",
    "pubsub|numsub",
    "pubsub|numpat",
    "pubsub|shardchannels",
    "pubsub|shardnumsub",
    "pubsub|help",
    "ping",
    "hello",
    "reset",
    "quit",
    "echo",
    "get",
    "set",
    "multi",
    "exec",
    "discard",
    "info",
];

const CONNECTIONS: usize = 4;

/// What one connection received in one step, or how reading it failed.
type Received = Result<Vec<Vec<u8>>, (Vec<Vec<u8>>, Outcome)>;

/// One server's connections.
struct Side {
    port: u16,
    conns: Vec<Conn>,
}

impl Side {
    fn open(port: u16) -> Side {
        let conns = (0..CONNECTIONS)
            .map(|_| Conn::connect(port).expect("connect"))
            .collect();
        Side { port, conns }
    }

    /// Sends `command` (if any) and then `barrier` on connection `ci`, and reads everything up
    /// to the barrier's reply.
    fn step(&mut self, ci: usize, command: Option<&[Vec<u8>]>, barrier: Barrier) -> Received {
        let c = &mut self.conns[ci];
        if let Some(cmd) = command {
            let _ = c.send(cmd);
        }
        let _ = c.send(&barrier.command());
        let mut frames = Vec::new();
        loop {
            match c.read() {
                Outcome::Reply(f) => {
                    let done = barrier.answered_by(&f);
                    frames.push(f);
                    if done {
                        return Ok(frames);
                    }
                }
                other => return Err((frames, other)),
            }
        }
    }

    /// QUIT on `ci`: its one reply, then a new connection in its place once the server has
    /// let the old one go (its subscriptions with it).
    fn quit(&mut self, ci: usize, command: &[Vec<u8>]) -> Received {
        let reply = self.conns[ci].call(command);
        self.conns[ci] = Conn::connect(self.port).expect("reconnect");
        wait_for_clients(&mut self.conns[ci], CONNECTIONS);
        match reply {
            Outcome::Reply(r) => Ok(vec![r]),
            other => Err((Vec::new(), other)),
        }
    }

    /// RESET on every connection, so no subscription outlives the seed.
    fn close(mut self) {
        for c in &mut self.conns {
            let _ = c.call(&[b"RESET".to_vec()]);
        }
    }
}

/// Polls `probe` every 10 ms for up to 5 s; false if it never held.
fn eventually(mut probe: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if probe() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// Waits until the server counts `n` connected clients (a closed connection is let go after
/// its last reply is written, not before the client sees it).
fn wait_for_clients(c: &mut Conn, n: usize) {
    let want = format!("connected_clients:{n}\r\n");
    let info = [b"INFO".to_vec(), b"clients".to_vec()];
    let gone = eventually(
        || matches!(c.call(&info), Outcome::Reply(r) if r.windows(want.len()).any(|w| w == want.as_bytes())),
    );
    assert!(gone, "the server did not let a closed connection go within 5 s");
}

/// Waits until nobody is subscribed to anything on `port`: connections of earlier streams (the
/// keyspace notification listener) go away asynchronously.
fn wait_for_no_subscribers(port: u16) {
    let mut c = Conn::connect(port).expect("connect");
    let mut answers =
        |sub: &[u8], none: &[u8]| c.call(&[b"PUBSUB".to_vec(), sub.to_vec()]) == Outcome::Reply(none.to_vec());
    let clear = eventually(|| {
        answers(b"NUMPAT", b":0\r\n") && answers(b"CHANNELS", b"*0\r\n") && answers(b"SHARDCHANNELS", b"*0\r\n")
    });
    assert!(
        clear,
        "subscriptions of an earlier stream were still there after 5 s (port {port})"
    );
}

/// One seed's pub/sub stream between the servers on the two ports.
pub struct Stream<'a> {
    pub seed: u64,
    pub oracle: (&'a str, u16),
    pub subject: (&'a str, u16),
}

/// The running state of one stream.
struct Run {
    a: Side,
    b: Side,
    views: [ConnView; CONNECTIONS],
    history: Vec<String>,
    stats: SeedStats,
}

impl Stream<'_> {
    pub fn run(&self, commands: usize) -> Result<SeedStats, Box<Mismatch>> {
        wait_for_no_subscribers(self.oracle.1);
        wait_for_no_subscribers(self.subject.1);
        let mut r = super::Rng::new(self.seed ^ 0x7075_6273_7562);
        let mut run = Run {
            a: Side::open(self.oracle.1),
            b: Side::open(self.subject.1),
            views: [ConnView::default(); CONNECTIONS],
            history: Vec::new(),
            stats: SeedStats::default(),
        };
        for index in 0..commands {
            // The odd connections start in RESP3, so both protocols subscribe and publish.
            let (ci, cmd) = if 2 * index + 1 < CONNECTIONS {
                (2 * index + 1, gen::args(&[b"HELLO", b"3"]))
            } else {
                let mut cmd = gen::command(&mut r, false);
                let ci = pick_connection(&mut r, &cmd, &run.views);
                if run.views[ci].multi {
                    cmd = gen::command(&mut r, true);
                }
                if r.chance(10) {
                    cmd[0] = r.mixed_case(&cmd[0]);
                }
                (ci, cmd)
            };
            self.step(&mut run, index, ci, &cmd)?;
            run.stats.commands += 1;
            run.history.push(format!("#{index} [{ci}] {}", command_text(&cmd)));
        }
        run.a.close();
        run.b.close();
        Ok(run.stats)
    }

    /// Sends `cmd` on connection `ci`, then reads every connection up to its barrier, the
    /// sender first; compares and follows what each received.
    fn step(&self, run: &mut Run, index: usize, ci: usize, cmd: &[Vec<u8>]) -> Result<(), Box<Mismatch>> {
        let quit = cmd[0].eq_ignore_ascii_case(b"quit");
        for cj in (0..CONNECTIONS).map(|k| (ci + k) % CONNECTIONS) {
            let (ra, rb) = if cj != ci {
                let barrier = run.views[cj].barrier();
                (run.a.step(cj, None, barrier), run.b.step(cj, None, barrier))
            } else if quit {
                (run.a.quit(cj, cmd), run.b.quit(cj, cmd))
            } else {
                let barrier = run.views[cj].barrier_after(cmd);
                (run.a.step(cj, Some(cmd), barrier), run.b.step(cj, Some(cmd), barrier))
            };
            let agree = match (&ra, &rb) {
                (Ok(x), Ok(y)) => compare::normalized(x, cmd, cj == ci) == compare::normalized(y, cmd, cj == ci),
                _ => false,
            };
            if !agree {
                return Err(self.mismatch(run, index, (ci, cj), cmd, ra, rb));
            }
            let frames = ra.unwrap_or_default();
            run.stats.pubsub_frames += frames.len().saturating_sub(1);
            if cj == ci {
                run.views[ci].follow(cmd, &frames);
                if frames.first().is_some_and(|f| f.starts_with(b"-")) {
                    run.stats.errors += 1;
                }
            }
        }
        Ok(())
    }

    /// The report of connection `cj` receiving different things after `cmd` went to `ci`.
    fn mismatch(
        &self,
        run: &Run,
        index: usize,
        (ci, cj): (usize, usize),
        cmd: &[Vec<u8>],
        ra: Received,
        rb: Received,
    ) -> Box<Mismatch> {
        let outcome = |r: Received| match r {
            Ok(frames) | Err((frames, Outcome::Reply(_))) => Outcome::Reply(frames.concat()),
            Err((frames, Outcome::Closed(rest))) => Outcome::Closed([frames.concat(), rest].concat()),
            Err((frames, Outcome::Timeout(rest))) => Outcome::Timeout([frames.concat(), rest].concat()),
            Err((_, m)) => m,
        };
        let who = if cj == ci {
            "the sender".to_string()
        } else {
            format!("connection {cj} ({})", resp_name(run.views[cj]))
        };
        let barrier = if cj == ci {
            run.views[ci].barrier_after(cmd)
        } else {
            run.views[cj].barrier()
        };
        let barrier = command_text(&barrier.command());
        Box::new(Mismatch {
            seed: self.seed,
            index: Some(index),
            family: NAME,
            conn: ci,
            conn_state: resp_name(run.views[ci]).to_string(),
            command: cmd.to_vec(),
            oracle_name: self.oracle.0.to_string(),
            subject_name: self.subject.0.to_string(),
            oracle: outcome(ra),
            subject: outcome(rb),
            mask: None,
            context: run.history.iter().rev().take(10).rev().cloned().collect(),
            note: format!("what {who} received up to and including the reply to the barrier `{barrier}` differs"),
        })
    }
}
