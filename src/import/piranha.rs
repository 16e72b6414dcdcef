//! piranha's `lvs.cf` (piranha 0.8: pulse, lvsd, nanny).
//!
//! # The format, as piranha's own reader takes it
//!
//! One setting per line, `key = value` with the `=` its own word, words
//! split on blanks; a word that starts with `"` or `'` runs to the next
//! identical quote (no escapes at that level). `#` starts a comment only
//! as the first word of a line. Blocks open with `virtual NAME {`,
//! `server NAME {` (inside a virtual) or `failover NAME {` on one line and
//! close with a line starting `}`; a block still open at the end of the
//! file is closed there. Keys and values are case-sensitive; an unknown
//! key makes pulse and lvsd refuse the file, and so does this reader
//! (exit 2). Integers are C's (`0x50`, `010`); ports may be names from
//! `/etc/services`. This reader is a little more lenient than piranha's:
//! CRLF line ends (which make piranha skip every line after the first),
//! `key=value` without blanks, `address` without its device.
//!
//! # What it becomes
//!
//! What lvsd and nanny would program, which is not always what lvs.cf(5)
//! says (read in piranha's code):
//!
//! * Each active `virtual` is a service (`-A`, even with no server up;
//!   `active` defaults to 0, and an inactive one programs nothing, so it
//!   is reported and left out). Each `server` is a real server with the
//!   global `network` method (its default is `nat`); an inactive one
//!   (`active` also defaults to 0) is written with `enabled = false`.
//!   nanny runs a weight of 0 at 1.
//! * nanny's check runs every `timeout` seconds (default 10) with the same
//!   timeout; one failure takes a server out (`ipvsadm -d`, or weight 0
//!   with `quiesce_server`), and `reentry` seconds of successes (default
//!   180) bring it back: `fall = 1`, `rise = ceil(reentry / timeout)`.
//!   `send`/`expect` (with nanny's `\n \r \t \\ \' \"` escapes) become a
//!   `send-expect` check, or `udp` on a UDP virtual; nanny compares the
//!   start of the reply with `expect` (a regex with `use_regex`, and `*`
//!   alone means any reply). With none of them on port 80 nanny sends
//!   `GET / HTTP/1.0` and expects `HTTP`, and that is written out; with
//!   none elsewhere it only connects. `send_program` is a `command` check
//!   whose output, less its last byte, must equal `expect`.
//! * `sorry_server` (an address) is the service's sorry server on the
//!   service's port with the global method; lvsd adds it when no server
//!   is up, which is lvsctl's quorum of 1.
//! * nanny's slow start (a server comes back at weight/32, doubled about
//!   every 20 seconds) is a linear `slow_start` of the same length.
//! * pulse's heartbeat becomes one VRRP instance: the director named by
//!   `--node` at priority 150 (primary) or 100 (backup), adverts every
//!   `keepalive` seconds, unicast between the `primary` and `backup`
//!   addresses (pulse's heartbeats are unicast), no preemption (a primary
//!   that comes back stays backup under pulse), every active virtual's
//!   address and `nat_router` as its VIPs, on the device of the first
//!   VIP. `deadtime` has no VRRP equivalent: the takeover comes after
//!   three adverts and a skew, which is reported. `syncdaemon` follows
//!   the instance as pulse does it.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::toml_out::{inline, Doc, Table, Value};
use super::{ImportError, Node, Note, Options};
use crate::ipvs::Protocol;

/// The VRID written for pulse's heartbeat (pulse has none; both directors
/// get the same one from the same lvs.cf).
const VRID: u8 = 51;

/// Keys piranha takes at the top level.
const GLOBAL_KEYS: &[&str] = &[
    "service",
    "primary",
    "primary_private",
    "primary_shared",
    "backup",
    "backup_private",
    "backup_shared",
    "reservation_conflict_action",
    "backup_active",
    "heartbeat",
    "heartbeat_port",
    "keepalive",
    "deadtime",
    "rsh_command",
    "debug_level",
    "serial_no",
    "sync",
    "network",
    "nat_router",
    "nat_nmask",
    "monitor_links",
    "syncdaemon",
    "syncd_iface",
    "syncd_id",
    "tcp_timeout",
    "tcpfin_timeout",
    "udp_timeout",
    "hard_shutdown",
    "active_cmd",
    "inactive_cmd",
    "ipvsadm",
];

/// Keys of a `virtual` (and `failover`) block.
const VIRTUAL_KEYS: &[&str] = &[
    "address",
    "active",
    "port",
    "protocol",
    "fwmark",
    "scheduler",
    "persistent",
    "pmask",
    "vip_nmask",
    "sorry_server",
    "timeout",
    "reentry",
    "load_monitor",
    "send",
    "expect",
    "send_program",
    "use_regex",
    "quiesce_server",
    "client_monitor",
    "start_cmd",
    "stop_cmd",
    "master",
    "dirs",
];

/// Keys of a `server` block.
const SERVER_KEYS: &[&str] = &["address", "active", "weight", "port"];

/// The schedulers piranha offers.
const SCHEDULERS: &[&str] = &["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh"];

/// One `key = value...` line.
#[derive(Debug, Clone)]
struct Setting {
    key: String,
    values: Vec<String>,
    line: usize,
}

#[derive(Debug, Default)]
struct Block {
    name: String,
    line: usize,
    settings: Vec<Setting>,
    servers: Vec<Server>,
}

#[derive(Debug)]
struct Server {
    block: Block,
    /// The virtual's port when the block opened (nanny's real port
    /// default).
    port_then: Option<Setting>,
}

impl Block {
    /// The last setting of `key` (piranha's reader overwrites).
    fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

#[derive(Debug, Default)]
struct File {
    global: Block,
    virtuals: Vec<Block>,
    failovers: Vec<Block>,
}

/// Splits a line into words: blanks separate, a quoted word runs to its
/// closing quote (kept, so that callers know it was quoted).
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c == ' ' || c == '\t' {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let rest = &line[i + 1..];
            let Some(end) = rest.find(c) else {
                return Err(format!("unterminated {c} quote"));
            };
            out.push(line[i..i + 1 + end + 1].to_string());
            while chars.peek().is_some_and(|&(j, _)| j < i + 1 + end + 1) {
                chars.next();
            }
            continue;
        }
        let start = i;
        let mut end = line.len();
        while let Some(&(j, c)) = chars.peek() {
            if c == ' ' || c == '\t' {
                end = j;
                break;
            }
            chars.next();
        }
        out.push(line[start..end].to_string());
    }
    Ok(out)
}

/// A word without its quotes.
fn unquote(w: &str) -> &str {
    let b = w.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &w[1..w.len() - 1]
    } else {
        w
    }
}

fn parse_file(file: &str, text: &str) -> Result<File, ImportError> {
    let err = |line: usize, m: String| ImportError::parse(file, line, m);
    let mut f = File::default();
    // Where lines go: 0 top level, 1 a virtual or failover, 2 a server.
    let mut in_virtual: Option<(Block, bool)> = None; // (block, is failover)
    let mut in_server: Option<Server> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let mut w = words(line).map_err(|m| err(no, m))?;
        if w.is_empty() || w[0].starts_with('#') {
            continue;
        }
        if w[0].starts_with('}') {
            if let Some(s) = in_server.take() {
                // A server is only opened inside a virtual.
                if let Some((v, _)) = in_virtual.as_mut() {
                    v.servers.push(s);
                }
            } else if let Some((v, failover)) = in_virtual.take() {
                if failover {
                    f.failovers.push(v);
                } else {
                    f.virtuals.push(v);
                }
            } else {
                return Err(err(no, "`}` without a block to close".into()));
            }
            continue;
        }
        // `key=value` and `key= value`: split at the first `=`.
        if w.len() < 3 && !w[0].starts_with(['"', '\'']) {
            if let Some(eq) = w[0].find('=') {
                let (k, v) = w[0].split_at(eq);
                let v = v[1..].to_string();
                let mut split = vec![k.to_string(), "=".to_string()];
                if !v.is_empty() {
                    split.push(v);
                }
                split.extend(w.drain(1..));
                w = split;
            }
        }
        // `key =value`.
        if w.len() == 2 && w[1].len() > 1 && w[1].starts_with('=') && !w[0].contains('=') {
            let v = w[1][1..].to_string();
            w = vec![w[0].clone(), "=".to_string(), v];
        }
        let opens = w.last().is_some_and(|x| x == "{");
        if opens && matches!(w[0].as_str(), "virtual" | "failover" | "server") {
            if w.len() != 3 {
                return Err(err(no, format!("expected `{} NAME {{`", w[0])));
            }
            let block = Block {
                name: unquote(&w[1]).to_string(),
                line: no,
                ..Block::default()
            };
            match (w[0].as_str(), &in_virtual, &in_server) {
                ("server", Some((v, false)), None) => {
                    in_server = Some(Server {
                        block,
                        port_then: v.get("port").cloned(),
                    })
                }
                ("server", _, _) => {
                    return Err(err(no, "a server block belongs inside a virtual block".into()))
                }
                (kind, None, None) => in_virtual = Some((block, kind == "failover")),
                (kind, _, _) => {
                    return Err(err(no, format!("a {kind} block cannot be inside another block")))
                }
            }
            continue;
        }
        if w.len() < 2 || w[1] != "=" {
            return Err(err(no, format!("expected `{} = VALUE`", w[0])));
        }
        let key = w[0].clone();
        let values: Vec<String> = w[2..].to_vec();
        let (allowed, what) = if in_server.is_some() {
            (SERVER_KEYS, "server")
        } else if in_virtual.is_some() {
            (VIRTUAL_KEYS, "virtual")
        } else {
            (GLOBAL_KEYS, "global")
        };
        if !allowed.contains(&key.as_str()) {
            return Err(err(
                no,
                format!("unknown {what} setting `{key}` (piranha refuses it too)"),
            ));
        }
        if values.is_empty() && key != "dirs" {
            return Err(err(no, format!("`{key}` has no value")));
        }
        let s = Setting {
            key,
            values,
            line: no,
        };
        if let Some(srv) = in_server.as_mut() {
            srv.block.settings.push(s);
        } else if let Some((v, _)) = in_virtual.as_mut() {
            v.settings.push(s);
        } else {
            f.global.settings.push(s);
        }
    }
    // piranha closes what the end of the file leaves open.
    if let Some(s) = in_server.take() {
        if let Some((v, _)) = in_virtual.as_mut() {
            v.servers.push(s);
        }
    }
    if let Some((v, failover)) = in_virtual.take() {
        if failover {
            f.failovers.push(v);
        } else {
            f.virtuals.push(v);
        }
    }
    Ok(f)
}

/// What the conversion keeps while it runs.
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

    /// The one value of `s`.
    fn one<'s>(&self, s: &'s Setting) -> Result<&'s str, ImportError> {
        match s.values.as_slice() {
            [v] => Ok(unquote(v)),
            _ => Err(self.err(s.line, format!("`{}` takes one value", s.key))),
        }
    }

    /// An integer as C's `strtol(.., 0)` reads it.
    fn int(&self, s: &Setting) -> Result<i64, ImportError> {
        let v = self.one(s)?;
        c_int(v).ok_or_else(|| self.err(s.line, format!("`{}`: {v:?} is not a number", s.key)))
    }

    fn uint(&self, s: &Setting, max: i64) -> Result<i64, ImportError> {
        let n = self.int(s)?;
        if !(0..=max).contains(&n) {
            return Err(self.err(s.line, format!("`{}`: {n} is not 0 to {max}", s.key)));
        }
        Ok(n)
    }

    fn boolean(&self, s: &Setting) -> Result<bool, ImportError> {
        match self.one(s)? {
            "0" => Ok(false),
            "1" => Ok(true),
            v => Err(self.err(s.line, format!("`{}`: {v:?} is not 0 or 1", s.key))),
        }
    }

    fn ipv4(&self, s: &Setting, v: &str) -> Result<Ipv4Addr, ImportError> {
        v.parse()
            .map_err(|_| self.err(s.line, format!("`{}`: {v:?} is not an IPv4 address", s.key)))
    }

    /// A host's address (not 0.0.0.0, broadcast or multicast).
    fn unicast(&self, s: &Setting, v: &str) -> Result<Ipv4Addr, ImportError> {
        let a = self.ipv4(s, v)?;
        if !is_host(a) {
            return Err(self.err(s.line, format!("`{}`: {a} is not a host's address", s.key)));
        }
        Ok(a)
    }

    /// A host: an IPv4 address, or a name the system resolves (reported:
    /// piranha resolves it at each start).
    fn host(&mut self, s: &Setting, v: &str) -> Result<Ipv4Addr, ImportError> {
        if v.parse::<Ipv4Addr>().is_ok() {
            return self.unicast(s, v);
        }
        let found = if crate::ipvsadm::host_lookups_enabled() {
            crate::host::netdb::host_v4(v)
        } else {
            None
        };
        match found.filter(|a| is_host(*a)) {
            Some(a) => {
                self.note(
                    s.line,
                    format!(
                        "`{}`: host name {v:?} resolved to {a} now; piranha resolved it at every start",
                        s.key
                    ),
                );
                Ok(a)
            }
            None => Err(self.err(
                s.line,
                format!("`{}`: {v:?} is not an IPv4 address or a known host name", s.key),
            )),
        }
    }

    /// A netmask written as a dotted address, as a prefix length.
    fn mask(&self, s: &Setting) -> Result<u8, ImportError> {
        let v = self.one(s)?;
        let m = u32::from(self.ipv4(s, v)?);
        if m == 0 || m.leading_ones() + m.trailing_zeros() != 32 {
            return Err(self.err(s.line, format!("`{}`: {v} is not a netmask", s.key)));
        }
        Ok(m.leading_ones() as u8)
    }

    fn port(&self, s: &Setting) -> Result<u16, ImportError> {
        let v = self.one(s)?;
        if let Some(n) = c_int(v) {
            return u16::try_from(n)
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| self.err(s.line, format!("`{}`: {n} is not a port (1 to 65535)", s.key)));
        }
        crate::host::netdb::service_port(v, Protocol::Tcp).ok_or_else(|| {
            self.err(
                s.line,
                format!("`{}`: {v:?} is not a port or a service name", s.key),
            )
        })
    }
}

/// Whether `a` can be one host's address (not 0.0.0.0, broadcast or
/// multicast).
fn is_host(a: Ipv4Addr) -> bool {
    !(a.is_unspecified() || a.is_broadcast() || a.is_multicast())
}

/// `strtol(s, NULL, 0)` over the whole word: decimal, `0x` hex, `0` octal.
fn c_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, h)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let n = i64::from_str_radix(body, radix).ok()?;
    if neg {
        n.checked_neg()
    } else {
        Some(n)
    }
}

/// nanny's escapes in `send` and `expect`.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A string for lvsctl's `send` and `payload`, which read escapes of
/// their own (`\\`, `\n`, `\xHH`): only backslashes need doubling.
fn bytes_value(s: &str) -> String {
    s.replace('\\', "\\\\")
}

/// A VIP from a virtual's `address = IP DEV:N`.
#[derive(Debug, Clone)]
struct Vip {
    addr: Ipv4Addr,
    prefix: u8,
    device: Option<String>,
    label: Option<String>,
}

impl Vip {
    fn value(&self) -> Value {
        let text = format!("{}/{}", self.addr, self.prefix);
        match (&self.device, &self.label) {
            (Some(d), Some(l)) => inline([
                ("address", text.into()),
                ("device", d.clone().into()),
                ("label", l.clone().into()),
            ]),
            (Some(d), None) => inline([("address", text.into()), ("device", d.clone().into())]),
            _ => Value::Str(text),
        }
    }
}

/// `DEV:N` as (device, label); a bare device has no label. A name the
/// kernel would not take (empty, `/`, blanks, more than 15 bytes) is an
/// error: pulse's ifconfig would fail on it.
fn device_label(cx: &Cx<'_>, s: &Setting, v: &str) -> Result<(String, Option<String>), ImportError> {
    let (dev, label) = match v.split_once(':') {
        Some((dev, _)) => (dev, Some(v)),
        None => (v, None),
    };
    let bad = |n: &str| n.is_empty() || n.len() > 15 || n.contains(['/', ' ', '\t']);
    if bad(dev) || label.is_some_and(bad) || dev.contains(':') {
        return Err(cx.err(
            s.line,
            format!("`{}`: {v:?} is not a device name (DEV or DEV:N)", s.key),
        ));
    }
    Ok((dev.to_string(), label.map(str::to_string)))
}

/// The longest time ipvsadm takes (31 days).
const MAX_SECONDS: i64 = 2_678_400;

/// Converts an lvs.cf.
pub fn convert(file: &str, text: &str, opts: &Options) -> Result<(Doc, Vec<Note>), ImportError> {
    let f = parse_file(file, text)?;
    let mut cx = Cx {
        file,
        notes: Vec::new(),
    };
    let g = &f.global;
    let mut doc = Doc::default();
    let node = match opts.node {
        Node::Primary => "primary",
        Node::Backup => "backup",
    };
    doc.heading(format!(
        "lvsctl daemon file converted by `lvsctl import piranha` from {file}"
    ));
    doc.heading(format!(
        "for the {node} director (--node); run it with `lvsctl daemon --config FILE`."
    ));

    if let Some(s) = g.get("service") {
        match cx.one(s)? {
            "lvs" => {}
            "fos" => {
                cx.note(
                    s.line,
                    "service = fos (failover services, pulse starting and stopping commands): not converted, \
                     lvsctl runs LVS only",
                );
                for b in &f.failovers {
                    cx.note(
                        b.line,
                        format!("failover {:?}: not converted (service = fos)", b.name),
                    );
                }
                return Ok((doc, cx.notes));
            }
            v => return Err(cx.err(s.line, format!("service = {v:?}: expected lvs or fos"))),
        }
    }
    for b in &f.failovers {
        cx.note(
            b.line,
            format!(
                "failover {:?}: ignored (piranha runs failover blocks only with service = fos)",
                b.name
            ),
        );
    }

    // Keys piranha reads and acts on nowhere lvsctl could.
    for key in [
        "rsh_command",
        "primary_private",
        "backup_private",
        "primary_shared",
        "backup_shared",
        "reservation_conflict_action",
        "monitor_links",
        "hard_shutdown",
        "active_cmd",
        "inactive_cmd",
        "ipvsadm",
        "heartbeat_port",
    ] {
        if let Some(s) = g.get(key) {
            // With hard_shutdown = 0 pulse kept LVS running as lvsctl does.
            if key == "hard_shutdown" && !cx.boolean(s)? {
                continue;
            }
            let why = match key {
                "rsh_command" => "used by piranha only to read a server's load (load_monitor = uptime); no equivalent",
                "primary_private" | "backup_private" => {
                    "pulse also sent heartbeats over this second network; VRRP here uses the first only"
                }
                "primary_shared" | "backup_shared" | "reservation_conflict_action" => {
                    "shared SCSI reservations: no equivalent"
                }
                "monitor_links" => {
                    "pulse failed over on a link down; the VRRP instance goes to Fault when its interface \
                     is down (add track_interfaces for others)"
                }
                "hard_shutdown" => {
                    "pulse stopped LVS when a nanny died; lvsctl's checks run in the daemon, which keeps the table"
                }
                "active_cmd" | "inactive_cmd" => {
                    "commands on becoming active or inactive: use the VRRP instance's notify (its arguments differ)"
                }
                "ipvsadm" => "the path of ipvsadm: lvsctl programs the kernel itself",
                _ => "pulse's UDP heartbeat port: VRRP is IP protocol 112 and has no port",
            };
            cx.note(s.line, format!("{key}: {why}"));
        }
    }

    let forward = match g.get("network") {
        None => "masq",
        Some(s) => match cx.one(s)? {
            "direct" => "route",
            "nat" => "masq",
            "tunnel" => "tunnel",
            v => return Err(cx.err(s.line, format!("network = {v:?}: expected direct, nat or tunnel"))),
        },
    };

    // [timeouts]: lvsd runs `ipvsadm --set` with 0 (unchanged) for those
    // not given.
    let mut timeouts = Table::new("timeouts");
    for (key, out) in [
        ("tcp_timeout", "tcp"),
        ("tcpfin_timeout", "tcp_fin"),
        ("udp_timeout", "udp"),
    ] {
        if let Some(s) = g.get(key) {
            let n = cx.uint(s, MAX_SECONDS)?;
            if n > 0 {
                timeouts.set(out, n);
            }
        }
    }
    if !timeouts.is_empty() {
        doc.push(timeouts);
    }

    let mut vips: Vec<Vip> = Vec::new();
    let mut seen_vips: BTreeSet<Ipv4Addr> = BTreeSet::new();
    let mut any_active = false;
    let mut services_seen: Vec<(String, usize)> = Vec::new();
    for v in &f.virtuals {
        let active = match v.get("active") {
            Some(s) => cx.boolean(s)?,
            None => false,
        };
        if !active {
            cx.note(
                v.line,
                format!(
                    "virtual {:?} is not active (active = 1 is not set): piranha programs nothing for it, \
                     and it is not converted",
                    v.name
                ),
            );
            continue;
        }
        any_active = true;
        let Some((svc, vip)) = virtual_service(&mut cx, v, forward, &mut services_seen)? else {
            continue;
        };
        if let Some(vip) = vip {
            if seen_vips.insert(vip.addr) {
                vips.push(vip);
            }
        }
        doc.push(svc);
    }

    if let Some(s) = g.get("nat_router") {
        let (addr, dev) = match s.values.as_slice() {
            [a, d] => (unquote(a), Some(unquote(d))),
            [a] => (unquote(a.as_str()), None),
            _ => return Err(cx.err(s.line, "nat_router = ADDRESS DEVICE:N")),
        };
        let addr = cx.unicast(s, addr)?;
        let prefix = match g.get("nat_nmask") {
            Some(m) => cx.mask(m)?,
            None => {
                cx.note(
                    s.line,
                    "nat_router without nat_nmask: written as /32 (ifconfig gave it its class's netmask)",
                );
                32
            }
        };
        let (device, label) = match dev {
            Some(d) => {
                let (d, l) = device_label(&cx, s, d)?;
                (Some(d), l)
            }
            None => (None, None),
        };
        if seen_vips.insert(addr) {
            vips.push(Vip {
                addr,
                prefix,
                device,
                label,
            });
        }
    } else if let Some(s) = g.get("nat_nmask") {
        cx.note(s.line, "nat_nmask without nat_router: nothing to apply it to");
    }

    if any_active || !vips.is_empty() {
        if let Some(t) = vrrp(&mut cx, g, &vips, opts.node)? {
            doc.push(t);
        }
    }
    let mut notes = cx.notes;
    notes.sort_by_key(|n| n.line);
    Ok((doc, notes))
}

/// One active `virtual` as a service, and its VIP; `None` for a second
/// virtual of the same service (reported).
fn virtual_service(
    cx: &mut Cx<'_>,
    v: &Block,
    forward: &str,
    seen: &mut Vec<(String, usize)>,
) -> Result<Option<(Table, Option<Vip>)>, ImportError> {
    let mut t = Table::element("services");
    t.comment(format!("{}:{} virtual {:?}", cx.file, v.line, v.name));

    let port = match v.get("port") {
        Some(s) => cx.port(s)?,
        None => 80,
    };
    let udp = match v.get("protocol") {
        None => false,
        Some(s) => match cx.one(s)? {
            "tcp" => false,
            "udp" => true,
            p => return Err(cx.err(s.line, format!("protocol = {p:?}: expected tcp or udp"))),
        },
    };
    let Some(addr_setting) = v.get("address") else {
        return Err(cx.err(v.line, format!("virtual {:?} has no address", v.name)));
    };
    let (addr, device) = match addr_setting.values.as_slice() {
        [a] => (unquote(a), None),
        [a, d] => (unquote(a), Some(unquote(d))),
        _ => return Err(cx.err(addr_setting.line, "address = VIP DEVICE:N")),
    };
    let addr = cx.unicast(addr_setting, addr)?;
    if addr.is_loopback() {
        return Err(cx.err(
            addr_setting.line,
            format!("`address`: {addr} is a loopback address, not a VIP"),
        ));
    }
    let prefix = match v.get("vip_nmask") {
        Some(s) => cx.mask(s)?,
        None => 32,
    };
    let vip = match device {
        Some(d) => {
            let (device, label) = device_label(cx, addr_setting, d)?;
            Some(Vip {
                addr,
                prefix,
                device: Some(device),
                label,
            })
        }
        None => None,
    };
    if vip.is_none() {
        cx.note(
            addr_setting.line,
            "address without its device: the VIP is not moved by VRRP (write `address = VIP DEV:N`)",
        );
    }
    if v.get("vip_nmask").is_none() && vip.is_some() {
        cx.note(
            addr_setting.line,
            "no vip_nmask: the VIP is written as /32 (pulse's ifconfig gave it its class's netmask)",
        );
    }

    let fwmark = match v.get("fwmark") {
        Some(s) => Some(cx.uint(s, i64::from(u32::MAX))?).filter(|m| *m != 0),
        None => None,
    };
    let id = match fwmark {
        Some(m) => {
            t.set("fwmark", m);
            format!("fwmark {m}")
        }
        None => {
            let proto = if udp { "udp" } else { "tcp" };
            t.set("protocol", proto);
            t.set("address", addr.to_string());
            t.set("port", port);
            format!("{proto} {addr}:{port}")
        }
    };
    if let Some((_, first)) = seen.iter().find(|(k, _)| *k == id) {
        cx.note(
            v.line,
            format!(
                "virtual {:?} is the same service ({id}) as the virtual on line {first}: piranha's second \
                 `ipvsadm -A` fails and its servers are never checked; not converted",
                v.name
            ),
        );
        return Ok(None);
    }
    seen.push((id, v.line));
    let sched = match v.get("scheduler") {
        Some(s) => {
            let name = cx.one(s)?;
            if !SCHEDULERS.contains(&name) {
                return Err(cx.err(
                    s.line,
                    format!("scheduler = {name:?}: piranha offers {}", SCHEDULERS.join(", ")),
                ));
            }
            name.to_string()
        }
        None => "wlc".to_string(),
    };
    t.set("scheduler", sched);
    if let Some(s) = v.get("persistent") {
        let n = cx.uint(s, MAX_SECONDS)?;
        if n > 0 {
            t.set("persistent", true);
            t.set("timeout", n);
            if let Some(m) = v.get("pmask") {
                let prefix = cx.mask(m)?;
                if prefix != 32 {
                    let mask = Ipv4Addr::from(u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0));
                    t.set("netmask", mask.to_string());
                }
            }
        } else if let Some(m) = v.get("pmask") {
            cx.note(m.line, "pmask without persistent: piranha ignores it too");
        }
    } else if let Some(m) = v.get("pmask") {
        cx.note(m.line, "pmask without persistent: piranha ignores it too");
    }
    let quiesce = match v.get("quiesce_server") {
        Some(s) => cx.boolean(s)?,
        None => false,
    };
    t.set("on_failure", if quiesce { "quiesce" } else { "remove" });

    for key in [
        "load_monitor",
        "client_monitor",
        "start_cmd",
        "stop_cmd",
        "master",
        "dirs",
    ] {
        if let Some(s) = v.get(key) {
            let text = s.values.iter().map(|w| unquote(w)).collect::<Vec<_>>().join(" ");
            let why = match key {
                "load_monitor" if text == "none" => continue,
                "load_monitor" => "nanny changed weights by the server's load average; no equivalent (weights stay as written)",
                "client_monitor" => "the path of nanny: lvsctl checks in the daemon",
                _ => "used only by failover services (service = fos)",
            };
            cx.note(s.line, format!("{key} = {text}: {why}"));
        }
    }

    // nanny's check.
    let interval = match v.get("timeout") {
        Some(s) => cx.uint(s, 86_400)?.max(1),
        None => 10,
    };
    let reentry = match v.get("reentry") {
        Some(s) => match cx.uint(s, i64::from(i32::MAX))? {
            0 => 180,
            n => n,
        },
        None => 180,
    };
    let rise = ((reentry + interval - 1) / interval).clamp(1, 1000);
    if rise == 1000 && (reentry + interval - 1) / interval > 1000 {
        cx.note(
            v.get("reentry").map_or(v.line, |s| s.line),
            format!("reentry {reentry} s is over 1000 checks of {interval} s: rise is 1000, lvsctl's most"),
        );
    }
    let mut check = Table::new("services.check");
    let send = v.get("send").map(|s| cx.one(s).map(unescape)).transpose()?;
    let expect = v.get("expect").map(|s| cx.one(s).map(unescape)).transpose()?;
    let regex = match v.get("use_regex") {
        Some(s) => cx.boolean(s)?,
        None => false,
    };
    if let (true, Some(e), Some(s)) = (regex, &expect, v.get("expect")) {
        if e != "*" {
            crate::daemon::check::matcher::compile(e).map_err(|why| {
                let first = why.lines().last().unwrap_or("invalid").trim().to_string();
                cx.err(
                    s.line,
                    format!("expect {e:?} is not a regex lvsctl reads: {first}"),
                )
            })?;
        }
    }
    if let Some(s) = v.get("send_program") {
        let prog = cx.one(s)?;
        let argv: Vec<String> = prog
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if argv.is_empty() {
            return Err(cx.err(s.line, "send_program is empty"));
        }
        check.set("type", "command");
        check.set("argv", argv);
        match &expect {
            // nanny drops the output's last byte and compares the rest.
            Some(e) => {
                check.set("expect", format!("(?s)\\A{}.\\z", regex::escape(e)));
            }
            None => cx.note(
                s.line,
                "send_program without expect: nanny counted every server down; lvsctl counts a server up \
                 when the program exits 0",
            ),
        }
        cx.note(
            s.line,
            "send_program: nanny counted a program that failed or timed out as up; lvsctl counts it down",
        );
        if v.get("send").is_some() {
            cx.note(
                s.line,
                "send is not used with send_program (nanny ignores it too)",
            );
        }
    } else {
        let (send, expect) = match (send, expect) {
            // nanny's own default on port 80.
            (None, None) if port == 80 && !udp => (
                Some("GET / HTTP/1.0\r\n\r\n".to_string()),
                Some("HTTP".to_string()),
            ),
            other => other,
        };
        match (send, expect, udp) {
            (None, None, false) => {
                check.set("type", "tcp");
            }
            (send, expect, true) => {
                check.set("type", "udp");
                if let Some(p) = send {
                    check.set("payload", bytes_value(&p));
                }
                match expect {
                    Some(e) => expect_key(&mut check, &e, regex),
                    None => cx.note(
                        v.line,
                        "a UDP virtual without expect: nanny crashed on it; lvsctl's udp check passes \
                         unless the server answers with ICMP unreachable",
                    ),
                }
            }
            (send, expect, false) => {
                check.set("type", "send-expect");
                if let Some(p) = send {
                    check.set("send", bytes_value(&p));
                }
                if let Some(e) = expect {
                    expect_key(&mut check, &e, regex);
                }
            }
        }
    }
    check.set("interval", format!("{interval}s"));
    check.set("timeout", format!("{interval}s"));
    check.set("rise", rise);
    check.set("fall", 1u32);

    // Real servers.
    let mut dests = Vec::new();
    let mut max_weight = 1i64;
    // (address, port, line, active) of the servers written.
    let mut ids: Vec<(Ipv4Addr, u16, usize, bool)> = Vec::new();
    for srv in &v.servers {
        let b = &srv.block;
        let mut d = Table::element("services.destinations");
        d.comment(format!("{}:{} server {:?}", cx.file, b.line, b.name));
        let Some(a) = b.get("address") else {
            return Err(cx.err(b.line, format!("server {:?} has no address", b.name)));
        };
        let value = cx.one(a)?.to_string();
        let addr = cx.host(a, &value)?;
        d.set("address", addr.to_string());
        let rport = match (&b.get("port"), &srv.port_then) {
            (Some(s), _) => cx.port(s)?,
            (None, Some(s)) => cx.port(s)?,
            (None, None) => 80,
        };
        let mut rport = rport;
        if rport != port && forward != "masq" && fwmark.is_none() {
            cx.note(
                b.get("port").map_or(b.line, |s| s.line),
                format!("real port {rport} differs from the virtual's {port}: direct routing and tunnels keep the virtual's port"),
            );
            rport = port;
        } else if fwmark.is_some() || rport != port {
            d.set("port", rport);
        }
        let active = match b.get("active") {
            Some(s) => cx.boolean(s)?,
            None => false,
        };
        if let Some(at) = ids.iter().position(|x| x.0 == addr && x.1 == rport) {
            let first = ids[at];
            if active && !first.3 {
                // The first is inactive (no nanny): this one is what
                // piranha programs.
                cx.note(
                    first.2,
                    format!(
                        "this inactive server is {addr}:{rport} again on line {}: left out",
                        b.line
                    ),
                );
                ids.remove(at);
                dests.remove(at);
            } else {
                let why = if active {
                    "nanny's second `ipvsadm -a` fails"
                } else {
                    "and inactive"
                };
                cx.note(
                    b.line,
                    format!(
                        "server {:?} is {addr}:{rport} again (first on line {}), {why}: left out",
                        b.name, first.2
                    ),
                );
                continue;
            }
        }
        d.set("forward", forward);
        let weight = match b.get("weight") {
            Some(s) => {
                let w = cx.uint(s, i64::from(i32::MAX))?;
                if w == 0 {
                    cx.note(
                        s.line,
                        "weight = 0: nanny runs such a server at weight 1, and so does this file",
                    );
                }
                w.max(1)
            }
            None => 1,
        };
        d.set("weight", weight);
        if active {
            max_weight = max_weight.max(weight);
        } else {
            d.set("enabled", false);
        }
        ids.push((addr, rport, b.line, active));
        dests.push(d);
    }
    // nanny's slow start: back at weight/32 (at least 1), doubled every
    // check, or every 20 s when checks are more frequent, up to the weight.
    let mut w = (max_weight >> 5).max(1);
    let mut doublings = 0;
    while w < max_weight {
        w *= 2;
        doublings += 1;
    }
    if doublings > 0 {
        let seconds = doublings * interval.max(20);
        t.set("slow_start", format!("{seconds}s"));
        cx.note(
            v.line,
            format!(
                "nanny's slow start (weight/32, doubled about every {}s) is written as slow_start = \"{seconds}s\", a linear ramp",
                interval.max(20)
            ),
        );
    }
    if let Some(s) = v.get("sorry_server") {
        let a = cx.one(s)?;
        let a = cx.unicast(s, a)?;
        if let Some(srv) = ids.iter().find(|x| x.0 == a && x.1 == port && x.3) {
            cx.note(
                s.line,
                format!(
                    "sorry_server {a} is also the server on line {}: lvsd's `ipvsadm -a` of it fails \
                     while that server is in the table; left out",
                    srv.2
                ),
            );
        } else {
            t.set(
                "sorry_server",
                inline([
                    ("address", a.to_string().into()),
                    ("port", port.into()),
                    ("forward", forward.into()),
                ]),
            );
        }
    }
    t.child(check);
    for d in dests {
        t.child(d);
    }
    Ok(Some((t, vip)))
}

/// nanny's `expect`: the start of the reply (`strncmp`), a regex searched
/// in it with `use_regex`, and `*` alone means any reply.
fn expect_key(check: &mut Table, e: &str, regex: bool) {
    if e == "*" {
        // Any reply at all (nanny takes even an empty one over TCP, where
        // lvsctl's send-expect without expect is the same).
        if check.get("type") == Some(&Value::Str("udp".into())) {
            check.set("expect", "(?s).");
        }
        return;
    }
    if regex {
        check.set("expect", e.to_string());
    } else {
        check.set("expect", format!("\\A{}", regex::escape(e)));
    }
}

/// pulse's heartbeat as a VRRP instance.
fn vrrp(cx: &mut Cx<'_>, g: &Block, vips: &[Vip], node: Node) -> Result<Option<Table>, ImportError> {
    let mut t = Table::element("vrrp");
    let primary = match g.get("primary") {
        Some(s) => {
            let v = cx.one(s)?.to_string();
            Some((cx.host(s, &v)?, s.line))
        }
        None => None,
    };
    let backup = match g.get("backup") {
        Some(s) => {
            let v = cx.one(s)?.to_string();
            Some((cx.host(s, &v)?, s.line))
        }
        None => None,
    };
    let backup_active = match g.get("backup_active") {
        Some(s) => cx.boolean(s)?,
        None => false,
    };
    let line = primary.map_or(1, |p| p.1);
    t.comment(format!(
        "{}:{} pulse's heartbeat between primary and backup, as VRRP",
        cx.file, line
    ));
    let Some(first) = vips.iter().find(|v| v.device.is_some()) else {
        cx.note(
            line,
            "no VIP names its device: no VRRP instance written (the VIPs are not managed)",
        );
        for key in ["keepalive", "deadtime", "syncdaemon", "syncd_iface", "syncd_id"] {
            if let Some(s) = g.get(key) {
                cx.note(
                    s.line,
                    format!("{key}: belongs to the VRRP instance, which is not written"),
                );
            }
        }
        return Ok(None);
    };
    let interface = first.device.clone().unwrap_or_default();
    t.set("name", "piranha");
    t.set("interface", interface.clone());
    t.set("vrid", VRID);
    t.set("priority", if node == Node::Primary { 150u8 } else { 100u8 });
    let keepalive = match g.get("keepalive") {
        Some(s) => cx.uint(s, 255)?.max(1),
        None => 2,
    };
    t.set("advert_interval", format!("{keepalive}s"));
    t.set("preempt", false);
    if let Some(s) = g.get("deadtime") {
        let dead = cx.uint(s, i64::from(i32::MAX))?;
        // The backup (priority 100) waits 3 adverts and its skew, which
        // VRRP version 2 (the instance's) counts in seconds.
        let down = 3.0 * keepalive as f64 + (256.0 - 100.0) / 256.0;
        cx.note(
            s.line,
            format!(
                "deadtime = {dead}: VRRP has no dead time; the backup takes over after 3 adverts and a skew \
                 ({down:.1}s at keepalive = {keepalive})"
            ),
        );
    }
    t.comment(format!(
        "vrid: lvs.cf has no virtual router id; {VRID} on both directors (change both if the network uses it)"
    ));
    if let (Some(p), Some(b)) = (primary, backup) {
        if p.0 == b.0 {
            return Err(cx.err(b.1, format!("backup is {}, the primary's address too", b.0)));
        }
    }
    let me = if node == Node::Primary { primary } else { backup };
    let peer = if node == Node::Primary { backup } else { primary };
    if node == Node::Backup && !backup_active {
        cx.note(
            g.get("backup_active").map_or(line, |s| s.line),
            "--node backup, but backup_active is not 1: pulse would not run on the backup",
        );
    }
    match (me, peer, backup_active) {
        (Some((me, _)), Some((peer, _)), true) => {
            t.set("unicast_source", me.to_string());
            t.set("unicast_peers", vec![peer.to_string()]);
        }
        _ => {
            if !backup_active {
                cx.note(
                    line,
                    "no backup director (backup_active = 1 is not set): the instance runs alone, multicast",
                );
            } else {
                cx.note(
                    line,
                    "primary or backup is missing: the instance advertises by multicast",
                );
            }
        }
    }
    let list: Vec<Value> = vips.iter().map(Vip::value).collect();
    t.set("vips", Value::Array(list));
    if let Some(s) = g.get("syncdaemon") {
        if cx.boolean(s)? {
            let iface = match g.get("syncd_iface") {
                Some(i) => {
                    let (dev, label) = device_label(cx, i, cx.one(i)?)?;
                    if label.is_some() {
                        return Err(cx.err(i.line, "syncd_iface is a device, not DEV:N"));
                    }
                    dev
                }
                None => "eth0".to_string(),
            };
            let id = match g.get("syncd_id") {
                Some(i) => cx.uint(i, i64::from(i32::MAX))? & 0xff,
                None => 0,
            };
            t.set(
                "sync_daemon",
                inline([("interface", iface.into()), ("syncid", Value::Int(id))]),
            );
        }
    }
    Ok(Some(t))
}

#[cfg(test)]
mod tests;
