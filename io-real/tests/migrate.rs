//! Interop: MIGRATE between ferrous and a real redis-server, both ways. The keys arrive with
//! their values and TTLs (compared with DEBUG DIGEST-VALUE and PTTL), and leave the source.

mod diff;

#[path = "common/mod.rs"]
mod common;

use diff::resp::call_port as call;

fn run(port: u16, script: &[&[&str]]) {
    for cmd in script {
        let reply = call(port, cmd);
        assert!(!reply.starts_with('-'), "{cmd:?} failed: {reply}");
    }
}

/// Moves every kind of value from `from` to database 3 of `to` and checks what arrived.
fn migrate_all(from: u16, to: u16) {
    run(
        from,
        &[
            &["FLUSHALL"],
            &["SET", "s", "hello"],
            &["SET", "ttl", "v", "PX", "500000"],
            &["RPUSH", "l", "a", "b", "c"],
            &["HSET", "h", "f", "v"],
            &["SADD", "set", "1", "2", "x"],
            &["ZADD", "z", "1.5", "m"],
        ],
    );
    run(to, &[&["FLUSHALL"]]);
    let keys = ["s", "ttl", "l", "h", "set", "z"];
    let digests: Vec<String> = keys.iter().map(|k| call(from, &["DEBUG", "DIGEST-VALUE", k])).collect();
    let port = to.to_string();
    let mut cmd = vec!["MIGRATE", "127.0.0.1", &port, "", "3", "5000", "KEYS"];
    cmd.extend(keys);
    assert_eq!(call(from, &cmd), "+OK\r\n");
    assert_eq!(call(from, &["DBSIZE"]), ":0\r\n", "the keys left the source");
    let mut db3 = diff::Conn::connect(to).expect("connect");
    let mut on_db3 = |args: &[&str]| -> String {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        match db3.call(&argv) {
            diff::Outcome::Reply(r) => String::from_utf8_lossy(&r).into_owned(),
            other => format!("{other:?}"),
        }
    };
    assert_eq!(on_db3(&["SELECT", "3"]), "+OK\r\n");
    for (k, d) in keys.iter().zip(&digests) {
        assert_eq!(&on_db3(&["DEBUG", "DIGEST-VALUE", k]), d, "{k}");
    }
    let pttl = on_db3(&["PTTL", "ttl"]);
    let ms: i64 = pttl.trim_start_matches(':').trim_end().parse().unwrap();
    assert!(ms > 400_000 && ms <= 500_000, "{pttl}");
    // A key already there: BUSYKEY from the target, and the key stays here.
    run(from, &[&["SET", "s", "again"]]);
    let reply = call(from, &["MIGRATE", "127.0.0.1", &port, "s", "3", "5000"]);
    assert_eq!(
        reply,
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
    );
    assert_eq!(call(from, &["GET", "s"]), "$5\r\nagain\r\n");
}

#[test]
fn migrate_moves_keys_to_and_from_a_real_redis() {
    if !diff::oracle_available() {
        return;
    }
    let ferrous = common::Ferrous::start(&["--enable-debug-command", "yes"]);
    let redis = common::spawn_server(
        &diff::server::redis_server_bin(),
        &["--save", "", "--enable-debug-command", "yes"],
    );
    let mut child = redis.child;
    migrate_all(ferrous.port, redis.port);
    migrate_all(redis.port, ferrous.port);
    let _ = child.kill();
    let _ = child.wait();
}
