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
