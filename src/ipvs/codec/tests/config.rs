//! Timeouts (`--set`, `GET_CONFIG`) and version information (`GET_INFO`).

use super::{emit, hex, parse};
use crate::ipvs::codec::{cmd, decode_info, decode_timeouts, reply, request};
use crate::ipvs::model::*;

/// `ipvsadm --set 900 120 300`, captured from ipvsadm. The kernel answers
/// `GET_CONFIG` with the same three attributes (these values are its
/// defaults), so the fixture is also its reply.
pub(super) const SET_900_120_300: &str = "
    08000400 84030000                           # TIMEOUT_TCP 900
    08000500 78000000                           # TIMEOUT_TCP_FIN 120
    08000600 2c010000                           # TIMEOUT_UDP 300
";

#[test]
fn set_config_matches_ipvsadm_both_ways() {
    let golden = hex(SET_900_120_300);
    let t = Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    };
    let msg = request::set_config(&t);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::SET_CONFIG, golden.clone()));
    assert_eq!(decode_timeouts(&parse(cmd::SET_CONFIG, &golden)).unwrap(), t);
    let answer = reply::config(&t);
    assert_eq!((answer.cmd, emit(&answer)), (cmd::SET_CONFIG, golden));
}

#[test]
fn a_kernel_without_udp_sends_no_udp_timeout() {
    // One direction: lvsctl always writes all three.
    let golden = hex(&SET_900_120_300.lines().take(3).collect::<Vec<_>>().join("\n"));
    assert_eq!(golden.len(), 16);
    let t = decode_timeouts(&parse(cmd::SET_CONFIG, &golden)).unwrap();
    assert_eq!((t.tcp, t.tcp_fin, t.udp), (900, 120, 0));
}

/// The kernel's answer to `GET_INFO` (`ipvsadm -v` asks): IPVS 1.2.1 and a
/// 4096-entry connection table, from `ip_vs_genl_get_cmd`.
pub(super) const INFO_1_2_1: &str = "
    08000100 01020100                           # VERSION 0x010201
    08000200 00100000                           # CONN_TAB_SIZE 4096
";

#[test]
fn kernel_info_reply_both_ways() {
    let golden = hex(INFO_1_2_1);
    let i = Info {
        version: 0x01_02_01,
        conn_tab_size: 4096,
    };
    let back = decode_info(&parse(cmd::SET_INFO, &golden)).unwrap();
    assert_eq!(back, i);
    assert_eq!(back.to_string(), "1.2.1");
    let msg = reply::info(&i);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::SET_INFO, golden));
}
