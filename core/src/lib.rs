//! ferrous-core: the whole behaviour of the server as a pure state machine. No I/O, no clock, no
//! OS randomness, no threads: time and bytes come in as [`Event`]s, effects go out as
//! [`Output`]s. The real backend (`ferrous-io-real`) and the simulator (`ferrous-io-sim`) drive
//! the very same [`Server`].

mod blocking;
pub mod bytes;
pub mod client;
pub mod client_memory;
mod clients;
mod cmd;
pub mod command;
pub mod config;
pub mod db;
pub mod dict;
pub mod disk;
mod evict;
pub mod glob;
pub mod harness;
pub mod hash;
mod keyspace;
pub mod ldouble;
mod lfu;
pub mod listpack;
mod migrate;
mod multi;
pub mod notify;
mod obuf;
mod pause;
mod persist;
pub mod pubsub;
pub mod rdb;
mod relisten;
mod repl;
mod replica;
pub mod resp;
mod scripting;
pub mod server;
pub mod shutdown;
mod snapshot;
pub mod time;
pub mod tracking;
pub mod types;
pub mod value;

pub use client::{ClientId, ConnInfo};
pub use config::{Config, LogLevel};
pub use disk::{DiskError, DiskErrorKind, DiskOp, DiskReq, DiskResult, MemDisk};
pub use resp::{Args, ParseLimits, ProtocolError, QueryBufferUsage, RequestParser};
pub use server::{Event, MemoryStats, Output, Server, ServerEnv, Signal, REDIS_VERSION};
pub use time::Now;
