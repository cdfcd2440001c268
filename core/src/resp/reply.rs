//! The reply encoder. One writer serves RESP2 and RESP3: the types RESP2 lacks (maps, sets,
//! nulls, doubles, booleans, verbatim strings, pushes) are written in their RESP2 shapes.

/// Replies for one client, appended to a byte buffer in the client's protocol.
#[derive(Debug, Default)]
pub struct Reply {
    pub buf: Vec<u8>,
    pub resp3: bool,
    /// Byte ranges of `buf` written as pushes (pub/sub), which CLIENT REPLY OFF/SKIP does not
    /// silence (Redis' CLIENT_PUSHING).
    pub pushed: Vec<(usize, usize)>,
}

impl Reply {
    pub fn new(resp3: bool) -> Reply {
        Reply {
            buf: Vec::new(),
            resp3,
            pushed: Vec::new(),
        }
    }

    /// Writes a push with `f`, remembered as one that must be sent even to a muted client.
    pub fn pushing(&mut self, f: impl FnOnce(&mut Reply)) {
        let start = self.buf.len();
        f(self);
        self.pushed.push((start, self.buf.len()));
    }

    /// Inserts already encoded pushes at offset `at` (keyspace notifications for the running
    /// client, placed where Redis would have written them).
    pub fn insert_push(&mut self, at: usize, bytes: &[u8]) {
        let n = bytes.len();
        for r in self.pushed.iter_mut().filter(|r| r.0 >= at) {
            *r = (r.0 + n, r.1 + n);
        }
        self.buf.splice(at..at, bytes.iter().copied());
        // Kept in buffer order, which silence_since relies on.
        let i = self.pushed.partition_point(|r| r.0 < at);
        self.pushed.insert(i, (at, at + n));
    }

    /// Drops what was written since `mark`, except pushes.
    pub fn silence_since(&mut self, mark: usize) {
        let mut kept = Vec::new();
        for &(a, b) in &self.pushed {
            if a >= mark {
                kept.extend_from_slice(&self.buf[a..b]);
            }
        }
        self.buf.truncate(mark);
        self.buf.extend_from_slice(&kept);
        self.pushed.clear();
    }

    fn line(&mut self, prefix: u8, body: &[u8]) {
        self.buf.push(prefix);
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\r\n");
    }

    fn len_line(&mut self, prefix: u8, n: i64) {
        self.buf.push(prefix);
        self.buf.extend_from_slice(itoa_buf(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A status reply (`+text`). Line breaks would break the protocol, so they become spaces.
    pub fn simple(&mut self, s: &str) {
        self.simple_bytes(s.as_bytes());
    }

    /// A status reply of raw bytes (line breaks become spaces).
    pub fn simple_bytes(&mut self, s: &[u8]) {
        self.line(b'+', sanitize(s).as_ref());
    }

    /// An error reply; `msg` starts with its code (`ERR`, `WRONGTYPE`, ...) and has no `-`.
    pub fn error(&mut self, msg: &str) {
        self.error_bytes(msg.as_bytes());
    }

    /// An error reply quoting client bytes as they are (Redis does not re-encode them).
    pub fn error_bytes(&mut self, msg: &[u8]) {
        self.line(b'-', sanitize(msg).as_ref());
    }

    /// An error as Redis' addReplyErrorFormat writes one: line breaks at either end of the
    /// message are dropped (sdstrim), those inside become spaces.
    pub fn error_format_bytes(&mut self, msg: &[u8]) {
        let crlf = |c: &u8| *c == b'\r' || *c == b'\n';
        let start = msg.iter().position(|c| !crlf(c)).unwrap_or(msg.len());
        let end = msg.iter().rposition(|c| !crlf(c)).map_or(start, |i| i + 1);
        self.error_bytes(&msg[start..end]);
    }

    /// An error in Redis' most common form: `ERR <msg>`.
    pub fn err(&mut self, msg: &str) {
        self.buf.extend_from_slice(b"-ERR ");
        self.buf.extend_from_slice(sanitize(msg.as_bytes()).as_ref());
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, n: i64) {
        self.len_line(b':', n);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        self.len_line(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn bulk_str(&mut self, s: &str) {
        self.bulk(s.as_bytes());
    }

    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    pub fn array(&mut self, n: usize) {
        self.len_line(b'*', n as i64);
    }

    /// A map of `n` pairs: RESP2 sends a flat array of 2n elements.
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.len_line(b'%', n as i64);
        } else {
            self.len_line(b'*', 2 * n as i64);
        }
    }

    pub fn set(&mut self, n: usize) {
        self.len_line(if self.resp3 { b'~' } else { b'*' }, n as i64);
    }

    /// An out-of-band push (RESP3 `>`); RESP2 clients see an array.
    pub fn push(&mut self, n: usize) {
        self.len_line(if self.resp3 { b'>' } else { b'*' }, n as i64);
    }

    pub fn bool(&mut self, b: bool) {
        if self.resp3 {
            self.buf.extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(i64::from(b));
        }
    }

    /// A double: RESP3 `,`; RESP2 a bulk string formatted as Redis does (`%.17g`).
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        if self.resp3 {
            self.line(b',', s.as_bytes());
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// Verbatim text (RESP3 `=` with the `txt` format); RESP2 sends a bulk string.
    pub fn verbatim(&mut self, text: &str) {
        if self.resp3 {
            self.len_line(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text.as_bytes());
        }
    }

    /// Verbatim text of any three-letter format (a script's `verbatim_string`); RESP2 sends
    /// the text as a bulk string.
    pub fn verbatim_as(&mut self, format: &[u8], text: &[u8]) {
        if self.resp3 {
            self.len_line(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(&format[..format.len().min(3)]);
            self.buf.extend(std::iter::repeat_n(b' ', 3 - format.len().min(3)));
            self.buf.push(b':');
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A big number (RESP3 `(`); RESP2 clients get a bulk string.
    pub fn big_number(&mut self, digits: &str) {
        if self.resp3 {
            self.line(b'(', digits.as_bytes());
        } else {
            self.bulk(digits.as_bytes());
        }
    }

    /// An attribute map header (RESP3 only: callers skip it for RESP2 clients).
    pub fn attribute(&mut self, n: usize) {
        self.len_line(b'|', n as i64);
    }

    /// A list of status lines, as HELP replies are.
    pub fn status_lines(&mut self, lines: &[&str]) {
        self.array(lines.len());
        for l in lines {
            self.simple(l);
        }
    }
}

fn sanitize(s: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if s.iter().any(|&c| c == b'\r' || c == b'\n') {
        s.iter()
            .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c })
            .collect::<Vec<u8>>()
            .into()
    } else {
        s.into()
    }
}

/// Formats an integer without allocating on the heap or going through `fmt` (this runs for
/// every length line of every reply).
fn itoa_buf(n: i64) -> SmallStr {
    let mut s = SmallStr::default();
    let mut i = s.bytes.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        s.bytes[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        s.bytes[i] = b'-';
    }
    s.start = i;
    s
}

#[derive(Default)]
struct SmallStr {
    bytes: [u8; 24],
    start: usize,
}

impl SmallStr {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// Formats a double as Redis' replies do: C's `%.17g` (17 significant digits, trailing
/// zeros removed, exponent form below 1e-4 and from 1e17), with `inf`/`-inf`/`nan` spelled out.
pub fn format_double(d: f64) -> String {
    format_g(d, 17)
}

/// C's `%.<precision>g` (`precision` from 1 to 17).
pub fn format_g(d: f64, precision: usize) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` rounds exactly like glibc's printf; reshape it into %g's layout.
    let sci = format!("{d:.*e}", precision - 1);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..precision as i32).contains(&exp) {
        let m = trim_fraction(&format!("{}.{}", &digits[..1], &digits[1..]));
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    let fixed = if exp >= 0 {
        let point = exp as usize + 1;
        format!("{}.{}", &digits[..point], &digits[point..])
    } else {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    };
    format!("{sign}{}", trim_fraction(&fixed))
}

/// Drops trailing zeros after the decimal point, and the point itself if nothing is left.
fn trim_fraction(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(resp3: bool, f: impl FnOnce(&mut Reply)) -> String {
        let mut r = Reply::new(resp3);
        f(&mut r);
        String::from_utf8(r.buf).unwrap()
    }

    #[test]
    fn encodes_resp2_shapes() {
        assert_eq!(enc(false, |r| r.ok()), "+OK\r\n");
        assert_eq!(enc(false, |r| r.int(-5)), ":-5\r\n");
        assert_eq!(enc(false, |r| r.bulk(b"ab")), "$2\r\nab\r\n");
        assert_eq!(enc(false, |r| r.null()), "$-1\r\n");
        assert_eq!(enc(false, |r| r.null_array()), "*-1\r\n");
        assert_eq!(enc(false, |r| r.map(2)), "*4\r\n");
        assert_eq!(enc(false, |r| r.set(2)), "*2\r\n");
        assert_eq!(enc(false, |r| r.bool(true)), ":1\r\n");
        assert_eq!(enc(false, |r| r.double(1.5)), "$3\r\n1.5\r\n");
        assert_eq!(enc(false, |r| r.err("bad\r\nline")), "-ERR bad  line\r\n");
    }

    #[test]
    fn integers_print_like_c() {
        for n in [0, 7, -1, 10, 99, 100, -12345, i64::MAX, i64::MIN] {
            assert_eq!(enc(false, |r| r.int(n)), format!(":{n}\r\n"));
        }
    }

    #[test]
    fn encodes_resp3_shapes() {
        assert_eq!(enc(true, |r| r.null()), "_\r\n");
        assert_eq!(enc(true, |r| r.map(2)), "%2\r\n");
        assert_eq!(enc(true, |r| r.set(1)), "~1\r\n");
        assert_eq!(enc(true, |r| r.bool(false)), "#f\r\n");
        assert_eq!(enc(true, |r| r.double(f64::INFINITY)), ",inf\r\n");
        assert_eq!(enc(true, |r| r.verbatim("hi")), "=6\r\ntxt:hi\r\n");
        assert_eq!(enc(true, |r| r.push(3)), ">3\r\n");
    }

    #[test]
    fn doubles_print_like_printf_g17() {
        assert_eq!(format_double(2.25), "2.25");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(-2.0), "-2");
        assert_eq!(format_double(1e17), "1e+17");
        assert_eq!(format_double(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(0.00001), "1.0000000000000001e-05");
        assert_eq!(format_double(1e300), "1.0000000000000001e+300");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
    }
}
