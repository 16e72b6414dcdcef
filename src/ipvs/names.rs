//! lvsctl's vocabulary for the IPVS model, in one place: the names that
//! lvsctl's own files, JSON and listings use for families, protocols,
//! forwarding methods, tunnel types, checksum modes and daemon states
//! (`as_str` / `name`, and [`std::str::FromStr`] for the canonical
//! spellings), and the schedulers Debian's kernel ships.
//!
//! ipvsadm's own spellings (`Masq`, `TCP`, ...) are part of its text
//! formats and stay in [`crate::ipvsadm`]; file formats that accept
//! aliases (`nat` for `masq`) add them where they read.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use super::model::{tun_flags, AddressFamily, DaemonState, ForwardMethod, Protocol, TunnelType};

/// The schedulers of Debian 12's kernel (6.1), in ipvsadm's order.
pub const SCHEDULERS: [&str; 14] = [
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
];

/// A name that is not one of a vocabulary's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?} (expected one of: {expected})")]
pub struct UnknownName {
    /// What kind of name (`forwarding method`, ...).
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The words that are known, comma-separated.
    pub expected: &'static str,
}

fn unknown(what: &'static str, name: &str, expected: &'static str) -> UnknownName {
    UnknownName {
        what,
        name: name.to_string(),
        expected,
    }
}

impl AddressFamily {
    /// `ipv4` / `ipv6`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressFamily::Inet => "ipv4",
            AddressFamily::Inet6 => "ipv6",
        }
    }
}

impl FromStr for AddressFamily {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ipv4" => Ok(AddressFamily::Inet),
            "ipv6" => Ok(AddressFamily::Inet6),
            _ => Err(unknown("address family", s, "ipv4, ipv6")),
        }
    }
}

impl Protocol {
    /// `tcp`, `udp`, `sctp`, or `proto-N` for a protocol lvsctl does not
    /// know.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Sctp => "sctp".into(),
            Protocol::Other(n) => format!("proto-{n}").into(),
        }
    }
}

impl FromStr for Protocol {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "sctp" => Ok(Protocol::Sctp),
            _ => Err(unknown("protocol", s, "tcp, udp, sctp")),
        }
    }
}

impl ForwardMethod {
    /// `masq`, `route`, `tunnel`, `local`, or `fwd-N`.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            ForwardMethod::Masq => "masq".into(),
            ForwardMethod::Local => "local".into(),
            ForwardMethod::Tunnel => "tunnel".into(),
            ForwardMethod::Route => "route".into(),
            ForwardMethod::Other(n) => format!("fwd-{n}").into(),
        }
    }
}

impl FromStr for ForwardMethod {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "masq" => Ok(ForwardMethod::Masq),
            "route" => Ok(ForwardMethod::Route),
            "tunnel" => Ok(ForwardMethod::Tunnel),
            "local" => Ok(ForwardMethod::Local),
            _ => Err(unknown("forwarding method", s, "route, masq, tunnel, local")),
        }
    }
}

impl TunnelType {
    /// `ipip`, `gue`, `gre`, or `type-N`.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            TunnelType::Ipip => "ipip".into(),
            TunnelType::Gue => "gue".into(),
            TunnelType::Gre => "gre".into(),
            TunnelType::Other(n) => format!("type-{n}").into(),
        }
    }
}

impl FromStr for TunnelType {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ipip" => Ok(TunnelType::Ipip),
            "gue" => Ok(TunnelType::Gue),
            "gre" => Ok(TunnelType::Gre),
            _ => Err(unknown("tunnel type", s, "ipip, gue, gre")),
        }
    }
}

/// The name of a destination's tunnel checksum flags: `nocsum`, `csum`,
/// `remcsum`, or `flags-N`.
pub fn csum_name(flags: u16) -> Cow<'static, str> {
    match flags {
        tun_flags::NOCSUM => "nocsum".into(),
        tun_flags::CSUM => "csum".into(),
        tun_flags::REMCSUM => "remcsum".into(),
        n => format!("flags-{n}").into(),
    }
}

/// The checksum flags of a name ([`csum_name`]'s words).
pub fn csum_flags(name: &str) -> Result<u16, UnknownName> {
    match name {
        "nocsum" => Ok(tun_flags::NOCSUM),
        "csum" => Ok(tun_flags::CSUM),
        "remcsum" => Ok(tun_flags::REMCSUM),
        _ => Err(unknown("tunnel checksum", name, "nocsum, csum, remcsum")),
    }
}

impl DaemonState {
    /// `master` / `backup`.
    pub fn as_str(self) -> &'static str {
        match self {
            DaemonState::Master => "master",
            DaemonState::Backup => "backup",
        }
    }
}

impl fmt::Display for DaemonState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DaemonState {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "master" => Ok(DaemonState::Master),
            "backup" => Ok(DaemonState::Backup),
            _ => Err(unknown("daemon state", s, "master, backup")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back() {
        for af in [AddressFamily::Inet, AddressFamily::Inet6] {
            assert_eq!(af.as_str().parse::<AddressFamily>(), Ok(af));
        }
        for p in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
            assert_eq!(p.name().parse::<Protocol>(), Ok(p));
        }
        for f in [
            ForwardMethod::Masq,
            ForwardMethod::Route,
            ForwardMethod::Tunnel,
            ForwardMethod::Local,
        ] {
            assert_eq!(f.name().parse::<ForwardMethod>(), Ok(f));
        }
        for t in [TunnelType::Ipip, TunnelType::Gue, TunnelType::Gre] {
            assert_eq!(t.name().parse::<TunnelType>(), Ok(t));
        }
        for c in [tun_flags::NOCSUM, tun_flags::CSUM, tun_flags::REMCSUM] {
            assert_eq!(csum_flags(&csum_name(c)), Ok(c));
        }
        for d in [DaemonState::Master, DaemonState::Backup] {
            assert_eq!(d.as_str().parse::<DaemonState>(), Ok(d));
        }
        assert_eq!(Protocol::Other(47).name(), "proto-47");
        assert_eq!(csum_name(7), "flags-7");
        let e = "nat".parse::<ForwardMethod>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown forwarding method \"nat\" (expected one of: route, masq, tunnel, local)"
        );
    }
}
