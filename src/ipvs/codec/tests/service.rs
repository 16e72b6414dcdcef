//! Services: ipvsadm's requests and the kernel's `NEW_SERVICE` replies.

use super::{emit, hex, parse};
use crate::ipvs::codec::{cmd, decode_service, reply, request};
use crate::ipvs::model::*;

fn tcp_10_1_2_3_80() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: "10.1.2.3".parse().unwrap(),
        port: 80,
    }
}

/// `ipvsadm -A -t 10.1.2.3:80`, captured from ipvsadm (`-E` sends the
/// same bytes under `SET_SERVICE`).
const ADD_TCP: &str = "
    54000180                                    # SERVICE, NLA_F_NESTED
    06000100 02000000                           # AF = AF_INET
    06000200 06000000                           # PROTOCOL = TCP
    14000300 0a010203 00000000 00000000 00000000 # ADDR 10.1.2.3
    06000400 00500000                           # PORT 80 (network order)
    08000600 776c6300                           # SCHED_NAME \"wlc\"
    0c000700 00000000 ffffffff                  # FLAGS none, mask ~0
    08000800 00000000                           # TIMEOUT 0
    08000900 ffffffff                           # NETMASK 255.255.255.255
";

#[test]
fn add_service_matches_ipvsadm_both_ways() {
    let golden = hex(ADD_TCP);
    let svc = Service::new(tcp_10_1_2_3_80());
    let msg = request::new_service(&svc);
    assert_eq!(msg.cmd, cmd::NEW_SERVICE);
    assert_eq!(emit(&msg), golden);
    let back = decode_service(&parse(cmd::NEW_SERVICE, &golden)).unwrap();
    assert_eq!(
        back,
        ServiceEntry {
            service: svc.clone(),
            stats: Stats::default()
        }
    );
    // `-E` sends the same attributes under SET_SERVICE.
    let edit = request::set_service(&svc);
    assert_eq!((edit.cmd, emit(&edit)), (cmd::SET_SERVICE, golden));
}

/// `ipvsadm -A -f 7 -6 -s mh -b mh-fallback,mh-port`, captured from
/// ipvsadm.
const ADD_FWMARK6: &str = "
    38000180                                    # SERVICE, NLA_F_NESTED
    06000100 0a000000                           # AF = AF_INET6
    08000500 07000000                           # FWMARK 7
    07000600 6d680000                           # SCHED_NAME \"mh\"
    0c000700 18000000 ffffffff                  # FLAGS sched1|sched2, mask ~0
    08000800 00000000                           # TIMEOUT 0
    08000900 80000000                           # NETMASK /128 (host order)
";

#[test]
fn ipv6_fwmark_service_with_flags_both_ways() {
    let golden = hex(ADD_FWMARK6);
    let mut svc = Service::new(ServiceKey::Fwmark {
        af: AddressFamily::Inet6,
        mark: 7,
    });
    svc.scheduler = "mh".into();
    svc.flags = ServiceFlags(ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
    assert_eq!(emit(&request::new_service(&svc)), golden);
    let back = decode_service(&parse(cmd::NEW_SERVICE, &golden)).unwrap();
    assert_eq!(back.service, svc);
}

/// A `NEW_SERVICE` reply (one service of `GET_SERVICE`) for
/// `-A -u 192.0.2.10:53 -s rr -p 300 -M 255.255.255.0 -o --pe sip` after
/// some traffic, laid out by hand from `ip_vs_genl_fill_service` and
/// `ip_vs_genl_fill_stats{,64}`: the nests carry no `NLA_F_NESTED`, the
/// 32-bit nest keeps the low half of the connection count, the 64-bit one
/// all of it, and the kernel has set HASHED.
pub(super) const REPLY_UDP: &str = "
    34010100                                    # SERVICE, no NLA_F_NESTED
    06000100 02000000                           # AF = AF_INET
    06000200 11000000                           # PROTOCOL = UDP
    14000300 c000020a 00000000 00000000 00000000 # ADDR 192.0.2.10
    06000400 00350000                           # PORT 53 (network order)
    07000600 72720000                           # SCHED_NAME \"rr\"
    08000b00 73697000                           # PE_NAME \"sip\"
    0c000700 07000000 ffffffff                  # FLAGS persistent|hashed|onepacket, mask ~0
    08000800 2c010000                           # TIMEOUT 300
    08000900 ffffff00                           # NETMASK 255.255.255.0 (__be32)
    5c000a00                                    # STATS
    08000100 02000000                           # conns 2 (u32: 2^32 + 2 cut)
    08000200 e8030000                           # inpkts 1000
    08000300 84030000                           # outpkts 900
    0c000400 00f2052a 01000000                  # inbytes 5000000000 (u64)
    0c000500 40e20100 00000000                  # outbytes 123456 (u64)
    08000600 03000000                           # cps 3
    08000700 0a000000                           # inpps 10
    08000800 09000000                           # outpps 9
    08000900 b0040000                           # inbps 1200
    08000a00 4c040000                           # outbps 1100
    7c000c00                                    # STATS64
    0c000100 02000000 01000000                  # conns 4294967298
    0c000200 e8030000 00000000                  # inpkts 1000
    0c000300 84030000 00000000                  # outpkts 900
    0c000400 00f2052a 01000000                  # inbytes 5000000000
    0c000500 40e20100 00000000                  # outbytes 123456
    0c000600 03000000 00000000                  # cps 3
    0c000700 0a000000 00000000                  # inpps 10
    0c000800 09000000 00000000                  # outpps 9
    0c000900 b0040000 00000000                  # inbps 1200
    0c000a00 4c040000 00000000                  # outbps 1100
";

fn reply_udp_entry() -> ServiceEntry {
    let mut svc = Service::new(ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: "192.0.2.10".parse().unwrap(),
        port: 53,
    });
    svc.scheduler = "rr".into();
    svc.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::HASHED | ServiceFlags::ONEPACKET);
    svc.timeout = 300;
    svc.netmask = u32::from("255.255.255.0".parse::<std::net::Ipv4Addr>().unwrap());
    svc.pe_name = Some("sip".into());
    ServiceEntry {
        service: svc,
        stats: Stats {
            conns: (1 << 32) + 2,
            inpkts: 1000,
            outpkts: 900,
            inbytes: 5_000_000_000,
            outbytes: 123_456,
            cps: 3,
            inpps: 10,
            outpps: 9,
            inbps: 1200,
            outbps: 1100,
        },
    }
}

#[test]
fn kernel_service_reply_both_ways() {
    let golden = hex(REPLY_UDP);
    let e = reply_udp_entry();
    let back = decode_service(&parse(cmd::NEW_SERVICE, &golden)).unwrap();
    assert_eq!(back, e);
    assert_eq!(
        back.service.netmask_v4(),
        "255.255.255.0".parse::<std::net::Ipv4Addr>().unwrap()
    );
    let msg = reply::service(&e);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::NEW_SERVICE, golden));
}

#[test]
fn service_round_trips_through_request_and_reply() {
    // The kernel's service nest repeats the request's attributes: decoding
    // a request as a reply gives the service back.
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
    let got = decode_service(&parse(cmd::NEW_SERVICE, &bytes)).unwrap();
    assert_eq!(got.service, svc);
    let again = emit(&reply::service(&got));
    let got_again = decode_service(&parse(cmd::NEW_SERVICE, &again)).unwrap();
    assert_eq!(got_again, got);
}

/// A service's key as lvsctl sends it to name the service (delete, get,
/// zero, destinations). ipvsadm sends the whole service there, as in
/// [`ADD_TCP`] but with an empty scheduler name (captured: `-D -t
/// 10.1.2.3:80`, `-Z -t 10.1.2.3:80`); the kernel reads only the key, the
/// first four attributes of that nest, which these bytes are.
pub(super) const KEY_TCP: &str = "
    30000180                                    # SERVICE, NLA_F_NESTED
    06000100 02000000                           # AF = AF_INET
    06000200 06000000                           # PROTOCOL = TCP
    14000300 0a010203 00000000 00000000 00000000 # ADDR 10.1.2.3
    06000400 00500000                           # PORT 80 (network order)
";

#[test]
fn key_only_requests() {
    let key = hex(KEY_TCP);
    assert_eq!(&hex(ADD_TCP)[4..key.len()], &key[4..], "the key is ipvsadm's");
    let k = tcp_10_1_2_3_80();
    for (msg, c) in [
        (request::del_service(&k), cmd::DEL_SERVICE),
        (request::get_service(&k), cmd::GET_SERVICE),
        (request::dump_dests(&k), cmd::GET_DEST),
        (request::zero(Some(&k)), cmd::ZERO),
    ] {
        assert_eq!((msg.cmd, emit(&msg)), (c, key.clone()));
    }
    // Without scheduler, flags, timeout and netmask it is no service.
    assert!(decode_service(&parse(cmd::NEW_SERVICE, &key)).is_err());
}

/// ipvsadm sends these without attributes too (captured: `-Ln`, `-Ln
/// --daemon`, `-Ln --timeout`, `-Z`, `-C`, and the `GET_INFO` every run
/// starts with).
#[test]
fn requests_without_attributes() {
    for (msg, c) in [
        (request::dump_services(), cmd::GET_SERVICE),
        (request::dump_daemons(), cmd::GET_DAEMON),
        (request::get_config(), cmd::GET_CONFIG),
        (request::get_info(), cmd::GET_INFO),
        (request::zero(None), cmd::ZERO),
        (request::flush(), cmd::FLUSH),
    ] {
        assert_eq!((msg.cmd, emit(&msg)), (c, vec![]));
    }
}
