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
