//! lvsctl's own command line (clap). ipvsadm's grammar is reached by
//! starting with one of its command options (see [`super::run`]).
//!
//! One module per subcommand group, each a set of thin handlers that check
//! their arguments before touching the kernel, call the library layer that
//! does the work, and hand back the text to print:
//!
//! * [`args`]: the clap definitions and their long help;
//! * `read`: `list`, `stats`, `rate`, `conns`, `timeouts`, `daemons`;
//! * `apply`: `apply`, `diff`, `save` (the engine is `state::reconcile`);
//! * `vip`, `arp`: the director's VIP and raw ARP (`arp::vip` does the work);
//! * `rs`: the real-server side (`rs`);
//! * `daemon`: runs the daemon or asks it over its socket; `probe`: one
//!   check, once;
//! * `import`: other tools' configurations into a daemon file (`import`).
//!
//! This module runs them and decides the exit code, here and nowhere else:
//! a handler returns a [`Report`] (output, and what it means) or a
//! [`NativeError`], and [`NativeExit`] is mapped from those two.

mod apply;
pub mod args;
mod arp;
mod daemon;
// Called by `daemon` once its client handlers are wired in.
mod daemon_client;
mod import;
mod probe;
mod read;
mod rs;
mod vip;

use std::ffi::OsString;

use clap::Parser;

use super::Console;
use crate::ipvs::{IpvsClient, IpvsError};
pub use args::{
    command, ArpCmd, Cli, Cmd, GarpFormArg, ImportFormat, ImportNode, Output, OutputArgs, PlanOutput,
    PlanOutputArgs, PruneArgs, RsCmd, RsMode, RsTunType, SaveOutput, VipCmd,
};

/// Errors of the native commands (their exit codes: [`NativeExit`]).
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// Bad input (exit 2).
    #[error("{0}")]
    Usage(String),
    /// IPVS failed (exit 1).
    #[error("{0}")]
    Ipvs(#[from] IpvsError),
    /// The namespace could not be entered (exit 1, or 2 if it does not
    /// exist).
    #[error(transparent)]
    Netns(#[from] crate::host::netns::NetnsError),
    /// The desired-state file could not be read.
    #[error("{file}: {}", reason(error))]
    File {
        /// As given (`-` is standard input).
        file: String,
        /// Why.
        error: std::io::Error,
    },
    /// The desired-state file is not text.
    #[error("{0}: not UTF-8 text")]
    NotUtf8(String),
    /// The desired-state file is invalid (`FILE:LINE: ...`).
    #[error(transparent)]
    Input(#[from] crate::state::InputError),
    /// The table lock could not be taken.
    #[error(transparent)]
    Lock(#[from] crate::state::lock::LockError),
    /// The kernel refused a change of a plan (`FILE:LINE`, the rule, why,
    /// and whether the rollback worked).
    #[error("{}", crate::output::text::refusal(file, refusal))]
    Refused {
        /// Where the changes come from.
        file: Box<crate::state::Source>,
        /// What was refused.
        refusal: Box<crate::state::apply::Refusal>,
    },
    /// The engine failed otherwise (sysctls, an interrupted batch).
    #[error(transparent)]
    Engine(crate::state::EngineError),
    /// The connection table could not be read.
    #[error(transparent)]
    Conns(#[from] crate::ipvs::conn::ConnError),
    /// Standard output failed mid-listing.
    #[error("writing the listing: {0}")]
    Write(std::io::Error),
    /// Nothing matched (exit 4).
    #[error("{0}")]
    NotFound(String),
    /// `lvsctl rs` failed.
    #[error(transparent)]
    Rs(#[from] crate::rs::RsError),
    /// `lvsctl arp`/`vip` failed.
    #[error(transparent)]
    Arp(#[from] crate::arp::ArpError),
    /// A VIP step (`vip add/del`, `arp probe`) failed.
    #[error(transparent)]
    Vip(#[from] crate::arp::VipError),
    /// No daemon answers on the control socket (exit 4).
    #[error("{0}")]
    NoDaemon(String),
    /// The daemon refused the request: invalid file, unknown server,
    /// permission (exit 2).
    #[error("{0}")]
    DaemonRefused(String),
    /// The daemon could not start, asking it failed, or it failed doing
    /// it (exit 1).
    #[error("{0}")]
    Daemon(String),
    /// `lvsctl import` could not finish (exit 1: an unreadable file, an
    /// output that cannot be written; a file that does not parse is
    /// [`NativeError::Input`]).
    #[error("{0}")]
    Import(String),
}

/// What a command found: its output, printed whatever it means, and
/// whether that is success. (Not errors: a pending diff or an ARP problem
/// is the answer the user asked for.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// Done, healthy, or nothing to change.
    Done(String),
    /// A check found a problem, or changes are pending.
    Problems(String),
    /// Nothing answered.
    NoneAnswered(String),
}

impl Report {
    /// The text to print.
    pub fn text(&self) -> &str {
        match self {
            Report::Done(t) | Report::Problems(t) | Report::NoneAnswered(t) => t,
        }
    }
}

/// lvsctl's exit codes for its own subcommands, decided here and nowhere
/// else (lvsctl(8) documents them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NativeExit {
    /// Done, healthy, or nothing to change.
    Ok = 0,
    /// A runtime failure.
    Runtime = 1,
    /// Usage or invalid input.
    Usage = 2,
    /// A check found a problem, or changes are pending.
    Pending = 3,
    /// Nothing answered or was found.
    NotFound = 4,
}

impl From<&Report> for NativeExit {
    fn from(r: &Report) -> Self {
        match r {
            Report::Done(_) => NativeExit::Ok,
            Report::Problems(_) => NativeExit::Pending,
            Report::NoneAnswered(_) => NativeExit::NotFound,
        }
    }
}

impl From<&NativeError> for NativeExit {
    fn from(e: &NativeError) -> Self {
        use crate::arp::{ArpError, VipError};
        use crate::rs::RsError;
        match e {
            NativeError::Usage(_)
            | NativeError::NotUtf8(_)
            | NativeError::Input(_)
            | NativeError::DaemonRefused(_)
            | NativeError::Rs(RsError::Invalid(_) | RsError::Conflict(_))
            | NativeError::Arp(ArpError::Invalid(_) | ArpError::NoInterface(_))
            | NativeError::Vip(
                VipError::NoSubnet(_) | VipError::Arp(ArpError::Invalid(_) | ArpError::NoInterface(_)),
            ) => NativeExit::Usage,
            NativeError::Netns(crate::host::netns::NetnsError::Open { source: error, .. })
            | NativeError::File { error, .. }
                if error.kind() == std::io::ErrorKind::NotFound =>
            {
                NativeExit::Usage
            }
            NativeError::NotFound(_) | NativeError::NoDaemon(_) => NativeExit::NotFound,
            _ => NativeExit::Runtime,
        }
    }
}

/// Runs the native grammar. `netns` is a `--netns` given before the
/// arguments (clap also accepts it after the subcommand).
pub fn run(argv: Vec<OsString>, netns: Option<String>, con: &mut Console) -> NativeExit {
    if argv.len() <= 1 && netns.is_none() {
        con.print(&command().render_long_help().to_string());
        return NativeExit::Ok;
    }
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                let _ = con.err.write_all(text.as_bytes());
                return NativeExit::Usage;
            }
            con.print(&text);
            return NativeExit::Ok;
        }
    };
    let Some(cmd) = cli.command else {
        con.print(&command().render_long_help().to_string());
        return NativeExit::Ok;
    };
    let netns = cli.netns.or(netns);
    match execute(&cmd, netns.as_deref(), con) {
        Ok(report) => {
            con.print(report.text());
            NativeExit::from(&report)
        }
        Err(e) => {
            let _ = con.flush();
            con.eprintln(&format!("lvsctl: {}", describe(&e)));
            NativeExit::from(&e)
        }
    }
}

fn describe(e: &NativeError) -> String {
    match e {
        NativeError::Ipvs(IpvsError::NotAvailable) => {
            "IPVS is not available: the kernel has no ip_vs module (modprobe ip_vs)".into()
        }
        NativeError::Ipvs(err) if err.errno() == Some(libc::EPERM) => {
            "permission denied: IPVS needs CAP_NET_ADMIN (run as root)".into()
        }
        NativeError::Vip(e @ crate::arp::VipError::NoSubnet(_)) => format!("{e}: give --dev"),
        other => other.to_string(),
    }
}

/// One subcommand to its handler.
fn execute(cmd: &Cmd, netns: Option<&str>, con: &mut Console) -> Result<Report, NativeError> {
    let pretty = con.out_is_terminal;
    match cmd {
        Cmd::List { service, out } => read::list(service.as_deref(), out.output, netns, con),
        Cmd::Stats { service, out } => read::counters(service.as_deref(), false, out.output, netns, con),
        Cmd::Rate { service, out } => read::counters(service.as_deref(), true, out.output, netns, con),
        Cmd::Conns { out } => read::conns(out.output, netns, pretty),
        Cmd::Timeouts { out } => read::timeouts(out.output, netns, pretty),
        Cmd::Daemons { out } => read::daemons(out.output, netns, pretty),
        Cmd::Apply {
            file,
            dry_run,
            prune,
            out,
        } => apply::apply(file, *dry_run, !prune.no_prune, out.output, netns, con),
        Cmd::Diff { file, prune, out } => apply::diff(file, !prune.no_prune, out.output, netns, con),
        Cmd::Save { output } => apply::save(*output, netns, pretty, con),
        Cmd::Rs { cmd } => rs::run(cmd, netns, pretty),
        Cmd::Vip { cmd } => vip::run(cmd, netns, con),
        Cmd::Arp { cmd } => arp::run(cmd, netns, con),
        Cmd::Daemon(args) => daemon::run(args, netns, con),
        Cmd::Import {
            format,
            file,
            out,
            node,
        } => import::run(*format, file, out.as_deref(), *node, con),
    }
}

/// An I/O error as the C library words it (`No such file or directory`).
fn reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => crate::netlink::strerror(errno),
        None => e.to_string(),
    }
}

/// Enters the namespace, then connects to IPVS there.
fn connect(netns: Option<&str>) -> Result<IpvsClient, NativeError> {
    enter(netns)?;
    Ok(IpvsClient::connect()?)
}

/// Enters the namespace, if one is given.
fn enter(netns: Option<&str>) -> Result<(), NativeError> {
    if let Some(ns) = netns {
        crate::host::netns::enter(ns)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> (String, String, NativeExit) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            args.iter().map(OsString::from).collect(),
            None,
            &mut Console::new(&mut out, &mut err),
        );
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            code,
        )
    }

    #[test]
    fn exit_codes_are_mapped_here() {
        assert_eq!(NativeExit::from(&Report::Done(String::new())), NativeExit::Ok);
        assert_eq!(
            NativeExit::from(&Report::Problems(String::new())),
            NativeExit::Pending
        );
        assert_eq!(
            NativeExit::from(&Report::NoneAnswered(String::new())),
            NativeExit::NotFound
        );
        let file = |kind| NativeError::File {
            file: "f".into(),
            error: std::io::Error::from(kind),
        };
        assert_eq!(
            NativeExit::from(&file(std::io::ErrorKind::NotFound)),
            NativeExit::Usage
        );
        assert_eq!(
            NativeExit::from(&file(std::io::ErrorKind::PermissionDenied)),
            NativeExit::Runtime
        );
        assert_eq!(
            NativeExit::from(&NativeError::NotUtf8("f".into())),
            NativeExit::Usage
        );
        let no_subnet = crate::arp::VipError::NoSubnet("192.0.2.1".parse().unwrap()).into();
        assert_eq!(NativeExit::from(&no_subnet), NativeExit::Usage);
        assert_eq!(
            describe(&no_subnet),
            "no interface has a subnet holding 192.0.2.1: give --dev"
        );
    }

    #[test]
    fn a_missing_file_is_a_usage_error_before_the_kernel() {
        let (out, err, code) = run_args(&["lvsctl", "apply", "/nonexistent/rules"]);
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            (
                "",
                "lvsctl: /nonexistent/rules: No such file or directory\n",
                NativeExit::Usage
            )
        );
    }
}
