//! The collection types stored in the keyspace, each with Redis' encodings (t_*.c).

pub mod hash;
