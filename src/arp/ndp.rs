//! IPv6 neighbour discovery for VIPs (RFC 4861): unsolicited neighbour
//! advertisements with the override flag to all-nodes when a director takes
//! over an IPv6 VIP, and neighbour solicitations to find who answers for
//! an address. Raw ICMPv6 socket with hop limit 255 (receivers drop ND
//! messages with any other hop limit); the kernel fills in the checksum.

use std::collections::BTreeMap;
use std::io;
use std::mem::MaybeUninit;
use std::net::{Ipv6Addr, SocketAddrV6};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::packet::Mac;
use super::Answer;

const NS: u8 = 135;
const NA: u8 = 136;
const OPT_SLLA: u8 = 1;
const OPT_TLLA: u8 = 2;
/// Router, Solicited, Override flags of a neighbour advertisement.
const FLAG_SOLICITED: u32 = 0x4000_0000;
const FLAG_OVERRIDE: u32 = 0x2000_0000;

/// The all-nodes multicast group, where unsolicited NAs go.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// An unsolicited NA: target `ip`, override set, target link-layer
/// address `mac`.
pub fn encode_na(ip: Ipv6Addr, mac: Mac) -> Vec<u8> {
    let mut b = vec![NA, 0, 0, 0];
    b.extend_from_slice(&FLAG_OVERRIDE.to_be_bytes());
    b.extend_from_slice(&ip.octets());
    b.extend_from_slice(&[OPT_TLLA, 1]);
    b.extend_from_slice(&mac.0);
    b
}

/// A solicitation for `target`, with our link-layer address.
pub fn encode_ns(target: Ipv6Addr, mac: Mac) -> Vec<u8> {
    let mut b = vec![NS, 0, 0, 0, 0, 0, 0, 0];
    b.extend_from_slice(&target.octets());
    b.extend_from_slice(&[OPT_SLLA, 1]);
    b.extend_from_slice(&mac.0);
    b
}

/// A decoded neighbour advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advert {
    /// The target address.
    pub target: Ipv6Addr,
    /// Solicited flag.
    pub solicited: bool,
    /// Override flag.
    pub override_: bool,
    /// Target link-layer address option, if present.
    pub mac: Option<Mac>,
}

/// Decodes an ICMPv6 neighbour advertisement; `None` for anything else.
pub fn decode_na(b: &[u8]) -> Option<Advert> {
    if b.len() < 24 || b[0] != NA || b[1] != 0 {
        return None;
    }
    let flags = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    let mut t = [0u8; 16];
    t.copy_from_slice(&b[8..24]);
    let mut mac = None;
    let mut off = 24;
    while off + 2 <= b.len() {
        let len = usize::from(b[off + 1]) * 8;
        if len == 0 || off + len > b.len() {
            break;
        }
        if b[off] == OPT_TLLA && len >= 8 {
            let mut m = [0u8; 6];
            m.copy_from_slice(&b[off + 2..off + 8]);
            mac = Some(Mac(m));
        }
        off += len;
    }
    Some(Advert {
        target: Ipv6Addr::from(t),
        solicited: flags & FLAG_SOLICITED != 0,
        override_: flags & FLAG_OVERRIDE != 0,
        mac,
    })
}

/// The solicited-node multicast group of an address.
pub fn solicited_node(ip: Ipv6Addr) -> Ipv6Addr {
    let o = ip.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// A raw ICMPv6 socket on interface `ifindex` with hop limit 255.
pub(super) fn open(ifindex: u32) -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))?;
    s.set_multicast_hops_v6(255)?;
    s.set_unicast_hops_v6(255)?;
    s.set_multicast_if_v6(ifindex)?;
    s.set_multicast_loop_v6(false)?;
    s.bind_device_by_index_v6(NonZeroU32::new(ifindex))?;
    Ok(s)
}

/// The scoped destination `addr` on interface `ifindex`.
pub(super) fn to(addr: Ipv6Addr, ifindex: u32) -> SockAddr {
    SockAddr::from(SocketAddrV6::new(addr, 0, 0, ifindex))
}

/// Multicasts solicitations for `ip` every `interval` for `timeout` and
/// returns every distinct link-layer address that advertised it.
pub fn probe(
    ifindex: u32,
    ifname: &str,
    mac: Mac,
    ip: Ipv6Addr,
    timeout: Duration,
    interval: Duration,
) -> io::Result<Vec<Answer>> {
    let s = open(ifindex)?;
    let msg = encode_ns(ip, mac);
    let group = solicited_node(ip);
    let start = Instant::now();
    let mut next = start;
    let mut seen: BTreeMap<Mac, Answer> = BTreeMap::new();
    let mut order = Vec::new();
    let mut buf = [MaybeUninit::<u8>::uninit(); 1500];
    while Instant::now() < start + timeout {
        if Instant::now() >= next {
            s.send_to(&msg, &to(group, ifindex))?;
            next += interval;
        }
        let wait = next
            .min(start + timeout)
            .saturating_duration_since(Instant::now())
            .max(Duration::from_micros(1));
        s.set_read_timeout(Some(wait))?;
        let n = match s.recv_from(&mut buf) {
            Ok((n, _)) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => return Err(e),
        };
        // SAFETY: recv_from initialised the first `n` bytes (n <= buf.len()).
        let data: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n.min(buf.len())) };
        if let Some(a) = decode_na(data) {
            if a.target == ip {
                if let Some(m) = a.mac.filter(|m| *m != mac) {
                    let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let e = seen.entry(m).or_insert_with(|| {
                        order.push(m);
                        Answer {
                            mac: m.to_string(),
                            interface: ifname.to_string(),
                            first_reply_ms: ms,
                            replies: 0,
                        }
                    });
                    e.replies += 1;
                }
            }
        }
    }
    Ok(order.iter().filter_map(|m| seen.remove(m)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn na_bytes_and_round_trip() {
        let ip: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let mac = Mac([2, 0, 0, 0, 0, 9]);
        let b = encode_na(ip, mac);
        assert_eq!(&b[..8], &[136, 0, 0, 0, 0x20, 0, 0, 0]);
        assert_eq!(&b[24..], &[2, 1, 2, 0, 0, 0, 0, 9]);
        let a = decode_na(&b).unwrap();
        assert_eq!(
            (a.target, a.override_, a.solicited, a.mac),
            (ip, true, false, Some(mac))
        );
        assert!(decode_na(&encode_ns(ip, mac)).is_none());
        assert!(decode_na(&b[..10]).is_none());
        let mut bad = b.clone();
        bad[25] = 0; // zero-length option must not loop
        assert!(decode_na(&bad).unwrap().mac.is_none());
    }

    #[test]
    fn solicited_node_group() {
        let ip: Ipv6Addr = "2001:db8::1:2345:6789".parse().unwrap();
        assert_eq!(
            solicited_node(ip),
            "ff02::1:ff45:6789".parse::<Ipv6Addr>().unwrap()
        );
    }
}
