//! Streams (Redis' t_stream.c): entries in listpack nodes keyed by their master ID, laid out
//! byte for byte as Redis lays them out (so RDB files and DUMP payloads carry the nodes as they
//! are, and node splits and approximate trimming fall where Redis' do), plus consumer groups.
//!
//! A node (facts from Redis 7.0's streamAppendItem) is a listpack holding the master entry
//! `count deleted num-fields field... 0` and then the entries, each
//! `flags ms-diff seq-diff [num-fields field...] value... lp-count`, where the IDs are
//! differences from the node's master ID, SAMEFIELDS (2) means the entry has the master's
//! fields (and omits them) and DELETED (1) marks a tombstone. `count` counts live entries,
//! `deleted` the tombstones; a node whose last live entry goes is removed.

use std::collections::{BTreeMap, BTreeSet};

use crate::listpack::{Entry, Listpack};
use crate::resp::parse_i64;

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;
/// Redis' STREAM_LISTPACK_MAX_SIZE: no node (and no entry) grows past 1 GiB.
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;
/// Redis' SCG_INVALID_ENTRIES_READ.
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A stream entry ID, `ms-seq`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    pub fn is_zero(&self) -> bool {
        *self == StreamId::MIN
    }

    /// Redis' streamIncrID: the next ID, or `None` past the last one.
    pub fn incr(&self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// Redis' streamDecrID: the previous ID, or `None` before 0-0.
    pub fn decr(&self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    /// The 16 bytes Redis keys its radix trees with (big endian, so byte order is ID order).
    pub fn to_be_bytes(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    pub fn from_be_bytes(b: &[u8]) -> Option<StreamId> {
        let b: &[u8; 16] = b.try_into().ok()?;
        let ms = u64::from_be_bytes(b[..8].try_into().ok()?);
        let seq = u64::from_be_bytes(b[8..].try_into().ok()?);
        Some(StreamId::new(ms, seq))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }
}

/// One entry: its ID and its fields and values, alternating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: Vec<Vec<u8>>,
}

/// A pending (delivered, not acknowledged) entry of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// Unix ms of the last delivery.
    pub delivery_time: i64,
    pub delivery_count: u64,
    /// The consumer that owns it.
    pub consumer: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    /// Unix ms of its last interaction.
    pub seen_time: i64,
    pub pel: BTreeSet<StreamId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub last_id: StreamId,
    /// Entries read by the group, or [`INVALID_ENTRIES_READ`].
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Adds consumer `name` seen at `now`; false if it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.to_vec(),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Consumer `name` interacts at `now`: its seen time, or it is created; whether it was.
    pub fn seen_consumer(&mut self, name: &[u8], now: i64) -> bool {
        match self.consumers.get_mut(name) {
            Some(c) => {
                c.seen_time = now;
                false
            }
            None => self.create_consumer(name, now),
        }
    }

    /// Removes consumer `name` and its pending entries; how many it had pending.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Removes pending entry `id` (an XACK); whether it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else { return false };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Makes `id` pending for `consumer` (which exists): a new NACK delivered at `now`, or an
    /// existing one moved to it with its delivery time and count reset (Redis'
    /// streamReplyWithRange for new entries).
    pub fn deliver(&mut self, id: StreamId, consumer: &[u8], now: i64) {
        let old = self.pel.insert(
            id,
            Nack {
                delivery_time: now,
                delivery_count: 1,
                consumer: consumer.to_vec(),
            },
        );
        if let Some(old) = old {
            if let Some(c) = self.consumers.get_mut(&old.consumer) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Gives pending entry `id` to `consumer` (which exists), as XCLAIM does.
    pub fn transfer(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(nack) = self.pel.get_mut(&id) else { return };
        if nack.consumer != consumer {
            let old = std::mem::replace(&mut nack.consumer, consumer.to_vec());
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

/// How XADD and XTRIM trim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// One node decoded: each entry (tombstones included).
struct Node {
    entries: Vec<NodeEntry>,
}

struct NodeEntry {
    id: StreamId,
    deleted: bool,
    /// Where its flags are, to mark it deleted.
    flags_pos: usize,
    fields: Vec<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Listpack>,
    pub length: u64,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_entry_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, Group>,
}

fn int_of(e: Entry<'_>) -> Option<i64> {
    match e {
        Entry::Int(n) => Some(n),
        Entry::Str(s) => parse_i64(s),
    }
}

/// A node's entries, decoded one at a time (a read that needs the first few of a node stops
/// there, as Redis' iterator does). Yields `None` where the bytes are not a well-formed node.
struct NodeIter<'a> {
    lp: &'a Listpack,
    master: StreamId,
    pos: Option<usize>,
    master_fields: Vec<Vec<u8>>,
    /// No count may claim more elements than the listpack holds.
    bound: i64,
    broken: bool,
}

impl NodeIter<'_> {
    fn next_int(&mut self) -> Option<i64> {
        let p = self.pos?;
        let (e, n) = self.lp.get_and_next(p);
        self.pos = n;
        int_of(e)
    }

    fn next_bytes(&mut self) -> Option<Vec<u8>> {
        let (e, n) = self.lp.get_and_next(self.pos?);
        self.pos = n;
        Some(e.to_bytes())
    }

    /// The entry at the current position, or `None` if malformed.
    fn entry(&mut self) -> Option<NodeEntry> {
        let flags_pos = self.pos?;
        let flags = self.next_int()?;
        let ms_diff = self.next_int()?;
        let seq_diff = self.next_int()?;
        let same = flags & FLAG_SAMEFIELDS != 0;
        let n = if same {
            self.master_fields.len() as i64
        } else {
            self.next_int()?
        };
        if !(0..=self.bound).contains(&n) {
            return None;
        }
        let mut fields = Vec::with_capacity(2 * n as usize);
        for i in 0..n as usize {
            let field = if same {
                self.master_fields.get(i)?.clone()
            } else {
                self.next_bytes()?
            };
            fields.push(field);
            fields.push(self.next_bytes()?);
        }
        let expect = 3 + n + if same { 0 } else { n + 1 };
        if self.next_int()? != expect {
            return None;
        }
        let id = StreamId::new(
            self.master.ms.wrapping_add(ms_diff as u64),
            self.master.seq.wrapping_add(seq_diff as u64),
        );
        Some(NodeEntry {
            id,
            deleted: flags & FLAG_DELETED != 0,
            flags_pos,
            fields,
        })
    }
}

impl Iterator for NodeIter<'_> {
    type Item = Option<NodeEntry>;

    fn next(&mut self) -> Option<Option<NodeEntry>> {
        if self.broken {
            return None;
        }
        self.pos?;
        let e = self.entry();
        self.broken = e.is_none();
        Some(e)
    }
}

/// Reads node `lp`'s master entry: the entries' iterator and the header's live and deleted
/// counts, or `None` if the master entry is malformed.
fn node_iter(master: StreamId, lp: &Listpack) -> Option<(NodeIter<'_>, i64, i64)> {
    let mut it = NodeIter {
        lp,
        master,
        pos: lp.first(),
        master_fields: Vec::new(),
        bound: lp.len() as i64,
        broken: false,
    };
    let count = it.next_int()?;
    let deleted = it.next_int()?;
    let nfields = it.next_int()?;
    if count < 0 || deleted < 0 || !(0..=it.bound).contains(&nfields) {
        return None;
    }
    for _ in 0..nfields {
        let f = it.next_bytes()?;
        it.master_fields.push(f);
    }
    if it.next_int()? != 0 {
        return None;
    }
    Some((it, count, deleted))
}

/// Walks node `lp` (master ID `master`) whole; `None` if it is not a well-formed node.
fn parse_node(master: StreamId, lp: &Listpack) -> Option<Node> {
    let (it, count, deleted) = node_iter(master, lp)?;
    let entries: Vec<NodeEntry> = it.collect::<Option<Vec<_>>>()?;
    let live = entries.iter().filter(|e| !e.deleted).count() as i64;
    let dead = entries.len() as i64 - live;
    (live == count && dead == deleted).then_some(Node { entries })
}

/// The live-entry count a node's header holds.
fn node_count(lp: &Listpack) -> i64 {
    lp.first().and_then(|p| int_of(lp.get(p))).unwrap_or(0)
}

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The nodes, by master ID (what an RDB file holds).
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Listpack)> {
        self.nodes.iter()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Adds a node read from a file, checked whole; false if malformed, empty or a duplicate.
    pub fn load_node(&mut self, master: StreamId, lp: Listpack) -> bool {
        if lp.is_empty() || self.nodes.contains_key(&master) || parse_node(master, &lp).is_none() {
            return false;
        }
        self.nodes.insert(master, lp);
        true
    }

    /// Whether the nodes hold `length` live entries, in ID order, none past `last_id`.
    pub fn consistent(&self) -> bool {
        let mut live = 0u64;
        let mut prev: Option<StreamId> = None;
        for (master, lp) in &self.nodes {
            let Some(node) = parse_node(*master, lp) else {
                return false;
            };
            // Only live entries are ordered: XSETID may move the last ID below a tombstone,
            // and entries added after it follow that tombstone in its node.
            for e in node.entries.iter().filter(|e| !e.deleted) {
                if prev.is_some_and(|p| e.id <= p) || e.id > self.last_id {
                    return false;
                }
                prev = Some(e.id);
                live += 1;
            }
        }
        live == self.length
    }

    /// Redis' streamAppendItem with an ID already chosen (greater than `last_id`): appends to
    /// the tail node, or starts a new one when the tail is full by bytes or entries.
    pub fn append(&mut self, id: StreamId, fields: &[Vec<u8>], max_bytes: usize, max_entries: i64) {
        let totelelen: usize = fields.iter().map(|f| f.len()).sum();
        let numfields = fields.len() / 2;
        let max_bytes = if max_bytes == 0 || max_bytes > LISTPACK_MAX_SIZE {
            LISTPACK_MAX_SIZE
        } else {
            max_bytes
        };
        let tail_full = self.nodes.last_key_value().is_none_or(|(_, lp)| {
            let total = lp.first().map_or(0, |p| {
                let c = int_of(lp.get(p)).unwrap_or(0);
                let d = lp.next(p).and_then(|q| int_of(lp.get(q))).unwrap_or(0);
                c + d
            });
            lp.as_bytes().len() + totelelen >= max_bytes || (max_entries > 0 && total >= max_entries)
        });
        if tail_full {
            let mut lp = Listpack::new();
            lp.push_back(b"1");
            lp.push_back(b"0");
            lp.push_back(numfields.to_string().as_bytes());
            for f in fields.iter().step_by(2) {
                lp.push_back(f);
            }
            lp.push_back(b"0");
            self.nodes.insert(id, lp);
            self.push_entry(id, id, fields, true);
        } else {
            let (&master, lp) = self.nodes.iter_mut().next_back().expect("a tail node");
            let p = lp.first().expect("a master entry");
            let count = int_of(lp.get(p)).unwrap_or(0);
            lp.replace(p, (count + 1).to_string().as_bytes());
            let same = Self::same_fields(lp, fields);
            self.push_entry(master, id, fields, same);
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    /// Whether `fields` (alternating with values) has exactly the master entry's fields.
    fn same_fields(lp: &Listpack, fields: &[Vec<u8>]) -> bool {
        let mut pos = lp.first().and_then(|p| lp.next(p)).and_then(|p| lp.next(p));
        let Some(n) = pos.and_then(|p| int_of(lp.get(p))) else {
            return false;
        };
        if n as usize != fields.len() / 2 {
            return false;
        }
        for f in fields.iter().step_by(2) {
            pos = pos.and_then(|p| lp.next(p));
            let Some(p) = pos else { return false };
            if !lp.get(p).matches(f, parse_i64(f)) {
                return false;
            }
        }
        true
    }

    fn push_entry(&mut self, master: StreamId, id: StreamId, fields: &[Vec<u8>], same: bool) {
        let lp = self.nodes.get_mut(&master).expect("the node exists");
        let numfields = fields.len() / 2;
        let flags = if same { FLAG_SAMEFIELDS } else { 0 };
        lp.push_back(flags.to_string().as_bytes());
        lp.push_back((id.ms.wrapping_sub(master.ms) as i64).to_string().as_bytes());
        lp.push_back((id.seq.wrapping_sub(master.seq) as i64).to_string().as_bytes());
        if !same {
            lp.push_back(numfields.to_string().as_bytes());
        }
        for pair in fields.chunks(2) {
            if !same {
                lp.push_back(&pair[0]);
            }
            lp.push_back(&pair[1]);
        }
        let lp_count = 3 + numfields + if same { 0 } else { numfields + 1 };
        lp.push_back(lp_count.to_string().as_bytes());
    }

    /// Live entries with IDs in `start..=end`, ascending (descending if `rev`), at most
    /// `count` of them (0 = all).
    pub fn range(&self, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<StreamEntry> {
        let mut out = Vec::new();
        if start > end {
            return out;
        }
        let full = |out: &Vec<StreamEntry>| count != 0 && out.len() >= count;
        if !rev {
            let first = self.nodes.range(..=start).next_back().map_or(start, |(k, _)| *k);
            for (master, lp) in self.nodes.range(first..=end) {
                let Some((it, _, _)) = node_iter(*master, lp) else {
                    continue;
                };
                for e in it.map_while(|e| e).filter(|e| !e.deleted) {
                    if e.id > end || full(&out) {
                        return out;
                    }
                    if e.id >= start {
                        out.push(StreamEntry {
                            id: e.id,
                            fields: e.fields,
                        });
                    }
                }
            }
        } else {
            for (master, lp) in self.nodes.range(..=end).rev() {
                let Some(node) = parse_node(*master, lp) else { continue };
                for e in node.entries.into_iter().rev().filter(|e| !e.deleted) {
                    if e.id < start || full(&out) {
                        return out;
                    }
                    if e.id <= end {
                        out.push(StreamEntry {
                            id: e.id,
                            fields: e.fields,
                        });
                    }
                }
                if *master <= start {
                    break;
                }
            }
        }
        out
    }

    pub fn get(&self, id: StreamId) -> Option<StreamEntry> {
        self.range(id, id, 1, false).pop()
    }

    pub fn contains(&self, id: StreamId) -> bool {
        self.get(id).is_some()
    }

    /// The first (or last) entry's ID, tombstones skipped or not (Redis' streamGetEdgeID);
    /// `None` if there is none.
    pub fn edge_id(&self, first: bool, skip_tombstones: bool) -> Option<StreamId> {
        let pick = |(master, lp): (&StreamId, &Listpack)| {
            let node = parse_node(*master, lp)?;
            let wanted = |e: &&NodeEntry| !(skip_tombstones && e.deleted);
            let found = if first {
                node.entries.iter().find(wanted)
            } else {
                node.entries.iter().rev().find(wanted)
            };
            found.map(|e| e.id)
        };
        if first {
            self.nodes.iter().find_map(pick)
        } else {
            self.nodes.iter().rev().find_map(pick)
        }
    }

    /// Redis' streamLastValidID: the last live entry's ID (0-0 when empty).
    pub fn last_valid_id(&self) -> StreamId {
        self.edge_id(false, true).unwrap_or_default()
    }

    /// The first live entry's ID after a deletion (the stream's `first_id`).
    fn refresh_first_id(&mut self) {
        self.first_id = if self.length == 0 {
            StreamId::MIN
        } else {
            self.edge_id(true, true).unwrap_or(StreamId::MAX)
        };
    }

    /// Marks entry `id` deleted (or drops its node with its last live entry); whether it was
    /// there. `first_id` and `max_deleted_entry_id` are the caller's (XDEL's) to update.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&master, lp)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let Some(node) = parse_node(master, lp) else {
            return false;
        };
        let Some(e) = node.entries.iter().find(|e| e.id == id && !e.deleted) else {
            return false;
        };
        let count = node_count(lp);
        if count == 1 {
            self.nodes.remove(&master);
        } else {
            Self::mark_deleted(lp, e.flags_pos, 1);
        }
        self.length -= 1;
        true
    }

    /// Sets the DELETED flag of the entry whose flags are at `pos`, then moves `n` from the
    /// node's live count to its deleted count.
    fn mark_deleted(lp: &mut Listpack, pos: usize, n: i64) {
        let flags = int_of(lp.get(pos)).unwrap_or(0) | FLAG_DELETED;
        lp.replace(pos, flags.to_string().as_bytes());
        Self::shift_counts(lp, n);
    }

    fn shift_counts(lp: &mut Listpack, n: i64) {
        let p = lp.first().expect("a master entry");
        let count = int_of(lp.get(p)).unwrap_or(0);
        lp.replace(p, (count - n).to_string().as_bytes());
        let q = lp.next(p).expect("a deleted count");
        let deleted = int_of(lp.get(q)).unwrap_or(0);
        lp.replace(q, (deleted + n).to_string().as_bytes());
    }

    /// XDEL of one ID: deletes it and keeps `first_id` and `max_deleted_entry_id` current.
    pub fn xdel(&mut self, id: StreamId) -> bool {
        if !self.delete(id) {
            return false;
        }
        if id > self.max_deleted_entry_id {
            self.max_deleted_entry_id = id;
        }
        if self.length == 0 || id == self.first_id {
            self.refresh_first_id();
        }
        true
    }

    /// Redis' streamTrim: removes entries from the head by `how`; with `approx` only whole
    /// nodes; at most `limit` entries when not 0. Returns how many went.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        // Always the head node: a removed one makes the next the head, anything else ends.
        while let Some((&master, lp)) = self.nodes.first_key_value() {
            if let Trim::MaxLen(max) = how {
                if self.length <= max {
                    break;
                }
            }
            let entries = node_count(lp) as u64;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            // MAXLEN judges a node by its count alone; only MINID and a partial trim decode it.
            let remove_node = match how {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => match parse_node(master, lp) {
                    Some(node) => node.entries.last().is_some_and(|e| e.id < min),
                    None => break,
                },
            };
            if remove_node {
                self.nodes.remove(&master);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let Some(node) = parse_node(master, lp) else { break };
            let mut doomed = Vec::new();
            for e in &node.entries {
                let stop = match how {
                    Trim::MaxLen(max) => self.length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    doomed.push(e.flags_pos);
                    self.length -= 1;
                }
            }
            // Rewritten from the tail back, so a flag whose encoding changes size (a file may
            // hold one as text) moves no position still to be used.
            let lp = self.nodes.get_mut(&master).expect("the node exists");
            for &pos in doomed.iter().rev() {
                let flags = int_of(lp.get(pos)).unwrap_or(0) | FLAG_DELETED;
                lp.replace(pos, flags.to_string().as_bytes());
            }
            Self::shift_counts(lp, doomed.len() as i64);
            deleted += doomed.len() as u64;
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.refresh_first_id();
        }
        deleted
    }

    /// Redis' streamRangeHasTombstones: whether a deleted entry may lie in `start..=end`.
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() || self.first_id > self.max_deleted_entry_id {
            return false;
        }
        start <= self.max_deleted_entry_id && self.max_deleted_entry_id <= end
    }

    /// Redis' streamEstimateDistanceFromFirstEverEntry: how many entries were added up to
    /// `id`, or [`INVALID_ENTRIES_READ`] when that cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            if id < self.first_id {
                return added.wrapping_sub(self.length as i64);
            }
            if id == self.first_id {
                return added.wrapping_sub(self.length as i64).wrapping_add(1);
            }
        }
        INVALID_ENTRIES_READ
    }

    /// Redis' streamReplyWithCGLag: how many entries group `g` has yet to read, if known.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.range_has_tombstones(g.last_id, StreamId::MAX) {
            return Some((self.entries_added as i64).wrapping_sub(g.entries_read));
        }
        let read = self.estimate_distance(g.last_id);
        (read != INVALID_ENTRIES_READ).then(|| (self.entries_added as i64).wrapping_sub(read))
    }

    /// A group's bookkeeping as it reads entry `id` past its last ID (streamReplyWithRange).
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let tomb = self.range_has_tombstones(id, StreamId::MAX);
        let estimate = self.estimate_distance(id);
        let added = self.entries_added;
        let Some(g) = self.groups.get_mut(group) else { return };
        if g.entries_read != INVALID_ENTRIES_READ && !tomb {
            g.entries_read = g.entries_read.wrapping_add(1);
        } else if added != 0 {
            g.entries_read = estimate;
        }
        g.last_id = id;
    }

    /// Bytes this stream takes, roughly as Redis counts them for MEMORY USAGE.
    pub fn memory(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|lp| lp.allocated() + 48).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| name.len() + 64 + g.pel.len() * 48 + g.consumers.len() * 64)
            .sum();
        96 + nodes + groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fv(pairs: &[(&str, &str)]) -> Vec<Vec<u8>> {
        pairs
            .iter()
            .flat_map(|(f, v)| [f.as_bytes().to_vec(), v.as_bytes().to_vec()])
            .collect()
    }

    fn filled(n: u64, max_entries: i64) -> Stream {
        let mut s = Stream::new();
        for i in 1..=n {
            s.append(StreamId::new(i, 0), &fv(&[("a", &i.to_string())]), 4096, max_entries);
        }
        s
    }

    #[test]
    fn appends_split_nodes_by_entries_and_read_back() {
        let s = filled(250, 100);
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.len(), 250);
        let all = s.range(StreamId::MIN, StreamId::MAX, 0, false);
        assert_eq!(all.len(), 250);
        assert_eq!(all[7].fields, fv(&[("a", "8")]));
        let rev = s.range(StreamId::new(10, 0), StreamId::new(120, 0), 5, true);
        let ids: Vec<u64> = rev.iter().map(|e| e.id.ms).collect();
        assert_eq!(ids, vec![120, 119, 118, 117, 116]);
        assert!(s.consistent());
    }

    #[test]
    fn different_fields_are_stored_whole() {
        let mut s = Stream::new();
        s.append(StreamId::new(1, 0), &fv(&[("a", "1")]), 4096, 100);
        s.append(StreamId::new(1, 1), &fv(&[("b", "x"), ("c", "y")]), 4096, 100);
        let e = s.get(StreamId::new(1, 1)).unwrap();
        assert_eq!(e.fields, fv(&[("b", "x"), ("c", "y")]));
        assert!(s.consistent());
    }

    #[test]
    fn delete_marks_tombstones_and_drops_empty_nodes() {
        let mut s = filled(3, 100);
        assert!(s.xdel(StreamId::new(1, 0)));
        assert!(!s.xdel(StreamId::new(1, 0)));
        assert_eq!(s.first_id, StreamId::new(2, 0));
        assert_eq!(s.max_deleted_entry_id, StreamId::new(1, 0));
        assert!(s.xdel(StreamId::new(2, 0)) && s.xdel(StreamId::new(3, 0)));
        assert_eq!(s.node_count(), 0);
        assert_eq!(s.first_id, StreamId::MIN);
        assert_eq!(s.last_id, StreamId::new(3, 0));
    }

    #[test]
    fn trims_exactly_or_by_whole_nodes() {
        let mut s = filled(250, 100);
        assert_eq!(s.trim(Trim::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.len(), 120);
        assert_eq!(s.first_id, StreamId::new(131, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(200, 0)), false, 0), 69);
        assert_eq!(s.first_id, StreamId::new(200, 0));
        assert!(s.consistent());
    }

    #[test]
    fn a_malformed_node_is_refused() {
        let mut s = Stream::new();
        let lp = Listpack::from_elements([&b"1"[..], b"0", b"1", b"a", b"0", b"2", b"0", b"0"]);
        assert!(!s.load_node(StreamId::new(1, 0), lp));
    }
}
