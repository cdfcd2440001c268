//! Starting `redis-server` (the oracle) and `ferrous` (the subject) on free ports. Every process
//! started here is killed when its [`Server`] drops, and, should the test runner itself be
//! killed, by the kernel (`PR_SET_PDEATHSIG`).

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming another redis-server binary (default: `redis-server` on PATH).
pub const REDIS_SERVER_ENV: &str = "FERROUS_DIFF_REDIS_SERVER";

pub struct Server {
    /// `redis-server` or `ferrous`, for reports.
    pub name: String,
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn scratch_dir(tag: &str) -> PathBuf {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let p = std::env::temp_dir().join(format!("ferrous-diff-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// The redis-server binary to use.
pub fn redis_server_bin() -> String {
    std::env::var(REDIS_SERVER_ENV).unwrap_or_else(|_| "redis-server".into())
}

/// The `redis-server --version` line, or None if no redis-server can be run.
pub fn redis_server_version() -> Option<String> {
    let out = Command::new(redis_server_bin()).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl Server {
    /// Starts Debian's redis-server 7.0 without persistence.
    pub fn redis(name: &str) -> Server {
        Server::start(name, &redis_server_bin(), |port, dir| {
            vec![
                "--port".into(),
                port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--daemonize".into(),
                "no".into(),
                "--save".into(),
                "".into(),
                "--appendonly".into(),
                "no".into(),
                "--enable-debug-command".into(),
                "yes".into(),
                "--dir".into(),
                dir.clone(),
                "--logfile".into(),
                format!("{dir}/redis.log"),
            ]
        })
    }

    /// Starts the `ferrous` binary of this build, configured as the oracle is (no save points).
    pub fn ferrous() -> Server {
        Server::start("ferrous", env!("CARGO_BIN_EXE_ferrous"), |port, dir| {
            vec![
                "--port".into(),
                port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--save".into(),
                "".into(),
                "--enable-debug-command".into(),
                "yes".into(),
                "--dir".into(),
                dir.clone(),
                "--logfile".into(),
                format!("{dir}/ferrous.log"),
            ]
        })
    }

    fn start(name: &str, bin: &str, args: impl Fn(u16, &String) -> Vec<String>) -> Server {
        // A free port can be taken between probing and binding: retry with another.
        for _ in 0..5 {
            let port = free_port();
            let dir = scratch_dir(name);
            let dir_s = dir.to_str().unwrap().to_string();
            let mut cmd = Command::new(bin);
            cmd.args(args(port, &dir_s))
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
            let mut srv = Server {
                name: name.to_string(),
                port,
                child,
                dir,
            };
            if srv.wait_ready() && srv.stop_active_expiry() {
                return srv;
            }
        }
        panic!("{name} ({bin}) did not start");
    }

    /// Only lazy expiry, on both servers: a key past its expiry that no command touched is
    /// still counted by DBSIZE, on each server alike, instead of vanishing whenever one's
    /// background cycle happens to run (a race between two servers, not a difference).
    fn stop_active_expiry(&self) -> bool {
        let Ok(mut c) = super::Conn::connect(self.port) else {
            return false;
        };
        let reply = c.call(&[b"DEBUG".to_vec(), b"SET-ACTIVE-EXPIRE".to_vec(), b"0".to_vec()]);
        reply == super::Outcome::Reply(b"+OK\r\n".to_vec())
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            // Our own log must say it listens: a port probed free can be taken by another
            // test's server first, and a bare connect would then reach that one.
            if self.logged_ready() && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    fn logged_ready(&self) -> bool {
        self.log_text().contains("Ready to accept connections")
    }

    /// The server's log file (the one `*.log` in its directory).
    fn log_text(&self) -> String {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| e.path().extension().is_some_and(|x| x == "log"))
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .unwrap_or_default()
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines of the server's log, for reports.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log_text();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}
