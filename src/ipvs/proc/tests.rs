use super::*;

/// The shapes `ip_vs_info_seq_show` prints (IPv4 with persistence and
/// one-packet scheduling, IPv6, an IPv4 destination of an IPv6 tunnel
/// service, a firewall mark, a service without destinations), padded as
/// the kernel pads them.
const SAMPLE: &str = "\
IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C0000264:0050 wlc persistent 300 FFFFFF00
  -> C000020C:1F90      Masq    2      3          40        
  -> C000020B:0050      Route   1      0          0         
UDP  C6336401:0035 rr ops 
  -> CB00710B:0035      Tunnel  2147483647 0          0         
TCP  [2001:0db8:0000:0000:0000:0000:0000:0001]:01BB sh 
  -> [2001:0db8:0000:0000:0000:0000:0000:000b]:01BB      Local   0      0          0         
  -> C000020B:01BB      Tunnel  1      0          0         
FWM  00000007 lc 
SCTP  C0000265:0B59 dh 
";

fn write_sample(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("lvsctl-proc-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

fn read_all(text: &str, name: &str) -> Result<Vec<ProcService>, ProcError> {
    let p = write_sample(name, text);
    let mut r = ProcReader::open_path(&p)?;
    let mut out = Vec::new();
    while let Some(s) = r.next_service()? {
        out.push(s);
    }
    assert_eq!(r.bytes_read(), text.len() as u64, "every byte is counted");
    std::fs::remove_file(p).unwrap();
    Ok(out)
}

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

#[test]
fn every_record_shape_is_read_in_order() {
    let recs = read_all(SAMPLE, "shapes").unwrap();
    assert_eq!(recs.len(), 5);
    assert_eq!(
        recs[0].head,
        ProcHead::Addr {
            protocol: "TCP".into(),
            addr: v4("192.0.2.100"),
            port: 80
        }
    );
    assert_eq!(recs[0].scheduler, "wlc");
    let d = &recs[0].dests;
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].dest.addr, v4("192.0.2.12"));
    assert_eq!(d[0].dest.port, 8080);
    assert_eq!(d[0].dest.fwd, ForwardMethod::Masq);
    assert_eq!(
        (d[0].dest.weight, d[0].active_conns, d[0].inact_conns),
        (2, 3, 40)
    );
    assert_eq!(d[1].dest.fwd, ForwardMethod::Route);
    assert_eq!(recs[1].scheduler, "rr");
    assert_eq!(recs[1].dests[0].dest.fwd, ForwardMethod::Tunnel);
    assert_eq!(recs[1].dests[0].dest.weight, i32::MAX as u32);
    assert_eq!(
        recs[2].head,
        ProcHead::Addr {
            protocol: "TCP".into(),
            addr: v6("2001:db8::1"),
            port: 443
        }
    );
    assert_eq!(recs[2].dests[0].dest.addr, v6("2001:db8::b"));
    assert_eq!(recs[2].dests[0].dest.fwd, ForwardMethod::Local);
    assert_eq!(recs[2].dests[1].dest.addr, v4("192.0.2.11"), "mixed families");
    assert_eq!(recs[3].head, ProcHead::Fwmark(7));
    assert!(recs[3].dests.is_empty());
    assert_eq!(recs[4].scheduler, "dh");
    assert!(recs[4].dests.is_empty(), "the last service, without destinations");
}

#[test]
fn an_empty_table_is_the_header_alone() {
    let header: String = SAMPLE.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert!(read_all(&header, "empty").unwrap().is_empty());
    assert!(read_all("", "nothing").unwrap().is_empty());
}

#[test]
fn a_line_it_cannot_read_is_an_error_with_its_number() {
    let bad = SAMPLE.replace(
        "  -> C000020B:0050      Route",
        "  -> C000020B:0050      Sideways",
    );
    match read_all(&bad, "bad") {
        Err(ProcError::Malformed { line, text }) => {
            assert_eq!(line, 6);
            assert!(text.contains("Sideways"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    let bad = SAMPLE.replace("C6336401:0035", "C63364:0035");
    assert!(matches!(
        read_all(&bad, "short"),
        Err(ProcError::Malformed { line: 7, .. })
    ));
}

#[test]
fn a_record_is_its_service_only_by_identity_and_scheduler() {
    let recs = read_all(SAMPLE, "is").unwrap();
    let tcp = |addr, port| ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr,
        port,
    };
    let mut s = Service::new(tcp(v4("192.0.2.100"), 80));
    assert!(recs[0].is(&s), "wlc is Service::new's scheduler");
    s.scheduler = "rr".into();
    assert!(!recs[0].is(&s), "another scheduler");
    let s = Service::new(tcp(v4("192.0.2.100"), 81));
    assert!(!recs[0].is(&s), "another port");
    let mut s = Service::new(ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: v4("192.0.2.100"),
        port: 80,
    });
    s.scheduler = "wlc".into();
    assert!(!recs[0].is(&s), "another protocol");
    let mut s = Service::new(tcp(v6("2001:db8::1"), 443));
    s.scheduler = "sh".into();
    assert!(recs[2].is(&s));
    for af in [AddressFamily::Inet, AddressFamily::Inet6] {
        let mut s = Service::new(ServiceKey::Fwmark { af, mark: 7 });
        s.scheduler = "lc".into();
        assert!(recs[3].is(&s), "the file does not say the mark's family");
        let mut s = Service::new(ServiceKey::Fwmark { af, mark: 8 });
        s.scheduler = "lc".into();
        assert!(!recs[3].is(&s));
    }
    let mut s = Service::new(tcp(v4("0.0.0.7"), 0));
    s.scheduler = "lc".into();
    assert!(!recs[3].is(&s), "an address service is not a mark");
}

/// The file as Debian 12's kernel (6.1) printed it in the test VM for a
/// table built with Debian's ipvsadm (see the commands below): trailing
/// blanks, the doubled blank before `persistent`, jiffies for the timeout.
const DEBIAN12: &str = include_str!("debian12-6.1.txt");

#[test]
fn the_kernels_own_file_is_read_as_ipvsadm_built_it() {
    // ipvsadm -A -t 192.0.2.100:80 -s wlc -p 300 -M 255.255.255.0
    //   -a -r 192.0.2.12:8080 -m -w 2; -a -r 192.0.2.11:80 -g -w 1 -x 100 -y 10
    // ipvsadm -A -u 198.51.100.1:53 -s rr -o; -a -r 203.0.113.11:53 -i -w 5
    // ipvsadm -A -t [2001:db8::1]:443 -s sh -b sh-port
    //   -a -r [2001:db8::b]:443 -g -w 0; -a -r 192.0.2.11:443 -i --tun-type gue
    // ipvsadm -A -f 7 -s lc; -A -f 8 -6 -s rr -a -r [2001:db8::c]:0 -g
    // ipvsadm -A --sctp-service 192.0.2.101:2905 -s dh
    // ipvsadm -A -t 192.0.2.102:0 -s mh -p; -a -r 192.0.2.20 -g
    let recs = read_all(DEBIAN12, "debian12").unwrap();
    let heads: Vec<String> = recs
        .iter()
        .map(|r| match &r.head {
            ProcHead::Addr { protocol, addr, port } => format!("{protocol} {addr} {port} {}", r.scheduler),
            ProcHead::Fwmark(m) => format!("FWM {m} {}", r.scheduler),
        })
        .collect();
    assert_eq!(
        heads,
        [
            "SCTP 192.0.2.101 2905 dh",
            "TCP 192.0.2.102 0 mh",
            "TCP 192.0.2.100 80 wlc",
            "UDP 198.51.100.1 53 rr",
            "TCP 2001:db8::1 443 sh",
            "FWM 7 lc",
            "FWM 8 rr",
        ]
    );
    let dests: Vec<Vec<String>> = recs
        .iter()
        .map(|r| {
            r.dests
                .iter()
                .map(|d| {
                    let d = &d.dest;
                    format!("{} {} {:?} {}", d.addr, d.port, d.fwd, d.weight)
                })
                .collect()
        })
        .collect();
    assert_eq!(
        dests,
        [
            vec![],
            vec!["192.0.2.20 0 Route 1".to_string()],
            vec!["192.0.2.11 80 Route 1".into(), "192.0.2.12 8080 Masq 2".into()],
            vec!["203.0.113.11 53 Tunnel 5".into()],
            vec!["192.0.2.11 443 Tunnel 1".into(), "2001:db8::b 443 Route 0".into()],
            vec![],
            vec!["2001:db8::c 0 Route 1".into()],
        ]
    );
}

#[test]
fn the_byte_parsers_agree_with_str_parsing() {
    for s in [
        "C0000201:0050",
        "c0000201:0050",
        "FFFFFFFF:FFFF",
        "00000000:0000",
        "C000020:0050",
        "C0000201:00500",
        "C00002G1:0050",
        "C0000201;0050",
        "[2001:0db8:0000:0000:0000:0000:0000:0001]:01BB",
        "[2001:db8::1]:0050",
        "",
        ":",
    ] {
        assert_eq!(parse_addr_port_bytes(s.as_bytes()), parse_addr_port(s), "{s}");
    }
    for s in [
        "0",
        "7",
        "-1",
        "2147483647",
        "-2147483648",
        "4294967295",
        "9223372036854775807",
    ] {
        assert_eq!(decimal(s.as_bytes()), s.parse::<i64>().ok(), "{s}");
    }
    for s in ["", "-", "1a", "+1", " 1", "99999999999999999999", "--1"] {
        assert_eq!(decimal(s.as_bytes()), None, "{s}");
    }
}

#[test]
fn words_are_split_at_runs_of_spaces() {
    let w: Vec<&[u8]> = ByteWords {
        b: b"  -> C000020C:1F90      Masq    2  ",
        at: 0,
    }
    .collect();
    assert_eq!(w, [&b"->"[..], b"C000020C:1F90", b"Masq", b"2"]);
    assert_eq!(ByteWords { b: b"   ", at: 0 }.next(), None);
}
