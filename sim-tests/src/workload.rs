//! Random commands and their wire encodings.

use ferrous_io_sim::SimRng;

const KEYS: &[&str] = &["a", "b", "c", "key:1", "key:2", "user:42", "\u{1}bin", "x y"];

fn word(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn key(rng: &mut SimRng) -> Vec<u8> {
    word(rng.pick::<&str>(KEYS))
}

fn value(rng: &mut SimRng) -> Vec<u8> {
    let len = rng.below(24);
    rng.bytes(len)
}

/// One random command (valid or not) as arguments.
pub fn command(rng: &mut SimRng) -> Vec<Vec<u8>> {
    match rng.below(100) {
        0..=24 => vec![word("SET"), key(rng), value(rng)],
        25..=49 => vec![word("GET"), key(rng)],
        50..=56 => {
            let n = 1 + rng.below(3);
            std::iter::once(word("DEL")).chain((0..n).map(|_| key(rng))).collect()
        }
        57..=62 => vec![word("EXISTS"), key(rng), key(rng)],
        63..=65 => vec![word("PING")],
        66..=67 => vec![word("ping"), value(rng)],
        68..=69 => vec![word("ECHO"), value(rng)],
        70..=73 => vec![word("SELECT"), word(&rng.below(17).to_string())],
        74..=75 => vec![word("DBSIZE")],
        76..=77 => vec![word("CLIENT"), word("ID")],
        78..=79 => vec![
            word("CLIENT"),
            word("SETNAME"),
            word(rng.pick::<&str>(&["worker", "web-1", ""])),
        ],
        80..=81 => vec![word("CLIENT"), word("GETNAME")],
        82..=84 => vec![word("HELLO"), word(rng.pick::<&str>(&["2", "3", "4"]))],
        85..=87 => vec![word("nosuch"), word("a")],
        88..=90 => vec![word("GET")],
        91..=92 => vec![word("SET"), key(rng), value(rng), word("bogus")],
        93..=95 => vec![word("PING"), word("a"), word("b")],
        _ => vec![word("SELECT"), word("x")],
    }
}

/// Can `args` be sent as an inline command without changing meaning?
fn inline_safe(args: &[Vec<u8>]) -> bool {
    args.iter()
        .all(|a| !a.is_empty() && a.iter().all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\''))
}

/// Encodes `args` as a RESP multibulk request, or sometimes as an inline one.
pub fn encode(rng: &mut SimRng, args: &[Vec<u8>]) -> Vec<u8> {
    if inline_safe(args) && rng.chance(0.3) {
        let mut line = args.join(&b' ');
        line.extend_from_slice(if rng.chance(0.5) { b"\r\n" } else { b"\n" });
        return line;
    }
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}
