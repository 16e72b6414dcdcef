//! Builders for every request of the family.
//!
//! Each builds the attribute tree libipvs would send for the same command,
//! except that requests naming a service (delete, destinations, zero)
//! send only its key where libipvs repeats the whole service; the kernel
//! reads only the key.

use std::net::IpAddr;

use super::attr::nest;
use super::cmd::{self, ATTR_DAEMON, ATTR_DEST, ATTR_SERVICE};
use super::message::IpvsMessage;
use super::{config, daemon, dest, service};
use crate::ipvs::model::*;

/// `NEW_SERVICE`.
pub fn new_service(svc: &Service) -> IpvsMessage {
    IpvsMessage::new(cmd::NEW_SERVICE, vec![nest(ATTR_SERVICE, service::attrs(svc))])
}
/// `SET_SERVICE` (replaces scheduler, flags, timeout, netmask, pe).
pub fn set_service(svc: &Service) -> IpvsMessage {
    IpvsMessage::new(cmd::SET_SERVICE, vec![nest(ATTR_SERVICE, service::attrs(svc))])
}
/// `DEL_SERVICE`.
pub fn del_service(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(
        cmd::DEL_SERVICE,
        vec![nest(ATTR_SERVICE, service::key_attrs(key))],
    )
}
/// `GET_SERVICE` for one service (a do-request).
pub fn get_service(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(
        cmd::GET_SERVICE,
        vec![nest(ATTR_SERVICE, service::key_attrs(key))],
    )
}
/// `GET_SERVICE` dump of every service.
pub fn dump_services() -> IpvsMessage {
    IpvsMessage::new(cmd::GET_SERVICE, vec![])
}
/// `NEW_DEST`.
pub fn new_dest(key: &ServiceKey, d: &Destination) -> IpvsMessage {
    with_dest(cmd::NEW_DEST, key, d, true)
}
/// `SET_DEST`.
pub fn set_dest(key: &ServiceKey, d: &Destination) -> IpvsMessage {
    with_dest(cmd::SET_DEST, key, d, true)
}
/// `DEL_DEST`.
pub fn del_dest(key: &ServiceKey, addr: &IpAddr, port: u16) -> IpvsMessage {
    with_dest(cmd::DEL_DEST, key, &Destination::new(*addr, port), false)
}
fn with_dest(cmd: u8, key: &ServiceKey, d: &Destination, full: bool) -> IpvsMessage {
    IpvsMessage::new(
        cmd,
        vec![
            nest(ATTR_SERVICE, service::key_attrs(key)),
            nest(ATTR_DEST, dest::attrs(d, full)),
        ],
    )
}
/// `GET_DEST` dump of one service's destinations.
pub fn dump_dests(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(cmd::GET_DEST, vec![nest(ATTR_SERVICE, service::key_attrs(key))])
}
/// `NEW_DAEMON`.
pub fn new_daemon(d: &SyncDaemon) -> IpvsMessage {
    IpvsMessage::new(cmd::NEW_DAEMON, vec![nest(ATTR_DAEMON, daemon::attrs(d))])
}
/// `DEL_DAEMON`.
pub fn del_daemon(state: DaemonState) -> IpvsMessage {
    IpvsMessage::new(
        cmd::DEL_DAEMON,
        vec![nest(ATTR_DAEMON, daemon::stop_attrs(state))],
    )
}
/// `GET_DAEMON` dump.
pub fn dump_daemons() -> IpvsMessage {
    IpvsMessage::new(cmd::GET_DAEMON, vec![])
}
/// `SET_CONFIG` (timeouts; 0 keeps a value).
pub fn set_config(t: &Timeouts) -> IpvsMessage {
    IpvsMessage::new(cmd::SET_CONFIG, config::timeout_attrs(t))
}
/// `GET_CONFIG`.
pub fn get_config() -> IpvsMessage {
    IpvsMessage::new(cmd::GET_CONFIG, vec![])
}
/// `GET_INFO`.
pub fn get_info() -> IpvsMessage {
    IpvsMessage::new(cmd::GET_INFO, vec![])
}
/// `ZERO` of every counter, or of one service's.
pub fn zero(key: Option<&ServiceKey>) -> IpvsMessage {
    let attrs = match key {
        Some(k) => vec![nest(ATTR_SERVICE, service::key_attrs(k))],
        None => vec![],
    };
    IpvsMessage::new(cmd::ZERO, attrs)
}
/// `FLUSH`.
pub fn flush() -> IpvsMessage {
    IpvsMessage::new(cmd::FLUSH, vec![])
}
