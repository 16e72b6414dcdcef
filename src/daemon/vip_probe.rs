//! `through_vip`: probing a direct-routing or tunnelled real server the way
//! clients reach it, through IPVS to the VIP (seesaw's design).
//!
//! A plain probe to the real server's own address proves the server
//! answers; it does not prove the server accepts packets addressed to the
//! VIP (the VIP on its loopback, the ARP cure, the tunnel device), which is
//! what a DR or TUN real server must do. So for each (service, real server)
//! with a `through_vip` check the daemon creates a firewall-mark service of
//! its own (mark `mark_base + n`, scheduler `rr`) whose one destination is
//! that server with the service's forwarding, and the probe connects to
//! the VIP's address and port with `SO_MARK` set to that mark: IPVS sees the
//! locally sent packet at LOCAL_OUT, matches the mark, and forwards it
//! exactly as it forwards clients' packets, to that server only.
//!
//! The probe's source must be an address of the director that the real
//! server can answer directly, not the VIP (the director has the VIP too,
//! and a reply to the VIP would stay on the real server): the director's
//! address in the subnet of the real server, unless the check gives
//! `source_address`. The real server's reply comes from the VIP, a local
//! address of the director, which Linux drops as a martian unless
//! `accept_local` is on and reverse-path filtering is loose
//! ([`DIRECTOR_SYSCTLS`]); the daemon sets those while it runs such probes
//! and gives the old values back when it stops, with the probe services.
//!
//! Everything here is decided when a file is loaded, so a reload that
//! cannot place a probe is refused whole.

use std::collections::HashMap;
use std::net::IpAddr;

use super::config::DaemonConfig;
use crate::host::net::prefix_contains;
use crate::host::rtnl::Address;
use crate::ipvs::{AddressFamily, ForwardMethod, Service, ServiceKey};
use crate::state::table::ServiceSpec;
use crate::state::InputError;

/// The director sysctls (`net.ipv4.conf.all.*`) a probe through the VIP
/// needs: accept the reply from a local source address, and loose
/// reverse-path filtering (the effective value is the larger of `all` and
/// the device's, so 2 on `all` loosens a strict device).
pub const DIRECTOR_SYSCTLS: [(&str, i64); 2] = [("accept_local", 1), ("rp_filter", 2)];

/// The probe services a file needs, with the checks rewritten to use them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VipProbes {
    /// One firewall-mark service per (service, real server).
    pub services: Vec<ServiceSpec>,
}

impl VipProbes {
    /// Their keys.
    pub fn keys(&self) -> impl Iterator<Item = ServiceKey> + '_ {
        self.services.iter().map(|s| s.service.key)
    }
}

/// Places every `through_vip` check of `config`: validates it, gives its
/// (service, server) a mark, and rewrites the check to connect to the VIP
/// with that mark from a director address. `addresses` are the director's
/// (for the source address).
pub fn plan(config: &mut DaemonConfig, addresses: &[Address]) -> Result<VipProbes, InputError> {
    let file = config.desired.source.file.clone();
    let err = |line: usize, message: String| InputError {
        file: file.clone(),
        line,
        message,
    };
    let base = config.daemon.mark_base;
    let mut out = VipProbes::default();
    let mut marks: HashMap<(ServiceKey, IpAddr, u16), u32> = HashMap::new();
    for s in &mut config.services {
        let line = s.line;
        for md in &mut s.dests {
            if !md.checks.iter().any(|c| c.through_vip) {
                continue;
            }
            let (vip, vport) = match s.key {
                ServiceKey::Addr { addr, port, .. } => (addr, port),
                ServiceKey::Fwmark { .. } => {
                    return Err(err(
                        line,
                        "through_vip needs a service with an address (a firewall-mark service has no VIP to probe)"
                            .into(),
                    ))
                }
            };
            let d = &md.dest;
            if !matches!(d.fwd, ForwardMethod::Route | ForwardMethod::Tunnel) {
                return Err(err(
                    line,
                    format!(
                        "real server {}: through_vip is for direct routing and tunnels (forward = \"route\" or \"tunnel\")",
                        d.addr
                    ),
                ));
            }
            let n = marks.len() as u32;
            let mark = base
                .checked_add(n)
                .ok_or_else(|| err(line, "daemon.mark_base leaves no room for the probe marks".into()))?;
            let key = (s.key, d.addr, d.port);
            marks.insert(key, mark);
            let source = addresses
                .iter()
                .find(|a| {
                    a.addr.is_ipv4() == d.addr.is_ipv4()
                        && a.addr != vip
                        && prefix_contains(d.addr, a.addr, a.prefix)
                })
                .map(|a| a.addr);
            for c in &mut md.checks {
                if !c.through_vip {
                    continue;
                }
                // This server's own copy: its mark and source are its own.
                let c = std::sync::Arc::make_mut(c);
                if c.source_address.is_none() {
                    c.source_address = Some(source.ok_or_else(|| {
                        err(
                            line,
                            format!(
                                "real server {}: no director address shares its subnet; give the through_vip check a source_address",
                                d.addr
                            ),
                        )
                    })?);
                }
                c.fwmark = Some(mark);
                c.connect_address = Some(vip);
                let port = if vport != 0 { vport } else { d.port };
                c.connect_port = Some(c.connect_port.unwrap_or(port));
            }
            let af = if vip.is_ipv4() {
                AddressFamily::Inet
            } else {
                AddressFamily::Inet6
            };
            let mut service = Service::new(ServiceKey::Fwmark { af, mark });
            service.scheduler = "rr".to_string();
            let mut dest = d.clone();
            dest.weight = 1;
            dest.u_threshold = 0;
            dest.l_threshold = 0;
            out.services.push(ServiceSpec {
                service,
                dests: vec![dest],
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::config::parse;

    const FILE: &str = r#"
[[services]]
protocol = "tcp"
address = "203.0.113.10"
port = 80
check = { type = "http", through_vip = true }
destinations = [
  { address = "192.0.2.11", port = 80 },
  { address = "192.0.2.12", port = 80, check = { type = "tcp" } },
]

[[services]]
protocol = "tcp"
address = "203.0.113.11"
port = 443
check = { type = "tcp", through_vip = true, source_address = "198.51.100.1" }
destinations = [{ address = "192.0.2.11", port = 443, forward = "tunnel" }]
"#;

    fn addresses() -> Vec<Address> {
        vec![
            Address::for_test(2, "203.0.113.10", 32),
            Address::for_test(2, "192.0.2.1", 24),
            Address::for_test(1, "127.0.0.1", 8),
        ]
    }

    #[test]
    fn each_server_gets_a_mark_service_and_its_check_goes_to_the_vip() {
        let mut c = parse("d.toml", FILE).unwrap();
        let p = plan(&mut c, &addresses()).unwrap();
        let base = c.daemon.mark_base;
        let keys: Vec<ServiceKey> = p.keys().collect();
        assert_eq!(
            keys,
            [
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: base
                },
                ServiceKey::Fwmark {
                    af: AddressFamily::Inet,
                    mark: base + 1
                },
            ]
        );
        assert_eq!(p.services[0].service.scheduler, "rr");
        assert_eq!(p.services[0].dests.len(), 1);
        assert_eq!(p.services[0].dests[0].addr.to_string(), "192.0.2.11");
        assert_eq!(p.services[1].dests[0].fwd, ForwardMethod::Tunnel);
        let first = &c.services[0].dests[0].checks[0];
        assert_eq!(first.fwmark, Some(base));
        assert_eq!(first.connect_address, Some("203.0.113.10".parse().unwrap()));
        assert_eq!(first.connect_port, Some(80));
        // The director's address in the real server's subnet, not the VIP.
        assert_eq!(first.source_address, Some("192.0.2.1".parse().unwrap()));
        // A server with its own plain check gets no probe service.
        assert_eq!(c.services[0].dests[1].checks[0].fwmark, None);
        // A given source address is kept.
        let tun = &c.services[1].dests[0].checks[0];
        assert_eq!(tun.source_address, Some("198.51.100.1".parse().unwrap()));
        assert_eq!((tun.fwmark, tun.connect_port), (Some(base + 1), Some(443)));
    }

    #[test]
    fn what_cannot_be_probed_through_the_vip_is_refused() {
        let masq = FILE.replace(
            "{ address = \"192.0.2.11\", port = 80 },",
            "{ address = \"192.0.2.11\", port = 80, forward = \"masq\" },",
        );
        let e = plan(&mut parse("d.toml", &masq).unwrap(), &addresses()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("d.toml:2: real server 192.0.2.11: through_vip is for direct routing"),
            "{e}"
        );
        let e = plan(&mut parse("d.toml", FILE).unwrap(), &[]).unwrap_err();
        assert!(
            e.message.contains("give the through_vip check a source_address"),
            "{e}"
        );
        let fwm = "[[services]]\nfwmark = 3\ncheck = { type = \"tcp\", through_vip = true, connect_port = 80 }\ndestinations = [{ address = \"192.0.2.11\" }]\n";
        let e = plan(&mut parse("d.toml", fwm).unwrap(), &addresses()).unwrap_err();
        assert!(e.message.contains("needs a service with an address"), "{e}");
    }
}
