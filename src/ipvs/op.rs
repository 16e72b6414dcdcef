//! One change to the kernel's IPVS table, and its request.
//!
//! [`Op`] is what the state engine plans and what [`IpvsClient::apply`]
//! sends. It lives apart from the client so that planners and fakes can
//! name changes without a socket, and apart from the codec because it is a
//! vocabulary of changes, not a wire format: [`Op::message`] maps each to
//! its request builder, [`Op::encode`] to the direct writer bulk loads use.
//!
//! [`IpvsClient::apply`]: super::IpvsClient::apply

use std::net::IpAddr;

use super::codec::{self, request, IpvsMessage};
use super::model::*;

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
    /// The encoded request for this change, written directly for the
    /// service and destination changes that bulk loads consist of.
    pub fn encode(&self) -> codec::RawRequest {
        use codec::{cmd, encode_dest_or_service as enc};
        match self {
            Op::AddService(s) => enc(cmd::NEW_SERVICE, &s.key, Some(s), None),
            Op::EditService(s) => enc(cmd::SET_SERVICE, &s.key, Some(s), None),
            Op::DelService(k) => enc(cmd::DEL_SERVICE, k, None, None),
            Op::AddDest(k, d) => enc(cmd::NEW_DEST, k, None, Some((d, true))),
            Op::EditDest(k, d) => enc(cmd::SET_DEST, k, None, Some((d, true))),
            Op::DelDest(k, a, p) => enc(cmd::DEL_DEST, k, None, Some((&Destination::new(*a, *p), false))),
            other => codec::raw(&other.message()),
        }
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
