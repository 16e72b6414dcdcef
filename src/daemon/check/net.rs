//! Sockets for probes, made with socket2 so that the source address and
//! `SO_MARK` are set before the first packet, then handed to tokio.

use std::io;
use std::net::{IpAddr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

/// The socket settings every network check shares.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Options {
    /// Bind to this address first (`source_address`).
    pub source: Option<IpAddr>,
    /// `SO_MARK` (`fwmark`).
    pub mark: Option<u32>,
}

impl Options {
    /// A non-blocking socket for `to`'s family, marked and bound.
    pub(super) fn socket(&self, to: IpAddr, ty: Type, proto: Protocol) -> Result<Socket, String> {
        let domain = match to {
            IpAddr::V4(_) => Domain::IPV4,
            IpAddr::V6(_) => Domain::IPV6,
        };
        // Non-blocking from the start (SOCK_NONBLOCK): no fcntl calls per
        // probe. Under emulation every system call counts.
        let sock = Socket::new(domain, ty.nonblocking(), Some(proto))
            .map_err(|e| format!("socket: {}", reason(&e)))?;
        self.prepare(&sock, to)?;
        Ok(sock)
    }

    /// Marks and binds a socket.
    fn prepare(&self, sock: &Socket, to: IpAddr) -> Result<(), String> {
        if let Some(mark) = self.mark {
            sock.set_mark(mark)
                .map_err(|e| format!("fwmark {mark}: {}", reason(&e)))?;
        }
        if let Some(src) = self.source {
            if src.is_ipv4() != to.is_ipv4() {
                return Err(format!("source_address {src} is not of the family of {to}"));
            }
            sock.bind(&SockAddr::from(SocketAddr::new(src, 0)))
                .map_err(|e| format!("bind {src}: {}", reason(&e)))?;
        }
        Ok(())
    }

    /// A TCP connection to `to`.
    pub(super) async fn connect(&self, to: SocketAddr) -> Result<TcpStream, String> {
        let sock = self.socket(to.ip(), Type::STREAM, Protocol::TCP)?;
        let sock = TcpSocket::from_std_stream(sock.into());
        // No TCP_NODELAY: every check writes its request in one call, and
        // Nagle never holds back the first segment.
        sock.connect(to).await.map_err(|e| reason(&e))
    }

    /// A UDP socket connected to `to`, so that an ICMP error about it
    /// comes back as an error of the next receive.
    pub(super) fn udp(&self, to: SocketAddr) -> Result<UdpSocket, String> {
        let sock = self.socket(to.ip(), Type::DGRAM, Protocol::UDP)?;
        sock.connect(&SockAddr::from(to)).map_err(|e| reason(&e))?;
        UdpSocket::from_std(sock.into()).map_err(|e| format!("socket: {}", reason(&e)))
    }
}

/// A short reason for an I/O error: "connection refused", not
/// "Connection refused (os error 111)".
pub(super) fn reason(e: &io::Error) -> String {
    let known = match e.raw_os_error() {
        Some(libc::ECONNREFUSED) => Some("connection refused"),
        Some(libc::ECONNRESET) => Some("connection reset"),
        Some(libc::EHOSTUNREACH) => Some("host unreachable"),
        Some(libc::ENETUNREACH) => Some("network unreachable"),
        Some(libc::ETIMEDOUT) => Some("connection timed out"),
        Some(libc::EADDRNOTAVAIL) => Some("address not available"),
        Some(libc::EPIPE) => Some("connection closed"),
        Some(libc::EPERM) | Some(libc::EACCES) => Some("not permitted"),
        _ => None,
    };
    if let Some(k) = known {
        return k.to_string();
    }
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => "I/O error".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short() {
        assert_eq!(
            reason(&io::Error::from_raw_os_error(libc::ECONNREFUSED)),
            "connection refused"
        );
        assert_eq!(
            reason(&io::Error::from_raw_os_error(libc::ENETUNREACH)),
            "network unreachable"
        );
        assert_eq!(
            reason(&io::Error::from_raw_os_error(libc::ENOENT)),
            "no such file or directory"
        );
        assert_eq!(reason(&io::Error::other("Odd")), "odd");
    }
}
