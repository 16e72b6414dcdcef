//! lvsctl: administer Linux Virtual Server.
//!
//! The crate is layered, bottom up in the order of the `pub mod` lines
//! below; each layer only uses the ones listed before it (checked by
//! `cargo test --test layers`, which reads this file):
//!
//! * [`netlink`] — the wire: netlink sockets, Generic Netlink family
//!   lookup, requests, dumps, batches, multicast groups for events,
//!   extended ACKs. Knows nothing of IPVS and formats no text.
//! * [`ipvs`] — the IPVS model (services, destinations, daemons,
//!   timeouts) and its vocabulary ([`ipvs::names`]), one change
//!   ([`ipvs::Op`]), the attribute codec one module per object, a client
//!   with consistent reads and batches, and the connection table reader.
//! * [`host`] — the rest of the host: network namespaces, sysctl files
//!   (every `net.ipv4.vs.*` with its range), addresses, links and their
//!   events over rtnetlink, fou ports, prefix math, and the C library's
//!   name lookups.
//! * [`arp`] — raw ARP and NDP: announcements one frame at a time on the
//!   caller's schedule, probes, and VIP add/del with interface choice.
//! * [`vrrp`] — raw VRRP: the advertisement codec (versions 2 and 3,
//!   keepalived's checksum form and RFC 9568's).
//! * [`rs`] — the real-server side of the ARP problem (sysctls, hidden
//!   VIPs, tunnel devices): `up`, `down`, `status` with typed problems,
//!   over an undo journal recorded under `/run/lvsctl`.
//! * [`ipvsadm`] — the ipvsadm compatibility layer: its grammar (one
//!   definition per option), its text formats and its messages, byte for
//!   byte, with no I/O.
//! * [`state`] — desired state: the table model, the minimal diff, the
//!   rules and TOML file formats, the all-or-nothing engine
//!   ([`state::reconcile`]) over a [`state::Backend`] (the kernel, or an
//!   in-memory fake), and the table lock.
//! * [`output`] — lvsctl's own formats: the JSON schema, text tables, its
//!   sort order.
//! * [`daemon`] — the long-running front end: health checks, the health
//!   overlay on the desired table, the control socket. Prints nothing to
//!   stdout; it logs.
//! * [`import`] — other tools' configurations (piranha's `lvs.cf`) turned
//!   into the daemon's file, every setting converted or reported with its
//!   line; the result is read back by the daemon's parser.
//! * [`cli`] — the command-line front end: the ipvsadm-compatible command
//!   line and lvsctl's subcommands (`daemon` among them, which runs or
//!   asks the daemon), writing to a [`cli::Console`]; the only place exit
//!   codes are decided. Front ends never build netlink bytes.
//!
//! `main.rs` only hands over the arguments and the standard streams, and
//! exits with the status [`cli::run`] returns.

pub mod netlink;
pub mod ipvs;
pub mod host;
pub mod arp;
pub mod vrrp;
pub mod rs;
pub mod ipvsadm;
pub mod state;
pub mod output;
pub mod daemon;
pub mod import;
pub mod cli;
