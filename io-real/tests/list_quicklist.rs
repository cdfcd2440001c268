//! Lists are quicklists split into nodes exactly as Redis 7.0 splits them: the same commands
//! sent to a real redis-server 7.0 and to ferrous leave byte-identical DUMP payloads (one
//! RDB_TYPE_LIST_QUICKLIST_2 node per quicklist node, each listpack's bytes as held) and the
//! same DEBUG OBJECT quicklist figures, under several `list-max-listpack-size` settings, with
//! plain nodes (DEBUG QUICKLIST-PACKED-THRESHOLD), after DEBUG RELOAD and after RESTORE.

mod diff;

use diff::{command_text, escape_short, Conn, Outcome, Rng, Server};

/// Both servers, their connections, and the commands sent so far (for failure reports).
struct Pair {
    redis: Conn,
    ferrous: Conn,
    sent: usize,
    _servers: (Server, Server),
}

impl Pair {
    fn start() -> Option<Pair> {
        if !diff::oracle_available() {
            return None;
        }
        let redis = Server::redis("redis-server");
        let ferrous = Server::ferrous();
        Some(Pair {
            redis: Conn::connect(redis.port).expect("connect to redis-server"),
            ferrous: Conn::connect(ferrous.port).expect("connect to ferrous"),
            sent: 0,
            _servers: (redis, ferrous),
        })
    }

    /// Sends `args` to both; the replies must be the same. Returns the reply.
    fn both(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.sent += 1;
        let want = self.redis.call(args);
        let got = self.ferrous.call(args);
        let Outcome::Reply(w) = &want else {
            panic!("redis-server: {} -> {}", command_text(args), want.describe())
        };
        assert!(
            got == want,
            "command #{}: {}\n redis-server: {}\n      ferrous: {}",
            self.sent,
            escape_short(&command_text(args).into_bytes(), 200),
            escape_short(w, 300),
            match &got {
                Outcome::Reply(g) => escape_short(g, 300),
                other => other.describe(),
            }
        );
        w.clone()
    }

    fn run(&mut self, words: &[&str]) -> Vec<u8> {
        let args: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        self.both(&args)
    }

    /// DUMP `key` on both: byte for byte the same payload (and, for a list, the same node
    /// figures in DEBUG OBJECT). Returns the payload reply.
    fn same_list(&mut self, key: &str, when: &str) -> Vec<u8> {
        let args = vec![b"DUMP".to_vec(), key.as_bytes().to_vec()];
        let want = self.redis.call(&args);
        let got = self.ferrous.call(&args);
        assert!(
            got == want,
            "{when}: DUMP {key} differs\n redis-server: {}\n      ferrous: {}",
            escape_short(&reply_bytes(&want), 600),
            escape_short(&reply_bytes(&got), 600),
        );
        let obj = |c: &mut Conn| {
            let r = reply_bytes(&c.call(&[b"DEBUG".to_vec(), b"OBJECT".to_vec(), key.as_bytes().to_vec()]));
            let line = String::from_utf8_lossy(&r).into_owned();
            // The address, refcount, LRU clock and idle time are each server's own.
            line.split(' ')
                .filter(|f| f.starts_with("serializedlength:") || f.starts_with("ql_") || f.starts_with("encoding:"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (w, g) = (obj(&mut self.redis), obj(&mut self.ferrous));
        assert_eq!(g, w, "{when}: DEBUG OBJECT {key} differs (ferrous, redis-server)");
        reply_bytes(&want)
    }
}

fn reply_bytes(o: &Outcome) -> Vec<u8> {
    match o {
        Outcome::Reply(b) => b.clone(),
        other => other.describe().into_bytes(),
    }
}

fn cmd(name: &str, key: &str, rest: impl IntoIterator<Item = Vec<u8>>) -> Vec<Vec<u8>> {
    let mut v = vec![name.as_bytes().to_vec(), key.as_bytes().to_vec()];
    v.extend(rest);
    v
}

/// Element `i` of the build sequences: mostly short strings of varying length, some integers
/// (a listpack stores those in 1 to 9 bytes), now and then a longer string.
fn element(i: usize) -> Vec<u8> {
    match i % 11 {
        0 => (i as i64 * 7919 - 40_000).to_string().into_bytes(),
        3 => (i as i64 * 1_000_003).to_string().into_bytes(),
        7 => format!("long-{i}-{}", "y".repeat(i % 300)).into_bytes(),
        _ => format!("e{i}{}", "x".repeat(i % 23)).into_bytes(),
    }
}

/// The settings of `list-max-listpack-size` the scenarios run under: sizes (the default 8 KiB,
/// 4 KiB, 64 KiB) and element counts (4, 1, and 0, where every node holds one element).
const FILLS: [&str; 6] = ["-2", "4", "-1", "-5", "1", "0"];

fn push_many(p: &mut Pair, push: &str, key: &str, n: usize) {
    let all: Vec<Vec<u8>> = (0..n).map(element).collect();
    for chunk in all.chunks(97) {
        p.both(&cmd(push, key, chunk.to_vec()));
    }
}

#[test]
fn lists_built_by_the_same_commands_dump_as_redis_does() {
    let Some(mut p) = Pair::start() else { return };
    for fill in FILLS {
        let when = |what: &str| format!("list-max-listpack-size {fill}, {what}");
        p.run(&["CONFIG", "SET", "list-max-listpack-size", fill]);
        p.run(&["FLUSHALL"]);

        push_many(&mut p, "RPUSH", "r", 3000);
        p.same_list("r", &when("RPUSH"));
        push_many(&mut p, "LPUSH", "l", 3000);
        p.same_list("l", &when("LPUSH"));

        // LINSERT around pivots all over a list of full nodes: nodes split, neighbours merge.
        push_many(&mut p, "RPUSH", "i", 800);
        for j in 0..400usize {
            let pivot = element((j * 37) % 800);
            let side = if j % 2 == 0 { "BEFORE" } else { "AFTER" };
            let v = format!("ins{j}{}", "z".repeat(j % 41)).into_bytes();
            p.both(&cmd("LINSERT", "i", [side.as_bytes().to_vec(), pivot, v]));
            if j % 50 == 0 {
                p.same_list("i", &when(&format!("LINSERT #{j}")));
            }
        }
        p.same_list("i", &when("LINSERT"));

        // LSET in place, and with values that grow a node past its limit.
        for j in 0..200usize {
            let idx = ((j * 131) % 3000) as i64 - 1500;
            let v = format!("set{j}{}", "w".repeat(j % 97)).into_bytes();
            p.both(&cmd("LSET", "r", [idx.to_string().into_bytes(), v]));
        }
        p.same_list("r", &when("LSET"));

        // LREM from either end, LTRIM, pops with a count, LMOVE between lists.
        for (count, v) in [(0, 5usize), (3, 14), (-4, 25), (0, 36), (-1, 47)] {
            for _ in 0..3 {
                p.both(&cmd("RPUSH", "l", [element(v)]));
            }
            p.both(&cmd("LREM", "l", [count.to_string().into_bytes(), element(v)]));
        }
        p.same_list("l", &when("LREM"));
        p.run(&["LTRIM", "l", "333", "-444"]);
        p.same_list("l", &when("LTRIM"));
        p.run(&["LPOP", "l", "123"]);
        p.run(&["RPOP", "l", "77"]);
        p.same_list("l", &when("LPOP/RPOP count"));
        for j in 0..300 {
            let (from, to) = [("LEFT", "RIGHT"), ("RIGHT", "LEFT"), ("LEFT", "LEFT")][j % 3];
            p.run(&["LMOVE", "l", "m", from, to]);
        }
        p.same_list("l", &when("LMOVE source"));
        p.same_list("m", &when("LMOVE destination"));

        // Loading keeps each node as it was saved.
        p.run(&["DEBUG", "RELOAD"]);
        for key in ["r", "l", "i", "m"] {
            p.same_list(key, &when(&format!("DEBUG RELOAD of {key}")));
        }
        p.run(&["RPUSH", "r", "after-reload"]);
        p.run(&["LINSERT", "r", "BEFORE", "after-reload", "before-it"]);
        p.same_list("r", &when("a push after DEBUG RELOAD"));
    }
}

/// Elements of at least DEBUG QUICKLIST-PACKED-THRESHOLD bytes get PLAIN nodes: pushed at
/// either end, inserted next to a pivot (splitting its node), set over a listpack element or a
/// plain one, and set small over a plain one.
#[test]
fn plain_nodes_dump_as_redis_does() {
    let Some(mut p) = Pair::start() else { return };
    for fill in ["-2", "4"] {
        let when = |what: &str| format!("list-max-listpack-size {fill}, {what}");
        p.run(&["CONFIG", "SET", "list-max-listpack-size", fill]);
        p.run(&["FLUSHALL"]);
        p.run(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "200b"]);
        let big = |j: usize| format!("big{j}{}", "B".repeat(200 + j % 50)).into_bytes();
        push_many(&mut p, "RPUSH", "k", 400);
        p.same_list("k", &when("RPUSH with some large elements"));
        for j in 0..40usize {
            p.both(&cmd("RPUSH", "k", [big(j)]));
            p.both(&cmd("LPUSH", "k", [big(j + 1)]));
            let idx = ((j * 53) % 400) as i64;
            // Large over a listpack element (or a plain one), then small over a plain one.
            p.both(&cmd("LSET", "k", [idx.to_string().into_bytes(), big(j + 2)]));
            p.both(&cmd("LSET", "k", [(idx + 1).to_string().into_bytes(), big(j + 3)]));
            p.both(&cmd(
                "LSET",
                "k",
                [idx.to_string().into_bytes(), format!("small{j}").into_bytes()],
            ));
            let pivot = element((j * 17) % 400);
            let side: &[u8] = if j % 2 == 0 { b"AFTER" } else { b"BEFORE" };
            p.both(&cmd("LINSERT", "k", [side.to_vec(), pivot, big(j + 4)]));
            p.both(&cmd(
                "LINSERT",
                "k",
                [side.to_vec(), big(j + 1), b"next-to-plain".to_vec()],
            ));
            if j % 8 == 0 {
                p.same_list("k", &when(&format!("round {j}")));
            }
        }
        p.same_list("k", &when("plain nodes"));
        p.run(&["LREM", "k", "0", "next-to-plain"]);
        p.both(&cmd("LREM", "k", [b"-2".to_vec(), big(5)]));
        p.run(&["LTRIM", "k", "3", "-5"]);
        p.same_list("k", &when("LREM/LTRIM over plain nodes"));
        p.run(&["DEBUG", "RELOAD"]);
        p.same_list("k", &when("DEBUG RELOAD"));
        p.run(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"]);
        p.same_list("k", &when("the threshold back to its default"));
    }
}

/// What Redis dumps, ferrous restores into the same nodes (and dumps back byte for byte), and
/// both go on from there alike.
#[test]
fn restored_lists_keep_their_nodes() {
    let Some(mut p) = Pair::start() else { return };
    p.run(&["CONFIG", "SET", "list-max-listpack-size", "4"]);
    push_many(&mut p, "RPUSH", "src", 500);
    let payload = match diff::Reply::parse(&p.same_list("src", "source")) {
        Ok(diff::Reply::Blob(_, Some(b))) => b,
        other => panic!("DUMP: {other:?}"),
    };
    // Restored under another fill: the nodes stay as they came.
    p.run(&["CONFIG", "SET", "list-max-listpack-size", "-2"]);
    p.both(&[b"RESTORE".to_vec(), b"dst".to_vec(), b"0".to_vec(), payload]);
    p.same_list("dst", "restored");
    p.run(&["RPUSH", "dst", "more"]);
    p.both(&cmd(
        "LINSERT",
        "dst",
        [b"BEFORE".to_vec(), element(200), b"inserted".to_vec()],
    ));
    p.same_list("dst", "written after RESTORE");
}

/// Random list commands on a few keys, with the fill and the packed threshold changing now and
/// then: every reply and every DUMP the same on both servers.
#[test]
fn random_list_commands_leave_the_same_nodes() {
    let Some(mut p) = Pair::start() else { return };
    let seeds: u64 = std::env::var("FERROUS_LIST_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    for seed in 0..seeds {
        let mut r = Rng::new(seed);
        p.run(&["FLUSHALL"]);
        let keys = ["a", "b", "c"];
        let value = |r: &mut Rng| -> Vec<u8> {
            match r.below(10) {
                0..=3 => r
                    .pick(&["1", "2", "-7", "300", "70000", "x", "y", "z"])
                    .as_bytes()
                    .to_vec(),
                4..=6 => format!("v{}", r.below(50)).into_bytes(),
                7 | 8 => vec![b'p' + (r.below(3) as u8); r.below(120)],
                _ => vec![b'L' + (r.below(2) as u8); 60 + r.below(400)],
            }
        };
        for step in 0..1500 {
            let key = r.pick(&keys).to_string();
            let args: Vec<Vec<u8>> = match r.below(100) {
                0..=1 => {
                    let fill = *r.pick(&["-2", "-1", "1", "2", "3", "5", "0"]);
                    cmd(
                        "CONFIG",
                        "SET",
                        [b"list-max-listpack-size".to_vec(), fill.as_bytes().to_vec()],
                    )
                }
                2 => {
                    let t = *r.pick(&["0", "100b", "300b"]);
                    cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", [t.as_bytes().to_vec()])
                }
                3..=27 => {
                    let n = 1 + r.below(8);
                    let push = if r.chance(50) { "LPUSH" } else { "RPUSH" };
                    cmd(push, &key, (0..n).map(|_| value(&mut r)).collect::<Vec<_>>())
                }
                28..=37 => {
                    let pop = if r.chance(50) { "LPOP" } else { "RPOP" };
                    cmd(pop, &key, [r.int(1, 4).to_string().into_bytes()])
                }
                38..=57 => {
                    let side: &[u8] = if r.chance(50) { b"BEFORE" } else { b"AFTER" };
                    cmd("LINSERT", &key, [side.to_vec(), value(&mut r), value(&mut r)])
                }
                58..=72 => cmd("LSET", &key, [r.int(-30, 30).to_string().into_bytes(), value(&mut r)]),
                73..=80 => cmd("LREM", &key, [r.int(-2, 2).to_string().into_bytes(), value(&mut r)]),
                81..=84 => cmd(
                    "LTRIM",
                    &key,
                    [
                        r.int(-5, 5).to_string().into_bytes(),
                        r.int(-5, 60).to_string().into_bytes(),
                    ],
                ),
                85..=92 => {
                    let other = r.pick(&keys).as_bytes().to_vec();
                    let end = |r: &mut Rng| {
                        if r.chance(50) {
                            b"LEFT".to_vec()
                        } else {
                            b"RIGHT".to_vec()
                        }
                    };
                    let (from, to) = (end(&mut r), end(&mut r));
                    cmd("LMOVE", &key, [other, from, to])
                }
                93..=95 => cmd("LRANGE", &key, [b"0".to_vec(), b"-1".to_vec()]),
                96 => cmd("LINDEX", &key, [r.int(-40, 40).to_string().into_bytes()]),
                97 => cmd("LPOS", &key, [value(&mut r), b"COUNT".to_vec(), b"0".to_vec()]),
                _ => vec![b"DEBUG".to_vec(), b"RELOAD".to_vec()],
            };
            p.both(&args);
            for k in keys {
                p.same_list(k, &format!("seed {seed} step {step} after {}", command_text(&args)));
            }
        }
        p.run(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"]);
        p.run(&["CONFIG", "SET", "list-max-listpack-size", "-2"]);
    }
}
