//! Interop: a real redis-server replicates from ferrous. It syncs with PSYNC, loads ferrous'
//! RDB snapshot (every type, both encodings, expiries, several databases) and then follows the
//! replication stream; DEBUG DIGEST must agree on both sides after each step.

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
    let master = master_port.to_string();
    let s = common::spawn_server(
        &diff::server::redis_server_bin(),
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
}
