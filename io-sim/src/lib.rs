//! ferrous-io-sim: the core driven by a simulated world. One u64 seed decides everything —
//! latencies, how byte streams are split, when clients connect, send and leave — and time is
//! virtual: the simulation jumps straight to the next thing that happens. The same seed gives a
//! bit-identical run, summarised by a trace hash.
//!
//! What is simulated so far: the network between clients and one server node, and the clocks.
//! Disk, crashes and partitions come with persistence and replication; the event queue and node
//! types are shaped for them (events carry a node-addressed target).

pub mod queue;
pub mod reply;
pub mod rng;
pub mod trace;
pub mod world;

pub use reply::{ReplyParser, RespValue};
pub use rng::SimRng;
pub use trace::TraceHasher;
pub use world::{ClientHandle, Delivery, World, WorldConfig};
