//! The direct encoding that batches send.
//!
//! [`request`](super::request)'s builders make a tree of attributes, which
//! is convenient and checked against ipvsadm's bytes, but costs several
//! allocations per message. Bulk changes (tens of thousands of messages)
//! are written here straight into the batch's send buffer instead
//! ([`write_dest_or_service`], called through the netlink layer's
//! `GenlWrite`), so that each byte is written once; the test below holds
//! the two encodings byte-identical for every change a batch can carry.

use netlink_packet_core::{Emitable, NLA_F_NESTED};
use netlink_packet_generic::GenlFamily;

use super::attr::addr16;
use super::cmd::{ATTR_DEST, ATTR_SERVICE, FAMILY_NAME, FAMILY_VERSION};
use super::message::IpvsMessage;
use super::service::{flags_bytes, netmask_bytes};
use super::{dest, service};
use crate::ipvs::model::*;

/// A request whose attributes are already encoded, as a message of its
/// own (for tests, and for comparing with the attribute tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The command.
    pub cmd: u8,
    payload: Vec<u8>,
}

impl RawRequest {
    /// A request of command `cmd` with the attributes `payload`.
    pub fn new(cmd: u8, payload: Vec<u8>) -> Self {
        RawRequest { cmd, payload }
    }
}

/// The most bytes [`write_dest_or_service`] writes. The largest is a
/// service with both names at [`NAME_CAP`]: its nest is 4 + 44 (key) +
/// 2 x 40 (names) + 28 (flags, timeout, netmask) = 156 bytes; a
/// destination change is 48 (key) + 96 (destination) = 144.
pub const DEST_OR_SERVICE_BOUND: usize = 156;

/// The most bytes of a scheduler or persistence engine name written
/// (the kernel reads 15 and the NUL; longer names are refused before
/// this is reached).
const NAME_CAP: usize = 32;

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
        self.payload.len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        buffer[..self.payload.len()].copy_from_slice(&self.payload);
    }
}

/// Writes netlink attributes into a zeroed slice of the send buffer
/// (so that padding is only a matter of moving on), one bounds-checked
/// store per field: appending field by field instead costs a capacity
/// check and a call per field, about twice the instructions.
struct AttrWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl AttrWriter<'_> {
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
    /// A NUL-terminated string, cut at [`NAME_CAP`] bytes (longer names
    /// are refused before this is reached).
    fn str(&mut self, kind: u16, s: &str) {
        let b = &s.as_bytes()[..s.len().min(NAME_CAP)];
        self.header(4 + b.len() + 1, kind);
        let at = self.len;
        self.buf[at..at + b.len()].copy_from_slice(b);
        self.buf[at + b.len()] = 0;
        self.len = (at + b.len() + 1 + 3) & !3;
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
        self.u16(service::AF, key.af().raw());
        match key {
            ServiceKey::Addr { protocol, addr, port } => {
                self.u16(service::PROTOCOL, protocol.raw());
                self.attr(service::ADDR, &addr16(addr));
                self.attr(service::PORT, &port.to_be_bytes());
            }
            ServiceKey::Fwmark { mark, .. } => self.u32(service::FWMARK, *mark),
        }
    }

    fn service_nest(&mut self, key: &ServiceKey, svc: Option<&Service>) {
        let at = self.start();
        self.key(key);
        if let Some(svc) = svc {
            self.str(service::SCHED_NAME, &svc.scheduler);
            if let Some(pe) = &svc.pe_name {
                self.str(service::PE_NAME, pe);
            }
            self.attr(service::FLAGS, &flags_bytes(svc.flags));
            self.u32(service::TIMEOUT, svc.timeout);
            self.attr(service::NETMASK, &netmask_bytes(svc.key.af(), svc.netmask));
        }
        self.end(at, ATTR_SERVICE);
    }

    fn dest_nest(&mut self, d: &Destination, full: bool) {
        let at = self.start();
        self.u16(dest::ADDR_FAMILY, d.af().raw());
        self.attr(dest::ADDR, &addr16(&d.addr));
        self.attr(dest::PORT, &d.port.to_be_bytes());
        if full {
            self.u32(dest::FWD_METHOD, d.fwd.raw());
            self.u32(dest::WEIGHT, d.weight);
            self.u8(dest::TUN_TYPE, d.tun_type.raw());
            self.attr(dest::TUN_PORT, &d.tun_port.to_be_bytes());
            self.u16(dest::TUN_FLAGS, d.tun_flags);
            self.u32(dest::U_THRESH, d.u_threshold);
            self.u32(dest::L_THRESH, d.l_threshold);
        }
        self.end(at, ATTR_DEST);
    }
}

/// Appends the attributes of a service or destination change to `out`
/// (at most [`DEST_OR_SERVICE_BOUND`] bytes); other requests go through
/// [`request`](super::request)'s builders.
pub fn write_dest_or_service(
    out: &mut Vec<u8>,
    key: &ServiceKey,
    svc: Option<&Service>,
    dest: Option<(&Destination, bool)>,
) {
    let at = out.len();
    out.resize(at + DEST_OR_SERVICE_BOUND, 0);
    let mut w = AttrWriter {
        buf: &mut out[at..],
        len: 0,
    };
    w.service_nest(key, svc);
    if let Some((d, full)) = dest {
        w.dest_nest(d, full);
    }
    let len = w.len;
    out.truncate(at + len);
}

/// Appends the attributes of a request built by
/// [`request`](super::request) to `out`.
pub fn write_message(out: &mut Vec<u8>, msg: &IpvsMessage) {
    let at = out.len();
    out.resize(at + msg.buffer_len(), 0);
    msg.emit(&mut out[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::Op;

    fn emit(e: &impl Emitable) -> Vec<u8> {
        let mut buf = vec![0; e.buffer_len()];
        e.emit(&mut buf);
        buf
    }

    #[test]
    fn direct_encoding_equals_the_attribute_tree() {
        let keys = [
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: "10.1.2.3".parse().unwrap(),
                port: 80,
            },
            ServiceKey::Addr {
                protocol: Protocol::Sctp,
                addr: "2001:db8::1".parse().unwrap(),
                port: 443,
            },
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: u32::MAX,
            },
        ];
        let mut ops = Vec::new();
        for k in keys {
            let mut s = Service::new(k);
            ops.push(Op::AddService(s.clone()));
            s.scheduler = "mh".into();
            s.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::SCHED2);
            s.timeout = 300;
            s.netmask = if k.af() == AddressFamily::Inet {
                0xffff_ff00
            } else {
                64
            };
            s.pe_name = Some("sip".into());
            ops.push(Op::EditService(s));
            ops.push(Op::DelService(k));
            let mut d = Destination::new("198.51.100.7".parse().unwrap(), 8080);
            ops.push(Op::AddDest(k, d.clone()));
            d.fwd = ForwardMethod::Tunnel;
            d.tun_type = TunnelType::Gue;
            d.tun_port = 6080;
            d.tun_flags = tun_flags::REMCSUM;
            d.weight = 7;
            d.u_threshold = 9;
            d.l_threshold = 2;
            d.addr = "2001:db8::9".parse().unwrap();
            ops.push(Op::EditDest(k, d.clone()));
            ops.push(Op::DelDest(k, d.addr, d.port));
            ops.push(Op::Zero(Some(k)));
        }
        ops.push(Op::Flush);
        for op in &ops {
            let tree = op.message();
            let raw = op.encode();
            assert_eq!(raw.cmd, tree.cmd, "{op:?}");
            assert_eq!(emit(&raw), emit(&tree), "{op:?}");
        }
    }

    #[test]
    fn the_largest_requests_meet_the_bound() {
        // Names longer than the kernel takes are refused before encoding;
        // were one to get here, it is cut, never written past the buffer.
        let key = ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 443,
        };
        let mut s = Service::new(key);
        s.scheduler = "s".repeat(40);
        s.pe_name = Some("p".repeat(40));
        s.flags = ServiceFlags(ServiceFlags::PERSISTENT);
        let raw = Op::AddService(s).encode();
        assert_eq!(raw.buffer_len(), DEST_OR_SERVICE_BOUND);
        let mut d = Destination::new("2001:db8::9".parse().unwrap(), 8080);
        d.u_threshold = 1;
        let raw = Op::EditDest(key, d).encode();
        assert_eq!(raw.buffer_len(), 144);
    }
}
