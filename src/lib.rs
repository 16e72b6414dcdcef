//! lvsctl: administer Linux Virtual Server.
//!
//! The crate is layered, bottom up in the order of the `pub mod` lines
//! below; each layer only uses the ones listed before it (checked by
//! `cargo test --test layers`, which reads this file):
//!
//! * [`netlink`] — the wire: netlink sockets, Generic Netlink family
//!   lookup, requests, dumps, batches, extended ACKs. Knows nothing of IPVS
//!   and formats no text.
//! * [`ipvs`] — the IPVS model (services, destinations, daemons,
//!   timeouts), its attribute codec, a client with batch operations, and
//!   the connection table reader.
//! * [`host`] — the rest of the host: network namespaces, sysctl files,
//!   addresses and links over rtnetlink, fou ports, and the C library's
//!   name lookups.
//! * [`arp`] — raw ARP and NDP: gratuitous announcements and probes.
//! * [`rs`] — the real-server side of the ARP problem (sysctls, hidden
//!   VIPs, tunnel devices) with an undo record.
//! * [`ipvsadm`] — the ipvsadm compatibility layer: its grammar, its text
//!   formats and its messages, byte for byte, with no I/O.
//! * [`state`] — desired state: the table model, the minimal diff, the
//!   rules and TOML file formats, and the all-or-nothing engine.
//! * [`output`] — lvsctl's own formats: JSON schema, text tables.
//! * [`cli`] — front ends: the ipvsadm-compatible command line and
//!   lvsctl's subcommands. Front ends never build netlink bytes.
//!
//! `main.rs` only hands the arguments to [`cli::run`].

pub mod netlink;
pub mod ipvs;
pub mod host;
pub mod arp;
pub mod rs;
pub mod ipvsadm;
pub mod state;
pub mod output;
pub mod cli;
