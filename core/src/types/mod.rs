//! The collection types stored in the keyspace, each in the encodings Redis gives it (t_*.c).

pub mod hash;
pub mod list;
pub mod ranked;
pub mod set;
pub mod stream;
pub mod zset;
