//! A connection sync daemon (`IPVS_DAEMON_ATTR_*`), both ways.
//!
//! libipvs sends state, interface and sync id, then the optional maximum
//! length, port, TTL and group only when they are set; the kernel's reply
//! (`ip_vs_genl_fill_daemon`) has the same order and always all of them,
//! filled with its defaults. Stopping a daemon sends its state with an
//! empty interface and sync id 0, as libipvs does.
//!
//! Byte orders differ from the service's: the multicast port is in host
//! order, the IPv4 group is the `__be32` of `nla_put_in_addr` (its octets
//! in order), the IPv6 group its 16 octets.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::DecodeError;

use super::attr::{kernel_nest, Attr, Value};
use super::cmd::ATTR_DAEMON;
use super::message::IpvsMessage;
use super::parse::{fixed, string_of, u16_ne, u32_ne, u8_of, AttrTable};
use crate::ipvs::model::*;

const STATE: u16 = 1;
const MCAST_IFN: u16 = 2;
const SYNC_ID: u16 = 3;
const SYNC_MAXLEN: u16 = 4;
const MCAST_GROUP: u16 = 5;
const MCAST_GROUP6: u16 = 6;
const MCAST_PORT: u16 = 7;
const MCAST_TTL: u16 = 8;

/// A daemon to start, or as the kernel reports it.
pub(super) fn attrs(d: &SyncDaemon) -> Vec<Attr> {
    let mut a = vec![
        Attr::new(STATE, Value::U32(d.state.raw())),
        Attr::new(MCAST_IFN, Value::Str(d.mcast_ifn.clone())),
        Attr::new(SYNC_ID, Value::U32(d.syncid)),
    ];
    if let Some(v) = d.sync_maxlen {
        a.push(Attr::new(SYNC_MAXLEN, Value::U16(v)));
    }
    if let Some(v) = d.mcast_port {
        a.push(Attr::new(MCAST_PORT, Value::U16(v)));
    }
    if let Some(v) = d.mcast_ttl {
        a.push(Attr::new(MCAST_TTL, Value::U8(v)));
    }
    match d.mcast_group {
        Some(IpAddr::V4(g)) => a.push(Attr::new(MCAST_GROUP, Value::Bytes(g.octets().to_vec()))),
        Some(IpAddr::V6(g)) => a.push(Attr::new(MCAST_GROUP6, Value::Bytes(g.octets().to_vec()))),
        None => {}
    }
    a
}

/// The daemon to stop.
pub(super) fn stop_attrs(state: DaemonState) -> Vec<Attr> {
    vec![
        Attr::new(STATE, Value::U32(state.raw())),
        Attr::new(MCAST_IFN, Value::Str(String::new())),
        Attr::new(SYNC_ID, Value::U32(0)),
    ]
}

/// The daemon nest of a kernel reply.
pub(super) fn reply_attr(d: &SyncDaemon) -> Attr {
    kernel_nest(ATTR_DAEMON, attrs(d))
}

/// Decodes a daemon from a `NEW_DAEMON` reply; `None` for an idle slot.
pub fn decode_daemon(msg: &IpvsMessage) -> Result<Option<SyncDaemon>, DecodeError> {
    let nest = msg.raw(ATTR_DAEMON).ok_or("reply without a daemon")?;
    let t = AttrTable::parse(nest, MCAST_TTL)?;
    let state = match u32_ne(t.need(STATE, "daemon state")?, "state")? {
        1 => DaemonState::Master,
        2 => DaemonState::Backup,
        _ => return Ok(None),
    };
    let group = if let Some(b) = t.get(MCAST_GROUP6) {
        Some(IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, "group")?)))
    } else if let Some(b) = t.get(MCAST_GROUP) {
        Some(IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, "group")?)))
    } else {
        None
    };
    Ok(Some(SyncDaemon {
        state,
        mcast_ifn: string_of(t.need(MCAST_IFN, "interface")?),
        syncid: u32_ne(t.need(SYNC_ID, "sync id")?, "sync id")?,
        sync_maxlen: t.get(SYNC_MAXLEN).map(|b| u16_ne(b, "maxlen")).transpose()?,
        mcast_group: group,
        mcast_port: t.get(MCAST_PORT).map(|b| u16_ne(b, "port")).transpose()?,
        mcast_ttl: t.get(MCAST_TTL).map(|b| u8_of(b, "ttl")).transpose()?,
    }))
}
