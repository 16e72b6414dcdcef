//! The raw socket of one VRRP interface, IPv4 or IPv6.
//!
//! IPv4 is sent with `IP_HDRINCL` and a header built here, so every
//! advert carries what keepalived's carry and RFC 9568 asks for: TTL 255,
//! TOS 0xc0 (network control), no DF, the chosen source address (the
//! unicast source, or the interface's primary address). The kernel fills
//! in the identification and the header checksum. What arrives on an IPv4
//! raw socket still has its IP header, which gives the TTL, the source
//! and the destination.
//!
//! IPv6 lets the kernel build the header (hop limit 255 and traffic
//! class 0xc0 set on the socket, the link-local source picked by the
//! kernel for a link-local destination) and fill the checksum (`IPV6_CHECKSUM` at offset 6, which
//! also drops bad ones on receive); the hop limit and destination of
//! what arrives come as control messages.
//!
//! Both join the VRRP group on the interface only (`IP_MULTICAST_ALL`
//! off, bound to the device), do not loop their own adverts back, and are
//! non-blocking: the VRRP thread polls them beside its timers.

use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::packet::PROTOCOL;

/// VRRP's IPv4 group.
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// VRRP's IPv6 group.
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// The TTL and hop limit adverts are sent with, and must arrive with.
pub const TTL: u8 = 255;

/// Largest advertisement read (255 IPv6 addresses and headers fit).
pub const MAX_PACKET: usize = 60 + 8 + 255 * 16 + 8;

/// The group of a family.
pub fn group(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(GROUP_V6)
    } else {
        IpAddr::V4(GROUP_V4)
    }
}

/// What arrived with an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// The IP source.
    pub src: IpAddr,
    /// The IP destination (the group, or our unicast address).
    pub dst: IpAddr,
    /// TTL or hop limit.
    pub ttl: u8,
}

/// The IPv4 header of an advert of `len` bytes (identification and
/// checksum zero: the kernel fills them in for `IP_HDRINCL`).
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, len: usize) -> [u8; 20] {
    let total = (20 + len).min(usize::from(u16::MAX)) as u16;
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[1] = 0xc0;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[8] = TTL;
    h[9] = PROTOCOL;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    h
}

/// Splits a received IPv4 packet into what came with it and the VRRP
/// message; `None` if it is not a whole IPv4 VRRP packet.
pub fn split_ipv4(b: &[u8]) -> Option<(Meta, &[u8])> {
    let first = *b.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || b.len() < ihl || b[9] != PROTOCOL {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([b[2], b[3]]));
    if total < ihl || total > b.len() {
        return None;
    }
    let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
    let meta = Meta {
        src: IpAddr::V4(ip(12)),
        dst: IpAddr::V4(ip(16)),
        ttl: b[8],
    };
    Some((meta, &b[ihl..total]))
}

/// One interface's VRRP socket.
#[derive(Debug)]
pub struct VrrpSocket {
    sock: Socket,
    ifindex: u32,
    v6: bool,
}

fn setsockopt_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: `value` is a live c_int for the duration of the call and its
    // size is passed; the kernel only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl VrrpSocket {
    /// Opens the socket on `ifname` (index `ifindex`) for a family, and
    /// joins the group there when `multicast`. Needs `CAP_NET_RAW`.
    pub fn open(ifname: &str, ifindex: u32, v6: bool, multicast: bool) -> io::Result<VrrpSocket> {
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(
            domain,
            Type::RAW.nonblocking(),
            Some(Protocol::from(i32::from(PROTOCOL))),
        )?;
        sock.bind_device(Some(ifname.as_bytes()))?;
        if v6 {
            setsockopt_int(sock.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM, 6)?;
            // Traffic class 0xc0 (network control), as keepalived and the
            // IPv4 TOS.
            setsockopt_int(sock.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_TCLASS, 0xc0)?;
            sock.set_multicast_hops_v6(u32::from(TTL))?;
            sock.set_unicast_hops_v6(u32::from(TTL))?;
            sock.set_multicast_loop_v6(false)?;
            sock.set_multicast_all_v6(false)?;
            sock.set_multicast_if_v6(ifindex)?;
            sock.set_recv_hoplimit_v6(true)?;
            setsockopt_int(sock.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
            if multicast {
                sock.join_multicast_v6(&GROUP_V6, ifindex)?;
            }
        } else {
            sock.set_header_included_v4(true)?;
            sock.set_multicast_loop_v4(false)?;
            sock.set_multicast_all_v4(false)?;
            if multicast {
                sock.join_multicast_v4_n(&GROUP_V4, &socket2::InterfaceIndexOrAddress::Index(ifindex))?;
            }
        }
        Ok(VrrpSocket { sock, ifindex, v6 })
    }

    /// Sends one advert `msg` from `src` to `dst` (IPv6: the kernel picks
    /// the source; `src` is only what the checksum was computed with).
    pub fn send(&self, src: IpAddr, dst: IpAddr, msg: &[u8]) -> io::Result<()> {
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let mut packet = Vec::with_capacity(20 + msg.len());
                packet.extend_from_slice(&ipv4_header(s, d, msg.len()));
                packet.extend_from_slice(msg);
                let to = SockAddr::from(SocketAddr::new(dst, 0));
                self.sock.send_to(&packet, &to)?;
            }
            (_, IpAddr::V6(d)) => {
                let scope = if d.segments()[0] & 0xffc0 == 0xfe80 || d.segments()[0] & 0xff0f == 0xff02 {
                    self.ifindex
                } else {
                    0
                };
                let to = SockAddr::from(SocketAddrV6::new(d, 0, 0, scope));
                self.sock.send_to(msg, &to)?;
            }
            _ => return Err(io::Error::from(io::ErrorKind::InvalidInput)),
        }
        Ok(())
    }

    /// Reads one packet into `buf`: what came with it and the VRRP
    /// message, `Ok(None)` when nothing is waiting or what came is not a
    /// whole VRRP packet.
    pub fn recv<'b>(&self, buf: &'b mut [u8]) -> io::Result<Option<(Meta, &'b [u8])>> {
        if self.v6 {
            return self.recv_v6(buf);
        }
        let n = match (&self.sock).read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(split_ipv4(&buf[..n]))
    }

    fn recv_v6<'b>(&self, buf: &'b mut [u8]) -> io::Result<Option<(Meta, &'b [u8])>> {
        // SAFETY: sockaddr_in6 is plain old data; all zeroes is valid.
        let mut from: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
        let mut control = [0u64; 16]; // 128 bytes, aligned for cmsghdr
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: msghdr is plain old data; all zeroes is valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        // SAFETY: every pointer in `msg` points at a live buffer of the
        // length given beside it, all outliving the call; the kernel writes
        // at most those lengths.
        let n = unsafe { libc::recvmsg(self.sock.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::WouldBlock {
                Ok(None)
            } else {
                Err(e)
            };
        }
        let n = (n as usize).min(buf.len());
        let src = IpAddr::V6(Ipv6Addr::from(from.sin6_addr.s6_addr));
        let used = (msg.msg_controllen).min(std::mem::size_of_val(&control));
        let bytes: Vec<u8> = control.iter().flat_map(|w| w.to_ne_bytes()).take(used).collect();
        let (mut dst, mut ttl) = (None, None);
        for (level, kind, data) in cmsgs(&bytes) {
            if level != libc::IPPROTO_IPV6 {
                continue;
            }
            if kind == libc::IPV6_PKTINFO && data.len() >= 16 {
                let mut a = [0u8; 16];
                a.copy_from_slice(&data[..16]);
                dst = Some(IpAddr::V6(Ipv6Addr::from(a)));
            } else if kind == libc::IPV6_HOPLIMIT && data.len() >= 4 {
                let h = i32::from_ne_bytes([data[0], data[1], data[2], data[3]]);
                ttl = u8::try_from(h).ok();
            }
        }
        match (dst, ttl) {
            (Some(dst), Some(ttl)) => Ok(Some((Meta { src, dst, ttl }, &buf[..n]))),
            _ => Ok(None),
        }
    }
}

impl AsRawFd for VrrpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

/// The control messages of a `recvmsg` control buffer as (level, type,
/// data), read field by field (Linux's `cmsghdr`: a `size_t` length, two
/// `int`s, the data, each message padded to a `size_t`).
fn cmsgs(b: &[u8]) -> Vec<(i32, i32, &[u8])> {
    const W: usize = std::mem::size_of::<usize>();
    const HEADER: usize = W + 8;
    let mut out = Vec::new();
    let mut at = 0;
    while at + HEADER <= b.len() {
        let mut len = [0u8; W];
        len.copy_from_slice(&b[at..at + W]);
        let len = usize::from_ne_bytes(len);
        if len < HEADER || len > b.len() - at {
            break;
        }
        let int = |o: usize| i32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        out.push((int(at + W), int(at + W + 4), &b[at + HEADER..at + len]));
        at += len.div_ceil(W) * W;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipv4_header_is_what_keepalived_sends() {
        let h = ipv4_header(Ipv4Addr::new(192, 0, 2, 10), GROUP_V4, 20);
        assert_eq!(
            h,
            [0x45, 0xc0, 0, 40, 0, 0, 0, 0, 255, 112, 0, 0, 192, 0, 2, 10, 224, 0, 0, 18]
        );
        let mut p = h.to_vec();
        p.extend_from_slice(&[7; 20]);
        let (meta, msg) = split_ipv4(&p).unwrap();
        assert_eq!(meta.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));
        assert_eq!(meta.dst, IpAddr::V4(GROUP_V4));
        assert_eq!(meta.ttl, 255);
        assert_eq!(msg, &[7; 20]);
    }

    #[test]
    fn split_refuses_what_is_not_a_whole_vrrp_packet() {
        let mut p = ipv4_header(Ipv4Addr::new(192, 0, 2, 10), GROUP_V4, 20).to_vec();
        p.extend_from_slice(&[0; 20]);
        assert!(split_ipv4(&p[..30]).is_none(), "shorter than its total length");
        let mut q = p.clone();
        q[9] = 6;
        assert!(split_ipv4(&q).is_none(), "not protocol 112");
        let mut q = p.clone();
        q[0] = 0x44;
        assert!(split_ipv4(&q).is_none(), "header length under 20");
        assert!(split_ipv4(&[]).is_none());
        // Options: the message starts after them; trailing padding is cut.
        let mut q = p.clone();
        q[0] = 0x46;
        q[3] = 40;
        q.splice(20..20, [1, 1, 1, 1]);
        q.push(0xee);
        let (_, msg) = split_ipv4(&q).unwrap();
        assert_eq!(msg.len(), 16);
    }

    #[test]
    fn control_messages_are_read_and_bad_lengths_stop_the_walk() {
        let w = std::mem::size_of::<usize>();
        let mut b = Vec::new();
        let push = |b: &mut Vec<u8>, level: i32, kind: i32, data: &[u8]| {
            let len = w + 8 + data.len();
            b.extend_from_slice(&len.to_ne_bytes());
            b.extend_from_slice(&level.to_ne_bytes());
            b.extend_from_slice(&kind.to_ne_bytes());
            b.extend_from_slice(data);
            while b.len() % w != 0 {
                b.push(0);
            }
        };
        push(&mut b, 41, 8, &255i32.to_ne_bytes());
        push(&mut b, 41, 50, &[9; 20]);
        let got = cmsgs(&b);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], (41, 8, &255i32.to_ne_bytes()[..]));
        assert_eq!(got[1].2, &[9; 20]);
        let mut bad = b.clone();
        bad[..w].copy_from_slice(&(10_000usize).to_ne_bytes());
        assert!(cmsgs(&bad).is_empty());
        assert!(cmsgs(&b[..5]).is_empty());
    }
}
