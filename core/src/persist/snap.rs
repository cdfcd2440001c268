//! A point-in-time view of one database for a background save, without fork and without
//! copying the dataset.
//!
//! The save walks the database's dict slot by slot (entries never move between slots while
//! they exist). Before any change to a key ([`Db`]'s mutators call [`Db::preserve`]):
//! - a key the walk has not reached yet is written out now, as it is (value, expiry, access
//!   field), into the section's `early` bytes, and remembered so the walk skips it;
//! - a key that does not exist yet is remembered, so that the walk skips it if it is created
//!   in a slot still ahead;
//! - a key the walk has passed needs nothing.
//!
//! FLUSHDB during the save hands the old dicts to the snapshot (`frozen`), which the walk then
//! finishes; every key of the emptied database is new. SWAPDB moves a `Db` together with its
//! snapshot, so a section is found by the index the database had when the save began.

use crate::bytes::SmallBytes;
use crate::db::{Db, Obj};
use crate::dict::Dict;
use crate::hash::KeyedState;
use crate::rdb::file::{write_entry, Access};
use crate::rdb::Encoder;

pub(crate) struct DbSnap {
    /// The database index this section is saved under.
    pub(crate) section: usize,
    pub(crate) keys_at_start: usize,
    pub(crate) expires_at_start: usize,
    /// Slots below `cursor` have been walked; no key that existed at the start is at or
    /// above `bound`.
    cursor: u32,
    bound: u32,
    /// Keys the walk must skip: written early, or created after the start.
    done: hashbrown::HashSet<SmallBytes, KeyedState>,
    /// Entries written ahead of the walk.
    early: Encoder,
    format: EntryFormat,
    frozen: Option<Box<Frozen>>,
}

/// A database's dicts as FLUSHDB found them during a save: keys and expiry times.
type Frozen = (Dict<SmallBytes, Obj>, Dict<SmallBytes, u64>);

/// How a save encodes entries.
#[derive(Clone, Copy)]
pub(crate) struct EntryFormat {
    pub(crate) compression: bool,
    pub(crate) access: Access,
    /// As commands (an AOF base without the RDB preamble) instead of RDB entries.
    pub(crate) commands: bool,
}

impl EntryFormat {
    pub(crate) fn encoder(&self) -> Encoder {
        Encoder::new(self.compression)
    }

    /// One key, with its expiry, into `out`.
    fn write(&self, out: &mut Encoder, key: &[u8], obj: &Obj, expire_at: Option<u64>) {
        if self.commands {
            let mut cmds = Vec::new();
            crate::persist::rewrite::write_key(&mut cmds, key, &obj.value, expire_at);
            return out.write_raw(&cmds);
        }
        write_entry(out, key, obj, expire_at, self.access);
    }
}

impl Db {
    /// Starts saving this database as section `section`.
    pub(crate) fn begin_snapshot(&mut self, section: usize, format: EntryFormat) {
        self.snap = Some(Box::new(DbSnap {
            section,
            keys_at_start: self.len(),
            expires_at_start: self.expires_len(),
            cursor: 0,
            bound: self.keys.slot_bound(),
            done: hashbrown::HashSet::with_hasher(self.keys.hasher()),
            early: format.encoder(),
            format,
            frozen: None,
        }));
    }

    pub(crate) fn end_snapshot(&mut self) {
        self.snap = None;
    }

    pub(crate) fn snapshot(&self) -> Option<&DbSnap> {
        self.snap.as_deref()
    }

    /// Writes `key` out before its first change if the save has not reached it yet.
    pub(crate) fn preserve(&mut self, key: &[u8]) {
        let Some(snap) = self.snap.as_deref_mut() else {
            return;
        };
        if snap.frozen.is_some() || snap.done.contains(key) {
            return;
        }
        match self.keys.get_key_value(key) {
            Some((k, obj)) => {
                let slot = self.keys.slot_of(key).unwrap_or(0);
                if slot >= snap.cursor && slot < snap.bound {
                    let expire_at = self.expires.get(key).copied();
                    snap.format.write(&mut snap.early, k, obj, expire_at);
                    snap.done.insert(k.clone());
                }
            }
            None => {
                snap.done.insert(key.into());
            }
        }
    }

    /// FLUSHDB while saving: the save keeps the old dicts; returns whether it took them.
    pub(crate) fn freeze_for_snapshot(&mut self) -> bool {
        let Some(snap) = self.snap.as_deref_mut() else {
            return false;
        };
        if snap.frozen.is_none() {
            let h = self.keys.hasher();
            let keys = std::mem::replace(&mut self.keys, Dict::new(h));
            let expires = std::mem::replace(&mut self.expires, Dict::new(h));
            snap.frozen = Some(Box::new((keys, expires)));
        } else {
            self.keys.clear();
            self.expires.clear();
        }
        true
    }

    /// Writes the next entries of this section into `out`: what was written early, then up to
    /// `max_keys` keys of the walk. Returns the keys written and whether the section is done.
    pub(crate) fn snapshot_step(&mut self, out: &mut Encoder, max_keys: usize) -> (usize, bool) {
        let Some(snap) = self.snap.as_deref_mut() else {
            return (0, true);
        };
        let DbSnap {
            cursor,
            bound,
            done,
            early,
            format,
            frozen,
            ..
        } = snap;
        out.write_raw(&early.take_bytes());
        let (keys, expires) = match frozen.as_deref() {
            Some((k, e)) => (k, e),
            None => (&self.keys, &self.expires),
        };
        let mut n = 0;
        while *cursor < *bound && n < max_keys {
            if let Some((k, obj)) = keys.entry_at(*cursor) {
                if done.is_empty() || !done.contains(&k[..]) {
                    format.write(out, k, obj, expires.get(&k[..]).copied());
                    n += 1;
                }
            }
            *cursor += 1;
        }
        (n, *cursor >= *bound)
    }
}
