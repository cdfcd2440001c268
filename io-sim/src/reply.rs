//! The client side of RESP: a reply parser for RESP2 and RESP3 that reassembles replies from
//! bytes arriving in arbitrary pieces, and the [`Value`] it yields. Written independently of the
//! core's encoder so that the simulator checks the bytes on the wire, not the encoder against
//! itself.

use std::fmt;

use crate::trace::show_bytes;

/// One reply as a client sees it. RESP2 and RESP3 shapes stay distinct (`NullBulk` is `$-1`,
/// `Null` is `_`) so a checker can tell which protocol the server answered in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    /// RESP2 `$-1`.
    NullBulk,
    Array(Vec<Value>),
    /// RESP2 `*-1`.
    NullArray,
    /// RESP3 `_`.
    Null,
    Bool(bool),
    /// RESP3 `,`; kept as text so that equality is exact.
    Double(Vec<u8>),
    BigNumber(Vec<u8>),
    BlobError(Vec<u8>),
    Verbatim {
        format: Vec<u8>,
        text: Vec<u8>,
    },
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Push(Vec<Value>),
    /// RESP3 attributes, and the reply they annotate.
    Attributed(Vec<(Value, Value)>, Box<Value>),
}

impl Value {
    pub fn simple(s: &str) -> Value {
        Value::Simple(s.as_bytes().to_vec())
    }

    pub fn error(s: &str) -> Value {
        Value::Error(s.as_bytes().to_vec())
    }

    pub fn bulk(b: &[u8]) -> Value {
        Value::Bulk(b.to_vec())
    }
}

/// The server sent something that is not RESP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyError(pub String);

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed reply: {}", self.0)
    }
}

/// Nesting deeper than this is reported as malformed rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Reassembles replies from the bytes of one connection.
#[derive(Debug, Default)]
pub struct ReplyParser {
    buf: Vec<u8>,
    pos: usize,
}

/// Parsing result for a value that may not have fully arrived yet.
type Partial<T> = Result<Option<T>, ReplyError>;

impl ReplyParser {
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    pub fn feed(&mut self, data: &[u8]) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received that do not yet form a whole reply.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next whole reply, `None` until all of it has arrived. A partial reply is parsed
    /// again from its start when more bytes come: replies are small, simplicity wins.
    pub fn next_reply(&mut self) -> Partial<Value> {
        let mut cursor = Cursor {
            buf: &self.buf,
            pos: self.pos,
        };
        let value = cursor.value(0)?;
        if value.is_some() {
            self.pos = cursor.pos;
        }
        Ok(value)
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn value(&mut self, depth: usize) -> Partial<Value> {
        if depth > MAX_DEPTH {
            return Err(ReplyError("nesting too deep".into()));
        }
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        let Some(line) = self.line()? else {
            return Ok(None);
        };
        let v = match kind {
            b'+' => Value::Simple(line),
            b'-' => Value::Error(line),
            b':' => Value::Int(int(&line)?),
            b'_' => expect_empty(line, Value::Null)?,
            b'#' => match &line[..] {
                b"t" => Value::Bool(true),
                b"f" => Value::Bool(false),
                _ => return Err(ReplyError(format!("bad boolean {}", show_bytes(&line)))),
            },
            b',' => Value::Double(line),
            b'(' => Value::BigNumber(line),
            b'$' | b'!' | b'=' => return self.blob(kind, &line),
            b'*' | b'~' | b'>' => return self.aggregate(kind, &line, depth),
            b'%' | b'|' => return self.map(kind, &line, depth),
            other => return Err(ReplyError(format!("unknown type byte {}", show_bytes(&[other])))),
        };
        Ok(Some(v))
    }

    /// The rest of the current line after its type byte, once its CRLF has arrived.
    fn line(&mut self) -> Partial<Vec<u8>> {
        let rest = &self.buf[self.pos..];
        // The search starts after the type byte, which may itself be anything.
        let Some(cr) = rest[1..].windows(2).position(|w| w == b"\r\n").map(|i| i + 1) else {
            return Ok(None);
        };
        let line = rest[1..cr].to_vec();
        self.pos += cr + 2;
        Ok(Some(line))
    }

    fn blob(&mut self, kind: u8, len_line: &[u8]) -> Partial<Value> {
        let len = int(len_line)?;
        if len < 0 {
            return match (kind, len) {
                (b'$', -1) => Ok(Some(Value::NullBulk)),
                _ => Err(ReplyError(format!("bad blob length {len}"))),
            };
        }
        let len = len as usize;
        let rest = &self.buf[self.pos..];
        if rest.len() < len + 2 {
            return Ok(None);
        }
        if &rest[len..len + 2] != b"\r\n" {
            return Err(ReplyError("blob not followed by CRLF".into()));
        }
        let data = rest[..len].to_vec();
        self.pos += len + 2;
        Ok(Some(match kind {
            b'$' => Value::Bulk(data),
            b'!' => Value::BlobError(data),
            _ => verbatim(data)?,
        }))
    }

    fn aggregate(&mut self, kind: u8, len_line: &[u8], depth: usize) -> Partial<Value> {
        let n = int(len_line)?;
        if n < 0 {
            return match (kind, n) {
                (b'*', -1) => Ok(Some(Value::NullArray)),
                _ => Err(ReplyError(format!("bad aggregate length {n}"))),
            };
        }
        let Some(items) = self.values(n as usize, depth)? else {
            return Ok(None);
        };
        Ok(Some(match kind {
            b'*' => Value::Array(items),
            b'~' => Value::Set(items),
            _ => Value::Push(items),
        }))
    }

    fn map(&mut self, kind: u8, len_line: &[u8], depth: usize) -> Partial<Value> {
        let n = int(len_line)?;
        if n < 0 {
            return Err(ReplyError(format!("bad map length {n}")));
        }
        let Some(flat) = self.values((n as usize).saturating_mul(2), depth)? else {
            return Ok(None);
        };
        let mut pairs = Vec::with_capacity(n as usize);
        let mut it = flat.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        if kind == b'%' {
            return Ok(Some(Value::Map(pairs)));
        }
        // Attributes annotate the reply that follows them.
        let Some(inner) = self.value(depth + 1)? else {
            return Ok(None);
        };
        Ok(Some(Value::Attributed(pairs, Box::new(inner))))
    }

    fn values(&mut self, n: usize, depth: usize) -> Partial<Vec<Value>> {
        // The count comes from the peer: do not let it size an allocation.
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            match self.value(depth + 1)? {
                Some(v) => items.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(items))
    }
}

fn int(line: &[u8]) -> Result<i64, ReplyError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ReplyError(format!("bad integer {}", show_bytes(line))))
}

fn expect_empty(line: Vec<u8>, v: Value) -> Result<Value, ReplyError> {
    if line.is_empty() {
        Ok(v)
    } else {
        Err(ReplyError(format!("unexpected payload {}", show_bytes(&line))))
    }
}

fn verbatim(data: Vec<u8>) -> Result<Value, ReplyError> {
    if data.len() < 4 || data[3] != b':' {
        return Err(ReplyError("verbatim string without a format".into()));
    }
    Ok(Value::Verbatim {
        format: data[..3].to_vec(),
        text: data[4..].to_vec(),
    })
}

/// Replies in a compact, unambiguous form for failure messages: the RESP type byte, then the
/// payload (bytes quoted and escaped).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Simple(s) => write!(f, "+{}", show_bytes(s)),
            Value::Error(s) => write!(f, "-{}", show_bytes(s)),
            Value::Int(n) => write!(f, ":{n}"),
            Value::Bulk(b) => write!(f, "${}", show_bytes(b)),
            Value::NullBulk => write!(f, "$-1"),
            Value::NullArray => write!(f, "*-1"),
            Value::Null => write!(f, "_"),
            Value::Bool(b) => write!(f, "#{}", if *b { 't' } else { 'f' }),
            Value::Double(d) => write!(f, ",{}", show_bytes(d)),
            Value::BigNumber(n) => write!(f, "({}", show_bytes(n)),
            Value::BlobError(e) => write!(f, "!{}", show_bytes(e)),
            Value::Verbatim { format, text } => write!(f, "={}:{}", show_bytes(format), show_bytes(text)),
            Value::Array(items) => list(f, "*[", items),
            Value::Set(items) => list(f, "~[", items),
            Value::Push(items) => list(f, ">[", items),
            Value::Map(pairs) => pair_list(f, "%{", pairs),
            Value::Attributed(attrs, inner) => {
                pair_list(f, "|{", attrs)?;
                write!(f, " {inner}")
            }
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Value]) -> fmt::Result {
    f.write_str(open)?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    f.write_str("]")
}

fn pair_list(f: &mut fmt::Formatter<'_>, open: &str, pairs: &[(Value, Value)]) -> fmt::Result {
    f.write_str(open)?;
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}: {v}")?;
    }
    f.write_str("}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(bytes: &[u8]) -> Vec<Value> {
        let mut p = ReplyParser::new();
        p.feed(bytes);
        let mut out = Vec::new();
        while let Some(v) = p.next_reply().unwrap() {
            out.push(v);
        }
        assert_eq!(p.pending(), 0);
        out
    }

    #[test]
    fn parses_resp2_replies() {
        let got = parse_all(b"+OK\r\n-ERR bad\r\n:-3\r\n$3\r\na\r\n\r\n$-1\r\n*-1\r\n*2\r\n$0\r\n\r\n:1\r\n");
        assert_eq!(
            got,
            vec![
                Value::simple("OK"),
                Value::error("ERR bad"),
                Value::Int(-3),
                Value::bulk(b"a\r\n"),
                Value::NullBulk,
                Value::NullArray,
                Value::Array(vec![Value::bulk(b""), Value::Int(1)]),
            ]
        );
    }

    #[test]
    fn parses_resp3_replies() {
        let got = parse_all(
            b"_\r\n#t\r\n,1.5\r\n(123\r\n!3\r\nERR\r\n=6\r\ntxt:hi\r\n%1\r\n+k\r\n:1\r\n~1\r\n:2\r\n>1\r\n+p\r\n|1\r\n+a\r\n+b\r\n:7\r\n",
        );
        assert_eq!(
            got,
            vec![
                Value::Null,
                Value::Bool(true),
                Value::Double(b"1.5".to_vec()),
                Value::BigNumber(b"123".to_vec()),
                Value::BlobError(b"ERR".to_vec()),
                Value::Verbatim {
                    format: b"txt".to_vec(),
                    text: b"hi".to_vec()
                },
                Value::Map(vec![(Value::simple("k"), Value::Int(1))]),
                Value::Set(vec![Value::Int(2)]),
                Value::Push(vec![Value::simple("p")]),
                Value::Attributed(vec![(Value::simple("a"), Value::simple("b"))], Box::new(Value::Int(7))),
            ]
        );
    }

    #[test]
    fn reassembles_replies_split_anywhere() {
        let wire: &[u8] = b"*3\r\n$5\r\nhello\r\n%1\r\n+a\r\n_\r\n:42\r\n+OK\r\n";
        let whole = parse_all(wire);
        for cut in 0..wire.len() {
            let mut p = ReplyParser::new();
            let mut got = Vec::new();
            for piece in [&wire[..cut], &wire[cut..]] {
                p.feed(piece);
                while let Some(v) = p.next_reply().unwrap() {
                    got.push(v);
                }
            }
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn rejects_what_is_not_resp() {
        for bad in [
            &b"\r\r\n"[..],
            b"?x\r\n",
            b":x\r\n",
            b"$2\r\nabc\r\n",
            b"#x\r\n",
            b"$-2\r\n",
            b"_x\r\n",
        ] {
            let mut p = ReplyParser::new();
            p.feed(bad);
            assert!(p.next_reply().is_err(), "{}", show_bytes(bad));
        }
    }

    #[test]
    fn displays_values_compactly() {
        let v = Value::Array(vec![Value::bulk(b"a\x00"), Value::NullBulk, Value::Int(3)]);
        assert_eq!(v.to_string(), r#"*[$"a\x00", $-1, :3]"#);
    }
}
