//! lvsctl's own order for what it lists. The kernel returns services in
//! hash-bucket order, which changes with the table's history; ipvsadm
//! sorts, but only partly. lvsctl's listings, `save` and the JSON schema
//! use one total order instead, so two directors with the same table list
//! it alike and a diff of two listings shows only real differences.

use std::net::IpAddr;

use crate::ipvs::{AddressFamily, DestEntry, ServiceEntry, ServiceKey, SyncDaemon};

/// Sorts a table: address services by family, address, port and protocol,
/// then firewall-mark services by family and mark; real servers by family,
/// address and port. (A total order, unlike ipvsadm's.)
pub fn sort_table(t: &mut [(ServiceEntry, Vec<DestEntry>)]) {
    fn key(k: &ServiceKey) -> (u8, AddressFamily, Option<IpAddr>, u32, u16, u16) {
        match *k {
            ServiceKey::Addr { protocol, addr, port } => {
                (0, AddressFamily::of(&addr), Some(addr), 0, port, protocol.raw())
            }
            ServiceKey::Fwmark { af, mark } => (1, af, None, mark, 0, 0),
        }
    }
    t.sort_by_key(|a| key(&a.0.service.key));
    for (_, d) in t.iter_mut() {
        d.sort_by(|a, b| {
            (a.dest.af(), a.dest.addr, a.dest.port).cmp(&(b.dest.af(), b.dest.addr, b.dest.port))
        });
    }
}

/// Sorts sync daemons: master before backup.
pub fn sort_daemons(ds: &mut [SyncDaemon]) {
    ds.sort_by_key(|d| d.state.raw());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Destination, Protocol, Service, Stats};

    fn entry(key: ServiceKey, dests: &[&str]) -> (ServiceEntry, Vec<DestEntry>) {
        let d = dests
            .iter()
            .map(|a| DestEntry {
                dest: Destination::new(a.parse().unwrap(), 80),
                active_conns: 0,
                inact_conns: 0,
                persist_conns: 0,
                stats: Stats::default(),
            })
            .collect();
        (
            ServiceEntry {
                service: Service::new(key),
                stats: Stats::default(),
            },
            d,
        )
    }

    fn addr(protocol: Protocol, a: &str, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol,
            addr: a.parse().unwrap(),
            port,
        }
    }

    #[test]
    fn a_total_order() {
        let mut t = vec![
            entry(
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: 2,
                },
                &[],
            ),
            entry(addr(Protocol::Udp, "2001:db8::1", 53), &[]),
            entry(addr(Protocol::Udp, "192.0.2.1", 80), &[]),
            entry(
                addr(Protocol::Tcp, "192.0.2.1", 80),
                &["2001:db8::2", "198.51.100.9", "198.51.100.10"],
            ),
            entry(addr(Protocol::Tcp, "192.0.2.1", 22), &[]),
            entry(
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: 1,
                },
                &[],
            ),
        ];
        sort_table(&mut t);
        let keys: Vec<ServiceKey> = t.iter().map(|(s, _)| s.service.key).collect();
        assert_eq!(
            keys,
            [
                addr(Protocol::Tcp, "192.0.2.1", 22),
                addr(Protocol::Tcp, "192.0.2.1", 80),
                addr(Protocol::Udp, "192.0.2.1", 80),
                addr(Protocol::Udp, "2001:db8::1", 53),
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: 1
                },
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: 2
                },
            ]
        );
        let dests: Vec<String> = t[1].1.iter().map(|d| d.dest.addr.to_string()).collect();
        assert_eq!(dests, ["198.51.100.9", "198.51.100.10", "2001:db8::2"]);
    }
}
