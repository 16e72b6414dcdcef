//! lvsctl's JSON schema, shared by every read command (`list`, `stats`,
//! `rate`, `conns`, `timeouts`, `daemons`) and, later, by `save`.
//!
//! One document shape, version 1:
//!
//! ```text
//! {
//!   "schema": 1,
//!   "services":    [Service...]      (list, stats, rate)
//!   "connections": [Connection...]   (conns)
//!   "timeouts":    {tcp, tcp_fin, udp} (timeouts)
//!   "daemons":     [Daemon...]       (daemons)
//!   "vips":        [Vip...]          (rs status)
//! }
//! ```
//!
//! A command writes only the keys it reads. Addresses are strings, counters
//! are 64-bit integers, enumerations are lower-case strings. The types here
//! are plain data built from the IPVS model; they never talk to the kernel.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::ipvs::{
    AddressFamily, DestEntry, ForwardMethod, Protocol, ServiceEntry, ServiceFlags, ServiceKey, Stats,
    SyncDaemon, Timeouts, TunnelType,
};

/// The schema version written in `"schema"`.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Always [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Services with their destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<JsonService>>,
    /// The connection table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<JsonConnection>>,
    /// Connection timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<JsonTimeouts>,
    /// Sync daemons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemons: Option<Vec<JsonDaemon>>,
    /// Real-server VIPs and their ARP cure (`rs status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vips: Option<Vec<JsonVip>>,
    /// `net.ipv4.vs.*` sysctls (`save`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctl: Option<std::collections::BTreeMap<String, i64>>,
    /// The changes of a plan (`apply`, `diff`), in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<JsonChange>>,
    /// Warnings about a plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

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

impl Document {
    /// An empty document of the current schema.
    pub fn new() -> Self {
        Document {
            schema: SCHEMA_VERSION,
            ..Document::default()
        }
    }

    /// JSON with a final newline, indented or on one line. Front ends
    /// indent when standard output is a terminal (a person reads it) and
    /// write one line otherwise (a program reads it, and a table of
    /// 100,000 destinations is then a third the size and several times
    /// faster to write), as `ip -j` / `ip -j -p`.
    pub fn render_as(&self, pretty: bool) -> String {
        let r = if pretty {
            serde_json::to_string_pretty(self)
        } else {
            self.compact()
        };
        let mut s = r.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The one-line form, byte for byte what `serde_json::to_string`
    /// writes, with the services (the bulk of a large table) written by
    /// hand: serde_json escapes every key, which made it several times
    /// slower than reading the table from the kernel.
    fn compact(&self) -> Result<String, serde_json::Error> {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = write!(out, "{{\"schema\":{}", self.schema);
        if let Some(services) = &self.services {
            out.push_str(",\"services\":[");
            for (i, svc) in services.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                fast::service(&mut out, svc)?;
            }
            out.push(']');
        }
        fn field<T: Serialize>(out: &mut String, name: &str, v: &Option<T>) -> Result<(), serde_json::Error> {
            if let Some(v) = v {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str("\":");
                out.push_str(&serde_json::to_string(v)?);
            }
            Ok(())
        }
        field(&mut out, "connections", &self.connections)?;
        field(&mut out, "timeouts", &self.timeouts)?;
        field(&mut out, "daemons", &self.daemons)?;
        field(&mut out, "vips", &self.vips)?;
        field(&mut out, "sysctl", &self.sysctl)?;
        field(&mut out, "changes", &self.changes)?;
        field(&mut out, "warnings", &self.warnings)?;
        out.push('}');
        Ok(out)
    }
}

/// Writes `{"schema":1,"services":[...]}` on one line, one service at a
/// time, so that a table of 100,000 destinations never exists as JSON in
/// memory: the same bytes as [`Document::render_as`]`(false)` of a
/// document holding only these services.
pub fn write_services(
    w: &mut (impl std::io::Write + ?Sized),
    t: &[(ServiceEntry, Vec<DestEntry>)],
) -> std::io::Result<()> {
    let mut buf = String::with_capacity(64 * 1024);
    buf.push_str("{\"schema\":");
    fast::num(&mut buf, SCHEMA_VERSION);
    buf.push_str(",\"services\":[");
    for (i, (s, d)) in t.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        fast::service(&mut buf, &service(s, d)).map_err(std::io::Error::other)?;
        if buf.len() >= 60 * 1024 {
            w.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    buf.push_str("]}\n");
    w.write_all(buf.as_bytes())
}

/// Hand-written compact JSON for services and destinations.
mod fast {
    use super::{JsonDestination, JsonService, JsonStats};

    fn string(out: &mut String, s: &str) -> Result<(), serde_json::Error> {
        if s.bytes()
            .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f)
        {
            out.push('"');
            out.push_str(s);
            out.push('"');
            Ok(())
        } else {
            out.push_str(&serde_json::to_string(s)?);
            Ok(())
        }
    }

    fn opt_string(out: &mut String, s: &Option<String>) -> Result<(), serde_json::Error> {
        match s {
            Some(s) => string(out, s),
            None => {
                out.push_str("null");
                Ok(())
            }
        }
    }

    /// A decimal number (core::fmt is the slowest part otherwise).
    pub(super) fn num(out: &mut String, v: impl Into<u64>) {
        let mut v: u64 = v.into();
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        // The buffer holds ASCII digits only.
        out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
    }

    fn opt_num(out: &mut String, v: Option<impl Into<u64>>) {
        match v {
            Some(v) => num(out, v),
            None => out.push_str("null"),
        }
    }

    fn stats(out: &mut String, s: &JsonStats) {
        let fields = [
            ("{\"conns\":", s.conns),
            (",\"inpkts\":", s.inpkts),
            (",\"outpkts\":", s.outpkts),
            (",\"inbytes\":", s.inbytes),
            (",\"outbytes\":", s.outbytes),
            (",\"cps\":", s.cps),
            (",\"inpps\":", s.inpps),
            (",\"outpps\":", s.outpps),
            (",\"inbps\":", s.inbps),
            (",\"outbps\":", s.outbps),
        ];
        for (k, v) in fields {
            out.push_str(k);
            num(out, v);
        }
        out.push('}');
    }

    pub(super) fn service(out: &mut String, s: &JsonService) -> Result<(), serde_json::Error> {
        out.push_str("{\"family\":");
        string(out, &s.family)?;
        out.push_str(",\"protocol\":");
        opt_string(out, &s.protocol)?;
        out.push_str(",\"address\":");
        opt_string(out, &s.address)?;
        out.push_str(",\"port\":");
        opt_num(out, s.port);
        out.push_str(",\"fwmark\":");
        opt_num(out, s.fwmark);
        out.push_str(",\"scheduler\":");
        string(out, &s.scheduler)?;
        out.push_str(",\"sched_flags\":[");
        for (i, f) in s.sched_flags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(out, f)?;
        }
        out.push_str(if s.persistent {
            "],\"persistent\":true"
        } else {
            "],\"persistent\":false"
        });
        out.push_str(",\"timeout\":");
        num(out, s.timeout);
        out.push_str(",\"netmask\":");
        string(out, &s.netmask)?;
        out.push_str(if s.one_packet {
            ",\"one_packet\":true"
        } else {
            ",\"one_packet\":false"
        });
        out.push_str(",\"pe\":");
        opt_string(out, &s.pe)?;
        out.push_str(",\"stats\":");
        stats(out, &s.stats);
        out.push_str(",\"destinations\":[");
        for (i, d) in s.destinations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            dest(out, d)?;
        }
        out.push_str("]}");
        Ok(())
    }

    fn dest(out: &mut String, d: &JsonDestination) -> Result<(), serde_json::Error> {
        out.push_str("{\"family\":");
        string(out, &d.family)?;
        out.push_str(",\"address\":");
        string(out, &d.address)?;
        out.push_str(",\"port\":");
        num(out, d.port);
        out.push_str(",\"forward\":");
        string(out, &d.forward)?;
        out.push_str(",\"weight\":");
        num(out, d.weight);
        out.push_str(",\"u_threshold\":");
        num(out, d.u_threshold);
        out.push_str(",\"l_threshold\":");
        num(out, d.l_threshold);
        out.push_str(",\"tunnel\":");
        match &d.tunnel {
            Some(t) => out.push_str(&serde_json::to_string(t)?),
            None => out.push_str("null"),
        }
        out.push_str(",\"active_conns\":");
        num(out, d.active_conns);
        out.push_str(",\"inactive_conns\":");
        num(out, d.inactive_conns);
        out.push_str(",\"persistent_conns\":");
        num(out, d.persistent_conns);
        out.push_str(",\"stats\":");
        stats(out, &d.stats);
        out.push('}');
        Ok(())
    }
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

impl From<&Stats> for JsonStats {
    fn from(s: &Stats) -> Self {
        JsonStats {
            conns: s.conns,
            inpkts: s.inpkts,
            outpkts: s.outpkts,
            inbytes: s.inbytes,
            outbytes: s.outbytes,
            cps: s.cps,
            inpps: s.inpps,
            outpps: s.outpps,
            inbps: s.inbps,
            outbps: s.outbps,
        }
    }
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

impl From<&crate::ipvs::conn::Connection> for JsonConnection {
    fn from(c: &crate::ipvs::conn::Connection) -> Self {
        JsonConnection {
            protocol: c.protocol.clone(),
            client_address: c.client.ip().to_string(),
            client_port: c.client.port(),
            virtual_address: c.virtual_addr.ip().to_string(),
            virtual_port: c.virtual_addr.port(),
            destination_address: c.destination.ip().to_string(),
            destination_port: c.destination.port(),
            state: c.state.clone(),
            expires: c.expires,
            pe_name: c.pe_name.clone(),
            pe_data: c.pe_data.clone(),
        }
    }
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

impl From<&Timeouts> for JsonTimeouts {
    fn from(t: &Timeouts) -> Self {
        JsonTimeouts {
            tcp: t.tcp,
            tcp_fin: t.tcp_fin,
            udp: t.udp,
        }
    }
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

impl From<&SyncDaemon> for JsonDaemon {
    fn from(d: &SyncDaemon) -> Self {
        JsonDaemon {
            state: match d.state {
                crate::ipvs::DaemonState::Master => "master".into(),
                crate::ipvs::DaemonState::Backup => "backup".into(),
            },
            interface: d.mcast_ifn.clone(),
            syncid: d.syncid,
            maxlen: d.sync_maxlen,
            group: d.mcast_group.map(|g| g.to_string()),
            port: d.mcast_port,
            ttl: d.mcast_ttl,
        }
    }
}

/// A real-server VIP as `rs status` sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonVip {
    /// The address.
    pub address: String,
    /// Prefix length on its device (null: not configured).
    pub prefix: Option<u8>,
    /// The device it is on (or the one recorded for it).
    pub device: Option<String>,
    /// `dr` or `tun`.
    pub mode: String,
    /// Recorded by `rs up`.
    pub managed: bool,
    /// No problem found.
    pub ok: bool,
    /// What is wrong, as the sentences `rs status` prints.
    pub problems: Vec<String>,
}

impl From<&crate::rs::VipStatus> for JsonVip {
    fn from(s: &crate::rs::VipStatus) -> Self {
        JsonVip {
            address: s.address.to_string(),
            prefix: s.prefix,
            device: s.device.clone(),
            mode: s.mode.to_string(),
            managed: s.managed,
            ok: s.ok,
            problems: s.problems.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `ipv4` / `ipv6`.
pub fn family_name(af: AddressFamily) -> &'static str {
    match af {
        AddressFamily::Inet => "ipv4",
        AddressFamily::Inet6 => "ipv6",
    }
}

/// `tcp`, `udp`, `sctp`, `proto-N`.
pub fn protocol_name(p: Protocol) -> String {
    match p {
        Protocol::Tcp => "tcp".into(),
        Protocol::Udp => "udp".into(),
        Protocol::Sctp => "sctp".into(),
        Protocol::Other(n) => format!("proto-{n}"),
    }
}

/// `masq`, `local`, `tunnel`, `route`, `fwd-N`.
pub fn forward_name(f: ForwardMethod) -> String {
    match f {
        ForwardMethod::Masq => "masq".into(),
        ForwardMethod::Local => "local".into(),
        ForwardMethod::Tunnel => "tunnel".into(),
        ForwardMethod::Route => "route".into(),
        ForwardMethod::Other(n) => format!("fwd-{n}"),
    }
}

fn tunnel_type_name(t: TunnelType) -> String {
    match t {
        TunnelType::Ipip => "ipip".into(),
        TunnelType::Gue => "gue".into(),
        TunnelType::Gre => "gre".into(),
        TunnelType::Other(n) => format!("type-{n}"),
    }
}

fn csum_name(flags: u16) -> String {
    match flags {
        0 => "nocsum".into(),
        1 => "csum".into(),
        2 => "remcsum".into(),
        n => format!("flags-{n}"),
    }
}

/// The persistence netmask in the service's address format.
pub fn netmask_string(af: AddressFamily, netmask: u32) -> String {
    match af {
        AddressFamily::Inet => Ipv4Addr::from(netmask).to_string(),
        AddressFamily::Inet6 => {
            let prefix = netmask.min(128);
            let bits: u128 = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            Ipv6Addr::from(bits).to_string()
        }
    }
}

/// A service and its destinations as JSON data.
pub fn service(e: &ServiceEntry, dests: &[DestEntry]) -> JsonService {
    let s = &e.service;
    let (protocol, address, port, fwmark) = match s.key {
        ServiceKey::Addr { protocol, addr, port } => (
            Some(protocol_name(protocol)),
            Some(addr.to_string()),
            Some(port),
            None,
        ),
        ServiceKey::Fwmark { mark, .. } => (None, None, None, Some(mark)),
    };
    let sched_flags = crate::ipvsadm::format::sched_flags(s)
        .split(',')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    JsonService {
        family: family_name(s.key.af()).into(),
        protocol,
        address,
        port,
        fwmark,
        scheduler: s.scheduler.clone(),
        sched_flags,
        persistent: s.flags.has(ServiceFlags::PERSISTENT),
        timeout: s.timeout,
        netmask: netmask_string(s.key.af(), s.netmask),
        one_packet: s.flags.has(ServiceFlags::ONEPACKET),
        pe: s.pe_name.clone(),
        stats: JsonStats::from(&e.stats),
        destinations: dests.iter().map(destination).collect(),
    }
}

/// A destination as JSON data.
pub fn destination(d: &DestEntry) -> JsonDestination {
    let e = &d.dest;
    JsonDestination {
        family: family_name(AddressFamily::of(&e.addr)).into(),
        address: e.addr.to_string(),
        port: e.port,
        forward: forward_name(e.fwd),
        weight: e.weight,
        u_threshold: e.u_threshold,
        l_threshold: e.l_threshold,
        tunnel: (e.fwd == ForwardMethod::Tunnel).then(|| JsonTunnel {
            kind: tunnel_type_name(e.tun_type),
            port: e.tun_port,
            csum: csum_name(e.tun_flags),
        }),
        active_conns: d.active_conns,
        inactive_conns: d.inact_conns,
        persistent_conns: d.persist_conns,
        stats: JsonStats::from(&d.stats),
    }
}

/// Renders an address for display: IPv6 in brackets when followed by a port.
pub fn addr_port(addr: &IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Destination, Service};

    /// `rs status --output json`: the bytes the string-typed `VipStatus`
    /// serialised to, now built from the typed one.
    #[test]
    fn vips_keep_their_shape() {
        use crate::rs::{Mode, Problem, VipStatus};
        let s = VipStatus {
            address: "192.0.2.20".parse().unwrap(),
            prefix: None,
            device: Some("tunl0".into()),
            mode: Mode::Tun,
            managed: true,
            ok: false,
            problems: vec![
                Problem::NotConfigured {
                    address: "192.0.2.20".parse().unwrap(),
                    device: "tunl0".into(),
                },
                Problem::ArpAnnounce { value: 1 },
            ],
        };
        let mut doc = Document::new();
        doc.vips = Some(vec![JsonVip::from(&s)]);
        assert_eq!(
            doc.render_as(false),
            concat!(
                r#"{"schema":1,"vips":[{"address":"192.0.2.20","prefix":null,"device":"tunl0","mode":"tun","#,
                r#""managed":true,"ok":false,"problems":["not configured: 192.0.2.20 is not on tunl0 (was it removed by hand?)","#,
                r#""this host may use it as ARP source address: net.ipv4.conf.all.arp_announce is 1; needs 2"]}]}"#,
                "\n"
            )
        );
        let back: Document = serde_json::from_str(&doc.render_as(true)).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn counters_above_2_32_stay_exact() {
        let big = Stats {
            conns: 5_000_000_001,
            inbytes: u64::MAX,
            ..Stats::default()
        };
        let mut d = Destination::new("198.51.100.1".parse().unwrap(), 80);
        d.fwd = ForwardMethod::Tunnel;
        d.tun_type = TunnelType::Gue;
        d.tun_port = 6080;
        d.tun_flags = 2;
        let dest = DestEntry {
            dest: d,
            active_conns: 1,
            inact_conns: 2,
            persist_conns: 3,
            stats: big,
        };
        let svc = ServiceEntry {
            service: Service::new(ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3_000_000_000,
            }),
            stats: big,
        };
        let mut doc = Document::new();
        doc.services = Some(vec![service(&svc, std::slice::from_ref(&dest))]);
        let text = doc.render_as(true);
        // The hand-written one-line form is serde's, byte for byte.
        let mut plain = Service::new(ServiceKey::Addr {
            protocol: crate::ipvs::Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        });
        plain.scheduler = "we\"ird\\\u{1}é".into();
        plain.pe_name = Some("sip".into());
        plain.flags.0 = 0x19;
        let mut plain_dest = dest.clone();
        plain_dest.dest.fwd = ForwardMethod::Masq;
        doc.services.as_mut().unwrap().push(service(
            &ServiceEntry {
                service: plain,
                stats: big,
            },
            &[dest.clone(), plain_dest],
        ));
        doc.timeouts = Some(JsonTimeouts::from(&crate::ipvs::Timeouts {
            tcp: 1,
            tcp_fin: 2,
            udp: 3,
        }));
        doc.warnings = Some(vec!["w".into()]);
        let mut expected = serde_json::to_string(&doc).unwrap();
        expected.push('\n');
        assert_eq!(doc.render_as(false), expected);
        assert!(text.contains("\"conns\": 5000000001"), "{text}");
        assert!(text.contains("\"inbytes\": 18446744073709551615"), "{text}");
        assert!(text.contains("\"fwmark\": 3000000000"), "{text}");
        assert!(
            text.contains("\"netmask\": \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\""),
            "{text}"
        );
        assert!(text.contains("\"type\": \"gue\""), "{text}");
        assert!(text.contains("\"csum\": \"remcsum\""), "{text}");
        let t = vec![(svc.clone(), vec![dest.clone()])];
        let mut streamed = Vec::new();
        write_services(&mut streamed, &t).unwrap();
        let mut only = Document::new();
        only.services = Some(vec![service(&svc, std::slice::from_ref(&dest))]);
        assert_eq!(String::from_utf8(streamed).unwrap(), only.render_as(false));
        let back: Document = serde_json::from_str(&doc.render_as(false)).unwrap();
        assert_eq!(back, doc);
        let back: Document = serde_json::from_str(&doc.render_as(true)).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn netmasks() {
        assert_eq!(netmask_string(AddressFamily::Inet, 0xffff_ff00), "255.255.255.0");
        assert_eq!(netmask_string(AddressFamily::Inet6, 64), "ffff:ffff:ffff:ffff::");
        assert_eq!(netmask_string(AddressFamily::Inet6, 0), "::");
        assert_eq!(
            netmask_string(AddressFamily::Inet6, 500),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }
}
