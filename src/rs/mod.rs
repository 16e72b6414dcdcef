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
//! ([`record`]) so that `rs down` undoes exactly that, and a failing `up`
//! rolls back what it did.
//!
//! The module is split along its verbs, because each has its own reason to
//! change:
//!
//! * [`up`](up()) applies the cure; every change it makes goes through the
//!   journal (`journal.rs`), which both records it for `rs down` and keeps
//!   the in-memory undo list that rolls a failed run back, so the two can
//!   never disagree about what was done;
//! * [`down`](down()) undoes what the record says, and only that;
//! * [`status`](status()) only reads, and reports what is wrong as
//!   [`Problem`] values rather than sentences, so that callers (and tests)
//!   can tell one problem from another; their `Display` is the sentence a
//!   user reads.
//!
//! `up` and `down` likewise return typed steps ([`UpStep`], [`DownStep`])
//! whose `Display` is the line the CLI prints. The library prints nothing.

mod down;
mod journal;
pub mod record;
mod status;
mod up;

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::host::fou::FouError;
use crate::host::sysctl::SysctlError;
use crate::netlink::NetlinkError;

pub use down::{down, DownStep};
pub use status::{status, Problem, VipStatus};
pub use up::{up, UpStep};

/// Forwarding method the real server takes part in.
///
/// Serialised as `dr` / `tun`, the words the undo record has always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Direct routing.
    Dr,
    /// IP tunnelling.
    Tun,
}

impl Mode {
    /// The name `rs status` shows and the record stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Dr => "dr",
            Mode::Tun => "tun",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// LVS-TUN encapsulation.
///
/// Serialised as `ipip` / `gue` / `gre`, the words the undo record has
/// always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunType {
    /// IP in IP (`tunl0`).
    Ipip,
    /// GUE (a fou port, then `tunl0`).
    Gue,
    /// GRE (`gre0`).
    Gre,
}

impl TunType {
    /// The name the record stores.
    pub fn as_str(self) -> &'static str {
        match self {
            TunType::Ipip => "ipip",
            TunType::Gue => "gue",
            TunType::Gre => "gre",
        }
    }

    /// The fallback device the kernel module creates for this type.
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

impl fmt::Display for TunType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A VIP as `--vip` takes it: a host address (IPv4 or IPv6) that is not
/// unspecified, loopback, multicast or broadcast. Parsed with
/// [`FromStr`]; `/32` (IPv4) or `/128` (IPv6) may follow, and any other
/// prefix is refused, because a wider prefix on `lo` makes the whole
/// network local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vip(IpAddr);

impl Vip {
    /// The address.
    pub fn ip(self) -> IpAddr {
        self.0
    }

    /// Its host prefix length (32 or 128), the only one a VIP gets.
    pub fn prefix(self) -> u8 {
        host_prefix(&self.0)
    }
}

impl FromStr for Vip {
    type Err = RsError;

    fn from_str(s: &str) -> Result<Self, RsError> {
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
        Ok(Vip(ip))
    }
}

impl fmt::Display for Vip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Vip> for IpAddr {
    fn from(v: Vip) -> IpAddr {
        v.0
    }
}

/// Parses `--vip` (see [`Vip`]); the same as `s.parse::<Vip>()`.
pub fn parse_vip(s: &str) -> Result<Vip, RsError> {
    s.parse()
}

/// What `rs up` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpRequest {
    /// VIPs (host addresses).
    pub vips: Vec<Vip>,
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
    /// The undo record (the "state file" under `/run/lvsctl`).
    #[error(transparent)]
    State(#[from] record::RecordError),
    /// fou.
    #[error(transparent)]
    Fou(#[from] FouError),
}

/// Maps an rtnetlink error of `what`, `EPERM` to [`RsError::Permission`].
fn netlink_err(what: impl Into<String>) -> impl FnOnce(NetlinkError) -> RsError {
    let what = what.into();
    move |source| {
        if source.errno() == Some(libc::EPERM) {
            RsError::Permission(what)
        } else {
            RsError::Netlink { what, source }
        }
    }
}

/// Maps a sysctl error, a refused write to [`RsError::Permission`].
fn sysctl_err(e: SysctlError) -> RsError {
    if e.is_permission() {
        RsError::Permission(format!("writing {}", e.path.display()))
    } else {
        RsError::Sysctl(e)
    }
}

/// Maps a failure to take the record's lock.
fn lock_err(e: record::RecordError) -> RsError {
    if e.is_permission() {
        RsError::Permission(format!("taking the lock under {}", record::RECORD_DIR))
    } else {
        RsError::State(e)
    }
}

fn host_prefix(ip: &IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// The `arp_ignore` values that keep a host from answering ARP for an
/// address that is not on the receiving interface.
fn arp_ignore_ok(v: i64) -> bool {
    matches!(v, 1 | 2 | 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vips_must_be_host_addresses() {
        let v: Vip = "192.0.2.10".parse().unwrap();
        assert_eq!(v.ip(), "192.0.2.10".parse::<IpAddr>().unwrap());
        assert_eq!(v.prefix(), 32);
        assert_eq!(v.to_string(), "192.0.2.10");
        assert_eq!(parse_vip("192.0.2.10/32").unwrap(), v);
        assert_eq!(parse_vip("2001:db8::10/128").unwrap().prefix(), 128);
        for bad in [
            "192.0.2.10/24",
            "2001:db8::10/64",
            "192.0.2.10/128",
            "0.0.0.0",
            "224.0.0.5",
            "255.255.255.255",
            "127.0.0.2",
            "::1",
            "ff02::1",
            "x",
            "",
        ] {
            let e = bad.parse::<Vip>().unwrap_err();
            assert!(matches!(e, RsError::Invalid(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn vip_errors_say_what_is_wrong() {
        let e = |s: &str| s.parse::<Vip>().unwrap_err().to_string();
        assert_eq!(e("x"), "invalid VIP \"x\": not an address");
        assert_eq!(
            e("192.0.2.10/24"),
            "invalid VIP \"192.0.2.10/24\": a VIP is a host address (/32); a wider prefix on lo makes the whole network local"
        );
        assert_eq!(
            e("::1"),
            "invalid VIP \"::1\": not a host address (unspecified, loopback, multicast or broadcast)"
        );
    }

    #[test]
    fn modes_and_tunnel_types_keep_their_names() {
        assert_eq!(Mode::Dr.to_string(), "dr");
        assert_eq!(Mode::Tun.to_string(), "tun");
        assert_eq!(serde_json::to_string(&Mode::Tun).unwrap(), "\"tun\"");
        for t in [TunType::Ipip, TunType::Gue, TunType::Gre] {
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
        assert_eq!(TunType::Gue.to_string(), "gue");
        assert_eq!(TunType::Gre.device(), "gre0");
    }

    #[test]
    fn arp_ignore_values() {
        assert!(arp_ignore_ok(1) && arp_ignore_ok(2) && arp_ignore_ok(8));
        for v in [0, 3, 4, 5, 6, 7] {
            assert!(!arp_ignore_ok(v), "{v}");
        }
    }
}
