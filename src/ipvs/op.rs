//! One change to the kernel's IPVS table, and its request.
//!
//! [`Op`] is what the state engine plans and what [`IpvsClient::apply`]
//! sends. It lives apart from the client so that planners and fakes can
//! name changes without a socket, and apart from the codec because it is a
//! vocabulary of changes, not a wire format: [`Op::message`] maps each to
//! its request builder, and [`GenlWrite`] writes its attributes straight
//! into a batch's send buffer, as bulk loads do.
//!
//! [`IpvsClient::apply`]: super::IpvsClient::apply

use std::net::IpAddr;

use netlink_packet_core::Emitable;

use super::codec::{self, cmd, request, IpvsMessage};
use super::model::*;
use crate::netlink::GenlWrite;

/// One change to the IPVS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Add a service.
    AddService(Service),
    /// Replace a service's scheduler, flags, timeout, netmask and engine.
    EditService(Service),
    /// Delete a service and its destinations.
    DelService(ServiceKey),
    /// Add a destination to a service.
    AddDest(ServiceKey, Destination),
    /// Replace a destination's settings.
    EditDest(ServiceKey, Destination),
    /// Delete a destination (address, port).
    DelDest(ServiceKey, IpAddr, u16),
    /// Delete every service.
    Flush,
    /// Zero the counters of every service, or of one.
    Zero(Option<ServiceKey>),
    /// Set connection timeouts (0 keeps a value).
    SetTimeouts(Timeouts),
    /// Start a sync daemon.
    StartDaemon(SyncDaemon),
    /// Stop a sync daemon.
    StopDaemon(DaemonState),
}

impl Op {
    /// The encoded request for this change: what [`GenlWrite`] writes
    /// into a batch, as a message of its own.
    pub fn encode(&self) -> codec::RawRequest {
        let mut out = Vec::with_capacity(self.attrs_bound());
        self.write_attrs(&mut out);
        codec::RawRequest::new(self.command(), out)
    }

    /// The request message for this change.
    pub fn message(&self) -> IpvsMessage {
        match self {
            Op::AddService(s) => request::new_service(s),
            Op::EditService(s) => request::set_service(s),
            Op::DelService(k) => request::del_service(k),
            Op::AddDest(k, d) => request::new_dest(k, d),
            Op::EditDest(k, d) => request::set_dest(k, d),
            Op::DelDest(k, a, p) => request::del_dest(k, a, *p),
            Op::Flush => request::flush(),
            Op::Zero(k) => request::zero(k.as_ref()),
            Op::SetTimeouts(t) => request::set_config(t),
            Op::StartDaemon(d) => request::new_daemon(d),
            Op::StopDaemon(s) => request::del_daemon(*s),
        }
    }
}

/// Service and destination changes, what bulk loads consist of, are
/// written directly; the rest through their request builders.
impl GenlWrite for Op {
    fn command(&self) -> u8 {
        match self {
            Op::AddService(_) => cmd::NEW_SERVICE,
            Op::EditService(_) => cmd::SET_SERVICE,
            Op::DelService(_) => cmd::DEL_SERVICE,
            Op::AddDest(..) => cmd::NEW_DEST,
            Op::EditDest(..) => cmd::SET_DEST,
            Op::DelDest(..) => cmd::DEL_DEST,
            other => other.message().cmd,
        }
    }

    fn version(&self) -> u8 {
        codec::FAMILY_VERSION
    }

    fn attrs_bound(&self) -> usize {
        match self {
            Op::AddService(_)
            | Op::EditService(_)
            | Op::DelService(_)
            | Op::AddDest(..)
            | Op::EditDest(..)
            | Op::DelDest(..) => codec::DEST_OR_SERVICE_BOUND,
            other => other.message().buffer_len(),
        }
    }

    fn write_attrs(&self, out: &mut Vec<u8>) {
        use codec::write_dest_or_service as write;
        match self {
            Op::AddService(s) | Op::EditService(s) => write(out, &s.key, Some(s), None),
            Op::DelService(k) => write(out, k, None, None),
            Op::AddDest(k, d) | Op::EditDest(k, d) => write(out, k, None, Some((d, true))),
            Op::DelDest(k, a, p) => write(out, k, None, Some((&Destination::new(*a, *p), false))),
            other => codec::write_message(out, &other.message()),
        }
    }
}
