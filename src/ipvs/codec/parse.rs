//! Reading attributes out of kernel replies, without trusting them.
//!
//! Replies are decoded leniently but never blindly: unknown attributes and
//! trailing bytes inside a value are ignored (newer kernels add both),
//! while a mandatory attribute that is missing or shorter than its type is
//! a [`DecodeError`]. Nothing here indexes a slice it has not measured, so
//! a malformed reply is an error and never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{DecodeError, NlaBuffer, NlasIterator};

use crate::ipvs::model::AddressFamily;

/// The attributes of one nest, by number; later duplicates are ignored.
pub(super) struct AttrTable<'a> {
    slots: Vec<Option<&'a [u8]>>,
}

impl<'a> AttrTable<'a> {
    /// Splits `buf` into attributes, keeping those numbered up to `max`.
    /// An attribute whose length runs past the buffer is an error.
    pub(super) fn parse(buf: &'a [u8], max: u16) -> Result<Self, DecodeError> {
        let mut slots = vec![None; usize::from(max) + 1];
        for nla in NlasIterator::new(buf) {
            let nla: NlaBuffer<&'a [u8]> = nla?;
            let kind = usize::from(nla.kind());
            let len = usize::from(nla.length());
            let whole: &'a [u8] = nla.into_inner();
            let value = whole.get(4..len).unwrap_or(&[]);
            if kind < slots.len() && slots[kind].is_none() {
                slots[kind] = Some(value);
            }
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
