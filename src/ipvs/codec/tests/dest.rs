//! Destinations: ipvsadm's requests and the kernel's `NEW_DEST` replies.

use super::service::KEY_TCP;
use super::{attr, emit, hex, parse};
use crate::ipvs::codec::{cmd, decode_dest, reply, request};
use crate::ipvs::model::*;

fn tcp_10_1_2_3_80() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: "10.1.2.3".parse().unwrap(),
        port: 80,
    }
}

/// The DEST nest of `ipvsadm -a -t 10.1.2.3:80 -r 10.0.0.1 -m -w 3 -x 100
/// -y 10`, captured from ipvsadm (`-e` sends the same). Before it ipvsadm
/// sends the whole service; lvsctl sends the key, [`KEY_TCP`].
const ADD_MASQ: &str = "
    60000280                                    # DEST, NLA_F_NESTED
    06000b00 02000000                           # ADDR_FAMILY = AF_INET
    14000100 0a000001 00000000 00000000 00000000 # ADDR 10.0.0.1
    06000200 00500000                           # PORT 80 (network order)
    08000300 00000000                           # FWD_METHOD masq
    08000400 03000000                           # WEIGHT 3
    05000d00 00000000                           # TUN_TYPE ipip
    06000e00 00000000                           # TUN_PORT 0
    06000f00 00000000                           # TUN_FLAGS nocsum
    08000500 64000000                           # U_THRESH 100
    08000600 0a000000                           # L_THRESH 10
";

fn masq() -> Destination {
    let mut d = Destination::new("10.0.0.1".parse().unwrap(), 80);
    d.fwd = ForwardMethod::Masq;
    d.weight = 3;
    d.u_threshold = 100;
    d.l_threshold = 10;
    d
}

#[test]
fn add_dest_matches_ipvsadm_both_ways() {
    let golden = hex(ADD_MASQ);
    let d = masq();
    let msg = request::new_dest(&tcp_10_1_2_3_80(), &d);
    assert_eq!(msg.cmd, cmd::NEW_DEST);
    assert_eq!(emit(&msg), [hex(KEY_TCP), golden.clone()].concat());
    let back = decode_dest(&parse(cmd::NEW_DEST, &golden), AddressFamily::Inet).unwrap();
    assert_eq!(
        back,
        DestEntry {
            dest: d.clone(),
            active_conns: 0,
            inact_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    );
    // `-e` sends the same attributes under SET_DEST.
    let edit = request::set_dest(&tcp_10_1_2_3_80(), &d);
    assert_eq!(emit(&edit), emit(&msg));
    assert_eq!(edit.cmd, cmd::SET_DEST);
}

/// `-d -t 10.1.2.3:80 -r 10.0.0.1:80` as lvsctl sends it: family, address
/// and port, the first three attributes of [`ADD_MASQ`] and all the kernel
/// reads for a delete (ipvsadm sends a whole destination with default
/// settings). One direction: there are no settings to decode.
#[test]
fn del_dest_sends_the_address_only() {
    let golden = [hex(KEY_TCP), hex("28000280"), hex(ADD_MASQ)[4..0x28].to_vec()].concat();
    let d = masq();
    let msg = request::del_dest(&tcp_10_1_2_3_80(), &d.addr, d.port);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::DEL_DEST, golden));
}

/// A `NEW_DEST` reply (one destination of `GET_DEST`) for an IPv6 GUE
/// tunnel destination of an IPv4 service (`-a ... -r [2001:db8::10]:443 -i
/// --tun-type gue --tun-port 6080 --tun-csum -w 5 -x 100 -y 10`) with
/// counters above 2^32, laid out by hand from `ip_vs_genl_fill_dest`: the
/// family comes last, after the connection counts, then the counters.
pub(super) const REPLY_GUE6: &str = "
    50010200                                    # DEST, no NLA_F_NESTED
    14000100 20010db8 00000000 00000000 00000010 # ADDR 2001:db8::10
    06000200 01bb0000                           # PORT 443
    08000300 02000000                           # FWD_METHOD tunnel
    08000400 05000000                           # WEIGHT 5
    05000d00 01000000                           # TUN_TYPE gue
    06000e00 17c00000                           # TUN_PORT 6080 (network order)
    06000f00 01000000                           # TUN_FLAGS csum
    08000500 64000000                           # U_THRESH 100
    08000600 0a000000                           # L_THRESH 10
    08000700 03000000                           # ACTIVE_CONNS 3
    08000800 04000000                           # INACT_CONNS 4
    08000900 01000000                           # PERSIST_CONNS 1
    06000b00 0a000000                           # ADDR_FAMILY = AF_INET6
    5c000a00                                    # STATS
    08000100 01f2052a                           # conns (u32: low half)
    08000200 02f2052a                           # inpkts (u32: low half)
    08000300 07000000                           # outpkts 7
    0c000400 04f2052a 01000000                  # inbytes 5000000004 (u64)
    0c000500 70170000 00000000                  # outbytes 6000 (u64)
    08000600 01000000                           # cps 1
    08000700 02000000                           # inpps 2
    08000800 03000000                           # outpps 3
    08000900 04000000                           # inbps 4
    08000a00 05000000                           # outbps 5
    7c000c00                                    # STATS64
    0c000100 01f2052a 01000000                  # conns 5000000001
    0c000200 02f2052a 01000000                  # inpkts 5000000002
    0c000300 07000000 00000000                  # outpkts 7
    0c000400 04f2052a 01000000                  # inbytes 5000000004
    0c000500 70170000 00000000                  # outbytes 6000
    0c000600 01000000 00000000                  # cps 1
    0c000700 02000000 00000000                  # inpps 2
    0c000800 03000000 00000000                  # outpps 3
    0c000900 04000000 00000000                  # inbps 4
    0c000a00 05000000 00000000                  # outbps 5
";

fn gue6_entry() -> DestEntry {
    let mut d = Destination::new("2001:db8::10".parse().unwrap(), 443);
    d.fwd = ForwardMethod::Tunnel;
    d.weight = 5;
    d.tun_type = TunnelType::Gue;
    d.tun_port = 6080;
    d.tun_flags = tun_flags::CSUM;
    d.u_threshold = 100;
    d.l_threshold = 10;
    DestEntry {
        dest: d,
        active_conns: 3,
        inact_conns: 4,
        persist_conns: 1,
        stats: Stats {
            conns: 5_000_000_001,
            inpkts: 5_000_000_002,
            outpkts: 7,
            inbytes: 5_000_000_004,
            outbytes: 6000,
            cps: 1,
            inpps: 2,
            outpps: 3,
            inbps: 4,
            outbps: 5,
        },
    }
}

#[test]
fn kernel_dest_reply_both_ways() {
    let golden = hex(REPLY_GUE6);
    let e = gue6_entry();
    // The destination's own family wins over its service's.
    let back = decode_dest(&parse(cmd::NEW_DEST, &golden), AddressFamily::Inet).unwrap();
    assert_eq!(back, e);
    let msg = reply::dest(&e);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::NEW_DEST, golden));
}

/// An older kernel's reply: no family, no tunnel attributes, no STATS64.
/// One direction: lvsctl only writes the current layout.
#[test]
fn old_kernel_dest_reply_takes_the_service_family() {
    let mut inner = Vec::new();
    inner.extend(attr(1, &[192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    inner.extend(attr(2, &8080u16.to_be_bytes()));
    for (k, v) in [(3u16, 3u32), (4, 1), (5, 0), (6, 0), (7, 2), (8, 0), (9, 0)] {
        inner.extend(attr(k, &v.to_ne_bytes()));
    }
    let mut stats = Vec::new();
    stats.extend(attr(1, &9u32.to_ne_bytes()));
    stats.extend(attr(4, &(1u64 << 33).to_ne_bytes()));
    inner.extend(attr(10, &stats));
    let e = decode_dest(&parse(cmd::NEW_DEST, &attr(2, &inner)), AddressFamily::Inet).unwrap();
    let mut d = Destination::new("192.0.2.7".parse().unwrap(), 8080);
    d.fwd = ForwardMethod::Route;
    d.weight = 1;
    assert_eq!(e.dest, d);
    assert_eq!(e.active_conns, 2);
    assert_eq!((e.stats.conns, e.stats.inbytes, e.stats.cps), (9, 1 << 33, 0));
}
