//! Subscribers and publishers. Subscribers (un)subscribe to channels, patterns and shard
//! channels, switch protocols, PING, and now and then try a command the RESP2 pub/sub context
//! refuses; publishers PUBLISH and SPUBLISH numbered messages (see [`message`]), sometimes
//! several inside MULTI, and ask PUBSUB how many listen.
//!
//! The patterns are disjoint — no channel matches two — because Redis sends a channel's
//! pattern messages in its dict's order, which no model can predict.

use ferrous_io_sim::SimRng;

use super::{cased, Args, Workload};

const CHANNELS: &[&[u8]] = &[b"news.1", b"news.2", b"sport.1", b"sport.22", b"chat", b"x"];
const PATTERNS: &[&[u8]] = &[b"news.*", b"sport.?", b"c[ah]at", b"nomatch*"];

/// A message payload that says who published it and in what order: `p<publisher>:<serial>`.
pub fn message(publisher: u64, serial: u64) -> Vec<u8> {
    format!("p{publisher}:{serial}").into_bytes()
}

/// The publisher and serial of a payload made by [`message`].
pub fn parse_message(payload: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(payload).ok()?.strip_prefix('p')?;
    let (publisher, serial) = text.split_once(':')?;
    Some((publisher.parse().ok()?, serial.parse().ok()?))
}

fn some_of(rng: &mut SimRng, names: &[&[u8]], max: u64) -> Args {
    (0..rng.between(1, max)).map(|_| rng.pick(names).to_vec()).collect()
}

/// `name` and 1 to `max` of `names`.
fn verb(rng: &mut SimRng, name: &str, names: &[&[u8]], max: u64) -> Args {
    [vec![cased(rng, name)], some_of(rng, names, max)].concat()
}

/// An UNSUBSCRIBE of some of `names`, or with none: all of them.
fn leave(rng: &mut SimRng, name: &str, names: &[&[u8]]) -> Args {
    let mut args = verb(rng, name, names, 2);
    let keep = rng.between(1, args.len() as u64) as usize;
    args.truncate(keep);
    args
}

impl Workload {
    /// A subscriber's next command; `payload` (from [`message`]) for the PUBLISH a RESP3
    /// subscriber may send (to itself, too).
    pub fn subscriber_command(&self, rng: &mut SimRng, payload: Vec<u8>) -> Args {
        match rng.below(100) {
            0..=48 => self.subscription(rng),
            49..=56 => leave(rng, "unsubscribe", CHANNELS),
            57..=61 => leave(rng, "punsubscribe", PATTERNS),
            62..=66 => leave(rng, "sunsubscribe", CHANNELS),
            67..=74 => self.ping(rng),
            75..=80 => {
                let v = *rng.pick(&["2", "3", "3"]);
                vec![cased(rng, "hello"), v.as_bytes().to_vec()]
            }
            81..=82 => vec![cased(rng, "reset")],
            83..=86 => self.get(rng),
            87..=89 => self.pubsub_query(rng),
            90..=91 => vec![cased(rng, "subscribe")],
            _ => self.publish(rng, payload),
        }
    }

    /// SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE of a few names.
    pub fn subscription(&self, rng: &mut SimRng) -> Args {
        match rng.below(4) {
            0..=1 => verb(rng, "subscribe", CHANNELS, 3),
            2 => verb(rng, "psubscribe", PATTERNS, 2),
            _ => verb(rng, "ssubscribe", CHANNELS, 2),
        }
    }

    /// `payload` should come from [`message`].
    pub fn publish(&self, rng: &mut SimRng, payload: Vec<u8>) -> Args {
        let name = if rng.chance(0.7) { "publish" } else { "spublish" };
        let channel = rng.pick(CHANNELS).to_vec();
        vec![cased(rng, name), channel, payload]
    }

    /// PUBSUB NUMSUB, SHARDNUMSUB, NUMPAT or CHANNELS [pattern].
    pub fn pubsub_query(&self, rng: &mut SimRng) -> Args {
        let pubsub = cased(rng, "pubsub");
        match rng.below(4) {
            0 => [vec![pubsub, cased(rng, "numsub")], some_of(rng, CHANNELS, 3)].concat(),
            1 => [vec![pubsub, cased(rng, "shardnumsub")], some_of(rng, CHANNELS, 2)].concat(),
            2 => vec![pubsub, cased(rng, "numpat")],
            _ => {
                let mut args = vec![pubsub, cased(rng, "channels")];
                if rng.chance(0.5) {
                    args.push(rng.pick(PATTERNS).to_vec());
                }
                args
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::glob_match;

    #[test]
    fn no_channel_matches_two_patterns() {
        for ch in CHANNELS {
            let n = PATTERNS.iter().filter(|p| glob_match(p, ch)).count();
            assert!(n <= 1, "{}", String::from_utf8_lossy(ch));
        }
        assert!(CHANNELS.iter().any(|ch| glob_match(b"c[ah]at", ch)));
        assert!(glob_match(b"sport.?", b"sport.1") && !glob_match(b"sport.?", b"sport.22"));
    }

    #[test]
    fn message_payloads_round_trip() {
        assert_eq!(parse_message(&message(12, 345)), Some((12, 345)));
        assert_eq!(parse_message(b"p1:x"), None);
        assert_eq!(parse_message(b"hello"), None);
    }
}
