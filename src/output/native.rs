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
    use crate::ipvs::{Protocol, ServiceEntry, ServiceKey};
    use netlink_packet_core::ParseableParametrized;
    use netlink_packet_generic::GenlHeader;

    fn attr(kind: u16, v: &[u8]) -> Vec<u8> {
        let mut b = ((4 + v.len()) as u16).to_ne_bytes().to_vec();
        b.extend(kind.to_ne_bytes());
        b.extend(v);
        while b.len() % 4 != 0 {
            b.push(0);
        }
        b
    }

    /// A NEW_DEST reply as the kernel sends it, with STATS64 counters above
    /// 2^32 (and the 32-bit STATS nest holding their low halves).
    fn recorded_dest_reply() -> IpvsMessage {
        let mut stats64 = Vec::new();
        let mut stats32 = Vec::new();
        for k in 1..=10u16 {
            let v: u64 = 5_000_000_000 + u64::from(k);
            stats64.extend(attr(k, &v.to_ne_bytes()));
            if k == 4 || k == 5 {
                stats32.extend(attr(k, &v.to_ne_bytes()));
            } else {
                stats32.extend(attr(k, &(v as u32).to_ne_bytes()));
            }
        }
        let mut d = Vec::new();
        d.extend(attr(11, &2u16.to_ne_bytes()));
        d.extend(attr(1, &[198, 51, 100, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        d.extend(attr(2, &80u16.to_be_bytes()));
        for (k, v) in [(3u16, 0u32), (4, 1), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0)] {
            d.extend(attr(k, &v.to_ne_bytes()));
        }
        d.extend(attr(10, &stats32));
        d.extend(attr(12, &stats64));
        let mut nest = attr(2, &d);
        nest[2..4].copy_from_slice(&(2u16 | 0x8000).to_ne_bytes());
        IpvsMessage::parse_with_param(
            &nest,
            GenlHeader {
                cmd: codec::cmd::NEW_DEST,
                version: 1,
            },
        )
        .unwrap()
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
