//! Keyspace notifications through the harness: the notify-keyspace-events flags as CONFIG SET
//! and the config file take and show them, and the events commands raise, in order. Every
//! expectation here was checked against Debian's redis-server 7.0.15.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

/// The client that runs commands, and the one that listens.
const C: u64 = 1;
const LISTENER: u64 = 9;

/// A server with `flags`, a listener on every keyspace channel (`__keyspace@*`), and `C`.
fn listening(flags: &str) -> Harness {
    let mut h = Harness::new(Config::default());
    h.connect(C, true);
    h.connect(LISTENER, true);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", flags]), "+OK\r\n");
    h.cmd(LISTENER, &["PSUBSCRIBE", "__keyspace@*"]);
    h
}

/// The bulk strings of a run of RESP2 arrays, in order.
fn bulks(mut b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(nl) = b.windows(2).position(|w| w == b"\r\n") {
        let line = &b[..nl];
        b = &b[nl + 2..];
        if line.first() == Some(&b'$') {
            let len: usize = std::str::from_utf8(&line[1..]).unwrap().parse().unwrap();
            out.push(b[..len].to_vec());
            b = &b[len + 2..];
        }
    }
    out
}

/// What the listener received since the last call, as "key event @db" lines.
fn events(h: &mut Harness) -> Vec<String> {
    let sent = h.take_sent(LISTENER);
    bulks(sent.as_bytes())
        .chunks(4)
        .map(|m| {
            let channel = String::from_utf8_lossy(&m[2]);
            let (space, key) = channel.split_once(':').unwrap();
            let db = space.trim_start_matches("__keyspace@").trim_end_matches("__");
            format!("{key} {} @{db}", String::from_utf8_lossy(&m[3]))
        })
        .collect()
}

/// Runs `cmds` and returns the events they raised.
fn run(h: &mut Harness, cmds: &[&[&str]]) -> Vec<String> {
    events(h);
    for c in cmds {
        h.cmd(C, c);
    }
    events(h)
}

fn config_get(h: &mut Harness) -> String {
    let r = h.cmd(C, &["CONFIG", "GET", "notify-keyspace-events"]);
    let b = bulks(r.as_bytes());
    String::from_utf8_lossy(&b[1]).into_owned()
}

#[test]
fn flags_are_parsed_and_shown_as_redis_does() {
    let mut h = Harness::new(Config::default());
    h.connect(C, true);
    assert_eq!(config_get(&mut h), "");
    for (set, shown) in [
        ("gKE", "gKE"),
        ("$lshzxeKE", "$lshzxeKE"),
        ("KA", "AK"),
        ("EA", "AE"),
        // A leaves out m and n; with every class of A on, "n" is not shown.
        ("KEAnm", "AKEm"),
        ("nK", "nK"),
        ("zz", "z"),
        ("", ""),
    ] {
        assert_eq!(h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", set]), "+OK\r\n");
        assert_eq!(config_get(&mut h), shown, "set {set}");
    }
    assert_eq!(
        h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "KEw"]),
        "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
    );
}

#[test]
fn a_failed_config_set_restores_the_flags_from_their_shown_text() {
    let mut h = Harness::new(Config::default());
    h.connect(C, true);
    h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "Kn"]);
    let r = h.cmd(
        C,
        &[
            "CONFIG",
            "SET",
            "timeout",
            "0",
            "notify-keyspace-events",
            "Kx",
            "hz",
            "abc",
        ],
    );
    assert_eq!(
        r,
        "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n"
    );
    assert_eq!(config_get(&mut h), "nK");
    // Shown as "AKE", the flags come back without "n".
    h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "KEAn"]);
    h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "KEw"]);
    assert_eq!(config_get(&mut h), "AKE");
    h.cmd(C, &["SET", "k", "v"]);
    h.connect(LISTENER, true);
    h.cmd(LISTENER, &["PSUBSCRIBE", "__keyspace@*"]);
    assert_eq!(run(&mut h, &[&["SET", "j", "v"]]), ["j set @0"]);
}

#[test]
fn the_config_file_sets_the_flags() {
    let cfg = Config::from_text("notify-keyspace-events \"Elg\"\n").unwrap();
    let mut h = Harness::new(cfg);
    h.connect(C, true);
    assert_eq!(config_get(&mut h), "glE");
    let e = Config::from_text("port 7000\nnotify-keyspace-events KEq\n").unwrap_err();
    assert_eq!(
        (e.line_no, e.reason.as_str()),
        (2, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    );
}

#[test]
fn keyspace_and_keyevent_channels_and_class_masks() {
    let mut h = listening("KEl");
    h.cmd(LISTENER, &["PSUBSCRIBE", "__keyevent@*"]);
    h.take_sent(LISTENER);
    h.cmd(C, &["SET", "foo", "bar"]);
    h.cmd(C, &["LPUSH", "mylist", "a"]);
    let got = bulks(h.take_sent(LISTENER).as_bytes());
    let got: Vec<String> = got.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    assert_eq!(
        got,
        [
            "pmessage",
            "__keyspace@*",
            "__keyspace@0__:mylist",
            "lpush",
            "pmessage",
            "__keyevent@*",
            "__keyevent@0__:lpush",
            "mylist"
        ]
    );
}

#[test]
fn strings_raise_new_and_their_events() {
    let mut h = listening("KA$nm");
    let got = run(
        &mut h,
        &[
            &["SET", "k", "v", "EX", "100"],
            &["SET", "k", "w"],
            &["SET", "k", "x", "KEEPTTL", "GET"],
            &["INCR", "i"],
            &["DECR", "i"],
            &["INCRBYFLOAT", "f", "1.5"],
            &["APPEND", "a", "x"],
            &["SETRANGE", "r", "2", "x"],
            &["SETRANGE", "r", "0", ""],
            &["SETBIT", "b", "3", "1"],
            &["SETBIT", "b", "3", "1"],
            &["BITFIELD", "bf", "SET", "u8", "0", "1"],
            &["BITOP", "OR", "bo", "b"],
            &["BITOP", "OR", "bo", "nokey"],
            &["MSET", "m1", "1", "m1", "2"],
            &["GETSET", "g", "1"],
            &["GETDEL", "g"],
            &["PSETEX", "p", "1000", "x"],
        ],
    );
    assert_eq!(
        got,
        [
            "k new @0",
            "k set @0",
            "k expire @0",
            "k set @0",
            "k set @0",
            "i new @0",
            "i incrby @0",
            "i incrby @0",
            "f new @0",
            "f incrbyfloat @0",
            "a new @0",
            "a append @0",
            "r new @0",
            "r setrange @0",
            "b new @0",
            "b setbit @0",
            "bf new @0",
            "bf setbit @0",
            "bo new @0",
            "bo set @0",
            "nokey keymiss @0",
            "bo del @0",
            "m1 new @0",
            "m1 set @0",
            "m1 set @0",
            "g keymiss @0",
            "g new @0",
            "g set @0",
            "g del @0",
            "p new @0",
            "p set @0",
            "p expire @0",
        ]
    );
}

#[test]
fn generic_commands_raise_their_events() {
    let mut h = listening("KAn");
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SET", "b", "2"]);
    let got = run(
        &mut h,
        &[
            &["RENAME", "a", "b"],
            &["RENAMENX", "b", "b"],
            &["EXPIRE", "b", "-1"],
            &["SET", "k", "v"],
            &["MOVE", "k", "1"],
            &["SELECT", "1"],
            &["COPY", "k", "c"],
            &["COPY", "k", "c", "REPLACE", "DB", "2"],
            &["PEXPIRE", "k", "100000"],
            &["PERSIST", "k"],
            &["DEL", "k", "nokey"],
        ],
    );
    assert_eq!(
        got,
        [
            "b new @0",
            "a rename_from @0",
            "b rename_to @0",
            "b del @0",
            "k new @0",
            "k set @0",
            "k new @1",
            "k move_from @0",
            "k move_to @1",
            "c new @1",
            "c copy_to @1",
            "c new @2",
            "c copy_to @2",
            "k expire @1",
            "k persist @1",
            "k del @1",
        ]
    );
}

#[test]
fn restore_and_sort_store() {
    let mut h = listening("KAn");
    h.cmd(C, &["SET", "k", "v"]);
    // The payload is binary: raw bytes, not the lossy text `cmd` returns.
    let raw = |h: &mut Harness, args: Vec<Vec<u8>>| {
        h.event(
            C,
            Event::Commands {
                client: C,
                cmds: vec![args],
            },
        )
    };
    let dump = bulks(&raw(&mut h, vec![b"DUMP".to_vec(), b"k".to_vec()])).remove(0);
    events(&mut h);
    let restore: Vec<Vec<u8>> = [&b"RESTORE"[..], b"r", b"0", &dump, b"REPLACE"]
        .iter()
        .map(|a| a.to_vec())
        .collect();
    for _ in 0..2 {
        assert_eq!(raw(&mut h, restore.clone()), b"+OK\r\n");
    }
    assert_eq!(events(&mut h), ["r new @0", "r restore @0", "r new @0", "r restore @0"]);
    let got = run(
        &mut h,
        &[
            &["RPUSH", "l", "3", "1", "2"],
            &["SORT", "l", "STORE", "d"],
            &["SORT", "l", "STORE", "d"],
            &["SORT", "nokey", "STORE", "d"],
        ],
    );
    assert_eq!(
        got,
        [
            "l new @0",
            "l rpush @0",
            "d new @0",
            "d sortstore @0",
            "d sortstore @0",
            "d del @0"
        ]
    );
}

#[test]
fn collections_raise_their_events_and_del_when_emptied() {
    let mut h = listening("KAn");
    let hashes = run(
        &mut h,
        &[
            &["HINCRBYFLOAT", "h", "f", "1.5"],
            &["HSET", "h", "a", "1"],
            &["HSETNX", "h", "a", "1"],
            &["HSETNX", "h", "b", "2"],
            &["HINCRBY", "h", "c", "3"],
            &["HDEL", "h", "a", "b", "c", "f", "zz"],
        ],
    );
    assert_eq!(
        hashes,
        [
            "h new @0",
            "h hincrbyfloat @0",
            "h hset @0",
            "h hset @0",
            "h hincrby @0",
            "h hdel @0",
            "h del @0"
        ]
    );
    let sets = run(
        &mut h,
        &[
            &["SADD", "s", "a", "b"],
            &["SADD", "s", "a"],
            &["SADD", "t", "b", "c"],
            &["SINTERSTORE", "d", "s", "t"],
            &["SUNIONSTORE", "d", "s", "t"],
            &["SDIFFSTORE", "d", "s", "s"],
            &["SMOVE", "s", "t", "a"],
            &["SMOVE", "s", "n", "b"],
            &["SREM", "t", "a", "b", "c"],
            &["SPOP", "n"],
        ],
    );
    assert_eq!(
        sets,
        [
            "s new @0",
            "s sadd @0",
            "t new @0",
            "t sadd @0",
            "d new @0",
            "d sinterstore @0",
            "d sunionstore @0",
            "d del @0",
            "s srem @0",
            "t sadd @0",
            "s srem @0",
            "s del @0",
            "n new @0",
            "n sadd @0",
            "t srem @0",
            "t del @0",
            "n spop @0",
            "n del @0",
        ]
    );
    let zsets = run(
        &mut h,
        &[
            &["ZADD", "z", "1", "a"],
            &["ZADD", "z", "1", "a"],
            &["ZINCRBY", "z", "1", "a"],
            &["ZADD", "z", "INCR", "1", "b"],
            &["ZADD", "z", "NX", "5", "a"],
            &["ZPOPMIN", "z"],
            &["ZADD", "z", "1", "x", "2", "y"],
            &["ZREMRANGEBYSCORE", "z", "0", "1"],
            &["ZREM", "z", "y", "a"],
            &["ZADD", "z", "1", "x"],
            &["ZRANGESTORE", "d", "z", "0", "-1"],
            &["ZUNIONSTORE", "u", "1", "z"],
            &["ZINTERSTORE", "u", "2", "z", "nokey"],
            &["ZMPOP", "1", "z", "MAX"],
        ],
    );
    assert_eq!(
        zsets,
        [
            "z new @0",
            "z zadd @0",
            "z zincr @0",
            "z zincr @0",
            "z zpopmin @0",
            "z zadd @0",
            "z zremrangebyscore @0",
            "z zrem @0",
            "z del @0",
            "z new @0",
            "z zadd @0",
            "d new @0",
            "d zrangestore @0",
            "u new @0",
            "u zunionstore @0",
            "u del @0",
            "z zpopmax @0",
            "z del @0",
        ]
    );
}

#[test]
fn lists_raise_their_events_and_a_self_move_keeps_the_key() {
    let mut h = listening("KAn");
    let got = run(
        &mut h,
        &[
            &["RPUSH", "l", "a", "b", "c"],
            &["LINSERT", "l", "BEFORE", "b", "x"],
            &["LSET", "l", "0", "y"],
            &["LREM", "l", "0", "x"],
            &["LTRIM", "l", "0", "0"],
            &["LTRIM", "l", "5", "6"],
            &["RPUSH", "l", "a"],
            &["EXPIRE", "l", "100"],
            &["LMOVE", "l", "l", "LEFT", "RIGHT"],
            &["LMOVE", "l", "m", "LEFT", "RIGHT"],
            &["LMPOP", "1", "m", "LEFT", "COUNT", "5"],
            &["RPUSH", "x", "1"],
            &["BLPOP", "x", "0"],
            &["RPUSHX", "nokey", "1"],
        ],
    );
    assert_eq!(
        got,
        [
            "l new @0",
            "l rpush @0",
            "l linsert @0",
            "l lset @0",
            "l lrem @0",
            "l ltrim @0",
            "l ltrim @0",
            "l del @0",
            "l new @0",
            "l rpush @0",
            "l expire @0",
            "l rpush @0",
            "l lpop @0",
            "m new @0",
            "m rpush @0",
            "l lpop @0",
            "l del @0",
            "m lpop @0",
            "m del @0",
            "x new @0",
            "x rpush @0",
            "x lpop @0",
            "x del @0",
        ]
    );
    // Moving the one element of a list onto itself keeps the key, and its TTL.
    h.cmd(C, &["RPUSH", "one", "a"]);
    h.cmd(C, &["EXPIRE", "one", "100"]);
    assert_eq!(h.cmd(C, &["LMOVE", "one", "one", "LEFT", "RIGHT"]), "$1\r\na\r\n");
    assert_eq!(h.cmd(C, &["TTL", "one"]), ":100\r\n");
}

#[test]
fn a_blocked_pop_served_later_raises_the_same_events() {
    let mut h = listening("KAn");
    h.connect(2, true);
    h.cmd(2, &["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"]);
    let got = run(&mut h, &[&["RPUSH", "src", "v"]]);
    assert_eq!(
        got,
        [
            "src new @0",
            "src rpush @0",
            "dst new @0",
            "dst lpush @0",
            "src rpop @0",
            "src del @0"
        ]
    );
}

#[test]
fn expired_keys_raise_expired_lazily_and_from_the_cron() {
    let mut h = listening("KAnm");
    h.cmd(C, &["SET", "k", "v", "PX", "1"]);
    h.cmd(C, &["SET", "j", "v", "PXAT", "1"]);
    h.srv.set_active_expire(false);
    h.now.unix_ms += 10;
    let got = run(
        &mut h,
        &[
            &["GET", "k"],
            &["EXISTS", "j"],
            &["TYPE", "nokey"],
            &["OBJECT", "ENCODING", "nokey"],
            &["TTL", "nokey"],
        ],
    );
    assert_eq!(
        got,
        [
            "k expired @0",
            "k keymiss @0",
            "j expired @0",
            "j keymiss @0",
            "nokey keymiss @0",
            "nokey keymiss @0"
        ]
    );
    // Active expiry: nobody touches the key, the cron deletes it.
    h.srv.set_active_expire(true);
    h.cmd(C, &["SET", "a", "v", "PX", "50"]);
    events(&mut h);
    h.now.unix_ms += 200;
    h.now.mono_us += 200_000;
    h.event(C, Event::Tick);
    assert_eq!(events(&mut h), ["a expired @0"]);
}

#[test]
fn getex_and_expire_in_the_past() {
    let mut h = listening("KAn");
    let got = run(
        &mut h,
        &[
            &["SET", "k", "v", "EX", "100"],
            &["GETEX", "k", "PERSIST"],
            &["GETEX", "k", "PERSIST"],
            &["GETEX", "k", "EX", "100"],
            &["GETEX", "k", "PXAT", "1"],
            &["SET", "e", "v"],
            &["PEXPIREAT", "e", "1"],
        ],
    );
    assert_eq!(
        got,
        [
            "k new @0",
            "k set @0",
            "k expire @0",
            "k persist @0",
            "k expire @0",
            "k del @0",
            "e new @0",
            "e set @0",
            "e del @0"
        ]
    );
}

/// A RESP3 client that listens to its own events gets them as pushes inside its replies,
/// where Redis 7.0 writes them (even in the middle of an array).
#[test]
fn a_resp3_client_gets_its_own_events_where_redis_writes_them() {
    let mut h = Harness::new(Config::default());
    h.connect(C, true);
    h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "KEAnm"]);
    h.cmd(C, &["HELLO", "3"]);
    h.cmd(C, &["PSUBSCRIBE", "__keyspace*"]);
    h.srv.set_active_expire(false);
    let push = |key: &str, event: &str| {
        let channel = format!("__keyspace@0__:{key}");
        format!(
            ">4\r\n$8\r\npmessage\r\n$11\r\n__keyspace*\r\n${}\r\n{channel}\r\n${}\r\n{event}\r\n",
            channel.len(),
            event.len()
        )
    };
    assert_eq!(
        h.cmd(C, &["SET", "k", "v", "PX", "1"]),
        push("k", "new") + &push("k", "set") + &push("k", "expire") + "+OK\r\n"
    );
    h.now.unix_ms += 10;
    assert_eq!(
        h.cmd(C, &["GET", "k"]),
        push("k", "expired") + &push("k", "keymiss") + "_\r\n"
    );
    // Pushes raise their events after replying.
    assert_eq!(
        h.cmd(C, &["LPUSH", "l", "a"]),
        push("l", "new") + ":1\r\n" + &push("l", "lpush")
    );
    assert_eq!(
        h.cmd(C, &["LPOP", "l"]),
        "$1\r\na\r\n".to_string() + &push("l", "lpop") + &push("l", "del")
    );
    h.cmd(C, &["SET", "k", "v"]);
    assert_eq!(
        h.cmd(C, &["EXPIRE", "k", "100"]),
        ":1\r\n".to_string() + &push("k", "expire")
    );
    assert_eq!(
        h.cmd(C, &["MGET", "k", "x", "y"]),
        "*3\r\n$1\r\nv\r\n".to_string() + &push("x", "keymiss") + "_\r\n" + &push("y", "keymiss") + "_\r\n"
    );
    h.cmd(C, &["MULTI"]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["GET", "zz"]);
    assert_eq!(
        h.cmd(C, &["EXEC"]),
        "*2\r\n".to_string() + &push("a", "new") + &push("a", "set") + "+OK\r\n" + &push("zz", "keymiss") + "_\r\n"
    );
    h.cmd(C, &["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!(
        h.cmd(C, &["ZPOPMIN", "z", "2"]),
        "*2\r\n".to_string()
            + &push("z", "zpopmin")
            + "*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
            + &push("z", "del")
    );
    h.cmd(C, &["SADD", "s", "1"]);
    assert_eq!(
        h.cmd(C, &["SORT", "s", "BY", "nosuch*", "GET", "g*"]),
        push("nosuch1", "keymiss") + "*1\r\n" + &push("g1", "keymiss") + "_\r\n"
    );
    assert_eq!(h.cmd(C, &["SINTERSTORE", "d", "zz"]), push("zz", "keymiss") + ":0\r\n");
    // CLIENT REPLY OFF silences the reply, not the pushes.
    h.cmd(C, &["CLIENT", "REPLY", "OFF"]);
    assert_eq!(h.cmd(C, &["SET", "q", "1"]), push("q", "new") + &push("q", "set"));
}

/// What the allocator "uses" in the eviction test (only that test reads it).
static USED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn used_memory() -> ferrous_core::MemoryStats {
    let used = USED.load(std::sync::atomic::Ordering::Relaxed);
    ferrous_core::MemoryStats {
        allocated: used,
        resident: used,
        allocator: "test",
    }
}

#[test]
fn evicted_keys_raise_evicted_when_redis_evicts_them() {
    let over = |yes: bool| USED.store(if yes { 1_000_001 } else { 0 }, std::sync::atomic::Ordering::Relaxed);
    let env = ferrous_core::ServerEnv {
        memory_probe: Some(used_memory),
        ..Default::default()
    };
    let now = ferrous_core::Now::new(1_700_000_000_000, 1_000_000);
    let mut h = Harness {
        srv: ferrous_core::Server::new(Config::default(), env, 42, now),
        now,
        other: Vec::new(),
        disk: Default::default(),
        listen_fails: None,
    };
    h.connect(C, true);
    h.connect(LISTENER, true);
    h.cmd(C, &["CONFIG", "SET", "notify-keyspace-events", "KEAn"]);
    h.cmd(LISTENER, &["PSUBSCRIBE", "__keyspace@*"]);
    h.cmd(C, &["SET", "foo", "bar"]);
    events(&mut h);
    // A new maxmemory below what is used evicts at once (Redis' eviction time event).
    over(true);
    let r = h.cmd(
        C,
        &[
            "CONFIG",
            "SET",
            "maxmemory-policy",
            "allkeys-lru",
            "maxmemory",
            "1000000",
        ],
    );
    assert_eq!(r, "+OK\r\n");
    assert_eq!(events(&mut h), ["foo evicted @0"]);
    over(false);
    h.cmd(C, &["SET", "a", "1"]);
    events(&mut h);
    // Redis evicts before any command, a read too.
    over(true);
    assert_eq!(h.cmd(C, &["GET", "a"]), "$-1\r\n");
    assert_eq!(events(&mut h), ["a evicted @0"]);
}
