//! Model checks of the cross-thread handoff (run with `RUSTFLAGS="--cfg loom" cargo test -p
//! ferrous-io-real --test loom_mailbox --release`). Without `cfg(loom)` the same scenarios run
//! once on real threads.

use ferrous_io_real::shim::mailbox::{Mailbox, Wake};
use ferrous_io_real::shim::sync::{Arc, AtomicBool, Ordering};

#[cfg(loom)]
use loom::{model, thread};
#[cfg(not(loom))]
use std::thread;

#[cfg(not(loom))]
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    f()
}

/// The eventfd stand-in: a flag that is set by `wake` and reset by `clear`.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(&self) {
        self.0.store(true, Ordering::Release);
    }
    fn clear(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

/// What the receiving I/O thread does when its eventfd is readable.
fn receive_if_woken(mb: &Mailbox<u32, Flag>, got: &mut Vec<u32>) {
    if mb.waker().0.load(Ordering::Acquire) {
        mb.drain_into(got);
    }
}

#[test]
fn no_message_is_lost_between_senders_and_a_draining_receiver() {
    model(|| {
        let mb = Arc::new(Mailbox::new(Flag::default()));
        let senders: Vec<_> = (0..2)
            .map(|i| {
                let mb = Arc::clone(&mb);
                thread::spawn(move || mb.push(i))
            })
            .collect();
        let mut got = Vec::new();
        // One round racing with the senders...
        receive_if_woken(&mb, &mut got);
        for s in senders {
            s.join().unwrap();
        }
        // ...and after they are done: whatever was not drained must have left the flag set.
        receive_if_woken(&mb, &mut got);
        got.sort();
        assert_eq!(got, vec![0, 1]);
    });
}

#[test]
fn batches_keep_their_order_for_one_sender() {
    model(|| {
        let mb = Arc::new(Mailbox::new(Flag::default()));
        let sender = {
            let mb = Arc::clone(&mb);
            thread::spawn(move || {
                mb.push_all([1, 2]);
                mb.push(3);
            })
        };
        let mut got = Vec::new();
        receive_if_woken(&mb, &mut got);
        sender.join().unwrap();
        receive_if_woken(&mb, &mut got);
        assert_eq!(got, vec![1, 2, 3]);
    });
}
