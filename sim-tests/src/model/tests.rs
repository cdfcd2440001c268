//! The model's answers for cases whose Redis 7.0.15 replies are known by heart.

use ferrous_core::Now;
use ferrous_io_sim::Value;

use super::{Expect, Model};

fn run(m: &mut Model, words: &[&[u8]]) -> Value {
    let args: Vec<Vec<u8>> = words.iter().map(|w| w.to_vec()).collect();
    match m.execute(1, &args, Now::new(1_700_000_000_123, 5)) {
        Some(Expect::Reply(v)) => v,
        other => panic!("unexpected {other:?}"),
    }
}

fn model() -> Model {
    let mut m = Model::default();
    m.connect(1);
    m
}

#[test]
fn strings_and_keys() {
    let mut m = model();
    assert_eq!(run(&mut m, &[b"GET", b"k"]), Value::NullBulk);
    assert_eq!(run(&mut m, &[b"set", b"k", b"v"]), Value::simple("OK"));
    assert_eq!(
        run(&mut m, &[b"SET", b"k", b"v", b"BOGUS"]),
        Value::error("ERR syntax error")
    );
    assert_eq!(run(&mut m, &[b"EXISTS", b"k", b"k", b"x"]), Value::Int(2));
    assert_eq!(run(&mut m, &[b"DEL", b"k", b"k"]), Value::Int(1));
    assert_eq!(run(&mut m, &[b"DBSIZE"]), Value::Int(0));
    assert_eq!(
        run(&mut m, &[b"GET"]),
        Value::error("ERR wrong number of arguments for 'get' command")
    );
}

#[test]
fn select_follows_string2ll_and_the_database_range() {
    let mut m = model();
    assert_eq!(run(&mut m, &[b"SELECT", b"15"]), Value::simple("OK"));
    let range = Value::error("ERR DB index is out of range");
    assert_eq!(run(&mut m, &[b"SELECT", b"16"]), range);
    assert_eq!(run(&mut m, &[b"SELECT", b"-1"]), range);
    let nan = Value::error("ERR value is not an integer or out of range");
    for bad in [&b"01"[..], b"+1", b"-0", b"", b" 1", b"99999999999999999999"] {
        assert_eq!(run(&mut m, &[b"SELECT", bad]), nan);
    }
    assert_eq!(
        run(&mut m, &[b"SELECT", b"2147483648"]),
        Value::error("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
}

#[test]
fn unknown_commands_quote_128_bytes_of_arguments() {
    let mut m = model();
    assert_eq!(
        run(&mut m, &[b"nosuch", b"a\r\nb", b"c\x00d"]),
        Value::error("ERR unknown command 'nosuch', with args beginning with: 'a  b' 'c' ")
    );
    let long = vec![b'x'; 200];
    let Value::Error(e) = run(&mut m, &[b"nosuch", &long, b"more"]) else {
        panic!()
    };
    assert!(e.ends_with(&[&b"'"[..], &[b'x'; 128], b"' "].concat()));
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"frob"]),
        Value::error("ERR unknown subcommand 'frob'. Try CLIENT HELP.")
    );
    assert_eq!(
        run(&mut m, &[b"client", b"ID", b"x"]),
        Value::error("ERR wrong number of arguments for 'client|id' command")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT"]),
        Value::error("ERR wrong number of arguments for 'client' command")
    );
}

#[test]
fn errors_quote_the_clients_bytes_unchanged() {
    let mut m = model();
    let Value::Error(e) = run(&mut m, &[b"nosuch", b"\xffa\x00b", &[0xc3, 0xa9].repeat(70), b"more"]) else {
        panic!()
    };
    let shown = [&b"'\xffa' '"[..], &[0xc3, 0xa9].repeat(61), &[0xc3], b"' "].concat();
    assert_eq!(
        e,
        [&b"ERR unknown command 'nosuch', with args beginning with: "[..], &shown].concat()
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"\xfe\r\x00z"]),
        Value::Error(b"ERR unknown subcommand '\xfe '. Try CLIENT HELP.".to_vec())
    );
}

#[test]
fn client_no_touch_and_setinfo_as_in_redis_7_2() {
    let mut m = model();
    for ok in [&b"on"[..], b"OFF", b"On"] {
        assert_eq!(run(&mut m, &[b"CLIENT", b"NO-TOUCH", ok]), Value::simple("OK"));
    }
    assert_eq!(
        run(&mut m, &[b"client", b"no-touch", b"yes"]),
        Value::error("ERR syntax error")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"NO-TOUCH", b"on", b"x"]),
        Value::error("ERR wrong number of arguments for 'client|no-touch' command")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"SETINFO", b"LIB-NAME", b"redis-py"]),
        Value::simple("OK")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"SETINFO", b"lib-ver", b""]),
        Value::simple("OK")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"SETINFO", b"Lib\nNam", b"x"]),
        Value::error("ERR Unrecognized option 'Lib Nam'")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"SETINFO", b"LIB-Ver", b"1 2"]),
        Value::error("ERR lib-ver cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"SETINFO", b"lib-name"]),
        Value::error("ERR wrong number of arguments for 'client|setinfo' command")
    );
}

#[test]
fn post_and_host_close_the_connection_unanswered() {
    for name in [&b"POST"[..], b"host:", b"Host:"] {
        let mut m = model();
        assert_eq!(m.execute(1, &[name.to_vec(), b"/".to_vec()], Now::default()), None);
        assert!(!m.is_serving(1));
        assert_eq!(
            m.execute(1, &[b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()], Now::default()),
            None
        );
        assert_eq!(m.key_count(), 0);
    }
}

#[test]
fn hello_switches_protocol_and_applies_options_in_order() {
    let mut m = model();
    let Value::Map(pairs) = run(&mut m, &[b"HELLO", b"3", b"SETNAME", b"app"]) else {
        panic!()
    };
    assert_eq!(pairs[2], (Value::bulk(b"proto"), Value::Int(3)));
    assert_eq!(pairs[3], (Value::bulk(b"id"), Value::Int(1)));
    assert_eq!(run(&mut m, &[b"GET", b"nokey"]), Value::Null);
    assert_eq!(run(&mut m, &[b"CLIENT", b"GETNAME"]), Value::bulk(b"app"));
    assert_eq!(
        run(&mut m, &[b"HELLO", b"2", b"SETNAME", b"other", b"BOGUS"]),
        Value::error("ERR Syntax error in HELLO option 'BOGUS'")
    );
    assert_eq!(
        run(&mut m, &[b"CLIENT", b"GETNAME"]),
        Value::bulk(b"other"),
        "set before the error"
    );
    assert_eq!(
        run(
            &mut m,
            &[
                b"HELLO",
                b"3",
                b"AUTH",
                b"default",
                b"pw",
                b"SETNAME",
                b"x",
                b"a\nb\x00c"
            ]
        ),
        Value::error("ERR Syntax error in HELLO option 'a b'")
    );
    assert_eq!(run(&mut m, &[b"CLIENT", b"GETNAME"]), Value::bulk(b"x"));
    assert_eq!(
        run(
            &mut m,
            &[b"HELLO", b"3", b"SETNAME", b"y", b"SETNAME", b"a b", b"SETNAME", b"z"]
        ),
        Value::error("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(run(&mut m, &[b"CLIENT", b"GETNAME"]), Value::bulk(b"y"));
    assert_eq!(
        run(&mut m, &[b"GET", b"nokey"]),
        Value::Null,
        "protocol unchanged by a failed HELLO"
    );
    assert_eq!(
        run(&mut m, &[b"HELLO", b"4"]),
        Value::error("NOPROTO unsupported protocol version")
    );
    assert!(matches!(run(&mut m, &[b"HELLO", b"2"]), Value::Array(a) if a.len() == 14));
    assert_eq!(run(&mut m, &[b"RESET"]), Value::simple("RESET"));
    assert_eq!(run(&mut m, &[b"CLIENT", b"GETNAME"]), Value::NullBulk);
}

#[test]
fn quit_stops_the_connection() {
    let mut m = model();
    assert_eq!(run(&mut m, &[b"QUIT", b"whatever"]), Value::simple("OK"));
    assert_eq!(m.execute(1, &[b"PING".to_vec()], Now::default()), None);
    let mut m = model();
    let t = m.execute(1, &[b"time".to_vec()], Now::new(1_700_000_000_123, 5));
    assert_eq!(
        t,
        Some(Expect::TimeAt {
            unix_ms: 1_700_000_000_123
        })
    );
}

fn run_at(m: &mut Model, unix_ms: u64, words: &[&[u8]]) -> Expect {
    let args: Vec<Vec<u8>> = words.iter().map(|w| w.to_vec()).collect();
    m.execute(1, &args, Now::new(unix_ms, 5)).expect("a reply")
}

/// As redis-server 7.0.15 answered these (DEBUG SET-ACTIVE-EXPIRE 0).
#[test]
fn expiry_is_lazy_and_follows_the_wall_clock_both_ways() {
    let mut m = model();
    let t = 1_700_000_000_000;
    let int = |n| Expect::Reply(Value::Int(n));
    assert_eq!(
        run_at(&mut m, t, &[b"SET", b"k", b"v", b"PX", b"100"]),
        Expect::Reply(Value::simple("OK"))
    );
    assert_eq!(run_at(&mut m, t, &[b"PTTL", b"k"]), int(100));
    assert_eq!(run_at(&mut m, t + 60, &[b"TTL", b"k"]), int(0));
    // A past absolute expiry is stored; DBSIZE counts it until something touches it.
    assert_eq!(
        run_at(&mut m, t, &[b"SET", b"old", b"v", b"PXAT", b"1"]),
        Expect::Reply(Value::simple("OK"))
    );
    assert_eq!(run_at(&mut m, t, &[b"DBSIZE"]), int(2));
    // The wall clock steps back: k is alive again, as it was never reclaimed.
    assert_eq!(run_at(&mut m, t + 200, &[b"DBSIZE"]), int(2));
    assert_eq!(run_at(&mut m, t + 50, &[b"EXISTS", b"k", b"old"]), int(1));
    assert_eq!(run_at(&mut m, t + 200, &[b"GET", b"k"]), Expect::Reply(Value::NullBulk));
    assert_eq!(run_at(&mut m, t + 50, &[b"EXISTS", b"k"]), int(0));
    assert_eq!(run_at(&mut m, t, &[b"DBSIZE"]), int(0));
}

#[test]
fn expire_options_and_errors_in_redis_order() {
    let mut m = model();
    let t = 1_700_000_000_000;
    let int = |n| Expect::Reply(Value::Int(n));
    let err = |s: &str| Expect::Reply(Value::error(s));
    run_at(&mut m, t, &[b"SET", b"k", b"v"]);
    assert_eq!(run_at(&mut m, t, &[b"EXPIRE", b"k", b"10", b"GT"]), int(0));
    assert_eq!(run_at(&mut m, t, &[b"EXPIRE", b"k", b"10", b"LT"]), int(1));
    assert_eq!(run_at(&mut m, t, &[b"EXPIRE", b"k", b"10", b"NX"]), int(0));
    assert_eq!(
        run_at(&mut m, t, &[b"EXPIRE", b"k", b"abc", b"bogus"]),
        err("ERR Unsupported option bogus")
    );
    assert_eq!(
        run_at(&mut m, t, &[b"EXPIRE", b"k", b"10", b"nx", b"xx"]),
        err("ERR NX and XX, GT or LT options at the same time are not compatible")
    );
    assert_eq!(
        run_at(&mut m, t, &[b"EXPIRE", b"k", b"10", b"gt", b"lt"]),
        err("ERR GT and LT options at the same time are not compatible")
    );
    assert_eq!(run_at(&mut m, t, &[b"PERSIST", b"k"]), int(1));
    assert_eq!(run_at(&mut m, t, &[b"TTL", b"k"]), int(-1));
    assert_eq!(run_at(&mut m, t, &[b"EXPIRE", b"k", b"0"]), int(1));
    assert_eq!(run_at(&mut m, t, &[b"TTL", b"k"]), int(-2));
    assert_eq!(
        run_at(&mut m, t, &[b"SET", b"k", b"v", b"EX", b"0"]),
        err("ERR invalid expire time in 'set' command")
    );
    assert_eq!(
        run_at(&mut m, t, &[b"SET", b"k", b"v", b"EX", b"1", b"KEEPTTL"]),
        err("ERR syntax error")
    );
}

#[test]
fn dbsize_is_a_range_when_the_server_reclaims_expired_keys() {
    let mut m = Model::new(true);
    m.connect(1);
    let t = 1_700_000_000_000;
    run_at(&mut m, t, &[b"SET", b"a", b"v", b"PX", b"10"]);
    run_at(&mut m, t, &[b"SET", b"b", b"v"]);
    assert_eq!(
        run_at(&mut m, t + 20, &[b"DBSIZE"]),
        Expect::IntBetween { lo: 1, hi: 2 }
    );
}
