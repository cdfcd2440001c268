//! What the writers of a replication run send the master: random writes over a small key
//! space, one type per key prefix (so no write fails on a wrong type), with short TTLs so that
//! keys expire on the master while the run goes on and their DELs must reach the replicas.
//! Random commands (SPOP), relative TTLs and commands whose effect is propagated instead
//! (GETEX, GETDEL) are in on purpose: a replica only converges if the master propagates what
//! they did, not what they were asked. FLUSHDB and SWAPDB, now and then, move whole
//! databases under the stream's SELECTs.

use ferrous_io_sim::SimRng;

pub type Argv = Vec<Vec<u8>>;

/// Key prefixes, one per type; `cnt` holds integers for INCR.
const PREFIXES: [&str; 6] = ["str", "cnt", "list", "hash", "set", "zset"];

/// Scripts that write two keys: KEYS[1] a string, KEYS[2] a list, then a hash and a set.
const SCRIPTS: [&str; 2] = [
    "redis.call('SET', KEYS[1], ARGV[1])\nredis.call('RPUSH', KEYS[2], ARGV[1])\nreturn 1",
    "redis.call('HINCRBY', KEYS[1], 'n', 1)\nreturn redis.call('SADD', KEYS[2], ARGV[1])",
];

/// The writers' key space: `keys` slots per prefix, in `dbs` databases.
#[derive(Clone, Copy, Debug)]
pub struct KeySpace {
    pub keys: u32,
    pub dbs: u32,
}

/// What one pipelined batch holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Single,
    Select,
    Multi,
    Script,
}

/// Draws one batch: a SELECT, one write, a MULTI/EXEC block of writes, or an EVAL.
pub fn batch(rng: &mut SimRng, space: KeySpace) -> (Shape, Vec<Argv>) {
    match rng.weighted(&[14, 2, 2, 2]) {
        0 => (Shape::Single, vec![write(rng, space)]),
        1 => (
            Shape::Select,
            vec![argv(&["SELECT", &rng.below(u64::from(space.dbs)).to_string()])],
        ),
        2 => {
            let mut block = vec![argv(&["MULTI"])];
            for _ in 0..rng.between(1, 4) {
                block.push(write(rng, space));
            }
            block.push(argv(&["EXEC"]));
            (Shape::Multi, block)
        }
        _ => (Shape::Script, vec![script(rng, space)]),
    }
}

fn script(rng: &mut SimRng, space: KeySpace) -> Argv {
    let which = rng.index(SCRIPTS.len());
    let (first, second) = [("str", "list"), ("hash", "set")][which];
    let (k1, k2) = (key(rng, space, first), key(rng, space, second));
    let value = value(rng);
    argv(&["EVAL", SCRIPTS[which], "2", &k1, &k2, &value])
}

/// One write command.
fn write(rng: &mut SimRng, space: KeySpace) -> Argv {
    let k = |rng: &mut SimRng, prefix| key(rng, space, prefix);
    let v = value(rng);
    let member = format!("m{}", rng.below(6));
    let secs = rng.between(1, 3).to_string();
    let ms = rng.between(50, 2_000).to_string();
    match rng.below(28) {
        0 | 1 => argv(&["SET", &k(rng, "str"), &v]),
        2 => argv(&["SET", &k(rng, "str"), &v, "EX", &secs]),
        3 => argv(&["SET", &k(rng, "str"), &v, "PX", &ms]),
        4 => argv(&["APPEND", &k(rng, "str"), &v]),
        5 | 6 => argv(&["INCR", &k(rng, "cnt")]),
        7 => argv(&["RPUSH", &k(rng, "list"), &v, &member]),
        8 => argv(&["LPUSH", &k(rng, "list"), &v]),
        9 => argv(&["LPOP", &k(rng, "list")]),
        10 => argv(&["HSET", &k(rng, "hash"), &member, &v]),
        11 => argv(&["HDEL", &k(rng, "hash"), &member]),
        12 => argv(&["HINCRBY", &k(rng, "hash"), "n", &rng.between(1, 9).to_string()]),
        13 => argv(&["SADD", &k(rng, "set"), &member, &v]),
        14 => argv(&["SREM", &k(rng, "set"), &member]),
        15 => argv(&["SPOP", &k(rng, "set")]),
        16 => argv(&["ZADD", &k(rng, "zset"), &rng.below(100).to_string(), &member]),
        17 => argv(&["ZINCRBY", &k(rng, "zset"), "1.5", &member]),
        18 => argv(&["ZPOPMIN", &k(rng, "zset")]),
        19 => argv(&["DEL", &any_key(rng, space)]),
        20 => argv(&["EXPIRE", &any_key(rng, space), &secs]),
        21 => argv(&["PEXPIRE", &any_key(rng, space), &ms]),
        22 => argv(&["GETEX", &k(rng, "str"), "PX", &ms]),
        23 => argv(&["GETDEL", &k(rng, "str")]),
        24 => argv(&["LMOVE", &k(rng, "list"), &k(rng, "list"), "LEFT", "RIGHT"]),
        25 => argv(&["SMOVE", &k(rng, "set"), &k(rng, "set"), &member]),
        26 => argv(&["SINTERSTORE", &k(rng, "set"), &k(rng, "set"), &k(rng, "set")]),
        // Rarer, as they touch whole databases: a few times a run.
        _ => match rng.below(20) {
            0 => argv(&["FLUSHDB"]),
            1..=3 => {
                let db = |rng: &mut SimRng| rng.below(u64::from(space.dbs)).to_string();
                argv(&["SWAPDB", &db(rng), &db(rng)])
            }
            _ => argv(&["ZREM", &k(rng, "zset"), &member]),
        },
    }
}

fn key(rng: &mut SimRng, space: KeySpace, prefix: &str) -> String {
    format!("{prefix}:{}", rng.below(u64::from(space.keys)))
}

/// Every key the writers may write, in one database.
pub fn all_keys(space: KeySpace) -> Vec<String> {
    PREFIXES
        .iter()
        .flat_map(|p| (0..space.keys).map(move |i| format!("{p}:{i}")))
        .collect()
}

fn any_key(rng: &mut SimRng, space: KeySpace) -> String {
    let prefix = *rng.pick(&PREFIXES);
    key(rng, space, prefix)
}

fn value(rng: &mut SimRng) -> String {
    format!("v{}", rng.below(1_000))
}

pub fn argv(words: &[&str]) -> Argv {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}
