//! The kernel's side: replies built from model values, byte for byte as
//! `net/netfilter/ipvs/ip_vs_ctl.c` writes them on x86-64.
//!
//! lvsctl never sends these. They exist so that every decoder can be
//! checked in both directions on the same golden bytes (a value decoded
//! from a reply encodes back into that reply), and so that tests anywhere
//! in the crate can make a reply from a value instead of laying out
//! attributes by hand.

use super::attr::Attr;
use super::cmd;
use super::message::IpvsMessage;
use super::{config, daemon, dest, service};
use crate::ipvs::model::*;

fn one(cmd: u8, a: Attr) -> IpvsMessage {
    IpvsMessage::new(cmd, vec![a])
}

/// One service of a `GET_SERVICE` answer (sent as `NEW_SERVICE`).
pub fn service(e: &ServiceEntry) -> IpvsMessage {
    one(cmd::NEW_SERVICE, service::reply_attr(e))
}
/// One destination of a `GET_DEST` dump (sent as `NEW_DEST`).
pub fn dest(e: &DestEntry) -> IpvsMessage {
    one(cmd::NEW_DEST, dest::reply_attr(e))
}
/// One running daemon of a `GET_DAEMON` dump (sent as `NEW_DAEMON`).
pub fn daemon(d: &SyncDaemon) -> IpvsMessage {
    one(cmd::NEW_DAEMON, daemon::reply_attr(d))
}
/// The answer to `GET_CONFIG` (sent as `SET_CONFIG`).
pub fn config(t: &Timeouts) -> IpvsMessage {
    IpvsMessage::new(cmd::SET_CONFIG, config::timeout_attrs(t))
}
/// The answer to `GET_INFO` (sent as `SET_INFO`).
pub fn info(i: &Info) -> IpvsMessage {
    IpvsMessage::new(cmd::SET_INFO, config::info_attrs(i))
}
