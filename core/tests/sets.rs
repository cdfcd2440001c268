//! Set commands through the harness: replies as redis-server 7.0.15 gives them (taken from
//! the real server), encodings and their conversions as Redis 7.2 makes them (its listpack
//! encoding for small sets is the issue's named addition; 7.0 answers `hashtable` for those),
//! the directives that govern them, DUMP/RESTORE and DEBUG DIGEST-VALUE, and the random
//! commands' shapes.

use std::collections::BTreeSet;

use ferrous_core::harness::Harness;
use ferrous_core::resp::Args;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h
}

fn raw(h: &mut Harness, args: &[&[u8]]) -> String {
    let args: Args = args.iter().map(|a| a.to_vec()).collect();
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![args],
        },
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Bulk strings of a RESP2 array reply, in order.
fn members(reply: &str) -> Vec<String> {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert!(lines[0].starts_with('*') || lines[0].starts_with('~'), "{reply}");
    let n: usize = lines[0][1..].parse().unwrap();
    (0..n).map(|i| lines[2 + 2 * i].to_string()).collect()
}

/// Commands and redis-server 7.0.15's replies (`None`: not compared), but for OBJECT ENCODING
/// of a small set of strings: `listpack` as Redis 7.2 answers.
const SCRIPT: &[(&str, Option<&str>)] = &[
    ("FLUSHALL", Some("+OK\r\n")),
    ("SADD s 3 1 2 -5 1", Some(":4\r\n")),
    ("OBJECT ENCODING s", Some("$6\r\nintset\r\n")),
    (
        "SMEMBERS s",
        Some("*4\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    ),
    ("SADD s 10", Some(":1\r\n")),
    (
        "SMEMBERS s",
        Some("*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
    ),
    ("SISMEMBER s 2", Some(":1\r\n")),
    ("SISMEMBER s 02", Some(":0\r\n")),
    ("SMISMEMBER s 1 x 3", Some("*3\r\n:1\r\n:0\r\n:1\r\n")),
    ("SMISMEMBER nokey 1 2", Some("*2\r\n:0\r\n:0\r\n")),
    ("SCARD s", Some(":5\r\n")),
    ("SREM s 1 7 2", Some(":2\r\n")),
    ("SMEMBERS s", Some("*3\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n")),
    ("SADD h a b c", Some(":3\r\n")),
    ("OBJECT ENCODING h", Some("$8\r\nlistpack\r\n")),
    ("SADD s -0", Some(":1\r\n")),
    ("OBJECT ENCODING s", Some("$8\r\nlistpack\r\n")),
    // The intset's integers ascending, then the string.
    (
        "SMEMBERS s",
        Some("*4\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n$2\r\n-0\r\n"),
    ),
    ("SREM s -0 3 -5 10", Some(":4\r\n")),
    ("OBJECT ENCODING s", Some("$-1\r\n")),
    ("SCARD s", Some(":0\r\n")),
    ("EXISTS s", Some(":0\r\n")),
    ("SET str x", Some("+OK\r\n")),
    (
        "SADD str a",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    (
        "SMEMBERS str",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    ("SMEMBERS nokey", Some("*0\r\n")),
    ("SSCAN nokey 0", Some("*2\r\n$1\r\n0\r\n*0\r\n")),
    ("SADD i 5 4 3", Some(":3\r\n")),
    (
        "SSCAN i 12345 COUNT 1",
        Some("*2\r\n$1\r\n0\r\n*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    ),
    ("SSCAN i 0 MATCH 4", Some("*2\r\n$1\r\n0\r\n*1\r\n$1\r\n4\r\n")),
    ("SSCAN i 0 TYPE set", Some("-ERR syntax error\r\n")),
    ("SINTER i nokey", Some("*0\r\n")),
    ("SINTERSTORE dst i nokey", Some(":0\r\n")),
    ("SADD a 1 2 3 4", Some(":4\r\n")),
    ("SADD b 3 4 5", Some(":3\r\n")),
    ("SINTER a b", Some("*2\r\n$1\r\n3\r\n$1\r\n4\r\n")),
    ("SINTERSTORE dst a b", Some(":2\r\n")),
    ("OBJECT ENCODING dst", Some("$6\r\nintset\r\n")),
    ("SMEMBERS dst", Some("*2\r\n$1\r\n3\r\n$1\r\n4\r\n")),
    ("SINTERCARD 2 a b", Some(":2\r\n")),
    ("SINTERCARD 2 a b LIMIT 1", Some(":1\r\n")),
    ("SINTERCARD 2 a b LIMIT 0", Some(":2\r\n")),
    (
        "SUNION a b nokey",
        Some("*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    ),
    ("SDIFF a b", Some("*2\r\n$1\r\n1\r\n$1\r\n2\r\n")),
    ("SDIFF a a", Some("*0\r\n")),
    ("SDIFFSTORE dst a b", Some(":2\r\n")),
    ("SUNIONSTORE dst2 a b", Some(":5\r\n")),
    ("OBJECT ENCODING dst2", Some("$6\r\nintset\r\n")),
    ("SDIFF nokey a", Some("*0\r\n")),
    (
        "SUNION str a",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    (
        "SINTER a str",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    ("SMOVE a b 1", Some(":1\r\n")),
    ("SMOVE a b 1", Some(":0\r\n")),
    ("SMOVE a a 2", Some(":1\r\n")),
    ("SMOVE a a 9", Some(":0\r\n")),
    ("SMOVE a newk 2", Some(":1\r\n")),
    ("OBJECT ENCODING newk", Some("$6\r\nintset\r\n")),
    (
        "SMOVE a str 3",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    (
        "SMOVE str a 3",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    ("SMOVE nokey str 1", Some(":0\r\n")),
    ("SPOP nokey", Some("$-1\r\n")),
    ("SPOP nokey 3", Some("*0\r\n")),
    (
        "SPOP str",
        Some("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ),
    ("SPOP a 0", Some("*0\r\n")),
    ("SRANDMEMBER a 0", Some("*0\r\n")),
    ("SRANDMEMBER nokey -3", Some("*0\r\n")),
    ("SRANDMEMBER a 100", Some("*2\r\n$1\r\n3\r\n$1\r\n4\r\n")),
    ("SPOP a 100", Some("*2\r\n$1\r\n3\r\n$1\r\n4\r\n")),
    ("EXISTS a", Some(":0\r\n")),
    ("SADD one x", Some(":1\r\n")),
    ("SPOP one", Some("$1\r\nx\r\n")),
    ("EXISTS one", Some(":0\r\n")),
    ("SPOP i 1 2", Some("-ERR syntax error\r\n")),
    ("SRANDMEMBER i 1 2", Some("-ERR syntax error\r\n")),
    ("HELLO 3", None),
    ("SMEMBERS i", Some("~3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n")),
    ("SPOP nokey 2", Some("~0\r\n")),
    ("SINTER i nokey", Some("~0\r\n")),
    ("SRANDMEMBER nokey 2", Some("*0\r\n")),
    ("SINTERCARD 1 i", Some(":3\r\n")),
    (
        "SSCAN i 0",
        Some("*2\r\n$1\r\n0\r\n*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    ),
];

#[test]
fn replies_match_redis() {
    let mut h = client();
    for (cmd, want) in SCRIPT {
        let words: Vec<&str> = cmd.split(' ').collect();
        let got = h.cmd(1, &words);
        if let Some(want) = want {
            assert_eq!(&got, want, "{cmd}");
        }
    }
}

fn enc(h: &mut Harness, k: &str) -> String {
    let r = h.cmd(1, &["OBJECT", "ENCODING", k]);
    r.split("\r\n").nth(1).unwrap_or("").to_string()
}

fn sadd(h: &mut Harness, key: &str, members: &[String]) -> String {
    let mut args = vec!["SADD", key];
    args.extend(members.iter().map(String::as_str));
    h.cmd(1, &args)
}

fn words(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

#[test]
fn encodings_convert_at_redis_72_points() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "3"]), "+OK\r\n");
    h.cmd(1, &["SADD", "s", "1", "2", "3"]);
    assert_eq!(enc(&mut h, "s"), "intset");
    // Past the intset limit by integers: a hashtable, never back.
    h.cmd(1, &["SADD", "s", "4"]);
    assert_eq!(enc(&mut h, "s"), "hashtable");
    h.cmd(1, &["SREM", "s", "4"]);
    assert_eq!(enc(&mut h, "s"), "hashtable");
    // Created for ten members, more than an intset may hold: a listpack from the start.
    h.cmd(1, &["SADD", "t", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    assert_eq!(enc(&mut h, "t"), "listpack");
    assert_eq!(
        members(&h.cmd(1, &["SMEMBERS", "t"])),
        words("", 11)[1..].to_vec(),
        "insertion order"
    );
    // SINTERSTORE from a listpack: a listpack, an intset only when few enough.
    assert_eq!(h.cmd(1, &["SINTERSTORE", "d", "t", "t"]), ":10\r\n");
    assert_eq!(enc(&mut h, "d"), "listpack");
    // SUNIONSTORE / SDIFFSTORE build an intset first, as before.
    assert_eq!(h.cmd(1, &["SUNIONSTORE", "d", "s"]), ":3\r\n");
    assert_eq!(enc(&mut h, "d"), "intset");
    assert_eq!(h.cmd(1, &["SDIFFSTORE", "d", "t", "s"]), ":7\r\n");
    assert_eq!(enc(&mut h, "d"), "hashtable");
    // SPOP leaving few members of a listpack keeps them in a new listpack.
    assert_eq!(members(&h.cmd(1, &["SPOP", "t", "9"])).len(), 9);
    assert_eq!(h.cmd(1, &["SCARD", "t"]), ":1\r\n");
    assert_eq!(enc(&mut h, "t"), "listpack");
    // ... and of a hashtable too, integers or not (Redis 7.0 made an intset).
    assert_eq!(h.cmd(1, &["SUNIONSTORE", "big", "d", "s"]), ":10\r\n");
    assert_eq!(enc(&mut h, "big"), "hashtable");
    assert_eq!(members(&h.cmd(1, &["SPOP", "big", "9"])).len(), 9);
    assert_eq!(enc(&mut h, "big"), "listpack");
    // ... and of an intset in a new intset.
    h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "512"]);
    h.cmd(1, &["SADD", "is", "1", "2", "3", "4", "5", "6"]);
    assert_eq!(members(&h.cmd(1, &["SPOP", "is", "5"])).len(), 5);
    assert_eq!(enc(&mut h, "is"), "intset");
    // SMOVE into a new key creates it for the member.
    assert_eq!(h.cmd(1, &["SADD", "w", "x", "5"]), ":2\r\n");
    assert_eq!(enc(&mut h, "w"), "listpack");
    assert_eq!(h.cmd(1, &["SMOVE", "w", "nw", "x"]), ":1\r\n");
    assert_eq!(enc(&mut h, "nw"), "listpack");
    assert_eq!(h.cmd(1, &["SMOVE", "w", "nw2", "5"]), ":1\r\n");
    assert_eq!(enc(&mut h, "nw2"), "intset");
    assert_eq!(h.cmd(1, &["EXISTS", "w"]), ":0\r\n");
}

#[test]
fn listpack_limits_and_their_directives() {
    let mut h = client();
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "set-max-*"]),
        "*6\r\n$22\r\nset-max-intset-entries\r\n$3\r\n512\r\n$24\r\nset-max-listpack-entries\r\n$3\r\n128\r\n$22\r\nset-max-listpack-value\r\n$2\r\n64\r\n"
    );
    // 128 members fit, the 129th converts (one SADD at a time, or all at once).
    assert_eq!(sadd(&mut h, "a", &words("m", 128)), ":128\r\n");
    assert_eq!(enc(&mut h, "a"), "listpack");
    assert_eq!(sadd(&mut h, "a", &words("m", 128)), ":0\r\n", "duplicates add nothing");
    assert_eq!(enc(&mut h, "a"), "listpack");
    h.cmd(1, &["SADD", "a", "one-more"]);
    assert_eq!(enc(&mut h, "a"), "hashtable");
    assert_eq!(sadd(&mut h, "b", &words("m", 129)), ":129\r\n");
    assert_eq!(enc(&mut h, "b"), "hashtable");
    // A SADD naming more members than a listpack holds converts first, new members or not.
    sadd(&mut h, "c", &words("m", 3));
    let mut again = words("m", 3);
    again.extend(words("m", 3).into_iter().cycle().take(126));
    assert_eq!(sadd(&mut h, "c", &again), ":0\r\n");
    assert_eq!(enc(&mut h, "c"), "hashtable");
    // A member of 64 bytes fits, 65 does not.
    h.cmd(1, &["SADD", "v", &"x".repeat(64)]);
    assert_eq!(enc(&mut h, "v"), "listpack");
    h.cmd(1, &["SADD", "v", &"y".repeat(65)]);
    assert_eq!(enc(&mut h, "v"), "hashtable");
    // An intset meeting a string: a listpack while small, a hashtable past 127 integers.
    sadd(&mut h, "i", &words("", 127));
    h.cmd(1, &["SADD", "i", "s"]);
    assert_eq!(enc(&mut h, "i"), "listpack");
    sadd(&mut h, "j", &words("", 128));
    h.cmd(1, &["SADD", "j", "s"]);
    assert_eq!(enc(&mut h, "j"), "hashtable");
    // An integer longer than set-max-listpack-value keeps the listpack away.
    h.cmd(1, &["SADD", "k", "1", "12345678901234567"]);
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-value", "16"]);
    h.cmd(1, &["SADD", "k", "s"]);
    assert_eq!(enc(&mut h, "k"), "hashtable");
    // The directives: CONFIG SET takes effect for the next write, range checked.
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "2"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "set-max-listpack-value", "3"]), "+OK\r\n");
    h.cmd(1, &["SADD", "l", "a", "b"]);
    assert_eq!(enc(&mut h, "l"), "listpack");
    h.cmd(1, &["SADD", "l", "c"]);
    assert_eq!(enc(&mut h, "l"), "hashtable");
    h.cmd(1, &["SADD", "l2", "abcd"]);
    assert_eq!(enc(&mut h, "l2"), "hashtable");
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "0"]);
    h.cmd(1, &["SADD", "l3", "a"]);
    assert_eq!(enc(&mut h, "l3"), "hashtable");
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "-1"]),
        "-ERR CONFIG SET failed (possibly related to argument 'set-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "set-max-listpack-value", "1k"]),
        "-ERR CONFIG SET failed (possibly related to argument 'set-max-listpack-value') - argument couldn't be parsed into an integer\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "set-max-listpack*"]),
        "*4\r\n$24\r\nset-max-listpack-entries\r\n$1\r\n0\r\n$22\r\nset-max-listpack-value\r\n$1\r\n3\r\n"
    );
}

#[test]
fn sinterstore_results_take_redis_72_encodings() {
    let mut h = client();
    // Two listpacks whose intersection is integers: an intset.
    h.cmd(1, &["SADD", "a", "a", "b", "c", "1", "3", "6", "x"]);
    h.cmd(1, &["SADD", "b", "e", "f", "1", "2", "3", "u"]);
    assert_eq!(h.cmd(1, &["SINTERSTORE", "r", "a", "b"]), ":2\r\n");
    assert_eq!(enc(&mut h, "r"), "intset");
    // Strings in common: a listpack, in the smaller set's order.
    h.cmd(1, &["SADD", "b", "x", "c"]);
    assert_eq!(h.cmd(1, &["SINTERSTORE", "r", "a", "b"]), ":4\r\n");
    assert_eq!(enc(&mut h, "r"), "listpack");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "r"])), ["c", "1", "3", "x"]);
    // Two hashtables sharing many integers: an intset again.
    let mut both = words("", 130);
    both.extend(["p".to_string(), "q".to_string()]);
    sadd(&mut h, "h1", &both);
    sadd(&mut h, "h2", &words("", 140));
    h.cmd(1, &["SADD", "h2", "z"]);
    assert_eq!(enc(&mut h, "h1"), "hashtable");
    assert_eq!(h.cmd(1, &["SINTERSTORE", "r", "h1", "h2"]), ":130\r\n");
    assert_eq!(enc(&mut h, "r"), "intset");
    // More integers in common than an intset holds: past the listpack too, a hashtable.
    h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "100"]);
    assert_eq!(h.cmd(1, &["SINTERSTORE", "r", "h1", "h2"]), ":130\r\n");
    assert_eq!(enc(&mut h, "r"), "hashtable");
    // SUNION of strings replies in the order the members were added (a listpack result).
    h.cmd(1, &["SADD", "u1", "z", "y"]);
    h.cmd(1, &["SADD", "u2", "y", "x", "1"]);
    assert_eq!(members(&h.cmd(1, &["SUNION", "u1", "u2"])), ["z", "y", "x", "1"]);
    assert_eq!(h.cmd(1, &["SUNIONSTORE", "r", "u2", "u1"]), ":4\r\n");
    assert_eq!(enc(&mut h, "r"), "listpack");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "r"])), ["y", "x", "1", "z"]);
    assert_eq!(members(&h.cmd(1, &["SDIFF", "u2", "u1"])), ["x", "1"]);
    assert_eq!(
        h.cmd(1, &["SSCAN", "u2", "0", "COUNT", "1"]),
        "*2\r\n$1\r\n0\r\n*3\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\n1\r\n",
        "a listpack scans whole"
    );
    assert_eq!(
        h.cmd(1, &["SORT", "u2", "BY", "nosort"]),
        "*3\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\n1\r\n"
    );
}

#[test]
fn debug_reload_keeps_small_sets_listpacks() {
    let mut h = client();
    sadd(&mut h, "small", &words("i", 50));
    sadd(&mut h, "big", &words("i", 256));
    sadd(&mut h, "ints", &words("", 100));
    h.cmd(1, &["SADD", "mixed", "5", "-2", "a", "7"]);
    let before: Vec<String> = ["small", "big", "ints", "mixed"]
        .iter()
        .map(|k| h.cmd(1, &["SMEMBERS", k]))
        .collect();
    assert_eq!(
        ["small", "big", "ints", "mixed"].map(|k| enc(&mut h, k)),
        ["listpack", "hashtable", "intset", "listpack"]
    );
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(
        ["small", "big", "ints", "mixed"].map(|k| enc(&mut h, k)),
        ["listpack", "hashtable", "intset", "listpack"]
    );
    // The listpacks come back in the same order (their leading integers were ascending).
    assert_eq!(h.cmd(1, &["SMEMBERS", "small"]), before[0]);
    assert_eq!(h.cmd(1, &["SMEMBERS", "mixed"]), before[3]);
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "mixed"])), ["-2", "5", "a", "7"]);
    // With lower limits at load time, the same file gives other encodings.
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "10"]);
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(enc(&mut h, "small"), "hashtable");
    assert_eq!(enc(&mut h, "mixed"), "listpack");
}

#[test]
fn digests_match_redis() {
    let mut h = client();
    h.cmd(1, &["SADD", "g", "a", "b", "c", "1", "2"]);
    h.cmd(1, &["SADD", "s", "1", "2", "3"]);
    h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "3"]);
    h.cmd(1, &["SADD", "s", "4"]);
    h.cmd(1, &["SREM", "s", "4"]);
    // As redis-server 7.0.15 answers for the same commands (encodings do not matter).
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "g", "s", "nokey"]),
        "*3\r\n+b61daf08bbb208f9a6c7d9382868f1513fd7e269\r\n+2a462a3f51a1db89738ebbeef0c47ce1bbc85246\r\n+0000000000000000000000000000000000000000\r\n"
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn dump_and_restore_sets() {
    let mut h = client();
    // Redis 7.0's DUMP of SADD a b (a hashtable, RDB type 2): a listpack once loaded, as in
    // Redis 7.2, in the payload's order.
    let ab = hex("0202016101620a00fe642125eb033d0d");
    assert_eq!(raw(&mut h, &[b"RESTORE", b"k", b"0", &ab]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "k"]), "$8\r\nlistpack\r\n");
    assert_eq!(h.cmd(1, &["SMEMBERS", "k"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    // Redis' DUMP of {2, a, 1} (RDB type 2): the intset {2} becomes a listpack at a.
    let mixed = hex("0203c0020161c0010a00e9b614620b2eb4eb");
    assert_eq!(raw(&mut h, &[b"RESTORE", b"m", b"0", &mixed]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "m"]), "$8\r\nlistpack\r\n");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "m"])), ["2", "a", "1"]);
    // ... and a hashtable when the loading server's set-max-listpack-entries is 1.
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "1"]);
    assert_eq!(raw(&mut h, &[b"RESTORE", b"m2", b"0", &mixed]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "m2"]), "$9\r\nhashtable\r\n");
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "128"]);
    assert_eq!(h.cmd(1, &["SISMEMBER", "m", "a"]), ":1\r\n");
    // Our DUMP of an intset is Redis' own payload (its intset blob, RDB type 11), and it
    // round-trips: integers stay an intset.
    h.cmd(1, &["SADD", "i", "3", "-1", "70000", "9999999999"]);
    let dumped = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![vec![b"DUMP".to_vec(), b"i".to_vec()]],
        },
    );
    let start = dumped.iter().position(|&b| b == b'\n').unwrap() + 1;
    let payload = dumped[start..dumped.len() - 2].to_vec();
    assert_eq!(
        payload,
        hex("0b280800000004000000ffffffffffffffff03000000000000007011010000000000ffe30b54020000000a001a6d5ae7c37d54c7")
    );
    assert_eq!(raw(&mut h, &[b"RESTORE", b"i2", b"0", &payload]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "i2"]), "$6\r\nintset\r\n");
    assert_eq!(h.cmd(1, &["SMEMBERS", "i2"]), h.cmd(1, &["SMEMBERS", "i"]));
    // More members than set-max-intset-entries: a hashtable straight away.
    h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "2"]);
    assert_eq!(raw(&mut h, &[b"RESTORE", b"i3", b"0", &payload]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "i3"]), "$9\r\nhashtable\r\n");
    // Empty sets and duplicate members are refused.
    for body in [&b"\x02\x00"[..], b"\x02\x02\x01a\x01a", b"\x02\x02\xc0\x01\x011"] {
        let mut p = body.to_vec();
        ferrous_core::rdb::dump::seal(&mut p, 10);
        assert_eq!(
            raw(&mut h, &[b"RESTORE", b"bad", b"0", &p]),
            "-ERR Bad data format\r\n",
            "{body:?}"
        );
    }
}

#[test]
fn random_commands_have_redis_shapes() {
    let mut h = client();
    let words: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(words.iter().map(String::as_str));
    h.cmd(1, &sadd);
    h.cmd(1, &["SADD", "i", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    for key in ["s", "i"] {
        let all: BTreeSet<String> = members(&h.cmd(1, &["SMEMBERS", key])).into_iter().collect();
        let n = all.len();
        for count in [1, 2, 5, n / 3 + 1, n - 1, n, n + 5] {
            let got = members(&h.cmd(1, &["SRANDMEMBER", key, &count.to_string()]));
            assert_eq!(got.len(), count.min(n), "SRANDMEMBER {key} {count}");
            let uniq: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!(uniq.len(), got.len());
            assert!(uniq.is_subset(&all));
            let neg = members(&h.cmd(1, &["SRANDMEMBER", key, &format!("-{count}")]));
            assert_eq!(neg.len(), count);
            assert!(neg.iter().all(|m| all.contains(m)));
        }
        let one = h.cmd(1, &["SRANDMEMBER", key]);
        assert!(all.contains(one.split("\r\n").nth(1).unwrap()));
    }
    // SPOP in its three strategies: few of many, most of them, all.
    let mut left: BTreeSet<String> = members(&h.cmd(1, &["SMEMBERS", "s"])).into_iter().collect();
    for count in [3usize, 30] {
        let popped = members(&h.cmd(1, &["SPOP", "s", &count.to_string()]));
        assert_eq!(popped.len(), count);
        for m in &popped {
            assert!(left.remove(m), "{m} popped twice or never there");
        }
        let now: BTreeSet<String> = members(&h.cmd(1, &["SMEMBERS", "s"])).into_iter().collect();
        assert_eq!(now, left);
    }
    let single = h.cmd(1, &["SPOP", "s"]);
    assert!(left.remove(single.split("\r\n").nth(1).unwrap()));
    let rest: BTreeSet<String> = members(&h.cmd(1, &["SPOP", "s", "100"])).into_iter().collect();
    assert_eq!(rest, left);
    assert_eq!(h.cmd(1, &["EXISTS", "s"]), ":0\r\n");
    // An intset popped whole replies ascending.
    assert_eq!(
        members(&h.cmd(1, &["SPOP", "i", "10"])),
        (1..=10).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

#[test]
fn sscan_walks_a_hashtable_and_returns_an_intset_whole() {
    let mut h = client();
    let words: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(words.iter().map(String::as_str));
    h.cmd(1, &sadd);
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut calls = 0;
    loop {
        let r = h.cmd(1, &["SSCAN", "s", &cursor, "COUNT", "7"]);
        let lines: Vec<&str> = r.split("\r\n").collect();
        cursor = lines[2].to_string();
        seen.extend(members(&lines[3..].join("\r\n")));
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 10);
    assert_eq!(seen.len(), 300);
    let r = h.cmd(1, &["SSCAN", "s", "0", "MATCH", "w29*", "COUNT", "1000"]);
    assert_eq!(
        members(&r.split("\r\n").skip(3).collect::<Vec<_>>().join("\r\n")).len(),
        11
    );
}

/// The DUMP payload at the end of a bulk reply.
fn dumped(h: &mut Harness, key: &str) -> Vec<u8> {
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![vec![b"DUMP".to_vec(), key.as_bytes().to_vec()]],
        },
    );
    let start = out.iter().position(|&b| b == b'\n').unwrap() + 1;
    out[start..out.len() - 2].to_vec()
}

/// The listpack of `SADD s a b 1` as Redis 7.2 holds it, built from the format: total bytes
/// (u32 LE) and element count (u16 LE), then `a` and `b` as 6-bit strings (0x81, the byte,
/// backlen 2) and 1 as a 7-bit integer (0x01, backlen 1), and the 0xFF terminator.
const LP_A_B_1: &[u8] = b"\x0f\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x01\x01\xff";

/// A type-20 DUMP body: the type byte, then the listpack as an RDB string (6-bit length).
fn set_listpack_body(lp: &[u8]) -> Vec<u8> {
    let mut body = vec![20u8, lp.len() as u8];
    body.extend_from_slice(lp);
    body
}

#[test]
fn a_listpack_set_dumps_as_a_plain_set_and_restores_as_a_listpack() {
    let mut h = client();
    h.cmd(1, &["SADD", "s", "b", "12", "a"]);
    assert_eq!(enc(&mut h, "s"), "listpack");
    // RDB_TYPE_SET (what Redis 7.0 reads), members in listpack order, 12 integer-encoded.
    let p = dumped(&mut h, "s");
    assert_eq!(&p[..p.len() - 10], b"\x02\x03\x01b\xc0\x0c\x01a");
    assert_eq!(&p[p.len() - 10..p.len() - 8], b"\x0a\x00", "RDB version 10");
    assert_eq!(raw(&mut h, &[b"RESTORE", b"t", b"0", &p]), "+OK\r\n");
    assert_eq!(enc(&mut h, "t"), "listpack");
    assert_eq!(h.cmd(1, &["SMEMBERS", "t"]), h.cmd(1, &["SMEMBERS", "s"]));
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "s"]),
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "t"])
    );
}

#[test]
fn redis_72_set_listpack_payloads() {
    use ferrous_core::rdb::dump::{load, seal, verify, FooterError};
    // DUMP of `SADD s a b 1` on Redis 7.2: the type-20 body, then RDB version 11 and the
    // CRC-64 of all that (computed apart from ferrous, with a CRC-64/Jones that gives Redis'
    // footer for the payloads above).
    let payload = hex("140f0f00000003008161028162020101ff0b002ebbdf41d7870d64");
    let mut sealed = set_listpack_body(LP_A_B_1);
    seal(&mut sealed, 11);
    assert_eq!(sealed, payload);
    // Redis 7.0's RESTORE refuses a version-11 footer, and so does ferrous...
    assert_eq!(verify(&payload), Err(FooterError::Version { found: 11 }));
    let mut h = client();
    assert_eq!(
        raw(&mut h, &[b"RESTORE", b"k", b"0", &payload]),
        "-ERR DUMP payload version or checksum are wrong\r\n"
    );
    // ... but the body itself reads (as from a version-11 RDB file): a listpack set.
    let v = load(&payload).unwrap();
    assert_eq!(v.encoding(), "listpack");
    // Under a version-10 footer RESTORE takes it, as it is.
    let mut p10 = set_listpack_body(LP_A_B_1);
    seal(&mut p10, 10);
    assert_eq!(raw(&mut h, &[b"RESTORE", b"k", b"0", &p10]), "+OK\r\n");
    assert_eq!(enc(&mut h, "k"), "listpack");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "k"])), ["a", "b", "1"]);
    assert_eq!(h.cmd(1, &["SISMEMBER", "k", "1"]), ":1\r\n");
    // Longer than set-max-listpack-entries: a hashtable.
    h.cmd(1, &["CONFIG", "SET", "set-max-listpack-entries", "2"]);
    assert_eq!(raw(&mut h, &[b"RESTORE", b"k2", b"0", &p10]), "+OK\r\n");
    assert_eq!(enc(&mut h, "k2"), "hashtable");
    assert_eq!(h.cmd(1, &["SCARD", "k2"]), ":3\r\n");
    // Refused: empty, a member twice (also as an integer and a string of the same text), a
    // count that does not match, a listpack cut short.
    let empty = b"\x07\x00\x00\x00\x00\x00\xff";
    let dup = b"\x0d\x00\x00\x00\x02\x00\x81a\x02\x81a\x02\xff";
    let int_and_str = b"\x0d\x00\x00\x00\x02\x00\x01\x01\x811\x02\xff";
    let bad_count = b"\x0f\x00\x00\x00\x04\x00\x81a\x02\x81b\x02\x01\x01\xff";
    let cut = b"\x0f\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x01\x01";
    for lp in [&empty[..], dup, int_and_str, bad_count, cut] {
        let mut p = set_listpack_body(lp);
        seal(&mut p, 10);
        assert_eq!(
            raw(&mut h, &[b"RESTORE", b"bad", b"0", &p]),
            "-ERR Bad data format\r\n",
            "{lp:?}"
        );
        assert!(load(&p).is_err());
    }
    assert_eq!(h.cmd(1, &["EXISTS", "bad"]), ":0\r\n");
}

#[test]
fn a_redis_72_rdb_file_with_a_listpack_set_loads() {
    use ferrous_core::rdb::crc64::crc64;
    // REDIS0011, SELECTDB 0, a type-20 key `s`, EOF and the file's CRC-64.
    let mut file = b"REDIS0011\xfe\x00".to_vec();
    file.extend_from_slice(&[20, 1, b's', LP_A_B_1.len() as u8]);
    file.extend_from_slice(LP_A_B_1);
    file.push(0xff);
    let crc = crc64(0, &file);
    file.extend_from_slice(&crc.to_le_bytes());
    let cfg = Config::from_text("enable-debug-command yes\ndir /data\n").unwrap();
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h.disk.files.insert("/data/dump.rdb".into(), file);
    h.srv.load_from_disk();
    h.event(1, Event::Tick);
    assert_eq!(enc(&mut h, "s"), "listpack");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "s"])), ["a", "b", "1"]);
    // Saved again as version 10, where the set is an RDB_TYPE_SET; reloaded, a listpack.
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert!(h.disk.files["/data/dump.rdb"].starts_with(b"REDIS0010"));
    assert_eq!(enc(&mut h, "s"), "listpack");
    assert_eq!(members(&h.cmd(1, &["SMEMBERS", "s"])), ["a", "b", "1"]);
}
