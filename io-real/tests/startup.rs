//! Start-up: configuration files and command-line options, and their errors.

mod common;

use std::process::Command;

use common::{bin, TempDir};

fn run_with_config(text: &str, extra: &[&str]) -> (Option<i32>, String) {
    let dir = TempDir::new("conf");
    let path = dir.0.join("ferrous.conf");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(bin()).arg(&path).args(extra).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_unknown_directive_stops_startup_naming_file_line_and_directive() {
    let (code, err) = run_with_config("port 7000\nfoo bar\n", &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"), "{err}");
    assert!(err.contains("Reading the configuration file, at line 2"), "{err}");
    assert!(err.contains(">>> 'foo bar'"), "{err}");
    assert!(err.contains("Bad directive or wrong number of arguments"), "{err}");
    assert!(err.contains("in the configuration file '"), "{err}");
    assert!(err.contains("ferrous.conf'"), "{err}");
}

#[test]
fn a_malformed_value_stops_startup_with_the_reason() {
    let (code, err) = run_with_config("port abc\n", &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains(">>> 'port abc'"), "{err}");
    assert!(err.contains("argument couldn't be parsed into an integer"), "{err}");
    let (code, err) = run_with_config("", &["--protected-mode", "maybe"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Reading the configuration file, at line 2\n>>> 'protected-mode \"maybe\"'"),
        "{err}"
    );
    assert!(err.contains("argument must be 'yes' or 'no'"), "{err}");
    assert!(err.contains("from the command-line options"), "{err}");
}

#[test]
fn a_missing_config_file_is_reported() {
    let out = Command::new(bin()).arg("/nonexistent/ferrous.conf").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("can't open config file"));
}

#[test]
fn version_flag_prints_and_exits() {
    let out = Command::new(bin()).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("v=7.0.15"));
}

#[test]
fn a_port_in_use_stops_startup_with_redis_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(bin())
        .args(["--port", &port, "--bind", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains(&format!("# Failed listening on port {port} (tcp), aborting.")),
        "{log}"
    );
}
