//! `/proc/net/ip_vs_conn`, and ipvsadm's `-c` listing of what it holds.

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;

use lvsctl::ipvs::conn::{parse_connections, Connection};
use lvsctl::ipvs::Protocol;
use lvsctl::ipvsadm::format::conn::{conn_listing, Resolver};

use crate::model;

/// Answers every lookup with an odd name (or none), so the listing's
/// name paths run without the system resolver.
struct OddNames;

impl Resolver for OddNames {
    fn host_name(&self, addr: &IpAddr) -> Option<String> {
        addr.is_ipv4().then(|| "é".repeat(40))
    }
    fn service_name(&self, port: u16, _: Protocol) -> Option<String> {
        (port % 2 == 0).then(|| format!("svc-{port}"))
    }
}

/// An address as the kernel writes it: 8 hex digits for IPv4 (`%08X`),
/// 8 groups of 4 for IPv6 (`%pI6`).
fn kernel_addr(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(a) => format!("{:08X}", u32::from(*a)),
        IpAddr::V6(a) => a
            .segments()
            .iter()
            .map(|s| format!("{s:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// One line as `ip_vs_conn_seq_show` writes it.
fn kernel_line(c: &Connection) -> String {
    let mut s = format!(
        "{:<3} {} {:04X} {} {:04X} {} {:04X} {:<11} {:>7}",
        c.protocol,
        kernel_addr(&c.client.ip()),
        c.client.port(),
        kernel_addr(&c.virtual_addr.ip()),
        c.virtual_addr.port(),
        kernel_addr(&c.destination.ip()),
        c.destination.port(),
        c.state,
        c.expires
    );
    if let Some(n) = &c.pe_name {
        s.push(' ');
        s.push_str(n);
        if let Some(d) = &c.pe_data {
            s.push(' ');
            s.push_str(d);
        }
    }
    s
}

fn word() -> impl Strategy<Value = String> {
    "[!-~]{1,12}"
}

fn connection() -> impl Strategy<Value = Connection> {
    let client_and_virtual =
        model::family().prop_flat_map(|af| (model::ip_of(af), any::<u16>(), model::ip_of(af), any::<u16>()));
    let pe = prop_oneof![
        Just((None, None)),
        word().prop_map(|n| (Some(n), None)),
        (word(), "[!-~]{1,40}").prop_map(|(n, d)| (Some(n), Some(d))),
    ];
    (
        prop_oneof![
            prop::sample::select(&["TCP", "UDP", "SCTP", "IP", "ICMP", "ICMPv6", "IP_99"][..])
                .prop_map(String::from),
            word(),
        ],
        client_and_virtual,
        model::ip(),
        any::<u16>(),
        prop_oneof![
            prop::sample::select(&["ESTABLISHED", "SYN_RECV", "FIN_WAIT", "UDP", "NONE"][..])
                .prop_map(String::from),
            word(),
        ],
        any::<u32>(),
        pe,
    )
        .prop_map(
            |(protocol, (c, cp, v, vp), d, dp, state, expires, (pe_name, pe_data))| Connection {
                protocol,
                client: SocketAddr::new(c, cp),
                virtual_addr: SocketAddr::new(v, vp),
                destination: SocketAddr::new(d, dp),
                state,
                expires,
                pe_name,
                pe_data,
            },
        )
}

const HEADER: &str = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

/// A field of a kernel line, or something in its place.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9A-Fa-fx+-]{0,10}",
        "[0-9a-f:.]{0,40}",
        word(),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_text_does_not_panic(text in any::<String>(), numeric in any::<bool>(), pc in any::<bool>()) {
        if let Ok(conns) = parse_connections(&text) {
            let _ = conn_listing(&conns, numeric, pc, &OddNames);
        }
    }

    /// Lines of eight to twelve fields of any shape.
    #[test]
    fn lines_of_odd_fields_do_not_panic(
        lines in prop::collection::vec(prop::collection::vec(field(), 8..12), 0..4),
        numeric in any::<bool>(),
    ) {
        let text: String = lines.iter().map(|l| l.join(" ") + "\n").collect();
        if let Ok(conns) = parse_connections(&format!("{HEADER}{text}")) {
            let _ = conn_listing(&conns, numeric, true, &OddNames);
        }
    }

    /// What the kernel writes reads back as the connections it wrote.
    #[test]
    fn kernel_lines_read_back(conns in prop::collection::vec(connection(), 0..5)) {
        let text: String = conns.iter().map(|c| kernel_line(c) + "\n").collect();
        prop_assert_eq!(parse_connections(&format!("{HEADER}{text}")).ok(), Some(conns.clone()), "{}", text);
        let _ = conn_listing(&conns, false, true, &OddNames);
        let _ = conn_listing(&conns, true, false, &OddNames);
    }
}
