//! The `check` key of the daemon's file: one table, or an array of them
//! (all must pass).
//!
//! ```toml
//! check = { type = "http", path = "/health", status = ["200-299", 301], expect = "ok" }
//! check = [{ type = "tcp" }, { type = "file", path = "/etc/lvs/maint/%h" }]
//! ```
//!
//! Every key is decoded by serde with `deny_unknown_fields`, so a typo is
//! refused with serde's own message and `FILE:LINE`. A key that exists but
//! means nothing to the check's `type` (`path` on a `tcp` check) is
//! refused too, rather than silently ignored: someone who wrote it
//! expected it to do something. Everything a probe would otherwise find
//! out at run time (a regex that does not compile, a DNS name too long, a
//! TLS name that is not one, `timeout` longer than `interval`) is refused
//! here, at load, so that a reload with such a mistake keeps the old file.
//!
//! `https` trusts the `ca_file` when given, else the system's CA bundle
//! (see `tls.rs`: no bundle crate is built in); `insecure = true` trusts
//! any certificate. `expect` is a regex in the `regex` crate's syntax,
//! searched anywhere in the body, reply or output (`$` is the very end:
//! write `\n$` before a final newline), or with `expect_mode = "literal"`
//! a string where `*` matches anything.
//!
//! Defaults: `interval = "5s"`, `timeout = "3s"` (or the interval, when
//! that is shorter), `rise = 2`, `fall = 2`; `http`: `GET /`, status
//! 200-299; `dns`: `.` `SOA`, rcode `NOERROR`. `retry_interval`
//! (keepalived's `delay_before_retry`) is the time from a failed probe's
//! end to the next while the check is still up (fewer than `fall` in a
//! row), so that `fall` failures take `fall - 1` retry intervals rather
//! than as many intervals; it means nothing with `fall = 1`.

use std::net::{IpAddr, Ipv4Addr};
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::de::DeValue;
use toml::Spanned;

use super::dns::{encode_name, QTYPES, RCODES};
use super::{CheckKind, CheckSpec, HttpCheck, Matcher, TlsCheck};
use crate::daemon::duration;
use crate::state::config::{Doc, Extension, Value};
use crate::state::InputError;

/// Default time between probes.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Default time a probe may take (at most the interval).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default successes to come up and failures to go down.
pub const DEFAULT_RISE: u32 = 2;
/// See [`DEFAULT_RISE`].
pub const DEFAULT_FALL: u32 = 2;
/// Largest `rise` or `fall`.
const COUNT_MAX: u32 = 1000;

const KINDS: &[&str] = &[
    "tcp",
    "http",
    "https",
    "send-expect",
    "udp",
    "dns",
    "ping",
    "command",
    "file",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckToml {
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    status: Option<Spanned<toml::Value>>,
    expect: Option<Spanned<String>>,
    expect_mode: Option<Spanned<String>>,
    sni: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
    insecure: Option<Spanned<bool>>,
    send: Option<Spanned<String>>,
    payload: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    query_type: Option<Spanned<toml::Value>>,
    rcode: Option<Spanned<toml::Value>>,
    argv: Option<Spanned<Vec<String>>>,
    dynamic_weight: Option<Spanned<bool>>,
    connect_address: Option<Spanned<IpAddr>>,
    connect_port: Option<Spanned<u16>>,
    source_address: Option<Spanned<IpAddr>>,
    fwmark: Option<Spanned<u32>>,
    through_vip: Option<Spanned<bool>>,
    interval: Option<Spanned<String>>,
    retry_interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    rise: Option<Spanned<u32>>,
    fall: Option<Spanned<u32>>,
}

/// A key, where it is (if given), and the check types it applies to.
type KeyUse = (&'static str, Option<Range<usize>>, &'static [&'static str]);

const HTTP: &[&str] = &["http", "https"];
const EXPECT: &[&str] = &["http", "https", "send-expect", "udp", "command"];
const NET: &[&str] = &["tcp", "http", "https", "send-expect", "udp", "dns", "ping"];
const PORTED: &[&str] = &["tcp", "http", "https", "send-expect", "udp", "dns"];

/// Reads a `check` value: a table, or an array of tables.
pub fn read_checks(doc: &Doc<'_>, value: Value<'_>) -> Result<Vec<CheckSpec>, InputError> {
    let span = value.span();
    match value.get_ref() {
        DeValue::Table(_) => {
            let t: Spanned<CheckToml> = doc.decode(value)?;
            Ok(vec![check(doc, &t)?])
        }
        DeValue::Array(list) if list.is_empty() => Err(doc.err(&span, "check = [] lists no check")),
        DeValue::Array(_) => {
            let list: Vec<Spanned<CheckToml>> = doc.decode(value)?;
            list.iter().map(|t| check(doc, t)).collect()
        }
        _ => Err(doc.err(
            &span,
            "check must be a table, e.g. { type = \"tcp\" }, or an array of them",
        )),
    }
}

/// Reads a check given on the command line (`--check '{ type = "tcp" }'`),
/// named `--check` in messages.
pub fn read_inline(text: &str) -> Result<Vec<CheckSpec>, InputError> {
    const NAME: &str = "--check";
    let wrapped = format!("check = {text}\n");
    let refuse = |message: &str| InputError {
        file: NAME.to_string(),
        line: 0,
        message: message.to_string(),
    };
    // Only the one value: `{ ... }\n[[services]]` is not a check.
    if let Ok(top) = toml::de::DeTable::parse(&wrapped) {
        if top.get_ref().len() != 1 {
            return Err(refuse(
                "expected one table such as { type = \"tcp\" }, or an array of them",
            ));
        }
    }
    struct Reader(Option<Vec<CheckSpec>>);
    impl Extension for Reader {
        fn sections(&self) -> &[&str] {
            &["check"]
        }
        fn section(&mut self, doc: &Doc<'_>, _name: &str, value: Value<'_>) -> Result<(), InputError> {
            self.0 = Some(read_checks(doc, value)?);
            Ok(())
        }
    }
    let mut reader = Reader(None);
    crate::state::config::parse_with(NAME, &wrapped, &mut [&mut reader])?;
    reader.0.ok_or_else(|| refuse("no check given"))
}

/// "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn sp<T>(v: &Option<Spanned<T>>) -> Option<(&T, Range<usize>)> {
    v.as_ref().map(|s| (s.get_ref(), s.span()))
}

fn check(doc: &Doc<'_>, t: &Spanned<CheckToml>) -> Result<CheckSpec, InputError> {
    let whole = t.span();
    let t = t.get_ref();
    let Some((kind, kspan)) = sp(&t.kind) else {
        return Err(doc.err(
            &whole,
            format!(
                "a check needs a type: {}",
                and_list(KINDS).replace(" and ", " or ")
            ),
        ));
    };
    let kind = kind.as_str();
    if !KINDS.contains(&kind) {
        return Err(doc.err(
            &kspan,
            format!(
                "check type {kind:?}: expected {}",
                and_list(KINDS).replace(" and ", " or ")
            ),
        ));
    }
    // Keys that mean nothing to this type.
    let keys: [KeyUse; 21] = [
        ("method", t.method.as_ref().map(Spanned::span), HTTP),
        (
            "path",
            t.path.as_ref().map(Spanned::span),
            &["http", "https", "file"],
        ),
        ("host", t.host.as_ref().map(Spanned::span), HTTP),
        ("status", t.status.as_ref().map(Spanned::span), HTTP),
        ("expect", t.expect.as_ref().map(Spanned::span), EXPECT),
        ("expect_mode", t.expect_mode.as_ref().map(Spanned::span), EXPECT),
        ("sni", t.sni.as_ref().map(Spanned::span), &["https"]),
        ("ca_file", t.ca_file.as_ref().map(Spanned::span), &["https"]),
        ("insecure", t.insecure.as_ref().map(Spanned::span), &["https"]),
        ("send", t.send.as_ref().map(Spanned::span), &["send-expect"]),
        ("payload", t.payload.as_ref().map(Spanned::span), &["udp"]),
        ("name", t.name.as_ref().map(Spanned::span), &["dns"]),
        ("query_type", t.query_type.as_ref().map(Spanned::span), &["dns"]),
        ("rcode", t.rcode.as_ref().map(Spanned::span), &["dns"]),
        ("argv", t.argv.as_ref().map(Spanned::span), &["command"]),
        (
            "dynamic_weight",
            t.dynamic_weight.as_ref().map(Spanned::span),
            &["command"],
        ),
        (
            "connect_address",
            t.connect_address.as_ref().map(Spanned::span),
            NET,
        ),
        ("connect_port", t.connect_port.as_ref().map(Spanned::span), PORTED),
        (
            "source_address",
            t.source_address.as_ref().map(Spanned::span),
            NET,
        ),
        ("fwmark", t.fwmark.as_ref().map(Spanned::span), NET),
        ("through_vip", t.through_vip.as_ref().map(Spanned::span), PORTED),
    ];
    for (key, span, kinds) in &keys {
        if let Some(span) = span {
            if !kinds.contains(&kind) {
                return Err(doc.err(
                    span,
                    format!("`{key}` applies to {} checks, not {kind}", and_list(kinds)),
                ));
            }
        }
    }

    let expect = matcher(doc, t)?;
    let text = |v: &Option<Spanned<String>>,
                what: &str,
                ok: &dyn Fn(&str) -> bool|
     -> Result<Option<String>, InputError> {
        match sp(v) {
            None => Ok(None),
            Some((s, _)) if ok(s) => Ok(Some(s.clone())),
            Some((s, span)) => Err(doc.err(&span, format!("invalid {what} {s:?}"))),
        }
    };
    let printable = |s: &str| !s.is_empty() && s.len() <= 1024 && s.bytes().all(|b| b.is_ascii_graphic());

    let kind = match kind {
        "tcp" => CheckKind::Tcp,
        "ping" => CheckKind::Ping,
        "http" | "https" => {
            let method = text(&t.method, "method", &|s| {
                !s.is_empty()
                    && s.len() <= 20
                    && s.bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
            })?;
            let path = text(&t.path, "path (a request target such as \"/health\")", &|s| {
                printable(s) && (s.starts_with('/') || s == "*")
            })?;
            let host = text(&t.host, "host", &printable)?;
            let status = match &t.status {
                None => vec![(200, 299)],
                Some(s) => status(doc, s)?,
            };
            let tls = if kind == "https" {
                let sni = text(&t.sni, "sni", &printable)?;
                let ip = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
                if let Err(why) = super::tls::server_name(sni.as_deref(), host.as_deref(), ip) {
                    let span = t
                        .sni
                        .as_ref()
                        .or(t.host.as_ref())
                        .map(Spanned::span)
                        .unwrap_or(whole.clone());
                    return Err(doc.err(&span, why));
                }
                let ca_file = text(&t.ca_file, "ca_file", &|s| !s.is_empty())?;
                let insecure = t.insecure.as_ref().is_some_and(|i| *i.get_ref());
                if insecure && ca_file.is_some() {
                    let span = t.ca_file.as_ref().map(Spanned::span).unwrap_or(whole.clone());
                    return Err(doc.err(&span, "ca_file means nothing with insecure = true"));
                }
                Some(TlsCheck {
                    sni,
                    ca_file,
                    insecure,
                })
            } else {
                None
            };
            CheckKind::Http(HttpCheck {
                method: method.unwrap_or_else(|| "GET".into()),
                path: path.unwrap_or_else(|| "/".into()),
                host,
                status,
                expect,
                tls,
            })
        }
        "send-expect" => CheckKind::SendExpect {
            send: bytes(doc, &t.send)?,
            expect,
        },
        "udp" => CheckKind::Udp {
            payload: bytes(doc, &t.payload)?,
            expect,
        },
        "dns" => {
            let name = match sp(&t.name) {
                None => ".".to_string(),
                Some((n, span)) => {
                    encode_name(n).map_err(|why| doc.err(&span, why))?;
                    n.clone()
                }
            };
            let qtype = match &t.query_type {
                None => 6,
                Some(q) => qtype(doc, q)?,
            };
            let rcodes = match &t.rcode {
                None => vec![0],
                Some(r) => rcodes(doc, r)?,
            };
            CheckKind::Dns { name, qtype, rcodes }
        }
        "command" => {
            let Some((argv, span)) = sp(&t.argv) else {
                return Err(doc.err(
                    &whole,
                    "a command check needs argv, e.g. [\"/usr/local/bin/check\", \"%h\"]",
                ));
            };
            if argv.first().is_none_or(|p| p.is_empty()) {
                return Err(doc.err(&span, "argv needs a program (argv[0] is empty)"));
            }
            if argv.iter().any(|a| a.contains('\0')) {
                return Err(doc.err(&span, "argv contains a NUL byte"));
            }
            CheckKind::Command {
                argv: argv.clone(),
                dynamic_weight: t.dynamic_weight.as_ref().is_some_and(|d| *d.get_ref()),
                expect,
            }
        }
        "file" => {
            let Some((path, span)) = sp(&t.path) else {
                return Err(doc.err(
                    &whole,
                    "a file check needs path, e.g. \"/etc/lvsctl/maintenance/%h\"",
                ));
            };
            if !path.starts_with('/') || path.contains('\0') {
                return Err(doc.err(&span, format!("file path {path:?} must be absolute")));
            }
            CheckKind::File { path: path.clone() }
        }
        _ => unreachable!("kind checked above"),
    };

    if let (Some(v), Some(c)) = (&t.through_vip, &t.connect_address) {
        if *v.get_ref() {
            return Err(doc.err(
                &c.span(),
                "connect_address and through_vip = true exclude each other",
            ));
        }
    }
    if let Some(m) = &t.fwmark {
        if *m.get_ref() == 0 {
            return Err(doc.err(&m.span(), "fwmark must be 1 or more"));
        }
    }
    if let Some(p) = &t.connect_port {
        if *p.get_ref() == 0 {
            return Err(doc.err(&p.span(), "connect_port must be 1 to 65535"));
        }
    }
    if let (Some(s), Some(c)) = (&t.source_address, &t.connect_address) {
        if s.get_ref().is_ipv4() != c.get_ref().is_ipv4() {
            return Err(doc.err(
                &s.span(),
                "source_address and connect_address are of different families",
            ));
        }
    }

    let dur = |v: &Option<Spanned<String>>, key: &str| -> Result<Option<Duration>, InputError> {
        match sp(v) {
            None => Ok(None),
            Some((s, span)) => {
                let d = duration::parse(s).map_err(|why| doc.err(&span, format!("{key}: {why}")))?;
                if d.is_zero() {
                    return Err(doc.err(&span, format!("{key} must be more than 0s")));
                }
                Ok(Some(d))
            }
        }
    };
    let interval = dur(&t.interval, "interval")?.unwrap_or(DEFAULT_INTERVAL);
    let timeout = match dur(&t.timeout, "timeout")? {
        Some(d) if d > interval => {
            let span = t.timeout.as_ref().map(Spanned::span).unwrap_or(whole.clone());
            return Err(doc.err(
                &span,
                format!(
                    "timeout {} is longer than the interval {}",
                    duration::show(d),
                    duration::show(interval)
                ),
            ));
        }
        Some(d) => d,
        None => DEFAULT_TIMEOUT.min(interval),
    };
    let count = |v: &Option<Spanned<u32>>, key: &str, default: u32| -> Result<u32, InputError> {
        match sp(v) {
            None => Ok(default),
            Some((n, _)) if (1..=COUNT_MAX).contains(n) => Ok(*n),
            Some((_, span)) => Err(doc.err(&span, format!("{key} must be 1 to {COUNT_MAX}"))),
        }
    };
    let fall = count(&t.fall, "fall", DEFAULT_FALL)?;
    let retry_interval = match dur(&t.retry_interval, "retry_interval")? {
        None => None,
        Some(r) => {
            let span = t
                .retry_interval
                .as_ref()
                .map(Spanned::span)
                .unwrap_or(whole.clone());
            if fall == 1 {
                return Err(doc.err(&span, "retry_interval means nothing with fall = 1 (no retries)"));
            }
            Some(r)
        }
    };
    Ok(CheckSpec {
        kind,
        connect_address: t.connect_address.as_ref().map(|a| *a.get_ref()),
        connect_port: t.connect_port.as_ref().map(|p| *p.get_ref()),
        source_address: t.source_address.as_ref().map(|a| *a.get_ref()),
        fwmark: t.fwmark.as_ref().map(|m| *m.get_ref()),
        through_vip: t.through_vip.as_ref().is_some_and(|v| *v.get_ref()),
        interval,
        retry_interval,
        timeout,
        rise: count(&t.rise, "rise", DEFAULT_RISE)?,
        fall,
    })
}

fn matcher(doc: &Doc<'_>, t: &CheckToml) -> Result<Option<Matcher>, InputError> {
    let mode = match sp(&t.expect_mode) {
        None => "regex",
        Some((m, span)) => {
            if t.expect.is_none() {
                return Err(doc.err(&span, "expect_mode without expect"));
            }
            match m.as_str() {
                "regex" | "literal" => m.as_str(),
                other => {
                    return Err(doc.err(&span, format!("expect_mode {other:?}: expected regex or literal")))
                }
            }
        }
    };
    let Some((e, span)) = sp(&t.expect) else {
        return Ok(None);
    };
    if mode == "literal" {
        return Ok(Some(Matcher::Literal(e.clone())));
    }
    super::matcher::compile(e).map_err(|why| {
        let first = why.lines().last().unwrap_or("invalid").trim().to_string();
        doc.err(&span, format!("expect {e:?} is not a valid regex: {first}"))
    })?;
    Ok(Some(Matcher::Regex(e.clone())))
}

/// `"200-299"`, `"200"`, `200`, or an array of those.
fn status(doc: &Doc<'_>, s: &Spanned<toml::Value>) -> Result<Vec<(u16, u16)>, InputError> {
    let span = s.span();
    let bad = |what: &str| {
        doc.err(
            &span,
            format!("status {what}: expected a code (100-599), a range \"200-299\", or an array of them"),
        )
    };
    let one = |v: &toml::Value| -> Result<(u16, u16), InputError> {
        let code = |x: i64| -> Result<u16, InputError> {
            if (100..=599).contains(&x) {
                Ok(x as u16)
            } else {
                Err(bad(&x.to_string()))
            }
        };
        let parse = |x: &str| -> Result<u16, InputError> {
            let n: i64 = x.trim().parse().map_err(|_| bad(&format!("{x:?}")))?;
            code(n)
        };
        match v {
            toml::Value::Integer(n) => code(*n).map(|c| (c, c)),
            toml::Value::String(s) => {
                let (lo, hi) = match s.split_once('-') {
                    Some((a, b)) => (parse(a)?, parse(b)?),
                    None => {
                        let c = parse(s)?;
                        (c, c)
                    }
                };
                if lo > hi {
                    return Err(bad(&format!("{s:?}")));
                }
                Ok((lo, hi))
            }
            other => Err(bad(&other.to_string())),
        }
    };
    match s.get_ref() {
        toml::Value::Array(list) if list.is_empty() => Err(bad("[]")),
        toml::Value::Array(list) => list.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

fn qtype(doc: &Doc<'_>, q: &Spanned<toml::Value>) -> Result<u16, InputError> {
    let span = q.span();
    let names: Vec<&str> = QTYPES.iter().map(|(n, _)| *n).collect();
    let bad = |what: String| {
        doc.err(
            &span,
            format!(
                "query_type {what}: expected {} or a number 1-65535",
                names.join(", ")
            ),
        )
    };
    match q.get_ref() {
        toml::Value::Integer(n) if (1..=65535).contains(n) => Ok(*n as u16),
        toml::Value::String(s) => QTYPES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, c)| *c)
            .ok_or_else(|| bad(format!("{s:?}"))),
        other => Err(bad(other.to_string())),
    }
}

fn rcodes(doc: &Doc<'_>, r: &Spanned<toml::Value>) -> Result<Vec<u8>, InputError> {
    let span = r.span();
    let names: Vec<&str> = RCODES.iter().map(|(n, _)| *n).collect();
    let bad = |what: String| {
        doc.err(
            &span,
            format!(
                "rcode {what}: expected {}, a number 0-15, or an array of them",
                names.join(", ")
            ),
        )
    };
    let one = |v: &toml::Value| -> Result<u8, InputError> {
        match v {
            toml::Value::Integer(n) if (0..=15).contains(n) => Ok(*n as u8),
            toml::Value::String(s) => RCODES
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(s))
                .map(|(_, c)| *c)
                .ok_or_else(|| bad(format!("{s:?}"))),
            other => Err(bad(other.to_string())),
        }
    };
    match r.get_ref() {
        toml::Value::Array(list) if list.is_empty() => Err(bad("[]".into())),
        toml::Value::Array(list) => list.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

fn bytes(doc: &Doc<'_>, v: &Option<Spanned<String>>) -> Result<Vec<u8>, InputError> {
    match sp(v) {
        None => Ok(Vec::new()),
        Some((s, span)) => unescape(s).map_err(|why| doc.err(&span, why)),
    }
}

/// nanny's escapes: `\n \r \t \0 \\` and `\xHH`; anything else after a
/// backslash is refused (a Windows path pasted by mistake, say).
pub(crate) fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let bad = || format!("invalid escape in {s:?}: use \\n \\r \\t \\0 \\\\ or \\xHH");
        match b.get(i + 1) {
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(b'0') => out.push(0),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = b.get(i + 2..i + 4).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 4;
                continue;
            }
            _ => return Err(bad()),
        }
        i += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(text: &str) -> CheckSpec {
        let mut v = read_inline(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    fn err(text: &str) -> String {
        match read_inline(text) {
            Ok(v) => panic!("{text} was accepted: {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults() {
        let c = one("{ type = \"tcp\" }");
        assert_eq!(c.kind, CheckKind::Tcp);
        assert_eq!(
            (c.interval, c.timeout, c.rise, c.fall),
            (DEFAULT_INTERVAL, DEFAULT_TIMEOUT, 2, 2)
        );
        assert_eq!(
            (
                c.connect_address,
                c.connect_port,
                c.source_address,
                c.fwmark,
                c.through_vip
            ),
            (None, None, None, None, false)
        );
        // A short interval shortens the default timeout.
        assert_eq!(
            one("{ type = \"tcp\", interval = \"1s\" }").timeout,
            Duration::from_secs(1)
        );
        let CheckKind::Http(h) = one("{ type = \"http\" }").kind else {
            panic!()
        };
        assert_eq!(
            (
                h.method.as_str(),
                h.path.as_str(),
                h.host,
                h.status,
                h.expect,
                h.tls
            ),
            ("GET", "/", None, vec![(200, 299)], None, None)
        );
        assert_eq!(
            one("{ type = \"dns\" }").kind,
            CheckKind::Dns {
                name: ".".into(),
                qtype: 6,
                rcodes: vec![0]
            }
        );
    }

    #[test]
    fn every_key() {
        let CheckKind::Http(h) = one(
            r#"{ type = "https", method = "HEAD", path = "/h?x=1", host = "www.example.com",
            status = ["200-204", 301, "302"], expect = "ok", expect_mode = "literal", sni = "rs.example.com",
            ca_file = "/etc/ca.pem" }"#,
        )
        .kind
        else {
            panic!()
        };
        assert_eq!(h.method, "HEAD");
        assert_eq!(h.path, "/h?x=1");
        assert_eq!(h.host.as_deref(), Some("www.example.com"));
        assert_eq!(h.status, vec![(200, 204), (301, 301), (302, 302)]);
        assert_eq!(h.expect, Some(Matcher::Literal("ok".into())));
        assert_eq!(
            h.tls,
            Some(TlsCheck {
                sni: Some("rs.example.com".into()),
                ca_file: Some("/etc/ca.pem".into()),
                insecure: false
            })
        );
        let CheckKind::Http(h) = one(r#"{ type = "https", insecure = true, status = 200 }"#).kind else {
            panic!()
        };
        assert!(h.tls.unwrap().insecure);
        assert_eq!(h.status, vec![(200, 200)]);
        assert_eq!(
            one(r#"{ type = "send-expect", send = "PING\r\n\x00", expect = "^PONG" }"#).kind,
            CheckKind::SendExpect {
                send: b"PING\r\n\0".to_vec(),
                expect: Some(Matcher::Regex("^PONG".into()))
            }
        );
        assert_eq!(
            one(r#"{ type = "udp", payload = "a\\tb" }"#).kind,
            CheckKind::Udp {
                payload: b"a\tb".to_vec(),
                expect: None
            }
        );
        assert_eq!(
            one(r#"{ type = "dns", name = "rs.example.com", query_type = "aaaa", rcode = ["NOERROR", "nxdomain", 5] }"#).kind,
            CheckKind::Dns { name: "rs.example.com".into(), qtype: 28, rcodes: vec![0, 3, 5] }
        );
        assert_eq!(
            one(r#"{ type = "dns", query_type = 65, rcode = 2 }"#).kind,
            CheckKind::Dns {
                name: ".".into(),
                qtype: 65,
                rcodes: vec![2]
            }
        );
        assert_eq!(
            one(r#"{ type = "command", argv = ["/bin/check", "%h", "%p"], dynamic_weight = true, expect = "up" }"#).kind,
            CheckKind::Command { argv: vec!["/bin/check".into(), "%h".into(), "%p".into()], dynamic_weight: true, expect: Some(Matcher::Regex("up".into())) }
        );
        assert_eq!(
            one(r#"{ type = "file", path = "/m/%h" }"#).kind,
            CheckKind::File { path: "/m/%h".into() }
        );
        let c = one(
            r#"{ type = "tcp", connect_address = "192.0.2.5", connect_port = 8080, source_address = "192.0.2.1",
            fwmark = 7, interval = "2s", timeout = "500ms", rise = 3, fall = 1 }"#,
        );
        assert_eq!(c.connect_address, Some("192.0.2.5".parse().unwrap()));
        assert_eq!(c.connect_port, Some(8080));
        assert_eq!(c.source_address, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(c.fwmark, Some(7));
        assert_eq!(
            (c.interval, c.timeout, c.rise, c.fall),
            (Duration::from_secs(2), Duration::from_millis(500), 3, 1)
        );
        assert!(one(r#"{ type = "udp", through_vip = true }"#).through_vip);
        assert_eq!(
            one(r#"{ type = "ping", source_address = "2001:db8::1" }"#).kind,
            CheckKind::Ping
        );
    }

    #[test]
    fn arrays_of_checks() {
        let v = read_inline(r#"[{ type = "tcp" }, { type = "file", path = "/m" }]"#).unwrap();
        assert_eq!(v.len(), 2);
        assert!(err(r#"[{ type = "tcp" }, { type = "nope" }]"#).contains("check type \"nope\""));
        assert!(err("[]").contains("lists no check"));
        assert!(err("\"tcp\"").contains("must be a table"));
    }

    #[test]
    fn refusals() {
        let mut wrong = Vec::new();
        for (text, needle) in [
            ("{ }", "needs a type"),
            ("{ type = \"smtp\" }", "expected tcp, http, https"),
            ("{ type = \"tcp\", colour = 1 }", "unknown field `colour`"),
            (
                "{ type = \"tcp\", path = \"/\" }",
                "`path` applies to http, https and file checks, not tcp",
            ),
            (
                "{ type = \"file\", path = \"/m\", fwmark = 1 }",
                "`fwmark` applies to",
            ),
            (
                "{ type = \"ping\", connect_port = 1 }",
                "`connect_port` applies to",
            ),
            (
                "{ type = \"ping\", through_vip = true }",
                "`through_vip` applies to",
            ),
            (
                "{ type = \"http\", sni = \"x\" }",
                "`sni` applies to https checks, not http",
            ),
            ("{ type = \"dns\", expect = \"x\" }", "`expect` applies to"),
            (
                "{ type = \"tcp\", argv = [\"x\"] }",
                "`argv` applies to command checks",
            ),
            ("{ type = \"http\", expect = \"(\" }", "not a valid regex"),
            (
                "{ type = \"http\", expect_mode = \"literal\" }",
                "expect_mode without expect",
            ),
            (
                "{ type = \"http\", expect = \"x\", expect_mode = \"glob\" }",
                "expected regex or literal",
            ),
            ("{ type = \"http\", status = \"299-200\" }", "status"),
            ("{ type = \"http\", status = 600 }", "status 600"),
            ("{ type = \"http\", status = [] }", "status []"),
            ("{ type = \"http\", status = \"2xx\" }", "status"),
            ("{ type = \"http\", path = \"health\" }", "invalid path"),
            ("{ type = \"http\", path = \"/a b\" }", "invalid path"),
            ("{ type = \"http\", method = \"get\" }", "invalid method"),
            ("{ type = \"http\", host = \"a b\" }", "invalid host"),
            (
                "{ type = \"https\", sni = \"bad_name!\" }",
                "invalid TLS server name",
            ),
            (
                "{ type = \"https\", insecure = true, ca_file = \"/x\" }",
                "means nothing with insecure",
            ),
            ("{ type = \"send-expect\", send = \"\\\\q\" }", "invalid escape"),
            ("{ type = \"udp\", payload = \"\\\\x4\" }", "invalid escape"),
            ("{ type = \"dns\", name = \"a..b\" }", "empty label"),
            ("{ type = \"dns\", query_type = \"AXFRX\" }", "query_type"),
            ("{ type = \"dns\", query_type = 0 }", "query_type"),
            ("{ type = \"dns\", rcode = 16 }", "rcode 16"),
            ("{ type = \"dns\", rcode = [\"NOPE\"] }", "rcode \"NOPE\""),
            ("{ type = \"command\" }", "needs argv"),
            ("{ type = \"command\", argv = [] }", "needs a program"),
            ("{ type = \"command\", argv = [\"\"] }", "needs a program"),
            ("{ type = \"file\" }", "needs path"),
            ("{ type = \"file\", path = \"m/x\" }", "must be absolute"),
            ("{ type = \"tcp\", fwmark = 0 }", "fwmark must be 1"),
            (
                "{ type = \"tcp\", fall = 1, retry_interval = \"1s\" }",
                "means nothing with fall = 1",
            ),
            (
                "{ type = \"tcp\", fall = 2, retry_interval = \"0s\" }",
                "retry_interval must be more than 0s",
            ),
            ("{ type = \"tcp\", connect_port = 0 }", "connect_port must be"),
            ("{ type = \"tcp\", connect_port = 70000 }", "expected u16"),
            ("{ type = \"tcp\", connect_address = \"nope\" }", "address"),
            (
                "{ type = \"tcp\", connect_address = \"192.0.2.1\", through_vip = true }",
                "exclude each other",
            ),
            (
                "{ type = \"tcp\", connect_address = \"192.0.2.1\", source_address = \"2001:db8::1\" }",
                "different families",
            ),
            (
                "{ type = \"tcp\", interval = \"10\" }",
                "interval: invalid duration",
            ),
            (
                "{ type = \"tcp\", interval = \"0s\" }",
                "interval must be more than 0s",
            ),
            (
                "{ type = \"tcp\", timeout = \"0s\" }",
                "timeout must be more than 0s",
            ),
            (
                "{ type = \"tcp\", interval = \"1s\", timeout = \"2s\" }",
                "timeout 2s is longer than the interval 1s",
            ),
            ("{ type = \"tcp\", rise = 0 }", "rise must be 1 to 1000"),
            ("{ type = \"tcp\", fall = 1001 }", "fall must be 1 to 1000"),
            ("{ type = \"tcp\", insecure = \"yes\" }", "invalid type"),
            ("{ type = \"tcp\" }\n[timeouts]\ntcp = 5", "expected one table"),
            ("{ type = ", "--check"),
        ] {
            let e = err(text);
            if !e.contains(needle) || !e.starts_with("--check") {
                wrong.push(format!("{text}: {e}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn errors_name_the_line_in_a_file() {
        // Through a file: an extension claiming a top-level `check`, with
        // the bad key on line 4.
        struct R(Option<Result<Vec<CheckSpec>, InputError>>);
        impl Extension for R {
            fn sections(&self) -> &[&str] {
                &["check"]
            }
            fn section(&mut self, doc: &Doc<'_>, _: &str, value: Value<'_>) -> Result<(), InputError> {
                let r = read_checks(doc, value);
                let out = r.as_ref().map(|_| ()).map_err(Clone::clone);
                self.0 = Some(r);
                out
            }
        }
        let mut r = R(None);
        let file = "# checks\n[check]\ntype = \"tcp\"\npath = \"/\"\n";
        let e = crate::state::config::parse_with("f.toml", file, &mut [&mut r]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.toml:4: `path` applies to http, https and file checks, not tcp"
        );
        let file = "[check]\ntype = \"tcp\"\n\ncolour = 1\n";
        let e = crate::state::config::parse_with("f.toml", file, &mut [&mut R(None)]).unwrap_err();
        assert!(
            e.to_string().starts_with("f.toml:4: unknown field `colour`"),
            "{e}"
        );
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r"a\n\r\t\\\x41\0").unwrap(), b"a\n\r\t\\A\0");
        assert_eq!(unescape("é").unwrap(), "é".as_bytes());
        for bad in [r"\", r"\q", r"\x", r"\x4", r"\xzz", r"\xé"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn unescape_never_panics(s in "\\PC{0,20}") {
            let _ = unescape(&s);
        }

        #[test]
        fn escaped_bytes_come_back(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let text: String = bytes.iter().map(|b| format!("\\x{b:02x}")).collect();
            prop_assert_eq!(unescape(&text).unwrap(), bytes);
        }

        #[test]
        fn inline_reader_never_panics(s in "\\PC{0,40}") {
            let _ = read_inline(&s);
        }
    }
}
