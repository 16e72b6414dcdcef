//! ipvsadm's wording of kernel errors. ipvsadm words the same errno
//! differently depending on the libipvs call that got it (`ESRCH` is "No
//! such service" for a service request and "Service not defined" for a
//! destination request), so messages are chosen by [`Func`] and errno.

use crate::ipvs::{IpvsError, Op};

/// The libipvs function a request belongs to; ipvsadm picks its error
/// wording by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `ipvs_init`.
    Init,
    /// `ipvs_add_service`.
    AddService,
    /// `ipvs_update_service`.
    UpdateService,
    /// `ipvs_del_service`.
    DelService,
    /// `ipvs_zero_service`.
    ZeroService,
    /// `ipvs_add_dest`.
    AddDest,
    /// `ipvs_update_dest`.
    UpdateDest,
    /// `ipvs_del_dest`.
    DelDest,
    /// `ipvs_start_daemon`.
    StartDaemon,
    /// `ipvs_stop_daemon`.
    StopDaemon,
    /// `ipvs_get_services`, `ipvs_get_dests`, `ipvs_get_service`.
    Get,
    /// Anything else (flush, set timeout, ...).
    Other,
}

/// ipvsadm's `ipvs_strerror`: the message for `errno` after `func`.
pub fn strerror(func: Func, errno: i32) -> String {
    use Func::*;
    let specific = match (func, errno) {
        (AddService, libc::EEXIST) => Some("Service already exists"),
        (AddService | UpdateService, libc::ENOENT) => Some("Scheduler or persistence engine not found"),
        (UpdateService | DelService | ZeroService | Get, libc::ESRCH) => Some("No such service"),
        (AddDest | UpdateDest | DelDest, libc::ESRCH) => Some("Service not defined"),
        (AddDest, libc::EEXIST) => Some("Destination already exists"),
        (UpdateDest | DelDest, libc::ENOENT) => Some("No such destination"),
        (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        (_, libc::EPERM) => Some("Permission denied (you must be root)"),
        (_, libc::EINVAL) => {
            Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
        }
        (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
        (_, libc::ENOMEM) => Some("Memory allocation problem"),
        (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, libc::EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, libc::EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    match specific {
        Some(s) => s.to_string(),
        None => crate::netlink::strerror(errno),
    }
}

/// The message for an IPVS error: ipvsadm's wording for kernel errnos,
/// our own for everything ipvsadm cannot run into.
pub fn error_message(func: Func, e: &IpvsError) -> String {
    match e {
        // ipvsadm falls back to the old sockopt interface, which fails
        // with ENOPROTOOPT when there is no IPVS at all.
        IpvsError::NotAvailable => strerror(func, libc::ENOPROTOOPT),
        _ => match e.errno() {
            Some(errno) => strerror(func, errno),
            None => e.to_string(),
        },
    }
}

/// The libipvs function that sends a change.
pub fn func_of_op(op: &Op) -> Func {
    match op {
        Op::AddService(_) => Func::AddService,
        Op::EditService(_) => Func::UpdateService,
        Op::DelService(_) => Func::DelService,
        Op::AddDest(..) => Func::AddDest,
        Op::EditDest(..) => Func::UpdateDest,
        Op::DelDest(..) => Func::DelDest,
        Op::Zero(_) => Func::ZeroService,
        Op::StartDaemon(_) => Func::StartDaemon,
        Op::StopDaemon(_) => Func::StopDaemon,
        Op::Flush | Op::SetTimeouts(_) => Func::Other,
    }
}
