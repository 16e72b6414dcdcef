//! The director's side of a VIP: putting it on the interface that faces
//! the clients, taking it off again, finding which interface faces an
//! address, and asking who answers ARP (or neighbour discovery) for it.
//!
//! These are the steps of a takeover, and the VRRP daemon of the next
//! issues runs them on failover exactly as `lvsctl vip` and `lvsctl arp`
//! run them by hand, so they live here and not in a front end. They make
//! no decisions about time: announcing the VIP afterwards is an
//! [`Announcer`](super::Announcer) sending one frame per call on the
//! caller's [`Schedule`](super::Schedule) (the CLI sleeps between frames,
//! a daemon has sockets to read in the meantime).
//!
//! An address is *facing* an interface when it lies in one of the
//! interface's subnets, or is one of its addresses: only then does anybody
//! on that link hear an announcement for it. Link-local IPv6 prefixes never
//! count, since every interface has one.

use std::net::IpAddr;
use std::time::Duration;

use super::{io_err, Answer, ArpError, Iface};
use crate::host::net::{is_link_local_v6, prefix_contains};
use crate::host::rtnl::{Address, Link, Rtnl};

/// Errors of VIP takeover steps.
#[derive(Debug, thiserror::Error)]
pub enum VipError {
    /// A raw-socket, rtnetlink or interface failure.
    #[error(transparent)]
    Arp(#[from] ArpError),
    /// No interface has a subnet holding the address, so there is no
    /// interface to pick for it.
    #[error("no interface has a subnet holding {0}")]
    NoSubnet(IpAddr),
}

/// What [`add`] did.
#[derive(Debug, Clone)]
pub struct VipChange {
    /// The address was added (false: it was already there).
    pub added: bool,
    /// The interface it is on, ready for announcing it.
    pub iface: Iface,
}

/// Fails unless `ip` faces `iface` (see the module docs).
pub fn check_facing(iface: &Iface, ip: IpAddr) -> Result<(), ArpError> {
    match ip {
        IpAddr::V4(v4) => iface.check_subnet(v4),
        IpAddr::V6(v6) => iface.check_subnet6(v6),
    }
}

/// Puts `ip/prefix` on the device `dev` (idempotent), with its prefix
/// route. A host-route VIP (/32, /128) must face the device, or nobody
/// would hear it announced; a wider prefix brings its own subnet.
pub fn add(rtnl: &mut Rtnl, dev: &str, ip: IpAddr, prefix: u8) -> Result<VipChange, VipError> {
    add_labeled(rtnl, dev, ip, prefix, None)
}

/// [`add`] with an IPv4 label.
pub fn add_labeled(
    rtnl: &mut Rtnl,
    dev: &str,
    ip: IpAddr,
    prefix: u8,
    label: Option<&str>,
) -> Result<VipChange, VipError> {
    let iface = Iface::lookup(rtnl, dev)?;
    let host_route = match ip {
        IpAddr::V4(_) => prefix == 32,
        IpAddr::V6(_) => prefix == 128,
    };
    if host_route {
        check_facing(&iface, ip)?;
    }
    let added = match rtnl.add_address_labeled(iface.link.index, ip, prefix, label) {
        Ok(()) => true,
        Err(e) if e.errno() == Some(libc::EEXIST) => false,
        Err(e) if e.errno() == Some(libc::EPERM) => return Err(ArpError::Permission.into()),
        Err(e) => return Err(ArpError::from(e).into()),
    };
    Ok(VipChange { added, iface })
}

/// Takes `ip/prefix` off the device `dev`. Returns whether it was there
/// (an absent address is nothing to do, not an error).
pub fn del(rtnl: &mut Rtnl, dev: &str, ip: IpAddr, prefix: u8) -> Result<bool, VipError> {
    let link = rtnl
        .link(dev)
        .map_err(ArpError::from)?
        .ok_or_else(|| ArpError::NoInterface(dev.to_string()))?;
    match rtnl.del_address(link.index, ip, prefix) {
        Ok(()) => Ok(true),
        Err(e) if matches!(e.errno(), Some(libc::EADDRNOTAVAIL) | Some(libc::ENOENT)) => Ok(false),
        Err(e) if e.errno() == Some(libc::EPERM) => Err(ArpError::Permission.into()),
        Err(e) => Err(ArpError::from(e).into()),
    }
}

/// The name of the interface whose subnet holds `ip`: the first
/// non-loopback device with a (non-link-local, non-host) prefix containing
/// it, in the kernel's address order.
pub fn interface_for(rtnl: &mut Rtnl, ip: IpAddr) -> Result<String, VipError> {
    let links = rtnl.links().map_err(ArpError::from)?;
    let addrs = rtnl.addresses().map_err(ArpError::from)?;
    pick_interface(&links, &addrs, ip).ok_or(VipError::NoSubnet(ip))
}

fn pick_interface(links: &[Link], addrs: &[Address], ip: IpAddr) -> Option<String> {
    let holds = |a: &Address| match a.addr {
        IpAddr::V4(_) if a.prefix >= 32 => false,
        IpAddr::V6(v) if a.prefix >= 128 || is_link_local_v6(v) => false,
        _ => prefix_contains(ip, a.addr, a.prefix),
    };
    addrs.iter().filter(|a| holds(a)).find_map(|a| {
        links
            .iter()
            .find(|l| l.index == a.index && !l.loopback)
            .map(|l| l.name.clone())
    })
}

/// What a probe for an address found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// The address probed.
    pub address: IpAddr,
    /// The interface probed on.
    pub interface: String,
    /// The address is one of this host's own (its answers are not seen).
    pub local: bool,
    /// Every other host that answered, in order of first reply.
    pub answers: Vec<Answer>,
}

impl ProbeReport {
    /// How many hosts hold the address: those that answered, and this
    /// one if it is local. One is a healthy VIP; more is the ARP problem.
    pub fn hosts(&self) -> usize {
        self.answers.len() + usize::from(self.local)
    }
}

/// Asks who answers for `ip` on `dev` (default: [`interface_for`]),
/// broadcasting every `interval` for `timeout`: ARP requests for IPv4,
/// neighbour solicitations for IPv6.
pub fn probe_address(
    rtnl: &mut Rtnl,
    ip: IpAddr,
    dev: Option<&str>,
    timeout: Duration,
    interval: Duration,
) -> Result<ProbeReport, VipError> {
    let dev = match dev {
        Some(d) => d.to_string(),
        None => interface_for(rtnl, ip)?,
    };
    let iface = Iface::lookup(rtnl, &dev)?;
    check_facing(&iface, ip)?;
    let local = rtnl
        .addresses()
        .map_err(ArpError::from)?
        .iter()
        .any(|a| a.addr == ip);
    let answers = match ip {
        IpAddr::V4(v4) => super::probe(&iface, v4, timeout, interval)?,
        IpAddr::V6(v6) => super::ndp::probe(
            iface.link.index,
            &iface.link.name,
            iface.mac,
            v6,
            timeout,
            interval,
        )
        .map_err(io_err("probing with neighbour solicitations"))?,
    };
    Ok(ProbeReport {
        address: ip,
        interface: dev,
        local,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str, loopback: bool) -> Link {
        Link::for_test(index, name, None, loopback)
    }

    fn addr(index: u32, a: &str, prefix: u8) -> Address {
        Address::for_test(index, a, prefix)
    }

    #[test]
    fn the_interface_whose_subnet_holds_the_address() {
        let links = [link(1, "lo", true), link(2, "e0", false), link(3, "e1", false)];
        let addrs = [
            addr(1, "127.0.0.1", 8),
            addr(1, "192.0.2.99", 32),
            addr(2, "fe80::1", 64),
            addr(2, "192.0.2.1", 24),
            addr(3, "198.51.100.1", 24),
            addr(3, "2001:db8::1", 64),
            addr(3, "203.0.113.5", 32),
        ];
        let pick = |ip: &str| pick_interface(&links, &addrs, ip.parse().unwrap());
        assert_eq!(pick("192.0.2.200").as_deref(), Some("e0"));
        assert_eq!(pick("198.51.100.7").as_deref(), Some("e1"));
        assert_eq!(pick("2001:db8::42").as_deref(), Some("e1"));
        // Loopback subnets, host routes and link-local prefixes face nobody.
        assert_eq!(pick("127.0.0.2"), None);
        assert_eq!(pick("203.0.113.5"), None);
        assert_eq!(pick("fe80::2"), None);
        assert_eq!(pick("10.0.0.1"), None);
    }

    #[test]
    fn probe_hosts_count_this_one_when_local() {
        let mut r = ProbeReport {
            address: "192.0.2.10".parse().unwrap(),
            interface: "e0".into(),
            local: false,
            answers: Vec::new(),
        };
        assert_eq!(r.hosts(), 0);
        r.local = true;
        assert_eq!(r.hosts(), 1);
        r.answers.push(Answer {
            mac: "02:00:00:00:00:01".into(),
            interface: "e0".into(),
            first_reply_ms: 3,
            replies: 5,
        });
        assert_eq!(r.hosts(), 2);
    }

    #[test]
    fn no_subnet_names_the_address() {
        let e = VipError::NoSubnet("192.0.2.10".parse().unwrap());
        assert_eq!(e.to_string(), "no interface has a subnet holding 192.0.2.10");
    }
}
