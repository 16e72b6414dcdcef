//! Foo-over-UDP receive ports (the Generic Netlink `fou` family), for
//! GUE-encapsulated LVS-TUN traffic: `ip fou add port N gue`, without `ip`.
//!
//! The `fou` module has no module alias, so the kernel cannot load it on
//! demand: when the family is missing, lvsctl runs `modprobe fou` once (as
//! ipvsadm runs `modprobe ip_vs`) and otherwise reports the missing module.

use netlink_packet_core::{DecodeError, DefaultNla, Emitable, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use crate::netlink::{GenlSocket, NetlinkError};

const FOU_CMD_ADD: u8 = 1;
const FOU_CMD_DEL: u8 = 2;
const FOU_CMD_GET: u8 = 3;
const FOU_ATTR_PORT: u16 = 1;
const FOU_ATTR_AF: u16 = 2;
const FOU_ATTR_IPPROTO: u16 = 3;
const FOU_ATTR_TYPE: u16 = 4;
const FOU_ENCAP_GUE: u8 = 2;

/// A `fou` family message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FouMessage {
    cmd: u8,
    attrs: Vec<DefaultNla>,
}

impl GenlFamily for FouMessage {
    fn family_name() -> &'static str {
        "fou"
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        1
    }
}

impl Emitable for FouMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for FouMessage {
    fn parse_with_param(_buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(FouMessage {
            cmd: header.cmd,
            attrs: Vec::new(),
        })
    }
}

fn gue_port(cmd: u8, port: u16) -> FouMessage {
    FouMessage {
        cmd,
        attrs: vec![
            DefaultNla::new(FOU_ATTR_PORT, port.to_be_bytes().to_vec()),
            DefaultNla::new(FOU_ATTR_AF, vec![libc::AF_INET as u8]),
            // GUE carries the inner protocol in its header; the ipproto is
            // only used for direct FOU, but the kernel wants it for both.
            DefaultNla::new(FOU_ATTR_IPPROTO, vec![libc::IPPROTO_IPIP as u8]),
            DefaultNla::new(FOU_ATTR_TYPE, vec![FOU_ENCAP_GUE]),
        ],
    }
}

/// Errors of the fou port helpers.
#[derive(Debug, thiserror::Error)]
pub enum FouError {
    /// The `fou` module is not loaded and could not be loaded.
    #[error("the kernel has no fou module loaded (needed for GUE): load it with `modprobe fou`")]
    NoModule,
    /// The kernel refused.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
}

fn family(sock: &mut GenlSocket) -> Result<u16, FouError> {
    match sock.resolve_family("fou") {
        Ok(f) => Ok(f),
        Err(NetlinkError::FamilyNotFound(_)) => {
            let _ = std::process::Command::new("modprobe")
                .args(["-q", "fou"])
                .stdin(std::process::Stdio::null())
                .status();
            sock.resolve_family("fou").map_err(|_| FouError::NoModule)
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens a GUE receive port. `Ok(false)` if it was already open.
pub fn add_gue_port(port: u16) -> Result<bool, FouError> {
    let mut sock = GenlSocket::open()?;
    let f = family(&mut sock)?;
    match sock.request(f, gue_port(FOU_CMD_ADD, port), false) {
        Ok(_) => Ok(true),
        Err(NetlinkError::Kernel { errno, .. }) if errno == libc::EEXIST => Ok(false),
        // Kernels answer EADDRINUSE for a port fou already has, and for a
        // port another UDP socket holds: ask which.
        Err(
            e @ NetlinkError::Kernel {
                errno: libc::EADDRINUSE,
                ..
            },
        ) => match sock.request(f, gue_port(FOU_CMD_GET, port), false) {
            Ok(_) => Ok(false),
            Err(_) => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Closes a GUE receive port (nothing if it is not open).
pub fn del_gue_port(port: u16) -> Result<(), FouError> {
    let mut sock = GenlSocket::open()?;
    let f = family(&mut sock)?;
    // The kernel answers EINVAL for a port it does not have; ask first.
    if sock.request(f, gue_port(FOU_CMD_GET, port), false).is_err() {
        return Ok(());
    }
    match sock.request(f, gue_port(FOU_CMD_DEL, port), false) {
        Ok(_) => Ok(()),
        Err(NetlinkError::Kernel { errno, .. }) if errno == libc::ENOENT || errno == libc::ESRCH => Ok(()),
        Err(e) => Err(e.into()),
    }
}
