//! lvsctl's own text listings (`list`, `stats`, `rate`): labels and
//! tables for people. (The JSON schema is [`super::json`], the smaller
//! tables [`super::text`]; ipvsadm's text is [`crate::ipvsadm::format`].)

use super::json;
use super::table::Table;
use crate::ipvs::{
    AddressFamily, DestEntry, ForwardMethod, ServiceEntry, ServiceFlags, ServiceKey, TunnelType,
};

/// The columns of the `list` table (`>`: numeric).
pub const LIST_COLUMNS: [&str; 9] = [
    "SERVICE",
    "SCHED/FORWARD",
    ">WEIGHT",
    ">UPPER",
    ">LOWER",
    ">ACTIVE",
    ">INACTIVE",
    ">PERSIST",
    "FLAGS",
];

/// The rows of the `list` table, one at a time.
pub fn list_rows(t: &[(ServiceEntry, Vec<DestEntry>)], each: &mut dyn FnMut(&[String])) {
    for (s, dests) in t {
        let mut row = vec![service_label(&s.service.key), s.service.scheduler.clone()];
        row.extend(std::iter::repeat_n(String::new(), 6));
        row.push(service_flags(s));
        each(&row);
        for d in dests {
            each(&[
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
}

/// The `list` table.
pub fn list_table(t: &[(ServiceEntry, Vec<DestEntry>)]) -> Table {
    let mut table = Table::new(&LIST_COLUMNS);
    list_rows(t, &mut |r| table.row(r.to_vec()));
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

/// The columns of the `stats` (or, with `rate`, the `rate`) table.
pub fn counters_columns(rate: bool) -> [&'static str; 6] {
    if rate {
        ["SERVICE", ">CPS", ">INPPS", ">OUTPPS", ">INBPS", ">OUTBPS"]
    } else {
        [
            "SERVICE",
            ">CONNS",
            ">INPKTS",
            ">OUTPKTS",
            ">INBYTES",
            ">OUTBYTES",
        ]
    }
}

/// The rows of the `stats` (or `rate`) table, one at a time: exact 64-bit
/// values.
pub fn counters_rows(t: &[(ServiceEntry, Vec<DestEntry>)], rate: bool, each: &mut dyn FnMut(&[String])) {
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
        each(&cells(service_label(&s.service.key), &s.stats));
        for d in dests {
            each(&cells(dest_label(d), &d.stats));
        }
    }
}

/// The `stats` (or, with `rate`, the `rate`) table.
pub fn counters_table(t: &[(ServiceEntry, Vec<DestEntry>)], rate: bool) -> Table {
    let mut table = Table::new(&counters_columns(rate));
    counters_rows(t, rate, &mut |r| table.row(r.to_vec()));
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::codec::{self, IpvsMessage};
    use crate::ipvs::{DestEntry, Destination, ForwardMethod, Protocol, ServiceEntry, ServiceKey, Stats};
    use netlink_packet_core::{Emitable, ParseableParametrized};
    use netlink_packet_generic::GenlHeader;

    /// A NEW_DEST reply as the kernel writes it ([`codec::reply`]), with
    /// every counter above 2^32 (the kernel's 32-bit STATS nest then holds
    /// the low halves of the 32-bit fields, STATS64 the whole values).
    fn recorded_dest_reply() -> IpvsMessage {
        let v = |k: u64| 5_000_000_000 + k;
        let stats = Stats {
            conns: v(1),
            inpkts: v(2),
            outpkts: v(3),
            inbytes: v(4),
            outbytes: v(5),
            cps: v(6),
            inpps: v(7),
            outpps: v(8),
            inbps: v(9),
            outbps: v(10),
        };
        let dest = Destination {
            fwd: ForwardMethod::Masq,
            ..Destination::new("198.51.100.1".parse().unwrap(), 80)
        };
        let msg = codec::reply::dest(&DestEntry {
            dest,
            active_conns: 0,
            inact_conns: 0,
            persist_conns: 0,
            stats,
        });
        // Through the bytes, as a reply arrives.
        let mut bytes = vec![0; msg.buffer_len()];
        msg.emit(&mut bytes);
        let header = GenlHeader {
            cmd: codec::cmd::NEW_DEST,
            version: 1,
        };
        IpvsMessage::parse_with_param(&bytes, header).unwrap()
    }

    #[test]
    fn counters_above_2_32_native_exact_ipvsadm_truncated() {
        let dest = codec::decode_dest(&recorded_dest_reply(), AddressFamily::Inet).unwrap();
        assert_eq!(dest.stats.conns, 5_000_000_001);
        assert_eq!(dest.stats.outbps, 5_000_000_010);
        let svc = ServiceEntry {
            service: crate::ipvs::Service::new(ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: "192.0.2.1".parse().unwrap(),
                port: 80,
            }),
            stats: dest.stats,
        };
        let t = vec![(svc.clone(), vec![dest.clone()])];
        let stats = counters_table(&t, false).render_text();
        assert!(
            stats.contains("5000000001") && stats.contains("5000000005"),
            "{stats}"
        );
        let rate = counters_table(&t, true).render_text();
        assert!(
            rate.contains("5000000006") && rate.contains("5000000010"),
            "{rate}"
        );
        // ipvsadm mode keeps ipvsadm's 32-bit reading of destination
        // counters (5000000001 mod 2^32 = 705032705) but not of services.
        let f = crate::ipvsadm::format::Format {
            stats: true,
            numeric: true,
            exact: true,
            ..Default::default()
        };
        let mut text = String::new();
        crate::ipvsadm::format::service_entry(&mut text, &svc, &[dest], &f);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("5000000001"), "{text}");
        assert!(
            lines[1].contains("705032705") && !lines[1].contains("5000000001"),
            "{text}"
        );
        assert!(
            lines[1].contains("5000000004"),
            "byte counters stay 64-bit: {text}"
        );
    }

    /// The streamed text (`write_text` over `list_rows`, what `list`
    /// prints) is the table's text, for a service with and without real
    /// servers.
    #[test]
    fn streamed_list_text_is_the_tables_text() {
        let dest = codec::decode_dest(&recorded_dest_reply(), AddressFamily::Inet).unwrap();
        let svc = |port| ServiceEntry {
            service: crate::ipvs::Service::new(ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: "192.0.2.1".parse().unwrap(),
                port,
            }),
            stats: Default::default(),
        };
        let t = vec![(svc(80), vec![dest.clone(), dest]), (svc(8080), vec![])];
        let headers: Vec<&str> = LIST_COLUMNS.iter().map(|c| c.trim_start_matches('>')).collect();
        let numeric: Vec<bool> = LIST_COLUMNS.iter().map(|c| c.starts_with('>')).collect();
        let mut streamed = String::new();
        let rows = |f: &mut dyn FnMut(&[String])| list_rows(&t, f);
        crate::output::table::write_text(&headers, &numeric, &rows, &mut |l| streamed.push_str(l));
        let whole = list_table(&t).render_text();
        assert_eq!(streamed, whole);
        assert_eq!(whole.lines().count(), 5, "{whole}");
        let mut counters = String::new();
        let rows = |f: &mut dyn FnMut(&[String])| counters_rows(&t, true, f);
        let cols = counters_columns(true);
        let headers: Vec<&str> = cols.iter().map(|c| c.trim_start_matches('>')).collect();
        let numeric: Vec<bool> = cols.iter().map(|c| c.starts_with('>')).collect();
        crate::output::table::write_text(&headers, &numeric, &rows, &mut |l| counters.push_str(l));
        assert_eq!(counters, counters_table(&t, true).render_text());
    }
}
