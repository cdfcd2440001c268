//! ferrous under simulation: the same core that serves real sockets, driven by a seeded
//! simulated network and a virtual clock. One `u64` seed determines a whole run; the trace hash
//! proves it.
//!
//! - [`sim`]: the loop ([`Sim`]), the [`Actors`] trait through which clients and checkers take
//!   part, and what they may do ([`Ctx`]).
//! - [`net`]: connections with per-connection latency, random splitting and coalescing.
//! - [`node`]: a machine running a server process — the core plus per-connection request
//!   parsers — that can crash and restart from its disk.
//! - [`disk`]: a node's disk, where only what was fsynced is sure to survive a crash.
//! - [`clock`], [`agenda`], [`rng`]: virtual time, the time-ordered queue, seeded randomness.
//! - [`request`] and [`reply`]: the client side of RESP (encoding requests, parsing replies).
//! - [`trace`]: the trace hash and the optional text trace.

pub mod agenda;
pub mod clock;
pub mod disk;
pub mod net;
pub mod node;
pub mod reply;
pub mod request;
pub mod rng;
pub mod sim;
pub mod trace;

pub use disk::{DiskFaults, SimDisk};
pub use net::{ConnId, NetConfig};
pub use node::NodeId;
pub use reply::{ReplyParser, Value};
pub use rng::SimRng;
pub use sim::{Actors, Ctx, Failure, Progress, Sim, SimConfig};
pub use trace::TraceMode;
