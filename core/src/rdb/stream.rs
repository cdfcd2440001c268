//! Streams in RDB (facts from Redis 7.0's rdb.c): the nodes as `master-ID listpack` string
//! pairs, the stream's counters, then each consumer group with its pending entries and its
//! consumers. Type 19 (STREAM_LISTPACKS_2) is written; 15 (Redis 5/6, without first ID,
//! tombstone ID, entries-added and groups' entries-read) and 21 (Redis 7.2, with each
//! consumer's active time) are read too.

use super::decode::{Decoder, ErrorKind, RdbError};
use super::encode::Encoder;
use super::types;
use crate::listpack::Listpack;
use crate::types::stream::{Group, Nack, Stream, StreamId};

/// Redis 7.2's stream type (RDB version 11): consumers carry their active time.
pub const STREAM_LISTPACKS_3: u8 = 21;

impl Encoder {
    /// A stream's body as type 19.
    pub fn write_stream(&mut self, s: &Stream) {
        self.write_len(s.node_count() as u64);
        for (master, lp) in s.nodes() {
            self.write_string(&master.to_be_bytes());
            self.write_string(lp.as_bytes());
        }
        self.write_len(s.length);
        for id in [s.last_id, s.first_id, s.max_deleted_entry_id] {
            self.write_len(id.ms);
            self.write_len(id.seq);
        }
        self.write_len(s.entries_added);
        self.write_len(s.groups.len() as u64);
        for (name, g) in &s.groups {
            self.write_string(name);
            self.write_len(g.last_id.ms);
            self.write_len(g.last_id.seq);
            // Redis writes entries_read as an unsigned length: -1 becomes 2^64-1.
            self.write_len(g.entries_read as u64);
            self.write_len(g.pel.len() as u64);
            for (id, nack) in &g.pel {
                self.write_raw(&id.to_be_bytes());
                self.write_raw(&nack.delivery_time.to_le_bytes());
                self.write_len(nack.delivery_count);
            }
            self.write_len(g.consumers.len() as u64);
            for (cname, c) in &g.consumers {
                self.write_string(cname);
                self.write_raw(&c.seen_time.to_le_bytes());
                self.write_len(c.pel.len() as u64);
                for id in &c.pel {
                    self.write_raw(&id.to_be_bytes());
                }
            }
        }
    }
}

fn bad<T>(offset: usize, reason: &'static str) -> Result<T, RdbError> {
    Err(RdbError {
        offset,
        kind: ErrorKind::BadBlob { reason },
    })
}

impl Decoder<'_> {
    fn read_id(&mut self) -> Result<StreamId, RdbError> {
        Ok(StreamId::new(self.read_len()?, self.read_len()?))
    }

    fn read_raw_id(&mut self) -> Result<StreamId, RdbError> {
        let at = self.position();
        StreamId::from_be_bytes(self.read_bytes(16)?).map_or_else(|| bad(at, "Stream PEL ID loading failed"), Ok)
    }

    fn read_ms(&mut self) -> Result<i64, RdbError> {
        let b = self.read_bytes(8)?;
        Ok(i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// A stream of RDB type `t` (15, 19 or 21).
    pub(super) fn read_stream(&mut self, t: u8) -> Result<Stream, RdbError> {
        let mut s = Stream::new();
        let nodes = self.read_len()?;
        for _ in 0..nodes {
            let at = self.position();
            let key = self.read_string_bytes()?;
            let Some(master) = StreamId::from_be_bytes(&key) else {
                return bad(at, "Stream node key entry is not the size of a stream ID");
            };
            let at = self.position();
            let blob = self.read_string_bytes()?;
            let lp = Listpack::from_bytes(blob).or_else(|reason| bad(at, reason))?;
            if !s.load_node(master, lp) {
                return bad(at, "Stream listpack integrity check failed");
            }
        }
        let at = self.position();
        s.length = self.read_len()?;
        s.last_id = self.read_id()?;
        if t == types::STREAM_LISTPACKS {
            s.entries_added = s.length;
            s.first_id = s.edge_id(true, true).unwrap_or(StreamId::MAX);
        } else {
            s.first_id = self.read_id()?;
            s.max_deleted_entry_id = self.read_id()?;
            s.entries_added = self.read_len()?;
        }
        if !s.consistent() {
            return bad(at, "Stream length inconsistent with its entries");
        }
        let groups = self.read_len()?;
        for _ in 0..groups {
            let at = self.position();
            let name = self.read_string_bytes()?;
            let last_id = self.read_id()?;
            let entries_read = if t == types::STREAM_LISTPACKS {
                s.estimate_distance(last_id)
            } else {
                self.read_len()? as i64
            };
            if s.groups.contains_key(&name) {
                return bad(at, "Duplicated consumer group name");
            }
            let g = self.read_group(t, Group::new(last_id, entries_read))?;
            s.groups.insert(name, g);
        }
        Ok(s)
    }

    /// A group's global PEL and consumers; every pending entry must end up owned.
    fn read_group(&mut self, t: u8, mut g: Group) -> Result<Group, RdbError> {
        let pel = self.read_len()?;
        for _ in 0..pel {
            let at = self.position();
            let id = self.read_raw_id()?;
            let delivery_time = self.read_ms()?;
            let delivery_count = self.read_len()?;
            let nack = Nack {
                delivery_time,
                delivery_count,
                consumer: Vec::new(),
            };
            if g.pel.insert(id, nack).is_some() {
                return bad(at, "Duplicated global PEL entry loading stream consumer group");
            }
        }
        let mut owned_ids = std::collections::BTreeSet::new();
        let consumers = self.read_len()?;
        for _ in 0..consumers {
            let at = self.position();
            let name = self.read_string_bytes()?;
            let seen = self.read_ms()?;
            if t == STREAM_LISTPACKS_3 {
                self.read_ms()?;
            }
            if !g.create_consumer(&name, seen) {
                return bad(at, "Duplicate stream consumer detected");
            }
            let owned = self.read_len()?;
            for _ in 0..owned {
                let at = self.position();
                let id = self.read_raw_id()?;
                let Some(nack) = g.pel.get_mut(&id) else {
                    return bad(at, "Consumer entry not found in group global PEL");
                };
                if !owned_ids.insert(id) {
                    return bad(at, "Duplicated consumer PEL entry loading a stream consumer group");
                }
                nack.consumer = name.clone();
                if let Some(c) = g.consumers.get_mut(&name) {
                    c.pel.insert(id);
                }
            }
        }
        if owned_ids.len() != g.pel.len() {
            return bad(self.position(), "Stream PEL entry with no consumer");
        }
        Ok(g)
    }
}
