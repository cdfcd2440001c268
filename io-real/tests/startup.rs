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

#[test]
fn always_show_logo_prints_the_pid_and_pidfile_lives_as_long_as_the_server() {
    let dir = TempDir::new("pid");
    let pidfile = dir.0.join("ferrous.pid");
    let mut s = common::Ferrous::start(&["--always-show-logo", "yes", "--pidfile", pidfile.to_str().unwrap()]);
    let pid = s.child.id();
    // Redis' test harness finds a started server by " PID: <pid>" in its logo.
    assert!(s.log_text().contains(&format!(" PID: {pid}\n")), "{}", s.log_text());
    assert!(!s.log_text().contains("Running mode="));
    assert_eq!(std::fs::read_to_string(&pidfile).unwrap(), format!("{pid}\n"));
    let mut c = s.connect();
    std::io::Write::write_all(&mut c, b"SHUTDOWN NOSAVE\r\n").unwrap();
    assert_eq!(s.wait_exit(std::time::Duration::from_secs(10)), Some(0));
    assert!(!pidfile.exists(), "the pid file outlived the server");
}

#[test]
fn without_the_logo_one_line_says_mode_and_port() {
    let s = common::Ferrous::start(&[]);
    assert!(s
        .log_text()
        .contains(&format!("Running mode=standalone, port={}.", s.port)));
}

#[test]
fn daemonize_detaches_and_the_daemon_serves() {
    let dir = TempDir::new("daemon");
    let pidfile = dir.0.join("d.pid");
    let log = dir.0.join("d.log");
    let port = common::free_port();
    let status = Command::new(bin())
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--daemonize", "yes"])
        .args([
            "--pidfile",
            pidfile.to_str().unwrap(),
            "--logfile",
            log.to_str().unwrap(),
        ])
        .args(["--dir", dir.0.to_str().unwrap(), "--save", ""])
        .status()
        .unwrap();
    assert!(status.success(), "the parent exits at once, successfully");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Ready once its log says so (the socket is bound a little earlier).
    let mut conn = loop {
        let ready = common::logged_ready(&log);
        if let (true, Ok(c)) = (ready, std::net::TcpStream::connect(("127.0.0.1", port))) {
            break c;
        }
        assert!(std::time::Instant::now() < deadline, "the daemon never listened");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains(&format!("pid={}", pid.trim())));
    std::io::Write::write_all(&mut conn, b"SHUTDOWN NOSAVE\r\n").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pidfile.exists() {
        assert!(std::time::Instant::now() < deadline, "the daemon did not shut down");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
