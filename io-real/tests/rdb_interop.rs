//! Interop of RDB files and AOF directories with a real redis-server, both ways: a file Redis
//! saved loads into ferrous with the same DEBUG DIGEST, and the file a ferrous BGSAVE writes
//! while clients keep writing loads into Redis with the digest the dataset had when the save
//! began; an AOF directory Redis wrote loads into ferrous, and the one ferrous then writes
//! (after BGREWRITEAOF and more writes) loads into Redis. A restart of ferrous loads its own
//! files back.

mod diff;

#[path = "common/mod.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diff::resp::call_port as call;
use diff::{Conn, Outcome};

struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A redis-server without save points, its files in `dir`.
fn start_redis(dir: &std::path::Path) -> Redis {
    start_redis_with(dir, "no")
}

fn start_redis_with(dir: &std::path::Path, appendonly: &str) -> Redis {
    let port = common::free_port();
    let child = Command::new(diff::server::redis_server_bin())
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
        .args(["--appendonly", appendonly, "--enable-debug-command", "yes"])
        .args(["--dir", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    let r = Redis { child, port };
    wait_loaded(port);
    r
}

/// Waits until the server answers PING (not -LOADING, not refused).
fn wait_loaded(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while call(port, &["PING"]) != "+PONG\r\n" {
        assert!(Instant::now() < deadline, "server on {port} never became ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every type in every encoding Redis saves, with expiries, over three databases.
fn populate(port: u16, big: usize) {
    let mut c = Conn::connect(port).expect("connect");
    let mut run = |words: Vec<String>| {
        let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        let r = c.call(&argv);
        assert!(
            matches!(&r, Outcome::Reply(b) if !b.starts_with(b"-")),
            "{words:?}: {r:?}"
        );
    };
    let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    for cmd in [
        "SET int 12345",
        "SET str hello",
        "SET long abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
        "SET ttl v EX 100000",
        "RPUSH list a 1 b",
        "HSET hash f v n 7",
        "SADD intset 1 2 3",
        "SADD set x y",
        "ZADD zset 1.5 a -2 b",
        "PEXPIRE zset 99999999",
        "SELECT 3",
        "SET other db",
        "SELECT 7",
    ] {
        run(w(cmd));
    }
    for i in 0..300 {
        run(w(&format!("RPUSH biglist e{i}")));
        run(w(&format!("HSET bighash e{i} v{i}")));
        run(w(&format!("SADD bigset e{i}")));
        run(w(&format!("ZADD bigzset {i} e{i}")));
    }
    for chunk in (0..big).collect::<Vec<_>>().chunks(1000) {
        let mut cmd = vec!["MSET".to_string()];
        for i in chunk {
            cmd.push(format!("key:{i}"));
            cmd.push(format!("value-{i}"));
        }
        run(cmd);
    }
}

fn digest(port: u16) -> String {
    let d = call(port, &["DEBUG", "DIGEST"]);
    assert!(d.starts_with('+'), "DEBUG DIGEST: {d}");
    d
}

#[test]
fn a_file_redis_saved_loads_into_ferrous_with_the_same_content() {
    if !diff::oracle_available() {
        return;
    }
    let redis_dir = common::TempDir::new("redis-rdb");
    let redis = start_redis(&redis_dir.0);
    populate(redis.port, 5000);
    let want = digest(redis.port);
    assert_eq!(call(redis.port, &["SAVE"]), "+OK\r\n");
    let dir = common::TempDir::new("ferrous-rdb");
    std::fs::copy(redis_dir.0.join("dump.rdb"), dir.0.join("dump.rdb")).unwrap();
    let dir_arg = dir.0.to_str().unwrap();
    let f = common::Ferrous::start(&["--enable-debug-command", "yes", "--save", "", "--dir", dir_arg]);
    wait_loaded(f.port);
    assert_eq!(digest(f.port), want, "log:\n{}", f.log_text());
    let ttl: i64 = call(f.port, &["TTL", "ttl"])[1..].trim().parse().unwrap();
    assert!((99_000..=100_000).contains(&ttl), "TTL {ttl}");
    let log = f.log_text();
    assert!(
        log.contains("Done loading RDB, keys loaded: 5014, keys expired: 0."),
        "{log}"
    );
}

#[test]
fn a_ferrous_bgsave_under_writes_loads_into_redis_as_the_dataset_was_when_it_began() {
    if !diff::oracle_available() {
        return;
    }
    let dir = common::TempDir::new("ferrous-bgsave");
    let dir_arg = dir.0.to_str().unwrap();
    let mut f = common::Ferrous::start(&["--enable-debug-command", "yes", "--save", "", "--dir", dir_arg]);
    wait_loaded(f.port);
    populate(f.port, 50_000);
    let at_start = digest(f.port);
    // BGSAVE and a stream of writes on one connection: they run between the save's pieces.
    let mut c = Conn::connect(f.port).unwrap();
    let bgsave = c.call(&[b"BGSAVE".to_vec()]);
    assert!(matches!(&bgsave, Outcome::Reply(r) if r == b"+Background saving started\r\n"));
    for i in (0..50_000).step_by(7) {
        let argv = [b"SET".to_vec(), format!("key:{i}").into_bytes(), b"changed".to_vec()];
        assert!(matches!(c.call(&argv), Outcome::Reply(_)));
        let argv = [b"DEL".to_vec(), format!("key:{}", i + 1).into_bytes()];
        assert!(matches!(c.call(&argv), Outcome::Reply(_)));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !call(f.port, &["INFO", "persistence"]).contains("rdb_bgsave_in_progress:0") {
        assert!(Instant::now() < deadline, "BGSAVE never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(call(f.port, &["INFO", "persistence"]).contains("rdb_last_bgsave_status:ok"));
    let after_writes = digest(f.port);
    assert_ne!(after_writes, at_start);

    let redis_dir = common::TempDir::new("redis-load");
    std::fs::copy(dir.0.join("dump.rdb"), redis_dir.0.join("dump.rdb")).unwrap();
    let redis = start_redis(&redis_dir.0);
    assert_eq!(digest(redis.port), at_start);

    // SHUTDOWN SAVE, then a restart loads what was there at the shutdown.
    let _ = call(f.port, &["SHUTDOWN", "SAVE"]);
    assert_eq!(f.wait_exit(Duration::from_secs(20)), Some(0), "{}", f.log_text());
    let g = common::Ferrous::start(&["--enable-debug-command", "yes", "--save", "", "--dir", dir_arg]);
    wait_loaded(g.port);
    assert_eq!(digest(g.port), after_writes, "log:\n{}", g.log_text());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn an_aof_directory_moves_between_redis_and_ferrous_both_ways() {
    if !diff::oracle_available() {
        return;
    }
    let redis_dir = common::TempDir::new("redis-aof");
    let redis = start_redis_with(&redis_dir.0, "yes");
    populate(redis.port, 2000);
    let want = digest(redis.port);
    drop(redis);

    let dir = common::TempDir::new("ferrous-aof");
    copy_dir(&redis_dir.0.join("appendonlydir"), &dir.0.join("appendonlydir"));
    let dir_arg = dir.0.to_str().unwrap();
    let args = [
        "--enable-debug-command",
        "yes",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--dir",
        dir_arg,
    ];
    let mut f = common::Ferrous::start(&args);
    wait_loaded(f.port);
    assert_eq!(digest(f.port), want, "log:\n{}", f.log_text());
    // A rewrite, then writes into the new incr file.
    assert!(call(f.port, &["BGREWRITEAOF"]).starts_with("+Background append only file rewriting started"));
    assert_eq!(call(f.port, &["INCRBY", "int", "5"]), ":12350\r\n");
    assert_eq!(call(f.port, &["SET", "ttl2", "v", "PX", "500000"]), "+OK\r\n");
    let after = digest(f.port);
    let _ = call(f.port, &["SHUTDOWN", "NOSAVE"]);
    assert_eq!(f.wait_exit(Duration::from_secs(20)), Some(0), "{}", f.log_text());

    let back = common::TempDir::new("redis-aof-back");
    copy_dir(&dir.0.join("appendonlydir"), &back.0.join("appendonlydir"));
    let redis = start_redis_with(&back.0, "yes");
    let log = std::fs::read_to_string(back.0.join("../redis-aof-back.log")).unwrap_or_default();
    assert_eq!(
        digest(redis.port),
        after,
        "dbsize {} {log}",
        call(redis.port, &["DBSIZE"])
    );
    let pttl: i64 = call(redis.port, &["PTTL", "ttl2"])[1..].trim().parse().unwrap();
    assert!(pttl > 400_000, "PTTL {pttl}");
}
