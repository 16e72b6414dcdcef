//! Conversion from the model to the schema: the `From` impls, and the
//! names the schema gives to the model's enumerations (lower-case
//! strings; unknown kernel values keep their number, e.g. `proto-N`).
//! Results of other layers (`rs status`, `arp probe`) are copied field by
//! field, and their enumerations and problems written with `Display`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::schema::{
    JsonAnswer, JsonChange, JsonConnection, JsonDaemon, JsonDestination, JsonProbe, JsonService, JsonStats,
    JsonTimeouts, JsonTunnel, JsonVip,
};
use crate::ipvs::{
    AddressFamily, DestEntry, ForwardMethod, Protocol, ServiceEntry, ServiceFlags, ServiceKey, Stats,
    SyncDaemon, Timeouts, TunnelType,
};

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

impl From<&Timeouts> for JsonTimeouts {
    fn from(t: &Timeouts) -> Self {
        JsonTimeouts {
            tcp: t.tcp,
            tcp_fin: t.tcp_fin,
            udp: t.udp,
        }
    }
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

/// `ipv4` / `ipv6` ([`AddressFamily::as_str`]).
pub fn family_name(af: AddressFamily) -> &'static str {
    af.as_str()
}

/// `tcp`, `udp`, `sctp`, `proto-N` ([`Protocol::name`]).
pub fn protocol_name(p: Protocol) -> String {
    p.name().into_owned()
}

/// `masq`, `local`, `tunnel`, `route`, `fwd-N` ([`ForwardMethod::name`]).
pub fn forward_name(f: ForwardMethod) -> String {
    f.name().into_owned()
}

fn tunnel_type_name(t: TunnelType) -> String {
    t.name().into_owned()
}

fn csum_name(flags: u16) -> String {
    crate::ipvs::names::csum_name(flags).into_owned()
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

impl From<&crate::arp::Answer> for JsonAnswer {
    fn from(a: &crate::arp::Answer) -> Self {
        JsonAnswer {
            first_reply_ms: a.first_reply_ms,
            interface: a.interface.clone(),
            mac: a.mac.clone(),
            replies: a.replies,
        }
    }
}

impl From<&crate::arp::ProbeReport> for JsonProbe {
    fn from(r: &crate::arp::ProbeReport) -> Self {
        JsonProbe {
            address: r.address.to_string(),
            answers: r.answers.iter().map(JsonAnswer::from).collect(),
            interface: r.interface.clone(),
            local: r.local,
        }
    }
}

/// The changes of a plan, each with the line of the desired-state file it
/// comes from.
pub fn changes(plan: &crate::state::Plan, source: &crate::state::Source) -> Vec<JsonChange> {
    plan.changes
        .iter()
        .map(|c| JsonChange {
            action: match c.kind {
                crate::state::ChangeKind::Add => "add",
                crate::state::ChangeKind::Edit => "edit",
                crate::state::ChangeKind::Delete => "delete",
            }
            .into(),
            rule: crate::state::rules::change_text(&c.change),
            line: source.line_of(&c.change),
        })
        .collect()
}
