//! The client side of the wire: an incremental RESP2/RESP3 reply parser, written independently
//! of the core's encoder so that the simulator checks what really went over the wire.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RespValue {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1` or RESP3 `_`.
    Null,
    /// RESP2 `*-1`.
    NullArray,
    Array(Vec<RespValue>),
    Map(Vec<(RespValue, RespValue)>),
    Set(Vec<RespValue>),
    Push(Vec<RespValue>),
    Double(String),
    Bool(bool),
    Verbatim(String, Vec<u8>),
    BigNumber(String),
}

#[derive(Debug, PartialEq, Eq)]
pub struct MalformedReply(pub String);

/// Accumulates bytes and yields whole replies.
#[derive(Default)]
pub struct ReplyParser {
    buf: Vec<u8>,
}

impl ReplyParser {
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole reply, if the buffer holds one.
    pub fn next_reply(&mut self) -> Result<Option<RespValue>, MalformedReply> {
        let mut pos = 0;
        match parse(&self.buf, &mut pos)? {
            Some(v) => {
                self.buf.drain(..pos);
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }

    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let rest = &buf[*pos..];
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    *pos += end + 2;
    Some(&rest[..end])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn number(b: &[u8]) -> Result<i64, MalformedReply> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| MalformedReply(format!("bad number {:?}", text(b))))
}

fn parse(buf: &[u8], pos: &mut usize) -> Result<Option<RespValue>, MalformedReply> {
    let Some(&kind) = buf.get(*pos) else { return Ok(None) };
    *pos += 1;
    let Some(body) = line(buf, pos) else { return Ok(None) };
    let v = match kind {
        b'+' => RespValue::Simple(text(body)),
        b'-' => RespValue::Error(text(body)),
        b':' => RespValue::Int(number(body)?),
        b',' => RespValue::Double(text(body)),
        b'(' => RespValue::BigNumber(text(body)),
        b'#' => RespValue::Bool(body == b"t"),
        b'_' => RespValue::Null,
        b'$' | b'=' => {
            let n = number(body)?;
            if n < 0 {
                return Ok(Some(RespValue::Null));
            }
            let n = n as usize;
            if buf.len() < *pos + n + 2 {
                return Ok(None);
            }
            let data = buf[*pos..*pos + n].to_vec();
            *pos += n + 2;
            if kind == b'=' {
                let (fmt, rest) = data.split_at(4.min(data.len()));
                RespValue::Verbatim(text(&fmt[..fmt.len().min(3)]), rest.to_vec())
            } else {
                RespValue::Bulk(data)
            }
        }
        b'*' | b'~' | b'>' | b'%' => {
            let n = number(body)?;
            if n < 0 {
                return Ok(Some(RespValue::NullArray));
            }
            let count = if kind == b'%' { 2 * n as usize } else { n as usize };
            let mut items = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                match parse(buf, pos)? {
                    Some(v) => items.push(v),
                    None => return Ok(None),
                }
            }
            match kind {
                b'*' => RespValue::Array(items),
                b'~' => RespValue::Set(items),
                b'>' => RespValue::Push(items),
                _ => {
                    let mut it = items.into_iter();
                    let mut pairs = Vec::new();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    RespValue::Map(pairs)
                }
            }
        }
        other => return Err(MalformedReply(format!("unknown reply type byte {other:#x}"))),
    };
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resp2_and_resp3_split_anywhere() {
        let wire = b"+OK\r\n$3\r\nabc\r\n*2\r\n:1\r\n$-1\r\n%1\r\n+a\r\n#t\r\n_\r\n=7\r\ntxt:hey\r\n";
        for cut in 0..wire.len() {
            let mut p = ReplyParser::default();
            let mut got = Vec::new();
            p.feed(&wire[..cut]);
            while let Some(v) = p.next_reply().unwrap() {
                got.push(v);
            }
            p.feed(&wire[cut..]);
            while let Some(v) = p.next_reply().unwrap() {
                got.push(v);
            }
            assert_eq!(
                got,
                vec![
                    RespValue::Simple("OK".into()),
                    RespValue::Bulk(b"abc".to_vec()),
                    RespValue::Array(vec![RespValue::Int(1), RespValue::Null]),
                    RespValue::Map(vec![(RespValue::Simple("a".into()), RespValue::Bool(true))]),
                    RespValue::Null,
                    RespValue::Verbatim("txt".into(), b"hey".to_vec()),
                ]
            );
        }
    }
}
