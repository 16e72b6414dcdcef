//! lvsctl's own text listings (`list`, `stats`, `rate`): labels and
//! tables for people. (The JSON schema is [`super::json`]; ipvsadm's text is
//! [`super::ipvsadm`].)

use super::json;
use super::table::Table;
use crate::ipvs::{
    AddressFamily, DestEntry, ForwardMethod, ServiceEntry, ServiceFlags, ServiceKey, TunnelType,
};

/// The `list` table.
pub fn list_table(t: &[(ServiceEntry, Vec<DestEntry>)]) -> Table {
    let mut table = Table::new(&[
        "SERVICE",
        "SCHED/FORWARD",
        ">WEIGHT",
        ">UPPER",
        ">LOWER",
        ">ACTIVE",
        ">INACTIVE",
        ">PERSIST",
        "FLAGS",
    ]);
    for (s, dests) in t {
        let mut row = vec![service_label(&s.service.key), s.service.scheduler.clone()];
        row.extend(std::iter::repeat_n(String::new(), 6));
        row.push(service_flags(s));
        table.row(row);
        for d in dests {
            table.row(vec![
                dest_label(d),
                forward_label(d),
                d.dest.weight.to_string(),
                d.dest.u_threshold.to_string(),
                d.dest.l_threshold.to_string(),
                d.active_conns.to_string(),
                d.inact_conns.to_string(),
                d.persist_conns.to_string(),
            ]);
        }
    }
    table
}

/// `tcp 192.0.2.1:80`, `fwmark 5`, `fwmark6 5`.
pub fn service_label(k: &ServiceKey) -> String {
    match k {
        ServiceKey::Addr { protocol, addr, port } => {
            format!(
                "{} {}",
                json::protocol_name(*protocol),
                json::addr_port(addr, *port)
            )
        }
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark,
        } => format!("fwmark {mark}"),
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark,
        } => format!("fwmark6 {mark}"),
    }
}

/// A service's flags as `list` shows them.
pub fn service_flags(e: &ServiceEntry) -> String {
    let s = &e.service;
    let mut f = Vec::new();
    if s.flags.has(ServiceFlags::PERSISTENT) {
        f.push(format!("persistent={}", s.timeout));
        let full = match s.key.af() {
            AddressFamily::Inet => s.netmask == u32::MAX,
            AddressFamily::Inet6 => s.netmask == 128,
        };
        if !full {
            f.push(format!("mask={}", json::netmask_string(s.key.af(), s.netmask)));
        }
    }
    if let Some(pe) = &s.pe_name {
        f.push(format!("pe={pe}"));
    }
    if s.flags.has(ServiceFlags::ONEPACKET) {
        f.push("ops".into());
    }
    let sched = crate::ipvsadm::format::sched_flags(s);
    if !sched.is_empty() {
        f.push(sched);
    }
    f.join(",")
}

/// How a real server is reached, as `list` shows it.
pub fn forward_label(d: &DestEntry) -> String {
    let e = &d.dest;
    let base = json::forward_name(e.fwd);
    if e.fwd != ForwardMethod::Tunnel {
        return base;
    }
    let csum = match e.tun_flags {
        0 => "nocsum".to_string(),
        1 => "csum".into(),
        2 => "remcsum".into(),
        n => format!("flags-{n}"),
    };
    match e.tun_type {
        TunnelType::Ipip => "tunnel/ipip".into(),
        TunnelType::Gue => format!("tunnel/gue:{}:{csum}", e.tun_port),
        TunnelType::Gre => format!("tunnel/gre:{csum}"),
        TunnelType::Other(n) => format!("tunnel/type-{n}"),
    }
}

/// A real server's label in tables.
pub fn dest_label(d: &DestEntry) -> String {
    format!("  -> {}", json::addr_port(&d.dest.addr, d.dest.port))
}

/// The `stats` (or, with `rate`, the `rate`) table: exact 64-bit values.
pub fn counters_table(t: &[(ServiceEntry, Vec<DestEntry>)], rate: bool) -> Table {
    let mut table = if rate {
        Table::new(&["SERVICE", ">CPS", ">INPPS", ">OUTPPS", ">INBPS", ">OUTBPS"])
    } else {
        Table::new(&[
            "SERVICE",
            ">CONNS",
            ">INPKTS",
            ">OUTPKTS",
            ">INBYTES",
            ">OUTBYTES",
        ])
    };
    let cells = |label: String, s: &crate::ipvs::Stats| {
        let v = if rate {
            [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        } else {
            [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
        };
        std::iter::once(label)
            .chain(v.iter().map(u64::to_string))
            .collect::<Vec<_>>()
    };
    for (s, dests) in t {
        table.row(cells(service_label(&s.service.key), &s.stats));
        for d in dests {
            table.row(cells(dest_label(d), &d.stats));
        }
    }
    table
}
