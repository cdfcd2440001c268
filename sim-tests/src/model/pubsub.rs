//! Pub/sub as Redis 7.0.15's pubsub.c runs it: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their
//! UNSUBSCRIBEs (one confirmation per name, pushes in RESP3), PUBLISH and SPUBLISH (the number
//! of receivers; every receiver is owed its `message`/`pmessage`/`smessage` at the moment the
//! server runs the PUBLISH, so its place among the receiver's replies is exact), and PUBSUB
//! NUMSUB/NUMPAT/SHARDNUMSUB/CHANNELS.
//!
//! Redis walks matching patterns in its dict's order, which nobody can predict; the workload
//! keeps its patterns disjoint (no channel matches two) so that a receiver's stream is fixed.

use std::collections::BTreeMap;

use ferrous_core::ClientId;
use ferrous_io_sim::Value;

use super::{Call, Expect, Model};

/// The three namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn verbs(self) -> (&'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe"),
            Kind::Pattern => ("psubscribe", "punsubscribe"),
            Kind::Shard => ("ssubscribe", "sunsubscribe"),
        }
    }
}

/// A client's subscriptions, in the order it made them.
#[derive(Clone, Debug, Default)]
pub(super) struct Subs {
    channels: Vec<Vec<u8>>,
    patterns: Vec<Vec<u8>>,
    shard: Vec<Vec<u8>>,
}

impl Subs {
    fn of(&mut self, kind: Kind) -> &mut Vec<Vec<u8>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// CLIENT_PUBSUB: subscribed to anything at all.
    pub fn any(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty())
    }

    /// What a confirmation counts: channels and patterns together, shard channels apart.
    fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }
}

/// The server's side: subscribers per name, in subscription order.
#[derive(Clone, Debug, Default)]
pub(super) struct Registry {
    channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    patterns: BTreeMap<Vec<u8>, Vec<ClientId>>,
    shard: BTreeMap<Vec<u8>, Vec<ClientId>>,
}

impl Registry {
    fn of(&mut self, kind: Kind) -> &mut BTreeMap<Vec<u8>, Vec<ClientId>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }
}

/// What pub/sub did in a run.
#[derive(Clone, Debug, Default)]
pub struct PubSubStats {
    pub subscribed: u64,
    pub published: u64,
    /// Messages owed to receivers.
    pub delivered: u64,
}

/// What a RESP2 client may run while subscribed (processCommand).
pub(super) fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

pub(super) fn context_error(fullname: &str) -> Value {
    Value::error(&format!(
        "ERR Can't execute '{fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    ))
}

impl Model {
    pub fn pubsub_stats(&self) -> &PubSubStats {
        &self.pubsub_stats
    }

    /// Whether `id` is a RESP2 client in the pub/sub context.
    pub(super) fn in_pubsub_context(&mut self, id: ClientId) -> bool {
        let s = self.session(id);
        !s.resp3 && s.subs.any()
    }

    /// A push in RESP3, an array in RESP2.
    fn push_value(&mut self, id: ClientId, items: Vec<Value>) -> Value {
        if self.session(id).resp3 {
            Value::Push(items)
        } else {
            Value::Array(items)
        }
    }

    fn confirm(&mut self, c: &Call, verb: &str, name: Option<&[u8]>, count: usize) {
        let name = match name {
            Some(n) => Value::bulk(n),
            None => self.null(c.id),
        };
        let v = self.push_value(c.id, vec![Value::bulk(verb.as_bytes()), name, Value::Int(count as i64)]);
        self.owe(c.id, c.args.to_vec(), Expect::Reply(v));
    }

    fn subscribe_generic(&mut self, c: &Call, kind: Kind) {
        for name in &c.args[1..] {
            let mine = self.session(c.id).subs.of(kind);
            if !mine.contains(name) {
                mine.push(name.clone());
                self.pubsub.of(kind).entry(name.clone()).or_default().push(c.id);
                self.pubsub_stats.subscribed += 1;
            }
            let count = self.session(c.id).subs.count(kind);
            self.confirm(c, kind.verbs().0, Some(name), count);
        }
    }

    fn leave(&mut self, id: ClientId, kind: Kind, name: &[u8]) {
        self.session(id).subs.of(kind).retain(|n| n != name);
        let map = self.pubsub.of(kind);
        if let Some(list) = map.get_mut(name) {
            list.retain(|&c| c != id);
            if list.is_empty() {
                map.remove(name);
            }
        }
    }

    /// The named channels, or all of them; with none to leave, one confirmation with a null
    /// name.
    fn unsubscribe_generic(&mut self, c: &Call, kind: Kind) {
        let verb = kind.verbs().1;
        let names = if c.args.len() > 1 {
            c.args[1..].to_vec()
        } else {
            self.session(c.id).subs.of(kind).clone()
        };
        if names.is_empty() {
            let count = self.session(c.id).subs.count(kind);
            return self.confirm(c, verb, None, count);
        }
        for name in &names {
            self.leave(c.id, kind, name);
            let count = self.session(c.id).subs.count(kind);
            self.confirm(c, verb, Some(name), count);
        }
    }

    /// Every subscription of a client that goes away or RESETs, without confirmations.
    pub(super) fn unsubscribe_all(&mut self, id: ClientId) {
        let Some(s) = self.sessions.get_mut(&id) else { return };
        let subs = std::mem::take(&mut s.subs);
        for (kind, names) in [
            (Kind::Channel, subs.channels),
            (Kind::Pattern, subs.patterns),
            (Kind::Shard, subs.shard),
        ] {
            for n in names {
                self.leave(id, kind, &n);
            }
        }
    }

    /// Owes `message` to every receiver, channel subscribers first, then pattern subscribers
    /// pattern by pattern; returns how many.
    fn publish_generic(&mut self, c: &Call, shard: bool) -> Value {
        let (channel, message) = (&c.args[1], &c.args[2]);
        let mut receivers: Vec<(ClientId, Option<Vec<u8>>)> = Vec::new();
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        if let Some(list) = self.pubsub.of(kind).get(channel) {
            receivers.extend(list.iter().map(|&id| (id, None)));
        }
        if !shard {
            for (pattern, list) in &self.pubsub.patterns {
                if glob_match(pattern, channel) {
                    receivers.extend(list.iter().map(|&id| (id, Some(pattern.clone()))));
                }
            }
        }
        for (id, pattern) in &receivers {
            let bulk = |b: &[u8]| Value::bulk(b);
            let items = match (pattern, shard) {
                (Some(p), _) => vec![bulk(b"pmessage"), bulk(p), bulk(channel), bulk(message)],
                (None, true) => vec![bulk(b"smessage"), bulk(channel), bulk(message)],
                (None, false) => vec![bulk(b"message"), bulk(channel), bulk(message)],
            };
            let v = self.push_value(*id, items);
            let mut what = vec![b"(message)".to_vec()];
            what.extend_from_slice(c.args);
            self.owe(*id, what, Expect::Reply(v));
        }
        self.pubsub_stats.published += 1;
        self.pubsub_stats.delivered += receivers.len() as u64;
        Value::Int(receivers.len() as i64)
    }

    fn subscriber_count(&mut self, kind: Kind, name: &[u8]) -> usize {
        self.pubsub.of(kind).get(name).map_or(0, Vec::len)
    }
}

pub(super) fn subscribe(m: &mut Model, c: &Call) {
    m.subscribe_generic(c, Kind::Channel);
}

pub(super) fn psubscribe(m: &mut Model, c: &Call) {
    m.subscribe_generic(c, Kind::Pattern);
}

pub(super) fn ssubscribe(m: &mut Model, c: &Call) {
    m.subscribe_generic(c, Kind::Shard);
}

pub(super) fn unsubscribe(m: &mut Model, c: &Call) {
    m.unsubscribe_generic(c, Kind::Channel);
}

pub(super) fn punsubscribe(m: &mut Model, c: &Call) {
    m.unsubscribe_generic(c, Kind::Pattern);
}

pub(super) fn sunsubscribe(m: &mut Model, c: &Call) {
    m.unsubscribe_generic(c, Kind::Shard);
}

pub(super) fn publish(m: &mut Model, c: &Call) -> Value {
    m.publish_generic(c, false)
}

pub(super) fn spublish(m: &mut Model, c: &Call) -> Value {
    m.publish_generic(c, true)
}

/// `name, count` pairs, a flat array in RESP3 too.
fn numsub_generic(m: &mut Model, c: &Call, kind: Kind) -> Value {
    let mut out = Vec::new();
    for name in &c.args[2..] {
        out.push(Value::bulk(name));
        out.push(Value::Int(m.subscriber_count(kind, name) as i64));
    }
    Value::Array(out)
}

pub(super) fn pubsub_numsub(m: &mut Model, c: &Call) -> Value {
    numsub_generic(m, c, Kind::Channel)
}

pub(super) fn pubsub_shardnumsub(m: &mut Model, c: &Call) -> Value {
    numsub_generic(m, c, Kind::Shard)
}

pub(super) fn pubsub_numpat(m: &mut Model, _: &Call) -> Value {
    Value::Int(m.pubsub.patterns.len() as i64)
}

/// The active channels (matching the pattern given), in the server's dict order: any order.
pub(super) fn pubsub_channels(m: &mut Model, c: &Call) -> Expect {
    let names = m
        .pubsub
        .channels
        .keys()
        .filter(|n| c.args.get(2).is_none_or(|p| glob_match(p, n)))
        .map(|n| Value::bulk(n))
        .collect();
    Expect::Unordered(Value::Array(names))
}

/// PING answers `[pong, arg]` to a RESP2 client in the pub/sub context.
pub(super) fn ping_when_subscribed(m: &mut Model, c: &Call) -> Option<Value> {
    if !m.in_pubsub_context(c.id) || c.args.len() > 2 {
        return None;
    }
    let arg = c.args.get(1).cloned().unwrap_or_default();
    Some(Value::Array(vec![Value::bulk(b"pong"), Value::Bulk(arg)]))
}

/// Glob-style matching as Redis' stringmatchlen (case-sensitive): `*`, `?`, `[...]` with `^`
/// and ranges, `\` escapes.
pub fn glob_match(pattern: &[u8], s: &[u8]) -> bool {
    match pattern.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && glob_match(rest, &s[1..]),
        Some((b'[', rest)) => match (class_end(rest), s.split_first()) {
            (Some(end), Some((&ch, tail))) => in_class(&rest[..end], ch) && glob_match(&rest[end + 1..], tail),
            _ => false,
        },
        Some((b'\\', rest)) if !rest.is_empty() => s.first() == Some(&rest[0]) && glob_match(&rest[1..], &s[1..]),
        Some((&p, rest)) => s.first() == Some(&p) && glob_match(rest, &s[1..]),
    }
}

/// Where a class's closing `]` is (escapes skipped).
fn class_end(class: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < class.len() {
        match class[i] {
            b'\\' => i += 2,
            b']' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn in_class(class: &[u8], ch: u8) -> bool {
    let (negate, mut class) = match class.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut hit = false;
    while let Some((&first, rest)) = class.split_first() {
        if first == b'\\' && !rest.is_empty() {
            hit |= rest[0] == ch;
            class = &rest[1..];
        } else if rest.len() >= 2 && rest[0] == b'-' {
            let (lo, hi) = (first.min(rest[1]), first.max(rest[1]));
            hit |= (lo..=hi).contains(&ch);
            class = &rest[2..];
        } else {
            hit |= first == ch;
            class = rest;
        }
    }
    hit != negate
}
