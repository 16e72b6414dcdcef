//! The daemon's whole loop in one process, against the in-memory
//! [`FakeKernel`]: `file` checks (a maintenance file takes a server down)
//! need no network, so probes, coalesced engine calls, drains, drift
//! repair and reloads all run for real in milliseconds. The kernel-facing
//! and network-facing parts are the VM scenarios' (daemon.sh,
//! daemon_ops.sh, checks.sh).

use std::sync::{Arc, Mutex};

use super::*;
use crate::ipvs::{Op, ServiceKey};
use crate::state::backend::Backend;
use crate::state::fake::FakeKernel;

struct Lab {
    dir: PathBuf,
    file: String,
    fake: Arc<Mutex<FakeKernel>>,
    ctl: Option<mpsc::Sender<ControlMsg>>,
    /// What an HTTP listener would ask.
    web: mpsc::Sender<WebAsk>,
    /// The daemon's thread, running its loop on a one-thread runtime as
    /// `run` does.
    main: Option<std::thread::JoinHandle<Result<(), DaemonError>>>,
}

fn config_text(dir: &std::path::Path, extra_server: bool) -> String {
    let mut t = format!(
        r#"
[daemon]
reconcile_interval = "100ms"

[[services]]
protocol = "tcp"
address = "198.51.100.10"
port = 80
check = {{ type = "file", path = "{dir}/down-%h", interval = "10ms", timeout = "10ms", rise = 1, fall = 1 }}
destinations = [
  {{ address = "192.0.2.11", port = 80, weight = 3 }},
  {{ address = "192.0.2.12", port = 80, weight = 2 }},
]

[[services]]
protocol = "tcp"
address = "198.51.100.11"
port = 80
check = {{ type = "file", path = "{dir}/down-%h", interval = "10ms", timeout = "10ms", rise = 1, fall = 1 }}
destinations = [
  {{ address = "192.0.2.11", port = 80, weight = 5 }},
"#,
        dir = dir.display()
    );
    if extra_server {
        t.push_str("  { address = \"192.0.2.13\", port = 80, weight = 7 },\n");
    }
    t.push_str("]\n");
    t
}

impl Lab {
    fn start(name: &str) -> Lab {
        Lab::start_with(name, None, None)
    }

    /// A loop on `text` (the default file when `None`), with `vrrp` as its
    /// VRRP thread.
    fn start_with(name: &str, text: Option<&str>, vrrp: Option<vrrp::VrrpHandle>) -> Lab {
        let dir = std::env::temp_dir().join(format!("lvsctl-daemon-loop-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("d.toml").display().to_string();
        let text = text
            .map(str::to_string)
            .unwrap_or_else(|| config_text(&dir, false));
        std::fs::write(&file, text).unwrap();
        let fake = Arc::new(Mutex::new(FakeKernel::new()));
        // Someone else's service, which the daemon must leave alone.
        let other = ServiceKey::Addr {
            protocol: crate::ipvs::Protocol::Tcp,
            addr: "203.0.113.9".parse().unwrap(),
            port: 80,
        };
        fake.lock()
            .unwrap()
            .execute(&Op::AddService(crate::ipvs::Service::new(other)))
            .unwrap();
        let config = load(&file).unwrap();
        let kernel = KernelHandle::start(fake.clone()).unwrap();
        let live = kernel.read_blocking().unwrap();
        let (ctl_tx, ctl_rx) = mpsc::channel(8);
        let (web, web_rx) = mpsc::channel::<WebAsk>(8);
        let opts = Options {
            config: file.clone(),
            log: Format::Text,
        };
        let log = Arc::new(Log::new(Format::Text));
        let main = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let files = Files {
                    registered: None,
                    drain_file: None,
                    socket: PathBuf::from("/nonexistent"),
                };
                let mut d = Daemon::new(files, opts, log, config, kernel, Table::from_owned_entries(live));
                d.vrrp = vrrp;
                d.main(ctl_rx, web_rx).await
            })
        });
        Lab {
            dir,
            file,
            fake,
            ctl: Some(ctl_tx),
            web,
            main: Some(main),
        }
    }

    /// (service address, server address) → weight, of the fake kernel.
    fn weights(&self) -> Vec<(String, String, u32)> {
        let mut k = self.fake.lock().unwrap();
        let mut out = Vec::new();
        for (s, ds) in k.table().unwrap() {
            if let ServiceKey::Addr { addr, .. } = s.service.key {
                for d in ds {
                    out.push((addr.to_string(), d.dest.addr.to_string(), d.dest.weight));
                }
            }
        }
        out.sort();
        out
    }

    /// Waits (at most 10 s: a bound on failure, not a timing claim) until
    /// the fake kernel's weights are `want`.
    fn wait_for(&self, want: &[(&str, &str, u32)]) {
        let want: Vec<(String, String, u32)> = want
            .iter()
            .map(|(a, b, w)| (a.to_string(), b.to_string(), *w))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.weights();
            if got == want {
                return;
            }
            assert!(Instant::now() < deadline, "weights {got:?}, wanted {want:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn ask(&self, request: Request) -> Reply {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let ctl = self.ctl.as_ref().unwrap();
        ctl.blocking_send(ControlMsg { request, reply: tx }).unwrap();
        rx.blocking_recv().unwrap()
    }

    /// What `/status.json` would serve.
    fn page_status(&self) -> String {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.web.blocking_send(WebAsk::Status(tx)).unwrap();
        rx.blocking_recv().unwrap()
    }

    /// A button of the page.
    fn press(&self, request: Request) -> Reply {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.web.blocking_send(WebAsk::Action(request, tx)).unwrap();
        rx.blocking_recv().unwrap()
    }

    fn status(&self) -> proto::Status {
        match self.ask(Request::Status) {
            Reply::Ok { status: Some(s), .. } => s,
            other => panic!("{other:?}"),
        }
    }

    /// Ends the loop (as when the socket's server stops) and hands back
    /// the fake.
    fn stop(mut self) -> Arc<Mutex<FakeKernel>> {
        drop(self.ctl.take());
        let main = self.main.take().unwrap();
        main.join().unwrap().unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
        self.fake.clone()
    }
}

const UP: [(&str, &str, u32); 3] = [
    ("198.51.100.10", "192.0.2.11", 3),
    ("198.51.100.10", "192.0.2.12", 2),
    ("198.51.100.11", "192.0.2.11", 5),
];

/// The fake kernel's sync daemons, as (state, interface, syncid).
fn daemons_of(fake: &Arc<Mutex<FakeKernel>>) -> Vec<(crate::ipvs::DaemonState, String, u32)> {
    let mut k = fake.lock().unwrap();
    k.daemons()
        .unwrap()
        .into_iter()
        .map(|d| (d.state, d.mcast_ifn, d.syncid))
        .collect()
}

#[test]
fn the_sync_daemon_follows_the_vrrp_role_and_stays_backup_after_stop() {
    use crate::ipvs::DaemonState::{Backup, Master};
    let text = r#"
[daemon]
reconcile_interval = "100ms"

[[services]]
protocol = "tcp"
address = "198.51.100.10"
port = 80
destinations = [{ address = "192.0.2.11", port = 80 }]

[[vrrp]]
name = "VI_1"
interface = "eth0"
vrid = 51
vips = ["198.51.100.10/24"]
sync_daemon = { interface = "eth1" }
"#;
    let (handle, role) = vrrp::VrrpHandle::detached();
    let lab = Lab::start_with("syncd", Some(text), Some(handle));
    // A master left running by someone (an earlier run) is not this
    // director's role while it is not Master.
    lab.fake
        .lock()
        .unwrap()
        .execute(&Op::StartDaemon(crate::ipvs::SyncDaemon {
            state: Master,
            mcast_ifn: "eth1".into(),
            syncid: 51,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        }))
        .unwrap();
    let wait = |want: Vec<(crate::ipvs::DaemonState, String, u32)>| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = daemons_of(&lab.fake);
            if got == want {
                return;
            }
            assert!(Instant::now() < deadline, "daemons {got:?}, wanted {want:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait(vec![(Backup, "eth1".into(), 51)]);
    role.send_replace(true);
    wait(vec![(Master, "eth1".into(), 51)]);
    role.send_replace(false);
    wait(vec![(Backup, "eth1".into(), 51)]);
    role.send_replace(true);
    wait(vec![(Master, "eth1".into(), 51)]);
    // Stopping while Master: the daemon becomes backup, and stays.
    let fake = lab.stop();
    assert_eq!(daemons_of(&fake), vec![(Backup, "eth1".to_string(), 51)]);
}

#[test]
fn health_drains_drift_and_reloads_reach_the_kernel() {
    let lab = Lab::start("all");
    // Not in the kernel at start: added at weight 0, then up on the first
    // success.
    lab.wait_for(&UP);
    // A maintenance file takes 192.0.2.11 down in both services, which
    // share its one probe.
    std::fs::write(lab.dir.join("down-192.0.2.11"), b"").unwrap();
    lab.wait_for(&[
        ("198.51.100.10", "192.0.2.11", 0),
        ("198.51.100.10", "192.0.2.12", 2),
        ("198.51.100.11", "192.0.2.11", 0),
    ]);
    let st = lab.status();
    assert!(!st.all_up());
    let s1 = &st.services[1];
    assert!(!s1.quorum_up);
    assert_eq!(s1.servers[0].health, proto::Health::Down);
    let last = s1.servers[0].checks[0].last.as_ref().unwrap();
    assert!(last.reason.contains("down-192.0.2.11"), "{}", last.reason);
    std::fs::remove_file(lab.dir.join("down-192.0.2.11")).unwrap();
    lab.wait_for(&UP);

    // Drain, kept while health stays up; undrain gives the weight back.
    let drain = |on: bool| {
        let (service, server) = ("tcp:198.51.100.10:80".to_string(), "192.0.2.12:80".to_string());
        lab.ask(if on {
            Request::Drain { service, server }
        } else {
            Request::Undrain { service, server }
        })
    };
    assert!(matches!(drain(true), Reply::Ok { .. }));
    lab.wait_for(&[
        ("198.51.100.10", "192.0.2.11", 3),
        ("198.51.100.10", "192.0.2.12", 0),
        ("198.51.100.11", "192.0.2.11", 5),
    ]);
    assert!(lab.status().services[0].servers[1].drained);
    assert!(matches!(drain(false), Reply::Ok { .. }));
    lab.wait_for(&UP);
    // Disable through the page: out of the table, still shown (and
    // probed); /status.json is the status document.
    let (service, server) = ("tcp:198.51.100.10:80".to_string(), "192.0.2.12:80".to_string());
    let r = lab.press(Request::Disable {
        service: service.clone(),
        server: server.clone(),
    });
    assert!(matches!(r, Reply::Ok { .. }), "{r:?}");
    lab.wait_for(&[
        ("198.51.100.10", "192.0.2.11", 3),
        ("198.51.100.11", "192.0.2.11", 5),
    ]);
    let page: proto::Status = serde_json::from_str(&lab.page_status()).unwrap();
    assert!(!page.services[0].servers[1].enabled);
    assert_eq!(page.services[0].servers[1].health, proto::Health::Up);
    assert_eq!(page.services[0].live_weight, 3);
    assert!(matches!(
        lab.press(Request::Enable { service, server }),
        Reply::Ok { .. }
    ));
    lab.wait_for(&UP);
    assert!(lab.status().services[0].servers[1].enabled);
    let unknown = lab.ask(Request::Drain {
        service: "tcp:198.51.100.10:80".into(),
        server: "192.0.2.99:80".into(),
    });
    assert!(
        matches!(
            unknown,
            Reply::Error {
                kind: ErrorKind::Invalid,
                ..
            }
        ),
        "{unknown:?}"
    );

    // A hand change is drift, repaired by the periodic turn.
    let key = ServiceKey::Addr {
        protocol: crate::ipvs::Protocol::Tcp,
        addr: "198.51.100.10".parse().unwrap(),
        port: 80,
    };
    let mut d = crate::ipvs::Destination::new("192.0.2.12".parse().unwrap(), 80);
    d.weight = 9;
    lab.fake.lock().unwrap().execute(&Op::EditDest(key, d)).unwrap();
    lab.wait_for(&UP);

    // Reload: a new server comes in (up at its first success); an invalid
    // file keeps the old one and says where it is wrong.
    std::fs::write(&lab.file, config_text(&lab.dir, true)).unwrap();
    assert!(matches!(lab.ask(Request::Reload), Reply::Ok { .. }));
    lab.wait_for(&[
        ("198.51.100.10", "192.0.2.11", 3),
        ("198.51.100.10", "192.0.2.12", 2),
        ("198.51.100.11", "192.0.2.11", 5),
        ("198.51.100.11", "192.0.2.13", 7),
    ]);
    std::fs::write(
        &lab.file,
        config_text(&lab.dir, true).replace("weight = 7", "weight = \"x\""),
    )
    .unwrap();
    match lab.ask(Request::Reload) {
        Reply::Error {
            kind: ErrorKind::Invalid,
            message,
        } => assert!(message.starts_with(&format!("{}:", lab.file)), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(lab.status().services[1].servers.len(), 2);

    // Stopping leaves the table as it is, and someone else's service was
    // never touched.
    let before = lab.weights();
    let fake = lab.stop();
    let table = fake.lock().unwrap().table().unwrap();
    let other: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    assert!(table
        .iter()
        .any(|(s, _)| matches!(s.service.key, ServiceKey::Addr { addr, .. } if addr == other)));
    let after: Vec<(String, String, u32)> = {
        let mut v = Vec::new();
        for (s, ds) in &table {
            if let ServiceKey::Addr { addr, .. } = s.service.key {
                for d in ds {
                    v.push((addr.to_string(), d.dest.addr.to_string(), d.dest.weight));
                }
            }
        }
        v.sort();
        v
    };
    assert_eq!(after, before);
}

#[test]
fn ticks_keep_their_phase_and_a_slow_probe_delays_the_next() {
    let s = Duration::from_secs(1);
    let ms = Duration::from_millis;
    let g = Instant::now();
    // Before the first tick: the first tick.
    assert_eq!(first_tick(g, ms(300), s, g), g + ms(300));
    // Started later (a reload): the next tick of the same phase.
    assert_eq!(first_tick(g, ms(300), s, g + ms(2500)), g + ms(3300));
    assert_eq!(first_tick(g, ms(300), s, g + ms(3300)), g + ms(3300));
    // A quick probe: one interval on.
    assert_eq!(next_tick(g + ms(300), s, g + ms(310)), g + ms(1300));
    // A probe that ran to its next tick (a timeout as long as the
    // interval), or past it: the next starts at once, at the first slot
    // of the grid from its end.
    assert_eq!(next_tick(g + ms(300), s, g + ms(1300)), g + ms(1300));
    assert_eq!(next_tick(g + ms(300), s, g + ms(1304)), g + ms(1310));
    assert_eq!(next_tick(g + ms(300), s, g + ms(2800)), g + ms(2800));
}

#[test]
fn a_failure_is_retried_sooner_until_it_makes_fall() {
    let spec = |retry: Option<u64>, fall: u32| crate::daemon::check::CheckSpec {
        retry_interval: retry.map(Duration::from_millis),
        fall,
        ..crate::daemon::check::config::read_inline("{ type = \"tcp\" }")
            .unwrap()
            .remove(0)
    };
    let r = Some(Duration::from_millis(1000));
    // keepalived's retry = 2 (fall 3): the first and second failures
    // are retried after delay_before_retry; the third takes the server
    // down and the interval's rhythm resumes.
    let s = spec(Some(1000), 3);
    assert_eq!(retry_due(&s, 0), None);
    assert_eq!(retry_due(&s, 1), r);
    assert_eq!(retry_due(&s, 2), r);
    assert_eq!(retry_due(&s, 3), None);
    assert_eq!(retry_due(&s, 9), None);
    // Without one, the interval always.
    assert_eq!(retry_due(&spec(None, 3), 1), None);
    // Never under the grid's slot.
    assert_eq!(retry_due(&spec(Some(1), 3), 1), Some(GRID));
}

#[test]
fn wall_clock_follows_the_monotonic_one_both_ways() {
    let c = WallClock::now();
    let d = Duration::from_millis(1500);
    assert_eq!(c.wall(c.at + d), c.wall + d);
    if let Some(before) = c.at.checked_sub(d) {
        assert_eq!(c.wall(before), c.wall - d);
    }
}

#[test]
fn the_drain_file_keeps_disables_and_reads_old_files_as_drains() {
    let dir = std::env::temp_dir().join(format!("lvsctl-drainfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("drains.json");
    // A file written before `disabled` existed.
    std::fs::write(
        &path,
        r#"[{"service":"tcp:198.51.100.10:80","server":"192.0.2.11:80"}]"#,
    )
    .unwrap();
    let key = proto::parse_selector("tcp:198.51.100.10:80").unwrap();
    let a: IpAddr = "192.0.2.11".parse().unwrap();
    let b: IpAddr = "192.0.2.12".parse().unwrap();
    let (drained, disabled) = read_drains(&path);
    assert_eq!(drained, [(key, a, 80)].into_iter().collect());
    assert!(disabled.is_empty());
    // Both kinds, the same server in both: written and read back.
    let disabled: Switched = [(key, a, 80), (key, b, 80)].into_iter().collect();
    write_drains(&path, &drained, &disabled).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("\"disabled\":true").count(), 2, "{text}");
    assert_eq!(read_drains(&path), (drained, disabled));
    // Garbage reads as nothing, never a panic.
    std::fs::write(&path, "{not json").unwrap();
    assert_eq!(read_drains(&path), (Switched::new(), Switched::new()));
    std::fs::remove_dir_all(&dir).unwrap();
}
