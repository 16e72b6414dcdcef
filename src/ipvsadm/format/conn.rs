//! ipvsadm 1.31's connection listing (`-L -c`, with `-n` and
//! `--persistent-conn`).
//!
//! Reproduced from ipvsadm's behaviour:
//!
//! * The entries are printed in the kernel's order, unsorted.
//! * The expiry is `MM:SS` with the minutes unbounded (`71582788:15`).
//! * Client and virtual address share the client's family; the
//!   destination has its own.
//! * Ports get service names only for TCP, UDP and SCTP entries, never for
//!   templates (`IP`) or other protocols; every address gets a reverse
//!   lookup. Names are cut at 59 bytes, like everywhere in ipvsadm.
//! * With `--persistent-conn` the persistence engine's name and data are
//!   shown only for entries that have both; in those lines the destination
//!   column is 16 wide instead of 18, and the header's columns do not line
//!   up with the data.
//!
//! The one deliberate difference: ipvsadm reads the kernel's lines into a
//! 256-byte buffer, so longer lines (IPv6 with persistence-engine data)
//! come out split and garbled; here they are printed whole.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use super::addrport_with;
use crate::host::netdb as names;
use crate::ipvs::conn::Connection;
use crate::ipvs::Protocol;

/// The reverse lookups a listing without `-n` makes.
pub trait Resolver {
    /// The host name of an address.
    fn host_name(&self, addr: &IpAddr) -> Option<String>;
    /// The service name of a port; only asked for TCP, UDP and SCTP.
    fn service_name(&self, port: u16, protocol: Protocol) -> Option<String>;
}

/// The system resolver (NSS) and services database, as ipvsadm uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn host_name(&self, addr: &IpAddr) -> Option<String> {
        names::host_name(addr)
    }

    fn service_name(&self, port: u16, protocol: Protocol) -> Option<String> {
        names::service_name(port, protocol)
    }
}

/// Asks each question once: the same virtual service and real servers
/// come back on line after line.
struct Cached<'a> {
    inner: &'a dyn Resolver,
    hosts: RefCell<HashMap<IpAddr, Option<String>>>,
    services: RefCell<HashMap<(u16, u16), Option<String>>>,
}

impl Cached<'_> {
    fn host(&self, addr: &IpAddr) -> Option<String> {
        self.hosts
            .borrow_mut()
            .entry(*addr)
            .or_insert_with(|| self.inner.host_name(addr))
            .clone()
    }

    fn service(&self, port: u16, protocol: Protocol) -> Option<String> {
        if matches!(protocol, Protocol::Other(_)) {
            return None;
        }
        self.services
            .borrow_mut()
            .entry((port, protocol.raw()))
            .or_insert_with(|| self.inner.service_name(port, protocol))
            .clone()
    }
}

/// Appends `s` left-aligned in `width` bytes (C's `%-Ns`, which counts
/// bytes), then `sep`.
fn cell(out: &mut String, s: &str, width: usize, sep: char) {
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.len())));
    out.push(sep);
}

/// ipvsadm's `-c` listing of `conns`: the header lines and one line per
/// entry. `numeric` is `-n`; `persistent_conn` adds the persistence-engine
/// columns; `names` answers the lookups made without `-n`.
pub fn conn_listing(
    conns: &[Connection],
    numeric: bool,
    persistent_conn: bool,
    names: &dyn Resolver,
) -> String {
    let mut out = String::from("IPVS connection entries\n");
    out.push_str("pro expire ");
    cell(&mut out, "state", 11, ' ');
    cell(&mut out, "source", 18, ' ');
    cell(&mut out, "virtual", 18, ' ');
    if persistent_conn {
        cell(&mut out, "destination", 18, ' ');
        cell(&mut out, "pe name", 16, ' ');
        out.push_str("pe_data\n");
    } else {
        out.push_str("destination\n");
    }

    let cache = Cached {
        inner: names,
        hosts: RefCell::default(),
        services: RefCell::default(),
    };
    let name = |a: &SocketAddr, protocol: Protocol| {
        addrport_with(
            &a.ip(),
            a.port(),
            protocol,
            numeric,
            &|addr| cache.host(addr),
            &|port, proto| cache.service(port, proto),
        )
    };
    for c in conns {
        let protocol = c.transport();
        let expire = format!("{:02}:{:02}", c.expires / 60, c.expires % 60);
        cell(&mut out, &c.protocol, 3, ' ');
        cell(&mut out, &expire, 6, ' ');
        cell(&mut out, &c.state, 11, ' ');
        cell(&mut out, &name(&c.client, protocol), 18, ' ');
        cell(&mut out, &name(&c.virtual_addr, protocol), 18, ' ');
        let dest = name(&c.destination, protocol);
        match (&c.pe_name, &c.pe_data) {
            (Some(pe_name), Some(pe_data)) if persistent_conn => {
                cell(&mut out, &dest, 16, ' ');
                cell(&mut out, pe_name, 18, ' ');
                out.push_str(pe_data);
            }
            _ => out.push_str(&dest),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::conn::parse_connections;

    /// The `/proc/net/ip_vs_conn` text behind the `-c` samples below
    /// (Debian's ipvsadm 1.31 read it through a redirected `fopen` when
    /// they were recorded).
    const PROC: &str = "\
Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED     899
UDP C0A80A65 1F40 C0A80A01 0035 0A000005 0035 UDP             299
TCP C0A80A64 0000 C0A80A01 0050 0A000002 0050 NONE           3599
IP  C0A80A64 0000 00000001 0000 0A000007 0000 NONE            100
TCP 2001:0db8:0000:0000:0000:0000:0000:0064 D431 2001:0db8:0000:0000:0000:0000:0000:0001 01BB 2001:0db8:0000:0000:0000:0000:0000:0010 01BB SYN_RECV         59
TCP C0A80A64 D432 C0A80A01 01BB 2001:0db8:0000:0000:0000:0000:0000:0010 01BB ESTABLISHED     899
UDP C0A80A66 13C4 C0A80A03 13C4 0A000008 13C4 UDP             179 sip abcd1234@example.com
TCP 7F000001 9C40 7F000001 0016 7F000001 0016 TIME_WAIT         5
";

    /// The lookups faked for the samples: reverse DNS names chosen for
    /// these addresses, and the standard services database for the ports
    /// used.
    struct Fake;

    impl Resolver for Fake {
        fn host_name(&self, addr: &IpAddr) -> Option<String> {
            let name = match addr.to_string().as_str() {
                "127.0.0.1" => "localhost",
                "10.0.0.2" => "web1.example.com",
                "10.0.0.1" => "a-very-long-real-server-hostname.example.com",
                "192.168.10.1" => "vip.example.com",
                "2001:db8::10" => "v6-real.example.com",
                _ => return None,
            };
            Some(name.into())
        }

        fn service_name(&self, port: u16, protocol: Protocol) -> Option<String> {
            let name = match (port, protocol) {
                (80, Protocol::Tcp | Protocol::Udp) => "http",
                (443, Protocol::Tcp | Protocol::Udp) => "https",
                (53, Protocol::Tcp | Protocol::Udp) => "domain",
                (22, Protocol::Tcp | Protocol::Udp | Protocol::Sctp) => "ssh",
                (5060, Protocol::Tcp | Protocol::Udp) => "sip",
                (_, Protocol::Other(_)) => panic!("service name asked for {protocol:?}"),
                _ => return None,
            };
            Some(name.into())
        }
    }

    /// A resolver that must not be asked.
    struct Numeric;

    impl Resolver for Numeric {
        fn host_name(&self, addr: &IpAddr) -> Option<String> {
            panic!("host name asked for {addr} with -n")
        }

        fn service_name(&self, port: u16, _: Protocol) -> Option<String> {
            panic!("service name asked for {port} with -n")
        }
    }

    fn listing(text: &str, numeric: bool, persistent_conn: bool) -> String {
        let conns = parse_connections(text).unwrap();
        if numeric {
            conn_listing(&conns, true, persistent_conn, &Numeric)
        } else {
            conn_listing(&conns, false, persistent_conn, &Fake)
        }
    }

    #[test]
    fn golden_numeric() {
        let want = "\
IPVS connection entries
pro expire state       source             virtual            destination
TCP 14:59  ESTABLISHED 192.168.10.100:54321 192.168.10.1:80    10.0.0.2:80
UDP 04:59  UDP         192.168.10.101:8000 192.168.10.1:53    10.0.0.5:53
TCP 59:59  NONE        192.168.10.100:0   192.168.10.1:80    10.0.0.2:80
IP  01:40  NONE        192.168.10.100:0   0.0.0.1:0          10.0.0.7:0
TCP 00:59  SYN_RECV    [2001:db8::64]:54321 [2001:db8::1]:443  [2001:db8::10]:443
TCP 14:59  ESTABLISHED 192.168.10.100:54322 192.168.10.1:443   [2001:db8::10]:443
UDP 02:59  UDP         192.168.10.102:5060 192.168.10.3:5060  10.0.0.8:5060
TCP 00:05  TIME_WAIT   127.0.0.1:40000    127.0.0.1:22       127.0.0.1:22
";
        assert_eq!(listing(PROC, true, false), want);
    }

    #[test]
    fn golden_persistent_conn() {
        let want = "\
IPVS connection entries
pro expire state       source             virtual            destination        pe name          pe_data
TCP 14:59  ESTABLISHED 192.168.10.100:54321 192.168.10.1:80    10.0.0.2:80
UDP 04:59  UDP         192.168.10.101:8000 192.168.10.1:53    10.0.0.5:53
TCP 59:59  NONE        192.168.10.100:0   192.168.10.1:80    10.0.0.2:80
IP  01:40  NONE        192.168.10.100:0   0.0.0.1:0          10.0.0.7:0
TCP 00:59  SYN_RECV    [2001:db8::64]:54321 [2001:db8::1]:443  [2001:db8::10]:443
TCP 14:59  ESTABLISHED 192.168.10.100:54322 192.168.10.1:443   [2001:db8::10]:443
UDP 02:59  UDP         192.168.10.102:5060 192.168.10.3:5060  10.0.0.8:5060    sip                abcd1234@example.com
TCP 00:05  TIME_WAIT   127.0.0.1:40000    127.0.0.1:22       127.0.0.1:22
";
        assert_eq!(listing(PROC, true, true), want);
    }

    #[test]
    fn golden_names() {
        let want = "\
IPVS connection entries
pro expire state       source             virtual            destination
TCP 14:59  ESTABLISHED 192.168.10.100:54321 vip.example.com:http web1.example.com:http
UDP 04:59  UDP         192.168.10.101:8000 vip.example.com:domain 10.0.0.5:domain
TCP 59:59  NONE        192.168.10.100:0   vip.example.com:http web1.example.com:http
IP  01:40  NONE        192.168.10.100:0   0.0.0.1:0          10.0.0.7:0
TCP 00:59  SYN_RECV    [2001:db8::64]:54321 [2001:db8::1]:https [v6-real.example.com]:https
TCP 14:59  ESTABLISHED 192.168.10.100:54322 vip.example.com:https [v6-real.example.com]:https
UDP 02:59  UDP         192.168.10.102:sip 192.168.10.3:sip   10.0.0.8:sip
TCP 00:05  TIME_WAIT   localhost:40000    localhost:ssh      localhost:ssh
";
        assert_eq!(listing(PROC, false, false), want);
    }

    const HEADER: &str = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    #[test]
    fn empty_table_is_header_only() {
        assert_eq!(
            listing(HEADER, true, false),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination\n"
        );
        assert_eq!(
            listing(HEADER, false, true),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination        pe name          pe_data\n"
        );
    }

    #[test]
    fn long_line_is_printed_whole() {
        let call_id = format!("{}@sip.example.com", "a1b2c3d4".repeat(12));
        let line = format!(
            "UDP 2001:0db8:0000:0000:0000:0000:0000:0064 13C4 2001:0db8:0000:0000:0000:0000:0000:0001 13C4 \
             2001:0db8:0000:0000:0000:0000:0000:0010 13C4 UDP             179 sip {call_id}"
        );
        assert!(line.len() > 255, "{}", line.len());
        let got = listing(&format!("{HEADER}{line}\n"), true, true);
        let want = format!(
            "UDP 02:59  UDP         [2001:db8::64]:5060 [2001:db8::1]:5060 [2001:db8::10]:5060 sip                {call_id}\n"
        );
        assert!(got.ends_with(&want), "{got}");
        assert_eq!(got.lines().count(), 3);
        // Without --persistent-conn the engine's data is not shown.
        let got = listing(&format!("{HEADER}{line}\n"), false, false);
        assert!(
            got.ends_with(
                "UDP 02:59  UDP         [2001:db8::64]:sip [2001:db8::1]:sip  [v6-real.example.com]:sip\n"
            ),
            "{got}"
        );
    }

    #[test]
    fn ipv6_client_ipv4_destination() {
        let text = format!(
            "{HEADER}TCP 2001:0db8:0000:0000:0000:0000:0000:0064 D431 2001:0db8:0000:0000:0000:0000:0000:0001 0050 0A000002 0050 ESTABLISHED     899\n"
        );
        assert!(listing(&text, true, false)
            .ends_with("TCP 14:59  ESTABLISHED [2001:db8::64]:54321 [2001:db8::1]:80   10.0.0.2:80\n"));
        assert!(listing(&text, false, false).ends_with(
            "TCP 14:59  ESTABLISHED [2001:db8::64]:54321 [2001:db8::1]:http web1.example.com:http\n"
        ));
    }

    #[test]
    fn ipv6_fwmark_template() {
        // The mark fills the first 32 bits of an IPv6 virtual address.
        let text = format!(
            "{HEADER}IP  2001:0db8:0000:0000:0000:0000:0000:0000 0000 0000:0001:0000:0000:0000:0000:0000:0000 0000 2001:0db8:0000:0000:0000:0000:0000:0010 0000 NONE            360\n"
        );
        assert!(listing(&text, true, false)
            .ends_with("IP  06:00  NONE        [2001:db8::]:0     [0:1::]:0          [2001:db8::10]:0\n"));
        assert!(listing(&text, false, false).ends_with(
            "IP  06:00  NONE        [2001:db8::]:0     [0:1::]:0          [v6-real.example.com]:0\n"
        ));
    }

    #[test]
    fn expiry_minutes_are_unbounded() {
        let text = format!(
            "{HEADER}TCP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 4294967295\n\
             TCP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 6000\n"
        );
        let got = listing(&text, true, false);
        assert!(got.contains("\nTCP 71582788:15 ESTABLISHED 10.0.0.1:80"), "{got}");
        assert!(got.contains("\nTCP 100:00 ESTABLISHED 10.0.0.1:80"), "{got}");
    }

    #[test]
    fn pe_columns_need_name_and_data() {
        let text = format!("{HEADER}UDP C0A80A66 13C4 C0A80A03 13C4 0A000008 13C4 UDP 179 sip \n");
        assert!(listing(&text, true, true).ends_with("10.0.0.8:5060\n"));
    }

    #[test]
    fn long_names_are_cut_and_wide_cells_not() {
        struct Long;
        impl Resolver for Long {
            fn host_name(&self, _: &IpAddr) -> Option<String> {
                Some("x".repeat(70))
            }
            fn service_name(&self, _: u16, _: Protocol) -> Option<String> {
                None
            }
        }
        let conns = parse_connections(&format!(
            "{HEADER}SCTP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 1\n"
        ))
        .unwrap();
        let got = conn_listing(&conns, false, false, &Long);
        let x59 = "x".repeat(59);
        assert!(
            got.ends_with(&format!("SCTP 00:01  ESTABLISHED {x59} {x59} {x59}\n")),
            "{got}"
        );
    }

    #[test]
    fn ipv4_compatible_addresses_print_as_glibc_does() {
        let text = format!(
            "{HEADER}TCP 0000:0000:0000:0000:0000:0000:0102:0304 0050 0000:0000:0000:0000:0000:ffff:0a00:0001 0050 0000:0000:0000:0000:0000:0000:0000:0001 0050 CLOSE 1\n"
        );
        assert!(listing(&text, true, false)
            .ends_with("TCP 00:01  CLOSE       [::1.2.3.4]:80     [::ffff:10.0.0.1]:80 [::1]:80\n"));
    }

    #[test]
    fn lookups_are_made_once() {
        struct Counting(RefCell<usize>);
        impl Resolver for Counting {
            fn host_name(&self, _: &IpAddr) -> Option<String> {
                *self.0.borrow_mut() += 1;
                None
            }
            fn service_name(&self, _: u16, _: Protocol) -> Option<String> {
                *self.0.borrow_mut() += 1;
                None
            }
        }
        let conns = parse_connections(&format!(
            "{HEADER}TCP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 1\n\
             TCP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 1\n"
        ))
        .unwrap();
        let r = Counting(RefCell::new(0));
        conn_listing(&conns, false, false, &r);
        // Three hosts and one port.
        assert_eq!(*r.0.borrow(), 4);
    }
}
