//! `lvsctl daemon status|reload|drain|undrain`: the client side of the
//! control socket ([`crate::daemon::control`]).
//!
//! The socket is found the way a person would expect: `--socket` if
//! given, else the one the daemon of this network namespace registered
//! (its file may name any path), else the namespace's default. The
//! namespace is entered first, since both the registry and the default are
//! per namespace.
//!
//! SERVICE and SERVER are parsed here, before anything is sent, and sent
//! in their canonical text ([`proto::selector`], [`proto::server_text`]):
//! a typo is a usage error that names the argument, and the daemon
//! compares strings it produced itself.
//!
//! The status text is for people: one block per service, a row per real
//! server with its weights, how long it has been in its state and what
//! its checks last said. Scripts read `--output json`, which is the
//! daemon's status document as it sent it. Text that came from the
//! daemon (check reasons carry what real servers answered) has its
//! control characters escaped, so nothing a server sends reaches the
//! terminal as an escape sequence.

use std::io::IsTerminal as _;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::read::parse_service;
use super::{enter, NativeError, Output, Report};
use crate::daemon::control::{self, ClientError};
use crate::daemon::proto::{self, ErrorKind, Health, Reply, Request, ServerStatus, ServiceStatus, Status};
use crate::output::table::Table;

/// How long the daemon may take to answer (a reload of a large file
/// validates and applies it before answering).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// How often `drain --wait` asks again.
const POLL: Duration = Duration::from_millis(500);

/// `lvsctl daemon status`: exit 0 when everything is up, 3 when something
/// is down, 4 when no daemon answers.
pub fn status(
    out: Output,
    socket: Option<&str>,
    netns: Option<&str>,
    pretty: bool,
) -> Result<Report, NativeError> {
    let path = locate(socket, netns)?;
    let st = fetch_status(&path)?;
    let text = match out {
        Output::Json => render_json(&st, pretty),
        Output::Text => render_text(&st),
        Output::Table => render_table(&st),
    };
    Ok(if st.all_up() {
        Report::Done(text)
    } else {
        Report::Problems(text)
    })
}

/// `lvsctl daemon reload`: exit 0 done, 2 invalid file (`FILE:LINE`), 4 no
/// daemon.
pub fn reload(socket: Option<&str>, netns: Option<&str>) -> Result<Report, NativeError> {
    let path = locate(socket, netns)?;
    done(exchange(&path, &Request::Reload)?)
}

/// `lvsctl daemon drain SERVICE SERVER [--wait]`: with `wait`, returns
/// once the server has no active connection.
pub fn drain(
    service: &str,
    server: &str,
    wait: bool,
    socket: Option<&str>,
    netns: Option<&str>,
) -> Result<Report, NativeError> {
    let (service, (addr, port)) = (canonical_service(service)?, parse_server(server)?);
    let path = locate(socket, netns)?;
    let req = Request::Drain {
        service: service.clone(),
        server: proto::server_text(addr, port),
    };
    let report = done(exchange(&path, &req)?)?;
    if wait {
        wait_drained(&path, &service, addr, port)?;
    }
    Ok(report)
}

/// `lvsctl daemon undrain|disable|enable SERVICE SERVER`: `make` builds
/// the request from the canonical service and server.
pub fn switch(
    service: &str,
    server: &str,
    make: fn(String, String) -> Request,
    socket: Option<&str>,
    netns: Option<&str>,
) -> Result<Report, NativeError> {
    let (service, (addr, port)) = (canonical_service(service)?, parse_server(server)?);
    let path = locate(socket, netns)?;
    done(exchange(&path, &make(service, proto::server_text(addr, port)))?)
}

/// `lvsctl daemon undrain SERVICE SERVER`.
pub fn undrain(
    service: &str,
    server: &str,
    socket: Option<&str>,
    netns: Option<&str>,
) -> Result<Report, NativeError> {
    switch(
        service,
        server,
        |service, server| Request::Undrain { service, server },
        socket,
        netns,
    )
}

/// `lvsctl daemon vrrp release|resume INSTANCE`.
pub fn vrrp_release(
    instance: &str,
    release: bool,
    socket: Option<&str>,
    netns: Option<&str>,
) -> Result<Report, NativeError> {
    if instance.is_empty() || instance.contains(char::is_whitespace) {
        return Err(NativeError::Usage(format!(
            "{instance:?} is not a VRRP instance name"
        )));
    }
    let path = locate(socket, netns)?;
    let instance = instance.to_string();
    let req = if release {
        Request::VrrpRelease { instance }
    } else {
        Request::VrrpResume { instance }
    };
    done(exchange(&path, &req)?)
}

/// Enters the namespace and finds its daemon's socket.
fn locate(socket: Option<&str>, netns: Option<&str>) -> Result<PathBuf, NativeError> {
    enter(netns)?;
    if let Some(s) = socket {
        return Ok(PathBuf::from(s));
    }
    if let Some(reg) = control::running() {
        return Ok(reg.socket);
    }
    control::default_socket()
        .map_err(|e| NativeError::NoDaemon(format!("no daemon: this network namespace cannot be read: {e}")))
}

fn canonical_service(s: &str) -> Result<String, NativeError> {
    Ok(proto::selector(&parse_service(s)?))
}

/// `ADDR`, `ADDR:PORT`, `[ADDR]:PORT` (and `[ADDR]`).
fn parse_server(s: &str) -> Result<(IpAddr, Option<u16>), NativeError> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok((sa.ip(), Some(sa.port())));
    }
    if let Ok(a) = s.parse::<IpAddr>() {
        return Ok((a, None));
    }
    if let Some(a) = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse::<Ipv6Addr>().ok())
    {
        return Ok((IpAddr::V6(a), None));
    }
    Err(NativeError::Usage(format!(
        "invalid server {s:?}: expected ADDR, ADDR:PORT or [ADDR]:PORT"
    )))
}

/// One request, one reply; the daemon's refusals become errors.
fn exchange(path: &std::path::Path, req: &Request) -> Result<Reply, NativeError> {
    let reply = control::ask(path, req, ANSWER_TIMEOUT).map_err(|e| match e {
        ClientError::NoDaemon(_) => NativeError::NoDaemon(e.to_string()),
        ClientError::Io { path, source } if source.kind() == std::io::ErrorKind::PermissionDenied => {
            NativeError::DaemonRefused(format!(
                "{}: permission denied (the daemon answers root, and its status group for status)",
                path.display()
            ))
        }
        other => NativeError::Daemon(other.to_string()),
    })?;
    match reply {
        Reply::Error {
            kind: ErrorKind::Invalid | ErrorKind::Denied,
            message,
        } => Err(NativeError::DaemonRefused(clean(&message))),
        Reply::Error {
            kind: ErrorKind::Failed,
            message,
        } => Err(NativeError::Daemon(format!(
            "the daemon failed: {}",
            clean(&message)
        ))),
        ok => Ok(ok),
    }
}

fn done(reply: Reply) -> Result<Report, NativeError> {
    Ok(Report::Done(match reply {
        Reply::Ok { message, .. } if !message.is_empty() => format!("{}\n", clean(&message)),
        _ => String::new(),
    }))
}

fn fetch_status(path: &std::path::Path) -> Result<Status, NativeError> {
    match exchange(path, &Request::Status)? {
        Reply::Ok { status: Some(s), .. } => Ok(s),
        _ => Err(NativeError::Daemon(format!(
            "{}: the daemon's reply holds no status",
            path.display()
        ))),
    }
}

/// Asks for the status until the drained server(s) have no active
/// connection (or left the service).
fn wait_drained(
    path: &std::path::Path,
    service: &str,
    addr: IpAddr,
    port: Option<u16>,
) -> Result<(), NativeError> {
    let progress = std::io::stderr().is_terminal();
    let mut last = None;
    loop {
        let st = fetch_status(path)?;
        let Some(active) = active_of(&st, service, addr, port) else {
            return Ok(());
        };
        if active == Some(0) {
            return Ok(());
        }
        if progress && active.is_some() && active != last {
            eprintln!(
                "lvsctl: waiting for {} active connection(s) on {}",
                active.unwrap_or(0),
                proto::server_text(addr, port)
            );
            last = active;
        }
        std::thread::sleep(POLL);
    }
}

/// Active connections of the servers `addr` (`port`: one of them, `None`:
/// every port) of `service`: `None` when none is there any more,
/// `Some(None)` when the daemon has not read the counts.
fn active_of(st: &Status, service: &str, addr: IpAddr, port: Option<u16>) -> Option<Option<u64>> {
    let svc = st.services.iter().find(|s| s.service == service)?;
    let matching: Vec<&ServerStatus> = svc
        .servers
        .iter()
        .filter(|d| parse_server(&d.server).is_ok_and(|(a, p)| a == addr && (port.is_none() || p == port)))
        .collect();
    if matching.is_empty() {
        return None;
    }
    Some(matching.iter().map(|d| d.active_conns.map(u64::from)).sum())
}

/// Control characters of the daemon's text, escaped.
fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect()
}

/// `2026-12-01T22:40:00Z` for seconds since the epoch (`@N` past year
/// 9999).
fn rfc3339(secs: u64) -> String {
    const MAX: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if secs > MAX {
        return format!("@{secs}");
    }
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
/// Days are counted in 400-year eras from 0000-03-01, so that leap days
/// fall at the end of each year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1
    let mp = (5 * doy + 2) / 153; // [0, 11], March is 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn render_json(st: &Status, pretty: bool) -> String {
    proto::status_json(st, pretty)
}

/// `quorum 1 held, live weight 3, sorry 192.0.2.13:80 out`.
fn service_summary(s: &ServiceStatus) -> String {
    let mut t = format!(
        "quorum {} {}, live weight {}",
        s.quorum,
        if s.quorum_up { "held" } else { "lost" },
        s.live_weight
    );
    if let Some(sorry) = &s.sorry_server {
        t.push_str(&format!(
            ", sorry {} {}",
            clean(&sorry.server),
            if sorry.active { "in" } else { "out" }
        ));
    }
    t
}

fn health_text(d: &ServerStatus) -> String {
    let mut t = match d.health {
        Health::Up => "up",
        Health::Down => "down",
    }
    .to_string();
    if d.drained {
        t.push_str(", drained");
    }
    if !d.enabled {
        t.push_str(", disabled");
    }
    if let Some(until) = d.leaving_until {
        t.push_str(&format!(", leaving by {}", rfc3339(until)));
    }
    t
}

fn weight_text(d: &ServerStatus) -> String {
    match d.effective_weight {
        Some(w) => format!("{w}/{}", d.weight),
        None => format!("-/{}", d.weight),
    }
}

fn opt(v: Option<u32>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// `http: HTTP 200 (1.2 ms)`, one per check, `; ` between.
fn checks_text(d: &ServerStatus) -> String {
    if d.checks.is_empty() {
        return "no checks".into();
    }
    d.checks
        .iter()
        .map(|c| match &c.last {
            Some(p) => format!(
                "{}: {} ({:.1} ms)",
                clean(&c.kind),
                clean(&p.reason),
                p.latency_ms
            ),
            None => format!("{}: not probed yet", clean(&c.kind)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text form: a line about the daemon, then a block per service.
fn render_text(st: &Status) -> String {
    let mut out = format!(
        "daemon pid {}, {}, started {}, loaded {}\n",
        st.pid,
        clean(&st.config),
        rfc3339(st.started),
        rfc3339(st.loaded)
    );
    // Server rows are aligned across services.
    let rows: Vec<Vec<Vec<String>>> = st
        .services
        .iter()
        .map(|s| {
            s.servers
                .iter()
                .map(|d| {
                    let conns = match (d.active_conns, d.inactive_conns) {
                        (None, None) => String::new(),
                        (a, i) => format!("conns {}/{}", opt(a), opt(i)),
                    };
                    vec![
                        clean(&d.server),
                        health_text(d),
                        format!("weight {}", weight_text(d)),
                        conns,
                        format!("since {}", rfc3339(d.since)),
                        checks_text(d),
                    ]
                })
                .collect()
        })
        .collect();
    let mut width = [0usize; 6];
    for r in rows.iter().flatten() {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    for (s, rows) in st.services.iter().zip(&rows) {
        out.push('\n');
        out.push_str(&format!("{}  {}\n", clean(&s.service), service_summary(s)));
        for r in rows {
            let mut line = String::from("  ");
            for (i, (c, w)) in r.iter().zip(width).enumerate() {
                if w == 0 {
                    continue; // a column no server has
                }
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(c);
                line.extend(std::iter::repeat_n(' ', w - c.chars().count()));
            }
            let end = line.trim_end().len();
            line.truncate(end);
            line.push('\n');
            out.push_str(&line);
        }
    }
    for v in &st.vrrp {
        out.push('\n');
        out.push_str(&vrrp_text(v));
    }
    out
}

/// One VRRP instance for people: its state line, then its peers.
fn vrrp_text(v: &proto::VrrpStatus) -> String {
    let mut head = format!(
        "vrrp {}  {} vrid {}  {}{} since {}  priority {}",
        clean(&v.name),
        clean(&v.interface),
        v.vrid,
        clean(&v.state),
        if v.released { " (released)" } else { "" },
        rfc3339(v.since),
        v.priority
    );
    if let (Some(m), Some(p)) = (&v.master, v.master_priority) {
        head.push_str(&format!("  master {} ({p})", clean(m)));
    }
    head.push_str(&format!(
        "  adverts sent {} received {} dropped {}  transitions {}\n",
        v.adverts_sent, v.adverts_received, v.adverts_dropped, v.transitions
    ));
    head.push_str(&format!("  vips {}\n", clean(&v.vips.join(" "))));
    for f in &v.faults {
        head.push_str(&format!("  fault: {}\n", clean(f)));
    }
    if let Some(e) = &v.last_error {
        head.push_str(&format!("  last error: {}\n", clean(e)));
    }
    for p in &v.peers {
        head.push_str(&format!("  peer {} priority {}", clean(&p.address), p.priority));
        if let Some(t) = p.last_seen {
            head.push_str(&format!(" seen {}", rfc3339(t)));
        }
        if !p.differs.is_empty() {
            head.push_str(&format!("  DIFFERS: {}", clean(&p.differs.join("; "))));
        }
        head.push('\n');
    }
    head
}

/// The table form: a row per service (quorum, sorry server), then one per
/// real server.
fn render_table(st: &Status) -> String {
    let mut t = Table::new(&[
        "SERVICE",
        "SERVER",
        "HEALTH",
        ">WEIGHT",
        ">ACTIVE",
        ">INACTIVE",
        "SINCE",
        "CHECKS",
    ]);
    for s in &st.services {
        t.row(vec![
            clean(&s.service),
            String::new(),
            format!(
                "quorum {} {}",
                s.quorum,
                if s.quorum_up { "held" } else { "lost" }
            ),
            format!("live {}", s.live_weight),
            String::new(),
            String::new(),
            String::new(),
            s.sorry_server
                .as_ref()
                .map(|y| {
                    format!(
                        "sorry {} {}",
                        clean(&y.server),
                        if y.active { "in" } else { "out" }
                    )
                })
                .unwrap_or_default(),
        ]);
        for d in &s.servers {
            t.row(vec![
                String::new(),
                clean(&d.server),
                health_text(d),
                weight_text(d),
                opt(d.active_conns),
                opt(d.inactive_conns),
                rfc3339(d.since),
                checks_text(d),
            ]);
        }
    }
    let mut out = t.render_table();
    if !st.vrrp.is_empty() {
        let mut v = Table::new(&[
            "VRRP",
            "INTERFACE",
            ">VRID",
            "STATE",
            ">PRIORITY",
            "MASTER",
            "SINCE",
            "PEERS",
        ]);
        for x in &st.vrrp {
            let peers: Vec<String> = x
                .peers
                .iter()
                .map(|p| {
                    let mut s = format!("{} ({})", clean(&p.address), p.priority);
                    if !p.differs.is_empty() {
                        s.push_str(&format!(" differs: {}", clean(&p.differs.join("; "))));
                    }
                    s
                })
                .collect();
            v.row(vec![
                clean(&x.name),
                clean(&x.interface),
                x.vrid.to_string(),
                format!("{}{}", clean(&x.state), if x.released { " released" } else { "" }),
                x.priority.to_string(),
                x.master.as_deref().map(clean).unwrap_or_default(),
                rfc3339(x.since),
                peers.join(", "),
            ]);
        }
        out.push('\n');
        out.push_str(&v.render_table());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::NativeExit;
    use crate::daemon::proto::{CheckStatus, ProbeStatus, SorryStatus};

    /// 2026-12-01T22:40:00Z.
    const T0: u64 = 1_796_164_800;

    fn server(addr: &str, health: Health, weight: u32, eff: Option<u32>) -> ServerStatus {
        ServerStatus {
            server: addr.into(),
            weight,
            effective_weight: eff,
            health,
            since: T0,
            drained: false,
            enabled: true,
            leaving_until: None,
            active_conns: None,
            inactive_conns: None,
            checks: vec![CheckStatus {
                kind: "http".into(),
                target: addr.into(),
                up: health == Health::Up,
                last: Some(ProbeStatus {
                    up: health == Health::Up,
                    reason: if health == Health::Up {
                        "HTTP 200".into()
                    } else {
                        "connection refused".into()
                    },
                    latency_ms: 1.234,
                    at: T0 + 5,
                }),
                streak: 0,
            }],
        }
    }

    fn made_up(down: bool) -> Status {
        let mut second = server(
            "192.0.2.12:80",
            if down { Health::Down } else { Health::Up },
            2,
            Some(if down { 0 } else { 2 }),
        );
        second.drained = true;
        second.active_conns = Some(4);
        second.inactive_conns = Some(1);
        Status {
            version: proto::STATUS_VERSION,
            pid: 4242,
            config: "/etc/lvsctl/daemon.toml".into(),
            started: T0 - 600,
            loaded: T0 - 60,
            services: vec![
                ServiceStatus {
                    service: "tcp:192.0.2.110:80".into(),
                    quorum: 1,
                    quorum_up: true,
                    live_weight: 3,
                    sorry_server: Some(SorryStatus {
                        server: "192.0.2.13:80".into(),
                        active: false,
                    }),
                    servers: vec![server("192.0.2.11:80", Health::Up, 3, Some(3)), second],
                },
                ServiceStatus {
                    service: "udp:[2001:db8::1]:53".into(),
                    quorum: 0,
                    quorum_up: true,
                    live_weight: 1,
                    sorry_server: None,
                    servers: vec![ServerStatus {
                        checks: vec![],
                        ..server("[2001:db8::11]:53", Health::Up, 1, Some(1))
                    }],
                },
            ],
            vrrp: Vec::new(),
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(T0), "2026-12-01T22:40:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(u64::MAX), format!("@{}", u64::MAX));
        // Every day of four centuries follows the one before.
        let mut prev = civil_from_days(-1);
        assert_eq!(prev, (1969, 12, 31));
        for day in 0..146_097 {
            let (y, m, d) = civil_from_days(day);
            let next_day = (y, m, d) == (prev.0, prev.1, prev.2 + 1);
            let next_month =
                d == 1 && ((y, m) == (prev.0, prev.1 + 1) || (y, m, prev.1) == (prev.0 + 1, 1, 12));
            assert!(next_day || next_month, "{prev:?} then {:?}", (y, m, d));
            prev = (y, m, d);
        }
        assert_eq!(prev, (2369, 12, 31));
    }

    #[test]
    fn text_is_a_block_per_service() {
        let text = render_text(&made_up(false));
        assert_eq!(
            text,
            "\
daemon pid 4242, /etc/lvsctl/daemon.toml, started 2026-12-01T22:30:00Z, loaded 2026-12-01T22:39:00Z

tcp:192.0.2.110:80  quorum 1 held, live weight 3, sorry 192.0.2.13:80 out
  192.0.2.11:80      up           weight 3/3             since 2026-12-01T22:40:00Z  http: HTTP 200 (1.2 ms)
  192.0.2.12:80      up, drained  weight 2/2  conns 4/1  since 2026-12-01T22:40:00Z  http: HTTP 200 (1.2 ms)

udp:[2001:db8::1]:53  quorum 0 held, live weight 1
  [2001:db8::11]:53  up           weight 1/1             since 2026-12-01T22:40:00Z  no checks
"
        );
    }

    #[test]
    fn table_has_borders() {
        let t = render_table(&made_up(true));
        let lines: Vec<&str> = t.lines().collect();
        assert!(
            lines[0].starts_with('┌') && lines.last().unwrap().starts_with('└'),
            "{t}"
        );
        assert!(lines[1].contains("SERVICE") && lines[1].contains("CHECKS"), "{t}");
        let row = lines.iter().find(|l| l.contains("192.0.2.12:80")).unwrap();
        for cell in [
            "down, drained",
            "0/2",
            "4",
            "1",
            "2026-12-01T22:40:00Z",
            "connection refused (1.2 ms)",
        ] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
        assert!(
            t.contains("quorum 1 held") && t.contains("sorry 192.0.2.13:80 out"),
            "{t}"
        );
        // Every line of the table is as wide as the others.
        let w = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == w), "{t}");
    }

    #[test]
    fn json_is_the_status_document() {
        let st = made_up(false);
        let one = render_json(&st, false);
        assert!(one.ends_with("}\n") && one.lines().count() == 1);
        assert_eq!(serde_json::from_str::<Status>(&one).unwrap(), st);
        let pretty = render_json(&st, true);
        assert!(pretty.lines().count() > 10);
        assert_eq!(serde_json::from_str::<Status>(&pretty).unwrap(), st);
    }

    #[test]
    fn down_is_exit_3() {
        assert!(made_up(false).all_up());
        assert!(!made_up(true).all_up());
    }

    #[test]
    fn outside_text_cannot_drive_the_terminal() {
        let mut st = made_up(false);
        st.services[0].servers[0].checks[0].last.as_mut().unwrap().reason = "HTTP 200 \u{1b}[2J\nx".into();
        let text = render_text(&st);
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("HTTP 200 \\u{1b}[2J\\nx"), "{text}");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn servers_and_services_are_canonical() {
        let ok = |s: &str| {
            let (a, p) = parse_server(s).unwrap();
            proto::server_text(a, p)
        };
        assert_eq!(ok("192.0.2.11"), "192.0.2.11");
        assert_eq!(ok("192.0.2.11:80"), "192.0.2.11:80");
        assert_eq!(ok("[2001:DB8:0::11]:80"), "[2001:db8::11]:80");
        assert_eq!(ok("2001:db8::11"), "2001:db8::11");
        assert_eq!(ok("[2001:db8::11]"), "2001:db8::11");
        for bad in [
            "",
            "192.0.2.11:",
            "192.0.2.11:99999",
            "host:80",
            "[192.0.2.11]:80",
            "2001:db8::11:80:x",
        ] {
            assert!(matches!(parse_server(bad), Err(NativeError::Usage(_))), "{bad:?}");
        }
        assert_eq!(
            canonical_service("TCP:192.0.2.110:80").unwrap(),
            "tcp:192.0.2.110:80"
        );
        assert_eq!(
            canonical_service("udp:[2001:db8:0::1]:53").unwrap(),
            "udp:[2001:db8::1]:53"
        );
        assert!(canonical_service("tcp:192.0.2.110").is_err());
    }

    #[test]
    fn drain_waits_for_the_servers_asked_for() {
        let mut st = made_up(false);
        let addr: IpAddr = "192.0.2.12".parse().unwrap();
        let svc = "tcp:192.0.2.110:80";
        assert_eq!(active_of(&st, svc, addr, Some(80)), Some(Some(4)));
        assert_eq!(active_of(&st, svc, addr, None), Some(Some(4)));
        assert_eq!(active_of(&st, svc, addr, Some(81)), None);
        assert_eq!(active_of(&st, "tcp:192.0.2.111:80", addr, None), None);
        // Counts not read: keep waiting.
        assert_eq!(
            active_of(&st, svc, "192.0.2.11".parse().unwrap(), None),
            Some(None)
        );
        st.services[0].servers[1].active_conns = Some(0);
        assert_eq!(active_of(&st, svc, addr, None), Some(Some(0)));
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            NativeExit::from(&NativeError::NoDaemon("x".into())),
            NativeExit::NotFound
        );
        assert_eq!(
            NativeExit::from(&NativeError::DaemonRefused("x".into())),
            NativeExit::Usage
        );
        assert_eq!(
            NativeExit::from(&NativeError::Daemon("x".into())),
            NativeExit::Runtime
        );
        assert_eq!(
            NativeExit::from(
                &done(Reply::Ok {
                    message: "reloaded: 2 changes".into(),
                    status: None
                })
                .unwrap()
            ),
            NativeExit::Ok
        );
        assert_eq!(
            done(Reply::Ok {
                message: "reloaded: 2 changes".into(),
                status: None
            })
            .unwrap(),
            Report::Done("reloaded: 2 changes\n".into())
        );
    }

    /// The whole client against a fake daemon on a socket in a temporary
    /// directory.
    #[test]
    fn client_against_a_fake_daemon() {
        use std::io::{BufRead, BufReader, Write};
        let dir = std::env::temp_dir().join(format!("lvsctl-daemon-client-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("daemon.sock");
        let sock = path.to_str().unwrap().to_string();

        // No daemon: exit 4.
        let e = status(Output::Text, Some(&sock), None, false).unwrap_err();
        assert_eq!(NativeExit::from(&e), NativeExit::NotFound);
        assert_eq!(e.to_string(), format!("no daemon answers on {sock}"));

        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let answers = vec![
            Reply::Ok {
                message: String::new(),
                status: Some(made_up(true)),
            },
            Reply::Error {
                kind: ErrorKind::Invalid,
                message: "/etc/lvsctl/daemon.toml:7: unknown key \"wieght\"".into(),
            },
            Reply::Ok {
                message: "drained tcp:192.0.2.110:80 192.0.2.12:80".into(),
                status: None,
            },
            // --wait: connections still there, then gone.
            Reply::Ok {
                message: String::new(),
                status: Some(made_up(false)),
            },
            Reply::Ok {
                message: String::new(),
                status: Some({
                    let mut s = made_up(false);
                    s.services[0].servers[1].active_conns = Some(0);
                    s
                }),
            },
            Reply::Error {
                kind: ErrorKind::Failed,
                message: "netlink: busy".into(),
            },
        ];
        let n = answers.len();
        let server = std::thread::spawn(move || {
            let mut got = Vec::new();
            for a in answers {
                let (mut s, _) = listener.accept().unwrap();
                let mut line = String::new();
                BufReader::new(s.try_clone().unwrap())
                    .read_line(&mut line)
                    .unwrap();
                got.push(serde_json::from_str::<Request>(&line).unwrap());
                let mut out = serde_json::to_vec(&a).unwrap();
                out.push(b'\n');
                s.write_all(&out).unwrap();
            }
            got
        });
        let r = status(Output::Json, Some(&sock), None, false).unwrap();
        assert!(matches!(r, Report::Problems(_)));
        assert_eq!(serde_json::from_str::<Status>(r.text()).unwrap(), made_up(true));
        let e = reload(Some(&sock), None).unwrap_err();
        assert_eq!(
            (NativeExit::from(&e), e.to_string()),
            (
                NativeExit::Usage,
                "/etc/lvsctl/daemon.toml:7: unknown key \"wieght\"".to_string()
            )
        );
        let r = drain("tcp:192.0.2.110:80", "192.0.2.12:80", true, Some(&sock), None).unwrap();
        assert_eq!(
            r,
            Report::Done("drained tcp:192.0.2.110:80 192.0.2.12:80\n".into())
        );
        let e = undrain("tcp:192.0.2.110:80", "192.0.2.12", Some(&sock), None).unwrap_err();
        assert_eq!(NativeExit::from(&e), NativeExit::Runtime);
        assert_eq!(e.to_string(), "the daemon failed: netlink: busy");
        // Bad arguments never reach the daemon.
        assert!(matches!(
            drain("tcp:192.0.2.110", "192.0.2.12", false, Some(&sock), None),
            Err(NativeError::Usage(_))
        ));
        let got = server.join().unwrap();
        assert_eq!(got.len(), n);
        assert_eq!(
            got,
            vec![
                Request::Status,
                Request::Reload,
                Request::Drain {
                    service: "tcp:192.0.2.110:80".into(),
                    server: "192.0.2.12:80".into()
                },
                Request::Status,
                Request::Status,
                Request::Undrain {
                    service: "tcp:192.0.2.110:80".into(),
                    server: "192.0.2.12".into()
                },
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
