//! The IPVS Generic Netlink attribute codec.
//!
//! Numbers and layouts come from the kernel's `include/uapi/linux/ip_vs.h`
//! and `net/netfilter/ipvs/ip_vs_ctl.c`. Requests are encoded the way
//! ipvsadm 1.31 (through libnl 3) encodes them, nested-attribute flag and
//! 16-byte addresses included, so that golden bytes taken from ipvsadm can
//! be compared with ours. Replies are decoded leniently: unknown attributes
//! are ignored, missing mandatory ones are a decode error, never a panic.
//!
//! Byte orders are a trap here: ports and the IPv4 multicast group are in
//! network order; the IPv4 persistence netmask is a network-order `__be32`
//! while the IPv6 one is a host-order prefix length in the same attribute;
//! the daemon's multicast port is in host order.

use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{
    DecodeError, Emitable, Nla, NlaBuffer, NlasIterator, ParseableParametrized, NLA_F_NESTED,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use super::model::*;

/// Generic Netlink family name of IPVS.
pub const FAMILY_NAME: &str = "IPVS";
/// Family version ipvsadm speaks.
pub const FAMILY_VERSION: u8 = 1;

/// IPVS commands (`IPVS_CMD_*`).
#[allow(missing_docs)]
pub mod cmd {
    pub const NEW_SERVICE: u8 = 1;
    pub const SET_SERVICE: u8 = 2;
    pub const DEL_SERVICE: u8 = 3;
    pub const GET_SERVICE: u8 = 4;
    pub const NEW_DEST: u8 = 5;
    pub const SET_DEST: u8 = 6;
    pub const DEL_DEST: u8 = 7;
    pub const GET_DEST: u8 = 8;
    pub const NEW_DAEMON: u8 = 9;
    pub const DEL_DAEMON: u8 = 10;
    pub const GET_DAEMON: u8 = 11;
    pub const SET_CONFIG: u8 = 12;
    pub const GET_CONFIG: u8 = 13;
    pub const SET_INFO: u8 = 14;
    pub const GET_INFO: u8 = 15;
    pub const ZERO: u8 = 16;
    pub const FLUSH: u8 = 17;
}

// Top-level command attributes.
const CMD_ATTR_SERVICE: u16 = 1;
const CMD_ATTR_DEST: u16 = 2;
const CMD_ATTR_DAEMON: u16 = 3;
const CMD_ATTR_TIMEOUT_TCP: u16 = 4;
const CMD_ATTR_TIMEOUT_TCP_FIN: u16 = 5;
const CMD_ATTR_TIMEOUT_UDP: u16 = 6;

// Service attributes.
const SVC_ATTR_AF: u16 = 1;
const SVC_ATTR_PROTOCOL: u16 = 2;
const SVC_ATTR_ADDR: u16 = 3;
const SVC_ATTR_PORT: u16 = 4;
const SVC_ATTR_FWMARK: u16 = 5;
const SVC_ATTR_SCHED_NAME: u16 = 6;
const SVC_ATTR_FLAGS: u16 = 7;
const SVC_ATTR_TIMEOUT: u16 = 8;
const SVC_ATTR_NETMASK: u16 = 9;
const SVC_ATTR_STATS: u16 = 10;
const SVC_ATTR_PE_NAME: u16 = 11;
const SVC_ATTR_STATS64: u16 = 12;

// Destination attributes.
const DEST_ATTR_ADDR: u16 = 1;
const DEST_ATTR_PORT: u16 = 2;
const DEST_ATTR_FWD_METHOD: u16 = 3;
const DEST_ATTR_WEIGHT: u16 = 4;
const DEST_ATTR_U_THRESH: u16 = 5;
const DEST_ATTR_L_THRESH: u16 = 6;
const DEST_ATTR_ACTIVE_CONNS: u16 = 7;
const DEST_ATTR_INACT_CONNS: u16 = 8;
const DEST_ATTR_PERSIST_CONNS: u16 = 9;
const DEST_ATTR_STATS: u16 = 10;
const DEST_ATTR_ADDR_FAMILY: u16 = 11;
const DEST_ATTR_STATS64: u16 = 12;
const DEST_ATTR_TUN_TYPE: u16 = 13;
const DEST_ATTR_TUN_PORT: u16 = 14;
const DEST_ATTR_TUN_FLAGS: u16 = 15;

// Daemon attributes.
const DAEMON_ATTR_STATE: u16 = 1;
const DAEMON_ATTR_MCAST_IFN: u16 = 2;
const DAEMON_ATTR_SYNC_ID: u16 = 3;
const DAEMON_ATTR_SYNC_MAXLEN: u16 = 4;
const DAEMON_ATTR_MCAST_GROUP: u16 = 5;
const DAEMON_ATTR_MCAST_GROUP6: u16 = 6;
const DAEMON_ATTR_MCAST_PORT: u16 = 7;
const DAEMON_ATTR_MCAST_TTL: u16 = 8;

// Info attributes (in SET_INFO replies; numbered like the command ones).
const INFO_ATTR_VERSION: u16 = 1;
const INFO_ATTR_CONN_TAB_SIZE: u16 = 2;

/// One attribute to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    kind: u16,
    value: Value,
}

/// The value of an attribute to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    U8(u8),
    U16(u16),
    U32(u32),
    /// Raw bytes (addresses, network-order numbers, the flags struct).
    Bytes(Vec<u8>),
    /// A NUL-terminated string.
    Str(String),
    Nested(Vec<Attr>),
}

impl Attr {
    fn new(kind: u16, value: Value) -> Self {
        Attr { kind, value }
    }
}

impl Nla for Attr {
    fn value_len(&self) -> usize {
        match &self.value {
            Value::U8(_) => 1,
            Value::U16(_) => 2,
            Value::U32(_) => 4,
            Value::Bytes(b) => b.len(),
            Value::Str(s) => s.len() + 1,
            Value::Nested(n) => n.as_slice().buffer_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self.value {
            Value::Nested(_) => self.kind | NLA_F_NESTED,
            _ => self.kind,
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match &self.value {
            Value::U8(v) => buf[0] = *v,
            Value::U16(v) => buf[..2].copy_from_slice(&v.to_ne_bytes()),
            Value::U32(v) => buf[..4].copy_from_slice(&v.to_ne_bytes()),
            Value::Bytes(b) => buf[..b.len()].copy_from_slice(b),
            Value::Str(s) => {
                buf[..s.len()].copy_from_slice(s.as_bytes());
                buf[s.len()] = 0;
            }
            Value::Nested(n) => n.as_slice().emit(buf),
        }
    }
}

/// One IPVS Generic Netlink message: a command and its attributes.
///
/// Outgoing messages carry typed [`Attr`]s; incoming ones keep each
/// top-level attribute's raw bytes, decoded on demand by [`decode_service`]
/// and friends (the meaning of attribute numbers depends on the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsMessage {
    /// `IPVS_CMD_*`.
    pub cmd: u8,
    attrs: Vec<Attr>,
}

impl IpvsMessage {
    fn new(cmd: u8, attrs: Vec<Attr>) -> Self {
        IpvsMessage { cmd, attrs }
    }

    /// The raw value of the first top-level attribute `kind`.
    fn raw(&self, kind: u16) -> Option<&[u8]> {
        self.attrs
            .iter()
            .find(|a| a.kind == kind)
            .and_then(|a| match &a.value {
                Value::Bytes(b) => Some(b.as_slice()),
                _ => None,
            })
    }
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let mut attrs = Vec::new();
        for nla in NlasIterator::new(buf) {
            let nla = nla?;
            attrs.push(Attr::new(nla.kind(), Value::Bytes(nla.value().to_vec())));
        }
        Ok(IpvsMessage {
            cmd: header.cmd,
            attrs,
        })
    }
}

// ---------------------------------------------------------------- encoding

fn addr16(addr: &IpAddr) -> Vec<u8> {
    let mut v = vec![0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    v
}

fn netmask_bytes(af: AddressFamily, netmask: u32) -> Vec<u8> {
    match af {
        AddressFamily::Inet => netmask.to_be_bytes().to_vec(),
        AddressFamily::Inet6 => netmask.to_ne_bytes().to_vec(),
    }
}

/// The attributes that identify a service.
fn key_attrs(key: &ServiceKey) -> Vec<Attr> {
    let mut a = vec![Attr::new(SVC_ATTR_AF, Value::U16(key.af().raw()))];
    match key {
        ServiceKey::Addr { protocol, addr, port } => {
            a.push(Attr::new(SVC_ATTR_PROTOCOL, Value::U16(protocol.raw())));
            a.push(Attr::new(SVC_ATTR_ADDR, Value::Bytes(addr16(addr))));
            a.push(Attr::new(
                SVC_ATTR_PORT,
                Value::Bytes(port.to_be_bytes().to_vec()),
            ));
        }
        ServiceKey::Fwmark { mark, .. } => {
            a.push(Attr::new(SVC_ATTR_FWMARK, Value::U32(*mark)));
        }
    }
    a
}

/// A complete service, as NEW_SERVICE and SET_SERVICE need it.
fn service_attrs(svc: &Service) -> Vec<Attr> {
    let mut a = key_attrs(&svc.key);
    a.push(Attr::new(SVC_ATTR_SCHED_NAME, Value::Str(svc.scheduler.clone())));
    if let Some(pe) = &svc.pe_name {
        a.push(Attr::new(SVC_ATTR_PE_NAME, Value::Str(pe.clone())));
    }
    let mut flags = svc.flags.0.to_ne_bytes().to_vec();
    flags.extend_from_slice(&u32::MAX.to_ne_bytes());
    a.push(Attr::new(SVC_ATTR_FLAGS, Value::Bytes(flags)));
    a.push(Attr::new(SVC_ATTR_TIMEOUT, Value::U32(svc.timeout)));
    a.push(Attr::new(
        SVC_ATTR_NETMASK,
        Value::Bytes(netmask_bytes(svc.key.af(), svc.netmask)),
    ));
    a
}

fn dest_attrs(d: &Destination, full: bool) -> Vec<Attr> {
    let mut a = vec![
        Attr::new(DEST_ATTR_ADDR_FAMILY, Value::U16(d.af().raw())),
        Attr::new(DEST_ATTR_ADDR, Value::Bytes(addr16(&d.addr))),
        Attr::new(DEST_ATTR_PORT, Value::Bytes(d.port.to_be_bytes().to_vec())),
    ];
    if full {
        a.extend([
            Attr::new(DEST_ATTR_FWD_METHOD, Value::U32(d.fwd.raw())),
            Attr::new(DEST_ATTR_WEIGHT, Value::U32(d.weight)),
            Attr::new(DEST_ATTR_TUN_TYPE, Value::U8(d.tun_type.raw())),
            Attr::new(
                DEST_ATTR_TUN_PORT,
                Value::Bytes(d.tun_port.to_be_bytes().to_vec()),
            ),
            Attr::new(DEST_ATTR_TUN_FLAGS, Value::U16(d.tun_flags)),
            Attr::new(DEST_ATTR_U_THRESH, Value::U32(d.u_threshold)),
            Attr::new(DEST_ATTR_L_THRESH, Value::U32(d.l_threshold)),
        ]);
    }
    a
}

fn nest(kind: u16, attrs: Vec<Attr>) -> Attr {
    Attr::new(kind, Value::Nested(attrs))
}

/// A request whose attributes are already encoded: what batches send.
///
/// [`request`]'s builders make a tree of attributes, which is convenient
/// and checked against ipvsadm's bytes, but costs several allocations per
/// message. Bulk changes (tens of thousands of messages) are written
/// straight into one buffer per message by [`encode_op`] instead; a unit
/// test holds the two encodings byte-identical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The command.
    pub cmd: u8,
    payload: Payload,
}

/// Room for every service or destination request without allocating.
const INLINE: usize = 256;

// Inline on purpose: a bulk load makes one per change, and allocating
// each was a visible share of its time.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Payload {
    Inline { buf: [u8; INLINE], len: usize },
    Heap(Vec<u8>),
}

impl Payload {
    fn bytes(&self) -> &[u8] {
        match self {
            Payload::Inline { buf, len } => &buf[..*len],
            Payload::Heap(v) => v,
        }
    }
}

impl GenlFamily for RawRequest {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl Emitable for RawRequest {
    fn buffer_len(&self) -> usize {
        self.payload.bytes().len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        let b = self.payload.bytes();
        buffer[..b.len()].copy_from_slice(b);
    }
}

/// Writes netlink attributes into a fixed buffer (zeroed, so padding is
/// only a matter of moving on). Every request it writes is far below
/// [`INLINE`] bytes: names are at most 16 bytes, everything else fixed.
struct AttrWriter {
    buf: [u8; INLINE],
    len: usize,
}

impl AttrWriter {
    fn new() -> Self {
        AttrWriter {
            buf: [0; INLINE],
            len: 0,
        }
    }
    fn header(&mut self, len: usize, kind: u16) {
        let at = self.len;
        self.buf[at..at + 2].copy_from_slice(&(len as u16).to_ne_bytes());
        self.buf[at + 2..at + 4].copy_from_slice(&kind.to_ne_bytes());
        self.len += 4;
    }
    fn attr(&mut self, kind: u16, value: &[u8]) {
        self.header(4 + value.len(), kind);
        let at = self.len;
        self.buf[at..at + value.len()].copy_from_slice(value);
        self.len = (at + value.len() + 3) & !3;
    }
    fn u8(&mut self, kind: u16, v: u8) {
        self.attr(kind, &[v]);
    }
    fn u16(&mut self, kind: u16, v: u16) {
        self.attr(kind, &v.to_ne_bytes());
    }
    fn u32(&mut self, kind: u16, v: u32) {
        self.attr(kind, &v.to_ne_bytes());
    }
    /// A NUL-terminated string, cut to what the kernel reads (15 bytes
    /// and the NUL; longer names are refused before this is reached).
    fn str(&mut self, kind: u16, s: &str) {
        let b = &s.as_bytes()[..s.len().min(INLINE / 8)];
        self.header(4 + b.len() + 1, kind);
        let at = self.len;
        self.buf[at..at + b.len()].copy_from_slice(b);
        self.buf[at + b.len()] = 0;
        self.len = (at + b.len() + 1 + 3) & !3;
    }
    fn addr(&mut self, kind: u16, a: &IpAddr) {
        let mut v = [0u8; 16];
        match a {
            IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
            IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
        }
        self.attr(kind, &v);
    }
    fn start(&mut self) -> usize {
        let at = self.len;
        self.len += 4;
        at
    }
    fn end(&mut self, at: usize, kind: u16) {
        let len = (self.len - at) as u16;
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        self.buf[at + 2..at + 4].copy_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
    }

    fn key(&mut self, key: &ServiceKey) {
        self.u16(SVC_ATTR_AF, key.af().raw());
        match key {
            ServiceKey::Addr { protocol, addr, port } => {
                self.u16(SVC_ATTR_PROTOCOL, protocol.raw());
                self.addr(SVC_ATTR_ADDR, addr);
                self.attr(SVC_ATTR_PORT, &port.to_be_bytes());
            }
            ServiceKey::Fwmark { mark, .. } => self.u32(SVC_ATTR_FWMARK, *mark),
        }
    }

    fn service_nest(&mut self, key: &ServiceKey, svc: Option<&Service>) {
        let at = self.start();
        self.key(key);
        if let Some(svc) = svc {
            self.str(SVC_ATTR_SCHED_NAME, &svc.scheduler);
            if let Some(pe) = &svc.pe_name {
                self.str(SVC_ATTR_PE_NAME, pe);
            }
            let mut flags = [0u8; 8];
            flags[..4].copy_from_slice(&svc.flags.0.to_ne_bytes());
            flags[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
            self.attr(SVC_ATTR_FLAGS, &flags);
            self.u32(SVC_ATTR_TIMEOUT, svc.timeout);
            match svc.key.af() {
                AddressFamily::Inet => self.attr(SVC_ATTR_NETMASK, &svc.netmask.to_be_bytes()),
                AddressFamily::Inet6 => self.attr(SVC_ATTR_NETMASK, &svc.netmask.to_ne_bytes()),
            }
        }
        self.end(at, CMD_ATTR_SERVICE);
    }

    fn dest_nest(&mut self, d: &Destination, full: bool) {
        let at = self.start();
        self.u16(DEST_ATTR_ADDR_FAMILY, d.af().raw());
        self.addr(DEST_ATTR_ADDR, &d.addr);
        self.attr(DEST_ATTR_PORT, &d.port.to_be_bytes());
        if full {
            self.u32(DEST_ATTR_FWD_METHOD, d.fwd.raw());
            self.u32(DEST_ATTR_WEIGHT, d.weight);
            self.u8(DEST_ATTR_TUN_TYPE, d.tun_type.raw());
            self.attr(DEST_ATTR_TUN_PORT, &d.tun_port.to_be_bytes());
            self.u16(DEST_ATTR_TUN_FLAGS, d.tun_flags);
            self.u32(DEST_ATTR_U_THRESH, d.u_threshold);
            self.u32(DEST_ATTR_L_THRESH, d.l_threshold);
        }
        self.end(at, CMD_ATTR_DEST);
    }
}

/// Encodes the service and destination changes of a batch directly (see
/// [`RawRequest`]); other requests go through [`request`]'s builders.
pub fn encode_dest_or_service(
    cmd: u8,
    key: &ServiceKey,
    svc: Option<&Service>,
    dest: Option<(&Destination, bool)>,
) -> RawRequest {
    let mut w = AttrWriter::new();
    w.service_nest(key, svc);
    if let Some((d, full)) = dest {
        w.dest_nest(d, full);
    }
    RawRequest {
        cmd,
        payload: Payload::Inline {
            buf: w.buf,
            len: w.len,
        },
    }
}

/// Turns any request built by [`request`] into a [`RawRequest`].
pub fn raw(msg: &IpvsMessage) -> RawRequest {
    let mut payload = vec![0; msg.buffer_len()];
    msg.emit(&mut payload);
    RawRequest {
        cmd: msg.cmd,
        payload: Payload::Heap(payload),
    }
}

/// Builders for every request of the family.
pub mod request {
    use super::*;

    /// `NEW_SERVICE`.
    pub fn new_service(svc: &Service) -> IpvsMessage {
        IpvsMessage::new(cmd::NEW_SERVICE, vec![nest(CMD_ATTR_SERVICE, service_attrs(svc))])
    }
    /// `SET_SERVICE` (replaces scheduler, flags, timeout, netmask, pe).
    pub fn set_service(svc: &Service) -> IpvsMessage {
        IpvsMessage::new(cmd::SET_SERVICE, vec![nest(CMD_ATTR_SERVICE, service_attrs(svc))])
    }
    /// `DEL_SERVICE`.
    pub fn del_service(key: &ServiceKey) -> IpvsMessage {
        IpvsMessage::new(cmd::DEL_SERVICE, vec![nest(CMD_ATTR_SERVICE, key_attrs(key))])
    }
    /// `GET_SERVICE` for one service (a do-request).
    pub fn get_service(key: &ServiceKey) -> IpvsMessage {
        IpvsMessage::new(cmd::GET_SERVICE, vec![nest(CMD_ATTR_SERVICE, key_attrs(key))])
    }
    /// `GET_SERVICE` dump of every service.
    pub fn dump_services() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_SERVICE, vec![])
    }
    /// `NEW_DEST`.
    pub fn new_dest(key: &ServiceKey, d: &Destination) -> IpvsMessage {
        IpvsMessage::new(
            cmd::NEW_DEST,
            vec![
                nest(CMD_ATTR_SERVICE, key_attrs(key)),
                nest(CMD_ATTR_DEST, dest_attrs(d, true)),
            ],
        )
    }
    /// `SET_DEST`.
    pub fn set_dest(key: &ServiceKey, d: &Destination) -> IpvsMessage {
        IpvsMessage::new(
            cmd::SET_DEST,
            vec![
                nest(CMD_ATTR_SERVICE, key_attrs(key)),
                nest(CMD_ATTR_DEST, dest_attrs(d, true)),
            ],
        )
    }
    /// `DEL_DEST`.
    pub fn del_dest(key: &ServiceKey, addr: &IpAddr, port: u16) -> IpvsMessage {
        let d = Destination::new(*addr, port);
        IpvsMessage::new(
            cmd::DEL_DEST,
            vec![
                nest(CMD_ATTR_SERVICE, key_attrs(key)),
                nest(CMD_ATTR_DEST, dest_attrs(&d, false)),
            ],
        )
    }
    /// `GET_DEST` dump of one service's destinations.
    pub fn dump_dests(key: &ServiceKey) -> IpvsMessage {
        IpvsMessage::new(cmd::GET_DEST, vec![nest(CMD_ATTR_SERVICE, key_attrs(key))])
    }
    /// `NEW_DAEMON`.
    pub fn new_daemon(d: &SyncDaemon) -> IpvsMessage {
        let mut a = vec![
            Attr::new(DAEMON_ATTR_STATE, Value::U32(d.state.raw())),
            Attr::new(DAEMON_ATTR_MCAST_IFN, Value::Str(d.mcast_ifn.clone())),
            Attr::new(DAEMON_ATTR_SYNC_ID, Value::U32(d.syncid)),
        ];
        if let Some(v) = d.sync_maxlen {
            a.push(Attr::new(DAEMON_ATTR_SYNC_MAXLEN, Value::U16(v)));
        }
        if let Some(v) = d.mcast_port {
            a.push(Attr::new(DAEMON_ATTR_MCAST_PORT, Value::U16(v)));
        }
        if let Some(v) = d.mcast_ttl {
            a.push(Attr::new(DAEMON_ATTR_MCAST_TTL, Value::U8(v)));
        }
        match d.mcast_group {
            Some(IpAddr::V4(g)) => a.push(Attr::new(
                DAEMON_ATTR_MCAST_GROUP,
                Value::Bytes(g.octets().to_vec()),
            )),
            Some(IpAddr::V6(g)) => a.push(Attr::new(
                DAEMON_ATTR_MCAST_GROUP6,
                Value::Bytes(g.octets().to_vec()),
            )),
            None => {}
        }
        IpvsMessage::new(cmd::NEW_DAEMON, vec![nest(CMD_ATTR_DAEMON, a)])
    }
    /// `DEL_DAEMON`.
    pub fn del_daemon(state: DaemonState) -> IpvsMessage {
        let a = vec![
            Attr::new(DAEMON_ATTR_STATE, Value::U32(state.raw())),
            Attr::new(DAEMON_ATTR_MCAST_IFN, Value::Str(String::new())),
            Attr::new(DAEMON_ATTR_SYNC_ID, Value::U32(0)),
        ];
        IpvsMessage::new(cmd::DEL_DAEMON, vec![nest(CMD_ATTR_DAEMON, a)])
    }
    /// `GET_DAEMON` dump.
    pub fn dump_daemons() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_DAEMON, vec![])
    }
    /// `SET_CONFIG` (timeouts; 0 keeps a value).
    pub fn set_config(t: &Timeouts) -> IpvsMessage {
        IpvsMessage::new(
            cmd::SET_CONFIG,
            vec![
                Attr::new(CMD_ATTR_TIMEOUT_TCP, Value::U32(t.tcp)),
                Attr::new(CMD_ATTR_TIMEOUT_TCP_FIN, Value::U32(t.tcp_fin)),
                Attr::new(CMD_ATTR_TIMEOUT_UDP, Value::U32(t.udp)),
            ],
        )
    }
    /// `GET_CONFIG`.
    pub fn get_config() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_CONFIG, vec![])
    }
    /// `GET_INFO`.
    pub fn get_info() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_INFO, vec![])
    }
    /// `ZERO` of every counter, or of one service's.
    pub fn zero(key: Option<&ServiceKey>) -> IpvsMessage {
        let attrs = match key {
            Some(k) => vec![nest(CMD_ATTR_SERVICE, key_attrs(k))],
            None => vec![],
        };
        IpvsMessage::new(cmd::ZERO, attrs)
    }
    /// `FLUSH`.
    pub fn flush() -> IpvsMessage {
        IpvsMessage::new(cmd::FLUSH, vec![])
    }
}

// ---------------------------------------------------------------- decoding

/// The attributes of one nest, by number; later duplicates are ignored.
struct Table<'a> {
    slots: Vec<Option<&'a [u8]>>,
}

impl<'a> Table<'a> {
    fn parse(buf: &'a [u8], max: u16) -> Result<Self, DecodeError> {
        let mut slots = vec![None; usize::from(max) + 1];
        for nla in NlasIterator::new(buf) {
            let nla: NlaBuffer<&'a [u8]> = nla?;
            let kind = usize::from(nla.kind());
            let len = usize::from(nla.length());
            let whole: &'a [u8] = nla.into_inner();
            let value = whole.get(4..len).unwrap_or(&[]);
            if kind < slots.len() && slots[kind].is_none() {
                slots[kind] = Some(value);
            }
        }
        Ok(Table { slots })
    }

    fn get(&self, kind: u16) -> Option<&'a [u8]> {
        self.slots.get(usize::from(kind)).copied().flatten()
    }

    fn need(&self, kind: u16, what: &str) -> Result<&'a [u8], DecodeError> {
        self.get(kind)
            .ok_or_else(|| DecodeError::from(format!("missing {what}")))
    }
}

fn fixed<const N: usize>(b: &[u8], what: &str) -> Result<[u8; N], DecodeError> {
    b.get(..N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| DecodeError::from(format!("short {what}")))
}

fn u8_of(b: &[u8], what: &str) -> Result<u8, DecodeError> {
    Ok(fixed::<1>(b, what)?[0])
}
fn u16_ne(b: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_ne_bytes(fixed(b, what)?))
}
fn u16_be(b: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_be_bytes(fixed(b, what)?))
}
fn u32_ne(b: &[u8], what: &str) -> Result<u32, DecodeError> {
    Ok(u32::from_ne_bytes(fixed(b, what)?))
}
fn u64_ne(b: &[u8], what: &str) -> Result<u64, DecodeError> {
    Ok(u64::from_ne_bytes(fixed(b, what)?))
}

fn string_of(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn addr_of(af: AddressFamily, b: &[u8], what: &str) -> Result<IpAddr, DecodeError> {
    Ok(match af {
        AddressFamily::Inet => IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, what)?)),
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, what)?)),
    })
}

/// Decodes a STATS64 nest (all u64), or a STATS nest (u32 counters and
/// rates, u64 byte counts).
fn decode_stats(b: &[u8], wide: bool) -> Result<Stats, DecodeError> {
    let t = Table::parse(b, 11)?;
    let get = |kind: u16, is64: bool| -> Result<u64, DecodeError> {
        match t.get(kind) {
            None => Ok(0),
            Some(v) if is64 => u64_ne(v, "counter"),
            Some(v) => Ok(u64::from(u32_ne(v, "counter")?)),
        }
    };
    Ok(Stats {
        conns: get(1, wide)?,
        inpkts: get(2, wide)?,
        outpkts: get(3, wide)?,
        inbytes: get(4, true)?,
        outbytes: get(5, true)?,
        cps: get(6, wide)?,
        inpps: get(7, wide)?,
        outpps: get(8, wide)?,
        inbps: get(9, wide)?,
        outbps: get(10, wide)?,
    })
}

fn stats_of(t: &Table<'_>, k32: u16, k64: u16) -> Result<Stats, DecodeError> {
    if let Some(b) = t.get(k64) {
        decode_stats(b, true)
    } else if let Some(b) = t.get(k32) {
        decode_stats(b, false)
    } else {
        Ok(Stats::default())
    }
}

/// Decodes a service from a `NEW_SERVICE` reply.
pub fn decode_service(msg: &IpvsMessage) -> Result<ServiceEntry, DecodeError> {
    let nest = msg.raw(CMD_ATTR_SERVICE).ok_or("reply without a service")?;
    decode_service_nest(nest)
}

fn decode_service_nest(nest: &[u8]) -> Result<ServiceEntry, DecodeError> {
    let t = Table::parse(nest, SVC_ATTR_STATS64)?;
    let af_raw = u16_ne(t.need(SVC_ATTR_AF, "service family")?, "family")?;
    let af = AddressFamily::from_raw(af_raw)
        .ok_or_else(|| DecodeError::from(format!("unknown address family {af_raw}")))?;
    let key = match t.get(SVC_ATTR_FWMARK) {
        Some(m) if u32_ne(m, "fwmark")? != 0 => ServiceKey::Fwmark {
            af,
            mark: u32_ne(m, "fwmark")?,
        },
        _ => ServiceKey::Addr {
            protocol: Protocol::from_raw(u16_ne(t.need(SVC_ATTR_PROTOCOL, "protocol")?, "protocol")?),
            addr: addr_of(af, t.need(SVC_ATTR_ADDR, "service address")?, "address")?,
            port: u16_be(t.need(SVC_ATTR_PORT, "service port")?, "port")?,
        },
    };
    let flags_raw = t.need(SVC_ATTR_FLAGS, "service flags")?;
    let flags = u32_ne(flags_raw, "flags")?;
    let mask = flags_raw
        .get(4..)
        .map(|m| u32_ne(m, "flags mask"))
        .transpose()?
        .unwrap_or(u32::MAX);
    let nm = fixed::<4>(t.need(SVC_ATTR_NETMASK, "netmask")?, "netmask")?;
    let netmask = match af {
        AddressFamily::Inet => u32::from_be_bytes(nm),
        AddressFamily::Inet6 => u32::from_ne_bytes(nm),
    };
    let service = Service {
        key,
        scheduler: string_of(t.need(SVC_ATTR_SCHED_NAME, "scheduler")?),
        flags: ServiceFlags(flags & mask),
        timeout: u32_ne(t.need(SVC_ATTR_TIMEOUT, "timeout")?, "timeout")?,
        netmask,
        pe_name: t.get(SVC_ATTR_PE_NAME).map(string_of).filter(|s| !s.is_empty()),
    };
    Ok(ServiceEntry {
        service,
        stats: stats_of(&t, SVC_ATTR_STATS, SVC_ATTR_STATS64)?,
    })
}

/// Decodes a destination from a `NEW_DEST` reply; `svc_af` is the family
/// of its service, used when the kernel does not say the destination's.
pub fn decode_dest(msg: &IpvsMessage, svc_af: AddressFamily) -> Result<DestEntry, DecodeError> {
    let nest = msg.raw(CMD_ATTR_DEST).ok_or("reply without a destination")?;
    let t = Table::parse(nest, DEST_ATTR_TUN_FLAGS)?;
    let af = match t.get(DEST_ATTR_ADDR_FAMILY) {
        Some(b) => {
            let raw = u16_ne(b, "family")?;
            AddressFamily::from_raw(raw)
                .ok_or_else(|| DecodeError::from(format!("unknown address family {raw}")))?
        }
        None => svc_af,
    };
    let dest = Destination {
        addr: addr_of(af, t.need(DEST_ATTR_ADDR, "destination address")?, "address")?,
        port: u16_be(t.need(DEST_ATTR_PORT, "destination port")?, "port")?,
        fwd: ForwardMethod::from_raw(u32_ne(t.need(DEST_ATTR_FWD_METHOD, "forwarding method")?, "fwd")?),
        weight: u32_ne(t.need(DEST_ATTR_WEIGHT, "weight")?, "weight")?,
        u_threshold: u32_ne(t.need(DEST_ATTR_U_THRESH, "upper threshold")?, "threshold")?,
        l_threshold: u32_ne(t.need(DEST_ATTR_L_THRESH, "lower threshold")?, "threshold")?,
        tun_type: TunnelType::from_raw(
            t.get(DEST_ATTR_TUN_TYPE)
                .map(|b| u8_of(b, "tun type"))
                .transpose()?
                .unwrap_or(0),
        ),
        tun_port: t
            .get(DEST_ATTR_TUN_PORT)
            .map(|b| u16_be(b, "tun port"))
            .transpose()?
            .unwrap_or(0),
        tun_flags: t
            .get(DEST_ATTR_TUN_FLAGS)
            .map(|b| u16_ne(b, "tun flags"))
            .transpose()?
            .unwrap_or(0),
    };
    let count = |k: u16, what: &str| -> Result<u32, DecodeError> {
        t.get(k)
            .map(|b| u32_ne(b, what))
            .transpose()
            .map(|v| v.unwrap_or(0))
    };
    Ok(DestEntry {
        dest,
        active_conns: count(DEST_ATTR_ACTIVE_CONNS, "active connections")?,
        inact_conns: count(DEST_ATTR_INACT_CONNS, "inactive connections")?,
        persist_conns: count(DEST_ATTR_PERSIST_CONNS, "persistent connections")?,
        stats: stats_of(&t, DEST_ATTR_STATS, DEST_ATTR_STATS64)?,
    })
}

/// Decodes a daemon from a `NEW_DAEMON` reply; `None` for an idle slot.
pub fn decode_daemon(msg: &IpvsMessage) -> Result<Option<SyncDaemon>, DecodeError> {
    let nest = msg.raw(CMD_ATTR_DAEMON).ok_or("reply without a daemon")?;
    let t = Table::parse(nest, DAEMON_ATTR_MCAST_TTL)?;
    let state = match u32_ne(t.need(DAEMON_ATTR_STATE, "daemon state")?, "state")? {
        1 => DaemonState::Master,
        2 => DaemonState::Backup,
        _ => return Ok(None),
    };
    let group = if let Some(b) = t.get(DAEMON_ATTR_MCAST_GROUP6) {
        Some(IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, "group")?)))
    } else if let Some(b) = t.get(DAEMON_ATTR_MCAST_GROUP) {
        Some(IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, "group")?)))
    } else {
        None
    };
    Ok(Some(SyncDaemon {
        state,
        mcast_ifn: string_of(t.need(DAEMON_ATTR_MCAST_IFN, "interface")?),
        syncid: u32_ne(t.need(DAEMON_ATTR_SYNC_ID, "sync id")?, "sync id")?,
        sync_maxlen: t
            .get(DAEMON_ATTR_SYNC_MAXLEN)
            .map(|b| u16_ne(b, "maxlen"))
            .transpose()?,
        mcast_group: group,
        mcast_port: t
            .get(DAEMON_ATTR_MCAST_PORT)
            .map(|b| u16_ne(b, "port"))
            .transpose()?,
        mcast_ttl: t
            .get(DAEMON_ATTR_MCAST_TTL)
            .map(|b| u8_of(b, "ttl"))
            .transpose()?,
    }))
}

/// Decodes the reply to `GET_CONFIG`.
pub fn decode_timeouts(msg: &IpvsMessage) -> Result<Timeouts, DecodeError> {
    let get = |k| {
        msg.raw(k)
            .map(|b| u32_ne(b, "timeout"))
            .transpose()
            .map(|v| v.unwrap_or(0))
    };
    Ok(Timeouts {
        tcp: get(CMD_ATTR_TIMEOUT_TCP)?,
        tcp_fin: get(CMD_ATTR_TIMEOUT_TCP_FIN)?,
        udp: get(CMD_ATTR_TIMEOUT_UDP)?,
    })
}

/// Decodes the reply to `GET_INFO`.
pub fn decode_info(msg: &IpvsMessage) -> Result<Info, DecodeError> {
    let get = |k, what| {
        msg.raw(k)
            .ok_or_else(|| DecodeError::from(format!("missing {what}")))
            .and_then(|b| u32_ne(b, what))
    };
    Ok(Info {
        version: get(INFO_ATTR_VERSION, "version")?,
        conn_tab_size: get(INFO_ATTR_CONN_TAB_SIZE, "connection table size")?,
    })
}

#[cfg(test)]
mod tests;
