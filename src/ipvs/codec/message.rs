//! One IPVS Generic Netlink message, as the netlink layer sends and
//! receives it.

use netlink_packet_core::{DecodeError, Emitable, NlasIterator, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use super::attr::{Attr, Value};
use super::cmd::{FAMILY_NAME, FAMILY_VERSION};

/// One IPVS Generic Netlink message: a command and its attributes.
///
/// Outgoing messages carry typed [`Attr`]s; incoming ones keep each
/// top-level attribute's raw bytes, decoded on demand by
/// [`decode_service`](super::decode_service) and friends (the meaning of
/// attribute numbers depends on the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsMessage {
    /// `IPVS_CMD_*`.
    pub cmd: u8,
    attrs: Vec<Attr>,
}

impl IpvsMessage {
    pub(super) fn new(cmd: u8, attrs: Vec<Attr>) -> Self {
        IpvsMessage { cmd, attrs }
    }

    /// The raw value of the first top-level attribute `kind`.
    pub(super) fn raw(&self, kind: u16) -> Option<&[u8]> {
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
