//! The run's fingerprint: every event handed to a server and every output it produced, in order,
//! with the virtual time, folded into a 64-bit FNV-1a hash. Same seed, same hash; a different
//! hash for the same seed means something nondeterministic crept in. Optionally the same
//! records are kept as text, for `--verbose` and for showing what led to a failure.

use std::collections::VecDeque;
use std::fmt::{self, Write};

use ferrous_core::{DiskOp, Event, Output};

use crate::node::NodeId;

/// FNV-1a, 64 bits: tiny, keyless and stable across Rust versions and platforms, unlike std's
/// `DefaultHasher`.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }

    /// Length-prefixed, so that `["ab", "c"]` and `["a", "bc"]` hash differently.
    pub fn write_field(&mut self, bytes: &[u8]) {
        self.write_u64(bytes.len() as u64);
        self.write(bytes);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// How much of the trace is kept as text besides the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    /// Only the hash: the fast default.
    HashOnly,
    /// The last N records, to show what led to a failure.
    Tail(usize),
    /// Every record, printed to stdout as it happens.
    Print,
}

/// Bytes shown per payload in text records; the hash always covers everything.
const SHOWN_BYTES: usize = 80;

pub struct Trace {
    hash: Fnv64,
    mode: TraceMode,
    /// Text records show time since this instant (the run's start); the hash uses raw time.
    origin_us: u64,
    tail: VecDeque<Line>,
    records: u64,
}

/// A kept text record; identical consecutive records (a run of ticks) are folded into one.
struct Line {
    at_us: u64,
    text: String,
    repeats: u64,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", fmt_time(self.at_us), self.text)?;
        if self.repeats > 1 {
            write!(f, " (x{}, until then)", self.repeats)?;
        }
        Ok(())
    }
}

impl Trace {
    pub fn new(mode: TraceMode, origin_us: u64) -> Trace {
        Trace {
            hash: Fnv64::default(),
            mode,
            origin_us,
            tail: VecDeque::new(),
            records: 0,
        }
    }

    pub fn hash(&self) -> u64 {
        self.hash.finish()
    }

    /// Hashed records so far (events plus outputs).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The kept text records, oldest first.
    pub fn tail(&self) -> impl Iterator<Item = String> + '_ {
        self.tail.iter().map(Line::to_string)
    }

    pub fn event(&mut self, at_us: u64, node: NodeId, ev: &Event) {
        self.begin(b'E', at_us, node);
        hash_event(&mut self.hash, ev);
        self.text(at_us, || format!("n{node} <- {}", describe_event(ev)));
    }

    pub fn output(&mut self, at_us: u64, node: NodeId, out: &Output) {
        self.begin(b'O', at_us, node);
        hash_output(&mut self.hash, out);
        self.text(at_us, || format!("n{node} -> {}", describe_output(out)));
    }

    /// `node`'s machine crashed.
    pub fn crash(&mut self, at_us: u64, node: NodeId) {
        self.begin(b'C', at_us, node);
        self.text(at_us, || format!("n{node} CRASHES"));
    }

    /// `node` boots a fresh server from its disk.
    pub fn restart(&mut self, at_us: u64, node: NodeId) {
        self.begin(b'R', at_us, node);
        self.text(at_us, || format!("n{node} restarts"));
    }

    /// A line of context (what a client did, a packet dropped): shown, not hashed, because the
    /// hash is defined over what the servers saw and did.
    pub fn note(&mut self, at_us: u64, line: impl FnOnce() -> String) {
        self.text(at_us, line);
    }

    /// Whether text records are wanted at all (callers can skip building them).
    pub fn wants_text(&self) -> bool {
        self.mode != TraceMode::HashOnly
    }

    fn begin(&mut self, kind: u8, at_us: u64, node: NodeId) {
        self.records += 1;
        self.hash.write(&[kind]);
        self.hash.write_u64(at_us);
        self.hash.write_u64(node as u64);
    }

    fn text(&mut self, at_us: u64, line: impl FnOnce() -> String) {
        let at_us = at_us.saturating_sub(self.origin_us);
        let keep = match self.mode {
            TraceMode::HashOnly => return,
            TraceMode::Tail(n) => n,
            TraceMode::Print => {
                println!("{} {}", fmt_time(at_us), line());
                return;
            }
        };
        if keep == 0 {
            return;
        }
        let text = line();
        if let Some(last) = self.tail.back_mut().filter(|l| l.text == text) {
            last.at_us = at_us;
            last.repeats += 1;
            return;
        }
        if self.tail.len() == keep {
            self.tail.pop_front();
        }
        self.tail.push_back(Line {
            at_us,
            text,
            repeats: 1,
        });
    }
}

fn hash_event(h: &mut Fnv64, ev: &Event) {
    match ev {
        Event::Connected { client, conn } => {
            h.write(b"connected");
            h.write_u64(*client);
            h.write_field(conn.addr.as_bytes());
            h.write_field(conn.laddr.as_bytes());
            h.write_u64(conn.fd as u64);
            h.write(&[u8::from(conn.loopback)]);
        }
        Event::Commands { client, cmds } => {
            h.write(b"commands");
            h.write_u64(*client);
            h.write_u64(cmds.len() as u64);
            for args in cmds {
                h.write_u64(args.len() as u64);
                for a in args {
                    h.write_field(a);
                }
            }
        }
        Event::ProtocolError { client, error } => {
            h.write(b"protocol-error");
            h.write_u64(*client);
            h.write_field(format!("{error:?}").as_bytes());
        }
        Event::Disconnected { client } => {
            h.write(b"disconnected");
            h.write_u64(*client);
        }
        Event::Tick => h.write(b"tick"),
        Event::Signal(sig) => {
            h.write(b"signal");
            h.write_field(format!("{sig:?}").as_bytes());
        }
        Event::Backlog { client, bytes } => {
            h.write(b"backlog");
            h.write_u64(*client);
            h.write_u64(*bytes);
        }
        Event::Disk { req, result } => {
            h.write(b"disk-done");
            h.write_u64(*req);
            match result {
                Ok(data) => h.write_field(data.as_deref().unwrap_or_default()),
                Err(e) => h.write_field(e.message.as_bytes()),
            }
        }
        Event::QueryBuffer { client, usage } => {
            h.write(b"query buffer");
            h.write_u64(*client);
            h.write_field(format!("{usage:?}").as_bytes());
        }
        Event::Listened { result } => {
            h.write(b"listened");
            h.write_field(format!("{result:?}").as_bytes());
        }
        Event::Outbound { client, result } => {
            h.write(b"outbound");
            h.write_u64(*client);
            h.write_field(format!("{result:?}").as_bytes());
        }
        Event::Data { client, bytes } => {
            h.write(b"data");
            h.write_u64(*client);
            h.write_field(bytes);
        }
    }
}

fn hash_output(h: &mut Fnv64, out: &Output) {
    match out {
        Output::Send { client, data } => {
            h.write(b"send");
            h.write_u64(*client);
            h.write_field(data);
        }
        Output::Close { client } => {
            h.write(b"close");
            h.write_u64(*client);
        }
        Output::Abort { client } => {
            h.write(b"abort");
            h.write_u64(*client);
        }
        Output::Log { level, text } => {
            h.write(b"log");
            h.write_u64(*level as u64);
            h.write_field(text.as_bytes());
        }
        Output::Listen { bind, port } => {
            h.write(b"listen");
            h.write_u64(bind.len() as u64);
            for b in bind {
                h.write_field(b.as_bytes());
            }
            h.write_u64(u64::from(*port));
        }
        Output::Exit { code } => {
            h.write(b"exit");
            h.write_u64(*code as u64);
        }
        Output::Segfault => h.write(b"segfault"),
        Output::Disk { req, op, .. } => {
            h.write(b"disk");
            h.write_u64(*req);
            hash_disk_op(h, op);
        }
        Output::Connect { client, host, port } => {
            h.write(b"connect");
            h.write_u64(*client);
            h.write_field(host.as_bytes());
            h.write_u64(u64::from(*port));
        }
        Output::ShrinkQueryBuffer { client, capacity } => {
            h.write(b"shrink query buffer");
            h.write_u64(*client);
            h.write_u64(*capacity as u64);
        }
    }
}

fn hash_disk_op(h: &mut Fnv64, op: &DiskOp) {
    match op {
        DiskOp::Write { path, data, truncate } => {
            h.write(if *truncate { b"write" } else { b"append" });
            h.write_field(path.as_bytes());
            h.write_field(data);
        }
        DiskOp::Rename { from, to } => {
            h.write(b"rename");
            h.write_field(from.as_bytes());
            h.write_field(to.as_bytes());
        }
        DiskOp::Fsync { path }
        | DiskOp::FsyncDir { path }
        | DiskOp::Remove { path }
        | DiskOp::Read { path }
        | DiskOp::CreateDir { path }
        | DiskOp::Truncate { path, .. } => {
            h.write_field(describe_disk_op(op).as_bytes());
            h.write_field(path.as_bytes());
        }
    }
}

/// Virtual time as seconds with microseconds, as the trace shows it.
pub fn fmt_time(us: u64) -> String {
    format!("[{}.{:06}]", us / 1_000_000, us % 1_000_000)
}

/// Bytes as a quoted string: printable ASCII as is, the rest escaped, long data cut short.
pub fn show_bytes(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len().min(SHOWN_BYTES) + 2);
    s.push('"');
    for &c in b.iter().take(SHOWN_BYTES) {
        match c {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(c as char);
            }
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('"');
    if b.len() > SHOWN_BYTES {
        let _ = write!(s, "...({} bytes)", b.len());
    }
    s
}

fn describe_event(ev: &Event) -> String {
    match ev {
        Event::Connected { client, conn } => format!("connected c{client} from {}", conn.addr),
        Event::Commands { client, cmds } => {
            let shown: Vec<String> = cmds.iter().take(4).map(|c| show_args(c)).collect();
            let more = if cmds.len() > 4 {
                format!(" +{} more", cmds.len() - 4)
            } else {
                String::new()
            };
            format!("c{client} commands[{}] {}{more}", cmds.len(), shown.join(" | "))
        }
        Event::ProtocolError { client, error } => format!("c{client} protocol error {error:?}"),
        Event::Disconnected { client } => format!("c{client} disconnected"),
        Event::Tick => "tick".into(),
        Event::Signal(sig) => format!("signal {sig:?}"),
        Event::Backlog { client, bytes } => format!("c{client} backlog {bytes}"),
        Event::Disk { req, result: Ok(data) } => {
            format!("disk #{req} done ({} bytes read)", data.as_ref().map_or(0, Vec::len))
        }
        Event::Disk { req, result: Err(e) } => format!("disk #{req} failed: {}", e.message),
        Event::QueryBuffer { client, usage } => format!("c{client} query buffer {usage:?}"),
        Event::Listened { result } => format!("listened {result:?}"),
        Event::Outbound { client, result } => format!("c{client} outbound {result:?}"),
        Event::Data { client, bytes } => format!("c{client} data {}", show_bytes(bytes)),
    }
}

fn describe_output(out: &Output) -> String {
    match out {
        Output::Send { client, data } => format!("c{client} send {}", show_bytes(data)),
        Output::Close { client } => format!("c{client} close"),
        Output::Abort { client } => format!("c{client} abort"),
        Output::Log { level, text } => format!("log {level:?} {text}"),
        Output::Listen { bind, port } => format!("listen {bind:?} port {port}"),
        Output::Exit { code } => format!("exit {code}"),
        Output::Segfault => "segfault".to_string(),
        Output::Disk { req, op, .. } => format!("disk #{req} {}", describe_disk_op(op)),
        Output::ShrinkQueryBuffer { client, capacity } => format!("c{client} shrink query buffer to {capacity}"),
        Output::Connect { client, host, port } => format!("c{client} connect {host}:{port}"),
    }
}

fn describe_disk_op(op: &DiskOp) -> String {
    match op {
        DiskOp::Write { path, data, truncate } => {
            let how = if *truncate { "write" } else { "append" };
            format!("{how} {path} {} bytes", data.len())
        }
        DiskOp::Fsync { path } => format!("fsync {path}"),
        DiskOp::Rename { from, to } => format!("rename {from} -> {to}"),
        DiskOp::Remove { path } => format!("remove {path}"),
        DiskOp::FsyncDir { path } => format!("fsync dir {path}"),
        DiskOp::Read { path } => format!("read {path}"),
        DiskOp::CreateDir { path } => format!("mkdir {path}"),
        DiskOp::Truncate { path, len } => format!("truncate {path} to {len}"),
    }
}

/// A command as space-separated quoted arguments.
pub fn show_args(args: &[Vec<u8>]) -> String {
    args.iter().map(|a| show_bytes(a)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        let mut h = Fnv64::default();
        assert_eq!(h.finish(), 0xcbf2_9ce4_8422_2325);
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv64::default();
        h.write(b"foobar");
        assert_eq!(h.finish(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_hash_covers_time_order_and_content() {
        let run = |evs: &[(u64, Event)]| {
            let mut t = Trace::new(TraceMode::HashOnly, 0);
            for (at, ev) in evs {
                t.event(*at, 0, ev);
            }
            t.hash()
        };
        let ping = || Event::Commands {
            client: 1,
            cmds: vec![vec![b"PING".to_vec()]],
        };
        let a = run(&[(1, ping()), (2, Event::Tick)]);
        assert_eq!(a, run(&[(1, ping()), (2, Event::Tick)]));
        assert_ne!(a, run(&[(1, Event::Tick), (2, ping())]));
        assert_ne!(a, run(&[(1, ping()), (3, Event::Tick)]));
    }

    #[test]
    fn tail_keeps_the_last_records() {
        let mut t = Trace::new(TraceMode::Tail(2), 0);
        for i in 0..5 {
            t.note(i, || format!("n{i}"));
        }
        t.note(5, || "n4".into());
        let kept: Vec<String> = t.tail().collect();
        assert_eq!(kept, vec!["[0.000003] n3", "[0.000005] n4 (x2, until then)"]);
        assert_eq!(show_bytes(b"a\"\x00\r\n"), r#""a\"\x00\r\n""#);
    }
}
