//! Listening sockets and accepted connections.

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use ferrous_core::ConnInfo;

/// Binds every address of a Redis `bind` list on `port`. `*` means every IPv4 address, `::*`
/// every IPv6 address; a leading `-` marks an address whose failure is not fatal.
pub fn bind_all(bind: &[String], port: u16) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
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
