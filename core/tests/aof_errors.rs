//! A failing AOF (full disk, failed fsync) must not acknowledge what it did not keep: under
//! `appendfsync always` the reply waits until the write is durable, writes are refused with
//! Redis' MISCONF meanwhile, and the AOF is made again from the dataset once the disk works.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event, Now};

const C: u64 = 1;
const D: u64 = 2;

fn harness() -> Harness {
    let text = "dir /d\nsave \"\"\nappendonly yes\nappendfsync always\n";
    let mut h = Harness::new(Config::from_text(text).unwrap());
    h.srv.load_from_disk();
    h.connect(C, true);
    h.connect(D, true);
    h
}

/// Time passes (the cron runs); returns what `C` was sent meanwhile.
fn later(h: &mut Harness, ms: u64) -> String {
    h.now = Now::new(h.now.unix_ms + ms, h.now.mono_us + ms * 1000);
    String::from_utf8_lossy(&h.event(C, Event::Tick)).into_owned()
}

#[test]
fn a_write_the_disk_refused_is_not_acknowledged_until_it_is_durable() {
    let mut h = harness();
    assert_eq!(h.cmd(C, &["SET", "before", "1"]), "+OK\r\n");
    h.disk.full = true;
    // The append fails; the fsync queued behind it succeeds, but must not release the reply.
    assert_eq!(h.cmd(C, &["SET", "k", "v"]), "");
    // Another write meanwhile is refused (its reply, too, waits for the AOF to be sound).
    assert_eq!(h.cmd(D, &["SET", "other", "x"]), "");
    // Space comes back: the AOF is made again from the dataset and the reply goes out.
    h.disk.full = false;
    assert_eq!(later(&mut h, 1500), "+OK\r\n");
    assert_eq!(
        h.take_sent(D),
        "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
    );
    assert!(h.cmd(D, &["INFO", "persistence"]).contains("aof_last_write_status:ok"));
    assert_eq!(h.cmd(D, &["SET", "after", "y"]) + &h.take_sent(D), "+OK\r\n");
    // What the disk now holds has the acknowledged write.
    let mut r = Harness::new(Config::from_text("dir /d\nsave \"\"\nappendonly yes\n").unwrap());
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    r.connect(C, true);
    assert_eq!(r.cmd(C, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(r.cmd(C, &["GET", "after"]), "$1\r\ny\r\n");
}
