//! Watching what a server propagates: a connection that sent SYNC (as Redis' own tests'
//! `attach_to_replication_stream` does) reads the replication stream, and a control connection
//! reads the dirty counter (INFO's rdb_changes_since_last_save). After every command the
//! differential test compares both servers' propagated commands and dirty increments.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::resp::{drain_available, take_frames, Conn, Outcome, Reply};

/// Absolute unix-ms times (SET PXAT, PEXPIREAT, RESTORE ABSTTL) come from each server's own
/// clock: two servers agree to within this.
const CLOCK_SLACK_MS: i64 = 2_000;

pub struct Observer {
    stream: TcpStream,
    buf: Vec<u8>,
    control: Conn,
    dirty: u64,
}

impl Observer {
    /// Attaches to `port`'s replication stream (after reading the snapshot) and reads the dirty
    /// counter.
    pub fn attach(port: u16) -> io::Result<Observer> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(b"SYNC\r\n")?;
        let mut buf = Vec::new();
        let payload_end = loop {
            if let Some(end) = snapshot_end(&buf)? {
                break end;
            }
            let mut chunk = [0u8; 65536];
            match stream.read(&mut chunk)? {
                0 => return Err(io::Error::other("closed before the snapshot")),
                n => buf.extend_from_slice(&chunk[..n]),
            }
        };
        buf.drain(..payload_end);
        stream.set_nonblocking(true)?;
        let mut o = Observer {
            stream,
            buf,
            control: Conn::connect(port)?,
            dirty: 0,
        };
        o.dirty = o.read_dirty();
        Ok(o)
    }

    /// What was propagated since the last call (PINGs left out: their timing is each server's
    /// own) and by how much the dirty counter moved. `settle` waits a moment for late bytes.
    pub fn take(&mut self, settle: bool) -> (Vec<Vec<Vec<u8>>>, i64) {
        let now = self.read_dirty();
        let delta = now as i64 - self.dirty as i64;
        self.dirty = now;
        if settle {
            std::thread::sleep(Duration::from_millis(50));
        }
        drain_available(&mut self.stream, &mut self.buf);
        let mut cmds = Vec::new();
        for reply in take_frames(&mut self.buf) {
            if let Reply::Agg(_, Some(items)) = reply {
                let argv: Vec<Vec<u8>> = items.iter().filter_map(|i| i.bytes().map(<[u8]>::to_vec)).collect();
                if !argv.first().is_some_and(|a| a.eq_ignore_ascii_case(b"ping")) {
                    cmds.push(argv);
                }
            }
        }
        (cmds, delta)
    }

    fn read_dirty(&mut self) -> u64 {
        let info = self.control.call(&[b"INFO".to_vec(), b"persistence".to_vec()]);
        let Outcome::Reply(r) = info else { return 0 };
        let text = String::from_utf8_lossy(&r).to_string();
        text.lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// The end of `$<len>\r\n<len bytes>` at the start of `buf` (newlines before it are the
/// master's keepalives), or `None` if incomplete.
fn snapshot_end(buf: &[u8]) -> io::Result<Option<usize>> {
    let start = buf.iter().position(|&b| b != b'\n').unwrap_or(buf.len());
    let rest = &buf[start..];
    let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    if rest.first() != Some(&b'$') {
        return Err(io::Error::other(format!(
            "SYNC answered {:?}",
            String::from_utf8_lossy(&rest[..eol])
        )));
    }
    let len: usize = std::str::from_utf8(&rest[1..eol])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("bad SYNC payload length"))?;
    let end = start + eol + 2 + len;
    Ok((buf.len() >= end).then_some(end))
}

/// Two propagated streams are the same command for command, except absolute times within
/// [`CLOCK_SLACK_MS`] of each other.
pub fn same_stream(a: &[Vec<Vec<u8>>], b: &[Vec<Vec<u8>>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .enumerate()
                    .all(|(i, (p, q))| p == q || (i == 0 && p.eq_ignore_ascii_case(q)) || close_times(p, q))
        })
}

/// The same commands with as many arguments each (for randomly chosen elements).
pub fn same_shape(a: &[Vec<Vec<u8>>], b: &[Vec<Vec<u8>>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len() && x.first().zip(y.first()).is_some_and(|(p, q)| p.eq_ignore_ascii_case(q))
        })
}

fn close_times(a: &[u8], b: &[u8]) -> bool {
    let parse = |x: &[u8]| std::str::from_utf8(x).ok().and_then(|s| s.parse::<i64>().ok());
    match (parse(a), parse(b)) {
        // Unix ms after 2001: a timestamp, not a count.
        (Some(x), Some(y)) if x > 1_000_000_000_000 && y > 1_000_000_000_000 => (x - y).abs() <= CLOCK_SLACK_MS,
        _ => false,
    }
}

pub fn describe(cmds: &[Vec<Vec<u8>>]) -> String {
    if cmds.is_empty() {
        return "(nothing)".into();
    }
    cmds.iter()
        .map(|c| super::command_text(c))
        .collect::<Vec<_>>()
        .join(" | ")
}
