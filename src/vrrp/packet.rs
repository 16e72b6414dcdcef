//! The VRRP advertisement: RFC 3768 (version 2) and RFC 9568 (version 3),
//! the message only (the IP header is the raw socket's business).
//!
//! ```text
//!  0                   1                   2                   3
//!  |Ver| Type  | Virtual Rtr ID|   Priority    | Count IPvX Addr|
//!  v2: | Auth Type | Adver Int (s) |          Checksum           |
//!  v3: |(rsvd)| Max Adver Int (cs)  |          Checksum           |
//!  |                 IPvX addresses (Count of them)               |
//!  v2 only: 8 bytes of authentication data
//! ```
//!
//! Checksums are the Internet checksum (RFC 1071) over:
//! * v2: the message (authentication data included);
//! * v3 over IPv6: the RFC 8200 pseudo-header (source, destination,
//!   length, next header 112), then the message;
//! * v3 over IPv4: the message alone by RFC 9568 ([`Checksum::Rfc9568`]),
//!   or an IPv4 pseudo-header (source, destination, zero, 112, length)
//!   first, as keepalived 2.2.7 sends and requires it
//!   ([`Checksum::Keepalived`], the default). In unicast, that
//!   destination is the peer's address.
//!
//! [`parse`] never panics, whatever the bytes: every field is checked
//! before it is used, and what is wrong is a [`PacketError`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number (and IPv6 next header) of VRRP.
pub const PROTOCOL: u8 = 112;

/// The only message type.
const ADVERTISEMENT: u8 = 1;

/// Length of v2's authentication data.
const AUTH_LEN: usize = 8;

/// A protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// RFC 3768: IPv4 only, interval in seconds, authentication data.
    V2,
    /// RFC 9568: IPv4 and IPv6, interval in centiseconds.
    V3,
}

/// Version 2's authentication (RFC 3768 §5.3.6; RFC 2338's simple text
/// password, kept for old peers; IP authentication headers are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Type 0.
    None,
    /// Type 1: up to 8 bytes, zero-padded.
    Password([u8; AUTH_LEN]),
}

/// How a v3 advertisement over IPv4 is checksummed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Checksum {
    /// With an IPv4 pseudo-header (keepalived 2.2.7).
    #[default]
    Keepalived,
    /// The message alone (RFC 9568 §5.2.8).
    Rfc9568,
}

/// One advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    /// Its version.
    pub version: Version,
    /// Virtual router id, 1-255.
    pub vrid: u8,
    /// 255 the address owner, 1-254 a backup, 0 leaving.
    pub priority: u8,
    /// The advertisement interval in centiseconds (v2 sends whole
    /// seconds: a multiple of 100, 100-25500).
    pub interval_cs: u16,
    /// The virtual addresses, all of one family (v2: IPv4).
    pub addrs: Vec<IpAddr>,
    /// v2's authentication; `Auth::None` for v3.
    pub auth: Auth,
}

/// What is wrong with an advertisement, received or to be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Fewer bytes than the header or the addresses it counts.
    #[error("truncated: {0} bytes")]
    Truncated(usize),
    /// More bytes than the header and the addresses it counts.
    #[error("{got} bytes where the header counts {want}")]
    Length {
        /// Bytes received.
        got: usize,
        /// Bytes the count implies.
        want: usize,
    },
    /// Not version 2 or 3.
    #[error("version {0}")]
    Version(u8),
    /// Not an advertisement.
    #[error("type {0} (only advertisements, type 1, exist)")]
    Type(u8),
    /// VRID 0.
    #[error("virtual router id 0")]
    Vrid,
    /// No address.
    #[error("no virtual address")]
    NoAddress,
    /// Addresses of the other family than the packet's, mixed families,
    /// or IPv6 in version 2.
    #[error("{0}")]
    Family(&'static str),
    /// An interval the version cannot carry.
    #[error("advertisement interval {0} cs")]
    Interval(u16),
    /// v2 authentication this codec does not take.
    #[error("authentication type {0}")]
    Auth(u8),
    /// The checksum does not match (any accepted form).
    #[error("bad checksum {0:#06x}")]
    Checksum(u16),
}

/// Folds the 16-bit one's complement sum of `parts`, read as one stream
/// of big-endian words (an odd last byte padded with zero).
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut carry: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match carry.take() {
                Some(hi) => sum += u64::from(u16::from_be_bytes([hi, b])),
                None => carry = Some(b),
            }
        }
    }
    if let Some(hi) = carry {
        sum += u64::from(u16::from_be_bytes([hi, 0]));
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The pseudo-header of a v3 advertisement of `len` bytes, if its form
/// has one.
fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize, form: Checksum) -> Vec<u8> {
    match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut p = Vec::with_capacity(40);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            p.extend_from_slice(&(len as u32).to_be_bytes());
            p.extend_from_slice(&[0, 0, 0, PROTOCOL]);
            p
        }
        (IpAddr::V4(s), IpAddr::V4(d)) if form == Checksum::Keepalived => {
            let mut p = Vec::with_capacity(12);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            p.extend_from_slice(&[0, PROTOCOL]);
            p.extend_from_slice(&(len as u16).to_be_bytes());
            p
        }
        _ => Vec::new(),
    }
}

fn family_of(addrs: &[IpAddr]) -> Result<bool, PacketError> {
    let v4 = match addrs.first() {
        None => return Err(PacketError::NoAddress),
        Some(a) => a.is_ipv4(),
    };
    if addrs.iter().any(|a| a.is_ipv4() != v4) {
        return Err(PacketError::Family(
            "IPv4 and IPv6 addresses in one advertisement",
        ));
    }
    Ok(v4)
}

/// The bytes of `a`, sent from `src` to `dst` (the multicast group or a
/// unicast peer: v3's pseudo-header names it). `form` matters only for v3
/// over IPv4.
pub fn emit(a: &Advert, src: IpAddr, dst: IpAddr, form: Checksum) -> Result<Vec<u8>, PacketError> {
    if a.vrid == 0 {
        return Err(PacketError::Vrid);
    }
    let v4 = family_of(&a.addrs)?;
    if src.is_ipv4() != v4 || dst.is_ipv4() != v4 {
        return Err(PacketError::Family(
            "the addresses are not of the packet's family",
        ));
    }
    if a.addrs.len() > 255 {
        return Err(PacketError::Length {
            got: a.addrs.len(),
            want: 255,
        });
    }
    let mut out = Vec::with_capacity(8 + a.addrs.len() * 16 + AUTH_LEN);
    match a.version {
        Version::V2 => {
            if !v4 {
                return Err(PacketError::Family("VRRPv2 carries IPv4 only"));
            }
            if a.interval_cs % 100 != 0 || !(100..=25_500).contains(&a.interval_cs) {
                return Err(PacketError::Interval(a.interval_cs));
            }
            let (auth_type, data) = match a.auth {
                Auth::None => (0, [0; AUTH_LEN]),
                Auth::Password(p) => (1, p),
            };
            out.extend_from_slice(&[0x21, a.vrid, a.priority, a.addrs.len() as u8]);
            out.extend_from_slice(&[auth_type, (a.interval_cs / 100) as u8, 0, 0]);
            push_addrs(&mut out, &a.addrs);
            out.extend_from_slice(&data);
            let sum = internet_checksum(&[&out]);
            out[6..8].copy_from_slice(&sum.to_be_bytes());
        }
        Version::V3 => {
            if let Auth::Password(_) = a.auth {
                return Err(PacketError::Auth(1)); // v3 has no authentication
            }
            if a.interval_cs == 0 || a.interval_cs > 0x0fff {
                return Err(PacketError::Interval(a.interval_cs));
            }
            out.extend_from_slice(&[0x31, a.vrid, a.priority, a.addrs.len() as u8]);
            out.extend_from_slice(&a.interval_cs.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            push_addrs(&mut out, &a.addrs);
            let pseudo = pseudo_header(src, dst, out.len(), form);
            let sum = internet_checksum(&[&pseudo, &out]);
            out[6..8].copy_from_slice(&sum.to_be_bytes());
        }
    }
    Ok(out)
}

fn push_addrs(out: &mut Vec<u8>, addrs: &[IpAddr]) {
    for a in addrs {
        match a {
            IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
        }
    }
}

/// Reads an advertisement received from `src` for `dst` (the IP
/// header's addresses; their family is the packet's). Returns it with the
/// checksum form it used: `None` for v2 and IPv6, which have one form.
pub fn parse(b: &[u8], src: IpAddr, dst: IpAddr) -> Result<(Advert, Option<Checksum>), PacketError> {
    if b.len() < 8 {
        return Err(PacketError::Truncated(b.len()));
    }
    let v4 = src.is_ipv4();
    if dst.is_ipv4() != v4 {
        return Err(PacketError::Family("source and destination of two families"));
    }
    let version = match b[0] >> 4 {
        2 => Version::V2,
        3 => Version::V3,
        v => return Err(PacketError::Version(v)),
    };
    if b[0] & 0x0f != ADVERTISEMENT {
        return Err(PacketError::Type(b[0] & 0x0f));
    }
    let (vrid, priority, count) = (b[1], b[2], usize::from(b[3]));
    if vrid == 0 {
        return Err(PacketError::Vrid);
    }
    if count == 0 {
        return Err(PacketError::NoAddress);
    }
    if version == Version::V2 && !v4 {
        return Err(PacketError::Family("VRRPv2 carries IPv4 only"));
    }
    let width = if v4 { 4 } else { 16 };
    let want = 8 + count * width + if version == Version::V2 { AUTH_LEN } else { 0 };
    if b.len() < want {
        return Err(PacketError::Truncated(b.len()));
    }
    if b.len() > want {
        return Err(PacketError::Length { got: b.len(), want });
    }
    let field = u16::from_be_bytes([b[6], b[7]]);
    let addrs: Vec<IpAddr> = b[8..8 + count * width]
        .chunks_exact(width)
        .map(|c| match <[u8; 4]>::try_from(c) {
            Ok(a) => IpAddr::V4(Ipv4Addr::from(a)),
            Err(_) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(c);
                IpAddr::V6(Ipv6Addr::from(a))
            }
        })
        .collect();
    match version {
        Version::V2 => {
            if internet_checksum(&[b]) != 0 {
                return Err(PacketError::Checksum(field));
            }
            let auth = match b[4] {
                0 => Auth::None,
                1 => {
                    let mut p = [0u8; AUTH_LEN];
                    p.copy_from_slice(&b[want - AUTH_LEN..]);
                    Auth::Password(p)
                }
                t => return Err(PacketError::Auth(t)),
            };
            if b[5] == 0 {
                return Err(PacketError::Interval(0));
            }
            let advert = Advert {
                version,
                vrid,
                priority,
                interval_cs: u16::from(b[5]) * 100,
                addrs,
                auth,
            };
            Ok((advert, None))
        }
        Version::V3 => {
            let interval_cs = u16::from_be_bytes([b[4], b[5]]) & 0x0fff;
            if interval_cs == 0 {
                return Err(PacketError::Interval(0));
            }
            let form = if !v4 {
                let pseudo = pseudo_header(src, dst, b.len(), Checksum::Keepalived);
                if internet_checksum(&[&pseudo, b]) != 0 {
                    return Err(PacketError::Checksum(field));
                }
                None
            } else {
                let with = pseudo_header(src, dst, b.len(), Checksum::Keepalived);
                if internet_checksum(&[&with, b]) == 0 {
                    Some(Checksum::Keepalived)
                } else if internet_checksum(&[b]) == 0 {
                    Some(Checksum::Rfc9568)
                } else {
                    return Err(PacketError::Checksum(field));
                }
            };
            let advert = Advert {
                version,
                vrid,
                priority,
                interval_cs,
                addrs,
                auth: Auth::None,
            };
            Ok((advert, form))
        }
    }
}

#[cfg(test)]
mod tests;
