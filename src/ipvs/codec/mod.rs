//! The IPVS Generic Netlink attribute codec.
//!
//! Numbers and layouts come from the kernel's `include/uapi/linux/ip_vs.h`
//! and `net/netfilter/ipvs/ip_vs_ctl.c`. Requests are encoded the way
//! ipvsadm 1.31 (through libnl 3) encodes them, nested-attribute flag and
//! 16-byte addresses included, so that golden bytes taken from ipvsadm can
//! be compared with ours. Replies are decoded leniently: unknown attributes
//! are ignored, missing mandatory ones are a decode error, never a panic.
//!
//! Byte orders are a trap here: ports and the IPv4 multicast group are in
//! network order; the IPv4 persistence netmask is a network-order `__be32`
//! while the IPv6 one is a host-order prefix length in the same attribute;
//! the daemon's multicast port is in host order.
//!
//! One module per object of the wire, each with its attribute numbers,
//! its encoder and its decoder side by side, so that a field is added in
//! one place: `service`, `dest`, `daemon`, `config` (timeouts and version
//! information) and `stats` (the counters inside services and
//! destinations). Around them: [`cmd`] (the family, its commands and
//! top-level attributes), `attr` (the tree requests are built as), `parse`
//! (measured reads of reply attributes), `message` ([`IpvsMessage`]),
//! [`request`] (every request lvsctl sends), [`reply`] (every reply the
//! kernel sends, so that tests go both ways) and `writer` (the
//! encoding batches write straight into their send buffer, held equal to
//! the tree by a test).
//!
//! The request fixtures in `tests/` are captured from ipvsadm (the
//! preloaded `tests/ipvsadm_shim.c` does it on a machine without IPVS),
//! the reply fixtures laid out from the kernel's fill functions; each test
//! decodes its bytes into a value and encodes that value back into them.

mod attr;
pub mod cmd;
mod config;
mod daemon;
mod dest;
mod message;
mod parse;
pub mod reply;
pub mod request;
mod service;
mod stats;
mod writer;

pub use attr::Attr;
pub use cmd::{FAMILY_NAME, FAMILY_VERSION};
pub use config::{decode_info, decode_timeouts};
pub use daemon::decode_daemon;
pub use dest::decode_dest;
pub use message::IpvsMessage;
pub use service::decode_service;
pub use writer::{write_dest_or_service, write_message, RawRequest, DEST_OR_SERVICE_BOUND};

#[cfg(test)]
mod tests;
