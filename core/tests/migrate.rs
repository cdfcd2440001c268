//! MIGRATE through the harness, with the test playing the target: the commands sent, the keys
//! deleted once the target accepted them (and propagated as DEL), the server waiting meanwhile,
//! the errors (target's, connection's, timeout), the retry, and MONITOR's redaction.
//! Expected replies are redis-server 7.0.15's.

mod common;

use common::{connect_request, harness, stream_commands};
use ferrous_core::harness::Harness;
use ferrous_core::{Event, Output};

/// A RESP command as a client sends it.
fn resp(words: &[&[u8]]) -> Vec<u8> {
    let mut s = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        s.extend(format!("${}\r\n", w.len()).into_bytes());
        s.extend_from_slice(w);
        s.extend_from_slice(b"\r\n");
    }
    s
}

/// Opens the link and returns what MIGRATE sent on it.
fn accept(h: &mut Harness) -> (u64, Vec<u8>) {
    let (link, host, port) = connect_request(h);
    assert_eq!((host.as_str(), port), ("target.example", 6390));
    let sent = h.link_opened(link, Ok(()));
    (link, sent)
}

fn answer(h: &mut Harness, link: u64, bytes: &[u8]) {
    h.link_data(link, bytes);
}

fn dump(h: &mut Harness, key: &str) -> Vec<u8> {
    let reply = h.cmd_bytes(1, &[b"DUMP", key.as_bytes()]);
    let start = reply.iter().position(|&b| b == b'\n').unwrap() + 1;
    reply[start..reply.len() - 2].to_vec()
}

#[test]
fn keys_accepted_by_the_target_are_deleted_and_propagated_as_del() {
    let mut h = harness(&[]);
    h.connect(2, true);
    h.connect(3, true);
    assert!(h.cmd_bytes(3, &[b"SYNC"]).starts_with(b"$"));
    h.cmd(1, &["MSET", "a", "1", "b", "2"]);
    h.cmd(1, &["PEXPIRE", "b", "5000"]);
    let (da, db) = (dump(&mut h, "a"), dump(&mut h, "b"));
    let cmd = [
        "MIGRATE",
        "target.example",
        "6390",
        "",
        "4",
        "100",
        "KEYS",
        "a",
        "b",
        "missing",
    ];
    assert_eq!(h.cmd(1, &cmd), "", "the reply waits for the target");
    let (link, sent) = accept(&mut h);
    let mut expected = resp(&[b"SELECT", b"4"]);
    expected.extend(resp(&[b"RESTORE", b"a", b"0", &da]));
    expected.extend(resp(&[b"RESTORE", b"b", b"5000", &db]));
    assert_eq!(sent, expected);
    // The server waits for the target, as Redis' blocking MIGRATE does.
    assert_eq!(h.cmd(2, &["GET", "a"]), "");
    answer(&mut h, link, b"+OK\r\n+OK\r\n+");
    assert_eq!(h.take_sent(1), "");
    answer(&mut h, link, b"OK\r\n");
    assert_eq!(h.take_sent(1), "+OK\r\n");
    assert_eq!(h.take_sent(2), "$-1\r\n", "the waiting GET runs after the keys left");
    assert!(h.other.contains(&Output::Close { client: link }));
    let stream = String::from_utf8_lossy(&h.take_sent_bytes(3)).into_owned();
    assert_eq!(stream_commands(&stream).last().map(String::as_str), Some("DEL a b"));
}

#[test]
fn copy_replace_and_auth2_are_sent_and_a_target_error_keeps_the_key() {
    let mut h = harness(&[]);
    h.cmd(1, &["SET", "k", "v"]);
    let d = dump(&mut h, "k");
    let cmd = [
        "MIGRATE",
        "target.example",
        "6390",
        "k",
        "0",
        "100",
        "COPY",
        "REPLACE",
        "AUTH2",
        "u",
        "p",
    ];
    h.cmd(1, &cmd);
    let (link, sent) = accept(&mut h);
    let mut expected = resp(&[b"AUTH", b"u", b"p"]);
    expected.extend(resp(&[b"SELECT", b"0"]));
    expected.extend(resp(&[b"RESTORE", b"k", b"0", &d, b"REPLACE"]));
    assert_eq!(sent, expected);
    answer(&mut h, link, b"+OK\r\n+OK\r\n+OK\r\n");
    assert_eq!(h.take_sent(1), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n", "COPY keeps the key");

    h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100"]);
    let (link, _) = accept(&mut h);
    answer(&mut h, link, b"+OK\r\n-BUSYKEY Target key name already exists.\r\n");
    assert_eq!(
        h.take_sent(1),
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
    );
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
}

#[test]
fn connection_failures_timeouts_and_one_retry() {
    let mut h = harness(&[]);
    h.cmd(1, &["SET", "k", "v"]);
    h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100"]);
    let (link, _, _) = connect_request(&mut h);
    h.link_opened(link, Err("Connection refused".into()));
    assert_eq!(h.take_sent(1), "-IOERR error or timeout connecting to the client\r\n");

    // Silence past the timeout.
    h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100"]);
    accept(&mut h);
    h.now.mono_us += 150_000;
    h.event(9, Event::Tick);
    assert_eq!(h.take_sent(1), "-IOERR error or timeout reading to target instance\r\n");

    // A connection that breaks before any reply is tried once more.
    h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100"]);
    let (link, _) = accept(&mut h);
    h.event(link, Event::Disconnected { client: link });
    let (link, sent) = accept(&mut h);
    assert!(sent.ends_with(b"\r\n") && !sent.is_empty(), "the commands go again");
    answer(&mut h, link, b"+OK\r\n+OK\r\n");
    assert_eq!(h.take_sent(1), "+OK\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "k"]), ":0\r\n");
}

#[test]
fn nothing_to_migrate_and_bad_arguments() {
    let mut h = harness(&[]);
    assert_eq!(
        h.cmd(1, &["MIGRATE", "target.example", "6390", "nokey", "0", "100"]),
        "+NOKEY\r\n"
    );
    assert_eq!(
        h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100", "KEYS", "a"]),
        "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n"
    );
    assert_eq!(
        h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "0", "100", "AUTH"]),
        "-ERR syntax error\r\n"
    );
    h.cmd(1, &["SET", "k", "v"]);
    assert_eq!(
        h.cmd(1, &["MIGRATE", "target.example", "6390", "k", "x", "100"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert!(h.other.iter().all(|o| !matches!(o, Output::Connect { .. })));
}

#[test]
fn monitor_redacts_credentials() {
    let mut h = harness(&[]);
    h.connect(2, true);
    assert_eq!(h.cmd(2, &["MONITOR"]), "+OK\r\n");
    h.cmd(
        1,
        &["MIGRATE", "h", "1", "key", "9", "5000", "AUTH2", "user", "password"],
    );
    h.cmd(1, &["AUTH", "not-real", "not-a-password"]);
    h.cmd(1, &["HELLO", "2", "AUTH", "not-real", "not-a-password"]);
    let seen = h.take_sent(2);
    assert!(
        seen.contains(r#""MIGRATE" "h" "1" "key" "9" "5000" "AUTH2" "(redacted)" "(redacted)""#),
        "{seen}"
    );
    assert!(seen.contains(r#""AUTH" "(redacted)" "(redacted)""#), "{seen}");
    assert!(
        seen.contains(r#""HELLO" "2" "AUTH" "(redacted)" "(redacted)""#),
        "{seen}"
    );
}
