//! The `ferrous-sim` binary as CI and developers use it.

use std::process::{Command, Output};

fn ferrous_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferrous-sim"))
        .args(args)
        .output()
        .expect("ferrous-sim runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn last_line(out: &Output) -> String {
    stdout(out).lines().last().unwrap_or_default().to_owned()
}

#[test]
fn replaying_a_seed_prints_the_same_trace_hash_last() {
    let first = ferrous_sim(&["--seed", "7"]);
    assert!(first.status.success(), "{}", stdout(&first));
    let line = last_line(&first);
    assert!(
        line.starts_with("trace-hash: ") && line.len() == "trace-hash: ".len() + 16,
        "{line}"
    );
    assert!(stdout(&first).contains("seed 7: ok"));
    assert_eq!(line, last_line(&ferrous_sim(&["--seed", "7"])));
    assert_ne!(line, last_line(&ferrous_sim(&["--seed", "8"])));
}

#[test]
fn a_seed_range_reports_the_count() {
    let out = ferrous_sim(&["--seeds", "3..6", "--steps", "2000"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("3 seeds: 3 passed, 0 failed"), "{}", stdout(&out));
}

#[test]
fn a_bad_command_line_is_refused_with_usage() {
    let out = ferrous_sim(&["--seed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: ferrous-sim"));
}

#[test]
fn replication_runs_replay_with_a_summary_and_run_in_ranges() {
    let one = ferrous_sim(&["--repl", "--seed", "3"]);
    assert!(one.status.success(), "{}", stdout(&one));
    assert!(stdout(&one).contains("repl seed 3: ok"), "{}", stdout(&one));
    assert!(stdout(&one).contains("full syncs"), "{}", stdout(&one));
    assert!(last_line(&one).starts_with("trace-hash: "));
    assert_eq!(last_line(&one), last_line(&ferrous_sim(&["--repl", "--seed", "3"])));
    let many = ferrous_sim(&["--repl", "--seeds", "0..3"]);
    assert!(many.status.success(), "{}", stdout(&many));
    assert!(
        stdout(&many).contains("3 repl seeds: 3 passed, 0 failed"),
        "{}",
        stdout(&many)
    );
}
