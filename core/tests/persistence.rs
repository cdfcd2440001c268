//! RDB persistence through the harness, whose disk is in memory: SAVE, BGSAVE without fork
//! (point in time while clients keep writing), save points, MISCONF after a failed save, the
//! start-up load and its refusal of a corrupt file.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event, Output};

const C: u64 = 1;

fn harness(directives: &[(&str, &str)]) -> Harness {
    let mut text = String::from("enable-debug-command yes\ndir /data\n");
    for (k, v) in directives {
        let v = if v.is_empty() { "\"\"" } else { v };
        text.push_str(&format!("{k} {v}\n"));
    }
    let cfg = Config::from_text(&text).unwrap();
    let mut h = Harness::new(cfg);
    h.connect(C, true);
    h
}

fn info_field(h: &mut Harness, field: &str) -> String {
    let info = h.cmd(C, &["INFO", "persistence"]);
    let line = info
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"));
    line[field.len() + 1..].to_string()
}

/// Moves the clock on and ticks until the background save is over.
fn finish_bgsave(h: &mut Harness) {
    for _ in 0..100_000 {
        if info_field(h, "rdb_bgsave_in_progress") == "0" {
            return;
        }
        h.now.mono_us += 1000;
        h.now.unix_ms += 1;
        h.event(C, Event::Tick);
    }
    panic!("the background save never ended");
}

/// A fresh server that starts up on `disk`; returns it once loaded.
fn restart(h: &Harness) -> Harness {
    let mut fresh = harness(&[]);
    fresh.disk = h.disk.clone();
    fresh.srv.load_from_disk();
    fresh.event(C, Event::Tick);
    // A large file loads over several ticks.
    while info_field(&mut fresh, "loading") == "1" {
        fresh.event(C, Event::Tick);
    }
    fresh
}

#[test]
fn save_writes_the_file_that_a_restart_loads() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "s", "v", "PX", "100000"]);
    h.cmd(C, &["RPUSH", "l", "a", "b"]);
    h.cmd(C, &["SELECT", "5"]);
    h.cmd(C, &["ZADD", "z", "1", "m"]);
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    // RPUSH counts one change per element.
    assert_eq!(info_field(&mut h, "rdb_changes_since_last_save"), "4");
    assert_eq!(h.cmd(C, &["SAVE"]), "+OK\r\n");
    assert_eq!(info_field(&mut h, "rdb_changes_since_last_save"), "0");
    assert!(h.disk.files.contains_key("/data/dump.rdb"));
    assert_eq!(h.disk.files.len(), 1, "the temp file was renamed");
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(info_field(&mut r, "rdb_last_load_keys_loaded"), "3");
    assert_eq!(r.cmd(C, &["PTTL", "s"]), ":100000\r\n");
}

#[test]
fn bgsave_saves_the_dataset_as_it_was_when_it_started() {
    let mut h = harness(&[("rdb-key-save-delay", "100")]);
    for i in 0..300 {
        h.cmd(C, &["SET", &format!("k{i}"), &format!("v{i}")]);
        h.cmd(C, &["HSET", &format!("h{i}"), "f", "x"]);
    }
    h.cmd(C, &["EXPIRE", "k7", "1000"]);
    h.cmd(C, &["SELECT", "2"]);
    h.cmd(C, &["SADD", "set", "a", "b"]);
    h.cmd(C, &["SELECT", "0"]);
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(h.cmd(C, &["BGSAVE"]), "-ERR Background save already in progress\r\n");
    assert_eq!(info_field(&mut h, "rdb_bgsave_in_progress"), "1");
    // Clients keep writing while it runs: overwrites, deletes, new keys, TTLs, a FLUSHDB, a
    // SWAPDB; none of it may show in the file.
    for i in (0..300).rev().step_by(3) {
        h.cmd(C, &["SET", &format!("k{i}"), "changed"]);
        h.cmd(C, &["DEL", &format!("h{i}")]);
        h.cmd(C, &["SET", &format!("new{i}"), "x"]);
        h.cmd(C, &["HSET", &format!("h{}", i + 1), "g", "y"]);
    }
    h.cmd(C, &["PERSIST", "k7"]);
    h.cmd(C, &["EXPIRE", "k8", "50"]);
    h.cmd(C, &["SWAPDB", "2", "3"]);
    h.cmd(C, &["SELECT", "3"]);
    h.cmd(C, &["FLUSHDB"]);
    h.cmd(C, &["SADD", "set", "z"]);
    h.cmd(C, &["SELECT", "0"]);
    let changes = 100 * 4 + 5;
    finish_bgsave(&mut h);
    assert_eq!(info_field(&mut h, "rdb_last_bgsave_status"), "ok");
    // What changed during the save is still unsaved.
    assert_eq!(info_field(&mut h, "rdb_changes_since_last_save"), changes.to_string());
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["TTL", "k7"]), ":1000\r\n");
    r.cmd(C, &["SELECT", "2"]);
    assert_eq!(r.cmd(C, &["SCARD", "set"]), ":2\r\n");
}

#[test]
fn a_failed_bgsave_stops_writes_with_misconf_until_a_save_succeeds() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "a", "1"]);
    h.disk.full = true;
    assert_eq!(h.cmd(C, &["BGSAVE"]), "+Background saving started\r\n");
    finish_bgsave(&mut h);
    assert_eq!(info_field(&mut h, "rdb_last_bgsave_status"), "err");
    assert!(h
        .cmd(C, &["SET", "a", "2"])
        .starts_with("-MISCONF Redis is configured to save RDB snapshots"));
    assert!(h.cmd(C, &["PING"]).starts_with("-MISCONF"));
    assert_eq!(h.cmd(C, &["GET", "a"]), "$1\r\n1\r\n");
    assert_eq!(h.cmd(C, &["SAVE"]), "-ERR\r\n");
    assert!(h.disk.files.is_empty(), "the temp file is removed");
    h.disk.full = false;
    assert_eq!(h.cmd(C, &["SAVE"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["SET", "a", "2"]), "+OK\r\n");
    // Without save points a failed save stops nothing.
    h.disk.full = true;
    h.cmd(C, &["BGSAVE"]);
    finish_bgsave(&mut h);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "save", ""]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["SET", "a", "3"]), "+OK\r\n");
}

#[test]
fn save_points_start_a_background_save_from_the_cron() {
    let mut h = harness(&[("save", "10 2")]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SET", "b", "1"]);
    h.now.unix_ms += 11_000;
    h.now.mono_us += 11_000_000;
    h.event(C, Event::Tick);
    finish_bgsave(&mut h);
    assert!(h.disk.files.contains_key("/data/dump.rdb"));
    assert_eq!(info_field(&mut h, "rdb_changes_since_last_save"), "0");
    assert!(h
        .other
        .iter()
        .any(|o| matches!(o, Output::Log { text, .. } if text == "2 changes in 10 seconds. Saving...")));
}

#[test]
fn save_directive_is_validated_as_redis_does() {
    let mut h = harness(&[]);
    assert_eq!(
        h.cmd(C, &["CONFIG", "GET", "save"]),
        "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n"
    );
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "save", "100 5"]), "+OK\r\n");
    assert_eq!(
        h.cmd(C, &["CONFIG", "GET", "save"]),
        "*2\r\n$4\r\nsave\r\n$5\r\n100 5\r\n"
    );
    for bad in ["100", "0 1", "10 -1", "x 1"] {
        assert!(
            h.cmd(C, &["CONFIG", "SET", "save", bad])
                .starts_with("-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
            "{bad}"
        );
    }
    assert!(h
        .cmd(C, &["CONFIG", "SET", "dbfilename", "a/b.rdb"])
        .contains("dbfilename can't be a path, just a filename"));
}

#[test]
fn a_corrupt_file_stops_the_start_up_with_the_offset_and_redis_lines_in_the_log() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SAVE"]);
    let file = h.disk.files.get_mut("/data/dump.rdb").unwrap();
    let n = file.len();
    file.truncate(n - 12);
    let mut r = harness(&[]);
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    assert!(r.cmd(C, &["GET", "a"]).starts_with("-LOADING"));
    r.event(C, Event::Tick);
    assert!(r.other.contains(&Output::Exit { code: 1 }));
    let logs = r.logs();
    let internal = "Internal error in RDB reading offset ";
    let line = logs.iter().find(|l| l.starts_with(internal)).expect("the reason");
    assert!(
        line.contains(" -> Unexpected EOF reading RDB file (at offset "),
        "{line}"
    );
    assert_eq!(
        logs.last().unwrap().as_str(),
        "Terminating server after rdb file reading failure."
    );
}

#[test]
fn shutdown_saves_when_save_points_are_set_unless_nosave() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SHUTDOWN", "NOSAVE"]);
    assert!(h.disk.files.is_empty());
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SHUTDOWN"]);
    assert!(h.disk.files.contains_key("/data/dump.rdb"));
    assert!(h.other.contains(&Output::Exit { code: 0 }));
    let mut h = harness(&[("save", "")]);
    h.cmd(C, &["SET", "a", "1"]);
    h.disk.full = true;
    assert_eq!(
        h.cmd(C, &["SHUTDOWN", "SAVE"]),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    assert_eq!(h.cmd(C, &["GET", "a"]), "$1\r\n1\r\n");
}

#[test]
fn a_large_file_loads_in_steps_while_clients_get_loading() {
    let mut h = harness(&[]);
    for chunk in 0..25 {
        let mut mset = vec!["MSET".to_string()];
        for i in chunk * 1000..(chunk + 1) * 1000 {
            mset.push(format!("k{i}"));
            mset.push(format!("v{i}"));
        }
        let words: Vec<&str> = mset.iter().map(String::as_str).collect();
        h.cmd(C, &words);
    }
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["SAVE"]), "+OK\r\n");
    let mut r = harness(&[]);
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    assert_eq!(
        r.cmd(C, &["GET", "k1"]),
        "-LOADING Redis is loading the dataset in memory\r\n"
    );
    // The file is read now; its first keys are in, the rest come on the next ticks.
    assert!(r.cmd(C, &["INFO", "persistence"]).contains("loading:1\r\n"));
    assert!(r.cmd(C, &["PING"]).starts_with("-LOADING"));
    for _ in 0..3 {
        r.event(C, Event::Tick);
    }
    assert!(r.cmd(C, &["INFO", "persistence"]).contains("loading:0\r\n"));
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":25000\r\n");
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
}

/// A BGSAVE of a dataset some MB large, with `rdb-save-incremental-fsync` as given; returns
/// the sizes at which the temp file was fsynced.
fn bgsave_fsync_sizes(incremental: &str) -> Vec<usize> {
    let mut h = harness(&[("rdb-save-incremental-fsync", incremental), ("rdbcompression", "no")]);
    let value = "v".repeat(100);
    for i in 0..100_000 {
        h.cmd(C, &["SET", &format!("key:{i}"), &value]);
    }
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["BGSAVE"]), "+Background saving started\r\n");
    finish_bgsave(&mut h);
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    h.disk
        .fsynced
        .iter()
        .filter(|(p, _)| p.contains("temp-bg"))
        .map(|&(_, n)| n)
        .collect()
}

#[test]
fn bgsave_fsyncs_every_4mb_as_it_writes_unless_told_not_to() {
    // ~11 MB of file: fsyncs after each 4 MB written, then the final one of the whole file.
    let sizes = bgsave_fsync_sizes("yes");
    assert!(sizes.len() >= 3, "{sizes:?}");
    let mut last = 0;
    for &n in &sizes[..sizes.len() - 1] {
        assert!((4 << 20..(4 << 20) + (128 << 10)).contains(&(n - last)), "{sizes:?}");
        last = n;
    }
    assert!(*sizes.last().unwrap() > 10 << 20, "{sizes:?}");
    // Without it, one fsync of the whole file before the rename.
    let sizes = bgsave_fsync_sizes("no");
    assert_eq!(sizes.len(), 1, "{sizes:?}");
}

#[test]
fn key_load_delay_loads_one_key_per_delay_and_is_hidden_from_config_get_star() {
    let mut h = harness(&[]);
    h.cmd(C, &["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(h.cmd(C, &["SAVE"]), "+OK\r\n");
    let mut r = harness(&[("key-load-delay", "10000")]);
    assert!(!r.cmd(C, &["CONFIG", "GET", "*"]).contains("key-load-delay"));
    assert_eq!(
        r.cmd(C, &["CONFIG", "GET", "key-load-delay"]),
        "*2\r\n$14\r\nkey-load-delay\r\n$5\r\n10000\r\n"
    );
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    // One key now, one more each 10 ms (then the end of the file); ticks in between load
    // nothing.
    for (ms, loading) in [(5, "1"), (10, "1"), (10, "1"), (10, "0")] {
        r.now.mono_us += ms * 1000;
        r.event(C, Event::Tick);
        assert_eq!(info_field(&mut r, "loading"), loading, "after +{ms} ms");
    }
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":3\r\n");
}

#[test]
fn a_resizedb_claiming_more_keys_than_the_file_can_hold_is_not_believed() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "a", "1", "PX", "100000"]);
    h.cmd(C, &["SET", "b", "2"]);
    h.cmd(C, &["SET", "c", "3"]);
    assert_eq!(h.cmd(C, &["SAVE"]), "+OK\r\n");
    let path = "/data/dump.rdb";
    let file = h.disk.files[path].clone();
    // RESIZEDB 3 1 becomes RESIZEDB 2^40 2^40 (64-bit lengths); the checksum is zeroed,
    // which Redis' loader takes as "not computed".
    let at = file.windows(3).position(|w| w == [0xfb, 3, 1]).expect("RESIZEDB 3 1");
    let mut huge = vec![0xfb];
    for _ in 0..2 {
        huge.push(0x81);
        huge.extend_from_slice(&(1u64 << 40).to_be_bytes());
    }
    let mut patched = [&file[..at], &huge[..], &file[at + 3..]].concat();
    let n = patched.len();
    patched[n - 8..].fill(0);
    h.disk.files.insert(path.into(), patched);
    let mut r = restart(&h);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":3\r\n");
    assert_eq!(r.cmd(C, &["GET", "b"]), "$1\r\n2\r\n");
}
