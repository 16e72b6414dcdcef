//! Formatting tests against output of Debian's ipvsadm 1.31 for the same
//! synthetic table.
//!
//! Each `.txt` file beside this one is what ipvsadm 1.31 printed for the
//! table [`table`] builds (counters included), with the listing options
//! its test names; they were recorded when these tests were written, and
//! how ipvsadm was fed the table then was not kept. To regenerate one
//! after changing [`table`]: answer ipvsadm's requests with that table
//! (`src/ipvs/codec/tests/ipvsadm_shim.c` shows how to stand in for the
//! kernel with a preloaded library, and `ipvs::codec::reply` builds the
//! kernel's replies), run the named `ipvsadm -L...` and replace the file.
//! The VM test `differential` (`tests/vm.rs`) checks every one of these
//! formats against Debian's ipvsadm on the real kernel in each run.

use super::*;
use crate::ipvs::{Destination, Stats, TunnelType};

fn svc(key: ServiceKey, sched: &str) -> Service {
    let mut s = Service::new(key);
    s.scheduler = sched.into();
    s
}

fn tcp(a: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: a.parse().unwrap(),
        port,
    }
}

fn dest(a: &str, port: u16, fwd: ForwardMethod, weight: u32, active: u32, inact: u32) -> DestEntry {
    let mut d = Destination::new(a.parse().unwrap(), port);
    d.fwd = fwd;
    d.weight = weight;
    DestEntry {
        dest: d,
        active_conns: active,
        inact_conns: inact,
        persist_conns: 0,
        stats: Stats::default(),
    }
}

fn entry(s: Service) -> ServiceEntry {
    ServiceEntry {
        service: s,
        stats: Stats::default(),
    }
}

/// The synthetic table, in the order the fake kernel dumped it.
fn table() -> Vec<(ServiceEntry, Vec<DestEntry>)> {
    use ForwardMethod::*;
    let mut t = Vec::new();

    let mut s1 = entry(svc(tcp("192.168.10.1", 80), "wlc"));
    s1.stats = Stats {
        conns: 99_999_999,
        inpkts: 123_456_789,
        outpkts: 1_234_567_890,
        inbytes: 123_456_789_012_345,
        outbytes: 99_999_999_999,
        cps: 5,
        inpps: 1000,
        outpps: 2000,
        inbps: 300_000_000,
        outbps: 0,
    };
    let mut d2 = dest("10.0.0.2", 80, Route, 1, 12, 34);
    d2.stats = Stats {
        conns: 5_000_000_000,
        inpkts: 7,
        outpkts: 8,
        inbytes: 9,
        outbytes: 10,
        cps: 11,
        inpps: 12,
        outpps: 13,
        inbps: 14,
        outbps: 15,
    };
    let mut d1 = dest("10.0.0.1", 8080, Masq, 2, 3, 4);
    d1.dest.u_threshold = 1000;
    d1.dest.l_threshold = 100;
    d1.persist_conns = 2;
    d1.stats = Stats {
        conns: 1,
        inpkts: 2,
        outpkts: 3,
        inbytes: 4,
        outbytes: 5,
        cps: 6,
        inpps: 7,
        outpps: 8,
        inbps: 9,
        outbps: 10,
    };
    let d3 = dest("10.0.0.3", 80, Tunnel, 1, 0, 0);
    t.push((s1, vec![d2, d1, d3]));

    let mut s2 = svc(
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "192.168.10.1".parse().unwrap(),
            port: 53,
        },
        "rr",
    );
    s2.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET);
    s2.timeout = 300;
    s2.netmask = u32::from(std::net::Ipv4Addr::new(255, 255, 255, 0));
    let mut d = dest("10.0.0.5", 53, Masq, 0, 0, 7);
    d.dest.u_threshold = 100;
    d.dest.l_threshold = 10;
    d.persist_conns = 3;
    t.push((entry(s2), vec![d]));

    let mut s3 = svc(tcp("2001:db8::1", 443), "sh");
    s3.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
    s3.timeout = 360;
    s3.netmask = 64;
    s3.pe_name = Some("sip".into());
    let mut v6 = dest("2001:db8::10", 443, Route, 1, 1, 2);
    v6.persist_conns = 3;
    let mut gue = dest("10.0.0.9", 443, Tunnel, 5, 0, 0);
    gue.dest.tun_type = TunnelType::Gue;
    gue.dest.tun_port = 6080;
    gue.dest.tun_flags = 1;
    t.push((entry(s3), vec![v6, gue]));

    let mut gre = dest("10.0.0.7", 0, Tunnel, 1, 0, 0);
    gre.dest.tun_type = TunnelType::Gre;
    gre.dest.tun_flags = 1;
    t.push((
        entry(svc(
            ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark: 1,
            },
            "lc",
        )),
        vec![gre],
    ));

    let mut s5 = svc(
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 3_000_000_000,
        },
        "mh",
    );
    s5.flags = ServiceFlags(ServiceFlags::SCHED2);
    t.push((entry(s5), vec![dest("2001:db8::20", 0, Route, 1, 0, 0)]));

    let mut s6 = svc(
        ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "192.168.10.2".parse().unwrap(),
            port: 9999,
        },
        "wrr",
    );
    s6.flags = ServiceFlags(ServiceFlags::SCHED1);
    t.push((entry(s6), vec![]));

    t.push((
        entry(svc(tcp("127.0.0.1", 22), "wlc")),
        vec![dest("127.0.0.1", 22, Local, 1, 0, 0)],
    ));

    let mut s8 = svc(tcp("192.168.10.1", 0), "wlc");
    s8.flags = ServiceFlags(ServiceFlags::PERSISTENT);
    s8.timeout = 300;
    t.push((entry(s8), vec![]));
    t
}

const INFO: Info = Info {
    version: 0x010201,
    conn_tab_size: 4096,
};

fn render(t: Vec<(ServiceEntry, Vec<DestEntry>)>, f: Format) -> String {
    let mut out = String::new();
    if !f.rule {
        out.push_str(&header(&INFO));
    }
    out.push_str(&title(&f));
    let mut t = t;
    if !f.nosort {
        msort(
            &mut t,
            &|a: &(ServiceEntry, Vec<DestEntry>), b: &(ServiceEntry, Vec<DestEntry>)| {
                cmp_services(&a.0.service, &b.0.service)
            },
        );
    }
    for (s, mut d) in t {
        if !f.nosort {
            sort_dests(&mut d);
        }
        service_entry(&mut out, &s, &d, &f);
    }
    out
}

fn numeric() -> Format {
    Format {
        numeric: true,
        ..Format::default()
    }
}

#[test]
fn list_numeric() {
    assert_eq!(render(table(), numeric()), include_str!("list_n.txt"));
}

#[test]
fn list_nosort() {
    assert_eq!(
        render(
            table(),
            Format {
                nosort: true,
                ..numeric()
            }
        ),
        include_str!("nosort.txt")
    );
}

#[test]
fn save_numeric() {
    assert_eq!(
        render(
            table(),
            Format {
                rule: true,
                ..numeric()
            }
        ),
        include_str!("save_n.txt")
    );
}

#[test]
fn stats_truncates_destination_counters_like_ipvsadm() {
    assert_eq!(
        render(
            table(),
            Format {
                stats: true,
                ..numeric()
            }
        ),
        include_str!("stats.txt")
    );
    assert_eq!(
        render(
            table(),
            Format {
                stats: true,
                exact: true,
                ..numeric()
            }
        ),
        include_str!("stats_exact.txt")
    );
}

#[test]
fn rate_thresholds_persistent_tun_info() {
    assert_eq!(
        render(
            table(),
            Format {
                rate: true,
                ..numeric()
            }
        ),
        include_str!("rate.txt")
    );
    assert_eq!(
        render(
            table(),
            Format {
                thresholds: true,
                ..numeric()
            }
        ),
        include_str!("thresholds.txt")
    );
    assert_eq!(
        render(
            table(),
            Format {
                persistent_conn: true,
                ..numeric()
            }
        ),
        include_str!("persistent_conn.txt")
    );
    assert_eq!(
        render(
            table(),
            Format {
                tun_info: true,
                ..numeric()
            }
        ),
        include_str!("tun_info.txt")
    );
}

#[test]
fn one_service() {
    let t = table();
    let (s, mut d) = t.into_iter().next().unwrap();
    sort_dests(&mut d);
    let f = numeric();
    let mut out = title(&f);
    service_entry(&mut out, &s, &d, &f);
    assert_eq!(out, include_str!("one_service.txt"));
}

#[test]
fn wrapping_sort_order() {
    // Dump order 10.0.0.1, 192.168.0.1, 172.16.0.1, 1.1.1.1:80, 1.1.1.1:65535.
    let svcs = [
        ("10.0.0.1", 80),
        ("192.168.0.1", 80),
        ("172.16.0.1", 80),
        ("1.1.1.1", 80),
        ("1.1.1.1", 65535),
    ];
    let mut t: Vec<_> = svcs
        .iter()
        .map(|(a, p)| (entry(svc(tcp(a, *p), "rr")), vec![]))
        .collect();
    t[0].1 = vec![
        dest("10.0.0.10", 80, ForwardMethod::Route, 1, 0, 0),
        dest("192.168.1.10", 80, ForwardMethod::Route, 1, 0, 0),
        dest("172.16.0.10", 80, ForwardMethod::Route, 1, 0, 0),
    ];
    assert_eq!(render(t.clone(), numeric()), include_str!("sortdemo_list_n.txt"));
    assert_eq!(
        render(
            t,
            Format {
                nosort: true,
                ..numeric()
            }
        ),
        include_str!("sortdemo_nosort.txt")
    );
}

#[test]
fn msort_is_glibc_merge_order() {
    // With an always-"greater" comparator the merge takes the right run
    // first at every level: [1,2] -> [2,1]; [3,4,5] -> [3] + [5,4] -> [5,4,3];
    // then [5,4,3] before [2,1].
    let mut v = vec![1, 2, 3, 4, 5];
    msort(&mut v, &|_, _| 1);
    assert_eq!(v, vec![5, 4, 3, 2, 1]);
    let mut v = vec![3, 1, 2];
    msort(&mut v, &|a: &i32, b: &i32| a - b);
    assert_eq!(v, vec![1, 2, 3]);
}

#[test]
fn msort_on_indices_is_the_same_procedure_as_on_entries() {
    // A non-transitive comparator (the C subtraction ipvsadm's is made
    // of): only the same merges in the same order give the same result.
    let mut x: u32 = 12345;
    for n in [0usize, 1, 2, 3, 7, 64, 1000] {
        let v: Vec<(u32, usize)> = (0..n)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x, i)
            })
            .collect();
        let cmp = |a: &(u32, usize), b: &(u32, usize)| a.0.wrapping_sub(b.0) as i32;
        let mut by_index = v.clone();
        msort(&mut by_index, &cmp);
        let mut by_entry = v;
        msort_entries(&mut by_entry, &cmp);
        assert_eq!(by_index, by_entry, "n = {n}");
    }
}
