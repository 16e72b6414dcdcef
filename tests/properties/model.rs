//! Generators of model values (addresses, services, destinations,
//! daemons, tables) and of mutated inputs, shared by the properties.
//!
//! The generators make what the formats can express: the intersection
//! of what the ipvsadm grammar and the TOML reader accept (names of at
//! most 15 bytes, persistence timeouts both accept, thresholds with the
//! lower one not above the upper one), so that one generated table can
//! go through every printer.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use proptest::sample::Index;

use lvsctl::ipvs::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags, ServiceKey,
    SyncDaemon, Timeouts, TunnelType,
};
use lvsctl::state::table::SYSCTLS;
use lvsctl::state::{ServiceSpec, Table};

/// Longest persistence timeout the formats accept (31 days, ipvsadm's
/// limit).
pub const MAX_PERSISTENT_TIMEOUT: u32 = 86_400 * 31;
/// Longest timeout `--set` accepts (31 days).
pub const MAX_SET_TIMEOUT: u32 = 86_400 * 31;

pub fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(Ipv4Addr::from),
        Just(Ipv4Addr::UNSPECIFIED),
        Just(Ipv4Addr::BROADCAST),
    ]
}

/// IPv6 addresses with the shapes printers treat specially: runs of
/// zero groups, IPv4-compatible (`::1.2.3.4`) and IPv4-mapped ones.
pub fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    prop_oneof![
        any::<[u8; 16]>().prop_map(Ipv6Addr::from),
        prop::array::uniform8(prop_oneof![Just(0u16), any::<u16>()]).prop_map(Ipv6Addr::from),
        any::<Ipv4Addr>().prop_map(|a| {
            let [a, b, c, d] = a.octets();
            Ipv6Addr::from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d])
        }),
        any::<Ipv4Addr>().prop_map(|a| a.to_ipv6_mapped()),
    ]
}

pub fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![ipv4().prop_map(IpAddr::V4), ipv6().prop_map(IpAddr::V6)]
}

pub fn ip_of(af: AddressFamily) -> BoxedStrategy<IpAddr> {
    match af {
        AddressFamily::Inet => ipv4().prop_map(IpAddr::V4).boxed(),
        AddressFamily::Inet6 => ipv6().prop_map(IpAddr::V6).boxed(),
    }
}

pub fn family() -> impl Strategy<Value = AddressFamily> {
    prop_oneof![Just(AddressFamily::Inet), Just(AddressFamily::Inet6)]
}

pub fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![Just(Protocol::Tcp), Just(Protocol::Udp), Just(Protocol::Sctp)]
}

pub fn port() -> impl Strategy<Value = u16> {
    prop_oneof![Just(0u16), Just(80), Just(65535), any::<u16>()]
}

pub fn key() -> BoxedStrategy<ServiceKey> {
    prop_oneof![
        3 => (protocol(), ip(), port()).prop_map(|(protocol, addr, port)| ServiceKey::Addr { protocol, addr, port }),
        1 => (family(), prop_oneof![Just(1u32), Just(u32::MAX), Just(1 << 31), 1..=u32::MAX])
            .prop_map(|(af, mark)| ServiceKey::Fwmark { af, mark }),
    ]
    .boxed()
}

/// A word that is a plain name in every format: no blanks, no `#` at
/// its start, never the word `ipvsadm` (which `-R` input drops).
pub fn name(max: usize) -> impl Strategy<Value = String> {
    let pattern = format!("[a-z][a-z0-9_.-]{{0,{}}}", max - 1);
    proptest::string::string_regex(&pattern)
        .expect("a valid pattern")
        .prop_filter("`ipvsadm` is dropped from rules lines", |s| s != "ipvsadm")
}

pub fn scheduler() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&["rr", "wrr", "lc", "wlc", "sh", "mh", "twos", "fo"][..])
            .prop_map(String::from),
        name(15),
    ]
}

/// A service as both the grammar and the TOML reader accept it.
pub fn service() -> BoxedStrategy<Service> {
    (
        key(),
        scheduler(),
        any::<bool>(),
        1..=MAX_PERSISTENT_TIMEOUT,
        any::<u32>(),
        1u32..=128,
        any::<bool>(),
        prop::option::of(name(15)),
        0u32..8,
    )
        .prop_map(
            |(key, scheduler, persistent, timeout, mask4, mask6, one_packet, pe_name, sched_bits)| {
                let mut svc = Service::new(key);
                let mut flags = 0;
                // Port 0 is only for persistent services.
                let persistent = persistent || matches!(key, ServiceKey::Addr { port: 0, .. });
                if persistent {
                    flags |= ServiceFlags::PERSISTENT;
                    svc.timeout = timeout;
                    svc.netmask = match key.af() {
                        AddressFamily::Inet => mask4,
                        AddressFamily::Inet6 => mask6,
                    };
                }
                // One-packet scheduling is for UDP and firewall marks only.
                let udp_or_mark = matches!(
                    key,
                    ServiceKey::Fwmark { .. }
                        | ServiceKey::Addr {
                            protocol: Protocol::Udp,
                            ..
                        }
                );
                if one_packet && udp_or_mark {
                    flags |= ServiceFlags::ONEPACKET;
                }
                // sh and mh name two flags; other schedulers have flag-1..3.
                let named = if matches!(scheduler.as_str(), "sh" | "mh") {
                    [ServiceFlags::SCHED1, ServiceFlags::SCHED2, 0]
                } else {
                    [ServiceFlags::SCHED1, ServiceFlags::SCHED2, ServiceFlags::SCHED3]
                };
                for (i, bit) in named.iter().enumerate() {
                    if sched_bits & (1 << i) != 0 {
                        flags |= bit;
                    }
                }
                svc.scheduler = scheduler;
                svc.flags = ServiceFlags(flags);
                svc.pe_name = pe_name;
                svc
            },
        )
        .boxed()
}

/// Tunnel settings: type, port, checksum flags, as the grammar allows
/// them (a port for gue only; no checksum option for ipip).
fn tunnel() -> impl Strategy<Value = (TunnelType, u16, u16)> {
    prop_oneof![
        Just((TunnelType::Ipip, 0, 0)),
        (1u16..=65535, 0u16..=2).prop_map(|(p, f)| (TunnelType::Gue, p, f)),
        // No remote checksum offload for gre (ipvsadm refuses `--tun-remcsum`).
        (0u16..=1).prop_map(|f| (TunnelType::Gre, 0, f)),
    ]
}

/// A real server of the service `key`, as the grammar and TOML accept
/// it: another family only when tunnelled, the service's port with
/// direct routing and tunnelling.
pub fn destination(key: ServiceKey) -> BoxedStrategy<Destination> {
    let fwd = prop_oneof![
        Just(ForwardMethod::Masq),
        Just(ForwardMethod::Route),
        Just(ForwardMethod::Tunnel)
    ];
    (fwd, any::<bool>(), ip_of(key.af()), ip(), port())
        .prop_flat_map(move |(fwd, other_family, same, other, port)| {
            let addr = if fwd == ForwardMethod::Tunnel && other_family {
                other
            } else {
                same
            };
            let port = match (key, fwd) {
                (ServiceKey::Addr { port: svc_port, .. }, ForwardMethod::Route | ForwardMethod::Tunnel) => {
                    svc_port
                }
                _ => port,
            };
            let weight = prop_oneof![Just(0u32), Just(1), Just(i32::MAX as u32), 0..=i32::MAX as u32];
            let upper = prop_oneof![Just(0u32), 0..=i32::MAX as u32];
            (Just((fwd, addr, port)), weight, upper, any::<Index>(), tunnel())
        })
        .prop_map(
            |((fwd, addr, port), weight, upper, lower, (tun_type, tun_port, tun_flags))| {
                let mut d = Destination::new(addr, port);
                d.fwd = fwd;
                d.weight = weight;
                d.u_threshold = upper;
                d.l_threshold = if upper == 0 {
                    0
                } else {
                    lower.index(upper as usize + 1) as u32
                };
                if fwd == ForwardMethod::Tunnel {
                    d.tun_type = tun_type;
                    d.tun_port = tun_port;
                    d.tun_flags = tun_flags;
                }
                d
            },
        )
        .boxed()
}

/// A service and a real server of it.
pub fn service_and_dest() -> impl Strategy<Value = (ServiceKey, Destination)> {
    key().prop_flat_map(|k| (Just(k), destination(k)))
}

/// A service with up to `max_dests` real servers (distinct address and
/// port).
pub fn service_spec(max_dests: usize) -> impl Strategy<Value = ServiceSpec> {
    service().prop_flat_map(move |service| {
        let key = service.key;
        prop::collection::vec(destination(key), 0..=max_dests).prop_map(move |mut dests| {
            let mut seen = HashSet::new();
            dests.retain(|d| seen.insert((d.addr, d.port)));
            ServiceSpec {
                service: service.clone(),
                dests,
            }
        })
    })
}

/// Services with distinct keys: what a rules file describes.
pub fn services(max: usize) -> impl Strategy<Value = Vec<ServiceSpec>> {
    prop::collection::vec(service_spec(4), 0..=max).prop_map(|mut v| {
        let mut seen = HashSet::new();
        v.retain(|s| seen.insert(s.service.key));
        v
    })
}

pub fn mcast_group() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (224u8..=239, any::<[u8; 3]>()).prop_map(|(a, [b, c, d])| IpAddr::V4(Ipv4Addr::new(a, b, c, d))),
        any::<[u8; 15]>().prop_map(|rest| {
            let mut o = [0xffu8; 16];
            o[1..].copy_from_slice(&rest);
            IpAddr::V6(Ipv6Addr::from(o))
        }),
    ]
}

/// A sync daemon as the grammar accepts it.
pub fn daemon() -> BoxedStrategy<SyncDaemon> {
    (
        prop_oneof![Just(DaemonState::Master), Just(DaemonState::Backup)],
        name(15),
        0u32..=255,
        prop::option::of(1u16..=65535 - 28),
        prop::option::of(mcast_group()),
        prop::option::of(1u16..=65535),
        prop::option::of(1u8..=255),
    )
        .prop_map(
            |(state, mcast_ifn, syncid, sync_maxlen, mcast_group, mcast_port, mcast_ttl)| SyncDaemon {
                state,
                mcast_ifn,
                syncid,
                sync_maxlen,
                mcast_group,
                mcast_port,
                mcast_ttl,
            },
        )
        .boxed()
}

pub fn set_timeouts() -> impl Strategy<Value = Timeouts> {
    (0..=MAX_SET_TIMEOUT, 0..=MAX_SET_TIMEOUT, 0..=MAX_SET_TIMEOUT).prop_map(|(tcp, tcp_fin, udp)| Timeouts {
        tcp,
        tcp_fin,
        udp,
    })
}

/// The `[sysctl]` section: every managed sysctl, each 0 or 1. (When the
/// section grows, give each its own range here.)
pub fn sysctls() -> impl Strategy<Value = BTreeMap<String, i64>> {
    prop::collection::vec(0i64..=1, SYSCTLS.len())
        .prop_map(|values| SYSCTLS.iter().map(|(k, _)| k.to_string()).zip(values).collect())
}

/// A whole table as the TOML format describes it (every part present,
/// as the reader fills in defaults).
pub fn full_table() -> BoxedStrategy<Table> {
    let timeouts = (1..=i32::MAX as u32, 1..=i32::MAX as u32, 1..=i32::MAX as u32)
        .prop_map(|(tcp, tcp_fin, udp)| Timeouts { tcp, tcp_fin, udp });
    let daemons = prop::collection::vec(daemon(), 0..=2).prop_map(|mut v| {
        let mut seen = HashSet::new();
        v.retain(|d| seen.insert(d.state));
        v
    });
    (services(5), timeouts, daemons, sysctls())
        .prop_map(|(services, timeouts, daemons, sysctls)| Table {
            services,
            timeouts: Some(timeouts),
            daemons: Some(daemons),
            sysctls: Some(sysctls),
        })
        .boxed()
}

/// Changes to apply to a byte string: overwrite bytes, then maybe cut it.
#[derive(Debug, Clone)]
pub struct ByteEdits {
    sets: Vec<(Index, u8)>,
    cut: Option<Index>,
}

pub fn byte_edits() -> impl Strategy<Value = ByteEdits> {
    (
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..4),
        prop::option::weighted(0.3, any::<Index>()),
    )
        .prop_map(|(sets, cut)| ByteEdits { sets, cut })
}

impl ByteEdits {
    pub fn apply(&self, mut b: Vec<u8>) -> Vec<u8> {
        if !b.is_empty() {
            for (at, v) in &self.sets {
                let i = at.index(b.len());
                b[i] = *v;
            }
        }
        if let Some(cut) = &self.cut {
            b.truncate(cut.index(b.len() + 1));
        }
        b
    }
}
