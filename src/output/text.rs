//! lvsctl's smaller text outputs: the tables of `timeouts`, `daemons`,
//! `conns` and `arp probe`, the report of `rs status`, a plan as change
//! lines, and the message for a change the kernel refused.
//!
//! Each is a pure function from the model to a [`Table`] (which the front
//! end renders plain or bordered) or to text, so a front end only chooses
//! and prints, and a test can read every output without a kernel. The
//! service listings are [`super::native`]'s.

use std::fmt::Write as _;

use super::json::{addr_port, JsonDaemon};
use super::table::Table;
use crate::ipvs::conn::Connection;
use crate::ipvs::{SyncDaemon, Timeouts};

/// The `timeouts` table: one row.
pub fn timeouts_table(t: &Timeouts) -> Table {
    let mut table = Table::new(&[">TCP", ">TCP_FIN", ">UDP"]);
    table.row(vec![t.tcp.to_string(), t.tcp_fin.to_string(), t.udp.to_string()]);
    table
}

/// The `daemons` table, in the order given; `-` where a setting is unset.
pub fn daemons_table(ds: &[SyncDaemon]) -> Table {
    let mut table = Table::new(&[
        "STATE",
        "INTERFACE",
        ">SYNCID",
        ">MAXLEN",
        "GROUP",
        ">PORT",
        ">TTL",
    ]);
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    for d in ds.iter().map(JsonDaemon::from) {
        table.row(vec![
            d.state,
            d.interface,
            d.syncid.to_string(),
            opt(d.maxlen.map(|v| v.to_string())),
            opt(d.group),
            opt(d.port.map(|v| v.to_string())),
            opt(d.ttl.map(|v| v.to_string())),
        ]);
    }
    table
}

/// The `conns` table, in the order given (the kernel's).
pub fn conns_table(conns: &[Connection]) -> Table {
    let mut table = Table::new(&[
        "PROTO",
        "STATE",
        ">EXPIRES",
        "CLIENT",
        "VIRTUAL",
        "DESTINATION",
        "PE",
        "PE DATA",
    ]);
    for c in conns {
        table.row(vec![
            c.protocol.clone(),
            c.state.clone(),
            c.expires.to_string(),
            addr_port(&c.client.ip(), c.client.port()),
            addr_port(&c.virtual_addr.ip(), c.virtual_addr.port()),
            addr_port(&c.destination.ip(), c.destination.port()),
            c.pe_name.clone().unwrap_or_default(),
            c.pe_data.clone().unwrap_or_default(),
        ]);
    }
    table
}

/// The hosts that answered a probe.
pub fn probe_table(answers: &[crate::arp::Answer]) -> Table {
    let mut t = Table::new(&["MAC", "INTERFACE", ">FIRST REPLY MS", ">REPLIES"]);
    for a in answers {
        t.row(vec![
            a.mac.clone(),
            a.interface.clone(),
            a.first_reply_ms.to_string(),
            a.replies.to_string(),
        ]);
    }
    t
}

/// `arp probe` as text: the table of answers (none when nobody answered),
/// then a note when the address is this host's own or nobody holds it.
pub fn probe(report: &crate::arp::ProbeReport, bordered: bool) -> String {
    let mut s = if report.answers.is_empty() {
        String::new()
    } else {
        let t = probe_table(&report.answers);
        if bordered {
            t.render_table()
        } else {
            t.render_text()
        }
    };
    let ip = report.address;
    if report.local {
        let _ = writeln!(
            s,
            "{ip} is an address of this host: its own answers cannot be seen here"
        );
    }
    if report.hosts() == 0 {
        let _ = writeln!(s, "nobody answered for {ip} on {}", report.interface);
    }
    s
}

/// `rs status` as text: one line per VIP with its verdict, then its
/// problems.
pub fn rs_status(st: &[crate::rs::VipStatus]) -> String {
    let mut t = String::new();
    for s in st {
        let at = match (&s.device, s.prefix) {
            (Some(d), Some(p)) => format!("/{p} on {d}"),
            (Some(d), None) => format!(" (expected on {d})"),
            _ => String::new(),
        };
        let verdict = if s.ok { "ok" } else { "PROBLEM" };
        let _ = writeln!(t, "{}{at} ({}): {verdict}", s.address, s.mode);
        for p in &s.problems {
            let _ = writeln!(t, "  - {p}");
        }
    }
    t
}

/// A plan as text: one ipvsadm rule per change behind `+`, `~` or `-`,
/// handed out in pieces of about 32 KiB, so a 100,000-change plan is
/// written out as it is made.
pub fn plan_each(plan: &crate::state::Plan, emit: &mut dyn FnMut(&str)) {
    let mut out = String::with_capacity(40 * 1024);
    for c in &plan.changes {
        crate::state::rules::push_change_line(&mut out, c);
        if out.len() >= 32 * 1024 {
            emit(&out);
            out.clear();
        }
    }
    if !out.is_empty() {
        emit(&out);
    }
}

/// The message for a change the kernel refused: where the change comes
/// from (`FILE:LINE`), the rule, the kernel's reason in ipvsadm's words
/// (with its extended ACK), and whether the rollback restored the table.
pub fn refusal(source: &crate::state::Source, r: &crate::state::apply::Refusal) -> String {
    let crate::state::apply::Refusal {
        change,
        error,
        rollback,
        ..
    } = r;
    let at = match source.line_of(&change.change) {
        Some(line) => format!("{}:{line}", source.file),
        None => source.file.clone(),
    };
    let why = match &change.change {
        crate::state::Change::Ipvs(op) => {
            crate::ipvsadm::error_message(crate::ipvsadm::func_of_op(op), error)
        }
        crate::state::Change::Sysctl { .. } => error.to_string(),
    };
    let why = match error.extack() {
        Some(x) => format!("{why} ({x})"),
        None => why,
    };
    let rule = crate::state::rules::change_text(&change.change);
    match rollback {
        None => format!("{at}: the kernel refused `{rule}`: {why}; nothing was changed (rolled back)"),
        Some(r) => format!(
            "{at}: the kernel refused `{rule}`: {why}; ROLLBACK FAILED, the table is partly changed: {r}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_daemons() {
        let t = Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300,
        };
        assert_eq!(
            timeouts_table(&t).render_text(),
            "TCP  TCP_FIN  UDP\n900      120  300\n"
        );
        let d = SyncDaemon {
            state: crate::ipvs::DaemonState::Master,
            mcast_ifn: "e0".into(),
            syncid: 9,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: Some(8848),
            mcast_ttl: None,
        };
        assert_eq!(
            daemons_table(&[d]).render_text(),
            "STATE   INTERFACE  SYNCID  MAXLEN  GROUP  PORT  TTL\nmaster  e0              9       -  -      8848    -\n"
        );
    }

    #[test]
    fn conns_in_brackets_for_ipv6() {
        let c = Connection {
            protocol: "TCP".into(),
            client: "[2001:db8::1]:40000".parse().unwrap(),
            virtual_addr: "[2001:db8::10]:80".parse().unwrap(),
            destination: "198.51.100.1:80".parse().unwrap(),
            state: "ESTABLISHED".into(),
            expires: 899,
            pe_name: None,
            pe_data: None,
        };
        let text = conns_table(&[c]).render_text();
        assert_eq!(
            text.lines().nth(1),
            Some("TCP    ESTABLISHED      899  [2001:db8::1]:40000  [2001:db8::10]:80  198.51.100.1:80")
        );
    }

    #[test]
    fn probe_notes() {
        let mut r = crate::arp::ProbeReport {
            address: "192.0.2.10".parse().unwrap(),
            interface: "e0".into(),
            local: false,
            answers: Vec::new(),
        };
        assert_eq!(probe(&r, false), "nobody answered for 192.0.2.10 on e0\n");
        r.local = true;
        assert_eq!(
            probe(&r, true),
            "192.0.2.10 is an address of this host: its own answers cannot be seen here\n"
        );
        r.answers.push(crate::arp::Answer {
            mac: "02:00:00:00:00:01".into(),
            interface: "e0".into(),
            first_reply_ms: 12,
            replies: 5,
        });
        assert!(probe(&r, false).starts_with(
            "MAC                INTERFACE  FIRST REPLY MS  REPLIES\n02:00:00:00:00:01  e0                     12        5\n"
        ));
    }
}
