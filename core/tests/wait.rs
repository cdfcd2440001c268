//! WAIT through the harness: a client's writes counted as acknowledged once replicas' REPLCONF
//! ACK offsets reach its last write, the GETACK sent to ask them, the timeout reply, and the
//! refusals. Expected replies are redis-server 7.0.15's.

mod common;

use common::harness;
use ferrous_core::harness::Harness;
use ferrous_core::Event;

const REPLICA: u64 = 5;

/// A harness with one replica attached by SYNC (online at once).
fn with_replica() -> Harness {
    let mut h = harness(&[]);
    h.connect(REPLICA, true);
    assert!(h.cmd_bytes(REPLICA, &[b"SYNC"]).starts_with(b"$"));
    h
}

fn master_offset(h: &mut Harness) -> u64 {
    let info = h.cmd(2, &["INFO", "replication"]);
    let line = info.lines().find(|l| l.starts_with("master_repl_offset:")).unwrap();
    line["master_repl_offset:".len()..].parse().unwrap()
}

#[test]
fn wait_returns_once_enough_replicas_acknowledged_the_clients_last_write() {
    let mut h = with_replica();
    h.connect(2, true);
    // No write yet: the replica has acknowledged everything this client wrote.
    assert_eq!(h.cmd(1, &["WAIT", "1", "0"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["SET", "k", "v"]), "+OK\r\n");
    let written = master_offset(&mut h);
    h.take_sent(REPLICA);
    assert_eq!(h.cmd(1, &["WAIT", "1", "0"]), "", "blocks until the replica catches up");
    let asked = h.take_sent(REPLICA);
    assert!(
        asked.contains("$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"),
        "{asked:?}"
    );
    // An ACK short of the write does not release it; one that reaches it does.
    h.cmd(REPLICA, &["REPLCONF", "ACK", &(written - 1).to_string()]);
    assert_eq!(h.take_sent(1), "");
    h.cmd(REPLICA, &["REPLCONF", "ACK", &written.to_string()]);
    assert_eq!(h.take_sent(1), ":1\r\n");
    // Already acknowledged: at once.
    assert_eq!(h.cmd(1, &["WAIT", "1", "100"]), ":1\r\n");
}

#[test]
fn wait_times_out_with_the_count_it_has() {
    let mut h = with_replica();
    h.cmd(1, &["SET", "k", "v"]);
    assert_eq!(h.cmd(1, &["WAIT", "2", "50"]), "");
    h.now.mono_us += 60_000;
    h.event(9, Event::Tick);
    assert_eq!(h.take_sent(1), ":0\r\n");
    // Inside MULTI it never blocks.
    assert_eq!(h.cmd(1, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["WAIT", "2", "0"]), "+QUEUED\r\n");
    assert_eq!(h.cmd(1, &["EXEC"]), "*1\r\n:0\r\n");
}

#[test]
fn wait_arguments_and_replicas_are_refused() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(1, &["WAIT", "0", "0"]), ":0\r\n");
    assert_eq!(
        h.cmd(1, &["WAIT", "x", "0"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["WAIT", "1", "-1"]), "-ERR timeout is negative\r\n");
    assert_eq!(
        h.cmd(1, &["WAIT", "1", "1.5"]),
        "-ERR timeout is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    assert!(h
        .cmd(1, &["WAIT", "1", "0"])
        .starts_with("-ERR WAIT cannot be used with replica instances."));
}
