//! Hash commands through the harness, replies as Redis 7.0.15 gives them (each expected reply
//! was taken from a real redis-server fed the same commands in the same order).

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn client() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h
}

/// One session: every command, its errors, the conversions listpack -> hashtable (HSET,
/// HSETNX, HINCRBY, the thresholds set by CONFIG SET, never back), insertion order while
/// listpack, RESP3 shapes, and DEBUG DIGEST-VALUE.
#[test]
#[allow(clippy::too_many_lines)]
fn session_like_redis() {
    let mut h = client();
    h.cmd(1, &["flushall"]);
    assert_eq!(h.cmd(1, &["hset", "h", "a", "1", "b", "2"]), ":2\r\n", "hset h a 1 b 2");
    assert_eq!(h.cmd(1, &["hset", "h", "a", "3"]), ":0\r\n", "hset h a 3");
    assert_eq!(
        h.cmd(1, &["hset", "h", "a"]),
        "-ERR wrong number of arguments for 'hset' command\r\n",
        "hset h a"
    );
    assert_eq!(h.cmd(1, &["hmset", "h", "c", "x"]), "+OK\r\n", "hmset h c x");
    assert_eq!(
        h.cmd(1, &["hmset", "h", "c"]),
        "-ERR wrong number of arguments for 'hmset' command\r\n",
        "hmset h c"
    );
    assert_eq!(
        h.cmd(1, &["hgetall", "h"]),
        "*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\nx\r\n",
        "hgetall h"
    );
    assert_eq!(
        h.cmd(1, &["hkeys", "h"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
        "hkeys h"
    );
    assert_eq!(
        h.cmd(1, &["hvals", "h"]),
        "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\nx\r\n",
        "hvals h"
    );
    assert_eq!(h.cmd(1, &["hget", "h", "a"]), "$1\r\n3\r\n", "hget h a");
    assert_eq!(h.cmd(1, &["hget", "h", "zz"]), "$-1\r\n", "hget h zz");
    assert_eq!(h.cmd(1, &["hget", "nokey", "a"]), "$-1\r\n", "hget nokey a");
    assert_eq!(
        h.cmd(1, &["hmget", "h", "a", "zz", "c"]),
        "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\nx\r\n",
        "hmget h a zz c"
    );
    assert_eq!(h.cmd(1, &["hmget", "nokey", "a"]), "*1\r\n$-1\r\n", "hmget nokey a");
    assert_eq!(h.cmd(1, &["hlen", "h"]), ":3\r\n", "hlen h");
    assert_eq!(h.cmd(1, &["hstrlen", "h", "c"]), ":1\r\n", "hstrlen h c");
    assert_eq!(h.cmd(1, &["hstrlen", "h", "zz"]), ":0\r\n", "hstrlen h zz");
    assert_eq!(h.cmd(1, &["hexists", "h", "a"]), ":1\r\n", "hexists h a");
    assert_eq!(h.cmd(1, &["hexists", "h", "q"]), ":0\r\n", "hexists h q");
    assert_eq!(
        h.cmd(1, &["object", "encoding", "h"]),
        "$8\r\nlistpack\r\n",
        "object encoding h"
    );
    assert_eq!(h.cmd(1, &["hsetnx", "h", "a", "9"]), ":0\r\n", "hsetnx h a 9");
    assert_eq!(h.cmd(1, &["hsetnx", "h", "d", "9"]), ":1\r\n", "hsetnx h d 9");
    assert_eq!(h.cmd(1, &["hdel", "h", "a", "zz"]), ":1\r\n", "hdel h a zz");
    assert_eq!(
        h.cmd(1, &["hgetall", "h"]),
        "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\nx\r\n$1\r\nd\r\n$1\r\n9\r\n",
        "hgetall h"
    );
    assert_eq!(h.cmd(1, &["hdel", "h", "b", "c", "d", "e"]), ":3\r\n", "hdel h b c d e");
    assert_eq!(h.cmd(1, &["exists", "h"]), ":0\r\n", "exists h");
    assert_eq!(h.cmd(1, &["set", "s", "x"]), "+OK\r\n", "set s x");
    assert_eq!(
        h.cmd(1, &["hget", "s", "a"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hget s a"
    );
    assert_eq!(
        h.cmd(1, &["hset", "s", "a", "1"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hset s a 1"
    );
    assert_eq!(
        h.cmd(1, &["hmget", "s", "a"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hmget s a"
    );
    assert_eq!(
        h.cmd(1, &["hlen", "s"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hlen s"
    );
    assert_eq!(
        h.cmd(1, &["hincrby", "s", "a", "x"]),
        "-ERR value is not an integer or out of range\r\n",
        "hincrby s a x"
    );
    assert_eq!(h.cmd(1, &["hincrby", "h2", "f", "5"]), ":5\r\n", "hincrby h2 f 5");
    assert_eq!(h.cmd(1, &["hincrby", "h2", "f", "-10"]), ":-5\r\n", "hincrby h2 f -10");
    assert_eq!(
        h.cmd(1, &["hincrby", "h2", "f", "x"]),
        "-ERR value is not an integer or out of range\r\n",
        "hincrby h2 f x"
    );
    assert_eq!(
        h.cmd(1, &["hincrby", "h2", "f", "9223372036854775807"]),
        ":9223372036854775802\r\n",
        "hincrby h2 f 9223372036854775807"
    );
    assert_eq!(h.cmd(1, &["hset", "h2", "g", "abc"]), ":1\r\n", "hset h2 g abc");
    assert_eq!(
        h.cmd(1, &["hincrby", "h2", "g", "1"]),
        "-ERR hash value is not an integer\r\n",
        "hincrby h2 g 1"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "f", "1.5"]),
        "$21\r\n9223372036854775803.5\r\n",
        "hincrbyfloat h2 f 1.5"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "g", "1"]),
        "-ERR hash value is not a float\r\n",
        "hincrbyfloat h2 g 1"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "f", "inf"]),
        "-ERR value is NaN or Infinity\r\n",
        "hincrbyfloat h2 f inf"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "f", "abc"]),
        "-ERR value is not a valid float\r\n",
        "hincrbyfloat h2 f abc"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "f", "1e30"]),
        "$31\r\n1000000000009223372061550837760\r\n",
        "hincrbyfloat h2 f 1e30"
    );
    assert_eq!(h.cmd(1, &["hset", "h2", "i", "inf"]), ":1\r\n", "hset h2 i inf");
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "i", "1"]),
        "-ERR increment would produce NaN or Infinity\r\n",
        "hincrbyfloat h2 i 1"
    );
    assert_eq!(
        h.cmd(1, &["hincrbyfloat", "h2", "new", "3.0e3"]),
        "$4\r\n3000\r\n",
        "hincrbyfloat h2 new 3.0e3"
    );
    assert_eq!(h.cmd(1, &["hrandfield", "nokey"]), "$-1\r\n", "hrandfield nokey");
    assert_eq!(h.cmd(1, &["hrandfield", "nokey", "5"]), "*0\r\n", "hrandfield nokey 5");
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "-9223372036854775808"]),
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        "hrandfield h2 -9223372036854775808"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "x"]),
        "-ERR value is not an integer or out of range\r\n",
        "hrandfield h2 x"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "1", "withvalue"]),
        "-ERR syntax error\r\n",
        "hrandfield h2 1 withvalue"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "1", "withvalues", "x"]),
        "-ERR syntax error\r\n",
        "hrandfield h2 1 withvalues x"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "-4611686018427387904", "withvalues"]),
        "-ERR value is out of range\r\n",
        "hrandfield h2 -4611686018427387904 withvalues"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "4611686018427387904", "withvalues"]),
        "-ERR value is out of range\r\n",
        "hrandfield h2 4611686018427387904 withvalues"
    );
    assert_eq!(h.cmd(1, &["hrandfield", "h2", "0"]), "*0\r\n", "hrandfield h2 0");
    assert_eq!(
        h.cmd(1, &["hrandfield", "s"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hrandfield s"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "abc"]),
        "-ERR invalid cursor\r\n",
        "hscan h2 abc"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "nokey", "0", "count", "0"]),
        "*2\r\n$1\r\n0\r\n*0\r\n",
        "hscan nokey 0 count 0"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "7", "count", "0"]),
        "-ERR syntax error\r\n",
        "hscan h2 7 count 0"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "7", "count", "x"]),
        "-ERR value is not an integer or out of range\r\n",
        "hscan h2 7 count x"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "7", "type", "string"]),
        "-ERR syntax error\r\n",
        "hscan h2 7 type string"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "0", "match"]),
        "-ERR syntax error\r\n",
        "hscan h2 0 match"
    );
    assert_eq!(
        h.cmd(1, &["hscan", "s", "0"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "hscan s 0"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "hset",
                "big",
                "f",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            ]
        ),
        ":1\r\n",
        "hset big f xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "big"]),
        "$9\r\nhashtable\r\n",
        "object encoding big"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "hset",
                "e",
                "f",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            ]
        ),
        ":1\r\n",
        "hset e f xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "e"]),
        "$8\r\nlistpack\r\n",
        "object encoding e"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "hsetnx",
                "e",
                "f",
                "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            ]
        ),
        ":0\r\n",
        "hsetnx e f yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "e"]),
        "$8\r\nlistpack\r\n",
        "object encoding e"
    );
    assert_eq!(
        h.cmd(
            1,
            &[
                "hsetnx",
                "e",
                "g",
                "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
            ]
        ),
        ":1\r\n",
        "hsetnx e g yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "e"]),
        "$9\r\nhashtable\r\n",
        "object encoding e"
    );
    assert_eq!(h.cmd(1, &["hset", "i", "f", "1"]), ":1\r\n", "hset i f 1");
    assert_eq!(
        h.cmd(1, &["config", "set", "hash-max-listpack-value", "3"]),
        "+OK\r\n",
        "config set hash-max-listpack-value 3"
    );
    assert_eq!(
        h.cmd(1, &["hincrby", "i", "f", "1000"]),
        ":1001\r\n",
        "hincrby i f 1000"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "i"]),
        "$9\r\nhashtable\r\n",
        "object encoding i"
    );
    assert_eq!(h.cmd(1, &["hincrby", "i", "ffff", "1"]), ":1\r\n", "hincrby i ffff 1");
    assert_eq!(
        h.cmd(1, &["object", "encoding", "i"]),
        "$9\r\nhashtable\r\n",
        "object encoding i"
    );
    assert_eq!(
        h.cmd(1, &["config", "set", "hash-max-listpack-value", "64"]),
        "+OK\r\n",
        "config set hash-max-listpack-value 64"
    );
    assert_eq!(
        h.cmd(1, &["config", "set", "hash-max-listpack-entries", "2"]),
        "+OK\r\n",
        "config set hash-max-listpack-entries 2"
    );
    assert_eq!(h.cmd(1, &["hset", "j", "a", "1", "b", "2"]), ":2\r\n", "hset j a 1 b 2");
    assert_eq!(
        h.cmd(1, &["object", "encoding", "j"]),
        "$8\r\nlistpack\r\n",
        "object encoding j"
    );
    assert_eq!(h.cmd(1, &["hset", "j", "c", "3"]), ":1\r\n", "hset j c 3");
    assert_eq!(
        h.cmd(1, &["object", "encoding", "j"]),
        "$9\r\nhashtable\r\n",
        "object encoding j"
    );
    assert_eq!(h.cmd(1, &["hdel", "j", "c", "b"]), ":2\r\n", "hdel j c b");
    assert_eq!(
        h.cmd(1, &["object", "encoding", "j"]),
        "$9\r\nhashtable\r\n",
        "object encoding j"
    );
    assert_eq!(
        h.cmd(1, &["hset", "k", "a", "1", "b", "2", "c", "3"]),
        ":3\r\n",
        "hset k a 1 b 2 c 3"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "k"]),
        "$9\r\nhashtable\r\n",
        "object encoding k"
    );
    assert_eq!(
        h.cmd(1, &["config", "set", "hash-max-listpack-entries", "128"]),
        "+OK\r\n",
        "config set hash-max-listpack-entries 128"
    );
    assert_eq!(h.cmd(1, &["hgetall", "nokey"]), "*0\r\n", "hgetall nokey");
    assert_eq!(h.cmd(1, &["hkeys", "nokey"]), "*0\r\n", "hkeys nokey");
    assert_eq!(h.cmd(1, &["hgetall", "nokey"]), "*0\r\n", "hgetall nokey");
    assert_eq!(h.cmd(1, &["hrandfield", "nokey"]), "$-1\r\n", "hrandfield nokey");
    assert_eq!(h.cmd(1, &["hget", "nokey", "a"]), "$-1\r\n", "hget nokey a");
    assert_eq!(h.cmd(1, &["hmget", "nokey", "a"]), "*1\r\n$-1\r\n", "hmget nokey a");
    assert_eq!(h.cmd(1, &["hgetall", "h2"]), "*8\r\n$1\r\nf\r\n$31\r\n1000000000009223372061550837760\r\n$1\r\ng\r\n$3\r\nabc\r\n$1\r\ni\r\n$3\r\ninf\r\n$3\r\nnew\r\n$4\r\n3000\r\n", "hgetall h2");
    assert_eq!(h.cmd(1, &["hscan", "h2", "0"]), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\nf\r\n$31\r\n1000000000009223372061550837760\r\n$1\r\ng\r\n$3\r\nabc\r\n$1\r\ni\r\n$3\r\ninf\r\n$3\r\nnew\r\n$4\r\n3000\r\n", "hscan h2 0");
    assert_eq!(
        h.cmd(1, &["hscan", "h2", "123", "match", "[fg]", "count", "1"]),
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nf\r\n$31\r\n1000000000009223372061550837760\r\n$1\r\ng\r\n$3\r\nabc\r\n",
        "hscan h2 123 match [fg] count 1"
    );
    assert_eq!(
        h.cmd(1, &["hrandfield", "h2", "10"]),
        "*4\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\ni\r\n$3\r\nnew\r\n",
        "hrandfield h2 10"
    );
    h.cmd(1, &["hrandfield", "h2", "-1"]);
    assert_eq!(
        h.cmd(1, &["hset", "dg", "a", "1", "b", "2"]),
        ":2\r\n",
        "hset dg a 1 b 2"
    );
    assert_eq!(
        h.cmd(1, &["debug", "digest-value", "dg"]),
        "*1\r\n+6c8f22b3bf510fdcfd6122dd0f908a80e88243bf\r\n",
        "debug digest-value dg"
    );
    assert_eq!(
        h.cmd(1, &["hset", "dg2", "b", "2", "a", "1"]),
        ":2\r\n",
        "hset dg2 b 2 a 1"
    );
    assert_eq!(
        h.cmd(1, &["debug", "digest-value", "dg2"]),
        "*1\r\n+6c8f22b3bf510fdcfd6122dd0f908a80e88243bf\r\n",
        "debug digest-value dg2"
    );
    assert_eq!(h.cmd(1, &["del", "big"]), ":1\r\n", "del big");
    let mut big = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..200 {
        big.push(format!("f{i}"));
        big.push(format!("v{i}"));
    }
    let words: Vec<&str> = big.iter().map(String::as_str).collect();
    assert_eq!(h.cmd(1, &words), ":200\r\n");
    assert_eq!(
        h.cmd(1, &["debug", "digest-value", "big"]),
        "*1\r\n+0887b9799375ff93095b92928148c2e3d49c5e84\r\n",
        "debug digest-value big"
    );
    assert_eq!(
        h.cmd(1, &["object", "encoding", "big"]),
        "$9\r\nhashtable\r\n",
        "object encoding big"
    );
    assert_eq!(h.cmd(1, &["hlen", "big"]), ":200\r\n", "hlen big");
    h.cmd(1, &["hello", "3"]);
    assert_eq!(h.cmd(1, &["hgetall", "h2"]), "%4\r\n$1\r\nf\r\n$31\r\n1000000000009223372061550837760\r\n$1\r\ng\r\n$3\r\nabc\r\n$1\r\ni\r\n$3\r\ninf\r\n$3\r\nnew\r\n$4\r\n3000\r\n", "hgetall h2");
    assert_eq!(h.cmd(1, &["hgetall", "nokey"]), "%0\r\n", "hgetall nokey");
    assert_eq!(h.cmd(1, &["hrandfield", "nokey"]), "_\r\n", "hrandfield nokey");
    assert_eq!(h.cmd(1, &["hget", "nokey", "a"]), "_\r\n", "hget nokey a");
    assert_eq!(h.cmd(1, &["hmget", "nokey", "a"]), "*1\r\n_\r\n", "hmget nokey a");
    assert_eq!(h.cmd(1, &["hrandfield", "h2", "10", "withvalues"]), "*4\r\n*2\r\n$1\r\nf\r\n$31\r\n1000000000009223372061550837760\r\n*2\r\n$1\r\ng\r\n$3\r\nabc\r\n*2\r\n$1\r\ni\r\n$3\r\ninf\r\n*2\r\n$3\r\nnew\r\n$4\r\n3000\r\n", "hrandfield h2 10 withvalues");
    h.cmd(1, &["hrandfield", "h2", "-1", "withvalues"]);
}

/// Sends one command of binary-safe arguments; returns the raw reply.
fn call(h: &mut Harness, args: &[&[u8]]) -> Vec<u8> {
    let cmds = vec![args.iter().map(|a| a.to_vec()).collect()];
    h.event(1, Event::Commands { client: 1, cmds })
}

/// DUMP of a listpack hash is redis-server 7.0.15's own payload, byte for byte (its listpack
/// blob); RESTORE reads it back and encodes it by the thresholds in force, as Redis' loader
/// does.
#[test]
fn dump_restore_round_trip_and_reencode() {
    let mut h = client();
    h.cmd(1, &["HSET", "h", "a", "1", "b", "x", "c", "300"]);
    let dump = call(&mut h, &[b"DUMP", b"h"]);
    let payload = &dump[5..dump.len() - 2];
    assert_eq!(
        payload,
        b"\x10\x18\x18\x00\x00\x00\x06\x00\x81\x61\x02\x01\x01\x81\x62\x02\x81\x78\x02\x81\x63\x02\xc1\x2c\x02\xff\x0a\x00\x51\xc9\x85\x1d\x0e\x61\xbb\x30"
    );
    assert_eq!(call(&mut h, &[b"RESTORE", b"h2", b"0", payload]), b"+OK\r\n");
    assert_eq!(h.cmd(1, &["HGETALL", "h2"]), h.cmd(1, &["HGETALL", "h"]));
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "h2"]), "$8\r\nlistpack\r\n");
    h.cmd(1, &["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
    assert_eq!(call(&mut h, &[b"RESTORE", b"h3", b"0", payload]), b"+OK\r\n");
    assert_eq!(h.cmd(1, &["OBJECT", "ENCODING", "h3"]), "$9\r\nhashtable\r\n");
    assert_eq!(h.cmd(1, &["HLEN", "h3"]), ":3\r\n");
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "h3"]),
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "h"])
    );
}
