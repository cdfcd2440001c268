//! DUMP and RESTORE through the harness: Redis' payloads restore here, ours are Redis', and
//! RESTORE checks its arguments in Redis' order. Expected replies were taken from
//! redis-server 7.0.15.

use ferrous_core::harness::Harness;
use ferrous_core::rdb::dump::seal;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    h
}

/// Sends one command of binary-safe arguments; returns the raw reply.
fn call(h: &mut Harness, args: &[&[u8]]) -> Vec<u8> {
    let cmds = vec![args.iter().map(|a| a.to_vec()).collect()];
    h.event(1, Event::Commands { client: 1, cmds })
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn bulk(b: &[u8]) -> Vec<u8> {
    [format!("${}\r\n", b.len()).as_bytes(), b, b"\r\n"].concat()
}

const OK: &[u8] = b"+OK\r\n";

/// `DUMP k` after `SET k hello` on redis-server 7.0.15.
const HELLO: &str = "000568656c6c6f0a006372df766534200a";

/// (value, its DUMP from redis-server 7.0.15): int, embstr, raw, LZF-compressed.
fn redis_payloads() -> Vec<(Vec<u8>, Vec<u8>)> {
    let alpha: Vec<u8> = (0..1200).map(|i| b'a' + (i % 26) as u8).collect();
    vec![
        (b"hello".to_vec(), unhex(HELLO)),
        (b"12345".to_vec(), unhex("00c139300a009d94ea2793fc08b9")),
        (b"2147483648".to_vec(), unhex("000a323134373438333634380a00e7b129a34c1d76ee")),
        (vec![b'a'; 51], unhex("00c30933016161e026000161610a0022515eae73bac27e")),
        (
            alpha,
            unhex("00c32e44b01a6162636465666768696a6b6c6d6e6f707172737475767778797a61e0ff19e1ff1de2ff21e3ff25e46a290163640a00e5b20de91207d8b6"),
        ),
    ]
}

#[test]
fn redis_payloads_restore_and_dump_back_identically() {
    let mut h = client();
    for (value, payload) in redis_payloads() {
        assert_eq!(call(&mut h, &[b"RESTORE", b"k", b"0", &payload]), OK);
        assert_eq!(call(&mut h, &[b"GET", b"k"]), bulk(&value));
        assert_eq!(call(&mut h, &[b"DUMP", b"k"]), bulk(&payload));
        assert_eq!(call(&mut h, &[b"SET", b"k2", &value]), OK);
        assert_eq!(call(&mut h, &[b"DUMP", b"k2"]), bulk(&payload));
        assert_eq!(call(&mut h, &[b"DEL", b"k", b"k2"]), b":2\r\n");
    }
}

#[test]
fn dump_of_a_missing_key_is_null_and_restore_keeps_encodings() {
    let mut h = client();
    assert_eq!(call(&mut h, &[b"DUMP", b"nokey"]), b"$-1\r\n");
    assert_eq!(call(&mut h, &[b"SET", b"n", b"1"]), OK);
    assert_eq!(call(&mut h, &[b"APPEND", b"n", b"2"]), b":2\r\n");
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"n"]), bulk(b"raw"));
    // A raw "12" dumps as an 8-bit integer and comes back `int`, as in Redis.
    let payload = call(&mut h, &[b"DUMP", b"n"]);
    assert_eq!(payload, bulk(&unhex("00c00c0a003c2af8515c04bcd5")));
    let payload = &payload[5..payload.len() - 2];
    assert_eq!(call(&mut h, &[b"RESTORE", b"m", b"0", payload]), OK);
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"m"]), bulk(b"int"));
}

/// RESTOREs `payload` (a DUMP from redis-server 7.0.15) at `key`; it must come back listpack
/// and DUMP back byte for byte.
fn restore_kept_listpack(h: &mut Harness, key: &[u8], payload: &[u8]) {
    assert_eq!(call(h, &[b"RESTORE", key, b"0", payload]), OK);
    assert_eq!(call(h, &[b"OBJECT", b"ENCODING", key]), bulk(b"listpack"));
    assert_eq!(call(h, &[b"DUMP", key]), bulk(payload));
}

/// A hash listpack with a 100-byte value (`HSET h f <100 x> n 12` under
/// hash-max-listpack-value 200, DUMPed by redis-server 7.0.15) restored under the default 64:
/// Redis keeps the listpack as it is (it checks only the field count on load), DUMPs it back
/// byte for byte, and converts only when a new long value is written.
#[test]
fn a_restored_hash_listpack_is_kept_as_it_is() {
    let mut h = client();
    let p = unhex("10c31840760b760000000400816602e06478e05a000666816e020c01ff0a004198fa69e8399118");
    let long = vec![b'x'; 100];
    restore_kept_listpack(&mut h, b"h", &p);
    assert_eq!(call(&mut h, &[b"HGET", b"h", b"f"]), bulk(&long));
    assert_eq!(call(&mut h, &[b"HGET", b"h", b"n"]), bulk(b"12"));
    assert_eq!(call(&mut h, &[b"HSET", b"h", b"g", b"1"]), b":1\r\n");
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"h"]), bulk(b"listpack"));
    assert_eq!(call(&mut h, &[b"HSET", b"h", b"g2", &[b'y'; 70]]), b":1\r\n");
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"h"]), bulk(b"hashtable"));
    assert_eq!(call(&mut h, &[b"HGET", b"h", b"f"]), bulk(&long));
}

/// A sorted-set listpack with a 70-byte member (`ZADD z 1.5 a 2 b 1e20 c -0 12 inf d 0.1 <70 x>`
/// under zset-max-listpack-value 200, DUMPed by redis-server 7.0.15) restored under the
/// default 64: kept as it is (DUMP gives the same bytes, ZSCAN the stored score texts),
/// converted only when a new long member is added.
#[test]
fn a_restored_zset_listpack_is_kept_as_it_is() {
    let mut h = client();
    let p = unhex("11c33f40880c880000000c000c010001e04678e03c00054893302e3130e005001f311481610283312e350481620202018163028531652b32300681640283696e660104ff0a0036662ec8828d4875");
    let long = vec![b'x'; 70];
    restore_kept_listpack(&mut h, b"z", &p);
    let mut scan = b"*2\r\n$1\r\n0\r\n*12\r\n".to_vec();
    for e in [
        &b"12"[..],
        b"0",
        &long,
        b"0.10000000000000001",
        b"a",
        b"1.5",
        b"b",
        b"2",
        b"c",
        b"1e+20",
        b"d",
        b"inf",
    ] {
        scan.extend(bulk(e));
    }
    assert_eq!(call(&mut h, &[b"ZSCAN", b"z", b"0"]), scan);
    assert_eq!(call(&mut h, &[b"ZRANK", b"z", b"12"]), b":0\r\n");
    assert_eq!(call(&mut h, &[b"ZSCORE", b"z", b"c"]), bulk(b"1e+20"));
    assert_eq!(call(&mut h, &[b"ZADD", b"z", b"3", b"e"]), b":1\r\n");
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"z"]), bulk(b"listpack"));
    assert_eq!(call(&mut h, &[b"ZADD", b"z", b"4", &[b'y'; 70]]), b":1\r\n");
    assert_eq!(call(&mut h, &[b"OBJECT", b"ENCODING", b"z"]), bulk(b"skiplist"));
    assert_eq!(
        call(&mut h, &[b"ZRANGE", b"z", b"1", b"1"]),
        b"*1\r\n".iter().copied().chain(bulk(&long)).collect::<Vec<u8>>()
    );
}

#[test]
fn restore_checks_in_redis_order() {
    let mut h = client();
    let p = unhex(HELLO);
    let err = |m: &str| format!("-{m}\r\n").into_bytes();
    assert_eq!(call(&mut h, &[b"RESTORE", b"x", b"0", &p]), OK);
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"x", b"0", &p]),
        err("BUSYKEY Target key name already exists.")
    );
    // Options are checked first, then the key, then the TTL, then the payload.
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"x", b"0", &p, b"foo"]),
        err("ERR syntax error")
    );
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"x", b"abc", b"junk"]),
        err("BUSYKEY Target key name already exists.")
    );
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"x", b"-1", b"junk", b"REPLACE"]),
        err("ERR Invalid TTL value, must be >= 0")
    );
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"y", b"abc", &p]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"y", b"-0", &p]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"y", b"0", b"xx"]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    let mut newer = b"\x00\x05hello".to_vec();
    seal(&mut newer, 11);
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"y", b"0", &newer]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    let mut bad_crc = p.clone();
    bad_crc[3] ^= 0x20;
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"y", b"0", &bad_crc]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    let mut older = b"\x00\x05hello".to_vec();
    seal(&mut older, 9);
    assert_eq!(call(&mut h, &[b"RESTORE", b"y", b"0", &older]), OK);
    for body in [&b"\x01\x00"[..], b"\x08\x00", b"\x00\xc4", b"\x00\x82", b""] {
        let mut bad = body.to_vec();
        seal(&mut bad, 10);
        assert_eq!(
            call(&mut h, &[b"RESTORE", b"z", b"0", &bad]),
            err("ERR Bad data format"),
            "{body:?}"
        );
    }
    assert_eq!(call(&mut h, &[b"EXISTS", b"z"]), b":0\r\n");
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"z"]),
        err("ERR wrong number of arguments for 'restore' command")
    );
}

#[test]
fn restore_options_like_redis() {
    let mut h = client();
    let p = unhex(HELLO);
    let err = |m: &str| format!("-{m}\r\n").into_bytes();
    let cases: &[(&[&[u8]], &[u8])] = &[
        (&[b"IDLETIME", b"-1"], b"-ERR Invalid IDLETIME value, must be >= 0\r\n"),
        (
            &[b"IDLETIME", b"abc"],
            b"-ERR value is not an integer or out of range\r\n",
        ),
        (
            &[b"FREQ", b"256"],
            b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n",
        ),
        (
            &[b"FREQ", b"-1"],
            b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n",
        ),
        (&[b"FREQ", b"1.5"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"FREQ", b"1", b"IDLETIME", b"1"], b"-ERR syntax error\r\n"),
        (&[b"idletime", b"1", b"freq", b"1"], b"-ERR syntax error\r\n"),
        (&[b"IDLETIME"], b"-ERR syntax error\r\n"),
        (&[b"FREQ", b"10", b"FREQ", b"20"], OK),
        (&[b"IdleTime", b"10", b"IDLETIME", b"99999999999"], OK),
        (&[b"REPLACE", b"replace", b"absttl"], OK),
    ];
    for (opts, reply) in cases {
        let mut args: Vec<&[u8]> = vec![b"RESTORE", b"k", b"0", &p];
        args.extend_from_slice(opts);
        assert_eq!(call(&mut h, &args), *reply, "{opts:?}");
        call(&mut h, &[b"DEL", b"k"]);
    }
    // An option error comes before the payload is looked at.
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"k", b"0", b"junk", b"FREQ", b"300"]),
        err("ERR Invalid FREQ value, must be >= 0 and <= 255")
    );
}

#[test]
fn restore_ttls_relative_absolute_and_already_expired() {
    let mut h = client();
    let p = unhex(HELLO);
    let now = h.now.unix_ms;
    assert_eq!(call(&mut h, &[b"RESTORE", b"rel", b"5000", &p]), OK);
    assert_eq!(call(&mut h, &[b"PTTL", b"rel"]), b":5000\r\n");
    let at = (now + 60_000).to_string();
    assert_eq!(call(&mut h, &[b"RESTORE", b"abs", at.as_bytes(), &p, b"ABSTTL"]), OK);
    assert_eq!(
        call(&mut h, &[b"PEXPIRETIME", b"abs"]),
        format!(":{at}\r\n").into_bytes()
    );
    assert_eq!(call(&mut h, &[b"RESTORE", b"none", b"0", &p, b"ABSTTL"]), OK);
    assert_eq!(call(&mut h, &[b"PTTL", b"none"]), b":-1\r\n");
    // Already expired: OK, but no key; with REPLACE the old key is gone too.
    assert_eq!(call(&mut h, &[b"RESTORE", b"gone", b"1", &p, b"ABSTTL"]), OK);
    assert_eq!(call(&mut h, &[b"EXISTS", b"gone"]), b":0\r\n");
    let past = now.to_string();
    assert_eq!(
        call(
            &mut h,
            &[b"RESTORE", b"rel", past.as_bytes(), &p, b"ABSTTL", b"REPLACE"]
        ),
        OK
    );
    assert_eq!(call(&mut h, &[b"EXISTS", b"rel"]), b":0\r\n");
    // A relative TTL so large that now + ttl wraps (as in Redis' C) is in the past.
    assert_eq!(call(&mut h, &[b"SET", b"big", b"v"]), OK);
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"big", b"9223372036854775807", &p, b"REPLACE"]),
        OK
    );
    assert_eq!(call(&mut h, &[b"EXISTS", b"big"]), b":0\r\n");
    assert_eq!(
        call(&mut h, &[b"RESTORE", b"big", b"9223372036854775807", &p, b"ABSTTL"]),
        OK
    );
    assert_eq!(call(&mut h, &[b"PEXPIRETIME", b"big"]), b":9223372036854775807\r\n");
    // A key that has expired logically (its expiry is past, not just now) is not in the way.
    assert_eq!(call(&mut h, &[b"SET", b"old", b"v", b"PX", b"10"]), OK);
    h.now.unix_ms += 11;
    h.now.mono_us += 11_000;
    assert_eq!(call(&mut h, &[b"RESTORE", b"old", b"0", &p]), OK);
    assert_eq!(call(&mut h, &[b"GET", b"old"]), bulk(b"hello"));
    // REPLACE drops the old TTL unless a new one is given.
    assert_eq!(call(&mut h, &[b"SET", b"t", b"v", b"EX", b"100"]), OK);
    assert_eq!(call(&mut h, &[b"RESTORE", b"t", b"0", &p, b"REPLACE"]), OK);
    assert_eq!(call(&mut h, &[b"TTL", b"t"]), b":-1\r\n");
}

#[test]
fn command_info_rows() {
    let mut h = client();
    let info = String::from_utf8(call(&mut h, &[b"COMMAND", b"INFO", b"DUMP", b"RESTORE"])).unwrap();
    assert!(info.starts_with("*2\r\n*10\r\n$4\r\ndump\r\n:2\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*1\r\n$23\r\nnondeterministic_output\r\n"), "{info}");
    assert!(info.contains("$7\r\nrestore\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n*0\r\n"), "{info}");
    assert!(info.contains("+OW\r\n+update\r\n"), "{info}");
    assert!(info.contains("+RO\r\n+access\r\n"), "{info}");
}

/// Commands that build lists of several quicklist nodes, and the DUMP redis-server 7.0.15
/// gave for each after the same commands on an empty server: the node split is Redis' own,
/// listpack bytes and plain nodes included.
#[test]
fn multi_node_lists_dump_as_redis_does_and_restore_into_the_same_nodes() {
    let x100 = "x".repeat(100);
    let mut c_push = vec!["RPUSH", "c"];
    c_push.extend(std::iter::repeat_n(x100.as_str(), 200));
    let y25 = "y".repeat(25);
    let z30 = "z".repeat(30);
    let steps: &[&[&str]] = &[
        &["CONFIG", "SET", "list-max-listpack-size", "4"],
        &["RPUSH", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        &["RPUSH", "b", "a", "b", "c", "d", "e", "f", "g", "h"],
        // Into the middle of a full node: it splits, and the parts merge where they fit.
        &["LINSERT", "b", "AFTER", "b", "X"],
        &["LINSERT", "b", "BEFORE", "g", "Y"],
        &["CONFIG", "SET", "list-max-listpack-size", "-2"],
        &c_push,
        &[
            "LPUSH", "d", "1", "111", "222", "333", "444", "555", "666", "777", "888", "999",
        ],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "20b"],
        // A large value over a listpack element: a plain node after its split node.
        &["LSET", "d", "4", &y25],
        &["RPUSH", "d", &z30],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
        &["CONFIG", "SET", "list-max-listpack-size", "4"],
        &["RPUSH", "e", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
        &["LREM", "e", "1", "b"],
        &["LTRIM", "e", "1", "-2"],
    ];
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    for s in steps {
        let args: Vec<&[u8]> = s.iter().map(|w| w.as_bytes()).collect();
        let r = call(&mut h, &args);
        assert!(!r.starts_with(b"-"), "{s:?}: {}", String::from_utf8_lossy(&r));
    }
    // Two full nodes of 79 elements and one of 42, each LZF-compressed (runs of back
    // references written here as repeats).
    let c_node =
        "c340ae5fd008d01f00004f00e06478e05a000066e0ff66e02300".to_string() + &"e1ff34e02400".repeat(25) + "0166ff";
    let c = format!(
        "120302{c_node}02{c_node}02c3406350ed08ed1000002a00e06478e05a000066e0ff66e02300{}e1c5340166ff0a00669a9c5518ac19d5",
        "e1ff34e02400".repeat(12)
    );
    let redis: &[(&str, String)] = &[
        ("a", "1203020f0f00000004000101020103010401ff020f0f00000004000501060107010801ff020b0b000000020009010a01ff0a004f98fc19d762604e".into()),
        ("b", "1204020d0d0000000200816102816202ff0210100000000300815802816302816402ff0210100000000300816502816602815902ff020d0d0000000200816702816802ff0a00af624e85d46b90b1".into()),
        ("c", c),
        ("d", "12040213130000000400c3e702c37802c30902c29a02ff01c30919017979e00c000179790214140000000500c1bc02c14d02c0de026f010101ff01c3091e017a7ae01100017a7a0a00f25c5b2f97e2cb60".into()),
        ("e", "1203020d0d0000000200816302816402ff0213130000000400816502816602816702816802ff0210100000000300816902816a02816b02ff0a00a24353a590b49a51".into()),
    ];
    for (key, hex) in redis {
        let payload = unhex(hex);
        let k = key.as_bytes();
        assert_eq!(call(&mut h, &[b"DUMP", k]), bulk(&payload), "DUMP {key}");
        // Restored (under another fill), the nodes are kept as they came.
        let elements = call(&mut h, &[b"LRANGE", k, b"0", b"-1"]);
        assert_eq!(call(&mut h, &[b"RESTORE", b"copy", b"0", &payload, b"REPLACE"]), OK);
        assert_eq!(call(&mut h, &[b"LRANGE", b"copy", b"0", b"-1"]), elements);
        assert_eq!(
            call(&mut h, &[b"DUMP", b"copy"]),
            bulk(&payload),
            "DUMP of {key} restored"
        );
    }
}

/// Redis' corrupt-dump test: a hash ziplist whose second entry's length runs past the blob.
const BAD_HASH_ZIPLIST: &[u8] = b"\x0D\x1B\x1B\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x61\x00\x04\x02\x62\x00\x04\x14\x63\x00\x04\x02\x64\x00\xFF\x09\x00\xD9\x10\x54\x92\x15\xF5\x5F\x52";

/// A refused payload is logged at verbose level with Redis' reason (its tests look for
/// "integrity check failed"); a wrong CRC-64 is accepted while DEBUG
/// SET-SKIP-CHECKSUM-VALIDATION is on, as Redis' corrupt-dump tests use it.
#[test]
fn a_refused_payload_is_logged_with_redis_reason_and_the_checksum_can_be_skipped() {
    let text = "loglevel verbose\nenable-debug-command yes\n";
    let mut h = Harness::new(Config::from_text(text).unwrap());
    h.connect(1, true);
    let reply = call(&mut h, &[b"RESTORE", b"key", b"0", BAD_HASH_ZIPLIST]);
    assert_eq!(reply, b"-ERR Bad data format\r\n");
    let logged = h.other.iter().any(|o| {
        matches!(o, ferrous_core::Output::Log { text, .. }
            if text.contains("Hash ziplist integrity check failed."))
    });
    assert!(logged, "{:?}", h.other);

    let mut payload = unhex(HELLO);
    let n = payload.len();
    payload[n - 1] ^= 0xff;
    let wrong = b"-ERR DUMP payload version or checksum are wrong\r\n";
    assert_eq!(call(&mut h, &[b"RESTORE", b"k", b"0", &payload]), wrong);
    assert_eq!(call(&mut h, &[b"DEBUG", b"SET-SKIP-CHECKSUM-VALIDATION", b"1"]), OK);
    assert_eq!(call(&mut h, &[b"RESTORE", b"k", b"0", &payload]), OK);
    assert_eq!(call(&mut h, &[b"GET", b"k"]), bulk(b"hello"));
    // The version is still checked.
    payload[n - 10] = 0xff;
    assert_eq!(call(&mut h, &[b"RESTORE", b"k2", b"0", &payload]), wrong);
    assert_eq!(call(&mut h, &[b"DEBUG", b"SET-SKIP-CHECKSUM-VALIDATION", b"0"]), OK);
    payload[n - 10] = 10;
    assert_eq!(call(&mut h, &[b"RESTORE", b"k3", b"0", &payload]), wrong);
}

/// sanitize-dump-payload takes Redis' values (ferrous checks deeply whatever it says);
/// use-exit-on-panic is hidden from CONFIG GET patterns, as in Redis.
#[test]
fn crash_and_sanitize_settings_are_redis_configs() {
    let mut h = client();
    assert_eq!(
        call(&mut h, &[b"CONFIG", b"SET", b"sanitize-dump-payload", b"clients"]),
        OK
    );
    let got = call(&mut h, &[b"CONFIG", b"GET", b"sanitize-dump-payload"]);
    assert_eq!(got, b"*2\r\n$21\r\nsanitize-dump-payload\r\n$7\r\nclients\r\n");
    let bad = call(&mut h, &[b"CONFIG", b"SET", b"sanitize-dump-payload", b"maybe"]);
    assert!(bad.starts_with(b"-ERR CONFIG SET failed (possibly related to argument 'sanitize-dump-payload')"));
    assert_eq!(call(&mut h, &[b"CONFIG", b"SET", b"use-exit-on-panic", b"yes"]), OK);
    let exact = call(&mut h, &[b"CONFIG", b"GET", b"use-exit-on-panic"]);
    assert_eq!(exact, b"*2\r\n$17\r\nuse-exit-on-panic\r\n$3\r\nyes\r\n");
    let pattern = call(&mut h, &[b"CONFIG", b"GET", b"use-exit-*"]);
    assert_eq!(pattern, b"*0\r\n");
    let crash = call(&mut h, &[b"CONFIG", b"GET", b"crash-*"]);
    assert_eq!(
        crash,
        b"*4\r\n$17\r\ncrash-log-enabled\r\n$3\r\nyes\r\n$22\r\ncrash-memcheck-enabled\r\n$3\r\nyes\r\n"
    );
}
