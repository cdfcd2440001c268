//! LCS through the harness: the replies a client sees, errors included. Expected replies were
//! taken from Debian's redis-server 7.0.15.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    h
}

/// Sends one command of binary arguments; returns the raw reply bytes.
fn bin(h: &mut Harness, args: &[&[u8]]) -> Vec<u8> {
    let cmds = vec![args.iter().map(|a| a.to_vec()).collect()];
    h.event(1, Event::Commands { client: 1, cmds })
}

#[test]
fn lcs_replies_in_resp2_and_resp3() {
    let mut h = client();
    h.cmd(1, &["SET", "s1", "ohmytext"]);
    h.cmd(1, &["SET", "s2", "mynewtext"]);
    assert_eq!(h.cmd(1, &["LCS", "s1", "s2"]), "$6\r\nmytext\r\n");
    assert_eq!(h.cmd(1, &["LCS", "s1", "s2", "LEN"]), ":6\r\n");
    assert_eq!(
        h.cmd(1, &["LCS", "s1", "s2", "IDX"]),
        "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(
        h.cmd(1, &["LCS", "s1", "s2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(h.cmd(1, &["LCS", "s1", "nokey"]), "$0\r\n\r\n");
    assert_eq!(
        h.cmd(1, &["LCS", "nokey", "nokey", "IDX"]),
        "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"
    );
    h.cmd(1, &["SET", "n", "12345"]);
    h.cmd(1, &["SET", "m", "2x4"]);
    assert_eq!(h.cmd(1, &["LCS", "n", "m"]), "$2\r\n24\r\n");

    assert_eq!(
        h.cmd(1, &["LCS", "s1", "s2", "IDX", "LEN"]),
        "-ERR If you want both the length and indexes, please just use IDX.\r\n"
    );
    assert_eq!(h.cmd(1, &["LCS", "s1", "s2", "MINMATCHLEN"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["LCS", "s1", "s2", "FOO"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["LCS", "s1", "s2", "MINMATCHLEN", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(bin(&mut h, &[b"LCS", b"s1", b"s2", b"len\0x"]), b":6\r\n");

    assert!(h.cmd(1, &["HELLO", "3"]).starts_with('%'));
    assert_eq!(
        h.cmd(1, &["LCS", "s1", "s2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "-3"]),
        "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
    );
}

#[test]
fn lcs_refuses_a_table_larger_than_proto_max_bulk_len() {
    let mut h = client();
    let long = "a".repeat(500);
    h.cmd(1, &["SET", "l", &long]);
    h.cmd(1, &["CONFIG", "SET", "proto-max-bulk-len", "1048576"]);
    assert_eq!(h.cmd(1, &["LCS", "l", "l", "LEN"]), ":500\r\n");
    let long = "a".repeat(1000);
    h.cmd(1, &["SET", "l", &long]);
    assert_eq!(
        h.cmd(1, &["LCS", "l", "l", "LEN"]),
        "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
    );
}

#[test]
fn lcs_keys_and_arity() {
    let mut h = client();
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "LCS", "a", "b"]),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        h.cmd(1, &["LCS", "a"]),
        "-ERR wrong number of arguments for 'lcs' command\r\n"
    );
}
