//! Blocking commands and the producers that wake them. Consumers block with short timeouts
//! (exact binary fractions of a second, so that Redis' long double arithmetic rounds them to
//! the milliseconds the model computes) on a few queue keys that producers push to, and read
//! the queues back now and then; a few of them name keys of other types or invalid arguments.

use ferrous_io_sim::SimRng;

use super::{cased, Args, Workload};

/// The commands that may block their client.
const BLOCKING: &[&str] = &[
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
];

impl Workload {
    /// Whether `args` is a command that may block its client.
    pub fn may_block(args: &[Vec<u8>]) -> bool {
        args.first()
            .is_some_and(|name| BLOCKING.iter().any(|b| name.eq_ignore_ascii_case(b.as_bytes())))
    }

    /// A queue of the kind a command wants (lists, or sorted sets), now and then one of the
    /// other kind or a shared key.
    fn queue(&self, rng: &mut SimRng, lists: bool) -> Vec<u8> {
        let (own, other) = if lists {
            (&self.list_queues, &self.zset_queues)
        } else {
            (&self.zset_queues, &self.list_queues)
        };
        match rng.below(20) {
            0..=16 => rng.pick(own).clone(),
            17..=18 => rng.pick(other).clone(),
            _ => self.key(rng),
        }
    }

    pub(super) fn blocking(&self, rng: &mut SimRng) -> Args {
        let name = *rng.pick(BLOCKING);
        let mut args = vec![cased(rng, name)];
        let lists = !name.starts_with("bz");
        match name {
            "blmove" | "brpoplpush" => {
                args.extend([self.queue(rng, true), self.queue(rng, true)]);
                if name == "blmove" {
                    let (a, b) = (*rng.pick(&["left", "right", "up"]), *rng.pick(&["left", "right"]));
                    args.extend([cased(rng, a), cased(rng, b)]);
                }
                args.push(timeout(rng));
            }
            "blmpop" | "bzmpop" => {
                let n = rng.between(1, 3);
                args.extend([timeout(rng), numkeys(rng, n)]);
                args.extend((0..n).map(|_| self.queue(rng, lists)));
                let ends = if lists { ["left", "right"] } else { ["min", "max"] };
                let end = *rng.pick(&ends);
                args.push(cased(rng, end));
                if rng.chance(0.4) {
                    args.extend([cased(rng, "count"), rng.between(0, 3).to_string().into_bytes()]);
                }
            }
            _ => {
                let n = rng.between(1, 3);
                args.extend((0..n).map(|_| self.queue(rng, lists)));
                args.push(timeout(rng));
            }
        }
        args
    }

    /// Pushes to the queues (unique-looking jobs), and reads, counts or pops them directly, about
    /// as fast as they fill so that consumers often find them empty and block.
    pub(super) fn produce(&self, rng: &mut SimRng) -> Args {
        let job = |rng: &mut SimRng| format!("job:{}", rng.below(1000)).into_bytes();
        let n = if rng.chance(0.7) { 1 } else { rng.between(2, 3) };
        match rng.below(10) {
            0..=2 => {
                let name = *rng.pick(&["lpush", "rpush"]);
                let mut args = vec![cased(rng, name), self.queue(rng, true)];
                args.extend((0..n).map(|_| job(rng)));
                args
            }
            3..=4 => {
                let mut args = vec![cased(rng, "zadd"), self.queue(rng, false)];
                for _ in 0..n {
                    args.extend([rng.between(0, 9).to_string().into_bytes(), job(rng)]);
                }
                args
            }
            5 => {
                let key = self.queue(rng, true);
                vec![cased(rng, "lrange"), key, b"0".to_vec(), b"-1".to_vec()]
            }
            6 => {
                let key = self.queue(rng, false);
                vec![
                    cased(rng, "zrange"),
                    key,
                    b"0".to_vec(),
                    b"-1".to_vec(),
                    cased(rng, "withscores"),
                ]
            }
            7 => {
                let name = *rng.pick(&["llen", "zcard"]);
                vec![cased(rng, name), self.queue(rng, name == "llen")]
            }
            _ => {
                let name = *rng.pick(&["lpop", "rpop", "zpopmin", "zpopmax"]);
                let mut args = vec![cased(rng, name), self.queue(rng, name.ends_with("pop"))];
                if rng.chance(0.5) {
                    args.push(rng.between(1, 4).to_string().into_bytes());
                }
                args
            }
        }
    }
}

/// Seconds: binary fractions from 1/128 to 1, rarely 0 (forever) or not a timeout.
fn timeout(rng: &mut SimRng) -> Vec<u8> {
    let word = match rng.below(40) {
        0 => "0",
        1 => *rng.pick(&["abc", "-1", "-0.5", "", "1x"]),
        _ => *rng.pick(&[
            "0.0078125",
            "0.015625",
            "0.03125",
            "0.0625",
            "0.125",
            "0.25",
            "0.5",
            "0.1",
            "0.2",
            "1",
        ]),
    };
    word.as_bytes().to_vec()
}

/// The key count, now and then wrong (Redis' errors).
fn numkeys(rng: &mut SimRng, n: u64) -> Vec<u8> {
    match rng.below(30) {
        0 => b"0".to_vec(),
        1 => b"x".to_vec(),
        2 => (n + 2).to_string().into_bytes(),
        _ => n.to_string().into_bytes(),
    }
}
