//! `lvsctl daemon`: runs the daemon (`crate::daemon`), validates its file,
//! or asks a running one over its control socket.

use super::args::{DaemonArgs, DaemonCmd};
use super::{NativeError, Report};
use crate::cli::Console;

/// Runs `lvsctl daemon ...`.
pub fn run(args: &DaemonArgs, netns: Option<&str>, con: &mut Console) -> Result<Report, NativeError> {
    let _ = (netns, con);
    match &args.cmd {
        Some(DaemonCmd::Probe { check, server }) => super::probe::run(check, server, netns),
        _ => Err(NativeError::Usage("lvsctl daemon: not built yet".into())),
    }
}
