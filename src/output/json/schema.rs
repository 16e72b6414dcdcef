//! The JSON schema's own types: plain data, one struct per object of the
//! document, with the keys in the order they are written. They are built
//! from the IPVS model (and from `rs` and `arp` results) by the `convert`
//! module and never borrowed from those layers, so a change to a library
//! type cannot silently change schema 1: it has to pass through a
//! conversion that a test reads.

use serde::{Deserialize, Serialize};

/// One change of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonChange {
    /// `add`, `edit` or `delete`.
    pub action: String,
    /// The change as an ipvsadm rule (or `sysctl net.ipv4.vs.NAME=V`).
    pub rule: String,
    /// The line of the desired-state file it comes from, if any.
    pub line: Option<usize>,
}

/// Traffic counters and rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonStats {
    /// Connections scheduled.
    pub conns: u64,
    /// Packets in.
    pub inpkts: u64,
    /// Packets out.
    pub outpkts: u64,
    /// Bytes in.
    pub inbytes: u64,
    /// Bytes out.
    pub outbytes: u64,
    /// Connections per second.
    pub cps: u64,
    /// Packets in per second.
    pub inpps: u64,
    /// Packets out per second.
    pub outpps: u64,
    /// Bytes in per second.
    pub inbps: u64,
    /// Bytes out per second.
    pub outbps: u64,
}

/// A virtual service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonService {
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// `tcp`, `udp`, `sctp` (or `proto-N`); null for firewall-mark services.
    pub protocol: Option<String>,
    /// Virtual address; null for firewall-mark services.
    pub address: Option<String>,
    /// Virtual port; null for firewall-mark services.
    pub port: Option<u16>,
    /// Firewall mark; null for address services.
    pub fwmark: Option<u32>,
    /// Scheduler name.
    pub scheduler: String,
    /// Scheduler flags by the names ipvsadm uses for this scheduler.
    pub sched_flags: Vec<String>,
    /// Persistent service.
    pub persistent: bool,
    /// Persistence timeout in seconds.
    pub timeout: u32,
    /// Persistence netmask, in the service's address format
    /// (`255.255.255.0`, `ffff:ffff:ffff:ffff::`).
    pub netmask: String,
    /// One-packet scheduling.
    pub one_packet: bool,
    /// Persistence engine.
    pub pe: Option<String>,
    /// Counters.
    pub stats: JsonStats,
    /// Real servers.
    pub destinations: Vec<JsonDestination>,
}

/// Tunnel settings of a tunnelling destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonTunnel {
    /// `ipip`, `gue`, `gre`.
    #[serde(rename = "type")]
    pub kind: String,
    /// UDP port (GUE).
    pub port: u16,
    /// `nocsum`, `csum`, `remcsum`.
    pub csum: String,
}

/// A real server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDestination {
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// Address.
    pub address: String,
    /// Port.
    pub port: u16,
    /// `masq`, `local`, `tunnel`, `route`.
    pub forward: String,
    /// Weight.
    pub weight: u32,
    /// Upper connection threshold (0 = none).
    pub u_threshold: u32,
    /// Lower connection threshold.
    pub l_threshold: u32,
    /// Tunnel settings; null unless `forward` is `tunnel`.
    pub tunnel: Option<JsonTunnel>,
    /// Active connections.
    pub active_conns: u32,
    /// Inactive connections.
    pub inactive_conns: u32,
    /// Persistence templates.
    pub persistent_conns: u32,
    /// Counters.
    pub stats: JsonStats,
}

/// One entry of the connection table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonConnection {
    /// `TCP`, `UDP`, `SCTP`, `IP` (persistence template).
    pub protocol: String,
    /// Client address.
    pub client_address: String,
    /// Client port.
    pub client_port: u16,
    /// Virtual address (for firewall-mark templates, the mark as an address).
    pub virtual_address: String,
    /// Virtual port.
    pub virtual_port: u16,
    /// Real server address.
    pub destination_address: String,
    /// Real server port.
    pub destination_port: u16,
    /// Protocol state (`ESTABLISHED`, `NONE`, ...).
    pub state: String,
    /// Seconds until expiry.
    pub expires: u32,
    /// Persistence engine name.
    pub pe_name: Option<String>,
    /// Persistence engine data.
    pub pe_data: Option<String>,
}

/// Connection timeouts in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonTimeouts {
    /// Established TCP.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// A sync daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDaemon {
    /// `master` or `backup`.
    pub state: String,
    /// Multicast interface.
    pub interface: String,
    /// Sync id.
    pub syncid: u32,
    /// Maximum sync message length.
    pub maxlen: Option<u16>,
    /// Multicast group.
    pub group: Option<String>,
    /// Multicast port.
    pub port: Option<u16>,
    /// Multicast TTL.
    pub ttl: Option<u8>,
}

/// A real-server VIP and its ARP cure (`rs status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonVip {
    /// The address.
    pub address: String,
    /// Prefix length on its device; null when it is not on one.
    pub prefix: Option<u8>,
    /// The device it is (or is expected to be) on.
    pub device: Option<String>,
    /// `dr` or `tun`.
    pub mode: String,
    /// Recorded by `rs up`.
    pub managed: bool,
    /// Whether the cure is complete (this host would not answer ARP for it
    /// or otherwise break LVS).
    pub ok: bool,
    /// What is wrong, and why, one sentence each.
    pub problems: Vec<String>,
}

/// The document `arp probe` writes. It is not a [`super::Document`]: its
/// keys have always been in alphabetical order (`probe` before `schema`,
/// and likewise inside), and they stay so, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeDocument {
    /// What the probe found.
    pub probe: JsonProbe,
    /// Always [`super::SCHEMA_VERSION`].
    pub schema: u32,
}

/// What `arp probe` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonProbe {
    /// The address probed.
    pub address: String,
    /// Every other host that answered, in order of first reply.
    pub answers: Vec<JsonAnswer>,
    /// The interface probed on.
    pub interface: String,
    /// The address is one of this host's own.
    pub local: bool,
}

/// One host that answered a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonAnswer {
    /// Milliseconds from the first request to its first reply.
    pub first_reply_ms: u64,
    /// The interface it answered on.
    pub interface: String,
    /// Its MAC, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// How many replies it sent.
    pub replies: u32,
}
