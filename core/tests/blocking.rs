//! Blocked clients as Redis 7.0's blocked.c treats them, through the harness: every reply
//! below was taken from redis-server 7.0.15 running the same commands (virtual time here,
//! real sleeps there).

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event, RequestParser};

fn harness() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    for id in 1..=4 {
        h.connect(id, true);
    }
    h
}

fn advance_ms(h: &mut Harness, ms: u64) {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
}

/// Runs each command (words split on spaces) from client 1 and checks its reply.
fn expect(h: &mut Harness, steps: &[(&str, &str)]) {
    for (cmd, want) in steps {
        let words: Vec<&str> = cmd.split(' ').collect();
        assert_eq!(h.cmd(1, &words), *want, "{cmd}");
    }
}

/// Runs `cmds` from client 1 inside MULTI/EXEC and checks EXEC's reply.
fn transaction(h: &mut Harness, cmds: &[&str], exec: &str) {
    let mut steps = vec![("MULTI", "+OK\r\n")];
    steps.extend(cmds.iter().map(|c| (*c, "+QUEUED\r\n")));
    steps.push(("EXEC", exec));
    expect(h, &steps);
}

fn expired_keys(h: &mut Harness) -> String {
    let info = h.cmd(1, &["INFO", "stats"]);
    let line = info.lines().find(|l| l.starts_with("expired_keys:"));
    line.unwrap_or_default().to_string()
}

const BROKEN: &str = "-ERR Protocol error: invalid bulk length\r\n";

#[test]
fn a_broken_request_waits_behind_a_blocked_command() {
    let mut h = harness();
    // Served: the pop, the command queued behind it, then the error, and the client is closed.
    let mut p = RequestParser::new();
    assert_eq!(h.raw(2, &mut p, b"BLPOP q 0\r\nPING\r\n*1\r\n$x\r\n"), b"");
    assert!(!h.closed(2));
    assert_eq!(h.cmd(1, &["LPUSH", "q", "v"]), ":1\r\n");
    assert_eq!(h.take_sent(2), format!("*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n{BROKEN}"));
    assert!(h.closed(2));

    // Timed out: the same order.
    let mut p = RequestParser::new();
    assert_eq!(h.raw(3, &mut p, b"BLPOP q 0.2\r\nECHO hi\r\n*1\r\n$x\r\n"), b"");
    advance_ms(&mut h, 200);
    h.event(1, Event::Tick);
    assert_eq!(h.take_sent(3), format!("*-1\r\n$2\r\nhi\r\n{BROKEN}"));
    assert!(h.closed(3));

    // A queued command that blocks again keeps the error waiting behind it.
    let mut p = RequestParser::new();
    assert_eq!(h.raw(4, &mut p, b"BLPOP q 0\r\nBLPOP q 0\r\n*1\r\n$x\r\n"), b"");
    assert_eq!(h.cmd(1, &["LPUSH", "q", "v"]), ":1\r\n");
    assert_eq!(h.take_sent(4), "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    assert!(!h.closed(4));
    assert_eq!(h.cmd(1, &["LPUSH", "q", "w"]), ":1\r\n");
    assert_eq!(h.take_sent(4), format!("*2\r\n$1\r\nq\r\n$1\r\nw\r\n{BROKEN}"));
    assert!(h.closed(4));
}

#[test]
fn a_waiter_is_served_from_the_key_that_woke_it() {
    let mut h = harness();
    // An earlier key of another type is no error: only the ready key is looked at.
    h.cmd(2, &["BLPOP", "k1", "k2", "0"]);
    transaction(&mut h, &["LPUSH k2 x", "SET k1 str"], "*2\r\n:1\r\n+OK\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$2\r\nk2\r\n$1\r\nx\r\n");

    h.cmd(2, &["BZPOPMIN", "z1", "z2", "0"]);
    transaction(&mut h, &["ZADD z2 3 m", "SET z1 str"], "*2\r\n:1\r\n+OK\r\n");
    assert_eq!(h.take_sent(2), "*3\r\n$2\r\nz2\r\n$1\r\nm\r\n$1\r\n3\r\n");

    h.cmd(2, &["BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "5"]);
    transaction(&mut h, &["RPUSH l2 1 2", "SET l1 s"], "*2\r\n:2\r\n+OK\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$2\r\nl2\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");

    h.cmd(2, &["BZMPOP", "0", "2", "y1", "y2", "MAX", "COUNT", "5"]);
    transaction(&mut h, &["ZADD y2 1 a 2 b", "SET y1 s"], "*2\r\n:2\r\n+OK\r\n");
    assert_eq!(
        h.take_sent(2),
        "*2\r\n$2\r\ny2\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
}

#[test]
fn a_blmove_filling_an_earlier_key_does_not_redirect_the_waiter() {
    let mut h = harness();
    h.cmd(2, &["BLPOP", "a", "z", "0"]);
    h.cmd(3, &["BLMOVE", "c", "a", "LEFT", "LEFT", "0"]);
    // c is handled first: the move fills a (handled in a later round); z still serves client 2.
    transaction(&mut h, &["LPUSH c y", "LPUSH z x"], "*2\r\n:1\r\n:1\r\n");
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nz\r\n$1\r\nx\r\n");
    assert_eq!(h.take_sent(3), "$1\r\ny\r\n");
    expect(
        &mut h,
        &[("LRANGE a 0 -1", "*1\r\n$1\r\ny\r\n"), ("EXISTS z", ":0\r\n")],
    );
}

#[test]
fn only_keys_signalled_ready_are_looked_at() {
    let mut h = harness();
    h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    h.cmd(2, &["BLPOP", "k", "0"]);
    // A string under a waited key wakes nobody, so nothing looks at it once it has expired.
    h.cmd(1, &["SET", "k", "v", "PX", "50"]);
    advance_ms(&mut h, 100);
    expect(
        &mut h,
        &[
            ("DBSIZE", ":1\r\n"),
            ("DBSIZE", ":1\r\n"),
            ("LPUSH other x", ":1\r\n"),
            ("DBSIZE", ":2\r\n"),
        ],
    );
    assert_eq!(expired_keys(&mut h), "expired_keys:0");

    // SWAPDB signals every waited key that exists after the swap: the lookup deletes an
    // expired one (the string left behind in database 1 is nobody's business).
    expect(
        &mut h,
        &[
            ("SELECT 1", "+OK\r\n"),
            ("RPUSH k x", ":1\r\n"),
            ("PEXPIRE k 50", ":1\r\n"),
        ],
    );
    advance_ms(&mut h, 100);
    expect(
        &mut h,
        &[
            ("SWAPDB 0 1", "+OK\r\n"),
            ("DBSIZE", ":2\r\n"),
            ("SELECT 0", "+OK\r\n"),
            ("DBSIZE", ":0\r\n"),
        ],
    );
    assert_eq!(expired_keys(&mut h), "expired_keys:1");
    assert_eq!(h.take_sent(2), "");

    // A live list swapped in serves the waiter.
    expect(
        &mut h,
        &[
            ("SELECT 1", "+OK\r\n"),
            ("DEL k", ":0\r\n"),
            ("RPUSH k live", ":1\r\n"),
            ("SWAPDB 1 0", "+OK\r\n"),
        ],
    );
    assert_eq!(h.take_sent(2), "*2\r\n$1\r\nk\r\n$4\r\nlive\r\n");
}

/// Client `waiter` blocks with `block`; client 1's `quiet` commands (with their replies) leave
/// it waiting; `wake` then serves it with `served`.
fn stays_blocked_until(h: &mut Harness, waiter: u64, block: &[&str], quiet: &[(&str, &str)], wake: &str, served: &str) {
    assert_eq!(h.cmd(waiter, block), "");
    expect(h, quiet);
    assert_eq!(h.take_sent(waiter), "", "woken before {wake}");
    let words: Vec<&str> = wake.split(' ').collect();
    h.cmd(1, &words);
    assert_eq!(h.take_sent(waiter), served, "served by {wake}");
}

#[test]
fn overwriting_a_waited_key_wakes_nobody_but_delete_and_add_does() {
    let mut h = harness();
    // A STORE over a string overwrites it in place (setKey's dbOverwrite): the waiter keeps
    // waiting, and adding to the existing value signals nothing either. RENAME, COPY ...
    // REPLACE and RESTORE ... REPLACE delete the destination and add it anew: that wakes it.
    let zset = [
        ("SET z str", "+OK\r\n"),
        ("ZADD src 1 m", ":1\r\n"),
        ("ZUNIONSTORE z 1 src", ":1\r\n"),
        ("ZADD z 2 n", ":1\r\n"),
        ("ZCARD z", ":2\r\n"),
    ];
    let popped = "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n";
    stays_blocked_until(&mut h, 2, &["BZPOPMIN", "z", "0"], &zset, "RENAME src z", popped);
    let list = [
        ("SET l str", "+OK\r\n"),
        ("RPUSH s 3 1", ":2\r\n"),
        ("SORT s STORE l", ":2\r\n"),
        ("LPUSH l 9", ":3\r\n"),
    ];
    let popped = "*2\r\n$1\r\nl\r\n$1\r\n3\r\n";
    stays_blocked_until(&mut h, 3, &["BLPOP", "l", "0"], &list, "COPY s l REPLACE", popped);

    h.cmd(3, &["BLPOP", "r", "0"]);
    h.cmd(1, &["SET", "r", "str"]);
    let dump = h.event(1, command(&[b"DUMP", b"s"]));
    let payload = &dump[dump.iter().position(|&b| b == b'\n').unwrap() + 1..dump.len() - 2];
    let restored = h.event(1, command(&[b"RESTORE", b"r", b"0", payload, b"REPLACE"]));
    assert_eq!(restored, b"+OK\r\n");
    assert_eq!(h.take_sent(3), "*2\r\n$1\r\nr\r\n$1\r\n3\r\n");
}

/// One command from client 1, binary-safe.
fn command(words: &[&[u8]]) -> Event {
    Event::Commands {
        client: 1,
        cmds: vec![words.iter().map(|w| w.to_vec()).collect()],
    }
}

/// Redis' list unit, "MULTI + LPUSH + EXPIRE + DEBUG SLEEP on blocked client, key already
/// expired": the sleep happens inside EXEC, so when EXEC's pushed key is looked at afterwards
/// it has expired and the waiter stays blocked.
#[test]
fn a_key_that_expires_during_exec_s_debug_sleep_wakes_nobody() {
    let mut h = harness();
    h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    h.cmd(2, &["BRPOP", "k", "0"]);
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["RPUSH", "k", "hello"]);
    h.cmd(1, &["PEXPIRE", "k", "100"]);
    h.cmd(1, &["DEBUG", "SLEEP", "0.2"]);
    h.cmd(1, &["EXEC"]);
    advance_ms(&mut h, 250);
    h.event(1, Event::Tick);
    assert!(h.cmd(1, &["CLIENT", "LIST", "ID", "2"]).contains("flags=b "));
    assert_eq!(h.cmd(1, &["EXISTS", "k"]), ":0\r\n");
}
