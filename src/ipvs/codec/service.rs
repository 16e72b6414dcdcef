//! A virtual service (`IPVS_SVC_ATTR_*`), both ways.
//!
//! A request carries the nest in the order libipvs writes it (family,
//! then protocol, address and port or the firewall mark, then scheduler,
//! persistence engine, flags, timeout, netmask); the kernel's reply
//! (`ip_vs_genl_fill_service`) has the same layout followed by the two
//! counter nests. Only the key is sent to name a service (delete, get,
//! zero, and the service half of destination requests).
//!
//! Two byte-order traps live here: the port is in network order, and the
//! persistence netmask is a network-order `__be32` for IPv4 but a
//! host-order prefix length for IPv6, in the same attribute.

use netlink_packet_core::DecodeError;

use super::attr::{addr16, kernel_nest, Attr, Value};
use super::cmd::ATTR_SERVICE;
use super::message::IpvsMessage;
use super::parse::{addr_of, family_of, fixed, string_of, u16_be, u16_ne, u32_ne, AttrTable};
use super::stats;
use crate::ipvs::model::*;

pub(super) const AF: u16 = 1;
pub(super) const PROTOCOL: u16 = 2;
pub(super) const ADDR: u16 = 3;
pub(super) const PORT: u16 = 4;
pub(super) const FWMARK: u16 = 5;
pub(super) const SCHED_NAME: u16 = 6;
pub(super) const FLAGS: u16 = 7;
pub(super) const TIMEOUT: u16 = 8;
pub(super) const NETMASK: u16 = 9;
const STATS: u16 = 10;
pub(super) const PE_NAME: u16 = 11;
const STATS64: u16 = 12;

/// The netmask attribute's four bytes for a service of family `af`.
pub(super) fn netmask_bytes(af: AddressFamily, netmask: u32) -> [u8; 4] {
    match af {
        AddressFamily::Inet => netmask.to_be_bytes(),
        AddressFamily::Inet6 => netmask.to_ne_bytes(),
    }
}

/// The flags attribute: `struct ip_vs_flags { flags, mask }`, with every
/// bit of the mask set so that the flags replace the service's.
pub(super) fn flags_bytes(flags: ServiceFlags) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&flags.0.to_ne_bytes());
    b[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
    b
}

/// The attributes that identify a service.
pub(super) fn key_attrs(key: &ServiceKey) -> Vec<Attr> {
    let mut a = vec![Attr::new(AF, Value::U16(key.af().raw()))];
    match key {
        ServiceKey::Addr { protocol, addr, port } => {
            a.push(Attr::new(PROTOCOL, Value::U16(protocol.raw())));
            a.push(Attr::new(ADDR, Value::Bytes(addr16(addr).to_vec())));
            a.push(Attr::new(PORT, Value::Bytes(port.to_be_bytes().to_vec())));
        }
        ServiceKey::Fwmark { mark, .. } => {
            a.push(Attr::new(FWMARK, Value::U32(*mark)));
        }
    }
    a
}

/// A complete service, as `NEW_SERVICE` and `SET_SERVICE` need it.
pub(super) fn attrs(svc: &Service) -> Vec<Attr> {
    let mut a = key_attrs(&svc.key);
    a.push(Attr::new(SCHED_NAME, Value::Str(svc.scheduler.clone())));
    if let Some(pe) = &svc.pe_name {
        a.push(Attr::new(PE_NAME, Value::Str(pe.clone())));
    }
    a.push(Attr::new(FLAGS, Value::Bytes(flags_bytes(svc.flags).to_vec())));
    a.push(Attr::new(TIMEOUT, Value::U32(svc.timeout)));
    a.push(Attr::new(
        NETMASK,
        Value::Bytes(netmask_bytes(svc.key.af(), svc.netmask).to_vec()),
    ));
    a
}

/// The service nest of a kernel reply, counters included.
pub(super) fn reply_attr(e: &ServiceEntry) -> Attr {
    let mut a = attrs(&e.service);
    a.extend(stats::reply_attrs(&e.stats, STATS, STATS64));
    kernel_nest(ATTR_SERVICE, a)
}

/// Decodes a service from a `NEW_SERVICE` reply.
pub fn decode_service(msg: &IpvsMessage) -> Result<ServiceEntry, DecodeError> {
    let nest = msg.raw(ATTR_SERVICE).ok_or("reply without a service")?;
    decode_nest(nest)
}

fn decode_nest(nest: &[u8]) -> Result<ServiceEntry, DecodeError> {
    let t = AttrTable::parse(nest, STATS64)?;
    let af = family_of(t.need(AF, "service family")?)?;
    let key = match t.get(FWMARK) {
        Some(m) if u32_ne(m, "fwmark")? != 0 => ServiceKey::Fwmark {
            af,
            mark: u32_ne(m, "fwmark")?,
        },
        _ => ServiceKey::Addr {
            protocol: Protocol::from_raw(u16_ne(t.need(PROTOCOL, "protocol")?, "protocol")?),
            addr: addr_of(af, t.need(ADDR, "service address")?, "address")?,
            port: u16_be(t.need(PORT, "service port")?, "port")?,
        },
    };
    let flags_raw = t.need(FLAGS, "service flags")?;
    let flags = u32_ne(flags_raw, "flags")?;
    let mask = flags_raw
        .get(4..)
        .map(|m| u32_ne(m, "flags mask"))
        .transpose()?
        .unwrap_or(u32::MAX);
    let nm = fixed::<4>(t.need(NETMASK, "netmask")?, "netmask")?;
    let netmask = match af {
        AddressFamily::Inet => u32::from_be_bytes(nm),
        AddressFamily::Inet6 => u32::from_ne_bytes(nm),
    };
    let service = Service {
        key,
        scheduler: string_of(t.need(SCHED_NAME, "scheduler")?),
        flags: ServiceFlags(flags & mask),
        timeout: u32_ne(t.need(TIMEOUT, "timeout")?, "timeout")?,
        netmask,
        pe_name: t.get(PE_NAME).map(string_of).filter(|s| !s.is_empty()),
    };
    Ok(ServiceEntry {
        service,
        stats: stats::of(&t, STATS, STATS64)?,
    })
}
