//! Pub/sub state (Redis' pubsub.c): who is subscribed to which channel, pattern or shard
//! channel, and delivering published messages in publish order. A message goes into each
//! receiver's reply buffer right away, so per channel (and per connection) order is kept.

use std::collections::BTreeMap;

use crate::client::ClientId;
use crate::resp::Reply;
use crate::server::Server;

/// The three namespaces: classic channels, patterns, shard channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    /// The reply names of (subscribe, unsubscribe) for this kind.
    pub fn verbs(self) -> (&'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe"),
            Kind::Pattern => ("psubscribe", "punsubscribe"),
            Kind::Shard => ("ssubscribe", "sunsubscribe"),
        }
    }
}

/// Subscribers per channel (and per pattern, per shard channel), in subscription order.
#[derive(Default)]
pub(crate) struct PubSub {
    pub channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub patterns: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub shard: BTreeMap<Vec<u8>, Vec<ClientId>>,
}

impl PubSub {
    /// Whether a classic PUBLISH (or a keyspace notification) could reach anyone.
    pub fn has_classic_subscribers(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty())
    }

    pub fn map(&mut self, kind: Kind) -> &mut BTreeMap<Vec<u8>, Vec<ClientId>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }
}

/// A client's own subscriptions, in the order it made them.
#[derive(Clone, Debug, Default)]
pub struct Subscriptions {
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard: Vec<Vec<u8>>,
}

impl Subscriptions {
    pub fn of(&mut self, kind: Kind) -> &mut Vec<Vec<u8>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Redis' CLIENT_PUBSUB: subscribed to anything.
    pub fn any(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty())
    }

    /// The count a (un)subscribe reply carries: channels and patterns together, shard
    /// channels on their own.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }
}

/// `[verb, name, count]` as a push (an array in RESP2); a null name for "nothing to leave".
pub(crate) fn confirm(out: &mut Reply, verb: &str, name: Option<&[u8]>, count: usize) {
    out.pushing(|out| {
        out.push(3);
        out.bulk_str(verb);
        match name {
            Some(n) => out.bulk(n),
            None => out.null(),
        }
        out.int(count as i64);
    });
}

impl Server {
    /// Subscribes `id` to `name`; returns whether it was new.
    pub(crate) fn subscribe(&mut self, id: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(c) = self.clients.get_mut(&id) else {
            return false;
        };
        let mine = c.subs.of(kind);
        if mine.iter().any(|n| n == name) {
            return false;
        }
        mine.push(name.to_vec());
        self.pubsub.map(kind).entry(name.to_vec()).or_default().push(id);
        true
    }

    /// Unsubscribes `id` from `name`; returns whether it was subscribed.
    pub(crate) fn unsubscribe(&mut self, id: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(c) = self.clients.get_mut(&id) else {
            return false;
        };
        let mine = c.subs.of(kind);
        let Some(at) = mine.iter().position(|n| n == name) else {
            return false;
        };
        mine.remove(at);
        let map = self.pubsub.map(kind);
        if let Some(list) = map.get_mut(name) {
            list.retain(|&c| c != id);
            if list.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// Drops every subscription of a client that goes away.
    pub(crate) fn unsubscribe_all(&mut self, id: ClientId) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            let names = self
                .clients
                .get_mut(&id)
                .map(|c| c.subs.of(kind).clone())
                .unwrap_or_default();
            for n in names {
                self.unsubscribe(id, kind, &n);
            }
        }
    }

    /// PUBLISH/SPUBLISH: delivers `message` to the subscribers of `channel` (and, for classic
    /// channels, of matching patterns); returns how many received it. The publisher's own
    /// copy goes to `own` (its reply buffer is held by the running command).
    pub(crate) fn publish(
        &mut self,
        kind: Kind,
        channel: &[u8],
        message: &[u8],
        own: Option<(ClientId, &mut Reply)>,
    ) -> usize {
        let mut deliveries: Vec<(ClientId, Option<Vec<u8>>)> = Vec::new();
        if let Some(list) = self.pubsub.map(kind).get(channel) {
            deliveries.extend(list.iter().map(|&id| (id, None)));
        }
        if kind == Kind::Channel {
            for (pattern, list) in &self.pubsub.patterns {
                if crate::glob::glob_match(pattern, channel, false) {
                    deliveries.extend(list.iter().map(|&id| (id, Some(pattern.clone()))));
                }
            }
        }
        let mut own = own;
        for (id, pattern) in &deliveries {
            let write = |out: &mut Reply| out.pushing(|o| write_message(o, kind, pattern.as_deref(), channel, message));
            match (own.as_mut(), self.own_pushes.as_mut()) {
                (Some((me, out)), _) if me == id => write(out),
                // The running client's buffer is held by its command: the copy waits.
                (_, Some(pending)) if pending.id == *id => write(pending.buffer()),
                _ => {
                    if let Some(c) = self.clients.get_mut(id) {
                        write(&mut c.reply);
                        self.mark_dirty(*id);
                    }
                }
            }
        }
        deliveries.len()
    }
}

/// `message`, `pmessage` or `smessage` as a push.
fn write_message(out: &mut Reply, kind: Kind, pattern: Option<&[u8]>, channel: &[u8], message: &[u8]) {
    match (kind, pattern) {
        (_, Some(p)) => {
            out.push(4);
            out.bulk_str("pmessage");
            out.bulk(p);
        }
        (Kind::Shard, None) => {
            out.push(3);
            out.bulk_str("smessage");
        }
        _ => {
            out.push(3);
            out.bulk_str("message");
        }
    }
    out.bulk(channel);
    out.bulk(message);
}
