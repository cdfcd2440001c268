//! ferrous-io-real: the core driven by the real operating system. N epoll I/O threads share the
//! core behind one lock; a thread parses outside the lock, hands a whole batch of ready commands
//! to the core in one acquisition, and writes each connection's replies in one syscall.

pub mod shim;

#[cfg(not(loom))]
pub mod args;
#[cfg(not(loom))]
pub mod clock;
#[cfg(not(loom))]
mod crash;
#[cfg(not(loom))]
mod disk;
#[cfg(not(loom))]
mod io_thread;
#[cfg(not(loom))]
pub mod log;
#[cfg(not(loom))]
pub mod net;
#[cfg(not(loom))]
mod server;
#[cfg(not(loom))]
mod shared;
#[cfg(not(loom))]
mod slow_loop;
#[cfg(not(loom))]
mod stream;

#[cfg(not(loom))]
pub use server::run;
