//! lvsctl's JSON schema, shared by every command that writes JSON (`list`,
//! `stats`, `rate`, `conns`, `timeouts`, `daemons`, `save`, `apply`,
//! `diff`, `rs status`).
//!
//! One document shape, version 1:
//!
//! ```text
//! {
//!   "schema": 1,
//!   "services":    [Service...]        (list, stats, rate, save)
//!   "connections": [Connection...]     (conns)
//!   "timeouts":    {tcp, tcp_fin, udp} (timeouts, save)
//!   "daemons":     [Daemon...]         (daemons, save)
//!   "vips":        [Vip...]            (rs status)
//!   "sysctl":      {name: value...}    (save)
//!   "changes":     [Change...]         (apply, diff)
//!   "warnings":    [text...]           (apply, diff)
//! }
//! ```
//!
//! A command writes only the keys it reads. (`arp probe` writes a
//! [`ProbeDocument`], `{"probe": {...}, "schema": 1}`, always indented.) Addresses are strings, counters
//! are 64-bit integers, enumerations are lower-case strings.
//!
//! The module is split along its seams: [`schema`] holds the types of the
//! document (its own, so a library type cannot change the schema by
//! accident), `convert` builds them from the model, and `compact` is the
//! hand-written one-line writer that keeps a 100,000-destination listing
//! fast and streamed. None of it talks to the kernel.

mod compact;
mod convert;
pub mod schema;

use serde::{Deserialize, Serialize};

pub use compact::write_services;
pub use convert::{
    addr_port, changes, destination, family_name, forward_name, netmask_string, protocol_name, service,
};
pub use schema::{
    JsonAnswer, JsonChange, JsonConnection, JsonDaemon, JsonDestination, JsonProbe, JsonService, JsonStats,
    JsonTimeouts, JsonTunnel, JsonVip, ProbeDocument,
};

/// The schema version written in `"schema"`.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Always [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Services with their destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<JsonService>>,
    /// The connection table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<JsonConnection>>,
    /// Connection timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<JsonTimeouts>,
    /// Sync daemons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemons: Option<Vec<JsonDaemon>>,
    /// Real-server VIPs and their ARP cure (`rs status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vips: Option<Vec<JsonVip>>,
    /// `net.ipv4.vs.*` sysctls (`save`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctl: Option<std::collections::BTreeMap<String, i64>>,
    /// The changes of a plan (`apply`, `diff`), in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<JsonChange>>,
    /// Warnings about a plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

impl Document {
    /// An empty document of the current schema.
    pub fn new() -> Self {
        Document {
            schema: SCHEMA_VERSION,
            ..Document::default()
        }
    }

    /// JSON with a final newline, indented or on one line. Front ends
    /// indent when standard output is a terminal (a person reads it) and
    /// write one line otherwise (a program reads it, and a table of
    /// 100,000 destinations is then a third the size and several times
    /// faster to write), as `ip -j` / `ip -j -p`.
    pub fn render_as(&self, pretty: bool) -> String {
        let r = if pretty {
            serde_json::to_string_pretty(self)
        } else {
            self.compact()
        };
        let mut s = r.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

impl ProbeDocument {
    /// The document for one probe.
    pub fn new(probe: JsonProbe) -> Self {
        ProbeDocument {
            probe,
            schema: SCHEMA_VERSION,
        }
    }

    /// JSON with a final newline, indented or on one line.
    pub fn render_as(&self, pretty: bool) -> String {
        let r = if pretty {
            serde_json::to_string_pretty(self)
        } else {
            serde_json::to_string(self)
        };
        let mut s = r.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rs status --output json`: the bytes the string-typed `VipStatus`
    /// serialised to, now built from the typed one.
    #[test]
    fn vips_keep_their_shape() {
        use crate::rs::{Mode, Problem, VipStatus};
        let s = VipStatus {
            address: "192.0.2.20".parse().unwrap(),
            prefix: None,
            device: Some("tunl0".into()),
            mode: Mode::Tun,
            managed: true,
            ok: false,
            problems: vec![
                Problem::NotConfigured {
                    address: "192.0.2.20".parse().unwrap(),
                    device: "tunl0".into(),
                },
                Problem::ArpAnnounce { value: 1 },
            ],
        };
        let mut doc = Document::new();
        doc.vips = Some(vec![JsonVip::from(&s)]);
        assert_eq!(
            doc.render_as(false),
            concat!(
                r#"{"schema":1,"vips":[{"address":"192.0.2.20","prefix":null,"device":"tunl0","mode":"tun","#,
                r#""managed":true,"ok":false,"problems":["not configured: 192.0.2.20 is not on tunl0 (was it removed by hand?)","#,
                r#""this host may use it as ARP source address: net.ipv4.conf.all.arp_announce is 1; needs 2"]}]}"#,
                "\n"
            )
        );
        let back: Document = serde_json::from_str(&doc.render_as(true)).unwrap();
        assert_eq!(back, doc);
    }

    use crate::ipvs::{
        AddressFamily, DestEntry, Destination, ForwardMethod, Service, ServiceEntry, ServiceKey, Stats,
        TunnelType,
    };

    #[test]
    fn counters_above_2_32_stay_exact() {
        let big = Stats {
            conns: 5_000_000_001,
            inbytes: u64::MAX,
            ..Stats::default()
        };
        let mut d = Destination::new("198.51.100.1".parse().unwrap(), 80);
        d.fwd = ForwardMethod::Tunnel;
        d.tun_type = TunnelType::Gue;
        d.tun_port = 6080;
        d.tun_flags = 2;
        let dest = DestEntry {
            dest: d,
            active_conns: 1,
            inact_conns: 2,
            persist_conns: 3,
            stats: big,
        };
        let svc = ServiceEntry {
            service: Service::new(ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3_000_000_000,
            }),
            stats: big,
        };
        let mut doc = Document::new();
        doc.services = Some(vec![service(&svc, std::slice::from_ref(&dest))]);
        let text = doc.render_as(true);
        // The hand-written one-line form is serde's, byte for byte.
        let mut plain = Service::new(ServiceKey::Addr {
            protocol: crate::ipvs::Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        });
        plain.scheduler = "we\"ird\\\u{1}é".into();
        plain.pe_name = Some("sip".into());
        plain.flags.0 = 0x19;
        let mut plain_dest = dest.clone();
        plain_dest.dest.fwd = ForwardMethod::Masq;
        doc.services.as_mut().unwrap().push(service(
            &ServiceEntry {
                service: plain,
                stats: big,
            },
            &[dest.clone(), plain_dest],
        ));
        doc.timeouts = Some(JsonTimeouts::from(&crate::ipvs::Timeouts {
            tcp: 1,
            tcp_fin: 2,
            udp: 3,
        }));
        doc.warnings = Some(vec!["w".into()]);
        let mut expected = serde_json::to_string(&doc).unwrap();
        expected.push('\n');
        assert_eq!(doc.render_as(false), expected);
        assert!(text.contains("\"conns\": 5000000001"), "{text}");
        assert!(text.contains("\"inbytes\": 18446744073709551615"), "{text}");
        assert!(text.contains("\"fwmark\": 3000000000"), "{text}");
        assert!(
            text.contains("\"netmask\": \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\""),
            "{text}"
        );
        assert!(text.contains("\"type\": \"gue\""), "{text}");
        assert!(text.contains("\"csum\": \"remcsum\""), "{text}");
        let t = vec![(svc.clone(), vec![dest.clone()])];
        let mut streamed = Vec::new();
        write_services(&mut streamed, &t).unwrap();
        let mut only = Document::new();
        only.services = Some(vec![service(&svc, std::slice::from_ref(&dest))]);
        assert_eq!(String::from_utf8(streamed).unwrap(), only.render_as(false));
        let back: Document = serde_json::from_str(&doc.render_as(false)).unwrap();
        assert_eq!(back, doc);
        let back: Document = serde_json::from_str(&doc.render_as(true)).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn netmasks() {
        assert_eq!(netmask_string(AddressFamily::Inet, 0xffff_ff00), "255.255.255.0");
        assert_eq!(netmask_string(AddressFamily::Inet6, 64), "ffff:ffff:ffff:ffff::");
        assert_eq!(netmask_string(AddressFamily::Inet6, 0), "::");
        assert_eq!(
            netmask_string(AddressFamily::Inet6, 500),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn probe_document_keeps_its_alphabetical_keys() {
        let report = crate::arp::ProbeReport {
            address: "2001:db8::10".parse().unwrap(),
            interface: "e0".into(),
            local: true,
            answers: vec![crate::arp::Answer {
                mac: "02:00:00:00:00:01".into(),
                interface: "e0".into(),
                first_reply_ms: 7,
                replies: 10,
            }],
        };
        let doc = ProbeDocument::new(JsonProbe::from(&report));
        // What `arp probe` wrote through a `serde_json::Value` before the
        // schema had types of its own.
        let old = serde_json::json!({
            "schema": 1,
            "probe": {
                "address": "2001:db8::10",
                "interface": "e0",
                "local": true,
                "answers": [{"mac": "02:00:00:00:00:01", "interface": "e0", "first_reply_ms": 7, "replies": 10}],
            }
        });
        assert_eq!(
            doc.render_as(true),
            serde_json::to_string_pretty(&old).unwrap() + "\n"
        );
        assert_eq!(doc.render_as(false), serde_json::to_string(&old).unwrap() + "\n");
        let back: ProbeDocument = serde_json::from_str(&doc.render_as(true)).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn vips_keep_their_keys_in_order() {
        let mut doc = Document::new();
        doc.vips = Some(vec![JsonVip {
            address: "192.0.2.10".into(),
            prefix: Some(32),
            device: Some("lo".into()),
            mode: "dr".into(),
            managed: true,
            ok: false,
            problems: vec!["arp_ignore is 0".into()],
        }]);
        let expected = concat!(
            r#"{"schema":1,"vips":[{"address":"192.0.2.10","prefix":32,"device":"lo","mode":"dr","#,
            r#""managed":true,"ok":false,"problems":["arp_ignore is 0"]}]}"#,
            "\n"
        );
        assert_eq!(doc.render_as(false), expected);
        assert_eq!(
            serde_json::from_str::<Document>(&doc.render_as(true)).unwrap(),
            doc
        );
    }
}
