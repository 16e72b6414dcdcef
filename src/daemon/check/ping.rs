//! `ping`: one ICMP (or ICMPv6) echo request, up on its reply.
//!
//! The socket is an ICMP datagram socket ("ping socket", `SOCK_DGRAM` +
//! `IPPROTO_ICMP`) when `net.ipv4.ping_group_range` lets the daemon's
//! group use one, which needs no privilege; otherwise a raw socket
//! (`CAP_NET_RAW`). The two differ in what a read returns: a datagram
//! socket gives the ICMP message alone, with the kernel's own identifier,
//! and only replies to this socket; a raw IPv4 socket gives the IP header
//! too and every ICMP message from the connected address, so the reply is
//! recognised by identifier, sequence and payload.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};

use socket2::{Protocol, SockAddr, Type};
use tokio::io::unix::AsyncFd;

use super::net::{reason, Options};
use super::{down, up, Found};

pub(super) async fn run(sock: &Options, to: IpAddr) -> Found {
    let proto = if to.is_ipv4() {
        Protocol::ICMPV4
    } else {
        Protocol::ICMPV6
    };
    let (s, raw) = match sock.socket(to, Type::DGRAM, proto) {
        Ok(s) => (s, false),
        Err(_) => match sock.socket(to, Type::RAW, proto) {
            Ok(s) => (s, true),
            Err(why) => return down(why),
        },
    };
    if let Err(e) = s.connect(&SockAddr::from(SocketAddr::new(to, 0))) {
        return down(reason(&e));
    }
    static SEQ: AtomicU16 = AtomicU16::new(1);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let id = (std::process::id() as u16) ^ seq.rotate_left(8);
    let payload = *b"lvsctl-check-png";
    let request = echo_request(to.is_ipv6(), id, seq, &payload);
    // SAFETY: a socket2::Socket owns its descriptor; moved into the
    // AsyncFd, it stays open and the same until the AsyncFd is dropped.
    let fd = match unsafe { AsyncFd::register(s) } {
        Ok(fd) => fd,
        Err(e) => return down(format!("socket: {e}")),
    };
    if let Err(e) = fd.get_ref().write(&request) {
        return down(reason(&e));
    }
    let want = Expected {
        v6: to.is_ipv6(),
        raw,
        id,
        seq,
        payload: &payload,
    };
    let mut buf = [0u8; 2048];
    loop {
        let mut guard = match fd.readable().await {
            Ok(g) => g,
            Err(e) => return down(reason(&e)),
        };
        match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
            Ok(Ok(n)) => {
                if want.matches(&buf[..n]) {
                    return up("echo reply");
                }
            }
            Ok(Err(e)) => return down(reason(&e)),
            Err(_would_block) => continue,
        }
    }
}

/// An echo request: type, code, checksum, identifier, sequence, payload.
pub(crate) fn echo_request(v6: bool, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    if !v6 {
        // ICMPv6's checksum covers a pseudo-header; the kernel fills it
        // in for both socket kinds. ICMPv4's is ours on raw sockets.
        let sum = checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    p
}

/// The Internet checksum (RFC 1071).
pub(crate) fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// What the reply to one request looks like.
pub(crate) struct Expected<'a> {
    pub v6: bool,
    pub raw: bool,
    pub id: u16,
    pub seq: u16,
    pub payload: &'a [u8],
}

impl Expected<'_> {
    /// Whether `packet` (as read from the socket) is the reply.
    pub(crate) fn matches(&self, packet: &[u8]) -> bool {
        let icmp = if self.raw && !self.v6 {
            // A raw IPv4 socket returns the IP header first.
            let Some(first) = packet.first() else {
                return false;
            };
            if first >> 4 != 4 {
                return false;
            }
            let ihl = usize::from(first & 0xf) * 4;
            if ihl < 20 {
                return false;
            }
            match packet.get(ihl..) {
                Some(rest) => rest,
                None => return false,
            }
        } else {
            packet
        };
        if icmp.len() < 8 {
            return false;
        }
        let reply_type = if self.v6 { 129 } else { 0 };
        if icmp[0] != reply_type || icmp[1] != 0 {
            return false;
        }
        // A datagram socket's identifier is the kernel's; it filters.
        if self.raw && icmp[4..6] != self.id.to_be_bytes() {
            return false;
        }
        icmp[6..8] == self.seq.to_be_bytes() && &icmp[8..] == self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checksums_like_rfc_1071() {
        // An echo request with its checksum filled in sums to zero.
        let p = echo_request(false, 0x1234, 1, b"abc");
        assert_eq!(checksum(&p), 0);
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
    }

    fn reply(v6: bool, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
        let mut p = echo_request(v6, id, seq, payload);
        p[0] = if v6 { 129 } else { 0 };
        p
    }

    #[test]
    fn recognises_its_reply() {
        let e = Expected {
            v6: false,
            raw: true,
            id: 9,
            seq: 3,
            payload: b"xy",
        };
        let mut ip = vec![0x45u8; 1];
        ip.resize(20, 0);
        let mut pkt = ip.clone();
        pkt.extend(reply(false, 9, 3, b"xy"));
        assert!(e.matches(&pkt));
        let mut other = ip.clone();
        other.extend(reply(false, 10, 3, b"xy"));
        assert!(!e.matches(&other));
        let mut request = ip;
        request.extend(echo_request(false, 9, 3, b"xy"));
        assert!(!e.matches(&request));
        let d = Expected {
            v6: true,
            raw: false,
            id: 1,
            seq: 3,
            payload: b"xy",
        };
        assert!(d.matches(&reply(true, 777, 3, b"xy")));
        assert!(!d.matches(&reply(true, 777, 4, b"xy")));
        assert!(!d.matches(&reply(false, 777, 3, b"xy")));
    }

    proptest! {
        #[test]
        fn never_panics(pkt in proptest::collection::vec(any::<u8>(), 0..80), v6: bool, raw: bool) {
            let e = Expected { v6, raw, id: 1, seq: 2, payload: b"p" };
            let _ = e.matches(&pkt);
        }

        #[test]
        fn requests_sum_to_zero(id: u16, seq: u16, payload in proptest::collection::vec(any::<u8>(), 0..33)) {
            prop_assert_eq!(checksum(&echo_request(false, id, seq, &payload)), 0);
        }
    }
}
