//! One kernel change written as the ipvsadm command line that makes it
//! (`-a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1`): the syntax operators
//! already read, used for plans, saves and refusal messages. Always numeric.

use std::fmt::Write as _;

use super::format::{self as fmt, Format};
use super::num;
use crate::ipvs::{AddressFamily, DaemonState, Destination, Op, Protocol, Service, ServiceKey, SyncDaemon};

/// `-t 192.0.2.1:80`, `-f 5 -6`: a service as rules name it (numeric).
pub fn service_selector(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { protocol, addr, port } => {
            let name = fmt::addrport(addr, *port, *protocol, true);
            let opt = match protocol {
                Protocol::Tcp => "-t",
                Protocol::Udp => "-u",
                _ => {
                    let f = Format {
                        rule: true,
                        numeric: true,
                        ..Format::default()
                    };
                    return fmt::service_name(&Service::new(*key), &f);
                }
            };
            let mut s = String::with_capacity(4 + name.len());
            s.push_str(opt);
            s.push(' ');
            s.push_str(&name);
            s
        }
        ServiceKey::Fwmark { af, mark } => {
            let mut s = String::from("-f ");
            num::push_signed(&mut s, i64::from(*mark as i32));
            if *af == AddressFamily::Inet6 {
                s.push_str(" -6");
            }
            s
        }
    }
}

fn daemon_name(s: DaemonState) -> &'static str {
    s.as_str()
}

fn start_daemon(d: &SyncDaemon) -> String {
    let mut s = format!(
        "--start-daemon {} --mcast-interface {} --syncid {}",
        daemon_name(d.state),
        d.mcast_ifn,
        d.syncid
    );
    if let Some(v) = d.sync_maxlen {
        let _ = write!(s, " --sync-maxlen {v}");
    }
    if let Some(v) = d.mcast_group {
        let _ = write!(s, " --mcast-group {v}");
    }
    if let Some(v) = d.mcast_port {
        let _ = write!(s, " --mcast-port {v}");
    }
    if let Some(v) = d.mcast_ttl {
        let _ = write!(s, " --mcast-ttl {v}");
    }
    s
}

pub fn dest_rule(cmd: &str, key: &ServiceKey, d: &Destination) -> String {
    let mut s = String::with_capacity(80);
    s.push_str(cmd);
    s.push(' ');
    s.push_str(&service_selector(key));
    s.push_str(" -r ");
    s.push_str(&fmt::dest_rule_name(key, d));
    fmt::dest_rule_options(&mut s, d);
    fmt::thresholds_rule(&mut s, d);
    s
}

/// The ipvsadm command line that makes a change.
pub fn op_rule(op: &Op) -> String {
    match op {
        Op::AddService(s) | Op::EditService(s) => {
            let cmd = if matches!(op, Op::AddService(_)) {
                "-A"
            } else {
                "-E"
            };
            let mut out = format!("{cmd} {}", service_selector(&s.key));
            fmt::service_rule_options(&mut out, s);
            out
        }
        Op::DelService(k) => format!("-D {}", service_selector(k)),
        Op::AddDest(k, d) => dest_rule("-a", k, d),
        Op::EditDest(k, d) => dest_rule("-e", k, d),
        Op::DelDest(k, addr, port) => format!(
            "-d {} -r {}",
            service_selector(k),
            fmt::dest_rule_name(k, &Destination::new(*addr, *port))
        ),
        Op::Flush => "-C".into(),
        Op::Zero(None) => "-Z".into(),
        Op::Zero(Some(k)) => format!("-Z {}", service_selector(k)),
        Op::SetTimeouts(t) => format!("--set {} {} {}", t.tcp, t.tcp_fin, t.udp),
        Op::StartDaemon(d) => start_daemon(d),
        Op::StopDaemon(s) => format!("--stop-daemon {}", daemon_name(*s)),
    }
}

/// Appends [`op_rule`] to `out`. Plain IPv4 TCP/UDP destination changes,
/// most of a large plan, are written without intermediate strings.
pub fn push_op_rule(out: &mut String, op: &Op) {
    if let Op::AddDest(k, d) | Op::EditDest(k, d) = op {
        if let (
            ServiceKey::Addr {
                protocol: protocol @ (Protocol::Tcp | Protocol::Udp),
                addr: std::net::IpAddr::V4(va),
                port: vport,
            },
            std::net::IpAddr::V4(da),
        ) = (k, d.addr)
        {
            out.push_str(if matches!(op, Op::AddDest(..)) {
                "-a "
            } else {
                "-e "
            });
            out.push_str(if *protocol == Protocol::Tcp { "-t " } else { "-u " });
            num::push_ipv4(out, *va);
            out.push(':');
            num::push_num(out, u64::from(*vport));
            out.push_str(" -r ");
            num::push_ipv4(out, da);
            out.push(':');
            num::push_num(out, u64::from(d.port));
            fmt::dest_rule_options(out, d);
            fmt::thresholds_rule(out, d);
            return;
        }
    }
    out.push_str(&op_rule(op));
}
