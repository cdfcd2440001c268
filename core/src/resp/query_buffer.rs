//! A connection's query buffer as memory: how it grows (as Redis grows its querybuf), what it
//! holds for CLIENT LIST (`qbuf`, `qbuf-free`, and the `argv-mem` of a command still arriving),
//! and shrinking it when the core decides so (Redis' clientsCronResizeQueryBuffer).
//!
//! The driver owns the parser; it reports [`RequestParser::usage_changed`] to the core after a
//! parse and applies the core's shrink requests with [`RequestParser::shrink_to`].

use super::RequestParser;

/// Redis' PROTO_IOBUF_LEN: what one read asks for, and the first allocation of a buffer.
pub const IOBUF_LEN: usize = 16 * 1024;
/// Redis' PROTO_MBULK_BIG_ARG: a bulk this long gets a buffer of exactly its size.
pub const BIG_ARG: usize = 32 * 1024;

/// What a query buffer holds and costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryBufferUsage {
    /// Bytes the buffer held when the commands of the last parse were taken from it: while
    /// they run, CLIENT LIST shows these (Redis trims its buffer only after running them).
    pub while_running: usize,
    /// Bytes not consumed yet: the start of a command still arriving.
    pub pending: usize,
    /// Bytes allocated.
    pub capacity: usize,
    /// Bytes of the arguments already read of a command still arriving.
    pub partial_args: usize,
    /// The length of the bulk argument being read (0 if none).
    pub bulk: usize,
}

impl RequestParser {
    /// Makes room for `n` more bytes the way Redis' readQueryFromClient does: a buffer smaller
    /// than one read, or one receiving a big bulk argument, grows by exactly what is needed (at
    /// least a read's worth), so that a small client keeps a small buffer and the cron's
    /// shrinking is not undone at once; a larger one grows greedily.
    pub(super) fn reserve_for(&mut self, n: usize) {
        if let Some(len) = self.bulk_len.filter(|&len| len >= BIG_ARG) {
            // The bulk starts the buffer, which then fits it (and its CRLF) exactly.
            self.buf.drain(..self.pos);
            self.pos = 0;
            let wanted = (len + 2).max(self.buf.len() + n);
            return self.buf.reserve_exact(wanted - self.buf.len());
        }
        if self.buf.capacity() - self.buf.len() >= n {
            return;
        }
        if self.buf.capacity() < IOBUF_LEN {
            self.buf.reserve_exact(n.max(IOBUF_LEN));
        } else {
            self.buf.reserve(n);
        }
    }

    pub fn usage(&self) -> QueryBufferUsage {
        QueryBufferUsage {
            while_running: self.parsed_from,
            pending: self.buf.len() - self.pos,
            capacity: self.buf.capacity(),
            partial_args: self.args.iter().map(Vec::len).sum(),
            bulk: self.bulk_len.unwrap_or(0),
        }
    }

    /// The usage, if it changed since the last call: what the driver reports to the core.
    pub fn usage_changed(&mut self) -> Option<QueryBufferUsage> {
        let now = self.usage();
        (now != self.reported).then(|| {
            self.reported = now;
            now
        })
    }

    /// Releases allocated space down to `capacity`, never below what the buffer holds.
    pub fn shrink_to(&mut self, capacity: usize) {
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.shrink_to(capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::ParseLimits;

    fn parse(p: &mut RequestParser, data: &[u8]) -> usize {
        p.feed(data);
        let mut out = Vec::new();
        p.parse_into(&ParseLimits::default(), &mut out).unwrap();
        out.len()
    }

    #[test]
    fn a_small_command_leaves_an_empty_buffer_of_one_read() {
        let mut p = RequestParser::new();
        assert_eq!(parse(&mut p, b"*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n"), 1);
        let u = p.usage();
        assert_eq!((u.while_running, u.pending, u.partial_args), (26, 0, 0));
        assert!((IOBUF_LEN..2 * IOBUF_LEN).contains(&u.capacity), "{u:?}");
        assert_eq!(p.usage_changed(), Some(u));
        assert_eq!(parse(&mut p, b"*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n"), 1);
        assert_eq!(p.usage_changed(), None, "the same usage is not reported again");
    }

    #[test]
    fn a_command_still_arriving_is_pending_with_its_arguments() {
        let mut p = RequestParser::new();
        assert_eq!(parse(&mut p, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nab"), 0);
        let u = p.usage();
        assert_eq!((u.partial_args, u.bulk), (4, 10));
        assert_eq!(u.pending, 2, "the bytes of the bulk so far");
    }

    #[test]
    fn a_big_argument_gets_a_buffer_of_its_size_which_can_be_shrunk() {
        let mut p = RequestParser::new();
        let len = 400_000;
        assert_eq!(
            parse(&mut p, format!("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n${len}\r\n").as_bytes()),
            0
        );
        let body = vec![b'A'; len];
        assert_eq!(parse(&mut p, &body[..1000]), 0);
        let cap = p.usage().capacity;
        assert!((len + 2..len + 2 + IOBUF_LEN).contains(&cap), "{cap}");
        assert_eq!(parse(&mut p, &[&body[1000..], &b"\r\n"[..]].concat()), 1);
        assert_eq!(p.usage().capacity, cap, "no regrowth while the bulk arrives");
        p.shrink_to(0);
        assert_eq!(p.usage().capacity, 0);
        assert_eq!(parse(&mut p, b"PING\r\n"), 1);
        assert!(p.usage().capacity >= IOBUF_LEN);
    }
}
