//! Raw ARP: gratuitous announcements when a director takes over a VIP, and
//! probing who answers ARP for an address.
//!
//! Probes are broadcast requests repeated over the whole timeout, never
//! switching to unicast after the first reply (that would hide every other
//! answerer, which is exactly what an LVS-DR "ARP problem" looks like).

pub mod announce;
pub mod ndp;
pub mod packet;
pub mod socket;
pub mod vip;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

pub use announce::{Announcer, Frame, Schedule};
use packet::{ArpPacket, Mac, OP_REPLY};
use socket::ArpSocket;
pub use vip::{ProbeReport, VipChange, VipError};

use crate::host::net::{is_link_local_v6, prefix_contains};
use crate::host::rtnl::{Address, Link, Rtnl};
use crate::netlink::NetlinkError;

/// Errors of ARP operations.
#[derive(Debug, thiserror::Error)]
pub enum ArpError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// No such interface.
    #[error("no such interface: {0}")]
    NoInterface(String),
    /// The interface is down.
    #[error("interface {0} is down")]
    InterfaceDown(String),
    /// No CAP_NET_RAW.
    #[error("permission denied: raw ARP needs CAP_NET_RAW (run as root)")]
    Permission,
    /// A socket failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// rtnetlink failed.
    #[error("reading interfaces: {0}")]
    Netlink(#[from] NetlinkError),
}

fn io_err(what: &str) -> impl FnOnce(std::io::Error) -> ArpError + '_ {
    move |e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error() == Some(libc::EPERM) {
            ArpError::Permission
        } else {
            ArpError::Io(what.to_string(), e)
        }
    }
}

/// An interface ready for ARP: up, with a MAC, and its IPv4 addresses.
#[derive(Debug, Clone)]
pub struct Iface {
    /// The device.
    pub link: Link,
    /// Its MAC.
    pub mac: Mac,
    /// Its IPv4 addresses with prefixes.
    pub addrs: Vec<(Ipv4Addr, u8)>,
    /// Its IPv6 addresses with prefixes.
    pub addrs6: Vec<(std::net::Ipv6Addr, u8)>,
}

impl Iface {
    /// Looks up `name` and checks it is up and has a MAC.
    pub fn lookup(rtnl: &mut Rtnl, name: &str) -> Result<Iface, ArpError> {
        let link = rtnl
            .link(name)?
            .ok_or_else(|| ArpError::NoInterface(name.to_string()))?;
        if !link.up {
            return Err(ArpError::InterfaceDown(name.to_string()));
        }
        let mac = link.mac.map(Mac).filter(|m| *m != Mac::ZERO).ok_or_else(|| {
            ArpError::Invalid(format!(
                "interface {name} has no Ethernet address (ARP needs one)"
            ))
        })?;
        let all: Vec<Address> = rtnl
            .addresses()?
            .into_iter()
            .filter(|a| a.index == link.index)
            .collect();
        let addrs = all
            .iter()
            .filter_map(|a| match a.addr {
                IpAddr::V4(v) => Some((v, a.prefix)),
                IpAddr::V6(_) => None,
            })
            .collect();
        let addrs6 = all
            .iter()
            .filter_map(|a| match a.addr {
                IpAddr::V6(v) => Some((v, a.prefix)),
                IpAddr::V4(_) => None,
            })
            .collect();
        Ok(Iface {
            link,
            mac,
            addrs,
            addrs6,
        })
    }

    /// Fails unless the IPv6 `ip` is in one of the interface's prefixes
    /// (link-local ones excluded) or is one of its addresses.
    pub fn check_subnet6(&self, ip: std::net::Ipv6Addr) -> Result<(), ArpError> {
        let ok = self.addrs6.iter().any(|(a, p)| {
            *a == ip || (!is_link_local_v6(*a) && *p < 128 && prefix_contains(ip.into(), (*a).into(), *p))
        });
        if ok {
            return Ok(());
        }
        let nets: Vec<String> = self.addrs6.iter().map(|(a, p)| format!("{a}/{p}")).collect();
        Err(ArpError::Invalid(format!(
            "{ip} is not in a prefix of {} ({}): nobody there would hear about it",
            self.link.name,
            if nets.is_empty() {
                "it has no IPv6 address".to_string()
            } else {
                nets.join(", ")
            }
        )))
    }

    /// The interface address whose subnet holds `ip`, if any.
    pub fn source_for(&self, ip: Ipv4Addr) -> Option<Ipv4Addr> {
        self.addrs
            .iter()
            .find(|(a, p)| *p < 32 && prefix_contains(ip.into(), (*a).into(), *p))
            .map(|(a, _)| *a)
    }

    /// Fails unless `ip` is in one of the interface's subnets (or is one of
    /// its addresses).
    pub fn check_subnet(&self, ip: Ipv4Addr) -> Result<(), ArpError> {
        if self.source_for(ip).is_some() || self.addrs.iter().any(|(a, _)| *a == ip) {
            Ok(())
        } else {
            let nets: Vec<String> = self.addrs.iter().map(|(a, p)| format!("{a}/{p}")).collect();
            Err(ArpError::Invalid(format!(
                "{ip} is not in a subnet of {} ({}): nobody there would hear about it",
                self.link.name,
                if nets.is_empty() {
                    "it has no IPv4 address".to_string()
                } else {
                    nets.join(", ")
                }
            )))
        }
    }
}

/// Gratuitous-ARP form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GarpForm {
    /// Opcode 1 (the default; what Linux and keepalived send).
    Request,
    /// Opcode 2 (piranha's send_arp, `arping -A`).
    Reply,
}

/// One host that answered a probe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// Its MAC (the ARP sender hardware address).
    pub mac: String,
    /// The interface it answered on.
    pub interface: String,
    /// Milliseconds from the first request to its first reply.
    pub first_reply_ms: u64,
    /// How many replies it sent.
    pub replies: u32,
}

/// Broadcasts "who has `ip`" every `interval` for `timeout` and returns
/// every distinct MAC that answered, in order of first reply.
pub fn probe(
    iface: &Iface,
    ip: Ipv4Addr,
    timeout: Duration,
    interval: Duration,
) -> Result<Vec<Answer>, ArpError> {
    let sock = ArpSocket::open(iface.link.index).map_err(io_err("opening a raw ARP socket"))?;
    let sip = iface.source_for(ip).unwrap_or(Ipv4Addr::UNSPECIFIED);
    let req = ArpPacket::request(iface.mac, sip, ip);
    let start = Instant::now();
    let mut next_send = start;
    let mut seen: BTreeMap<Mac, Answer> = BTreeMap::new();
    let mut order: Vec<Mac> = Vec::new();
    loop {
        let now = Instant::now();
        if now >= start + timeout {
            break;
        }
        if now >= next_send {
            sock.send(&req, Mac::BROADCAST).map_err(io_err("sending ARP"))?;
            next_send += interval;
        }
        let wait = next_send
            .min(start + timeout)
            .saturating_duration_since(Instant::now());
        if let Some((p, _src)) = sock.recv(wait).map_err(io_err("receiving ARP"))? {
            if p.op == OP_REPLY && p.sender_ip == ip && p.sender_mac != iface.mac {
                let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                let e = seen.entry(p.sender_mac).or_insert_with(|| {
                    order.push(p.sender_mac);
                    Answer {
                        mac: p.sender_mac.to_string(),
                        interface: iface.link.name.clone(),
                        first_reply_ms: ms,
                        replies: 0,
                    }
                });
                e.replies += 1;
            }
        }
    }
    Ok(order.iter().filter_map(|m| seen.remove(m)).collect())
}

/// Parses a duration: `2s`, `500ms`, `1.5s`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (examples: 2s, 500ms)"))?;
    if !v.is_finite() || v < 0.0 || v * unit > 3600.0 {
        return Err(format!("invalid duration {s:?}: must be between 0 and 1 hour"));
    }
    Ok(Duration::from_secs_f64(v * unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        for bad in ["", "x", "-1s", "5h", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
