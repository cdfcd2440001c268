//! The AOF directory side by side with a real redis-server: the same steps run against both
//! (rewrites with the AOF on and off, DEBUG LOADAOF, turning the AOF on again, history kept by
//! `aof-disable-auto-gc` and removed when it is turned off), and after each step the manifest,
//! the files in the AOF directory and the replies must be the same. Also the upgrade of a
//! Redis 6.2 `appendonly.aof` (commands, or an RDB preamble and commands) into the AOF
//! directory at start-up.

mod diff;

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use diff::resp::call_port as call;

struct Srv {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
    _scratch: common::TempDir,
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn programs() -> Option<[String; 2]> {
    if diff::server::redis_server_version().is_none() {
        assert!(std::env::var("CI").is_err(), "redis-server is required in CI");
        eprintln!("redis-server not installed: skipping");
        return None;
    }
    Some([diff::server::redis_server_bin(), common::bin().to_string()])
}

fn start(program: &str, dir: &Path) -> Srv {
    start_with(program, dir, &["--appendonly", "yes"])
}

fn start_with(program: &str, dir: &Path, extra: &[&str]) -> Srv {
    let mut args = vec![
        "--save",
        "",
        "--enable-debug-command",
        "yes",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let s = common::spawn_server(program, &args);
    let srv = Srv {
        child: s.child,
        port: s.port,
        dir: dir.to_path_buf(),
        log: s.log.clone(),
        _scratch: s.dir,
    };
    wait_for(&srv, |s| call(s.port, &["INFO", "persistence"]).contains("loading:0"));
    srv
}

fn wait_for(srv: &Srv, done: impl Fn(&Srv) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(srv) {
        assert!(Instant::now() < deadline, "server on {} never got there", srv.port);
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn rewrite_done(srv: &Srv) -> bool {
    let info = call(srv.port, &["INFO", "persistence"]);
    info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
}

fn manifest(srv: &Srv) -> String {
    std::fs::read_to_string(srv.dir.join("appendonlydir/appendonly.aof.manifest")).unwrap_or_default()
}

/// The AOF directory's files and whether `appendonly.aof` is in `dir`, once the files the
/// manifest no longer names are gone (both servers remove them in the background).
fn files(srv: &Srv) -> (Vec<String>, bool) {
    let list = |s: &Srv| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(s.dir.join("appendonlydir"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let settled = |s: &Srv| {
        let m = manifest(s);
        list(s)
            .iter()
            .all(|f| f.ends_with(".manifest") || m.contains(f.as_str()))
    };
    wait_for(srv, settled);
    (list(srv), srv.dir.join("appendonly.aof").exists())
}

/// One step on one server: its replies, then what the disk shows.
type Step = fn(&Srv) -> Vec<String>;

fn cmds(srv: &Srv, list: &[&[&str]]) -> Vec<String> {
    list.iter().map(|c| call(srv.port, c)).collect()
}

fn rewrite(srv: &Srv) -> Vec<String> {
    let mut r = cmds(srv, &[&["BGREWRITEAOF"]]);
    wait_for(srv, rewrite_done);
    r.push(rewrite_status(srv));
    r
}

/// A rewrite that failed and was tried again would leave the same files: its status tells.
fn rewrite_status(srv: &Srv) -> String {
    let info = call(srv.port, &["INFO", "persistence"]);
    let line = info.lines().find(|l| l.starts_with("aof_last_bgrewrite_status:"));
    line.unwrap_or("no aof_last_bgrewrite_status").to_string()
}

const STEPS: &[(&str, Step)] = &[
    ("start", |_| vec![]),
    ("write and rewrite", |s| {
        let mut r = cmds(s, &[&["SET", "k1", "v1"], &["RPUSH", "l", "a", "b"]]);
        r.extend(rewrite(s));
        r
    }),
    ("rewrite with the AOF off", |s| {
        let mut r = cmds(s, &[&["CONFIG", "SET", "appendonly", "no"], &["SET", "k2", "v2"]]);
        r.extend(rewrite(s));
        r
    }),
    ("DEBUG LOADAOF with the AOF off", |s| {
        cmds(s, &[&["DEBUG", "LOADAOF"], &["MGET", "k1", "k2"], &["DBSIZE"]])
    }),
    ("AOF on again", |s| {
        let mut r = cmds(s, &[&["CONFIG", "SET", "appendonly", "yes"]]);
        wait_for(s, rewrite_done);
        r.push(rewrite_status(s));
        r
    }),
    ("history kept", |s| {
        let mut r = cmds(
            s,
            &[&["CONFIG", "SET", "aof-disable-auto-gc", "yes"], &["SET", "k3", "v3"]],
        );
        r.extend(rewrite(s));
        r.extend(cmds(s, &[&["SET", "k4", "v4"]]));
        r.extend(rewrite(s));
        r
    }),
    // No waiting here: the manifest is on disk when the reply comes.
    ("history removed", |s| {
        let r = cmds(s, &[&["CONFIG", "SET", "aof-disable-auto-gc", "no"]]);
        let mut with_manifest = r;
        with_manifest.push(manifest(s));
        with_manifest
    }),
    ("reload and rewrite", |s| {
        let mut r = cmds(s, &[&["DEBUG", "LOADAOF"]]);
        r.extend(rewrite(s));
        r.extend(cmds(
            s,
            &[&["SET", "k5", "v5"], &["DEBUG", "LOADAOF"], &["DEBUG", "DIGEST"]],
        ));
        r
    }),
];

#[test]
fn rewrites_reloads_and_history_leave_the_aof_directory_as_redis_leaves_it() {
    let Some(programs) = programs() else {
        return;
    };
    let dirs = [
        common::TempDir::new("aof-m-redis"),
        common::TempDir::new("aof-m-ferrous"),
    ];
    let servers: Vec<Srv> = programs.iter().zip(&dirs).map(|(p, d)| start(p, &d.0)).collect();
    for (name, step) in STEPS {
        let seen: Vec<_> = servers
            .iter()
            .map(|s| {
                let replies = step(s);
                (replies, manifest(s), files(s))
            })
            .collect();
        let log = std::fs::read_to_string(&servers[1].log).unwrap_or_default();
        assert_eq!(
            seen[1], seen[0],
            "after '{name}': ferrous (left) vs redis (right); ferrous' log:\n{log}"
        );
    }
}

/// `run` against redis-server and ferrous, each in a directory of its own (named after
/// `what`): what each returns must be the same.
fn same_as_redis<T: PartialEq + std::fmt::Debug>(what: &str, run: impl Fn(&str, &Path) -> T) {
    let Some(programs) = programs() else {
        return;
    };
    let dirs = [
        common::TempDir::new(&format!("{what}-redis")),
        common::TempDir::new(&format!("{what}-ferrous")),
    ];
    let seen: Vec<T> = programs.iter().zip(&dirs).map(|(p, d)| run(p, &d.0)).collect();
    assert_eq!(seen[1], seen[0], "ferrous (left) vs redis (right)");
}

/// Starts both servers on a `dir` holding `old` as `appendonly.aof`, as Redis 6.2 left it.
fn upgrade_matches(old: &[u8]) {
    same_as_redis("aof-up", |program, dir| {
        std::fs::write(dir.join("appendonly.aof"), old).unwrap();
        let s = start(program, dir);
        let mut state = cmds(&s, &[&["DBSIZE"], &["DEBUG", "DIGEST"]]);
        state.push(manifest(&s));
        state.push(format!("{:?}", files(&s)));
        state.extend(rewrite(&s));
        state.extend(cmds(&s, &[&["DEBUG", "LOADAOF"], &["DEBUG", "DIGEST"]]));
        state.push(manifest(&s));
        state.push(format!("{:?}", files(&s)));
        state
    });
}

fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend(format!("${}\r\n{a}\r\n", a.len()).into_bytes());
    }
    out
}

#[test]
fn an_old_aof_of_commands_is_upgraded_as_redis_upgrades_it() {
    let mut old = command(&["SELECT", "0"]);
    old.extend(command(&["SET", "k1", "v1"]));
    old.extend(command(&["RPUSH", "l", "a", "b", "c"]));
    old.extend(command(&["SELECT", "3"]));
    old.extend(command(&["HSET", "h", "f", "v"]));
    upgrade_matches(&old);
}

#[test]
fn an_old_aof_with_an_rdb_preamble_is_upgraded_as_redis_upgrades_it() {
    let Some(programs) = programs() else {
        return;
    };
    // The preamble: an RDB file a real Redis saved.
    let dir = common::TempDir::new("aof-up-rdb");
    let s = common::spawn_server(&programs[0], &["--save", "", "--dir", dir.0.to_str().unwrap()]);
    call(s.port, &["SET", "k1", "v1"]);
    call(s.port, &["SADD", "s", "1", "2", "x"]);
    assert_eq!(call(s.port, &["SAVE"]), "+OK\r\n");
    let mut old = std::fs::read(dir.0.join("dump.rdb")).unwrap();
    let mut child = s.child;
    let _ = child.kill();
    let _ = child.wait();
    old.extend(command(&["SELECT", "0"]));
    old.extend(command(&["SET", "k3", "v3"]));
    old.extend(command(&["SADD", "s", "y"]));
    upgrade_matches(&old);
}

/// An AOF with history left by a run with `aof-disable-auto-gc yes`, then a start with the AOF
/// off: the manifest is read all the same (its history goes), and turning the AOF on numbers
/// the new files after the old ones and replaces them.
#[test]
fn a_start_with_the_aof_off_reads_the_manifest_as_redis_does() {
    same_as_redis("aof-off", |program, dir| {
        let first = start_with(program, dir, &["--appendonly", "yes", "--aof-disable-auto-gc", "yes"]);
        let mut r = cmds(&first, &[&["SET", "k1", "v1"]]);
        r.extend(rewrite(&first));
        r.extend(cmds(&first, &[&["SET", "k2", "v2"]]));
        r.extend(cmds(&first, &[&["SHUTDOWN", "NOSAVE"]]));
        drop(first);
        let s = start_with(program, dir, &["--appendonly", "no"]);
        let at_start = (manifest(&s), files(&s));
        r.extend(cmds(
            &s,
            &[&["SET", "k3", "v3"], &["CONFIG", "SET", "appendonly", "yes"]],
        ));
        wait_for(&s, rewrite_done);
        r.push(rewrite_status(&s));
        let last: &[&[&str]] = &[
            &["SET", "k4", "v4"],
            &["DEBUG", "LOADAOF"],
            &["MGET", "k1", "k2", "k3", "k4"],
        ];
        r.extend(cmds(&s, last));
        (r, at_start, manifest(&s), files(&s))
    });
}
