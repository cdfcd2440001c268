//! A raw RESP client: sends one command as a multibulk, reads exactly one whole reply and
//! returns its bytes untouched. The framer knows RESP2 and RESP3, so `HELLO 3` can switch a
//! connection at any time without the client tracking the protocol.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long one reply may take before the harness calls it a hang.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What reading one reply produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// One whole reply, as the server wrote it.
    Reply(Vec<u8>),
    /// The server closed the connection before a whole reply arrived (bytes of a partial reply).
    Closed(Vec<u8>),
    /// No whole reply within [`READ_TIMEOUT`] (bytes of a partial reply).
    Timeout(Vec<u8>),
    /// The bytes are not RESP.
    Malformed(String),
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Reply(b) => escape(b),
            Outcome::Closed(b) if b.is_empty() => "<connection closed>".into(),
            Outcome::Closed(b) => format!("<connection closed after partial reply {}>", escape(b)),
            Outcome::Timeout(b) => format!("<no whole reply within {READ_TIMEOUT:?}; got {}>", escape(b)),
            Outcome::Malformed(m) => format!("<malformed reply: {m}>"),
        }
    }
}

/// One connection; the buffer keeps bytes that arrived after the reply just returned.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn connect(port: u16) -> io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    pub fn send(&mut self, args: &[Vec<u8>]) -> io::Result<()> {
        self.stream.write_all(&encode_command(args))
    }

    /// Reads exactly one whole reply (an attribute and the reply it annotates count as one).
    pub fn read(&mut self) -> Outcome {
        let mut chunk = [0u8; 16384];
        loop {
            match frame(&self.buf) {
                Ok(Some(n)) => return Outcome::Reply(self.buf.drain(..n).collect()),
                Ok(None) => {}
                Err(e) => return Outcome::Malformed(format!("{e} in {}", escape(&self.buf))),
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Outcome::Closed(std::mem::take(&mut self.buf)),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Outcome::Timeout(std::mem::take(&mut self.buf))
                }
                Err(_) => return Outcome::Closed(std::mem::take(&mut self.buf)),
            }
        }
    }

    /// Sends one command and reads its one reply.
    pub fn call(&mut self, args: &[Vec<u8>]) -> Outcome {
        match self.send(args) {
            Ok(()) => self.read(),
            // The peer may have closed; report what reading says (EOF) rather than the EPIPE.
            Err(_) => self.read(),
        }
    }

    /// `call` for set-up commands that must succeed with a reply.
    pub fn must(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        match self.call(&args) {
            Outcome::Reply(r) => r,
            other => panic!("{} failed: {}", command_text(&args), other.describe()),
        }
    }
}

pub fn encode_command(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?.windows(2).position(|w| w == b"\r\n").map(|i| from + i)
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n >= -1)
        .ok_or_else(|| format!("bad length {}", escape(line)))
}

/// Reads what has arrived on a non-blocking `stream` into `buf`, waiting a little only while
/// `buf` ends inside a frame: for the watchers (replication stream, keyspace notifications)
/// that take everything a server sent them so far.
pub fn drain_available(stream: &mut TcpStream, buf: &mut Vec<u8>) {
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    let mut chunk = [0u8; 65536];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if whole_frames(buf) || std::time::Instant::now() >= deadline {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(_) => return,
        }
    }
}

/// True if `buf` holds only whole frames.
pub fn whole_frames(buf: &[u8]) -> bool {
    let mut at = 0;
    while at < buf.len() {
        match frame(&buf[at..]) {
            Ok(Some(n)) => at += n,
            _ => return false,
        }
    }
    true
}

/// Takes the whole frames at the start of `buf`, parsed (those that do not parse are dropped).
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<Reply> {
    let mut out = Vec::new();
    while let Ok(Some(n)) = frame(buf) {
        let bytes: Vec<u8> = buf.drain(..n).collect();
        out.extend(Reply::parse(&bytes));
    }
    out
}

/// The length of the first whole reply in `buf`: `Ok(None)` while incomplete.
///
/// Iterative: `pending` counts the replies still to be read, so deep nesting needs no stack.
pub fn frame(buf: &[u8]) -> Result<Option<usize>, String> {
    let mut pos = 0usize;
    let mut pending: u64 = 1;
    while pending > 0 {
        let Some(eol) = find_crlf(buf, pos) else {
            return Ok(None);
        };
        let kind = buf[pos];
        let line = &buf[pos + 1..eol];
        pos = eol + 2;
        pending -= 1;
        match kind {
            b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => {}
            b'$' | b'!' | b'=' => {
                let n = parse_len(line)?;
                if n >= 0 {
                    let end = pos + n as usize;
                    if buf.len() < end + 2 {
                        return Ok(None);
                    }
                    if &buf[end..end + 2] != b"\r\n" {
                        return Err("bulk payload not followed by CRLF".into());
                    }
                    pos = end + 2;
                }
            }
            b'*' | b'~' | b'>' => pending += parse_len(line)?.max(0) as u64,
            b'%' => pending += 2 * parse_len(line)?.max(0) as u64,
            // An attribute's pairs, then the reply it annotates.
            b'|' => pending += 2 * parse_len(line)?.max(0) as u64 + 1,
            other => return Err(format!("unknown type byte {}", escape(&[other]))),
        }
    }
    Ok(Some(pos))
}

/// A parsed reply, kept generic enough to be encoded back byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+ - : _ , # (`: the type byte and the line.
    Line(u8, Vec<u8>),
    /// `$ ! =`: the type byte and the payload (`None` for `$-1`).
    Blob(u8, Option<Vec<u8>>),
    /// `* ~ > % |`: the type byte and the items (maps flattened to key, value, ...; an attribute's
    /// pairs are followed by the reply it annotates). `None` for `*-1`.
    Agg(u8, Option<Vec<Reply>>),
}

impl Reply {
    /// Parses one whole reply (as returned by [`Conn::read`]).
    pub fn parse(buf: &[u8]) -> Result<Reply, String> {
        let (r, used) = Self::parse_at(buf, 0)?;
        if used != buf.len() {
            return Err(format!("{} trailing bytes", buf.len() - used));
        }
        Ok(r)
    }

    fn parse_at(buf: &[u8], pos: usize) -> Result<(Reply, usize), String> {
        let eol = find_crlf(buf, pos).ok_or("incomplete")?;
        let kind = buf[pos];
        let line = &buf[pos + 1..eol];
        let mut pos = eol + 2;
        let r = match kind {
            b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Reply::Line(kind, line.to_vec()),
            b'$' | b'!' | b'=' => match parse_len(line)? {
                -1 => Reply::Blob(kind, None),
                n => {
                    let end = pos + n as usize;
                    let data = buf.get(pos..end).ok_or("incomplete")?.to_vec();
                    pos = end + 2;
                    Reply::Blob(kind, Some(data))
                }
            },
            b'*' | b'~' | b'>' | b'%' | b'|' => match parse_len(line)? {
                -1 => Reply::Agg(kind, None),
                n => {
                    let count = match kind {
                        b'%' => 2 * n,
                        b'|' => 2 * n + 1,
                        _ => n,
                    };
                    let mut items = Vec::with_capacity(count as usize);
                    for _ in 0..count {
                        let (item, next) = Self::parse_at(buf, pos)?;
                        items.push(item);
                        pos = next;
                    }
                    Reply::Agg(kind, Some(items))
                }
            },
            other => return Err(format!("unknown type byte {}", escape(&[other]))),
        };
        Ok((r, pos))
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Reply::Line(k, line) => {
                out.push(*k);
                out.extend_from_slice(line);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Blob(k, None) => out.extend_from_slice(format!("{}-1\r\n", *k as char).as_bytes()),
            Reply::Blob(k, Some(d)) => {
                out.extend_from_slice(format!("{}{}\r\n", *k as char, d.len()).as_bytes());
                out.extend_from_slice(d);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Agg(k, None) => out.extend_from_slice(format!("{}-1\r\n", *k as char).as_bytes()),
            Reply::Agg(k, Some(items)) => {
                let n = match k {
                    b'%' => items.len() / 2,
                    b'|' => items.len().saturating_sub(1) / 2,
                    _ => items.len(),
                };
                out.extend_from_slice(format!("{}{}\r\n", *k as char, n).as_bytes());
                for i in items {
                    i.encode_into(out);
                }
            }
        }
    }

    /// The type tree without the payloads, e.g. `*2[$,$]`; errors keep their text.
    pub fn shape(&self) -> String {
        match self {
            Reply::Line(b'-', line) => format!("-{}", String::from_utf8_lossy(line)),
            Reply::Line(k, _) => (*k as char).to_string(),
            Reply::Blob(k, None) => format!("{}-1", *k as char),
            Reply::Blob(k, Some(_)) => (*k as char).to_string(),
            Reply::Agg(k, None) => format!("{}-1", *k as char),
            Reply::Agg(k, Some(items)) => {
                let inner: Vec<String> = items.iter().map(Reply::shape).collect();
                format!("{}{}[{}]", *k as char, items.len(), inner.join(","))
            }
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Line(b'-', _) | Reply::Blob(b'!', _))
    }

    pub fn items(&self) -> Option<&[Reply]> {
        match self {
            Reply::Agg(_, Some(items)) => Some(items),
            _ => None,
        }
    }

    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Line(_, b) | Reply::Blob(_, Some(b)) => Some(b),
            _ => None,
        }
    }
}

/// Bytes as a quoted, escaped string: printable ASCII as is, everything else `\r \n \t \xNN`.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// [`escape`], cut to about `max` characters with a note of how much was left out.
pub fn escape_short(b: &[u8], max: usize) -> String {
    let e = escape(b);
    if e.len() <= max {
        return e;
    }
    let mut cut = max;
    while !e.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}... ({} bytes in all)", &e[..cut], b.len())
}

/// A command as redis-cli would show it: the name bare, every argument quoted and escaped.
pub fn command_text(args: &[Vec<u8>]) -> String {
    let mut parts = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let plain = i == 0 && !a.is_empty() && a.iter().all(|c| c.is_ascii_graphic() && *c != b'"');
        parts.push(if plain {
            String::from_utf8_lossy(a).into_owned()
        } else {
            escape(a)
        });
    }
    parts.join(" ")
}

/// One command on a fresh connection to `port`; the reply as text (or why there is none).
#[allow(dead_code)]
pub fn call_port(port: u16, args: &[&str]) -> String {
    let Ok(mut c) = Conn::connect(port) else {
        return "(not listening)".into();
    };
    let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    match c.call(&argv) {
        Outcome::Reply(r) => String::from_utf8_lossy(&r).into_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_resp2_and_resp3_replies_and_waits_for_incomplete_ones() {
        let cases: &[&[u8]] = &[
            b"+OK\r\n",
            b"-ERR x\r\n",
            b":-12\r\n",
            b"$-1\r\n",
            b"$0\r\n\r\n",
            b"$3\r\na\r\n\r\n",
            b"*-1\r\n",
            b"*0\r\n",
            b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n",
            b"%1\r\n+k\r\n~2\r\n_\r\n#t\r\n",
            b",1.5\r\n",
            b"(123\r\n",
            b"=7\r\ntxt:abc\r\n",
            b"!3\r\nERR\r\n",
            b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",
            b">2\r\n+a\r\n+b\r\n",
        ];
        for c in cases {
            let mut buf = c.to_vec();
            buf.extend_from_slice(b"+NEXT\r\n");
            assert_eq!(frame(&buf), Ok(Some(c.len())), "{}", escape(c));
            for cut in 0..c.len() {
                assert_eq!(frame(&c[..cut]), Ok(None), "{} cut at {cut}", escape(c));
            }
            let r = Reply::parse(c).unwrap();
            assert_eq!(r.encode(), c.to_vec(), "{}", escape(c));
        }
        assert!(frame(b"?x\r\n").is_err());
        assert!(frame(b"$2\r\nabcd\r\n").is_err());
    }
}
