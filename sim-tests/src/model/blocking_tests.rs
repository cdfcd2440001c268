//! Blocked clients in the model, against what redis-server 7.0.15 does with the same clients:
//! served first blocked first from the key that woke them, timed out at their deadline, their
//! queued input (a broken request included) run once released, gone without a trace.

use ferrous_core::Now;
use ferrous_io_sim::Value;

use super::{Expect, Model, Owed};

const T0: u64 = 1_000_000;

fn at(mono_us: u64) -> Now {
    Now::new(1_700_000_000_000 + mono_us / 1000, mono_us)
}

pub(super) fn args(line: &str) -> Vec<Vec<u8>> {
    line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

fn model(clients: u64) -> Model {
    let mut m = Model::default();
    (1..=clients).for_each(|c| m.connect(c));
    m
}

/// Runs `line` for `client` at `now`; returns every reply owed since the last call.
fn send(m: &mut Model, client: u64, line: &str, now: Now) -> Vec<(u64, Value)> {
    m.commands(client, &[args(line)], now);
    owed(m)
}

/// Every reply owed since the last call, and to whom.
pub(super) fn owed(m: &mut Model) -> Vec<(u64, Value)> {
    m.take_owed()
        .into_iter()
        .map(|o| match o {
            Owed::Reply {
                client,
                expect: Expect::Reply(v),
                ..
            } => (client, v),
            Owed::ProtocolError { client } => (client, Value::error("<protocol error>")),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

fn popped(key: &str, v: &str) -> Value {
    Value::Array(vec![Value::bulk(key.as_bytes()), Value::bulk(v.as_bytes())])
}

#[test]
fn waiters_are_served_first_blocked_first() {
    let mut m = model(3);
    assert_eq!(send(&mut m, 1, "BLPOP k 0.5", at(T0)), vec![]);
    assert_eq!(send(&mut m, 2, "BRPOP k 0.5", at(T0 + 1)), vec![]);
    assert!(m.is_blocked(1) && m.is_blocked(2));
    let replies = send(&mut m, 3, "RPUSH k a b c", at(T0 + 2));
    assert_eq!(
        replies,
        vec![(3, Value::Int(3)), (1, popped("k", "a")), (2, popped("k", "c"))]
    );
    assert_eq!(
        send(&mut m, 3, "LRANGE k 0 -1", at(T0 + 3)),
        vec![(3, Value::Array(vec![Value::bulk(b"b")]))]
    );
    assert_eq!(m.block_stats().served, 2);
}

#[test]
fn a_waiter_times_out_at_its_deadline_and_then_runs_what_it_queued() {
    let mut m = model(1);
    m.commands(1, &[args("BLPOP k 0.015625"), args("PING")], at(T0));
    m.commands(1, &[args("ECHO hi")], at(T0 + 10));
    m.tick(at(T0 + 15_999));
    assert_eq!(owed(&mut m), vec![]);
    m.tick(at(T0 + 16_000));
    assert_eq!(
        owed(&mut m),
        vec![
            (1, Value::NullArray),
            (1, Value::simple("PONG")),
            (1, Value::bulk(b"hi"))
        ]
    );
    assert!(!m.is_blocked(1));
}

#[test]
fn a_broken_request_waits_behind_the_blocked_command() {
    let mut m = model(1);
    m.commands(1, &[args("BLPOP k9 0.5"), args("PING")], at(T0));
    m.protocol_error(1, at(T0));
    assert_eq!(owed(&mut m), vec![]);
    m.tick(at(T0 + 500_000));
    let expected = vec![
        (1, Value::NullArray),
        (1, Value::simple("PONG")),
        (1, Value::error("<protocol error>")),
    ];
    assert_eq!(owed(&mut m), expected);
    assert!(!m.is_serving(1));
}

#[test]
fn the_waiter_is_served_from_the_key_that_woke_it() {
    let mut m = model(2);
    send(&mut m, 1, "BLPOP k1 k2 5", at(T0));
    send(&mut m, 2, "SET k1 x", at(T0 + 1));
    let replies = send(&mut m, 2, "RPUSH k2 v", at(T0 + 2));
    assert_eq!(replies, vec![(2, Value::Int(1)), (1, popped("k2", "v"))]);
}

#[test]
fn a_blmove_into_a_key_of_another_type_fails_and_the_next_waiter_gets_the_element() {
    let mut m = model(3);
    send(&mut m, 3, "SET dst str", at(T0));
    send(&mut m, 1, "BLMOVE src dst LEFT LEFT 2", at(T0 + 1));
    send(&mut m, 2, "BLPOP src 2", at(T0 + 2));
    let wrongtype = Value::error("WRONGTYPE Operation against a key holding the wrong kind of value");
    let replies = send(&mut m, 3, "RPUSH src e1", at(T0 + 3));
    assert_eq!(
        replies,
        vec![(3, Value::Int(1)), (1, wrongtype), (2, popped("src", "e1"))]
    );
}

#[test]
fn a_served_blmove_wakes_the_waiters_of_its_destination() {
    let mut m = model(4);
    send(&mut m, 1, "BLMOVE a b RIGHT LEFT 1", at(T0));
    send(&mut m, 2, "BZPOPMIN b 1", at(T0 + 1));
    send(&mut m, 3, "BLPOP b 1", at(T0 + 2));
    let replies = send(&mut m, 4, "LPUSH a x", at(T0 + 3));
    // The sorted-set waiter is passed over.
    let expected = vec![(4, Value::Int(1)), (1, Value::bulk(b"x")), (3, popped("b", "x"))];
    assert_eq!(replies, expected);
    assert!(m.is_blocked(2));
    assert_eq!(send(&mut m, 4, "EXISTS a b", at(T0 + 4)), vec![(4, Value::Int(0))]);
}

#[test]
fn a_waiter_that_disconnects_leaves_no_trace() {
    let mut m = model(3);
    send(&mut m, 1, "BLPOP k 1", at(T0));
    send(&mut m, 2, "BLPOP k 1", at(T0 + 1));
    m.disconnect(1);
    let replies = send(&mut m, 3, "RPUSH k a b", at(T0 + 2));
    assert_eq!(replies, vec![(3, Value::Int(2)), (2, popped("k", "a"))]);
    assert_eq!(m.block_stats().gone, 1);
    m.tick(at(T0 + 2_000_000));
    assert_eq!(owed(&mut m), vec![]);
}

#[test]
fn zset_waiters_get_member_and_score_and_bzmpop_nests_them() {
    let mut m = model(3);
    send(&mut m, 1, "BZPOPMAX z 1", at(T0));
    send(&mut m, 2, "BZMPOP 1 1 z MIN COUNT 5", at(T0 + 1));
    let replies = send(&mut m, 3, "ZADD z 1 a 2 b 3 c", at(T0 + 2));
    let b = |s: &str| Value::bulk(s.as_bytes());
    let pair = |x: &str, s: &str| Value::Array(vec![b(x), b(s)]);
    let expected = vec![
        (3, Value::Int(3)),
        (1, Value::Array(vec![b("z"), b("c"), b("3")])),
        (
            2,
            Value::Array(vec![b("z"), Value::Array(vec![pair("a", "1"), pair("b", "2")])]),
        ),
    ];
    assert_eq!(replies, expected);
}

#[test]
fn timeouts_and_arguments_are_checked_before_keys() {
    let mut m = model(1);
    send(&mut m, 1, "SET s v", at(T0));
    let cases = [
        ("BLPOP s abc", "ERR timeout is not a float or out of range"),
        ("BLPOP s -1", "ERR timeout is negative"),
        (
            "BLPOP s 1",
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        ("BLMPOP 1 0 s LEFT", "ERR numkeys should be greater than 0"),
        ("BLMPOP 1 2 s LEFT", "ERR syntax error"),
        ("BLMPOP 1 1 s UP", "ERR syntax error"),
        ("BZMPOP 1 1 s MIN COUNT 0", "ERR count should be greater than 0"),
        ("BZMPOP x 1 s MIN", "ERR timeout is not a float or out of range"),
        ("BLMOVE s d UP LEFT 1", "ERR syntax error"),
    ];
    for (line, e) in cases {
        assert_eq!(send(&mut m, 1, line, at(T0)), vec![(1, Value::error(e))], "{line}");
    }
}
