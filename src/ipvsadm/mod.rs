//! The ipvsadm compatibility layer: ipvsadm 1.31's grammar, its text
//! formats and its messages, reproduced exactly and with no I/O of its own
//! (name lookups go through [`crate::host::netdb`]; talking to the kernel
//! is the front end's business).
//!
//! It sits below [`crate::state`] because the rules file format *is*
//! ipvsadm's `-S`/`-R` language: the desired-state layer reads rules files
//! with [`grammar::parse_line`] and writes them with [`rules`], and the
//! engine names a refused change in ipvsadm's words ([`messages`]).
//!
//! * [`grammar`] — the popt-style command line and `-R` lines, to a typed
//!   [`Command`]; ipvsadm's messages and exit codes for bad input.
//! * [`format`] — listings (`-L` in every variant, `-c`), `-S` rules and
//!   ipvsadm's (non-total) sort order, byte for byte.
//! * [`rules`] — one kernel change ([`crate::ipvs::Op`]) as an ipvsadm rule.
//! * [`messages`] — ipvsadm's wording of kernel errors.
//! * [`usage`] — the `-h` text, generated from the grammar's option
//!   definitions.
//! * [`num`] — fast decimal and address formatting shared by every text
//!   format of the crate.

pub mod format;
pub mod grammar;
pub mod messages;
pub mod num;
pub mod rules;
pub mod usage;

#[doc(hidden)]
pub use grammar::{host_lookups_enabled, set_host_lookups};
pub use grammar::{options, parse, parse_line, parse_sched_flags, OptionInfo};
pub use messages::{error_message, func_of_op, strerror, Func};

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
/// and which of ipvsadm's two ways of failing it is (the front end maps
/// them to ipvsadm's exit codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// The text ipvsadm prints on stderr.
    pub message: String,
    /// How ipvsadm fails with it.
    pub kind: ParseErrorKind,
}

/// How ipvsadm rejects a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// ipvsadm's `fail()`: a bad value or combination (exit 2).
    Fail,
    /// A popt error or the "Try ... -h" line (exit 255).
    Popt,
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
