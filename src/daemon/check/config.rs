//! Placeholder of the `check` table reader (the checks branch brings the
//! real one): `{ type = "tcp" }` with the common timing keys only.

use serde::Deserialize;

use super::{CheckKind, CheckSpec};
use crate::daemon::duration;
use crate::state::config::{Doc, Value};
use crate::state::InputError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Minimal {
    #[serde(rename = "type")]
    kind: String,
    interval: Option<String>,
    timeout: Option<String>,
    rise: Option<u32>,
    fall: Option<u32>,
    connect_port: Option<u16>,
}

/// Reads a `check` value: a table, or an array of tables.
pub fn read_checks(doc: &Doc<'_>, value: Value<'_>) -> Result<Vec<CheckSpec>, InputError> {
    let span = value.span();
    let list: Vec<Minimal> = match doc.decode::<Vec<Minimal>>(value.clone()) {
        Ok(l) => l,
        Err(_) => vec![doc.decode(value)?],
    };
    let mut out = Vec::new();
    for m in list {
        if m.kind != "tcp" {
            return Err(doc.err(&span, format!("check type {:?} is not built yet", m.kind)));
        }
        let d = |v: &Option<String>, def: u64| -> Result<std::time::Duration, InputError> {
            match v {
                None => Ok(std::time::Duration::from_millis(def)),
                Some(t) => duration::parse(t).map_err(|e| doc.err(&span, e)),
            }
        };
        out.push(CheckSpec {
            kind: CheckKind::Tcp,
            connect_address: None,
            connect_port: m.connect_port,
            source_address: None,
            fwmark: None,
            through_vip: false,
            interval: d(&m.interval, 5000)?,
            timeout: d(&m.timeout, 3000)?,
            rise: m.rise.unwrap_or(2),
            fall: m.fall.unwrap_or(2),
        });
    }
    Ok(out)
}
