//! The collection types stored in the keyspace, each in the encodings Redis gives it.

pub mod set;
