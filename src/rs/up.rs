//! `lvsctl rs up`: the cure, in the order the module docs give (devices,
//! then sysctls, then the VIPs), all of it through the journal so that a
//! failure rolls back and a success is recorded.
//!
//! Nothing is changed before every check that can fail without changing
//! anything has passed: the request's own consistency, then whether any
//! VIP already sits elsewhere (another device or a wider prefix), which
//! `up` refuses rather than "fixing" a configuration someone made by hand.

use std::fmt;
use std::net::IpAddr;

use super::journal::Run;
use super::record::{self, VipRecord};
use super::{
    arp_ignore_ok, host_prefix, lock_err, netlink_err, sysctl_err, Mode, RsError, TunType, UpRequest,
};
use crate::host::fou;
use crate::host::rtnl::{Link, LinkKind, Rtnl};
use crate::host::sysctl;

/// What `rs up` did about one VIP; `Display` is the line the CLI prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpStep {
    /// The address was added.
    Added {
        /// The VIP.
        vip: IpAddr,
        /// Its prefix length (32 or 128).
        prefix: u8,
        /// The device it went on.
        device: String,
    },
    /// The address was already there (by hand, or an earlier `rs up`).
    AlreadyThere {
        /// The VIP.
        vip: IpAddr,
        /// Its prefix length (32 or 128).
        prefix: u8,
        /// The device it is on.
        device: String,
    },
}

impl fmt::Display for UpStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpStep::Added { vip, prefix, device } => write!(f, "{vip}/{prefix} added to {device}"),
            UpStep::AlreadyThere { vip, prefix, device } => write!(f, "{vip}/{prefix} already on {device}"),
        }
    }
}

/// `lvsctl rs up`: returns one step per VIP saying what was done.
pub fn up(req: &UpRequest) -> Result<Vec<UpStep>, RsError> {
    check(req)?;
    let path = record::record_path()?;
    let _lock = record::lock(&path).map_err(lock_err)?;
    let rec = record::load(&path)?;
    let rtnl = Rtnl::open().map_err(netlink_err("opening rtnetlink"))?;
    let mut run = Run::new(rtnl, rec);
    match run.up(req) {
        Ok(steps) => {
            if let Err(e) = record::save(&path, &run.record) {
                run.rollback();
                return Err(e.into());
            }
            Ok(steps)
        }
        Err(e) => {
            run.rollback();
            Err(e)
        }
    }
}

/// The request on its own, before anything is touched.
fn check(req: &UpRequest) -> Result<(), RsError> {
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
    if req.mode == Mode::Tun && req.vips.iter().any(|v| v.ip().is_ipv6()) {
        return Err(RsError::Invalid(
            "IPv6 VIPs are supported for --mode dr only".into(),
        ));
    }
    Ok(())
}

impl Run {
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
                        self.created_link(&name);
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
                Err(e) => return Err(netlink_err(format!("creating {name}"))(e)),
            }
        }
        let link = self.link(&name)?.ok_or_else(|| {
            RsError::MissingModule(format!("{name} does not exist after loading its module"))
        })?;
        self.ensure_up(&link)?;
        Ok(link)
    }

    /// Step 2: the ARP sysctls (IPv4 only), and `rp_filter` for TUN.
    fn sysctls(&mut self, req: &UpRequest, link: &Link) -> Result<(), RsError> {
        if !req.vips.iter().any(|v| v.ip().is_ipv4()) {
            return Ok(());
        }
        let ignore = sysctl::get("all", "arp_ignore").map_err(sysctl_err)?;
        if !arp_ignore_ok(ignore) {
            self.set_sysctl("all", "arp_ignore", 1)?;
        }
        if sysctl::get("all", "arp_announce").map_err(sysctl_err)? < 2 {
            self.set_sysctl("all", "arp_announce", 2)?;
        }
        // An interface value above `all` wins; fix those that are wrong.
        for iface in sysctl::interfaces().map_err(sysctl_err)? {
            let v = sysctl::get(&iface, "arp_ignore").map_err(sysctl_err)?;
            let eff = v.max(sysctl::get("all", "arp_ignore").map_err(sysctl_err)?);
            if !arp_ignore_ok(eff) {
                self.set_sysctl(&iface, "arp_ignore", 1)?;
            }
        }
        if req.mode == Mode::Tun {
            if sysctl::get("all", "rp_filter").map_err(sysctl_err)? == 1 {
                self.set_sysctl("all", "rp_filter", 0)?;
            }
            if sysctl::get(&link.name, "rp_filter").map_err(sysctl_err)? == 1 {
                self.set_sysctl(&link.name, "rp_filter", 0)?;
            }
        }
        Ok(())
    }

    fn up(&mut self, req: &UpRequest) -> Result<Vec<UpStep>, RsError> {
        let addrs = self.rtnl.addresses().map_err(netlink_err("listing addresses"))?;
        let links = self.rtnl.links().map_err(netlink_err("listing devices"))?;
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
            for a in addrs.iter().filter(|a| a.addr == vip.ip()) {
                let dev = name_of(a.index);
                if a.prefix != vip.prefix() || dev != target_name {
                    return Err(RsError::Conflict(format!(
                        "VIP {vip} is already configured on {dev} as /{}; remove it first (rs up puts it on {target_name} as /{})",
                        a.prefix,
                        vip.prefix()
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
                self.opened_fou_port(port);
            }
        }
        // 2. Sysctls, before any VIP exists.
        self.sysctls(req, &link)?;
        // 3. The VIPs.
        let tun_type = (req.mode == Mode::Tun).then_some(req.tun_type);
        let mut steps = Vec::new();
        for vip in &req.vips {
            let (ip, prefix) = (vip.ip(), host_prefix(&vip.ip()));
            let present = addrs.iter().any(|a| a.addr == ip && a.index == link.index);
            let added = if present {
                false
            } else {
                match self.rtnl.add_address(link.index, ip, prefix) {
                    Ok(()) => {
                        self.added_address(link.index, ip, prefix);
                        true
                    }
                    Err(e) if e.errno() == Some(libc::EEXIST) => false,
                    Err(e) => return Err(netlink_err(format!("adding {vip}/{prefix} to {}", link.name))(e)),
                }
            };
            if let Some(r) = self.record.vips.iter_mut().find(|r| r.address == ip) {
                r.added |= added;
                r.device = link.name.clone();
                r.mode = req.mode;
                r.tun_type = tun_type;
            } else {
                self.record.vips.push(VipRecord {
                    address: ip,
                    prefix,
                    device: link.name.clone(),
                    mode: req.mode,
                    tun_type,
                    added,
                });
            }
            let device = link.name.clone();
            steps.push(if added {
                UpStep::Added {
                    vip: ip,
                    prefix,
                    device,
                }
            } else {
                UpStep::AlreadyThere {
                    vip: ip,
                    prefix,
                    device,
                }
            });
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rs::Vip;

    fn req(vips: &[&str], mode: Mode, tun_type: TunType, tun_port: Option<u16>) -> UpRequest {
        UpRequest {
            vips: vips.iter().map(|v| v.parse::<Vip>().unwrap()).collect(),
            mode,
            dev: None,
            tun_type,
            tun_port,
        }
    }

    #[test]
    fn steps_read_as_before() {
        let vip: IpAddr = "192.0.2.10".parse().unwrap();
        let device = "lo".to_string();
        let added = UpStep::Added {
            vip,
            prefix: 32,
            device: device.clone(),
        };
        assert_eq!(added.to_string(), "192.0.2.10/32 added to lo");
        let there = UpStep::AlreadyThere {
            vip: "2001:db8::10".parse().unwrap(),
            prefix: 128,
            device: "tunl0".into(),
        };
        assert_eq!(there.to_string(), "2001:db8::10/128 already on tunl0");
    }

    #[test]
    fn inconsistent_requests_are_refused_before_anything_is_touched() {
        use Mode::*;
        use TunType::*;
        let cases = [
            (req(&[], Dr, Ipip, None), "rs up needs at least one --vip"),
            (
                req(&["192.0.2.1"], Dr, Ipip, Some(5555)),
                "--tun-port is only for --mode tun --tun-type gue",
            ),
            (
                req(&["192.0.2.1"], Tun, Gue, None),
                "--tun-type gue needs --tun-port",
            ),
            (
                req(&["192.0.2.1"], Tun, Gue, Some(0)),
                "--tun-port must be 1 to 65535",
            ),
            (
                req(&["192.0.2.1"], Tun, Gre, Some(5555)),
                "--tun-port is only for --tun-type gue",
            ),
            (
                req(&["2001:db8::1"], Tun, Ipip, None),
                "IPv6 VIPs are supported for --mode dr only",
            ),
        ];
        for (r, want) in cases {
            let e = check(&r).unwrap_err();
            assert!(matches!(e, RsError::Invalid(_)), "{e}");
            assert_eq!(e.to_string(), want);
        }
        assert!(check(&req(&["192.0.2.1"], Tun, Gue, Some(5555))).is_ok());
        assert!(check(&req(&["2001:db8::1"], Dr, Ipip, None)).is_ok());
    }

    #[test]
    fn the_device_follows_mode_and_type() {
        let mut r = req(&["192.0.2.1"], Mode::Dr, TunType::Ipip, None);
        assert_eq!(r.device_name(), "lo");
        r.mode = Mode::Tun;
        assert_eq!(r.device_name(), "tunl0");
        r.tun_type = TunType::Gre;
        assert_eq!(r.device_name(), "gre0");
        r.dev = Some("lvs0".into());
        assert_eq!(r.device_name(), "lvs0");
    }
}
