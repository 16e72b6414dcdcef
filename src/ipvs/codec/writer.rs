//! The direct, allocation-free encoding that batches send.
//!
//! [`request`](super::request)'s builders make a tree of attributes, which
//! is convenient and checked against ipvsadm's bytes, but costs several
//! allocations per message. Bulk changes (tens of thousands of messages)
//! are written straight into one fixed buffer per message here instead;
//! the test below holds the two encodings byte-identical for every change
//! a batch can carry.

use netlink_packet_core::{Emitable, NLA_F_NESTED};
use netlink_packet_generic::GenlFamily;

use super::attr::addr16;
use super::cmd::{ATTR_DEST, ATTR_SERVICE, FAMILY_NAME, FAMILY_VERSION};
use super::message::IpvsMessage;
use super::service::{flags_bytes, netmask_bytes};
use super::{dest, service};
use crate::ipvs::model::*;

/// A request whose attributes are already encoded: what batches send.
///
/// Made by [`encode_dest_or_service`] for service and destination changes
/// and by [`raw`] from any [`IpvsMessage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The command.
    pub cmd: u8,
    payload: Payload,
}

/// Room for every service or destination request without allocating,
/// and no more: a request is moved several times on its way into the
/// send buffer, and every byte of this is zeroed and copied each time.
/// The largest is a service with both names at [`NAME_CAP`]: its nest
/// is 4 + 44 (key) + 2 x 40 (names) + 28 (flags, timeout, netmask) =
/// 156 bytes; a destination change is 48 (key) + 96 (destination) =
/// 144.
const INLINE: usize = 160;

/// The most bytes of a scheduler or persistence engine name written
/// (the kernel reads 15 and the NUL; longer names are refused before
/// this is reached).
const NAME_CAP: usize = 32;

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
/// only a matter of moving on). Every request it writes fits [`INLINE`]
/// bytes: names are cut at [`NAME_CAP`], everything else is fixed.
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

/// Encodes the service and destination changes of a batch directly (see
/// [`RawRequest`]); other requests go through [`request`](super::request)'s
/// builders.
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

/// Turns any request built by [`request`](super::request) into a
/// [`RawRequest`].
pub fn raw(msg: &IpvsMessage) -> RawRequest {
    let mut payload = vec![0; msg.buffer_len()];
    msg.emit(&mut payload);
    RawRequest {
        cmd: msg.cmd,
        payload: Payload::Heap(payload),
    }
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
    fn the_largest_requests_fit_the_inline_buffer() {
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
        assert_eq!(raw.buffer_len(), INLINE - 4);
        let mut d = Destination::new("2001:db8::9".parse().unwrap(), 8080);
        d.u_threshold = 1;
        let raw = Op::EditDest(key, d).encode();
        assert_eq!(raw.buffer_len(), 144);
    }
}
