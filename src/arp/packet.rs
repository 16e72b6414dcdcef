//! The ARP packet for IPv4 over Ethernet (RFC 826), 28 bytes, hand-coded.

use std::fmt;
use std::net::Ipv4Addr;

/// ARP opcode: request.
pub const OP_REQUEST: u16 = 1;
/// ARP opcode: reply.
pub const OP_REPLY: u16 = 2;
/// Length of an Ethernet/IPv4 ARP packet.
pub const LEN: usize = 28;

/// An Ethernet MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const ZERO: Mac = Mac([0; 6]);
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// An Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpPacket {
    /// [`OP_REQUEST`] or [`OP_REPLY`].
    pub op: u16,
    /// Sender hardware address.
    pub sender_mac: Mac,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: Mac,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

impl ArpPacket {
    /// The wire bytes: htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4.
    pub fn encode(&self) -> [u8; LEN] {
        let mut b = [0u8; LEN];
        b[0..2].copy_from_slice(&1u16.to_be_bytes());
        b[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
        b[4] = 6;
        b[5] = 4;
        b[6..8].copy_from_slice(&self.op.to_be_bytes());
        b[8..14].copy_from_slice(&self.sender_mac.0);
        b[14..18].copy_from_slice(&self.sender_ip.octets());
        b[18..24].copy_from_slice(&self.target_mac.0);
        b[24..28].copy_from_slice(&self.target_ip.octets());
        b
    }

    /// Decodes an Ethernet/IPv4 ARP packet; `None` for anything else.
    pub fn decode(b: &[u8]) -> Option<ArpPacket> {
        if b.len() < LEN || b[0..2] != [0, 1] || b[2..4] != [8, 0] || b[4] != 6 || b[5] != 4 {
            return None;
        }
        let mac = |o: usize| Mac([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5]]);
        let ip = |o: usize| Ipv4Addr::new(b[o], b[o + 1], b[o + 2], b[o + 3]);
        Some(ArpPacket {
            op: u16::from_be_bytes([b[6], b[7]]),
            sender_mac: mac(8),
            sender_ip: ip(14),
            target_mac: mac(18),
            target_ip: ip(24),
        })
    }

    /// A gratuitous ARP for `ip` from `mac`: a broadcast request (sender IP
    /// = target IP = `ip`, target MAC zero), or in reply form opcode 2 with
    /// target MAC = sender MAC (as `arping -A`). Linux only treats a reply
    /// as gratuitous, and lets it override an entry updated less than
    /// `locktime` ago, when its target MAC equals its sender MAC
    /// (`arp_is_garp`).
    pub fn gratuitous(ip: Ipv4Addr, mac: Mac, reply: bool) -> ArpPacket {
        ArpPacket {
            op: if reply { OP_REPLY } else { OP_REQUEST },
            sender_mac: mac,
            sender_ip: ip,
            target_mac: if reply { mac } else { Mac::ZERO },
            target_ip: ip,
        }
    }

    /// A request asking who has `target`.
    pub fn request(sender_mac: Mac, sender_ip: Ipv4Addr, target: Ipv4Addr) -> ArpPacket {
        ArpPacket {
            op: OP_REQUEST,
            sender_mac,
            sender_ip,
            target_mac: Mac::ZERO,
            target_ip: target,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gratuitous_request_bytes() {
        let p = ArpPacket::gratuitous(Ipv4Addr::new(192, 0, 2, 10), Mac([2, 0, 0, 0, 0, 1]), false);
        let b = p.encode();
        assert_eq!(
            b,
            [
                0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, request
                2, 0, 0, 0, 0, 1, 192, 0, 2, 10, // sender = the VIP
                0, 0, 0, 0, 0, 0, 192, 0, 2, 10, // target MAC zero, target = VIP
            ]
        );
        assert_eq!(ArpPacket::decode(&b), Some(p));
        let r = ArpPacket::gratuitous(Ipv4Addr::new(192, 0, 2, 10), Mac([2, 0, 0, 0, 0, 1]), true);
        assert_eq!(r.encode()[7], 2);
        assert_eq!(
            &r.encode()[18..24],
            &[2, 0, 0, 0, 0, 1],
            "reply form: target MAC = sender MAC"
        );
    }

    #[test]
    fn decode_rejects_other_packets() {
        assert_eq!(ArpPacket::decode(&[0; 10]), None);
        let mut b = ArpPacket::request(Mac::ZERO, Ipv4Addr::UNSPECIFIED, Ipv4Addr::LOCALHOST).encode();
        b[3] = 0xdd; // IPv6 ptype
        assert_eq!(ArpPacket::decode(&b), None);
        assert_eq!(
            Mac([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]).to_string(),
            "aa:bb:cc:dd:ee:ff"
        );
    }
}
