//! The family itself: its name, version, commands and the attributes a
//! message carries at the top level.
//!
//! Top-level attribute numbers are shared by every command, but what sits
//! under them depends on the command: `SERVICE` (1) and `DEST` (2) hold
//! nests, while the same numbers 1 and 2 in a `GET_INFO` reply are plain
//! `u32`s (the codec's `config` module reads them).

/// Generic Netlink family name of IPVS.
pub const FAMILY_NAME: &str = "IPVS";
/// Family version ipvsadm speaks.
pub const FAMILY_VERSION: u8 = 1;

/// Adds a virtual service.
pub const NEW_SERVICE: u8 = 1;
/// Changes a service's scheduler, flags, timeout, netmask or engine.
pub const SET_SERVICE: u8 = 2;
/// Deletes a service and its destinations.
pub const DEL_SERVICE: u8 = 3;
/// Reads one service, or dumps them all; replies come as `NEW_SERVICE`.
pub const GET_SERVICE: u8 = 4;
/// Adds a destination to a service.
pub const NEW_DEST: u8 = 5;
/// Changes a destination.
pub const SET_DEST: u8 = 6;
/// Deletes a destination.
pub const DEL_DEST: u8 = 7;
/// Dumps a service's destinations; replies come as `NEW_DEST`.
pub const GET_DEST: u8 = 8;
/// Starts a connection sync daemon.
pub const NEW_DAEMON: u8 = 9;
/// Stops a connection sync daemon.
pub const DEL_DAEMON: u8 = 10;
/// Dumps the running sync daemons; replies come as `NEW_DAEMON`.
pub const GET_DAEMON: u8 = 11;
/// Sets the TCP, TCP FIN and UDP timeouts.
pub const SET_CONFIG: u8 = 12;
/// Reads the timeouts.
pub const GET_CONFIG: u8 = 13;
/// The kernel's answer to `GET_INFO`.
pub const SET_INFO: u8 = 14;
/// Reads the IPVS version and connection table size.
pub const GET_INFO: u8 = 15;
/// Zeroes counters.
pub const ZERO: u8 = 16;
/// Deletes every service.
pub const FLUSH: u8 = 17;

// Top-level attributes (`IPVS_CMD_ATTR_*`).
pub(super) const ATTR_SERVICE: u16 = 1;
pub(super) const ATTR_DEST: u16 = 2;
pub(super) const ATTR_DAEMON: u16 = 3;
pub(super) const ATTR_TIMEOUT_TCP: u16 = 4;
pub(super) const ATTR_TIMEOUT_TCP_FIN: u16 = 5;
pub(super) const ATTR_TIMEOUT_UDP: u16 = 6;
