//! ldirectord's `ldirectord.cf` (resource-agents 4.12, Debian 12).
//!
//! # The format, as ldirectord's `read_config` takes it
//!
//! Global settings are `key = value` lines at the start of a line. A
//! `virtual=` (or `virtual6=`) line at the start of a line opens a
//! virtual service; the lines after it that are indented by four spaces
//! or more (a tab counts four) are its settings, and the first line that
//! is not ends it. A line whose first word starts with `#` is a comment;
//! inside a virtual, `#` starts a comment anywhere. There is no line
//! continuation. An unknown key, or a value ldirectord's patterns do not
//! take, makes ldirectord refuse the whole file, and so does this reader
//! (exit 2, `FILE:LINE`).
//!
//! # What it becomes
//!
//! What ldirectord 4.12's code does (its manual page differs in places:
//! `quiescent` defaults to no in the code):
//!
//! * Each virtual is a service (`-A`): address and port (host and
//!   service names resolved now and reported), or a firewall mark;
//!   `protocol` tcp unless the port is 53 (udp), `scheduler` wrr,
//!   `persistent` with `netmask`, `schedflags`, `ops` (UDP only).
//! * Each `real=` is a real server: `gate`, `masq`, `ipip` as route, masq,
//!   tunnel; weight 1 unless given; `l:`/`u:` thresholds; a range
//!   `A->B` one per address; without a port the virtual's.
//! * The check: `checktype` connect is a tcp check (ping on UDP);
//!   negotiate (the default for addresses) by `service` (from the port when
//!   unset: 80 http, 443 https, 53 dns, ...): http/https with `request`,
//!   `receive`, `httpmethod`, `virtualhost` (https without certificate
//!   checks, as LWP is set up), dns (a query for `request`), simpletcp (a
//!   send-expect), none (always up: no check); external a command check
//!   with ldirectord's four arguments; ping; on (no check); off (no server
//!   is ever added: every server switched off). Every check runs every
//!   `checkinterval` (default 10 s) with `checktimeout` (connect, ping,
//!   external) or `negotiatetimeout` (negotiate), each the other's default
//!   (5 s and 30 s otherwise), down after `failurecount` failures (1), up
//!   after one success.
//! * `quiescent = yes` is `on_failure = "quiesce"`; no, the default,
//!   `"remove"`. `fallback` is the sorry server (port the virtual's,
//!   method gate unless given), in while no real server is up: lvsctl's
//!   quorum of 1. `cleanstop = yes` (the default) is `flush_on_stop`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::toml_out::{Doc, Table, Value};
use super::{ImportError, Note, Options};
use crate::ipvs::Protocol;

const DEFAULT_CHECKTIMEOUT: u64 = 5;
const DEFAULT_NEGOTIATETIMEOUT: u64 = 30;
/// The longest time written, seconds (a month, as `apply` takes).
const MAX_SECONDS: u64 = 86_400 * 31;

/// The services ldirectord knows.
const SERVICES: &[&str] = &[
    "dns",
    "ftp",
    "http",
    "https",
    "http_proxy",
    "imap",
    "imaps",
    "ldap",
    "ldaps",
    "nntp",
    "mysql",
    "none",
    "oracle",
    "pop",
    "pops",
    "radius",
    "pgsql",
    "sip",
    "smtp",
    "submission",
    "simpletcp",
];

/// One `key = value` line.
#[derive(Debug, Clone)]
struct Setting {
    key: String,
    value: String,
    line: usize,
}

/// A `virtual=` block.
#[derive(Debug, Clone, Default)]
struct Virtual {
    v6: bool,
    spec: String,
    line: usize,
    settings: Vec<Setting>,
}

impl Virtual {
    fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

/// Splits `key = value` (blanks around `=` optional).
fn key_value(text: &str) -> Option<(String, String)> {
    let eq = text.find('=')?;
    let key = text[..eq].trim();
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    Some((key.to_string(), text[eq + 1..].trim().to_string()))
}

fn parse_file(file: &str, text: &str) -> Result<(Vec<Setting>, Vec<Virtual>), ImportError> {
    let mut globals = Vec::new();
    let mut virtuals: Vec<Virtual> = Vec::new();
    let mut open: Option<Virtual> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = raw.replace('\t', "    ");
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(v) = open.as_mut() {
            if line.starts_with("    ") && !line.trim().is_empty() {
                let body = match line.find('#') {
                    Some(h) => &line[..h],
                    None => &line[..],
                };
                let body = body.trim();
                if body.is_empty() {
                    continue;
                }
                let Some((key, value)) = key_value(body) else {
                    return Err(ImportError::parse(
                        file,
                        no,
                        format!("expected `key = value` in the virtual, got {body:?}"),
                    ));
                };
                v.settings.push(Setting { key, value, line: no });
                continue;
            }
            // ldirectord ends the virtual at the first line that is not
            // indented (a blank one too) and reads that line again.
            virtuals.extend(open.take());
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = key_value(&line) else {
            return Err(ImportError::parse(
                file,
                no,
                format!("unknown setting {:?} (ldirectord refuses it too)", line.trim()),
            ));
        };
        if line.starts_with(' ') {
            return Err(ImportError::parse(
                file,
                no,
                format!("`{key}` is indented but belongs to no virtual (ldirectord refuses it too)"),
            ));
        }
        match key.as_str() {
            "virtual" | "virtual6" => {
                open = Some(Virtual {
                    v6: key == "virtual6",
                    spec: value,
                    line: no,
                    settings: Vec::new(),
                })
            }
            _ => globals.push(Setting { key, value, line: no }),
        }
    }
    virtuals.extend(open.take());
    Ok((globals, virtuals))
}

struct Cx<'a> {
    file: &'a str,
    notes: Vec<Note>,
}

impl Cx<'_> {
    fn note(&mut self, line: usize, message: impl Into<String>) {
        self.notes.push(Note {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }
    fn err(&self, line: usize, message: impl Into<String>) -> ImportError {
        ImportError::parse(self.file, line, message)
    }
    fn yes_no(&self, s: &Setting) -> Result<bool, ImportError> {
        match s.value.as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(self.err(s.line, format!("{} must be 'yes' or 'no'", s.key))),
        }
    }
    /// A positive number of seconds (ldirectord takes the first digits).
    fn positive(&self, s: &Setting) -> Result<u64, ImportError> {
        let digits: String = s
            .value
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        match digits.parse::<u64>() {
            Ok(n) if n > 0 && n <= MAX_SECONDS => Ok(n),
            _ => Err(self.err(s.line, format!("invalid {} value {:?}", s.key, s.value))),
        }
    }
    /// An address, or a host name resolved now (reported).
    fn host(&mut self, line: usize, v: &str, v6: bool) -> Result<IpAddr, ImportError> {
        let bare = v.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(v);
        if let Ok(a) = bare.parse::<IpAddr>() {
            if a.is_ipv6() != v6 {
                let want = if v6 { "IPv6" } else { "IPv4" };
                return Err(self.err(
                    line,
                    format!("{a} is not an {want} address (virtual6/real6 take IPv6, virtual/real IPv4)"),
                ));
            }
            let bad = match a {
                IpAddr::V4(x) => x.is_unspecified() || x.is_broadcast() || x.is_multicast(),
                IpAddr::V6(x) => x.is_unspecified() || x.is_multicast(),
            };
            if bad {
                return Err(self.err(line, format!("{a} is not a host's address")));
            }
            return Ok(a);
        }
        let found = if crate::ipvsadm::host_lookups_enabled() && !v6 {
            crate::host::netdb::host_v4(bare).map(IpAddr::V4)
        } else {
            None
        };
        match found {
            Some(a) => {
                self.note(
                    line,
                    format!("host name {bare:?} resolved to {a} now; ldirectord resolved it at every start"),
                );
                Ok(a)
            }
            None => Err(self.err(line, format!("{v:?} is not an address or a known host name"))),
        }
    }
    fn port(&mut self, line: usize, v: &str, proto: Protocol) -> Result<u16, ImportError> {
        if let Ok(n) = v.parse::<u32>() {
            return u16::try_from(n).map_err(|_| self.err(line, format!("port {n} is not 0 to 65535")));
        }
        match crate::host::netdb::service_port(v, proto) {
            Some(p) => {
                self.note(line, format!("service name {v:?} is port {p} here"));
                Ok(p)
            }
            None => Err(self.err(line, format!("{v:?} is not a port or a service name"))),
        }
    }
}

/// Splits `HOST:PORT` (`[V6]:PORT`), the port optional when `port_optional`.
fn host_port(s: &str) -> (String, Option<String>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let host = format!("[{}]", &rest[..end]);
            let port = rest[end + 1..].strip_prefix(':').map(str::to_string);
            return (host, port);
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p.to_string())),
        _ => (s.to_string(), None),
    }
}

fn forward(m: &str) -> Option<&'static str> {
    match m {
        "gate" => Some("route"),
        "masq" => Some("masq"),
        "ipip" => Some("tunnel"),
        _ => None,
    }
}

/// The global settings virtuals fall back on.
#[derive(Default)]
struct Globals {
    checktimeout: Option<u64>,
    negotiatetimeout: Option<u64>,
    checkinterval: u64,
    failurecount: u64,
    quiescent: bool,
    fallback: Option<(String, usize)>,
    fallback6: Option<(String, usize)>,
    fork: bool,
}

/// Converts ldirectord.cf's `text` (from `file`).
pub fn convert(file: &str, text: &str, _opts: &Options) -> Result<(Doc, Vec<Note>), ImportError> {
    let (globals, virtuals) = parse_file(file, text)?;
    let mut cx = Cx {
        file,
        notes: Vec::new(),
    };
    let mut doc = Doc::default();
    doc.heading(format!(
        "lvsctl daemon file converted by `lvsctl import ldirectord` from {file}"
    ));
    doc.heading("run it with `lvsctl daemon --config FILE`.");
    let mut g = Globals {
        checkinterval: 10,
        failurecount: 1,
        ..Globals::default()
    };
    let mut cleanstop = true;
    for s in &globals {
        match s.key.as_str() {
            "checktimeout" => g.checktimeout = Some(cx.positive(s)?),
            "negotiatetimeout" => g.negotiatetimeout = Some(cx.positive(s)?),
            "checkinterval" => g.checkinterval = cx.positive(s)?,
            "failurecount" => g.failurecount = cx.positive(s)?.min(1000),
            "checkcount" => {
                cx.positive(s)?;
                cx.note(s.line, "checkcount (deprecated in ldirectord): not converted; failurecount is the count of failures");
            }
            "connecttimeout" | "timeout" => {
                return Err(cx.err(s.line, format!("{} is deprecated: ldirectord refuses it (checktimeout, negotiatetimeout)", s.key)))
            }
            "fallback" => g.fallback = Some((s.value.clone(), s.line)),
            "fallback6" => g.fallback6 = Some((s.value.clone(), s.line)),
            "fallbackcommand" => cx.note(s.line, "fallbackcommand: not converted; lvsctl runs quorum_up / quorum_down hooks per service"),
            "autoreload" => {
                cx.yes_no(s)?;
                cx.note(s.line, "autoreload: not converted; reload the daemon (`lvsctl daemon reload`, SIGHUP) after editing its file");
            }
            "callback" => cx.note(s.line, "callback: not converted; reload the daemon after editing its file"),
            "logfile" => cx.note(s.line, "logfile: not converted; the daemon logs to stderr (the journal under systemd)"),
            "execute" => cx.note(s.line, "execute: not converted; run one daemon per file (lvsctl@.service)"),
            "fork" => g.fork = cx.yes_no(s)?,
            "supervised" => cx.note(s.line, "supervised: not converted; the daemon runs in the foreground under systemd"),
            "quiescent" => g.quiescent = cx.yes_no(s)?,
            "readdquiescent" => {
                cx.yes_no(s)?;
                cx.note(s.line, "readdquiescent: not converted; a returning server is ramped back by slow_start or set at once");
            }
            "cleanstop" => cleanstop = cx.yes_no(s)?,
            "emailalert" | "emailalertfreq" | "emailalertstatus" | "emailalertfrom" | "smtp" => {
                cx.note(s.line, format!("{}: not converted; lvsctl sends no mail (notify hooks, metrics)", s.key))
            }
            "maintenancedir" => cx.note(
                s.line,
                "maintenancedir: not converted; use `lvsctl daemon drain SERVICE SERVER` to take a server out",
            ),
            _ => return Err(cx.err(s.line, format!("unknown setting `{}` (ldirectord refuses it too)", s.key))),
        }
    }
    let mut daemon = Table::new("daemon");
    if cleanstop {
        daemon.set("flush_on_stop", true);
        daemon.comment("ldirectord's cleanstop (default yes): its services are removed when it stops");
    }
    if !daemon.is_empty() {
        doc.push(daemon);
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    for v in &virtuals {
        if let Some(t) = virtual_service(&mut cx, v, &g, &mut seen)? {
            let mut d = Doc::default();
            d.push(t.clone());
            crate::daemon::config::parse("(converted)", &d.render())
                .map_err(|e| cx.err(v.line, format!("lvsctl cannot take this virtual: {}", e.message)))?;
            doc.push(t);
        }
    }
    let mut notes = cx.notes;
    notes.sort_by_key(|n| n.line);
    Ok((doc, notes))
}

fn virtual_service(
    cx: &mut Cx<'_>,
    v: &Virtual,
    g: &Globals,
    seen: &mut Vec<(String, usize)>,
) -> Result<Option<Table>, ImportError> {
    let mut t = Table::element("services");
    let spec = v.spec.split_whitespace().next().unwrap_or("");
    let fwmark = spec.bytes().all(|b| b.is_ascii_digit()) && !spec.is_empty();
    let protocol_set = v.get("protocol").map(|s| (s.value.clone(), s.line));
    let mut protocol = "tcp";
    let (addr, port) = if fwmark {
        (None, 0u16)
    } else {
        let (h, p) = host_port(spec);
        let Some(p) = p else {
            return Err(cx.err(
                v.line,
                "invalid address for virtual server: HOST:PORT or a firewall mark",
            ));
        };
        if let Some((pv, _)) = &protocol_set {
            if pv == "udp" {
                protocol = "udp";
            }
        }
        let proto = if protocol == "udp" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        };
        let a = cx.host(v.line, &h, v.v6)?;
        let port = cx.port(v.line, &p, proto)?;
        if protocol_set.is_none() && port == 53 {
            protocol = "udp";
        }
        (Some(a), port)
    };
    if let Some((pv, line)) = &protocol_set {
        match (fwmark, pv.as_str()) {
            (true, "fwm") | (false, "tcp" | "udp") => {}
            (true, _) => {
                return Err(cx.err(
                    *line,
                    "protocol must be fwm if the virtual service is a fwmark (a number)",
                ))
            }
            (false, _) => {
                return Err(cx.err(
                    *line,
                    "protocol must be tcp or udp if the virtual service is an address and port",
                ))
            }
        }
    }
    let label = match addr {
        Some(a) => format!("{protocol} {}", super::sock_text(a, port)),
        None => format!("fwmark {spec}"),
    };
    t.comment(format!(
        "{}:{} virtual{}={}",
        cx.file,
        v.line,
        if v.v6 { "6" } else { "" },
        v.spec
    ));
    if let Some((_, first)) = seen.iter().find(|(k, _)| *k == label) {
        return Err(cx.err(
            v.line,
            format!("duplicate virtual server ({label}, first on line {first})"),
        ));
    }
    seen.push((label, v.line));
    match addr {
        Some(a) => {
            t.set("protocol", protocol);
            t.set("address", a.to_string());
            t.set("port", port);
        }
        None => {
            let mark: u32 = spec
                .parse()
                .map_err(|_| cx.err(v.line, format!("fwmark {spec:?} is not 1 to 4294967295")))?;
            if mark == 0 {
                return Err(cx.err(v.line, "fwmark must be 1 or more"));
            }
            t.set("fwmark", Value::Int(i64::from(mark)));
            if v.v6 {
                t.set("family", "ipv6");
            }
        }
    }
    // Scheduling and persistence.
    let sched = match v.get("scheduler") {
        Some(s) => {
            let name: String = s
                .value
                .chars()
                .skip_while(|c| !c.is_ascii_lowercase())
                .take_while(char::is_ascii_lowercase)
                .collect();
            if name.is_empty() || name.len() > 15 {
                return Err(cx.err(
                    s.line,
                    "invalid scheduler, should be only lowercase letters (a-z)",
                ));
            }
            name
        }
        None => "wrr".to_string(),
    };
    t.set("scheduler", sched.clone());
    if let Some(s) = v.get("schedflags") {
        let flags: Vec<String> = s
            .value
            .split_whitespace()
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
        if flags.is_empty() {
            return Err(cx.err(s.line, "invalid sched-flags"));
        }
        crate::ipvsadm::parse_sched_flags(&sched, &flags.join(",")).map_err(|e| cx.err(s.line, e.message))?;
        t.set("sched_flags", Value::from(flags));
    }
    if let Some(s) = v.get("persistent") {
        let n: String = s
            .value
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        let n: u64 = n
            .parse()
            .map_err(|_| cx.err(s.line, "invalid persistent timeout"))?;
        if n == 0 || n > MAX_SECONDS {
            return Err(cx.err(s.line, format!("persistent {n}: 1 to {MAX_SECONDS} seconds")));
        }
        t.set("persistent", true);
        t.set("timeout", Value::Int(n as i64));
        if let Some(m) = v.get("netmask") {
            if v.v6 {
                let p: u8 = m
                    .value
                    .parse()
                    .ok()
                    .filter(|p| (1..=128).contains(p))
                    .ok_or_else(|| {
                        cx.err(
                            m.line,
                            "invalid netmask: a prefix length between 1 and 128 is required",
                        )
                    })?;
                if p != 128 {
                    t.set("netmask", Value::Int(i64::from(p)));
                }
            } else {
                let mask: Ipv4Addr = m
                    .value
                    .parse()
                    .map_err(|_| cx.err(m.line, "invalid netmask: dotted quad notation is required"))?;
                let bits = u32::from(mask);
                if bits == 0 || bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return Err(cx.err(m.line, format!("netmask {mask} is not a netmask")));
                }
                if bits != u32::MAX {
                    t.set("netmask", mask.to_string());
                }
            }
        }
    } else if let Some(m) = v.get("netmask") {
        cx.note(
            m.line,
            "netmask without persistent: ldirectord passes it to nobody either",
        );
    }
    if let Some(s) = v.get("ops") {
        let on = cx.yes_no(s)?;
        if on && protocol == "udp" && addr.is_some() {
            t.set("one_packet", true);
        } else if on {
            cx.note(
                s.line,
                "ops = yes: ldirectord applies it to UDP virtuals only; left out",
            );
        }
    }
    // Failure handling.
    let quiescent = match v.get("quiescent") {
        Some(s) => cx.yes_no(s)?,
        None => g.quiescent,
    };
    t.set("on_failure", if quiescent { "quiesce" } else { "remove" });
    if let Some(s) = v.get("cleanstop") {
        if !cx.yes_no(s)? {
            cx.note(
                s.line,
                "cleanstop = no for one virtual: lvsctl's flush_on_stop is for the whole file",
            );
        }
    }
    // The check.
    let service = match v.get("service") {
        Some(s) => {
            let name = s.value.split_whitespace().next().unwrap_or("");
            if !SERVICES.contains(&name) {
                return Err(cx.err(s.line, format!("service must be one of {}", SERVICES.join(", "))));
            }
            name.to_string()
        }
        None if fwmark => "none".to_string(),
        None => port_service(port).to_string(),
    };
    let checktype = match v.get("checktype") {
        Some(s) => {
            let w = s.value.split_whitespace().next().unwrap_or("");
            if w.bytes().all(|b| b.is_ascii_digit()) && !w.is_empty() {
                cx.note(
                    s.line,
                    format!("checktype = {w} ({w} connects, then one negotiate): lvsctl runs the negotiate check every time"),
                );
                "negotiate".to_string()
            } else if matches!(
                w,
                "connect" | "negotiate" | "ping" | "off" | "on" | "external" | "external-perl"
            ) {
                w.to_string()
            } else {
                return Err(cx.err(s.line, "checktype must be \"connect\", \"negotiate\", \"on\", \"off\", \"ping\", \"external\", \"external-perl\" or a positive number"));
            }
        }
        None => "negotiate".to_string(),
    };
    let vtimeout = |k: &str| -> Result<Option<u64>, ImportError> {
        match v.get(k) {
            Some(s) => cx.positive(s).map(Some),
            None => Ok(None),
        }
    };
    let v_check = vtimeout("checktimeout")?;
    let v_neg = vtimeout("negotiatetimeout")?;
    // ldirectord's ld_setup: each the other's default, then the globals.
    let checktimeout = v_check
        .or(v_neg)
        .or(g.checktimeout)
        .or(g.negotiatetimeout)
        .unwrap_or(DEFAULT_CHECKTIMEOUT);
    let negotiatetimeout = v_neg
        .or(v_check)
        .or(g.negotiatetimeout)
        .or(g.checktimeout)
        .unwrap_or(DEFAULT_NEGOTIATETIMEOUT);
    let failurecount = match v.get("failurecount") {
        Some(s) => cx.positive(s)?.min(1000),
        None => g.failurecount,
    };
    let mut interval = g.checkinterval;
    if let Some(s) = v.get("checkinterval") {
        let n = cx.positive(s)?;
        if g.fork {
            interval = n;
        } else {
            cx.note(s.line, "checkinterval in a virtual: ldirectord ignores it with fork = no, and so does this conversion");
        }
    }
    if !g.fork {
        // Not a difference in meaning worth a note per virtual: with fork =
        // no ldirectord runs the checks one after another, then sleeps.
    }
    for k in ["checkcount"] {
        if let Some(s) = v.get(k) {
            cx.note(s.line, "checkcount (deprecated in ldirectord): not converted");
        }
    }
    for (k, why) in [(
        "connecttimeout",
        "deprecated: ldirectord refuses it (negotiatetimeout)",
    )] {
        if let Some(s) = v.get(k) {
            return Err(cx.err(s.line, format!("{k} is {why}")));
        }
    }
    let request = match v.get("request") {
        Some(s) => {
            let mut r = quoted(cx, s)?;
            if !r.starts_with('/') {
                r = format!("/{r}");
            }
            Some((r, s.line))
        }
        None => None,
    };
    let receive = match v.get("receive") {
        Some(s) => Some((quoted(cx, s)?, s.line)),
        None => None,
    };
    let httpmethod = match v.get("httpmethod") {
        Some(s) => {
            let m = s.value.to_ascii_uppercase();
            if m != "GET" && m != "HEAD" {
                return Err(cx.err(s.line, "httpmethod must be GET or HEAD"));
            }
            m
        }
        None => "GET".to_string(),
    };
    let virtualhost = v
        .get("virtualhost")
        .map(|s| s.value.trim_matches('"').to_string());
    let checkport = match v.get("checkport") {
        Some(s) => {
            let p: u32 = s
                .value
                .trim()
                .parse()
                .map_err(|_| cx.err(s.line, "invalid port"))?;
            if !(1..65536).contains(&p) {
                return Err(cx.err(s.line, "checkport must be in range 1..65536"));
            }
            Some(p as u16)
        }
        None => None,
    };
    for k in ["login", "passwd", "database", "secret", "load"] {
        if let Some(s) = v.get(k) {
            cx.note(
                s.line,
                format!("{k}: not converted; lvsctl's checks do not log in to {service}"),
            );
        }
    }
    for k in ["emailalert", "emailalertfreq", "emailalertstatus", "smtp"] {
        if let Some(s) = v.get(k) {
            cx.note(s.line, format!("{k}: not converted; lvsctl sends no mail"));
        }
    }
    for (k, why) in [
        (
            "fallbackcommand",
            "lvsctl runs quorum_up / quorum_down hooks (set them by hand)",
        ),
        ("monitorfile", "the daemon logs every change of a server's state"),
        ("servicename", "a label only"),
        ("comment", "a label only"),
    ] {
        if let Some(s) = v.get(k) {
            cx.note(s.line, format!("{k}: not converted: {why}"));
        }
    }
    let known = [
        "real",
        "real6",
        "request",
        "receive",
        "checktype",
        "checkcommand",
        "checktimeout",
        "connecttimeout",
        "negotiatetimeout",
        "checkcount",
        "failurecount",
        "checkinterval",
        "checkport",
        "login",
        "passwd",
        "database",
        "secret",
        "load",
        "scheduler",
        "persistent",
        "schedflags",
        "netmask",
        "protocol",
        "ops",
        "service",
        "httpmethod",
        "virtualhost",
        "fallback",
        "fallback6",
        "fallbackcommand",
        "quiescent",
        "emailalert",
        "emailalertfreq",
        "emailalertstatus",
        "monitorfile",
        "cleanstop",
        "smtp",
        "servicename",
        "comment",
    ];
    for s in &v.settings {
        if !known.contains(&s.key.as_str()) {
            return Err(cx.err(
                s.line,
                format!(
                    "unknown setting `{}` in the virtual (ldirectord refuses it too)",
                    s.key
                ),
            ));
        }
        let wrong = (v.v6 && (s.key == "real" || s.key == "fallback"))
            || (!v.v6 && (s.key == "real6" || s.key == "fallback6"));
        if wrong {
            let want = if v.v6 {
                format!("{}6", s.key)
            } else {
                s.key.trim_end_matches('6').to_string()
            };
            return Err(cx.err(
                s.line,
                format!("cannot specify \"{}\" here. please use \"{want}\" instead", s.key),
            ));
        }
    }
    let check_base = CheckBase {
        kind: &checktype,
        service: &service,
        udp: protocol == "udp",
        interval,
        checktimeout,
        negotiatetimeout,
        failurecount,
        httpmethod: &httpmethod,
        virtualhost: virtualhost.as_deref(),
        checkport,
        checkcommand: v
            .get("checkcommand")
            .map(|s| s.value.trim_matches('"').to_string()),
        command_line: v.get("checkcommand").map_or(v.line, |s| s.line),
        vip: match addr {
            Some(a) => a.to_string(),
            None => spec.to_string(),
        },
        vport: port,
        line: v.get("checktype").map_or(v.line, |s| s.line),
    };
    let mut notes_done = false;
    // Real servers.
    let mut servers: Vec<(IpAddr, u16, usize)> = Vec::new();
    for s in v.settings.iter().filter(|s| s.key == "real" || s.key == "real6") {
        for (dt, a, p) in real_servers(
            cx,
            s,
            v.v6,
            port,
            fwmark,
            &check_base,
            request.as_ref(),
            receive.as_ref(),
            &mut notes_done,
        )? {
            if let Some((_, _, first)) = servers.iter().find(|(x, y, _)| *x == a && *y == p) {
                let first = *first;
                return Err(cx.err(
                    s.line,
                    format!(
                        "real server {a} is listed twice (first on line {first}): ipvsadm's second -a fails"
                    ),
                ));
            }
            servers.push((a, p, s.line));
            t.child(dt);
        }
    }
    // The sorry server.
    let own = v
        .get(if v.v6 { "fallback6" } else { "fallback" })
        .map(|s| (s.value.clone(), s.line));
    let global = if v.v6 {
        g.fallback6.clone()
    } else {
        g.fallback.clone()
    };
    // ldirectord keeps the global fallback per protocol, tcp and udp: a
    // firewall mark finds none (its fallback_find builds one without a
    // server).
    let fb = match (own, global) {
        (Some(f), _) => Some(f),
        (None, Some((_, line))) if fwmark => {
            cx.note(
                v.line,
                format!(
                    "the global fallback (line {line}) does not apply to a firewall-mark virtual in ldirectord: no sorry server"
                ),
            );
            None
        }
        (None, g) => g,
    };
    // checktype = off adds no fallback either.
    let fb = fb.filter(|_| checktype != "off");
    if let Some((text, line)) = fb {
        let mut words = text.split_whitespace();
        let hp = words.next().unwrap_or("");
        let fwd = match words.next() {
            Some(m) => forward(m).ok_or_else(|| cx.err(line, "forward method must be gate, masq or ipip"))?,
            None => "route",
        };
        let (h, p) = host_port(hp);
        let a = cx.host(line, &h, v.v6)?;
        let proto = if protocol == "udp" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        };
        let p = match p {
            Some(p) => cx.port(line, &p, proto)?,
            None => port,
        };
        let mut pairs = vec![("address".to_string(), Value::Str(a.to_string()))];
        if p != 0 {
            pairs.push(("port".to_string(), Value::from(p)));
        }
        pairs.push(("forward".to_string(), Value::from(fwd)));
        t.set("sorry_server", Value::Inline(pairs));
    }
    Ok(Some(t))
}

/// ldirectord's service for a port (`ld_port_to_service`).
fn port_service(port: u16) -> &'static str {
    match port {
        21 => "ftp",
        25 => "smtp",
        53 => "dns",
        80 => "http",
        110 => "pop",
        119 => "nntp",
        143 => "imap",
        389 => "ldap",
        443 => "https",
        587 => "submission",
        636 => "ldaps",
        995 => "pops",
        993 => "imaps",
        1812 => "radius",
        3306 => "mysql",
        5060 => "sip",
        5432 => "pgsql",
        1521 => "oracle",
        _ => "none",
    }
}

/// `request = "..."` / `receive = "..."`: the text between the quotes.
fn quoted(cx: &Cx<'_>, s: &Setting) -> Result<String, ImportError> {
    let v = s.value.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.rfind('"').map(|end| &x[..end]));
    match inner {
        Some(x) if !x.is_empty() => Ok(x.to_string()),
        _ => Err(cx.err(
            s.line,
            format!("{} needs a quoted string: {} = \"...\"", s.key, s.key),
        )),
    }
}

/// What every real server's check of a virtual shares.
struct CheckBase<'a> {
    kind: &'a str,
    service: &'a str,
    udp: bool,
    interval: u64,
    checktimeout: u64,
    negotiatetimeout: u64,
    failurecount: u64,
    httpmethod: &'a str,
    virtualhost: Option<&'a str>,
    checkport: Option<u16>,
    checkcommand: Option<String>,
    command_line: usize,
    vip: String,
    vport: u16,
    line: usize,
}

/// The check of one real server (none: static or switched off).
fn check_for(
    cx: &mut Cx<'_>,
    b: &CheckBase<'_>,
    request: Option<&(String, usize)>,
    receive: Option<&(String, usize)>,
    rport: u16,
    noted: &mut bool,
) -> Result<Option<Value>, ImportError> {
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let mut timeout = b.checktimeout;
    let note = |cx: &mut Cx<'_>, line: usize, m: String| {
        if !*noted {
            cx.note(line, m);
        }
    };
    match b.kind {
        "on" | "off" => return Ok(None),
        "external-perl" => {
            note(cx, b.line, "checktype = external-perl: not converted (a Perl script run inside ldirectord); the servers are static here".into());
            *noted = true;
            return Ok(None);
        }
        "connect" if b.udp => pairs.push(("type".into(), Value::from("ping"))),
        "connect" => pairs.push(("type".into(), Value::from("tcp"))),
        "ping" => pairs.push(("type".into(), Value::from("ping"))),
        "external" => {
            let cmd = b.checkcommand.clone().unwrap_or_else(|| "/bin/true".to_string());
            let mut argv: Vec<String> = cmd.split_whitespace().map(String::from).collect();
            if argv.is_empty() {
                argv.push("/bin/true".into());
            }
            if argv.len() > 1 {
                note(
                    cx,
                    b.command_line,
                    format!(
                        "checkcommand {cmd:?}: ldirectord execs it as one file name (no shell, no arguments); \
                         written split on blanks"
                    ),
                );
            }
            argv.extend([
                b.vip.clone(),
                b.vport.to_string(),
                "%h".to_string(),
                "%p".to_string(),
            ]);
            pairs.push(("type".into(), Value::from("command")));
            pairs.push(("argv".into(), Value::from(argv)));
        }
        _ => {
            // negotiate
            timeout = b.negotiatetimeout;
            match b.service {
                "none" => return Ok(None),
                "http" | "https" | "http_proxy" => {
                    if b.service == "http_proxy" {
                        note(
                            cx,
                            b.line,
                            "service = http_proxy: converted as an http check of the server itself".into(),
                        );
                    }
                    let ty = if b.service == "https" { "https" } else { "http" };
                    pairs.push(("type".into(), Value::from(ty)));
                    if b.httpmethod != "GET" {
                        pairs.push(("method".into(), Value::from(b.httpmethod)));
                    }
                    let path = match request {
                        Some((r, _)) if r.starts_with('/') => r.clone(),
                        Some((r, _)) => format!("/{r}"),
                        None => "/".to_string(),
                    };
                    if path.contains("://") || !path.bytes().all(|c| c.is_ascii_graphic()) {
                        let line = request.map_or(b.line, |x| x.1);
                        return Err(cx.err(
                            line,
                            format!("request {path:?}: lvsctl's http check takes a path on the server"),
                        ));
                    }
                    pairs.push(("path".into(), Value::Str(path)));
                    if let Some(h) = b.virtualhost {
                        pairs.push(("host".into(), Value::from(h)));
                    }
                    if let Some((r, line)) = receive {
                        if crate::daemon::check::matcher::compile(r).is_err() {
                            return Err(cx.err(
                                *line,
                                format!("receive {r:?} is not a regex lvsctl's engine takes"),
                            ));
                        }
                        pairs.push(("expect".into(), Value::Str(r.clone())));
                    }
                    if ty == "https" {
                        pairs.push(("insecure".into(), Value::Bool(true)));
                    }
                }
                "dns" => {
                    pairs.push(("type".into(), Value::from("dns")));
                    let name = request
                        .map(|(r, _)| r.trim_start_matches('/').to_string())
                        .unwrap_or_default();
                    if !name.is_empty() {
                        pairs.push(("name".into(), Value::Str(name)));
                        pairs.push(("query_type".into(), Value::from("A")));
                    }
                    if let Some((_, line)) = receive {
                        note(
                            cx,
                            *line,
                            "receive on a dns check: lvsctl checks the answer's rcode, not its records"
                                .into(),
                        );
                    }
                }
                "simpletcp" => {
                    pairs.push(("type".into(), Value::from("send-expect")));
                    let send = request
                        .map(|(r, _)| r.strip_prefix('/').unwrap_or(r).replace("\\n", "\n"))
                        .unwrap_or_default();
                    pairs.push(("send".into(), Value::Str(escape_for_send(&send))));
                    if let Some((r, line)) = receive {
                        if crate::daemon::check::matcher::compile(r).is_err() {
                            return Err(cx.err(
                                *line,
                                format!("receive {r:?} is not a regex lvsctl's engine takes"),
                            ));
                        }
                        pairs.push(("expect".into(), Value::Str(r.clone())));
                    }
                }
                other => {
                    note(
                        cx,
                        b.line,
                        format!("service = {other}: lvsctl has no {other} negotiation; a tcp connect check instead"),
                    );
                    pairs.push(("type".into(), Value::from(if b.udp { "ping" } else { "tcp" })));
                }
            }
        }
    }
    if let Some(p) = b.checkport {
        pairs.push(("connect_port".into(), Value::from(p)));
    } else if rport == 0
        && !matches!(b.kind, "ping" | "external")
        && pairs
            .iter()
            .any(|(_, v)| !matches!(v, Value::Str(s) if s == "ping"))
    {
        // ldirectord checks the virtual's port when the server has none.
        if b.vport != 0 {
            pairs.push(("connect_port".into(), Value::from(b.vport)));
        }
    }
    let mut t = timeout;
    if t > b.interval {
        note(
            cx,
            b.line,
            format!(
                "the check's timeout {timeout}s is longer than checkinterval {}s; lvsctl starts no probe before the last \
                 ends: timeout = {}s",
                b.interval, b.interval
            ),
        );
        t = b.interval;
    }
    pairs.push(("interval".into(), Value::Str(format!("{}s", b.interval))));
    pairs.push(("timeout".into(), Value::Str(format!("{t}s"))));
    pairs.push(("fall".into(), Value::Int(b.failurecount as i64)));
    pairs.push(("rise".into(), Value::Int(1)));
    *noted = true;
    Ok(Some(Value::Inline(pairs)))
}

/// A string for the daemon's escape-processed `send`.
fn escape_for_send(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// One `real=` line: one real server, or one per address of a range.
#[allow(clippy::too_many_arguments)]
fn real_servers(
    cx: &mut Cx<'_>,
    s: &Setting,
    v6: bool,
    vport: u16,
    fwmark: bool,
    b: &CheckBase<'_>,
    request: Option<&(String, usize)>,
    receive: Option<&(String, usize)>,
    noted: &mut bool,
) -> Result<Vec<(Table, IpAddr, u16)>, ImportError> {
    let line = s.line;
    let mut rest = s.value.trim();
    let first = rest.split_whitespace().next().unwrap_or("");
    rest = rest[first.len()..].trim_start();
    let (range, port): ((String, Option<String>), Option<String>) = if first.contains("->") {
        host_port_range(first)
    } else {
        let (h, p) = host_port(first);
        ((h, None), p)
    };
    let mut words = rest.split_whitespace();
    let method = words.next().unwrap_or("");
    let Some(fwd) = forward(method) else {
        return Err(cx.err(line, "forward method must be gate, masq or ipip"));
    };
    let mut after = rest[method.len()..].to_string();
    let mut weight: i64 = 1;
    let t = after.trim_start().to_string();
    let wd: String = t.chars().take_while(char::is_ascii_digit).collect();
    if !wd.is_empty() && t[wd.len()..].chars().next().is_none_or(char::is_whitespace) {
        weight = wd
            .parse::<i64>()
            .ok()
            .filter(|w| *w <= i64::from(i32::MAX))
            .ok_or_else(|| cx.err(line, "weight is 0 to 2147483647"))?;
        after = t[wd.len()..].to_string();
    }
    let mut req = request.cloned();
    let mut rec = receive.cloned();
    let t = after.trim_start().to_string();
    if t.starts_with('"') {
        // "request", "receive"
        let parts: Vec<&str> = t.split('"').collect();
        if parts.len() < 5 || !(parts[2].trim() == "," || parts[2].trim().is_empty()) {
            return Err(cx.err(line, "a real server's check strings are \"request\", \"receive\""));
        }
        let mut r = parts[1].to_string();
        if !r.starts_with('/') {
            r = format!("/{r}");
        }
        req = Some((r, line));
        rec = Some((parts[3].to_string(), line))
            .filter(|x| !x.0.is_empty())
            .or(None);
        after = parts[4..].join("\"");
    }
    let mut l = None;
    let mut u = None;
    for w in after.split_whitespace() {
        if let Some(n) = w.strip_prefix("l:") {
            l = Some(
                n.parse::<u32>()
                    .map_err(|_| cx.err(line, format!("invalid threshold {w:?}")))?,
            );
        } else if let Some(n) = w.strip_prefix("u:") {
            u = Some(
                n.parse::<u32>()
                    .map_err(|_| cx.err(line, format!("invalid threshold {w:?}")))?,
            );
        } else {
            return Err(cx.err(line, format!("Invalid real server line, around {w:?}")));
        }
    }
    if let (Some(l), u) = (l, u.unwrap_or(0)) {
        if l > u {
            return Err(cx.err(
                line,
                format!("l:{l} is above u:{u}: the kernel refuses that real server"),
            ));
        }
    }
    let proto = if b.udp { Protocol::Udp } else { Protocol::Tcp };
    let port = match port {
        Some(p) => cx.port(line, &p, proto)?,
        None => 0,
    };
    // Without a port ipvsadm gives an address service's real server the
    // service's port.
    let port = if port == 0 && !fwmark { vport } else { port };
    let addrs = match range {
        (a, None) => vec![cx.host(line, &a, v6)?],
        (a, Some(z)) => {
            let a = cx.host(line, &a, v6)?;
            let z = cx.host(line, &z, v6)?;
            expand(cx, line, a, z)?
        }
    };
    let check = check_for(cx, b, req.as_ref(), rec.as_ref(), port, noted)?;
    let mut out = Vec::new();
    for a in addrs {
        let mut t = Table::element("services.destinations");
        t.comment(format!(
            "{}:{} real{}={}",
            cx.file,
            line,
            if v6 { "6" } else { "" },
            s.value
        ));
        t.set("address", a.to_string());
        if port != 0 {
            t.set("port", port);
        }
        t.set("forward", fwd);
        t.set("weight", Value::Int(weight));
        if let Some(u) = u {
            t.set("u_threshold", Value::Int(i64::from(u)));
        }
        if let Some(l) = l {
            t.set("l_threshold", Value::Int(i64::from(l)));
        }
        if b.kind == "off" {
            t.set("enabled", false);
        }
        if let Some(c) = &check {
            t.set("check", c.clone());
        }
        out.push((t, a, port));
    }
    Ok(out)
}

/// `A->B[:PORT]`: the two ends and the port.
fn host_port_range(s: &str) -> ((String, Option<String>), Option<String>) {
    let (a, rest) = s.split_once("->").unwrap_or((s, ""));
    let (z, port) = host_port(rest);
    ((a.to_string(), Some(z)), port)
}

/// The addresses from `a` to `z`, at most 65536.
fn expand(cx: &Cx<'_>, line: usize, a: IpAddr, z: IpAddr) -> Result<Vec<IpAddr>, ImportError> {
    let (lo, hi): (u128, u128) = match (a, z) {
        (IpAddr::V4(x), IpAddr::V4(y)) => (u32::from(x).into(), u32::from(y).into()),
        (IpAddr::V6(x), IpAddr::V6(y)) => (u128::from(x), u128::from(y)),
        _ => return Err(cx.err(line, "a range's ends are of different families")),
    };
    if lo > hi {
        return Err(cx.err(
            line,
            format!("Invalid Range: {a}-{z}: the first must not be above the second"),
        ));
    }
    if hi - lo >= 65_536 {
        return Err(cx.err(line, format!("the range {a}-{z} has more than 65536 addresses")));
    }
    Ok((lo..=hi)
        .map(|n| match a {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(n as u32)),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(n)),
        })
        .collect())
}

#[cfg(test)]
mod tests;
