//! The model's sorted sets against replies redis-server 7.0.15 gave to the same commands.

use ferrous_core::Now;
use ferrous_io_sim::Value;

use super::{Expect, Model};

fn model() -> Model {
    let mut m = Model::default();
    m.connect(1);
    m
}

fn run(m: &mut Model, line: &str) -> Value {
    let args: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
    match m.execute(1, &args, Now::new(1_700_000_000_123, 5)) {
        Some(Expect::Reply(v)) => v,
        other => panic!("{line}: unexpected {other:?}"),
    }
}

fn bulks(words: &str) -> Value {
    Value::Array(words.split(' ').map(|w| Value::bulk(w.as_bytes())).collect())
}

fn err(s: &str) -> Value {
    Value::error(s)
}

/// Runs each command in order, checking its reply.
fn check(m: &mut Model, cases: &[(&str, Value)]) {
    for (line, expected) in cases {
        assert_eq!(&run(m, line), expected, "{line}");
    }
}

#[test]
fn zadd_options_and_their_errors() {
    let gt_lt = || err("ERR GT, LT, and/or NX options at the same time are not compatible");
    check(
        &mut model(),
        &[
            ("ZADD z 1 a 2 b 3 c", Value::Int(3)),
            (
                "ZADD z nx xx 1 a",
                err("ERR XX and NX options at the same time are not compatible"),
            ),
            ("ZADD z gt lt 1 a", gt_lt()),
            ("ZADD z nx gt 1 a", gt_lt()),
            (
                "ZADD z incr 1 a 2 b",
                err("ERR INCR option supports a single increment-element pair"),
            ),
            ("ZADD z gt ch 0 a 5 b 9 d", Value::Int(2)),
            ("ZADD z lt incr 1 c", Value::NullBulk),
            ("ZADD z xx incr 1 zz", Value::NullBulk),
            ("ZADD z 1 x x", err("ERR syntax error")),
            ("ZADD z abc x", err("ERR value is not a valid float")),
            ("ZINCRBY z inf a", Value::bulk(b"inf")),
            ("ZINCRBY z -inf a", err("ERR resulting score is not a number (NaN)")),
            ("ZRANGE z 0 -1 WITHSCORES", bulks("c 3 b 5 d 9 a inf")),
            ("ZINCRBY z 0.1 c", Value::bulk(b"3.1000000000000001")),
        ],
    );
}

#[test]
fn zrange_forms_limits_and_errors() {
    let mut m = model();
    run(&mut m, "ZADD z 3 c 5 b 9 d inf a");
    let limit = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    let withscores = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    check(
        &mut m,
        &[
            ("ZRANGE z (1 +inf BYSCORE LIMIT 1 2 WITHSCORES", bulks("b 5 d 9")),
            ("ZRANGE z +inf (1 BYSCORE REV", bulks("a d b c")),
            ("ZRANGE z 0 -1 LIMIT 0 -1", bulks("c b d a")),
            ("ZRANGE z 0 -1 LIMIT 0 1", err(limit)),
            ("ZRANGE z - + BYLEX WITHSCORES", err(withscores)),
            ("ZRANGE z 0 -1 REV REV", err("ERR syntax error")),
            ("ZRANGE z x 1 BYSCORE", err("ERR min or max is not a float")),
            ("ZRANGE z a b BYLEX", err("ERR min or max not valid string range item")),
            (
                "ZRANGE z 0 1 LIMIT x 1",
                err("ERR value is not an integer or out of range"),
            ),
            ("ZRANGE z -inf +inf BYSCORE LIMIT -1 5", Value::Array(vec![])),
            ("ZCOUNT z (1 5", Value::Int(2)),
            ("ZREVRANK z c", Value::Int(3)),
            ("ZREMRANGEBYSCORE z (3 9", Value::Int(2)),
            ("ZREMRANGEBYRANK z 0 -1", Value::Int(2)),
            ("EXISTS z", Value::Int(0)),
        ],
    );
}

#[test]
fn bylex_is_exact_over_one_score_and_unspecified_otherwise() {
    let mut m = model();
    run(&mut m, "ZADD z 0 a 0 b 0 c");
    assert_eq!(run(&mut m, "ZRANGE z [c (a BYLEX REV"), bulks("c b"));
    run(&mut m, "ZADD z 1 d");
    let args: Vec<Vec<u8>> = "ZRANGE z - + BYLEX".split(' ').map(|w| w.as_bytes().to_vec()).collect();
    assert_eq!(m.execute(1, &args, Now::default()), Some(Expect::AnyArray));
}

#[test]
fn pops_and_their_shapes_in_both_protocols() {
    let positive = || err("ERR value is out of range, must be positive");
    let pair = |m: &str, s: &str| Value::Array(vec![Value::bulk(m.as_bytes()), Value::Double(s.as_bytes().to_vec())]);
    check(
        &mut model(),
        &[
            ("ZADD z 1 a 2 b 3 c", Value::Int(3)),
            ("ZPOPMIN z -1", positive()),
            ("ZPOPMIN z x", positive()),
            ("ZPOPMIN z 1 2", err("ERR syntax error")),
            ("ZPOPMAX z", bulks("c 3")),
        ],
    );
    let mut m = model();
    run(&mut m, "HELLO 3");
    run(&mut m, "ZADD z 1 a 2 b");
    assert_eq!(
        run(&mut m, "ZPOPMIN z 5"),
        Value::Array(vec![pair("a", "1"), pair("b", "2")])
    );
    assert_eq!(run(&mut m, "ZPOPMIN z"), Value::Array(vec![]));
}

#[test]
fn store_operations_weights_and_aggregates() {
    let mut m = model();
    run(&mut m, "ZADD z 3 c 5 b 9 d inf a");
    run(&mut m, "SADD s b x");
    run(&mut m, "SET str v");
    let wrongtype = || err("WRONGTYPE Operation against a key holding the wrong kind of value");
    check(
        &mut m,
        &[
            (
                "ZUNIONSTORE u 0 z",
                err("ERR at least 1 input key is needed for 'zunionstore' command"),
            ),
            ("ZUNIONSTORE u 3 z z", err("ERR syntax error")),
            ("ZUNIONSTORE u 1 z WEIGHTS x", err("ERR weight value is not a float")),
            ("ZUNIONSTORE u 1 z AGGREGATE avg", err("ERR syntax error")),
            ("ZUNIONSTORE u 2 z z WEIGHTS 2 -1 AGGREGATE min", Value::Int(4)),
            ("ZRANGE u 0 -1 WITHSCORES", bulks("a -inf d -9 b -5 c -3")),
            ("ZINTERSTORE i 2 z s WEIGHTS 1 2", Value::Int(1)),
            ("ZRANGE i 0 -1 WITHSCORES", bulks("b 7")),
            ("ZINTERSTORE i 2 z nosuch", Value::Int(0)),
            ("EXISTS i", Value::Int(0)),
            ("ZUNIONSTORE u 2 z str AGGREGATE bogus", wrongtype()),
            ("LPUSH z x", wrongtype()),
            ("ZADD str 1 a", wrongtype()),
        ],
    );
}

#[test]
fn a_listpack_keeps_minus_zero_as_zero_and_a_skiplist_does_not() {
    let mut m = model();
    run(&mut m, "ZADD small -0 a");
    assert_eq!(run(&mut m, "ZSCORE small a"), Value::bulk(b"0"));
    let long = "m".repeat(65);
    run(&mut m, &format!("ZADD big -0 {long}"));
    assert_eq!(run(&mut m, &format!("ZSCORE big {long}")), Value::bulk(b"-0"));
    run(&mut m, "ZADD zero 0 a");
    run(&mut m, "ZUNIONSTORE u 1 zero WEIGHTS -1");
    assert_eq!(run(&mut m, "ZSCORE u a"), Value::bulk(b"0"));
}
