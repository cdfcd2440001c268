//! A time-ordered queue of things that will happen. Ties are broken by insertion order, so the
//! order of simultaneous happenings depends on nothing but the seed.

use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Agenda<T> {
    items: BTreeMap<(u64, u64), T>,
    seq: u64,
}

impl<T> Default for Agenda<T> {
    fn default() -> Self {
        Agenda {
            items: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<T> Agenda<T> {
    pub fn push(&mut self, at_us: u64, item: T) {
        self.items.insert((at_us, self.seq), item);
        self.seq += 1;
    }

    /// When the earliest item is due.
    pub fn next_at(&self) -> Option<u64> {
        self.items.keys().next().map(|&(at, _)| at)
    }

    /// Removes the earliest item if it is due at or before `now_us`.
    pub fn pop_due(&mut self, now_us: u64) -> Option<(u64, T)> {
        if self.next_at()? > now_us {
            return None;
        }
        self.items.pop_first().map(|((at, _), item)| (at, item))
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Agenda;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut a = Agenda::default();
        a.push(20, "late");
        a.push(10, "first");
        a.push(10, "second");
        assert_eq!(a.next_at(), Some(10));
        assert_eq!(a.pop_due(5), None);
        assert_eq!(a.pop_due(10), Some((10, "first")));
        assert_eq!(a.pop_due(10), Some((10, "second")));
        assert_eq!(a.pop_due(100), Some((20, "late")));
        assert!(a.is_empty());
    }
}
