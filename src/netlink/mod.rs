//! The wire: Generic Netlink sockets, family lookup, requests, dumps and
//! batches.
//!
//! This layer knows nothing about IPVS. It moves messages of any Generic
//! Netlink family (anything that implements the `netlink-packet-generic`
//! traits) between this process and the kernel, and turns `NLMSG_ERROR`
//! replies into [`NetlinkError::Kernel`] with the extended-ack text when the
//! kernel sent one.
//!
//! Why the design looks the way it does:
//!
//! * **One socket, one family lookup per client.** ipvsadm's libipvs opens a
//!   new socket and resolves the family for every request; a listing of N
//!   services costs N+3 sockets. [`GenlSocket`] is opened once and the
//!   family id is cached by the caller.
//! * **Batches are plain concatenation.** The kernel's `netlink_rcv_skb`
//!   processes every message of one `sendmsg` in order and answers each one
//!   separately, carrying on after failures. [`NlSocket::batch`] packs
//!   messages into sends of at most [`MAX_SEND_BYTES`] (the default socket
//!   send buffer refuses larger ones with `EMSGSIZE`) and
//!   [`MAX_BATCH_MESSAGES`] messages. Only the last message of a send asks
//!   for an ACK (a barrier: the kernel handles one send in order); failures
//!   are reported anyway, each attributed to its request by sequence
//!   number. The receive buffer is raised so that even a send in which
//!   every message fails has room for all the error replies (with the
//!   default buffer only ~256 fit, after which the kernel drops replies and
//!   reports `ENOBUFS`).
//! * **`NETLINK_CAP_ACK` and `NETLINK_EXT_ACK` are always on**: error
//!   replies then carry only the 16-byte header of the failed request, plus
//!   the kernel's human-readable message when there is one.
//! * **Dumps are retried when interrupted.** A reply with
//!   `NLM_F_DUMP_INTR` means the table changed during the dump; the dump is
//!   repeated a bounded number of times.

mod extack;
mod socket;

pub use extack::parse_error_payload;
pub use socket::{
    EncodedChunk, EventWait, GenlSocket, GenlWrite, NlSocket, Reply, WriteRequest, MAX_BATCH_MESSAGES,
    MAX_SEND_BYTES,
};
#[doc(hidden)]
pub use socket::{Message, Messages};

use std::io;

/// Errors of the wire layer.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    /// A socket system call failed.
    #[error("netlink socket: {0}")]
    Io(#[from] io::Error),
    /// The kernel answered a request with an error.
    #[error("{}", kernel_message(*errno, extack.as_deref()))]
    Kernel {
        /// The positive errno value (`EEXIST`, `ESRCH`, ...).
        errno: i32,
        /// The kernel's extended-ack message, if it sent one.
        extack: Option<String>,
    },
    /// The Generic Netlink family is not registered in this kernel.
    #[error("generic netlink family {0:?} not found")]
    FamilyNotFound(String),
    /// A reply could not be decoded.
    #[error("malformed netlink reply: {0}")]
    Decode(String),
    /// A dump kept being interrupted by concurrent changes.
    #[error("netlink dump interrupted {0} times in a row by concurrent changes")]
    DumpInterrupted(u32),
}

impl NetlinkError {
    /// The errno of a kernel error, if this is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Kernel { errno, .. } => Some(*errno),
            NetlinkError::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }
}

/// The C library's text for an errno (`strerror`), without Rust's
/// " (os error N)" suffix.
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn kernel_message(errno: i32, extack: Option<&str>) -> String {
    let base = strerror(errno);
    match extack {
        Some(msg) if !msg.is_empty() => format!("{base}: {msg}"),
        _ => base,
    }
}

impl From<netlink_packet_core::DecodeError> for NetlinkError {
    fn from(e: netlink_packet_core::DecodeError) -> Self {
        NetlinkError::Decode(e.to_string())
    }
}
