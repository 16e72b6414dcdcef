//! ipvsadm's value parsers: scheduler flags, timeouts, firewall marks,
//! multicast groups and `host[:port]`, with the name lookups they fall
//! back to (through [`crate::host::netdb`]).

use super::clib::{inet_aton, inet_pton4, inet_pton6, string_to_number, strtol, Strtol};
use super::fail;
use crate::ipvs::{Protocol, ServiceFlags};
use crate::ipvsadm::ParseError;
use std::net::{IpAddr, Ipv4Addr};

/// `MAX_TIMEOUT`: 31 days.
const MAX_TIMEOUT: i64 = 86400 * 31;

/// `parse_sched_flags`: a comma-separated list checked against the
/// scheduler.
pub fn parse_sched_flags(sched: &str, list: &str) -> Result<u32, ParseError> {
    let mut flags = 0;
    let mut any = false;
    for flag in list.split(',').filter(|f| !f.is_empty()) {
        any = true;
        let (bit, only_for) = match flag {
            "flag-1" => (ServiceFlags::SCHED1, None),
            "flag-2" => (ServiceFlags::SCHED2, None),
            "flag-3" => (ServiceFlags::SCHED3, None),
            "sh-fallback" => (ServiceFlags::SCHED1, Some("sh")),
            "sh-port" => (ServiceFlags::SCHED2, Some("sh")),
            "mh-fallback" => (ServiceFlags::SCHED1, Some("mh")),
            "mh-port" => (ServiceFlags::SCHED2, Some("mh")),
            _ => return Err(fail(format!("invalid scheduler flag `{flag}'"))),
        };
        flags |= bit;
        if only_for.is_some_and(|s| s != sched) {
            return Err(fail(format!("incompatible scheduler flag `{flag}'")));
        }
    }
    if !any {
        // ipvsadm 1.31 crashes here (strtok finds no token).
        return Err(fail(format!("invalid scheduler flag `{list}'")));
    }
    Ok(flags)
}

/// `parse_timeout`: `min..=MAX_TIMEOUT` seconds.
pub(super) fn parse_timeout(s: &str, min: i64) -> Result<u32, ParseError> {
    string_to_number(s, min, MAX_TIMEOUT)
        .map(|n| n as u32)
        .ok_or_else(|| fail(format!("invalid timeout value `{s}' specified")))
}

/// `parse_fwmark`: a decimal 1..=4294967295.
///
/// In `-R` input (`negative_ok`) a mark -2147483648..=-1 is also read, as
/// the 32-bit mark it stands for: ipvsadm 1.31 `-S` prints marks above
/// 2^31-1 with `%d`, and its own `-R` then rejects them. Reading them back
/// is a deliberate lvsctl extension; on the command line they are refused
/// as ipvsadm does.
pub(super) fn parse_fwmark(s: &str, negative_ok: bool) -> Result<u32, ParseError> {
    match strtol(s) {
        Strtol {
            value,
            complete: true,
            overflow: false,
        } if (1..=i64::from(u32::MAX)).contains(&value) => Ok(value as u32),
        Strtol {
            value,
            complete: true,
            overflow: false,
        } if negative_ok && (i64::from(i32::MIN)..=-1).contains(&value) => Ok(value as i32 as u32),
        _ => Err(fail(format!("invalid fwmark value `{s}' specified"))),
    }
}

/// `--mcast-group`: an IPv6 multicast address if it contains `:`, else
/// an IPv4 multicast address (both in `inet_pton` syntax).
pub(super) fn parse_mcast_group(s: &str) -> Result<IpAddr, ParseError> {
    if s.contains(':') {
        match inet_pton6(s) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V6(a)),
            _ => Err(fail(format!("invalid IPv6 mcast-group `{s}'"))),
        }
    } else {
        match inet_pton4(s.as_bytes()) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V4(a)),
            _ => Err(fail(format!("invalid IPv4 mcast-group `{s}'"))),
        }
    }
}

/// `parse_service`: `host[:port]`, `[v6]:port` or a bare IPv6 address.
/// Returns the address and the port if one was given. `protocol` chooses
/// the services database for port names (none: names are not looked up).
pub(super) fn parse_service(buf: &str, protocol: Option<Protocol>) -> Option<(IpAddr, Option<u16>)> {
    // All digits (also the empty string) is rejected.
    if buf.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (host, mut port) = match buf.strip_prefix('[') {
        Some(inner) => {
            let (host, after) = inner.split_once(']')?;
            (host, Some(after.strip_prefix(':')?))
        }
        None => (buf, None),
    };
    let addr = if let Some(v6) = inet_pton6(host) {
        IpAddr::V6(v6)
    } else {
        // Not IPv6: the port (if any) follows the last ':' of what is
        // left; a port after `[...]` is dropped, as in ipvsadm.
        let name = match host.rsplit_once(':') {
            Some((name, p)) => {
                port = Some(p);
                name
            }
            None => {
                port = None;
                host
            }
        };
        IpAddr::V4(inet_aton(name).or_else(|| host_to_addr(name))?)
    };
    let port = match port {
        None => None,
        Some(p) => Some(match string_to_number(p, 0, 65535) {
            Some(n) => n as u16,
            None => service_to_port(p, protocol)?,
        }),
    };
    Some((addr, port))
}

thread_local! {
    /// Lets a test that throws thousands of odd names at the parser skip
    /// the resolver (every failed name is a DNS query).
    pub(super) static NO_HOST_LOOKUPS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Turns host-name lookups off (or back on) for the parses made on the
/// calling thread; a name that is not an address is then an unknown
/// host. For tests that throw thousands of odd words at the grammar
/// (the property tests), where every failed name would be a DNS query.
#[doc(hidden)]
pub fn set_host_lookups(enabled: bool) {
    NO_HOST_LOOKUPS.with(|c| c.set(!enabled));
}

/// Whether host-name lookups are on for the calling thread (see
/// [`set_host_lookups`]); other readers of names (`lvsctl import`) follow
/// the same switch.
#[doc(hidden)]
pub fn host_lookups_enabled() -> bool {
    !NO_HOST_LOOKUPS.with(|c| c.get())
}

/// ipvsadm's `host_to_addr`: the first IPv4 address of a host name.
pub(super) fn host_to_addr(name: &str) -> Option<Ipv4Addr> {
    if name.is_empty() {
        return None;
    }
    if NO_HOST_LOOKUPS.with(|c| c.get()) {
        return None;
    }
    crate::host::netdb::host_v4(name)
}

/// ipvsadm's `service_to_port`: a port name in the services database for
/// the service's protocol.
pub(super) fn service_to_port(name: &str, protocol: Option<Protocol>) -> Option<u16> {
    crate::host::netdb::service_port(name, protocol?)
}
