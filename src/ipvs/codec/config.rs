//! Timeouts and version information: top-level `u32`s, no nests.
//!
//! `SET_CONFIG` and the kernel's answer to `GET_CONFIG` (sent as
//! `SET_CONFIG`) carry the TCP, TCP FIN and UDP timeouts in seconds as
//! top-level attributes 4 to 6; a 0 in a request keeps that timeout. A
//! kernel built without one of the protocols leaves its timeouts out,
//! which reads as 0. The answer to `GET_INFO` (sent as `SET_INFO`) reuses
//! the numbers 1 and 2 for the version code and the connection table
//! size.

use netlink_packet_core::DecodeError;

use super::attr::{Attr, Value};
use super::cmd::{ATTR_TIMEOUT_TCP, ATTR_TIMEOUT_TCP_FIN, ATTR_TIMEOUT_UDP};
use super::message::IpvsMessage;
use super::parse::u32_ne;
use crate::ipvs::model::{Info, Timeouts};

const INFO_VERSION: u16 = 1;
const INFO_CONN_TAB_SIZE: u16 = 2;

/// The timeouts, as `SET_CONFIG` and the kernel's reply carry them.
pub(super) fn timeout_attrs(t: &Timeouts) -> Vec<Attr> {
    vec![
        Attr::new(ATTR_TIMEOUT_TCP, Value::U32(t.tcp)),
        Attr::new(ATTR_TIMEOUT_TCP_FIN, Value::U32(t.tcp_fin)),
        Attr::new(ATTR_TIMEOUT_UDP, Value::U32(t.udp)),
    ]
}

/// The kernel's `SET_INFO` reply.
pub(super) fn info_attrs(i: &Info) -> Vec<Attr> {
    vec![
        Attr::new(INFO_VERSION, Value::U32(i.version)),
        Attr::new(INFO_CONN_TAB_SIZE, Value::U32(i.conn_tab_size)),
    ]
}

/// Decodes the reply to `GET_CONFIG`.
pub fn decode_timeouts(msg: &IpvsMessage) -> Result<Timeouts, DecodeError> {
    let get = |k| {
        msg.raw(k)
            .map(|b| u32_ne(b, "timeout"))
            .transpose()
            .map(|v| v.unwrap_or(0))
    };
    Ok(Timeouts {
        tcp: get(ATTR_TIMEOUT_TCP)?,
        tcp_fin: get(ATTR_TIMEOUT_TCP_FIN)?,
        udp: get(ATTR_TIMEOUT_UDP)?,
    })
}

/// Decodes the reply to `GET_INFO`.
pub fn decode_info(msg: &IpvsMessage) -> Result<Info, DecodeError> {
    let get = |k, what| {
        msg.raw(k)
            .ok_or_else(|| DecodeError::from(format!("missing {what}")))
            .and_then(|b| u32_ne(b, what))
    };
    Ok(Info {
        version: get(INFO_VERSION, "version")?,
        conn_tab_size: get(INFO_CONN_TAB_SIZE, "connection table size")?,
    })
}
