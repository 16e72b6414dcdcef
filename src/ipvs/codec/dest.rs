//! A destination, or real server (`IPVS_DEST_ATTR_*`), both ways.
//!
//! Requests put the family first and then the settings, in libipvs's
//! order; a delete sends only family, address and port. The kernel's reply
//! (`ip_vs_genl_fill_dest`) orders them differently: address, port,
//! settings, the three connection counts, the family last, then counters.
//! Older kernels send no family (destinations of another family than
//! their service came later), so the decoder falls back to the service's,
//! and no tunnel attributes, which then read as zero.

use netlink_packet_core::DecodeError;

use super::attr::{addr16, kernel_nest, Attr, Value};
use super::cmd::ATTR_DEST;
use super::message::IpvsMessage;
use super::parse::{addr_of, family_of, u16_be, u16_ne, u32_ne, u8_of, AttrTable};
use super::stats;
use crate::ipvs::model::*;

pub(super) const ADDR: u16 = 1;
pub(super) const PORT: u16 = 2;
pub(super) const FWD_METHOD: u16 = 3;
pub(super) const WEIGHT: u16 = 4;
pub(super) const U_THRESH: u16 = 5;
pub(super) const L_THRESH: u16 = 6;
const ACTIVE_CONNS: u16 = 7;
const INACT_CONNS: u16 = 8;
const PERSIST_CONNS: u16 = 9;
const STATS: u16 = 10;
pub(super) const ADDR_FAMILY: u16 = 11;
const STATS64: u16 = 12;
pub(super) const TUN_TYPE: u16 = 13;
pub(super) const TUN_PORT: u16 = 14;
pub(super) const TUN_FLAGS: u16 = 15;

fn be16(v: u16) -> Value {
    Value::Bytes(v.to_be_bytes().to_vec())
}

/// A destination in a request; `full` adds its settings (add, edit).
pub(super) fn attrs(d: &Destination, full: bool) -> Vec<Attr> {
    let mut a = vec![
        Attr::new(ADDR_FAMILY, Value::U16(d.af().raw())),
        Attr::new(ADDR, Value::Bytes(addr16(&d.addr).to_vec())),
        Attr::new(PORT, be16(d.port)),
    ];
    if full {
        a.extend([
            Attr::new(FWD_METHOD, Value::U32(d.fwd.raw())),
            Attr::new(WEIGHT, Value::U32(d.weight)),
            Attr::new(TUN_TYPE, Value::U8(d.tun_type.raw())),
            Attr::new(TUN_PORT, be16(d.tun_port)),
            Attr::new(TUN_FLAGS, Value::U16(d.tun_flags)),
            Attr::new(U_THRESH, Value::U32(d.u_threshold)),
            Attr::new(L_THRESH, Value::U32(d.l_threshold)),
        ]);
    }
    a
}

/// The destination nest of a kernel reply, as a current kernel writes it.
pub(super) fn reply_attr(e: &DestEntry) -> Attr {
    let d = &e.dest;
    let mut a = vec![
        Attr::new(ADDR, Value::Bytes(addr16(&d.addr).to_vec())),
        Attr::new(PORT, be16(d.port)),
        Attr::new(FWD_METHOD, Value::U32(d.fwd.raw())),
        Attr::new(WEIGHT, Value::U32(d.weight)),
        Attr::new(TUN_TYPE, Value::U8(d.tun_type.raw())),
        Attr::new(TUN_PORT, be16(d.tun_port)),
        Attr::new(TUN_FLAGS, Value::U16(d.tun_flags)),
        Attr::new(U_THRESH, Value::U32(d.u_threshold)),
        Attr::new(L_THRESH, Value::U32(d.l_threshold)),
        Attr::new(ACTIVE_CONNS, Value::U32(e.active_conns)),
        Attr::new(INACT_CONNS, Value::U32(e.inact_conns)),
        Attr::new(PERSIST_CONNS, Value::U32(e.persist_conns)),
        Attr::new(ADDR_FAMILY, Value::U16(d.af().raw())),
    ];
    a.extend(stats::reply_attrs(&e.stats, STATS, STATS64));
    kernel_nest(ATTR_DEST, a)
}

/// Decodes a destination from a `NEW_DEST` reply; `svc_af` is the family
/// of its service, used when the kernel does not say the destination's.
pub fn decode_dest(msg: &IpvsMessage, svc_af: AddressFamily) -> Result<DestEntry, DecodeError> {
    let nest = msg.raw(ATTR_DEST).ok_or("reply without a destination")?;
    let t = AttrTable::parse(nest, TUN_FLAGS)?;
    let af = match t.get(ADDR_FAMILY) {
        Some(b) => family_of(b)?,
        None => svc_af,
    };
    let dest = Destination {
        addr: addr_of(af, t.need(ADDR, "destination address")?, "address")?,
        port: u16_be(t.need(PORT, "destination port")?, "port")?,
        fwd: ForwardMethod::from_raw(u32_ne(t.need(FWD_METHOD, "forwarding method")?, "fwd")?),
        weight: u32_ne(t.need(WEIGHT, "weight")?, "weight")?,
        u_threshold: u32_ne(t.need(U_THRESH, "upper threshold")?, "threshold")?,
        l_threshold: u32_ne(t.need(L_THRESH, "lower threshold")?, "threshold")?,
        tun_type: TunnelType::from_raw(
            t.get(TUN_TYPE)
                .map(|b| u8_of(b, "tun type"))
                .transpose()?
                .unwrap_or(0),
        ),
        tun_port: t
            .get(TUN_PORT)
            .map(|b| u16_be(b, "tun port"))
            .transpose()?
            .unwrap_or(0),
        tun_flags: t
            .get(TUN_FLAGS)
            .map(|b| u16_ne(b, "tun flags"))
            .transpose()?
            .unwrap_or(0),
    };
    let count = |k: u16, what: &str| -> Result<u32, DecodeError> {
        t.get(k)
            .map(|b| u32_ne(b, what))
            .transpose()
            .map(|v| v.unwrap_or(0))
    };
    Ok(DestEntry {
        dest,
        active_conns: count(ACTIVE_CONNS, "active connections")?,
        inact_conns: count(INACT_CONNS, "inactive connections")?,
        persist_conns: count(PERSIST_CONNS, "persistent connections")?,
        stats: stats::of(&t, STATS, STATS64)?,
    })
}
