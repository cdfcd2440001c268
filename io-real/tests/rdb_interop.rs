//! Interop of RDB files and AOF directories with a real redis-server, both ways: a file Redis
//! saved loads into ferrous with the same DEBUG DIGEST, and the file a ferrous BGSAVE writes
//! while clients keep writing loads into Redis with the digest the dataset had when the save
//! began; an AOF directory Redis wrote loads into ferrous, and the one ferrous then writes
//! (after BGREWRITEAOF and more writes) loads into Redis. A restart of ferrous loads its own
//! files back. A Redis 7.2 file with listpack-encoded sets loads into ferrous, and what ferrous
//! then saves loads into Redis 7.0. Function libraries travel with the data each way.

mod diff;

#[path = "common/mod.rs"]
mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use diff::resp::call_port as call;
use diff::{Conn, Outcome};

struct Redis {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
    _scratch: common::TempDir,
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
    let s = common::spawn_server(
        &diff::server::redis_server_bin(),
        &[
            "--save",
            "",
            "--appendonly",
            appendonly,
            "--enable-debug-command",
            "yes",
        ]
        .into_iter()
        .chain(["--dir", dir.to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    let r = Redis {
        child: s.child,
        port: s.port,
        log: s.log,
        _scratch: s.dir,
    };
    wait_loaded(r.port);
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
        "XADD stream 1-1 a 1 b 2",
        "XADD stream 2-0 a 3",
        "XADD stream 3-0 c 4",
        "XDEL stream 2-0",
        "XGROUP CREATE stream g 0",
        "XREADGROUP GROUP g alice COUNT 1 STREAMS stream >",
        "XGROUP CREATECONSUMER stream g bob",
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
        run(w(&format!("XADD bigstream {}-{i} f v{i}", 1 + i / 7)));
    }
    run(vec!["FUNCTION".into(), "LOAD".into(), LIBRARY.into()]);
    for chunk in (0..big).collect::<Vec<_>>().chunks(1000) {
        let mut cmd = vec!["MSET".to_string()];
        for i in chunk {
            cmd.push(format!("key:{i}"));
            cmd.push(format!("value-{i}"));
        }
        run(cmd);
    }
}

/// A function library every populated dataset holds (saved with it, outside the digest).
const LIBRARY: &str = "#!lua name=interop\nredis.register_function{function_name='echo', callback=function(k, a) return a[1] end, flags={'no-writes'}, description='echoes'}";

/// The dataset's digest, its libraries (which DEBUG DIGEST does not cover) with the code, and
/// the streams' groups, counters and nodes (which it does not cover either).
fn digest(port: u16) -> String {
    let d = call(port, &["DEBUG", "DIGEST"]);
    assert!(d.starts_with('+'), "DEBUG DIGEST: {d}");
    // A consumer's seen time is when a command last named it: replaying an AOF names it anew.
    let full = call(port, &["XINFO", "STREAM", "stream", "FULL"]);
    let mut lines: Vec<&str> = full.split("\r\n").collect();
    for i in 1..lines.len() {
        if lines[i - 1] == "seen-time" {
            lines[i] = ":<seen>";
        }
    }
    let big = "redis.call('select', 7) return redis.call('xinfo', 'stream', 'bigstream')";
    d + &call(port, &["FUNCTION", "LIST", "WITHCODE"]) + &lines.join("\r\n") + &call(port, &["EVAL", big, "0"])
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
        log.contains("Done loading RDB, keys loaded: 5016, keys expired: 0."),
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
    let log = std::fs::read_to_string(&redis.log).unwrap_or_default();
    assert_eq!(
        digest(redis.port),
        after,
        "dbsize {} {log}",
        call(redis.port, &["DBSIZE"])
    );
    let pttl: i64 = call(redis.port, &["PTTL", "ttl2"])[1..].trim().parse().unwrap();
    assert!(pttl > 400_000, "PTTL {pttl}");
}

/// A Redis 7.2 RDB file (version 11) holding `SADD s a b 1` and a longer set in its listpack
/// encoding (RDB_TYPE_SET_LISTPACK, 20), built from the format: magic, SELECTDB 0, each key as
/// type 20, its name and its listpack as an RDB string, EOF and the CRC-64 of the rest.
fn redis_72_file() -> Vec<u8> {
    let lp = |members: &[&str]| ferrous_core::rdb::listpack::encode(members.iter().map(|m| m.as_bytes()));
    let mut file = b"REDIS0011\xfe\x00".to_vec();
    for (key, lp) in [("s", lp(&["a", "b", "1"])), ("four", lp(&["w", "x", "y", "z"]))] {
        file.extend_from_slice(&[20, key.len() as u8]);
        file.extend_from_slice(key.as_bytes());
        file.push(lp.len() as u8);
        file.extend_from_slice(&lp);
    }
    file.push(0xff);
    let crc = ferrous_core::rdb::crc64::crc64(0, &file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// Redis 7.2's listpack sets, from a file of its to redis-server 7.0: ferrous loads the set
/// listpacks of a version-11 file (a hashtable past `set-max-listpack-entries`, given on the
/// command line), keeps small sets in listpacks and saves them as plain sets in version 10,
/// which redis-server 7.0 loads with the same content; a DUMP of one restores there too.
#[test]
fn redis_72_listpack_sets_load_into_ferrous_and_go_on_to_redis_70_as_plain_sets() {
    if !diff::oracle_available() {
        return;
    }
    let dir = common::TempDir::new("ferrous-72");
    std::fs::write(dir.0.join("dump.rdb"), redis_72_file()).unwrap();
    let dir_arg = dir.0.to_str().unwrap();
    let args = ["--enable-debug-command", "yes", "--save", "", "--dir", dir_arg];
    let f = common::Ferrous::start(&[&args[..], &["--set-max-listpack-entries", "3"]].concat());
    wait_loaded(f.port);
    assert_eq!(
        call(f.port, &["OBJECT", "ENCODING", "s"]),
        "$8\r\nlistpack\r\n",
        "{}",
        f.log_text()
    );
    assert_eq!(
        call(f.port, &["SMEMBERS", "s"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n1\r\n"
    );
    assert_eq!(call(f.port, &["OBJECT", "ENCODING", "four"]), "$9\r\nhashtable\r\n");
    assert_eq!(
        call(f.port, &["CONFIG", "GET", "set-max-listpack-entries"]),
        "*2\r\n$24\r\nset-max-listpack-entries\r\n$1\r\n3\r\n"
    );
    // Small sets made here: a listpack up to the limit, then a hashtable.
    assert_eq!(call(f.port, &["SADD", "t", "x", "y", "7"]), ":3\r\n");
    assert_eq!(call(f.port, &["OBJECT", "ENCODING", "t"]), "$8\r\nlistpack\r\n");
    assert_eq!(
        call(f.port, &["CONFIG", "SET", "set-max-listpack-entries", "2"]),
        "+OK\r\n"
    );
    assert_eq!(call(f.port, &["SADD", "u", "p", "q", "r"]), ":3\r\n");
    assert_eq!(call(f.port, &["OBJECT", "ENCODING", "u"]), "$9\r\nhashtable\r\n");
    let want = digest(f.port);
    let payload = match Conn::connect(f.port).unwrap().call(&[b"DUMP".to_vec(), b"s".to_vec()]) {
        Outcome::Reply(r) => {
            let start = r.iter().position(|&b| b == b'\n').unwrap() + 1;
            r[start..r.len() - 2].to_vec()
        }
        other => panic!("DUMP s: {other:?}"),
    };
    assert_eq!(payload[0], 2, "a plain set, RDB_TYPE_SET");
    assert_eq!(call(f.port, &["SAVE"]), "+OK\r\n");
    let saved = std::fs::read(dir.0.join("dump.rdb")).unwrap();
    assert!(saved.starts_with(b"REDIS0010"));

    let redis_dir = common::TempDir::new("redis-from-72");
    std::fs::write(redis_dir.0.join("dump.rdb"), &saved).unwrap();
    let redis = start_redis(&redis_dir.0);
    assert_eq!(digest(redis.port), want);
    assert_eq!(call(redis.port, &["OBJECT", "ENCODING", "t"]), "$9\r\nhashtable\r\n");
    let mut c = Conn::connect(redis.port).unwrap();
    let restore = [b"RESTORE".to_vec(), b"s2".to_vec(), b"0".to_vec(), payload];
    assert_eq!(c.call(&restore), Outcome::Reply(b"+OK\r\n".to_vec()));
    assert_eq!(call(redis.port, &["SCARD", "s2"]), ":3\r\n");
    assert_eq!(call(redis.port, &["SISMEMBER", "s2", "1"]), ":1\r\n");
}
