//! Addresses and links over rtnetlink (`netlink-packet-route` messages on
//! the same [`NlSocket`] core as IPVS).

use std::net::IpAddr;

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope,
};
use netlink_packet_route::link::{InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::{AddressFamily as RtFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use crate::netlink::{NetlinkError, NlSocket};

/// A network device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Administratively up.
    pub up: bool,
    /// The loopback device.
    pub loopback: bool,
    /// `IFF_NOARP`.
    pub noarp: bool,
    /// The rtnetlink kind (`dummy`, `ipip`, `gre`, ...), if any.
    pub kind: Option<String>,
    /// The hardware address (6 bytes for Ethernet), if any.
    pub mac: Option<[u8; 6]>,
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
