//! What the parsers hand on: values decoded from the kernel, whatever
//! they hold, print without panicking in every format; `ipvsadm -S`
//! output reads back as the table it lists; the fast JSON writer writes
//! JSON that says what the schema types say.

use proptest::prelude::*;

use lvsctl::ipvs::{DestEntry, Op, ServiceEntry, Stats};
use lvsctl::ipvsadm::format::{daemon_line, service_entry, Format};
use lvsctl::ipvsadm::{parse_line, set_host_lookups, Command};
use lvsctl::output::{json, native};
use lvsctl::state::config::render;
use lvsctl::state::rules;
use lvsctl::state::Table;

use crate::model;
use crate::netlink::{wire_daemon, wire_dest, wire_service};

fn stats() -> impl Strategy<Value = Stats> {
    any::<[u64; 10]>().prop_map(|v| Stats {
        conns: v[0],
        inpkts: v[1],
        outpkts: v[2],
        inbytes: v[3],
        outbytes: v[4],
        cps: v[5],
        inpps: v[6],
        outpps: v[7],
        inbps: v[8],
        outbps: v[9],
    })
}

fn dest_entry(dest: impl Strategy<Value = lvsctl::ipvs::Destination>) -> impl Strategy<Value = DestEntry> {
    (dest, any::<[u32; 3]>(), stats()).prop_map(|(dest, [a, i, p], stats)| DestEntry {
        dest,
        active_conns: a,
        inact_conns: i,
        persist_conns: p,
        stats,
    })
}

/// A service and real servers with anything the kernel could report.
fn kernel_table() -> impl Strategy<Value = Vec<(ServiceEntry, Vec<DestEntry>)>> {
    let one = (
        wire_service(),
        stats(),
        prop::collection::vec(dest_entry(wire_dest()), 0..4),
    )
        .prop_map(|(service, stats, dests)| (ServiceEntry { service, stats }, dests));
    prop::collection::vec(one, 0..3)
}

/// Every text listing format, numeric (no name lookups).
fn formats() -> Vec<Format> {
    let mut v = Vec::new();
    for i in 0..7 {
        let mut f = Format {
            numeric: true,
            exact: i % 2 == 0,
            ..Format::default()
        };
        match i {
            0 => f.rule = true,
            1 => f.stats = true,
            2 => f.rate = true,
            3 => f.thresholds = true,
            4 => f.persistent_conn = true,
            5 => f.tun_info = true,
            _ => {}
        }
        v.push(f);
    }
    v
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn kernel_values_print_in_every_format(t in kernel_table(), d in wire_daemon()) {
        for f in formats() {
            let mut out = String::new();
            for (s, dests) in &t {
                service_entry(&mut out, s, dests, &f);
            }
        }
        let _ = native::list_table(&t).render_text();
        let _ = native::counters_table(&t, true).render_table();
        let table = Table::from_entries(&t);
        let _ = render(&table);
        let _ = rules::save(&table);
        for (s, dests) in &t {
            let _ = lvsctl::ipvsadm::rules::op_rule(&Op::AddService(s.service.clone()));
            for d in dests {
                let _ = lvsctl::ipvsadm::rules::op_rule(&Op::EditDest(s.service.key, d.dest.clone()));
            }
        }
        let _ = lvsctl::ipvsadm::rules::op_rule(&Op::StartDaemon(d.clone()));
        let _ = daemon_line(&d);
    }

    /// `ipvsadm -Sn` output (with `-x/-y` when lvsctl asks for them)
    /// restores the table it lists.
    #[test]
    fn saved_listings_restore(
        spec in model::service_spec(4),
        with_thresholds in any::<bool>(),
        st in stats(),
    ) {
        set_host_lookups(false);
        let key = spec.service.key;
        let entry = ServiceEntry { service: spec.service.clone(), stats: st };
        let dests: Vec<DestEntry> = spec
            .dests
            .iter()
            .map(|d| DestEntry { dest: d.clone(), active_conns: 1, inact_conns: 2, persist_conns: 3, stats: st })
            .collect();
        let f = Format { rule: true, numeric: true, thresholds: with_thresholds, ..Format::default() };
        let mut out = String::new();
        service_entry(&mut out, &entry, &dests, &f);
        let mut want = vec![Command::AddService(spec.service.clone())];
        for d in &spec.dests {
            let mut d = d.clone();
            if !with_thresholds {
                (d.u_threshold, d.l_threshold) = (0, 0);
            }
            want.push(Command::AddDest(key, d));
        }
        let got: Vec<_> = out.lines().map(parse_line).collect();
        let want: Vec<_> = want.into_iter().map(|c| Ok(Some(c))).collect();
        prop_assert_eq!(got, want, "{}", out);
    }

    /// The streamed JSON is valid JSON holding what the schema types
    /// serialize to, for any string the kernel sends.
    #[test]
    fn streamed_json_says_what_the_schema_says(t in kernel_table()) {
        let mut out = Vec::new();
        json::write_services(&mut out, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_slice(&out).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out))))?;
        let want: Vec<json::JsonService> = t.iter().map(|(s, d)| json::service(s, d)).collect();
        prop_assert_eq!(&v["services"], &serde_json::to_value(&want).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let back: Vec<json::JsonService> = serde_json::from_value(v["services"].clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, want);
    }
}
