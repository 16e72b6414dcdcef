//! Malformed replies: truncated, shortened, missing or random attributes
//! are decode errors, never panics.

use netlink_packet_core::ParseableParametrized;
use netlink_packet_generic::GenlHeader;

use super::config::{INFO_1_2_1, SET_900_120_300};
use super::daemon::REPLY_MASTER;
use super::dest::REPLY_GUE6;
use super::service::REPLY_UDP;
use super::{attr, hex, parse};
use crate::ipvs::codec::{
    cmd, decode_daemon, decode_dest, decode_info, decode_service, decode_timeouts, IpvsMessage,
};
use crate::ipvs::model::AddressFamily;

/// Runs every decoder on a message; each may fail, none may panic.
fn decode_all(msg: &IpvsMessage) -> [bool; 6] {
    [
        decode_service(msg).is_ok(),
        decode_dest(msg, AddressFamily::Inet).is_ok(),
        decode_dest(msg, AddressFamily::Inet6).is_ok(),
        decode_daemon(msg).is_ok(),
        decode_timeouts(msg).is_ok(),
        decode_info(msg).is_ok(),
    ]
}

fn try_parse(bytes: &[u8]) -> Option<IpvsMessage> {
    IpvsMessage::parse_with_param(bytes, GenlHeader { cmd: 1, version: 1 }).ok()
}

/// The top-level attributes of a nest's payload: (kind, value).
fn split(mut b: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let kind = u16::from_ne_bytes([b[2], b[3]]);
        out.push((kind, b[4..len].to_vec()));
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    out
}

/// A message whose one top-level attribute `kind` holds `inner`; the
/// decoders do not look at the command.
fn nest_msg(kind: u16, inner: &[u8]) -> IpvsMessage {
    parse(cmd::NEW_SERVICE, &attr(kind, inner))
}

fn join(kind: u16, attrs: &[(u16, Vec<u8>)]) -> Vec<u8> {
    attr(
        kind,
        &attrs.iter().flat_map(|(k, v)| attr(*k, v)).collect::<Vec<_>>(),
    )
}

/// The three nested fixtures: the top-level kind and the decoder that
/// reads it.
#[allow(clippy::type_complexity)]
fn nested() -> [(&'static str, u16, fn(&IpvsMessage) -> bool); 3] {
    [
        (REPLY_UDP, 1, |m| decode_service(m).is_ok()),
        (REPLY_GUE6, 2, |m| decode_dest(m, AddressFamily::Inet).is_ok()),
        (REPLY_MASTER, 3, |m| decode_daemon(m).is_ok()),
    ]
}

#[test]
fn broken_attribute_headers_are_errors() {
    for bytes in [
        &[8u8, 0][..],                 // half a header
        &[8, 0, 1, 0, 1, 2][..],       // a length past the end
        &[2, 0, 1, 0, 0, 0, 0, 0][..], // a length shorter than a header
        &[0, 0, 1, 0][..],             // a zero length
    ] {
        assert!(try_parse(bytes).is_none(), "{bytes:?}");
    }
}

#[test]
fn every_truncation_of_a_reply_is_an_error() {
    let info = |m: &IpvsMessage| decode_info(m).is_ok();
    let whole = nested().map(|(f, _, d)| (f, d));
    for (fixture, decode) in whole.into_iter().chain([(INFO_1_2_1, info as fn(&_) -> _)]) {
        let b = hex(fixture);
        for n in 0..b.len() {
            if let Some(msg) = try_parse(&b[..n]) {
                decode_all(&msg);
                assert!(!decode(&msg), "{fixture} cut at {n}");
            }
        }
    }
    // Inside a nest whose own length is right: a cut through an attribute
    // is an error (a cut through padding only drops the padding).
    for (fixture, kind, decode) in nested() {
        let inner = hex(fixture)[4..].to_vec();
        let mut at = 0;
        let mut bounds = Vec::new();
        for (_, v) in split(&inner) {
            bounds.push((at, at + 4 + v.len()));
            at += (4 + v.len() + 3) & !3;
        }
        for n in 0..inner.len() {
            let msg = nest_msg(kind, &inner[..n]);
            let through = bounds.iter().any(|&(s, e)| s < n && n < e);
            let ok = decode(&msg);
            assert!(!(through && ok), "{fixture} cut at {n}");
            decode_all(&msg);
        }
    }
}

#[test]
fn missing_mandatory_attributes_are_errors() {
    let mandatory: [&[u16]; 3] = [
        &[1, 2, 3, 4, 6, 7, 8, 9], // family, protocol, address, port, scheduler, flags, timeout, netmask
        &[1, 2, 3, 4, 5, 6],       // address, port, method, weight, thresholds
        &[1, 2, 3],                // state, interface, sync id
    ];
    for ((fixture, kind, decode), needed) in nested().into_iter().zip(mandatory) {
        let attrs = split(&hex(fixture)[4..]);
        assert!(decode(&parse(cmd::NEW_SERVICE, &join(kind, &attrs))), "{fixture}");
        for gone in needed {
            let fewer: Vec<_> = attrs.iter().filter(|(k, _)| k != gone).cloned().collect();
            assert!(
                !decode(&parse(cmd::NEW_SERVICE, &join(kind, &fewer))),
                "{fixture} without {gone}"
            );
        }
    }
    let info = split(&hex(INFO_1_2_1));
    for gone in [1, 2] {
        let fewer: Vec<_> = info.iter().filter(|(k, _)| *k != gone).cloned().collect();
        let b: Vec<u8> = fewer.iter().flat_map(|(k, v)| attr(*k, v)).collect();
        assert!(decode_info(&parse(cmd::SET_INFO, &b)).is_err());
    }
    let empty = parse(cmd::NEW_SERVICE, &[]);
    assert_eq!(decode_all(&empty), [false, false, false, false, true, false]);
}

#[test]
fn values_shorter_than_their_type_are_errors() {
    // Every numeric or address attribute the decoders read, cut to one
    // byte (none of them is a u8 or a string), then to none.
    let read: [&[u16]; 3] = [
        &[1, 2, 3, 4, 7, 8, 9, 10, 12],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15],
        &[1, 3, 4, 5, 7],
    ];
    for ((fixture, kind, decode), kinds) in nested().into_iter().zip(read) {
        let attrs = split(&hex(fixture)[4..]);
        for short in kinds {
            for len in [1, 0] {
                let cut: Vec<_> = attrs
                    .iter()
                    .map(|(k, v)| (*k, if k == short { v[..len].to_vec() } else { v.clone() }))
                    .collect();
                let ok = decode(&parse(cmd::NEW_SERVICE, &join(kind, &cut)));
                // STATS is not read when STATS64 is there, and an empty
                // STATS64 is one without counters.
                let nest_cut = *short == 10 || (len == 0 && *short == 12);
                assert!(!ok || nest_cut, "{fixture}: attribute {short} cut to {len}");
            }
        }
    }
    // Timeouts: any of the three cut short.
    let t = split(&hex(SET_900_120_300));
    for short in [4, 5, 6] {
        let b: Vec<u8> = t
            .iter()
            .flat_map(|(k, v)| attr(*k, if *k == short { &v[..2] } else { v }))
            .collect();
        assert!(decode_timeouts(&parse(cmd::SET_CONFIG, &b)).is_err());
    }
}

#[test]
fn unknown_families_are_errors() {
    for (fixture, kind, decode) in nested().into_iter().take(2) {
        let family = if kind == 1 { 1 } else { 11 };
        let attrs: Vec<_> = split(&hex(fixture)[4..])
            .into_iter()
            .map(|(k, v)| {
                if k == family {
                    (k, 99u16.to_ne_bytes().to_vec())
                } else {
                    (k, v)
                }
            })
            .collect();
        assert!(
            !decode(&parse(cmd::NEW_SERVICE, &join(kind, &attrs))),
            "{fixture}"
        );
    }
}

#[test]
fn unknown_attributes_are_ignored() {
    for (fixture, kind, decode) in nested() {
        let mut attrs = split(&hex(fixture)[4..]);
        attrs.insert(1, (200, vec![1, 2, 3]));
        attrs.push((16, vec![]));
        assert!(decode(&parse(cmd::NEW_SERVICE, &join(kind, &attrs))), "{fixture}");
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..5000 {
        // Raw garbage, at the top level and inside each nest.
        let len = rng.below(96);
        let junk = rng.bytes(len);
        if let Some(msg) = try_parse(&junk) {
            decode_all(&msg);
        }
        for kind in 1..=3 {
            decode_all(&nest_msg(kind, &junk));
        }
        // Well-framed attributes of random numbers and lengths, so that
        // decoders see every field with every wrong size.
        let mut inner = Vec::new();
        for _ in 0..rng.below(16) {
            let k = rng.below(17) as u16;
            let v = if k == 10 || k == 12 {
                let mut s = Vec::new();
                for _ in 0..rng.below(6) {
                    let n = rng.below(12);
                    s.extend(attr(rng.below(12) as u16, &rng.bytes(n)));
                }
                s
            } else {
                let n = rng.below(20);
                rng.bytes(n)
            };
            inner.extend(attr(k, &v));
        }
        for kind in 1..=3 {
            decode_all(&nest_msg(kind, &inner));
        }
        decode_all(&parse(cmd::SET_INFO, &inner));
    }
}

#[test]
fn flipped_bytes_in_golden_replies_never_panic() {
    for fixture in [REPLY_UDP, REPLY_GUE6, REPLY_MASTER] {
        let b = hex(fixture);
        for i in 0..b.len() {
            for v in [0x00, 0x01, 0x03, 0x7f, 0x80, 0xff] {
                let mut m = b.clone();
                m[i] = v;
                if let Some(msg) = try_parse(&m) {
                    decode_all(&msg);
                }
            }
        }
    }
}
