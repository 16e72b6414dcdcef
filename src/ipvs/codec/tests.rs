//! Golden bytes: requests as Debian's ipvsadm 1.31 (libnl 3.7) sends them,
//! and replies shaped as the kernel's `ip_vs_genl_fill_*` builds them.

use super::*;

/// Parses whitespace-separated hex words as they appear in a byte dump.
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn emit(msg: &IpvsMessage) -> Vec<u8> {
    let mut buf = vec![0; msg.buffer_len()];
    msg.emit(&mut buf);
    buf
}

fn v4(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn add_service_matches_ipvsadm() {
    // ipvsadm -A -t 10.1.2.3:80 (after the 4-byte genl header 01010000)
    let golden = hex(
        "54000180 06000100 02000000 06000200 06000000 14000300 0a010203 00000000 00000000 00000000
         06000400 00500000 08000600 776c6300 0c000700 00000000 ffffffff 08000800 00000000 08000900 ffffffff",
    );
    let svc = Service::new(ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: v4("10.1.2.3"),
        port: 80,
    });
    let msg = request::new_service(&svc);
    assert_eq!(msg.cmd, cmd::NEW_SERVICE);
    assert_eq!(emit(&msg), golden);
}

#[test]
fn add_dest_nest_matches_ipvsadm() {
    // ipvsadm -a -t 10.1.2.3:80 -r 10.0.0.1 -m -w 3 -x 100 -y 10: the DEST
    // nest (ipvsadm also repeats the whole service; lvsctl sends its key).
    let golden_dest = hex(
        "60000280 06000b00 02000000 14000100 0a000001 00000000 00000000 00000000 06000200 00500000
         08000300 00000000 08000400 03000000 05000d00 00000000 06000e00 00000000 06000f00 00000000
         08000500 64000000 08000600 0a000000",
    );
    let key = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: v4("10.1.2.3"),
        port: 80,
    };
    let mut d = Destination::new(v4("10.0.0.1"), 80);
    d.fwd = ForwardMethod::Masq;
    d.weight = 3;
    d.u_threshold = 100;
    d.l_threshold = 10;
    let bytes = emit(&request::new_dest(&key, &d));
    assert!(bytes.ends_with(&golden_dest), "{bytes:02x?}");
}

#[test]
fn set_config_matches_ipvsadm() {
    let golden = hex("08000400 84030000 08000500 78000000 08000600 2c010000");
    let msg = request::set_config(&Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    });
    assert_eq!(emit(&msg), golden);
}

#[test]
fn ipv6_fwmark_service_with_flags() {
    // -A -f 7 -6 -s mh -b mh-fallback,mh-port, laid out by hand from the
    // attribute order ipvsadm uses (reference bytes exist only for IPv4).
    let mut svc = Service::new(ServiceKey::Fwmark {
        af: AddressFamily::Inet6,
        mark: 7,
    });
    svc.scheduler = "mh".into();
    svc.flags = ServiceFlags(ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
    let golden = hex(
        "38000180 06000100 0a000000 08000500 07000000 07000600 6d680000 0c000700 18000000 ffffffff
         08000800 00000000 08000900 80000000",
    );
    assert_eq!(emit(&request::new_service(&svc)), golden);
}

/// Builds a reply message as the kernel would: top-level nest `kind` with
/// the given inner bytes.
fn reply(cmd: u8, kind: u16, inner: &[u8]) -> IpvsMessage {
    let mut buf = Vec::new();
    let len = (4 + inner.len()) as u16;
    buf.extend_from_slice(&len.to_ne_bytes());
    buf.extend_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
    buf.extend_from_slice(inner);
    IpvsMessage::parse_with_param(&buf, GenlHeader { cmd, version: 1 }).unwrap()
}

fn attr(kind: u16, v: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&((4 + v.len()) as u16).to_ne_bytes());
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(v);
    while b.len() % 4 != 0 {
        b.push(0);
    }
    b
}

fn stats64(base: u64) -> Vec<u8> {
    let mut inner = Vec::new();
    for k in 1..=10u16 {
        inner.extend(attr(k, &(base + u64::from(k)).to_ne_bytes()));
    }
    attr(12, &inner)
}

#[test]
fn decodes_kernel_service_reply_with_64bit_stats() {
    let mut inner = Vec::new();
    inner.extend(attr(1, &2u16.to_ne_bytes()));
    inner.extend(attr(2, &17u16.to_ne_bytes()));
    let mut a = vec![192, 0, 2, 10];
    a.extend([0; 12]);
    inner.extend(attr(3, &a));
    inner.extend(attr(4, &53u16.to_be_bytes()));
    inner.extend(attr(6, b"rr\0"));
    let mut fl = (ServiceFlags::PERSISTENT | ServiceFlags::HASHED | ServiceFlags::ONEPACKET)
        .to_ne_bytes()
        .to_vec();
    fl.extend(u32::MAX.to_ne_bytes());
    inner.extend(attr(7, &fl));
    inner.extend(attr(8, &300u32.to_ne_bytes()));
    inner.extend(attr(9, &[255, 255, 255, 0]));
    inner.extend(attr(11, b"sip\0"));
    inner.extend(stats64(5_000_000_000));
    let e = decode_service(&reply(cmd::NEW_SERVICE, 1, &inner)).unwrap();
    assert_eq!(
        e.service.key,
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: v4("192.0.2.10"),
            port: 53
        }
    );
    assert_eq!(e.service.scheduler, "rr");
    assert_eq!(e.service.timeout, 300);
    assert_eq!(
        e.service.netmask_v4(),
        "255.255.255.0".parse::<Ipv4Addr>().unwrap()
    );
    assert_eq!(e.service.pe_name.as_deref(), Some("sip"));
    assert!(e.service.flags.has(ServiceFlags::ONEPACKET));
    assert_eq!(e.stats.conns, 5_000_000_001);
    assert_eq!(e.stats.outbps, 5_000_000_010);
}

#[test]
fn decodes_ipv6_dest_of_ipv4_service() {
    let mut inner = Vec::new();
    inner.extend(attr(11, &10u16.to_ne_bytes()));
    let a: Ipv6Addr = "2001:db8::10".parse().unwrap();
    inner.extend(attr(1, &a.octets()));
    inner.extend(attr(2, &443u16.to_be_bytes()));
    inner.extend(attr(3, &2u32.to_ne_bytes()));
    inner.extend(attr(4, &5u32.to_ne_bytes()));
    inner.extend(attr(5, &0u32.to_ne_bytes()));
    inner.extend(attr(6, &0u32.to_ne_bytes()));
    inner.extend(attr(7, &3u32.to_ne_bytes()));
    inner.extend(attr(8, &4u32.to_ne_bytes()));
    inner.extend(attr(9, &1u32.to_ne_bytes()));
    inner.extend(attr(13, &[1]));
    inner.extend(attr(14, &6080u16.to_be_bytes()));
    inner.extend(attr(15, &1u16.to_ne_bytes()));
    let e = decode_dest(&reply(cmd::NEW_DEST, 2, &inner), AddressFamily::Inet).unwrap();
    assert_eq!(e.dest.addr, IpAddr::V6(a));
    assert_eq!(e.dest.fwd, ForwardMethod::Tunnel);
    assert_eq!(e.dest.tun_type, TunnelType::Gue);
    assert_eq!(e.dest.tun_port, 6080);
    assert_eq!(e.dest.tun_flags, 1);
    assert_eq!((e.active_conns, e.inact_conns, e.persist_conns), (3, 4, 1));
}

#[test]
fn truncated_or_missing_attributes_are_errors_not_panics() {
    // A service nest with only a family.
    let inner = attr(1, &2u16.to_ne_bytes());
    assert!(decode_service(&reply(cmd::NEW_SERVICE, 1, &inner)).is_err());
    // A one-byte address.
    let mut inner = attr(1, &2u16.to_ne_bytes());
    inner.extend(attr(2, &6u16.to_ne_bytes()));
    inner.extend(attr(3, &[1]));
    inner.extend(attr(4, &80u16.to_be_bytes()));
    assert!(decode_service(&reply(cmd::NEW_SERVICE, 1, &inner)).is_err());
    // An unknown family.
    let inner = attr(1, &99u16.to_ne_bytes());
    assert!(decode_service(&reply(cmd::NEW_SERVICE, 1, &inner)).is_err());
    // A message with no nest at all.
    let empty = IpvsMessage::parse_with_param(&[], GenlHeader { cmd: 1, version: 1 }).unwrap();
    assert!(decode_service(&empty).is_err());
    assert!(decode_dest(&empty, AddressFamily::Inet).is_err());
    assert!(decode_info(&empty).is_err());
}

#[test]
fn round_trip_service_through_encoder_and_decoder() {
    let mut svc = Service::new(ServiceKey::Addr {
        protocol: Protocol::Sctp,
        addr: "2001:db8::1".parse().unwrap(),
        port: 9999,
    });
    svc.scheduler = "wrr".into();
    svc.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::SCHED3);
    svc.timeout = 600;
    svc.netmask = 64;
    svc.pe_name = Some("sip".into());
    let bytes = emit(&request::new_service(&svc));
    let msg = IpvsMessage::parse_with_param(
        &bytes,
        GenlHeader {
            cmd: cmd::NEW_SERVICE,
            version: 1,
        },
    )
    .unwrap();
    // The kernel's reply has the same layout as the request.
    let got = decode_service(&msg).unwrap();
    assert_eq!(got.service, svc);
}

#[test]
fn direct_encoding_equals_the_attribute_tree() {
    use crate::ipvs::Op;
    let keys = [
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v4("10.1.2.3"),
            port: 80,
        },
        ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 443,
        },
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: u32::MAX,
        },
    ];
    let mut ops = Vec::new();
    for k in keys {
        let mut s = Service::new(k);
        ops.push(Op::AddService(s.clone()));
        s.scheduler = "mh".into();
        s.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::SCHED2);
        s.timeout = 300;
        s.netmask = if k.af() == AddressFamily::Inet {
            0xffff_ff00
        } else {
            64
        };
        s.pe_name = Some("sip".into());
        ops.push(Op::EditService(s));
        ops.push(Op::DelService(k));
        let mut d = Destination::new(v4("198.51.100.7"), 8080);
        ops.push(Op::AddDest(k, d.clone()));
        d.fwd = ForwardMethod::Tunnel;
        d.tun_type = TunnelType::Gue;
        d.tun_port = 6080;
        d.tun_flags = tun_flags::REMCSUM;
        d.weight = 7;
        d.u_threshold = 9;
        d.l_threshold = 2;
        d.addr = "2001:db8::9".parse().unwrap();
        ops.push(Op::EditDest(k, d.clone()));
        ops.push(Op::DelDest(k, d.addr, d.port));
        ops.push(Op::Zero(Some(k)));
    }
    ops.push(Op::Flush);
    for op in &ops {
        let tree = op.message();
        let raw = op.encode();
        assert_eq!(raw.cmd, tree.cmd, "{op:?}");
        let mut buf = vec![0; raw.buffer_len()];
        raw.emit(&mut buf);
        assert_eq!(buf, emit(&tree), "{op:?}");
    }
}
