//! lvsctl: administer Linux Virtual Server.
//!
//! The crate is layered; each layer only uses the ones above it in this
//! list:
//!
//! * [`netlink`] — the wire: Generic Netlink sockets, family lookup,
//!   requests, dumps, batches, extended ACKs. Knows nothing of IPVS.
//! * [`ipvs`] — the IPVS model (services, destinations, daemons,
//!   timeouts), its attribute codec and a client with batch operations.
//! * [`host`] — host configuration: network namespaces (later sysctls,
//!   addresses, links).
//! * [`state`] — desired-state files, the minimal diff between tables,
//!   and all-or-nothing apply with rollback.
//! * [`output`] — formatters: ipvsadm's exact text, lvsctl's JSON schema
//!   and tables.
//! * [`cli`] — front ends: the ipvsadm-compatible grammar and lvsctl's own
//!   subcommands. Front ends never build netlink bytes.

pub mod arp;
pub mod cli;
pub mod host;
pub mod ipvs;
pub mod netlink;
pub mod output;
pub mod rs;
pub mod state;
