//! The in-house runtime shim: thin wrappers over std and `libc` (epoll, eventfd, signalfd, fork for
//! `daemonize`), and
//! the synchronisation primitives, re-exported from `loom` under `cfg(loom)` so that the
//! cross-thread handoff can be model-checked.

#[cfg(not(loom))]
pub mod daemon;
#[cfg(not(loom))]
pub mod epoll;
#[cfg(not(loom))]
pub mod eventfd;
pub mod mailbox;
#[cfg(not(loom))]
pub mod signals;
pub mod sync;
