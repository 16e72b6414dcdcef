//! Plans and tables written as ipvsadm rules (the rules file format,
//! written; [`super::source`] reads it).
//!
//! `lvsctl diff` and `lvsctl apply` print each change as the ipvsadm
//! command line that makes it, behind a marker (`+` add, `~` edit, `-`
//! delete), so an operator reads them in the syntax they already know and
//! the lines without markers would replay as `ipvsadm -R` input.
//! `lvsctl save --output rules` writes what `ipvsadm -Sn` writes plus the
//! thresholds (`-x/-y`) that ipvsadm's save leaves out.

use std::fmt::Write as _;

use super::{Change, ChangeKind, PlannedChange, Table};
use crate::ipvsadm::format::{self as fmt, Format};
use crate::ipvsadm::rules::{self, dest_rule, op_rule};

/// The marker of a change kind: `+`, `~` or `-`.
pub fn marker(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Add => '+',
        ChangeKind::Edit => '~',
        ChangeKind::Delete => '-',
    }
}

/// A change without its marker: the ipvsadm rule, or
/// `sysctl net.ipv4.vs.NAME=VALUE`.
pub fn change_text(c: &Change) -> String {
    match c {
        Change::Ipvs(op) => op_rule(op),
        Change::Sysctl { name, value } => format!("sysctl net.ipv4.vs.{name}={value}"),
    }
}

/// Appends one line of a plan (marker, space, change, newline) to `out`.
pub fn push_change_line(out: &mut String, c: &PlannedChange) {
    out.push(marker(c.kind));
    out.push(' ');
    match &c.change {
        Change::Ipvs(op) => rules::push_op_rule(out, op),
        Change::Sysctl { .. } => out.push_str(&change_text(&c.change)),
    }
    out.push('\n');
}

/// One line of a plan: marker, space, change.
pub fn change_line(c: &PlannedChange) -> String {
    let text = change_text(&c.change);
    let mut s = String::with_capacity(text.len() + 3);
    s.push(marker(c.kind));
    s.push(' ');
    s.push_str(&text);
    s
}

/// The service table as rules: `ipvsadm -Sn`'s lines (in the table's
/// order) plus `-x/-y` where a threshold is set.
pub fn save(table: &Table) -> String {
    let mut out = String::new();
    save_each(table, &mut |chunk| out.push_str(chunk));
    out
}

/// [`save`] one service at a time.
pub fn save_each(table: &Table, emit: &mut dyn FnMut(&str)) {
    let f = Format {
        rule: true,
        numeric: true,
        ..Format::default()
    };
    let mut out = String::new();
    for s in &table.services {
        out.clear();
        let _ = write!(out, "-A {}", fmt::service_name(&s.service, &f));
        fmt::service_rule_options(&mut out, &s.service);
        out.push('\n');
        for d in &s.dests {
            out.push_str(&dest_rule("-a", &s.service.key, d));
            out.push('\n');
        }
        emit(&out);
    }
}
