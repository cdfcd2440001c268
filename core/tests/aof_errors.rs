//! A failing AOF (full disk, failed fsync) must not acknowledge what it did not keep: under
//! `appendfsync always` the reply waits until the write is durable, writes are refused with
//! Redis' MISCONF meanwhile, and the AOF is made again from the dataset once the disk works.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, DiskError, DiskErrorKind, DiskOp, DiskReq, Event, Now, Output};

const C: u64 = 1;
const D: u64 = 2;

fn harness() -> Harness {
    harness_with("always")
}

fn harness_with(appendfsync: &str) -> Harness {
    let text = format!("dir /d\nsave \"\"\nappendonly yes\nappendfsync {appendfsync}\n");
    let mut h = Harness::new(Config::from_text(&text).unwrap());
    h.srv.load_from_disk();
    h.connect(C, true);
    h.connect(D, true);
    h
}

/// A server started on `h`'s disk as it is now, as after a crash.
fn restart(h: &Harness) -> Harness {
    let mut r = Harness::new(Config::from_text("dir /d\nsave \"\"\nappendonly yes\n").unwrap());
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    r.connect(C, true);
    r
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

/// Disk requests the server asked for and the disk has not carried out yet, in order.
type Held = Vec<(DiskReq, DiskOp)>;

/// Sends `client`'s command; the disk requests it makes are held.
fn send(h: &mut Harness, held: &mut Held, client: u64, args: &[&str]) {
    let cmds = vec![args.iter().map(|a| a.as_bytes().to_vec()).collect()];
    h.srv.handle(h.now, Event::Commands { client, cmds });
    collect(h, held);
}

fn collect(h: &mut Harness, held: &mut Held) {
    while let Some(o) = h.srv.poll_output() {
        match o {
            Output::Disk { req, op, .. } => held.push((req, op)),
            other => h.other.push(other),
        }
    }
}

/// The disk carries out the oldest held request (`fail`: it fails instead, having done
/// nothing: a write with ENOSPC, anything else with EIO).
fn answer(h: &mut Harness, held: &mut Held, fail: bool) -> DiskOp {
    let (req, op) = held.remove(0);
    let result = match (fail, &op) {
        (false, _) => h.disk.apply(op.clone()),
        (true, DiskOp::Write { .. }) => Err(DiskError::new(DiskErrorKind::NoSpace, "No space left on device")),
        (true, _) => Err(DiskError::new(DiskErrorKind::Other, "Input/output error")),
    };
    h.srv.handle(h.now, Event::Disk { req, result });
    collect(h, held);
    op
}

/// Time passes `ms` on and the cron runs; the disk requests it makes are held.
fn tick(h: &mut Harness, held: &mut Held, ms: u64) {
    h.now = Now::new(h.now.unix_ms + ms, h.now.mono_us + ms * 1000);
    h.srv.handle(h.now, Event::Tick);
    collect(h, held);
}

/// The disk works: every request is carried out, for 4 s of cron ticks (a retried rewrite
/// runs to its end).
fn settle(h: &mut Harness, held: &mut Held) {
    for _ in 0..20 {
        while !held.is_empty() {
            answer(h, held, false);
        }
        tick(h, held, 200);
    }
    while !held.is_empty() {
        answer(h, held, false);
    }
}

fn writes_of(held: &Held, needle: &str) -> usize {
    let has = |d: &[u8]| d.windows(needle.len()).any(|w| w == needle.as_bytes());
    held.iter()
        .filter(|(_, op)| matches!(op, DiskOp::Write { data, .. } if has(data)))
        .count()
}

/// `appendonly no` writes what is buffered; with a write in flight it waits for that one,
/// and if that one fails, writes nothing: behind a failed write the bytes would land after a
/// hole, and a restart would replay a later write without an earlier one.
#[test]
fn turning_the_aof_off_writes_nothing_behind_a_write_that_fails() {
    for fails in [true, false] {
        let mut h = harness_with("everysec");
        let mut held = Held::new();
        send(&mut h, &mut held, C, &["SET", "a", "1"]);
        send(&mut h, &mut held, C, &["SET", "b", "2"]);
        assert_eq!(h.take_sent(C), "+OK\r\n+OK\r\n");
        assert_eq!(
            (writes_of(&held, "$1\r\na\r\n"), writes_of(&held, "$1\r\nb\r\n")),
            (1, 0)
        );
        send(&mut h, &mut held, D, &["CONFIG", "SET", "appendonly", "no"]);
        assert_eq!(h.take_sent(D), "+OK\r\n");
        assert_eq!(writes_of(&held, "$1\r\nb\r\n"), 0, "b's write went behind a's");
        answer(&mut h, &mut held, fails);
        while !held.is_empty() {
            answer(&mut h, &mut held, false);
        }
        let mut r = restart(&h);
        let (a, b) = (r.cmd(C, &["GET", "a"]), r.cmd(C, &["GET", "b"]));
        match fails {
            true => assert_eq!((a.as_str(), b.as_str()), ("$-1\r\n", "$-1\r\n")),
            false => assert_eq!((a.as_str(), b.as_str()), ("$1\r\n1\r\n", "$1\r\n2\r\n")),
        }
    }
}

/// BGREWRITEAOF names a new incr file after the old one: with the old one's fsync in flight
/// it waits for it, and if that fsync fails the rewrite starts over as a repair; no manifest
/// names a file after one that lost bytes. The held reply leaves once the repair is durable.
#[test]
fn a_rewrite_waits_for_the_fsync_in_flight_and_names_nothing_after_it_if_it_fails() {
    let mut h = harness();
    assert_eq!(h.cmd(C, &["SET", "before", "0"]), "+OK\r\n");
    let first = h.disk.files.get("/d/appendonlydir/appendonly.aof.manifest").cloned();
    let mut held = Held::new();
    send(&mut h, &mut held, C, &["SET", "a", "1"]);
    send(&mut h, &mut held, D, &["BGREWRITEAOF"]);
    let incr_fsyncs = |held: &Held| {
        held.iter()
            .filter(|(_, op)| matches!(op, DiskOp::Fsync { path } if path.ends_with(".incr.aof")))
            .count()
    };
    assert_eq!(
        incr_fsyncs(&held),
        1,
        "the opening went on with the fsync in flight: {held:?}"
    );
    answer(&mut h, &mut held, false);
    let fsync = answer(&mut h, &mut held, true);
    assert!(matches!(fsync, DiskOp::Fsync { .. }), "{fsync:?}");
    // Until the repair (a second later) the disk keeps naming what it named.
    while !held.is_empty() {
        answer(&mut h, &mut held, false);
        let now = h.disk.files.get("/d/appendonlydir/appendonly.aof.manifest");
        assert_eq!(now, first.as_ref(), "a manifest was written after the failed fsync");
    }
    assert_eq!(h.take_sent(C), "");
    settle(&mut h, &mut held);
    assert_eq!(h.take_sent(C), "+OK\r\n");
    assert!(h.take_sent(D).starts_with("+Background append only file rewriting"));
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["MGET", "before", "a"]), "*2\r\n$1\r\n0\r\n$1\r\n1\r\n");
}

/// The rewrite turning the AOF on fails at its very last step, the directory's fsync after
/// the manifest's rename: the disk may keep that manifest, so the next try writes files of
/// new names, never over the ones it names, and a restart at any point finds every write.
#[test]
fn a_rewrite_failing_after_its_manifest_rename_never_writes_over_the_files_it_names() {
    let mut h = Harness::new(Config::from_text("dir /d\nsave \"\"\nappendonly no\n").unwrap());
    h.srv.load_from_disk();
    h.connect(C, true);
    h.connect(D, true);
    assert_eq!(h.cmd(C, &["SET", "k", "1"]), "+OK\r\n");
    let mut held = Held::new();
    send(&mut h, &mut held, D, &["CONFIG", "SET", "appendonly", "yes"]);
    let manifest = |h: &Harness| h.disk.files.get("/d/appendonlydir/appendonly.aof.manifest").cloned();
    let mut renamed = false;
    while let Some((_, op)) = held.first() {
        let last_step = renamed && matches!(op, DiskOp::FsyncDir { .. });
        if let DiskOp::Rename { to, .. } = op {
            renamed |= to.ends_with("manifest");
        }
        answer(&mut h, &mut held, last_step);
        if last_step {
            break;
        }
    }
    assert!(h.logs().iter().any(|l| l.starts_with("Background AOF rewrite failed")));
    let named = manifest(&h).expect("the manifest was renamed");
    let named_files = |m: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(m)
            .lines()
            .filter_map(|l| l.split(' ').nth(1).map(str::to_string))
            .collect()
    };
    let contents: Vec<Option<Vec<u8>>> = named_files(&named)
        .iter()
        .map(|f| h.disk.files.get(&format!("/d/appendonlydir/{f}")).cloned())
        .collect();
    assert!(contents.iter().all(Option::is_some), "{named:?}");
    send(&mut h, &mut held, C, &["SET", "k", "2"]);
    settle(&mut h, &mut held);
    assert!(h.cmd(D, &["INFO", "persistence"]).contains("aof_rewrite_in_progress:0"));
    let again: Vec<Option<Vec<u8>>> = named_files(&named)
        .iter()
        .map(|f| h.disk.files.get(&format!("/d/appendonlydir/{f}")).cloned())
        .collect();
    assert_eq!(contents, again, "a file the first manifest named was written over");
    assert_ne!(manifest(&h), Some(named));
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["GET", "k"]), "$1\r\n2\r\n");
}

/// Under `appendfsync no` a write still waits for an fsync in flight (here the last one
/// `everysec` asked for): were that fsync to fail, the write would land after the pages
/// Linux dropped.
#[test]
fn under_appendfsync_no_a_write_waits_for_the_fsync_in_flight() {
    let mut h = harness_with("everysec");
    let mut held = Held::new();
    send(&mut h, &mut held, C, &["SET", "a", "1"]);
    answer(&mut h, &mut held, false);
    tick(&mut h, &mut held, 1100);
    assert!(matches!(held.as_slice(), [(_, DiskOp::Fsync { .. })]), "{held:?}");
    send(&mut h, &mut held, D, &["CONFIG", "SET", "appendfsync", "no"]);
    send(&mut h, &mut held, C, &["SET", "b", "2"]);
    assert_eq!(writes_of(&held, "$1\r\nb\r\n"), 0, "b's write went behind the fsync");
    answer(&mut h, &mut held, false);
    assert_eq!(writes_of(&held, "$1\r\nb\r\n"), 1, "{held:?}");
}
