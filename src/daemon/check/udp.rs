//! `udp`: send a datagram on a connected socket. With `expect`, the reply
//! must match; without, the probe is up unless the kernel reports an ICMP
//! error for it (port unreachable arrives as `ECONNREFUSED` on a connected
//! socket) before the deadline ([`super::probe`] turns the deadline into
//! success).

use std::net::SocketAddr;

use super::net::{reason, Options};
use super::{down, shown, up, Found, Matcher};

pub(super) async fn run(sock: &Options, to: SocketAddr, payload: &[u8], expect: Option<&Matcher>) -> Found {
    let s = match sock.udp(to) {
        Ok(s) => s,
        Err(why) => return down(why),
    };
    if let Err(e) = s.send(payload).await {
        return down(udp_reason(&e));
    }
    let mut buf = vec![0u8; 65536];
    match s.recv(&mut buf).await {
        Ok(n) => match expect {
            Some(m) if !m.is_match(&buf[..n]) => down(format!("reply does not match {}", shown(m))),
            _ => up(format!("reply of {n} bytes")),
        },
        Err(e) => down(udp_reason(&e)),
    }
}

/// ICMP errors as a UDP socket sees them.
pub(super) fn udp_reason(e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(libc::ECONNREFUSED) {
        "port unreachable".to_string()
    } else {
        reason(e)
    }
}
