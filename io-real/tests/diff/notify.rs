//! Watching keyspace notifications: a connection per server turns every class of event on
//! (see [`ALL_EVENTS`]) and subscribes to `__key*__:*`. After every command the differential
//! test compares the messages both servers published, in order.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::resp::{drain_available, encode_command, frame, take_frames, Reply};

/// Every class of event that exists here, key misses (m) and new keys (n) included. Not `A`:
/// with every class of A on, Redis shows the flags as "A..." without the "n", and a failed
/// CONFIG SET of the parameter (the config-set-invalid family) restores them from that text,
/// which would turn new-key events off for the rest of the stream. Evictions (e) and module
/// events (d) cannot happen, so leaving them out keeps the flags short of A.
pub const ALL_EVENTS: &[u8] = b"KEg$lshzxtnm";

/// One published notification: the channel and the message.
pub type Message = (Vec<u8>, Vec<u8>);

pub struct Listener {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Listener {
    /// Enables every event on `port` and subscribes to all keyspace and keyevent channels.
    pub fn attach(port: u16) -> io::Result<Listener> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let setup = [
            vec![
                b"CONFIG".to_vec(),
                b"SET".to_vec(),
                b"notify-keyspace-events".to_vec(),
                ALL_EVENTS.to_vec(),
            ],
            vec![b"PSUBSCRIBE".to_vec(), b"__key*__:*".to_vec()],
        ];
        let mut l = Listener {
            stream,
            buf: Vec::new(),
        };
        for cmd in &setup {
            l.stream.write_all(&encode_command(cmd))?;
            let reply = l.read_frame()?;
            if reply.is_error() {
                return Err(io::Error::other(format!("{cmd:?} answered {reply:?}")));
            }
        }
        l.stream.set_nonblocking(true)?;
        Ok(l)
    }

    /// Blocks until one whole reply arrived (set-up only).
    fn read_frame(&mut self) -> io::Result<Reply> {
        loop {
            if let Ok(Some(n)) = frame(&self.buf) {
                let bytes: Vec<u8> = self.buf.drain(..n).collect();
                return Reply::parse(&bytes).map_err(io::Error::other);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk)? {
                0 => return Err(io::Error::other("closed during set-up")),
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The notifications that arrived since the last call. `settle` waits a moment for late
    /// ones.
    pub fn take(&mut self, settle: bool) -> Vec<Message> {
        if settle {
            std::thread::sleep(Duration::from_millis(50));
        }
        drain_available(&mut self.stream, &mut self.buf);
        let mut out = Vec::new();
        for reply in take_frames(&mut self.buf) {
            // [pmessage, pattern, channel, message]
            if let Some([_, _, channel, message]) = reply.items() {
                if let (Some(c), Some(m)) = (channel.bytes(), message.bytes()) {
                    out.push((c.to_vec(), m.to_vec()));
                }
            }
        }
        out
    }
}

/// How two servers' notifications for one command compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// The same messages in the same order.
    Exact,
    /// A command that picks at random (SPOP...): the same channels in the same order.
    Channels,
    /// SORT: the same messages in any order. Sorting a set looks up its BY (and, unsorted,
    /// GET) patterns in the order of its hash table, each server's own, and every missing
    /// key is a "keymiss" event.
    Unordered,
}

pub fn same_messages(a: &[Message], b: &[Message], how: Compare) -> bool {
    match how {
        Compare::Exact => a == b,
        Compare::Channels => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0),
        Compare::Unordered => {
            let (mut a, mut b) = (a.to_vec(), b.to_vec());
            a.sort();
            b.sort();
            a == b
        }
    }
}

pub fn describe(msgs: &[Message]) -> String {
    if msgs.is_empty() {
        return "(nothing)".into();
    }
    msgs.iter()
        .map(|(c, m)| format!("{} {}", super::escape_short(c, 60), super::escape_short(m, 60)))
        .collect::<Vec<_>>()
        .join(" | ")
}
