//! The connected clients by id. Every command looks its client up several times, so the
//! table is a hash map with a cheap hash of the id (ids are assigned by the server, in
//! sequence, so there is nothing to attack); whatever walks all clients sees them in id
//! order, the order Redis keeps them in (CLIENT LIST) and one the simulator can replay.

use crate::client::{Client, ClientId};
use std::hash::{BuildHasherDefault, Hasher};

/// Fibonacci hashing of a client id: spreads sequential ids over hashbrown's top bits.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[derive(Default)]
pub(crate) struct Clients {
    map: hashbrown::HashMap<ClientId, Client, BuildHasherDefault<IdHasher>>,
}

impl Clients {
    pub(crate) fn get(&self, id: &ClientId) -> Option<&Client> {
        self.map.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &ClientId) -> Option<&mut Client> {
        self.map.get_mut(id)
    }

    pub(crate) fn contains_key(&self, id: &ClientId) -> bool {
        self.map.contains_key(id)
    }

    pub(crate) fn insert(&mut self, id: ClientId, client: Client) -> Option<Client> {
        self.map.insert(id, client)
    }

    pub(crate) fn remove(&mut self, id: &ClientId) -> Option<Client> {
        self.map.remove(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Every client, in id order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Client> {
        let mut all: Vec<&Client> = self.map.values().collect();
        all.sort_unstable_by_key(|c| c.id);
        all.into_iter()
    }

    /// Every client's id, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &ClientId> {
        let mut all: Vec<&ClientId> = self.map.keys().collect();
        all.sort_unstable();
        all.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_spread_over_the_top_bits() {
        let tops: std::collections::BTreeSet<u64> = (1..=128u64)
            .map(|id| {
                let mut h = IdHasher::default();
                h.write_u64(id);
                h.finish() >> 57
            })
            .collect();
        assert!(tops.len() > 64, "only {} distinct top-7-bit values", tops.len());
    }
}
