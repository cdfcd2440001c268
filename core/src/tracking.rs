//! Client-side caching (Redis' tracking.c): which clients read which keys, and telling them
//! when those keys change. Default mode remembers each key a tracking client read (whatever
//! the database, as Redis does) and forgets it once invalidated; BCAST mode sends every change
//! under a client's prefixes, collected per event and sent once when the event is done.

use std::collections::{BTreeMap, BTreeSet};

use crate::client::ClientId;
use crate::resp::Reply;
use crate::server::Server;

/// The pub/sub channel RESP2 redirect targets receive invalidations on.
const CHANNEL: &[u8] = b"__redis__:invalidate";

/// A client's CLIENT TRACKING settings (Redis' CLIENT_TRACKING_* flags).
#[derive(Clone, Debug, Default)]
pub struct TrackingMode {
    /// Client id invalidations go to instead (0: none).
    pub redirect: ClientId,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// CLIENT CACHING was given for the next command (yes with OPTIN, no with OPTOUT).
    pub caching: bool,
    /// The redirect target went away.
    pub broken_redirect: bool,
    /// BCAST prefixes, sorted as Redis' radix tree lists them.
    pub prefixes: BTreeSet<Vec<u8>>,
}

/// One BCAST prefix: who listens, and the keys under it changed in this event, each with the
/// client that changed it last (for NOLOOP).
#[derive(Default)]
struct Bcast {
    keys: BTreeMap<Vec<u8>, Option<ClientId>>,
    clients: BTreeSet<ClientId>,
}

#[derive(Default)]
pub(crate) struct Tracking {
    /// Default-mode keys, with the clients that may have cached them.
    table: BTreeMap<Vec<u8>, BTreeSet<ClientId>>,
    /// Client ids stored across the table (Redis' TrackingTableTotalItems).
    items: u64,
    prefixes: BTreeMap<Vec<u8>, Bcast>,
    /// The client whose command is being processed (Redis' current_client).
    pub current: Option<ClientId>,
    /// Nesting of command handlers running now (Redis' fixed_time_expire inside call()).
    pub in_call: u32,
    /// Invalidations for the current client, held back until its reply is written; `None`
    /// is a flush.
    pending: Vec<Option<Vec<u8>>>,
    /// Calls in a row that could not bring the table under tracking-table-max-keys.
    limit_rounds: usize,
}

impl Tracking {
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    pub fn total_items(&self) -> u64 {
        self.items
    }

    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// `*1 $len key`: the array of one key an invalidation carries.
fn one_key(key: &[u8]) -> Vec<u8> {
    let mut r = Reply::default();
    r.array(1);
    r.bulk(key);
    r.buf
}

/// A RESP null in protocol `resp3` or not: what a flush invalidation carries.
fn null_proto(resp3: bool) -> &'static [u8] {
    if resp3 {
        b"_\r\n"
    } else {
        b"$-1\r\n"
    }
}

/// Whether two prefixes overlap: one starts the other (Redis' stringCheckPrefix).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Server {
    /// CLIENT TRACKING ON (Redis' enableTracking). `mode` carries the options just parsed.
    pub(crate) fn enable_tracking(&mut self, id: ClientId, mode: TrackingMode, prefixes: &[Vec<u8>]) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        let t = c.tracking.get_or_insert_with(Default::default);
        t.redirect = mode.redirect;
        t.broken_redirect = false;
        t.bcast = mode.bcast;
        t.optin = mode.optin;
        t.optout = mode.optout;
        t.noloop = mode.noloop;
        if !mode.bcast {
            return;
        }
        let mut wanted: Vec<&[u8]> = prefixes.iter().map(|p| p.as_slice()).collect();
        if wanted.is_empty() {
            wanted.push(b"");
        }
        for p in wanted {
            t.prefixes.insert(p.to_vec());
            self.tracking.prefixes.entry(p.to_vec()).or_default().clients.insert(id);
        }
    }

    /// CLIENT TRACKING OFF, RESET and disconnection (Redis' disableTracking). Keys the client
    /// read stay in the table: invalidating them later skips a client that stopped tracking.
    pub(crate) fn disable_tracking(&mut self, id: ClientId) {
        let Some(t) = self.clients.get_mut(&id).and_then(|c| c.tracking.take()) else {
            return;
        };
        for p in &t.prefixes {
            if let Some(b) = self.tracking.prefixes.get_mut(p) {
                b.clients.remove(&id);
                if b.clients.is_empty() {
                    self.tracking.prefixes.remove(p);
                }
            }
        }
    }

    /// The error for BCAST prefixes that overlap each other or the client's current ones
    /// (Redis' checkPrefixCollisionsOrReply), and whether Redis goes on to enable tracking
    /// anyway: it does when the overlap is between two new prefixes past the first.
    pub(crate) fn prefix_collision(&self, id: ClientId, new: &[Vec<u8>]) -> Option<(String, bool)> {
        let lossy = |b: &[u8]| String::from_utf8_lossy(crate::command::c_str(b, usize::MAX)).into_owned();
        let empty = BTreeSet::new();
        let old = self
            .clients
            .get(&id)
            .and_then(|c| c.tracking.as_ref())
            .map_or(&empty, |t| &t.prefixes);
        for (i, p) in new.iter().enumerate() {
            if let Some(o) = old.iter().find(|o| overlaps(o, p)) {
                let msg = format!(
                    "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    lossy(p),
                    lossy(o)
                );
                return Some((msg, false));
            }
            if let Some(q) = new[i + 1..].iter().find(|q| overlaps(p, q)) {
                let msg = format!("Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.", lossy(p), lossy(q));
                return Some((msg, i > 0));
            }
        }
        None
    }

    /// After a read-only command: remembers its keys for a default-mode tracking client
    /// (Redis' trackingRememberKeys), unless OPTIN/OPTOUT with CLIENT CACHING say otherwise.
    pub(crate) fn remember_keys(&mut self, id: ClientId, keys: Vec<Vec<u8>>) {
        let Some(t) = self.clients.get(&id).and_then(|c| c.tracking.as_ref()) else {
            return;
        };
        if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) {
            return;
        }
        for key in keys {
            if self.tracking.table.entry(key).or_default().insert(id) {
                self.tracking.items += 1;
            }
        }
    }

    /// Whether anyone is tracking at all, so that the common path costs one check.
    fn tracking_in_use(&self) -> bool {
        !self.tracking.table.is_empty() || !self.tracking.prefixes.is_empty()
    }

    /// `key` was modified (Redis' trackingInvalidateKey from signalModifiedKey): noted for the
    /// BCAST prefixes it falls under, and sent to each default-mode client that read it.
    pub(crate) fn tracking_invalidate_key(&mut self, key: &[u8]) {
        if !self.tracking_in_use() {
            return;
        }
        let modifier = self.tracking.current;
        for (p, b) in self.tracking.prefixes.iter_mut() {
            if key.starts_with(p) {
                b.keys.insert(key.to_vec(), modifier);
            }
        }
        self.invalidate_tracked(key);
    }

    /// Sends `key`'s invalidation to the default-mode clients that read it, and forgets it.
    fn invalidate_tracked(&mut self, key: &[u8]) {
        let Some(ids) = self.tracking.table.remove(key) else {
            return;
        };
        self.tracking.items -= ids.len() as u64;
        for target in ids {
            let Some(t) = self.clients.get(&target).and_then(|c| c.tracking.as_ref()) else {
                continue;
            };
            // A client that switched to BCAST no longer gets invalidations of older reads.
            let own = self.tracking.current == Some(target);
            if t.bcast || (t.noloop && own) {
                continue;
            }
            if own && self.tracking.in_call > 0 {
                // Its reply comes first.
                self.tracking.pending.push(Some(key.to_vec()));
            } else {
                self.send_tracking_message(target, &one_key(key));
            }
        }
    }

    /// Keeps the table within tracking-table-max-keys by invalidating keys at random (Redis'
    /// trackingLimitUsedSlots, before each command and in the cron): up to 100 keys a call,
    /// 100 more for each call in a row that could not get under the limit.
    pub(crate) fn tracking_limit_keys(&mut self) {
        let max = self.cfg.tracking_table_max_keys.max(0) as usize;
        // This runs before every command: the cheap test first (no scan of the clients).
        if max == 0 || self.tracking.table.len() <= max {
            self.tracking.limit_rounds = 0;
            return;
        }
        if !self.clients.values().any(|c| c.tracking.is_some()) {
            return;
        }
        let effort = 100 * (self.tracking.limit_rounds + 1);
        for _ in 0..effort {
            let Some(key) = self.random_tracked_key() else { break };
            self.invalidate_tracked(&key);
            if self.tracking.table.len() <= max {
                self.tracking.limit_rounds = 0;
                return;
            }
        }
        self.tracking.limit_rounds += 1;
    }

    /// A tracked key near a random point of the key space (Redis walks its radix tree at
    /// random; this is as cheap and as unfair).
    fn random_tracked_key(&mut self) -> Option<Vec<u8>> {
        let probe = self.random_u64().to_be_bytes().to_vec();
        let table = &self.tracking.table;
        table
            .range(probe..)
            .next()
            .or_else(|| table.iter().next())
            .map(|(k, _)| k.clone())
    }

    /// FLUSHDB/FLUSHALL (Redis' trackingInvalidateKeysOnFlush): every tracking client is told
    /// all its keys are invalid with a null, and the table is emptied.
    pub(crate) fn tracking_invalidate_on_flush(&mut self) {
        let tracking: Vec<(ClientId, bool)> = self
            .clients
            .values()
            .filter(|c| c.tracking.is_some())
            .map(|c| (c.id, c.reply.resp3))
            .collect();
        for (id, resp3) in tracking {
            if self.tracking.current == Some(id) {
                self.tracking.pending.push(None);
            } else {
                self.send_tracking_message(id, null_proto(resp3));
            }
        }
        self.tracking.table.clear();
        self.tracking.items = 0;
    }

    /// After the current client's reply: the invalidations held back for it (Redis'
    /// trackingHandlePendingKeyInvalidations).
    pub(crate) fn tracking_send_pending(&mut self) {
        if self.tracking.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.tracking.pending);
        let Some(id) = self.tracking.current else { return };
        let Some(resp3) = self.clients.get(&id).map(|c| c.reply.resp3) else {
            return;
        };
        for key in pending {
            match key {
                Some(k) => self.send_tracking_message(id, &one_key(&k)),
                None => self.send_tracking_message(id, null_proto(resp3)),
            }
        }
    }

    /// The end of an event (Redis' beforeSleep → trackingBroadcastInvalidationMessages): each
    /// BCAST prefix's changed keys go to its clients in one message, less the keys a NOLOOP
    /// client changed itself.
    pub(crate) fn tracking_broadcast(&mut self) {
        if self.tracking.prefixes.is_empty() {
            return;
        }
        let mut messages: Vec<(ClientId, Vec<u8>)> = Vec::new();
        for b in self.tracking.prefixes.values_mut() {
            let keys = std::mem::take(&mut b.keys);
            if keys.is_empty() {
                continue;
            }
            for &id in &b.clients {
                let noloop = self
                    .clients
                    .get(&id)
                    .and_then(|c| c.tracking.as_ref())
                    .is_some_and(|t| t.noloop);
                let sent: Vec<&Vec<u8>> = keys
                    .iter()
                    .filter(|(_, by)| !noloop || **by != Some(id))
                    .map(|(k, _)| k)
                    .collect();
                if sent.is_empty() {
                    continue;
                }
                let mut r = Reply::default();
                r.array(sent.len());
                sent.iter().for_each(|k| r.bulk(k));
                messages.push((id, r.buf));
            }
        }
        for (id, proto) in messages {
            self.send_tracking_message(id, &proto);
        }
    }

    /// Sends the invalidation `proto` (an array of keys, or a null) to `id` or to the client
    /// it redirects to (Redis' sendTrackingMessage). RESP3 receivers get an `invalidate` push;
    /// a RESP2 redirect target only while subscribed, as a `__redis__:invalidate` message; a
    /// RESP2 client without redirect gets nothing. A missing redirect target marks the
    /// redirect broken and tells a RESP3 client with a `tracking-redir-broken` push.
    fn send_tracking_message(&mut self, id: ClientId, proto: &[u8]) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        let redirect = c.tracking.as_ref().map_or(0, |t| t.redirect);
        let mut target = id;
        if redirect != 0 {
            if !self.clients.contains_key(&redirect) {
                let c = self.clients.get_mut(&id).expect("looked up above");
                if let Some(t) = c.tracking.as_mut() {
                    t.broken_redirect = true;
                }
                if c.reply.resp3 {
                    c.reply.pushing(|o| {
                        o.push(2);
                        o.bulk_str("tracking-redir-broken");
                        o.int(redirect as i64);
                    });
                    self.mark_dirty(id);
                }
                return;
            }
            target = redirect;
        }
        let Some(t) = self.clients.get_mut(&target) else { return };
        let subscribed = t.subs.any();
        let out = &mut t.reply;
        if out.resp3 {
            out.pushing(|o| {
                o.push(2);
                o.bulk_str("invalidate");
                o.buf.extend_from_slice(proto);
            });
        } else if redirect != 0 && subscribed {
            out.pushing(|o| {
                o.array(3);
                o.bulk_str("message");
                o.bulk(CHANNEL);
                o.buf.extend_from_slice(proto);
            });
        } else {
            return;
        }
        self.mark_dirty(target);
    }
}
