//! `lvsctl daemon`: runs the daemon (`crate::daemon`), validates its file,
//! or asks a running one over its control socket.

use super::args::{DaemonArgs, DaemonCmd, LogFormat, VrrpCmd};
use super::{enter, NativeError, Report};
use crate::cli::Console;
use crate::daemon::proto::Request;
use crate::daemon::{self, DaemonError, Options};

/// Runs `lvsctl daemon ...`.
pub fn run(args: &DaemonArgs, netns: Option<&str>, con: &mut Console) -> Result<Report, NativeError> {
    match &args.cmd {
        None => {
            let Some(config) = &args.config else {
                return Err(NativeError::Usage(
                    "lvsctl daemon: give --config FILE to run, or one of check, status, reload, drain, undrain, disable, enable, vrrp, probe"
                        .into(),
                ));
            };
            // The namespace first: setns moves only the calling thread, and
            // the daemon starts its threads after this.
            enter(netns)?;
            let _ = con.flush();
            daemon::run(Options {
                config: config.clone(),
                log: match args.log_format {
                    LogFormat::Text => daemon::log::Format::Text,
                    LogFormat::Json => daemon::log::Format::Json,
                },
            })
            .map_err(daemon_error)?;
            Ok(Report::Done(String::new()))
        }
        Some(DaemonCmd::Check { file }) => check(file),
        Some(DaemonCmd::Probe { check, server }) => super::probe::run(check, server, netns),
        Some(DaemonCmd::Status { out, socket }) => {
            super::daemon_client::status(out.output, socket.socket.as_deref(), netns, con.out_is_terminal)
        }
        Some(DaemonCmd::Reload { socket }) => super::daemon_client::reload(socket.socket.as_deref(), netns),
        Some(DaemonCmd::Drain {
            service,
            server,
            wait,
            socket,
        }) => super::daemon_client::drain(service, server, *wait, socket.socket.as_deref(), netns),
        Some(DaemonCmd::Undrain {
            service,
            server,
            socket,
        }) => super::daemon_client::undrain(service, server, socket.socket.as_deref(), netns),
        Some(DaemonCmd::Disable {
            service,
            server,
            socket,
        }) => super::daemon_client::switch(
            service,
            server,
            |service, server| Request::Disable { service, server },
            socket.socket.as_deref(),
            netns,
        ),
        Some(DaemonCmd::Enable {
            service,
            server,
            socket,
        }) => super::daemon_client::switch(
            service,
            server,
            |service, server| Request::Enable { service, server },
            socket.socket.as_deref(),
            netns,
        ),
        Some(DaemonCmd::Vrrp { cmd }) => match cmd {
            VrrpCmd::Release { instance, socket } => {
                super::daemon_client::vrrp_release(instance, true, socket.socket.as_deref(), netns)
            }
            VrrpCmd::Resume { instance, socket } => {
                super::daemon_client::vrrp_release(instance, false, socket.socket.as_deref(), netns)
            }
        },
    }
}

/// `lvsctl daemon check FILE`: the whole file validated, nothing run.
fn check(file: &str) -> Result<Report, NativeError> {
    let c = daemon::load(file).map_err(daemon_error)?;
    let mut text = format!(
        "{file}: valid: {} service{}, {} real server{}, {} distinct probe{}\n",
        c.services.len(),
        plural(c.services.len()),
        c.server_count(),
        plural(c.server_count()),
        c.probe_count(),
        plural(c.probe_count()),
    );
    for w in daemon::warnings(&c) {
        text.push_str("warning: ");
        text.push_str(&w);
        text.push('\n');
    }
    Ok(Report::Done(text))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn daemon_error(e: DaemonError) -> NativeError {
    match e {
        DaemonError::File { file, error } => NativeError::File { file, error },
        DaemonError::Input(e) => NativeError::Input(e),
        DaemonError::Ipvs(e) => NativeError::Ipvs(e),
        other => NativeError::Daemon(other.to_string()),
    }
}
