//! Start-up and shutdown of the real server.

use std::collections::HashMap;
use std::io::Read;

use ferrous_core::{Config, LogLevel, Server, ServerEnv, REDIS_VERSION};

use crate::clock::RealClock;
use crate::io_thread::IoThread;
use crate::log::Logger;
use crate::net;
use crate::shared::{CoreState, Shared};
use crate::shim::eventfd::EventFd;
use crate::shim::mailbox::Mailbox;
use crate::shim::signals::block_shutdown_signals;
use crate::shim::sync::{Arc, AtomicBool, AtomicU64, Mutex, Ordering};

/// Seeds the core's RNG and hash keys from the OS.
fn os_seed() -> u64 {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut b);
    }
    u64::from_le_bytes(b) ^ u64::from(std::process::id())
}

fn server_env(config_file: String) -> ServerEnv {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let os = format!("Linux {} {}", release.trim(), std::env::consts::ARCH);
    ServerEnv {
        pid: std::process::id(),
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        config_file,
        os,
        arch_bits: (std::mem::size_of::<usize>() * 8) as u32,
    }
}

/// Applies `dir` (Redis changes into it at start-up) and fills it in when unset.
fn apply_dir(cfg: &mut Config) -> Result<(), String> {
    if !cfg.dir.is_empty() {
        std::env::set_current_dir(&cfg.dir).map_err(|e| format!("Can't chdir to '{}': {e}", cfg.dir))?;
    }
    cfg.dir = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Ok(())
}

/// Runs the server until it shuts down; returns the process exit status.
pub fn run(mut cfg: Config, config_file: String) -> i32 {
    let signals = match block_shutdown_signals() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Failed to set up signal handling: {e}");
            return 1;
        }
    };
    let logger = match Logger::open(&cfg.logfile) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Can't open the log file: {e}");
            return 1;
        }
    };
    let pid = std::process::id();
    logger.log(LogLevel::Notice, "oO0OoO0OoO0Oo ferrous is starting oO0OoO0OoO0Oo");
    logger.log(
        LogLevel::Notice,
        &format!(
            "ferrous version={} (Redis {REDIS_VERSION} compatible), bits=64, pid={pid}, just started",
            env!("CARGO_PKG_VERSION")
        ),
    );
    if config_file.is_empty() {
        logger.log(LogLevel::Warning, "Warning: no config file specified, using the default config. In order to specify a config file use ferrous /path/to/ferrous.conf");
    } else {
        logger.log(LogLevel::Notice, "Configuration loaded");
    }
    if let Err(e) = apply_dir(&mut cfg) {
        logger.log(LogLevel::Warning, &e);
        return 1;
    }
    let port = cfg.port as u16;
    let listeners = match net::bind_all(&cfg.bind, port) {
        Ok(l) => l,
        Err(e) => {
            logger.log(LogLevel::Warning, &e);
            logger.log(
                LogLevel::Warning,
                &format!("Failed listening on port {port} (tcp), aborting."),
            );
            return 1;
        }
    };
    let threads = cfg.io_threads.max(1) as usize;
    let clock = RealClock::new();
    let server = Server::new(cfg.clone(), server_env(config_file), os_seed(), clock.now());
    let mailboxes = match (0..threads)
        .map(|_| EventFd::new().map(Mailbox::new))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(m) => m,
        Err(e) => {
            logger.log(LogLevel::Warning, &format!("Failed to create eventfd: {e}"));
            return 1;
        }
    };
    let shared = Arc::new(Shared {
        deadline_us: AtomicU64::new(server.next_deadline_us()),
        core: Mutex::new(CoreState {
            server,
            owner: HashMap::new(),
        }),
        mailboxes,
        next_id: AtomicU64::new(1),
        exiting: AtomicBool::new(false),
        exit_code: AtomicU64::new(0),
        logger,
        clock,
        tcp_keepalive: AtomicU64::new(cfg.tcp_keepalive as u64),
    });
    shared
        .logger
        .log(LogLevel::Notice, &format!("Running mode=standalone, port={port}."));
    shared.logger.log(LogLevel::Notice, "Server initialized");
    if threads > 1 {
        shared
            .logger
            .log(LogLevel::Notice, &format!("IO threads: {threads} epoll loops"));
    }
    let mut handles = Vec::new();
    for i in 1..threads {
        let s = Arc::clone(&shared);
        let t = match IoThread::new(i, s, Vec::new(), None) {
            Ok(t) => t,
            Err(e) => {
                shared
                    .logger
                    .log(LogLevel::Warning, &format!("Failed to start I/O thread: {e}"));
                return 1;
            }
        };
        let spawned = std::thread::Builder::new()
            .name(format!("io_thd_{i}"))
            .spawn(move || t.run());
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                shared
                    .logger
                    .log(LogLevel::Warning, &format!("Failed to spawn I/O thread: {e}"));
                return 1;
            }
        }
    }
    let main_loop = match IoThread::new(0, Arc::clone(&shared), listeners, Some(signals)) {
        Ok(t) => t,
        Err(e) => {
            shared
                .logger
                .log(LogLevel::Warning, &format!("Failed to start the main I/O loop: {e}"));
            return 1;
        }
    };
    shared.logger.log(LogLevel::Notice, "Ready to accept connections tcp");
    main_loop.run();
    for h in handles {
        let _ = h.join();
    }
    shared.exit_code.load(Ordering::Acquire) as i32
}
