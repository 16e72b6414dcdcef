//! `[[vrrp]]`: the virtual routers of a daemon file.
//!
//! ```toml
//! [[vrrp]]
//! name = "VI_1"
//! interface = "eth0"
//! vrid = 51
//! priority = 150
//! advert_interval = "1s"
//! vips = ["192.0.2.110/24", { address = "198.51.100.1/24", device = "eth1", label = "eth1:gw" }]
//! ```
//!
//! Every value is checked here, before anything runs, and each error
//! names `FILE:LINE` of its `[[vrrp]]` table. Defaults are keepalived's
//! where an operator moving off it would expect them (version 2 for IPv4,
//! priority 100, one-second adverts, preempt on, five gratuitous ARPs at
//! once and five more five seconds later); where keepalived would have
//! guessed, the file is refused instead: IPv4 and IPv6 VIPs in one
//! instance (keepalived splits them silently), version 2 with IPv6,
//! unicast peers of the other family, two instances with one VRID on one
//! interface and family.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde::de::{self, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::daemon::duration;
use crate::ipvs::{DaemonState, ServiceKey, SyncDaemon};
use crate::state::config::{Doc, Value};
use crate::state::InputError;
use crate::vrrp::packet::{Checksum, Version};

/// One VIP of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vip {
    /// The address.
    pub addr: IpAddr,
    /// Its prefix (`/32`, `/128` when unwritten).
    pub prefix: u8,
    /// Its device, when not the instance's interface.
    pub device: Option<String>,
    /// IPv4 label (`eth0:vip`).
    pub label: Option<String>,
}

/// How a takeover is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Garp {
    /// Frames per VIP in a burst.
    pub count: u32,
    /// Between the frames of a burst.
    pub interval: Duration,
    /// The burst again this long after the first (keepalived's
    /// `garp_master_delay`); zero: once.
    pub repeat_after: Duration,
    /// While Master, one more frame per VIP this often; zero: never.
    pub refresh: Duration,
}

impl Default for Garp {
    fn default() -> Self {
        Garp {
            count: 5,
            interval: Duration::ZERO,
            repeat_after: Duration::from_secs(5),
            refresh: Duration::ZERO,
        }
    }
}

/// One `[[vrrp]]` instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Its name (keepalived's instance name, given to notify).
    pub name: String,
    /// Line of its `[[vrrp]]`.
    pub line: usize,
    /// Where its adverts go.
    pub interface: String,
    /// Virtual router id.
    pub vrid: u8,
    /// Protocol version.
    pub version: Version,
    /// 1-254, 255 the address owner.
    pub priority: u8,
    /// Advertisement interval.
    pub advert_interval: Duration,
    /// Its addresses, in file order (the advert lists them so).
    pub vips: Vec<Vip>,
    /// Take over from a lower Master.
    pub preempt: bool,
    /// Hold back that long after start.
    pub preempt_delay: Duration,
    /// Adverts' source in unicast.
    pub unicast_source: Option<IpAddr>,
    /// Unicast peers; empty: multicast.
    pub unicast_peers: Vec<IpAddr>,
    /// v3 over IPv4's checksum form sent.
    pub checksum: Checksum,
    /// v2 simple password (8 bytes, zero-padded).
    pub auth_pass: Option<[u8; 8]>,
    /// Services whose lost quorum is a fault.
    pub track_services: Vec<ServiceKey>,
    /// Interfaces whose lost link is a fault.
    pub track_interfaces: Vec<String>,
    /// Run on every transition, keepalived's arguments appended.
    pub notify: Vec<String>,
    /// Announcements.
    pub garp: Garp,
    /// The IPVS sync daemon whose role follows this instance.
    pub sync_daemon: Option<SyncDaemonSpec>,
}

/// `sync_daemon = { interface = "eth0", syncid = 51 }`: the kernel's
/// connection sync daemon, master while the instance is Master and backup
/// otherwise (Initialize, Backup, Fault, and after the daemon stops), so
/// that the director taking over already holds the connections of the one
/// it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemonSpec {
    /// The multicast interface.
    pub interface: String,
    /// Sync id; the instance's VRID when unwritten (keepalived's default).
    pub syncid: u8,
    /// Maximum sync message length (kernel default from the MTU).
    pub maxlen: Option<u16>,
    /// Multicast group (kernel default 224.0.0.81).
    pub group: Option<IpAddr>,
    /// Multicast port (kernel default 8848).
    pub port: Option<u16>,
    /// Multicast TTL (kernel default 1).
    pub ttl: Option<u8>,
}

impl SyncDaemonSpec {
    /// The daemon in the role that goes with the instance's state.
    pub fn daemon(&self, master: bool) -> SyncDaemon {
        SyncDaemon {
            state: if master {
                DaemonState::Master
            } else {
                DaemonState::Backup
            },
            mcast_ifn: self.interface.clone(),
            syncid: u32::from(self.syncid),
            sync_maxlen: self.maxlen,
            mcast_group: self.group,
            mcast_port: self.port,
            mcast_ttl: self.ttl,
        }
    }
}

/// Whether two files set up the same VRRP instances and sync groups,
/// wherever in the file they are written (a reload that only adds a line
/// above `[[vrrp]]` changes nothing here).
pub fn same_setup(a: (&[Instance], &[SyncGroup]), b: (&[Instance], &[SyncGroup])) -> bool {
    let inst = |v: &[Instance]| -> Vec<Instance> {
        v.iter()
            .cloned()
            .map(|mut i| {
                i.line = 0;
                i
            })
            .collect()
    };
    let groups = |v: &[SyncGroup]| -> Vec<SyncGroup> {
        v.iter()
            .cloned()
            .map(|mut g| {
                g.line = 0;
                g
            })
            .collect()
    };
    inst(a.0) == inst(b.0) && groups(a.1) == groups(b.1)
}

impl Instance {
    /// Whether its VIPs are IPv6.
    pub fn v6(&self) -> bool {
        self.vips.first().is_some_and(|v| v.addr.is_ipv6())
    }
}

/// One `[[vrrp_sync_group]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroup {
    /// Its name.
    pub name: String,
    /// Its line.
    pub line: usize,
    /// Its instances' names.
    pub instances: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceToml {
    name: String,
    interface: String,
    vrid: u8,
    version: Option<u8>,
    priority: Option<u8>,
    advert_interval: Option<String>,
    vips: Vec<Spanned<VipToml>>,
    preempt: Option<bool>,
    preempt_delay: Option<String>,
    unicast_source: Option<IpAddr>,
    unicast_peers: Option<Vec<IpAddr>>,
    checksum: Option<String>,
    auth_pass: Option<String>,
    track_services: Option<Vec<String>>,
    track_interfaces: Option<Vec<String>>,
    notify: Option<Vec<String>>,
    garp: Option<GarpToml>,
    sync_daemon: Option<SyncDaemonToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncDaemonToml {
    interface: String,
    syncid: Option<u8>,
    maxlen: Option<u16>,
    group: Option<IpAddr>,
    port: Option<u16>,
    ttl: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GarpToml {
    count: Option<u32>,
    interval: Option<String>,
    repeat_after: Option<String>,
    refresh: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VipTable {
    address: String,
    device: Option<String>,
    label: Option<String>,
}

/// A VIP as written: `"ADDR[/PREFIX]"` or a table.
#[derive(Debug)]
enum VipToml {
    Text(String),
    Table(VipTable),
}

impl<'de> Deserialize<'de> for VipToml {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VipToml;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"ADDRESS/PREFIX\" or { address = \"ADDRESS/PREFIX\", device = \"DEV\" }")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<VipToml, E> {
                Ok(VipToml::Text(s.to_string()))
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<VipToml, M::Error> {
                VipTable::deserialize(de::value::MapAccessDeserializer::new(m)).map(VipToml::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncGroupToml {
    name: String,
    instances: Vec<String>,
}

/// A device name the kernel would take.
fn check_ifname(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', ':']) {
        return Err(format!("invalid interface name {name:?}"));
    }
    Ok(())
}

fn vip(text: &str) -> Result<(IpAddr, u8), String> {
    let (a, p) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = a
        .parse()
        .map_err(|_| format!("VIP {text:?}: expected ADDRESS or ADDRESS/PREFIX"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match p {
        None => max,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p >= 1 && *p <= max)
            .ok_or_else(|| format!("VIP {text:?}: prefix must be 1-{max}"))?,
    };
    if addr.is_unspecified() || addr.is_multicast() || addr.is_loopback() {
        return Err(format!("VIP {addr} cannot be a virtual address"));
    }
    Ok((addr, prefix))
}

/// Reads `[[vrrp]]` (`value`: the array of tables).
pub fn read_instances(doc: &Doc<'_>, value: Value<'_>) -> Result<Vec<Instance>, InputError> {
    let list: Vec<Spanned<InstanceToml>> = match value.get_ref() {
        toml::de::DeValue::Array(_) => doc.decode(value)?,
        _ => {
            return Err(doc.err(
                &value.span(),
                "vrrp must be an array of tables: write each instance as [[vrrp]]",
            ))
        }
    };
    let mut out: Vec<Instance> = Vec::with_capacity(list.len());
    for t in &list {
        let span = t.span();
        let i = instance(t.get_ref()).map_err(|m| doc.err(&span, m))?;
        let line = doc.line(&span);
        if let Some(o) = out.iter().find(|o| o.name == i.name) {
            return Err(doc.err(
                &span,
                format!(
                    "vrrp instance {:?} defined twice (first on line {})",
                    i.name, o.line
                ),
            ));
        }
        if let Some(o) = out
            .iter()
            .find(|o| o.interface == i.interface && o.vrid == i.vrid && o.v6() == i.v6())
        {
            return Err(doc.err(
                &span,
                format!(
                    "vrid {} on {} is already instance {:?} (line {}): one virtual router per VRID, interface and family",
                    i.vrid, i.interface, o.name, o.line
                ),
            ));
        }
        if i.sync_daemon.is_some() {
            if let Some(o) = out.iter().find(|o| o.sync_daemon.is_some()) {
                return Err(doc.err(
                    &span,
                    format!(
                        "vrrp {}: instance {:?} (line {}) already has the sync_daemon: the kernel runs one master and one backup sync daemon, which one instance switches between",
                        i.name, o.name, o.line
                    ),
                ));
            }
        }
        out.push(Instance { line, ..i });
    }
    Ok(out)
}

fn instance(t: &InstanceToml) -> Result<Instance, String> {
    if t.name.is_empty() || t.name.contains(char::is_whitespace) {
        return Err(format!(
            "vrrp name {:?} must be a word (notify passes it as one argument)",
            t.name
        ));
    }
    check_ifname(&t.interface).map_err(|e| format!("vrrp {}: {e}", t.name))?;
    let named = |m: String| format!("vrrp {}: {m}", t.name);
    if t.vrid == 0 {
        return Err(named("vrid must be 1-255".into()));
    }
    if t.vips.is_empty() {
        return Err(named("vips lists no address".into()));
    }
    if t.vips.len() > 255 {
        return Err(named(
            "more than 255 VIPs (an advert counts them in one byte)".into(),
        ));
    }
    let mut vips: Vec<Vip> = Vec::with_capacity(t.vips.len());
    for v in &t.vips {
        let (text, device, label) = match v.get_ref() {
            VipToml::Text(s) => (s.as_str(), None, None),
            VipToml::Table(x) => (x.address.as_str(), x.device.clone(), x.label.clone()),
        };
        let (addr, prefix) = vip(text).map_err(named)?;
        if let Some(d) = &device {
            check_ifname(d).map_err(named)?;
        }
        if let Some(l) = &label {
            let dev = device.as_deref().unwrap_or(&t.interface);
            if addr.is_ipv6() {
                return Err(named(format!("VIP {addr}: labels are for IPv4 addresses")));
            }
            let ok = l.len() <= 15 && (l == dev || l.strip_prefix(dev).is_some_and(|r| r.starts_with(':')));
            if !ok {
                return Err(named(format!(
                    "VIP {addr}: label {l:?} must be the device's name or start with \"{dev}:\" (15 characters at most)"
                )));
            }
        }
        if vips.iter().any(|o| o.addr == addr) {
            return Err(named(format!("VIP {addr} listed twice")));
        }
        if let Some(first) = vips.first() {
            if first.addr.is_ipv4() != addr.is_ipv4() {
                return Err(named(
                    "IPv4 and IPv6 VIPs in one instance: an advert carries one family (write two instances)"
                        .into(),
                ));
            }
        }
        vips.push(Vip {
            addr,
            prefix,
            device,
            label,
        });
    }
    let v6 = vips[0].addr.is_ipv6();
    let version = match (t.version, v6) {
        (None, false) | (Some(2), false) => Version::V2,
        (None, true) | (Some(3), _) => Version::V3,
        (Some(2), true) => return Err(named("version 2 carries IPv4 only: IPv6 needs version 3".into())),
        (Some(v), _) => return Err(named(format!("version {v}: expected 2 or 3"))),
    };
    let priority = t.priority.unwrap_or(100);
    if priority == 0 {
        return Err(named(
            "priority must be 1-255 (0 is what a leaving Master sends)".into(),
        ));
    }
    let advert_interval = match &t.advert_interval {
        None => Duration::from_secs(1),
        Some(s) => duration::parse(s).map_err(|e| named(format!("advert_interval: {e}")))?,
    };
    match version {
        Version::V2 => {
            let ms = advert_interval.as_millis();
            if ms % 1000 != 0 || !(1_000..=255_000).contains(&ms) {
                return Err(named(format!(
                    "advert_interval {}: version 2 sends whole seconds, 1s-255s",
                    duration::show(advert_interval)
                )));
            }
        }
        Version::V3 => {
            let ms = advert_interval.as_millis();
            if ms % 10 != 0 || !(10..=40_950).contains(&ms) {
                return Err(named(format!(
                    "advert_interval {}: version 3 sends centiseconds, 10ms-40.95s in steps of 10ms",
                    duration::show(advert_interval)
                )));
            }
        }
    }
    let preempt_delay = match &t.preempt_delay {
        None => Duration::ZERO,
        Some(s) => duration::parse(s).map_err(|e| named(format!("preempt_delay: {e}")))?,
    };
    if preempt_delay > Duration::from_secs(1000) {
        return Err(named(
            "preempt_delay is at most 1000s (keepalived's limit)".into(),
        ));
    }
    let peers = t.unicast_peers.clone().unwrap_or_default();
    for p in &peers {
        if p.is_ipv6() != v6 {
            return Err(named(format!("unicast peer {p} is not of the VIPs' family")));
        }
        if p.is_multicast() || p.is_unspecified() || p.is_loopback() {
            return Err(named(format!("unicast peer {p} is not a host address")));
        }
    }
    if let Some(s) = t.unicast_source {
        if peers.is_empty() {
            return Err(named("unicast_source without unicast_peers".into()));
        }
        if s.is_ipv6() != v6 {
            return Err(named(format!("unicast_source {s} is not of the VIPs' family")));
        }
        if peers.contains(&s) {
            return Err(named(format!("unicast_source {s} is also a unicast peer")));
        }
    }
    let checksum = match t.checksum.as_deref() {
        None | Some("keepalived") => Checksum::Keepalived,
        Some("rfc9568") => Checksum::Rfc9568,
        Some(other) => {
            return Err(named(format!(
                "checksum {other:?}: expected \"keepalived\" or \"rfc9568\""
            )))
        }
    };
    if t.checksum.is_some() && (version == Version::V2 || v6) {
        return Err(named(
            "checksum applies to version 3 over IPv4 only (v2 and IPv6 have one form)".into(),
        ));
    }
    let auth_pass = match &t.auth_pass {
        None => None,
        Some(_) if version == Version::V3 => {
            return Err(named(
                "auth_pass is version 2's (version 3 has no authentication)".into(),
            ))
        }
        Some(p) if p.is_empty() || p.len() > 8 || !p.is_ascii() => {
            return Err(named("auth_pass must be 1-8 ASCII characters".into()))
        }
        Some(p) => {
            let mut b = [0u8; 8];
            b[..p.len()].copy_from_slice(p.as_bytes());
            Some(b)
        }
    };
    let mut track_services = Vec::new();
    for s in t.track_services.iter().flatten() {
        let k = crate::daemon::proto::parse_selector(s).ok_or_else(|| {
            named(format!(
                "track_services {s:?}: expected PROTO:ADDRESS:PORT or fwmark:MARK, e.g. \"tcp:192.0.2.110:80\""
            ))
        })?;
        track_services.push(k);
    }
    let track_interfaces = t.track_interfaces.clone().unwrap_or_default();
    for i in &track_interfaces {
        check_ifname(i).map_err(|e| named(format!("track_interfaces: {e}")))?;
    }
    let notify = t.notify.clone().unwrap_or_default();
    if notify.first().is_some_and(|a| !a.starts_with('/')) {
        return Err(named(
            "notify: the program must be an absolute path (no shell runs it)".into(),
        ));
    }
    let mut garp = Garp::default();
    if let Some(g) = &t.garp {
        let dur = |k: &str, v: &Option<String>, d: Duration| -> Result<Duration, String> {
            match v {
                None => Ok(d),
                Some(s) => duration::parse(s).map_err(|e| named(format!("garp.{k}: {e}"))),
            }
        };
        garp.count = g.count.unwrap_or(garp.count);
        if garp.count > 100 {
            return Err(named("garp.count is at most 100".into()));
        }
        garp.interval = dur("interval", &g.interval, garp.interval)?;
        garp.repeat_after = dur("repeat_after", &g.repeat_after, garp.repeat_after)?;
        garp.refresh = dur("refresh", &g.refresh, garp.refresh)?;
        if !garp.refresh.is_zero() && garp.refresh < Duration::from_secs(1) {
            return Err(named("garp.refresh is 0s (off) or at least 1s".into()));
        }
    }
    let sync_daemon = match &t.sync_daemon {
        None => None,
        Some(d) => {
            check_ifname(&d.interface).map_err(|e| named(format!("sync_daemon: {e}")))?;
            if d.ttl == Some(0) {
                return Err(named("sync_daemon.ttl must be 1-255".into()));
            }
            if d.port == Some(0) {
                return Err(named("sync_daemon.port must be 1-65535".into()));
            }
            if let Some(g) = d.group {
                if !g.is_multicast() {
                    return Err(named(format!("sync_daemon.group {g} is not a multicast address")));
                }
            }
            Some(SyncDaemonSpec {
                interface: d.interface.clone(),
                syncid: d.syncid.unwrap_or(t.vrid),
                maxlen: d.maxlen,
                group: d.group,
                port: d.port,
                ttl: d.ttl,
            })
        }
    };
    Ok(Instance {
        name: t.name.clone(),
        line: 0,
        interface: t.interface.clone(),
        vrid: t.vrid,
        version,
        priority,
        advert_interval,
        vips,
        preempt: t.preempt.unwrap_or(true),
        preempt_delay,
        unicast_source: t.unicast_source,
        unicast_peers: peers,
        checksum,
        auth_pass,
        track_services,
        track_interfaces,
        notify,
        garp,
        sync_daemon,
    })
}

/// Reads `[[vrrp_sync_group]]`; names are checked against the instances
/// by [`check_groups`].
pub fn read_groups(doc: &Doc<'_>, value: Value<'_>) -> Result<Vec<SyncGroup>, InputError> {
    let list: Vec<Spanned<SyncGroupToml>> = doc.decode(value)?;
    Ok(list
        .into_iter()
        .map(|t| {
            let line = doc.line(&t.span());
            let t = t.into_inner();
            SyncGroup {
                name: t.name,
                line,
                instances: t.instances,
            }
        })
        .collect())
}

/// Checks the groups against the instances: every member exists, is in
/// one group only, and a group has two members or more.
pub fn check_groups(file: &str, groups: &[SyncGroup], instances: &[Instance]) -> Result<(), InputError> {
    let err = |line: usize, message: String| InputError {
        file: file.to_string(),
        line,
        message,
    };
    for (k, g) in groups.iter().enumerate() {
        if groups[..k].iter().any(|o| o.name == g.name) {
            return Err(err(g.line, format!("vrrp_sync_group {:?} defined twice", g.name)));
        }
        if g.instances.len() < 2 {
            return Err(err(
                g.line,
                format!("vrrp_sync_group {:?} needs two instances or more", g.name),
            ));
        }
        for (j, n) in g.instances.iter().enumerate() {
            if !instances.iter().any(|i| &i.name == n) {
                return Err(err(
                    g.line,
                    format!("vrrp_sync_group {:?}: no [[vrrp]] named {n:?}", g.name),
                ));
            }
            if g.instances[..j].contains(n) {
                return Err(err(
                    g.line,
                    format!("vrrp_sync_group {:?} lists {n:?} twice", g.name),
                ));
            }
            if let Some(o) = groups[..k].iter().find(|o| o.instances.contains(n)) {
                return Err(err(
                    g.line,
                    format!(
                        "instance {n:?} is already in vrrp_sync_group {:?} (line {})",
                        o.name, o.line
                    ),
                ));
            }
        }
    }
    Ok(())
}
