//! Starting the real `ferrous` binary on a free port for integration tests.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Ferrous {
    pub port: u16,
    pub child: Child,
    pub log: std::path::PathBuf,
    _dir: TempDir,
}

/// A scratch directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("ferrous-test-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether a server's log file says it is listening (ferrous and redis-server print the same
/// line once their ports are bound).
pub fn logged_ready(log: &std::path::Path) -> bool {
    std::fs::read_to_string(log).is_ok_and(|t| t.contains("Ready to accept connections"))
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ferrous")
}

/// A server process started on a free port by [`spawn_server`].
pub struct Spawned {
    pub child: Child,
    pub port: u16,
    pub log: std::path::PathBuf,
    pub dir: TempDir,
}

/// Starts `program` (ferrous or redis-server) on a free port of 127.0.0.1 with its log and
/// `--dir` in a scratch directory, then `args` (a later `--dir` wins), and waits until it
/// listens. A port probed free can be taken by another test's server before ours binds it:
/// then ours exits and the start is retried on another port.
pub fn spawn_server(program: &str, args: &[&str]) -> Spawned {
    for _ in 0..5 {
        let port = free_port();
        let dir = TempDir::new("srv");
        let log = dir.0.join("server.log");
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--logfile", log.to_str().unwrap(), "--dir", dir.0.to_str().unwrap()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let mut s = Spawned { child, port, log, dir };
        if s.wait_ready() {
            return s;
        }
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
    panic!("{program} did not start");
}

impl Spawned {
    /// Ready once our own process logged that it listens and the port accepts. The log line
    /// matters: if another test's server holds the port, a bare connect would reach that one.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if logged_ready(&self.log) && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Ferrous {
    /// Starts ferrous with extra `--directive value` arguments and waits until it accepts.
    pub fn start(args: &[&str]) -> Ferrous {
        let s = spawn_server(bin(), args);
        Ferrous {
            port: s.port,
            child: s.child,
            log: s.log,
            _dir: s.dir,
        }
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url()).unwrap().get_connection().unwrap()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit by itself; returns its status code.
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Ferrous {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes and reads until `expect_len` bytes arrived or the peer closed.
pub fn raw_exchange(s: &mut TcpStream, data: &[u8], expect_len: usize) -> Vec<u8> {
    s.write_all(data).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while got.len() < expect_len {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// True if the server closed the connection (read returns EOF).
pub fn is_closed(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0)) || matches!(s.read(&mut b), Ok(0))
}

/// Runs redis-cli against the server; None if redis-cli is not installed (CI installs it).
pub fn redis_cli(port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output();
    match out {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) if std::env::var("CI").is_ok() => panic!("redis-cli is required in CI"),
        Err(_) => {
            eprintln!("redis-cli not installed: skipping (apt-get install redis-tools)");
            None
        }
    }
}
