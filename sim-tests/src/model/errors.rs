//! Redis' error texts for commands it cannot run, byte for byte (7.0.15's
//! `commandCheckExistence` and `commandCheckArity`).

use ferrous_io_sim::Value;

/// Arguments as C's `%.Ns` prints them: cut at the first NUL and at `max` bytes.
pub(super) fn c_str(b: &[u8], max: usize) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len()).min(max);
    &b[..end]
}

/// Error replies cannot hold line breaks: Redis turns them into spaces.
pub(super) fn error_line(mut msg: Vec<u8>) -> Value {
    for c in &mut msg {
        if *c == b'\r' || *c == b'\n' {
            *c = b' ';
        }
    }
    Value::Error(msg)
}

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' ` — arguments are
/// quoted until 128 bytes of them have been shown.
pub fn unknown_command_error(args: &[Vec<u8>]) -> Value {
    let mut shown = Vec::new();
    for a in &args[1..] {
        if shown.len() >= 128 {
            break;
        }
        let room = 128 - shown.len();
        shown.push(b'\'');
        shown.extend_from_slice(c_str(a, room));
        shown.extend_from_slice(b"' ");
    }
    let mut msg = b"ERR unknown command '".to_vec();
    msg.extend_from_slice(c_str(&args[0], 128));
    msg.extend_from_slice(b"', with args beginning with: ");
    msg.extend_from_slice(&shown);
    error_line(msg)
}

/// `ERR unknown subcommand '<sub>'. Try <CONTAINER> HELP.`
pub fn unknown_subcommand_error(sub: &[u8], container: &str) -> Value {
    let mut msg = b"ERR unknown subcommand '".to_vec();
    msg.extend_from_slice(c_str(sub, 128));
    msg.extend_from_slice(format!("'. Try {container} HELP.").as_bytes());
    error_line(msg)
}

/// `fullname` is `get` or, for subcommands, `client|setname`.
pub fn arity_error(fullname: &str) -> Value {
    Value::error(&format!("ERR wrong number of arguments for '{fullname}' command"))
}

pub fn syntax_error() -> Value {
    Value::error("ERR syntax error")
}

/// Redis' `string2ll`: optional `-`, no `+`, no leading zeros or spaces, fits in an i64.
pub fn parse_integer(b: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(b).ok()?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = (digits == "0" && text == "0") || digits.starts_with(|c: char| ('1'..='9').contains(&c));
    if !canonical || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
