//! The collection types stored in the keyspace, one file each (Redis' t_*.c data side).

pub mod list;
