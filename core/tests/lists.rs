//! Lists through the harness: every reply below was taken from redis-server 7.0.15 (same
//! commands on an empty server), and blocking commands with virtual time.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn harness() -> Harness {
    let mut h = Harness::new(Config::default());
    for id in 1..=4 {
        h.connect(id, true);
    }
    h
}

fn advance_ms(h: &mut Harness, ms: u64) {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
}

/// Sends a pipeline of commands from `id` in one batch.
fn pipeline(h: &mut Harness, id: u64, cmds: &[&[&str]]) -> String {
    let cmds = cmds
        .iter()
        .map(|c| c.iter().map(|w| w.as_bytes().to_vec()).collect())
        .collect();
    let out = h.event(id, Event::Commands { client: id, cmds });
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn replies_match_redis() {
    let mut h = harness();
    let cases: &[(&[&str], &str)] = &[
        (&["RPUSH", "l", "a", "b", "c"], ":3\r\n"),
        (&["LPUSH", "l", "x", "y"], ":5\r\n"),
        (&["LRANGE", "l", "0", "-1"], "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (&["LRANGE", "l", "-100", "100"], "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (&["LRANGE", "l", "3", "1"], "*0\r\n"),
        (&["LRANGE", "l", "x", "1"], "-ERR value is not an integer or out of range\r\n"),
        (&["LRANGE", "nokey", "0", "-1"], "*0\r\n"),
        (&["LLEN", "l"], ":5\r\n"),
        (&["LINDEX", "l", "-1"], "$1\r\nc\r\n"),
        (&["LINDEX", "l", "5"], "$-1\r\n"),
        (&["LINDEX", "l", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["LINDEX", "nokey", "x"], "$-1\r\n"),
        (&["LSET", "l", "1", "Y"], "+OK\r\n"),
        (&["LSET", "l", "9", "Y"], "-ERR index out of range\r\n"),
        (&["LSET", "l", "x", "Y"], "-ERR value is not an integer or out of range\r\n"),
        (&["LSET", "nokey", "x", "Y"], "-ERR no such key\r\n"),
        (&["LINSERT", "l", "BEFORE", "a", "A"], ":6\r\n"),
        (&["LINSERT", "l", "after", "c", "C"], ":7\r\n"),
        (&["LINSERT", "l", "after", "zz", "C"], ":-1\r\n"),
        (&["LINSERT", "nokey", "after", "zz", "C"], ":0\r\n"),
        (&["LINSERT", "l", "middle", "a", "C"], "-ERR syntax error\r\n"),
        (&["LRANGE", "l", "0", "-1"], "*7\r\n$1\r\ny\r\n$1\r\nY\r\n$1\r\nA\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nC\r\n"),
        (&["OBJECT", "ENCODING", "l"], "$9\r\nquicklist\r\n"),
        (&["TYPE", "l"], "+list\r\n"),
        (&["RPUSH", "r", "1", "2", "1", "3", "1", "2"], ":6\r\n"),
        (&["LREM", "r", "-2", "1"], ":2\r\n"),
        (&["LRANGE", "r", "0", "-1"], "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
        (&["LREM", "r", "0", "2"], ":2\r\n"),
        (&["LREM", "r", "x", "2"], "-ERR value is not an integer or out of range\r\n"),
        (&["LPOS", "r", "1"], ":0\r\n"),
        (&["LPOS", "r", "3", "RANK", "-1"], ":1\r\n"),
        (&["LPOS", "r", "1", "COUNT", "0"], "*1\r\n:0\r\n"),
        (&["LPOS", "r", "9", "COUNT", "0"], "*0\r\n"),
        (&["LPOS", "r", "9"], "$-1\r\n"),
        (&["LPOS", "nokey", "9", "COUNT", "2"], "*0\r\n"),
        (&["LPOS", "r", "1", "RANK", "0"], "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
        (&["LPOS", "r", "1", "MAXLEN", "-3"], "-ERR MAXLEN can't be negative\r\n"),
        (&["LPOS", "r", "1", "FOO"], "-ERR syntax error\r\n"),
        (&["LTRIM", "r", "1", "1"], "+OK\r\n"),
        (&["LRANGE", "r", "0", "-1"], "*1\r\n$1\r\n3\r\n"),
        (&["LTRIM", "r", "5", "1"], "+OK\r\n"),
        (&["EXISTS", "r"], ":0\r\n"),
        (&["LPUSHX", "r", "a"], ":0\r\n"),
        (&["RPUSHX", "l", "z", "zz"], ":9\r\n"),
        (&["LPOP", "l"], "$1\r\ny\r\n"),
        (&["RPOP", "l", "2"], "*2\r\n$2\r\nzz\r\n$1\r\nz\r\n"),
        (&["LPOP", "l", "0"], "*0\r\n"),
        (&["LPOP", "nokey", "2"], "*-1\r\n"),
        (&["LPOP", "nokey"], "$-1\r\n"),
        (&["LPOP", "l", "-1"], "-ERR value is out of range, must be positive\r\n"),
        (&["LPOP", "l", "1", "2"], "-ERR wrong number of arguments for 'lpop' command\r\n"),
        (&["SET", "s", "str"], "+OK\r\n"),
        (&["LPUSH", "s", "a"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["LPOP", "s"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["LMOVE", "l", "dst", "LEFT", "RIGHT"], "$1\r\nY\r\n"),
        (&["LMOVE", "l", "s", "LEFT", "RIGHT"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["LMOVE", "nokey", "s", "LEFT", "RIGHT"], "$-1\r\n"),
        (&["LMOVE", "l", "dst", "UP", "RIGHT"], "-ERR syntax error\r\n"),
        (&["RPOPLPUSH", "l", "dst"], "$1\r\nC\r\n"),
        (&["LRANGE", "dst", "0", "-1"], "*2\r\n$1\r\nC\r\n$1\r\nY\r\n"),
        (&["LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "5"], "*2\r\n$3\r\ndst\r\n*2\r\n$1\r\nY\r\n$1\r\nC\r\n"),
        (&["LMPOP", "2", "nokey", "dst", "RIGHT"], "*-1\r\n"),
        (&["LMPOP", "1", "nokey", "LEFT"], "*-1\r\n"),
        (&["LMPOP", "0", "nokey", "LEFT"], "-ERR numkeys should be greater than 0\r\n"),
        (&["LMPOP", "3", "nokey", "LEFT"], "-ERR syntax error\r\n"),
        (&["LMPOP", "1", "s", "LEFT"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["BLPOP", "l", "dst", "0"], "*2\r\n$1\r\nl\r\n$1\r\nA\r\n"),
        (&["BLPOP", "s", "0"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&["BLPOP", "l", "-1"], "-ERR timeout is negative\r\n"),
        (&["BLPOP", "l", "abc"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "9"], "*2\r\n$1\r\nl\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (&["BRPOPLPUSH", "l", "dst", "x"], "-ERR timeout is not a float or out of range\r\n"),
        (&["BLMOVE", "l", "dst", "LEFT", "LEFT", "-2"], "-ERR timeout is negative\r\n"),
        (&["CLIENT", "UNBLOCK", "12345"], ":0\r\n"),
        (&["CLIENT", "UNBLOCK", "12345", "BOGUS"], "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"),
    ];
    for (cmd, want) in cases {
        assert_eq!(h.cmd(1, cmd), *want, "{cmd:?}");
    }
}

#[test]
fn resp3_null_shapes() {
    let mut h = harness();
    h.cmd(1, &["HELLO", "3"]);
    assert_eq!(h.cmd(1, &["LPOP", "nokey"]), "_\r\n");
    assert_eq!(h.cmd(1, &["LPOP", "nokey", "3"]), "_\r\n");
    assert_eq!(h.cmd(1, &["LMPOP", "1", "nokey", "LEFT"]), "_\r\n");
    assert_eq!(h.cmd(1, &["LPOS", "nokey", "x"]), "_\r\n");
}

#[test]
fn blocked_clients_are_served_first_come_first_served() {
    let mut h = harness();
    assert_eq!(h.cmd(2, &["BLPOP", "q", "other", "0"]), "");
    assert_eq!(h.cmd(3, &["BRPOP", "q", "0"]), "");
    assert!(h.cmd(1, &["INFO", "clients"]).contains("blocked_clients:2\r\n"));
    assert_eq!(h.cmd(1, &["RPUSH", "q", "a", "b", "c"]), ":3\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    // BRPOP pops from the tail.
    assert_eq!(h.take_sent(3), "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    assert_eq!(h.cmd(1, &["LRANGE", "q", "0", "-1"]), "*1\r\n$1\r\nb\r\n");
    assert!(h.cmd(1, &["INFO", "clients"]).contains("blocked_clients:0\r\n"));
}

#[test]
fn a_push_that_serves_everything_leaves_no_key() {
    let mut h = harness();
    h.cmd(2, &["BLPOP", "q", "0"]);
    assert_eq!(h.cmd(1, &["LPUSH", "q", "x"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "q"]), ":0\r\n");
}

#[test]
fn timeouts_run_in_virtual_time() {
    let mut h = harness();
    let start = h.now.mono_us;
    assert_eq!(h.cmd(2, &["BLPOP", "t", "0.5"]), "");
    assert!(h.srv.next_deadline_us() <= start + 500_000);
    advance_ms(&mut h, 499);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(2), "");
    advance_ms(&mut h, 1);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(2), "*-1\r\n");
    // RESP3 clients get the null, and BLMOVE times out with it too.
    h.cmd(3, &["HELLO", "3"]);
    assert_eq!(h.cmd(3, &["BLMOVE", "t", "d", "LEFT", "RIGHT", "0.001"]), "");
    advance_ms(&mut h, 1);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(3), "_\r\n");
    // A timeout that rounds to zero milliseconds waits forever, as in Redis (ceil of -0.1).
    assert_eq!(h.cmd(2, &["BLPOP", "t", "-0.0001"]), "");
    advance_ms(&mut h, 100_000);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(2), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNBLOCK", "2"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "*-1\r\n");
}

#[test]
fn timeouts_are_parsed_as_redis_does() {
    let mut h = harness();
    for (t, want) in [
        ("inf", "-ERR timeout is negative\r\n"),
        ("1e16", "-ERR timeout is negative\r\n"),
        ("-1", "-ERR timeout is negative\r\n"),
        ("nan", "-ERR timeout is not a float or out of range\r\n"),
        (" 1", "-ERR timeout is not a float or out of range\r\n"),
        ("", "-ERR timeout is not a float or out of range\r\n"),
    ] {
        assert_eq!(h.cmd(1, &["BLPOP", "k", t]), want, "{t:?}");
    }
    // Hexadecimal is a float to strtold: 16 seconds.
    assert_eq!(h.cmd(2, &["BLPOP", "k", "0x10"]), "");
    advance_ms(&mut h, 15_999);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(2), "");
    advance_ms(&mut h, 1);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(2), "*-1\r\n");
}

#[test]
fn pipelined_commands_wait_for_the_blocked_client() {
    let mut h = harness();
    let out = pipeline(&mut h, 2, &[&["BLPOP", "p", "0"], &["PING"], &["LLEN", "p"]]);
    assert_eq!(out, "");
    assert_eq!(h.cmd(2, &["ECHO", "later"]), "");
    assert_eq!(h.cmd(1, &["RPUSH", "p", "x", "y"]), ":2\r\n");
    assert_eq!(
        h.take_sent(2),
        "*2\r\n$1\r\np\r\n$1\r\nx\r\n+PONG\r\n:1\r\n$5\r\nlater\r\n"
    );
}

#[test]
fn client_unblock_timeout_and_error() {
    let mut h = harness();
    h.cmd(2, &["BRPOPLPUSH", "u", "v", "0"]);
    assert_eq!(h.cmd(1, &["CLIENT", "UNBLOCK", "2", "ERROR"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    assert_eq!(h.cmd(1, &["CLIENT", "UNBLOCK", "2"]), ":0\r\n");
    h.cmd(2, &["BLMPOP", "0", "1", "u", "LEFT"]);
    assert!(h
        .cmd(1, &["CLIENT", "LIST"])
        .contains("id=2 addr=127.0.0.1:40002 laddr=127.0.0.1:6379 fd=9 name= age=0 idle=0 flags=b "));
    assert_eq!(h.cmd(1, &["CLIENT", "UNBLOCK", "2", "timeout"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "*-1\r\n");
    assert_eq!(
        h.cmd(1, &["CLIENT", "UNBLOCK", "2", "timeout", "x"]),
        "-ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.\r\n"
    );
}

#[test]
fn a_disconnected_waiter_leaves_no_trace() {
    let mut h = harness();
    h.cmd(2, &["BLPOP", "d", "5"]);
    h.event(2, Event::Disconnected { client: 2 });
    assert_eq!(h.cmd(1, &["LPUSH", "d", "x"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["LLEN", "d"]), ":1\r\n");
    assert!(h.cmd(1, &["INFO", "clients"]).contains("blocked_clients:0\r\n"));
    // No deadline is left behind for it.
    assert!(h.srv.next_deadline_us() > h.now.mono_us);
}

#[test]
fn blmove_serves_and_chains_to_the_destination_waiters() {
    let mut h = harness();
    h.cmd(2, &["BLMOVE", "s1", "s2", "RIGHT", "LEFT", "0"]);
    h.cmd(3, &["BLPOP", "s2", "0"]);
    assert_eq!(h.cmd(1, &["RPUSH", "s1", "v", "w"]), ":2\r\n");
    assert_eq!(h.take_sent(2), "$1\r\nw\r\n");
    assert_eq!(h.take_sent(3), "*2\r\n$2\r\ns2\r\n$1\r\nw\r\n");
    assert_eq!(h.cmd(1, &["LRANGE", "s1", "0", "-1"]), "*1\r\n$1\r\nv\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "s2"]), ":0\r\n");
}

#[test]
fn blmpop_is_served_with_its_count() {
    let mut h = harness();
    h.cmd(2, &["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"]);
    assert_eq!(h.cmd(1, &["RPUSH", "b", "1", "2", "3"]), ":3\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
}

#[test]
fn another_type_does_not_wake_a_list_waiter() {
    let mut h = harness();
    h.cmd(2, &["BLPOP", "w", "0"]);
    assert_eq!(h.cmd(1, &["SET", "w", "x"]), "+OK\r\n");
    assert_eq!(h.take_sent(2), "");
    h.cmd(1, &["DEL", "w"]);
    assert_eq!(h.cmd(1, &["RPUSH", "w", "1"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nw\r\n$1\r\n1\r\n");
}

#[test]
fn keys_made_ready_in_another_database_do_not_wake() {
    let mut h = harness();
    h.cmd(2, &["BLPOP", "k", "0"]);
    h.cmd(1, &["SELECT", "1"]);
    h.cmd(1, &["RPUSH", "k", "x"]);
    assert_eq!(h.take_sent(2), "");
    assert_eq!(h.cmd(1, &["MOVE", "k", "0"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
}

#[test]
fn lists_survive_dump_and_restore_and_digest_like_redis() {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h.cmd(1, &["RPUSH", "l", "a", "b", "c"]);
    // redis-server 7.0.15: RPUSH l a b c, DEBUG DIGEST-VALUE l.
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "l"]),
        "*1\r\n+8bf72d812571eea9b927f3c11beb0c4165a6ff89\r\n"
    );
    let dump = vec![b"DUMP".to_vec(), b"l".to_vec()];
    let dump = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![dump],
        },
    );
    let start = dump.iter().position(|&b| b == b'\n').unwrap() + 1;
    let payload = dump[start..dump.len() - 2].to_vec();
    // redis-server 7.0.15's own payload: one quicklist node holding one listpack.
    let redis: Vec<u8> = (0..60)
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(
                &"12010210100000000300816102816202816302ff0a00c818b90c9533529e"[i..i + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(payload, redis);
    let restore = vec![b"RESTORE".to_vec(), b"l2".to_vec(), b"0".to_vec(), payload];
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![restore],
        },
    );
    assert_eq!(out, b"+OK\r\n");
    assert_eq!(
        h.cmd(1, &["LRANGE", "l2", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "l2"]), "$9\r\nquicklist\r\n");
}
