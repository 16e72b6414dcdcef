//! Typed model of the kernel's IPVS table.
//!
//! These types describe what the kernel stores, independent of any wire
//! encoding or text format. A service is identified by a [`ServiceKey`]
//! (protocol, address and port, or a firewall mark); a destination by its
//! address and port within a service.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Address family of a service or destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressFamily {
    /// IPv4 (`AF_INET`).
    Inet,
    /// IPv6 (`AF_INET6`).
    Inet6,
}

impl AddressFamily {
    /// The `AF_*` number the kernel uses.
    pub fn raw(self) -> u16 {
        match self {
            AddressFamily::Inet => libc::AF_INET as u16,
            AddressFamily::Inet6 => libc::AF_INET6 as u16,
        }
    }

    /// Decodes an `AF_*` number.
    pub fn from_raw(v: u16) -> Option<Self> {
        match i32::from(v) {
            libc::AF_INET => Some(AddressFamily::Inet),
            libc::AF_INET6 => Some(AddressFamily::Inet6),
            _ => None,
        }
    }

    /// The family of an address.
    pub fn of(addr: &IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        }
    }
}

/// Transport protocol of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// SCTP (132).
    Sctp,
    /// Anything else the kernel reports.
    Other(u16),
}

impl Protocol {
    /// The IP protocol number.
    pub fn raw(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
            Protocol::Other(n) => n,
        }
    }

    /// Decodes an IP protocol number.
    pub fn from_raw(v: u16) -> Self {
        match v {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            132 => Protocol::Sctp,
            n => Protocol::Other(n),
        }
    }
}

/// What identifies a virtual service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKey {
    /// A service on protocol, address and port.
    Addr {
        /// Transport protocol.
        protocol: Protocol,
        /// Virtual address (its family is the service's family).
        addr: IpAddr,
        /// Virtual port (0 only for persistent services).
        port: u16,
    },
    /// A service matching packets with a firewall mark.
    Fwmark {
        /// IPv4 or IPv6 packets.
        af: AddressFamily,
        /// The mark (1..=u32::MAX).
        mark: u32,
    },
}

impl ServiceKey {
    /// The service's address family.
    pub fn af(&self) -> AddressFamily {
        match self {
            ServiceKey::Addr { addr, .. } => AddressFamily::of(addr),
            ServiceKey::Fwmark { af, .. } => *af,
        }
    }
}

/// Service flags (`IP_VS_SVC_F_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServiceFlags(pub u32);

impl ServiceFlags {
    /// Persistent service.
    pub const PERSISTENT: u32 = 0x0001;
    /// Hashed entry (set by the kernel, meaningless to users).
    pub const HASHED: u32 = 0x0002;
    /// One-packet scheduling.
    pub const ONEPACKET: u32 = 0x0004;
    /// Scheduler flag 1 (`sh-fallback`, `mh-fallback`).
    pub const SCHED1: u32 = 0x0008;
    /// Scheduler flag 2 (`sh-port`, `mh-port`).
    pub const SCHED2: u32 = 0x0010;
    /// Scheduler flag 3.
    pub const SCHED3: u32 = 0x0020;

    /// Whether every bit of `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }
}

/// A virtual service as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Identity.
    pub key: ServiceKey,
    /// Scheduler name (`rr`, `wlc`, ...; the kernel reports `none` when a
    /// service has none).
    pub scheduler: String,
    /// Flags.
    pub flags: ServiceFlags,
    /// Persistence timeout in seconds (meaningful when persistent).
    pub timeout: u32,
    /// Persistence netmask: for IPv4 services the mask as a number
    /// (`u32::from(Ipv4Addr)`, 0xffff_ffff = /32); for IPv6 services the
    /// prefix length (128 = /128).
    pub netmask: u32,
    /// Persistence engine (`sip`), if any.
    pub pe_name: Option<String>,
}

impl Service {
    /// A service with ipvsadm's defaults: scheduler `wlc`, no flags,
    /// netmask /32 or /128.
    pub fn new(key: ServiceKey) -> Self {
        let netmask = match key.af() {
            AddressFamily::Inet => u32::MAX,
            AddressFamily::Inet6 => 128,
        };
        Service {
            key,
            scheduler: "wlc".to_string(),
            flags: ServiceFlags(0),
            timeout: 0,
            netmask,
            pe_name: None,
        }
    }

    /// The IPv4 netmask as an address (for display).
    pub fn netmask_v4(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.netmask)
    }
}

/// Traffic counters and rates of a service or destination, all 64-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Connections scheduled.
    pub conns: u64,
    /// Incoming packets.
    pub inpkts: u64,
    /// Outgoing packets.
    pub outpkts: u64,
    /// Incoming bytes.
    pub inbytes: u64,
    /// Outgoing bytes.
    pub outbytes: u64,
    /// Connections per second.
    pub cps: u64,
    /// Incoming packets per second.
    pub inpps: u64,
    /// Outgoing packets per second.
    pub outpps: u64,
    /// Incoming bytes per second.
    pub inbps: u64,
    /// Outgoing bytes per second.
    pub outbps: u64,
}

/// A service as read from the kernel, with its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// Configuration.
    pub service: Service,
    /// Counters.
    pub stats: Stats,
}

/// Packet forwarding method of a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardMethod {
    /// NAT (`-m`).
    Masq,
    /// The director itself (reported by the kernel for local addresses).
    Local,
    /// IP-in-IP / GUE / GRE tunnelling (`-i`).
    Tunnel,
    /// Direct routing (`-g`).
    Route,
    /// A value this program does not know.
    Other(u32),
}

impl ForwardMethod {
    /// The kernel's `IP_VS_CONN_F_*` forwarding value.
    pub fn raw(self) -> u32 {
        match self {
            ForwardMethod::Masq => 0,
            ForwardMethod::Local => 1,
            ForwardMethod::Tunnel => 2,
            ForwardMethod::Route => 3,
            ForwardMethod::Other(n) => n,
        }
    }

    /// Decodes the kernel's value.
    pub fn from_raw(v: u32) -> Self {
        match v {
            0 => ForwardMethod::Masq,
            1 => ForwardMethod::Local,
            2 => ForwardMethod::Tunnel,
            3 => ForwardMethod::Route,
            n => ForwardMethod::Other(n),
        }
    }
}

/// Encapsulation of a tunnelling destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelType {
    /// IP in IP (the default).
    Ipip,
    /// Generic UDP encapsulation.
    Gue,
    /// Generic routing encapsulation.
    Gre,
    /// A value this program does not know.
    Other(u8),
}

impl TunnelType {
    /// The kernel's `IP_VS_CONN_F_TUNNEL_TYPE_*` value.
    pub fn raw(self) -> u8 {
        match self {
            TunnelType::Ipip => 0,
            TunnelType::Gue => 1,
            TunnelType::Gre => 2,
            TunnelType::Other(n) => n,
        }
    }

    /// Decodes the kernel's value.
    pub fn from_raw(v: u8) -> Self {
        match v {
            0 => TunnelType::Ipip,
            1 => TunnelType::Gue,
            2 => TunnelType::Gre,
            n => TunnelType::Other(n),
        }
    }
}

/// Tunnel checksum flags (`IP_VS_TUNNEL_ENCAP_FLAG_*`).
pub mod tun_flags {
    /// No checksum.
    pub const NOCSUM: u16 = 0;
    /// Checksum.
    pub const CSUM: u16 = 1;
    /// Remote checksum offload.
    pub const REMCSUM: u16 = 2;
}

/// A real server (destination) as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Address; its family may differ from the service's for tunnels.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
    /// Forwarding method.
    pub fwd: ForwardMethod,
    /// Weight (0..=i32::MAX).
    pub weight: u32,
    /// Upper connection threshold (0 = none).
    pub u_threshold: u32,
    /// Lower connection threshold.
    pub l_threshold: u32,
    /// Tunnel encapsulation.
    pub tun_type: TunnelType,
    /// Tunnel UDP port (GUE).
    pub tun_port: u16,
    /// Tunnel checksum flags, see [`tun_flags`].
    pub tun_flags: u16,
}

impl Destination {
    /// A destination with ipvsadm's defaults: direct routing, weight 1.
    pub fn new(addr: IpAddr, port: u16) -> Self {
        Destination {
            addr,
            port,
            fwd: ForwardMethod::Route,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
            tun_type: TunnelType::Ipip,
            tun_port: 0,
            tun_flags: tun_flags::NOCSUM,
        }
    }

    /// The destination's address family.
    pub fn af(&self) -> AddressFamily {
        AddressFamily::of(&self.addr)
    }
}

/// A destination as read from the kernel, with its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestEntry {
    /// Configuration.
    pub dest: Destination,
    /// Active connections.
    pub active_conns: u32,
    /// Inactive connections.
    pub inact_conns: u32,
    /// Persistence templates.
    pub persist_conns: u32,
    /// Counters.
    pub stats: Stats,
}

/// Role of a connection synchronisation daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaemonState {
    /// Sends connection state.
    Master,
    /// Receives connection state.
    Backup,
}

impl DaemonState {
    /// The kernel's `IP_VS_STATE_*` value.
    pub fn raw(self) -> u32 {
        match self {
            DaemonState::Master => 1,
            DaemonState::Backup => 2,
        }
    }
}

/// A connection synchronisation daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: DaemonState,
    /// Multicast interface.
    pub mcast_ifn: String,
    /// Sync id (0 = no filtering).
    pub syncid: u32,
    /// Maximum sync message length (kernel default from the MTU).
    pub sync_maxlen: Option<u16>,
    /// Multicast group (kernel default 224.0.0.81).
    pub mcast_group: Option<IpAddr>,
    /// Multicast port (kernel default 8848).
    pub mcast_port: Option<u16>,
    /// Multicast TTL (kernel default 1).
    pub mcast_ttl: Option<u8>,
}

/// Connection timeouts in seconds; 0 in a request keeps the current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeouts {
    /// Established TCP.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// What `GET_INFO` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// IPVS version, e.g. 0x010201 for 1.2.1.
    pub version: u32,
    /// Size of the connection hash table.
    pub conn_tab_size: u32,
}

impl fmt::Display for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            (self.version >> 16) & 0xff,
            (self.version >> 8) & 0xff,
            self.version & 0xff
        )
    }
}

/// The unspecified address of a family.
pub fn unspecified(af: AddressFamily) -> IpAddr {
    match af {
        AddressFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}
