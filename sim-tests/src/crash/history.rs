//! The crash scenarios' model: every write the server ran, in the order it ran them, and
//! what its client learnt of it; and the checker that a dataset recovered after a crash is
//! what some prefix of that history leaves, lost no write it had to keep, and invented none.
//!
//! Each write carries a unique id and adds it to a key (RPUSH, SADD, HSET, ZADD) or makes it
//! a key's value (SET), so the recovered dataset shows which writes it holds. Writes are
//! recorded when the server gets them; a reply marks them acknowledged or refused; those
//! whose reply never came (the server crashed first) may or may not have run.

use std::collections::BTreeMap;

/// The kinds of key the writers write, each by a command whose effect shows the write's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    List,
    Set,
    Hash,
    Zset,
    Str,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::List, Kind::Set, Kind::Hash, Kind::Zset, Kind::Str];

    pub fn prefix(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Set => "set",
            Kind::Hash => "hash",
            Kind::Zset => "zset",
            Kind::Str => "str",
        }
    }
}

/// A key: its kind and slot (`list:3`).
pub type Key = (Kind, u32);

pub fn key_name(key: Key) -> Vec<u8> {
    format!("{}:{}", key.0.prefix(), key.1).into_bytes()
}

pub fn parse_key(name: &[u8]) -> Option<Key> {
    let s = std::str::from_utf8(name).ok()?;
    let (prefix, slot) = s.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
    Some((kind, slot.parse().ok()?))
}

/// What is known of one write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The server has it; no reply yet.
    Pending,
    /// The client got its success reply at this time (virtual µs).
    Acked(u64),
    /// The server refused it (MISCONF): it did not run.
    Refused,
    /// The server crashed before the client heard back: it may or may not have run.
    Unknown,
    /// A recovery showed it in the dataset: it must stay.
    Kept,
    /// A recovery showed it gone (it was allowed to go): it is no longer part of the dataset.
    Lost,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Key,
    pub id: u64,
    pub status: Status,
    /// Written by the same script as the entry before it: both are in a dataset or neither.
    pub joined: bool,
}

impl Entry {
    /// Whether the write is part of the dataset for sure (if the history up to it is).
    fn certain(&self) -> bool {
        matches!(self.status, Status::Acked(_) | Status::Kept)
    }
}

/// A recovered dataset: per key, the ids it shows (a list's in order; a string's one value).
pub type Observed = BTreeMap<Key, Vec<u64>>;

/// Which acknowledged writes a crash may not lose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// appendfsync always: every one.
    Every,
    /// appendfsync everysec: those acknowledged more than `window_us` before the crash,
    /// unless a disk fault came after them.
    OlderThan { window_us: u64 },
    /// Snapshots only: none (but whatever a recovery showed must stay).
    Snapshots,
}

/// The circumstances of one crash.
pub struct Crash<'a> {
    pub at_us: u64,
    pub durability: Durability,
    /// Disk faults on the node so far: (start, end) in virtual µs.
    pub faults: &'a [(u64, u64)],
    /// Spans (start, end) in virtual µs from a `CONFIG SET appendonly no` until the AOF was
    /// seen back on (its first rewrite done): what was acknowledged then is not promised.
    pub aof_off: &'a [(u64, u64)],
}

#[derive(Default)]
pub struct History {
    entries: Vec<Entry>,
    by_id: BTreeMap<u64, usize>,
}

/// What a successful check found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Writes of the history the recovered dataset holds (the prefix length).
    pub prefix: usize,
    /// Acknowledged writes the crash was allowed to lose and did.
    pub lost_acked: usize,
}

impl History {
    pub fn record(&mut self, key: Key, id: u64) {
        self.push(key, id, false);
    }

    /// A write the same script made right after the last one recorded.
    pub fn record_joined(&mut self, key: Key, id: u64) {
        self.push(key, id, true);
    }

    fn push(&mut self, key: Key, id: u64, joined: bool) {
        self.by_id.insert(id, self.entries.len());
        self.entries.push(Entry {
            key,
            id,
            status: Status::Pending,
            joined,
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn acked(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, Status::Acked(_) | Status::Kept))
            .count()
    }

    /// The reply to write `id` arrived: `ok`, or a refusal.
    pub fn replied(&mut self, id: u64, ok: bool, now_us: u64) -> Result<(), String> {
        let e = self.entry_mut(id)?;
        if e.status != Status::Pending {
            return Err(format!("write {id}: a second reply ({:?} before)", e.status));
        }
        e.status = if ok { Status::Acked(now_us) } else { Status::Refused };
        Ok(())
    }

    fn entry_mut(&mut self, id: u64) -> Result<&mut Entry, String> {
        let i = *self
            .by_id
            .get(&id)
            .ok_or(format!("a reply for write {id}, which the server never got"))?;
        Ok(&mut self.entries[i])
    }

    /// Checks the dataset recovered after `crash` against the history, then makes the
    /// recovered state the history's new starting point.
    pub fn recover(&mut self, crash: &Crash<'_>, observed: &Observed) -> Result<Recovery, String> {
        for e in &mut self.entries {
            if e.status == Status::Pending {
                e.status = Status::Unknown;
            }
        }
        let positions = self.positions(observed)?;
        self.check_scripts(&positions)?;
        let prefix = positions.values().max().map_or(0, |&i| i + 1);
        self.check_prefix(observed, prefix)?;
        let lost_acked = self.check_durability(crash, prefix)?;
        self.settle(&positions, prefix);
        Ok(Recovery { prefix, lost_acked })
    }

    /// Where each observed id is in the history; an id the history does not have for that key
    /// (or knows did not run) is invented.
    fn positions(&self, observed: &Observed) -> Result<BTreeMap<u64, usize>, String> {
        let mut positions = BTreeMap::new();
        for (&key, ids) in observed {
            let mut last = None;
            for &id in ids {
                let i = *self
                    .by_id
                    .get(&id)
                    .ok_or_else(|| format!("{} holds {id}, which no write wrote", show_key(key)))?;
                let e = &self.entries[i];
                if e.key != key || matches!(e.status, Status::Refused | Status::Lost) {
                    return Err(format!(
                        "{} holds {id}, written to {} ({:?})",
                        show_key(key),
                        show_key(e.key),
                        e.status
                    ));
                }
                if positions.insert(id, i).is_some() {
                    return Err(format!("{} holds {id} twice", show_key(key)));
                }
                if key.0 == Kind::List && last.is_some_and(|l| l > i) {
                    return Err(format!("{} holds {ids:?}: not in the order written", show_key(key)));
                }
                last = Some(i);
            }
        }
        Ok(positions)
    }

    /// Every write before `prefix` that surely ran shows in the dataset (or, for a string,
    /// is overwritten by a later one that shows).
    fn check_prefix(&self, observed: &Observed, prefix: usize) -> Result<(), String> {
        let shown = |key: Key, id: u64| observed.get(&key).is_some_and(|ids| ids.contains(&id));
        let mut last_str: BTreeMap<Key, usize> = BTreeMap::new();
        for (i, e) in self.entries[..prefix].iter().enumerate() {
            if !e.certain() {
                continue;
            }
            if e.key.0 == Kind::Str {
                last_str.insert(e.key, i);
            } else if !shown(e.key, e.id) {
                return Err(self.gap(e, prefix));
            }
        }
        for (key, i) in last_str {
            let value = observed.get(&key).and_then(|ids| ids.first());
            let ok = value.is_some_and(|v| self.by_id[v] >= i);
            if !ok {
                return Err(self.gap(&self.entries[i], prefix));
            }
        }
        Ok(())
    }

    fn gap(&self, e: &Entry, prefix: usize) -> String {
        let last = &self.entries[prefix - 1];
        format!(
            "not a prefix of the history: write {} ({} {:?}) is missing, but the later write {} ({}) is there",
            e.id,
            show_key(e.key),
            e.status,
            last.id,
            show_key(last.key)
        )
    }

    /// Writes the policy says must survive are inside the prefix; returns how many
    /// acknowledged writes were lost (as allowed).
    fn check_durability(&self, crash: &Crash<'_>, prefix: usize) -> Result<usize, String> {
        let mut lost = 0;
        for e in &self.entries[prefix..] {
            let must = match e.status {
                Status::Kept => true,
                Status::Acked(at) => must_survive(crash, at),
                _ => continue,
            };
            if must {
                return Err(format!(
                    "write {} to {} ({:?}) was lost by the crash at {} µs ({:?}); the recovered dataset holds the first {prefix} of {} writes",
                    e.id,
                    show_key(e.key),
                    e.status,
                    crash.at_us,
                    crash.durability,
                    self.entries.len()
                ));
            }
            lost += 1;
        }
        Ok(lost)
    }

    /// After the check: writes inside the prefix that show are kept; every other write that
    /// was not surely run is gone, as is everything after the prefix.
    /// A script's writes (list and set ids, which later writes never hide) are recovered
    /// together or not at all: scripts run atomically and persist as one MULTI/EXEC.
    fn check_scripts(&self, positions: &BTreeMap<u64, usize>) -> Result<(), String> {
        for pair in self.entries.windows(2).filter(|w| w[1].joined) {
            let (a, b) = (&pair[0], &pair[1]);
            if positions.contains_key(&a.id) != positions.contains_key(&b.id) {
                return Err(format!(
                    "a script's writes were recovered in part: write {} ({}) is {}, write {} ({}) is not",
                    a.id,
                    show_key(a.key),
                    if positions.contains_key(&a.id) {
                        "there"
                    } else {
                        "missing"
                    },
                    b.id,
                    show_key(b.key),
                ));
            }
        }
        Ok(())
    }

    fn settle(&mut self, positions: &BTreeMap<u64, usize>, prefix: usize) {
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.status = if i >= prefix {
                match e.status {
                    Status::Refused => Status::Refused,
                    _ => Status::Lost,
                }
            } else if positions.contains_key(&e.id) {
                Status::Kept
            } else if e.status == Status::Unknown {
                Status::Lost
            } else {
                e.status
            };
        }
    }
}

fn must_survive(crash: &Crash<'_>, acked_us: u64) -> bool {
    if crash.aof_off.iter().any(|&(a, b)| a <= acked_us && acked_us <= b) {
        return false;
    }
    match crash.durability {
        Durability::Every => true,
        Durability::Snapshots => false,
        Durability::OlderThan { window_us } => {
            let faulted = crash.faults.iter().any(|&(_, end)| end >= acked_us);
            acked_us + window_us < crash.at_us && !faulted
        }
    }
}

fn show_key(key: Key) -> String {
    String::from_utf8_lossy(&key_name(key)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Key = (Kind::List, 0);
    const S: Key = (Kind::Str, 0);

    fn crash(durability: Durability) -> Crash<'static> {
        Crash {
            at_us: 10_000_000,
            durability,
            faults: &[],
            aof_off: &[],
        }
    }

    fn history(writes: &[(Key, u64)]) -> History {
        let mut h = History::default();
        for &(k, id) in writes {
            h.record(k, id);
            h.replied(id, true, 1_000).unwrap();
        }
        h
    }

    fn obs(items: &[(Key, &[u64])]) -> Observed {
        items.iter().map(|(k, ids)| (*k, ids.to_vec())).collect()
    }

    #[test]
    fn everything_acknowledged_recovered_passes() {
        let mut h = history(&[(L, 1), (S, 2), (L, 3), (S, 4)]);
        let r = h
            .recover(&crash(Durability::Every), &obs(&[(L, &[1, 3]), (S, &[4])]))
            .unwrap();
        assert_eq!(
            r,
            Recovery {
                prefix: 4,
                lost_acked: 0
            }
        );
    }

    #[test]
    fn under_always_an_acknowledged_write_must_survive() {
        let mut h = history(&[(L, 1), (L, 2)]);
        let err = h.recover(&crash(Durability::Every), &obs(&[(L, &[1])])).unwrap_err();
        assert!(err.contains("write 2"), "{err}");
        let mut h = history(&[(L, 1), (L, 2)]);
        let r = h.recover(&crash(Durability::Snapshots), &obs(&[(L, &[1])])).unwrap();
        assert_eq!(r.lost_acked, 1);
    }

    #[test]
    fn under_everysec_only_recent_or_faulted_writes_may_go() {
        let old = |faults: &'static [(u64, u64)]| Crash {
            at_us: 1_000 + 3_000_000,
            durability: Durability::OlderThan { window_us: 2_000_000 },
            faults,
            aof_off: &[],
        };
        let mut h = history(&[(L, 1)]);
        assert!(h.recover(&old(&[]), &obs(&[])).is_err());
        let mut h = history(&[(L, 1)]);
        assert!(h.recover(&old(&[(2_000, 500_000)]), &obs(&[])).is_ok());
        let recent = Crash {
            at_us: 1_500_000,
            ..old(&[])
        };
        let mut h = history(&[(L, 1)]);
        assert!(h.recover(&recent, &obs(&[])).is_ok());
    }

    #[test]
    fn writes_acknowledged_while_the_aof_was_off_may_go() {
        let mut h = history(&[(L, 1)]);
        h.record(L, 2);
        h.replied(2, true, 5_000).unwrap();
        let off = |aof_off: &'static [(u64, u64)]| Crash {
            aof_off,
            ..crash(Durability::Every)
        };
        assert!(h.recover(&off(&[(4_000, 6_000)]), &obs(&[(L, &[1])])).is_ok());
        let mut h = history(&[(L, 1)]);
        assert!(
            h.recover(&off(&[(4_000, 6_000)]), &obs(&[])).is_err(),
            "acknowledged before the span"
        );
    }

    #[test]
    fn a_hole_in_the_history_is_not_a_prefix() {
        let mut h = history(&[(L, 1), (S, 2), (L, 3)]);
        let err = h
            .recover(&crash(Durability::Snapshots), &obs(&[(L, &[1, 3])]))
            .unwrap_err();
        assert!(err.contains("not a prefix"), "{err}");
        let mut h = history(&[(S, 1), (S, 2), (L, 3)]);
        let err = h
            .recover(&crash(Durability::Snapshots), &obs(&[(S, &[1]), (L, &[3])]))
            .unwrap_err();
        assert!(err.contains("not a prefix"), "{err}");
    }

    #[test]
    fn invented_duplicated_or_reordered_ids_fail() {
        for bad in [
            obs(&[(L, &[9])]),
            obs(&[(L, &[1, 1])]),
            obs(&[(L, &[2, 1])]),
            obs(&[(S, &[1])]),
        ] {
            let mut h = history(&[(L, 1), (L, 2)]);
            assert!(h.recover(&crash(Durability::Snapshots), &bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unanswered_writes_may_or_may_not_have_run_and_refused_ones_did_not() {
        let mut h = history(&[(L, 1)]);
        h.record(L, 2);
        h.record(L, 3);
        h.replied(3, false, 5).unwrap();
        h.record(L, 4);
        assert!(h.recover(&crash(Durability::Every), &obs(&[(L, &[1, 4])])).is_ok());
        let mut h = history(&[(L, 1)]);
        h.record(L, 2);
        h.replied(2, false, 5).unwrap();
        assert!(h.recover(&crash(Durability::Every), &obs(&[(L, &[1, 2])])).is_err());
    }

    #[test]
    fn what_a_recovery_showed_must_survive_later_crashes() {
        let mut h = history(&[(L, 1)]);
        h.record(L, 2);
        h.recover(&crash(Durability::Snapshots), &obs(&[(L, &[1, 2])])).unwrap();
        h.record(L, 3);
        // 2 was never acknowledged, but the first recovery showed it.
        let err = h
            .recover(&crash(Durability::Snapshots), &obs(&[(L, &[1])]))
            .unwrap_err();
        assert!(err.contains("write 2"), "{err}");
        // Writes a recovery lost may not come back.
        let mut h = history(&[(L, 1), (L, 2)]);
        h.recover(&crash(Durability::Snapshots), &obs(&[(L, &[1])])).unwrap();
        assert!(h.recover(&crash(Durability::Snapshots), &obs(&[(L, &[1, 2])])).is_err());
    }

    #[test]
    fn key_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(parse_key(&key_name((k, 7))), Some((k, 7)));
        }
        assert_eq!(parse_key(b"other:1"), None);
    }

    #[test]
    fn a_script_recovered_in_part_fails_even_when_unacknowledged() {
        const SET: Key = (Kind::Set, 0);
        let mut h = History::default();
        h.record(L, 1);
        h.record_joined(SET, 2);
        // No reply came: each alone could have been lost, but not one without the other.
        let err = h
            .recover(&crash(Durability::Snapshots), &obs(&[(L, &[1])]))
            .unwrap_err();
        assert!(err.contains("recovered in part"), "{err}");
        let mut h = History::default();
        h.record(L, 1);
        h.record_joined(SET, 2);
        assert!(h
            .recover(&crash(Durability::Snapshots), &obs(&[(L, &[1]), (SET, &[2])]))
            .is_ok());
    }
}
