//! VRRP, the protocol by which directors hand a VIP over (issue 12).
//!
//! This layer sits beside [`crate::arp`]: both are raw packets on the
//! wire, read and written by small hand-written codecs. It holds what
//! does not depend on the daemon: the advertisement's codec
//! ([`packet`]), later its sockets and the state machine; the daemon runs
//! them on a thread of their own.
//!
//! Interoperating with keepalived 2.2.7 (the director on the other side,
//! during a migration) decides the details the RFCs leave open or changed
//! their minds on: VRRPv2 is the IPv4 default; VRRPv3 over IPv4 is sent
//! with the IPv4 pseudo-header in its checksum, as keepalived sends and
//! demands it, though RFC 9568 now says the checksum covers the message
//! alone; both forms are accepted on receive, and which one a peer used is
//! reported, so a mixed pair can be diagnosed instead of producing two
//! masters.

pub mod machine;
pub mod packet;
pub mod socket;
