//! Changes and tables written as ipvsadm rules.
//!
//! `lvsctl diff` and `lvsctl apply` print each change as the ipvsadm
//! command line that makes it, behind a marker (`+` add, `~` edit, `-`
//! delete), so an operator reads them in the syntax they already know and
//! the lines without markers would replay as `ipvsadm -R` input.
//! `lvsctl save --output rules` writes what `ipvsadm -Sn` writes plus the
//! thresholds (`-x/-y`) that ipvsadm's save leaves out.

use std::fmt::Write as _;

use super::ipvsadm::{self as fmt, Format};
use crate::ipvs::{DaemonState, Destination, Op, Service, ServiceKey, SyncDaemon};
use crate::state::{Change, ChangeKind, PlannedChange, Table};

/// `-t 192.0.2.1:80`, `-f 5 -6`: a service as rules name it (numeric).
pub fn service_selector(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { protocol, addr, port } => {
            let name = fmt::addrport(addr, *port, *protocol, true);
            let opt = match protocol {
                crate::ipvs::Protocol::Tcp => "-t",
                crate::ipvs::Protocol::Udp => "-u",
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
            super::push_signed(&mut s, i64::from(*mark as i32));
            if *af == crate::ipvs::AddressFamily::Inet6 {
                s.push_str(" -6");
            }
            s
        }
    }
}

fn daemon_name(s: DaemonState) -> &'static str {
    match s {
        DaemonState::Master => "master",
        DaemonState::Backup => "backup",
    }
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

fn dest_rule(cmd: &str, key: &ServiceKey, d: &Destination) -> String {
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

/// The marker of a change kind: `+`, `~` or `-`.
pub fn marker(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Add => '+',
        ChangeKind::Edit => '~',
        ChangeKind::Delete => '-',
    }
}

/// A change without its marker: the ipvsadm rule, or
/// `sysctl net.ipv4.vs.NAME=VALUE`.
pub fn change_text(c: &Change) -> String {
    match c {
        Change::Ipvs(op) => op_rule(op),
        Change::Sysctl { name, value } => format!("sysctl net.ipv4.vs.{name}={value}"),
    }
}

/// Appends one line of a plan (marker, space, change, newline) to `out`.
/// Plain IPv4 TCP/UDP destination changes, most of a large plan, are
/// written without intermediate strings.
pub fn push_change_line(out: &mut String, c: &PlannedChange) {
    if let Change::Ipvs(op @ (Op::AddDest(k, d) | Op::EditDest(k, d))) = &c.change {
        if let (
            ServiceKey::Addr {
                protocol: protocol @ (crate::ipvs::Protocol::Tcp | crate::ipvs::Protocol::Udp),
                addr: std::net::IpAddr::V4(va),
                port: vport,
            },
            std::net::IpAddr::V4(da),
        ) = (k, d.addr)
        {
            out.push(marker(c.kind));
            out.push_str(if matches!(op, Op::AddDest(..)) {
                " -a "
            } else {
                " -e "
            });
            out.push_str(if *protocol == crate::ipvs::Protocol::Tcp {
                "-t "
            } else {
                "-u "
            });
            super::push_ipv4(out, *va);
            out.push(':');
            super::push_num(out, u64::from(*vport));
            out.push_str(" -r ");
            super::push_ipv4(out, da);
            out.push(':');
            super::push_num(out, u64::from(d.port));
            fmt::dest_rule_options(out, d);
            fmt::thresholds_rule(out, d);
            out.push('\n');
            return;
        }
    }
    out.push_str(&change_line(c));
    out.push('\n');
}

/// One line of a plan: marker, space, change.
pub fn change_line(c: &PlannedChange) -> String {
    let text = change_text(&c.change);
    let mut s = String::with_capacity(text.len() + 3);
    s.push(marker(c.kind));
    s.push(' ');
    s.push_str(&text);
    s
}

/// The service table as rules: `ipvsadm -Sn`'s lines (in the table's
/// order) plus `-x/-y` where a threshold is set.
pub fn save(table: &Table) -> String {
    let f = Format {
        rule: true,
        numeric: true,
        ..Format::default()
    };
    let mut out = String::new();
    for s in &table.services {
        let _ = write!(out, "-A {}", fmt::service_name(&s.service, &f));
        fmt::service_rule_options(&mut out, &s.service);
        out.push('\n');
        for d in &s.dests {
            out.push_str(&dest_rule("-a", &s.service.key, d));
            out.push('\n');
        }
    }
    out
}
