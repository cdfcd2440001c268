//! Sorted-set commands: ZADD with its options, increments, removals, reads by member, rank and
//! score, ZRANGE in all its forms, pops, range removals and ZUNIONSTORE/ZINTERSTORE over one or
//! two keys, with valid and invalid scores and ranges. Keys are the shared ones (so sorted sets
//! meet strings, lists, hashes and sets) and now and then a sorted-set queue.

use ferrous_io_sim::SimRng;

use super::{cased, member, Args, Workload};

/// The commands and how often each is sent.
const COMMANDS: &[(&str, u32)] = &[
    ("zadd", 3),
    ("zrange", 3),
    ("zincrby", 1),
    ("zrem", 1),
    ("zcard", 1),
    ("zscore", 1),
    ("zmscore", 1),
    ("zrank", 1),
    ("zrevrank", 1),
    ("zcount", 1),
    ("zpopmin", 1),
    ("zpopmax", 1),
    ("zremrangebyrank", 1),
    ("zremrangebyscore", 1),
    ("zunionstore", 1),
    ("zinterstore", 1),
];

impl Workload {
    /// A key for a sorted-set command.
    fn zkey(&self, rng: &mut SimRng) -> Vec<u8> {
        if rng.chance(0.25) {
            rng.pick(&self.zset_queues).clone()
        } else {
            self.key(rng)
        }
    }

    pub(super) fn zset(&self, rng: &mut SimRng) -> Args {
        let weights: Vec<u32> = COMMANDS.iter().map(|&(_, w)| w).collect();
        let name = COMMANDS[rng.weighted(&weights)].0;
        let mut args = vec![cased(rng, name), self.zkey(rng)];
        match name {
            "zadd" => zadd_args(rng, &mut args),
            "zincrby" => args.extend([score(rng), member(rng)]),
            "zrem" | "zmscore" => args.extend((0..rng.between(1, 3)).map(|_| member(rng))),
            "zscore" | "zrank" | "zrevrank" => args.push(member(rng)),
            "zcount" | "zremrangebyscore" => args.extend([bound(rng), bound(rng)]),
            "zremrangebyrank" => args.extend([rank(rng), rank(rng)]),
            "zrange" => zrange_args(rng, &mut args),
            "zpopmin" | "zpopmax" if rng.chance(0.4) => args.push(count(rng)),
            "zunionstore" | "zinterstore" => self.store_args(rng, &mut args),
            _ => {}
        }
        args
    }

    /// `numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]` over one or two keys.
    fn store_args(&self, rng: &mut SimRng, args: &mut Args) {
        let n = rng.between(1, 2) as usize;
        let numkeys: Vec<u8> = match rng.below(30) {
            0 => b"0".to_vec(),
            1 => b"3".to_vec(),
            2 => b"x".to_vec(),
            _ => n.to_string().into_bytes(),
        };
        args.push(numkeys);
        args.extend((0..n).map(|_| self.zkey(rng)));
        if rng.chance(0.3) {
            args.push(cased(rng, "weights"));
            // Never 0 or infinite: see the model's zsetops.
            let weights: &[&[u8]] = &[b"1", b"2", b"-1", b"0.5", b"1.5", b"3"];
            args.extend((0..n).map(|_| rng.pick(weights).to_vec()));
            if rng.chance(0.05) {
                *args.last_mut().expect("a weight") = b"heavy".to_vec();
            }
        }
        if rng.chance(0.3) {
            args.push(cased(rng, "aggregate"));
            let a = *rng.pick(&["sum", "min", "max", "sum", "avg"]);
            args.push(cased(rng, a));
        }
    }
}

/// Options in any order, mostly valid, then score-member pairs.
fn zadd_args(rng: &mut SimRng, args: &mut Args) {
    for opt in ["nx", "xx", "gt", "lt", "ch", "incr"] {
        if rng.chance(0.12) {
            args.push(cased(rng, opt));
        }
    }
    let pairs = if rng.chance(0.7) { 1 } else { rng.between(2, 3) };
    for _ in 0..pairs {
        args.push(score(rng));
        args.push(member(rng));
    }
    if rng.chance(0.03) {
        args.pop(); // a score without its member: Redis' syntax error
    }
}

/// Index, BYSCORE or BYLEX ranges, with REV, WITHSCORES and LIMIT in any order and mix (some
/// mixes are Redis' errors).
fn zrange_args(rng: &mut SimRng, args: &mut Args) {
    let mut opts: Vec<Args> = Vec::new();
    match rng.below(4) {
        0 | 1 => args.extend([rank(rng), rank(rng)]),
        2 => {
            args.extend([bound(rng), bound(rng)]);
            opts.push(vec![cased(rng, "byscore")]);
        }
        _ => {
            args.extend([lex_bound(rng), lex_bound(rng)]);
            opts.push(vec![cased(rng, "bylex")]);
        }
    }
    if rng.chance(0.3) {
        opts.push(vec![cased(rng, "rev")]);
    }
    if rng.chance(0.4) {
        opts.push(vec![cased(rng, "withscores")]);
    }
    if rng.chance(0.3) {
        let n = |rng: &mut SimRng| (rng.between(0, 5) as i64 - 1).to_string().into_bytes();
        opts.push(vec![cased(rng, "limit"), n(rng), n(rng)]);
    }
    if rng.chance(0.02) {
        opts.push(vec![b"BOGUS".to_vec()]);
    }
    while !opts.is_empty() {
        let i = rng.index(opts.len());
        args.extend(opts.swap_remove(i));
    }
}

/// A score: small integers mostly, fractions (some with no exact binary form), infinities,
/// exponents, negative zero, now and then not a float at all.
fn score(rng: &mut SimRng) -> Vec<u8> {
    let pick = |rng: &mut SimRng, words: &[&str]| rng.pick(words).as_bytes().to_vec();
    match rng.below(20) {
        0..=10 => (rng.between(0, 10) as i64 - 3).to_string().into_bytes(),
        11..=13 => pick(rng, &["0.5", "1.5", "-2.5", "0.25", "2.75"]),
        14 => pick(rng, &["0.1", "0.2", "-0.3", "3.3333333333333335"]),
        15 => pick(rng, &["+inf", "-inf", "inf"]),
        16 => pick(rng, &["1e2", "-1e-3", "3.0", "-0"]),
        17..=18 => rng.between(0, 3).to_string().into_bytes(),
        _ => pick(rng, &["abc", "nan", "1.5x", "", " 1", "1e400"]),
    }
}

/// One end of a score range, open or closed.
fn bound(rng: &mut SimRng) -> Vec<u8> {
    let words: &[&[u8]] = &[
        b"-inf", b"+inf", b"0", b"1", b"(1", b"2.5", b"(2.5", b"-1", b"(-inf", b"5", b"(5", b"3", b"(0",
    ];
    if rng.chance(0.03) {
        return rng.pick(&[&b"x"[..], b"(x", b"nan", b"1.5.1"]).to_vec();
    }
    rng.pick(words).to_vec()
}

/// One end of a lexicographic range.
fn lex_bound(rng: &mut SimRng) -> Vec<u8> {
    let words: &[&[u8]] = &[
        b"-", b"+", b"[a", b"(a", b"[b", b"(apple", b"[m", b"[", b"(", b"[0", b"(5",
    ];
    if rng.chance(0.03) {
        return rng.pick(&[&b"a"[..], b"", b"+x", b"5"]).to_vec();
    }
    rng.pick(words).to_vec()
}

fn rank(rng: &mut SimRng) -> Vec<u8> {
    if rng.chance(0.02) {
        return b"one".to_vec();
    }
    (rng.between(0, 10) as i64 - 5).to_string().into_bytes()
}

fn count(rng: &mut SimRng) -> Vec<u8> {
    match rng.below(20) {
        0 => b"-1".to_vec(),
        1 => b"x".to_vec(),
        _ => rng.between(0, 4).to_string().into_bytes(),
    }
}
