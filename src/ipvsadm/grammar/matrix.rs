//! ipvsadm's commands and its validity matrix (`commands_v_options`,
//! `generic_opt_check`, `tunnel_opt_check`).
//!
//! The matrix is kept as ipvsadm's own strings, one character per column,
//! because its messages depend on the column order: the check walks the
//! columns left to right and reports the first problem, and a conflict
//! names the later column first. [`Col`] is that order; each option's
//! definition in `options.rs` says which column it counts under
//! (the three service options share one, so do the forwarding methods).

use super::fail;
use crate::ipvsadm::ParseError;

/// ipvsadm's commands, in `cmdnames[]` order (the matrix rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Timeout,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
}

impl Cmd {
    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The command's name in ipvsadm's messages.
    pub(super) fn name(self) -> &'static str {
        CMD_NAMES[self.index()]
    }
}

pub(super) const CMD_NAMES: [&str; 14] = [
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
];

/// A matrix column: one tracked option as ipvsadm's checks see it, in
/// `optnames[]` order (the discriminant is the column and the bit in
/// the set of options given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Numeric,
    Connection,
    Service,
    Scheduler,
    Persistent,
    Netmask,
    Server,
    Forward,
    Weight,
    UThreshold,
    LThreshold,
    Mcast,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    SyncId,
    Exact,
    OnePacket,
    Pe,
    SchedFlags,
    McastGroup,
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunInfo,
    TunType,
    TunPort,
    TunNocsum,
    TunCsum,
    TunRemcsum,
}

pub(super) const NUMBER_OF_OPT: usize = 34;

impl Col {
    /// Every column, in order.
    pub(super) const ALL: [Col; NUMBER_OF_OPT] = [
        Col::Numeric,
        Col::Connection,
        Col::Service,
        Col::Scheduler,
        Col::Persistent,
        Col::Netmask,
        Col::Server,
        Col::Forward,
        Col::Weight,
        Col::UThreshold,
        Col::LThreshold,
        Col::Mcast,
        Col::Timeout,
        Col::Daemon,
        Col::Stats,
        Col::Rate,
        Col::Thresholds,
        Col::PersistentConn,
        Col::NoSort,
        Col::SyncId,
        Col::Exact,
        Col::OnePacket,
        Col::Pe,
        Col::SchedFlags,
        Col::McastGroup,
        Col::McastPort,
        Col::McastTtl,
        Col::SyncMaxlen,
        Col::TunInfo,
        Col::TunType,
        Col::TunPort,
        Col::TunNocsum,
        Col::TunCsum,
        Col::TunRemcsum,
    ];

    /// The column's bit in [`super::entry::Entry`]'s set of options.
    pub(super) fn bit(self) -> u64 {
        1u64 << (self as usize)
    }

    /// The option's name in ipvsadm's messages.
    pub(super) fn name(self) -> &'static str {
        OPT_NAMES[self as usize]
    }
}

pub(super) const OPT_NAMES: [&str; NUMBER_OF_OPT] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// Which options each command accepts, one character per [`Col`]:
/// `+` required, `x` illegal, `1` at most one of the `1`s, blank
/// optional.
pub(super) const MATRIX: [&str; 14] = [
    // add-service
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    // edit-service
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    // delete-service
    "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // flush
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // list
    " 11xxxxxxxxx11       xxxxxxx xxxxx",
    // add-server
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    // delete-server
    "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // edit-server
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    // set
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // start-daemon
    "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
    // stop-daemon
    "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
    // restore
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // save
    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // zero
    "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

/// The options the tunnel matrix is about, and which each tunnel type
/// accepts (same key as `MATRIX`), rows ipip, gue, gre.
pub(super) const TUN_OPTS: [Col; 4] = [Col::TunPort, Col::TunNocsum, Col::TunCsum, Col::TunRemcsum];
pub(super) const TUN_MATRIX: [&str; 3] = ["xxxx", "+111", "x11x"];
pub(super) const TUN_NAMES: [&str; 3] = ["ipip", "gue", "gre"];

/// One matrix check (`generic_opt_check` / `tunnel_opt_check`): walks the
/// columns in order and reports the first problem.
pub(super) fn matrix_check(
    row: &str,
    cols: &[Col],
    options: u64,
    what: &str,
    kind: &str,
) -> Result<(), ParseError> {
    let mut first_exclusive: Option<Col> = None;
    for (&rule, &col) in row.as_bytes().iter().zip(cols) {
        let given = options & col.bit() != 0;
        if !given {
            if rule == b'+' {
                return Err(fail(format!(
                    "You need to supply the '{}' option for the '{what}' {kind}",
                    col.name()
                )));
            }
            continue;
        }
        match rule {
            b'x' => {
                return Err(fail(format!(
                    "Illegal '{}' option with the '{what}' {kind}",
                    col.name()
                )))
            }
            b'1' => match first_exclusive {
                None => first_exclusive = Some(col),
                Some(first) => {
                    return Err(fail(format!(
                        "The option '{}' conflicts with the '{}' option in the '{what}' {kind}",
                        col.name(),
                        first.name()
                    )))
                }
            },
            _ => {}
        }
    }
    Ok(())
}
