//! Starting on the AOF of Redis 6.2 or older (one `appendonly.aof` in `dir`, commands or an
//! RDB preamble followed by commands): it is moved into the AOF directory as the base of a new
//! manifest, loaded, and a first incr file is opened, as Redis 7's aofUpgradePrepare does.
//! The cases are those of Redis' integration/aof-multi-part upgrade tests.

mod common;

use common::harness;
use ferrous_core::harness::Harness;
use ferrous_core::{Event, Output};

const C: u64 = 1;
const DIR: &str = "/d/appendonlydir";

fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    out.into_bytes()
}

fn sets(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs.iter().flat_map(|(k, v)| command(&["SET", k, v])).collect()
}

/// Starts with `appendonly yes` on the files given (path, content) and runs the load.
fn start(files: &[(&str, Vec<u8>)]) -> Harness {
    let mut h = harness(&[("appendonly", "yes")]);
    for (path, data) in files {
        h.disk.files.insert(path.to_string(), data.clone());
    }
    h.srv.load_from_disk();
    for _ in 0..10 {
        h.event(C, Event::Tick);
    }
    h
}

fn file(h: &Harness, path: &str) -> Option<String> {
    h.disk.files.get(path).map(|d| String::from_utf8_lossy(d).into_owned())
}

const UPGRADED: &str = "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";

#[test]
fn an_old_aof_in_dir_is_moved_in_loaded_and_then_rewritten_as_usual() {
    let mut h = start(&[("/d/appendonly.aof", sets(&[("k1", "v1"), ("k2", "v2"), ("k3", "v3")]))]);
    for (k, v) in [("k1", "v1"), ("k2", "v2"), ("k3", "v3")] {
        assert_eq!(h.cmd(C, &["GET", k]), format!("${}\r\n{v}\r\n", v.len()));
    }
    assert_eq!(file(&h, "/d/appendonly.aof"), None, "the old file stays in dir");
    assert!(file(&h, &format!("{DIR}/appendonly.aof")).is_some());
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some(UPGRADED)
    );
    assert!(h.logs().contains(
        &"Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).".into()
    ));
    // Writes go to the new incr file.
    assert_eq!(h.cmd(C, &["SET", "k4", "v4"]), "+OK\r\n");
    let incr = file(&h, &format!("{DIR}/appendonly.aof.1.incr.aof")).unwrap();
    assert!(incr.ends_with("$2\r\nk4\r\n$2\r\nv4\r\n"), "{incr:?}");
    // A rewrite replaces the moved base like any other.
    assert_eq!(
        h.cmd(C, &["BGREWRITEAOF"]),
        "+Background append only file rewriting started\r\n"
    );
    for _ in 0..20 {
        h.event(C, Event::Tick);
    }
    h.cmd(C, &["SET", "k5", "v5"]);
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
    );
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof")),
        None,
        "the old base is removed"
    );
    let digest = h.cmd(C, &["DEBUG", "DIGEST"]);
    assert_eq!(h.cmd(C, &["DEBUG", "LOADAOF"]), "+OK\r\n");
    assert_eq!(h.cmd(C, &["DEBUG", "DIGEST"]), digest);
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":5\r\n");
}

#[test]
fn an_old_aof_with_an_rdb_preamble_loads_the_commands_after_it() {
    let mut saver = harness(&[]);
    saver.cmd(C, &["SET", "k1", "v1"]);
    saver.cmd(C, &["RPUSH", "k2", "a", "b"]);
    assert_eq!(saver.cmd(C, &["SAVE"]), "+OK\r\n");
    let mut old = saver.disk.files["/d/dump.rdb"].clone();
    old.extend(sets(&[("k3", "v3")]));
    old.extend(command(&["RPUSH", "k2", "c"]));
    let mut h = start(&[("/d/appendonly.aof", old)]);
    assert_eq!(h.cmd(C, &["GET", "k1"]), "$2\r\nv1\r\n");
    assert_eq!(h.cmd(C, &["GET", "k3"]), "$2\r\nv3\r\n");
    assert_eq!(
        h.cmd(C, &["LRANGE", "k2", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    let logs = h.logs();
    assert!(
        logs.contains(&"Reading RDB preamble from AOF file...".into()),
        "{logs:?}"
    );
    assert!(logs.contains(&"Reading the remaining AOF tail...".into()), "{logs:?}");
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some(UPGRADED)
    );
}

#[test]
fn an_upgrade_stopped_before_the_move_is_finished() {
    let h = start(&[
        ("/d/appendonly.aof", sets(&[("k1", "v1")])),
        (
            &format!("{DIR}/appendonly.aof.manifest"),
            b"file appendonly.aof seq 1 type b\n".to_vec(),
        ),
    ]);
    let mut h = h;
    assert_eq!(h.cmd(C, &["GET", "k1"]), "$2\r\nv1\r\n");
    assert_eq!(file(&h, "/d/appendonly.aof"), None);
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some(UPGRADED)
    );
}

#[test]
fn with_the_old_name_in_both_places_the_aof_directory_wins_and_dir_is_left_alone() {
    let mut h = start(&[
        ("/d/appendonly.aof", sets(&[("k1", "v1")])),
        (
            &format!("{DIR}/appendonly.aof.manifest"),
            b"file appendonly.aof seq 1 type b\n".to_vec(),
        ),
        (&format!("{DIR}/appendonly.aof"), sets(&[("k4", "v4")])),
    ]);
    assert_eq!(h.cmd(C, &["EXISTS", "k1"]), ":0\r\n");
    assert_eq!(h.cmd(C, &["GET", "k4"]), "$2\r\nv4\r\n");
    assert!(file(&h, "/d/appendonly.aof").is_some());
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some(UPGRADED)
    );
}

#[test]
fn a_manifest_naming_the_old_file_found_nowhere_stops_the_start() {
    let h = start(&[(
        &format!("{DIR}/appendonly.aof.manifest"),
        b"file appendonly.aof seq 1 type b\n".to_vec(),
    )]);
    assert!(h.other.contains(&Output::Exit { code: 1 }));
    let logs = h.logs();
    assert!(
        logs.iter()
            .any(|l| l.contains("appendonly.aof") && l.contains("No such file or directory")),
        "{logs:?}"
    );
}

#[test]
fn no_aof_anywhere_starts_an_empty_one() {
    let mut h = start(&[]);
    assert_eq!(h.cmd(C, &["DBSIZE"]), ":0\r\n");
    for _ in 0..10 {
        h.event(C, Event::Tick);
    }
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    );
    // As Redis' aofOpenIfNeededOnServerStart: the base is written at start-up, not by a
    // rewrite, and nothing says an AOF was loaded.
    let logs = h.logs();
    for line in [
        "Creating AOF base file appendonly.aof.1.base.rdb on server start",
        "Creating AOF incr file appendonly.aof.1.incr.aof on server start",
    ] {
        assert!(logs.contains(&line.to_string()), "{logs:?}");
    }
    assert!(
        !logs.iter().any(|l| l.contains("rewriting") || l.contains("DB loaded")),
        "{logs:?}"
    );
    assert!(file(&h, &format!("{DIR}/appendonly.aof.1.base.rdb"))
        .unwrap()
        .starts_with("REDIS0010"));
    assert!(h.cmd(C, &["INFO", "persistence"]).contains("aof_rewrites:0\r\n"));
    assert_eq!(h.cmd(C, &["SET", "k", "v"]), "+OK\r\n");
    assert!(file(&h, &format!("{DIR}/appendonly.aof.1.incr.aof"))
        .unwrap()
        .ends_with("$1\r\nk\r\n$1\r\nv\r\n"));
}

#[test]
fn a_manifest_with_a_base_alone_gets_an_incr_file_before_any_write() {
    let mut h = start(&[
        (
            &format!("{DIR}/appendonly.aof.manifest"),
            b"file appendonly.aof.3.base.aof seq 3 type b\n".to_vec(),
        ),
        (&format!("{DIR}/appendonly.aof.3.base.aof"), sets(&[("k", "v")])),
    ]);
    assert_eq!(h.cmd(C, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(h.cmd(C, &["SET", "k2", "v2"]), "+OK\r\n");
    assert_eq!(
        file(&h, &format!("{DIR}/appendonly.aof.manifest")).as_deref(),
        Some("file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    );
    let incr = file(&h, &format!("{DIR}/appendonly.aof.1.incr.aof")).unwrap();
    assert!(incr.ends_with("$2\r\nk2\r\n$2\r\nv2\r\n"), "{incr:?}");
}

/// An incr file of the new one's name left on disk (a crash undid its removal) holds writes the
/// base already has: it is emptied, not appended to, or a restart would replay them twice.
#[test]
fn a_leftover_file_with_the_new_incr_files_name_is_emptied() {
    let mut h = start(&[
        (
            &format!("{DIR}/appendonly.aof.manifest"),
            b"file appendonly.aof.3.base.aof seq 3 type b\n".to_vec(),
        ),
        (
            &format!("{DIR}/appendonly.aof.3.base.aof"),
            command(&["RPUSH", "l", "a"]),
        ),
        (
            &format!("{DIR}/appendonly.aof.1.incr.aof"),
            command(&["RPUSH", "l", "a"]),
        ),
    ]);
    assert_eq!(h.cmd(C, &["RPUSH", "l", "b"]), ":2\r\n");
    let incr = file(&h, &format!("{DIR}/appendonly.aof.1.incr.aof")).unwrap();
    assert!(!incr.contains("$1\r\na\r\n"), "{incr:?}");
    let files: Vec<(&str, Vec<u8>)> = h.disk.files.iter().map(|(p, d)| (p.as_str(), d.clone())).collect();
    let mut restarted = start(&files);
    assert_eq!(
        restarted.cmd(C, &["LRANGE", "l", "0", "-1"]),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
}

/// A disk that fails while the upgrade writes the new manifest stops the start before the
/// manifest or the old file is moved: nothing half-written is renamed into place.
#[test]
fn a_failed_manifest_write_stops_the_upgrade_before_anything_is_moved() {
    let mut h = harness(&[("appendonly", "yes")]);
    h.disk.files.insert("/d/appendonly.aof".into(), sets(&[("k1", "v1")]));
    h.disk.full = true;
    h.srv.load_from_disk();
    for _ in 0..10 {
        h.event(C, Event::Tick);
    }
    assert!(h.other.contains(&Output::Exit { code: 1 }));
    assert!(file(&h, "/d/appendonly.aof").is_some(), "the old AOF was moved");
    assert_eq!(file(&h, &format!("{DIR}/appendonly.aof.manifest")), None);
    let logs = h.logs();
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Can't persist the AOF manifest file: No space left")),
        "{logs:?}"
    );
}
