//! Prometheus metrics (`[daemon] metrics = "ADDR:PORT"`): the text
//! exposition format, served by [`super::http`].
//!
//! Hand-written rather than a metrics crate: the families are few, fixed,
//! and rendered from state the loop already has ([`Snapshot`]); the format
//! is a dozen rules (`# HELP`, `# TYPE`, `name{labels} value`, escaped
//! label values, cumulative `_bucket{le=...}` histograms).
//!
//! Families: per (service, server) health, configured and effective weight
//! and transitions; per service quorum; per check type a latency
//! histogram; the kernel's 64-bit counters and rates per service and
//! per server, read at scrape time; per VRRP instance its state (one line
//! per state, 1 for the current one), priorities, adverts, transitions and
//! the worst lateness of a Master's advert.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::ipvs::Stats;

/// Upper bounds of the latency histogram, seconds.
pub const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// A latency histogram.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Count per bucket of [`BUCKETS`] (not cumulative), then +Inf.
    pub counts: [u64; BUCKETS.len() + 1],
    /// Sum of observations, seconds.
    pub sum: f64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&mut self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS.iter().position(|b| s <= *b).unwrap_or(BUCKETS.len());
        self.counts[i] += 1;
        self.sum += s;
    }

    /// Observations in all.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// One real server's row.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRow {
    /// Service selector.
    pub service: String,
    /// `ADDR:PORT`.
    pub server: String,
    /// Checks pass.
    pub up: bool,
    /// Weight in the file.
    pub weight: u32,
    /// Weight wanted now (`None`: removed).
    pub effective: Option<u32>,
    /// Health transitions since the daemon started.
    pub transitions: u64,
    /// Kernel counters, when the kernel has the server.
    pub stats: Option<Stats>,
}

/// Everything a scrape shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Per service: selector, quorum held, kernel counters.
    pub services: Vec<(String, bool, Option<Stats>)>,
    /// Per real server.
    pub servers: Vec<ServerRow>,
    /// Probe latency per check type.
    pub latency: BTreeMap<String, Histogram>,
    /// Probes run per check type.
    pub probes: BTreeMap<String, u64>,
    /// VRRP instances, as `lvsctl daemon status` shows them.
    pub vrrp: Vec<crate::daemon::proto::VrrpStatus>,
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A kernel counter family: name suffix, help, and how to read it.
type StatFamily = (&'static str, &'static str, fn(&Stats) -> u64);

/// The exposition text of a snapshot.
pub fn render(s: &Snapshot) -> String {
    let mut o = String::with_capacity(256 + s.servers.len() * 600);
    family(
        &mut o,
        "lvsctl_server_up",
        "gauge",
        "1 when every check of the real server passes",
    );
    for r in &s.servers {
        let _ = writeln!(
            o,
            "lvsctl_server_up{{service=\"{}\",server=\"{}\"}} {}",
            label(&r.service),
            label(&r.server),
            u8::from(r.up)
        );
    }
    family(
        &mut o,
        "lvsctl_server_weight",
        "gauge",
        "Weight of the real server in the file",
    );
    for r in &s.servers {
        let _ = writeln!(
            o,
            "lvsctl_server_weight{{service=\"{}\",server=\"{}\"}} {}",
            label(&r.service),
            label(&r.server),
            r.weight
        );
    }
    family(
        &mut o,
        "lvsctl_server_effective_weight",
        "gauge",
        "Weight the daemon gives the real server now (-1: removed)",
    );
    for r in &s.servers {
        let w = r.effective.map(i64::from).unwrap_or(-1);
        let _ = writeln!(
            o,
            "lvsctl_server_effective_weight{{service=\"{}\",server=\"{}\"}} {w}",
            label(&r.service),
            label(&r.server)
        );
    }
    family(
        &mut o,
        "lvsctl_server_transitions_total",
        "counter",
        "Health changes of the real server",
    );
    for r in &s.servers {
        let _ = writeln!(
            o,
            "lvsctl_server_transitions_total{{service=\"{}\",server=\"{}\"}} {}",
            label(&r.service),
            label(&r.server),
            r.transitions
        );
    }
    family(
        &mut o,
        "lvsctl_service_quorum_up",
        "gauge",
        "1 while the service holds its quorum",
    );
    for (svc, q, _) in &s.services {
        let _ = writeln!(
            o,
            "lvsctl_service_quorum_up{{service=\"{}\"}} {}",
            label(svc),
            u8::from(*q)
        );
    }
    family(
        &mut o,
        "lvsctl_probes_total",
        "counter",
        "Probes run, by check type",
    );
    for (kind, n) in &s.probes {
        let _ = writeln!(o, "lvsctl_probes_total{{type=\"{}\"}} {n}", label(kind));
    }
    family(
        &mut o,
        "lvsctl_probe_latency_seconds",
        "histogram",
        "Time from a probe's start to its result",
    );
    for (kind, h) in &s.latency {
        let k = label(kind);
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += h.counts[i];
            let _ = writeln!(
                o,
                "lvsctl_probe_latency_seconds_bucket{{type=\"{k}\",le=\"{b}\"}} {cum}"
            );
        }
        let _ = writeln!(
            o,
            "lvsctl_probe_latency_seconds_bucket{{type=\"{k}\",le=\"+Inf\"}} {}",
            h.count()
        );
        let _ = writeln!(o, "lvsctl_probe_latency_seconds_sum{{type=\"{k}\"}} {}", h.sum);
        let _ = writeln!(
            o,
            "lvsctl_probe_latency_seconds_count{{type=\"{k}\"}} {}",
            h.count()
        );
    }
    vrrp(&mut o, &s.vrrp);
    let counters: [StatFamily; 5] = [
        ("connections_total", "Connections scheduled", |s| s.conns),
        ("packets_in_total", "Packets in", |s| s.inpkts),
        ("packets_out_total", "Packets out", |s| s.outpkts),
        ("bytes_in_total", "Bytes in", |s| s.inbytes),
        ("bytes_out_total", "Bytes out", |s| s.outbytes),
    ];
    let rates: [StatFamily; 5] = [
        (
            "connections_per_second",
            "Connection rate (kernel estimate)",
            |s| s.cps,
        ),
        ("packets_in_per_second", "Incoming packet rate", |s| s.inpps),
        ("packets_out_per_second", "Outgoing packet rate", |s| s.outpps),
        ("bytes_in_per_second", "Incoming byte rate", |s| s.inbps),
        ("bytes_out_per_second", "Outgoing byte rate", |s| s.outbps),
    ];
    for (list, kind) in [(&counters, "counter"), (&rates, "gauge")] {
        for (suffix, help, get) in list.iter() {
            let name = format!("lvsctl_ipvs_service_{suffix}");
            family(&mut o, &name, kind, &format!("{help} by the IPVS service"));
            for (svc, _, st) in &s.services {
                if let Some(st) = st {
                    let _ = writeln!(o, "{name}{{service=\"{}\"}} {}", label(svc), get(st));
                }
            }
            let name = format!("lvsctl_ipvs_server_{suffix}");
            family(&mut o, &name, kind, &format!("{help} to the real server"));
            for r in &s.servers {
                if let Some(st) = &r.stats {
                    let _ = writeln!(
                        o,
                        "{name}{{service=\"{}\",server=\"{}\"}} {}",
                        label(&r.service),
                        label(&r.server),
                        get(st)
                    );
                }
            }
        }
    }
    o
}

/// The VRRP families.
fn vrrp(o: &mut String, list: &[crate::daemon::proto::VrrpStatus]) {
    if list.is_empty() {
        return;
    }
    family(
        o,
        "lvsctl_vrrp_state",
        "gauge",
        "VRRP instance state (1 for the current one)",
    );
    for v in list {
        for st in ["INIT", "BACKUP", "MASTER", "FAULT"] {
            let on = u8::from(v.state == st);
            let _ = writeln!(
                o,
                "lvsctl_vrrp_state{{instance=\"{}\",state=\"{st}\"}} {on}",
                label(&v.name)
            );
        }
    }
    type Gauge = (
        &'static str,
        &'static str,
        &'static str,
        fn(&crate::daemon::proto::VrrpStatus) -> Option<f64>,
    );
    let rows: [Gauge; 8] = [
        (
            "lvsctl_vrrp_priority",
            "gauge",
            "Priority advertised (0 when released)",
            |v| Some(f64::from(v.priority)),
        ),
        (
            "lvsctl_vrrp_master_priority",
            "gauge",
            "Priority of the Master heard (ours while Master)",
            |v| v.master_priority.map(f64::from),
        ),
        (
            "lvsctl_vrrp_state_since_seconds",
            "gauge",
            "When the instance entered its state (Unix time)",
            |v| Some(v.since as f64),
        ),
        ("lvsctl_vrrp_adverts_sent_total", "counter", "Adverts sent", |v| {
            Some(v.adverts_sent as f64)
        }),
        (
            "lvsctl_vrrp_adverts_received_total",
            "counter",
            "Adverts received and accepted",
            |v| Some(v.adverts_received as f64),
        ),
        (
            "lvsctl_vrrp_adverts_dropped_total",
            "counter",
            "Adverts received and dropped",
            |v| Some(v.adverts_dropped as f64),
        ),
        ("lvsctl_vrrp_transitions_total", "counter", "State changes", |v| {
            Some(v.transitions as f64)
        }),
        (
            "lvsctl_vrrp_advert_late_max_seconds",
            "gauge",
            "Worst lateness of an advert sent as Master",
            |v| Some(v.advert_late_max_ms / 1000.0),
        ),
    ];
    for (name, kind, help, get) in rows {
        family(o, name, kind, help);
        for v in list {
            if let Some(x) = get(v) {
                let _ = writeln!(o, "{name}{{instance=\"{}\"}} {x}", label(&v.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_families_with_escaped_labels() {
        let mut h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(20));
        h.observe(Duration::from_secs(3));
        let s = Snapshot {
            services: vec![(
                "tcp:192.0.2.10:80".into(),
                true,
                Some(Stats {
                    conns: 5,
                    ..Stats::default()
                }),
            )],
            servers: vec![ServerRow {
                service: "tcp:192.0.2.10:80".into(),
                server: "192.0.2.11:80".into(),
                up: false,
                weight: 3,
                effective: None,
                transitions: 2,
                stats: None,
            }],
            latency: [("http\"x".to_string(), h)].into_iter().collect(),
            probes: [("http".to_string(), 3)].into_iter().collect(),
            vrrp: Vec::new(),
        };
        let t = render(&s);
        assert!(t.contains("lvsctl_server_up{service=\"tcp:192.0.2.10:80\",server=\"192.0.2.11:80\"} 0\n"));
        assert!(t.contains(
            "lvsctl_server_effective_weight{service=\"tcp:192.0.2.10:80\",server=\"192.0.2.11:80\"} -1\n"
        ));
        assert!(t.contains(
            "lvsctl_server_transitions_total{service=\"tcp:192.0.2.10:80\",server=\"192.0.2.11:80\"} 2\n"
        ));
        assert!(t.contains("lvsctl_ipvs_service_connections_total{service=\"tcp:192.0.2.10:80\"} 5\n"));
        assert!(t.contains("lvsctl_probe_latency_seconds_bucket{type=\"http\\\"x\",le=\"0.0005\"} 1\n"));
        assert!(t.contains("lvsctl_probe_latency_seconds_bucket{type=\"http\\\"x\",le=\"0.025\"} 2\n"));
        assert!(t.contains("lvsctl_probe_latency_seconds_bucket{type=\"http\\\"x\",le=\"+Inf\"} 3\n"));
        assert!(t.contains("lvsctl_probe_latency_seconds_count{type=\"http\\\"x\"} 3\n"));
        assert!(t.contains("# TYPE lvsctl_ipvs_server_bytes_in_per_second gauge\n"));
    }

    #[test]
    fn renders_vrrp_instances() {
        let v = crate::daemon::proto::VrrpStatus {
            name: "VI_\"1".into(),
            interface: "eth0".into(),
            vrid: 51,
            state: "MASTER".into(),
            since: 1_700_000_000,
            priority: 150,
            released: false,
            master: Some("192.0.2.2".into()),
            master_priority: None,
            vips: vec!["192.0.2.100/24".into()],
            adverts_sent: 7,
            adverts_received: 2,
            adverts_dropped: 1,
            transitions: 3,
            advert_late_max_ms: 2.5,
            faults: Vec::new(),
            last_error: None,
            peers: Vec::new(),
        };
        let t = render(&Snapshot {
            vrrp: vec![v],
            ..Snapshot::default()
        });
        assert!(
            t.contains("lvsctl_vrrp_state{instance=\"VI_\\\"1\",state=\"MASTER\"} 1\n"),
            "{t}"
        );
        assert!(t.contains("lvsctl_vrrp_state{instance=\"VI_\\\"1\",state=\"BACKUP\"} 0\n"));
        assert!(t.contains("lvsctl_vrrp_priority{instance=\"VI_\\\"1\"} 150\n"));
        assert!(t.contains("lvsctl_vrrp_adverts_sent_total{instance=\"VI_\\\"1\"} 7\n"));
        assert!(t.contains("lvsctl_vrrp_advert_late_max_seconds{instance=\"VI_\\\"1\"} 0.0025\n"));
        assert!(t.contains("# TYPE lvsctl_vrrp_transitions_total counter\n"));
        // No Master priority known: no sample, the family still declared.
        assert!(t.contains("# TYPE lvsctl_vrrp_master_priority gauge\n"));
        assert!(!t.contains("lvsctl_vrrp_master_priority{"));
        // Without instances, no VRRP family at all.
        assert!(!render(&Snapshot::default()).contains("lvsctl_vrrp"));
    }
}
