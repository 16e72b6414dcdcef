//! Reading attributes out of kernel replies, without trusting them.
//!
//! Replies are decoded leniently but never blindly: unknown attributes and
//! trailing bytes inside a value are ignored (newer kernels add both),
//! while a mandatory attribute that is missing or shorter than its type is
//! a [`DecodeError`]. Nothing here indexes a slice it has not measured, so
//! a malformed reply is an error and never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{DecodeError, NLA_TYPE_MASK};

use crate::ipvs::model::AddressFamily;

/// The attributes of one nest, by number; later duplicates are ignored.
///
/// Fixed slots on the stack and a hand-written walk: a listing decodes
/// three nests per service and two per real server, and a heap table per
/// nest plus the generic iterator were most of a dump's decoding time.
pub(super) struct AttrTable<'a> {
    slots: [Option<&'a [u8]>; SLOTS],
}

/// More than any IPVS nest's highest attribute number (tested).
pub(super) const SLOTS: usize = 32;

impl<'a> AttrTable<'a> {
    /// Splits `buf` into attributes, keeping those numbered up to `max`
    /// (below [`SLOTS`]). An attribute shorter than its header, or whose
    /// length runs past the buffer, is an error, as are 1 to 3 bytes left
    /// over at the end (as `netlink_packet_core`'s iterator has it).
    pub(super) fn parse(buf: &'a [u8], max: u16) -> Result<Self, DecodeError> {
        debug_assert!(usize::from(max) < SLOTS, "nest max {max}");
        let keep = usize::from(max).min(SLOTS - 1);
        let mut slots = [None; SLOTS];
        let mut at = 0;
        while at < buf.len() {
            let rest = &buf[at..];
            let (Some(l), Some(k)) = (rest.get(0..2), rest.get(2..4)) else {
                return Err(DecodeError::from(format!(
                    "attribute header of {} bytes, 4 needed",
                    rest.len()
                )));
            };
            let len = usize::from(u16::from_ne_bytes([l[0], l[1]]));
            let kind = usize::from(u16::from_ne_bytes([k[0], k[1]]) & NLA_TYPE_MASK);
            if len < 4 || len > rest.len() {
                return Err(DecodeError::from(format!(
                    "attribute length {len} with {} bytes left",
                    rest.len()
                )));
            }
            if kind <= keep && slots[kind].is_none() {
                slots[kind] = Some(&rest[4..len]);
            }
            at += (len + 3) & !3;
        }
        Ok(AttrTable { slots })
    }

    pub(super) fn get(&self, kind: u16) -> Option<&'a [u8]> {
        self.slots.get(usize::from(kind)).copied().flatten()
    }

    pub(super) fn need(&self, kind: u16, what: &str) -> Result<&'a [u8], DecodeError> {
        self.get(kind)
            .ok_or_else(|| DecodeError::from(format!("missing {what}")))
    }
}

pub(super) fn fixed<const N: usize>(b: &[u8], what: &str) -> Result<[u8; N], DecodeError> {
    b.get(..N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| DecodeError::from(format!("short {what}")))
}

pub(super) fn u8_of(b: &[u8], what: &str) -> Result<u8, DecodeError> {
    Ok(fixed::<1>(b, what)?[0])
}
pub(super) fn u16_ne(b: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_ne_bytes(fixed(b, what)?))
}
pub(super) fn u16_be(b: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_be_bytes(fixed(b, what)?))
}
pub(super) fn u32_ne(b: &[u8], what: &str) -> Result<u32, DecodeError> {
    Ok(u32::from_ne_bytes(fixed(b, what)?))
}
pub(super) fn u64_ne(b: &[u8], what: &str) -> Result<u64, DecodeError> {
    Ok(u64::from_ne_bytes(fixed(b, what)?))
}

/// A NUL-terminated string; bytes after the first NUL are ignored and
/// invalid UTF-8 is replaced, since names are only ever displayed.
pub(super) fn string_of(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// An address of family `af` from the front of a 16-byte union.
pub(super) fn addr_of(af: AddressFamily, b: &[u8], what: &str) -> Result<IpAddr, DecodeError> {
    Ok(match af {
        AddressFamily::Inet => IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, what)?)),
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, what)?)),
    })
}

/// An `AF_*` number this codec knows.
pub(super) fn family_of(b: &[u8]) -> Result<AddressFamily, DecodeError> {
    let raw = u16_ne(b, "family")?;
    AddressFamily::from_raw(raw).ok_or_else(|| DecodeError::from(format!("unknown address family {raw}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{NlaBuffer, NlasIterator};

    /// The generic iterator's reading, as the table had it before.
    fn reference(buf: &[u8], max: u16) -> Result<Vec<Option<&[u8]>>, ()> {
        let mut slots = vec![None; usize::from(max) + 1];
        for nla in NlasIterator::new(buf) {
            let nla: NlaBuffer<&[u8]> = nla.map_err(|_| ())?;
            let kind = usize::from(nla.kind());
            let len = usize::from(nla.length());
            let whole: &[u8] = nla.into_inner();
            let value = whole.get(4..len).unwrap_or(&[]);
            if kind < slots.len() && slots[kind].is_none() {
                slots[kind] = Some(value);
            }
        }
        Ok(slots)
    }

    fn check(buf: &[u8], max: u16) {
        let want = reference(buf, max);
        match AttrTable::parse(buf, max) {
            Ok(t) => {
                let want = want.unwrap_or_else(|_| panic!("{buf:?}: accepted, the iterator refuses it"));
                for (kind, w) in want.iter().enumerate() {
                    assert_eq!(t.get(kind as u16), *w, "{buf:?} kind {kind}");
                }
                assert_eq!(t.get(max + 1), None);
            }
            Err(_) => assert!(want.is_err(), "{buf:?}: refused, the iterator reads it"),
        }
    }

    #[test]
    fn the_walk_reads_what_the_generic_iterator_reads() {
        // Well-formed: padding, a nested flag, a duplicate, a kind past max.
        let mut ok = Vec::new();
        for (kind, value) in [
            (1u16, &b"ab"[..]),
            (0x8002, b"xyzw"),
            (1, b"dup"),
            (40, b""),
            (3, b"q"),
        ] {
            ok.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
            ok.extend_from_slice(&kind.to_ne_bytes());
            ok.extend_from_slice(value);
            while ok.len() % 4 != 0 {
                ok.push(0);
            }
        }
        for cut in 0..=ok.len() {
            check(&ok[..cut], 15);
        }
        check(&[], 15);
        check(&[3, 0, 1, 0], 15);
        check(&[8, 0, 1, 0, 1, 2], 15);
        // Pseudo-random bytes, mostly malformed.
        let mut x: u32 = 7;
        for n in 0..2000usize {
            let buf: Vec<u8> = (0..n % 40)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let b = (x >> 16) as u8;
                    if b % 3 == 0 {
                        b % 12
                    } else {
                        b
                    }
                })
                .collect();
            check(&buf, 12);
        }
    }

    #[test]
    fn every_nest_fits_the_slots() {
        // The highest attribute numbers the decoders ask for (service and
        // destination STATS64 = 12, stats PAD = 11, daemon MCAST_TTL = 8,
        // destination TUN_FLAGS = 15).
        // (Every decoder's own max is also held by a debug assertion in
        // `parse`, which the golden-byte tests run through.)
        assert!(usize::from(super::super::dest::TUN_FLAGS) < SLOTS);
    }
}
