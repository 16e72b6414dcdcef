//! The read commands: `list`, `stats`, `rate`, `conns`, `timeouts`,
//! `daemons`. Each reads the kernel once and renders as asked: text or a
//! bordered table from `output`, or lvsctl's JSON schema (streamed for
//! service listings when standard output is not a terminal).

use super::{connect, NativeError, Output, Report};
use crate::cli::Console;
use crate::ipvs::{DestEntry, IpvsClient, ServiceEntry, ServiceKey};
use crate::output::json::{self, Document};
use crate::output::native::{self as native_fmt, service_label, LIST_COLUMNS};
use crate::output::sort::{sort_daemons, sort_table};
use crate::output::table::{write_text, Rows, Table};
use crate::output::text;

type Entries = [(ServiceEntry, Vec<DestEntry>)];

/// `list [SERVICE]`.
pub(super) fn list(
    service: Option<&str>,
    output: Output,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<Report, NativeError> {
    let t = read_table(service, netns)?;
    let rows = |f: &mut dyn FnMut(&[String])| native_fmt::list_rows(&t, f);
    services_output(&t, output, &LIST_COLUMNS, &rows, con)
}

/// `stats [SERVICE]`, or `rate [SERVICE]` with `rate`.
pub(super) fn counters(
    service: Option<&str>,
    rate: bool,
    output: Output,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<Report, NativeError> {
    let t = read_table(service, netns)?;
    let rows = |f: &mut dyn FnMut(&[String])| native_fmt::counters_rows(&t, rate, f);
    services_output(&t, output, &native_fmt::counters_columns(rate), &rows, con)
}

/// `conns`: the connection table of the namespace, in the kernel's order.
pub(super) fn conns(output: Output, netns: Option<&str>, pretty: bool) -> Result<Report, NativeError> {
    // Connecting first reports a missing IPVS as such, not as a missing
    // /proc file.
    let _client = connect(netns)?;
    let conns = crate::ipvs::conn::read_connections()?;
    let mut doc = Document::new();
    doc.connections = Some(conns.iter().map(json::JsonConnection::from).collect());
    Ok(render(doc, || text::conns_table(&conns), output, pretty))
}

/// `timeouts`.
pub(super) fn timeouts(output: Output, netns: Option<&str>, pretty: bool) -> Result<Report, NativeError> {
    let t = connect(netns)?.timeouts()?;
    let mut doc = Document::new();
    doc.timeouts = Some(json::JsonTimeouts::from(&t));
    Ok(render(doc, || text::timeouts_table(&t), output, pretty))
}

/// `daemons`: master before backup.
pub(super) fn daemons(output: Output, netns: Option<&str>, pretty: bool) -> Result<Report, NativeError> {
    let mut ds = connect(netns)?.daemons()?;
    sort_daemons(&mut ds);
    let mut doc = Document::new();
    doc.daemons = Some(ds.iter().map(json::JsonDaemon::from).collect());
    Ok(render(doc, || text::daemons_table(&ds), output, pretty))
}

/// The table (or the one service asked for), in lvsctl's order. The
/// selector is checked before the kernel is touched.
fn read_table(
    service: Option<&str>,
    netns: Option<&str>,
) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, NativeError> {
    let only = service.map(parse_service).transpose()?;
    let mut client = connect(netns)?;
    let mut t = match &only {
        Some(k) => vec![one_service(&mut client, k)?],
        None => client.table()?,
    };
    sort_table(&mut t);
    Ok(t)
}

fn one_service(
    client: &mut IpvsClient,
    k: &ServiceKey,
) -> Result<(ServiceEntry, Vec<DestEntry>), NativeError> {
    client.service_table(k).map_err(|e| {
        if e.errno() == Some(libc::ESRCH) {
            NativeError::NotFound(format!("no such service: {}", service_label(k)))
        } else {
            e.into()
        }
    })
}

/// A listing of services: JSON, or the table of `columns` whose rows
/// `rows` makes. JSON into a pipe and plain text are written as they are
/// made (a large table never exists as text or as a table of strings);
/// the bordered table is built whole.
fn services_output(
    t: &Entries,
    output: Output,
    columns: &[&str],
    rows: &Rows,
    con: &mut Console,
) -> Result<Report, NativeError> {
    Ok(Report::Done(match output {
        Output::Json if !con.out_is_terminal => {
            // Streamed: a large table never exists as JSON in memory. A
            // closed pipe ends the output quietly, as in main.
            match json::write_services(&mut *con.out, t) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(NativeError::Write(e)),
                _ => String::new(),
            }
        }
        Output::Json => {
            let mut doc = Document::new();
            doc.services = Some(t.iter().map(|(s, d)| json::service(s, d)).collect());
            doc.render_as(true)
        }
        Output::Text => {
            let headers: Vec<&str> = columns.iter().map(|c| c.trim_start_matches('>')).collect();
            let numeric: Vec<bool> = columns.iter().map(|c| c.starts_with('>')).collect();
            write_text(&headers, &numeric, rows, &mut |line| con.print(line));
            String::new()
        }
        Output::Table => {
            let mut table = Table::new(columns);
            rows(&mut |r| table.row(r.to_vec()));
            table.render_table()
        }
    }))
}

fn render(doc: Document, table: impl FnOnce() -> Table, output: Output, pretty: bool) -> Report {
    Report::Done(match output {
        Output::Json => doc.render_as(pretty),
        Output::Text => table().render_text(),
        Output::Table => table().render_table(),
    })
}

/// Parses a service selector: `tcp:ADDR:PORT`, `udp:...`, `sctp:...`,
/// `fwmark:MARK`, `fwmark6:MARK`.
pub fn parse_service(s: &str) -> Result<ServiceKey, NativeError> {
    crate::daemon::proto::parse_selector(s).ok_or_else(|| {
        NativeError::Usage(format!(
            "invalid service {s:?}: expected tcp:ADDR:PORT, udp:ADDR:PORT, sctp:ADDR:PORT, fwmark:MARK or fwmark6:MARK"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::NativeExit;
    use crate::ipvs::{AddressFamily, Protocol};

    #[test]
    fn service_selectors() {
        assert_eq!(
            parse_service("tcp:192.0.2.1:80").unwrap(),
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: "192.0.2.1".parse().unwrap(),
                port: 80
            }
        );
        assert_eq!(
            parse_service("udp:[2001:db8::1]:53").unwrap(),
            ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: "2001:db8::1".parse().unwrap(),
                port: 53
            }
        );
        assert_eq!(
            parse_service("fwmark6:3000000000").unwrap(),
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3_000_000_000
            }
        );
        for bad in [
            "",
            "tcp",
            "tcp:1.2.3.4",
            "icmp:1.2.3.4:1",
            "fwmark:0",
            "fwmark:x",
            "tcp:[::1]",
        ] {
            assert!(parse_service(bad).is_err(), "{bad}");
            assert_eq!(
                NativeExit::from(&parse_service(bad).unwrap_err()),
                NativeExit::Usage
            );
        }
    }
}
