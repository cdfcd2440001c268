//! Interop: a real redis-server replicates from ferrous. It syncs with PSYNC, loads ferrous'
//! RDB snapshot (every type, both encodings, expiries, several databases) and then follows the
//! replication stream; DEBUG DIGEST must agree on both sides after each step. And the other
//! way: ferrous replicates from a real redis-server, continues with a partial resync after
//! its link is killed, and passes the stream on to a real redis-server replicating from it.

mod diff;

use std::process::Child;
use std::time::{Duration, Instant};

use diff::resp::call_port as call;
use diff::{Conn, Outcome};

struct Replica {
    child: Child,
    port: u16,
    _dir: common::TempDir,
}

#[path = "common/mod.rs"]
mod common;

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replica_of(master_port: u16) -> Replica {
    start_program_replica_of(&diff::server::redis_server_bin(), master_port)
}

/// `program` (redis-server or ferrous) replicating from `master_port`.
fn start_program_replica_of(program: &str, master_port: u16) -> Replica {
    let master = master_port.to_string();
    let s = common::spawn_server(
        program,
        &["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]
            .into_iter()
            .chain(["--replicaof", "127.0.0.1", &master])
            .collect::<Vec<_>>(),
    );
    Replica {
        child: s.child,
        port: s.port,
        _dir: s.dir,
    }
}

/// Waits until both digests agree (the replica applies the stream asynchronously).
fn assert_digests_converge(master: u16, replica: u16, step: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (m, r) = (call(master, &["DEBUG", "DIGEST"]), call(replica, &["DEBUG", "DIGEST"]));
        if m == r && m.starts_with('+') {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{step}: master digest {m:?}, replica digest {r:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_link_up(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !call(port, &["INFO", "replication"]).contains("master_link_status:up") {
        assert!(Instant::now() < deadline, "{what} never synced");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn info_field(port: u16, field: &str) -> String {
    let text = call(port, &["INFO", "all"]);
    let prefix = format!("{field}:");
    let line = text.split("\r\n").find(|l| l.starts_with(&prefix));
    line.map(|l| l[prefix.len()..].to_string()).unwrap_or_default()
}

fn run(port: u16, script: &[&[&str]]) {
    for cmd in script {
        let reply = call(port, cmd);
        assert!(!reply.starts_with('-'), "{cmd:?} failed: {reply}");
    }
}

#[test]
fn a_real_redis_replica_loads_our_snapshot_and_follows_our_writes() {
    if !diff::oracle_available() {
        return;
    }
    let master = common::Ferrous::start(&["--enable-debug-command", "yes"]);
    let m = master.port;
    let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<String>>();
    let mut script: Vec<Vec<String>> = [
        "SET int 12345",
        "SET str hello",
        "SET long abcabcabcabcabcabcabcabcabcabcabcabcabcabc",
        "SET ttl v EX 1000",
        "RPUSH list a 1 b",
        "HSET hash f v n 7",
        "SADD intset 1 2 3",
        "SADD set x y",
        "ZADD zset 1.5 a -2 b",
        "SELECT 5",
    ]
    .iter()
    .map(|c| words(c))
    .collect();
    for i in 0..300 {
        // Large collections take the hashtable / skiplist / multi-node encodings.
        script.push(words(&format!("RPUSH biglist e{i}")));
        script.push(words(&format!("HSET bighash e{i} v{i}")));
        script.push(words(&format!("SADD bigset e{i}")));
        script.push(words(&format!("ZADD bigzset {i} e{i}")));
    }
    // One connection, so SELECT 5 holds for what follows it.
    let mut conn = Conn::connect(m).expect("connect");
    for cmd in &script {
        let argv: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
        let r = conn.call(&argv);
        assert!(
            matches!(&r, Outcome::Reply(b) if !b.starts_with(b"-")),
            "{cmd:?}: {r:?}"
        );
    }

    let replica = start_replica_of(m);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !call(replica.port, &["INFO", "replication"]).contains("master_link_status:up") {
        assert!(
            Instant::now() < deadline,
            "the replica never synced:\n{}",
            master.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_digests_converge(m, replica.port, "after the full sync");
    assert!(call(m, &["INFO", "replication"]).contains("connected_slaves:1"));

    // Writes after the sync reach it through the stream, rewritten where Redis rewrites them.
    run(
        m,
        &[
            &["SET", "k", "v", "EX", "100"],
            &["INCRBYFLOAT", "f", "1.25"],
            &["EXPIRE", "str", "500"],
            &["GETEX", "int", "PX", "90000"],
            &["GETDEL", "long"],
            &["MSET", "a", "1", "b", "2"],
            &["SETBIT", "bits", "77", "1"],
            &["APPEND", "str", "!"],
            &["RENAME", "a", "renamed"],
            &["SWAPDB", "0", "5"],
            &["DEL", "renamed", "b"],
        ],
    );
    assert_digests_converge(m, replica.port, "after the writes");

    // WAIT: a write on this connection, then the real replica's acknowledgement of it.
    let mut conn = Conn::connect(m).expect("connect");
    let ask = |conn: &mut Conn, words: &[&str]| {
        let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        match conn.call(&argv) {
            Outcome::Reply(r) => String::from_utf8_lossy(&r).into_owned(),
            other => format!("{other:?}"),
        }
    };
    assert_eq!(ask(&mut conn, &["SET", "waited", "1"]), "+OK\r\n");
    assert_eq!(ask(&mut conn, &["WAIT", "1", "5000"]), ":1\r\n");
    assert_eq!(
        ask(&mut conn, &["WAIT", "2", "100"]),
        ":1\r\n",
        "times out with the one it has"
    );
}

#[test]
fn ferrous_replicates_a_real_redis_and_passes_the_stream_on() {
    if !diff::oracle_available() {
        return;
    }
    let redis = common::spawn_server(
        &diff::server::redis_server_bin(),
        &[
            "--save",
            "",
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
        ],
    );
    let mut redis = Replica {
        child: redis.child,
        port: redis.port,
        _dir: redis.dir,
    };
    let m = redis.port;
    run(
        m,
        &[
            &["SET", "str", "hello"],
            &["SET", "ttl", "v", "EX", "1000"],
            &["RPUSH", "list", "a", "1", "b"],
            &["HSET", "hash", "f", "v"],
            &["SADD", "set", "x", "y", "3"],
            &["ZADD", "zset", "1.5", "a", "-2", "b"],
        ],
    );
    let ferrous = start_program_replica_of(common::bin(), m);
    wait_link_up(ferrous.port, "ferrous");
    assert_digests_converge(m, ferrous.port, "after ferrous' full sync");
    // A real redis-server replicating from ferrous: a chain master → ferrous → redis.
    let sub = start_replica_of(ferrous.port);
    wait_link_up(sub.port, "the sub-replica");

    run(
        m,
        &[
            &["INCR", "counter"],
            &["SET", "k", "v", "PX", "100000"],
            &["EVAL", "redis.call('SET', KEYS[1], ARGV[1]); return 1", "1", "lua", "x"],
            &["LPOP", "list"],
            &["SWAPDB", "0", "3"],
        ],
    );
    assert_digests_converge(m, ferrous.port, "after the writes");
    assert_digests_converge(m, sub.port, "down the chain");
    let refused = call(ferrous.port, &["SET", "x", "1"]);
    assert!(refused.starts_with("-READONLY"), "{refused}");

    // The master drops the link: ferrous reconnects and continues where it was.
    run(m, &[&["CLIENT", "KILL", "TYPE", "replica"]]);
    run(m, &[&["SET", "while", "away"]]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(m, "sync_partial_ok") != "1" {
        assert!(
            Instant::now() < deadline,
            "no partial resync:\n{}",
            call(m, &["INFO", "all"])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    run(m, &[&["SET", "after", "reconnect"]]);
    assert_digests_converge(m, ferrous.port, "after the partial resync");
    assert_digests_converge(m, sub.port, "down the chain after the partial resync");
    let _ = redis.child.kill();
}
