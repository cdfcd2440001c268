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
