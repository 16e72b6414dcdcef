//! The ipvsadm-compatible front end.
//!
//! ipvsadm's command line is popt-style and order-sensitive (the first
//! option must be a command, `-6` only counts after `-f`, `-M` is read
//! according to the family known at that point, `-p` takes an optional
//! value), so it is parsed by hand here rather than by clap. [`parse`]
//! turns arguments into a typed [`Command`] and reports errors with
//! ipvsadm's messages and exit codes; nothing here talks to the kernel.

mod exec;
mod parse;

pub use exec::{connect, error_message, func_of_op, run, strerror, Func, Outcome};

#[doc(hidden)]
pub use parse::set_host_lookups;
pub use parse::{options, parse, parse_line, parse_sched_flags as sched_flags, OptionInfo};

use crate::ipvs::{DaemonState, Destination, Service, ServiceKey, SyncDaemon, Timeouts};
use std::net::IpAddr;

/// One ipvsadm command, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `-A`.
    AddService(Service),
    /// `-E`.
    EditService(Service),
    /// `-D`.
    DelService(ServiceKey),
    /// `-C`.
    Flush,
    /// `-a`.
    AddDest(ServiceKey, Destination),
    /// `-e`.
    EditDest(ServiceKey, Destination),
    /// `-d` (service, destination address, destination port).
    DelDest(ServiceKey, IpAddr, u16),
    /// `-L`/`-l`, and ipvsadm without arguments.
    List(ListOptions),
    /// `-S`.
    Save {
        /// `-n`.
        numeric: bool,
    },
    /// `-R`.
    Restore,
    /// `-Z`, all services or one.
    Zero(Option<ServiceKey>),
    /// `--set tcp tcpfin udp`.
    SetTimeouts(Timeouts),
    /// `--start-daemon`.
    StartDaemon(SyncDaemon),
    /// `--stop-daemon` (the `--syncid` given, which the kernel ignores).
    StopDaemon(DaemonState),
    /// `-h`.
    Help,
    /// `-v`.
    Version,
}

/// What `-L` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `-n`: no name resolution.
    pub numeric: bool,
    /// `-t/-u/--sctp-service/-f`: list one service.
    pub service: Option<ServiceKey>,
    /// `--nosort`: kernel order.
    pub nosort: bool,
    /// `-c`: connection table.
    pub connection: bool,
    /// `--timeout`.
    pub timeout: bool,
    /// `--daemon`.
    pub daemon: bool,
    /// `--stats`.
    pub stats: bool,
    /// `--rate`.
    pub rate: bool,
    /// `--thresholds`.
    pub thresholds: bool,
    /// `--persistent-conn`.
    pub persistent_conn: bool,
    /// `-X/--exact`.
    pub exact: bool,
    /// `--tun-info`.
    pub tun_info: bool,
}

/// A rejected command line: ipvsadm's message (without trailing newline)
/// and exit code (2 for its `fail()`, 255 for popt errors and "try -h").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// The text ipvsadm prints on stderr.
    pub message: String,
    /// ipvsadm's exit code for it.
    pub exit: i32,
}

impl ParseError {
    /// ipvsadm names itself by its `argv[0]` in the "Try ... -h" line;
    /// this puts the name this program was invoked by there.
    pub fn for_program(mut self, program: &str) -> Self {
        const GENERIC: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";
        if self.message == GENERIC {
            self.message = format!("Try `{program} -h' or '{program} --help' for more information.");
        }
        self
    }
}
