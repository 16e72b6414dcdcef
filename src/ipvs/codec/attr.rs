//! Attributes to send, as a small tree.
//!
//! The object modules describe a message as a list of [`Attr`]s and the
//! netlink crate lays it out (lengths, padding, nests). A tree is easy to
//! read next to the kernel's `nla_put_*` calls and to compare with
//! ipvsadm's bytes; bulk loads write straight into
//! their send buffer through [`writer`](super::writer) instead.
//!
//! Nests come in two kinds because the two sides of the wire differ:
//! libnl (and so ipvsadm) marks them with `NLA_F_NESTED`, the kernel's
//! replies do not (`nla_nest_start_noflag`). Requests use [`nest`],
//! replies [`kernel_nest`], so each side's bytes can be reproduced exactly.

use std::net::IpAddr;

use netlink_packet_core::{Emitable, Nla, NLA_F_NESTED};

/// One attribute to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub(super) kind: u16,
    pub(super) value: Value,
}

/// The value of an attribute to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    /// Raw bytes (addresses, network-order numbers, the flags struct).
    Bytes(Vec<u8>),
    /// A NUL-terminated string.
    Str(String),
    /// A nest; `flagged` sets `NLA_F_NESTED` in its type.
    Nested {
        attrs: Vec<Attr>,
        flagged: bool,
    },
}

impl Attr {
    pub(super) fn new(kind: u16, value: Value) -> Self {
        Attr { kind, value }
    }
}

/// A nest as libnl writes it, with `NLA_F_NESTED`.
pub(super) fn nest(kind: u16, attrs: Vec<Attr>) -> Attr {
    Attr::new(kind, Value::Nested { attrs, flagged: true })
}

/// A nest as the kernel writes it, without `NLA_F_NESTED`.
pub(super) fn kernel_nest(kind: u16, attrs: Vec<Attr>) -> Attr {
    Attr::new(
        kind,
        Value::Nested {
            attrs,
            flagged: false,
        },
    )
}

/// An address in the 16 bytes of `union nf_inet_addr`, IPv4 first and
/// zero-padded, as both ipvsadm and the kernel send service and
/// destination addresses.
pub(super) fn addr16(addr: &IpAddr) -> [u8; 16] {
    let mut v = [0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    v
}

impl Nla for Attr {
    fn value_len(&self) -> usize {
        match &self.value {
            Value::U8(_) => 1,
            Value::U16(_) => 2,
            Value::U32(_) => 4,
            Value::U64(_) => 8,
            Value::Bytes(b) => b.len(),
            Value::Str(s) => s.len() + 1,
            Value::Nested { attrs, .. } => attrs.as_slice().buffer_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self.value {
            Value::Nested { flagged: true, .. } => self.kind | NLA_F_NESTED,
            _ => self.kind,
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match &self.value {
            Value::U8(v) => buf[0] = *v,
            Value::U16(v) => buf[..2].copy_from_slice(&v.to_ne_bytes()),
            Value::U32(v) => buf[..4].copy_from_slice(&v.to_ne_bytes()),
            Value::U64(v) => buf[..8].copy_from_slice(&v.to_ne_bytes()),
            Value::Bytes(b) => buf[..b.len()].copy_from_slice(b),
            Value::Str(s) => {
                buf[..s.len()].copy_from_slice(s.as_bytes());
                buf[s.len()] = 0;
            }
            Value::Nested { attrs, .. } => attrs.as_slice().emit(buf),
        }
    }
}
