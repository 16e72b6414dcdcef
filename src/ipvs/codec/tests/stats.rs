//! Counters inside services and destinations, in the layouts other
//! kernels use. One direction: lvsctl writes only the x86-64 layout of
//! current kernels (see the service and destination fixtures).

use super::{attr, emit, parse};
use crate::ipvs::codec::{cmd, decode_service, request};
use crate::ipvs::model::*;

/// A service nest whose counters are `stats`, the attribute(s) given.
fn service_with(stats: &[u8]) -> Vec<u8> {
    let svc = Service::new(ServiceKey::Fwmark {
        af: AddressFamily::Inet,
        mark: 1,
    });
    let mut inner = emit(&request::new_service(&svc))[4..].to_vec();
    inner.extend_from_slice(stats);
    attr(1, &inner)
}

fn counters(wide: bool, pad: bool) -> Vec<u8> {
    let mut b = Vec::new();
    for k in 1..=10u16 {
        let v = 1000 + u64::from(k);
        if wide || k == 4 || k == 5 {
            if pad {
                b.extend(attr(11, &[]));
            }
            b.extend(attr(k, &v.to_ne_bytes()));
        } else {
            b.extend(attr(k, &(v as u32).to_ne_bytes()));
        }
    }
    b
}

fn expected() -> Stats {
    Stats {
        conns: 1001,
        inpkts: 1002,
        outpkts: 1003,
        inbytes: 1004,
        outbytes: 1005,
        cps: 1006,
        inpps: 1007,
        outpps: 1008,
        inbps: 1009,
        outbps: 1010,
    }
}

fn stats_of(nest: &[u8]) -> Stats {
    decode_service(&parse(cmd::NEW_SERVICE, &service_with(nest)))
        .unwrap()
        .stats
}

#[test]
fn kernels_without_stats64_send_only_the_32_bit_nest() {
    assert_eq!(stats_of(&attr(10, &counters(false, false))), expected());
}

#[test]
fn pad_attributes_before_u64s_are_skipped() {
    // Architectures without efficient unaligned access pad with
    // IPVS_STATS_ATTR_PAD (11), a zero-length attribute.
    assert_eq!(stats_of(&attr(10, &counters(false, true))), expected());
    assert_eq!(stats_of(&attr(12, &counters(true, true))), expected());
}

#[test]
fn stats64_wins_wherever_it_is() {
    let mut nests = attr(12, &counters(true, false));
    let mut low = Vec::new();
    for k in 1..=10u16 {
        low.extend(attr(k, &7u32.to_ne_bytes()));
    }
    nests.extend(attr(10, &low));
    assert_eq!(stats_of(&nests), expected());
}

#[test]
fn no_counters_read_as_zero() {
    assert_eq!(stats_of(&[]), Stats::default());
}
