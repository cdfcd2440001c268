//! Keyed hashing: every hash map in the core is keyed from the server seed, so production gets
//! HashDoS resistance (the seed comes from the OS) and the simulator gets determinism.

use siphasher::sip::SipHasher13;
use std::hash::BuildHasher;

/// A `BuildHasher` for SipHash-1-3 with a fixed 128-bit key.
#[derive(Clone, Copy, Debug)]
pub struct KeyedState {
    k0: u64,
    k1: u64,
}

impl KeyedState {
    pub fn new(k0: u64, k1: u64) -> KeyedState {
        KeyedState { k0, k1 }
    }
}

impl BuildHasher for KeyedState {
    type Hasher = SipHasher13;

    fn build_hasher(&self) -> SipHasher13 {
        SipHasher13::new_with_keys(self.k0, self.k1)
    }
}

/// A hash map keyed from the server seed.
pub type Map<K, V> = hashbrown::HashMap<K, V, KeyedState>;

pub fn new_map<K, V>(state: KeyedState) -> Map<K, V> {
    hashbrown::HashMap::with_hasher(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_hash_different_key_different_hash() {
        let a = KeyedState::new(1, 2).hash_one(b"key");
        let b = KeyedState::new(1, 2).hash_one(b"key");
        let c = KeyedState::new(3, 4).hash_one(b"key");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
