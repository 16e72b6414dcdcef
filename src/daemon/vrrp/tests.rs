use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::config::{Garp, Instance};
use super::*;
use crate::daemon::config::parse;
use crate::ipvs::DaemonState;

fn one(text: &str) -> Instance {
    let c = parse("d.toml", text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.vrrp.len(), 1);
    c.vrrp[0].clone()
}

fn refused(text: &str) -> String {
    parse("d.toml", text).map(|_| ()).unwrap_err().to_string()
}

const MINIMAL: &str =
    "[[vrrp]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\nvips = [\"192.0.2.110/24\"]\n";

#[test]
fn defaults_are_keepalived_s() {
    let i = one(MINIMAL);
    assert_eq!(i.line, 1);
    assert_eq!(i.version, Version::V2);
    assert_eq!(i.priority, 100);
    assert_eq!(i.advert_interval, Duration::from_secs(1));
    assert!(i.preempt);
    assert_eq!(i.preempt_delay, Duration::ZERO);
    assert!(i.unicast_peers.is_empty());
    assert_eq!(i.checksum, Checksum::Keepalived);
    assert_eq!(i.garp, Garp::default());
    assert_eq!(i.garp.count, 5);
    assert_eq!(i.garp.repeat_after, Duration::from_secs(5));
    assert_eq!(i.vips[0].addr, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 110)));
    assert_eq!(i.vips[0].prefix, 24);
    // IPv6 defaults to version 3, a bare address to a host prefix.
    let i = one(&MINIMAL.replace("192.0.2.110/24", "2001:db8::110"));
    assert_eq!(i.version, Version::V3);
    assert_eq!(i.vips[0].prefix, 128);
}

#[test]
fn a_whole_instance_reads_back() {
    let text = r#"
[[services]]
protocol = "tcp"
address = "192.0.2.110"
port = 80

[[vrrp]]
name = "VI_1"
interface = "eth0"
vrid = 51
version = 3
priority = 150
advert_interval = "500ms"
vips = ["192.0.2.110/24", { address = "198.51.100.1/24", device = "eth1", label = "eth1:gw" }]
preempt = false
preempt_delay = "30s"
unicast_source = "192.0.2.10"
unicast_peers = ["192.0.2.20"]
checksum = "rfc9568"
track_services = ["tcp:192.0.2.110:80"]
track_interfaces = ["eth1"]
notify = ["/usr/local/sbin/on-vrrp", "x"]
garp = { count = 3, interval = "100ms", repeat_after = "0s", refresh = "60s" }
"#;
    let c = parse("d.toml", text).unwrap();
    let i = &c.vrrp[0];
    assert_eq!(i.line, 7);
    assert_eq!((i.version, i.priority), (Version::V3, 150));
    assert_eq!(i.advert_interval, Duration::from_millis(500));
    assert_eq!(i.vips[1].device.as_deref(), Some("eth1"));
    assert_eq!(i.vips[1].label.as_deref(), Some("eth1:gw"));
    assert!(!i.preempt);
    assert_eq!(i.unicast_peers, vec!["192.0.2.20".parse::<IpAddr>().unwrap()]);
    assert_eq!(i.checksum, Checksum::Rfc9568);
    assert_eq!(i.track_services.len(), 1);
    assert_eq!(i.notify, vec!["/usr/local/sbin/on-vrrp", "x"]);
    assert_eq!(
        i.garp,
        Garp {
            count: 3,
            interval: Duration::from_millis(100),
            repeat_after: Duration::ZERO,
            refresh: Duration::from_secs(60)
        }
    );
}

#[test]
fn bad_instances_name_their_line_and_what_is_wrong() {
    let second = |extra: &str| format!("[daemon]\n\n{MINIMAL}{extra}");
    let cases: Vec<(String, &str)> = vec![
        (
            second("version = 2\n").replace("192.0.2.110/24", "2001:db8::1"),
            "d.toml:3: vrrp VI_1: version 2 carries IPv4 only",
        ),
        (
            second("vips = []\n").replace("vips = [\"192.0.2.110/24\"]\n", ""),
            "vips lists no address",
        ),
        (
            second("").replace("vrid = 51", "vrid = 0"),
            "d.toml:3: vrrp VI_1: vrid must be 1-255",
        ),
        (second("").replace("vrid = 51", "vrid = 256"), "d.toml:6:"),
        (second("priority = 0\n"), "priority must be 1-255"),
        (
            second("advert_interval = \"1500ms\"\n"),
            "version 2 sends whole seconds",
        ),
        (
            second("version = 3\nadvert_interval = \"5ms\"\n"),
            "version 3 sends centiseconds",
        ),
        (
            second("").replace("192.0.2.110/24\"", "192.0.2.110/24\", \"2001:db8::1\""),
            "IPv4 and IPv6 VIPs in one instance",
        ),
        (
            second("").replace("192.0.2.110/24\"", "192.0.2.110/24\", \"192.0.2.110\""),
            "listed twice",
        ),
        (
            second("").replace("192.0.2.110/24", "192.0.2.110/40"),
            "prefix must be 1-32",
        ),
        (
            second("").replace("192.0.2.110/24", "224.0.0.18"),
            "cannot be a virtual address",
        ),
        (
            second("unicast_source = \"192.0.2.10\"\n"),
            "unicast_source without unicast_peers",
        ),
        (
            second("unicast_peers = [\"2001:db8::2\"]\n"),
            "is not of the VIPs' family",
        ),
        (
            second("checksum = \"rfc9568\"\n"),
            "checksum applies to version 3 over IPv4 only",
        ),
        (
            second("checksum = \"crc\"\n"),
            "expected \"keepalived\" or \"rfc9568\"",
        ),
        (
            second("version = 3\nauth_pass = \"x\"\n"),
            "auth_pass is version 2's",
        ),
        (second("auth_pass = \"123456789\"\n"), "1-8 ASCII"),
        (
            second("track_services = [\"tcp:192.0.2.110:80\"]\n"),
            "not a service of this file",
        ),
        (
            second("track_services = [\"web\"]\n"),
            "expected PROTO:ADDRESS:PORT",
        ),
        (second("notify = [\"on-vrrp\"]\n"), "absolute path"),
        (second("garp = { count = 500 }\n"), "garp.count is at most 100"),
        (
            second("garp = { refresh = \"10ms\" }\n"),
            "garp.refresh is 0s (off) or at least 1s",
        ),
        (second("preempt_delay = \"2000s\"\n"), "at most 1000s"),
        (second("colour = \"red\"\n"), "unknown field `colour`"),
        (
            second("").replace(
                "\"192.0.2.110/24\"",
                "{ address = \"192.0.2.110/24\", label = \"eth1:x\" }",
            ),
            "label \"eth1:x\" must be the device's name",
        ),
        (
            second("").replace(
                "\"192.0.2.110/24\"",
                "{ address = \"192.0.2.110/24\", dev = \"eth1\" }",
            ),
            "unknown field `dev`",
        ),
        (
            second(&MINIMAL.replace("vrid = 51", "vrid = 52")),
            "d.toml:8: vrrp instance \"VI_1\" defined twice (first on line 3)",
        ),
        (
            second(&MINIMAL.replace("VI_1", "VI_2")),
            "d.toml:8: vrid 51 on eth0 is already instance \"VI_1\" (line 3)",
        ),
        (
            second("sync_daemon = { interface = \"eth 0\" }\n"),
            "d.toml:3: vrrp VI_1: sync_daemon: invalid interface name",
        ),
        (
            second("sync_daemon = { interface = \"eth0\", syncid = 300 }\n"),
            "d.toml:",
        ),
        (
            second("sync_daemon = { interface = \"eth0\", group = \"192.0.2.1\" }\n"),
            "sync_daemon.group 192.0.2.1 is not a multicast address",
        ),
        (
            second("sync_daemon = { interface = \"eth0\", ttl = 0 }\n"),
            "sync_daemon.ttl must be 1-255",
        ),
        (
            second("sync_daemon = { interface = \"eth0\", mcast = 1 }\n"),
            "unknown field `mcast`",
        ),
        (
            second(&format!(
                "sync_daemon = {{ interface = \"eth0\" }}\n{}sync_daemon = {{ interface = \"eth1\" }}\n",
                MINIMAL.replace("VI_1", "VI_2").replace("vrid = 51", "vrid = 52")
            )),
            "d.toml:9: vrrp VI_2: instance \"VI_1\" (line 3) already has the sync_daemon",
        ),
        (
            format!(
                "[[daemons]]\nstate = \"backup\"\ninterface = \"eth1\"\nsyncid = 9\n\n{MINIMAL}sync_daemon = {{ interface = \"eth0\" }}\n"
            ),
            "d.toml:1: [[daemons]] beside vrrp VI_1's sync_daemon (line 6)",
        ),
        (
            "[vrrp]\nname = \"x\"\n".to_string(),
            "write each instance as [[vrrp]]",
        ),
        (
            format!("{MINIMAL}\n[[vrrp_sync_group]]\nname = \"G\"\ninstances = [\"VI_1\", \"VI_9\"]\n"),
            "d.toml:7: vrrp_sync_group \"G\": no [[vrrp]] named \"VI_9\"",
        ),
        (
            format!("{MINIMAL}\n[[vrrp_sync_group]]\nname = \"G\"\ninstances = [\"VI_1\"]\n"),
            "needs two instances or more",
        ),
    ];
    for (text, want) in cases {
        let got = refused(&text);
        assert!(got.contains(want), "{text}\n---\nwant {want:?}\ngot  {got:?}");
        if want.starts_with("d.toml:") {
            assert!(got.starts_with(want), "{got:?} should start with {want:?}");
        } else {
            assert!(got.starts_with("d.toml:"), "{got:?} names no FILE:LINE");
        }
    }
}

#[test]
fn the_sync_daemon_takes_the_vrid_as_its_id_and_follows_the_role() {
    let i = one(&format!("{MINIMAL}sync_daemon = {{ interface = \"eth1\" }}\n"));
    let d = i.sync_daemon.as_ref().unwrap();
    assert_eq!((d.interface.as_str(), d.syncid), ("eth1", 51));
    let m = d.daemon(true);
    assert_eq!(
        (m.state, m.mcast_ifn.as_str(), m.syncid),
        (DaemonState::Master, "eth1", 51)
    );
    assert_eq!(d.daemon(false).state, DaemonState::Backup);
    let i = one(&format!(
        "{MINIMAL}sync_daemon = {{ interface = \"eth0\", syncid = 7, maxlen = 1400, group = \"239.1.1.1\", port = 8849, ttl = 2 }}\n"
    ));
    let b = i.sync_daemon.unwrap().daemon(false);
    assert_eq!(b.syncid, 7);
    assert_eq!(b.sync_maxlen, Some(1400));
    assert_eq!(b.mcast_group, Some("239.1.1.1".parse().unwrap()));
    assert_eq!((b.mcast_port, b.mcast_ttl), (Some(8849), Some(2)));
    // Without an instance that has one, [[daemons]] is the file's own.
    parse(
        "d.toml",
        &format!("[[daemons]]\nstate = \"backup\"\ninterface = \"eth1\"\n\n{MINIMAL}"),
    )
    .unwrap();
}

#[test]
fn moved_lines_are_the_same_setup_for_a_reload() {
    let second = MINIMAL.replace("VI_1", "VI_2").replace("vrid = 51", "vrid = 52");
    let group = format!("{second}[[vrrp_sync_group]]\nname = \"G\"\ninstances = [\"VI_1\", \"VI_2\"]\n");
    let a = parse("d.toml", &format!("{MINIMAL}{group}")).unwrap();
    let b = parse("d.toml", &format!("# a comment\n\n{MINIMAL}\n{group}")).unwrap();
    assert_ne!(a.vrrp[0].line, b.vrrp[0].line);
    assert!(super::config::same_setup(
        (&a.vrrp, &a.sync_groups),
        (&b.vrrp, &b.sync_groups)
    ));
    let c = parse(
        "d.toml",
        &format!("{}{group}", MINIMAL.replace("vrid = 51", "vrid = 53")),
    )
    .unwrap();
    assert!(!super::config::same_setup(
        (&a.vrrp, &a.sync_groups),
        (&c.vrrp, &c.sync_groups)
    ));
}

#[test]
fn apply_refuses_vrrp_as_a_daemon_section() {
    let e = crate::state::config::parse("a.toml", MINIMAL)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("a.toml:"), "{e}");
    assert!(e.contains("belongs to a daemon file"), "{e}");
}

fn meta(src: [u8; 4], dst: Ipv4Addr, ttl: u8) -> Meta {
    Meta {
        src: IpAddr::V4(Ipv4Addr::from(src)),
        dst: IpAddr::V4(dst),
        ttl,
    }
}

fn advert_of(i: &Instance) -> Advert {
    Advert {
        version: i.version,
        vrid: i.vrid,
        priority: 100,
        interval_cs: 100,
        addrs: i.vips.iter().map(|v| v.addr).collect(),
        auth: Auth::None,
    }
}

#[test]
fn judge_accepts_agreeing_adverts_and_names_every_difference() {
    let i = one(MINIMAL);
    let m = meta([192, 0, 2, 20], socket::GROUP_V4, 255);
    let a = advert_of(&i);
    assert_eq!(
        judge(&i, &m, &a, None),
        Verdict {
            accept: true,
            differs: vec![]
        }
    );
    // Dropped, as keepalived drops them.
    let ttl = judge(&i, &meta([192, 0, 2, 20], socket::GROUP_V4, 64), &a, None);
    assert!(!ttl.accept);
    assert_eq!(ttl.differs, vec!["TTL 64 (must be 255)"]);
    let v3 = judge(
        &i,
        &m,
        &Advert {
            version: Version::V3,
            ..a.clone()
        },
        Some(Checksum::Keepalived),
    );
    assert!(!v3.accept);
    assert_eq!(v3.differs, vec!["version 3 (ours 2)"]);
    let slow = judge(
        &i,
        &m,
        &Advert {
            interval_cs: 200,
            ..a.clone()
        },
        None,
    );
    assert!(!slow.accept, "v2: another interval is dropped");
    assert_eq!(slow.differs, vec!["advert interval 2s (ours 1s)"]);
    let pass = judge(
        &i,
        &m,
        &Advert {
            auth: Auth::Password(*b"secret\0\0"),
            ..a.clone()
        },
        None,
    );
    assert!(!pass.accept);
    // Accepted and reported: another VIP list.
    let vips = judge(
        &i,
        &m,
        &Advert {
            addrs: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 111))],
            ..a.clone()
        },
        None,
    );
    assert!(vips.accept);
    assert_eq!(
        vips.differs,
        vec!["VIP list differs: missing 192.0.2.110 extra 192.0.2.111"]
    );
    // Unicast adverts to a multicast instance, and the reverse.
    let uni = judge(
        &i,
        &meta([192, 0, 2, 20], Ipv4Addr::new(192, 0, 2, 10), 255),
        &a,
        None,
    );
    assert!(!uni.accept);
    let u = one(&MINIMAL.replace("vrid = 51", "vrid = 51\nunicast_peers = [\"192.0.2.20\"]"));
    assert!(!judge(&u, &m, &a, None).accept, "multicast to a unicast instance");
    let from_peer = meta([192, 0, 2, 20], Ipv4Addr::new(192, 0, 2, 10), 64);
    assert!(
        judge(&u, &from_peer, &a, None).accept,
        "unicast skips the TTL check"
    );
    let stranger = meta([192, 0, 2, 30], Ipv4Addr::new(192, 0, 2, 10), 255);
    assert_eq!(
        judge(&u, &stranger, &a, None).differs,
        vec!["not one of our unicast peers"]
    );
}

#[test]
fn judge_accepts_v3_interval_and_checksum_differences_and_reports_them() {
    let i = one(&MINIMAL.replace("vrid = 51", "vrid = 51\nversion = 3"));
    let m = meta([192, 0, 2, 20], socket::GROUP_V4, 255);
    let a = advert_of(&i);
    let v = judge(
        &i,
        &m,
        &Advert {
            interval_cs: 50,
            ..a.clone()
        },
        Some(Checksum::Rfc9568),
    );
    assert!(v.accept);
    assert_eq!(
        v.differs,
        vec![
            "advert interval 500ms (ours 1s)",
            "checksum form rfc9568 (ours keepalived)"
        ]
    );
}

#[test]
fn the_advert_carries_the_vips_in_file_order() {
    let i = one(&MINIMAL.replace("\"192.0.2.110/24\"", "\"192.0.2.112\", \"192.0.2.110/24\""));
    let run_addrs: Vec<IpAddr> = i.vips.iter().map(|v| v.addr).collect();
    assert_eq!(
        run_addrs,
        vec![
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 112)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 110))
        ]
    );
}

#[test]
fn the_peer_table_forgets_the_longest_silent_router_when_full() {
    let mut peers = BTreeMap::new();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    for i in 0..MAX_PEERS {
        let p = peer(&mut peers, IpAddr::V4(Ipv4Addr::new(192, 0, 2, i as u8 + 1)));
        // 192.0.2.1 is the longest silent
        p.last_seen = Some(t0 + Duration::from_secs(i as u64));
    }
    peer(&mut peers, IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)));
    assert_eq!(peers.len(), MAX_PEERS);
    assert!(!peers.contains_key(&IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))));
    assert!(peers.contains_key(&IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))));
    // A known router is never evicted to make room for itself.
    peer(&mut peers, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)));
    assert_eq!(peers.len(), MAX_PEERS);
}
