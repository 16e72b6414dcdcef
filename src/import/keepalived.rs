//! keepalived's `keepalived.conf` (2.2.7): its VRRP instances, virtual
//! servers and checkers.
//!
//! # How keepalived reads it, and so how this reader does
//!
//! The syntax is in [`parse`]: words, `{ }` blocks anywhere on a line,
//! `#`/`!` comments, `\` continuations and `include` globs relative to
//! the including file. keepalived logs an unknown keyword and goes on,
//! so an unknown keyword here is a note (exit 3), not an error; a value
//! keepalived would refuse (an address that is not one, a number out of
//! range) is an error with its line (exit 2), since the object it belongs
//! to would be missing from keepalived's table too and guessing would
//! hide that.
//!
//! # What it becomes
//!
//! * Each `virtual_server` is a service; `virtual_server group NAME`
//!   is one service per member of the group (an address range is one per
//!   address), with the same real servers and checks (lvsctl probes each
//!   server once however many services list it, as keepalived's group
//!   does).
//! * Checks run as keepalived's do: every `delay_loop` (the checker's,
//!   else the real server's, else the virtual server's; default 60 s),
//!   `connect_timeout` as the timeout (default 5 s), down after `retry` +
//!   1 failures in a row, the retries `delay_before_retry` apart
//!   (`retry_interval`), up after one success. A real server with several
//!   checkers is up only while all pass, which is lvsctl's rule for a list
//!   of checks. Checks every real server of a virtual server has alike are
//!   written once, as the service's.
//! * `inhibit_on_failure` is `on_failure = "quiesce"` (weight 0), and
//!   without it `"remove"`, keepalived's default.
//! * VRRP instances keep their names, VRIDs, priorities, intervals,
//!   versions (`vrrp_version`, default 2), VIPs with device and label,
//!   unicast peers, authentication, tracked interfaces, `notify` and the
//!   GARP schedule; `lvs_sync_daemon` follows its instance.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use parse::{fs_includes, glob_match, Includes};
use parse::{Stmt, Tree};

use super::toml_out::{inline, Doc, Table, Value};
use super::{ImportError, Note, Options};

/// keepalived's `delay_loop` default, seconds.
const DELAY_LOOP: u64 = 60;
/// `connect_timeout`'s default, seconds.
const CONNECT_TIMEOUT_MS: u64 = 5_000;
/// `persistence_timeout` written without a value, seconds.
const PERSISTENCE_DEFAULT: u64 = 360;
/// The longest time written in seconds (a month, as `apply` takes).
const MAX_SECONDS: u64 = 86_400 * 31;

/// What the conversion keeps while it runs.
struct Cx<'a> {
    files: &'a [String],
    notes: Vec<Note>,
}

impl Cx<'_> {
    fn file(&self, s: &Stmt) -> &str {
        self.files.get(s.file).map(String::as_str).unwrap_or("")
    }
    fn at(&self, s: &Stmt) -> String {
        format!("{}:{}", self.file(s), s.line)
    }
    fn note(&mut self, s: &Stmt, message: impl Into<String>) {
        let file = self.file(s).to_string();
        self.notes.push(Note {
            file,
            line: s.line,
            message: message.into(),
        });
    }
    fn err(&self, s: &Stmt, message: impl Into<String>) -> ImportError {
        ImportError::parse(self.file(s), s.line, message)
    }
    fn unknown(&mut self, s: &Stmt, within: &str) {
        let k = s.key().to_string();
        let block = if s.block.is_some() {
            " (keepalived 2.2.7 reads an unknown keyword's block as part of the enclosing one, and its `}` \
             closes that: check the file with `keepalived -t`)"
        } else {
            ""
        };
        self.note(
            s,
            format!("`{k}` is not a keyword of {within} that lvsctl knows: not converted{block}"),
        );
    }
    fn unconverted(&mut self, s: &Stmt, why: &str) {
        let k = s.key().to_string();
        self.note(s, format!("`{k}`: not converted: {why}"));
    }

    /// The one argument of `s`.
    fn one<'s>(&self, s: &'s Stmt) -> Result<&'s str, ImportError> {
        match s.args() {
            [v] => Ok(v.as_str()),
            [] => Err(self.err(s, format!("`{}` needs a value", s.key()))),
            _ => Err(self.err(s, format!("`{}` takes one value", s.key()))),
        }
    }

    fn num(&self, s: &Stmt, v: &str, max: u64) -> Result<u64, ImportError> {
        match v.parse::<u64>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(self.err(s, format!("`{}`: {v:?} is not a number from 0 to {max}", s.key()))),
        }
    }

    fn int(&self, s: &Stmt, max: u64) -> Result<u64, ImportError> {
        let v = self.one(s)?;
        self.num(s, v, max)
    }

    /// Seconds, fractions allowed (keepalived reads most timers as
    /// doubles), as milliseconds.
    fn secs_ms(&self, s: &Stmt, v: &str) -> Result<u64, ImportError> {
        let bad = || self.err(s, format!("`{}`: {v:?} is not a number of seconds", s.key()));
        let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let w: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        if w > MAX_SECONDS {
            return Err(self.err(s, format!("`{}`: {v} s is more than {MAX_SECONDS} s", s.key())));
        }
        let mut ms = w * 1000;
        let f: String = frac.chars().chain("000".chars()).take(3).collect();
        ms += f.parse::<u64>().map_err(|_| bad())?;
        Ok(ms)
    }

    fn secs(&self, s: &Stmt) -> Result<u64, ImportError> {
        let v = self.one(s)?;
        self.secs_ms(s, v)
    }

    fn ip(&self, s: &Stmt, v: &str) -> Result<IpAddr, ImportError> {
        v.parse()
            .map_err(|_| self.err(s, format!("`{}`: {v:?} is not an IP address", s.key())))
    }

    /// A host's address: not unspecified, multicast or broadcast.
    fn host(&self, s: &Stmt, v: &str) -> Result<IpAddr, ImportError> {
        let a = self.ip(s, v)?;
        let bad = match a {
            IpAddr::V4(x) => x.is_unspecified() || x.is_multicast() || x.is_broadcast(),
            IpAddr::V6(x) => x.is_unspecified() || x.is_multicast(),
        };
        if bad {
            return Err(self.err(s, format!("`{}`: {a} is not a host's address", s.key())));
        }
        Ok(a)
    }

    fn port(&self, s: &Stmt, v: &str) -> Result<u16, ImportError> {
        match v.parse::<u16>() {
            Ok(p) => Ok(p),
            Err(_) => Err(self.err(s, format!("`{}`: {v:?} is not a port (0 to 65535)", s.key()))),
        }
    }
}

/// Sets `pair`'s key in an inline table's pairs, replacing an earlier
/// value in its place (a keyword given twice: the last wins, as in
/// keepalived).
fn put(pairs: &mut Vec<(String, Value)>, pair: (String, Value)) {
    match pairs.iter_mut().find(|(k, _)| *k == pair.0) {
        Some(slot) => slot.1 = pair.1,
        None => pairs.push(pair),
    }
}

/// A duration as the daemon file writes it.
fn dur(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A command line as keepalived splits a script: on blanks, `'...'` and
/// `"..."` quoting, `\` escaping the next character (no shell).
fn argv(line: &str) -> Vec<String> {
    split_quoted(line, false)
}

/// Words as keepalived's second split reads a script line: the same, and
/// `\n`, `\t` stand for a newline and a tab.
fn quoted_words(line: &str) -> Vec<String> {
    split_quoted(line, true)
}

fn split_quoted(line: &str, escapes: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(match n {
                        'n' if escapes => '\n',
                        't' if escapes => '\t',
                        n => n,
                    });
                    have = true;
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                have = true;
            }
            (None, ' ' | '\t') => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            (None, c) => {
                cur.push(c);
                have = true;
            }
        }
    }
    if have {
        out.push(cur);
    }
    out
}

/// A script keyword's command: its first word (quoted when it has
/// arguments) split as keepalived splits it; words after it name the user
/// (and group) keepalived runs it as.
fn script(cx: &mut Cx<'_>, s: &Stmt) -> Result<Vec<String>, ImportError> {
    // keepalived splits the line again with both quotes and escapes: the
    // first word is the command line, the rest its user and group.
    let raw = s.raw.strip_prefix(s.key()).unwrap_or(&s.raw);
    let words = quoted_words(raw);
    let Some(first) = words.first() else {
        return Err(cx.err(s, format!("`{}` needs a program", s.key())));
    };
    let v = argv(first);
    if v.first().is_none_or(|p| p.is_empty()) {
        return Err(cx.err(s, format!("`{}` needs a program", s.key())));
    }
    if words.len() > 1 {
        let who = words[1..].join(" ");
        cx.note(
            s,
            format!(
                "`{}`: keepalived runs it as {who}; lvsctl runs hooks as the [daemon] user (arguments belong inside the quotes)",
                s.key()
            ),
        );
    }
    Ok(v)
}

/// Refuses, at `at`'s line, what lvsctl's daemon would refuse in
/// `tables` (an interface name the kernel cannot have, a VRID taken,
/// a value out of lvsctl's range): keepalived may log and skip such an
/// object, and a converter that wrote it would only move the error to
/// `lvsctl daemon`.
fn loads(cx: &Cx<'_>, at: &Stmt, tables: &[Table]) -> Result<(), ImportError> {
    let mut d = Doc::default();
    for t in tables {
        d.push(t.clone());
    }
    crate::daemon::config::parse("(converted)", &d.render())
        .map(|_| ())
        .map_err(|e| cx.err(at, format!("lvsctl cannot take this {}: {}", at.key(), e.message)))
}

/// The settings `global_defs` gives the rest.
#[derive(Default)]
struct Globals<'t> {
    /// The (last) global_defs block.
    at: Option<&'t Stmt>,
    version: Option<u8>,
    garp: Garp,
    /// `lvs_sync_daemon IF [INSTANCE] ...`: the table, its instance and
    /// its statement.
    sync_daemon: Option<(Value, Option<String>, Stmt)>,
    user: Option<String>,
    flush_on_stop: bool,
    timeouts: Vec<(&'static str, u64)>,
}

/// A GARP schedule (keepalived's `garp_master_*`), milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Garp {
    delay: Option<u64>,
    repeat: Option<u64>,
    interval: Option<u64>,
    refresh: Option<u64>,
}

impl Garp {
    fn is_empty(&self) -> bool {
        *self == Garp::default()
    }
    fn value(&self) -> Value {
        let mut pairs = Vec::new();
        if let Some(n) = self.repeat {
            put(&mut pairs, ("count".to_string(), Value::Int(n as i64)));
        }
        if let Some(ms) = self.interval {
            put(&mut pairs, ("interval".to_string(), Value::Str(dur(ms))));
        }
        if let Some(ms) = self.delay {
            put(&mut pairs, ("repeat_after".to_string(), Value::Str(dur(ms))));
        }
        if let Some(ms) = self.refresh {
            put(&mut pairs, ("refresh".to_string(), Value::Str(dur(ms))));
        }
        Value::Inline(pairs)
    }
    /// Reads one `*garp*` keyword; false when `s` is not one.
    fn read(&mut self, cx: &mut Cx<'_>, s: &Stmt, prefix: &str) -> Result<bool, ImportError> {
        let Some(k) = s.key().strip_prefix(prefix) else {
            return Ok(false);
        };
        match k {
            // Whole seconds, as keepalived reads them.
            "garp_master_delay" => self.delay = Some(cx.int(s, MAX_SECONDS)? * 1000),
            // keepalived raises 0 to 1.
            "garp_master_repeat" => self.repeat = Some(cx.int(s, 10_000)?.max(1)),
            // Global only (an instance's is keepalived's garp_group).
            "garp_interval" if !prefix.is_empty() => self.interval = Some(cx.secs(s)?),
            "garp_master_refresh" => self.refresh = Some(cx.int(s, MAX_SECONDS)? * 1000),
            "garp_master_refresh_repeat" => {
                if cx.int(s, 10_000)? != 1 {
                    cx.unconverted(s, "lvsctl's refresh sends one announcement per address");
                }
            }
            "garp_lower_prio_delay" | "garp_lower_prio_repeat" => {
                cx.unconverted(s, "lvsctl does not announce again on a lower-priority advert")
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Converts keepalived.conf's `text` (from `file`), reading its includes
/// with `includes`.
pub fn convert(
    file: &str,
    text: &str,
    _opts: &Options,
    includes: &mut Includes<'_>,
) -> Result<(Doc, Vec<Note>), ImportError> {
    let tree: Tree = parse::parse(file, text, includes)?;
    let mut cx = Cx {
        files: &tree.files,
        notes: Vec::new(),
    };
    let mut doc = Doc::default();
    doc.heading(format!(
        "lvsctl daemon file converted by `lvsctl import keepalived` from {file}"
    ));
    doc.heading("run it with `lvsctl daemon --config FILE`.");

    // First the parts others refer to: global_defs and groups.
    let mut g = Globals::default();
    let mut groups: BTreeMap<String, &Stmt> = BTreeMap::new();
    for s in &tree.stmts {
        match s.key() {
            "global_defs" => {
                global_defs(&mut cx, s, &mut g)?;
                g.at = Some(s);
            }
            "virtual_server_group" => {
                let [name] = s.args() else {
                    return Err(cx.err(s, "virtual_server_group takes a name"));
                };
                if groups.insert(name.clone(), s).is_some() {
                    return Err(cx.err(s, format!("virtual_server_group {name:?} is defined twice")));
                }
            }
            _ => {}
        }
    }

    let mut daemon = Table::new("daemon");
    if let Some(u) = &g.user {
        daemon.set("user", u.clone());
    }
    if g.flush_on_stop {
        daemon.set("flush_on_stop", true);
    }
    let mut top = Vec::new();
    if !daemon.is_empty() {
        top.push(daemon);
    }
    if !g.timeouts.is_empty() {
        let mut t = Table::new("timeouts");
        for (k, v) in &g.timeouts {
            t.set(k, Value::Int(*v as i64));
        }
        top.push(t);
    }
    if let Some(at) = g.at {
        loads(&cx, at, &top)?;
    }
    for t in top {
        doc.push(t);
    }

    let mut services: Vec<Table> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut instances: Vec<Table> = Vec::new();
    let mut sync_groups: Vec<Table> = Vec::new();
    let mut instance_names: Vec<String> = Vec::new();
    let mut groups_seen: Vec<&Stmt> = Vec::new();
    for s in &tree.stmts {
        match s.key() {
            "global_defs" | "virtual_server_group" => {}
            "virtual_server" => {
                for t in virtual_server(&mut cx, s, &groups, &mut seen)? {
                    loads(&cx, s, std::slice::from_ref(&t))?;
                    services.push(t);
                }
            }
            "vrrp_instance" => {
                let t = vrrp_instance(&mut cx, s, &g)?;
                let name = s.args().first().cloned().unwrap_or_default();
                if instance_names.contains(&name) {
                    return Err(cx.err(s, format!("vrrp_instance {name} is defined twice")));
                }
                instance_names.push(name);
                instances.push(t);
                // Checked with the ones before it: VRIDs, names and the
                // sync daemon are shared.
                loads(&cx, s, &instances)?;
            }
            "vrrp_sync_group" => groups_seen.push(s),
            "vrrp_script" => cx.unconverted(
                s,
                "lvsctl runs no tracking scripts; track the services (track_services) or interfaces instead",
            ),
            "vrrp_track_file" | "track_file" => {
                cx.unconverted(s, "lvsctl reads no tracking files")
            }
            "static_ipaddress" | "static_routes" | "static_rules" => cx.unconverted(
                s,
                "lvsctl leaves addresses, routes and rules outside VRRP to the system's network configuration",
            ),
            "bfd_instance" => cx.unconverted(s, "lvsctl has no BFD"),
            "linkbeat_interfaces" => cx.unconverted(s, "lvsctl watches links through rtnetlink always"),
            "SSL" => cx.unconverted(
                s,
                "give https checks ca_file (and the client certificate is not supported)",
            ),
            _ => cx.unknown(s, "the top level"),
        }
    }

    // Sync groups name instances anywhere in the file.
    let mut grouped: Vec<String> = Vec::new();
    for s in groups_seen {
        if let Some(t) = sync_group(&mut cx, s, &instance_names, &mut grouped)? {
            sync_groups.push(t);
        }
    }

    // lvs_sync_daemon follows its instance (or the only one).
    if let Some((value, inst, stmt)) = g.sync_daemon.take() {
        let target = match &inst {
            Some(name) => instance_names.iter().position(|n| n == name),
            None if instance_names.len() == 1 => Some(0),
            None => None,
        };
        match target {
            Some(k) => {
                instances[k].set("sync_daemon", value);
            }
            None => {
                let why = match &inst {
                    Some(name) => format!("lvs_sync_daemon names vrrp_instance {name:?}, which the file does not have"),
                    None => "lvs_sync_daemon without an instance (keepalived then runs both a master and a backup \
                             sync daemon): name the instance whose state it follows"
                        .to_string(),
                };
                cx.note(&stmt, format!("{why}: not converted"));
            }
        }
    }
    for t in services {
        doc.push(t);
    }
    for t in instances {
        doc.push(t);
    }
    for t in sync_groups {
        doc.push(t);
    }
    let mut notes = cx.notes;
    notes.sort_by(|a, b| {
        (a.file != tree.files[0], &a.file, a.line).cmp(&(b.file != tree.files[0], &b.file, b.line))
    });
    Ok((doc, notes))
}

fn global_defs(cx: &mut Cx<'_>, g: &Stmt, out: &mut Globals<'_>) -> Result<(), ImportError> {
    for s in g.body() {
        if out.garp.read(cx, s, "vrrp_")? {
            continue;
        }
        match s.key() {
            "router_id" => cx.unconverted(s, "lvsctl names nothing by a router id (it logs the host name)"),
            "vrrp_version" => {
                let v = cx.int(s, 3)?;
                if !(2..=3).contains(&v) {
                    return Err(cx.err(s, "vrrp_version is 2 or 3"));
                }
                out.version = Some(v as u8);
            }
            "lvs_sync_daemon" => {
                let a = s.args();
                let Some(iface) = a.first() else {
                    return Err(cx.err(s, "lvs_sync_daemon needs an interface"));
                };
                let mut pairs = vec![("interface".to_string(), Value::Str(iface.clone()))];
                let mut inst = None;
                let mut bare = 0;
                let mut i = 1;
                while i < a.len() {
                    let k = a[i].as_str();
                    let v = a.get(i + 1);
                    match (k, v) {
                        ("inst", Some(v)) => inst = Some(v.clone()),
                        ("id", Some(v)) => put(&mut pairs, ("syncid".into(), Value::Int(cx.num(s, v, 255)? as i64))),
                        ("maxlen", Some(v)) => put(&mut pairs, ("maxlen".into(), Value::Int(cx.num(s, v, 65_507)? as i64))),
                        ("port", Some(v)) => put(&mut pairs, ("port".into(), Value::Int(i64::from(cx.port(s, v)?)))),
                        ("ttl", Some(v)) => put(&mut pairs, ("ttl".into(), Value::Int(cx.num(s, v, 255)? as i64))),
                        ("group", Some(v)) => put(&mut pairs, ("group".into(), Value::Str(cx.ip(s, v)?.to_string()))),
                        (w, _) if bare < 2 && !matches!(w, "inst" | "id" | "maxlen" | "port" | "ttl" | "group") => {
                            // keepalived's older form: IF [INSTANCE] [SYNCID]
                            if bare == 0 && w.parse::<u64>().is_err() {
                                inst = Some(w.to_string());
                            } else {
                                put(&mut pairs, ("syncid".into(), Value::Int(cx.num(s, w, 255)? as i64)));
                            }
                            bare += 1;
                            i += 1;
                            continue;
                        }
                        (k, _) => return Err(cx.err(s, format!("lvs_sync_daemon: {k:?} without a value, or unknown"))),
                    }
                    i += 2;
                }
                out.sync_daemon = Some((Value::Inline(pairs), inst, s.clone()));
            }
            "lvs_timeouts" => {
                let a = s.args();
                let mut i = 0;
                while i < a.len() {
                    let key = match a[i].as_str() {
                        "tcp" => "tcp",
                        "tcpfin" => "tcp_fin",
                        "udp" => "udp",
                        k => return Err(cx.err(s, format!("lvs_timeouts: {k:?} is not tcp, tcpfin or udp"))),
                    };
                    let Some(v) = a.get(i + 1) else {
                        return Err(cx.err(s, format!("lvs_timeouts: {key} needs seconds")));
                    };
                    let n = cx.num(s, v, MAX_SECONDS)?;
                    out.timeouts.retain(|(k, _)| *k != key);
                    out.timeouts.push((key, n));
                    i += 2;
                }
            }
            "lvs_flush" => cx.unconverted(
                s,
                "the daemon leaves services the file does not list alone; `[daemon] prune = true` removes them (and keeps removing them)",
            ),
            "lvs_flush_on_stop" => {
                if s.args().is_empty() || s.args() == ["VS"] {
                    out.flush_on_stop = true;
                    if s.args().is_empty() {
                        cx.note(
                            s,
                            "lvs_flush_on_stop flushes the whole table in keepalived; flush_on_stop removes the daemon's own services only",
                        );
                    }
                } else {
                    cx.unconverted(s, "only `lvs_flush_on_stop` or `lvs_flush_on_stop VS` (the daemon's own services)");
                }
            }
            "script_user" => {
                let Some(u) = s.args().first() else {
                    return Err(cx.err(s, "script_user needs a user"));
                };
                out.user = Some(u.clone());
                if s.args().len() > 1 {
                    cx.note(s, "script_user's group: the hooks run with the user's own group");
                }
            }
            "enable_script_security" => {}
            "net_namespace" => cx.unconverted(
                s,
                "run the daemon in the namespace (`ip netns exec NAME lvsctl daemon ...`, or lvsctl@NAME.service)",
            ),
            "net_namespace_ipvs" => cx.unconverted(
                s,
                "lvsctl's daemon keeps the IPVS table in its own namespace; run it there (the checks then leave from there too)",
            ),
            "notification_email" | "notification_email_from" | "smtp_server" | "smtp_connect_timeout" | "smtp_helo_name"
            | "smtp_alert" | "smtp_alert_vrrp" | "smtp_alert_checker" | "email_faults" => {
                cx.unconverted(s, "lvsctl sends no mail; use the notify hooks or the metrics")
            }
            "vrrp_mcast_group4" | "vrrp_mcast_group6" => {
                cx.unconverted(s, "lvsctl sends adverts to 224.0.0.18 / ff02::12 (or unicast peers)")
            }
            "vrrp_strict" => cx.unconverted(s, "lvsctl follows the RFC where keepalived's strict mode does; no switch"),
            "vrrp_skip_check_adv_addr" | "vrrp_check_unicast_src" | "vrrp_iptables" | "vrrp_ipsets" | "nftables"
            | "vrrp_no_swap" | "checker_no_swap" | "vrrp_priority" | "checker_priority" | "vrrp_rt_priority"
            | "checker_rt_priority" | "max_auto_priority" | "vrrp_rlimit_rttime" | "checker_rlimit_rttime"
            | "dynamic_interfaces" | "instance" | "use_pid_dir" | "script_security" | "vrrp_higher_prio_send_advert"
            | "lvs_id" | "process_names" | "process_name" | "vrrp_process_name" | "checker_process_name"
            | "bfd_process_name" | "vrrp_notify_fifo" | "notify_fifo" | "lvs_notify_fifo" | "vrrp_startup_delay"
            | "vrrp_netlink_cmd_rcv_bufs" | "vrrp_netlink_monitor_rcv_bufs" | "lvs_netlink_cmd_rcv_bufs"
            | "lvs_netlink_monitor_rcv_bufs" | "vrrp_min_garp" | "umask" | "no_email_faults" | "vrrp_gna_interval" => {
                cx.unconverted(s, "keepalived's own process or firewall setting; lvsctl has no equivalent")
            }
            _ => cx.unknown(s, "global_defs"),
        }
    }
    Ok(())
}

/// Expands a `virtual_server_group` into service keys (protocol set
/// later).
/// A service a `virtual_server` stands for: an address and port, or a
/// firewall mark.
type Member = (Option<(IpAddr, u16)>, Option<u32>);

fn group_members(cx: &mut Cx<'_>, g: &Stmt) -> Result<Vec<Member>, ImportError> {
    let mut out = Vec::new();
    for m in g.body() {
        if m.key() == "fwmark" {
            let v = match m.args() {
                [v] => v.as_str(),
                [v, f] if f == "inet" || f == "inet6" => {
                    if f == "inet6" {
                        cx.note(m, "fwmark member with inet6: written as an IPv4 firewall-mark service unless the real servers are IPv6");
                    }
                    v.as_str()
                }
                _ => return Err(cx.err(m, "a group member `fwmark N [inet|inet6]`")),
            };
            let n = cx.num(m, v, u64::from(u32::MAX))?;
            if n == 0 {
                return Err(cx.err(m, "fwmark must be 1 or more"));
            }
            out.push((None, Some(n as u32)));
            continue;
        }
        let (addr, port) = match m.words.as_slice() {
            [a, p] => (a, cx.port(m, p)?),
            [a] => (a, 0),
            _ => {
                return Err(cx.err(
                    m,
                    "a group member is `ADDRESS [PORT]`, `A.B.C.D-E [PORT]` or `fwmark N`",
                ))
            }
        };
        if addr.contains('/') {
            return Err(cx.err(
                m,
                format!("group member {addr:?}: lvsctl import does not expand ADDRESS/PREFIX members; list the addresses or a range"),
            ));
        }
        if let Some((first, last)) = addr.split_once('-') {
            let a = cx.host(m, first)?;
            let last: u16 = u16::from_str_radix(last, if a.is_ipv6() { 16 } else { 10 })
                .map_err(|_| cx.err(m, format!("range {addr:?}: the end is not a number")))?;
            match a {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    if last > 255 || last < u16::from(o[3]) {
                        return Err(cx.err(
                            m,
                            format!("range {addr:?}: the end is below the start or above 255"),
                        ));
                    }
                    for x in u16::from(o[3])..=last {
                        out.push((
                            Some((IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], x as u8)), port)),
                            None,
                        ));
                    }
                }
                IpAddr::V6(v6) => {
                    let mut seg = v6.segments();
                    if last < seg[7] {
                        return Err(cx.err(m, format!("range {addr:?}: the end is below the start")));
                    }
                    if last - seg[7] >= 256 {
                        return Err(cx.err(
                            m,
                            format!("range {addr:?}: more than 256 addresses, one service each"),
                        ));
                    }
                    for x in seg[7]..=last {
                        seg[7] = x;
                        out.push((Some((IpAddr::V6(Ipv6Addr::from(seg)), port)), None));
                    }
                }
            }
        } else {
            out.push((Some((cx.host(m, addr)?, port)), None));
        }
    }
    Ok(out)
}

/// Timing defaults a level hands down (virtual server → real server →
/// checker), milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Timing {
    delay_loop: Option<u64>,
    connect_timeout: Option<u64>,
    retry: Option<u64>,
    delay_before_retry: Option<u64>,
}

impl Timing {
    /// Reads one timing keyword; false when `s` is not one.
    fn read(&mut self, cx: &mut Cx<'_>, s: &Stmt) -> Result<bool, ImportError> {
        self.read_in(cx, s, false)
    }

    /// [`Timing::read`] in a checker: `http` says whether it is HTTP_GET
    /// or SSL_GET, the only ones that take the old `nb_get_retry`.
    fn read_in(&mut self, cx: &mut Cx<'_>, s: &Stmt, http: bool) -> Result<bool, ImportError> {
        match s.key() {
            "nb_get_retry" if !http => return Ok(false),
            "delay_loop" => {
                let ms = cx.secs(s)?;
                if ms == 0 {
                    return Err(cx.err(s, "delay_loop must be more than 0"));
                }
                self.delay_loop = Some(ms);
            }
            "connect_timeout" => {
                let ms = cx.secs(s)?;
                if ms == 0 {
                    return Err(cx.err(s, "connect_timeout must be more than 0"));
                }
                self.connect_timeout = Some(ms);
            }
            "retry" | "nb_get_retry" => self.retry = Some(cx.int(s, 1_000)?),
            "delay_before_retry" => self.delay_before_retry = Some(cx.secs(s)?),
            "warmup" => cx.unconverted(
                s,
                "lvsctl starts every probe at a random point of its first interval (keepalived's default warmup)",
            ),
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn over(self, base: Timing) -> Timing {
        Timing {
            delay_loop: self.delay_loop.or(base.delay_loop),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            retry: self.retry.or(base.retry),
            delay_before_retry: self.delay_before_retry.or(base.delay_before_retry),
        }
    }
}

/// The service-wide settings real servers inherit.
#[derive(Debug, Clone, Default)]
struct VsDefaults {
    timing: Timing,
    forward: Option<Value>,
    tunnel: Option<Value>,
    inhibit: Option<bool>,
    virtualhost: Option<String>,
    weight: Option<i64>,
    /// The service's port (a real server without one takes it).
    port: u16,
    fwmark: bool,
}

/// `lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`.
fn method(cx: &Cx<'_>, s: &Stmt) -> Result<(Value, Option<Value>), ImportError> {
    let a = s.args();
    let Some(m) = a.first() else {
        return Err(cx.err(s, format!("`{}` needs NAT, DR or TUN", s.key())));
    };
    // As keepalived compares them: capitals only.
    let fwd = match m.as_str() {
        "NAT" => "masq",
        "DR" => "route",
        "TUN" => "tunnel",
        _ => return Err(cx.err(s, format!("`{}` {m:?}: expected NAT, DR or TUN", s.key()))),
    };
    if fwd != "tunnel" {
        if a.len() > 1 {
            return Err(cx.err(s, format!("`{}` {m}: takes no options", s.key())));
        }
        return Ok((Value::from(fwd), None));
    }
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let mut i = 1;
    while i < a.len() {
        match a[i].as_str() {
            "type" => {
                let Some(t) = a.get(i + 1) else {
                    return Err(cx.err(s, "`type` needs ipip, gue or gre"));
                };
                match t.as_str() {
                    "ipip" | "gre" => put(&mut pairs, ("type".into(), Value::from(t.as_str()))),
                    "gue" => {
                        put(&mut pairs, ("type".into(), Value::from("gue")));
                        if a.get(i + 2).map(String::as_str) != Some("port") {
                            return Err(cx.err(s, "a gue tunnel needs `port N`"));
                        }
                        let Some(p) = a.get(i + 3) else {
                            return Err(cx.err(s, "a gue tunnel needs `port N`"));
                        };
                        let p = cx.port(s, p)?;
                        if p == 0 {
                            return Err(cx.err(s, "a gue tunnel's port is 1 to 65535"));
                        }
                        put(&mut pairs, ("port".into(), Value::from(p)));
                        i += 2;
                    }
                    other => {
                        return Err(cx.err(s, format!("tunnel type {other:?}: expected ipip, gue or gre")))
                    }
                }
                i += 2;
            }
            c @ ("nocsum" | "csum" | "remcsum") => {
                put(&mut pairs, ("csum".into(), Value::from(c)));
                i += 1;
            }
            other => return Err(cx.err(s, format!("`{}` TUN: unknown option {other:?}", s.key()))),
        }
    }
    let tunnel = (!pairs.is_empty()).then_some(Value::Inline(pairs));
    Ok((Value::from("tunnel"), tunnel))
}

fn virtual_server(
    cx: &mut Cx<'_>,
    vs: &Stmt,
    groups: &BTreeMap<String, &Stmt>,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<Table>, ImportError> {
    // Which services.
    let members: Vec<Member> = match vs.args() {
        [f, m] if f == "fwmark" => {
            let n = cx.num(vs, m, u64::from(u32::MAX))?;
            if n == 0 {
                return Err(cx.err(vs, "fwmark must be 1 or more"));
            }
            vec![(None, Some(n as u32))]
        }
        [g, name] if g == "group" => match groups.get(name) {
            Some(gs) => {
                let m = group_members(cx, gs)?;
                if m.is_empty() {
                    cx.note(
                        vs,
                        format!("virtual_server_group {name:?} has no members: nothing converted"),
                    );
                }
                m
            }
            None => {
                return Err(cx.err(
                    vs,
                    format!("virtual_server group {name:?}: no such virtual_server_group"),
                ))
            }
        },
        [addr, port] => vec![(Some((cx.host(vs, addr)?, cx.port(vs, port)?)), None)],
        [addr] => vec![(Some((cx.host(vs, addr)?, 0)), None)],
        _ => {
            return Err(cx.err(
                vs,
                "virtual_server takes `ADDRESS PORT`, `fwmark N` or `group NAME`",
            ))
        }
    };

    let t = Table::element("services");
    let mut d = VsDefaults::default();
    let mut protocol: Option<&'static str> = None;
    let mut family: Option<&'static str> = None;
    let mut real: Vec<&Stmt> = Vec::new();
    let mut sorry: Option<(IpAddr, u16, &Stmt)> = None;
    let mut sorry_method: Option<Value> = None;
    let mut sorry_inhibit = false;
    let mut alpha = false;
    let mut sched: Option<String> = None;
    let mut flags: Vec<(String, &Stmt)> = Vec::new();
    let mut persistence: Option<(u64, &Stmt)> = None;
    let mut granularity: Option<(&str, &Stmt)> = None;
    let mut keys: Vec<(&str, Value)> = Vec::new();
    let mut ops: Option<&Stmt> = None;
    for s in vs.body() {
        if d.timing.read(cx, s)? {
            continue;
        }
        match s.key() {
            "lvs_sched" | "lb_algo" => sched = Some(cx.one(s)?.to_string()),
            "lvs_method" | "lb_kind" => {
                let (f, tun) = method(cx, s)?;
                d.forward = Some(f);
                d.tunnel = tun;
            }
            "protocol" => {
                protocol = Some(match cx.one(s)?.to_ascii_uppercase().as_str() {
                    "TCP" => "tcp",
                    "UDP" => "udp",
                    "SCTP" => "sctp",
                    p => return Err(cx.err(s, format!("protocol {p:?}: expected TCP, UDP or SCTP"))),
                })
            }
            "ip_family" => {
                family = Some(match cx.one(s)? {
                    "inet" => "ipv4",
                    "inet6" => "ipv6",
                    f => return Err(cx.err(s, format!("ip_family {f:?}: expected inet or inet6"))),
                })
            }
            "persistence_timeout" => {
                let n = match s.args() {
                    [] => PERSISTENCE_DEFAULT,
                    [v] => cx.num(s, v, MAX_SECONDS)?,
                    _ => return Err(cx.err(s, "persistence_timeout takes seconds")),
                };
                persistence = Some((n, s));
            }
            "persistence_granularity" => granularity = Some((cx.one(s)?, s)),
            "weight" => {
                let v = cx.one(s)?;
                d.weight = Some(
                    v.parse()
                        .ok()
                        .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                        .ok_or_else(|| cx.err(s, format!("weight {v:?}: expected 0 to 2147483647")))?,
                );
            }
            "persistence_engine" => keys.push(("pe", Value::from(cx.one(s)?))),
            "ops" => ops = Some(s),
            f @ ("flag-1" | "flag-2" | "flag-3" | "sh-port" | "sh-fallback" | "mh-port" | "mh-fallback") => {
                if !flags.iter().any(|(x, _)| x == f) {
                    flags.push((f.to_string(), s));
                }
            }
            "quorum" => {
                let n = cx.int(s, u64::from(u32::MAX))?;
                keys.push(("quorum", Value::Int(n as i64)));
            }
            "hysteresis" => {
                let n = cx.int(s, u64::from(u32::MAX))?;
                keys.push(("hysteresis", Value::Int(n as i64)));
            }
            "quorum_up" | "quorum_down" => {
                let k = if s.key() == "quorum_up" { "quorum_up" } else { "quorum_down" };
                keys.push((k, Value::from(script(cx, s)?)));
            }
            "sorry_server" => {
                let (a, p) = match s.args() {
                    [a, p] => (cx.host(s, a)?, cx.port(s, p)?),
                    [a] => (cx.host(s, a)?, 0),
                    _ => return Err(cx.err(s, "sorry_server takes ADDRESS PORT")),
                };
                sorry = Some((a, p, s));
            }
            "sorry_server_lvs_method" => sorry_method = Some(method(cx, s)?.0),
            "sorry_server_inhibit" => sorry_inhibit = true,
            "inhibit_on_failure" => d.inhibit = Some(bool_arg(cx, s)?),
            "virtualhost" => d.virtualhost = Some(cx.one(s)?.to_string()),
            "alpha" => alpha = bool_arg(cx, s)?,
            "omega" => cx.unconverted(s, "lvsctl runs no quorum_down or notify_down hooks when it stops"),
            "ha_suspend" => cx.unconverted(
                s,
                "lvsctl checks whether or not the director holds the VIP (the backup director's table is kept ready)",
            ),
            "real_server" => real.push(s),
            "smtp_alert" => cx.unconverted(s, "lvsctl sends no mail"),
            "lvs_flush_on_stop" => cx.unconverted(s, "use `[daemon] flush_on_stop = true` (every managed service)"),
            _ => cx.unknown(s, "virtual_server"),
        }
    }
    let sched = sched.unwrap_or_else(|| "wlc".to_string());
    let name_ok = |n: &str| !n.is_empty() && n.len() <= 15 && n.bytes().all(|b| b.is_ascii_graphic());
    if !name_ok(&sched) {
        let at = vs
            .body()
            .iter()
            .find(|s| matches!(s.key(), "lvs_sched" | "lb_algo"))
            .unwrap_or(vs);
        return Err(cx.err(at, format!("scheduler {sched:?} is not a name the kernel takes")));
    }
    if let Some((_, Value::Str(pe))) = keys.iter().find(|(k, _)| *k == "pe") {
        if !name_ok(pe) {
            let at = vs
                .body()
                .iter()
                .find(|s| s.key() == "persistence_engine")
                .unwrap_or(vs);
            return Err(cx.err(
                at,
                format!("persistence engine {pe:?} is not a name the kernel takes"),
            ));
        }
    }
    let mut kept_flags: Vec<String> = Vec::new();
    for (f, at) in &flags {
        let only = f
            .split_once('-')
            .map(|(p, _)| p)
            .filter(|p| *p == "sh" || *p == "mh");
        match only {
            Some(p) if p != sched => cx.note(
                at,
                format!("`{f}` means nothing to the {sched} scheduler: left out"),
            ),
            _ => kept_flags.push(f.clone()),
        }
    }
    let has_addr = members.iter().any(|(a, _)| a.is_some());
    let protocol = match protocol {
        Some(p) => p,
        None => {
            if has_addr {
                cx.note(
                    vs,
                    "no `protocol`: keepalived warns and makes it UDP, and so does this conversion",
                );
            }
            "udp"
        }
    };
    if let Some(at) = ops {
        if has_addr && protocol != "udp" {
            cx.note(
                at,
                format!(
                    "`ops`: one-packet scheduling is for UDP (and firewall marks), not {protocol}: left out"
                ),
            );
        } else {
            keys.push(("one_packet", Value::Bool(true)));
        }
    }
    // A service without a port is persistent whatever the file says
    // (keepalived forces 360 s), and so is one with a granularity.
    if persistence.is_none()
        && (members.iter().any(|(a, _)| matches!(a, Some((_, 0)))) || granularity.is_some())
    {
        persistence = Some((PERSISTENCE_DEFAULT, vs));
    }
    if !alpha && !real.is_empty() {
        cx.note(
            vs,
            "no `alpha`: keepalived adds every real server at start and takes out those whose checks fail; \
             lvsctl adds one after its first passing check (as keepalived does with alpha)",
        );
    }

    // Real servers.
    let mut dests: Vec<Dest> = Vec::new();
    let mut rs_seen: Vec<((IpAddr, Option<Value>), usize)> = Vec::new();
    let mut v6 = None;
    d.fwmark = members.iter().all(|(a, _)| a.is_none());
    d.port = members.iter().find_map(|(a, _)| a.map(|x| x.1)).unwrap_or(0);
    for r in &real {
        let (addr, port) = match r.args() {
            [a, p] => (cx.host(r, a)?, cx.port(r, p)?),
            [a] => (cx.host(r, a)?, 0),
            _ => return Err(cx.err(r, "real_server takes ADDRESS PORT")),
        };
        v6.get_or_insert(addr.is_ipv6());
        let dest = real_server(cx, r, addr, port, &d)?;
        let key = (addr, dest.0.get("port").cloned());
        if let Some((_, line)) = rs_seen.iter().find(|(k, _)| *k == key) {
            let line = *line;
            cx.note(
                r,
                format!("the same real server as on line {line}: keepalived's second add fails; left out"),
            );
            continue;
        }
        rs_seen.push((key, r.line));
        dests.push(dest);
    }

    // Write each member.
    let mut out = Vec::new();
    for (i, (ap, mark)) in members.iter().enumerate() {
        let mut st = t.clone();
        let label = match (ap, mark) {
            (Some((ip, port)), _) => format!("{protocol} {}", super::sock_text(*ip, *port)),
            (None, Some(m)) => format!("fwmark {m}"),
            _ => continue,
        };
        st.comment(format!("{} virtual_server {}", cx.at(vs), vs.args().join(" ")));
        if members.len() > 1 {
            st.comment(format!("member {} of the group: {label}", i + 1));
        }
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == label) {
            let first = first.clone();
            cx.note(
                vs,
                format!(
                    "{label} is already the service of the virtual_server at {first}: not converted twice"
                ),
            );
            continue;
        }
        seen.push((label.clone(), cx.at(vs)));
        match (ap, mark) {
            (Some((ip, port)), _) => {
                st.set("protocol", protocol);
                st.set("address", ip.to_string());
                st.set("port", *port);
            }
            (None, Some(m)) => {
                st.set("fwmark", Value::Int(i64::from(*m)));
                let fam = family.or(match v6 {
                    Some(true) => Some("ipv6"),
                    _ => None,
                });
                if let Some(f) = fam {
                    if f == "ipv6" {
                        st.set("family", f);
                    }
                }
            }
            _ => {}
        }
        st.set("scheduler", sched.clone());
        if !kept_flags.is_empty() {
            st.set("sched_flags", Value::from(kept_flags.clone()));
        }
        if let Some((n, ps)) = persistence {
            if n == 0 {
                cx.note(ps, "persistence_timeout 0: no persistence");
            } else {
                st.set("persistent", true);
                st.set("timeout", Value::Int(n as i64));
                if let Some((g, gs)) = granularity {
                    let is6 = ap.map(|(ip, _)| ip.is_ipv6()).unwrap_or(v6 == Some(true));
                    if is6 {
                        let p = cx.num(gs, g, 128)?;
                        if p == 0 {
                            return Err(cx.err(gs, "an IPv6 granularity is a prefix length, 1 to 128"));
                        }
                        if p != 128 {
                            st.set("netmask", Value::Int(p as i64));
                        }
                    } else {
                        let m: Ipv4Addr = g.parse().map_err(|_| {
                            cx.err(gs, format!("persistence_granularity {g:?} is not a netmask"))
                        })?;
                        let bits = u32::from(m);
                        if bits == 0 || bits.leading_ones() + bits.trailing_zeros() != 32 {
                            return Err(cx.err(gs, format!("persistence_granularity {g:?} is not a netmask")));
                        }
                        if bits != u32::MAX {
                            st.set("netmask", m.to_string());
                        }
                    }
                }
            }
        }
        for (k, v) in &keys {
            st.set(k, v.clone());
        }
        // Service-wide: failure handling, notify hooks and checks the real
        // servers share.
        let inhibits: Vec<bool> = dests.iter().map(|x| x.2.unwrap_or(false)).collect();
        let inhibit = inhibits.first().copied().unwrap_or(d.inhibit.unwrap_or(false));
        if inhibits.iter().any(|x| *x != inhibit) && i == 0 {
            cx.note(
                vs,
                "inhibit_on_failure differs between its real servers; lvsctl sets it per service: \
                 the first real server's is used",
            );
        }
        st.set("on_failure", if inhibit { "quiesce" } else { "remove" });
        for (slot, key) in [(3usize, "notify_up"), (4, "notify_down")] {
            let all: Vec<Option<&Vec<String>>> = dests
                .iter()
                .map(|x| if slot == 3 { x.3.as_ref() } else { x.4.as_ref() })
                .collect();
            if let Some(Some(first)) = all.first() {
                if all.iter().all(|x| *x == Some(*first)) {
                    st.set(key, Value::from((*first).clone()));
                } else if i == 0 {
                    cx.note(
                        vs,
                        format!("{key} differs between its real servers: lvsctl has one per service; not converted"),
                    );
                }
            } else if all.iter().any(Option::is_some) && i == 0 {
                cx.note(
                    vs,
                    format!("{key} on some real servers only: lvsctl has one per service; not converted"),
                );
            }
        }
        if let Some((a, p, ss)) = sorry {
            let port = if p == 0 { ap.map(|x| x.1).unwrap_or(0) } else { p };
            let fwd = sorry_method
                .clone()
                .or(d.forward.clone())
                .unwrap_or(Value::from("masq"));
            let mut pairs = vec![("address".to_string(), Value::Str(a.to_string()))];
            if port != 0 {
                put(&mut pairs, ("port".to_string(), Value::from(port)));
            }
            put(&mut pairs, ("forward".to_string(), fwd));
            st.set("sorry_server", Value::Inline(pairs));
            if i == 0 {
                if sorry_inhibit {
                    cx.note(ss, "sorry_server_inhibit: lvsctl's sorry server is added at weight 1 when quorum is lost and removed when it returns");
                }
                if !inhibit {
                    cx.note(
                        ss,
                        "while quorum is lost lvsctl keeps the real servers at weight 0 beside the sorry server; \
                         keepalived removes them",
                    );
                }
            }
        }
        let checks: Vec<&Vec<Value>> = dests.iter().map(|x| &x.1).collect();
        let shared = match checks.first() {
            Some(first) if !first.is_empty() && checks.iter().all(|c| c == first) => Some((*first).clone()),
            _ => None,
        };
        if let Some(list) = &shared {
            if list.len() == 1 {
                if let Value::Inline(pairs) = &list[0] {
                    let mut ct = Table::new("services.check");
                    for (k, v) in pairs {
                        ct.set(k, v.clone());
                    }
                    st.child(ct);
                }
            } else {
                st.set("check", Value::Array(list.clone()));
            }
        }
        for (dt, checks, ..) in &dests {
            let mut dt = dt.clone();
            // In a group, a DR or TUN server takes each member's port.
            let nat = matches!(dt.get("forward"), Some(Value::Str(f)) if f == "masq");
            if members.len() > 1 && !nat {
                if let Some((_, p)) = ap {
                    if *p != 0 {
                        dt.set("port", *p);
                    }
                }
            }
            if shared.is_none() && !checks.is_empty() {
                if checks.len() == 1 {
                    dt.set("check", checks[0].clone());
                } else {
                    dt.set("check", Value::Array(checks.clone()));
                }
            }
            st.child(dt);
        }
        out.push(st);
    }
    Ok(out)
}

/// keepalived's optional on/off argument (`alpha`, `alpha on`, `alpha
/// false`, ...).
fn bool_arg(cx: &Cx<'_>, s: &Stmt) -> Result<bool, ImportError> {
    match s.args() {
        [] => Ok(true),
        [v] => match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok(true),
            "off" | "false" | "no" | "0" => Ok(false),
            _ => Err(cx.err(s, format!("`{}` {v:?}: expected on or off", s.key()))),
        },
        _ => Err(cx.err(s, format!("`{}` takes on or off", s.key()))),
    }
}

type Dest = (
    Table,
    Vec<Value>,
    Option<bool>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

fn real_server(
    cx: &mut Cx<'_>,
    r: &Stmt,
    addr: IpAddr,
    port: u16,
    d: &VsDefaults,
) -> Result<Dest, ImportError> {
    let mut t = Table::element("services.destinations");
    t.comment(format!("{} real_server {}", cx.at(r), r.args().join(" ")));
    t.set("address", addr.to_string());
    let mut forward = d.forward.clone();
    let mut tunnel = d.tunnel.clone();
    let mut weight: i64 = d.weight.unwrap_or(1);
    let mut inhibit = d.inhibit;
    let mut timing = Timing::default();
    let mut up = None;
    let mut down = None;
    let mut thresholds: Vec<(&str, i64)> = Vec::new();
    let mut checkers: Vec<&Stmt> = Vec::new();
    let mut rs_vhost: Option<String> = None;
    for s in r.body() {
        if timing.read(cx, s)? {
            continue;
        }
        match s.key() {
            "weight" => {
                let v = cx.one(s)?;
                let n: i64 = v
                    .parse()
                    .ok()
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| cx.err(s, format!("weight {v:?}: expected 0 to 2147483647")))?;
                weight = n;
            }
            "inhibit_on_failure" => inhibit = Some(bool_arg(cx, s)?),
            "virtualhost" => rs_vhost = Some(cx.one(s)?.to_string()),
            "notify_up" => up = Some(script(cx, s)?),
            "notify_down" => down = Some(script(cx, s)?),
            "uthreshold" => thresholds.push(("u_threshold", cx.int(s, u64::from(u32::MAX))? as i64)),
            "lthreshold" => thresholds.push(("l_threshold", cx.int(s, u64::from(u32::MAX))? as i64)),
            "lvs_method" | "lb_kind" => {
                let (f, tun) = method(cx, s)?;
                forward = Some(f);
                tunnel = tun;
            }
            "TCP_CHECK" | "HTTP_GET" | "SSL_GET" | "MISC_CHECK" | "DNS_CHECK" | "UDP_CHECK"
            | "PING_CHECK" | "SMTP_CHECK" | "FILE_CHECK" | "BFD_CHECK" => checkers.push(s),
            "alpha" => {}
            "smtp_alert" => cx.unconverted(s, "lvsctl sends no mail"),
            _ => cx.unknown(s, "real_server"),
        }
    }
    let forward = forward.unwrap_or(Value::from("masq"));
    // keepalived's ports: a real server without one takes the service's;
    // a firewall-mark service's real servers keep theirs only with NAT.
    let written = port;
    let nat = matches!(&forward, Value::Str(f) if f == "masq");
    let port = match (port, d.fwmark, nat) {
        (0, false, _) => d.port,
        (_, true, false) => 0,
        // keepalived resets a DR or TUN server's port to the service's
        // (the kernel would not translate it anyway).
        (p, false, false) if p != d.port => {
            cx.note(
                r,
                format!(
                    "port {p} on a {} real server: keepalived programs the service's port {} (its checks keep probing {p}, and so do lvsctl's)",
                    if matches!(&forward, Value::Str(f) if f == "route") { "DR" } else { "TUN" },
                    d.port
                ),
            );
            d.port
        }
        (p, ..) => p,
    };
    if port != 0 {
        t.set("port", port);
    }
    t.set("forward", forward);
    if let Some(tun) = tunnel {
        t.set("tunnel", tun);
    }
    t.set("weight", Value::Int(weight));
    let u = thresholds
        .iter()
        .rev()
        .find(|(k, _)| *k == "u_threshold")
        .map(|x| x.1);
    let l = thresholds
        .iter()
        .rev()
        .find(|(k, _)| *k == "l_threshold")
        .map(|x| x.1);
    if let (Some(l), u) = (l, u.unwrap_or(0)) {
        if l > u {
            return Err(cx.err(
                r,
                format!("lthreshold {l} is above uthreshold {u}: the kernel refuses that real server"),
            ));
        }
    }
    for (k, v) in thresholds {
        t.set(k, Value::Int(v));
    }
    let timing = timing.over(d.timing);
    let mut checks = Vec::new();
    for c in checkers {
        checks.extend(checker(
            cx,
            c,
            timing,
            d.timing.delay_loop,
            rs_vhost.as_deref().or(d.virtualhost.as_deref()),
        )?);
    }
    // keepalived's checkers took the port as written, before it was
    // cleared: they keep probing it.
    if port != written && written != 0 {
        for c in &mut checks {
            if let Value::Inline(pairs) = c {
                let net = !matches!(
                    pairs.first(),
                    Some((_, Value::Str(t))) if t == "command" || t == "ping" || t == "file"
                );
                if net && !pairs.iter().any(|(k, _)| k == "connect_port") {
                    let at = pairs
                        .iter()
                        .position(|(k, _)| k == "interval")
                        .unwrap_or(pairs.len());
                    pairs.insert(at, ("connect_port".to_string(), Value::from(written)));
                }
            }
        }
    }
    Ok((t, checks, inhibit, up, down))
}

/// One checker block: zero or more lvsctl checks (HTTP_GET with several
/// urls is one check per url, all of which must pass, as in keepalived).
fn checker(
    cx: &mut Cx<'_>,
    c: &Stmt,
    base: Timing,
    vs_loop: Option<u64>,
    vhost: Option<&str>,
) -> Result<Vec<Value>, ImportError> {
    let kind = c.key();
    match kind {
        "SMTP_CHECK" => {
            cx.unconverted(c, "lvsctl has no SMTP check (a send-expect check on port 25 expecting \"220\" comes close); the server is static here");
            return Ok(Vec::new());
        }
        "FILE_CHECK" => {
            cx.unconverted(
                c,
                "FILE_CHECK reads a value from a file (down at 0, a weight otherwise); lvsctl's file check only tests that a file exists; the server is static here",
            );
            return Ok(Vec::new());
        }
        "BFD_CHECK" => {
            cx.unconverted(c, "lvsctl has no BFD; the server is static here");
            return Ok(Vec::new());
        }
        _ => {}
    }
    let mut timing = Timing::default();
    let mut common: Vec<(String, Value)> = Vec::new();
    let mut urls: Vec<&Stmt> = Vec::new();
    let mut extra: Vec<(String, Value)> = Vec::new();
    let mut host = vhost.map(str::to_string);
    let mut misc_timeout: Option<u64> = None;
    let mut sni: Option<String> = None;
    for s in c.body() {
        if timing.read_in(cx, s, matches!(kind, "HTTP_GET" | "SSL_GET"))? {
            continue;
        }
        match (kind, s.key()) {
            (_, "connect_ip") => put(
                &mut common,
                (
                    "connect_address".into(),
                    Value::Str(cx.host(s, cx.one(s)?)?.to_string()),
                ),
            ),
            (_, "connect_port") => {
                let p = cx.port(s, cx.one(s)?)?;
                if p == 0 {
                    return Err(cx.err(s, "connect_port is 1 to 65535"));
                }
                put(&mut common, ("connect_port".into(), Value::from(p)));
            }
            (_, "bindto") => put(
                &mut common,
                (
                    "source_address".into(),
                    Value::Str(cx.ip(s, cx.one(s)?)?.to_string()),
                ),
            ),
            (_, "fwmark") => {
                let n = cx.int(s, u64::from(u32::MAX))?;
                if n == 0 {
                    return Err(cx.err(s, "fwmark must be 1 or more"));
                }
                put(&mut common, ("fwmark".into(), Value::Int(n as i64)));
            }
            (_, "bind_port") => cx.unconverted(s, "lvsctl's probes leave from an ephemeral port"),
            (_, "bind_if") => cx.unconverted(
                s,
                "lvsctl's probes leave by the route to the server (set source_address)",
            ),
            (_, "alpha") => {}
            (_, "log_all_failures") => cx.unconverted(
                s,
                "lvsctl logs every change of a server's state, and the last reason is in the status",
            ),
            ("HTTP_GET" | "SSL_GET", "url") => urls.push(s),
            ("HTTP_GET" | "SSL_GET", "virtualhost") => host = Some(cx.one(s)?.to_string()),
            ("HTTP_GET" | "SSL_GET", "http_protocol") => match cx.one(s)? {
                "1.0" => {}
                v => cx.unconverted(s, &format!("lvsctl sends HTTP/1.0 requests (not {v})")),
            },
            ("HTTP_GET" | "SSL_GET", "fast_recovery") => {
                cx.unconverted(s, "lvsctl counts rise after a failure as after any other probe")
            }
            ("SSL_GET", "enable_sni") => {
                if bool_arg(cx, s)? {
                    sni = Some(String::new());
                }
            }
            ("MISC_CHECK", "misc_path") => {
                let raw = s.raw.strip_prefix(s.key()).unwrap_or(&s.raw);
                let words = quoted_words(raw);
                let Some(first) = words.first() else {
                    return Err(cx.err(s, "misc_path needs a program"));
                };
                if words.len() > 1 {
                    cx.note(s, "misc_path: keepalived runs the first word only (arguments belong inside its quotes); so does lvsctl");
                }
                let v = argv(first);
                if v.first().is_none_or(|p| p.is_empty()) {
                    return Err(cx.err(s, "misc_path needs a program"));
                }
                put(&mut extra, ("argv".into(), Value::from(v)));
            }
            ("MISC_CHECK", "misc_timeout") => misc_timeout = Some(cx.secs(s)?),
            ("MISC_CHECK", "misc_dynamic") => put(&mut extra, ("dynamic_weight".into(), Value::Bool(true))),
            ("MISC_CHECK", "user") => {
                cx.unconverted(s, "command checks run as the [daemon] user (script_user)")
            }
            ("DNS_CHECK", "type") => {
                let t = cx.one(s)?.to_ascii_uppercase();
                if !matches!(
                    t.as_str(),
                    "A" | "NS" | "CNAME" | "SOA" | "MX" | "TXT" | "AAAA" | "RRSIG" | "DNSKEY"
                ) {
                    return Err(cx.err(
                        s,
                        format!("DNS_CHECK type {t:?}: expected A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG or DNSKEY"),
                    ));
                }
                if !crate::daemon::check::dns_type_known(&t) {
                    cx.unconverted(
                        s,
                        &format!("lvsctl's dns check does not ask for {t}; it asks for SOA"),
                    );
                    continue;
                }
                put(&mut extra, ("query_type".into(), Value::Str(t)));
            }
            ("DNS_CHECK", "name") => put(&mut extra, ("name".into(), Value::from(cx.one(s)?))),
            ("UDP_CHECK", "payload") => {
                let b = hex(cx, s)?;
                put(&mut extra, ("payload".into(), Value::Str(escaped(&b))));
            }
            ("UDP_CHECK", "require_reply") => {
                // Bare: some reply is needed, whatever it holds.
                let re = if s.args().is_empty() {
                    "(?s-u)\\A".to_string()
                } else {
                    reply_regex(cx, s)?
                };
                put(&mut extra, ("expect".into(), Value::Str(re)));
            }
            ("UDP_CHECK", "min_reply_length" | "max_reply_length") => {
                cx.unconverted(s, "lvsctl's udp check matches the reply's start only")
            }
            _ => cx.unknown(s, kind),
        }
    }
    let t = timing.over(base);
    let interval = t.delay_loop.unwrap_or(DELAY_LOOP * 1000);
    let mut timeout = match kind {
        // keepalived: the virtual server's delay_loop, not the checker's.
        "MISC_CHECK" => misc_timeout
            .filter(|ms| *ms > 0)
            .unwrap_or(vs_loop.unwrap_or(DELAY_LOOP * 1000)),
        _ => t.connect_timeout.unwrap_or(CONNECT_TIMEOUT_MS),
    };
    if timeout > interval {
        cx.note(
            c,
            format!(
                "{kind}: its timeout {} is longer than its delay_loop {}; lvsctl starts no probe before the last ends: timeout = {}",
                dur(timeout),
                dur(interval),
                dur(interval)
            ),
        );
        timeout = interval;
    }
    let default_retry = match kind {
        "DNS_CHECK" => 3,
        "MISC_CHECK" => 0,
        _ => 1,
    };
    let retry = t.retry.unwrap_or(default_retry);
    let default_dbr = match kind {
        "HTTP_GET" | "SSL_GET" => 3_000,
        "DNS_CHECK" => interval,
        _ => 1_000,
    };
    let dbr = t.delay_before_retry.unwrap_or(default_dbr);
    let mut timing_pairs: Vec<(String, Value)> = vec![
        ("interval".into(), Value::Str(dur(interval))),
        ("timeout".into(), Value::Str(dur(timeout))),
        ("fall".into(), Value::Int(retry as i64 + 1)),
        ("rise".into(), Value::Int(1)),
    ];
    if retry > 0 && dbr != interval && dbr > 0 {
        timing_pairs.push(("retry_interval".into(), Value::Str(dur(dbr))));
    }
    let with = |ty: &str, mut body: Vec<(String, Value)>| -> Value {
        let mut pairs = vec![("type".to_string(), Value::from(ty))];
        pairs.append(&mut body);
        pairs.extend(common.iter().cloned());
        pairs.extend(timing_pairs.iter().cloned());
        Value::Inline(pairs)
    };
    let out = match kind {
        "TCP_CHECK" => vec![with("tcp", Vec::new())],
        "PING_CHECK" => vec![with("ping", Vec::new())],
        "MISC_CHECK" => {
            if !extra.iter().any(|(k, _)| k == "argv") {
                return Err(cx.err(c, "MISC_CHECK needs misc_path"));
            }
            vec![with("command", extra)]
        }
        "DNS_CHECK" => vec![with("dns", extra)],
        "UDP_CHECK" => vec![with("udp", extra)],
        "HTTP_GET" | "SSL_GET" => {
            let ty = if kind == "SSL_GET" { "https" } else { "http" };
            if urls.is_empty() {
                return Err(cx.err(c, format!("{kind} needs a url block")));
            }
            let mut v = Vec::new();
            for u in urls {
                let mut body = url(cx, u)?;
                // The url's virtualhost, else the checker's, the real
                // server's, the virtual server's.
                if let Some(h) = &host {
                    if !body.iter().any(|(k, _)| k == "host") {
                        body.push(("host".into(), Value::Str(h.clone())));
                    }
                }
                if ty == "https" {
                    if sni.is_none() && body.iter().any(|(k, _)| k == "host") {
                        cx.note(
                            c,
                            "SSL_GET without enable_sni: keepalived sends no server name; lvsctl sends the virtualhost as SNI",
                        );
                    }
                    // keepalived verifies no certificate.
                    put(&mut body, ("insecure".into(), Value::Bool(true)));
                }
                v.push(with(ty, body));
            }
            v
        }
        _ => Vec::new(),
    };
    Ok(out)
}

/// An HTTP_GET `url { path; status_code; digest; regex }` block.
fn url(cx: &mut Cx<'_>, u: &Stmt) -> Result<Vec<(String, Value)>, ImportError> {
    let mut body = Vec::new();
    let mut codes: Vec<Value> = Vec::new();
    let mut regex: Option<String> = None;
    let mut no_match = false;
    for s in u.body() {
        match s.key() {
            "path" => {
                let p = cx.one(s)?;
                if !p.starts_with('/') {
                    return Err(cx.err(s, format!("path {p:?} must start with /")));
                }
                put(&mut body, ("path".to_string(), Value::from(p)));
            }
            "status_code" => {
                for c in s.args() {
                    let ok = |x: &str| x.parse::<u16>().ok().filter(|n| (100..=599).contains(n));
                    match c.split_once('-') {
                        Some((a, b)) => match (ok(a), ok(b)) {
                            (Some(a), Some(b)) if a <= b => codes.push(Value::Str(format!("{a}-{b}"))),
                            _ => return Err(cx.err(s, format!("status_code {c:?}: expected 100-599 or a range of them"))),
                        },
                        None => match ok(c) {
                            Some(n) => codes.push(Value::Int(i64::from(n))),
                            None => return Err(cx.err(s, format!("status_code {c:?}: expected 100-599 or a range of them"))),
                        },
                    }
                }
                if codes.is_empty() {
                    return Err(cx.err(s, "status_code needs a code"));
                }
            }
            "digest" => cx.unconverted(
                s,
                "lvsctl does not compare an MD5 of the page; the status code is checked (add expect = a regex of the page for more)",
            ),
            "regex" => regex = Some(cx.one(s)?.to_string()),
            "virtualhost" => put(&mut body, ("host".to_string(), Value::from(cx.one(s)?))),
            "regex_no_match" => no_match = true,
            "regex_options" | "regex_stack" | "regex_min_offset" | "regex_max_offset" => {
                cx.unconverted(s, "lvsctl's expect is a Rust regex over the whole body")
            }
            _ => cx.unknown(s, "url"),
        }
    }
    match codes.len() {
        0 => {}
        1 => put(&mut body, ("status".to_string(), codes.remove(0))),
        _ => put(&mut body, ("status".to_string(), Value::Array(codes))),
    }
    if let Some(r) = regex {
        if no_match {
            cx.unconverted(
                u,
                "regex_no_match: lvsctl's expect must match (the regex is left out)",
            );
        } else {
            if crate::daemon::check::matcher::compile(&r).is_err() {
                return Err(cx.err(u, format!("regex {r:?} is not one lvsctl's regex engine takes")));
            }
            put(&mut body, ("expect".to_string(), Value::Str(r)));
        }
    }
    Ok(body)
}

/// A hex string (keepalived's payload format, blanks allowed between
/// bytes), as bytes.
fn hex(cx: &Cx<'_>, s: &Stmt) -> Result<Vec<u8>, ImportError> {
    let v: String = s.args().concat();
    if v.len() % 2 != 0 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(cx.err(s, format!("`{}`: expected hexadecimal bytes", s.key())));
    }
    Ok((0..v.len() / 2)
        .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect())
}

/// `require_reply`'s hex, `X` a wildcard nibble, as a regex anchored at
/// the reply's start (bytes, not text).
fn reply_regex(cx: &Cx<'_>, s: &Stmt) -> Result<String, ImportError> {
    let v: String = s.args().concat();
    let ok = |b: u8| b.is_ascii_hexdigit() || b == b'X' || b == b'x';
    if v.is_empty() || v.len() % 2 != 0 || !v.bytes().all(ok) {
        return Err(cx.err(s, "require_reply: expected hexadecimal bytes (X for any nibble)"));
    }
    let nib = |b: u8| char::from(b).to_digit(16);
    let mut re = String::from("(?s-u)\\A");
    for pair in v.as_bytes().chunks(2) {
        match (nib(pair[0]), nib(pair[1])) {
            (Some(h), Some(l)) => re.push_str(&format!("\\x{:02x}", h * 16 + l)),
            (None, None) => re.push('.'),
            (Some(h), None) => re.push_str(&format!("[\\x{:02x}-\\x{:02x}]", h * 16, h * 16 + 15)),
            (None, Some(l)) => {
                re.push('[');
                for h in 0..16 {
                    re.push_str(&format!("\\x{:02x}", h * 16 + l));
                }
                re.push(']');
            }
        }
    }
    Ok(re)
}

/// Bytes as the daemon file's escaped string (`\xHH`).
fn escaped(b: &[u8]) -> String {
    b.iter().map(|x| format!("\\x{x:02x}")).collect()
}

fn vrrp_instance(cx: &mut Cx<'_>, v: &Stmt, g: &Globals<'_>) -> Result<Table, ImportError> {
    let [name] = v.args() else {
        return Err(cx.err(v, "vrrp_instance takes a name"));
    };
    let mut t = Table::element("vrrp");
    t.comment(format!("{} vrrp_instance {name}", cx.at(v)));
    t.set("name", name.clone());
    let mut iface: Option<String> = None;
    let mut vrid: Option<u64> = None;
    let mut priority: Option<u64> = None;
    let mut master = false;
    let mut advert_ms: u64 = 1000;
    let mut version = g.version;
    let mut vips: Vec<Value> = Vec::new();
    let mut vip_addrs: Vec<IpAddr> = Vec::new();
    let mut preempt = true;
    let mut preempt_delay: Option<u64> = None;
    let mut source: Option<String> = None;
    let mut source_at: Option<&Stmt> = None;
    let mut peers: Vec<String> = Vec::new();
    let mut auth: Option<String> = None;
    let mut tracks: Vec<String> = Vec::new();
    let mut notify: Option<Vec<String>> = None;
    let mut garp = g.garp;
    let mut sync_iface: Option<String> = None;
    for s in v.body() {
        if garp.read(cx, s, "")? {
            continue;
        }
        match s.key() {
            "state" => match cx.one(s)? {
                "BACKUP" => {}
                "MASTER" => {
                    master = true;
                    cx.note(
                        s,
                        "state MASTER: lvsctl starts every instance as Backup for the whole master-down interval \
                         (keepalived waits one advert and its skew); the priorities decide who is Master",
                    )
                }
                x => cx.note(
                    s,
                    format!("state {x:?}: keepalived takes MASTER or BACKUP as written, so it ignores this (and so does lvsctl)"),
                ),
            },
            "interface" => iface = Some(cx.one(s)?.to_string()),
            "virtual_router_id" => {
                let n = cx.int(s, 255)?;
                if n == 0 {
                    return Err(cx.err(s, "virtual_router_id is 1 to 255"));
                }
                vrid = Some(n);
            }
            "priority" => {
                let n = cx.int(s, 255)?;
                if n == 0 {
                    return Err(cx.err(s, "priority is 1 to 255"));
                }
                priority = Some(n);
            }
            "advert_int" => {
                let ms = cx.secs(s)?;
                if ms == 0 {
                    return Err(cx.err(s, "advert_int must be more than 0"));
                }
                advert_ms = ms;
            }
            "version" => {
                let n = cx.int(s, 3)?;
                if !(2..=3).contains(&n) {
                    return Err(cx.err(s, "version is 2 or 3"));
                }
                version = Some(n as u8);
            }
            "nopreempt" => preempt = false,
            "preempt" => preempt = true,
            "preempt_delay" => preempt_delay = Some(cx.secs(s)?),
            "unicast_src_ip" => {
                source = Some(cx.host(s, cx.one(s)?)?.to_string());
                source_at = Some(s);
            }
            "unicast_peer" => {
                for p in s.body() {
                    let Some(a) = p.words.first() else { continue };
                    peers.push(cx.host(p, a)?.to_string());
                    if p.words.len() > 1 {
                        cx.unconverted(p, "min_ttl / max_ttl: lvsctl checks the TTL is 255 (multicast) and takes any for unicast");
                    }
                }
            }
            "virtual_ipaddress" => {
                for a in s.body() {
                    let (addr, value) = vip(cx, a)?;
                    if vip_addrs.contains(&addr) {
                        cx.note(a, format!("VIP {addr} is listed twice: once is enough"));
                        continue;
                    }
                    vip_addrs.push(addr);
                    vips.push(value);
                }
            }
            "virtual_ipaddress_excluded" => {
                cx.unconverted(
                    s,
                    "excluded VIPs are not in keepalived's adverts; lvsctl advertises every VIP it adds, and a \
                     keepalived peer drops adverts whose VIP list differs: add them elsewhere",
                );
            }
            "authentication" => {
                let mut ty = None;
                let mut pass = None;
                for a in s.body() {
                    match a.key() {
                        "auth_type" => ty = Some(cx.one(a)?.to_string()),
                        "auth_pass" => pass = Some(cx.one(a)?.to_string()),
                        _ => cx.unknown(a, "authentication"),
                    }
                }
                match (ty.as_deref(), pass) {
                    (Some("PASS"), Some(p)) => auth = Some(p.chars().take(8).collect()),
                    (Some("AH"), _) => cx.unconverted(s, "IPsec AH authentication: lvsctl has the simple password only"),
                    _ => return Err(cx.err(s, "authentication needs auth_type PASS and auth_pass")),
                }
            }
            "track_interface" => {
                for a in s.body() {
                    let Some(dev) = a.words.first() else { continue };
                    tracks.push(dev.clone());
                    if a.words.len() > 1 {
                        cx.unconverted(a, "a tracked interface's weight: lvsctl puts the instance in Fault instead");
                    }
                }
            }
            "track_script" | "track_file" | "track_process" | "track_bfd" => {
                cx.unconverted(s, "lvsctl tracks interfaces and services only (track_interfaces, track_services)")
            }
            "notify" => notify = Some(script(cx, s)?),
            "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify_deleted" | "notify_master_rx_lower_pri" => {
                cx.unconverted(
                    s,
                    "lvsctl runs one notify with the state as an argument (INSTANCE NAME STATE PRIORITY): write it as `notify`",
                )
            }
            "lvs_sync_daemon_interface" => sync_iface = Some(cx.one(s)?.to_string()),
            "mcast_src_ip" => {
                source = Some(cx.host(s, cx.one(s)?)?.to_string());
                source_at = Some(s);
            }
            "use_vmac" | "vmac_xmit_base" => cx.unconverted(s, "lvsctl has no virtual MAC"),
            "dont_track_primary" => cx.unconverted(s, "lvsctl always faults when its interface goes down"),
            "smtp_alert" => cx.unconverted(s, "lvsctl sends no mail"),
            "debug" | "skip_check_adv_addr" | "strict_mode" | "accept" | "no_accept" | "garp_extra_if" | "native_ipv6"
            | "check_unicast_src" | "down_timer_adverts" | "lower_prio_no_advert" | "higher_prio_send_advert"
            | "kernel_rx_buf_size" | "unicast_ttl" | "unicast_fault_no_peer" | "old_unicast_checksum" | "track_src_ip" => {
                cx.unconverted(s, "keepalived's own switch; lvsctl has no equivalent")
            }
            "virtual_routes" | "virtual_rules" => {
                cx.unconverted(s, "lvsctl moves addresses only; routes and rules that follow the state need a notify hook")
            }
            _ => cx.unknown(s, "vrrp_instance"),
        }
    }
    let Some(iface) = iface else {
        return Err(cx.err(v, format!("vrrp_instance {name} has no interface")));
    };
    let Some(vrid) = vrid else {
        return Err(cx.err(v, format!("vrrp_instance {name} has no virtual_router_id")));
    };
    if vips.is_empty() {
        return Err(cx.err(v, format!("vrrp_instance {name} has no virtual_ipaddress")));
    }
    t.set("interface", iface);
    t.set("vrid", Value::Int(vrid as i64));
    // keepalived: state MASTER without a priority is the address owner.
    let priority = priority.unwrap_or(if master { 255 } else { 100 });
    t.set("priority", Value::Int(priority as i64));
    let v6 = vips.iter().any(|x| match x {
        Value::Str(s) => s.contains(':'),
        Value::Inline(p) => p
            .iter()
            .any(|(k, v)| k == "address" && matches!(v, Value::Str(s) if s.contains(':'))),
        _ => false,
    });
    if v6 && version == Some(2) {
        let at = v.body().iter().find(|s| s.key() == "version").unwrap_or(v);
        cx.note(
            at,
            "version 2 with IPv6 VIPs: VRRP version 2 carries IPv4 only; lvsctl speaks version 3 for them",
        );
    }
    let version = if v6 { 3 } else { version.unwrap_or(2) };
    // keepalived rounds: v2 to whole seconds, v3 to centiseconds.
    let step = if version == 2 { 1000 } else { 10 };
    let rounded = ((advert_ms + step / 2) / step).max(1) * step;
    if rounded != advert_ms {
        let at = v.body().iter().find(|s| s.key() == "advert_int").unwrap_or(v);
        cx.note(
            at,
            format!(
                "advert_int {}: VRRP version {version} advertises {}, as keepalived rounds it",
                dur(advert_ms),
                dur(rounded)
            ),
        );
        advert_ms = rounded;
    }
    if version == 3 && auth.is_some() {
        let at = v.body().iter().find(|s| s.key() == "authentication").unwrap_or(v);
        cx.note(
            at,
            "authentication: VRRP version 3 has none, and keepalived drops it too",
        );
        auth = None;
    }
    t.set("version", Value::Int(i64::from(version)));
    t.set("advert_interval", dur(advert_ms));
    t.set("vips", Value::Array(vips));
    // keepalived: an address owner, or `state MASTER`, always preempts.
    let np_at = v.body().iter().find(|s| s.key() == "nopreempt");
    if !preempt && (priority == 255 || master) {
        if let Some(at) = np_at {
            cx.note(
                at,
                "nopreempt with state MASTER or priority 255: keepalived ignores it, and so does lvsctl",
            );
        }
    } else if !preempt {
        t.set("preempt", false);
    }
    if let Some(ms) = preempt_delay {
        if master {
            if let Some(at) = v.body().iter().find(|s| s.key() == "preempt_delay") {
                cx.note(
                    at,
                    "preempt_delay with state MASTER: keepalived ignores it, and so does lvsctl",
                );
            }
        } else {
            t.set("preempt_delay", dur(ms));
        }
    }
    match (source, source_at) {
        (Some(_), Some(at)) if peers.is_empty() => cx.note(
            at,
            format!(
                "`{}` without unicast_peer: keepalived sends its multicast adverts from it; lvsctl sends them from \
                 the interface's primary address",
                at.key()
            ),
        ),
        (Some(s), _) => {
            t.set("unicast_source", s);
        }
        _ => {}
    }
    if !peers.is_empty() {
        t.set("unicast_peers", Value::from(peers));
    }
    if let Some(p) = auth {
        t.set("auth_pass", p);
    }
    if !tracks.is_empty() {
        t.set("track_interfaces", Value::from(tracks));
    }
    if let Some(n) = notify {
        t.set("notify", Value::from(n));
    }
    if !garp.is_empty() {
        t.set("garp", garp.value());
    }
    if let Some(i) = sync_iface {
        t.set("sync_daemon", inline([("interface", Value::Str(i))]));
    }
    Ok(t)
}

/// A `virtual_ipaddress` line: `ADDR[/PREFIX] [dev IF] [label L] ...`.
fn vip(cx: &mut Cx<'_>, a: &Stmt) -> Result<(IpAddr, Value), ImportError> {
    let w = &a.words;
    let Some(addr) = w.first() else {
        return Err(cx.err(a, "an empty VIP line"));
    };
    let (ip, prefix) = match addr.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (addr.as_str(), None),
    };
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| cx.err(a, format!("VIP {addr:?} is not an address")))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix: u64 = match prefix {
        Some(p) => p
            .parse()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| cx.err(a, format!("VIP {addr:?}: the prefix is not 0 to {max}")))?,
        None => max,
    };
    let mut dev = None;
    let mut label = None;
    let mut i = 1;
    while i < w.len() {
        let k = w[i].as_str();
        let takes_value = matches!(
            k,
            "dev" | "label" | "brd" | "broadcast" | "scope" | "peer" | "preferred_lft"
        );
        let val = if takes_value { w.get(i + 1) } else { None };
        if takes_value && val.is_none() {
            return Err(cx.err(a, format!("VIP option `{k}` needs a value")));
        }
        match k {
            "dev" => dev = val.cloned(),
            "label" => label = val.cloned(),
            "brd" | "broadcast" | "scope" | "preferred_lft" => cx.unconverted(
                a,
                &format!("VIP option `{k}`: lvsctl adds VIPs with the kernel's defaults"),
            ),
            "peer" => cx.unconverted(a, "VIP option `peer`: lvsctl adds plain addresses"),
            "-nodad" => {}
            "no_track" => cx.unconverted(a, "VIP option `no_track`: lvsctl does not watch VIPs' devices"),
            _ => cx.unconverted(a, &format!("VIP option `{k}`: lvsctl has no equivalent")),
        }
        i += if takes_value { 2 } else { 1 };
    }
    let text = format!("{ip}/{prefix}");
    if dev.is_none() && label.is_none() {
        return Ok((ip, Value::Str(text)));
    }
    let mut pairs = vec![("address".to_string(), Value::Str(text))];
    if let Some(d) = dev {
        put(&mut pairs, ("device".to_string(), Value::Str(d)));
    }
    if let Some(l) = label {
        put(&mut pairs, ("label".to_string(), Value::Str(l)));
    }
    Ok((ip, Value::Inline(pairs)))
}

fn sync_group(
    cx: &mut Cx<'_>,
    g: &Stmt,
    instances: &[String],
    grouped: &mut Vec<String>,
) -> Result<Option<Table>, ImportError> {
    let [name] = g.args() else {
        return Err(cx.err(g, "vrrp_sync_group takes a name"));
    };
    let mut t = Table::element("vrrp_sync_group");
    t.comment(format!("{} vrrp_sync_group {name}", cx.at(g)));
    t.set("name", name.clone());
    let mut members: Vec<String> = Vec::new();
    for s in g.body() {
        match s.key() {
            "group" => {
                for m in s.body() {
                    for w in &m.words {
                        if !instances.contains(w) {
                            cx.note(
                                m,
                                format!(
                                    "vrrp_sync_group {name}: no vrrp_instance {w} (keepalived skips it too)"
                                ),
                            );
                        } else if grouped.contains(w) || members.contains(w) {
                            cx.note(
                                m,
                                format!("vrrp_sync_group {name}: {w} is in a sync group already; left out"),
                            );
                        } else {
                            members.push(w.clone());
                        }
                    }
                }
            }
            "notify" | "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" => cx.unconverted(
                s,
                "a sync group's notify: each instance's notify runs as its state changes",
            ),
            "smtp_alert" => cx.unconverted(s, "lvsctl sends no mail"),
            "global_tracking" | "sync_group_tracking_weight" => {}
            "track_interface" | "track_script" | "track_file" | "track_process" | "track_bfd" => {
                cx.unconverted(s, "track in the member instances")
            }
            _ => cx.unknown(s, "vrrp_sync_group"),
        }
    }
    if members.len() < 2 {
        cx.note(
            g,
            format!("vrrp_sync_group {name} has fewer than two instances: not converted"),
        );
        return Ok(None);
    }
    grouped.extend(members.iter().cloned());
    t.set("instances", Value::from(members));
    Ok(Some(t))
}
