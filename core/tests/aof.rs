//! The append-only file through the harness (files in memory): enabling it writes base, incr
//! file and manifest; writes are appended; a restart replays them; `appendfsync always` holds a
//! reply until its fsync; a torn tail is cut (or refused); BGREWRITEAOF starts new files;
//! DEBUG LOADAOF reloads.

mod common;

use common::harness;
use ferrous_core::harness::Harness;
use ferrous_core::{DiskOp, Event, Output};

const C: u64 = 1;

fn restart(h: &Harness, directives: &[(&str, &str)]) -> Harness {
    let mut r = harness(directives);
    r.disk = h.disk.clone();
    r.srv.load_from_disk();
    r.event(C, Event::Tick);
    r
}

fn file(h: &Harness, name: &str) -> String {
    let path = format!("/d/appendonlydir/{name}");
    String::from_utf8_lossy(h.disk.files.get(&path).unwrap_or_else(|| panic!("no {path}"))).into_owned()
}

/// A second client, for replies that must (or must not) wait for another's.
const D: u64 = 2;

/// `n` keys `k0`.. set to `v`.
fn set_keys(h: &mut Harness, n: usize) {
    for i in 0..n {
        h.cmd(C, &["SET", &format!("k{i}"), "v"]);
    }
}

/// Whether the server logged exactly `line`.
fn logged(h: &Harness, line: &str) -> bool {
    h.logs().iter().any(|l| l == line)
}

/// A server started with the AOF on and `directives`, its start-up done.
fn aof_on(directives: &[(&str, &str)]) -> Harness {
    let mut all = vec![("appendonly", "yes")];
    all.extend_from_slice(directives);
    let mut h = harness(&all);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    h
}

/// The clocks move `ms` on, and the server ticks.
fn advance(h: &mut Harness, ms: u64) {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
    h.event(C, Event::Tick);
}

#[test]
fn enabling_writes_the_files_and_a_restart_replays_the_writes() {
    let mut h = harness(&[]);
    h.cmd(C, &["SET", "before", "1"]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert!(file(&h, "appendonly.aof.1.base.rdb").starts_with("REDIS0010"));
    h.cmd(C, &["SET", "k", "v", "EX", "100"]);
    h.cmd(C, &["SELECT", "2"]);
    h.cmd(C, &["RPUSH", "l", "a", "b"]);
    let incr = file(&h, "appendonly.aof.1.incr.aof");
    assert!(
        incr.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n"),
        "{incr}"
    );
    assert!(incr.ends_with("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n"));
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert!(r.cmd(C, &["INFO", "persistence"]).contains("aof_enabled:1"));
    // Appends go on into the same incr file after the restart.
    r.cmd(C, &["SET", "after", "x"]);
    assert!(file(&r, "appendonly.aof.1.incr.aof").ends_with("$5\r\nafter\r\n$1\r\nx\r\n"));
}

#[test]
fn appendfsync_always_holds_the_reply_until_the_fsync_completes() {
    let mut h = aof_on(&[("appendfsync", "always")]);
    // Drive by hand: the reply must not leave before the fsync of the bytes holding the SET.
    h.srv.handle(
        h.now,
        Event::Commands {
            client: C,
            cmds: vec![vec![b"SET".to_vec(), b"a".to_vec(), b"1".to_vec()]],
        },
    );
    let mut pending = Vec::new();
    while let Some(o) = h.srv.poll_output() {
        assert!(!matches!(o, Output::Send { .. }), "a reply left before the fsync");
        if let Output::Disk { req, op, .. } = o {
            pending.push((req, op));
        }
    }
    assert!(matches!(
        pending.as_slice(),
        [(_, DiskOp::Write { .. }), (_, DiskOp::Fsync { .. })]
    ));
    let (wreq, wop) = pending.remove(0);
    let result = h.disk.apply(wop);
    h.srv.handle(h.now, Event::Disk { req: wreq, result });
    assert!(std::iter::from_fn(|| h.srv.poll_output()).all(|o| !matches!(o, Output::Send { .. })));
    let (freq, fop) = pending.remove(0);
    let result = h.disk.apply(fop);
    h.srv.handle(h.now, Event::Disk { req: freq, result });
    let sent: Vec<Output> = std::iter::from_fn(|| h.srv.poll_output()).collect();
    assert!(sent.contains(&Output::Send {
        client: C,
        data: b"+OK\r\n".to_vec()
    }));
}

#[test]
fn a_torn_tail_is_cut_off_when_aof_load_truncated_is_on_and_refused_otherwise() {
    let mut h = aof_on(&[]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["SET", "b", "2"]);
    let path = "/d/appendonlydir/appendonly.aof.1.incr.aof".to_string();
    let whole = h.disk.files[&path].clone();
    h.disk.files.get_mut(&path).unwrap().truncate(whole.len() - 3);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "a"]), "$1\r\n1\r\n");
    assert_eq!(r.cmd(C, &["GET", "b"]), "$-1\r\n");
    let cut = &r.disk.files[&path];
    assert!(
        cut.ends_with(b"$1\r\na\r\n$1\r\n1\r\n"),
        "the file is cut to its last whole command"
    );
    let r = restart(&h, &[("appendonly", "yes"), ("aof-load-truncated", "no")]);
    assert!(r.other.contains(&Output::Exit { code: 1 }));
}

#[test]
fn bgrewriteaof_starts_new_files_and_debug_loadaof_reloads_them() {
    let mut h = aof_on(&[]);
    for i in 0..50 {
        h.cmd(C, &["INCR", &format!("n{}", i % 5)]);
    }
    assert_eq!(
        h.cmd(C, &["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert!(!h.disk.files.contains_key("/d/appendonlydir/appendonly.aof.1.incr.aof"));
    h.cmd(C, &["HSET", "h", "f", "v"]);
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(h.cmd(C, &["GET", "n0"]), "$2\r\n10\r\n");
}

#[test]
fn a_base_without_the_rdb_preamble_is_commands() {
    let mut h = harness(&[("aof-use-rdb-preamble", "no")]);
    h.cmd(C, &["ZADD", "z", "1.5", "a", "2", "b"]);
    h.cmd(C, &["SADD", "s", "x"]);
    h.cmd(C, &["PEXPIRE", "s", "100000"]);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    let base = file(&h, "appendonly.aof.1.base.aof");
    assert!(
        base.contains("$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n"),
        "{base}"
    );
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["PTTL", "s"]), ":100000\r\n");
}

#[test]
fn bgrewriteaof_takes_a_fork_free_base_while_writes_go_to_the_new_incr_file() {
    fork_free_rewrite("yes", "rdb");
}

/// Without the RDB preamble the base is commands, written as fork-free as an RDB base: in
/// pieces, paced by rdb-key-save-delay, as of the rewrite's start.
#[test]
fn a_base_of_commands_is_written_in_the_background_as_of_the_rewrite_start() {
    let h = fork_free_rewrite("no", "aof");
    let base = file(&h, "appendonly.aof.2.base.aof");
    assert!(base.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), "{base}");
    assert!(base.contains("$2\r\nk0\r\n$2\r\nv0\r\n"), "k0 as it was at the start");
    assert!(!base.contains("changed"));
}

/// BGREWRITEAOF while writes change and delete keys the base has not reached: the base holds
/// the dataset as of the start, the new incr file the changes. Returns the harness after.
fn fork_free_rewrite(preamble: &str, kind: &str) -> Harness {
    let mut h = aof_on(&[("rdb-key-save-delay", "100"), ("aof-use-rdb-preamble", preamble)]);
    for i in 0..200 {
        h.cmd(C, &["SET", &format!("k{i}"), &format!("v{i}")]);
    }
    assert_eq!(
        h.cmd(C, &["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    assert_eq!(
        h.cmd(C, &["BGREWRITEAOF"]),
        "-ERR Background append only file rewriting already in progress\r\n"
    );
    // While the base is written, the manifest names the old files and the new incr file.
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        format!("file appendonly.aof.1.base.{kind} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
    );
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("aof_rewrite_in_progress:1"));
    for i in (0..200).step_by(3) {
        h.cmd(C, &["SET", &format!("k{i}"), "changed"]);
        h.cmd(C, &["DEL", &format!("k{}", i + 1)]);
    }
    assert!(file(&h, "appendonly.aof.2.incr.aof").contains("changed"));
    for _ in 0..10_000 {
        if h.cmd(C, &["INFO", "persistence"]).contains("aof_rewrite_in_progress:0") {
            break;
        }
        h.now.mono_us += 1000;
        h.now.unix_ms += 1;
        h.event(C, Event::Tick);
    }
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        format!("file appendonly.aof.2.base.{kind} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
    );
    assert!(!h.disk.files.contains_key("/d/appendonlydir/appendonly.aof.1.incr.aof"));
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["GET", "k0"]), "$7\r\nchanged\r\n");
    assert_eq!(r.cmd(C, &["EXISTS", "k1"]), ":0\r\n");
    h
}

#[test]
fn the_aof_is_rewritten_automatically_once_it_doubles_past_the_minimum_size() {
    let mut h = aof_on(&[
        ("auto-aof-rewrite-min-size", "4kb"),
        ("auto-aof-rewrite-percentage", "100"),
    ]);
    let value = "x".repeat(100);
    for i in 0..60 {
        h.cmd(C, &["SET", &format!("k{}", i % 3), &value]);
    }
    h.now.mono_us += 200_000;
    h.event(C, Event::Tick);
    assert!(h
        .other
        .iter()
        .any(|o| matches!(o, Output::Log { text, .. } if text.starts_with("Starting automatic rewriting of AOF on"))));
    assert!(file(&h, "appendonly.aof.manifest").starts_with("file appendonly.aof.2.base.rdb"));
    // The small new base is the new reference: no second rewrite right away.
    h.now.mono_us += 200_000;
    h.event(C, Event::Tick);
    assert!(file(&h, "appendonly.aof.manifest").starts_with("file appendonly.aof.2.base.rdb"));
}

fn tick_until(h: &mut Harness, field: &str) {
    for _ in 0..20_000 {
        if h.cmd(C, &["INFO", "persistence"]).contains(field) {
            return;
        }
        h.now.mono_us += 1000;
        h.now.unix_ms += 1;
        h.event(C, Event::Tick);
    }
    panic!("never saw {field}");
}

#[test]
fn a_rewrite_asked_during_a_bgsave_and_a_bgsave_asked_during_a_rewrite_are_scheduled() {
    let mut h = aof_on(&[("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 100);
    assert_eq!(h.cmd(C, &["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(
        h.cmd(C, &["BGREWRITEAOF"]),
        "+Background append only file rewriting scheduled\r\n"
    );
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_scheduled:1\r\n"));
    assert_eq!(h.cmd(C, &["BGSAVE"]), "-ERR Background save already in progress\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:1");
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_scheduled:0\r\n"));
    assert!(h
        .cmd(C, &["BGSAVE"])
        .starts_with("-ERR Another child process is active (AOF?)"));
    assert_eq!(h.cmd(C, &["BGSAVE", "SCHEDULE"]), "+Background saving scheduled\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    tick_until(&mut h, "rdb_bgsave_in_progress:1");
    tick_until(&mut h, "rdb_bgsave_in_progress:0");
    assert!(file(&h, "appendonly.aof.manifest").starts_with("file appendonly.aof.2.base.rdb"));
    // Inside EXEC a BGSAVE is scheduled too, as Redis forks nothing in a transaction.
    h.cmd(C, &["MULTI"]);
    h.cmd(C, &["BGSAVE"]);
    assert_eq!(h.cmd(C, &["EXEC"]), "*1\r\n+Background saving scheduled\r\n");
}

#[test]
fn aof_timestamp_enabled_annotates_each_new_second_and_loading_skips_the_annotations() {
    let mut h = harness(&[("aof-timestamp-enabled", "yes"), ("aof-use-rdb-preamble", "no")]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    assert!(file(&h, "appendonly.aof.1.base.aof").starts_with("#TS:1700000000\r\n*2\r\n$6\r\nSELECT"));
    h.cmd(C, &["SET", "b", "2"]);
    h.cmd(C, &["SET", "c", "3"]);
    h.now.unix_ms += 1500;
    h.cmd(C, &["SET", "d", "4"]);
    let incr = file(&h, "appendonly.aof.1.incr.aof");
    assert!(incr.starts_with("#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n"), "{incr}");
    assert_eq!(incr.matches("#TS:").count(), 2, "{incr}");
    assert!(
        incr.contains("#TS:1700000001\r\n*3\r\n$3\r\nSET\r\n$1\r\nd\r\n"),
        "{incr}"
    );
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":4\r\n");
}

#[test]
fn appendonly_turned_on_during_a_bgsave_waits_for_it_and_writes_the_base_afterwards() {
    let mut h = harness(&[("rdb-key-save-delay", "100")]);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    set_keys(&mut h, 100);
    assert_eq!(h.cmd(C, &["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    let info = h.cmd(C, &["INFO", "persistence"]);
    assert!(
        info.contains("aof_enabled:1\r\n") && info.contains("aof_rewrite_scheduled:1\r\n"),
        "{info}"
    );
    assert!(
        !h.disk.files.contains_key("/d/appendonlydir/appendonly.aof.manifest"),
        "no base before the BGSAVE ends"
    );
    // Written while waiting: the base the scheduled rewrite takes holds it.
    h.cmd(C, &["SET", "during", "1"]);
    tick_until(&mut h, "rdb_bgsave_in_progress:0");
    tick_until(&mut h, "aof_rewrite_in_progress:1");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    h.cmd(C, &["SET", "after", "2"]);
    assert!(file(&h, "appendonly.aof.manifest").starts_with("file appendonly.aof.1.base.rdb"));
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["GET", "during"]), "$1\r\n1\r\n");

    // Turned off again before the rewrite could start, nothing is scheduled any more.
    let mut h = harness(&[("rdb-key-save-delay", "100")]);
    h.cmd(C, &["SET", "a", "1"]);
    h.cmd(C, &["BGSAVE"]);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]);
    let info = h.cmd(C, &["INFO", "persistence"]);
    assert!(
        info.contains("aof_enabled:0\r\n") && info.contains("aof_rewrite_scheduled:0\r\n"),
        "{info}"
    );
}

fn command(args: &[&str]) -> String {
    let mut s = format!("*{}\r\n", args.len());
    for a in args {
        s.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s
}

/// A harness whose disk holds an AOF of just an incr file with `incr`, not loaded yet.
fn with_incr_file(incr: String) -> Harness {
    with_incr_files(&[incr])
}

/// A harness whose disk holds an AOF of incr files with these contents, not loaded yet.
fn with_incr_files(incrs: &[String]) -> Harness {
    let mut h = harness(&[("appendonly", "yes")]);
    let files = &mut h.disk.files;
    let mut manifest = String::new();
    for (i, incr) in incrs.iter().enumerate() {
        let name = format!("appendonly.aof.{}.incr.aof", i + 1);
        manifest.push_str(&format!("file {name} seq {} type i\n", i + 1));
        files.insert(format!("/d/appendonlydir/{name}"), incr.clone().into_bytes());
    }
    files.insert("/d/appendonlydir/appendonly.aof.manifest".into(), manifest.into_bytes());
    h
}

#[test]
fn a_large_aof_loads_in_steps_while_other_clients_are_answered_loading() {
    let mut incr = command(&["SELECT", "0"]);
    for i in 0..25_000 {
        incr.push_str(&command(&["SET", &format!("k{i}"), "v"]));
    }
    // A transaction across the step boundary stays whole.
    incr.push_str(&command(&["MULTI"]));
    for i in 0..20_000 {
        incr.push_str(&command(&["RPUSH", "list", &i.to_string()]));
    }
    incr.push_str(&command(&["EXEC"]));
    let mut h = with_incr_file(incr);
    h.srv.load_from_disk();
    assert_eq!(
        h.cmd(C, &["GET", "k1"]),
        "-LOADING Redis is loading the dataset in memory\r\n"
    );
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("loading:1\r\n"));
    let mut ticks = 0;
    while h.cmd(C, &["INFO", "persistence"]).contains("loading:1\r\n") {
        h.event(C, Event::Tick);
        ticks += 1;
        assert!(ticks < 100, "the load never ends");
    }
    assert!(ticks >= 2, "loaded in {ticks} ticks");
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":25001\r\n");
    assert_eq!(h.cmd(C, &["LLEN", "list"]), ":20000\r\n");
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("aof_enabled:1\r\n"));
}

#[test]
fn keys_do_not_expire_while_the_aof_replays() {
    // Redis' keyIsExpired answers no while loading: INCR finds the key that expired meanwhile
    // and keeps its TTL, so after the load it is gone, not a fresh "1" without a TTL.
    let mut incr = command(&["SELECT", "0"]);
    incr.push_str(&command(&["SET", "k", "1", "PXAT", "1000"]));
    incr.push_str(&command(&["INCR", "k"]));
    incr.push_str(&command(&["SET", "live", "x"]));
    let mut h = with_incr_file(incr);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    assert_eq!(h.cmd(C, &["GET", "k"]), "$-1\r\n");
    assert_eq!(h.cmd(C, &["GET", "live"]), "$1\r\nx\r\n");

    // Nor does an expiry in the past delete the key while loading (Redis' checkAlreadyExpired):
    // the RPUSH after it extends the expired list, which is gone once loaded.
    let mut incr = command(&["SELECT", "0"]);
    incr.push_str(&command(&["RPUSH", "list", "foo"]));
    incr.push_str(&command(&["PEXPIREAT", "list", "1000"]));
    incr.push_str(&command(&["RPUSH", "list", "bar"]));
    let mut h = with_incr_file(incr);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    assert_eq!(h.cmd(C, &["LLEN", "list"]), ":0\r\n");
}

#[test]
fn debug_loadaof_of_a_large_aof_answers_once_everything_is_loaded() {
    let mut h = aof_on(&[("aof-use-rdb-preamble", "no")]);
    let batch: Vec<String> = (0..30_000).map(|i| format!("k{i}")).collect();
    let mut args = vec!["MSET"];
    for k in &batch {
        args.push(k);
        args.push("v");
    }
    h.cmd(C, &args);
    for i in 0..25_000 {
        h.cmd(C, &["INCR", &format!("n{}", i % 7)]);
    }
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":30007\r\n");
    // And from an RDB base of more keys than one step loads.
    h.cmd(C, &["CONFIG", "SET", "aof-use-rdb-preamble", "yes"]);
    h.cmd(C, &["BGREWRITEAOF"]);
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    assert!(file(&h, "appendonly.aof.manifest").contains(".base.rdb"));
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DEBUG", "DIGEST"]), digest);
}

/// Starts a server on a disk whose manifest is `manifest` (files it names hold `SET k v`);
/// returns its warnings and whether it exited.
fn start_with_manifest(manifest: &str, files: &[&str]) -> (Vec<String>, bool) {
    let mut h = harness(&[("appendonly", "yes")]);
    h.disk.files.insert(
        "/d/appendonlydir/appendonly.aof.manifest".into(),
        manifest.as_bytes().to_vec(),
    );
    for f in files {
        let set = command(&["SET", "k", "v"]).into_bytes();
        h.disk.files.insert(format!("/d/appendonlydir/{f}"), set);
    }
    h.srv.load_from_disk();
    for _ in 0..10 {
        h.event(C, Event::Tick);
    }
    (h.logs(), h.other.contains(&Output::Exit { code: 1 }))
}

#[test]
fn a_manifest_redis_would_refuse_stops_the_start_with_its_reason_and_line() {
    let i1 = "file appendonly.aof.1.incr.aof seq 1 type i\n";
    let i2 = "file appendonly.aof.2.incr.aof seq 2 type i\n";
    let b1 = "file appendonly.aof.1.base.aof seq 1 type b\n";
    let cases: &[(String, &str, Option<usize>)] = &[
        (String::new(), "Found an empty AOF manifest", None),
        (format!("{i2}{i1}"), "Found a non-monotonic sequence number", Some(2)),
        (format!("{b1}\n{i1}"), "Invalid AOF manifest file format", Some(2)),
        (format!("{b1}{b1}"), "Found duplicate base file information", Some(2)),
        (
            "file appendonly.aof.1.incr.aof seq 1\n".into(),
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file appendonly.aof.1.incr.aof seq 1 type i x\n".into(),
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file appendonly.aof.1.incr.aof seq 1 type x\n".into(),
            "Unknown AOF file type",
            Some(1),
        ),
        (
            "file d/f seq 1 type i\n".into(),
            "File can't be a path, just a filename",
            Some(1),
        ),
        (
            "file f seq 1 type i".into(),
            "The AOF manifest file contains too long line",
            Some(1),
        ),
    ];
    for (manifest, reason, line) in cases {
        let (logs, exited) = start_with_manifest(
            manifest,
            &[
                "appendonly.aof.1.incr.aof",
                "appendonly.aof.2.incr.aof",
                "appendonly.aof.1.base.aof",
                "a",
                "f",
            ],
        );
        assert!(exited, "{manifest:?} loaded");
        assert!(logs.contains(&format!("{reason}\n")), "{manifest:?}: {logs:?}");
        if let Some(n) = line {
            assert!(
                logs.contains(&format!("Reading the manifest file, at line {n}\n")),
                "{manifest:?}: {logs:?}"
            );
        }
    }
}

#[test]
fn a_file_the_manifest_names_must_exist() {
    let manifest = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
    let (logs, exited) = start_with_manifest(manifest, &["appendonly.aof.1.base.aof"]);
    assert!(exited);
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: ")),
        "{logs:?}"
    );
    // Comments and quoted names with spaces are read as Redis reads them.
    let manifest = "# a comment\nfile \"my file.1.incr.aof\" seq 1 type i\n";
    let (logs, exited) = start_with_manifest(manifest, &["my file.1.incr.aof"]);
    assert!(!exited, "{logs:?}");
}

/// DEBUG AOF-FLUSH-SLEEP: each AOF write keeps the whole server busy that long, as Redis'
/// sleep in flushAppendOnlyFile does; 0 turns it off.
#[test]
fn debug_aof_flush_sleep_stalls_the_server_on_each_aof_write() {
    let mut h = harness(&[("appendonly", "yes")]);
    h.srv.load_from_disk();
    h.connect(2, true);
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    assert_eq!(h.cmd(C, &["DEBUG", "AOF-FLUSH-SLEEP", "500000"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["SET", "k", "v"]), "+OK\r\n");
    // The write went out with the reply; the server is busy now.
    h.event(C, Event::Tick);
    assert_eq!(h.cmd(2, &["PING"]), "", "answered while the AOF flush sleeps");
    h.now.mono_us += 500_000;
    h.now.unix_ms += 500;
    h.event(C, Event::Tick);
    assert!(h.take_sent(2).contains("+PONG"));
    assert!(file(&h, "appendonly.aof.1.incr.aof").contains("SET"));
    assert_eq!(h.cmd(C, &["DEBUG", "AOF-FLUSH-SLEEP", "0"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["SET", "k", "w"]), "+OK\r\n");
    h.event(C, Event::Tick);
    assert_eq!(h.cmd(2, &["PING"]), "+PONG\r\n");
}

#[test]
fn an_unknown_command_in_the_aof_stops_the_start_naming_it() {
    let mut incr = command(&["SET", "foo", "hello"]);
    incr.push_str(&command(&["BLA", "foo", "hello"]));
    incr.push_str(&command(&["SET", "foo", "hello"]));
    let mut h = with_incr_file(incr);
    h.srv.load_from_disk();
    for _ in 0..5 {
        h.event(C, Event::Tick);
    }
    assert!(h.other.contains(&Output::Exit { code: 1 }));
    let last = h.logs().pop();
    assert_eq!(
        last.as_deref(),
        Some("Unknown command 'BLA' reading the append only file appendonly.aof.1.incr.aof")
    );
}

/// While a rewrite opens its new incr file (its steps go to the disk one at a time), the
/// every-second fsync must not ask for that file: it may not exist yet. It did, and on a real
/// disk the fsync failed with ENOENT and put the AOF in its write-error state.
#[test]
fn the_everysec_fsync_waits_while_a_rewrite_opens_its_new_incr_file() {
    let mut h = aof_on(&[]);
    h.cmd(C, &["SET", "k", "v"]);
    let bgrewriteaof = vec![b"BGREWRITEAOF".to_vec()];
    h.srv.handle(
        h.now,
        Event::Commands {
            client: C,
            cmds: vec![bgrewriteaof],
        },
    );
    // The disk is slow: nothing completes, and more than a second passes.
    let mut asked = Vec::new();
    for _ in 0..3 {
        h.now.mono_us += 600_000;
        h.now.unix_ms += 600;
        h.srv.handle(h.now, Event::Tick);
        while let Some(o) = h.srv.poll_output() {
            if let Output::Disk { op, .. } = o {
                asked.push(op);
            }
        }
    }
    let created = |p: &str| {
        asked
            .iter()
            .any(|op| matches!(op, DiskOp::Write { path, truncate: true, .. } if path == p))
    };
    for op in &asked {
        if let DiskOp::Fsync { path } = op {
            assert!(
                path.ends_with(".1.incr.aof") || created(path),
                "fsync of {path} before it was created: {asked:?}"
            );
        }
    }
}

/// The AOF turned off while a rewrite writes its base snapshot: the rewrite stops, as Redis'
/// killAppendOnlyChild, and the incr file it opened, which holds every write since the
/// snapshot, stays named.
#[test]
fn turning_the_aof_off_during_a_rewrite_stops_it_and_keeps_every_write() {
    turning_the_aof_off_during_a_rewrite("yes");
}

/// Redis' unit/aofrw "Turning off AOF kills the background writing child if any" runs
/// without the preamble: a base of commands stops too.
#[test]
fn turning_the_aof_off_during_a_rewrite_without_the_preamble_stops_it_too() {
    turning_the_aof_off_during_a_rewrite("no");
}

fn turning_the_aof_off_during_a_rewrite(preamble: &str) {
    let mut h = aof_on(&[("rdb-key-save-delay", "100"), ("aof-use-rdb-preamble", preamble)]);
    set_keys(&mut h, 200);
    h.cmd(C, &["BGREWRITEAOF"]);
    assert_eq!(h.cmd(C, &["SET", "late", "1"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]), "+OK\r\n");
    assert_rewrite_killed(&mut h, 201);
}

#[test]
fn turning_the_aof_off_while_it_is_being_turned_on_removes_its_temp_files() {
    let mut h = harness(&[("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 200);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    h.cmd(C, &["SET", "during", "1"]);
    assert!(file(&h, "temp-appendonly.aof.incr").contains("during"));
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]), "+OK\r\n");
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_in_progress:0\r\n"));
    let left: Vec<&String> = h.disk.files.keys().filter(|k| k.contains("appendonlydir/")).collect();
    assert!(left.is_empty(), "{left:?}");
    // Turned on again, it starts over and ends with its files named.
    h.cmd(C, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":201\r\n");
}

type HeldDisk = Vec<(ferrous_core::DiskReq, DiskOp)>;

/// The server's outputs so far: disk requests are kept in `held`, unanswered.
fn hold_disk_requests(h: &mut Harness, held: &mut HeldDisk) {
    while let Some(o) = h.srv.poll_output() {
        match o {
            Output::Disk { req, op, .. } => held.push((req, op)),
            other => h.other.push(other),
        }
    }
}

/// Sends `client`'s command; its disk requests join `held`.
fn send_holding_disk(h: &mut Harness, held: &mut HeldDisk, client: u64, args: &[&str]) {
    let cmds = vec![args.iter().map(|a| a.as_bytes().to_vec()).collect()];
    h.srv.handle(h.now, Event::Commands { client, cmds });
    hold_disk_requests(h, held);
}

/// The disk answers the first held request; what that asks for is held in turn. Returns the
/// request answered.
fn answer_one(h: &mut Harness, held: &mut HeldDisk) -> DiskOp {
    let (req, op) = held.remove(0);
    let result = h.disk.apply(op.clone());
    h.srv.handle(h.now, Event::Disk { req, result });
    hold_disk_requests(h, held);
    op
}

/// After a rewrite stopped by `appendonly no`: the manifest the opening wrote, no temp file,
/// no new base, every key back after a restart; turned on again, a rewrite runs to its end.
fn assert_rewrite_killed(h: &mut Harness, keys: usize) {
    assert!(h
        .logs()
        .iter()
        .any(|l| l.starts_with("Killing running AOF rewrite child")));
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_in_progress:0\r\n"));
    let manifest = file(h, "appendonly.aof.manifest");
    let kind = if manifest.contains(".base.rdb") { "rdb" } else { "aof" };
    let three = format!("file appendonly.aof.1.base.{kind} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
    assert_eq!(manifest, three);
    advance(h, 1000);
    assert_eq!(file(h, "appendonly.aof.manifest"), three);
    let strays: Vec<&String> = h
        .disk
        .files
        .keys()
        .filter(|k| k.contains("temp-") || k.contains(".2.base"))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
    assert_no_stray_aof_files(h);
    let mut r = restart(h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), format!(":{keys}\r\n"));
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), h.cmd(C, &["DEBUG", "DIGEST"]));
    h.cmd(C, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    tick_until(h, "aof_rewrite_in_progress:0");
    h.cmd(C, &["SET", "again", "1"]);
    let mut r = restart(h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), format!(":{}\r\n", keys + 1));
}

/// Turned off while the rewrite opens its incr file, the AOF still gets the writes made
/// meanwhile (they waited for that file), under `always` each reply leaves only with the
/// fsync that covers it, and the rewrite stops once the file is open.
#[test]
fn turning_the_aof_off_while_a_rewrite_opens_its_incr_file_keeps_the_writes_made_meanwhile() {
    let mut h = aof_on(&[("appendfsync", "always"), ("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 200);
    h.connect(D, true);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, C, &["BGREWRITEAOF"]);
    send_holding_disk(&mut h, &mut held, D, &["SET", "mid", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    assert!(!h.srv.config().appendonly);
    let info = h.cmd(C, &["INFO", "persistence"]);
    assert!(info.contains("aof_rewrite_in_progress:1\r\n"), "stopped while opening");
    let mut fsynced_mid = false;
    while !held.is_empty() {
        assert_eq!(h.take_sent(D), "", "the reply left before its fsync");
        let op = answer_one(&mut h, &mut held);
        if let DiskOp::Fsync { path } = &op {
            fsynced_mid |= path.ends_with("appendonly.aof.2.incr.aof");
        }
        if fsynced_mid {
            break;
        }
    }
    assert!(fsynced_mid, "the write made while opening was never fsynced");
    assert_eq!(h.take_sent(D), "+OK\r\n");
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert_rewrite_killed(&mut h, 201);
}

/// A base already on disk is not thrown away: turned off while the opening steps still run,
/// the rewrite ends as usual.
#[test]
fn turning_the_aof_off_once_the_base_is_written_lets_that_rewrite_finish() {
    let mut h = aof_on(&[("aof-use-rdb-preamble", "no")]);
    set_keys(&mut h, 200);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, C, &["BGREWRITEAOF"]);
    while !matches!(held.first(), Some((_, DiskOp::Rename { to, .. })) if to.ends_with(".2.base.aof")) {
        answer_one(&mut h, &mut held);
    }
    // The snapshot's last step (its rename) is next; the opening has yet to name the new
    // incr file.
    assert!(!file(&h, "appendonly.aof.manifest").contains(".2.incr.aof"));
    send_holding_disk(&mut h, &mut held, C, &["SET", "late", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_in_progress:0\r\n"));
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert_no_stray_aof_files(&h);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":201\r\n");
}

#[test]
fn turning_the_aof_on_again_names_no_new_file_until_its_base_exists() {
    let mut h = aof_on(&[("appendfsync", "always"), ("rdb-key-save-delay", "100")]);
    h.cmd(C, &["SET", "old", "1"]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]), "+OK\r\n");
    for i in 0..100 {
        h.cmd(C, &["SET", &format!("k{i}"), "off"]);
    }
    let first = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
    assert_eq!(file(&h, "appendonly.aof.manifest"), first);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    // While the base is written, writes go to a temp incr file the manifest does not name, and
    // under `always` their replies wait for the rewrite: a restart now would load the old
    // files, and replaying these writes on top of them would make a dataset that never was.
    h.connect(D, true);
    assert_eq!(h.cmd(D, &["SET", "during", "1"]), "", "the reply waits for the rewrite");
    assert_eq!(file(&h, "appendonly.aof.manifest"), first);
    assert!(file(&h, "temp-appendonly.aof.incr").contains("during"));
    let mut crashed = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(crashed.cmd(C, &["GET", "old"]), "$1\r\n1\r\n");
    assert_eq!(crashed.cmd(C, &["EXISTS", "during", "k0"]), ":0\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    assert_eq!(h.take_sent(D), "+OK\r\n", "the held reply leaves with the new manifest");
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert!(!h.disk.files.contains_key("/d/appendonlydir/temp-appendonly.aof.incr"));
    assert!(file(&h, "appendonly.aof.2.incr.aof").contains("during"));
    h.cmd(C, &["SET", "after", "1"]);
    assert!(file(&h, "appendonly.aof.2.incr.aof").contains("after"));
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
}

#[test]
fn with_the_aof_off_the_manifest_is_still_read_at_start_up() {
    // An AOF left from an earlier run with the AOF on, history kept by aof-disable-auto-gc.
    let mut h = aof_on(&[("aof-disable-auto-gc", "yes")]);
    h.cmd(C, &["SET", "k", "1"]);
    h.cmd(C, &["BGREWRITEAOF"]);
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    let kept = "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n\
                file appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
    assert_eq!(file(&h, "appendonly.aof.manifest"), kept);
    // Restarted with the AOF off: the history goes at once (Redis' aofDelHistoryFiles), and
    // turning the AOF on numbers the new files after the old ones, which it replaces.
    let mut r = restart(&h, &[("appendonly", "no")]);
    assert_eq!(
        file(&r, "appendonly.aof.manifest"),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert!(!r.disk.files.contains_key("/d/appendonlydir/appendonly.aof.1.incr.aof"));
    r.cmd(C, &["SET", "k", "2"]);
    assert_eq!(r.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    tick_until(&mut r, "aof_rewrite_in_progress:0");
    assert_eq!(
        file(&r, "appendonly.aof.manifest"),
        "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n"
    );
    for old in ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"] {
        assert!(
            !r.disk.files.contains_key(&format!("/d/appendonlydir/{old}")),
            "{old} left"
        );
    }
    let mut again = restart(&r, &[("appendonly", "yes")]);
    assert_eq!(again.cmd(C, &["GET", "k"]), "$1\r\n2\r\n");
}

#[test]
fn with_the_aof_off_a_manifest_redis_would_refuse_still_stops_the_start() {
    let mut h = harness(&[]);
    h.disk
        .files
        .insert("/d/appendonlydir/appendonly.aof.manifest".into(), Vec::new());
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    assert!(h.other.contains(&Output::Exit { code: 1 }));
    assert!(h
        .other
        .iter()
        .any(|o| matches!(o, Output::Log { text, .. } if text == "Found an empty AOF manifest\n")));
}

#[test]
fn shutdown_while_the_aof_is_turned_on_is_refused_unless_forced() {
    let mut h = harness(&[("rdb-key-save-delay", "1000")]);
    set_keys(&mut h, 100);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    // The old files (none here) would come back without these writes: Redis refuses to exit.
    assert_eq!(
        h.cmd(C, &["SHUTDOWN"]),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    assert!(logged(&h, "Writing initial AOF, can't exit."));
    assert!(!h.other.iter().any(|o| matches!(o, Output::Exit { .. })));
    assert_eq!(h.cmd(C, &["GET", "k1"]), "$1\r\nv\r\n", "the server goes on");
    h.cmd(C, &["SHUTDOWN", "NOSAVE", "FORCE"]);
    assert!(logged(&h, "Writing initial AOF. Exit anyway."));
    assert!(h.other.iter().any(|o| matches!(o, Output::Exit { code: 0 })));
}

/// Outputs of one event, fed by hand: disk requests are not carried out.
fn outputs_of(h: &mut Harness, ev: Event) -> Vec<Output> {
    h.srv.handle(h.now, ev);
    std::iter::from_fn(|| h.srv.poll_output()).collect()
}

#[test]
fn everysec_appends_wait_for_the_background_fsync_for_up_to_two_seconds() {
    let mut h = aof_on(&[("appendfsync", "everysec")]);
    h.cmd(C, &["SET", "a", "1"]);
    h.now.unix_ms += 1100;
    h.now.mono_us += 1_100_000;
    let out = outputs_of(&mut h, Event::Tick);
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::Disk {
                op: DiskOp::Fsync { .. },
                ..
            }
        )),
        "the cron's fsync: {out:?}"
    );
    // That fsync never completes: a write made meanwhile is answered but not written.
    let set = vec![vec![b"SET".to_vec(), b"b".to_vec(), b"2".to_vec()]];
    let out = outputs_of(&mut h, Event::Commands { client: C, cmds: set });
    assert!(out.contains(&Output::Send {
        client: C,
        data: b"+OK\r\n".to_vec()
    }));
    let is_write = |o: &Output| {
        matches!(
            o,
            Output::Disk {
                op: DiskOp::Write { .. },
                ..
            }
        )
    };
    assert!(!out.iter().any(is_write), "written behind the fsync: {out:?}");
    h.now.unix_ms += 1000;
    h.now.mono_us += 1_000_000;
    assert!(!outputs_of(&mut h, Event::Tick).iter().any(is_write));
    // Past two seconds it is written anyway, and INFO counts it.
    h.now.unix_ms += 1100;
    h.now.mono_us += 1_100_000;
    assert!(outputs_of(&mut h, Event::Tick).iter().any(is_write));
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("aof_delayed_fsync:1\r\n"));
}

#[test]
fn under_always_a_write_waits_for_the_fsync_in_flight_and_each_reply_leaves_with_its_own_fsync() {
    let mut h = aof_on(&[("appendfsync", "always")]);
    h.connect(D, true);
    let set = |k: &str| vec![vec![b"SET".to_vec(), k.as_bytes().to_vec(), b"1".to_vec()]];
    let disk = |out: &[Output]| -> Vec<(u64, DiskOp)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Disk { req, op, .. } => Some((*req, op.clone())),
                _ => None,
            })
            .collect()
    };
    let first = disk(&outputs_of(
        &mut h,
        Event::Commands {
            client: C,
            cmds: set("a"),
        },
    ));
    assert!(matches!(
        first.as_slice(),
        [(_, DiskOp::Write { .. }), (_, DiskOp::Fsync { .. })]
    ));
    // The write completes; its fsync is still running when D writes: nothing goes to the disk
    // behind it (were that fsync to fail, D's write would land after the bytes Linux dropped).
    let (wreq, wop) = first[0].clone();
    let result = h.disk.apply(wop);
    outputs_of(&mut h, Event::Disk { req: wreq, result });
    let behind = disk(&outputs_of(
        &mut h,
        Event::Commands {
            client: D,
            cmds: set("b"),
        },
    ));
    assert!(behind.is_empty(), "queued behind the fsync: {behind:?}");
    let (freq, fop) = first[1].clone();
    let result = h.disk.apply(fop);
    let out = outputs_of(&mut h, Event::Disk { req: freq, result });
    // C's reply leaves with its own fsync; D's waits for the next one.
    assert!(
        out.contains(&Output::Send {
            client: C,
            data: b"+OK\r\n".to_vec()
        }),
        "{out:?}"
    );
    assert!(
        !out.iter().any(|o| matches!(o, Output::Send { client: D, .. })),
        "{out:?}"
    );
    let next = disk(&out);
    assert!(
        matches!(next.as_slice(), [(_, DiskOp::Write { data, .. }), (_, DiskOp::Fsync { .. })] if data.ends_with(b"$1\r\nb\r\n$1\r\n1\r\n")),
        "{next:?}"
    );
}

#[test]
fn a_failed_rewrite_turning_the_aof_on_removes_its_temp_incr_file_and_tries_again() {
    let mut h = harness(&[("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 100);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    h.cmd(C, &["SET", "during", "1"]);
    assert!(h.disk.files.contains_key("/d/appendonlydir/temp-appendonly.aof.incr"));
    h.disk.full = true;
    tick_until(&mut h, "aof_last_bgrewrite_status:err");
    h.disk.full = false;
    assert!(logged(
        &h,
        "Removing the temp incr aof file temp-appendonly.aof.incr in the background"
    ));
    assert!(!h.disk.files.contains_key("/d/appendonlydir/temp-appendonly.aof.incr"));
    assert!(!h.disk.files.contains_key("/d/appendonlydir/appendonly.aof.manifest"));
    tick_until(&mut h, "aof_last_bgrewrite_status:ok");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    assert_eq!(
        file(&h, "appendonly.aof.manifest"),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    h.cmd(C, &["SET", "after", "1"]);
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(r.cmd(C, &["GET", "during"]), "$1\r\n1\r\n");
}

#[test]
fn a_read_only_replica_replays_its_aof_writes_scripts_included() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    h.cmd(C, &["EVAL", "redis.call('set',KEYS[1],'100')", "1", "foo"]);
    h.cmd(C, &["EVAL", "redis.call('incr',KEYS[1])", "1", "foo"]);
    h.cmd(C, &["SET", "bar", "1"]);
    let replica = [
        ("appendonly", "yes"),
        ("replicaof", "master.example 6380"),
        ("replica-read-only", "yes"),
    ];
    let mut r = restart(&h, &replica);
    assert_eq!(r.cmd(C, &["GET", "foo"]), "$3\r\n101\r\n");
    assert_eq!(r.cmd(C, &["GET", "bar"]), "$1\r\n1\r\n");
    // Its own clients still may not write.
    assert_eq!(
        r.cmd(C, &["SET", "x", "1"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
}

#[test]
fn a_failed_aof_fsync_at_shutdown_is_logged_and_the_exit_goes_on() {
    let mut h = harness(&[("save", "3600 1")]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    set_keys(&mut h, 5);
    // The incr file is gone: its fsync fails, as Redis' finishShutdown sees a failing fsync.
    h.disk.files.remove("/d/appendonlydir/appendonly.aof.1.incr.aof");
    assert_eq!(h.cmd(C, &["SHUTDOWN"]), "");
    assert!(logged(&h, "Calling fsync() on the AOF file."));
    assert!(logged(&h, "Fail to fsync the AOF file: No such file or directory."));
    assert!(logged(&h, "DB saved on disk"), "the final save still runs");
    assert!(h.other.iter().any(|o| matches!(o, Output::Exit { code: 0 })));
    let mut r = restart(&h, &[]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":5\r\n");
}

#[test]
fn shutdown_save_force_while_the_aof_is_turned_on_still_saves_the_rdb() {
    let mut h = harness(&[("rdb-key-save-delay", "1000"), ("save", "3600 1")]);
    set_keys(&mut h, 50);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    h.cmd(C, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    h.cmd(C, &["SHUTDOWN", "SAVE", "FORCE"]);
    assert!(h.other.iter().any(|o| matches!(o, Output::Exit { code: 0 })));
    let mut r = restart(&h, &[]);
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":50\r\n");
}

#[test]
fn a_reply_held_by_the_rewrite_turning_the_aof_on_leaves_when_the_aof_is_turned_off() {
    let mut h = harness(&[("appendfsync", "always"), ("rdb-key-save-delay", "1000")]);
    set_keys(&mut h, 50);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    h.connect(D, true);
    assert_eq!(h.cmd(D, &["SET", "during", "1"]), "");
    // The rewrite stops with the AOF, its temp incr file goes: nothing is promised any more.
    h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(h.take_sent(D), "+OK\r\n");
}

#[test]
fn a_reply_held_by_the_rewrite_turning_the_aof_on_leaves_if_that_rewrite_fails_with_the_aof_off() {
    // A base written at once is not stopped by `appendonly no`: here it fails instead.
    let mut h = harness(&[("appendfsync", "always"), ("aof-use-rdb-preamble", "no")]);
    set_keys(&mut h, 50);
    h.connect(D, true);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "yes"]);
    send_holding_disk(&mut h, &mut held, D, &["SET", "during", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(h.take_sent(D), "");
    h.disk.full = true;
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_last_bgrewrite_status:err"));
    assert_eq!(h.take_sent(D), "+OK\r\n");
}

#[test]
fn debug_loadaof_while_the_aof_is_turned_on_leaves_appends_in_the_file_the_rewrite_names() {
    let mut h = aof_on(&[("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 50);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "no"]);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    h.cmd(C, &["SET", "after", "1"]);
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "after"]), "$1\r\n1\r\n");
}

#[test]
fn waiting_to_retry_the_rewrite_turning_the_aof_on_refuses_no_write() {
    // A base snapshot of about 3 s, so that everysec fsyncs happen while it runs.
    let mut h = harness(&[("rdb-key-save-delay", "30000")]);
    set_keys(&mut h, 100);
    h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]);
    h.cmd(C, &["SET", "during", "1"]);
    advance(&mut h, 1100);
    advance(&mut h, 600);
    h.disk.full = true;
    tick_until(&mut h, "aof_last_bgrewrite_status:err");
    h.disk.full = false;
    // Past the cron's next fsync, before the retry: there is no incr file to fsync (an
    // fsync of an empty path used to fail and make writes MISCONF).
    advance(&mut h, 500);
    assert_eq!(h.cmd(C, &["SET", "k", "v"]), "+OK\r\n");
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("aof_last_write_status:ok"));
}

/// An AOF whose EVAL runs many slices of Lua, then a command after it.
fn slow_script_aof() -> String {
    let script = "redis.call('set',KEYS[1],'y') local n = 0 for i = 1, 3000000 do n = n + 1 end redis.call('set',KEYS[1]..'n',n) return 'ok'";
    let mut incr = command(&["SELECT", "0"]);
    incr.push_str(&command(&["EVAL", script, "1", "x"]));
    incr.push_str(&command(&["SET", "after", "1"]));
    incr
}

/// Ticks with the clock `ms` on each time, until the load is over (C's INFO is answered, and
/// says so).
fn tick_until_loaded(h: &mut Harness, ms: u64) {
    for _ in 0..1000 {
        advance(h, ms);
        let info = h.cmd(C, &["INFO", "persistence"]);
        if info.contains("loading:0\r\n") && !info.contains("loading:1\r\n") {
            return;
        }
    }
    panic!("the load never ends");
}

const LOADING: &str = "-LOADING Redis is loading the dataset in memory\r\n";

/// A server (with D connected) starting up on `slow_script_aof`, 5 ms into the script: past
/// busy-reply-threshold (1 ms).
fn starting_on_a_slow_script() -> Harness {
    let mut h = with_incr_file(slow_script_aof());
    h.cmd(C, &["CONFIG", "SET", "busy-reply-threshold", "1"]);
    h.connect(D, true);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    advance(&mut h, 5);
    h
}

#[test]
fn a_slow_script_in_the_aof_runs_in_slices_while_others_are_answered_loading() {
    let mut h = starting_on_a_slow_script();
    assert!(logged_prefix(&h, "Slow script detected"), "{:?}", h.logs());
    // Others are served meanwhile, as redis-server 7.0.15 answers them: -LOADING (checked
    // before -BUSY in Redis' processCommand), even to SCRIPT KILL; INFO, allowed while
    // loading, gets -BUSY.
    assert_eq!(h.cmd(D, &["PING"]), LOADING);
    assert_eq!(h.cmd(D, &["SCRIPT", "KILL"]), LOADING);
    assert_eq!(
        h.cmd(D, &["INFO", "persistence"]),
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    tick_until_loaded(&mut h, 5);
    assert_eq!(
        h.cmd(C, &["MGET", "x", "xn", "after"]),
        "*3\r\n$1\r\ny\r\n$7\r\n3000000\r\n$1\r\n1\r\n"
    );
    // What the script and the load ran was not appended again.
    assert_eq!(file(&h, "appendonly.aof.1.incr.aof"), slow_script_aof());
}

#[test]
fn debug_loadaof_with_a_slow_script_answers_others_loading_and_then_ok() {
    // The script is in the first of two incr files, in db 9: the load goes on reading the
    // second once it ends, whose commands (without a SELECT) go to db 0, as each file gets
    // a new AOF client in Redis.
    let mut first = command(&["SELECT", "9"]);
    first.push_str(&slow_script_aof()[command(&["SELECT", "0"]).len()..]);
    let mut h = with_incr_files(&[first, command(&["SET", "second", "2"])]);
    h.cmd(C, &["CONFIG", "SET", "busy-reply-threshold", "1"]);
    const B: u64 = 3;
    h.connect(D, true);
    h.connect(B, true);
    h.srv.load_from_disk();
    h.event(C, Event::Tick);
    tick_until_loaded(&mut h, 5);
    assert_eq!(h.cmd(C, &["SELECT", "9"]), "+OK\r\n");
    assert_eq!(h.cmd(B, &["SELECT", "9"]), "+OK\r\n");
    assert_eq!(h.cmd(B, &["BLPOP", "q", "0"]), "");
    assert_eq!(h.cmd(D, &["DEBUG", "LOADAOF"]), "", "it waits for the load");
    advance(&mut h, 5);
    assert_eq!(h.cmd(C, &["PING"]), LOADING);
    // The waiting client's next command waits behind its DEBUG LOADAOF, and does not run
    // while the load waits for the second file.
    assert_eq!(h.cmd(D, &["GET", "second"]), "");
    assert_eq!(h.cmd(C, &["RPUSH", "q", "a"]), LOADING);
    tick_until_loaded(&mut h, 5);
    assert_eq!(h.take_sent(D), "+OK\r\n$1\r\n2\r\n");
    assert_eq!(h.cmd(C, &["MGET", "xn", "after"]), "*2\r\n$7\r\n3000000\r\n$1\r\n1\r\n");
    assert_eq!(h.take_sent(B), "", "BLPOP still waits: the load pushed nothing to q");
    assert_eq!(h.cmd(C, &["RPUSH", "q", "a"]), ":1\r\n");
    assert_eq!(h.take_sent(B), "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
}

#[test]
fn a_blocked_client_is_served_after_a_debug_loadaof_whose_script_filled_its_key() {
    let script = "redis.call('rpush',KEYS[1],'from-aof') local n = 0 for i = 1, 3000000 do n = n + 1 end return n";
    let mut incr = command(&["SELECT", "0"]);
    let mut h = with_incr_file(incr.clone());
    h.cmd(C, &["CONFIG", "SET", "busy-reply-threshold", "1"]);
    const B: u64 = 3;
    h.connect(D, true);
    h.connect(B, true);
    h.srv.load_from_disk();
    tick_until_loaded(&mut h, 5);
    assert_eq!(h.cmd(B, &["BLPOP", "q", "0"]), "");
    // The file now holds the script (as if another server had written it).
    incr.push_str(&command(&["EVAL", script, "1", "q"]));
    h.disk
        .files
        .insert("/d/appendonlydir/appendonly.aof.1.incr.aof".into(), incr.into_bytes());
    assert_eq!(h.cmd(D, &["DEBUG", "LOADAOF"]), "");
    let mut answered = false;
    for _ in 0..1000 {
        advance(&mut h, 5);
        if !h.take_sent(D).is_empty() {
            answered = true;
            break;
        }
        assert_eq!(h.take_sent(B), "", "served before the load ended");
    }
    assert!(answered, "DEBUG LOADAOF never answered");
    // The load is over: B gets the element the AOF pushed, as Redis serves it after the
    // command that loaded it.
    assert_eq!(h.cmd(C, &["PING"]), "+PONG\r\n");
    assert_eq!(h.take_sent(B), "*2\r\n$1\r\nq\r\n$8\r\nfrom-aof\r\n");
    assert_eq!(h.cmd(C, &["LLEN", "q"]), ":0\r\n");
    // Its pop is written to the AOF, as any write after the load.
    let aof = file(&h, "appendonly.aof.1.incr.aof");
    assert!(aof.ends_with(&command(&["LPOP", "q"])), "{aof:?}");
}

#[test]
fn sigterm_while_a_slow_script_from_the_aof_runs_shuts_down_without_saving() {
    let mut h = starting_on_a_slow_script();
    assert_eq!(h.cmd(C, &["PING"]), LOADING);
    h.event(9, Event::Signal(ferrous_core::Signal::Terminate));
    assert!(logged(
        &h,
        "Received shutdown signal during loading, scheduling shutdown."
    ));
    assert!(
        h.other.iter().any(|o| matches!(o, Output::Exit { code: 0 })),
        "{:?}",
        h.logs()
    );
    assert!(!logged(&h, "DB saved on disk"));
}

#[test]
fn the_db_an_aof_selected_holds_across_its_load_steps() {
    let mut incr = command(&["SELECT", "9"]);
    for i in 0..25_000 {
        incr.push_str(&command(&["SET", &format!("k{i}"), "v"]));
    }
    let mut h = with_incr_file(incr);
    h.srv.load_from_disk();
    tick_until_loaded(&mut h, 1);
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":0\r\n");
    assert_eq!(h.cmd(C, &["SELECT", "9"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":25000\r\n");
}

#[test]
fn debug_loadaof_of_a_base_larger_than_one_loading_step_answers() {
    let mut h = aof_on(&[("loading-process-events-interval-bytes", "1024")]);
    set_keys(&mut h, 2000);
    h.cmd(C, &["BGREWRITEAOF"]);
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    assert!(file(&h, "appendonly.aof.manifest").contains(".base.rdb"));
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":2000\r\n");
}

fn logged_prefix(h: &Harness, prefix: &str) -> bool {
    h.logs().iter().any(|l| l.starts_with(prefix))
}

/// Every file in the AOF directory is one the manifest names (besides the manifest).
fn assert_no_stray_aof_files(h: &Harness) {
    let manifest = file(h, "appendonly.aof.manifest");
    let strays: Vec<&str> = h
        .disk
        .files
        .keys()
        .filter_map(|k| k.strip_prefix("/d/appendonlydir/"))
        .filter(|name| *name != "appendonly.aof.manifest" && !manifest.contains(&format!("file {name} ")))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
}

/// The rewrite's opening fails at its first step, the fsync of the old incr file, after the
/// AOF was turned off: what was buffered meanwhile is not appended behind pages the failed
/// fsync may have dropped. Turned on again, the AOF is rebuilt from the dataset.
#[test]
fn a_failed_opening_after_the_aof_was_turned_off_appends_nothing_to_the_old_incr_file() {
    let mut h = aof_on(&[]);
    set_keys(&mut h, 20);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, C, &["BGREWRITEAOF"]);
    send_holding_disk(&mut h, &mut held, C, &["SET", "mid", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    let Some((req, DiskOp::Fsync { path })) = held.first().cloned() else {
        panic!("the opening does not start with the old file's fsync: {held:?}");
    };
    assert!(path.ends_with("appendonly.aof.1.incr.aof"));
    held.remove(0);
    let eio = ferrous_core::DiskError::new(ferrous_core::DiskErrorKind::Other, "Input/output error");
    h.srv.handle(h.now, Event::Disk { req, result: Err(eio) });
    hold_disk_requests(&mut h, &mut held);
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert!(!file(&h, "appendonly.aof.1.incr.aof").contains("mid"));
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_in_progress:0\r\n"));
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    tick_until(&mut h, "aof_rewrite_in_progress:0");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "mid"]), "$1\r\n1\r\n");
    assert_eq!(r.cmd(C, &["DBSIZE"]), ":21\r\n");
}

/// `appendonly no` stops the rewrite and `appendonly yes` at once starts the one turning it on
/// again, while the fsync holding a reply is still in flight: that fsync was of a named
/// file, so the reply leaves with it, not with the new rewrite.
#[test]
fn an_fsync_in_flight_when_the_aof_is_turned_off_and_on_again_still_releases_its_reply() {
    let mut h = aof_on(&[("appendfsync", "always"), ("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 50);
    h.cmd(C, &["BGREWRITEAOF"]);
    h.connect(D, true);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, D, &["SET", "during", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    assert!(h
        .logs()
        .iter()
        .any(|l| l.starts_with("Killing running AOF rewrite child")));
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "yes"]);
    assert_eq!(h.take_sent(D), "");
    loop {
        let op = answer_one(&mut h, &mut held);
        if matches!(&op, DiskOp::Fsync { path } if path.ends_with("appendonly.aof.2.incr.aof")) {
            break;
        }
    }
    assert!(h
        .cmd(C, &["INFO", "persistence"])
        .contains("aof_rewrite_in_progress:1\r\n"));
    assert_eq!(h.take_sent(D), "+OK\r\n");
}

/// SHUTDOWN waiting for a rewrite's opening, after `appendonly no`: the exit comes only after
/// the writes buffered meanwhile are written and fsynced.
#[test]
fn a_shutdown_waiting_for_the_opening_exits_after_the_buffered_writes_are_fsynced() {
    let mut h = aof_on(&[("rdb-key-save-delay", "100")]);
    set_keys(&mut h, 50);
    let mut held = Vec::new();
    send_holding_disk(&mut h, &mut held, C, &["BGREWRITEAOF"]);
    send_holding_disk(&mut h, &mut held, C, &["SET", "mid", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["CONFIG", "SET", "appendonly", "no"]);
    send_holding_disk(&mut h, &mut held, C, &["SHUTDOWN", "NOSAVE"]);
    let exited = |h: &Harness| h.other.iter().any(|o| matches!(o, Output::Exit { .. }));
    let mut fsynced_mid = false;
    while !held.is_empty() && !exited(&h) {
        let op = answer_one(&mut h, &mut held);
        if let DiskOp::Fsync { path } = &op {
            fsynced_mid |=
                path.ends_with("appendonly.aof.2.incr.aof") && file(&h, "appendonly.aof.2.incr.aof").contains("mid");
        }
    }
    assert!(exited(&h), "never exited");
    assert!(fsynced_mid, "exited before the buffered write was fsynced");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "mid"]), "$1\r\n1\r\n");
}

/// BGREWRITEAOF while the start-up steps still name the first incr file: appends wait for
/// those steps, so the rewrite waits too (its base would be their only copy).
#[test]
fn bgrewriteaof_during_the_start_up_steps_is_scheduled_after_them() {
    let mut h = harness(&[("appendonly", "yes")]);
    let mut held = Vec::new();
    h.srv.load_from_disk();
    hold_disk_requests(&mut h, &mut held);
    while matches!(held.first(), Some((_, DiskOp::Read { .. }))) {
        answer_one(&mut h, &mut held);
    }
    assert!(!held.is_empty(), "no start-up steps");
    send_holding_disk(&mut h, &mut held, C, &["SET", "x", "1"]);
    send_holding_disk(&mut h, &mut held, C, &["BGREWRITEAOF"]);
    assert_eq!(
        h.take_sent(C),
        "+OK\r\n+Background append only file rewriting scheduled\r\n"
    );
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert!(file(&h, "appendonly.aof.1.incr.aof").contains("$1\r\nx\r\n"));
    tick_until(&mut h, "aof_rewrites:1");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "x"]), "$1\r\n1\r\n");
}

/// Under `always`, a write made while the AOF waits for its first rewrite (a BGSAVE runs) is
/// answered at once, as in Redis' AOF_WAIT_REWRITE: holding every reply until the BGSAVE
/// and the rewrite are done would stall all clients, and a replica's full sync for good.
/// The rewrite's base then holds the write.
#[test]
fn under_always_a_write_made_while_the_aof_waits_to_be_turned_on_is_answered_at_once() {
    let mut h = harness(&[("rdb-key-save-delay", "100"), ("appendfsync", "always")]);
    set_keys(&mut h, 50);
    h.cmd(C, &["BGSAVE"]);
    assert_eq!(h.cmd(C, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    h.connect(D, true);
    assert_eq!(h.cmd(D, &["SET", "during", "1"]), "+OK\r\n");
    tick_until(&mut h, "aof_rewrites:1");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "during"]), "$1\r\n1\r\n");
}

/// A server started with the AOF on and no files, its load done and the first start-up step
/// (creating the AOF directory) held, with the disk requests after it.
fn at_the_first_start_up_step(appendfsync: &str) -> (Harness, HeldDisk) {
    let mut h = harness(&[("appendonly", "yes"), ("appendfsync", appendfsync)]);
    h.connect(D, true);
    let mut held = HeldDisk::new();
    h.srv.load_from_disk();
    h.srv.handle(h.now, Event::Tick);
    hold_disk_requests(&mut h, &mut held);
    // The load (reads finding no file), then the first step: the AOF directory.
    while !matches!(held.first(), Some((_, DiskOp::CreateDir { .. })) | None) {
        answer_one(&mut h, &mut held);
    }
    assert!(!held.is_empty(), "no start-up step");
    (h, held)
}

/// `appendonly no` while the start-up steps still make the first incr file and its manifest:
/// what was appended meanwhile is written (and fsynced) once they are done, as stopAppendOnly
/// writes it, and the reply held for it under `always` goes out then.
#[test]
fn turning_the_aof_off_during_the_start_up_steps_writes_what_was_buffered_after_them() {
    let (mut h, mut held) = at_the_first_start_up_step("always");
    send_holding_disk(&mut h, &mut held, C, &["SET", "k", "v"]);
    send_holding_disk(&mut h, &mut held, D, &["CONFIG", "SET", "appendonly", "no"]);
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    assert_eq!(h.take_sent(C), "+OK\r\n");
    assert_eq!(h.take_sent(D), "+OK\r\n");
    let mut r = restart(&h, &[("appendonly", "yes")]);
    assert_eq!(r.cmd(C, &["GET", "k"]), "$1\r\nv\r\n");
}

/// SHUTDOWN while the start-up steps still make the first incr file waits for them: its
/// last fsync of that file would otherwise come first and fail.
#[test]
fn shutdown_during_the_start_up_steps_waits_for_them() {
    let (mut h, mut held) = at_the_first_start_up_step("everysec");
    send_holding_disk(&mut h, &mut held, D, &["SHUTDOWN", "NOSAVE"]);
    while !held.is_empty() {
        answer_one(&mut h, &mut held);
    }
    let errors: Vec<String> = h.logs().into_iter().filter(|l| l.contains("Error")).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(h.other.iter().any(|o| matches!(o, Output::Exit { .. })));
}
