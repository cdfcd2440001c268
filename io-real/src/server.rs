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
use crate::shim::signals::{block_shutdown_signals, SignalFd};
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
        memory_probe: Some(jemalloc_stats),
    }
}

/// jemalloc's own counters, refreshed (epoch advanced) on each call.
fn jemalloc_stats() -> ferrous_core::MemoryStats {
    use tikv_jemalloc_ctl::{epoch, stats};
    let _ = epoch::advance();
    ferrous_core::MemoryStats {
        allocated: stats::allocated::read().unwrap_or(0) as u64,
        resident: stats::resident::read().unwrap_or(0) as u64,
        allocator: "jemalloc-5.3.0",
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
pub fn run(cfg: Config, config_file: String) -> i32 {
    if cfg.daemonize {
        if let Err(e) = crate::shim::daemon::daemonize() {
            eprintln!("Can't daemonize: {e}");
            return 1;
        }
    }
    let signals = match block_shutdown_signals() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Failed to set up signal handling: {e}");
            return 1;
        }
    };
    let logger = match Logger::open(&cfg.logfile) {
        Ok(l) => {
            l.set_level(cfg.loglevel());
            Arc::new(l)
        }
        Err(e) => {
            eprintln!("Can't open the log file: {e}");
            return 1;
        }
    };
    crate::crash::apply(&cfg);
    crate::crash::install(Arc::clone(&logger));
    crate::crash::install_signal_reports(Arc::clone(&logger));
    log_banner(&logger, &config_file);
    let pidfile = pidfile_path(&cfg);
    let code = match serve(cfg, config_file, Arc::clone(&logger), signals) {
        Ok(code) => code,
        Err(e) => {
            for line in e.lines() {
                logger.log(LogLevel::Warning, line);
            }
            1
        }
    };
    // Redis removes it on a shutdown, not when start-up fails.
    if let (Some(path), 0) = (pidfile, code) {
        logger.log(LogLevel::Notice, "Removing the pid file.");
        let _ = std::fs::remove_file(path);
    }
    code
}

/// Where the pid file goes: `pidfile`, or Redis' default path for a daemon; none otherwise.
fn pidfile_path(cfg: &Config) -> Option<String> {
    match (cfg.pidfile.as_str(), cfg.daemonize) {
        ("", false) => None,
        ("", true) => Some("/var/run/redis.pid".into()),
        (path, _) => Some(path.into()),
    }
}

/// Redis' createPidFile: a failure is logged, not fatal.
fn write_pidfile(cfg: &Config, logger: &Logger) {
    if let Some(path) = pidfile_path(cfg) {
        if let Err(e) = std::fs::write(&path, format!("{}\n", std::process::id())) {
            logger.log(LogLevel::Warning, &format!("Failed to write PID file: {e}"));
        }
    }
}

/// The start-up logo when `always-show-logo` is set or stdout is a terminal (and the log goes
/// there); else the one line Redis logs instead.
fn log_logo(cfg: &Config, logger: &Logger, port: u16) {
    use std::io::IsTerminal;
    let on_terminal = cfg.logfile.is_empty() && std::io::stdout().is_terminal();
    if !(cfg.always_show_logo || on_terminal) {
        return logger.log(LogLevel::Notice, &format!("Running mode=standalone, port={port}."));
    }
    let version = env!("CARGO_PKG_VERSION");
    let pid = std::process::id();
    let art = [
        String::new(),
        format!("      ferrous {version} (Redis {REDIS_VERSION} compatible) 64 bit"),
        "      ___".into(),
        "     / _/__ ____ ____ ___  __ _____".into(),
        "    / _/ -_) __/ __/ _ \\/ // (_-<      Running in standalone mode".into(),
        format!("   /_/ \\__/_/ /_/  \\___/\\_,_/___/      Port: {port}"),
        format!("                                       PID: {pid}"),
        String::new(),
        String::new(),
    ];
    logger.raw(&art.join("\n"));
}

fn log_banner(logger: &Logger, config_file: &str) {
    let pid = std::process::id();
    logger.log(LogLevel::Notice, "oO0OoO0OoO0Oo ferrous is starting oO0OoO0OoO0Oo");
    let version = env!("CARGO_PKG_VERSION");
    logger.log(
        LogLevel::Notice,
        &format!("ferrous version={version} (Redis {REDIS_VERSION} compatible), bits=64, pid={pid}, just started"),
    );
    if config_file.is_empty() {
        logger.log(LogLevel::Warning, "Warning: no config file specified, using the default config. In order to specify a config file use ferrous /path/to/ferrous.conf");
    } else {
        logger.log(LogLevel::Notice, "Configuration loaded");
    }
}

/// Binds, starts the I/O threads and serves until the core asks to exit.
fn serve(mut cfg: Config, config_file: String, logger: Arc<Logger>, signals: SignalFd) -> Result<i32, String> {
    apply_dir(&mut cfg)?;
    let port = cfg.port as u16;
    let listeners =
        net::bind_all(&cfg.bind, port).map_err(|e| format!("{e}\nFailed listening on port {port} (tcp), aborting."))?;
    let unix = match cfg.unixsocket.as_str() {
        "" => None,
        path => Some(
            net::bind_unix(path, cfg.unixsocketperm as u32).map_err(|e| format!("Failed opening Unix socket: {e}"))?,
        ),
    };
    if listeners.is_empty() && unix.is_none() {
        return Err("Configured to not listen anywhere, exiting.".into());
    }
    let tcp = !listeners.is_empty();
    let threads = cfg.io_threads.max(1) as usize;
    let clock = RealClock::new();
    let mut server = Server::new(cfg.clone(), server_env(config_file), os_seed(), clock.now());
    // As Redis: the pid file and the logo come before the data loads (a load that fails
    // still leaves them in the log, where Redis' test harness looks).
    write_pidfile(&cfg, &logger);
    log_logo(&cfg, &logger, port);
    logger.log(LogLevel::Notice, "Server initialized");
    server.load_from_disk();
    let mut disk_files = crate::disk::OpenFiles::new();
    if let Some(code) = crate::disk::boot(&mut server, &mut disk_files, &clock, &logger) {
        return Ok(code);
    }
    let (disk_tx, disk_rx) = std::sync::mpsc::channel();
    let mailboxes = (0..threads)
        .map(|_| EventFd::new().map(Mailbox::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("Failed to create eventfd: {e}"))?;
    let shared = Arc::new(Shared {
        deadline_us: AtomicU64::new(server.next_deadline_us()),
        core: Mutex::new(CoreState {
            server,
            owner: HashMap::new(),
            disk_pending: 0,
        }),
        mailboxes,
        next_id: AtomicU64::new(1),
        exiting: AtomicBool::new(false),
        exit_code: AtomicU64::new(0),
        logger,
        clock,
        tcp_keepalive: AtomicU64::new(cfg.tcp_keepalive as u64),
        unixsocket: cfg.unixsocket.clone(),
        disk: disk_tx,
        disk_files: Mutex::new(disk_files),
    });
    let disk_shared = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("disk".into())
        .spawn(move || crate::disk::run(disk_shared, disk_rx))
        .map_err(|e| format!("Failed to spawn the disk thread: {e}"))?;
    if threads > 1 {
        shared
            .logger
            .log(LogLevel::Notice, &format!("IO threads: {threads} epoll loops"));
    }
    let handles = spawn_io_threads(&shared, threads)?;
    let mut main_loop = IoThread::new(0, Arc::clone(&shared), listeners, Some(signals))
        .map_err(|e| format!("Failed to start the main I/O loop: {e}"))?;
    if tcp {
        shared.logger.log(LogLevel::Notice, "Ready to accept connections tcp");
    }
    if let Some(l) = unix {
        main_loop
            .listen_unix(l)
            .map_err(|e| format!("Failed to start the main I/O loop: {e}"))?;
        let line = format!("The server is now ready to accept connections at {}", cfg.unixsocket);
        shared.logger.log(LogLevel::Notice, &line);
    }
    main_loop.run();
    if !cfg.unixsocket.is_empty() {
        shared.logger.log(LogLevel::Notice, "Removing the unix socket file.");
        let _ = std::fs::remove_file(&cfg.unixsocket);
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(shared.exit_code.load(Ordering::Acquire) as i32)
}

/// Starts I/O threads 1..n (thread 0 is the caller's).
fn spawn_io_threads(shared: &Arc<Shared>, threads: usize) -> Result<Vec<std::thread::JoinHandle<()>>, String> {
    let mut handles = Vec::new();
    for i in 1..threads {
        let t = IoThread::new(i, Arc::clone(shared), Vec::new(), None)
            .map_err(|e| format!("Failed to start I/O thread: {e}"))?;
        let h = std::thread::Builder::new()
            .name(format!("io_thd_{i}"))
            .spawn(move || t.run())
            .map_err(|e| format!("Failed to spawn I/O thread: {e}"))?;
        handles.push(h);
    }
    Ok(handles)
}
