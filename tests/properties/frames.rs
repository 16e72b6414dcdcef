//! ARP packets and IPv6 neighbour advertisements, and the durations
//! `arp` commands take.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use lvsctl::arp::ndp::{decode_na, encode_na, encode_ns, Advert};
use lvsctl::arp::packet::{ArpPacket, Mac, LEN};
use lvsctl::arp::parse_duration;

fn mac() -> impl Strategy<Value = Mac> {
    any::<[u8; 6]>().prop_map(Mac)
}

fn arp() -> impl Strategy<Value = ArpPacket> {
    (any::<u16>(), mac(), any::<Ipv4Addr>(), mac(), any::<Ipv4Addr>()).prop_map(
        |(op, sender_mac, sender_ip, target_mac, target_ip)| ArpPacket {
            op,
            sender_mac,
            sender_ip,
            target_mac,
            target_ip,
        },
    )
}

/// Neighbour discovery options: type, length in units of 8 bytes, body.
fn nd_options() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<u8>(), 0u8..4, any::<[u8; 30]>()), 0..4).prop_map(|opts| {
        let mut b = Vec::new();
        for (kind, units, body) in opts {
            b.push(kind);
            b.push(units);
            let len = usize::from(units) * 8;
            b.extend_from_slice(&body[..len.saturating_sub(2).min(30)]);
        }
        b
    })
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_bytes_do_not_panic(b in prop::collection::vec(any::<u8>(), 0..96)) {
        let _ = ArpPacket::decode(&b);
        let _ = decode_na(&b);
    }

    #[test]
    fn arp_packets_read_back(p in arp(), tail in prop::collection::vec(any::<u8>(), 0..18)) {
        let mut b = p.encode().to_vec();
        prop_assert_eq!(ArpPacket::decode(&b), Some(p));
        // Ethernet pads short frames: trailing bytes are not part of it.
        b.extend(tail);
        prop_assert_eq!(ArpPacket::decode(&b), Some(p));
        prop_assert_eq!(ArpPacket::decode(&b[..LEN - 1]), None);
    }

    /// Whatever decodes encodes to the same first 28 bytes.
    #[test]
    fn decoded_packets_encode_to_their_bytes(body in any::<[u8; 22]>(), tail in prop::collection::vec(any::<u8>(), 0..8)) {
        let mut b = vec![0, 1, 8, 0, 6, 4];
        b.extend_from_slice(&body);
        b.extend(tail);
        let p = ArpPacket::decode(&b);
        prop_assert!(p.is_some());
        prop_assert_eq!(&p.unwrap().encode()[..], &b[..LEN]);
    }

    #[test]
    fn neighbour_adverts_read_back(ip in any::<Ipv6Addr>(), m in mac()) {
        prop_assert_eq!(
            decode_na(&encode_na(ip, m)),
            Some(Advert { target: ip, solicited: false, override_: true, mac: Some(m) })
        );
        // A solicitation is not an advertisement.
        prop_assert_eq!(decode_na(&encode_ns(ip, m)), None);
    }

    /// Adverts with options of any type and length (zero included) decode
    /// without panicking, to the target and flags of their header.
    #[test]
    fn adverts_with_odd_options_decode(
        flags in any::<u32>(),
        target in any::<Ipv6Addr>(),
        options in nd_options(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = vec![136, 0, 0, 0];
        b.extend_from_slice(&flags.to_be_bytes());
        b.extend_from_slice(&target.octets());
        b.extend(options);
        let a = decode_na(&b).expect("an advert");
        prop_assert_eq!(a.target, target);
        prop_assert_eq!(a.solicited, flags & 0x4000_0000 != 0);
        prop_assert_eq!(a.override_, flags & 0x2000_0000 != 0);
        let n = cut.index(b.len() + 1);
        let _ = decode_na(&b[..n]);
    }

    #[test]
    fn durations_do_not_panic(s in any::<String>(), n in any::<u64>(), unit in "(|s|ms|m|h|x|us)") {
        let _ = parse_duration(&s);
        let _ = parse_duration(&format!("{n}{unit}"));
    }
}
