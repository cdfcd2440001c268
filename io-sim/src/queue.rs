//! The virtual-time event queue: ordered by time, then by insertion, so equal times replay in a
//! fixed order.

use std::collections::BTreeMap;

pub struct EventQueue<T> {
    items: BTreeMap<(u64, u64), T>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            items: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<T> EventQueue<T> {
    pub fn push(&mut self, at_us: u64, item: T) {
        self.items.insert((at_us, self.seq), item);
        self.seq += 1;
    }

    /// The earliest item and its time.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        self.items.pop_first().map(|((t, _), v)| (t, v))
    }

    pub fn peek_time(&self) -> Option<u64> {
        self.items.keys().next().map(|(t, _)| *t)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
