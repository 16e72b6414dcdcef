//! The real-server side of the LVS "ARP problem" (`lvsctl rs`).
//!
//! In LVS-DR and LVS-TUN every real server carries the VIP. Unless it is
//! hidden, real servers answer ARP for it and steal it from the director.
//! The cure, in the order that avoids the race the LVS-HOWTO describes:
//!
//! 1. tunnel devices for LVS-TUN (`tunl0` for ipip and gue, plus a fou
//!    port for gue; `gre0` for gre), up;
//! 2. sysctls, before any VIP exists: `conf/all/arp_ignore=1` and
//!    `conf/all/arp_announce=2` (the kernel uses the larger of `all` and
//!    the interface, so `all` covers every interface; interfaces whose own
//!    value would make the result wrong are fixed too); for LVS-TUN
//!    `rp_filter` relaxed on `all` and the tunnel device;
//! 3. the VIP as a /32 (/128) host address without a prefix route, on `lo`,
//!    a dummy device, or the tunnel device.
//!
//! Settings that are already stricter and still correct are left alone
//! (`arp_ignore` 2 or 8, `rp_filter` 2). Everything changed is recorded
//! ([`state`]) so that `rs down` undoes exactly that, and a failing `up`
//! rolls back what it did.

pub mod state;

use std::net::IpAddr;

use crate::host::fou::{self, FouError};
use crate::host::rtnl::{Address, Link, LinkKind, Rtnl};
use crate::host::sysctl::{self, SysctlError};
use crate::netlink::NetlinkError;
use state::{State, VipRecord};

/// Forwarding method the real server takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Direct routing.
    Dr,
    /// IP tunnelling.
    Tun,
}

/// LVS-TUN encapsulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunType {
    /// IP in IP (`tunl0`).
    Ipip,
    /// GUE (a fou port, then `tunl0`).
    Gue,
    /// GRE (`gre0`).
    Gre,
}

impl TunType {
    fn name(self) -> &'static str {
        match self {
            TunType::Ipip => "ipip",
            TunType::Gue => "gue",
            TunType::Gre => "gre",
        }
    }

    fn device(self) -> &'static str {
        match self {
            TunType::Ipip | TunType::Gue => "tunl0",
            TunType::Gre => "gre0",
        }
    }

    fn module(self) -> &'static str {
        match self {
            TunType::Ipip | TunType::Gue => "ipip",
            TunType::Gre => "ip_gre",
        }
    }
}

/// What `rs up` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpRequest {
    /// VIPs (host addresses).
    pub vips: Vec<IpAddr>,
    /// DR or TUN.
    pub mode: Mode,
    /// Device for DR VIPs (`lo` by default; any other name is a dummy
    /// device, created when missing).
    pub dev: Option<String>,
    /// Tunnel type for TUN.
    pub tun_type: TunType,
    /// GUE port.
    pub tun_port: Option<u16>,
}

impl UpRequest {
    /// The device the VIPs go on: `--dev`, else `lo` (DR) or the tunnel
    /// type's device (TUN).
    fn device_name(&self) -> String {
        match (self.mode, &self.dev) {
            (_, Some(d)) => d.clone(),
            (Mode::Dr, None) => "lo".to_string(),
            (Mode::Tun, None) => self.tun_type.device().to_string(),
        }
    }
}

/// Errors of `lvsctl rs`.
#[derive(Debug, thiserror::Error)]
pub enum RsError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// The VIP exists with another prefix or on another device.
    #[error("{0}")]
    Conflict(String),
    /// Not allowed (needs root / CAP_NET_ADMIN).
    #[error("permission denied: {0} (lvsctl rs needs root, or CAP_NET_ADMIN in the namespace)")]
    Permission(String),
    /// A kernel module is missing.
    #[error("{0}")]
    MissingModule(String),
    /// A sysctl failed.
    #[error(transparent)]
    Sysctl(#[from] SysctlError),
    /// rtnetlink failed.
    #[error("{what}: {source}")]
    Netlink {
        /// What was being done.
        what: String,
        /// The error.
        source: NetlinkError,
    },
    /// The state file.
    #[error("state file: {0}")]
    State(std::io::Error),
    /// fou.
    #[error(transparent)]
    Fou(#[from] FouError),
}

fn nl(what: impl Into<String>) -> impl FnOnce(NetlinkError) -> RsError {
    let what = what.into();
    move |source| {
        if source.errno() == Some(libc::EPERM) {
            RsError::Permission(what)
        } else {
            RsError::Netlink { what, source }
        }
    }
}

fn sys(e: SysctlError) -> RsError {
    if e.is_permission() {
        RsError::Permission(format!("writing {}", e.path.display()))
    } else {
        RsError::Sysctl(e)
    }
}

fn lock_err(e: std::io::Error) -> RsError {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        RsError::Permission(format!("taking the lock under {}", state::STATE_DIR))
    } else {
        RsError::State(e)
    }
}

/// Parses `--vip`: an address, optionally with /32 (IPv4) or /128 (IPv6).
pub fn parse_vip(s: &str) -> Result<IpAddr, RsError> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| RsError::Invalid(format!("invalid VIP {s:?}: not an address")))?;
    let host_prefix = if ip.is_ipv4() { "32" } else { "128" };
    if let Some(p) = prefix {
        if p != host_prefix {
            return Err(RsError::Invalid(format!(
                "invalid VIP {s:?}: a VIP is a host address (/{host_prefix}); a wider prefix on lo makes the whole network local"
            )));
        }
    }
    let bad = match ip {
        IpAddr::V4(a) => a.is_unspecified() || a.is_multicast() || a.is_broadcast() || a.is_loopback(),
        IpAddr::V6(a) => a.is_unspecified() || a.is_multicast() || a.is_loopback(),
    };
    if bad {
        return Err(RsError::Invalid(format!(
            "invalid VIP {s:?}: not a host address (unspecified, loopback, multicast or broadcast)"
        )));
    }
    Ok(ip)
}

fn host_prefix(ip: &IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// One undoable step of this run.
#[derive(Debug)]
enum Undo {
    Sysctl {
        iface: String,
        key: &'static str,
        old: i64,
    },
    Address {
        index: u32,
        addr: IpAddr,
        prefix: u8,
    },
    LinkCreated {
        name: String,
    },
    LinkRaised {
        name: String,
    },
    FouPort {
        port: u16,
    },
}

/// The `arp_ignore` values that keep a host from answering ARP for an
/// address that is not on the receiving interface.
fn arp_ignore_ok(v: i64) -> bool {
    matches!(v, 1 | 2 | 8)
}

struct Run {
    rtnl: Rtnl,
    state: State,
    undo: Vec<Undo>,
}

impl Run {
    fn set_sysctl(&mut self, iface: &str, key: &'static str, value: i64) -> Result<(), RsError> {
        let old = sysctl::get(iface, key).map_err(sys)?;
        if old == value {
            return Ok(());
        }
        sysctl::set(iface, key, value).map_err(sys)?;
        self.undo.push(Undo::Sysctl {
            iface: iface.to_string(),
            key,
            old,
        });
        self.state.sysctls.entry(format!("{iface}/{key}")).or_insert(old);
        Ok(())
    }

    fn link(&mut self, name: &str) -> Result<Option<Link>, RsError> {
        self.rtnl.link(name).map_err(nl("listing devices"))
    }

    fn ensure_up(&mut self, link: &Link) -> Result<(), RsError> {
        if !link.up {
            self.rtnl
                .set_up(link.index, true)
                .map_err(nl(format!("setting {} up", link.name)))?;
            self.undo.push(Undo::LinkRaised {
                name: link.name.clone(),
            });
            if !self.state.raised_links.contains(&link.name) {
                self.state.raised_links.push(link.name.clone());
            }
        }
        Ok(())
    }

    /// The device the VIPs go on, created and up.
    fn device(&mut self, req: &UpRequest) -> Result<Link, RsError> {
        let name = req.device_name();
        if let Some(existing) = self.link(&name)? {
            // A VIP on a device that answers ARP is the problem, not the cure.
            let fits = match req.mode {
                Mode::Dr => existing.loopback || existing.kind.as_deref() == Some("dummy"),
                Mode::Tun => name == req.tun_type.device(),
            };
            if !fits {
                return Err(RsError::Invalid(format!(
                    "--dev {name}: the VIP must go on lo or a dummy device (DR) or on {} (TUN), not on a device that answers ARP",
                    req.tun_type.device()
                )));
            }
        }
        if self.link(&name)?.is_none() {
            let kind = match req.mode {
                Mode::Dr => LinkKind::Dummy,
                Mode::Tun => match req.tun_type {
                    TunType::Ipip | TunType::Gue => LinkKind::Ipip,
                    TunType::Gre => LinkKind::Gre,
                },
            };
            let fallback = req.mode == Mode::Tun && name == req.tun_type.device();
            match self.rtnl.create_link(&name, kind) {
                // Loading ipip/ip_gre creates the fallback device itself.
                Ok(()) => {
                    if !fallback {
                        self.undo.push(Undo::LinkCreated { name: name.clone() });
                        self.state.created_links.push(name.clone());
                    }
                }
                Err(e) if e.errno() == Some(libc::EEXIST) => {}
                Err(e) if e.errno() == Some(libc::EOPNOTSUPP) => {
                    let module = match req.mode {
                        Mode::Dr => "dummy",
                        Mode::Tun => req.tun_type.module(),
                    };
                    return Err(RsError::MissingModule(format!(
                        "cannot create {name}: the kernel has no {module} module"
                    )));
                }
                Err(e) => return Err(nl(format!("creating {name}"))(e)),
            }
        }
        let link = self.link(&name)?.ok_or_else(|| {
            RsError::MissingModule(format!("{name} does not exist after loading its module"))
        })?;
        self.ensure_up(&link)?;
        Ok(link)
    }

    fn up(&mut self, req: &UpRequest) -> Result<Vec<String>, RsError> {
        let mut notes = Vec::new();
        let addrs = self.rtnl.addresses().map_err(nl("listing addresses"))?;
        let links = self.rtnl.links().map_err(nl("listing devices"))?;
        let name_of = |i: u32| {
            links
                .iter()
                .find(|l| l.index == i)
                .map(|l| l.name.clone())
                .unwrap_or_default()
        };
        // Conflicts first: nothing is changed if any VIP is elsewhere.
        let target_name = req.device_name();
        for vip in &req.vips {
            for a in addrs.iter().filter(|a| a.addr == *vip) {
                let dev = name_of(a.index);
                if a.prefix != host_prefix(vip) || dev != target_name {
                    return Err(RsError::Conflict(format!(
                        "VIP {vip} is already configured on {dev} as /{}; remove it first (rs up puts it on {target_name} as /{})",
                        a.prefix,
                        host_prefix(vip)
                    )));
                }
            }
        }
        // 1. Tunnel devices and ports.
        let link = self.device(req)?;
        if req.mode == Mode::Tun && req.tun_type == TunType::Gue {
            let port = req
                .tun_port
                .ok_or_else(|| RsError::Invalid("--tun-type gue needs --tun-port".into()))?;
            if fou::add_gue_port(port)? {
                self.undo.push(Undo::FouPort { port });
                self.state.fou_ports.push(port);
            }
        }
        // 2. Sysctls, before any VIP exists.
        if req.vips.iter().any(IpAddr::is_ipv4) {
            let ignore = sysctl::get("all", "arp_ignore").map_err(sys)?;
            if !arp_ignore_ok(ignore) {
                self.set_sysctl("all", "arp_ignore", 1)?;
            }
            if sysctl::get("all", "arp_announce").map_err(sys)? < 2 {
                self.set_sysctl("all", "arp_announce", 2)?;
            }
            // An interface value above `all` wins; fix those that are wrong.
            for iface in sysctl::interfaces().map_err(sys)? {
                let v = sysctl::get(&iface, "arp_ignore").map_err(sys)?;
                let eff = v.max(sysctl::get("all", "arp_ignore").map_err(sys)?);
                if !arp_ignore_ok(eff) {
                    self.set_sysctl(&iface, "arp_ignore", 1)?;
                }
            }
            if req.mode == Mode::Tun {
                if sysctl::get("all", "rp_filter").map_err(sys)? == 1 {
                    self.set_sysctl("all", "rp_filter", 0)?;
                }
                if sysctl::get(&link.name, "rp_filter").map_err(sys)? == 1 {
                    self.set_sysctl(&link.name, "rp_filter", 0)?;
                }
            }
        }
        // 3. The VIPs.
        for vip in &req.vips {
            let prefix = host_prefix(vip);
            let present = addrs.iter().any(|a| a.addr == *vip && a.index == link.index);
            let added = if present {
                false
            } else {
                match self.rtnl.add_address(link.index, *vip, prefix) {
                    Ok(()) => {
                        self.undo.push(Undo::Address {
                            index: link.index,
                            addr: *vip,
                            prefix,
                        });
                        true
                    }
                    Err(e) if e.errno() == Some(libc::EEXIST) => false,
                    Err(e) => return Err(nl(format!("adding {vip}/{prefix} to {}", link.name))(e)),
                }
            };
            let addr_s = vip.to_string();
            let mode_name = match req.mode {
                Mode::Dr => "dr",
                Mode::Tun => "tun",
            };
            if let Some(r) = self.state.vips.iter_mut().find(|r| r.address == addr_s) {
                r.added |= added;
                r.device = link.name.clone();
                r.mode = mode_name.into();
                r.tun_type = (req.mode == Mode::Tun).then(|| req.tun_type.name().to_string());
            } else {
                self.state.vips.push(VipRecord {
                    address: addr_s,
                    prefix,
                    device: link.name.clone(),
                    mode: match req.mode {
                        Mode::Dr => "dr".into(),
                        Mode::Tun => "tun".into(),
                    },
                    tun_type: (req.mode == Mode::Tun).then(|| req.tun_type.name().to_string()),
                    added,
                });
            }
            notes.push(if added {
                format!("{vip}/{prefix} added to {}", link.name)
            } else {
                format!("{vip}/{prefix} already on {}", link.name)
            });
        }
        Ok(notes)
    }

    /// Undoes this run's steps, newest first; errors are ignored (the
    /// original error is the one worth reporting).
    fn rollback(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Sysctl { iface, key, old } => {
                    let _ = sysctl::set(&iface, key, old);
                }
                Undo::Address { index, addr, prefix } => {
                    let _ = self.rtnl.del_address(index, addr, prefix);
                }
                Undo::LinkCreated { name } => {
                    if let Ok(Some(l)) = self.rtnl.link(&name) {
                        let _ = self.rtnl.del_link(l.index);
                    }
                }
                Undo::LinkRaised { name } => {
                    if let Ok(Some(l)) = self.rtnl.link(&name) {
                        let _ = self.rtnl.set_up(l.index, false);
                    }
                }
                Undo::FouPort { port } => {
                    let _ = fou::del_gue_port(port);
                }
            }
        }
    }
}

/// `lvsctl rs up`: returns one line per VIP saying what was done.
pub fn up(req: &UpRequest) -> Result<Vec<String>, RsError> {
    if req.vips.is_empty() {
        return Err(RsError::Invalid("rs up needs at least one --vip".into()));
    }
    if req.mode == Mode::Dr && (req.tun_port.is_some()) {
        return Err(RsError::Invalid(
            "--tun-port is only for --mode tun --tun-type gue".into(),
        ));
    }
    if req.mode == Mode::Tun && req.tun_type == TunType::Gue && req.tun_port.is_none() {
        return Err(RsError::Invalid("--tun-type gue needs --tun-port".into()));
    }
    if req.tun_port == Some(0) {
        return Err(RsError::Invalid("--tun-port must be 1 to 65535".into()));
    }
    if req.mode == Mode::Tun && req.tun_type != TunType::Gue && req.tun_port.is_some() {
        return Err(RsError::Invalid("--tun-port is only for --tun-type gue".into()));
    }
    if req.mode == Mode::Tun && req.vips.iter().any(IpAddr::is_ipv6) {
        return Err(RsError::Invalid(
            "IPv6 VIPs are supported for --mode dr only".into(),
        ));
    }
    let path = state::state_path().map_err(RsError::State)?;
    let _lock = state::lock(&path).map_err(lock_err)?;
    let st = state::load(&path).map_err(RsError::State)?;
    let rtnl = Rtnl::open().map_err(nl("opening rtnetlink"))?;
    let mut run = Run {
        rtnl,
        state: st,
        undo: Vec::new(),
    };
    match run.up(req) {
        Ok(notes) => {
            if let Err(e) = state::save(&path, &run.state) {
                run.rollback();
                return Err(RsError::State(e));
            }
            Ok(notes)
        }
        Err(e) => {
            run.rollback();
            Err(e)
        }
    }
}

/// `lvsctl rs down`: removes the given VIPs (all when empty) that `rs up`
/// added; when none is left, restores every sysctl and device.
pub fn down(vips: &[IpAddr]) -> Result<Vec<String>, RsError> {
    let path = state::state_path().map_err(RsError::State)?;
    let _lock = state::lock(&path).map_err(lock_err)?;
    let mut st = state::load(&path).map_err(RsError::State)?;
    let mut notes = Vec::new();
    for v in vips {
        if !st.vips.iter().any(|r| r.address == v.to_string()) {
            return Err(RsError::Invalid(format!("{v} was not set up by lvsctl rs up")));
        }
    }
    if st.is_empty() {
        notes.push("nothing to undo: rs up has not run in this network namespace".into());
        return Ok(notes);
    }
    let mut rtnl = Rtnl::open().map_err(nl("opening rtnetlink"))?;
    let remove: Vec<VipRecord> = st
        .vips
        .iter()
        .filter(|r| vips.is_empty() || vips.iter().any(|v| v.to_string() == r.address))
        .cloned()
        .collect();
    for r in &remove {
        if r.added {
            if let Some(link) = rtnl.link(&r.device).map_err(nl("listing devices"))? {
                let addr: IpAddr = r
                    .address
                    .parse()
                    .map_err(|_| RsError::Invalid(format!("bad state entry {}", r.address)))?;
                match rtnl.del_address(link.index, addr, r.prefix) {
                    Ok(()) => {}
                    Err(e) if matches!(e.errno(), Some(libc::EADDRNOTAVAIL) | Some(libc::ENOENT)) => {}
                    Err(e) => return Err(nl(format!("removing {} from {}", r.address, r.device))(e)),
                }
            }
            notes.push(format!("{}/{} removed from {}", r.address, r.prefix, r.device));
        } else {
            notes.push(format!(
                "{}/{} left on {} (it was there before rs up)",
                r.address, r.prefix, r.device
            ));
        }
        st.vips.retain(|x| x.address != r.address);
    }
    // Record the removals before restoring anything else, so that a later
    // failure leaves a record that matches the host.
    state::save(&path, &st).map_err(RsError::State)?;
    if st.vips.is_empty() {
        // Last VIP gone: addresses first, then settings, then devices.
        for port in std::mem::take(&mut st.fou_ports) {
            fou::del_gue_port(port)?;
        }
        for (k, v) in std::mem::take(&mut st.sysctls) {
            if let Some((iface, key)) = k.split_once('/') {
                match sysctl::set(iface, key, v) {
                    Ok(()) => notes.push(format!("{} restored to {v}", sysctl::conf_name(iface, key))),
                    // The interface has gone away since.
                    Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(sys(e)),
                }
            }
        }
        for name in std::mem::take(&mut st.raised_links) {
            if let Some(l) = rtnl.link(&name).map_err(nl("listing devices"))? {
                rtnl.set_up(l.index, false)
                    .map_err(nl(format!("setting {name} down")))?;
            }
        }
        for name in std::mem::take(&mut st.created_links) {
            if let Some(l) = rtnl.link(&name).map_err(nl("listing devices"))? {
                rtnl.del_link(l.index).map_err(nl(format!("deleting {name}")))?;
                notes.push(format!("{name} deleted"));
            }
        }
    }
    state::save(&path, &st).map_err(RsError::State)?;
    Ok(notes)
}

/// One VIP as `rs status` sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VipStatus {
    /// The address.
    pub address: String,
    /// Prefix length on its device.
    pub prefix: Option<u8>,
    /// The device it is on.
    pub device: Option<String>,
    /// `dr` or `tun`.
    pub mode: String,
    /// Recorded by `rs up`.
    pub managed: bool,
    /// Whether this host would answer ARP for it (or otherwise break LVS).
    pub ok: bool,
    /// What is wrong, and why.
    pub problems: Vec<String>,
}

/// `lvsctl rs status`: every VIP recorded by `rs up`, and every host
/// address found on lo, dummy or tunnel devices.
pub fn status() -> Result<Vec<VipStatus>, RsError> {
    let path = state::state_path().map_err(RsError::State)?;
    let st = state::load(&path).map_err(RsError::State)?;
    let mut rtnl = Rtnl::open().map_err(nl("opening rtnetlink"))?;
    let links = rtnl.links().map_err(nl("listing devices"))?;
    let addrs = rtnl.addresses().map_err(nl("listing addresses"))?;
    let link_of = |i: u32| links.iter().find(|l| l.index == i);
    let is_vip_dev = |l: &Link| {
        l.loopback
            || matches!(l.kind.as_deref(), Some("dummy") | Some("ipip") | Some("gre"))
            || l.name == "tunl0"
            || l.name == "gre0"
    };
    let mut found: Vec<(IpAddr, &Address, &Link)> = Vec::new();
    for a in &addrs {
        let Some(l) = link_of(a.index) else { continue };
        if !is_vip_dev(l) {
            continue;
        }
        let skip = match a.addr {
            IpAddr::V4(v) => v.is_loopback(),
            IpAddr::V6(v) => v.is_loopback() || crate::host::net::is_link_local_v6(v),
        };
        if !skip {
            found.push((a.addr, a, l));
        }
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for r in &st.vips {
        let Ok(ip) = r.address.parse::<IpAddr>() else {
            continue;
        };
        seen.push(ip);
        let here = found.iter().find(|(a, _, _)| *a == ip);
        let mut s = VipStatus {
            address: r.address.clone(),
            prefix: here.map(|(_, a, _)| a.prefix),
            device: here
                .map(|(_, _, l)| l.name.clone())
                .or_else(|| Some(r.device.clone())),
            mode: r.mode.clone(),
            managed: true,
            ok: true,
            problems: Vec::new(),
        };
        if here.is_none() {
            s.problems.push(format!(
                "not configured: {} is not on {} (was it removed by hand?)",
                r.address, r.device
            ));
        }
        out.push(s);
    }
    for (ip, a, l) in &found {
        if seen.contains(ip) {
            continue;
        }
        let mode = if matches!(l.kind.as_deref(), Some("ipip") | Some("gre"))
            || l.name == "tunl0"
            || l.name == "gre0"
        {
            "tun"
        } else {
            "dr"
        };
        out.push(VipStatus {
            address: ip.to_string(),
            prefix: Some(a.prefix),
            device: Some(l.name.clone()),
            mode: mode.into(),
            managed: false,
            ok: true,
            problems: Vec::new(),
        });
    }
    // Checks.
    let arp_links: Vec<&Link> = links.iter().filter(|l| !l.loopback && !l.noarp).collect();
    for s in &mut out {
        let Ok(ip) = s.address.parse::<IpAddr>() else {
            continue;
        };
        if let Some(p) = s.prefix {
            if p != host_prefix(&ip) {
                let dev = s.device.clone().unwrap_or_default();
                s.problems.push(format!(
                    "prefix /{p} on {dev}: a VIP must be a /{} host address (a wider prefix on lo makes the whole network local and routes it away)",
                    host_prefix(&ip)
                ));
            }
        }
        if ip.is_ipv4() {
            let all_ignore = sysctl::get("all", "arp_ignore").map_err(sys)?;
            let all_announce = sysctl::get("all", "arp_announce").map_err(sys)?;
            // `all` must be right: it is what covers every interface,
            // including ones added later.
            if !arp_ignore_ok(all_ignore) {
                let mut set_on: Vec<String> = Vec::new();
                for iface in sysctl::interfaces().map_err(sys)? {
                    if arp_ignore_ok(sysctl::get(&iface, "arp_ignore").unwrap_or(0)) {
                        set_on.push(iface);
                    }
                }
                let mut p = format!(
                    "this host would answer ARP for it: net.ipv4.conf.all.arp_ignore is {all_ignore}; needs 1"
                );
                if !set_on.is_empty() {
                    p.push_str(&format!(
                        " (set on {} only: the kernel uses the larger of all and the receiving interface, so lo or one interface does not cover the others)",
                        set_on.join(", ")
                    ));
                }
                s.problems.push(p);
            }
            if all_announce < 2 {
                s.problems.push(format!(
                    "this host may use it as ARP source address: net.ipv4.conf.all.arp_announce is {all_announce}; needs 2"
                ));
            }
            // An interface value above `all` wins.
            for l in &arp_links {
                let Ok(ig) = sysctl::get(&l.name, "arp_ignore") else {
                    continue;
                };
                if arp_ignore_ok(all_ignore) && !arp_ignore_ok(ig.max(all_ignore)) {
                    s.problems.push(format!(
                        "would answer ARP for it on {}: net.ipv4.conf.{}.arp_ignore is {ig}, which overrides all={all_ignore}",
                        l.name, l.name
                    ));
                }
            }
            if s.mode == "tun" {
                let dev = s.device.clone().unwrap_or_default();
                match links.iter().find(|l| l.name == dev) {
                    None => s.problems.push(format!("tunnel device {dev} is missing")),
                    Some(l) if !l.up => s.problems.push(format!("tunnel device {dev} is down")),
                    Some(_) => {
                        let all_rp = sysctl::get("all", "rp_filter").map_err(sys)?;
                        let dev_rp = sysctl::get(&dev, "rp_filter").unwrap_or(0);
                        if all_rp.max(dev_rp) == 1 {
                            s.problems.push(format!(
                                "strict reverse-path filter drops decapsulated packets on {dev}: rp_filter is 1 (all={all_rp}, {dev}={dev_rp}); needs 0 or 2"
                            ));
                        }
                    }
                }
            }
        }
        s.ok = s.problems.is_empty();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vips_must_be_host_addresses() {
        assert_eq!(
            parse_vip("192.0.2.10").unwrap(),
            "192.0.2.10".parse::<IpAddr>().unwrap()
        );
        assert!(parse_vip("192.0.2.10/32").is_ok());
        assert!(parse_vip("2001:db8::10/128").is_ok());
        for bad in [
            "192.0.2.10/24",
            "2001:db8::10/64",
            "0.0.0.0",
            "224.0.0.5",
            "255.255.255.255",
            "127.0.0.2",
            "::1",
            "ff02::1",
            "x",
            "",
        ] {
            let e = parse_vip(bad).unwrap_err();
            assert!(matches!(e, RsError::Invalid(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn arp_ignore_values() {
        assert!(arp_ignore_ok(1) && arp_ignore_ok(2) && arp_ignore_ok(8));
        for v in [0, 3, 4, 5, 6, 7] {
            assert!(!arp_ignore_ok(v), "{v}");
        }
    }
}
