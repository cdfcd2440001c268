//! String and expiry commands through the harness, with virtual time.

use ferrous_core::harness::Harness;
use ferrous_core::Config;

fn client() -> Harness {
    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    h
}

fn advance_ms(h: &mut Harness, ms: u64) {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
}

#[test]
fn set_options_and_their_conflicts() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["SET", "k", "v", "NX", "XX"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["SET", "k", "v", "KEEPTTL", "EX", "5"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        h.cmd(1, &["SET", "k", "v", "EX", "10", "PX", "100"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        h.cmd(1, &["SET", "k", "v", "EX", "0"]),
        "-ERR invalid expire time in 'set' command\r\n"
    );
    assert_eq!(
        h.cmd(1, &["SET", "k", "v", "EX", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["SET", "k", "v", "GET"]), "$-1\r\n");
    assert_eq!(h.cmd(1, &["SET", "k", "w", "NX", "GET"]), "$1\r\nv\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(h.cmd(1, &["SET", "k", "w", "XX"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SET", "other", "w", "XX"]), "$-1\r\n");
    assert_eq!(h.cmd(1, &["SETNX", "k", "z"]), ":0\r\n");
    assert_eq!(
        h.cmd(1, &["SETEX", "k", "-1", "z"]),
        "-ERR invalid expire time in 'setex' command\r\n"
    );
}

#[test]
fn keys_expire_in_virtual_time_and_ttl_rounds_like_redis() {
    let mut h = client();
    assert_eq!(h.cmd(1, &["SET", "k", "v", "PX", "1500"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["TTL", "k"]), ":2\r\n");
    assert_eq!(h.cmd(1, &["PTTL", "k"]), ":1500\r\n");
    advance_ms(&mut h, 1000);
    assert_eq!(h.cmd(1, &["TTL", "k"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
    // Gone once its expiry is past (in the very millisecond it still lives).
    advance_ms(&mut h, 501);
    assert_eq!(h.cmd(1, &["GET", "k"]), "$-1\r\n");
    assert_eq!(h.cmd(1, &["TTL", "k"]), ":-2\r\n");
    assert_eq!(h.cmd(1, &["DBSIZE"]), ":0\r\n");
}

#[test]
fn a_wall_clock_jump_backwards_revives_nothing_already_deleted_and_delays_the_rest() {
    let mut h = client();
    h.cmd(1, &["SET", "gone", "v", "PX", "100"]);
    h.cmd(1, &["SET", "later", "v", "PX", "5000"]);
    advance_ms(&mut h, 200);
    assert_eq!(h.cmd(1, &["EXISTS", "gone"]), ":0\r\n");
    // The wall clock steps back an hour: Redis' expiry follows the wall clock.
    h.now.unix_ms -= 3_600_000;
    assert_eq!(h.cmd(1, &["EXISTS", "gone", "later"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["PTTL", "later"]), format!(":{}\r\n", 4800 + 3_600_000));
}

#[test]
fn expire_flags_follow_redis_rules() {
    let mut h = client();
    h.cmd(1, &["SET", "k", "v"]);
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "100", "XX"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "100", "GT"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "100", "LT"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "200", "NX"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "200", "GT"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "300", "LT"]), ":0\r\n");
    assert_eq!(
        h.cmd(1, &["EXPIRE", "k", "1", "NX", "GT"]),
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    );
    assert_eq!(
        h.cmd(1, &["EXPIRE", "k", "1", "GT", "LT"]),
        "-ERR GT and LT options at the same time are not compatible\r\n"
    );
    assert_eq!(
        h.cmd(1, &["EXPIRE", "k", "1", "foo"]),
        "-ERR Unsupported option foo\r\n"
    );
    assert_eq!(h.cmd(1, &["PERSIST", "k"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["TTL", "k"]), ":-1\r\n");
    assert_eq!(h.cmd(1, &["EXPIRE", "k", "-1"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "k"]), ":0\r\n");
}

/// Redis 7.0.15 answers these; the seconds are rounded without overflowing.
#[test]
fn expiretime_near_the_end_of_time() {
    let mut h = client();
    h.cmd(1, &["SET", "k", "v"]);
    assert_eq!(h.cmd(1, &["PEXPIREAT", "k", "9223372036854775807"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["EXPIRETIME", "k"]), ":9223372036854776\r\n");
    assert_eq!(h.cmd(1, &["PEXPIRETIME", "k"]), ":9223372036854775807\r\n");
    assert_eq!(h.cmd(1, &["PEXPIREAT", "k", "9223372036854775306"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["EXPIRETIME", "k"]), ":9223372036854775\r\n");
}

#[test]
fn incr_family_keeps_ttl_and_reports_overflow() {
    let mut h = client();
    h.cmd(1, &["SET", "n", "10", "EX", "100"]);
    assert_eq!(h.cmd(1, &["INCRBY", "n", "5"]), ":15\r\n");
    assert_eq!(h.cmd(1, &["TTL", "n"]), ":100\r\n");
    h.cmd(1, &["SET", "max", "9223372036854775807"]);
    assert_eq!(
        h.cmd(1, &["INCR", "max"]),
        "-ERR increment or decrement would overflow\r\n"
    );
    assert_eq!(
        h.cmd(1, &["DECRBY", "n", "-9223372036854775808"]),
        "-ERR decrement would overflow\r\n"
    );
    h.cmd(1, &["SET", "s", "abc"]);
    assert_eq!(
        h.cmd(1, &["INCR", "s"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "f", "0.1"]), "$3\r\n0.1\r\n");
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "f", "10.5"]), "$4\r\n10.6\r\n");
    assert_eq!(
        h.cmd(1, &["INCRBYFLOAT", "f", "inf"]),
        "-ERR increment would produce NaN or Infinity\r\n"
    );
}

#[test]
fn object_encodings_follow_the_value() {
    let mut h = client();
    h.cmd(1, &["SET", "i", "123"]);
    h.cmd(1, &["APPEND", "i", "4"]);
    assert_eq!(h.cmd(1, &["GET", "i"]), "$4\r\n1234\r\n");
    assert_eq!(h.cmd(1, &["STRLEN", "i"]), ":4\r\n");
    assert_eq!(h.cmd(1, &["SETRANGE", "pad", "3", "x"]), ":4\r\n");
    assert_eq!(h.cmd(1, &["GET", "pad"]), "$4\r\n\u{0}\u{0}\u{0}x\r\n");
    assert_eq!(h.cmd(1, &["GETRANGE", "pad", "-1", "-1"]), "$1\r\nx\r\n");
}

#[test]
fn rename_move_copy_keep_the_ttl() {
    let mut h = client();
    h.cmd(1, &["SET", "a", "1", "EX", "50"]);
    assert_eq!(h.cmd(1, &["RENAME", "a", "b"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["TTL", "b"]), ":50\r\n");
    assert_eq!(h.cmd(1, &["COPY", "b", "c", "DB", "2"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["MOVE", "b", "1"]), ":1\r\n");
    assert_eq!(h.cmd(1, &["SELECT", "1"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["TTL", "b"]), ":50\r\n");
    assert_eq!(h.cmd(1, &["SWAPDB", "1", "2"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "c"]), "$1\r\n1\r\n");
    assert_eq!(h.cmd(1, &["TTL", "c"]), ":50\r\n");
    assert_eq!(h.cmd(1, &["RENAME", "nokey", "x"]), "-ERR no such key\r\n");
}

/// INCRBYFLOAT computes in x87 long double like Redis: these replies are redis-server 7.0.15's.
#[test]
fn incrbyfloat_uses_long_double_like_redis() {
    let mut h = client();
    let bulk = |s: &str| format!("${}\r\n{s}\r\n", s.len());
    let not_float = "-ERR value is not a valid float\r\n";
    let not_finite = "-ERR increment would produce NaN or Infinity\r\n";
    // 64 significant bits: f64 would answer ...992. The TTL stays, the result is a plain string.
    h.cmd(1, &["SET", "big", "9007199254740993", "EX", "100"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "big", "-1e10"]), bulk("9007189254740993"));
    assert_eq!(h.cmd(1, &["TTL", "big"]), ":100\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "big"]), bulk("embstr"));
    // An int-encoded value is read exactly.
    h.cmd(1, &["SET", "i", "9223372036854775807"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "i", "5"]), bulk("9223372036854775812"));
    // The long double range goes far beyond f64's; the digits are those of %.17Lf.
    h.cmd(1, &["SET", "max", "1.7976931348623157e308"]);
    let max = "179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384";
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "max", "1"]), bulk(max));
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "max"]), bulk("raw"));
    h.cmd(1, &["SET", "n", "0.1"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "n", "0.2"]), bulk("0.3"));
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "n", "-0.3"]), bulk("0"));
    h.cmd(1, &["SET", "nz", "-0"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "nz", "-0"]), bulk("0"));
    // Hex floats are strtold's; 2^-18 is an exact tie at 17 places, rounded to even.
    h.cmd(1, &["SET", "t", "0x1p-18"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "t", "0"]), bulk("0.00000381469726562"));
    h.cmd(1, &["SET", "sp", " 1"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "sp", "1"]), not_float);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "x", "1 "]), not_float);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "x", "nan"]), not_float);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "x", "1e5000"]), not_float);
    assert_eq!(h.cmd(1, &["EXISTS", "x"]), ":0\r\n");
    h.cmd(1, &["SET", "huge", "1e4932"]);
    assert_eq!(h.cmd(1, &["INCRBYFLOAT", "huge", "1e4932"]), not_finite);
    assert_eq!(h.cmd(1, &["GET", "huge"]), bulk("1e4932"));
}
