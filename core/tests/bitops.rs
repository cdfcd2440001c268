//! Bitmap commands through the harness: the replies a client sees, errors included.
//! Expected replies were taken from Debian's redis-server 7.0.15.

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

const OFFSET_ERR: &str = "-ERR bit offset is not an integer or out of range\r\n";
const TYPE_ERR: &str =
    "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";

#[test]
fn setbit_and_getbit_grow_the_string_and_check_their_arguments() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["SETBIT", "k", "7", "1"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "k", "7", "1"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "k", "17", "1"]), ":0\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"k"]), b"$3\r\n\x01\x00\x40\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "k", "7", "0"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["GETBIT", "k", "17"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["GETBIT", "k", "16"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["GETBIT", "k", "100000000"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["GETBIT", "nokey", "3"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "k"]), "$3\r\nraw\r\n");

    for bad in ["-1", "x", "#1", "1.0", "4294967296", "9223372036854775808"] {
        assert_eq!(h.cmd(1, &["SETBIT", "k", bad, "1"]), OFFSET_ERR, "{bad}");
        assert_eq!(h.cmd(1, &["GETBIT", "k", bad]), OFFSET_ERR, "{bad}");
    }
    for bad in ["2", "-1", "x", ""] {
        assert_eq!(
            h.cmd(1, &["SETBIT", "k", "1", bad]),
            "-ERR bit is not an integer or out of range\r\n"
        );
    }
    // The offset is checked before the value.
    assert_eq!(h.cmd(1, &["SETBIT", "k", "x", "x"]), OFFSET_ERR);
    assert_eq!(
        h.cmd(1, &["SETBIT", "k", "1"]),
        "-ERR wrong number of arguments for 'setbit' command\r\n"
    );

    // An integer-encoded string is its decimal text; writing makes it raw.
    h.cmd(1, &["SET", "n", "12345"]);
    assert_eq!(h.cmd(1, &["GETBIT", "n", "2"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "n", "0", "1"]), ":0\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"n"]), b"$5\r\n\xb12345\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "n"]), "$3\r\nraw\r\n");
}

#[test]
fn setbit_keeps_the_ttl_and_obeys_proto_max_bulk_len() {
    let mut h = client();
    h.cmd(1, &["SET", "k", "a", "EX", "100"]);
    assert_eq!(h.cmd(1, &["SETBIT", "k", "0", "1"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["TTL", "k"]), ":100\r\n");
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "proto-max-bulk-len", "1048576"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "big", "8388607", "1"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["STRLEN", "big"]), ":1048576\r\n");
    assert_eq!(h.cmd(1, &["SETBIT", "big", "8388608", "1"]), OFFSET_ERR);
    assert_eq!(h.cmd(1, &["BITFIELD", "big", "GET", "u8", "8388608"]), OFFSET_ERR);
    assert_eq!(h.cmd(1, &["BITFIELD", "big", "GET", "u8", "8388601"]), "*1\r\n:2\r\n");
}

#[test]
fn bitcount_ranges_in_bytes_and_bits() {
    let mut h = client();
    h.cmd(1, &["SET", "s", "foobar"]);
    assert_eq!(h.cmd(1, &["BITCOUNT", "s"]), ":26\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "0", "0"]), ":4\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "1", "1"]), ":6\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "1", "1", "BIT"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "5", "30", "bit"]), ":17\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "-2", "-1", "byte"]), ":7\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "-100", "100"]), ":26\r\n");
    assert_eq!(
        h.cmd(
            1,
            &["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807", "BIT"]
        ),
        ":26\r\n"
    );
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "4", "2"]), ":0\r\n");
    // Both negative and reversed: 0 before the unit is even looked at.
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "-1", "-5", "foo"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "0", "-1", "foo"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["BITCOUNT", "s", "0"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["BITCOUNT", "s", "0", "1", "bit", "x"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITCOUNT", "s", "a", "1"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    // A missing key counts 0 whatever the arguments.
    assert_eq!(h.cmd(1, &["BITCOUNT", "nokey", "a"]), ":0\r\n");
    h.cmd(1, &["SET", "empty", ""]);
    assert_eq!(h.cmd(1, &["BITCOUNT", "empty", "0", "-1", "bit"]), ":0\r\n");
    // C-string comparison: the unit counts up to a NUL.
    assert_eq!(bin(&mut h, &[b"BITCOUNT", b"s", b"0", b"-1", b"bit\0x"]), b":26\r\n");
}

#[test]
fn bitpos_finds_set_and_clear_bits() {
    let mut h = client();
    bin(&mut h, &[b"SET", b"f", b"\xff\xf0\x00"]);
    assert_eq!(h.cmd(1, &["BITPOS", "f", "0"]), ":12\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "1", "2"]), ":-1\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "1", "1"]), ":8\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "1", "3", "14", "BIT"]), ":3\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "0", "3", "11", "bit"]), ":-1\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "0", "3", "12", "bit"]), ":12\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "f", "1", "-3", "-1", "bit"]), ":-1\r\n");
    bin(&mut h, &[b"SET", b"ones", b"\xff\xff"]);
    // Without an end, the string continues with zeros; with one, it does not.
    assert_eq!(h.cmd(1, &["BITPOS", "ones", "0"]), ":16\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "ones", "0", "1"]), ":16\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "ones", "0", "0", "-1"]), ":-1\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "nokey", "0"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["BITPOS", "nokey", "1", "x", "y", "z"]), ":-1\r\n");
    h.cmd(1, &["SET", "empty", ""]);
    assert_eq!(h.cmd(1, &["BITPOS", "empty", "0"]), ":-1\r\n");

    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "2"]),
        "-ERR The bit argument must be 1 or 0.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "0", "1", "2", "bot"]),
        "-ERR syntax error\r\n"
    );
    // The unit is checked before the end.
    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "0", "1", "x", "bot"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "0", "1", "x", "bit"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITPOS", "f", "0", "1", "2", "bit", "x"]),
        "-ERR syntax error\r\n"
    );
}

#[test]
fn bitop_combines_pads_and_deletes() {
    let mut h = client();
    h.cmd(1, &["SET", "a", "abc"]);
    bin(&mut h, &[b"SET", b"b", b"\xff\x00"]);
    assert_eq!(h.cmd(1, &["BITOP", "AND", "d", "a", "b"]), ":3\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"d"]), b"$3\r\na\x00\x00\r\n");
    assert_eq!(h.cmd(1, &["BITOP", "or", "d", "a", "b", "nokey"]), ":3\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"d"]), b"$3\r\n\xffbc\r\n");
    assert_eq!(h.cmd(1, &["BITOP", "XOR", "d", "a", "b", "a"]), ":3\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"d"]), b"$3\r\n\xff\x00\x00\r\n");
    assert_eq!(h.cmd(1, &["BITOP", "NOT", "d", "b"]), ":2\r\n");
    assert_eq!(bin(&mut h, &[b"GET", b"d"]), b"$2\r\n\x00\xff\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "d"]), "$3\r\nraw\r\n");

    // The destination's TTL goes; an all-empty result deletes it.
    h.cmd(1, &["EXPIRE", "d", "100"]);
    assert_eq!(h.cmd(1, &["BITOP", "OR", "d", "a"]), ":3\r\n");
    assert_eq!(h.cmd(1, &["TTL", "d"]), ":-1\r\n");
    assert_eq!(h.cmd(1, &["BITOP", "AND", "d", "nokey", "nokey2"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "d"]), ":0\r\n");

    assert_eq!(
        h.cmd(1, &["BITOP", "NOT", "d", "a", "b"]),
        "-ERR BITOP NOT must be called with a single source key.\r\n"
    );
    assert_eq!(h.cmd(1, &["BITOP", "NAND", "d", "a"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["BITOP", "AND", "d"]),
        "-ERR wrong number of arguments for 'bitop' command\r\n"
    );
}

#[test]
fn bitfield_get_set_incrby_with_overflow_modes() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["BITFIELD", "k"]), "*0\r\n");
    assert_eq!(h.cmd(1, &["BITFIELD", "k", "GET", "u8", "0"]), "*1\r\n:0\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "k"]), ":0\r\n");
    assert_eq!(
        h.cmd(
            1,
            &["BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u4", "#3", "INCRBY", "u8", "#1", "1"]
        ),
        "*3\r\n:0\r\n:15\r\n:0\r\n"
    );
    assert_eq!(bin(&mut h, &[b"GET", b"k"]), b"$2\r\n\x00\x00\r\n");
    assert_eq!(
        h.cmd(
            1,
            &[
                "bitfield", "x", "set", "i5", "3", "-17", "set", "i5", "3", "16", "set", "i5", "3", "-16", "overflow",
                "sat", "set", "i5", "3", "100", "set", "i5", "3", "-100", "overflow", "fail", "set", "i5", "3", "16",
                "get", "i5", "3"
            ]
        ),
        "*7\r\n:0\r\n:15\r\n:-16\r\n:-16\r\n:15\r\n$-1\r\n:-16\r\n"
    );
    // 64-bit signed arithmetic at the edges.
    assert_eq!(
        h.cmd(
            1,
            &[
                "BITFIELD",
                "w",
                "SET",
                "i64",
                "0",
                "-9223372036854775808",
                "INCRBY",
                "i64",
                "0",
                "-1",
                "OVERFLOW",
                "SAT",
                "INCRBY",
                "i64",
                "0",
                "1",
                "INCRBY",
                "i64",
                "0",
                "-9223372036854775808",
                "GET",
                "u63",
                "1"
            ]
        ),
        "*5\r\n:0\r\n:9223372036854775807\r\n:9223372036854775807\r\n:-1\r\n:9223372036854775807\r\n"
    );
    // Redis' unsigned subtraction: SET of i64::MIN into i8 saturates up.
    assert_eq!(
        h.cmd(
            1,
            &[
                "BITFIELD",
                "m",
                "OVERFLOW",
                "SAT",
                "SET",
                "i8",
                "0",
                "-9223372036854775808",
                "GET",
                "i8",
                "0"
            ]
        ),
        "*2\r\n:0\r\n:127\r\n"
    );
    // FAIL writes nothing but the key is still created, long enough for the write.
    assert_eq!(
        h.cmd(1, &["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10"]),
        "*1\r\n$-1\r\n"
    );
    assert_eq!(h.cmd(1, &["STRLEN", "f"]), ":13\r\n");
    assert!(h.cmd(1, &["HELLO", "3"]).starts_with('%'));
    assert_eq!(
        h.cmd(1, &["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10"]),
        "*1\r\n_\r\n"
    );
    // `#N` offsets multiply in 64-bit two's complement, like C.
    assert_eq!(
        h.cmd(1, &["BITFIELD", "f", "GET", "i4", "#4611686018427387905"]),
        "*1\r\n:0\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITFIELD", "f", "GET", "i64", "#144115188075855873"]),
        OFFSET_ERR
    );
}

#[test]
fn bitfield_errors_and_bitfield_ro() {
    let mut h = client();
    h.cmd(1, &["SET", "n", "12345"]);
    for bad in ["u64", "i65", "i0", "x8", "I8", "u", "", "u08"] {
        assert_eq!(h.cmd(1, &["BITFIELD", "n", "GET", bad, "0"]), TYPE_ERR, "{bad}");
    }
    assert_eq!(
        bin(&mut h, &[b"BITFIELD", b"n", b"GET", b"u8\0zz", b"0"]),
        b"*1\r\n:49\r\n"
    );
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "GET", "u8", "-1"]), OFFSET_ERR);
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "GET", "u8", "#-1"]), OFFSET_ERR);
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "GET", "u8", "#"]), OFFSET_ERR);
    assert_eq!(
        h.cmd(1, &["BITFIELD", "n", "OVERFLOW", "wraps", "GET", "u8", "0"]),
        "-ERR Invalid OVERFLOW type specified\r\n"
    );
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "OVERFLOW"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "GET", "u8"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["BITFIELD", "n", "INCRBY", "u8", "0"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(h.cmd(1, &["BITFIELD", "n", "FOO", "u8", "0"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["BITFIELD", "n", "SET", "u8", "0", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    // A bad operation anywhere: nothing runs.
    assert_eq!(
        h.cmd(1, &["BITFIELD", "n", "SET", "u8", "0", "1", "GET"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(h.cmd(1, &["GET", "n"]), "$5\r\n12345\r\n");

    assert_eq!(
        h.cmd(
            1,
            &[
                "BITFIELD_RO",
                "n",
                "GET",
                "u8",
                "0",
                "GET",
                "i8",
                "8",
                "GET",
                "u16",
                "36"
            ]
        ),
        "*3\r\n:49\r\n:50\r\n:20480\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITFIELD_RO", "n", "OVERFLOW", "SAT", "GET", "u8", "0"]),
        "*1\r\n:49\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITFIELD_RO", "n", "SET", "u8", "0", "1"]),
        "-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    );
    assert_eq!(
        h.cmd(1, &["BITFIELD_RO", "n", "SET", "u8", "0", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["BITFIELD_RO", "n"]), "*0\r\n");
}

#[test]
fn key_specs_and_key_flags_of_the_bitmap_commands() {
    let mut h = client();
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYSANDFLAGS", "BITOP", "AND", "d", "a", "b"]),
        "*3\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "COMMAND",
                "GETKEYSANDFLAGS",
                "BITFIELD",
                "k",
                "GET",
                "u8",
                "0",
                "OVERFLOW",
                "SAT"
            ]
        ),
        "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "COMMAND",
                "GETKEYSANDFLAGS",
                "BITFIELD",
                "k",
                "GET",
                "u8",
                "0",
                "SET",
                "u8",
                "0",
                "1"
            ]
        ),
        "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
    );
    let info = h.cmd(1, &["COMMAND", "INFO", "bitop"]);
    assert!(
        info.starts_with("*1\r\n*10\r\n$5\r\nbitop\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:2\r\n:-1\r\n:1\r\n*3\r\n+@write\r\n+@bitmap\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n"),
        "{info}"
    );
    assert!(info.contains("$5\r\nindex\r\n:3\r\n"), "{info}");
    assert!(info.contains("$7\r\nlastkey\r\n:-1\r\n"), "{info}");
    let docs = h.cmd(1, &["COMMAND", "DOCS", "bitfield_ro"]);
    assert!(
        docs.contains("Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD"),
        "{docs}"
    );
    assert!(
        docs.contains("$5\r\n6.0.0\r\n$5\r\ngroup\r\n$6\r\nbitmap\r\n"),
        "{docs}"
    );
}
