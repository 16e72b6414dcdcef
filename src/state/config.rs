//! lvsctl's TOML format: the whole IPVS state of a director.
//!
//! ```toml
//! [timeouts]                 # default 900 / 120 / 300
//! tcp = 900
//! tcp_fin = 120
//! udp = 300
//!
//! [sysctl]                   # net.ipv4.vs.*, see "Sysctls" below
//! expire_nodest_conn = 1
//!
//! [[daemons]]                # none unless listed
//! state = "master"
//! interface = "eth0"
//! syncid = 10
//!
//! [[services]]
//! protocol = "tcp"           # tcp | udp | sctp, or fwmark = N
//! address = "192.0.2.10"
//! port = 80
//! scheduler = "mh"
//! sched_flags = ["mh-port"]
//!
//! [[services.destinations]]
//! address = "198.51.100.11"
//! forward = "route"          # route | masq | tunnel
//! weight = 1
//! ```
//!
//! Key names follow lvsctl's JSON schema. The file is the whole desired
//! state: what it leaves out takes its default, with one exception in
//! `[sysctl]` (below). Unknown keys are errors, so a file written for a
//! later lvsctl (with health checks, say) is refused rather than
//! half-applied.
//!
//! # Two stages
//!
//! The text is first parsed into one TOML document that keeps the byte
//! span of every key and value ([`DeTable`]); then each top-level section
//! is handed to its own reader: `timeouts`, `sysctl`, `daemons` and
//! `services` here, and whatever an [`Extension`] passed to [`parse_with`]
//! claims (the daemon's `[daemon]` and `[[vrrp]]`, say). One serde struct
//! for the whole file cannot grow that way: serde refuses unknown fields
//! only on a struct that names every field, and `flatten` (the way to let
//! other code add fields) turns that refusal off. Split in sections, each
//! reader still decodes with `deny_unknown_fields`, so its messages are
//! serde's own ("unknown field `x`, expected one of ..."), and the spans
//! are the document's, so every message names `FILE:LINE`.
//!
//! An extension can also claim keys inside each `[[services]]` and each
//! `[[services.destinations]]` table (a `check` table, say): the service
//! reader takes those keys out before decoding and hands each, with its
//! span, to the extension once the service (and real server) it belongs to
//! is built. A key nobody claims is refused as before.
//!
//! # Sysctls
//!
//! `[sysctl]` takes every setting of [`crate::host::sysctl::VS_SYSCTLS`],
//! each checked against its range. The four of [`SYSCTLS`] (`sloppy_tcp`,
//! `expire_nodest_conn`, `expire_quiescent_template`, `conntrack`) are
//! always managed, as they were before the others were known: left out,
//! they are set back to their defaults. Every other setting is managed
//! only where the file names it. An operator who tunes `amemthresh` or
//! `sync_qlen_max` in `/etc/sysctl.d` and applies a file about services
//! does not expect those to be reset behind their back; to give one back
//! its default, write the default.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::ops::Range;

use ::toml::de::{DeTable, DeValue, ValueDeserializer};
use ::toml::Spanned;
use serde::Deserialize;

use super::source::{Desired, InputError, Source};
use super::table::{ServiceSpec, Table, DEFAULT_TIMEOUTS, SYSCTLS};
use crate::host::sysctl::{vs_sysctl, VS_SYSCTLS};
use crate::ipvs::{
    tun_flags, AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, TunnelType,
};

/// A TOML value with its span in the document.
pub type Value<'a> = Spanned<DeValue<'a>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeoutsToml {
    tcp: Option<u32>,
    tcp_fin: Option<u32>,
    udp: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonToml {
    state: String,
    interface: String,
    syncid: Option<u8>,
    maxlen: Option<u16>,
    group: Option<IpAddr>,
    port: Option<u16>,
    ttl: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceToml {
    family: Option<String>,
    protocol: Option<String>,
    address: Option<IpAddr>,
    port: Option<u16>,
    fwmark: Option<u32>,
    scheduler: Option<String>,
    #[serde(default)]
    sched_flags: Vec<String>,
    persistent: Option<bool>,
    timeout: Option<u32>,
    netmask: Option<::toml::Value>,
    one_packet: Option<bool>,
    pe: Option<String>,
    #[serde(default)]
    destinations: Vec<Spanned<DestToml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DestToml {
    address: IpAddr,
    port: Option<u16>,
    forward: Option<String>,
    weight: Option<u32>,
    u_threshold: Option<u32>,
    l_threshold: Option<u32>,
    tunnel: Option<TunnelToml>,
    enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TunnelToml {
    #[serde(rename = "type")]
    kind: Option<String>,
    port: Option<u16>,
    csum: Option<String>,
}

/// Longest scheduler or persistence-engine name the kernel takes.
const NAME_MAX: usize = 15;
/// Longest persistence timeout ipvsadm accepts, in seconds (31 days).
const MAX_TIMEOUT: u32 = 86_400 * 31;

/// The document being read: its name, and where its lines start, for
/// line numbers.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    file: &'a str,
    /// Byte offset of every newline, ascending: the line of an offset is
    /// one more than the newlines before it, found by binary search. (A
    /// count from the file's start for every key made a 37,000-server
    /// file take minutes.)
    newlines: &'a [usize],
    /// Where the text parsed starts in the file (a `[[services]]` block
    /// is parsed on its own: its spans count from its first byte).
    base: usize,
}

/// Byte offsets of the newlines of `text`.
fn newlines(text: &str) -> Vec<usize> {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

impl Doc<'_> {
    /// The 1-based line a span starts on.
    pub fn line(&self, span: &Range<usize>) -> usize {
        let start = span.start + self.base;
        self.newlines.partition_point(|&n| n < start) + 1
    }

    /// An error on the line `span` starts on.
    pub fn err(&self, span: &Range<usize>, message: impl Into<String>) -> InputError {
        InputError {
            file: self.file.to_string(),
            line: self.line(span),
            message: message.into(),
        }
    }

    /// Decodes a value with serde (a struct with `deny_unknown_fields`,
    /// say); serde's message names the line of the key or value at fault.
    pub fn decode<'de, T: Deserialize<'de>>(&self, value: Value<'de>) -> Result<T, InputError> {
        T::deserialize(ValueDeserializer::from(value)).map_err(|e| self.toml_error(&e))
    }

    fn toml_error(&self, e: &::toml::de::Error) -> InputError {
        InputError {
            file: self.file.to_string(),
            line: e.span().map(|s| self.line(&s)).unwrap_or(0),
            message: e.message().trim_end().to_string(),
        }
    }
}

/// A reader for parts of the file this module does not know: whole
/// top-level sections, and keys inside services and real servers. It
/// keeps what it reads itself; [`parse_with`] only hands it the values,
/// each with its span (see [`Doc::line`], [`Doc::decode`]).
///
/// The built-in sections and keys come first: an extension that names one
/// of them is never handed it. When two extensions name the same section
/// or key, the first in the list gets it. Keys in services are handed over
/// after the service and its real servers are built, in file order;
/// sections after every built-in section, in the document's key order.
pub trait Extension {
    /// The top-level sections it reads (`daemon`, `vrrp`).
    fn sections(&self) -> &[&str] {
        &[]
    }
    /// Whether its sections are named in the "expected one of" list of an
    /// unknown section (not for an extension that claims them only to
    /// refuse them).
    fn advertised(&self) -> bool {
        true
    }
    /// The keys it reads inside each `[[services]]` table.
    fn service_keys(&self) -> &[&str] {
        &[]
    }
    /// The keys it reads inside each `[[services.destinations]]` table.
    fn destination_keys(&self) -> &[&str] {
        &[]
    }
    /// Reads top-level section `name` (one of [`Extension::sections`]).
    fn section(&mut self, doc: &Doc<'_>, name: &str, value: Value<'_>) -> Result<(), InputError>;
    /// Reads `key` (one of [`Extension::service_keys`]) of the service
    /// `service`.
    fn service_key(
        &mut self,
        doc: &Doc<'_>,
        service: &ServiceKey,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        let _ = service;
        Err(doc.err(&value.span(), format!("no reader for services.{key}")))
    }
    /// Reads `key` (one of [`Extension::destination_keys`]) of the real
    /// server `dest` of `service`.
    fn destination_key(
        &mut self,
        doc: &Doc<'_>,
        service: &ServiceKey,
        dest: &Destination,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        let _ = (service, dest);
        Err(doc.err(
            &value.span(),
            format!("no reader for services.destinations.{key}"),
        ))
    }

    /// Sees every real server of `service` as the file lists them,
    /// switched-off ones (`enabled = false`) included, which the table
    /// leaves out: rules about real servers hold for those too.
    fn service_destinations(&mut self, service: &ServiceKey, all: &[Destination]) {
        let _ = (service, all);
    }
}

/// What the readers build.
struct Builder<'x, 'e> {
    table: Table,
    source: Source,
    extensions: &'x mut [&'e mut dyn Extension],
}

type Reader = for<'a> fn(&Doc<'a>, Option<Value<'a>>, &mut Builder<'_, '_>) -> Result<(), InputError>;

/// The sections this module reads, in the order they are read (an absent
/// one is read as `None`, which gives its default).
const SECTIONS: [(&str, Reader); 4] = [
    ("timeouts", timeouts),
    ("sysctl", sysctl),
    ("daemons", daemons),
    ("services", services),
];

/// The top-level sections of a daemon file (`lvsctl daemon`).
pub const DAEMON_SECTIONS: [&str; 3] = ["daemon", "vrrp", "vrrp_sync_group"];

/// The keys a daemon file adds to each `[[services]]` table.
pub const DAEMON_SERVICE_KEYS: [&str; 10] = [
    "on_failure",
    "slow_start",
    "quorum",
    "hysteresis",
    "sorry_server",
    "notify_up",
    "notify_down",
    "quorum_up",
    "quorum_down",
    "check",
];

/// The keys a daemon file adds to each `[[services.destinations]]` table.
pub const DAEMON_DESTINATION_KEYS: [&str; 1] = ["check"];

/// Parses and validates a TOML desired-state file. A daemon file's
/// sections and keys are refused by name: `apply` would otherwise put the
/// services in the kernel without their checks, and the daemon would then
/// fight it.
pub fn parse(file: &str, text: &str) -> Result<Desired, InputError> {
    parse_with(file, text, &mut [&mut DaemonParts])
}

/// Claims the daemon's sections and keys to refuse them with a message
/// that says whose they are.
struct DaemonParts;

fn daemon_only(doc: &Doc<'_>, value: &Value<'_>, what: &str) -> InputError {
    doc.err(
        &value.span(),
        format!(
            "{what} belongs to a daemon file: `lvsctl apply` does not run health checks \
             (run the file with `lvsctl daemon --config FILE`, check it with `lvsctl daemon check FILE`)"
        ),
    )
}

impl Extension for DaemonParts {
    fn sections(&self) -> &[&str] {
        &DAEMON_SECTIONS
    }
    fn advertised(&self) -> bool {
        false
    }
    fn service_keys(&self) -> &[&str] {
        &DAEMON_SERVICE_KEYS
    }
    fn destination_keys(&self) -> &[&str] {
        &DAEMON_DESTINATION_KEYS
    }
    fn section(&mut self, doc: &Doc<'_>, name: &str, value: Value<'_>) -> Result<(), InputError> {
        Err(daemon_only(doc, &value, &format!("[{name}]")))
    }
    fn service_key(
        &mut self,
        doc: &Doc<'_>,
        _: &ServiceKey,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        Err(daemon_only(doc, &value, &format!("services.{key}")))
    }
    fn destination_key(
        &mut self,
        doc: &Doc<'_>,
        _: &ServiceKey,
        _: &Destination,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        Err(daemon_only(doc, &value, &format!("services.destinations.{key}")))
    }
}

/// Parses and validates a TOML desired-state file whose other sections and
/// keys `extensions` read.
pub fn parse_with(
    file: &str,
    text: &str,
    extensions: &mut [&mut dyn Extension],
) -> Result<Desired, InputError> {
    read(file, text, extensions, true)
}

/// [`parse_with`]; `split`: `[[services]]` blocks parsed one at a time
/// when the text allows it.
fn read(
    file: &str,
    text: &str,
    extensions: &mut [&mut dyn Extension],
    split: bool,
) -> Result<Desired, InputError> {
    let lines = newlines(text);
    let doc = Doc {
        file,
        newlines: &lines,
        base: 0,
    };
    // Stage 1: the document; `[[services]]` blocks one at a time when
    // the file is written that way (see [`service_blocks`]).
    let blocks = if split { service_blocks(text) } else { None };
    let rest;
    let whole = match &blocks {
        Some(blocks) => {
            rest = blank(text, blocks);
            rest.as_str()
        }
        None => text,
    };
    let mut top: DeTable<'_> = DeTable::parse(whole)
        .map_err(|e| doc.toml_error(&e))?
        .into_inner();
    if blocks.is_some() && top.contains_key("services") {
        // `services` also written some other way (an error, or an inline
        // array): the whole document decides.
        return read(file, text, extensions, false);
    }
    // Every top-level key belongs to someone.
    for key in top.keys() {
        let name = key.get_ref().as_ref();
        let known = SECTIONS.iter().any(|(n, _)| *n == name)
            || extensions.iter().any(|x| x.sections().contains(&name));
        if !known {
            let mut all: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
            for x in extensions.iter().filter(|x| x.advertised()) {
                all.extend(x.sections().iter().copied());
            }
            return Err(doc.err(&key.span(), unknown_field(name, &all)));
        }
    }
    // Stage 2: section by section.
    let mut b = Builder {
        table: Table::default(),
        source: Source {
            file: file.to_string(),
            ..Source::default()
        },
        extensions,
    };
    for (name, read) in SECTIONS {
        if name == "services" {
            if let Some(blocks) = &blocks {
                for r in blocks {
                    let part = Doc { base: r.start, ..doc };
                    let mut t = DeTable::parse(&text[r.clone()])
                        .map_err(|e| part.toml_error(&e))?
                        .into_inner();
                    services(&part, t.remove("services"), &mut b)?;
                }
                continue;
            }
        }
        read(&doc, top.remove(name), &mut b)?;
    }
    for (key, value) in top {
        let name = key.get_ref().as_ref();
        if let Some(x) = b.extensions.iter_mut().find(|x| x.sections().contains(&name)) {
            x.section(&doc, name, value)?;
        }
    }
    Ok(Desired {
        table: b.table,
        source: b.source,
    })
}

/// The byte ranges of the `[[services]]` blocks of `text`: each from its
/// `[[services]]` line to the next header that is not a `services.`
/// sub-table (`[services.check]`, `[[services.destinations]]`). `None`
/// when there are none, or when the text has something a line scanner
/// cannot be sure of (a multi-line string, a quoted header name).
///
/// Why: the TOML parser holds every token and event of a document while
/// it builds the tree, some 30 times the text: 140 MB for the benchmark's
/// 37,298-server file. Parsed a block at a time, with the rest of the file
/// (its other sections) parsed once with the blocks blanked out, the peak
/// is one block. The blocks are tables of the same array in file order,
/// so the result is the same as the whole document's, and so is the error
/// of a file with one; a file with several may have another of them named
/// first (a block's syntax error comes when the services are read, after
/// the other sections).
fn service_blocks(text: &str) -> Option<Vec<Range<usize>>> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut blocks: Vec<Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    // Open brackets and braces of a value spanning lines (an array).
    let mut depth: i64 = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let (code, balance) = scan(line)?;
        if depth == 0 {
            if let Some(name) = header(code)? {
                let sub = name.starts_with("services.");
                if name == "services" && code.trim_start().starts_with("[[") {
                    if let Some(o) = open.replace(start) {
                        blocks.push(o..start);
                    }
                } else if !sub {
                    if let Some(o) = open.take() {
                        blocks.push(o..start);
                    }
                } else if open.is_none() {
                    return None; // a services sub-table outside a block
                }
                continue;
            }
        }
        depth += balance;
    }
    if let Some(o) = open {
        blocks.push(o..text.len());
    }
    (!blocks.is_empty()).then_some(blocks)
}

/// One line read as a scanner can: the line without its comment, and its
/// opening minus closing brackets and braces outside strings; `None` when
/// a string on it is not closed.
fn scan(line: &str) -> Option<(&str, i64)> {
    let b = line.as_bytes();
    let (mut depth, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'#' => return Some((&line[..i], depth)),
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth -= 1,
            q @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    match b.get(i) {
                        None | Some(b'\n') => return None,
                        Some(b'\\') if q == b'"' => i += 2,
                        Some(c) if *c == q => break,
                        Some(_) => i += 1,
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some((line, depth))
}

/// The name of a table header line (`[a.b]`, `[[a.b]]`), without spaces;
/// `Some(None)` for a line that is not one; `None` for a header this
/// scanner does not read (quoted names).
fn header(code: &str) -> Option<Option<String>> {
    let t = code.trim();
    let inner = if let Some(r) = t.strip_prefix("[[") {
        r.strip_suffix("]]")
    } else if let Some(r) = t.strip_prefix('[') {
        r.strip_suffix(']')
    } else {
        return Some(None);
    };
    let Some(inner) = inner else {
        return Some(None);
    };
    if inner.contains(['"', '\'']) {
        return None;
    }
    let name: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    if name.is_empty() || !name.chars().all(bare) {
        return Some(None); // a value such as `[1, 2]` on a line of its own
    }
    Some(Some(name))
}

/// `text` with the bytes of `blocks` made spaces, but for the newline
/// that ends each: the rest keeps its offsets (its lines are counted in
/// the original text), and a block is one run of blanks to the parser.
fn blank(text: &str, blocks: &[Range<usize>]) -> String {
    let mut out = text.as_bytes().to_vec();
    for r in blocks {
        let end = if out[r.clone()].ends_with(b"\n") {
            r.end - 1
        } else {
            r.end
        };
        out[r.start..end].fill(b' ');
    }
    // Only ASCII bytes were written over whole blocks, which start and
    // end at line boundaries.
    String::from_utf8(out).unwrap_or_default()
}

/// serde's words for a key a struct does not have.
fn unknown_field(name: &str, expected: &[&str]) -> String {
    let list: Vec<String> = expected.iter().map(|n| format!("`{n}`")).collect();
    match list.len() {
        0 => format!("unknown field `{name}`, there are no fields"),
        1 => format!("unknown field `{name}`, expected {}", list[0]),
        2 => format!("unknown field `{name}`, expected {} or {}", list[0], list[1]),
        _ => format!("unknown field `{name}`, expected one of {}", list.join(", ")),
    }
}

fn timeouts(doc: &Doc<'_>, value: Option<Value<'_>>, b: &mut Builder<'_, '_>) -> Result<(), InputError> {
    let mut timeouts = DEFAULT_TIMEOUTS;
    if let Some(value) = value {
        let span = value.span();
        let t: TimeoutsToml = doc.decode(value)?;
        b.source.timeouts = Some(doc.line(&span));
        for (name, v, slot) in [
            ("tcp", t.tcp, &mut timeouts.tcp),
            ("tcp_fin", t.tcp_fin, &mut timeouts.tcp_fin),
            ("udp", t.udp, &mut timeouts.udp),
        ] {
            if let Some(v) = v {
                if v == 0 || v > i32::MAX as u32 {
                    return Err(doc.err(
                        &span,
                        format!("timeouts.{name} must be 1 to {} seconds", i32::MAX),
                    ));
                }
                *slot = v;
            }
        }
    }
    b.table.timeouts = Some(timeouts);
    Ok(())
}

fn sysctl(doc: &Doc<'_>, value: Option<Value<'_>>, b: &mut Builder<'_, '_>) -> Result<(), InputError> {
    let mut sysctls: BTreeMap<String, i64> = SYSCTLS.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    if let Some(value) = value {
        let named: BTreeMap<String, Spanned<i64>> = doc.decode(value)?;
        for (name, value) in named {
            let span = value.span();
            let Some(known) = vs_sysctl(&name) else {
                let mut known: Vec<&str> = VS_SYSCTLS.iter().map(|s| s.name).collect();
                known.sort_unstable();
                return Err(doc.err(
                    &span,
                    format!("unknown sysctl {name:?} (known: {})", known.join(", ")),
                ));
            };
            let v = value.into_inner();
            known
                .check(v)
                .map_err(|why| doc.err(&span, format!("sysctl.{name} {why}")))?;
            b.source.sysctls.insert(name.clone(), doc.line(&span));
            sysctls.insert(name, v);
        }
    }
    b.table.sysctls = Some(sysctls);
    Ok(())
}

fn daemons(doc: &Doc<'_>, value: Option<Value<'_>>, b: &mut Builder<'_, '_>) -> Result<(), InputError> {
    let list: Vec<Spanned<DaemonToml>> = match value {
        Some(v) => doc.decode(v)?,
        None => Vec::new(),
    };
    let mut daemons: Vec<SyncDaemon> = Vec::new();
    for d in &list {
        let span = d.span();
        let t = d.get_ref();
        let state = match t.state.parse::<DaemonState>() {
            Ok(s) => s,
            Err(_) => {
                let other = &t.state;
                return Err(doc.err(
                    &span,
                    format!("daemon state {other:?}: expected \"master\" or \"backup\""),
                ));
            }
        };
        if daemons.iter().any(|x| x.state == state) {
            return Err(doc.err(
                &span,
                format!("a second {} daemon (the kernel runs one of each)", t.state),
            ));
        }
        if t.interface.is_empty() || t.interface.len() > 15 || t.interface.contains(['/', ' ']) {
            return Err(doc.err(&span, format!("invalid interface name {:?}", t.interface)));
        }
        b.source.daemon(state, doc.line(&span));
        daemons.push(SyncDaemon {
            state,
            mcast_ifn: t.interface.clone(),
            syncid: u32::from(t.syncid.unwrap_or(0)),
            sync_maxlen: t.maxlen,
            mcast_group: t.group,
            mcast_port: t.port,
            mcast_ttl: t.ttl,
        });
    }
    b.table.daemons = Some(daemons);
    Ok(())
}

/// A key an extension claimed inside a service (`dest` `None`) or one of
/// its real servers.
struct Claimed<'a> {
    service: usize,
    dest: Option<usize>,
    key: String,
    value: Value<'a>,
}

/// Takes the keys in `wanted` out of a table, if `value` is one.
fn claim<'a>(
    value: &mut Value<'a>,
    wanted: &[&str],
    service: usize,
    dest: Option<usize>,
    out: &mut Vec<Claimed<'a>>,
) {
    let DeValue::Table(t) = value.get_mut() else {
        return;
    };
    for key in wanted {
        if let Some((k, v)) = t.remove_entry(*key) {
            out.push(Claimed {
                service,
                dest,
                key: k.into_inner().into_owned(),
                value: v,
            });
        }
    }
}

fn services(doc: &Doc<'_>, value: Option<Value<'_>>, b: &mut Builder<'_, '_>) -> Result<(), InputError> {
    let Some(mut value) = value else {
        return Ok(());
    };
    // Keys the extensions read come out before serde sees the tables.
    let service_keys: Vec<&str> = b
        .extensions
        .iter()
        .flat_map(|x| x.service_keys().iter().copied())
        .collect();
    let dest_keys: Vec<&str> = b
        .extensions
        .iter()
        .flat_map(|x| x.destination_keys().iter().copied())
        .collect();
    let mut claimed: Vec<Claimed<'_>> = Vec::new();
    if !service_keys.is_empty() || !dest_keys.is_empty() {
        if let DeValue::Array(list) = value.get_mut() {
            for (i, s) in list.iter_mut().enumerate() {
                claim(s, &service_keys, i, None, &mut claimed);
                if let DeValue::Table(t) = s.get_mut() {
                    if let Some(ds) = t.get_mut("destinations") {
                        if let DeValue::Array(ds) = ds.get_mut() {
                            for (j, d) in ds.iter_mut().enumerate() {
                                claim(d, &dest_keys, i, Some(j), &mut claimed);
                            }
                        }
                    }
                }
            }
        }
    }
    let list: Vec<Spanned<ServiceToml>> = doc.decode(value)?;
    let first = b.table.services.len();
    // Every real server of each service as the file lists them, switched
    // off ones included (the claimed keys are numbered that way).
    let mut files: Vec<Vec<Destination>> = Vec::new();
    for s in &list {
        let span = s.span();
        let line = doc.line(&span);
        let index = b.table.services.len();
        let (spec, all) = service(doc, &span, s.get_ref(), &mut b.source, index)?;
        for x in b.extensions.iter_mut() {
            x.service_destinations(&spec.service.key, &all);
        }
        files.push(all);
        if let Some(first) = b.source.add_service(spec.service.key, line, index) {
            return Err(doc.err(&span, format!("service defined twice (first on line {first})")));
        }
        b.table.services.push(spec);
    }
    for c in claimed {
        let spec = &b.table.services[first + c.service];
        let key = c.key.as_str();
        match c.dest {
            None => {
                if let Some(x) = b.extensions.iter_mut().find(|x| x.service_keys().contains(&key)) {
                    x.service_key(doc, &spec.service.key, key, c.value)?;
                }
            }
            Some(j) => {
                // A switched-off server's keys are still read and checked
                // (its check's syntax, say); the server itself is not in
                // the table, and nothing probes it.
                let Some(dest) = files[c.service].get(j) else {
                    continue;
                };
                if let Some(x) = b
                    .extensions
                    .iter_mut()
                    .find(|x| x.destination_keys().contains(&key))
                {
                    x.destination_key(doc, &spec.service.key, dest, key, c.value)?;
                }
            }
        }
    }
    Ok(())
}

fn service(
    cx: &Doc<'_>,
    span: &Range<usize>,
    t: &ServiceToml,
    source: &mut Source,
    index: usize,
) -> Result<(ServiceSpec, Vec<Destination>), InputError> {
    let key = match (t.fwmark, &t.protocol, t.address) {
        (Some(mark), None, None) => {
            if mark == 0 {
                return Err(cx.err(span, "fwmark must be 1 or more"));
            }
            if t.port.is_some() {
                return Err(cx.err(span, "a firewall-mark service has no port"));
            }
            let af = match t.family.as_deref() {
                None | Some("ipv4") => AddressFamily::Inet,
                Some("ipv6") => AddressFamily::Inet6,
                Some(other) => {
                    return Err(cx.err(span, format!("family {other:?}: expected \"ipv4\" or \"ipv6\"")))
                }
            };
            ServiceKey::Fwmark { af, mark }
        }
        (None, Some(p), Some(addr)) => {
            let protocol = match p.as_str() {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                other => return Err(cx.err(span, format!("protocol {other:?}: expected tcp, udp or sctp"))),
            };
            let family = if addr.is_ipv4() { "ipv4" } else { "ipv6" };
            if t.family.as_deref().is_some_and(|f| f != family) {
                return Err(cx.err(span, format!("family does not match address {addr}")));
            }
            ServiceKey::Addr {
                protocol,
                addr,
                port: t.port.unwrap_or(0),
            }
        }
        (Some(_), _, _) => {
            return Err(cx.err(
                span,
                "a service has either fwmark or protocol and address, not both",
            ))
        }
        _ => return Err(cx.err(span, "a service needs protocol and address (and port), or fwmark")),
    };
    let mut svc = Service::new(key);
    if let Some(name) = &t.scheduler {
        if name.is_empty() || name.len() > NAME_MAX || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(cx.err(span, format!("invalid scheduler name {name:?}")));
        }
        svc.scheduler = name.clone();
    }
    let mut flags = 0u32;
    if !t.sched_flags.is_empty() {
        flags |= crate::ipvsadm::parse_sched_flags(&svc.scheduler, &t.sched_flags.join(","))
            .map_err(|e| cx.err(span, e.message))?;
    }
    let persistent = t.persistent.unwrap_or(false);
    if persistent {
        flags |= ServiceFlags::PERSISTENT;
        svc.timeout = t.timeout.unwrap_or(300);
        if svc.timeout == 0 || svc.timeout > MAX_TIMEOUT {
            return Err(cx.err(span, format!("timeout must be 1 to {MAX_TIMEOUT} seconds")));
        }
    } else if t.timeout.is_some() || t.netmask.is_some() {
        return Err(cx.err(span, "timeout and netmask need persistent = true"));
    }
    if let Some(m) = &t.netmask {
        svc.netmask = match (key.af(), m) {
            (AddressFamily::Inet, ::toml::Value::String(s)) => match s.parse::<Ipv4Addr>() {
                Ok(a) => u32::from(a),
                Err(_) => return Err(cx.err(span, format!("netmask {s:?} is not an IPv4 mask"))),
            },
            (AddressFamily::Inet6, ::toml::Value::Integer(n)) if (1..=128).contains(n) => *n as u32,
            (AddressFamily::Inet, _) => {
                return Err(cx.err(span, "an IPv4 netmask is a string such as \"255.255.255.0\""))
            }
            (AddressFamily::Inet6, _) => {
                return Err(cx.err(span, "an IPv6 netmask is a prefix length, 1 to 128"))
            }
        };
    }
    if let ServiceKey::Addr { port: 0, .. } = key {
        if !persistent {
            return Err(cx.err(span, "port 0 (or none) is only for persistent services"));
        }
    }
    if t.one_packet.unwrap_or(false) {
        if matches!(key, ServiceKey::Addr { protocol, .. } if protocol != Protocol::Udp) {
            return Err(cx.err(
                span,
                "one-packet scheduling is only for UDP services (and firewall marks)",
            ));
        }
        flags |= ServiceFlags::ONEPACKET;
    }
    if let Some(pe) = &t.pe {
        if pe.is_empty() || pe.len() > NAME_MAX || !pe.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(cx.err(span, format!("invalid persistence engine name {pe:?}")));
        }
        svc.pe_name = Some(pe.clone());
    }
    svc.flags = ServiceFlags(flags);

    let mut dests: Vec<Destination> = Vec::new();
    let mut all: Vec<Destination> = Vec::new();
    let mut seen: HashMap<(IpAddr, u16), usize> = HashMap::new();
    for d in &t.destinations {
        let dspan = d.span();
        let dline = cx.line(&dspan);
        let dest = destination(cx, &dspan, d.get_ref(), &key)?;
        if let Some(first) = seen.insert((dest.addr, dest.port), dline) {
            return Err(cx.err(
                &dspan,
                format!("real server defined twice (first on line {first})"),
            ));
        }
        // `enabled = false` (piranha's `active = 0`): checked like the
        // others, left out of the table.
        if d.get_ref().enabled != Some(false) {
            source.add_dest(index, dest.addr, dest.port, dline);
            dests.push(dest.clone());
        }
        all.push(dest);
    }
    Ok((ServiceSpec { service: svc, dests }, all))
}

fn destination(
    cx: &Doc<'_>,
    span: &Range<usize>,
    t: &DestToml,
    key: &ServiceKey,
) -> Result<Destination, InputError> {
    let fwd = match t.forward.as_deref().unwrap_or("route") {
        "route" | "dr" | "gate" => ForwardMethod::Route,
        "masq" | "nat" => ForwardMethod::Masq,
        "tunnel" | "tun" | "ipip" => ForwardMethod::Tunnel,
        other => return Err(cx.err(span, format!("forward {other:?}: expected route, masq or tunnel"))),
    };
    let svc_port = match key {
        ServiceKey::Addr { port, .. } => Some(*port),
        ServiceKey::Fwmark { .. } => None,
    };
    let port = match (t.port, svc_port, fwd) {
        (Some(p), Some(sp), ForwardMethod::Route | ForwardMethod::Tunnel) if p != sp => {
            return Err(cx.err(
                span,
                format!(
                "with direct routing or tunnelling the real server's port is the service's ({sp}), not {p}"
            ),
            ))
        }
        (Some(p), _, _) => p,
        (None, Some(sp), _) => sp,
        (None, None, _) => 0,
    };
    let mut d = Destination::new(t.address, port);
    d.fwd = fwd;
    if d.af() != key.af() && fwd != ForwardMethod::Tunnel {
        return Err(cx.err(
            span,
            "a real server of another address family needs forward = \"tunnel\"",
        ));
    }
    d.weight = t.weight.unwrap_or(1);
    if d.weight > i32::MAX as u32 {
        return Err(cx.err(span, format!("weight must be 0 to {}", i32::MAX)));
    }
    d.u_threshold = t.u_threshold.unwrap_or(0);
    d.l_threshold = t.l_threshold.unwrap_or(0);
    if d.u_threshold > i32::MAX as u32 || d.l_threshold > i32::MAX as u32 {
        return Err(cx.err(span, format!("thresholds must be 0 to {}", i32::MAX)));
    }
    if d.l_threshold > d.u_threshold {
        return Err(cx.err(
            span,
            format!(
                "l_threshold {} is above u_threshold {} (the kernel refuses that)",
                d.l_threshold, d.u_threshold
            ),
        ));
    }
    if let Some(tun) = &t.tunnel {
        if fwd != ForwardMethod::Tunnel {
            return Err(cx.err(span, "tunnel options need forward = \"tunnel\""));
        }
        d.tun_type = match tun.kind.as_deref().unwrap_or("ipip") {
            "ipip" => TunnelType::Ipip,
            "gue" => TunnelType::Gue,
            "gre" => TunnelType::Gre,
            other => return Err(cx.err(span, format!("tunnel type {other:?}: expected ipip, gue or gre"))),
        };
        match (d.tun_type, tun.port) {
            (TunnelType::Gue, Some(0) | None) => {
                return Err(cx.err(span, "a gue tunnel needs a port (1-65535)"))
            }
            (TunnelType::Gue, Some(p)) => d.tun_port = p,
            (_, Some(_)) => return Err(cx.err(span, "only gue tunnels have a port")),
            (_, None) => {}
        }
        d.tun_flags = match (d.tun_type, tun.csum.as_deref()) {
            (_, None | Some("nocsum")) => tun_flags::NOCSUM,
            (TunnelType::Ipip, Some(_)) => return Err(cx.err(span, "ipip tunnels have no checksum option")),
            // The kernel ignores it and ipvsadm refuses it, so a saved
            // table with it would not read back as rules.
            (TunnelType::Gre, Some("remcsum")) => {
                return Err(cx.err(span, "remote checksum offload (remcsum) is for gue tunnels only"))
            }
            (_, Some("csum")) => tun_flags::CSUM,
            (_, Some("remcsum")) => tun_flags::REMCSUM,
            (_, Some(other)) => {
                return Err(cx.err(
                    span,
                    format!("tunnel csum {other:?}: expected nocsum, csum or remcsum"),
                ))
            }
        };
    }
    Ok(d)
}

fn q(s: &str) -> String {
    ::toml::Value::String(s.to_string()).to_string()
}

/// Writes a table in the TOML format (parts that are `None` are left
/// out, which a later `apply` reads as their defaults).
pub fn render(table: &Table) -> String {
    let mut out = String::new();
    render_each(table, &mut |chunk| out.push_str(chunk));
    out
}

/// [`render`] in pieces (the head, then one service at a time), so a large
/// table is written out without ever being one string.
pub fn render_each(table: &Table, emit: &mut dyn FnMut(&str)) {
    use std::fmt::Write as _;
    let mut out = String::from("# lvsctl desired state (TOML); apply with: lvsctl apply FILE\n");
    if let Some(t) = table.timeouts {
        let _ = write!(
            out,
            "\n[timeouts]\ntcp = {}\ntcp_fin = {}\nudp = {}\n",
            t.tcp, t.tcp_fin, t.udp
        );
    }
    if let Some(s) = &table.sysctls {
        out.push_str("\n[sysctl]\n");
        for (k, v) in s {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    for d in table.daemons.iter().flatten() {
        let state = d.state.as_str();
        let _ = write!(
            out,
            "\n[[daemons]]\nstate = \"{state}\"\ninterface = {}\nsyncid = {}\n",
            q(&d.mcast_ifn),
            d.syncid
        );
        if let Some(v) = d.sync_maxlen {
            let _ = writeln!(out, "maxlen = {v}");
        }
        if let Some(v) = d.mcast_group {
            let _ = writeln!(out, "group = \"{v}\"");
        }
        if let Some(v) = d.mcast_port {
            let _ = writeln!(out, "port = {v}");
        }
        if let Some(v) = d.mcast_ttl {
            let _ = writeln!(out, "ttl = {v}");
        }
    }
    emit(&out);
    for s in &table.services {
        out.clear();
        service_toml(&mut out, s);
        emit(&out);
    }
}

fn service_toml(out: &mut String, s: &ServiceSpec) {
    use std::fmt::Write as _;
    let svc = &s.service;
    out.push_str("\n[[services]]\n");
    match svc.key {
        ServiceKey::Addr { protocol, addr, port } => {
            let p = match protocol {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
                Protocol::Sctp => "sctp",
                Protocol::Other(_) => "unknown",
            };
            let _ = write!(out, "protocol = \"{p}\"\naddress = \"{addr}\"\nport = {port}\n");
        }
        ServiceKey::Fwmark { af, mark } => {
            let _ = write!(out, "fwmark = {mark}\nfamily = \"{}\"\n", af.as_str());
        }
    }
    let _ = writeln!(out, "scheduler = {}", q(&svc.scheduler));
    let flags = crate::ipvsadm::format::sched_flags(svc);
    if !flags.is_empty() {
        let list: Vec<String> = flags.split(',').map(q).collect();
        let _ = writeln!(out, "sched_flags = [{}]", list.join(", "));
    }
    if svc.flags.has(ServiceFlags::PERSISTENT) {
        let _ = writeln!(out, "persistent = true\ntimeout = {}", svc.timeout);
        match svc.key.af() {
            AddressFamily::Inet if svc.netmask != u32::MAX => {
                let _ = writeln!(out, "netmask = \"{}\"", svc.netmask_v4());
            }
            AddressFamily::Inet6 if svc.netmask != 128 => {
                let _ = writeln!(out, "netmask = {}", svc.netmask);
            }
            _ => {}
        }
    }
    if svc.flags.has(ServiceFlags::ONEPACKET) {
        out.push_str("one_packet = true\n");
    }
    if let Some(pe) = &svc.pe_name {
        let _ = writeln!(out, "pe = {}", q(pe));
    }
    for d in &s.dests {
        let fwd = match d.fwd {
            ForwardMethod::Masq => "masq",
            ForwardMethod::Tunnel => "tunnel",
            _ => "route",
        };
        let _ = write!(
            out,
            "\n  [[services.destinations]]\n  address = \"{}\"\n  port = {}\n  forward = \"{fwd}\"\n  weight = {}\n",
            d.addr, d.port, d.weight
        );
        if d.u_threshold != 0 || d.l_threshold != 0 {
            let _ = write!(
                out,
                "  u_threshold = {}\n  l_threshold = {}\n",
                d.u_threshold, d.l_threshold
            );
        }
        if d.fwd == ForwardMethod::Tunnel {
            let (kind, port, csum) = match d.tun_type {
                TunnelType::Gue => ("gue", Some(d.tun_port), true),
                TunnelType::Gre => ("gre", None, true),
                _ => ("ipip", None, false),
            };
            let mut t = format!("type = \"{kind}\"");
            if let Some(p) = port {
                let _ = write!(t, ", port = {p}");
            }
            if csum {
                let c = match d.tun_flags {
                    tun_flags::CSUM => "csum",
                    tun_flags::REMCSUM => "remcsum",
                    _ => "nocsum",
                };
                let _ = write!(t, ", csum = \"{c}\"");
            }
            let _ = writeln!(out, "  tunnel = {{ {t} }}");
        }
    }
}

#[cfg(test)]
mod tests;
