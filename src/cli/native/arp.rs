//! `arp announce` and `arp probe`, and the announcing loop `vip add`
//! shares. The library sends one frame per call; this front end keeps the
//! clock, sleeping between frames and showing "GARP k/N" on a terminal.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::{enter, ArpCmd, GarpFormArg, NativeError, Output, Report};
use crate::arp::{vip, Announcer, GarpForm, Iface, Schedule};
use crate::cli::Console;
use crate::host::rtnl::Rtnl;
use crate::output::json::{JsonProbe, ProbeDocument};
use crate::output::text;

/// `lvsctl arp ...`.
pub(super) fn run(cmd: &ArpCmd, netns: Option<&str>, con: &mut Console) -> Result<Report, NativeError> {
    let address = |s: &str| {
        s.parse::<IpAddr>()
            .map_err(|_| NativeError::Usage(format!("invalid address {s:?}")))
    };
    match cmd {
        ArpCmd::Announce {
            addr,
            dev,
            count,
            interval,
            form,
        } => {
            let ip = address(addr)?;
            let interval = duration(interval)?;
            let mut rtnl = rtnl_in(netns)?;
            let iface = Iface::lookup(&mut rtnl, dev)?;
            vip::check_facing(&iface, ip)?;
            announce(&iface, ip, *form, *count, interval, con)?;
            let what = frames_name(ip);
            Ok(Report::Done(format!("{count} {what} for {ip} sent on {dev}\n")))
        }
        ArpCmd::Probe {
            addr,
            dev,
            timeout,
            interval,
            out,
        } => {
            let ip = address(addr)?;
            let timeout = duration(timeout)?;
            let interval = duration(interval)?;
            if interval.is_zero() {
                return Err(NativeError::Usage("--interval must be above 0".into()));
            }
            let mut rtnl = rtnl_in(netns)?;
            let report = vip::probe_address(&mut rtnl, ip, dev.as_deref(), timeout, interval)?;
            let text = match out.output {
                // Always indented, as it has been since the first release.
                Output::Json => ProbeDocument::new(JsonProbe::from(&report)).render_as(true),
                out => text::probe(&report, out == Output::Table),
            };
            Ok(match report.hosts() {
                0 => Report::NoneAnswered(text),
                1 => Report::Done(text),
                _ => Report::Problems(text),
            })
        }
    }
}

/// What the announcements of `ip` are called.
pub(super) fn frames_name(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "gratuitous ARP(s)",
        IpAddr::V6(_) => "unsolicited neighbour advertisement(s)",
    }
}

/// Enters the namespace, then opens rtnetlink there.
pub(super) fn rtnl_in(netns: Option<&str>) -> Result<Rtnl, NativeError> {
    enter(netns)?;
    Rtnl::open().map_err(|e| NativeError::Arp(e.into()))
}

/// A `--interval`/`--timeout` value.
pub(super) fn duration(s: &str) -> Result<Duration, NativeError> {
    crate::arp::parse_duration(s).map_err(NativeError::Usage)
}

/// Sends `count` announcements of `ip` on `iface`, `interval` apart,
/// sleeping here between frames (the library never sleeps), with
/// "GARP k/N" progress on stderr when it is a terminal.
pub(super) fn announce(
    iface: &Iface,
    ip: IpAddr,
    form: GarpFormArg,
    count: u32,
    interval: Duration,
    con: &mut Console,
) -> Result<(), NativeError> {
    let form = match form {
        GarpFormArg::Request => GarpForm::Request,
        GarpFormArg::Reply => GarpForm::Reply,
    };
    let announcer = Announcer::open(iface, ip, form)?;
    let schedule = Schedule::new(count, interval);
    let progress = count > 0 && con.err_is_terminal;
    let label = if ip.is_ipv4() { "GARP" } else { "NA" };
    let start = Instant::now();
    let mut sent = Ok(());
    for (k, due) in schedule.times().enumerate() {
        std::thread::sleep(due.saturating_sub(start.elapsed()));
        sent = announcer.send_one();
        if sent.is_err() {
            break;
        }
        if progress {
            let _ = write!(con.err, "\r{label} {}/{}", k + 1, schedule.total());
            let _ = con.err.flush();
        }
    }
    if progress {
        con.eprintln("");
    }
    Ok(sent?)
}
