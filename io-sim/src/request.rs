//! The client side of requests: encoding a command as a RESP multibulk or as an inline line,
//! the two forms a Redis server accepts.

use std::fmt::Write;

/// `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument: any bytes at all.
pub fn multibulk(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One inline line, as `redis-cli` users and telnet sessions send them: arguments separated by
/// spaces, quoted with `"..."` and `\xHH` escapes when they hold anything but plain characters,
/// ended by `\r\n` or a bare `\n`. `None` for an empty command, which has no inline form.
pub fn inline(args: &[Vec<u8>], crlf: bool) -> Option<Vec<u8>> {
    if args.is_empty() {
        return None;
    }
    let mut line = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        // A line starting with '*' would be read as a multibulk header.
        if is_plain(a) && !(i == 0 && a[0] == b'*') {
            line.push_str(std::str::from_utf8(a).expect("plain arguments are ASCII"));
        } else {
            quote_into(&mut line, a);
        }
    }
    line.push_str(if crlf { "\r\n" } else { "\n" });
    Some(line.into_bytes())
}

/// Bytes that need no quoting: printable ASCII except quotes, backslash and space.
fn is_plain(a: &[u8]) -> bool {
    !a.is_empty()
        && a.iter()
            .all(|&c| c.is_ascii_graphic() && !matches!(c, b'"' | b'\'' | b'\\'))
}

fn quote_into(line: &mut String, a: &[u8]) {
    line.push('"');
    for &c in a {
        if c.is_ascii_alphanumeric() {
            line.push(c as char);
        } else {
            let _ = write!(line, "\\x{c:02x}");
        }
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrous_core::{ParseLimits, RequestParser};

    fn parse(wire: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut p = RequestParser::new();
        p.feed(wire);
        let mut out = Vec::new();
        p.parse_into(&ParseLimits::default(), &mut out).unwrap();
        out
    }

    #[test]
    fn both_forms_round_trip_through_the_servers_parser() {
        let cmds: Vec<Vec<Vec<u8>>> = vec![
            vec![
                b"SET".to_vec(),
                b"k".to_vec(),
                vec![0, 1, 255, b'"', b' ', b'\n', b'\\'],
            ],
            vec![b"*weird".to_vec(), Vec::new(), b"'q'".to_vec()],
            vec![b"PING".to_vec()],
        ];
        for c in &cmds {
            assert_eq!(parse(&multibulk(c)), vec![c.clone()]);
            for crlf in [true, false] {
                assert_eq!(parse(&inline(c, crlf).unwrap()), vec![c.clone()]);
            }
        }
        assert_eq!(multibulk(&[b"GET".to_vec()]), b"*1\r\n$3\r\nGET\r\n");
        assert_eq!(
            inline(&[b"GET".to_vec(), b"a b".to_vec()], true).unwrap(),
            b"GET \"a\\x20b\"\r\n"
        );
        assert_eq!(inline(&[], true), None);
    }
}
