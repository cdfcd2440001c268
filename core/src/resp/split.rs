//! Splitting an inline command line into arguments, with the quoting rules of Redis'
//! `sdssplitargs` (also used for config file and AOF manifest lines), and the quoting that
//! reads back through it, Redis' `sdscatrepr` (MONITOR lines, config text, manifest names).

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn hex_pair(line: &[u8], i: usize) -> Option<u8> {
    Some(hex_val(line[i])? * 16 + hex_val(line[i + 1])?)
}

/// [`split_args`] with each argument as text (bytes that are not UTF-8 replaced).
pub fn split_args_lossy(line: &[u8]) -> Option<Vec<String>> {
    let args = split_args(line)?;
    Some(
        args.into_iter()
            .map(|a| String::from_utf8_lossy(&a).into_owned())
            .collect(),
    )
}

/// Redis' sdscatrepr: `arg` in double quotes, with escapes for quotes, backslashes, control
/// characters and anything unprintable, appended to `out`.
pub fn push_repr(out: &mut Vec<u8>, arg: &[u8]) {
    out.push(b'"');
    for &b in arg {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// [`push_repr`] as a string of its own (always ASCII).
pub fn repr(arg: &[u8]) -> String {
    let mut out = Vec::with_capacity(arg.len() + 2);
    push_repr(&mut out, arg);
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `line` into arguments. Returns `None` for unbalanced quotes, or a closing quote not
/// followed by a space, as Redis does.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let (arg, next) = split_one(line, i)?;
        args.push(arg);
        i = next;
    }
}

#[derive(PartialEq)]
enum Quote {
    None,
    Double,
    Single,
}

/// Reads one argument starting at `i`; returns it and the index after it.
fn split_one(line: &[u8], mut i: usize) -> Option<(Vec<u8>, usize)> {
    let mut cur = Vec::new();
    let mut quote = Quote::None;
    loop {
        let c = line.get(i).copied();
        match quote {
            Quote::Double => match c {
                None => return None,
                Some(b'\\') if i + 3 < line.len() && line[i + 1] == b'x' && hex_pair(line, i + 2).is_some() => {
                    cur.extend(hex_pair(line, i + 2));
                    i += 3;
                }
                Some(b'\\') if i + 1 < line.len() => {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                }
                Some(b'"') => {
                    // The closing quote must be followed by a space or nothing.
                    if i + 1 < line.len() && !is_space(line[i + 1]) {
                        return None;
                    }
                    return Some((cur, i + 1));
                }
                Some(other) => cur.push(other),
            },
            Quote::Single => match c {
                None => return None,
                Some(b'\\') if i + 1 < line.len() && line[i + 1] == b'\'' => {
                    i += 1;
                    cur.push(b'\'');
                }
                Some(b'\'') => {
                    if i + 1 < line.len() && !is_space(line[i + 1]) {
                        return None;
                    }
                    return Some((cur, i + 1));
                }
                Some(other) => cur.push(other),
            },
            Quote::None => match c {
                None => return Some((cur, i)),
                Some(c) if is_space(c) => return Some((cur, i)),
                Some(b'"') => quote = Quote::Double,
                Some(b'\'') => quote = Quote::Single,
                Some(other) => cur.push(other),
            },
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn split(s: &str) -> Option<Vec<String>> {
        super::split_args_lossy(s.as_bytes())
    }

    #[test]
    fn arguments_are_quoted_like_sdscatrepr_and_read_back() {
        let arg = b"a\"b\\c\n\x01\xff ok";
        assert_eq!(super::repr(arg), "\"a\\\"b\\\\c\\n\\x01\\xff ok\"");
        assert_eq!(split_args(super::repr(arg).as_bytes()), Some(vec![arg.to_vec()]));
    }

    #[test]
    fn splits_plain_and_quoted_arguments() {
        assert_eq!(split("  set a  b "), Some(vec!["set".into(), "a".into(), "b".into()]));
        assert_eq!(
            split(r#"set "a b" 'c d'"#),
            Some(vec!["set".into(), "a b".into(), "c d".into()])
        );
        assert_eq!(split(r#""\x41\n\q""#), Some(vec!["A\nq".into()]));
        assert_eq!(split(r#"'it\'s'"#), Some(vec!["it's".into()]));
        assert_eq!(split(r#"a"b c""#), Some(vec!["ab c".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split(r#""""#), Some(vec!["".into()]));
    }

    #[test]
    fn rejects_unbalanced_quotes() {
        assert_eq!(split(r#"set "a b"#), None);
        assert_eq!(split("set 'a b"), None);
        assert_eq!(split(r#""a"b"#), None);
        assert_eq!(split("'a'b"), None);
    }
}
