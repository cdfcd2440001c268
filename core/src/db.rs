//! A logical database: the keyspace of one `SELECT` index.

use crate::hash::{new_map, KeyedState, Map};

/// A value stored under a key. Only strings exist so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(Vec<u8>),
}

pub struct Db {
    keys: Map<Vec<u8>, Value>,
}

impl Db {
    pub fn new(hasher: KeyedState) -> Db {
        Db { keys: new_map(hasher) }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.keys.get(key)
    }

    pub fn set(&mut self, key: &[u8], value: Value) {
        if let Some(v) = self.keys.get_mut(key) {
            *v = value;
        } else {
            self.keys.insert(key.to_vec(), value);
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.keys.remove(key).is_some()
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.keys.contains_key(key)
    }
}
