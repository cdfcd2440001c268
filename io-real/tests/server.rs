//! The real `ferrous` binary, talked to over TCP with the `redis` crate (RESP2 and RESP3),
//! redis-cli and raw sockets.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{is_closed, raw_exchange, redis_cli, Ferrous};
use redis::Value;

#[test]
fn get_set_del_exists_round_trip_with_the_redis_crate() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg(b"v\x00\xff").query(&mut con).unwrap();
    let v: Vec<u8> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, b"v\x00\xff");
    let n: i64 = redis::cmd("EXISTS")
        .arg("k")
        .arg("k")
        .arg("nope")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 2);
    let n: i64 = redis::cmd("DEL").arg("k").arg("nope").query(&mut con).unwrap();
    assert_eq!(n, 1);
    let v: Option<Vec<u8>> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, None);
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 0);
}

#[test]
fn resp3_hello_gives_a_map_and_nulls() {
    let srv = Ferrous::start(&[]);
    let url = format!("{}?protocol=resp3", srv.url());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let hello: Value = redis::cmd("HELLO").arg(3).query(&mut con).unwrap();
    let Value::Map(pairs) = hello else {
        panic!("HELLO 3 must answer a map, got {hello:?}")
    };
    let proto = pairs
        .iter()
        .find(|(k, _)| *k == Value::BulkString(b"proto".to_vec()))
        .map(|(_, v)| v.clone());
    assert_eq!(proto, Some(Value::Int(3)));
    let missing: Value = redis::cmd("GET").arg("missing").query(&mut con).unwrap();
    assert_eq!(missing, Value::Nil);
}

#[test]
fn a_pipeline_of_10000_commands_gets_10000_replies_in_order() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let mut pipe = redis::pipe();
    for i in 0..5000 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i);
        pipe.cmd("GET").arg(format!("key:{i}"));
    }
    let replies: Vec<Value> = pipe.query(&mut con).unwrap();
    assert_eq!(replies.len(), 10000);
    for (i, pair) in replies.chunks(2).enumerate() {
        assert_eq!(pair[0], Value::Okay);
        assert_eq!(pair[1], Value::BulkString(i.to_string().into_bytes()));
    }
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 5000);
}

#[test]
fn two_hundred_concurrent_connections_are_all_served() {
    let srv = Ferrous::start(&["--io-threads", "2"]);
    let port = srv.port;
    let handles: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let url = format!("redis://127.0.0.1:{port}/");
                let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
                for j in 0..20 {
                    let key = format!("c{i}:{j}");
                    let _: () = redis::cmd("SET").arg(&key).arg(i * 100 + j).query(&mut con).unwrap();
                    let v: i64 = redis::cmd("GET").arg(&key).query(&mut con).unwrap();
                    assert_eq!(v, i * 100 + j);
                }
                con
            })
        })
        .collect();
    let conns: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut con = srv.client();
    let info: String = redis::cmd("INFO").arg("clients").query(&mut con).unwrap();
    assert!(info.contains("connected_clients:201"), "{info}");
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 4000);
    drop(conns);
}

#[test]
fn malformed_protocol_gets_redis_error_and_only_that_connection_closes() {
    let srv = Ferrous::start(&[]);
    let mut bystander = srv.client();
    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"),
        (
            b"set \"a b\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (b"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
    ];
    for (input, expected) in cases {
        let mut s = srv.connect();
        let got = raw_exchange(&mut s, input, expected.len());
        assert_eq!(String::from_utf8_lossy(&got), *expected);
        assert!(is_closed(&mut s), "connection must close after {expected}");
        let pong: String = redis::cmd("PING").query(&mut bystander).unwrap();
        assert_eq!(pong, "PONG");
    }
    // An inline request longer than 64 KiB without a newline.
    let mut s = srv.connect();
    let got = raw_exchange(&mut s, &vec![b'a'; 70 * 1024], 40);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR Protocol error: too big inline request\r\n"
    );
}

#[test]
fn commands_split_at_every_byte_still_parse() {
    let srv = Ferrous::start(&[]);
    let mut s = srv.connect();
    s.set_nodelay(true).unwrap();
    let wire = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nGET k\r\n";
    for b in wire.iter() {
        s.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    let got = raw_exchange(&mut s, b"", 16);
    assert_eq!(String::from_utf8_lossy(&got), "+OK\r\n$5\r\nhello\r\n");
}

#[test]
fn client_list_shows_what_each_query_buffer_holds() {
    let srv = Ferrous::start(&[]);
    let mut lister = srv.connect();
    let own = raw_exchange(&mut lister, b"*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n", 100);
    let own = String::from_utf8_lossy(&own).into_owned();
    // Its own command: the 26 bytes it came in, "client" and "info" as arguments.
    assert!(own.contains(" qbuf=26 qbuf-free=16358 argv-mem=10 "), "{own}");
    let mut writer = srv.connect();
    writer
        .write_all(b"CLIENT SETNAME w\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nab")
        .unwrap();
    // A command still arriving: the bytes of its last argument so far, and its first two.
    let mut con = srv.client();
    let line = (0..500)
        .find_map(|_| {
            let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
            let line = list.lines().find(|l| l.contains(" name=w ") && l.contains(" qbuf=2 "));
            if line.is_none() {
                std::thread::sleep(Duration::from_millis(10));
            }
            line.map(str::to_string)
        })
        .expect("the writer's partial command shows in CLIENT LIST");
    assert!(line.contains(" argv-mem=4 "), "{line}");
    let got = raw_exchange(&mut writer, b"cdefghij\r\n", 10);
    assert_eq!(String::from_utf8_lossy(&got), "+OK\r\n+OK\r\n");
}

#[test]
fn unknown_commands_and_wrong_arity_get_redis_errors() {
    let srv = Ferrous::start(&[]);
    let mut s = srv.connect();
    let got = raw_exchange(&mut s, b"foo a b\r\nget\r\nCLIENT nosuch\r\n", 160);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n\
         -ERR wrong number of arguments for 'get' command\r\n\
         -ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n"
    );
}

#[test]
fn maxclients_refuses_the_extra_connection_with_redis_error() {
    let srv = Ferrous::start(&["--maxclients", "2"]);
    let mut a = srv.client();
    let _b = srv.client();
    let mut c = srv.connect();
    let got = raw_exchange(&mut c, b"PING\r\n", 36);
    assert_eq!(String::from_utf8_lossy(&got), "-ERR max number of clients reached\r\n");
    assert!(is_closed(&mut c));
    let pong: String = redis::cmd("PING").query(&mut a).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn requirepass_demands_auth_and_accepts_the_right_password() {
    let srv = Ferrous::start(&["--requirepass", "s3cret"]);
    let mut s = srv.connect();
    let got = raw_exchange(&mut s, b"GET k\r\n", 32);
    assert_eq!(String::from_utf8_lossy(&got), "-NOAUTH Authentication required.\r\n");
    let got = raw_exchange(&mut s, b"AUTH wrong\r\n", 67);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    let got = raw_exchange(&mut s, b"AUTH default s3cret\r\nPING\r\n", 12);
    assert_eq!(String::from_utf8_lossy(&got), "+OK\r\n+PONG\r\n");
    let url = format!("redis://:s3cret@127.0.0.1:{}/", srv.port);
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let srv = Ferrous::start(&["--timeout", "1"]);
    let mut s = srv.connect();
    let got = raw_exchange(&mut s, b"PING\r\n", 7);
    assert_eq!(got, b"+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        is_closed(&mut s),
        "an idle client must be closed after `timeout` seconds"
    );
}

#[test]
fn sigterm_shuts_down_cleanly_with_status_zero() {
    let mut srv = Ferrous::start(&[]);
    let _ = srv.client();
    // SAFETY: plain kill(2) on our child's pid.
    unsafe { libc_kill(srv.child.id() as i32, 15) };
    assert_eq!(srv.wait_exit(Duration::from_secs(10)), Some(0));
    let log = srv.log_text();
    assert!(log.contains("Received SIGTERM scheduling shutdown..."), "{log}");
    assert!(log.contains("ready to exit, bye bye"), "{log}");
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn shutdown_save_writes_the_rdb_file_and_nosave_does_not() {
    for (cmd, saved) in [("SHUTDOWN NOSAVE", false), ("SHUTDOWN SAVE", true)] {
        let mut srv = Ferrous::start(&["--save", ""]);
        let dump = srv.log.parent().unwrap().join("dump.rdb");
        let mut s = srv.connect();
        assert_eq!(raw_exchange(&mut s, b"SET a 1\r\n", 5), b"+OK\r\n");
        s.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        assert!(is_closed(&mut s));
        assert_eq!(srv.wait_exit(Duration::from_secs(10)), Some(0));
        assert_eq!(dump.exists(), saved, "{cmd}");
        assert_eq!(srv.log_text().contains("DB saved on disk"), saved, "{cmd}");
    }
}

#[test]
fn config_get_and_set_work_at_runtime() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("timeout")
        .arg("30")
        .arg("maxclients")
        .arg("50")
        .query(&mut con)
        .unwrap();
    let got: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("timeout").query(&mut con).unwrap();
    assert_eq!(got, vec!["timeout", "30"]);
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxclients")
        .query(&mut con)
        .unwrap();
    assert_eq!(got, vec!["maxclients", "50"]);
    let err = redis::cmd("CONFIG")
        .arg("SET")
        .arg("databases")
        .arg("4")
        .query::<()>(&mut con)
        .unwrap_err();
    assert!(err.to_string().contains("can't set immutable config"), "{err}");
}

#[test]
fn redis_cli_talks_to_ferrous() {
    let srv = Ferrous::start(&[]);
    let Some(out) = redis_cli(srv.port, &["SET", "greeting", "hello world"]) else {
        return;
    };
    assert_eq!(out.trim(), "OK");
    assert_eq!(redis_cli(srv.port, &["GET", "greeting"]).unwrap().trim(), "hello world");
    assert_eq!(redis_cli(srv.port, &["-3", "PING"]).unwrap().trim(), "PONG");
    let info = redis_cli(srv.port, &["INFO", "server"]).unwrap();
    assert!(info.contains("redis_version:7.0.15"), "{info}");
    let count = redis_cli(srv.port, &["COMMAND", "COUNT"]).unwrap();
    assert!(count.trim().parse::<i64>().unwrap() > 10, "{count}");
}

#[test]
fn config_set_port_to_a_busy_port_is_refused_and_the_old_port_keeps_listening() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let err = redis::cmd("CONFIG")
        .arg("SET")
        .arg("port")
        .arg(busy_port)
        .query::<()>(&mut con)
        .unwrap_err();
    assert_eq!(err.code(), Some("ERR"));
    assert_eq!(
        err.detail(),
        Some("CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.")
    );
    let port: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("port").query(&mut con).unwrap();
    assert_eq!(port, vec!["port".to_string(), srv.port.to_string()]);
    // New connections still reach the old port.
    let mut again = srv.client();
    let pong: String = redis::cmd("PING").query(&mut again).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn config_set_port_moves_the_listener() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let new_port = common::free_port();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("port")
        .arg(new_port)
        .query(&mut con)
        .unwrap();
    let url = format!("redis://127.0.0.1:{new_port}/");
    let mut moved = None;
    for _ in 0..100 {
        if let Ok(c) = redis::Client::open(url.as_str()).unwrap().get_connection() {
            moved = Some(c);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut moved = moved.expect("ferrous must listen on the new port");
    let pong: String = redis::cmd("PING").query(&mut moved).unwrap();
    assert_eq!(pong, "PONG");
    // The connection made before the change keeps working.
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn info_memory_reports_what_jemalloc_has_allocated_and_it_grows_with_data() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    let field = |con: &mut redis::Connection, name: &str| -> String {
        let info: String = redis::cmd("INFO").arg("memory").query(con).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .to_string()
    };
    assert_eq!(field(&mut con, "mem_allocator"), "jemalloc-5.3.0");
    let before: u64 = field(&mut con, "used_memory").parse().unwrap();
    assert!(before > 0);
    let big = vec![b'x'; 4 << 20];
    let _: () = redis::cmd("SET").arg("big").arg(&big).query(&mut con).unwrap();
    let after: u64 = field(&mut con, "used_memory").parse().unwrap();
    assert!(after >= before + (4 << 20), "{before} -> {after}");
}

#[test]
fn maxmemory_refuses_writes_under_noeviction_and_evicts_under_allkeys_lru() {
    let srv = Ferrous::start(&[]);
    let mut con = srv.client();
    for i in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(vec![b'x'; 1000])
            .query(&mut con)
            .unwrap();
    }
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("1")
        .query(&mut con)
        .unwrap();
    let err = redis::cmd("SET").arg("new").arg("v").query::<()>(&mut con).unwrap_err();
    assert_eq!(err.code(), Some("OOM"), "{err}");
    // Reads still work; a write that frees memory is not denyoom.
    let v: Option<String> = redis::cmd("GET").arg("new").query(&mut con).unwrap();
    assert_eq!(v, None);
    let n: i64 = redis::cmd("DEL").arg("k0").query(&mut con).unwrap();
    assert_eq!(n, 1);
    // Under allkeys-lru the write goes through by evicting keys (all of them: 1 byte is less
    // than the server itself needs).
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("allkeys-lru")
        .query(&mut con)
        .unwrap();
    let err = redis::cmd("SET").arg("new").arg("v").query::<()>(&mut con).unwrap_err();
    assert_eq!(err.code(), Some("OOM"));
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 0);
    let info: String = redis::cmd("INFO").arg("stats").query(&mut con).unwrap();
    assert!(info.contains("evicted_keys:199"), "{info}");
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("0")
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SET").arg("new").arg("v").query(&mut con).unwrap();
}

#[test]
fn a_subscriber_that_does_not_read_is_dropped_at_its_output_limit_while_others_are_served() {
    let srv = Ferrous::start(&["--client-output-buffer-limit", "pubsub", "1mb", "256kb", "60"]);
    let mut sub = srv.connect();
    let confirm = raw_exchange(&mut sub, b"SUBSCRIBE big\r\n", 30);
    assert!(confirm.starts_with(b"*3\r\n$9\r\nsubscribe"), "{confirm:?}");
    // The subscriber reads nothing from now on.
    let mut con = srv.client();
    let payload = vec![b'x'; 64 * 1024];
    let mut receivers = Vec::new();
    for _ in 0..400 {
        let n: i64 = redis::cmd("PUBLISH").arg("big").arg(&payload).query(&mut con).unwrap();
        receivers.push(n);
        if n == 0 {
            break;
        }
    }
    assert_eq!(receivers.last(), Some(&0), "the slow subscriber was never dropped");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let info: String = redis::cmd("INFO").arg("memory").query(&mut con).unwrap();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(used < 16 << 20, "memory kept growing: {used}");
    assert!(srv.log_text().contains("for overcoming of output buffer limits"));
}

/// Connections are logged at verbose, as Redis logs them: not at the default notice level,
/// and from CONFIG SET loglevel verbose on.
#[test]
fn accepted_connections_are_logged_only_at_loglevel_verbose() {
    let f = Ferrous::start(&[]);
    let mut c = f.client();
    let _: String = redis::cmd("PING").query(&mut c).unwrap();
    assert!(!f.log_text().contains("Accepted"), "{}", f.log_text());
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("loglevel")
        .arg("verbose")
        .query(&mut c)
        .unwrap();
    let mut again = f.client();
    let _: String = redis::cmd("PING").query(&mut again).unwrap();
    assert!(f.log_text().contains(" - Accepted 127.0.0.1:"), "{}", f.log_text());
}
