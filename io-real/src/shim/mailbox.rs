//! Cross-thread handoff: a queue plus a wake-up signal. Senders push and signal only when the
//! queue was empty; the receiver clears the signal *before* draining, so a push that races with
//! a drain is either drained now or leaves the signal set for the next round — never lost.
//! `tests/loom_mailbox.rs` model-checks exactly that.

use super::sync::{lock, Mutex};

/// Something that can wake the receiving thread (an eventfd in production, a flag under loom).
pub trait Wake {
    fn wake(&self);
    /// Clears the signal; returns whether it was set.
    fn clear(&self) -> bool;
}

pub struct Mailbox<T, W: Wake> {
    queue: Mutex<Vec<T>>,
    waker: W,
}

impl<T, W: Wake> Mailbox<T, W> {
    pub fn new(waker: W) -> Self {
        Mailbox {
            queue: Mutex::new(Vec::new()),
            waker,
        }
    }

    pub fn waker(&self) -> &W {
        &self.waker
    }

    /// Queues `items`, waking the receiver if it may be asleep.
    pub fn push_all(&self, items: impl IntoIterator<Item = T>) {
        let was_empty = {
            let mut q = lock(&self.queue);
            let was_empty = q.is_empty();
            q.extend(items);
            was_empty && !q.is_empty()
        };
        if was_empty {
            self.waker.wake();
        }
    }

    pub fn push(&self, item: T) {
        self.push_all(std::iter::once(item));
    }

    /// Receiver side: clear the signal, then take everything queued.
    pub fn drain_into(&self, out: &mut Vec<T>) {
        self.waker.clear();
        let mut q = lock(&self.queue);
        out.append(&mut q);
    }
}
