//! DEBUG subcommands that change how data is laid out or persisted, through the harness.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h
}

fn send(h: &mut Harness, args: &[&[u8]]) -> Vec<u8> {
    let cmds = vec![args.iter().map(|a| a.to_vec()).collect()];
    h.event(1, Event::Commands { client: 1, cmds })
}

#[test]
fn packed_threshold_makes_a_large_element_a_plain_node_as_redis_dumps_it() {
    let mut h = client();
    h.cmd(1, &["RPUSH", "l", "xxxxxxxxxx"]);
    assert_eq!(h.cmd(1, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b"]), "+OK\r\n");
    h.cmd(1, &["RPUSH", "p", "xxxxxxxxxx"]);
    let bulk = |payload: &[u8]| {
        let mut want = format!("${}\r\n", payload.len()).into_bytes();
        want.extend_from_slice(payload);
        want.extend_from_slice(b"\r\n");
        want
    };
    // Both captured from redis-server 7.0.15 after the same commands: the element pushed
    // before the threshold changed stays in its listpack node, the one pushed after gets a
    // PLAIN node.
    let packed =
        b"\x12\x01\x02\x13\x13\x00\x00\x00\x01\x00\x8axxxxxxxxxx\x0b\xff\n\x00\x1f\x82\xcc\xc2\xba\xe5\xc0\xe0";
    let plain = b"\x12\x01\x01\nxxxxxxxxxx\n\x00\xf3\xf1M\x06\xe1\xb8\x99)";
    assert_eq!(send(&mut h, &[b"DUMP", b"l"]), bulk(packed));
    assert_eq!(send(&mut h, &[b"DUMP", b"p"]), bulk(plain));
    // The payload restores, and the list survives a save and reload as it was.
    assert_eq!(send(&mut h, &[b"RESTORE", b"copy", b"0", plain]), b"+OK\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["LRANGE", "copy", "0", "-1"]), "*1\r\n$10\r\nxxxxxxxxxx\r\n");
    assert_eq!(send(&mut h, &[b"DUMP", b"copy"]), bulk(plain));
    assert_eq!(send(&mut h, &[b"DUMP", b"l"]), bulk(packed));
    assert_eq!(h.cmd(1, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"]), "+OK\r\n");
    for bad in ["-1", "5gb", "x"] {
        assert_eq!(
            h.cmd(1, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad]),
            "-ERR argument must be a memory value bigger than 1 and smaller than 4gb\r\n"
        );
    }
}

#[test]
fn debug_reload_keeps_values_and_expiry_and_resets_the_dirty_counter() {
    let mut h = client();
    h.cmd(1, &["SET", "s", "v", "EX", "100"]);
    h.cmd(1, &["HSET", "h", "f", "1"]);
    h.cmd(1, &["SELECT", "3"]);
    h.cmd(1, &["SADD", "set", "a", "b"]);
    let digest = h.cmd(1, &["DEBUG", "DIGEST"]);
    assert!(h
        .cmd(1, &["INFO", "persistence"])
        .contains("rdb_changes_since_last_save:"));
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "DIGEST"]), digest);
    assert!(h
        .cmd(1, &["INFO", "persistence"])
        .contains("rdb_changes_since_last_save:0\r\n"));
    h.cmd(1, &["SELECT", "0"]);
    assert_eq!(h.cmd(1, &["TTL", "s"]), ":100\r\n");
    assert_eq!(
        h.cmd(1, &["DEBUG", "RELOAD", "BOGUS"]),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
}

#[test]
fn populate_adds_missing_keys_with_redis_names_and_sizes_and_does_not_count_as_dirty() {
    let mut h = client();
    h.cmd(1, &["SET", "key:1", "mine"]);
    let dirty = |h: &mut Harness| {
        let info = h.cmd(1, &["INFO", "persistence"]);
        let line = info
            .lines()
            .find(|l| l.starts_with("rdb_changes_since_last_save:"))
            .unwrap();
        line.split(':').nth(1).unwrap().to_string()
    };
    let before = dirty(&mut h);
    assert_eq!(h.cmd(1, &["DEBUG", "POPULATE", "3"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["DBSIZE"]), ":3\r\n");
    assert_eq!(h.cmd(1, &["GET", "key:0"]), "$7\r\nvalue:0\r\n");
    // An existing key keeps its value.
    assert_eq!(h.cmd(1, &["GET", "key:1"]), "$4\r\nmine\r\n");
    assert_eq!(dirty(&mut h), before);
    // A prefix and a size: cut short, or padded with zero bytes.
    assert_eq!(h.cmd(1, &["DEBUG", "POPULATE", "2", "p", "3"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "p:1"]), "$3\r\nval\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "POPULATE", "1", "z", "9"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "z:0"]), "$9\r\nvalue:0\0\0\r\n");
    for bad in [["DEBUG", "POPULATE", "-1"], ["DEBUG", "POPULATE", "x"]] {
        assert_eq!(h.cmd(1, &bad), "-ERR value is out of range, must be positive\r\n");
    }
}
