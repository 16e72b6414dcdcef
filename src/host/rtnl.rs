//! Addresses and links over rtnetlink (`netlink-packet-route` messages on
//! the same [`NlSocket`] core as IPVS), and [`RtnlEvents`], a subscription
//! to the kernel's link and address notifications.
//!
//! Events are decoded by hand, not with `netlink-packet-route`: a watcher
//! needs four fields of two fixed headers and three attributes, and a
//! full parse fails the whole message as soon as any of the many other
//! attributes the kernel sends does not parse (a newer kernel, a
//! driver's own attribute). Losing a link event for that reason would
//! leave a VRRP instance blind to its interface; skipping what is not
//! needed cannot.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope,
};
use netlink_packet_route::link::{InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::{AddressFamily as RtFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use crate::netlink::{EventWait, NetlinkError, NlSocket};

/// A network device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Administratively up.
    pub up: bool,
    /// `IFF_RUNNING`: operationally up (carrier).
    pub running: bool,
    /// The loopback device.
    pub loopback: bool,
    /// `IFF_NOARP`.
    pub noarp: bool,
    /// The rtnetlink kind (`dummy`, `ipip`, `gre`, ...), if any.
    pub kind: Option<String>,
    /// The hardware address (6 bytes for Ethernet), if any.
    pub mac: Option<[u8; 6]>,
}

#[cfg(test)]
impl Link {
    /// An up link for tests in any layer (ARP interface choice, rs
    /// status): no MAC, ARP on.
    pub(crate) fn for_test(index: u32, name: &str, kind: Option<&str>, loopback: bool) -> Self {
        Link {
            index,
            name: name.into(),
            up: true,
            running: true,
            loopback,
            noarp: false,
            kind: kind.map(str::to_string),
            mac: None,
        }
    }
}

#[cfg(test)]
impl Address {
    /// An address for tests (`a` must parse).
    pub(crate) fn for_test(index: u32, a: &str, prefix: u8) -> Self {
        Address {
            index,
            addr: a.parse().expect("a test address"),
            prefix,
            flags: 0,
        }
    }
}

/// An address on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Interface index.
    pub index: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
    /// `IFA_F_*` flags.
    pub flags: u32,
}

impl Link {
    /// The device a `RTM_NEWLINK` message describes.
    pub fn from_message(m: &LinkMessage) -> Link {
        let mut name = String::new();
        let mut kind = None;
        let mut mac = None;
        for a in &m.attributes {
            match a {
                LinkAttribute::IfName(n) => name = n.clone(),
                LinkAttribute::Address(b) if b.len() == 6 => {
                    let mut m6 = [0u8; 6];
                    m6.copy_from_slice(b);
                    mac = Some(m6);
                }
                LinkAttribute::LinkInfo(infos) => {
                    for i in infos {
                        if let LinkInfo::Kind(k) = i {
                            kind = Some(kind_name(k));
                        }
                    }
                }
                _ => {}
            }
        }
        Link {
            index: m.header.index,
            name,
            up: m.header.flags.contains(LinkFlags::Up),
            running: m.header.flags.contains(LinkFlags::Running),
            loopback: m.header.flags.contains(LinkFlags::Loopback),
            noarp: m.header.flags.contains(LinkFlags::Noarp),
            kind,
            mac,
        }
    }
}

impl Address {
    /// The address a `RTM_NEWADDR` message describes; `None` if it
    /// carries no address.
    pub fn from_message(m: &AddressMessage) -> Option<Address> {
        let mut addr = None;
        let mut local = None;
        let mut flags = u32::from(m.header.flags.bits());
        for a in &m.attributes {
            match a {
                AddressAttribute::Address(x) => addr = Some(*x),
                AddressAttribute::Local(x) => local = Some(*x),
                AddressAttribute::Flags(f) => flags = f.bits(),
                _ => {}
            }
        }
        // For IPv4, IFA_LOCAL is the interface's own address.
        Some(Address {
            index: m.header.index,
            addr: local.or(addr)?,
            prefix: m.header.prefix_len,
            flags,
        })
    }
}

/// An rtnetlink socket.
#[derive(Debug)]
pub struct Rtnl {
    sock: NlSocket,
}

fn rt_family(addr: &IpAddr) -> RtFamily {
    match addr {
        IpAddr::V4(_) => RtFamily::Inet,
        IpAddr::V6(_) => RtFamily::Inet6,
    }
}

/// Kinds of device lvsctl creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A dummy device (a DR VIP's home when not on `lo`).
    Dummy,
    /// An IP-in-IP tunnel (`tunl0` for ipip and gue).
    Ipip,
    /// A GRE tunnel (`gre0`).
    Gre,
}

fn kind_name(k: &InfoKind) -> String {
    match k {
        InfoKind::Dummy => "dummy".into(),
        InfoKind::IpIp => "ipip".into(),
        InfoKind::GreTun => "gre".into(),
        InfoKind::Bridge => "bridge".into(),
        InfoKind::Veth => "veth".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

impl Rtnl {
    /// Opens an rtnetlink socket in the current network namespace.
    pub fn open() -> Result<Self, NetlinkError> {
        Ok(Rtnl {
            sock: NlSocket::open(NETLINK_ROUTE)?,
        })
    }

    /// Every device.
    pub fn links(&mut self) -> Result<Vec<Link>, NetlinkError> {
        let replies = self
            .sock
            .request(RouteNetlinkMessage::GetLink(LinkMessage::default()), true)?;
        let mut out = Vec::new();
        for r in replies {
            if let RouteNetlinkMessage::NewLink(m) = r {
                out.push(Link::from_message(&m));
            }
        }
        Ok(out)
    }

    /// The device called `name`, if there is one.
    pub fn link(&mut self, name: &str) -> Result<Option<Link>, NetlinkError> {
        Ok(self.links()?.into_iter().find(|l| l.name == name))
    }

    /// Every address of every device (IPv4 and IPv6).
    pub fn addresses(&mut self) -> Result<Vec<Address>, NetlinkError> {
        let replies = self
            .sock
            .request(RouteNetlinkMessage::GetAddress(AddressMessage::default()), true)?;
        let mut out = Vec::new();
        for r in replies {
            if let RouteNetlinkMessage::NewAddress(m) = r {
                out.extend(Address::from_message(&m));
            }
        }
        Ok(out)
    }

    fn address_message(index: u32, addr: IpAddr, prefix: u8, prefix_route: bool) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.family = rt_family(&addr);
        m.header.prefix_len = prefix;
        m.header.index = index;
        m.header.scope = AddressScope::Universe;
        let mut flags = AddressFlags::Permanent;
        if !prefix_route {
            flags |= AddressFlags::Noprefixroute;
        }
        if addr.is_ipv6() {
            flags |= AddressFlags::Nodad;
            m.header.flags = AddressHeaderFlags::Nodad;
        }
        m.attributes.push(AddressAttribute::Local(addr));
        if addr.is_ipv4() {
            m.attributes.push(AddressAttribute::Address(addr));
        }
        m.attributes.push(AddressAttribute::Flags(flags));
        m
    }

    /// Adds a host address without a prefix route (and, for IPv6, without
    /// duplicate address detection). `EEXIST` if it is already there.
    pub fn add_address(&mut self, index: u32, addr: IpAddr, prefix: u8) -> Result<(), NetlinkError> {
        self.new_address(index, addr, prefix, false)
    }

    /// Adds an ordinary address (with its prefix route; IPv6 without
    /// duplicate address detection). `EEXIST` if it is already there.
    pub fn add_address_routed(&mut self, index: u32, addr: IpAddr, prefix: u8) -> Result<(), NetlinkError> {
        self.new_address(index, addr, prefix, true)
    }

    /// [`Rtnl::add_address_routed`] with an IPv4 label (`eth0:vip`; the
    /// kernel wants it to start with the device's name).
    pub fn add_address_labeled(
        &mut self,
        index: u32,
        addr: IpAddr,
        prefix: u8,
        label: Option<&str>,
    ) -> Result<(), NetlinkError> {
        let mut m = Self::address_message(index, addr, prefix, true);
        if let Some(l) = label {
            m.attributes.push(AddressAttribute::Label(l.to_string()));
        }
        self.sock.request_flags(
            RouteNetlinkMessage::NewAddress(m),
            false,
            NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    fn new_address(
        &mut self,
        index: u32,
        addr: IpAddr,
        prefix: u8,
        routed: bool,
    ) -> Result<(), NetlinkError> {
        let m = Self::address_message(index, addr, prefix, routed);
        self.sock.request_flags(
            RouteNetlinkMessage::NewAddress(m),
            false,
            NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    /// Removes an address.
    pub fn del_address(&mut self, index: u32, addr: IpAddr, prefix: u8) -> Result<(), NetlinkError> {
        let m = Self::address_message(index, addr, prefix, false);
        self.sock.request(RouteNetlinkMessage::DelAddress(m), false)?;
        Ok(())
    }

    /// Creates a device of a kind. The kernel loads the kind's module if it
    /// can (`rtnl-link-<kind>`).
    pub fn create_link(&mut self, name: &str, kind: LinkKind) -> Result<(), NetlinkError> {
        let kind = match kind {
            LinkKind::Dummy => InfoKind::Dummy,
            LinkKind::Ipip => InfoKind::IpIp,
            LinkKind::Gre => InfoKind::GreTun,
        };
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        m.attributes
            .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(kind)]));
        self.sock
            .request_flags(RouteNetlinkMessage::NewLink(m), false, NLM_F_CREATE | NLM_F_EXCL)?;
        Ok(())
    }

    /// Deletes a device.
    pub fn del_link(&mut self, index: u32) -> Result<(), NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.sock.request(RouteNetlinkMessage::DelLink(m), false)?;
        Ok(())
    }

    /// Sets a device up or down.
    pub fn set_up(&mut self, index: u32, up: bool) -> Result<(), NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.change_mask = LinkFlags::Up;
        if up {
            m.header.flags = LinkFlags::Up;
        }
        self.sock.request(RouteNetlinkMessage::SetLink(m), false)?;
        Ok(())
    }
}

/// A change the kernel announced on the groups [`RtnlEvents`] joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtnlEvent {
    /// `RTM_NEWLINK`: a device appeared or changed (flags, name, ...).
    Link(LinkState),
    /// `RTM_DELLINK`: a device went away.
    LinkRemoved(LinkState),
    /// `RTM_NEWADDR`: an address was added (or its flags changed).
    AddressAdded(Address),
    /// `RTM_DELADDR`: an address was removed.
    AddressRemoved(Address),
}

/// A device as a link event describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    /// Interface index.
    pub index: u32,
    /// Name (empty if the message carried none).
    pub name: String,
    /// `IFF_UP`: administratively up.
    pub up: bool,
    /// `IFF_RUNNING`: operationally up (carrier, RFC 2863 "up").
    pub running: bool,
}

/// rtnetlink multicast groups of link and address changes.
const EVENT_GROUPS: [u32; 3] = [
    libc::RTNLGRP_LINK,
    libc::RTNLGRP_IPV4_IFADDR,
    libc::RTNLGRP_IPV6_IFADDR,
];
/// `sizeof(struct ifinfomsg)`.
const IFINFOMSG_LEN: usize = 16;
/// `sizeof(struct ifaddrmsg)`.
const IFADDRMSG_LEN: usize = 8;
const IFLA_IFNAME: u16 = 3;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_FLAGS: u16 = 8;
/// Attribute type bits (without `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER`).
const NLA_TYPE_MASK: u16 = 0x3fff;

fn malformed(what: &str) -> NetlinkError {
    NetlinkError::Decode(format!("rtnetlink event: {what}"))
}

fn ne_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(..4)?.try_into().ok()?))
}

/// The attributes after a fixed header, as (type, value); an error for a
/// length field that does not fit.
fn attributes(mut b: &[u8]) -> Result<Vec<(u16, &[u8])>, NetlinkError> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let kind = u16::from_ne_bytes([b[2], b[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > b.len() {
            return Err(malformed("bad attribute length"));
        }
        out.push((kind, &b[4..len]));
        b = b.get((len + 3) & !3..).unwrap_or(&[]);
    }
    Ok(out)
}

fn ip_of(family: u8, b: &[u8]) -> Option<IpAddr> {
    match i32::from(family) {
        libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b).ok()?))),
        libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))),
        _ => None,
    }
}

/// Decodes one rtnetlink message (type and payload after the netlink
/// header) into an event. `Ok(None)` for message types and address
/// families that are not link or IP address changes; an error for a
/// message too short or with broken attributes. Never panics.
pub fn decode_event(kind: u16, payload: &[u8]) -> Result<Option<RtnlEvent>, NetlinkError> {
    match kind {
        libc::RTM_NEWLINK | libc::RTM_DELLINK => {
            let hdr = payload
                .get(..IFINFOMSG_LEN)
                .ok_or_else(|| malformed("short ifinfomsg"))?;
            let index = ne_u32(&hdr[4..8]).ok_or_else(|| malformed("short ifinfomsg"))?;
            let flags = ne_u32(&hdr[8..12]).ok_or_else(|| malformed("short ifinfomsg"))?;
            let mut name = String::new();
            for (t, v) in attributes(&payload[IFINFOMSG_LEN..])? {
                if t == IFLA_IFNAME {
                    let v = v.split(|&c| c == 0).next().unwrap_or(&[]);
                    name = String::from_utf8_lossy(v).into_owned();
                }
            }
            let state = LinkState {
                index,
                name,
                up: flags & libc::IFF_UP as u32 != 0,
                running: flags & libc::IFF_RUNNING as u32 != 0,
            };
            Ok(Some(if kind == libc::RTM_NEWLINK {
                RtnlEvent::Link(state)
            } else {
                RtnlEvent::LinkRemoved(state)
            }))
        }
        libc::RTM_NEWADDR | libc::RTM_DELADDR => {
            let hdr = payload
                .get(..IFADDRMSG_LEN)
                .ok_or_else(|| malformed("short ifaddrmsg"))?;
            let (family, prefix) = (hdr[0], hdr[1]);
            if !matches!(i32::from(family), libc::AF_INET | libc::AF_INET6) {
                return Ok(None);
            }
            let index = ne_u32(&hdr[4..8]).ok_or_else(|| malformed("short ifaddrmsg"))?;
            let mut flags = u32::from(hdr[2]);
            let (mut addr, mut local) = (None, None);
            for (t, v) in attributes(&payload[IFADDRMSG_LEN..])? {
                match t {
                    IFA_ADDRESS => addr = Some(ip_of(family, v).ok_or_else(|| malformed("bad IFA_ADDRESS"))?),
                    IFA_LOCAL => local = Some(ip_of(family, v).ok_or_else(|| malformed("bad IFA_LOCAL"))?),
                    IFA_FLAGS => flags = ne_u32(v).ok_or_else(|| malformed("bad IFA_FLAGS"))?,
                    _ => {}
                }
            }
            // As in `Rtnl::addresses`: IFA_LOCAL is the interface's own
            // address (IFA_ADDRESS is the peer's on point-to-point links).
            let addr = local
                .or(addr)
                .ok_or_else(|| malformed("address event without an address"))?;
            let a = Address {
                index,
                addr,
                prefix,
                flags,
            };
            Ok(Some(if kind == libc::RTM_NEWADDR {
                RtnlEvent::AddressAdded(a)
            } else {
                RtnlEvent::AddressRemoved(a)
            }))
        }
        _ => Ok(None),
    }
}

/// A subscription to link and address changes (`RTNLGRP_LINK`,
/// `RTNLGRP_IPV4_IFADDR`, `RTNLGRP_IPV6_IFADDR`) of the current network
/// namespace, on a socket of its own. Poll its descriptor (or pass a
/// timeout to [`RtnlEvents::recv`]); when the kernel reports lost events
/// ([`EventWait::Lost`]), read the state again with [`Rtnl::links`] and
/// [`Rtnl::addresses`].
#[derive(Debug)]
pub struct RtnlEvents {
    sock: NlSocket,
    malformed: u64,
}

impl RtnlEvents {
    /// Opens the socket and joins the three groups.
    pub fn subscribe() -> Result<Self, NetlinkError> {
        let mut sock = NlSocket::open(NETLINK_ROUTE)?;
        for g in EVENT_GROUPS {
            sock.join_group(g)?;
        }
        Ok(RtnlEvents { sock, malformed: 0 })
    }

    /// Waits up to `timeout` for one datagram of notifications (see
    /// [`NlSocket::recv_events`]) and appends its events to `out`.
    /// Malformed messages are skipped and counted ([`RtnlEvents::malformed`]).
    pub fn recv(
        &mut self,
        timeout: Option<Duration>,
        out: &mut Vec<RtnlEvent>,
    ) -> Result<EventWait, NetlinkError> {
        let mut bad = 0;
        let wait =
            self.sock
                .recv_events(timeout, &mut |kind, payload| match decode_event(kind, payload) {
                    Ok(Some(e)) => out.push(e),
                    Ok(None) => {}
                    Err(_) => bad += 1,
                })?;
        self.malformed += bad;
        Ok(wait)
    }

    /// How many messages could not be decoded so far.
    pub fn malformed(&self) -> u64 {
        self.malformed
    }
}

impl AsRawFd for RtnlEvents {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for RtnlEvents {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden notifications, whole datagrams (netlink header included) in
    // host byte order (x86_64). Captured in a throwaway network namespace,
    // so that no interface of the machine changes; to regenerate (as root,
    // or in the test VM):
    //
    //   unshare -n python3 -c 'import socket,subprocess
    //   s=socket.socket(socket.AF_NETLINK,socket.SOCK_RAW,socket.NETLINK_ROUTE)
    //   s.bind((0,0)); [s.setsockopt(270,1,g) for g in (1,5,9)]
    //   subprocess.run("ip link set lo up; ip addr add 192.0.2.1/24 dev lo;"
    //     "ip addr del 192.0.2.1/24 dev lo;"
    //     "ip -6 addr add 2001:db8::1/64 dev lo nodad",shell=True)
    //   s.settimeout(0.5)
    //   while True: print(s.recv(65536).hex())'
    //
    // (`ip monitor link address` under `strace -e recvmsg` shows the same
    // messages decoded.) In order: lo set up (RTM_NEWLINK), the kernel
    // adding 127.0.0.1/8 and ::1/128, then 192.0.2.1/24 added and deleted,
    // then 2001:db8::1/64 added with nodad.
    const LO_UP: &str = concat!(
        "bc05000010000000000000000000000000000403010000004900010001000000070003006c6f000008000d00",
        "e803000005001000000000000500110000000000050043000100000008000400000001000800320000000000",
        "080033000000000008001b000000000008001e000000000008003d000000000008001f000100000008002800",
        "ffff0000080029000000010008003a000000010008003f0000000100080040000000010008003b00f8ff0700",
        "08003c00ffff0000080042000000000008002000010000000500210001000000080023000000000008002f00",
        "0000000008003000000000000600440000000000060045000000000005002700000000000a00010000000000",
        "000000000a0002000000000000000000cc001700000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "6400070000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000c002b0005000200000000000c0006006e6f71756575650030031a008c000200",
        "8800010000000000000000000000000001000000010000000100000001000000000000000100000000000000",
        "0000000000000000000000000000000001000000010000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000010270000e803000000000000000000000000000000000000",
        "01000000a0020a00080001000000000014000500ffff0000cac20000ac960000e8030000f400020000000000",
        "400000000000010001000000010000000100000001000000ffffffffa00f0000e8030000ffffffff803a0900",
        "805101000300000058020000100000000000000001000000010000000100000060ea00000000000000000000",
        "00000000000000000000000000000000ffffffff000000000000000010270000e80300000100000000000000",
        "00000000010000000000000000000000010000000000000000000000000000000000000080ee360000000000",
        "000000000100000000000000000000000000000000000000000000000004000000000000ffff0000ffffffff",
        "0100000000000000000000000000000034010300260000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000003c000600070000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000140007000000000000000000",
        "0000000000000000050008000000000024000e00000000000000000000000000000000000000000000000000",
        "000000000000000004003e8004004180",
    );
    const LO_V4: &str = concat!(
        "4c000000140000000000000000000000020880fe01000000080001007f000001080002007f00000107000300",
        "6c6f0000080008008000000014000600ffffffffffffffffe5c20000e5c20000",
    );
    const LO_V6: &str = concat!(
        "500000001400000000000000000000000a8080fe010000001400010000000000000000000000000000000001",
        "14000600ffffffffffffffffe5c20000e5c20000080008008000000005000b0001000000",
    );
    const ADD_V4: &str = concat!(
        "4c0000001400000029230f6b79400000021880000100000008000100c000020108000200c000020107000300",
        "6c6f0000080008008000000014000600ffffffffffffffffe5c20000e5c20000",
    );
    const DEL_V4: &str = concat!(
        "4c0000001500000029230f6b7a400000021880000100000008000100c000020108000200c000020107000300",
        "6c6f0000080008008000000014000600ffffffffffffffffe5c20000e5c20000",
    );
    const ADD_V6: &str = concat!(
        "480000001400000000000000000000000a408200010000001400010020010db8000000000000000000000001",
        "14000600ffffffffffffffffe6c20000e6c200000800080082000000",
    );

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// (type, payload) of the one message of a datagram.
    fn message(hex: &str) -> (u16, Vec<u8>) {
        let b = bytes(hex);
        let len = u32::from_ne_bytes(b[..4].try_into().unwrap()) as usize;
        assert_eq!(len, b.len());
        (u16::from_ne_bytes([b[4], b[5]]), b[16..].to_vec())
    }

    fn decode(hex: &str) -> RtnlEvent {
        let (kind, payload) = message(hex);
        decode_event(kind, &payload).unwrap().unwrap()
    }

    fn addr(index: u32, a: &str, prefix: u8, flags: u32) -> Address {
        Address {
            index,
            addr: a.parse().unwrap(),
            prefix,
            flags,
        }
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn golden_link_events() {
        let lo = LinkState {
            index: 1,
            name: "lo".into(),
            up: true,
            running: true,
        };
        assert_eq!(decode(LO_UP), RtnlEvent::Link(lo.clone()));
        // RTM_DELLINK carries the same ifinfomsg and attributes.
        let (_, payload) = message(LO_UP);
        assert_eq!(
            decode_event(libc::RTM_DELLINK, &payload).unwrap(),
            Some(RtnlEvent::LinkRemoved(lo))
        );
        // Down and not running: IFF_UP and IFF_RUNNING cleared.
        let mut down = payload.clone();
        down[8] &= !0x41;
        let Some(RtnlEvent::Link(l)) = decode_event(libc::RTM_NEWLINK, &down).unwrap() else {
            panic!("not a link event");
        };
        assert!(!l.up && !l.running);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn golden_address_events() {
        const PERMANENT: u32 = 0x80;
        const NODAD: u32 = 0x02;
        assert_eq!(
            decode(LO_V4),
            RtnlEvent::AddressAdded(addr(1, "127.0.0.1", 8, PERMANENT))
        );
        assert_eq!(
            decode(LO_V6),
            RtnlEvent::AddressAdded(addr(1, "::1", 128, PERMANENT))
        );
        assert_eq!(
            decode(ADD_V4),
            RtnlEvent::AddressAdded(addr(1, "192.0.2.1", 24, PERMANENT))
        );
        assert_eq!(
            decode(DEL_V4),
            RtnlEvent::AddressRemoved(addr(1, "192.0.2.1", 24, PERMANENT))
        );
        assert_eq!(
            decode(ADD_V6),
            RtnlEvent::AddressAdded(addr(1, "2001:db8::1", 64, PERMANENT | NODAD))
        );
    }

    #[test]
    fn other_messages_are_not_events() {
        let (_, payload) = message(LO_V4);
        // RTM_NEWROUTE, and an address of another family (AF_PACKET).
        assert_eq!(decode_event(24, &payload).unwrap(), None);
        let mut other = payload.clone();
        other[0] = libc::AF_PACKET as u8;
        assert_eq!(decode_event(libc::RTM_NEWADDR, &other).unwrap(), None);
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        for hex in [LO_UP, LO_V4, LO_V6, ADD_V4, DEL_V4, ADD_V6] {
            let (kind, payload) = message(hex);
            // Every truncation: an error or a (partial) event, never a panic.
            for n in 0..payload.len() {
                let _ = decode_event(kind, &payload[..n]);
            }
            assert!(decode_event(kind, &payload[..4]).is_err());
            // Every byte set to 0xff or 0 in turn (lengths, families, types).
            for i in 0..payload.len() {
                for v in [0u8, 0xff] {
                    let mut p = payload.clone();
                    p[i] = v;
                    let _ = decode_event(kind, &p);
                }
            }
        }
        // An address event without an address, and a 3-byte IFA_ADDRESS.
        let mut p = vec![libc::AF_INET as u8, 24, 0, 0, 1, 0, 0, 0];
        assert!(decode_event(libc::RTM_NEWADDR, &p).is_err());
        p.extend([7, 0, 1, 0, 192, 0, 2, 0]);
        assert!(decode_event(libc::RTM_NEWADDR, &p).is_err());
    }

    /// The groups a netlink socket has joined (`NETLINK_LIST_MEMBERSHIPS`).
    fn memberships(fd: RawFd) -> u32 {
        let mut bits: u32 = 0;
        let mut len = std::mem::size_of::<u32>() as libc::socklen_t;
        // SAFETY: `fd` is an open netlink socket; the kernel writes at most
        // `len` bytes into `bits`, whose address and size are passed.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_NETLINK,
                libc::NETLINK_LIST_MEMBERSHIPS,
                std::ptr::addr_of_mut!(bits).cast::<libc::c_void>(),
                &mut len,
            )
        };
        assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
        bits
    }

    #[test]
    fn subscription_joins_the_groups_and_has_a_pollable_fd() {
        let mut ev = RtnlEvents::subscribe().unwrap();
        let fd = ev.as_raw_fd();
        assert!(fd >= 0);
        assert_eq!(ev.as_fd().as_raw_fd(), fd);
        // Bit n-1 for group n.
        let want = (1 << (libc::RTNLGRP_LINK - 1))
            | (1 << (libc::RTNLGRP_IPV4_IFADDR - 1))
            | (1 << (libc::RTNLGRP_IPV6_IFADDR - 1));
        assert_eq!(memberships(fd) & want, want);
        // A zero timeout returns at once (this machine's interfaces may or
        // may not be changing meanwhile; either answer is fine).
        let mut out = Vec::new();
        let w = ev.recv(Some(Duration::ZERO), &mut out).unwrap();
        assert!(matches!(w, EventWait::TimedOut | EventWait::Received(_)), "{w:?}");
    }
}
