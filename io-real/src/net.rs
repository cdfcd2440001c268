//! Listening sockets and accepted connections.

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};

use ferrous_core::ConnInfo;

/// Binds every address of a Redis `bind` list on `port`. `*` means every IPv4 address, `::*`
/// every IPv6 address; a leading `-` marks an address whose failure is not fatal.
pub fn bind_all(bind: &[String], port: u16) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
    // As Redis: port 0 is no TCP at all (a Unix socket may be the only way in).
    if port == 0 {
        return Ok(listeners);
    }
    for entry in bind {
        let (optional, addr) = match entry.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, entry.as_str()),
        };
        let ip = match addr {
            "*" => "0.0.0.0",
            "::*" => "::",
            a => a,
        };
        let target = match ip.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(_) => return Err(format!("Invalid bind address '{addr}'")),
        };
        match TcpListener::bind(target).and_then(|l| l.set_nonblocking(true).map(|_| l)) {
            Ok(l) => listeners.push(l),
            Err(e) if optional => {
                let _ = e;
            }
            Err(e) => {
                return Err(format!(
                    "Could not create server TCP listening socket {addr}:{port}: bind: {e}"
                ))
            }
        }
    }
    if listeners.is_empty() {
        return Err(format!("Failed listening on port {port} (tcp), aborting."));
    }
    Ok(listeners)
}

/// Redis' anetUnixServer: the `unixsocket` file is replaced by a listening socket, created
/// with the mode `perm` unless it is 0.
pub fn bind_unix(path: &str, perm: u32) -> Result<UnixListener, String> {
    // sockaddr_un's sun_path holds 108 bytes with the terminating NUL.
    if path.len() > 107 {
        return Err(format!("unix socket path too long ({}), must be under 108", path.len()));
    }
    let _ = std::fs::remove_file(path);
    // The socket gets `perm` as it is created (through the umask), so no client can connect
    // before it has its mode; start-up runs this before any other thread exists.
    // SAFETY: umask only swaps the process' file mode mask; it cannot fail.
    let old_mask = (perm != 0).then(|| unsafe { libc::umask(!perm & 0o777) });
    let bound = UnixListener::bind(path);
    if let Some(mask) = old_mask {
        // SAFETY: as above, restoring the mask it had.
        unsafe { libc::umask(mask) };
    }
    let l = bound.map_err(|e| e.to_string())?;
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(l)
}

/// An accepted client of the Unix socket at `path`, shown as Redis shows one (`path:0` for
/// both ends); it is local, so protected mode lets it in.
pub fn setup_unix_accepted(stream: &UnixStream, path: &str) -> std::io::Result<ConnInfo> {
    stream.set_nonblocking(true)?;
    Ok(ConnInfo {
        addr: format!("{path}:0"),
        laddr: format!("{path}:0"),
        fd: i64::from(stream.as_raw_fd()),
        loopback: true,
        unix: true,
    })
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Prepares an accepted socket and describes it for the core.
pub fn setup_accepted(stream: &TcpStream, peer: SocketAddr, keepalive_secs: u64) -> std::io::Result<ConnInfo> {
    stream.set_nonblocking(true)?;
    stream.set_nodelay(true)?;
    if keepalive_secs > 0 {
        set_keepalive(stream, keepalive_secs);
    }
    let laddr = stream.local_addr()?;
    Ok(ConnInfo {
        addr: peer.to_string(),
        laddr: laddr.to_string(),
        fd: i64::from(stream.as_raw_fd()),
        loopback: is_loopback(peer.ip()),
        unix: false,
    })
}

/// `tcp-keepalive`: SO_KEEPALIVE with the probe interval Redis uses (std has no API for it).
fn set_keepalive(stream: &TcpStream, secs: u64) {
    let fd = stream.as_raw_fd();
    let on: libc::c_int = 1;
    let idle = secs.min(i32::MAX as u64) as libc::c_int;
    let intvl = (idle / 3).max(1);
    let cnt: libc::c_int = 3;
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: each call passes a pointer to a live c_int and its size. Failures only lose the
    // keepalive, as in Redis, so results are ignored.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            (&on as *const libc::c_int).cast(),
            len,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPIDLE,
            (&idle as *const libc::c_int).cast(),
            len,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            (&intvl as *const libc::c_int).cast(),
            len,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPCNT,
            (&cnt as *const libc::c_int).cast(),
            len,
        );
    }
}

/// Opens an outbound connection (a replica's link to its master): resolves `host`, tries each
/// address in turn, and returns a non-blocking stream. Runs on a thread of its own, as name
/// resolution and connecting block. The error text is what Redis logs (no errno suffix).
pub fn connect(host: &str, port: u16) -> Result<TcpStream, String> {
    use std::net::ToSocketAddrs;
    const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
    let describe = |e: std::io::Error| {
        let text = e.to_string();
        match text.find(" (os error") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    };
    let addrs = (host, port).to_socket_addrs().map_err(describe)?;
    let mut last = "Name or service not known".to_string();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                s.set_nonblocking(true).map_err(describe)?;
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = describe(e),
        }
    }
    Err(last)
}
