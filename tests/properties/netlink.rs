//! Netlink replies: the datagram walker, `NLMSG_ERROR` payloads with
//! extended ACKs, IPVS Generic Netlink messages and rtnetlink link and
//! address messages.

use std::net::IpAddr;

use netlink_packet_core::{
    Emitable, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized,
    NLM_F_ACK_TLVS, NLM_F_CAPPED,
};
use netlink_packet_generic::{GenlHeader, GenlMessage};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage};
use netlink_packet_route::link::{InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::{AddressFamily as RtFamily, RouteNetlinkMessage};
use proptest::prelude::*;

use lvsctl::host::rtnl::{Address, Link};
use lvsctl::ipvs::codec::{
    self, decode_daemon, decode_dest, decode_info, decode_service, decode_timeouts, request, IpvsMessage,
};
use lvsctl::ipvs::{
    AddressFamily, DestEntry, Destination, ForwardMethod, Info, Op, Protocol, Service, ServiceEntry,
    ServiceFlags, ServiceKey, Stats, SyncDaemon, Timeouts, TunnelType,
};
use lvsctl::netlink::{parse_error_payload, Messages};

use crate::model;

// ------------------------------------------------------------- helpers

fn emit(m: &impl Emitable) -> Vec<u8> {
    let mut b = vec![0; m.buffer_len()];
    m.emit(&mut b);
    b
}

/// Reads the attributes of an IPVS message the way the socket does.
fn ipvs(cmd: u8, b: &[u8]) -> Option<IpvsMessage> {
    IpvsMessage::parse_with_param(b, GenlHeader { cmd, version: 1 }).ok()
}

/// Every decoder on one message: none may panic.
fn decode_all(m: &IpvsMessage) {
    let _ = decode_service(m);
    let _ = decode_dest(m, AddressFamily::Inet);
    let _ = decode_dest(m, AddressFamily::Inet6);
    let _ = decode_daemon(m);
    let _ = decode_timeouts(m);
    let _ = decode_info(m);
}

/// One netlink attribute: header, value, padding.
fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut b = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(value);
    b.resize((b.len() + 3) & !3, 0);
    b
}

/// A netlink message: header then payload, padded.
fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut b = ((16 + payload.len()) as u32).to_ne_bytes().to_vec();
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(&flags.to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    b.extend_from_slice(payload);
    b.resize((b.len() + 3) & !3, 0);
    b
}

fn header(message_type: u16, payload: &[u8]) -> NetlinkHeader {
    let mut h = NetlinkHeader::default();
    h.length = 16 + payload.len() as u32;
    h.message_type = message_type;
    h
}

/// Serializes an rtnetlink message and reads it back as the socket does.
fn rtnl_round_trip(m: RouteNetlinkMessage) -> Result<RouteNetlinkMessage, String> {
    let mut msg = NetlinkMessage::new(NetlinkHeader::default(), NetlinkPayload::InnerMessage(m));
    msg.finalize();
    let mut b = vec![0; msg.buffer_len()];
    msg.serialize(&mut b);
    let h = msg.header;
    RouteNetlinkMessage::deserialize(&h, &b[16..]).map_err(|e| e.to_string())
}

// ---------------------------------------------------------- generators

/// Any service the wire can carry (any protocol number, flags, timeout,
/// mask; names without NUL).
pub fn wire_service() -> impl Strategy<Value = Service> {
    let key = prop_oneof![
        (any::<u16>(), model::ip(), any::<u16>()).prop_map(|(p, addr, port)| ServiceKey::Addr {
            protocol: Protocol::from_raw(p),
            addr,
            port
        }),
        (model::family(), 1..=u32::MAX).prop_map(|(af, mark)| ServiceKey::Fwmark { af, mark }),
    ];
    (
        key,
        "[^\0]{0,20}",
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        prop::option::of("[^\0]{1,20}"),
    )
        .prop_map(|(key, scheduler, flags, timeout, netmask, pe_name)| Service {
            key,
            scheduler,
            flags: ServiceFlags(flags),
            timeout,
            netmask,
            pe_name,
        })
}

pub fn wire_dest() -> impl Strategy<Value = Destination> {
    (
        model::ip(),
        any::<u16>(),
        any::<u32>(),
        any::<[u32; 3]>(),
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
    )
        .prop_map(
            |(addr, port, fwd, [weight, u, l], tun_type, tun_port, tun_flags)| Destination {
                addr,
                port,
                fwd: ForwardMethod::from_raw(fwd),
                weight,
                u_threshold: u,
                l_threshold: l,
                tun_type: TunnelType::from_raw(tun_type),
                tun_port,
                tun_flags,
            },
        )
}

pub fn wire_daemon() -> impl Strategy<Value = SyncDaemon> {
    (
        model::daemon(),
        "[^\0]{0,15}",
        any::<u32>(),
        prop::option::of(model::ip()),
    )
        .prop_map(|(mut d, ifn, syncid, group)| {
            d.mcast_ifn = ifn;
            d.syncid = syncid;
            d.mcast_group = group;
            d
        })
}

/// Valid IPVS messages of every kind, as (command, attribute bytes).
fn ipvs_bytes() -> impl Strategy<Value = (u8, Vec<u8>)> {
    prop_oneof![
        wire_service()
            .prop_map(|s| emit(&request::new_service(&s)))
            .prop_map(|b| (codec::cmd::NEW_SERVICE, b)),
        (model::key(), wire_dest())
            .prop_map(|(k, d)| emit(&request::new_dest(&k, &d)))
            .prop_map(|b| (codec::cmd::NEW_DEST, b)),
        wire_daemon()
            .prop_map(|d| emit(&request::new_daemon(&d)))
            .prop_map(|b| (codec::cmd::NEW_DAEMON, b)),
        any::<[u32; 3]>()
            .prop_map(|[tcp, tcp_fin, udp]| emit(&request::set_config(&Timeouts { tcp, tcp_fin, udp })))
            .prop_map(|b| (codec::cmd::GET_CONFIG, b)),
    ]
}

/// Changes whose names the kernel takes (at most 15 bytes).
fn kernel_op() -> impl Strategy<Value = Op> {
    let svc = (wire_service(), "[ -~]{0,15}", prop::option::of("[ -~]{1,15}")).prop_map(|(mut s, n, pe)| {
        s.scheduler = n;
        s.pe_name = pe;
        s
    });
    let svc = svc.boxed();
    prop_oneof![
        svc.clone().prop_map(Op::AddService).boxed(),
        svc.prop_map(Op::EditService).boxed(),
        model::key().prop_map(Op::DelService).boxed(),
        (model::key(), wire_dest())
            .prop_map(|(k, d)| Op::AddDest(k, d))
            .boxed(),
        (model::key(), wire_dest())
            .prop_map(|(k, d)| Op::EditDest(k, d))
            .boxed(),
        (model::key(), model::ip(), any::<u16>())
            .prop_map(|(k, a, p)| Op::DelDest(k, a, p))
            .boxed(),
        Just(Op::Flush).boxed(),
        prop::option::of(model::key()).prop_map(Op::Zero).boxed(),
        wire_daemon().prop_map(Op::StartDaemon).boxed(),
    ]
}

fn link_kind() -> impl Strategy<Value = Option<(InfoKind, &'static str)>> {
    prop::option::of(prop::sample::select(
        &[
            (InfoKind::Dummy, "dummy"),
            (InfoKind::IpIp, "ipip"),
            (InfoKind::GreTun, "gre"),
            (InfoKind::Bridge, "bridge"),
            (InfoKind::Veth, "veth"),
        ][..],
    ))
}

/// A link and the `RTM_NEWLINK` message the kernel sends for it.
fn link() -> impl Strategy<Value = (Link, LinkMessage)> {
    (
        any::<u32>(),
        "[^\0/ ]{0,15}",
        any::<u32>(),
        link_kind(),
        prop::option::of(any::<[u8; 6]>()),
        prop::collection::vec(any::<u8>(), 0..9),
    )
        .prop_map(|(index, name, flags, kind, mac, other_addr)| {
            let flags = LinkFlags::from_bits_retain(flags);
            let mut m = LinkMessage::default();
            m.header.index = index;
            m.header.flags = flags;
            m.attributes.push(LinkAttribute::IfName(name.clone()));
            match mac {
                Some(mac) => m.attributes.push(LinkAttribute::Address(mac.to_vec())),
                // Hardware addresses of other lengths are not MACs.
                None if other_addr.len() != 6 => m.attributes.push(LinkAttribute::Address(other_addr)),
                None => {}
            }
            if let Some((k, _)) = &kind {
                m.attributes
                    .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(k.clone())]));
            }
            let link = Link {
                index,
                name,
                up: flags.contains(LinkFlags::Up),
                running: flags.contains(LinkFlags::Running),
                loopback: flags.contains(LinkFlags::Loopback),
                noarp: flags.contains(LinkFlags::Noarp),
                kind: kind.map(|(_, n)| n.to_string()),
                mac,
            };
            (link, m)
        })
}

/// An address and the `RTM_NEWADDR` message the kernel sends for it.
fn address() -> impl Strategy<Value = (Address, AddressMessage)> {
    (
        any::<u32>(),
        model::ip(),
        any::<u8>(),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(index, addr, prefix, flags, flags_attr)| {
            let mut m = AddressMessage::default();
            m.header.family = if addr.is_ipv4() {
                RtFamily::Inet
            } else {
                RtFamily::Inet6
            };
            m.header.index = index;
            m.header.prefix_len = prefix;
            m.header.flags = AddressHeaderFlags::from_bits_retain(flags as u8);
            // The 32-bit flags, when the kernel sends them, win.
            let flags = if flags_attr {
                m.attributes
                    .push(AddressAttribute::Flags(AddressFlags::from_bits_retain(flags)));
                flags
            } else {
                flags & 0xff
            };
            // IPv4: IFA_LOCAL is the address (IFA_ADDRESS the peer's).
            if addr.is_ipv4() {
                m.attributes
                    .push(AddressAttribute::Address(IpAddr::V4([192, 0, 2, 1].into())));
            }
            m.attributes.push(AddressAttribute::Local(addr));
            (
                Address {
                    index,
                    addr,
                    prefix,
                    flags,
                },
                m,
            )
        })
}

// ---------------------------------------------------------- properties

proptest! {
    #![proptest_config(crate::config())]

    /// The walker over a datagram's messages: arbitrary bytes end in
    /// messages inside the buffer or an error, never a panic; every
    /// message's payload then goes to the reply parsers.
    #[test]
    fn arbitrary_datagrams_do_not_panic(b in prop::collection::vec(any::<u8>(), 0..200)) {
        for m in Messages::new(&b).take(64) {
            let Ok(m) = m else { break };
            prop_assert!(m.payload.len() <= b.len());
            let _ = parse_error_payload(m.flags, m.payload);
            let h = header(m.kind, m.payload);
            if let Ok(g) = GenlMessage::<IpvsMessage>::deserialize(&h, m.payload) {
                decode_all(&g.payload);
            }
            let _ = RouteNetlinkMessage::deserialize(&h, m.payload);
        }
    }

    /// Messages written one after the other come out one by one.
    #[test]
    fn datagrams_walk_back(msgs in prop::collection::vec(
        (any::<u16>(), any::<u16>(), any::<u32>(), prop::collection::vec(any::<u8>(), 0..24)),
        0..5,
    )) {
        let b: Vec<u8> = msgs.iter().flat_map(|(k, f, s, p)| message(*k, *f, *s, p)).collect();
        let back: Vec<_> = Messages::new(&b)
            .map(|m| m.map(|m| (m.kind, m.flags, m.seq, m.payload.to_vec())))
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, msgs);
    }

    #[test]
    fn arbitrary_error_payloads_do_not_panic(flags in any::<u16>(), b in prop::collection::vec(any::<u8>(), 0..80)) {
        let _ = parse_error_payload(flags, &b);
        let _ = parse_error_payload(flags | NLM_F_ACK_TLVS, &b);
        let _ = parse_error_payload(flags | NLM_F_ACK_TLVS | NLM_F_CAPPED, &b);
    }

    /// An error reply (capped or echoing the whole request) with an
    /// extended-ack message, among other attributes, gives back its code
    /// and message.
    #[test]
    fn extended_acks_read_back(
        code in any::<i32>(),
        capped in any::<bool>(),
        request in prop::collection::vec(any::<u8>(), 0..40),
        text in "[^\0]{0,60}",
        offset_attr in any::<bool>(),
    ) {
        let mut b = code.to_ne_bytes().to_vec();
        if capped {
            b.extend(&message(0x20, 0, 7, &[])[..16]);
        } else {
            b.extend(message(0x20, 0, 7, &request));
        }
        if offset_attr {
            b.extend(attr(2, &20u32.to_ne_bytes())); // NLMSGERR_ATTR_OFFS
        }
        let mut value = text.as_bytes().to_vec();
        value.push(0);
        b.extend(attr(1, &value)); // NLMSGERR_ATTR_MSG
        let flags = NLM_F_ACK_TLVS | if capped { NLM_F_CAPPED } else { 0 };
        prop_assert_eq!(parse_error_payload(flags, &b), Some((code, Some(text))));
        prop_assert_eq!(parse_error_payload(0, &b), Some((code, None)));
    }

    #[test]
    fn arbitrary_ipvs_messages_do_not_panic(cmd in any::<u8>(), b in prop::collection::vec(any::<u8>(), 0..160)) {
        if let Some(m) = ipvs(cmd, &b) {
            decode_all(&m);
        }
        let mut genl = vec![cmd, 1, 0, 0];
        genl.extend(&b);
        if let Ok(g) = GenlMessage::<IpvsMessage>::deserialize(&header(0x20, &genl), &genl) {
            decode_all(&g.payload);
        }
    }

    /// Valid messages with bytes overwritten or cut short.
    #[test]
    fn mutated_ipvs_messages_do_not_panic((cmd, b) in ipvs_bytes(), edits in model::byte_edits()) {
        if let Some(m) = ipvs(cmd, &edits.apply(b)) {
            decode_all(&m);
        }
    }

    #[test]
    fn services_read_back(s in wire_service()) {
        let m = ipvs(codec::cmd::NEW_SERVICE, &emit(&request::new_service(&s)));
        let back = m.as_ref().map(decode_service).map(|r| r.map_err(|e| e.to_string()));
        prop_assert_eq!(back, Some(Ok(ServiceEntry { service: s, stats: Stats::default() })));
    }

    #[test]
    fn destinations_read_back(k in model::key(), d in wire_dest()) {
        let m = ipvs(codec::cmd::NEW_DEST, &emit(&request::new_dest(&k, &d)));
        let back = m.as_ref().map(|m| decode_dest(m, k.af())).map(|r| r.map_err(|e| e.to_string()));
        let want = DestEntry { dest: d, active_conns: 0, inact_conns: 0, persist_conns: 0, stats: Stats::default() };
        prop_assert_eq!(back, Some(Ok(want)));
    }

    #[test]
    fn daemons_read_back(d in wire_daemon()) {
        let m = ipvs(codec::cmd::NEW_DAEMON, &emit(&request::new_daemon(&d)));
        let back = m.as_ref().map(decode_daemon).map(|r| r.map_err(|e| e.to_string()));
        prop_assert_eq!(back, Some(Ok(Some(d))));
    }

    #[test]
    fn timeouts_and_info_read_back([tcp, tcp_fin, udp] in any::<[u32; 3]>(), version in any::<u32>(), size in any::<u32>()) {
        let t = Timeouts { tcp, tcp_fin, udp };
        let m = ipvs(codec::cmd::GET_CONFIG, &emit(&request::set_config(&t)));
        prop_assert_eq!(m.as_ref().map(|m| decode_timeouts(m).map_err(|e| e.to_string())), Some(Ok(t)));
        let mut b = attr(1, &version.to_ne_bytes());
        b.extend(attr(2, &size.to_ne_bytes()));
        let m = ipvs(codec::cmd::GET_INFO, &b);
        let want = Info { version, conn_tab_size: size };
        prop_assert_eq!(m.as_ref().map(|m| decode_info(m).map_err(|e| e.to_string())), Some(Ok(want)));
    }

    /// The direct encoder of bulk changes writes the bytes the attribute
    /// tree does.
    #[test]
    fn both_encoders_agree(op in kernel_op()) {
        prop_assert_eq!(emit(&op.encode()), emit(&op.message()));
        prop_assert_eq!(op.encode().cmd, op.message().cmd);
    }

    #[test]
    fn arbitrary_rtnetlink_messages_do_not_panic(
        kind in prop::sample::select(&[16u16, 17, 19, 20, 21, 22, 24, 28, 0x20, 0][..]),
        b in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        match RouteNetlinkMessage::deserialize(&header(kind, &b), &b) {
            Ok(RouteNetlinkMessage::NewLink(m)) => {
                let _ = Link::from_message(&m);
            }
            Ok(RouteNetlinkMessage::NewAddress(m)) => {
                let _ = Address::from_message(&m);
            }
            _ => {}
        }
    }

    /// Valid link and address messages with bytes overwritten or cut.
    #[test]
    fn mutated_rtnetlink_messages_do_not_panic(
        (_, l) in link(),
        (_, a) in address(),
        edits in model::byte_edits(),
    ) {
        for m in [RouteNetlinkMessage::NewLink(l), RouteNetlinkMessage::NewAddress(a)] {
            let kind = m.message_type();
            let b = edits.apply(emit(&m));
            match RouteNetlinkMessage::deserialize(&header(kind, &b), &b) {
                Ok(RouteNetlinkMessage::NewLink(m)) => {
                    let _ = Link::from_message(&m);
                }
                Ok(RouteNetlinkMessage::NewAddress(m)) => {
                    let _ = Address::from_message(&m);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn links_read_back((link, m) in link()) {
        match rtnl_round_trip(RouteNetlinkMessage::NewLink(m)) {
            Ok(RouteNetlinkMessage::NewLink(m)) => prop_assert_eq!(Link::from_message(&m), link),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn addresses_read_back((address, m) in address()) {
        match rtnl_round_trip(RouteNetlinkMessage::NewAddress(m)) {
            Ok(RouteNetlinkMessage::NewAddress(m)) => prop_assert_eq!(Address::from_message(&m), Some(address)),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
