//! `unixsocket`: ferrous listens on a Unix domain socket (alone with `port 0`), with the mode
//! `unixsocketperm` gives; its clients are local (protected mode lets them in), show as
//! `path:0` with flag U in CLIENT LIST, and the file is removed at shutdown, as Redis does.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, TempDir};

/// Sends a RESP command and reads until the reply is complete enough (ends with CRLF).
fn call(s: &mut UnixStream, args: &[&str]) -> String {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while !got.ends_with(b"\r\n") && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn a_unix_socket_alone_serves_local_clients_and_goes_away_at_shutdown() {
    let dir = TempDir::new("unixsocket");
    let path = dir.0.join("ferrous.sock");
    let log = dir.0.join("log");
    let sock = path.to_str().unwrap();
    let mut child = Command::new(bin())
        .args(["--port", "0", "--unixsocket", sock, "--unixsocketperm", "700"])
        .args(["--logfile", log.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut s = loop {
        if let Ok(s) = UnixStream::connect(&path) {
            break s;
        }
        assert!(Instant::now() < deadline, "no socket at {sock}");
        std::thread::sleep(Duration::from_millis(20));
    };
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // Protected mode is on and there is no password: only a local client gets this far.
    assert_eq!(call(&mut s, &["PING"]), "+PONG\r\n");
    let list = call(&mut s, &["CLIENT", "LIST"]);
    assert!(list.contains(&format!(" addr={sock}:0 laddr={sock}:0 ")), "{list}");
    assert!(list.contains(" flags=U "), "{list}");
    let perm = call(&mut s, &["CONFIG", "GET", "unixsocketperm"]);
    assert_eq!(perm, "*2\r\n$14\r\nunixsocketperm\r\n$3\r\n700\r\n");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(&format!("The server is now ready to accept connections at {sock}")),
        "{text}"
    );
    assert!(
        !text.contains("Ready to accept connections tcp"),
        "no TCP listener: {text}"
    );
    call(&mut s, &["SHUTDOWN", "NOSAVE"]);
    assert!(child.wait().unwrap().success());
    assert!(!path.exists(), "the socket file is left behind");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("Removing the unix socket file."), "{text}");
}

#[test]
fn listening_nowhere_stops_the_start() {
    let out = Command::new(bin()).args(["--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Configured to not listen anywhere, exiting."), "{text}");
}
