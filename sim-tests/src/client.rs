//! A simulated client: it pipelines commands without waiting for replies, reassembles the
//! replies from whatever pieces the network delivers, and checks each one, in order, against
//! what the reference model predicted when the server ran the command.

use std::collections::{BTreeMap, VecDeque};

use ferrous_io_sim::trace::{show_args, show_bytes};
use ferrous_io_sim::{ConnId, ReplyParser, SimRng, Value};

use crate::model::Expect;
use crate::workload::{parse_message, Args};

/// What a client is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Random commands of every kind.
    Mixed,
    /// Scripts of WATCH, MULTI, EXEC, DISCARD among random commands.
    Transactions,
    /// Subscribes and waits for messages.
    Subscriber,
    /// Publishes numbered messages.
    Publisher,
}

/// How a client behaves, drawn once per client.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    pub role: Role,
    /// Commands per pipeline: 1 to this.
    pub max_pipeline: u64,
    /// Pause between actions: 0 to this, µs.
    pub max_think_us: u64,
    /// Chance of sending a command inline rather than as a multibulk.
    pub inline_share: f64,
}

impl Profile {
    pub fn random(rng: &mut SimRng, role: Role) -> Profile {
        Profile {
            role,
            max_pipeline: *rng.pick(&[1, 2, 4, 8, 16, 32]),
            max_think_us: rng.between(100, 20_000),
            inline_share: *rng.pick(&[0.0, 0.1, 0.5, 0.9]),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Active,
    /// Sent QUIT: waits for the replies and the close.
    Quitting,
    /// Sent a broken request: waits for the replies, the protocol error and the close.
    Broken,
    /// Sent an HTTP request with nothing else in flight: waits for the close, with no reply.
    Refused,
    /// Closed its end itself; no longer reads anything.
    Gone,
    /// Saw the server close the connection.
    Closed,
}

/// A reply the client is owed.
struct Owed {
    /// The command, for failure messages.
    command: String,
    expect: Expect,
}

pub struct SimClient {
    pub conn: ConnId,
    pub profile: Profile,
    state: State,
    parser: ReplyParser,
    owed: VecDeque<Owed>,
    /// The error the server must answer to the broken request this client sent.
    protocol_error: Option<&'static str>,
    /// Commands written so far; each gets exactly one reply.
    sent: u64,
    replies: u64,
    /// The numbers (in `sent` order) of blocking commands written and not answered yet.
    blocking: VecDeque<u64>,
    /// What the client means to write next, chunk by chunk (a transaction, its first
    /// subscriptions).
    pub script: VecDeque<Vec<Args>>,
    ledger: Ledger,
}

/// The last message serial received per (subscription, channel, publisher): each publisher's
/// messages must arrive in the order it published them, and once per subscription. Kept apart
/// from the model, so that a mistake shared by the model and the server still shows.
#[derive(Debug, Default)]
struct Ledger(BTreeMap<(Vec<u8>, Vec<u8>, u64), u64>);

impl Ledger {
    /// Checks `v` if it is a message published by the workload.
    fn check(&mut self, v: &Value) -> Result<(), String> {
        let (Value::Push(items) | Value::Array(items)) = v else {
            return Ok(());
        };
        let bulks: Vec<&[u8]> = items
            .iter()
            .filter_map(|i| match i {
                Value::Bulk(b) => Some(&b[..]),
                _ => None,
            })
            .collect();
        let (subscription, channel, payload) = match bulks[..] {
            [b"message", ch, p] | [b"smessage", ch, p] => (bulks[0].to_vec(), ch, p),
            [b"pmessage", pattern, ch, p] => ([&b"pmessage "[..], pattern].concat(), ch, p),
            _ => return Ok(()),
        };
        let Some((publisher, serial)) = parse_message(payload) else {
            return Ok(());
        };
        let last = self.0.entry((subscription, channel.to_vec(), publisher)).or_insert(0);
        if serial <= *last {
            return Err(format!(
                "message {} from c{publisher} on {} arrived after {} (out of order or twice)",
                serial,
                show_bytes(channel),
                last
            ));
        }
        *last = serial;
        Ok(())
    }
}

impl SimClient {
    /// Whether the client is inside a script it has not finished writing.
    pub fn scripted(&self) -> bool {
        !self.script.is_empty()
    }
}

impl SimClient {
    pub fn new(conn: ConnId, profile: Profile) -> SimClient {
        SimClient {
            conn,
            profile,
            state: State::Active,
            parser: ReplyParser::new(),
            owed: VecDeque::new(),
            protocol_error: None,
            sent: 0,
            replies: 0,
            blocking: VecDeque::new(),
            script: VecDeque::new(),
            ledger: Ledger::default(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// `n` commands were written.
    pub fn sent(&mut self, n: u64) {
        self.sent += n;
    }

    /// The last command written may block the connection until it is answered.
    pub fn sent_blocking(&mut self) {
        self.blocking.push_back(self.sent);
    }

    /// Whether a blocking command written has not been answered yet (the connection may be
    /// blocked): a real client would mostly wait.
    pub fn awaiting_blocking(&mut self) -> bool {
        while self.blocking.front().is_some_and(|&n| n <= self.replies) {
            self.blocking.pop_front();
        }
        !self.blocking.is_empty()
    }

    /// Whether every command written has been answered: nothing is in flight either way.
    pub fn idle(&self) -> bool {
        self.sent == self.replies
    }

    /// QUIT ends the pipeline just written: the server answers it and closes.
    pub fn sent_quit(&mut self) {
        self.sent += 1;
        self.state = State::Quitting;
    }

    /// An HTTP request, written only while idle: the server must close without any reply.
    /// (Redis also drops the unwritten replies of commands read in the same read as the request,
    /// which depends on read boundaries; written alone, the request is read alone.)
    pub fn sent_http(&mut self) {
        self.state = State::Refused;
    }

    /// The client closes its end: whatever it was still owed no longer reaches it.
    pub fn leave(&mut self) {
        self.state = State::Gone;
        self.owed.clear();
        self.parser = ReplyParser::new();
    }

    /// Whether the client still reads replies (and so is owed them).
    fn listening(&self) -> bool {
        matches!(
            self.state,
            State::Active | State::Quitting | State::Broken | State::Refused
        )
    }

    /// Marks that a broken request follows; the server must answer `error` and close.
    pub fn sent_garbage(&mut self, error: &'static str) {
        self.protocol_error = Some(error);
        self.state = State::Broken;
    }

    /// The server ran `args`: the client is owed `expect`.
    pub fn owe(&mut self, args: &[Vec<u8>], expect: Expect) {
        if self.listening() {
            let command = show_args(args);
            self.owed.push_back(Owed { command, expect });
        }
    }

    /// The server reported a protocol error on this connection.
    pub fn owe_protocol_error(&mut self) -> Result<(), String> {
        let Some(error) = self.protocol_error else {
            return Err(format!(
                "client c{}: the server found a protocol error in a well-formed request stream",
                self.conn
            ));
        };
        self.owe(&[b"<broken request>".to_vec()], Expect::Reply(Value::error(error)));
        Ok(())
    }

    /// Bytes from the server: checks every reply they complete. Returns how many.
    pub fn receive(&mut self, data: &[u8]) -> Result<u64, String> {
        if !self.listening() {
            return Ok(0);
        }
        self.parser.feed(data);
        let mut checked = 0;
        loop {
            let reply = self
                .parser
                .next_reply()
                .map_err(|e| format!("client c{}: {e}", self.conn))?;
            let Some(reply) = reply else {
                return Ok(checked);
            };
            self.check(reply)?;
            checked += 1;
        }
    }

    fn check(&mut self, actual: Value) -> Result<(), String> {
        self.replies += 1;
        let n = self.replies;
        self.ledger
            .check(&actual)
            .map_err(|e| format!("client c{}: reply #{n}: {e}", self.conn))?;
        let Some(owed) = self.owed.pop_front() else {
            return Err(format!(
                "client c{}: reply #{n} answers no command the server ran\n  actual:   {actual}",
                self.conn
            ));
        };
        if owed.expect.matches(&actual) {
            return Ok(());
        }
        Err(format!(
            "client c{}: reply #{n} does not match\n  command:  {}\n  expected: {}\n  actual:   {actual}",
            self.conn, owed.command, owed.expect
        ))
    }

    /// The server closed the connection. That is right after QUIT, a broken request, an HTTP
    /// request or a shutdown, and only once every owed reply has arrived whole.
    pub fn closed(&mut self, shutting_down: bool) -> Result<(), String> {
        let was = std::mem::replace(&mut self.state, State::Closed);
        if was == State::Active && !shutting_down {
            return Err(format!(
                "client c{}: the server closed the connection unexpectedly",
                self.conn
            ));
        }
        self.settled()
    }

    /// Every owed reply has arrived and no partial reply is left.
    pub fn settled(&self) -> Result<(), String> {
        if let Some(owed) = self.owed.front() {
            return Err(format!(
                "client c{}: {} replies never arrived; the first is for {}\n  expected: {}",
                self.conn,
                self.owed.len(),
                owed.command,
                owed.expect
            ));
        }
        if self.parser.pending() > 0 {
            return Err(format!(
                "client c{}: {} bytes of an incomplete reply",
                self.conn,
                self.parser.pending()
            ));
        }
        Ok(())
    }
}

impl Expect {
    pub fn matches(&self, actual: &Value) -> bool {
        match self {
            Expect::Reply(v) => v == actual,
            Expect::TimeAt { unix_ms } => time_in_millisecond(actual, *unix_ms),
            Expect::IntBetween { lo, hi } => matches!(actual, Value::Int(n) if (lo..=hi).contains(&n)),
            Expect::Unordered(v) => same_items(v, actual),
            Expect::AnyArray => matches!(actual, Value::Array(_)),
            Expect::Array(items) => match actual {
                Value::Array(got) => got.len() == items.len() && items.iter().zip(got).all(|(e, a)| e.matches(a)),
                _ => false,
            },
        }
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Reply(v) => write!(f, "{v}"),
            Expect::TimeAt { unix_ms } => write!(
                f,
                "*[$\"{}\", $\"<{}000 to {}999>\"]",
                unix_ms / 1000,
                unix_ms % 1000,
                unix_ms % 1000
            ),
            Expect::IntBetween { lo, hi } => write!(f, ":<{lo} to {hi}>"),
            Expect::Unordered(v) => write!(f, "{v} (in any order)"),
            Expect::AnyArray => write!(f, "*<any array>"),
            Expect::Array(items) => {
                f.write_str("*[")?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// The same aggregate type with the same items (map pairs) in any order.
fn same_items(expected: &Value, actual: &Value) -> bool {
    fn sorted<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|i| i.to_string()).collect();
        v.sort();
        v
    }
    let pairs = |p: &[(Value, Value)]| -> Vec<String> {
        let mut v: Vec<String> = p.iter().map(|(k, x)| format!("{k}={x}")).collect();
        v.sort();
        v
    };
    match (expected, actual) {
        (Value::Array(a), Value::Array(b)) | (Value::Set(a), Value::Set(b)) => sorted(a) == sorted(b),
        (Value::Map(a), Value::Map(b)) => pairs(a) == pairs(b),
        _ => expected == actual,
    }
}

/// A TIME reply (`[seconds, microseconds]` as bulk strings) within millisecond `unix_ms`.
fn time_in_millisecond(actual: &Value, unix_ms: u64) -> bool {
    let Value::Array(parts) = actual else {
        return false;
    };
    let number = |v: &Value| match v {
        Value::Bulk(b) => std::str::from_utf8(b).ok()?.parse::<u64>().ok(),
        _ => None,
    };
    let [Some(secs), Some(micros)] = [parts.first(), parts.get(1)].map(|p| p.and_then(number)) else {
        return false;
    };
    let at_us = secs * 1_000_000 + micros;
    parts.len() == 2 && micros < 1_000_000 && at_us / 1000 == unix_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> SimClient {
        SimClient::new(
            7,
            Profile {
                role: Role::Mixed,
                max_pipeline: 1,
                max_think_us: 1,
                inline_share: 0.0,
            },
        )
    }

    #[test]
    fn replies_are_checked_in_order_across_splits() {
        let mut c = client();
        c.owe(&[b"PING".to_vec()], Expect::Reply(Value::simple("PONG")));
        c.owe(&[b"GET".to_vec(), b"k".to_vec()], Expect::Reply(Value::NullBulk));
        assert_eq!(c.receive(b"+PONG\r\n$-"), Ok(1));
        assert!(c.settled().is_err());
        assert_eq!(c.receive(b"1\r\n"), Ok(1));
        assert_eq!(c.settled(), Ok(()));
    }

    #[test]
    fn a_wrong_or_extra_reply_fails_with_the_command() {
        let mut c = client();
        c.owe(&[b"GET".to_vec(), b"k".to_vec()], Expect::Reply(Value::NullBulk));
        let err = c.receive(b"_\r\n").unwrap_err();
        assert!(
            err.contains("\"GET\" \"k\"") && err.contains("expected: $-1") && err.contains("actual:   _"),
            "{err}"
        );
        assert!(c.receive(b"+OK\r\n").unwrap_err().contains("answers no command"));
    }

    #[test]
    fn close_is_expected_only_after_quit_garbage_or_shutdown() {
        let mut c = client();
        assert!(c.closed(false).is_err());
        let mut c = client();
        assert!(c.owe_protocol_error().is_err());
        c.sent_garbage("ERR Protocol error: invalid multibulk length");
        c.owe_protocol_error().unwrap();
        c.receive(b"-ERR Protocol error: invalid multibulk length\r\n").unwrap();
        assert_eq!(c.closed(false), Ok(()));
    }

    #[test]
    fn an_http_request_is_closed_without_a_reply() {
        let mut c = client();
        c.sent(1);
        assert!(!c.idle());
        c.owe(&[b"PING".to_vec()], Expect::Reply(Value::simple("PONG")));
        c.receive(b"+PONG\r\n").unwrap();
        assert!(c.idle());
        c.sent_http();
        assert!(c
            .receive(b"-ERR unknown command\r\n")
            .unwrap_err()
            .contains("answers no command"));
        let mut c = client();
        c.sent_http();
        assert_eq!(c.closed(false), Ok(()));
    }

    #[test]
    fn time_must_fall_in_the_servers_millisecond() {
        let t = |s: &str, u: &str| Value::Array(vec![Value::bulk(s.as_bytes()), Value::bulk(u.as_bytes())]);
        let e = Expect::TimeAt {
            unix_ms: 1_700_000_000_123,
        };
        assert!(e.matches(&t("1700000000", "123000")));
        assert!(e.matches(&t("1700000000", "123999")));
        assert!(!e.matches(&t("1700000000", "124000")));
        assert!(!e.matches(&t("1700000001", "123000")));
    }
}
