//! Transactions and pub/sub in the model, as redis-server 7.0.15 answers them (each case
//! checked against it).

use ferrous_core::Now;
use ferrous_io_sim::Value;

use super::blocking_tests::args;
use super::{Expect, Model};

const T0: u64 = 1_700_000_000_000;

fn at(m: &mut Model, id: u64, unix_ms: u64, line: &str) -> Expect {
    m.execute(id, &args(line), Now::new(unix_ms, unix_ms * 1000))
        .unwrap_or_else(|| panic!("{line}: no reply"))
}

fn run(m: &mut Model, id: u64, line: &str) -> Value {
    match at(m, id, T0, line) {
        Expect::Reply(v) => v,
        other => panic!("{line}: {other:?}"),
    }
}

fn exec(m: &mut Model, id: u64, unix_ms: u64) -> Expect {
    at(m, id, unix_ms, "EXEC")
}

fn replies(items: Vec<Value>) -> Expect {
    Expect::Array(items.into_iter().map(Expect::Reply).collect())
}

fn model() -> Model {
    let mut m = Model::default();
    m.connect(1);
    m.connect(2);
    m
}

fn ok() -> Value {
    Value::simple("OK")
}

fn queued() -> Value {
    Value::simple("QUEUED")
}

#[test]
fn exec_runs_the_queue_and_keeps_what_ran_before_an_error() {
    let mut m = model();
    run(&mut m, 1, "SET k v");
    assert_eq!(run(&mut m, 1, "MULTI"), ok());
    assert_eq!(run(&mut m, 1, "INCR k"), queued());
    assert_eq!(run(&mut m, 1, "SET k 1"), queued());
    assert_eq!(run(&mut m, 1, "INCR k"), queued());
    assert_eq!(
        exec(&mut m, 1, T0),
        replies(vec![
            Value::error("ERR value is not an integer or out of range"),
            ok(),
            Value::Int(2)
        ])
    );
    assert_eq!(run(&mut m, 1, "GET k"), Value::bulk(b"2"));
}

#[test]
fn a_command_refused_while_queueing_aborts_exec() {
    let mut m = model();
    run(&mut m, 1, "MULTI");
    let Value::Error(e) = run(&mut m, 1, "NOSUCH a") else {
        panic!()
    };
    assert!(e.starts_with(b"ERR unknown command 'NOSUCH'"));
    assert_eq!(
        run(&mut m, 1, "GET"),
        Value::error("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(run(&mut m, 1, "SET k v"), queued());
    assert_eq!(
        run(&mut m, 1, "EXEC"),
        Value::error("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(run(&mut m, 1, "GET k"), Value::NullBulk);
}

#[test]
fn misplaced_transaction_commands_are_refused() {
    let mut m = model();
    assert_eq!(run(&mut m, 1, "EXEC"), Value::error("ERR EXEC without MULTI"));
    assert_eq!(run(&mut m, 1, "DISCARD"), Value::error("ERR DISCARD without MULTI"));
    run(&mut m, 1, "MULTI");
    assert_eq!(
        run(&mut m, 1, "MULTI"),
        Value::error("ERR MULTI calls can not be nested")
    );
    assert_eq!(
        run(&mut m, 1, "WATCH k"),
        Value::error("ERR WATCH inside MULTI is not allowed")
    );
    // Neither dooms the transaction; a refused EXEC ends it.
    assert_eq!(run(&mut m, 1, "SET k v"), queued());
    assert_eq!(
        run(&mut m, 1, "EXEC now"),
        Value::error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
    );
    assert_eq!(run(&mut m, 1, "EXEC"), Value::error("ERR EXEC without MULTI"));
    run(&mut m, 1, "MULTI");
    assert_eq!(run(&mut m, 1, "RESET"), Value::simple("RESET"));
    assert_eq!(run(&mut m, 1, "EXEC"), Value::error("ERR EXEC without MULTI"));
}

#[test]
fn another_clients_write_to_a_watched_key_fails_exec() {
    let mut m = model();
    run(&mut m, 1, "WATCH k other");
    run(&mut m, 2, "SET k theirs");
    run(&mut m, 1, "MULTI");
    run(&mut m, 1, "SET k mine");
    assert_eq!(exec(&mut m, 1, T0), Expect::Reply(Value::NullArray));
    assert_eq!(run(&mut m, 1, "GET k"), Value::bulk(b"theirs"));
    // A write that changes nothing signals nothing; the client's own write does.
    run(&mut m, 1, "WATCH s");
    run(&mut m, 1, "SADD s a");
    run(&mut m, 2, "SADD s a");
    run(&mut m, 1, "MULTI");
    assert_eq!(exec(&mut m, 1, T0), Expect::Reply(Value::NullArray));
    run(&mut m, 1, "WATCH s");
    run(&mut m, 2, "SADD s a");
    run(&mut m, 1, "MULTI");
    assert_eq!(exec(&mut m, 1, T0), replies(vec![]));
}

#[test]
fn expiry_and_flushdb_fail_exec_only_when_they_change_a_watched_key() {
    let mut m = model();
    run(&mut m, 1, "SET k v PX 50");
    run(&mut m, 1, "WATCH k");
    run(&mut m, 1, "MULTI");
    assert_eq!(exec(&mut m, 1, T0 + 100), Expect::Reply(Value::NullArray));
    // Watched once already expired: its deletion changes nothing.
    run(&mut m, 1, "SET k v PX 50");
    at(&mut m, 1, T0 + 100, "WATCH k");
    at(&mut m, 2, T0 + 100, "GET k");
    at(&mut m, 1, T0 + 100, "MULTI");
    assert_eq!(exec(&mut m, 1, T0 + 100), replies(vec![]));
    run(&mut m, 1, "SET k v");
    run(&mut m, 1, "WATCH k nokey");
    run(&mut m, 2, "SELECT 1");
    run(&mut m, 2, "FLUSHDB");
    run(&mut m, 1, "MULTI");
    assert_eq!(exec(&mut m, 1, T0), replies(vec![]));
    run(&mut m, 1, "WATCH k");
    run(&mut m, 2, "SELECT 0");
    run(&mut m, 2, "FLUSHDB");
    run(&mut m, 1, "MULTI");
    assert_eq!(exec(&mut m, 1, T0), Expect::Reply(Value::NullArray));
}

#[test]
fn blocking_commands_inside_exec_answer_at_once() {
    let mut m = model();
    run(&mut m, 1, "MULTI");
    for cmd in ["BLPOP q 0", "BLMOVE q d LEFT LEFT 0", "BZMPOP 0 1 q MIN"] {
        assert_eq!(run(&mut m, 1, cmd), queued());
    }
    assert_eq!(
        exec(&mut m, 1, T0),
        replies(vec![Value::NullArray, Value::NullBulk, Value::NullArray])
    );
}

/// The replies a batch of commands from `id` owes, to whom.
fn owed(m: &mut Model, id: u64, lines: &[&str]) -> Vec<(u64, Value)> {
    let cmds: Vec<_> = lines.iter().map(|l| args(l)).collect();
    m.commands(id, &cmds, Now::new(T0, 1));
    super::blocking_tests::owed(m)
}

fn bulks(words: &[&str]) -> Vec<Value> {
    words.iter().map(|w| Value::bulk(w.as_bytes())).collect()
}

#[test]
fn publish_counts_receivers_and_owes_each_its_message_in_order() {
    let mut m = model();
    m.connect(3);
    let sub = |verb: &str, name: &str, n: i64| Value::Array([bulks(&[verb, name]), vec![Value::Int(n)]].concat());
    assert_eq!(
        owed(&mut m, 1, &["SUBSCRIBE news.1 news.1", "PSUBSCRIBE news.*"]),
        vec![
            (1, sub("subscribe", "news.1", 1)),
            (1, sub("subscribe", "news.1", 1)),
            (1, sub("psubscribe", "news.*", 2)),
        ]
    );
    owed(&mut m, 2, &["HELLO 3", "SSUBSCRIBE news.1"]);
    let msg = Value::Array(bulks(&["message", "news.1", "a"]));
    let pmsg = Value::Array(bulks(&["pmessage", "news.*", "news.1", "a"]));
    let smsg = Value::Push(bulks(&["smessage", "news.1", "b"]));
    assert_eq!(
        owed(&mut m, 3, &["PUBLISH news.1 a", "SPUBLISH news.1 b"]),
        vec![(1, msg), (1, pmsg), (3, Value::Int(2)), (2, smsg), (3, Value::Int(1))]
    );
    let context = "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    assert_eq!(
        owed(&mut m, 1, &["GET k", "PING", "PING a b", "UNSUBSCRIBE", "UNSUBSCRIBE"]),
        vec![
            (1, Value::error(context)),
            (1, Value::Array(bulks(&["pong", ""]))),
            (1, Value::error("ERR wrong number of arguments for 'ping' command")),
            (1, sub("unsubscribe", "news.1", 1)),
            (
                1,
                Value::Array(vec![Value::bulk(b"unsubscribe"), Value::NullBulk, Value::Int(1)])
            ),
        ]
    );
    // A client that goes away receives nothing more and is not counted.
    m.disconnect(1);
    assert_eq!(owed(&mut m, 3, &["PUBLISH news.1 c"]), vec![(3, Value::Int(0))]);
}
