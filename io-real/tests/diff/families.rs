//! The generator registry: command families, each a function that draws one command.
//!
//! To cover a new command, add a generator and one row to [`FAMILIES`] naming the commands it
//! needs (`requires`). The harness asks ferrous `COMMAND INFO <name>` at start and generates a
//! family only when ferrous has all of them, so the test grows as commands get implemented.
//!
//! Rules for generators, so both servers must answer byte for byte the same:
//! - keys only from [`Keys::keys`] (the clean-up between seeds deletes exactly those);
//! - no timing races: a relative expiry is either invalid, in the past (≤ 0) or at least 1000 s
//!   away, an absolute one either long past or in year 2100;
//! - nothing listed in `RANDOMNESS` with `Mask::NotGenerated` (the harness asserts it);
//! - the reply of a command must not depend on the set of commands or config parameters a
//!   server has (ferrous implements a subset), unless the family requires them.

use ferrous_core::rdb::dump::{dump as dump_payload, seal, FOOTER_LEN};
use ferrous_core::value::Value;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The seeded random source of one stream.
pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.u64() % ((hi - lo) as u64 + 1)) as i64
    }

    /// True with `percent`% probability.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// One of `xs`, each ASCII letter in random case.
    pub fn pick_mixed(&mut self, xs: &[&str]) -> Vec<u8> {
        let s = *self.pick(xs);
        self.mixed_case(s.as_bytes())
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.u64() as u8).collect()
    }

    /// `s` with each ASCII letter upper or lower case at random (commands and options are
    /// case-insensitive; errors must quote them unchanged).
    pub fn mixed_case(&mut self, s: &[u8]) -> Vec<u8> {
        s.iter()
            .map(|&c| {
                if self.chance(50) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }
}

/// What generators draw from: the key set, and the commands both servers have.
pub struct Keys {
    /// Every key a generator may name (the clean-up deletes these in all 16 databases).
    pub keys: Vec<Vec<u8>>,
    /// Lower-case names of the commands without subcommands that both servers have, for
    /// COMMAND INFO / DOCS / GETKEYS.
    pub commands: Vec<String>,
    /// Sets only the `spop-random` family touches: SPOP and SRANDMEMBER leave different
    /// members on each server, so no other family may read them (the clean-up deletes these
    /// too).
    pub random_sets: Vec<Vec<u8>>,
    /// Sorted sets only the `zset-lex` family touches, every score 0: lex ranges over mixed
    /// scores are undefined in Redis (two redis-servers answer differently once a skiplist's
    /// random levels come into play), so lex commands meet only these.
    pub lex_zsets: Vec<Vec<u8>>,
}

impl Keys {
    /// A small key set, so commands keep meeting each other's keys: plain, hash-tagged, empty,
    /// binary, UTF-8, glob characters and a long key.
    pub fn standard() -> Keys {
        let keys: Vec<Vec<u8>> = vec![
            b"k1".to_vec(),
            b"k2".to_vec(),
            b"k3".to_vec(),
            b"n".to_vec(),
            b"{t}a".to_vec(),
            b"{t}b".to_vec(),
            b"".to_vec(),
            b"bin\x00\xff\r\n key".to_vec(),
            "ключ".as_bytes().to_vec(),
            b"*?[x]\\".to_vec(),
            [b"long:".to_vec(), vec![b'L'; 300]].concat(),
        ];
        Keys {
            keys,
            commands: Vec::new(),
            random_sets: vec![b"pop:a".to_vec(), b"pop:b".to_vec()],
            lex_zsets: vec![b"lex:a".to_vec(), b"lex:b".to_vec()],
        }
    }

    pub fn key(&self, r: &mut Rng) -> Vec<u8> {
        r.pick(&self.keys).clone()
    }

    /// One of the first four keys: the usual subjects of numeric and string commands.
    pub fn hot(&self, r: &mut Rng) -> Vec<u8> {
        if r.chance(75) {
            self.keys[r.below(4)].clone()
        } else {
            self.key(r)
        }
    }

    /// A command name both servers have (mixed case), or a made-up one.
    pub fn command(&self, r: &mut Rng) -> Vec<u8> {
        if self.commands.is_empty() || r.chance(10) {
            return r.pick(&["nosuchcommand", "", "get|x", "client|id"]).as_bytes().to_vec();
        }
        let c = r.pick(&self.commands).clone();
        r.mixed_case(c.as_bytes())
    }
}

pub type Gen = fn(&mut Rng, &Keys) -> Vec<Vec<u8>>;

/// One row of the registry.
pub struct Family {
    pub name: &'static str,
    /// Commands (lower case; `container|sub` for a subcommand) ferrous must have.
    pub requires: &'static [&'static str],
    /// Relative frequency among the enabled families.
    pub weight: u32,
    pub gen: Gen,
}

const fn fam(name: &'static str, requires: &'static [&'static str], weight: u32, gen: Gen) -> Family {
    Family {
        name,
        requires,
        weight,
        gen,
    }
}

/// The registry. Order does not matter; names must be unique.
pub static FAMILIES: &[Family] = &[
    // Connection and server.
    fam("ping", &["ping"], 3, ping),
    fam("echo", &["echo"], 3, echo),
    fam("select", &["select"], 4, select),
    fam("dbsize", &["dbsize"], 3, dbsize),
    fam("hello", &["hello"], 3, hello),
    fam("auth", &["auth"], 2, auth),
    fam("reset", &["reset"], 1, reset),
    fam("quit", &["quit"], 1, quit),
    fam(
        "client",
        &["client|setname", "client|getname", "client|no-evict", "client|help"],
        4,
        client,
    ),
    fam(
        "client-newer-subcommands",
        &["client|no-touch", "client|setinfo"],
        1,
        client_newer,
    ),
    fam("command-info", &["command|info"], 2, command_info),
    fam("command-docs", &["command|docs"], 2, command_docs),
    fam(
        "command-getkeys",
        &["command|getkeys", "command|getkeysandflags"],
        3,
        command_getkeys,
    ),
    fam("command-misc", &["command|help"], 1, command_misc),
    fam("config-get", &["config|get"], 2, config_get),
    fam("config-set-invalid", &["config|set"], 2, config_set_invalid),
    fam("config-misc", &["config|help"], 1, config_misc),
    fam("unknown-command", &[], 3, unknown_command),
    // Keys and strings.
    fam("get", &["get"], 10, get),
    fam("set", &["set"], 10, set),
    fam("set-options", &["set"], 8, set_options),
    fam("del", &["del"], 5, del),
    fam("exists", &["exists"], 4, exists),
    fam("unlink", &["unlink"], 2, unlink),
    fam("touch", &["touch"], 2, touch),
    fam("setnx-setex", &["setnx", "setex", "psetex"], 4, setnx_setex),
    fam("getset-getdel", &["getset", "getdel"], 4, getset_getdel),
    fam("getex", &["getex"], 4, getex),
    fam("mget", &["mget"], 4, mget),
    fam("mset", &["mset", "msetnx"], 4, mset),
    fam("append-strlen", &["append", "strlen"], 5, append_strlen),
    fam("incr-decr", &["incr", "decr", "incrby", "decrby"], 8, incr_decr),
    fam("incrbyfloat", &["incrbyfloat"], 4, incrbyfloat),
    fam("getrange", &["getrange", "substr"], 4, getrange),
    fam("setrange", &["setrange"], 4, setrange),
    fam("lcs", &["lcs"], 1, lcs),
    // Bitmaps.
    fam("setbit-getbit", &["setbit", "getbit"], 5, setbit_getbit),
    fam("bitcount", &["bitcount"], 4, bitcount),
    fam("bitpos", &["bitpos"], 4, bitpos),
    fam("bitop", &["bitop"], 3, bitop),
    fam("bitfield", &["bitfield"], 5, bitfield),
    fam("bitfield-ro", &["bitfield_ro"], 2, bitfield_ro),
    fam("type", &["type"], 3, type_),
    fam(
        "object",
        &[
            "object|encoding",
            "object|refcount",
            "object|idletime",
            "object|freq",
            "object|help",
        ],
        3,
        object,
    ),
    fam("rename", &["rename", "renamenx"], 3, rename),
    fam("copy", &["copy"], 2, copy),
    fam("move", &["move"], 2, move_key),
    fam(
        "expire",
        &["expire", "pexpire", "expireat", "pexpireat", "persist"],
        5,
        expire,
    ),
    fam("ttl", &["ttl", "pttl", "expiretime", "pexpiretime"], 4, ttl),
    fam("keys", &["keys"], 2, keys_pattern),
    fam("flushdb", &["flushdb", "flushall"], 1, flushdb),
    fam("dump", &["dump"], 4, dump),
    fam("restore", &["restore"], 6, restore),
    fam(
        "restore-sets-hashes",
        &["restore", "sadd", "hset"],
        2,
        restore_sets_hashes,
    ),
    fam("restore-collections", &["restore", "rpush"], 1, restore_collections),
    fam("sort", &["sort", "sort_ro", "rpush", "sadd"], 3, sort),
    // Lists.
    fam("list-push", &["lpush", "rpush", "lpushx", "rpushx"], 8, list_push),
    fam("list-pop", &["lpop", "rpop"], 5, list_pop),
    fam("list-read", &["llen", "lrange", "lindex"], 6, list_read),
    fam("list-edit", &["lset", "linsert", "lrem", "ltrim"], 5, list_edit),
    fam("lpos", &["lpos"], 3, lpos),
    fam("list-move", &["lmove", "rpoplpush"], 4, list_move),
    fam("lmpop", &["lmpop"], 3, lmpop),
    fam(
        "list-blocking",
        &["blpop", "brpop", "blmove", "brpoplpush", "blmpop"],
        4,
        list_blocking,
    ),
    fam("client-unblock", &["client|unblock"], 1, client_unblock),
    // Transactions: the streams' two connections MULTI, queue whatever the other families
    // generate, WATCH keys the other connection (or an expiry) may touch, and EXEC or DISCARD.
    fam(
        "transactions",
        &["multi", "exec", "discard", "watch", "unwatch"],
        6,
        transactions,
    ),
    // Other types, only to meet the string commands with WRONGTYPE.
    // Sets.
    fam("sadd-srem", &["sadd", "srem"], 8, sadd_srem),
    fam(
        "set-read",
        &["sismember", "smismember", "scard", "smembers"],
        6,
        set_read,
    ),
    fam(
        "set-algebra",
        &["sinter", "sunion", "sdiff", "sinterstore", "sunionstore", "sdiffstore"],
        6,
        set_algebra,
    ),
    fam("sintercard", &["sintercard"], 3, sintercard),
    fam("smove", &["smove"], 3, smove),
    fam("sscan", &["sscan"], 3, sscan),
    fam("spop-srandmember", &["spop", "srandmember"], 3, spop_srandmember),
    fam(
        "spop-random",
        &["sadd", "spop", "srandmember", "scard", "del"],
        3,
        spop_random,
    ),
    fam("wrongtype-list", &["lpush"], 2, wrongtype_list),
    fam("wrongtype-set", &["sadd"], 2, wrongtype_set),
    fam("wrongtype-hash", &["hset"], 2, wrongtype_hash),
    // Hashes: fields and values short and few, so every hash stays listpack-encoded in both
    // servers and HGETALL/HKEYS/HVALS/HSCAN compare byte for byte (insertion order). The
    // hashtable encoding's order is each server's own: covered by core tests, not here.
    fam("hset", &["hset", "hmset"], 6, hset),
    fam("hsetnx", &["hsetnx"], 3, hsetnx),
    fam("hget-hmget", &["hget", "hmget"], 5, hget_hmget),
    fam("hdel", &["hdel"], 3, hdel),
    fam(
        "hlen-hstrlen-hexists",
        &["hlen", "hstrlen", "hexists"],
        4,
        hlen_hstrlen_hexists,
    ),
    fam("hgetall", &["hgetall", "hkeys", "hvals"], 4, hgetall),
    fam("hincrby", &["hincrby"], 4, hincrby),
    fam("hincrbyfloat", &["hincrbyfloat"], 4, hincrbyfloat),
    fam("hrandfield", &["hrandfield"], 3, hrandfield),
    fam("hscan", &["hscan"], 3, hscan),
    fam("wrongtype-zset", &["zadd"], 2, wrongtype_zset),
    // Streams: explicit IDs only (`*` is the clock's), no idle times (XPENDING's extended form,
    // XINFO CONSUMERS and STREAM FULL).
    fam(
        "streams",
        &[
            "xadd",
            "xrange",
            "xrevrange",
            "xlen",
            "xdel",
            "xtrim",
            "xsetid",
            "xread",
            "xreadgroup",
            "xgroup|create",
            "xgroup|setid",
            "xgroup|destroy",
            "xgroup|createconsumer",
            "xgroup|delconsumer",
            "xack",
            "xpending",
            "xclaim",
            "xautoclaim",
            "xinfo|groups",
            "xinfo|stream",
        ],
        8,
        streams,
    ),
    // Scripting.
    fam(
        "eval",
        &[
            "eval",
            "evalsha",
            "eval_ro",
            "evalsha_ro",
            "script|flush",
            "script|exists",
        ],
        6,
        eval,
    ),
    fam(
        "fcall",
        &["fcall", "fcall_ro", "function|load", "function|flush", "function|stats"],
        3,
        fcall,
    ),
    // Sorted sets.
    fam("zadd", &["zadd"], 8, zadd),
    fam("zincrby", &["zincrby"], 3, zincrby),
    fam("zrem", &["zrem"], 3, zrem),
    fam(
        "zset-read",
        &[
            "zcard",
            "zscore",
            "zmscore",
            "zrank",
            "zrevrank",
            "zcount",
            "zlexcount",
            "type",
            "object|encoding",
        ],
        6,
        zread,
    ),
    fam(
        "zrange",
        &[
            "zrange",
            "zrevrange",
            "zrangestore",
            "zrangebyscore",
            "zrevrangebyscore",
            "zrangebylex",
            "zrevrangebylex",
        ],
        8,
        zrange,
    ),
    fam(
        "zremrange",
        &["zremrangebyrank", "zremrangebyscore", "zremrangebylex"],
        3,
        zremrange,
    ),
    fam(
        "zset-lex",
        &[
            "zadd",
            "zrem",
            "zcard",
            "zrange",
            "zrangestore",
            "zrangebylex",
            "zrevrangebylex",
            "zlexcount",
            "zremrangebylex",
        ],
        4,
        zset_lex,
    ),
    fam("zpop", &["zpopmin", "zpopmax"], 4, zpop),
    fam("zmpop", &["zmpop"], 3, zmpop),
    fam("zset-blocking", &["bzpopmin", "bzpopmax", "bzmpop"], 2, zset_blocking),
    fam(
        "zsetop",
        &[
            "zunion",
            "zinter",
            "zdiff",
            "zunionstore",
            "zinterstore",
            "zdiffstore",
            "zintercard",
        ],
        6,
        zsetop,
    ),
    fam("zsetop-sets", &["sadd", "zunion"], 2, zsetop_sets),
    fam("zrandmember", &["zrandmember"], 2, zrandmember),
    fam("zscan", &["zscan"], 3, zscan),
    fam("restore-zsets", &["restore", "zadd"], 2, restore_zsets),
    fam(
        "wrongtype-zset-reads",
        &["zadd", "get", "lpush", "hget", "scard"],
        2,
        wrongtype_zset_reads,
    ),
];

/// Anything that can be one argument.
pub trait IntoArg {
    fn into_arg(self) -> Vec<u8>;
}

impl IntoArg for &str {
    fn into_arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl IntoArg for &&str {
    fn into_arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl IntoArg for String {
    fn into_arg(self) -> Vec<u8> {
        self.into_bytes()
    }
}

impl IntoArg for Vec<u8> {
    fn into_arg(self) -> Vec<u8> {
        self
    }
}

impl IntoArg for &[u8] {
    fn into_arg(self) -> Vec<u8> {
        self.to_vec()
    }
}

impl IntoArg for i64 {
    fn into_arg(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl IntoArg for usize {
    fn into_arg(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

/// `c!["SET", key, value]`: one command from arguments of mixed types.
macro_rules! c {
    ($($x:expr),* $(,)?) => { vec![$(IntoArg::into_arg($x)),*] };
}

// ---------------------------------------------------------------------------------------------
// Argument vocabularies.

const WORDS: &[&str] = &[
    "hello", "a", "foo bar", "PONG", "OK", "nil", "-ERR x", "+x", ":1", "$3", "\"q\"",
];

const GOOD_INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "10",
    "42",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "4611686018427387904",
    "2147483647",
    "-2147483648",
    "9007199254740993",
];

const BAD_INTS: &[&str] = &[
    "",
    "abc",
    "1.5",
    "1e3",
    " 1",
    "1 ",
    "+1",
    "-0",
    "00",
    "007",
    "0x10",
    "--1",
    "1-",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999",
    "\x001",
    "١",
];

const FLOATS: &[&str] = &[
    "0",
    "1.5",
    "-0.25",
    "3.0",
    "1e3",
    "1E-3",
    "-1e10",
    "0.1",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "4.9e-324",
    "123456789012345678901234567890",
    "5.0e3",
    "-0",
    "0.000001",
    "3.14159265358979323846",
    ".5",
    "5.",
];

const BAD_FLOATS: &[&str] = &[
    "", "abc", "inf", "-inf", "+inf", "nan", "-nan", "1e", "1.5x", " 1.5", "1.5 ", "0x1p3", "1e400", "--1", "1,5",
];

/// A value to store: numbers (good and bad), words, binary, empty, long.
pub fn value(r: &mut Rng) -> Vec<u8> {
    match r.below(20) {
        0..=4 => r.pick(GOOD_INTS).as_bytes().to_vec(),
        5 => r.pick(BAD_INTS).as_bytes().to_vec(),
        6 | 7 => r.pick(FLOATS).as_bytes().to_vec(),
        8 => r.pick(BAD_FLOATS).as_bytes().to_vec(),
        9 => Vec::new(),
        10 | 11 => {
            let n = r.below(24);
            r.bytes(n)
        }
        12 => {
            // Around the 44-byte embstr boundary and beyond.
            let n = r.int(40, 50) as usize;
            vec![b'e'; n]
        }
        13 => {
            let n = r.int(50, 1200) as usize;
            (0..n).map(|i| b'a' + (i % 26) as u8).collect()
        }
        14 => r.int(-1000, 1000).to_string().into_bytes(),
        _ => r.pick(WORDS).as_bytes().to_vec(),
    }
}

/// An integer argument: mostly small and valid, sometimes a boundary, sometimes not a number.
pub fn int_arg(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=5 => r.int(-100, 100).to_string().into_bytes(),
        6 | 7 => r.pick(GOOD_INTS).as_bytes().to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

pub fn float_arg(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=3 => r.pick(FLOATS).as_bytes().to_vec(),
        4 | 5 => r.int(-100, 100).to_string().into_bytes(),
        6 => format!("{}.{}", r.int(-1000, 1000), r.int(0, 999)).into_bytes(),
        7 => r.pick(GOOD_INTS).as_bytes().to_vec(),
        _ => r.pick(BAD_FLOATS).as_bytes().to_vec(),
    }
}

/// A relative expiry in seconds (`ms` = in milliseconds): invalid, ≤ 0, huge, or ≥ 1000 s —
/// never one that could run out while the stream runs.
pub fn rel_expire(r: &mut Rng, ms: bool) -> Vec<u8> {
    let scale = if ms { 1000 } else { 1 };
    match r.below(8) {
        0..=3 => (r.int(1000, 100_000) * scale).to_string().into_bytes(),
        4 => r.pick(&["0", "-1", "-1000"]).as_bytes().to_vec(),
        5 => r
            .pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "9223372036854775",
                "9223372036854770000",
                "4611686018427387903",
            ])
            .as_bytes()
            .to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

/// An absolute expiry (unix seconds, or ms): long past, year 2100, or invalid.
pub fn abs_expire(r: &mut Rng, ms: bool) -> Vec<u8> {
    let scale = if ms { 1000 } else { 1 };
    match r.below(6) {
        0 | 1 => (4_102_444_800 * scale + r.int(0, 1000)).to_string().into_bytes(),
        2 => r.int(1, 1_000_000).to_string().into_bytes(),
        3 => r.pick(&["0", "-1", "9223372036854775807"]).as_bytes().to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

fn name_arg(r: &mut Rng) -> Vec<u8> {
    r.pick(&[
        "conn",
        "my-client_1",
        "",
        "a b",
        "new\nline",
        "tab\t",
        "ünï",
        "x\x7f",
        "quote\"",
    ])
    .as_bytes()
    .to_vec()
}

fn keys_n(r: &mut Rng, k: &Keys, lo: usize, hi: usize) -> Vec<Vec<u8>> {
    let n = r.int(lo as i64, hi as i64) as usize;
    (0..n).map(|_| k.key(r)).collect()
}

fn with(mut head: Vec<Vec<u8>>, tail: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    head.extend(tail);
    head
}

/// Too few or too many arguments for `name`.
fn wrong_arity(r: &mut Rng, name: &str, k: &Keys, good: usize) -> Vec<Vec<u8>> {
    let n = if good > 1 && r.chance(50) {
        r.below(good)
    } else {
        good + 1 + r.below(2)
    };
    let mut v = c![name];
    for _ in 1..n.max(1) {
        v.push(if r.chance(50) { k.key(r) } else { value(r) });
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Connection and server.

fn ping(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(4) {
        0 => c!["PING"],
        1 | 2 => c!["PING", value(r)],
        _ => c!["PING", value(r), value(r)],
    }
}

fn echo(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(5) {
        0 => c!["ECHO"],
        1 => c!["ECHO", value(r), value(r)],
        _ => c!["ECHO", value(r)],
    }
}

fn select(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(6) {
        0..=2 => c!["SELECT", r.below(16)],
        3 => c!["SELECT", r.pick(&["16", "-1", "100", "2147483648"])],
        4 => c!["SELECT", r.pick(BAD_INTS)],
        _ => {
            if r.chance(50) {
                c!["SELECT"]
            } else {
                c!["SELECT", "1", "2"]
            }
        }
    }
}

fn dbsize(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(90) {
        c!["DBSIZE"]
    } else {
        c!["DBSIZE", "x"]
    }
}

fn hello(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    let proto = *r.pick(&[
        "2",
        "3",
        "2",
        "3",
        "1",
        "4",
        "0",
        "-1",
        "abc",
        "",
        "3.0",
        "9223372036854775808",
    ]);
    let mut v = if r.chance(10) { c!["HELLO"] } else { c!["HELLO", proto] };
    for _ in 0..r.below(3) {
        let opt = r.below(8);
        match opt {
            0 | 1 => v.extend(c!["SETNAME", name_arg(r)]),
            2 => v.extend(c!["AUTH", "default", value(r)]),
            3 => v.extend(c!["AUTH", r.pick(&["nobody", "", "Default"]), value(r)]),
            4 => v.extend(c!["AUTH", "default"]),
            5 => v.extend(c!["SETNAME"]),
            6 => v.extend(c![r.pick(&["FOO", "AUTHX", "setname2"])]),
            _ => v.extend(c![r.mixed_case(b"setname"), "named"]),
        }
    }
    v
}

fn auth(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(6) {
        0 | 1 => c!["AUTH", value(r)],
        2 => c!["AUTH", "default", value(r)],
        3 => c!["AUTH", r.pick(&["nobody", "", "DEFAULT"]), value(r)],
        4 => c!["AUTH"],
        _ => c!["AUTH", "a", "b", "c"],
    }
}

fn reset(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(90) {
        c!["RESET"]
    } else {
        c!["RESET", "now"]
    }
}

fn quit(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(80) {
        c!["QUIT"]
    } else {
        c!["QUIT", value(r)]
    }
}

fn client(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=2 => c!["CLIENT", r.mixed_case(b"setname"), name_arg(r)],
        3..=5 => c!["CLIENT", r.mixed_case(b"getname")],
        6 => c!["CLIENT", "NO-EVICT", r.pick(&["on", "off", "ON", "Off", "maybe", ""])],
        7 => c!["CLIENT", "HELP"],
        8 => c!["CLIENT"],
        9 => c!["CLIENT", r.pick(&["SETNAME", "GETNAME", "NO-EVICT", "HELP"]), "a", "b"],
        10 => c!["CLIENT", "SETNAME"],
        _ => c!["CLIENT", r.pick(&["foo", "", "setname2", "LISTX", "id|x", "\x00"])],
    }
}

/// CLIENT NO-TOUCH and CLIENT SETINFO arrived in Redis 7.2: Redis 7.0.15 does not know them.
fn client_newer(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(3) {
        0 => c!["CLIENT", "NO-TOUCH", r.pick(&["on", "off"])],
        1 => c![
            "CLIENT",
            "SETINFO",
            r.pick(&["LIB-NAME", "lib-ver"]),
            r.pick(&["redis-py", "1.0"])
        ],
        _ => c!["CLIENT", "SETINFO", "lib-name", "bad name"],
    }
}

fn command_info(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let n = 1 + r.below(3);
    let mut v = c!["COMMAND", "INFO"];
    for _ in 0..n {
        v.push(k.command(r));
    }
    v
}

fn command_docs(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let n = 1 + r.below(2);
    let mut v = c!["COMMAND", "DOCS"];
    for _ in 0..n {
        v.push(k.command(r));
    }
    v
}

fn command_getkeys(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let sub = *r.pick(&["GETKEYS", "GETKEYSANDFLAGS"]);
    if r.chance(10) {
        return c!["COMMAND", sub];
    }
    let mut v = c!["COMMAND", sub, k.command(r)];
    for _ in 0..r.below(5) {
        v.push(match r.below(4) {
            0 | 1 => k.key(r),
            2 => r.pick_mixed(&["ex", "nx", "get", "px", "keepttl"]),
            _ => value(r),
        });
    }
    v
}

fn command_misc(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(3) {
        0 => c!["COMMAND", "HELP"],
        1 => c!["COMMAND", r.pick(&["foo", "infox", "", "COUNTX"])],
        _ => c!["COMMAND", "HELP", "extra"],
    }
}

/// Parameters both servers know. Values differ (ports, paths), so replies compare by shape.
const CONFIG_PARAMS: &[&str] = &[
    "port",
    "bind",
    "databases",
    "maxclients",
    "timeout",
    "tcp-keepalive",
    "loglevel",
    "logfile",
    "dir",
    "proto-max-bulk-len",
    "client-query-buffer-limit",
    "hz",
    "protected-mode",
    "requirepass",
    "notify-keyspace-events",
];

fn config_get(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(8) {
        0 => c!["CONFIG", "GET"],
        1 => c!["CONFIG", "GET", r.pick(&["nosuchparam", "no-such-*", "zz?"])],
        2 => c!["CONFIG", "GET", r.pick(CONFIG_PARAMS), r.pick(CONFIG_PARAMS)],
        _ => c!["CONFIG", "GET", r.pick_mixed(CONFIG_PARAMS)],
    }
}

/// CONFIG SET that must fail without changing anything.
fn config_set_invalid(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    let bad: &[(&str, &str)] = &[
        ("hz", "abc"),
        ("timeout", "-1"),
        ("timeout", "1.5"),
        ("maxclients", "abc"),
        ("protected-mode", "maybe"),
        ("loglevel", "loud"),
        ("port", "99999"),
        ("port", "-1"),
        ("databases", "4"),
        ("proto-max-bulk-len", "lots"),
        ("client-query-buffer-limit", "12xb"),
        // The listener of the keyspace notifications set the flags: they must stay.
        ("notify-keyspace-events", "KEw"),
        ("notify-keyspace-events", "A x"),
        ("nosuchparam", "1"),
        ("", ""),
    ];
    let (p, v) = *r.pick(bad);
    match r.below(6) {
        0 => c!["CONFIG", "SET"],
        1 => c!["CONFIG", "SET", p],
        2 => c!["CONFIG", "SET", "hz", "10", "hz", "11"],
        3 => c!["CONFIG", "SET", "timeout", "0", p, v],
        _ => c!["CONFIG", "SET", r.mixed_case(p.as_bytes()), v],
    }
}

fn config_misc(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(3) {
        0 => c!["CONFIG", "HELP"],
        1 => c!["CONFIG"],
        _ => c!["CONFIG", r.pick(&["foo", "GETX", ""])],
    }
}

fn unknown_command(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    let name: Vec<u8> = match r.below(4) {
        0 => r
            .pick(&[
                "foo",
                "GETT",
                "zzcmd",
                "",
                "get|x",
                "client|id",
                "a b",
                "x\r\ny",
                "\x00zz",
                "ünï",
            ])
            .as_bytes()
            .to_vec(),
        1 => [b"zz".to_vec(), r.bytes(3)].concat(),
        2 => vec![b'z'; 200],
        _ => {
            let n = 3 + r.below(6);
            let mut s = b"zz".to_vec();
            s.extend((0..n).map(|_| b'a' + r.below(26) as u8));
            s
        }
    };
    let mut v = vec![name];
    for _ in 0..r.below(4) {
        v.push(value(r));
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Keys and strings.

fn get(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(93) {
        c!["GET", k.key(r)]
    } else {
        wrong_arity(r, "GET", k, 2)
    }
}

fn set(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(95) {
        c!["SET", k.key(r), value(r)]
    } else {
        wrong_arity(r, "SET", k, 3)
    }
}

/// `SET key value` plus 1–4 options, valid and invalid combinations.
fn set_options(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["SET", k.key(r), value(r)];
    for _ in 0..1 + r.below(3) {
        match r.below(12) {
            0 => v.push(r.mixed_case(b"nx")),
            1 => v.push(r.mixed_case(b"xx")),
            2 | 3 => v.push(r.mixed_case(b"get")),
            4 => v.push(r.mixed_case(b"keepttl")),
            5 | 6 => v.extend(c![r.mixed_case(b"ex"), rel_expire(r, false)]),
            7 => v.extend(c![r.mixed_case(b"px"), rel_expire(r, true)]),
            8 => v.extend(c![r.mixed_case(b"exat"), abs_expire(r, false)]),
            9 => v.extend(c![r.mixed_case(b"pxat"), abs_expire(r, true)]),
            10 => v.push(r.pick(&["EX", "PX", "FOO", "NXX", ""]).as_bytes().to_vec()),
            _ => v.push(value(r)),
        }
    }
    v
}

fn del(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(95) {
        with(c!["DEL"], keys_n(r, k, 1, 4))
    } else {
        c!["DEL"]
    }
}

fn unlink(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    with(c!["UNLINK"], keys_n(r, k, 0, 3))
}

fn exists(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(95) {
        with(c!["EXISTS"], keys_n(r, k, 1, 4))
    } else {
        c!["EXISTS"]
    }
}

fn touch(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    with(c!["TOUCH"], keys_n(r, k, 0, 3))
}

fn setnx_setex(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(8) {
        0 | 1 => c!["SETNX", k.key(r), value(r)],
        2 | 3 => c!["SETEX", k.key(r), rel_expire(r, false), value(r)],
        4 | 5 => c!["PSETEX", k.key(r), rel_expire(r, true), value(r)],
        6 => wrong_arity(r, "SETNX", k, 3),
        _ => {
            let name = *r.pick(&["SETEX", "PSETEX"]);
            wrong_arity(r, name, k, 4)
        }
    }
}

fn getset_getdel(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(6) {
        0 | 1 => c!["GETSET", k.key(r), value(r)],
        2 | 3 => c!["GETDEL", k.key(r)],
        4 => wrong_arity(r, "GETSET", k, 3),
        _ => wrong_arity(r, "GETDEL", k, 2),
    }
}

fn getex(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["GETEX", k.key(r)];
    for _ in 0..r.below(3) {
        match r.below(7) {
            0 => v.extend(c![r.mixed_case(b"ex"), rel_expire(r, false)]),
            1 => v.extend(c![r.mixed_case(b"px"), rel_expire(r, true)]),
            2 => v.extend(c![r.mixed_case(b"exat"), abs_expire(r, false)]),
            3 => v.extend(c![r.mixed_case(b"pxat"), abs_expire(r, true)]),
            4 => v.push(r.mixed_case(b"persist")),
            5 => v.push(r.pick(&["EX", "KEEPTTL", "NX", "foo"]).as_bytes().to_vec()),
            _ => v.push(value(r)),
        }
    }
    v
}

fn mget(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(95) {
        with(c!["MGET"], keys_n(r, k, 1, 5))
    } else {
        c!["MGET"]
    }
}

fn mset(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["MSET", "MSETNX"]);
    let mut v = c![name];
    for _ in 0..1 + r.below(3) {
        v.push(k.key(r));
        v.push(value(r));
    }
    if r.chance(10) {
        v.pop();
    }
    v
}

fn append_strlen(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(8) {
        0..=3 => c!["APPEND", k.hot(r), value(r)],
        4..=6 => c!["STRLEN", k.key(r)],
        _ => {
            let name = *r.pick(&["APPEND", "STRLEN"]);
            wrong_arity(r, name, k, 2)
        }
    }
}

fn incr_decr(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 | 1 => c!["INCR", k.hot(r)],
        2 | 3 => c!["DECR", k.hot(r)],
        4..=6 => c!["INCRBY", k.hot(r), int_arg(r)],
        7 | 8 => c!["DECRBY", k.hot(r), int_arg(r)],
        _ => {
            let name = *r.pick(&["INCR", "INCRBY", "DECRBY"]);
            wrong_arity(r, name, k, 2)
        }
    }
}

fn incrbyfloat(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(92) {
        c!["INCRBYFLOAT", k.hot(r), float_arg(r)]
    } else {
        wrong_arity(r, "INCRBYFLOAT", k, 3)
    }
}

const RANGE_ENDS: &[&str] = &[
    "0",
    "1",
    "3",
    "-1",
    "-2",
    "-100",
    "100",
    "2147483647",
    "9223372036854775807",
    "-9223372036854775808",
    "abc",
    "1.5",
    "",
];

fn range_end(r: &mut Rng) -> Vec<u8> {
    if r.chance(50) {
        r.int(-20, 20).to_string().into_bytes()
    } else {
        r.pick(RANGE_ENDS).as_bytes().to_vec()
    }
}

fn getrange(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["GETRANGE", "SUBSTR"]);
    if r.chance(92) {
        c![name, k.hot(r), range_end(r), range_end(r)]
    } else {
        wrong_arity(r, name, k, 4)
    }
}

fn setrange(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    // Offsets stay small when valid: 536870911 + 1 byte would allocate 512 MB on both servers.
    let offset: Vec<u8> = match r.below(8) {
        0..=4 => r.int(0, 40).to_string().into_bytes(),
        5 => r
            .pick(&["4096", "-1", "536870912", "536870913", "9223372036854775807"])
            .as_bytes()
            .to_vec(),
        6 => r.pick(BAD_INTS).as_bytes().to_vec(),
        _ => b"0".to_vec(),
    };
    if r.chance(93) {
        c!["SETRANGE", k.hot(r), offset, value(r)]
    } else {
        wrong_arity(r, "SETRANGE", k, 4)
    }
}

fn lcs(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["LCS", k.hot(r), k.hot(r)];
    for _ in 0..r.below(4) {
        match r.below(6) {
            0 => v.push(r.mixed_case(b"len")),
            1 => v.push(r.mixed_case(b"idx")),
            2 => v.push(r.mixed_case(b"withmatchlen")),
            3 => v.extend(c![r.mixed_case(b"minmatchlen"), int_arg(r)]),
            4 => v.push(b"minmatchlen".to_vec()),
            _ => v.push(value(r)),
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Bitmaps. A write at bit N allocates N/8 bytes on both servers, so written offsets stay small;
// read offsets may be as large as proto-max-bulk-len allows (and beyond, for the error).

/// A bit offset for reading: small, around byte edges, the largest valid one, or invalid.
fn read_bit_offset(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=5 => r.int(0, 120).to_string().into_bytes(),
        6 => r.pick(&["4294967295", "4294967288", "100000"]).as_bytes().to_vec(),
        7 => r
            .pick(&["4294967296", "-1", "9223372036854775807", "#1", "#", "1.0"])
            .as_bytes()
            .to_vec(),
        8 => r.pick(BAD_INTS).as_bytes().to_vec(),
        _ => (8 * r.int(0, 20)).to_string().into_bytes(),
    }
}

/// A bit offset for writing: mostly small, rarely a few KB in, or invalid.
fn write_bit_offset(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=6 => r.int(0, 100).to_string().into_bytes(),
        7 => r.int(0, 40_000).to_string().into_bytes(),
        8 => r
            .pick(&["4294967296", "-1", "#3", "9223372036854775808"])
            .as_bytes()
            .to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

fn bit_unit(r: &mut Rng) -> Vec<u8> {
    match r.below(6) {
        0 | 1 => r.mixed_case(b"bit"),
        2 | 3 => r.mixed_case(b"byte"),
        4 => r.pick(&["bits", "", "b", "BYTES", "bit\x00x"]).as_bytes().to_vec(),
        _ => value(r),
    }
}

/// A bitmap range end: small, negative, huge, or not a number.
fn bit_range_end(r: &mut Rng) -> Vec<u8> {
    match r.below(4) {
        0 | 1 => r.int(-40, 40).to_string().into_bytes(),
        2 => r.int(-400, 400).to_string().into_bytes(),
        _ => r.pick(RANGE_ENDS).as_bytes().to_vec(),
    }
}

fn setbit_getbit(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0..=4 => {
            let bit: Vec<u8> = match r.below(8) {
                0..=5 => r.below(2).to_string().into_bytes(),
                6 => r.pick(&["2", "-1", "01", "1 "]).as_bytes().to_vec(),
                _ => r.pick(BAD_INTS).as_bytes().to_vec(),
            };
            c!["SETBIT", k.hot(r), write_bit_offset(r), bit]
        }
        5..=8 => c!["GETBIT", k.key(r), read_bit_offset(r)],
        _ => {
            let (name, good) = *r.pick(&[("SETBIT", 4), ("GETBIT", 3)]);
            wrong_arity(r, name, k, good)
        }
    }
}

fn bitcount(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["BITCOUNT", k.hot(r)];
    match r.below(10) {
        0 | 1 => {}
        2..=4 => v.extend(c![bit_range_end(r), bit_range_end(r)]),
        5..=7 => v.extend(c![bit_range_end(r), bit_range_end(r), bit_unit(r)]),
        8 => v.push(bit_range_end(r)),
        _ => v.extend(c![bit_range_end(r), bit_range_end(r), bit_unit(r), value(r)]),
    }
    v
}

fn bitpos(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let bit: Vec<u8> = match r.below(10) {
        0..=7 => r.below(2).to_string().into_bytes(),
        8 => r.pick(&["2", "-1", "10"]).as_bytes().to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    };
    let mut v = c!["BITPOS", k.hot(r), bit];
    match r.below(10) {
        0 | 1 => {}
        2 => v.push(bit_range_end(r)),
        3 | 4 => v.extend(c![bit_range_end(r), bit_range_end(r)]),
        5..=7 => v.extend(c![bit_range_end(r), bit_range_end(r), bit_unit(r)]),
        8 => v.extend(c![bit_range_end(r), bit_range_end(r), bit_unit(r), value(r)]),
        _ => return wrong_arity(r, "BITPOS", k, 3),
    }
    v
}

fn bitop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let op: Vec<u8> = match r.below(12) {
        0..=9 => r.pick_mixed(&["and", "or", "xor", "not"]),
        10 => r.pick(&["nand", "", "andx", "an"]).as_bytes().to_vec(),
        _ => b"and\x00x".to_vec(),
    };
    let n = if op.eq_ignore_ascii_case(b"not") && r.chance(80) {
        1
    } else {
        r.int(0, 4) as usize
    };
    // The sources are hot keys: the ones the string and bitmap commands fill.
    let mut v = c!["BITOP", op, k.key(r)];
    for _ in 0..n {
        v.push(if r.chance(80) { k.hot(r) } else { k.key(r) });
    }
    v
}

/// A bitfield type: valid (often at the widths' edges), or with `sloppy` sometimes not a type.
fn bitfield_type(r: &mut Rng, sloppy: bool) -> Vec<u8> {
    match r.below(if sloppy { 10 } else { 9 }) {
        0..=3 => format!("{}{}", r.pick(&["i", "u"]), r.pick(&[1, 2, 5, 8, 16, 32])).into_bytes(),
        4 | 5 => format!("i{}", r.int(1, 64)).into_bytes(),
        6 | 7 => format!("u{}", r.int(1, 63)).into_bytes(),
        8 => r.pick(&["i64", "u63", "i1", "u1"]).as_bytes().to_vec(),
        _ => r
            .pick(&[
                "u64", "i65", "i0", "u0", "I8", "U8", "x8", "", "i", "u08", "u+8", "i-1", "u8\x00z",
            ])
            .as_bytes()
            .to_vec(),
    }
}

/// A value or increment for BITFIELD SET/INCRBY: small or at the edges of the widths, or with
/// `sloppy` sometimes not a number.
fn bitfield_value(r: &mut Rng, sloppy: bool) -> Vec<u8> {
    match r.below(if sloppy { 10 } else { 9 }) {
        0..=3 => r.int(-300, 300).to_string().into_bytes(),
        4 | 5 => r.pick(GOOD_INTS).as_bytes().to_vec(),
        6 => (r.u64() as i64).to_string().into_bytes(),
        7 => {
            let p = r.int(0, 62) as u32;
            let v = (1i64 << p) + r.int(-1, 1);
            (if r.chance(50) { -v } else { v }).to_string().into_bytes()
        }
        8 => r
            .pick(&[
                "127",
                "128",
                "-128",
                "-129",
                "255",
                "256",
                "65535",
                "-9223372036854775807",
            ])
            .as_bytes()
            .to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

/// A BITFIELD offset, plain or `#N`: small when it is written to, anywhere valid when it is
/// only read, and with `sloppy` sometimes invalid.
fn bitfield_offset(r: &mut Rng, write: bool, sloppy: bool) -> Vec<u8> {
    match r.below(if sloppy { 10 } else { 8 }) {
        0..=4 => r.int(0, 70).to_string().into_bytes(),
        5 | 6 => format!("#{}", r.int(0, 12)).into_bytes(),
        7 if !write => r
            .pick(&["4294967295", "4294967232", "#67108863", "#4611686018427387905"])
            .as_bytes()
            .to_vec(),
        7 => r.int(0, 4000).to_string().into_bytes(),
        8 => r
            .pick(&[
                "-1",
                "#-1",
                "#",
                "4294967296",
                "#67108864",
                "#144115188075855873",
                "1.5",
            ])
            .as_bytes()
            .to_vec(),
        _ => r.pick(BAD_INTS).as_bytes().to_vec(),
    }
}

/// 0..=4 BITFIELD operations, usually all valid; `gets_only` mostly keeps to GET and OVERFLOW.
fn bitfield_ops(r: &mut Rng, gets_only: bool) -> Vec<Vec<u8>> {
    let sloppy = r.chance(30);
    let mut v = Vec::new();
    for _ in 0..r.below(5) {
        let kinds = if sloppy { 12 } else { 10 };
        let pick = if gets_only && r.chance(85) {
            r.below(4)
        } else {
            r.below(kinds)
        };
        match pick {
            0..=2 => v.extend(c![
                r.mixed_case(b"get"),
                bitfield_type(r, sloppy),
                bitfield_offset(r, false, sloppy)
            ]),
            3 => {
                let modes: &[&str] = if sloppy {
                    &["wrap", "sat", "fail", "wraps", ""]
                } else {
                    &["wrap", "sat", "fail"]
                };
                v.extend(c![r.mixed_case(b"overflow"), r.pick_mixed(modes)])
            }
            4..=6 => v.extend(c![
                r.mixed_case(b"set"),
                bitfield_type(r, sloppy),
                bitfield_offset(r, true, sloppy),
                bitfield_value(r, sloppy)
            ]),
            7..=9 => v.extend(c![
                r.mixed_case(b"incrby"),
                bitfield_type(r, sloppy),
                bitfield_offset(r, true, sloppy),
                bitfield_value(r, sloppy)
            ]),
            10 => v.push(r.pick_mixed(&["get", "set", "incrby", "overflow"])),
            _ => v.push(r.pick_mixed(&["foo", "", "gets", "get\x00"])),
        }
    }
    v
}

fn bitfield(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(4) {
        return c!["BITFIELD"];
    }
    with(c!["BITFIELD", k.hot(r)], bitfield_ops(r, false))
}

fn bitfield_ro(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(4) {
        return c!["BITFIELD_RO"];
    }
    with(c!["BITFIELD_RO", k.hot(r)], bitfield_ops(r, true))
}

fn type_(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(93) {
        c!["TYPE", k.key(r)]
    } else {
        wrong_arity(r, "TYPE", k, 2)
    }
}

fn object(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let sub = r.pick_mixed(&["encoding", "refcount", "idletime", "freq"]);
    match r.below(12) {
        0 => c!["OBJECT", r.pick_mixed(&["help"])],
        1 => c!["OBJECT", sub],
        2 => c!["OBJECT", sub, k.key(r), k.key(r)],
        3 => c!["OBJECT", r.pick_mixed(&["bogus", "encodings"]), k.key(r)],
        _ => c!["OBJECT", sub, k.key(r)],
    }
}

fn rename(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["RENAME", "RENAMENX"]);
    match r.below(8) {
        0 => {
            let key = k.key(r);
            c![name, key.clone(), key]
        }
        7 => wrong_arity(r, name, k, 3),
        _ => c![name, k.key(r), k.key(r)],
    }
}

fn move_key(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(6) {
        0..=3 => c!["MOVE", k.key(r), r.below(16)],
        4 => c!["MOVE", k.key(r), r.pick(&["16", "-1", "abc"])],
        _ => wrong_arity(r, "MOVE", k, 3),
    }
}

fn copy(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["COPY", k.key(r), k.key(r)];
    for _ in 0..r.below(3) {
        match r.below(5) {
            0 | 1 => v.push(r.mixed_case(b"replace")),
            2 => v.extend(c![r.mixed_case(b"db"), r.below(16)]),
            3 => v.extend(c!["DB", r.pick(&["16", "-1", "abc"])]),
            _ => v.push(value(r)),
        }
    }
    v
}

fn expire(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = match r.below(9) {
        0 | 1 => c!["EXPIRE", k.hot(r), rel_expire(r, false)],
        2 => c!["PEXPIRE", k.hot(r), rel_expire(r, true)],
        3 => c!["EXPIREAT", k.hot(r), abs_expire(r, false)],
        4 => c!["PEXPIREAT", k.hot(r), abs_expire(r, true)],
        5 | 6 => return c!["PERSIST", k.hot(r)],
        7 => {
            let name = *r.pick(&["EXPIRE", "PEXPIREAT"]);
            return wrong_arity(r, name, k, 3);
        }
        _ => return wrong_arity(r, "PERSIST", k, 2),
    };
    for _ in 0..r.below(3) {
        v.push(r.pick_mixed(&["nx", "xx", "gt", "lt", "foo"]));
    }
    v
}

fn ttl(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]);
    if r.chance(93) {
        c![name, k.hot(r)]
    } else {
        wrong_arity(r, name, k, 2)
    }
}

fn keys_pattern(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    let p = *r.pick(&[
        "*",
        "k*",
        "k?",
        "{t}*",
        "\\{t\\}*",
        "[kn]*",
        "[^k]*",
        "[a-z]",
        "*[",
        "*\\",
        "bin\x00*",
        "",
        "*L",
        "\\*?\\[x]\\\\",
    ]);
    if r.chance(95) {
        c!["KEYS", p]
    } else {
        c!["KEYS"]
    }
}

fn flushdb(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["FLUSHDB", "FLUSHDB", "FLUSHALL"]);
    match r.below(4) {
        0 => c![name],
        1 => c![name, r.mixed_case(b"sync")],
        2 => c![name, r.mixed_case(b"async")],
        _ => c![name, r.pick(&["foo", "sync", ""]), "x"],
    }
}

// ---------------------------------------------------------------------------------------------
// DUMP and RESTORE. The generators cannot see replies, so valid payloads are built here with
// ferrous' own encoder: redis-server then judges them (it refuses a bad checksum or body), and
// the DUMP family compares what both servers serialize for the same keys.

fn dump(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(93) {
        c!["DUMP", k.key(r)]
    } else {
        wrong_arity(r, "DUMP", k, 2)
    }
}

/// Bodies (type byte and object) that both servers must read alike once sealed with a valid
/// footer: odd but valid encodings, and corrupt ones Redis refuses without ever allocating
/// much or trusting module or collection data.
const RESTORE_BODIES: &[&[u8]] = &[
    b"\x00\x05hello",
    b"\x00\x05helloXYZ", // trailing bytes are ignored
    b"\x00\x0chello",    // the string runs into the footer
    b"\x00\x0fhello",    // ... and past it
    b"\x00\xc0",         // an int8 read from the footer
    b"\x00\xc1\x01",
    b"\x00\xc2\x01\x02\x03\x04",
    b"\x00\xc0\x80",
    b"\x00\x40\x03abc", // 14-, 32- and 64-bit lengths where 6 bits would do
    b"\x00\x80\x00\x00\x00\x03abc",
    b"\x00\x81\x00\x00\x00\x00\x00\x00\x00\x03abc",
    b"\x00\x0312a",
    b"\x00\x02-0",
    b"\x00\x0b12345678901",
    b"\x00\xc3\x04\x03\x02abc", // LZF
    b"\x00\xc3\x04\x03\x02123",
    b"\x00\xc3\x04\x04\x02abc",  // LZF shorter than stated
    b"\x00\xc3\x04\x02\x02abc",  // LZF longer than stated
    b"\x00\xc3\x02\x00\xff\xff", // stated length 0: anything goes
    b"\x00\xc3\x00\x00",
    b"\x00\xc3\x00\x01",
    b"\x00\xc3\x02\x05\x20\x00",  // a back reference before the start
    b"\x00\xc3\x03\x05\x00a\x20", // a back reference cut short
    b"\x00\xc3\xc2\x03\x02abc",   // 11xxxxxx read as a 6-bit length
    b"\x00\x82",
    b"\x00\xbf",
    b"\x00\xc4",
    b"\x00\xff",
    b"\x00",
    b"",         // the footer's first byte (10) becomes the type
    b"\x01\x00", // empty list, set, zset, hash, zset2: refused
    b"\x02\x00",
    b"\x03\x00",
    b"\x04\x00",
    b"\x05\x00",
    b"\x06\x05", // module values: no such module
    b"\x07\x05",
    b"\x08\x00", // not object types
    b"\x14\x00",
    b"\xf5\x00",
    b"\xff",
];

/// A RESTORE payload: mostly valid, else with another version, a broken checksum, cut short,
/// or a corrupt body under a valid footer.
fn restore_payload(r: &mut Rng) -> Vec<u8> {
    let v = value(r);
    let mut p = dump_payload(&Value::string(v), r.chance(85));
    match r.below(20) {
        0..=9 => p,
        10 | 11 => {
            // Another RDB version, checksum recomputed: older ones load, newer ones do not.
            p.truncate(p.len() - FOOTER_LEN);
            seal(&mut p, *r.pick(&[0, 1, 9, 11, 12, 0x100, 0xffff]));
            p
        }
        12 => {
            let i = r.below(p.len());
            p[i] ^= 1 + r.below(255) as u8;
            p
        }
        13 => {
            p.truncate(r.below(p.len()));
            p
        }
        14 => r
            .pick(&[
                &b""[..],
                b"x",
                b"\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            ])
            .to_vec(),
        _ => {
            let mut body = r.pick(RESTORE_BODIES).to_vec();
            seal(&mut body, 10);
            body
        }
    }
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], good and bad.
fn restore(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(4) {
        // Too few arguments (any more is a valid arity).
        let mut v = c!["RESTORE"];
        for _ in 0..r.below(4) {
            v.push(k.key(r));
        }
        return v;
    }
    let absttl = r.chance(25);
    let ttl = match r.below(3) {
        0 => b"0".to_vec(),
        _ if absttl => abs_expire(r, true),
        _ => rel_expire(r, true),
    };
    let mut v = c!["RESTORE", k.key(r), ttl, restore_payload(r)];
    if absttl {
        v.push(r.mixed_case(b"absttl"));
    }
    for _ in 0..r.below(4) {
        match r.below(16) {
            0..=5 => v.push(r.mixed_case(b"replace")),
            6 => v.push(r.mixed_case(b"absttl")),
            7 | 8 => v.extend(c![
                r.mixed_case(b"idletime"),
                r.pick(&["0", "10", "1000000", "-1", "abc", "9223372036854775807"])
            ]),
            9 | 10 => v.extend(c![
                r.mixed_case(b"freq"),
                r.pick(&["0", "5", "255", "256", "-1", "1.5"])
            ]),
            11 => v.push(r.pick_mixed(&["idletime", "freq"])),
            12 => v.push(r.pick(&["REPLACEX", "TTL", "", "KEEPTTL"]).as_bytes().to_vec()),
            _ => {}
        }
    }
    v
}

/// Redis' own list payloads: a quicklist of one listpack node, and of several.
fn restore_collections(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let hex = *r.pick(&[
        "1201020f0f00000003008161028162020301ff0a00dca1e67d50055048", // RPUSH a b 3
        // RPUSH 1 .. 10 under list-max-listpack-size 4: nodes of 4, 4, 2.
        "1203020f0f00000004000101020103010401ff020f0f00000004000501060107010801ff020b0b000000020009010a01ff0a004f98fc19d762604e",
    ]);
    restore_hex(r, k, hex)
}

/// Redis' own payloads of sets and hashes, in each of their encodings.
fn restore_sets_hashes(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let hex = *r.pick(&[
        "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b", // SADD 1 2 3 (intset)
        "0202016101620a00fe642125eb033d0d",                     // SADD a b (hashtable)
        "10121200000004008166028176028167020101ff0a0023c1a5e35dfae81c", // HSET f v g 1
    ]);
    restore_hex(r, k, hex)
}

fn restore_hex(r: &mut Rng, k: &Keys, hex: &str) -> Vec<Vec<u8>> {
    let payload: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let mut v = c!["RESTORE", k.key(r), "0", payload];
    if r.chance(50) {
        v.push(b"REPLACE".to_vec());
    }
    v
}

fn wrongtype_list(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    c![r.pick(&["LPUSH", "RPUSH"]), k.hot(r), value(r), value(r)]
}

fn wrongtype_set(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    c!["SADD", k.hot(r), value(r)]
}

fn wrongtype_hash(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    c!["HSET", k.hot(r), hash_field(r), hash_value(r)]
}

fn wrongtype_zset(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    c!["ZADD", k.hot(r), float_arg(r), value(r)]
}

// ---------------------------------------------------------------------------------------------
// Sets.

/// A set member: mostly small integers (intsets), sometimes words or any value (hashtables).
fn set_member(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=4 => r.int(-20, 20).to_string().into_bytes(),
        5 => r
            .pick(&[
                "-0",
                "007",
                "+1",
                " 1",
                "1.0",
                "9223372036854775807",
                "-9223372036854775808",
                "9223372036854775808",
            ])
            .as_bytes()
            .to_vec(),
        6 | 7 => r.pick(&["a", "b", "c", "x"]).as_bytes().to_vec(),
        _ => value(r),
    }
}

fn set_members(r: &mut Rng, lo: usize, hi: usize) -> Vec<Vec<u8>> {
    let n = r.int(lo as i64, hi as i64) as usize;
    (0..n).map(|_| set_member(r)).collect()
}

fn sadd_srem(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=5 => with(c!["SADD", k.hot(r)], set_members(r, 1, 6)),
        6 => {
            // Past set-max-intset-entries (512) in one go: an intset turns into a hashtable.
            let start = r.int(-100, 100);
            let n = r.int(500, 600);
            with(
                c!["SADD", k.hot(r)],
                (start..start + n).map(|i| i.to_string().into_bytes()).collect(),
            )
        }
        7..=9 => with(c!["SREM", k.hot(r)], set_members(r, 1, 6)),
        10 => wrong_arity(r, "SADD", k, 3),
        _ => wrong_arity(r, "SREM", k, 3),
    }
}

fn set_read(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=2 => c!["SISMEMBER", k.hot(r), set_member(r)],
        3 | 4 => with(c!["SMISMEMBER", k.hot(r)], set_members(r, 1, 5)),
        5 | 6 => c!["SCARD", k.hot(r)],
        7..=9 => c!["SMEMBERS", k.hot(r)],
        _ => {
            let (name, good) = *r.pick(&[("SISMEMBER", 3), ("SMISMEMBER", 3), ("SCARD", 2), ("SMEMBERS", 2)]);
            wrong_arity(r, name, k, good)
        }
    }
}

fn set_keys(r: &mut Rng, k: &Keys, lo: usize, hi: usize) -> Vec<Vec<u8>> {
    let n = r.int(lo as i64, hi as i64) as usize;
    (0..n).map(|_| k.hot(r)).collect()
}

fn set_algebra(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]);
    if r.chance(5) {
        return c![name];
    }
    let mut v = c![name];
    if name.ends_with("STORE") {
        v.push(k.hot(r));
    }
    with(v, set_keys(r, k, 1, 4))
}

fn sintercard(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let keys = set_keys(r, k, 1, 3);
    let numkeys: Vec<u8> = match r.below(10) {
        0..=6 => keys.len().to_string().into_bytes(),
        7 => r.pick(&["0", "-1", "abc", "9223372036854775808"]).as_bytes().to_vec(),
        8 => (keys.len() + 1 + r.below(3)).to_string().into_bytes(),
        _ => r.below(keys.len().max(1)).to_string().into_bytes(),
    };
    let mut v = with(c!["SINTERCARD", numkeys], keys);
    for _ in 0..r.below(3) {
        match r.below(6) {
            0..=2 => v.extend(c![r.mixed_case(b"limit"), r.pick(&["0", "1", "2", "5", "-1", "x"])]),
            3 => v.push(r.mixed_case(b"limit")),
            _ => v.push(set_member(r)),
        }
    }
    v
}

fn smove(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => {
            let key = k.hot(r);
            c!["SMOVE", key.clone(), key, set_member(r)]
        }
        9 => wrong_arity(r, "SMOVE", k, 4),
        _ => c!["SMOVE", k.hot(r), k.hot(r), set_member(r)],
    }
}

/// SSCAN from cursor 0 with a COUNT that covers any set here in one call (a hashtable's
/// cursors follow each server's hash function), and the errors.
fn sscan(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=6 => {
            let mut v = c!["SSCAN", k.hot(r), "0"];
            if r.chance(50) {
                v.extend(c![
                    r.mixed_case(b"match"),
                    r.pick(&["*", "1*", "-*", "[a-c]", "?", "*0"])
                ]);
            }
            v.extend(c![r.mixed_case(b"count"), "100000"]);
            v
        }
        7 => c![
            "SSCAN",
            k.hot(r),
            r.pick(&["x", "-", "1.5", " 0", "18446744073709551616"])
        ],
        8 => c![
            "SSCAN",
            k.hot(r),
            "0",
            r.mixed_case(b"count"),
            r.pick(&["0", "-1", "abc"])
        ],
        9 => c![
            "SSCAN",
            k.hot(r),
            "0",
            r.pick_mixed(&["type", "match", "count", "novalue"]),
            "set",
            "x"
        ],
        10 => c!["SSCAN", k.key(r), "0", r.pick_mixed(&["type", "count"])],
        _ => wrong_arity(r, "SSCAN", k, 3),
    }
}

/// SRANDMEMBER anywhere (it changes nothing), SPOP only where what it leaves is certain: no
/// count or a count of 0, all members (a count above any set here), or an error.
fn spop_srandmember(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => c!["SRANDMEMBER", k.hot(r)],
        1..=3 => c!["SRANDMEMBER", k.hot(r), r.int(-8, 8)],
        4 => c![
            "SRANDMEMBER",
            k.hot(r),
            r.pick(&["x", "-9223372036854775808", "9223372036854775808", "1.5"])
        ],
        5 => c!["SRANDMEMBER", k.hot(r), "1", "2"],
        6 | 7 => c!["SPOP", k.hot(r), r.pick(&["0", "100000", "9223372036854775807"])],
        8 => c!["SPOP", k.hot(r), r.pick(&["-1", "x", "1.5", "-9223372036854775808"])],
        _ => c!["SPOP", k.hot(r), "1", r.pick(&["2", "x"])],
    }
}

/// The random commands on sets no other family reads: SADD of members never seen before (so
/// its count is certain), then SPOP / SRANDMEMBER whose replies compare by shape and whose
/// effect shows in SCARD.
fn spop_random(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let key = r.pick(&k.random_sets).clone();
    match r.below(12) {
        0..=3 => {
            let ints = r.chance(60);
            let n = r.int(1, 8);
            let fresh = (0..n)
                .map(|_| {
                    let x = r.u64();
                    if ints {
                        (x as i64).to_string().into_bytes()
                    } else {
                        format!("m{x:x}").into_bytes()
                    }
                })
                .collect();
            with(c!["SADD", key], fresh)
        }
        4 | 5 => c!["SPOP", key],
        6 | 7 => c!["SPOP", key, r.int(0, 10)],
        8 => c!["SRANDMEMBER", key, r.int(-10, 10)],
        9 => c!["SRANDMEMBER", key],
        10 => c!["SCARD", key],
        _ => c!["DEL", key],
    }
}

// ---------------------------------------------------------------------------------------------
// Hashes. At most 11 distinct fields and values of at most 64 bytes (HINCRBYFLOAT results
// included): every hash stays a listpack (hash-max-listpack-entries 128, -value 64).

const HASH_FIELDS: &[&str] = &[
    "f",
    "g",
    "h",
    "1",
    "-5",
    "",
    "field:with:colons",
    "é",
    "a*",
    "9223372036854775807",
];

/// Increments whose sums stay short: no huge exponents (1e400 would make a 401-byte value).
const HASH_FLOATS: &[&str] = &[
    "0",
    "1.5",
    "-0.25",
    "3.0",
    "1e3",
    "1E-3",
    "-1e10",
    "0.1",
    "5.0e3",
    "-0",
    ".5",
    "5.",
    "17",
    "-3",
    "0.000001",
    "3.14159265358979323846",
];

const HASH_BAD_FLOATS: &[&str] = &[
    "", "abc", "inf", "-inf", "+inf", "nan", "-nan", "1e", "1.5x", " 1.5", "1.5 ", "0x1p3", "--1", "1,5",
];

fn hash_field(r: &mut Rng) -> Vec<u8> {
    if r.chance(5) {
        b"bin\x00\xff".to_vec()
    } else {
        r.pick(HASH_FIELDS).as_bytes().to_vec()
    }
}

/// A value that keeps the hash a listpack, and keeps HINCRBYFLOAT results short.
fn hash_value(r: &mut Rng) -> Vec<u8> {
    match r.below(11) {
        0..=2 => r.pick(GOOD_INTS).as_bytes().to_vec(),
        3 => r.pick(BAD_INTS).as_bytes().to_vec(),
        4 => r.pick(HASH_FLOATS).as_bytes().to_vec(),
        5 => r.int(-1000, 1000).to_string().into_bytes(),
        6 => {
            let n = r.below(24);
            r.bytes(n)
        }
        7 => vec![b'v'; r.int(60, 64) as usize],
        // No huge valid float: HINCRBYFLOAT would print it in thousands of digits, turning the
        // hash into a hashtable whose order differs between servers.
        8 => r.pick(&["inf", "nan", "1e4000x", ""]).as_bytes().to_vec(),
        _ => r.pick(WORDS).as_bytes().to_vec(),
    }
}

fn hash_fields(r: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|_| hash_field(r)).collect()
}

fn hset(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&["HSET", "HMSET", "hset", "HmSet"]);
    let mut v = c![name, k.hot(r)];
    for _ in 0..r.int(1, 4) {
        v.push(hash_field(r));
        v.push(hash_value(r));
    }
    match r.below(10) {
        0 => {
            v.pop();
            v
        }
        // Too few arguments (wrong_arity could draw a valid HSET with long values).
        1 => c![name, k.hot(r), hash_field(r)][..r.int(1, 3) as usize].to_vec(),
        _ => v,
    }
}

fn hsetnx(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => wrong_arity(r, "HSETNX", k, 4),
        _ => c!["HSETNX", k.hot(r), hash_field(r), hash_value(r)],
    }
}

fn hget_hmget(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => wrong_arity(r, "HGET", k, 3),
        1..=4 => c!["HGET", k.hot(r), hash_field(r)],
        _ => {
            let mut v = c!["HMGET", k.hot(r)];
            let n = r.below(4);
            v.extend(hash_fields(r, n));
            v
        }
    }
}

fn hdel(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["HDEL", k.hot(r)];
    let n = r.below(4);
    v.extend(hash_fields(r, n));
    v
}

fn hlen_hstrlen_hexists(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0..=2 => c!["HLEN", k.hot(r)],
        3..=5 => c!["HSTRLEN", k.hot(r), hash_field(r)],
        6..=8 => c!["HEXISTS", k.hot(r), hash_field(r)],
        _ => {
            let name = *r.pick(&["HLEN", "HSTRLEN", "HEXISTS"]);
            wrong_arity(r, name, k, if name == "HLEN" { 2 } else { 3 })
        }
    }
}

fn hgetall(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = r.pick_mixed(&["hgetall", "hkeys", "hvals"]);
    if r.chance(8) {
        c![name, k.hot(r), k.hot(r)]
    } else {
        c![name, k.hot(r)]
    }
}

fn hincrby(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => wrong_arity(r, "HINCRBY", k, 4),
        _ => c!["HINCRBY", k.hot(r), hash_field(r), int_arg(r)],
    }
}

fn hincrbyfloat(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let incr = if r.chance(80) {
        r.pick(HASH_FLOATS).as_bytes().to_vec()
    } else {
        r.pick(HASH_BAD_FLOATS).as_bytes().to_vec()
    };
    match r.below(10) {
        0 => wrong_arity(r, "HINCRBYFLOAT", k, 4),
        _ => c!["HINCRBYFLOAT", k.hot(r), hash_field(r), incr],
    }
}

/// Counts that never ask for a huge reply: a huge negative count (repetitions allowed) only
/// where it is refused.
fn hrandfield(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let counts = &[
        "-5",
        "-1",
        "0",
        "1",
        "2",
        "3",
        "10",
        "100",
        "9223372036854775807",
        "-9223372036854775808",
        "x",
        "1.5",
        "",
    ];
    match r.below(10) {
        0 | 1 => c!["HRANDFIELD", k.hot(r)],
        2..=5 => c!["HRANDFIELD", k.hot(r), r.pick(counts)],
        6..=8 => {
            let count = *r.pick(&[
                "-5",
                "-1",
                "0",
                "1",
                "3",
                "10",
                "4611686018427387903",
                "4611686018427387904",
                "-4611686018427387904",
                "-9223372036854775808",
                "x",
            ]);
            c!["HRANDFIELD", k.hot(r), count, r.pick_mixed(&["withvalues"])]
        }
        _ => c![
            "HRANDFIELD",
            k.hot(r),
            "1",
            r.pick_mixed(&["withvalue", "withvalues"]),
            "x"
        ],
    }
}

fn hscan(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let cursor = *r.pick(&[
        "0",
        "0",
        "0",
        "5",
        "abc",
        "-1",
        "18446744073709551615",
        "18446744073709551616",
        "",
    ]);
    let mut v = c!["HSCAN", k.hot(r), cursor];
    for _ in 0..r.below(3) {
        match r.below(8) {
            0..=2 => v.extend(c![
                r.pick_mixed(&["match"]),
                r.pick(&["*", "f*", "?", "[a-g]*", "*:*", "x", "a\\*"])
            ]),
            3..=5 => v.extend(c![
                r.pick_mixed(&["count"]),
                r.pick(&["1", "10", "0", "-1", "x", "1000"])
            ]),
            6 => v.extend(c![r.pick_mixed(&["type"]), "string"]),
            _ => v.push(r.pick_mixed(&["match", "count", "novalues"])),
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Lists. Elements come from a small vocabulary so that LREM, LPOS and LINSERT find them.

fn element(r: &mut Rng) -> Vec<u8> {
    if r.chance(70) {
        r.pick(&["a", "b", "c", "1", "2", "-3", ""]).as_bytes().to_vec()
    } else {
        value(r)
    }
}

fn list_push(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let cmd = r.pick_mixed(&["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]);
    if r.chance(5) {
        return c![cmd, k.hot(r)];
    }
    let mut v = c![cmd, k.hot(r)];
    for _ in 0..1 + r.below(5) {
        v.push(element(r));
    }
    v
}

fn list_pop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let cmd = r.pick_mixed(&["LPOP", "RPOP"]);
    match r.below(10) {
        0..=4 => c![cmd, k.hot(r)],
        5..=7 => c![cmd, k.hot(r), r.int(0, 4)],
        8 => c![cmd, k.hot(r), int_arg(r)],
        _ => c![cmd, k.hot(r), "1", "2"],
    }
}

/// A list index: mostly small, sometimes a boundary or not a number.
fn list_index(r: &mut Rng) -> Vec<u8> {
    if r.chance(80) {
        r.int(-8, 8).to_string().into_bytes()
    } else {
        int_arg(r)
    }
}

fn list_read(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 | 1 => c!["LLEN", k.hot(r)],
        2..=5 => c!["LRANGE", k.hot(r), list_index(r), list_index(r)],
        6..=8 => c!["LINDEX", k.hot(r), list_index(r)],
        _ => {
            let name = *r.pick(&["LLEN", "LRANGE", "LINDEX"]);
            wrong_arity(r, name, k, 3)
        }
    }
}

fn list_edit(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=2 => c!["LSET", k.hot(r), list_index(r), element(r)],
        3..=5 => c![
            "LINSERT",
            k.hot(r),
            r.pick_mixed(&["BEFORE", "AFTER", "AFTER", "MIDDLE"]),
            element(r),
            element(r)
        ],
        6..=8 => c!["LREM", k.hot(r), list_index(r), element(r)],
        9 | 10 => c!["LTRIM", k.hot(r), list_index(r), list_index(r)],
        _ => {
            let name = *r.pick(&["LSET", "LINSERT", "LREM", "LTRIM"]);
            wrong_arity(r, name, k, 4)
        }
    }
}

fn lpos(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["LPOS", k.hot(r), element(r)];
    for _ in 0..r.below(4) {
        match r.below(8) {
            0 | 1 => v.extend(c![r.mixed_case(b"rank"), r.pick(&["1", "2", "-1", "-2", "0", "x"])]),
            2 | 3 => v.extend(c![r.mixed_case(b"count"), r.pick(&["0", "1", "2", "-1", "x"])]),
            4 | 5 => v.extend(c![r.mixed_case(b"maxlen"), r.pick(&["0", "1", "3", "-1", "x"])]),
            6 => v.push(r.pick_mixed(&["rank", "count", "maxlen"])),
            _ => v.push(r.pick(&["FOO", ""]).as_bytes().to_vec()),
        }
    }
    v
}

fn side(r: &mut Rng) -> Vec<u8> {
    if r.chance(95) {
        r.pick_mixed(&["LEFT", "RIGHT"])
    } else {
        r.pick(&["UP", "", "lefty"]).as_bytes().to_vec()
    }
}

fn list_move(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(8) {
        0..=3 => c!["LMOVE", k.hot(r), k.hot(r), side(r), side(r)],
        4..=6 => c!["RPOPLPUSH", k.hot(r), k.hot(r)],
        _ => {
            let name = *r.pick(&["LMOVE", "RPOPLPUSH"]);
            wrong_arity(r, name, k, 3)
        }
    }
}

/// `numkeys key... LEFT|RIGHT [COUNT n]`, valid and not.
fn mpop_args(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let n = 1 + r.below(3);
    let mut v: Vec<Vec<u8>> = Vec::new();
    v.push(match r.below(10) {
        0 => r.pick(&["0", "-1", "x", "9"]).as_bytes().to_vec(),
        _ => n.to_string().into_bytes(),
    });
    for _ in 0..n {
        v.push(k.hot(r));
    }
    v.push(side(r));
    match r.below(6) {
        0 | 1 => v.extend(c![r.mixed_case(b"count"), r.pick(&["1", "2", "5", "0", "-1", "x"])]),
        2 => v.push(r.pick_mixed(&["count", "foo"])),
        3 => v.extend(c!["COUNT", "1", "COUNT", "2"]),
        _ => {}
    }
    v
}

fn lmpop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    with(c!["LMPOP"], mpop_args(r, k))
}

/// A timeout both servers refuse (not a float, negative, or overflowing to negative).
fn bad_timeout(r: &mut Rng) -> Vec<u8> {
    r.pick(&["-1", "-0.5", "abc", "", "nan", "inf", "1e16", " 1", "1x"])
        .as_bytes()
        .to_vec()
}

/// Blocking forms that must answer at once, so only their errors: a generator cannot know
/// whether a key holds a list, and one that blocks would stall the stream (and a tiny
/// timeout would race). Serving, timeouts and wake-ups are tested through the harness in
/// virtual time (core/tests/lists.rs).
fn list_blocking(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 | 1 => c![r.pick_mixed(&["BLPOP", "BRPOP"]), k.hot(r), k.hot(r), bad_timeout(r)],
        2 => c!["BLMOVE", k.hot(r), k.hot(r), side(r), side(r), bad_timeout(r)],
        3 => c!["BLMOVE", k.hot(r), k.hot(r), r.pick(&["UP", "x"]), "LEFT", "0"],
        4 => c!["BRPOPLPUSH", k.hot(r), k.hot(r), bad_timeout(r)],
        5 | 6 => with(c!["BLMPOP", bad_timeout(r)], mpop_args(r, k)),
        7 => c!["BLMPOP", "0", r.pick(&["0", "-1", "x"]), k.hot(r), "LEFT"],
        8 => c!["BLMPOP", "0", "1", k.hot(r), r.pick(&["UP", "x", ""])],
        _ => {
            // Too few arguments only: one more could be a valid command that blocks.
            let (name, min) = *r.pick(&[("BLPOP", 3), ("BLMOVE", 6), ("BRPOPLPUSH", 4), ("BLMPOP", 5)]);
            let mut v = c![name];
            for _ in 1..1 + r.below(min - 1) {
                v.push(k.hot(r));
            }
            v
        }
    }
}

/// CLIENT UNBLOCK of ids nobody holds (ids differ per server), and its errors.
fn client_unblock(r: &mut Rng, _k: &Keys) -> Vec<Vec<u8>> {
    match r.below(5) {
        0 => c!["CLIENT", "UNBLOCK", r.pick(&["999999", "-1", "0"])],
        1 => c!["CLIENT", "UNBLOCK", "999999", r.pick_mixed(&["timeout", "error"])],
        2 => c!["CLIENT", "UNBLOCK", r.pick(&["x", "", "1.5"])],
        3 => c!["CLIENT", "UNBLOCK", "999999", r.pick(&["foo", ""])],
        _ => c!["CLIENT", "UNBLOCK"],
    }
}

/// MULTI/EXEC/DISCARD/WATCH/UNWATCH with their errors (nesting, EXEC or DISCARD alone, WATCH
/// inside MULTI, wrong arity that dooms the transaction).
fn transactions(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(12) {
        0..=2 => c![r.mixed_case(b"MULTI")],
        3..=5 => c![r.mixed_case(b"EXEC")],
        6 => c!["DISCARD"],
        7 | 8 => with(c![r.mixed_case(b"WATCH")], keys_n(r, k, 1, 3)),
        9 => c!["UNWATCH"],
        10 => c![r.pick(&["WATCH", "MULTI", "EXEC", "UNWATCH"]), k.key(r)],
        _ => c!["WATCH"],
    }
}

// ---------------------------------------------------------------------------------------------
// SORT. Patterns read keys of the generator's key set; a constant BY (no sorting) only comes
// with STORE, where Redis sorts a set ALPHA anyway, and BY never with ALPHA, so no reply
// depends on a hash table's order.

fn sort(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let readonly = r.chance(30);
    let mut v = c![if readonly { "SORT_RO" } else { "SORT" }, k.hot(r)];
    let mut store = false;
    for _ in 0..r.below(4) {
        match r.below(9) {
            0 => v.push(r.pick_mixed(&["asc", "desc"])),
            1 => v.push(r.mixed_case(b"alpha")),
            2 => v.extend(c![
                r.mixed_case(b"limit"),
                r.int(-2, 4).to_string(),
                r.int(-2, 4).to_string()
            ]),
            3 => v.extend(c![r.mixed_case(b"by"), *r.pick(&["k*", "{t}*", "*->f", "k*->g"])]),
            4 => v.extend(c![
                r.mixed_case(b"get"),
                *r.pick(&["#", "k*", "{t}*", "nostar", "*->f"])
            ]),
            5 if !readonly => {
                v.extend(c![r.mixed_case(b"store"), k.hot(r)]);
                store = true;
            }
            6 => v.push(r.pick_mixed(&["limit", "bogus", "get"])),
            _ => {}
        }
    }
    if store && r.chance(30) {
        v.extend(c!["BY", "constant"]);
    }
    // ALPHA with BY leaves elements whose weights tie in the source's order, a set's hash
    // order: numeric sorting breaks ties by the elements themselves.
    if v.iter().any(|a| a.eq_ignore_ascii_case(b"by")) {
        v.retain(|a| !a.eq_ignore_ascii_case(b"alpha"));
    }
    v
}
// Sorted sets. Members mostly from a small vocabulary, so sets stay small and meet each other;
// a long member now and then makes a skiplist (whose ZSCAN order is each server's own: masked).

fn zmember(r: &mut Rng) -> Vec<u8> {
    match r.below(12) {
        0..=7 => r.pick(&["a", "b", "c", "d", "e", "f", "aa", "A"]).as_bytes().to_vec(),
        8 => r.int(-5, 5).to_string().into_bytes(),
        9 => vec![b'm'; r.int(60, 70) as usize],
        _ => value(r),
    }
}

/// A score: mostly small, sometimes a float form, infinity, or not a float at all.
fn zscore_arg(r: &mut Rng) -> Vec<u8> {
    match r.below(20) {
        0..=9 => r.int(-5, 5).to_string().into_bytes(),
        10..=12 => r.pick(FLOATS).as_bytes().to_vec(),
        13 => r.pick(&["inf", "-inf", "+inf", "Infinity"]).as_bytes().to_vec(),
        14 => r
            .pick(&["0x10", "1e400", "1e-400", "0e-400", "-0.0"])
            .as_bytes()
            .to_vec(),
        15 => r.pick(BAD_FLOATS).as_bytes().to_vec(),
        _ => float_arg(r),
    }
}

/// A ZRANGEBYSCORE-style bound.
fn zbound(r: &mut Rng) -> Vec<u8> {
    match r.below(12) {
        0..=4 => r.int(-5, 5).to_string().into_bytes(),
        5 | 6 => format!("({}", r.int(-5, 5)).into_bytes(),
        7 => r.pick(&["-inf", "+inf", "(-inf", "(+inf", "inf"]).as_bytes().to_vec(),
        8 => r.pick(&["", "(", " 1", "1e400", "(1.5"]).as_bytes().to_vec(),
        9 => r.pick(&["x", "nan", "((1", "1 ", "[1"]).as_bytes().to_vec(),
        _ => r.pick(FLOATS).as_bytes().to_vec(),
    }
}

/// A lex bound.
fn zlex(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0 | 1 => r.pick(&["-", "+"]).as_bytes().to_vec(),
        2..=4 => [b"[".to_vec(), zmember(r)].concat(),
        5..=7 => [b"(".to_vec(), zmember(r)].concat(),
        _ => r.pick(&["a", "", "[", "(", "--", "++"]).as_bytes().to_vec(),
    }
}

fn zrank_arg(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0..=7 => r.int(-8, 8).to_string().into_bytes(),
        8 => r
            .pick(&["9223372036854775807", "-9223372036854775808"])
            .as_bytes()
            .to_vec(),
        _ => r.pick(&["x", "1.5", ""]).as_bytes().to_vec(),
    }
}

fn zadd(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(5) {
        return wrong_arity(r, "ZADD", k, 4);
    }
    let mut v = c![r.pick_mixed(&["ZADD"]), k.hot(r)];
    for _ in 0..r.below(3) {
        v.push(r.pick_mixed(&["nx", "xx", "gt", "lt", "ch", "incr", "NX", "CH"]));
    }
    let n = if r.chance(80) { 1 + r.below(4) } else { 1 };
    for _ in 0..n {
        v.push(zscore_arg(r));
        v.push(zmember(r));
    }
    if r.chance(5) {
        v.push(zscore_arg(r));
    }
    v
}

fn zincrby(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(10) {
        0 => wrong_arity(r, "ZINCRBY", k, 4),
        _ => c!["ZINCRBY", k.hot(r), zscore_arg(r), zmember(r)],
    }
}

fn zrem(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c![r.pick_mixed(&["ZREM"]), k.hot(r)];
    for _ in 0..r.below(4) {
        v.push(zmember(r));
    }
    v
}

fn zread(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(9) {
        0 => c!["ZCARD", k.hot(r)],
        1 => c!["ZSCORE", k.hot(r), zmember(r)],
        2 => c!["ZMSCORE", k.hot(r), zmember(r), zmember(r)],
        3 => c![r.pick_mixed(&["ZRANK", "ZREVRANK"]), k.hot(r), zmember(r)],
        4 => c!["ZRANK", k.hot(r), zmember(r), r.pick_mixed(&["withscore"])],
        5 => c!["ZCOUNT", k.hot(r), zbound(r), zbound(r)],
        6 | 7 => c!["TYPE", k.hot(r)],
        _ => c!["OBJECT", "ENCODING", k.hot(r)],
    }
}

/// ZRANGE and its older forms, with every option in any order, valid and not.
/// Lex forms (`lex`) go to the lex keys only (see [`Keys::lex_zsets`]).
fn zrange_cmd(r: &mut Rng, k: &Keys, lex: bool) -> Vec<Vec<u8>> {
    let kind = if lex { 2 } else { r.below(2) };
    let (min, max) = match kind {
        0 => (zrank_arg(r), zrank_arg(r)),
        1 => (zbound(r), zbound(r)),
        _ => (zlex(r), zlex(r)),
    };
    let name = match kind {
        0 => *r.pick(&["ZRANGE", "ZREVRANGE", "ZRANGESTORE"]),
        1 => *r.pick(&["ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGESTORE"]),
        _ => *r.pick(&["ZRANGE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZRANGESTORE"]),
    };
    let key = |r: &mut Rng| if lex { r.pick(&k.lex_zsets).clone() } else { k.hot(r) };
    let mut v = c![r.mixed_case(name.as_bytes())];
    if name == "ZRANGESTORE" {
        v.push(key(r));
    }
    v.extend(c![key(r), min, max]);
    for _ in 0..r.below(4) {
        match r.below(8) {
            0 if kind == 1 => v.push(r.pick_mixed(&["byscore"])),
            0 if kind == 2 => v.push(r.pick_mixed(&["bylex"])),
            0 | 1 => v.push(r.pick_mixed(&["rev"])),
            2 | 3 => v.push(r.pick_mixed(&["withscores"])),
            4 | 5 => v.extend(c![
                r.pick_mixed(&["limit"]),
                r.pick(&["0", "1", "-1", "2", "x"]),
                r.pick(&["1", "2", "-1", "0", "x"])
            ]),
            6 => v.push(r.pick_mixed(&["limit", "byscore"])),
            _ => v.push(r.pick(&["foo", ""]).as_bytes().to_vec()),
        }
    }
    v
}

fn zrange(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    zrange_cmd(r, k, false)
}

fn zremrange(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(2) {
        0 => c!["ZREMRANGEBYRANK", k.hot(r), zrank_arg(r), zrank_arg(r)],
        _ => c!["ZREMRANGEBYSCORE", k.hot(r), zbound(r), zbound(r)],
    }
}

/// Lex commands on the lex keys, whose scores are all 0.
fn zset_lex(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let key = r.pick(&k.lex_zsets).clone();
    match r.below(10) {
        0..=2 => {
            let mut v = c!["ZADD", key];
            if r.chance(20) {
                v.push(r.pick_mixed(&["nx", "xx", "ch"]));
            }
            for _ in 0..1 + r.below(4) {
                v.extend(c!["0", zmember(r)]);
            }
            v
        }
        3 | 4 => zrange_cmd(r, k, true),
        5 => c!["ZLEXCOUNT", key, zlex(r), zlex(r)],
        6 => c!["ZREMRANGEBYLEX", key, zlex(r), zlex(r)],
        7 => c!["ZREM", key, zmember(r)],
        8 => c!["ZRANGE", key, "0", "-1"],
        _ => c!["ZCARD", key],
    }
}

fn zpop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c![r.pick_mixed(&["ZPOPMIN", "ZPOPMAX"]), k.hot(r)];
    match r.below(6) {
        0 | 1 => {}
        2 => v.extend(c![r.pick(&["-1", "x", "0"]), "extra"]),
        _ => v.push(r.pick(&["0", "1", "2", "10", "-1", "x"]).as_bytes().to_vec()),
    }
    v
}

/// `numkeys key... MIN|MAX [COUNT n]`, valid and not.
fn zmpop_args(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let n = 1 + r.below(3);
    let mut v: Vec<Vec<u8>> = Vec::new();
    v.push(match r.below(10) {
        0 => r.pick(&["0", "-1", "x", "9"]).as_bytes().to_vec(),
        _ => n.to_string().into_bytes(),
    });
    for _ in 0..n {
        v.push(k.hot(r));
    }
    v.push(if r.chance(95) {
        r.pick_mixed(&["MIN", "MAX"])
    } else {
        r.pick(&["MID", ""]).as_bytes().to_vec()
    });
    match r.below(6) {
        0 | 1 => v.extend(c![r.mixed_case(b"count"), r.pick(&["1", "2", "5", "0", "-1", "x"])]),
        2 => v.push(r.pick_mixed(&["count", "foo"])),
        3 => v.extend(c!["COUNT", "1", "COUNT", "2"]),
        _ => {}
    }
    v
}

fn zmpop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    with(c!["ZMPOP"], zmpop_args(r, k))
}

/// The blocking forms' errors only (see `list_blocking`).
fn zset_blocking(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(6) {
        0 | 1 => c![
            r.pick_mixed(&["BZPOPMIN", "BZPOPMAX"]),
            k.hot(r),
            k.hot(r),
            bad_timeout(r)
        ],
        2 | 3 => with(c!["BZMPOP", bad_timeout(r)], zmpop_args(r, k)),
        4 => c!["BZMPOP", "0", r.pick(&["0", "-1", "x"]), k.hot(r), "MIN"],
        _ => c!["BZMPOP", "0", "1", k.hot(r), r.pick(&["MID", "x", ""])],
    }
}

/// Sorted-set and set sources for the set operations.
fn zsetop(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let name = *r.pick(&[
        "ZUNION",
        "ZINTER",
        "ZDIFF",
        "ZUNIONSTORE",
        "ZINTERSTORE",
        "ZDIFFSTORE",
        "ZINTERCARD",
    ]);
    let store = name.ends_with("STORE");
    let mut v = c![r.mixed_case(name.as_bytes())];
    if store {
        v.push(k.hot(r));
    }
    let n = 1 + r.below(3);
    v.push(match r.below(12) {
        0 => r.pick(&["0", "-1", "x", "9"]).as_bytes().to_vec(),
        _ => n.to_string().into_bytes(),
    });
    for _ in 0..n {
        v.push(k.hot(r));
    }
    for _ in 0..r.below(3) {
        match r.below(6) {
            0 => {
                v.push(r.pick_mixed(&["weights"]));
                for _ in 0..n {
                    v.push(if r.chance(90) {
                        r.pick(&["1", "2", "-1", "0", "0.5", "inf"]).as_bytes().to_vec()
                    } else {
                        zscore_arg(r)
                    });
                }
            }
            1 => v.extend(c![
                r.pick_mixed(&["aggregate"]),
                r.pick_mixed(&["sum", "min", "max", "avg"])
            ]),
            2 => v.push(r.pick_mixed(&["withscores"])),
            3 => v.extend(c![r.pick_mixed(&["limit"]), r.pick(&["0", "1", "2", "-1", "x"])]),
            4 => v.push(r.pick_mixed(&["weights", "aggregate", "limit"])),
            _ => {}
        }
    }
    v
}

/// Sets as sources of the set operations.
fn zsetop_sets(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    c!["SADD", k.hot(r), zmember(r), zmember(r)]
}

fn zrandmember(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["ZRANDMEMBER", k.hot(r)];
    match r.below(6) {
        0 => {}
        1 | 2 => v.push(
            r.pick(&["0", "1", "-3", "3", "100", "x", "-9223372036854775808"])
                .as_bytes()
                .to_vec(),
        ),
        3 | 4 => v.extend(c![
            r.pick(&[
                "0",
                "2",
                "-2",
                "100",
                "x",
                "4611686018427387904",
                "-4611686018427387904"
            ]),
            r.pick_mixed(&["withscores"])
        ]),
        _ => v.extend(c!["1", r.pick(&["foo", "withscores"]), "x"]),
    }
    v
}

/// Whole scans only (cursor 0, COUNT 1000: the order of a skiplist's dict is each server's
/// own, and a partial scan's cursor too), or one bad argument.
fn zscan(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let mut v = c!["ZSCAN", k.hot(r)];
    match r.below(6) {
        0..=2 => v.extend(c!["0", r.pick_mixed(&["count"]), "1000"]),
        3 => v.extend(c![
            "0",
            r.pick_mixed(&["match"]),
            r.pick(&["*", "a*", "?", "[a-c]*", "x"]),
            r.pick_mixed(&["count"]),
            "1000"
        ]),
        4 => v.push(r.pick(&["abc", "18446744073709551616", "1.5", "-"]).as_bytes().to_vec()),
        _ => {
            v.push(b"0".to_vec());
            match r.below(3) {
                0 => v.extend(c![r.pick_mixed(&["count"]), r.pick(&["0", "-1", "x"])]),
                1 => v.push(r.pick_mixed(&["match", "count"])),
                _ => v.extend(c!["foo", "bar"]),
            }
        }
    }
    v
}

/// Redis' own payloads of sorted sets, in each of their encodings.
fn restore_zsets(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let hex = *r.pick(&[
        "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7", // ZADD 1 a 2.5 b
    ]);
    restore_hex(r, k, hex)
}

fn wrongtype_zset_reads(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(4) {
        0 => c!["GET", k.hot(r)],
        1 => c!["LPUSH", k.hot(r), "x"],
        2 => c!["HGET", k.hot(r), "x"],
        _ => c!["SCARD", k.hot(r)],
    }
}

// ---------------------------------------------------------------------------------------------
// Scripting: script bodies that exercise redis.call/pcall, reply conversion both ways, errors
// with their positions, the read-only forms and the database a script selects. Each runs on
// KEYS and ARGV drawn here, so the replies, the propagated effects and the keyspace events of
// both servers must match.

const SCRIPTS: &[&str] = &[
    "return redis.call('set', KEYS[1], ARGV[1])",
    "return redis.call('get', KEYS[1])",
    "return redis.pcall('incr', KEYS[1])",
    "return redis.call('incrbyfloat', KEYS[1], ARGV[1])",
    "redis.call('rpush', KEYS[1], ARGV[1]); return redis.call('lrange', KEYS[1], 0, -1)",
    "return redis.call('hset', KEYS[1], ARGV[1], 'v')",
    "redis.setresp(3); return redis.call('hgetall', KEYS[1])",
    "redis.setresp(3); return {true, false, redis.call('exists', KEYS[1])}",
    "return {true, false, 1.9, -2.5, 'x', {nil, 2}, nil, 3}",
    "return redis.call('type', KEYS[1])",
    "return redis.error_reply(ARGV[1])",
    "return redis.status_reply(ARGV[1])",
    "return redis.call('nosuch')",
    "return undefined_global",
    "undefined_global = 1",
    "return redis.call('get')",
    "return redis.pcall('lpush', KEYS[1])",
    "return pcall(redis.call, 'incr', KEYS[1])",
    "return {double = tonumber(ARGV[1]) or 0}",
    "redis.call('select', '2'); return redis.call('set', KEYS[1], 'db2')",
    "redis.call('del', KEYS[1]); redis.call('sadd', KEYS[1], ARGV[1]); return redis.call('smembers', KEYS[1])",
    "return #KEYS + #ARGV",
    "\nerror('failed: ' .. tostring(ARGV[1]))",
    "error({err = 'CUSTOM ' .. tostring(ARGV[1])})",
    "return tostring(math.random(1000))",
    "redis.set_repl(redis.REPL_NONE); return redis.call('set', KEYS[1], 'unpropagated')",
    "return redis.call('expire', KEYS[1], ARGV[1])",
    "return redis.call('blpop', KEYS[1], 0)",
    "return redis.call('lpop', KEYS[1])",
    "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
    "#!lua flags=no-writes\nreturn redis.call('del', KEYS[1])",
    "#!lua\nreturn redis.call('append', KEYS[1], ARGV[1])",
    "#!lua flags=bogus\nreturn 1",
    "return x +",
];

const SCRIPT_ARGS: &[&str] = &[
    "1",
    "x",
    "-ERR custom",
    "3.5",
    "",
    "OK",
    "-7",
    "1e3",
    "WRONGTYPE is here",
];

fn eval(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    if r.chance(3) {
        return c![r.pick_mixed(&["script"]), r.pick_mixed(&["flush"])];
    }
    let body = *r.pick(SCRIPTS);
    if r.chance(5) {
        let sha = script_sha1(body.as_bytes());
        return c!["SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000"];
    }
    let (name, script) = match r.below(4) {
        0 => ("EVALSHA", script_sha1(body.as_bytes()).into_bytes()),
        1 => ("EVAL_RO", body.as_bytes().to_vec()),
        2 => ("EVALSHA_RO", script_sha1(body.as_bytes()).into_bytes()),
        _ => ("EVAL", body.as_bytes().to_vec()),
    };
    let mut v = c![r.pick_mixed(&[name]), script];
    match r.below(12) {
        0 => v.push(r.pick(&["x", "-1", "9"]).as_bytes().to_vec()),
        1 => v.push(b"0".to_vec()),
        _ => {
            v.push(b"1".to_vec());
            v.push(k.hot(r));
        }
    }
    v.push(r.pick(SCRIPT_ARGS).as_bytes().to_vec());
    v
}

/// The SHA1 Redis names a script by (lowercase hex).
fn script_sha1(body: &[u8]) -> String {
    sha1_smol::Sha1::from(body).digest().to_string()
}

const LIBRARY: &str = "#!lua name=difflib\n\
redis.register_function('dset', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n\
redis.register_function{function_name='dget', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n\
redis.register_function('dfail', function(keys, args) return redis.call('incr', keys[1]) end)";

fn fcall(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    match r.below(20) {
        0 => return c!["FUNCTION", "FLUSH"],
        1..=3 => return c!["FUNCTION", "LOAD", "REPLACE", LIBRARY],
        4 => return c!["FUNCTION", "LOAD", LIBRARY],
        5 => return c!["FUNCTION", "STATS"],
        _ => {}
    }
    let f = *r.pick(&["dset", "dget", "dfail", "nofunc"]);
    let name = if r.chance(30) { "FCALL_RO" } else { "FCALL" };
    c![
        r.pick_mixed(&[name]),
        f,
        "1",
        k.hot(r),
        r.pick(SCRIPT_ARGS).as_bytes().to_vec()
    ]
}

// ---------------------------------------------------------------------------------------------
// Streams.

/// A stream ID argument: mostly small explicit IDs (so entries collide and order matters),
/// sometimes the special forms and malformed ones.
fn stream_id(r: &mut Rng) -> String {
    match r.below(20) {
        0 => "-".into(),
        1 => "+".into(),
        2 => "$".into(),
        3 => ">".into(),
        4 => "0".into(),
        5 => format!("{}-*", r.int(0, 9)),
        6 => (*r.pick(&["bad", "1-x", "-1", "1-2-3", ""])).into(),
        7 => format!("({}-{}", r.int(0, 9), r.int(0, 3)),
        8 => "18446744073709551615-18446744073709551615".into(),
        9 => format!("{}", r.int(0, 9)),
        _ => format!("{}-{}", r.int(0, 9), r.int(0, 3)),
    }
}

fn stream_fields(r: &mut Rng, v: &mut Vec<Vec<u8>>) {
    for _ in 0..r.int(1, 3) {
        v.push(r.pick(&["f", "g", "h", "12"]).as_bytes().to_vec());
        v.push(if r.chance(30) {
            value(r)
        } else {
            r.int(-5, 300).to_string().into_bytes()
        });
    }
}

/// `MAXLEN|MINID [=|~] threshold [LIMIT n]`, sometimes malformed.
fn stream_trim(r: &mut Rng, v: &mut Vec<Vec<u8>>) {
    let maxlen = r.chance(60);
    v.push(if maxlen { b"MAXLEN".to_vec() } else { b"MINID".to_vec() });
    let approx = r.chance(30);
    if approx {
        v.push(b"~".to_vec());
    } else if r.chance(20) {
        v.push(b"=".to_vec());
    }
    v.push(if maxlen {
        r.int(-1, 6).to_string().into_bytes()
    } else {
        stream_id(r).into_bytes()
    });
    if r.chance(15) {
        v.push(b"LIMIT".to_vec());
        v.push(r.int(-1, 3).to_string().into_bytes());
    }
}

fn stream_group(r: &mut Rng) -> &'static str {
    ["g", "g", "h", "nog"][r.below(4)]
}

fn stream_consumer(r: &mut Rng) -> &'static str {
    ["alice", "bob", "carol"][r.below(3)]
}

fn streams(r: &mut Rng, k: &Keys) -> Vec<Vec<u8>> {
    let key = k.hot(r);
    match r.below(22) {
        0..=4 => {
            let mut v = c!["XADD", key];
            if r.chance(10) {
                v.push(b"NOMKSTREAM".to_vec());
            }
            if r.chance(25) {
                stream_trim(r, &mut v);
            }
            v.push(stream_id(r).into_bytes());
            stream_fields(r, &mut v);
            if r.chance(5) {
                v.pop();
            }
            v
        }
        5 | 6 => {
            let name = if r.chance(50) { "XRANGE" } else { "XREVRANGE" };
            let mut v = c![name, key, stream_id(r), stream_id(r)];
            if r.chance(40) {
                v.push(b"COUNT".to_vec());
                v.push(r.int(-1, 4).to_string().into_bytes());
            }
            v
        }
        7 => c!["XLEN", key],
        8 => {
            let mut v = c!["XDEL", key];
            for _ in 0..r.int(1, 3) {
                v.push(stream_id(r).into_bytes());
            }
            v
        }
        9 => {
            let mut v = c!["XTRIM", key];
            stream_trim(r, &mut v);
            v
        }
        10 => {
            let mut v = c!["XGROUP", "CREATE", key, stream_group(r), stream_id(r)];
            if r.chance(40) {
                v.push(b"MKSTREAM".to_vec());
            }
            if r.chance(20) {
                v.push(b"ENTRIESREAD".to_vec());
                v.push(r.int(-2, 5).to_string().into_bytes());
            }
            v
        }
        11 => match r.below(4) {
            0 => c!["XGROUP", "SETID", key, stream_group(r), stream_id(r)],
            1 => c!["XGROUP", "DESTROY", key, stream_group(r)],
            2 => c!["XGROUP", "CREATECONSUMER", key, stream_group(r), stream_consumer(r)],
            _ => c!["XGROUP", "DELCONSUMER", key, stream_group(r), stream_consumer(r)],
        },
        12..=14 => {
            let mut v = c!["XREADGROUP", "GROUP", stream_group(r), stream_consumer(r)];
            if r.chance(40) {
                v.push(b"COUNT".to_vec());
                v.push(r.int(0, 3).to_string().into_bytes());
            }
            if r.chance(20) {
                v.push(b"NOACK".to_vec());
            }
            v.push(b"STREAMS".to_vec());
            v.push(key);
            v.push(if r.chance(70) {
                b">".to_vec()
            } else {
                stream_id(r).into_bytes()
            });
            v
        }
        15 => {
            let mut v = c!["XREAD"];
            if r.chance(40) {
                v.push(b"COUNT".to_vec());
                v.push(r.int(0, 3).to_string().into_bytes());
            }
            v.push(b"STREAMS".to_vec());
            v.push(key);
            v.push(stream_id(r).into_bytes());
            v
        }
        16 => {
            let mut v = c!["XACK", key, stream_group(r)];
            for _ in 0..r.int(1, 3) {
                v.push(stream_id(r).into_bytes());
            }
            v
        }
        17 => c!["XPENDING", key, stream_group(r)],
        18 => {
            let mut v = c!["XCLAIM", key, stream_group(r), stream_consumer(r), "0"];
            for _ in 0..r.int(1, 3) {
                v.push(stream_id(r).into_bytes());
            }
            v.push(b"JUSTID".to_vec());
            if r.chance(30) {
                v.push(b"FORCE".to_vec());
            }
            if r.chance(20) {
                v.push(b"LASTID".to_vec());
                v.push(stream_id(r).into_bytes());
            }
            if r.chance(20) {
                v.push(b"RETRYCOUNT".to_vec());
                v.push(r.int(0, 5).to_string().into_bytes());
            }
            v
        }
        19 => {
            let mut v = c![
                "XAUTOCLAIM",
                key,
                stream_group(r),
                stream_consumer(r),
                "0",
                stream_id(r)
            ];
            if r.chance(40) {
                v.push(b"COUNT".to_vec());
                v.push(r.int(0, 3).to_string().into_bytes());
            }
            if r.chance(70) {
                v.push(b"JUSTID".to_vec());
            }
            v
        }
        20 => match r.below(3) {
            0 => c!["XINFO", "GROUPS", key],
            1 => c!["XINFO", "STREAM", key],
            _ => c!["XSETID", key, stream_id(r)],
        },
        _ => c!["XADD", key, format!("{}-{}", r.int(10, 99), r.int(0, 3)), "f", "v"],
    }
}
