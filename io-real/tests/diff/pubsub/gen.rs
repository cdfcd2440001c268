//! What the pub/sub stream sends: (un)subscriptions of all three kinds, publications, PUBSUB
//! introspection, commands a RESP2 subscriber may not run, protocol switches, RESET, QUIT and
//! transactions around all of it.

use crate::diff::families::Rng;

/// Channels (and shard channels): plain, hash-tagged, empty, binary, UTF-8, glob characters.
pub const CHANNELS: &[&[u8]] = &[
    b"news",
    b"news.tech",
    b"news.art",
    b"n",
    b"hello",
    b"hallo",
    b"hillo",
    b"{t}a",
    b"",
    b"bin\x00\xff\r\n",
    "ключ".as_bytes(),
    b"*",
    b"[x]",
    b"a\\b",
];

/// Glob patterns: wildcards, classes (negated, ranges, unterminated), escapes.
pub const PATTERNS: &[&[u8]] = &[
    b"*",
    b"news.*",
    b"n*",
    b"*.art",
    b"h?llo",
    b"h[ae]llo",
    b"h[^e]llo",
    b"h[a-h]llo",
    b"\\*",
    b"[x]",
    b"\\[x\\]",
    b"",
    b"{t}*",
    b"bin*",
    b"*[",
    b"h[a-",
    b"a\\\\b",
    "к*".as_bytes(),
    b"news.\\*",
];

pub const MESSAGES: &[&[u8]] = &[b"hi", b"", b"bin\x00\r\n\xff", "привет".as_bytes(), b"pong", b"*3"];

pub fn args(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// One of `xs` (byte strings of any length).
fn one(r: &mut Rng, xs: &[&'static [u8]]) -> &'static [u8] {
    xs[r.below(xs.len())]
}

/// One of `xs`, most often one of its first four, so that subscriptions and publications meet.
fn hot(r: &mut Rng, xs: &[&'static [u8]]) -> &'static [u8] {
    if r.chance(60) {
        one(r, &xs[..4])
    } else {
        one(r, xs)
    }
}

/// `name` followed by 1..=3 picks from `pool`, or none when `none_ok` allows it.
fn with_names(r: &mut Rng, name: &str, pool: &[&'static [u8]], none_ok: bool) -> Vec<Vec<u8>> {
    let mut v = vec![r.mixed_case(name.as_bytes())];
    let lo = if none_ok { 0 } else { 1 };
    for _ in 0..r.int(lo, 3) {
        v.push(hot(r, pool).to_vec());
    }
    v
}

fn message(r: &mut Rng) -> Vec<u8> {
    if r.chance(5) {
        return vec![b'm'; 1000];
    }
    one(r, MESSAGES).to_vec()
}

fn publish(r: &mut Rng, name: &[u8]) -> Vec<Vec<u8>> {
    vec![name.to_vec(), hot(r, CHANNELS).to_vec(), message(r)]
}

/// PUBSUB with its subcommands, and their argument errors.
fn pubsub(r: &mut Rng) -> Vec<Vec<u8>> {
    let mut v = args(&[b"PUBSUB"]);
    let with_pattern = |r: &mut Rng, v: &mut Vec<Vec<u8>>, sub: &[u8]| {
        v.push(r.mixed_case(sub));
        if r.chance(70) {
            v.push(one(r, PATTERNS).to_vec());
        }
    };
    match r.below(12) {
        0 | 1 => with_pattern(r, &mut v, b"channels"),
        2 | 3 => v.extend(with_names(r, "numsub", CHANNELS, true)),
        4 => v.push(r.mixed_case(b"numpat")),
        5 | 6 => with_pattern(r, &mut v, b"shardchannels"),
        7 | 8 => v.extend(with_names(r, "shardnumsub", CHANNELS, true)),
        9 => v.push(b"HELP".to_vec()),
        10 => v.extend(args(&[one(r, &[b"channels", b"shardchannels", b"numpat"]), b"a", b"b"])),
        _ => v.push(one(r, &[b"nosuch", b"", b"numsubx"]).to_vec()),
    }
    v
}

/// Commands a RESP2 subscriber may not run, and some it may.
fn other(r: &mut Rng) -> Vec<Vec<u8>> {
    match r.below(7) {
        0 => args(&[b"GET", b"k1"]),
        1 => args(&[b"SET", b"k1", b"v"]),
        2 => args(&[b"ECHO", b"e"]),
        3 => args(&[b"PING"]),
        4 => args(&[b"PING", one(r, MESSAGES)]),
        5 => args(&[b"PING", b"a", b"b"]),
        _ => args(&[b"QUIT"]),
    }
}

/// Argument-count errors.
fn wrong_arity(r: &mut Rng) -> Vec<Vec<u8>> {
    match r.below(3) {
        0 => args(&[one(r, &[b"SUBSCRIBE", b"PSUBSCRIBE", b"SSUBSCRIBE"])]),
        1 => args(&[one(r, &[b"PUBLISH", b"SPUBLISH"]), b"news"]),
        _ => args(&[one(r, &[b"PUBLISH", b"SPUBLISH"]), b"news", b"a", b"b"]),
    }
}

/// One command of the stream for a connection (`in_multi`: inside MULTI). Inside MULTI: no
/// nested MULTI (the barrier there), nothing whose reply EXEC would hold in hash order or with
/// a connection id (PUBSUB CHANNELS, UNSUBSCRIBE without names, HELLO), and EXEC or DISCARD
/// soon.
pub fn command(r: &mut Rng, in_multi: bool) -> Vec<Vec<u8>> {
    if in_multi && r.chance(20) {
        return args(&[one(r, &[b"EXEC", b"EXEC", b"DISCARD"])]);
    }
    loop {
        let c = any_command(r);
        if !in_multi || !unfit_for_multi(&c) {
            return c;
        }
    }
}

fn unfit_for_multi(c: &[Vec<u8>]) -> bool {
    let name = c[0].to_ascii_lowercase();
    let sub = c.get(1).map(|s| s.to_ascii_lowercase());
    match name.as_slice() {
        b"multi" | b"hello" => true,
        b"unsubscribe" | b"sunsubscribe" => c.len() == 1,
        b"pubsub" => matches!(sub.as_deref(), Some(b"channels" | b"shardchannels")),
        _ => false,
    }
}

fn any_command(r: &mut Rng) -> Vec<Vec<u8>> {
    match r.below(54) {
        0..=5 => with_names(r, "subscribe", CHANNELS, false),
        6..=8 => with_names(r, "unsubscribe", CHANNELS, true),
        9..=13 => with_names(r, "psubscribe", PATTERNS, false),
        14..=16 => with_names(r, "punsubscribe", PATTERNS, true),
        17..=19 => with_names(r, "ssubscribe", CHANNELS, false),
        20..=21 => with_names(r, "sunsubscribe", CHANNELS, true),
        22..=30 => publish(r, b"PUBLISH"),
        31..=34 => publish(r, b"SPUBLISH"),
        35..=40 => pubsub(r),
        41..=43 => other(r),
        44 | 45 => args(&[b"HELLO", one(r, &[b"2", b"3"])]),
        46 => args(&[b"RESET"]),
        47..=49 => wrong_arity(r),
        50 | 51 => args(&[b"MULTI"]),
        52 => args(&[b"EXEC"]),
        _ => args(&[b"DISCARD"]),
    }
}
