//! Synchronisation primitives: std's in production, loom's under `cfg(loom)`.

#[cfg(loom)]
pub use loom::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex, MutexGuard,
};
#[cfg(not(loom))]
pub use std::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex, MutexGuard,
};

/// Locks `m`, ignoring poisoning: a panicking I/O thread must not take the others down with it
/// (the data behind the lock is the core, which keeps its own invariants per call).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
