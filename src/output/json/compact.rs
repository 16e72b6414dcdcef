//! The one-line JSON form, written by hand for the bulk of a document
//! (services and their destinations): serde_json escapes every key, which
//! made it several times slower than reading the table from the kernel.
//! The bytes are exactly what `serde_json::to_string` writes (a unit test
//! compares them); everything but the services still goes through serde.

use serde::Serialize;

use super::schema::{JsonDestination, JsonService, JsonStats};
use super::{convert, Document, SCHEMA_VERSION};
use crate::ipvs::{DestEntry, ServiceEntry};

impl Document {
    /// The one-line form, byte for byte what `serde_json::to_string`
    /// writes.
    pub(super) fn compact(&self) -> Result<String, serde_json::Error> {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = write!(out, "{{\"schema\":{}", self.schema);
        if let Some(services) = &self.services {
            out.push_str(",\"services\":[");
            for (i, svc) in services.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                service(&mut out, svc)?;
            }
            out.push(']');
        }
        fn field<T: Serialize>(out: &mut String, name: &str, v: &Option<T>) -> Result<(), serde_json::Error> {
            if let Some(v) = v {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str("\":");
                out.push_str(&serde_json::to_string(v)?);
            }
            Ok(())
        }
        field(&mut out, "connections", &self.connections)?;
        field(&mut out, "timeouts", &self.timeouts)?;
        field(&mut out, "daemons", &self.daemons)?;
        field(&mut out, "vips", &self.vips)?;
        field(&mut out, "sysctl", &self.sysctl)?;
        field(&mut out, "changes", &self.changes)?;
        field(&mut out, "warnings", &self.warnings)?;
        out.push('}');
        Ok(out)
    }
}

/// Writes `{"schema":1,"services":[...]}` on one line, one service at a
/// time, so that a table of 100,000 destinations never exists as JSON in
/// memory: the same bytes as [`Document::render_as`]`(false)` of a
/// document holding only these services.
pub fn write_services(
    w: &mut (impl std::io::Write + ?Sized),
    t: &[(ServiceEntry, Vec<DestEntry>)],
) -> std::io::Result<()> {
    let mut buf = String::with_capacity(64 * 1024);
    buf.push_str("{\"schema\":");
    num(&mut buf, SCHEMA_VERSION);
    buf.push_str(",\"services\":[");
    for (i, (s, d)) in t.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        service(&mut buf, &convert::service(s, d)).map_err(std::io::Error::other)?;
        if buf.len() >= 60 * 1024 {
            w.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    buf.push_str("]}\n");
    w.write_all(buf.as_bytes())
}

fn string(out: &mut String, s: &str) -> Result<(), serde_json::Error> {
    if s.bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f)
    {
        out.push('"');
        out.push_str(s);
        out.push('"');
        Ok(())
    } else {
        out.push_str(&serde_json::to_string(s)?);
        Ok(())
    }
}

fn opt_string(out: &mut String, s: &Option<String>) -> Result<(), serde_json::Error> {
    match s {
        Some(s) => string(out, s),
        None => {
            out.push_str("null");
            Ok(())
        }
    }
}

/// A decimal number (core::fmt is the slowest part otherwise).
fn num(out: &mut String, v: impl Into<u64>) {
    crate::ipvsadm::num::push_num(out, v.into());
}

fn opt_num(out: &mut String, v: Option<impl Into<u64>>) {
    match v {
        Some(v) => num(out, v),
        None => out.push_str("null"),
    }
}

fn stats(out: &mut String, s: &JsonStats) {
    let fields = [
        ("{\"conns\":", s.conns),
        (",\"inpkts\":", s.inpkts),
        (",\"outpkts\":", s.outpkts),
        (",\"inbytes\":", s.inbytes),
        (",\"outbytes\":", s.outbytes),
        (",\"cps\":", s.cps),
        (",\"inpps\":", s.inpps),
        (",\"outpps\":", s.outpps),
        (",\"inbps\":", s.inbps),
        (",\"outbps\":", s.outbps),
    ];
    for (k, v) in fields {
        out.push_str(k);
        num(out, v);
    }
    out.push('}');
}

fn service(out: &mut String, s: &JsonService) -> Result<(), serde_json::Error> {
    out.push_str("{\"family\":");
    string(out, &s.family)?;
    out.push_str(",\"protocol\":");
    opt_string(out, &s.protocol)?;
    out.push_str(",\"address\":");
    opt_string(out, &s.address)?;
    out.push_str(",\"port\":");
    opt_num(out, s.port);
    out.push_str(",\"fwmark\":");
    opt_num(out, s.fwmark);
    out.push_str(",\"scheduler\":");
    string(out, &s.scheduler)?;
    out.push_str(",\"sched_flags\":[");
    for (i, f) in s.sched_flags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, f)?;
    }
    out.push_str(if s.persistent {
        "],\"persistent\":true"
    } else {
        "],\"persistent\":false"
    });
    out.push_str(",\"timeout\":");
    num(out, s.timeout);
    out.push_str(",\"netmask\":");
    string(out, &s.netmask)?;
    out.push_str(if s.one_packet {
        ",\"one_packet\":true"
    } else {
        ",\"one_packet\":false"
    });
    out.push_str(",\"pe\":");
    opt_string(out, &s.pe)?;
    out.push_str(",\"stats\":");
    stats(out, &s.stats);
    out.push_str(",\"destinations\":[");
    for (i, d) in s.destinations.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        dest(out, d)?;
    }
    out.push_str("]}");
    Ok(())
}

fn dest(out: &mut String, d: &JsonDestination) -> Result<(), serde_json::Error> {
    out.push_str("{\"family\":");
    string(out, &d.family)?;
    out.push_str(",\"address\":");
    string(out, &d.address)?;
    out.push_str(",\"port\":");
    num(out, d.port);
    out.push_str(",\"forward\":");
    string(out, &d.forward)?;
    out.push_str(",\"weight\":");
    num(out, d.weight);
    out.push_str(",\"u_threshold\":");
    num(out, d.u_threshold);
    out.push_str(",\"l_threshold\":");
    num(out, d.l_threshold);
    out.push_str(",\"tunnel\":");
    match &d.tunnel {
        Some(t) => out.push_str(&serde_json::to_string(t)?),
        None => out.push_str("null"),
    }
    out.push_str(",\"active_conns\":");
    num(out, d.active_conns);
    out.push_str(",\"inactive_conns\":");
    num(out, d.inactive_conns);
    out.push_str(",\"persistent_conns\":");
    num(out, d.persistent_conns);
    out.push_str(",\"stats\":");
    stats(out, &d.stats);
    out.push('}');
    Ok(())
}
