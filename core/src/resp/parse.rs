//! The incremental request parser. A connection's bytes may arrive split at any point; the parser
//! keeps what it has not consumed and yields whole commands, or the protocol error Redis would
//! report (after which the connection is answered and closed).

use super::{parse_i64, split_args};

/// One command: its arguments, the name first.
pub type Args = Vec<Vec<u8>>;

/// Redis' `PROTO_INLINE_MAX_SIZE`: the longest inline request or count line accepted.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// The limits a parser enforces; they come from the configuration and the client's auth state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: i64,
    /// `client-query-buffer-limit`: unconsumed bytes beyond this close the connection.
    pub max_query_buffer: usize,
    /// The client has not authenticated while a password is required: Redis then accepts only
    /// small requests.
    pub auth_required: bool,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_query_buffer: 1024 * 1024 * 1024,
            auth_required: false,
        }
    }
}

/// Why a request stream was rejected. [`ProtocolError::message`] is Redis' error text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    TooBigInline,
    UnbalancedQuotes,
    TooBigMbulkCount,
    InvalidMultibulkLength,
    UnauthenticatedMultibulkLength,
    TooBigBulkCount,
    ExpectedDollar(u8),
    InvalidBulkLength,
    UnauthenticatedBulkLength,
    /// The unconsumed input exceeds `client-query-buffer-limit`: closed without a reply.
    QueryBufferLimit(usize),
}

impl ProtocolError {
    /// The error reply Redis sends, without the leading `-`; `None` when Redis closes silently.
    pub fn message(&self) -> Option<String> {
        let m = match self {
            ProtocolError::TooBigInline => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request",
            ProtocolError::TooBigMbulkCount => "too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::ExpectedDollar(c) => {
                return Some(format!("ERR Protocol error: expected '$', got '{}'", *c as char))
            }
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauthenticated bulk length",
            ProtocolError::QueryBufferLimit(_) => return None,
        };
        Some(format!("ERR Protocol error: {m}"))
    }
}

/// Parser state for one connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// The query buffer: bytes read and not yet dropped (those before `pos` are consumed).
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    /// Arguments still expected by the multibulk request in progress (0: none in progress).
    multibulk_left: usize,
    /// Length of the bulk being read, once its `$len` line has been consumed.
    pub(super) bulk_len: Option<usize>,
    pub(super) args: Args,
    failed: bool,
    /// Unconsumed bytes when the last parse began: what the buffer holds while the commands it
    /// yielded run (see `query_buffer`).
    pub(super) parsed_from: usize,
    /// The usage last returned by `usage_changed`.
    pub(super) reported: super::QueryBufferUsage,
}

fn find(hay: &[u8], c: u8) -> Option<usize> {
    hay.iter().position(|&b| b == c)
}

impl RequestParser {
    pub fn new() -> RequestParser {
        RequestParser::default()
    }

    /// Appends bytes read from the connection.
    pub fn feed(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        self.reserve_for(data.len());
        self.buf.extend_from_slice(data);
    }

    /// Bytes received and not yet consumed by a whole command.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos + self.args.iter().map(Vec::len).sum::<usize>()
    }

    /// Parses as many whole commands as the buffer holds into `out`. Stops at the first
    /// protocol error, which is returned; the parser then refuses further input.
    pub fn parse_into(&mut self, limits: &ParseLimits, out: &mut Vec<Args>) -> Result<(), ProtocolError> {
        if self.failed {
            return Ok(());
        }
        self.parsed_from = self.buf.len() - self.pos;
        let res = self.parse_loop(limits, out);
        if res.is_err() {
            self.failed = true;
        } else if self.pending() > limits.max_query_buffer {
            self.failed = true;
            return Err(ProtocolError::QueryBufferLimit(self.pending()));
        }
        self.compact();
        res
    }

    fn parse_loop(&mut self, limits: &ParseLimits, out: &mut Vec<Args>) -> Result<(), ProtocolError> {
        while self.pos < self.buf.len() {
            let done = if self.multibulk_left > 0 || self.buf[self.pos] == b'*' {
                self.parse_multibulk(limits)?
            } else {
                self.parse_inline()?
            };
            match done {
                Step::Command => out.push(std::mem::take(&mut self.args)),
                Step::Empty => {}
                Step::NeedMore => break,
            }
        }
        Ok(())
    }

    fn compact(&mut self) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 4096 && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    fn parse_inline(&mut self) -> Result<Step, ProtocolError> {
        let rest = &self.buf[self.pos..];
        let Some(nl) = find(rest, b'\n') else {
            if rest.len() > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(Step::NeedMore);
        };
        let line = if nl > 0 && rest[nl - 1] == b'\r' {
            &rest[..nl - 1]
        } else {
            &rest[..nl]
        };
        let args = split_args(line).ok_or(ProtocolError::UnbalancedQuotes)?;
        self.pos += nl + 1;
        if args.is_empty() {
            return Ok(Step::Empty);
        }
        self.args = args;
        Ok(Step::Command)
    }

    /// Reads a `<prefix><integer>\r\n` line at the cursor: `None` if it is not complete yet.
    fn read_count_line(&self, too_big: ProtocolError) -> Result<Option<(&[u8], usize)>, ProtocolError> {
        let rest = &self.buf[self.pos..];
        let Some(cr) = find(rest, b'\r') else {
            if rest.len() > PROTO_INLINE_MAX_SIZE {
                return Err(too_big);
            }
            return Ok(None);
        };
        // The buffer must also hold the '\n' after the '\r'.
        if cr + 2 > rest.len() {
            return Ok(None);
        }
        // A line that is just "\r\n" has no prefix byte: its body is empty (the caller then
        // rejects the missing '$').
        Ok(Some((&rest[1.min(cr)..cr], cr + 2)))
    }

    fn parse_multibulk(&mut self, limits: &ParseLimits) -> Result<Step, ProtocolError> {
        if self.multibulk_left == 0 {
            let Some((num, used)) = self.read_count_line(ProtocolError::TooBigMbulkCount)? else {
                return Ok(Step::NeedMore);
            };
            let n = match parse_i64(num) {
                Some(n) if n <= i64::from(i32::MAX) => n,
                _ => return Err(ProtocolError::InvalidMultibulkLength),
            };
            if n > 10 && limits.auth_required {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            self.pos += used;
            if n <= 0 {
                return Ok(Step::Empty);
            }
            self.multibulk_left = n as usize;
            // Do not trust the count for preallocation: it comes from the client.
            self.args = Vec::with_capacity((n as usize).min(1024));
        }
        while self.multibulk_left > 0 {
            if self.bulk_len.is_none() {
                let Some((num, used)) = self.read_count_line(ProtocolError::TooBigBulkCount)? else {
                    return Ok(Step::NeedMore);
                };
                let first = self.buf[self.pos];
                if first != b'$' {
                    return Err(ProtocolError::ExpectedDollar(first));
                }
                let len = match parse_i64(num) {
                    Some(n) if n >= 0 && n <= limits.max_bulk_len => n,
                    _ => return Err(ProtocolError::InvalidBulkLength),
                };
                if len > 16384 && limits.auth_required {
                    return Err(ProtocolError::UnauthenticatedBulkLength);
                }
                self.pos += used;
                self.bulk_len = Some(len as usize);
            }
            let len = self.bulk_len.unwrap_or(0);
            // Like Redis, the two bytes after the payload are skipped, not checked.
            if self.buf.len() - self.pos < len + 2 {
                return Ok(Step::NeedMore);
            }
            self.args.push(self.buf[self.pos..self.pos + len].to_vec());
            self.pos += len + 2;
            self.bulk_len = None;
            self.multibulk_left -= 1;
        }
        Ok(Step::Command)
    }
}

enum Step {
    Command,
    Empty,
    NeedMore,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> (Vec<Args>, Result<(), ProtocolError>) {
        let mut p = RequestParser::new();
        p.feed(input);
        let mut out = Vec::new();
        let r = p.parse_into(&ParseLimits::default(), &mut out);
        (out, r)
    }

    fn strs(cmds: &[Args]) -> Vec<Vec<String>> {
        cmds.iter()
            .map(|c| c.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect())
            .collect()
    }

    #[test]
    fn parses_multibulk_and_inline_commands() {
        let (cmds, r) = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nset a \"b c\"\n\r\n*0\r\n*-1\r\n");
        assert_eq!(r, Ok(()));
        assert_eq!(
            strs(&cmds),
            vec![vec!["GET", "k"], vec!["PING"], vec!["set", "a", "b c"]]
        );
    }

    #[test]
    fn reports_redis_protocol_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
            (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
            (b"set \"a b\r\n", "ERR Protocol error: unbalanced quotes in request"),
            (b"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"),
            // Found by the resp_parser fuzz target: a bulk line that is only "\r\n".
            (b"*2\r\n$1\r\na\r\n\r\n", "ERR Protocol error: expected '$', got '\r'"),
        ];
        for (input, msg) in cases {
            let (_, r) = parse_all(input);
            assert_eq!(r.unwrap_err().message().as_deref(), Some(*msg));
        }
        let long = vec![b'a'; PROTO_INLINE_MAX_SIZE + 1];
        assert_eq!(parse_all(&long).1, Err(ProtocolError::TooBigInline));
        let mut long_count = b"*".to_vec();
        long_count.extend(vec![b'1'; PROTO_INLINE_MAX_SIZE + 1]);
        assert_eq!(parse_all(&long_count).1, Err(ProtocolError::TooBigMbulkCount));
    }

    #[test]
    fn commands_before_an_error_are_kept() {
        let (cmds, r) = parse_all(b"PING\r\n*x\r\n");
        assert_eq!(strs(&cmds), vec![vec!["PING"]]);
        assert!(r.is_err());
    }

    #[test]
    fn unauthenticated_clients_get_small_limits() {
        let limits = ParseLimits {
            auth_required: true,
            ..ParseLimits::default()
        };
        let mut p = RequestParser::new();
        p.feed(b"*11\r\n");
        assert_eq!(
            p.parse_into(&limits, &mut Vec::new()),
            Err(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut p = RequestParser::new();
        p.feed(b"*1\r\n$16385\r\n");
        assert_eq!(
            p.parse_into(&limits, &mut Vec::new()),
            Err(ProtocolError::UnauthenticatedBulkLength)
        );
    }

    #[test]
    fn query_buffer_limit_closes_silently() {
        let limits = ParseLimits {
            max_query_buffer: 10,
            ..ParseLimits::default()
        };
        let mut p = RequestParser::new();
        p.feed(b"*1\r\n$100\r\nabcdefghijkl");
        let err = p.parse_into(&limits, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, ProtocolError::QueryBufferLimit(_)));
        assert_eq!(err.message(), None);
    }

    proptest::proptest! {
        #[test]
        fn any_split_of_a_stream_yields_the_same_commands(
            cmds in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..20), 1..5), 1..10),
            cuts in proptest::collection::vec(0usize..400, 0..10),
        ) {
            let mut wire = Vec::new();
            for c in &cmds {
                wire.extend(format!("*{}\r\n", c.len()).bytes());
                for a in c {
                    wire.extend(format!("${}\r\n", a.len()).bytes());
                    wire.extend(a);
                    wire.extend(b"\r\n");
                }
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(wire.len())).collect();
            cuts.sort();
            let mut p = RequestParser::new();
            let mut out = Vec::new();
            let mut last = 0;
            for c in cuts.into_iter().chain([wire.len()]) {
                p.feed(&wire[last..c]);
                p.parse_into(&ParseLimits::default(), &mut out).unwrap();
                last = c;
            }
            proptest::prop_assert_eq!(out, cmds);
            proptest::prop_assert_eq!(p.pending(), 0);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), cut in 0usize..300) {
            let mut p = RequestParser::new();
            let cut = cut.min(data.len());
            let mut out = Vec::new();
            p.feed(&data[..cut]);
            let _ = p.parse_into(&ParseLimits::default(), &mut out);
            p.feed(&data[cut..]);
            let _ = p.parse_into(&ParseLimits::default(), &mut out);
        }
    }
}
