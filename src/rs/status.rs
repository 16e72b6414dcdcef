//! `lvsctl rs status`: which VIPs this host carries and whether each one is
//! hidden, as [`Problem`] values.
//!
//! The VIPs are those the record holds (managed) and every other host
//! address on a device a VIP would sit on: `lo`, dummy and tunnel devices
//! (unmanaged; someone set them up by hand or with another tool, and they
//! have the ARP problem all the same). Only reading happens here.
//!
//! Problems are typed so that a caller can tell them apart without
//! matching on English; `Display` gives the sentence, which names the
//! setting, its value and the value it needs, because the person reading
//! it is about to fix it by hand.

use std::fmt;
use std::net::IpAddr;

use super::record::{self, Record};
use super::{arp_ignore_ok, host_prefix, netlink_err, sysctl_err, Mode, RsError};
use crate::host::rtnl::{Address, Link, Rtnl};
use crate::host::sysctl;

/// One VIP as `rs status` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipStatus {
    /// The address.
    pub address: IpAddr,
    /// Prefix length on its device (`None`: not configured).
    pub prefix: Option<u8>,
    /// The device it is on (or, when it is missing, the one the record
    /// says).
    pub device: Option<String>,
    /// DR or TUN.
    pub mode: Mode,
    /// Recorded by `rs up`.
    pub managed: bool,
    /// Whether nothing is wrong (`problems` is empty).
    pub ok: bool,
    /// What is wrong, and why.
    pub problems: Vec<Problem>,
}

/// Something that makes a VIP break LVS on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A recorded VIP is not on any VIP device.
    NotConfigured {
        /// The VIP.
        address: IpAddr,
        /// The device the record says it was put on.
        device: String,
    },
    /// The VIP has a prefix wider than a host address.
    WidePrefix {
        /// Its prefix.
        prefix: u8,
        /// The device it is on.
        device: String,
        /// The prefix it needs (32 or 128).
        host_prefix: u8,
    },
    /// `conf/all/arp_ignore` lets the host answer ARP for the VIP.
    ArpIgnore {
        /// The value of `all`.
        value: i64,
        /// The interfaces whose own value would be right (they do not
        /// cover the others).
        set_on: Vec<String>,
    },
    /// `conf/all/arp_announce` lets the host use the VIP as ARP source.
    ArpAnnounce {
        /// The value of `all`.
        value: i64,
    },
    /// An interface's `arp_ignore` overrides a correct `all`.
    ArpIgnoreOverride {
        /// The interface.
        iface: String,
        /// Its value.
        value: i64,
        /// The value of `all`.
        all: i64,
    },
    /// The tunnel device of a TUN VIP does not exist.
    TunnelMissing {
        /// The device.
        device: String,
    },
    /// The tunnel device of a TUN VIP is down.
    TunnelDown {
        /// The device.
        device: String,
    },
    /// Strict reverse-path filtering drops the decapsulated packets.
    RpFilter {
        /// The tunnel device.
        device: String,
        /// `conf/all/rp_filter`.
        all: i64,
        /// The device's own `rp_filter`.
        dev: i64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotConfigured { address, device } => {
                write!(f, "not configured: {address} is not on {device} (was it removed by hand?)")
            }
            Problem::WidePrefix {
                prefix,
                device,
                host_prefix,
            } => write!(
                f,
                "prefix /{prefix} on {device}: a VIP must be a /{host_prefix} host address (a wider prefix on lo makes the whole network local and routes it away)"
            ),
            Problem::ArpIgnore { value, set_on } => {
                write!(
                    f,
                    "this host would answer ARP for it: net.ipv4.conf.all.arp_ignore is {value}; needs 1"
                )?;
                if !set_on.is_empty() {
                    write!(
                        f,
                        " (set on {} only: the kernel uses the larger of all and the receiving interface, so lo or one interface does not cover the others)",
                        set_on.join(", ")
                    )?;
                }
                Ok(())
            }
            Problem::ArpAnnounce { value } => write!(
                f,
                "this host may use it as ARP source address: net.ipv4.conf.all.arp_announce is {value}; needs 2"
            ),
            Problem::ArpIgnoreOverride { iface, value, all } => write!(
                f,
                "would answer ARP for it on {iface}: net.ipv4.conf.{iface}.arp_ignore is {value}, which overrides all={all}"
            ),
            Problem::TunnelMissing { device } => write!(f, "tunnel device {device} is missing"),
            Problem::TunnelDown { device } => write!(f, "tunnel device {device} is down"),
            Problem::RpFilter { device, all, dev } => write!(
                f,
                "strict reverse-path filter drops decapsulated packets on {device}: rp_filter is 1 (all={all}, {device}={dev}); needs 0 or 2"
            ),
        }
    }
}

/// `lvsctl rs status`: every VIP recorded by `rs up`, and every host
/// address found on lo, dummy or tunnel devices.
pub fn status() -> Result<Vec<VipStatus>, RsError> {
    let path = record::record_path()?;
    let rec = record::load(&path)?;
    let mut rtnl = Rtnl::open().map_err(netlink_err("opening rtnetlink"))?;
    let links = rtnl.links().map_err(netlink_err("listing devices"))?;
    let addrs = rtnl.addresses().map_err(netlink_err("listing addresses"))?;
    let mut out = listing(&rec, &links, &addrs);
    let arp_links: Vec<&Link> = links.iter().filter(|l| !l.loopback && !l.noarp).collect();
    for s in &mut out {
        s.problems.extend(check(s, &links, &arp_links)?);
        s.ok = s.problems.is_empty();
    }
    Ok(out)
}

/// Devices a VIP may sit on.
fn vip_device(l: &Link) -> bool {
    l.loopback || l.kind.as_deref() == Some("dummy") || tunnel_device(l)
}

fn tunnel_device(l: &Link) -> bool {
    matches!(l.kind.as_deref(), Some("ipip") | Some("gre")) || l.name == "tunl0" || l.name == "gre0"
}

/// The VIPs, recorded ones first, with the problems that need no sysctl
/// (a recorded VIP that is gone).
fn listing(rec: &Record, links: &[Link], addrs: &[Address]) -> Vec<VipStatus> {
    let found: Vec<(&Address, &Link)> = addrs
        .iter()
        .filter_map(|a| Some((a, links.iter().find(|l| l.index == a.index)?)))
        .filter(|(a, l)| {
            let skip = match a.addr {
                IpAddr::V4(v) => v.is_loopback(),
                IpAddr::V6(v) => v.is_loopback() || crate::host::net::is_link_local_v6(v),
            };
            vip_device(l) && !skip
        })
        .collect();
    let mut out = Vec::new();
    for r in &rec.vips {
        let here = found.iter().find(|(a, _)| a.addr == r.address);
        let mut problems = Vec::new();
        if here.is_none() {
            problems.push(Problem::NotConfigured {
                address: r.address,
                device: r.device.clone(),
            });
        }
        out.push(VipStatus {
            address: r.address,
            prefix: here.map(|(a, _)| a.prefix),
            device: Some(here.map_or_else(|| r.device.clone(), |(_, l)| l.name.clone())),
            mode: r.mode,
            managed: true,
            ok: true,
            problems,
        });
    }
    for (a, l) in &found {
        if rec.vips.iter().any(|r| r.address == a.addr) {
            continue;
        }
        out.push(VipStatus {
            address: a.addr,
            prefix: Some(a.prefix),
            device: Some(l.name.clone()),
            mode: if tunnel_device(l) { Mode::Tun } else { Mode::Dr },
            managed: false,
            ok: true,
            problems: Vec::new(),
        });
    }
    out
}

/// The prefix, ARP and tunnel checks of one VIP.
fn check(s: &VipStatus, links: &[Link], arp_links: &[&Link]) -> Result<Vec<Problem>, RsError> {
    let mut problems = Vec::new();
    let ip = s.address;
    if let Some(p) = s.prefix {
        if p != host_prefix(&ip) {
            problems.push(Problem::WidePrefix {
                prefix: p,
                device: s.device.clone().unwrap_or_default(),
                host_prefix: host_prefix(&ip),
            });
        }
    }
    if !ip.is_ipv4() {
        return Ok(problems);
    }
    let all_ignore = sysctl::get("all", "arp_ignore").map_err(sysctl_err)?;
    let all_announce = sysctl::get("all", "arp_announce").map_err(sysctl_err)?;
    // `all` must be right: it is what covers every interface, including
    // ones added later.
    if !arp_ignore_ok(all_ignore) {
        let mut set_on: Vec<String> = Vec::new();
        for iface in sysctl::interfaces().map_err(sysctl_err)? {
            if arp_ignore_ok(sysctl::get(&iface, "arp_ignore").unwrap_or(0)) {
                set_on.push(iface);
            }
        }
        problems.push(Problem::ArpIgnore {
            value: all_ignore,
            set_on,
        });
    }
    if all_announce < 2 {
        problems.push(Problem::ArpAnnounce { value: all_announce });
    }
    // An interface value above `all` wins.
    for l in arp_links {
        let Ok(ig) = sysctl::get(&l.name, "arp_ignore") else {
            continue;
        };
        if arp_ignore_ok(all_ignore) && !arp_ignore_ok(ig.max(all_ignore)) {
            problems.push(Problem::ArpIgnoreOverride {
                iface: l.name.clone(),
                value: ig,
                all: all_ignore,
            });
        }
    }
    if s.mode == Mode::Tun {
        let device = s.device.clone().unwrap_or_default();
        match links.iter().find(|l| l.name == device) {
            None => problems.push(Problem::TunnelMissing { device }),
            Some(l) if !l.up => problems.push(Problem::TunnelDown { device }),
            Some(_) => {
                let all = sysctl::get("all", "rp_filter").map_err(sysctl_err)?;
                let dev = sysctl::get(&device, "rp_filter").unwrap_or(0);
                if all.max(dev) == 1 {
                    problems.push(Problem::RpFilter { device, all, dev });
                }
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentences as the string-typed `status()` built them, with the
    /// same values: `rs status` prints them and the VM tests grep them.
    #[test]
    fn problems_read_as_before() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        let cases = [
            (
                Problem::NotConfigured {
                    address: ip,
                    device: "lo".into(),
                },
                "not configured: 192.0.2.10 is not on lo (was it removed by hand?)",
            ),
            (
                Problem::WidePrefix {
                    prefix: 24,
                    device: "lo".into(),
                    host_prefix: 32,
                },
                "prefix /24 on lo: a VIP must be a /32 host address (a wider prefix on lo makes the whole network local and routes it away)",
            ),
            (
                Problem::ArpIgnore {
                    value: 0,
                    set_on: vec![],
                },
                "this host would answer ARP for it: net.ipv4.conf.all.arp_ignore is 0; needs 1",
            ),
            (
                Problem::ArpIgnore {
                    value: 0,
                    set_on: vec!["lo".into(), "eth0".into()],
                },
                "this host would answer ARP for it: net.ipv4.conf.all.arp_ignore is 0; needs 1 (set on lo, eth0 only: the kernel uses the larger of all and the receiving interface, so lo or one interface does not cover the others)",
            ),
            (
                Problem::ArpAnnounce { value: 1 },
                "this host may use it as ARP source address: net.ipv4.conf.all.arp_announce is 1; needs 2",
            ),
            (
                Problem::ArpIgnoreOverride {
                    iface: "eth1".into(),
                    value: 3,
                    all: 1,
                },
                "would answer ARP for it on eth1: net.ipv4.conf.eth1.arp_ignore is 3, which overrides all=1",
            ),
            (
                Problem::TunnelMissing { device: "tunl0".into() },
                "tunnel device tunl0 is missing",
            ),
            (
                Problem::TunnelDown { device: "gre0".into() },
                "tunnel device gre0 is down",
            ),
            (
                Problem::RpFilter {
                    device: "tunl0".into(),
                    all: 0,
                    dev: 1,
                },
                "strict reverse-path filter drops decapsulated packets on tunl0: rp_filter is 1 (all=0, tunl0=1); needs 0 or 2",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(p.to_string(), want);
        }
    }

    fn link(index: u32, name: &str, kind: Option<&str>, loopback: bool) -> Link {
        Link {
            noarp: loopback,
            ..Link::for_test(index, name, kind, loopback)
        }
    }

    fn addr(index: u32, a: &str, prefix: u8) -> Address {
        Address::for_test(index, a, prefix)
    }

    #[test]
    fn listing_finds_recorded_and_hand_made_vips() {
        let links = [
            link(1, "lo", None, true),
            link(2, "eth0", None, false),
            link(3, "tunl0", Some("ipip"), false),
            link(4, "lvs0", Some("dummy"), false),
        ];
        let addrs = [
            addr(1, "127.0.0.1", 8),
            addr(1, "192.0.2.10", 32),
            addr(2, "198.51.100.2", 24),
            addr(3, "192.0.2.20", 32),
            addr(4, "fe80::1", 64),
            addr(4, "2001:db8::10", 128),
        ];
        let rec: Record = serde_json::from_str(
            r#"{"version":1,"sysctls":{},"created_links":[],"raised_links":[],"fou_ports":[],
                "vips":[{"address":"192.0.2.10","prefix":32,"device":"lo","mode":"dr","added":true},
                        {"address":"192.0.2.99","prefix":32,"device":"tunl0","mode":"tun","tun_type":"ipip","added":true}]}"#,
        )
        .unwrap();
        let out = listing(&rec, &links, &addrs);
        let brief: Vec<_> = out
            .iter()
            .map(|s| {
                (
                    s.address.to_string(),
                    s.prefix,
                    s.device.clone().unwrap(),
                    s.mode,
                    s.managed,
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                ("192.0.2.10".into(), Some(32), "lo".into(), Mode::Dr, true),
                ("192.0.2.99".into(), None, "tunl0".into(), Mode::Tun, true),
                ("192.0.2.20".into(), Some(32), "tunl0".into(), Mode::Tun, false),
                ("2001:db8::10".into(), Some(128), "lvs0".into(), Mode::Dr, false),
            ]
        );
        assert!(out[0].problems.is_empty());
        assert_eq!(
            out[1].problems,
            [Problem::NotConfigured {
                address: "192.0.2.99".parse().unwrap(),
                device: "tunl0".into()
            }]
        );
    }
}
