//! Keyspace commands over our dict (RANDOMKEY, SCAN, KEYS) and the cron's active expiry,
//! through the harness with virtual time.

use std::collections::BTreeSet;

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h
}

fn advance_ms(h: &mut Harness, ms: u64) {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
}

/// Advances virtual time by one cron period (hz 10) at a time, ticking each time.
fn run_cron(h: &mut Harness, periods: usize) {
    for _ in 0..periods {
        advance_ms(h, 100);
        h.event(1, Event::Tick);
    }
}

fn dbsize(h: &mut Harness) -> String {
    h.cmd(1, &["DBSIZE"])
}

/// Parses a RESP2 SCAN reply: the next cursor and the keys.
fn parse_scan(reply: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[0], "*2", "{reply}");
    let cursor = lines[2].to_string();
    let n: usize = lines[3][1..].parse().unwrap();
    let keys = (0..n).map(|i| lines[5 + 2 * i].to_string()).collect();
    (cursor, keys)
}

fn full_scan(h: &mut Harness, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut all = Vec::new();
    loop {
        let mut words = vec!["SCAN", cursor.as_str()];
        words.extend_from_slice(extra);
        let (next, keys) = parse_scan(&h.cmd(1, &words));
        all.extend(keys);
        if next == "0" {
            break;
        }
        cursor = next;
    }
    all
}

#[test]
fn randomkey_returns_live_keys_and_deletes_expired_ones() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["RANDOMKEY"]), "$-1\r\n");
    h.cmd(1, &["SET", "only", "v"]);
    assert_eq!(h.cmd(1, &["RANDOMKEY"]), "$4\r\nonly\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    for i in 0..20 {
        h.cmd(1, &["SET", &format!("tmp{i}"), "v", "PX", "10"]);
    }
    let mut seen = BTreeSet::new();
    for _ in 0..200 {
        seen.insert(h.cmd(1, &["RANDOMKEY"]));
    }
    assert!(seen.len() > 10, "{seen:?}");
    advance_ms(&mut h, 20);
    assert_eq!(dbsize(&mut h), ":21\r\n");
    for _ in 0..20 {
        assert_eq!(h.cmd(1, &["RANDOMKEY"]), "$4\r\nonly\r\n");
    }
    h.cmd(1, &["SET", "last", "v", "PX", "10"]);
    h.cmd(1, &["DEL", "only"]);
    advance_ms(&mut h, 20);
    assert_eq!(h.cmd(1, &["RANDOMKEY"]), "$-1\r\n");
    assert_eq!(dbsize(&mut h), ":0\r\n");
}

#[test]
fn scan_iterates_everything_with_match_count_and_type() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["SCAN", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    for i in 0..1000 {
        h.cmd(1, &["SET", &format!("key:{i}"), "v"]);
    }
    let mut all = full_scan(&mut h, &[]);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 1000);
    let all = full_scan(&mut h, &["COUNT", "100", "MATCH", "key:1?"]);
    assert_eq!(all.len(), 10);
    assert!(all.iter().all(|k| k.starts_with("key:1") && k.len() == 6));
    assert_eq!(full_scan(&mut h, &["TYPE", "STRING", "COUNT", "1000"]).len(), 1000);
    assert_eq!(full_scan(&mut h, &["TYPE", "list"]).len(), 0);
    // A big COUNT returns everything in one call.
    let (cursor, keys) = parse_scan(&h.cmd(1, &["SCAN", "0", "COUNT", "100000"]));
    assert_eq!((cursor.as_str(), keys.len()), ("0", 1000));
}

#[test]
fn scan_errors_like_redis() {
    let mut h = client();
    let syntax = "-ERR syntax error\r\n";
    assert_eq!(h.cmd(1, &["SCAN", "abc"]), "-ERR invalid cursor\r\n");
    assert_eq!(h.cmd(1, &["SCAN", " 1"]), "-ERR invalid cursor\r\n");
    assert_eq!(h.cmd(1, &["SCAN", "0", "COUNT", "0"]), syntax);
    assert_eq!(h.cmd(1, &["SCAN", "0", "COUNT", "-1"]), syntax);
    assert_eq!(
        h.cmd(1, &["SCAN", "0", "COUNT", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["SCAN", "0", "MATCH"]), syntax);
    assert_eq!(h.cmd(1, &["SCAN", "0", "FOO", "bar"]), syntax);
    assert_eq!(h.cmd(1, &["SCAN", "-1"]), "*2\r\n$1\r\n0\r\n*0\r\n");
}

#[test]
fn scan_skips_and_deletes_expired_keys() {
    let mut h = client();
    h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    h.cmd(1, &["SET", "live", "v"]);
    h.cmd(1, &["SET", "dead", "v", "PX", "5"]);
    advance_ms(&mut h, 10);
    assert_eq!(h.cmd(1, &["KEYS", "*"]), "*1\r\n$4\r\nlive\r\n");
    assert_eq!(dbsize(&mut h), ":2\r\n");
    assert_eq!(full_scan(&mut h, &[]), vec!["live".to_string()]);
    assert_eq!(dbsize(&mut h), ":1\r\n");
}

#[test]
fn a_key_lives_through_the_millisecond_its_expiry_names() {
    let mut h = client();
    h.cmd(1, &["SET", "k", "v", "PX", "50"]);
    h.cmd(1, &["SET", "untouched", "v", "PX", "50"]);
    advance_ms(&mut h, 50);
    h.event(1, Event::Tick);
    assert_eq!(h.cmd(1, &["PTTL", "k"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(dbsize(&mut h), ":2\r\n");
    advance_ms(&mut h, 1);
    assert_eq!(h.cmd(1, &["PTTL", "k"]), ":-2\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "untouched"]), ":0\r\n");
}

#[test]
fn active_expiry_deletes_untouched_keys_in_the_cron() {
    let mut h = client();
    for i in 0..500 {
        h.cmd(1, &["SET", &format!("tmp:{i}"), "v", "PX", "50"]);
    }
    for i in 0..50 {
        h.cmd(1, &["SET", &format!("keep:{i}"), "v"]);
        h.cmd(1, &["SET", &format!("later:{i}"), "v", "EX", "1000"]);
    }
    assert_eq!(dbsize(&mut h), ":600\r\n");
    run_cron(&mut h, 20);
    assert_eq!(dbsize(&mut h), ":100\r\n");
    let info = h.cmd(1, &["INFO", "stats"]);
    assert!(info.contains("expired_keys:500\r\n"), "{info}");
}

#[test]
fn debug_set_active_expire_0_stops_active_expiry() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    for i in 0..100 {
        h.cmd(1, &["SET", &format!("tmp:{i}"), "v", "PX", "50"]);
    }
    run_cron(&mut h, 20);
    assert_eq!(dbsize(&mut h), ":100\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), "+OK\r\n");
    run_cron(&mut h, 20);
    assert_eq!(dbsize(&mut h), ":0\r\n");
}

#[test]
fn keyspace_shrinks_after_mass_deletion_and_keeps_working() {
    let mut h = client();
    for i in 0..3000 {
        h.cmd(1, &["SET", &format!("k{i}"), "v"]);
    }
    for i in 0..2990 {
        h.cmd(1, &["DEL", &format!("k{i}")]);
    }
    run_cron(&mut h, 5);
    let mut all = full_scan(&mut h, &[]);
    all.sort();
    let want: Vec<String> = (2990..3000).map(|i| format!("k{i}")).collect();
    assert_eq!(all, want);
    assert_eq!(h.cmd(1, &["GET", "k2995"]), "$1\r\nv\r\n");
}

fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// Access times as Redis keeps them: reads and writes stamp the key, EXISTS/TYPE/TTL/OBJECT do
/// not, and CLIENT NO-TOUCH spares every command but TOUCH.
#[test]
fn object_idletime_follows_accesses() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["SET", "k", "v"]), "+OK\r\n");
    advance_ms(&mut h, 5_000);
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), int(5));
    for cmd in [
        &["EXISTS", "k"][..],
        &["TYPE", "k"],
        &["TTL", "k"],
        &["OBJECT", "ENCODING", "k"],
    ] {
        h.cmd(1, cmd);
    }
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), int(5));
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), int(0));
    advance_ms(&mut h, 3_000);
    assert_eq!(h.cmd(1, &["CLIENT", "NO-TOUCH", "ON"]), "+OK\r\n");
    h.cmd(1, &["GET", "k"]);
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), int(3));
    assert_eq!(h.cmd(1, &["TOUCH", "k"]), int(1));
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), int(0));
    // RENAME moves the value itself, access time included.
    advance_ms(&mut h, 2_000);
    assert_eq!(h.cmd(1, &["RENAME", "k", "k2"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k2"]), int(2));
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "nokey"]), "$-1\r\n");
}

#[test]
fn restore_idletime_sets_the_access_time() {
    let mut h = client();
    h.cmd(1, &["SET", "src", "hello"]);
    let raw = |h: &mut Harness, args: Vec<Vec<u8>>| {
        h.event(
            1,
            Event::Commands {
                client: 1,
                cmds: vec![args],
            },
        )
    };
    let dump = raw(&mut h, vec![b"DUMP".to_vec(), b"src".to_vec()]);
    // `$<len>\r\n<payload>\r\n`
    let start = dump.iter().position(|&c| c == b'\n').unwrap() + 1;
    let payload = dump[start..dump.len() - 2].to_vec();
    let restore = vec![
        b"RESTORE".to_vec(),
        b"dst".to_vec(),
        b"0".to_vec(),
        payload,
        b"IDLETIME".to_vec(),
        b"1000".to_vec(),
    ];
    assert_eq!(raw(&mut h, restore), b"+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "dst"]), int(1000));
}

#[test]
fn debug_object_shows_identity_encoding_length_and_idle_time() {
    let mut h = client();
    h.cmd(1, &["SET", "n", "20000"]);
    let before = h.cmd(1, &["DEBUG", "OBJECT", "n"]);
    assert!(
        before.starts_with("+Value at:0x") && before.contains(" refcount:1 encoding:int serializedlength:3 lru:"),
        "{before}"
    );
    assert!(before.ends_with(" lru_seconds_idle:0\r\n"), "{before}");
    // INCR changes the value in place: the same object.
    h.cmd(1, &["INCR", "n"]);
    let after = h.cmd(1, &["DEBUG", "OBJECT", "n"]);
    let addr = |s: &str| s.split(' ').nth(1).unwrap().to_string();
    assert_eq!(addr(&before), addr(&after));
    h.cmd(1, &["SET", "s", "hello"]);
    advance_ms(&mut h, 7_000);
    let s = h.cmd(1, &["DEBUG", "OBJECT", "s"]);
    assert!(
        s.contains(" refcount:1 encoding:embstr serializedlength:6 ") && s.ends_with(" lru_seconds_idle:7\r\n"),
        "{s}"
    );
    assert!(h.cmd(1, &["DEBUG", "OBJECT", "7"]).contains("no such key"));
    assert_eq!(
        h.cmd(1, &["DEBUG", "STRINGMATCH-TEST"]),
        "+Apparently Redis did not crash: test passed\r\n"
    );
}

/// DEBUG SLEEP stops the whole server, as Redis' one sleeping thread does: its own reply, the
/// rest of its pipeline and every other client's commands wait until the sleep is over.
#[test]
fn debug_sleep_stalls_every_client_until_it_is_over() {
    let mut h = client();
    h.connect(2, true);
    let sleep = |words: &[&str]| words.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![sleep(&["DEBUG", "SLEEP", "0.5"]), sleep(&["PING"])],
        },
    );
    assert!(
        out.is_empty(),
        "replied while asleep: {:?}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(h.cmd(2, &["PING"]), "");
    advance_ms(&mut h, 200);
    assert_eq!(String::from_utf8_lossy(&h.event(1, Event::Tick)), "");
    advance_ms(&mut h, 300);
    // Awake: the sleeper's replies come out in order; the other client's PING has run too.
    assert_eq!(String::from_utf8_lossy(&h.event(1, Event::Tick)), "+OK\r\n+PONG\r\n");
    let to_2 = ferrous_core::Output::Send {
        client: 2,
        data: b"+PONG\r\n".to_vec(),
    };
    assert!(h.other.contains(&to_2), "{:?}", h.other);
    assert_eq!(h.cmd(2, &["PING"]), "+PONG\r\n");
    // A sleep of zero (or nonsense) does not stop anything.
    assert_eq!(h.cmd(1, &["DEBUG", "SLEEP", "0"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "SLEEP", "abc"]), "+OK\r\n");
}

#[test]
fn memory_usage_counts_the_key_and_its_value() {
    let mut h = client();
    h.cmd(1, &["SET", "small", "v"]);
    h.cmd(1, &["SET", "big", &"x".repeat(1000)]);
    let n = |s: String| s.trim_start_matches(':').trim_end().parse::<i64>().unwrap();
    let small = n(h.cmd(1, &["MEMORY", "USAGE", "small"]));
    let big = n(h.cmd(1, &["MEMORY", "USAGE", "big"]));
    assert!(small > 0 && big >= small + 1000, "{small} {big}");
    h.cmd(1, &["RPUSH", "l", "a", "b", "c"]);
    assert!(n(h.cmd(1, &["MEMORY", "USAGE", "l", "SAMPLES", "0"])) > small);
    assert_eq!(h.cmd(1, &["MEMORY", "USAGE", "nokey"]), "$-1\r\n");
    assert_eq!(
        h.cmd(1, &["MEMORY", "USAGE", "l", "SAMPLES", "-1"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(h.cmd(1, &["MEMORY", "USAGE", "l", "BOGUS"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["MEMORY", "USAGE", "l", "SAMPLES", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
}
