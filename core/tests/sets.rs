//! Set commands through the harness: replies as redis-server 7.0.15 gives them (taken from
//! the real server), encodings and their conversions, DUMP/RESTORE and DEBUG DIGEST-VALUE, and
//! the random commands' shapes.

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

/// Commands and redis-server 7.0.15's replies (`None`: not compared).
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
    ("OBJECT ENCODING h", Some("$9\r\nhashtable\r\n")),
    ("SADD s -0", Some(":1\r\n")),
    ("OBJECT ENCODING s", Some("$9\r\nhashtable\r\n")),
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

#[test]
fn encodings_convert_at_redis_points() {
    let mut h = client();
    let enc = |h: &mut Harness, k: &str| h.cmd(1, &["OBJECT", "ENCODING", k]);
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "set-max-intset-entries", "3"]), "+OK\r\n");
    h.cmd(1, &["SADD", "s", "1", "2", "3"]);
    assert_eq!(enc(&mut h, "s"), "$6\r\nintset\r\n");
    h.cmd(1, &["SADD", "s", "4"]);
    assert_eq!(enc(&mut h, "s"), "$9\r\nhashtable\r\n");
    // Never back, even when small again.
    h.cmd(1, &["SREM", "s", "4"]);
    assert_eq!(enc(&mut h, "s"), "$9\r\nhashtable\r\n");
    h.cmd(1, &["SADD", "t", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    assert_eq!(enc(&mut h, "t"), "$9\r\nhashtable\r\n");
    assert_eq!(h.cmd(1, &["SINTERSTORE", "d", "t", "t"]), ":10\r\n");
    assert_eq!(enc(&mut h, "d"), "$9\r\nhashtable\r\n");
    // A result is built as a new set: an intset again when it can be.
    assert_eq!(h.cmd(1, &["SUNIONSTORE", "d", "s"]), ":3\r\n");
    assert_eq!(enc(&mut h, "d"), "$6\r\nintset\r\n");
    assert_eq!(h.cmd(1, &["SDIFFSTORE", "d", "t", "s"]), ":7\r\n");
    assert_eq!(enc(&mut h, "d"), "$9\r\nhashtable\r\n");
    // SPOP leaving few members keeps them in a new set: an intset here.
    assert_eq!(members(&h.cmd(1, &["SPOP", "t", "9"])).len(), 9);
    assert_eq!(h.cmd(1, &["SCARD", "t"]), ":1\r\n");
    assert_eq!(enc(&mut h, "t"), "$6\r\nintset\r\n");
    // ... but not when it pops few of many.
    h.cmd(1, &["SADD", "u", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    assert_eq!(members(&h.cmd(1, &["SPOP", "u", "3"])).len(), 3);
    assert_eq!(h.cmd(1, &["SCARD", "u"]), ":7\r\n");
    assert_eq!(enc(&mut h, "u"), "$9\r\nhashtable\r\n");
    // SMOVE into a new key creates it for the member.
    assert_eq!(h.cmd(1, &["SADD", "w", "x", "5"]), ":2\r\n");
    assert_eq!(h.cmd(1, &["SMOVE", "w", "nw", "x"]), ":1\r\n");
    assert_eq!(enc(&mut h, "nw"), "$9\r\nhashtable\r\n");
    assert_eq!(h.cmd(1, &["SMOVE", "w", "nw2", "5"]), ":1\r\n");
    assert_eq!(enc(&mut h, "nw2"), "$6\r\nintset\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "w"]), ":0\r\n");
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
    // Redis' DUMP of SADD a b (hashtable): RDB type 2.
    let ab = hex("0202016101620a00fe642125eb033d0d");
    assert_eq!(raw(&mut h, &[b"RESTORE", b"k", b"0", &ab]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
    assert_eq!(h.cmd(1, &["SCARD", "k"]), ":2\r\n");
    // Redis' DUMP of {2, a, 1} with set-max-intset-entries 2: loads as a hashtable (a).
    let mixed = hex("0203c0020161c0010a00e9b614620b2eb4eb");
    assert_eq!(raw(&mut h, &[b"RESTORE", b"m", b"0", &mixed]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "m"]), "$9\r\nhashtable\r\n");
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
