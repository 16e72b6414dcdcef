use super::*;
use crate::daemon::config::parse;

const FILE: &str = r#"
[[services]]
protocol = "tcp"
address = "192.0.2.110"
port = 80
slow_start = "10s"
quorum = 4
sorry_server = { address = "192.0.2.13", port = 80 }
check = { type = "tcp", rise = 2, fall = 2 }
destinations = [
  { address = "192.0.2.11", port = 80, weight = 3 },
  { address = "192.0.2.12", port = 80, weight = 2 },
]

[[services]]
protocol = "tcp"
address = "192.0.2.111"
port = 80
on_failure = "remove"
check = { type = "tcp", rise = 2, fall = 2 }
destinations = [{ address = "192.0.2.11", port = 80, weight = 5 }]
"#;

fn ok(up: bool) -> Outcome {
    Outcome {
        up,
        reason: if up { "connected" } else { "connection refused" }.into(),
        latency: Duration::from_millis(1),
        weight: None,
    }
}

fn weights(t: &Table, si: usize) -> Vec<(String, u32)> {
    t.services[si]
        .dests
        .iter()
        .map(|d| (d.addr.to_string(), d.weight))
        .collect()
}

fn w(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    list.iter().map(|(a, w)| (a.to_string(), *w)).collect()
}

/// The file's own table, as if a previous run had put it in the kernel.
fn all_up(c: &DaemonConfig) -> Table {
    c.desired.table.clone()
}

#[test]
fn rise_and_fall_count_results_in_a_row() {
    let wall = SystemTime::UNIX_EPOCH;
    let mut s = CheckState::new(true, false);
    assert!(!s.record(&ok(false), wall, 2, 2));
    assert!(!s.record(&ok(true), wall, 2, 2), "a success resets the count");
    assert!(!s.record(&ok(false), wall, 2, 2));
    assert!(s.record(&ok(false), wall, 2, 2));
    assert!(!s.up);
    assert!(!s.record(&ok(true), wall, 2, 2));
    assert!(s.record(&ok(true), wall, 2, 2));
    assert!(s.up);
    // A fresh check comes up on its first success.
    let mut f = CheckState::new(false, true);
    assert!(f.record(&ok(true), wall, 3, 3));
    // ... but only the first result is "fresh".
    let mut f = CheckState::new(false, true);
    assert!(!f.record(&ok(false), wall, 3, 3));
    assert!(!f.record(&ok(true), wall, 3, 3));
}

#[test]
fn start_takes_health_from_the_kernel_and_sends_nothing() {
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let h = Health::new(&c, &all_up(&c), None, now, SystemTime::now());
    // One probe for 192.0.2.11:80, shared by both services.
    assert_eq!(h.probes.len(), 2);
    assert_eq!(h.probes[0].users, vec![(0, 0), (1, 0)]);
    assert!(h.services.iter().all(|s| s.quorum_up));
    assert_eq!(h.desired(&c, now).services, c.desired.table.services);

    // Weight 0 in the kernel: down; absent: down until a success.
    let mut live = all_up(&c);
    live.services[0].dests[1].weight = 0;
    live.services[1].dests.clear();
    let h = Health::new(&c, &live, None, now, SystemTime::now());
    assert!(h.services[0].dests[0].up);
    assert!(!h.services[0].dests[1].up);
    assert!(!h.probes[1].state.fresh);
    // 192.0.2.11 is up in service 0, so the shared probe is up.
    assert!(h.services[1].dests[0].up);
}

#[test]
fn a_fresh_server_comes_up_on_its_first_success() {
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let mut h = Health::new(&c, &Table::default(), None, now, SystemTime::now());
    assert!(h.services.iter().all(|s| !s.quorum_up));
    let t = h.desired(&c, now);
    // Quorum lost, but no server has been probed yet: no sorry server
    // (a cold start does not send clients there); service 1 removes down
    // servers.
    assert_eq!(weights(&t, 0), w(&[("192.0.2.11", 0), ("192.0.2.12", 0)]));
    assert_eq!(weights(&t, 1), w(&[]));
    let ev = h.record(&c, 0, &ok(true), now, SystemTime::now());
    assert!(matches!(
        ev[0],
        Event::ServerUp {
            service: 0,
            dest: 0,
            ..
        }
    ));
    assert!(matches!(
        ev[1],
        Event::ServerUp {
            service: 1,
            dest: 0,
            ..
        }
    ));
    // Service 1 (quorum 1) gains quorum; service 0 needs 4 and has 3.
    assert_eq!(ev[2..], [Event::QuorumGained { service: 1, live: 5 }]);
    let later = now + Duration::from_secs(60);
    assert_eq!(weights(&h.desired(&c, later), 1), w(&[("192.0.2.11", 5)]));
    // 192.0.2.12 not probed yet: what is up serves.
    assert_eq!(
        weights(&h.desired(&c, later), 0),
        w(&[("192.0.2.11", 3), ("192.0.2.12", 0)])
    );
    // Its first result is a failure: quorum is really lost, the sorry
    // server comes in and the real servers are quiesced.
    assert!(h.record(&c, 1, &ok(false), now, SystemTime::now()).is_empty());
    assert_eq!(
        weights(&h.desired(&c, later), 0),
        w(&[("192.0.2.11", 0), ("192.0.2.12", 0), ("192.0.2.13", 1)])
    );
    // Now it needs `rise` successes.
    assert!(h.record(&c, 1, &ok(true), now, SystemTime::now()).is_empty());
    let ev = h.record(&c, 1, &ok(true), now, SystemTime::now());
    assert_eq!(ev[1], Event::QuorumGained { service: 0, live: 5 });
    assert_eq!(
        weights(&h.desired(&c, later), 0),
        w(&[("192.0.2.11", 3), ("192.0.2.12", 2)])
    );
}

#[test]
fn a_drained_servers_zero_does_not_mark_a_shared_probe_down() {
    // 192.0.2.11 is drained in service 0 (weight 0) and up in service 1
    // (weight 5): their shared probe starts up, and nothing changes.
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let mut live = all_up(&c);
    live.services[0].dests[0].weight = 0;
    let mut seed = Health::default();
    seed.drained
        .insert((c.services[0].key, "192.0.2.11".parse().unwrap(), 80));
    let h = Health::new(&c, &live, Some(&seed), now, SystemTime::now());
    assert!(h.probes[0].state.up);
    assert_eq!(h.desired(&c, now).services[1], live.services[1]);
    // Without the drain the 0 counts (any service with a weight still
    // wins: up).
    let h = Health::new(&c, &live, None, now, SystemTime::now());
    assert!(h.probes[0].state.up);
    // At 0 everywhere and not drained: down.
    live.services[1].dests[0].weight = 0;
    let h = Health::new(&c, &live, None, now, SystemTime::now());
    assert!(!h.probes[0].state.up && !h.probes[0].state.fresh);
}

#[test]
fn failures_quiesce_or_remove_and_quorum_brings_the_sorry_server() {
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut h = Health::new(&c, &all_up(&c), None, now, wall);
    assert!(h.record(&c, 0, &ok(false), now, wall).is_empty());
    let ev = h.record(&c, 0, &ok(false), now, wall);
    assert_eq!(ev.len(), 4, "{ev:?}");
    assert!(
        matches!(&ev[0], Event::ServerDown { service: 0, dest: 0, reason } if reason == "connection refused")
    );
    // Service 0 live weight 2 < quorum 4: lost, sorry in, the rest at 0.
    assert!(ev.contains(&Event::QuorumLost { service: 0, live: 2 }));
    assert!(ev.contains(&Event::QuorumLost { service: 1, live: 0 }));
    let t = h.desired(&c, now);
    assert_eq!(
        weights(&t, 0),
        w(&[("192.0.2.11", 0), ("192.0.2.12", 0), ("192.0.2.13", 1)])
    );
    assert_eq!(weights(&t, 1), w(&[]));
}

#[test]
fn slow_start_ramps_the_weight() {
    let text = FILE
        .replace("quorum = 4\n", "")
        .replace("weight = 3", "weight = 10");
    let c = parse("d.toml", &text).unwrap();
    let t0 = Instant::now();
    let wall = SystemTime::now();
    let mut h = Health::new(&c, &all_up(&c), None, t0, wall);
    h.record(&c, 0, &ok(false), t0, wall);
    h.record(&c, 0, &ok(false), t0, wall);
    assert_eq!(weights(&h.desired(&c, t0), 0)[0].1, 0);
    h.record(&c, 0, &ok(true), t0, wall);
    h.record(&c, 0, &ok(true), t0, wall);
    assert!(h.ramping(t0));
    let at = |s: u64| weights(&h.desired(&c, t0 + Duration::from_secs(s)), 0)[0].1;
    assert_eq!(at(0), 1);
    assert_eq!(at(1), 1);
    assert_eq!(at(5), 5);
    assert_eq!(at(9), 9);
    assert_eq!(at(10), 10);
    assert!(!h.ramping(t0 + Duration::from_secs(10)));
    // Forgotten only once a table from the end on was sent.
    h.ramps_over(t0 + Duration::from_secs(9));
    assert!(h.ramp_end().is_some());
    h.ramps_over(t0 + Duration::from_secs(10));
    assert!(h.ramp_end().is_none());
    // The service without slow_start gets its weight at once.
    assert_eq!(weights(&h.desired(&c, t0), 1)[0].1, 5);
}

#[test]
fn drained_servers_stay_at_weight_zero() {
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let mut h = Health::new(&c, &all_up(&c), None, now, SystemTime::now());
    let key = c.services[1].key;
    let addr: IpAddr = "192.0.2.11".parse().unwrap();
    assert!(h.set_drained(key, addr, 80, true));
    assert!(!h.set_drained(key, addr, 80, true));
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[("192.0.2.11", 0)]));
    // Drained even though on_failure = remove and it then fails.
    h.record(&c, 0, &ok(false), now, SystemTime::now());
    h.record(&c, 0, &ok(false), now, SystemTime::now());
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[("192.0.2.11", 0)]));
    assert!(h.set_drained(key, addr, 80, false));
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[]));
}

#[test]
fn disabled_servers_leave_the_table_and_the_live_weight() {
    let c = parse("d.toml", FILE).unwrap();
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut h = Health::new(&c, &all_up(&c), None, now, wall);
    let key = c.services[1].key;
    let addr: IpAddr = "192.0.2.11".parse().unwrap();
    let before = h.live_weight(&c.services[1], 1);
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[("192.0.2.11", 5)]));
    assert!(h.set_disabled(key, addr, 80, true));
    assert!(!h.set_disabled(key, addr, 80, true));
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[]));
    assert_eq!(h.live_weight(&c.services[1], 1), before - 5);
    // Drained and disabled: out, whatever the drain says.
    assert!(h.set_drained(key, addr, 80, true));
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[]));
    // Still probed: a failure while disabled counts.
    h.record(&c, 0, &ok(false), now, wall);
    h.record(&c, 0, &ok(false), now, wall);
    assert!(!h.services[1].dests[0].up);
    // A reload keeps the switch.
    let h2 = Health::new(&c, &all_up(&c), Some(&h), now, wall);
    assert!(h2.is_disabled(&key, &c.services[1].dests[0].dest));
    assert!(h.set_disabled(key, addr, 80, false));
    assert!(h.set_drained(key, addr, 80, false));
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[]));
    h.record(&c, 0, &ok(true), now, wall);
    h.record(&c, 0, &ok(true), now, wall);
    assert_eq!(weights(&h.desired(&c, now), 1), w(&[("192.0.2.11", 5)]));
}

#[test]
fn reload_keeps_health_and_drains_removed_servers() {
    let c = parse("d.toml", FILE).unwrap();
    let t0 = Instant::now();
    let wall = SystemTime::UNIX_EPOCH;
    let live = all_up(&c);
    let mut h = Health::new(&c, &live, None, t0, wall);
    // 192.0.2.12 goes down before the reload.
    h.record(&c, 1, &ok(false), t0, wall);
    h.record(&c, 1, &ok(false), t0, wall);
    h.record(&c, 1, &ok(true), t0, wall);
    // New file: 192.0.2.11 leaves service 0, 192.0.2.14 joins.
    let text = FILE.replace(
        "{ address = \"192.0.2.11\", port = 80, weight = 3 },",
        "{ address = \"192.0.2.14\", port = 80, weight = 3 },",
    );
    let c2 = parse("d.toml", &text).unwrap();
    let t1 = t0 + Duration::from_secs(1);
    let h2 = Health::new(&c2, &live, Some(&h), t1, wall);
    // 192.0.2.12 keeps its state (down, one success towards rise).
    let p12 = h2
        .probes
        .iter()
        .find(|p| p.key.server.address.to_string() == "192.0.2.12")
        .unwrap();
    assert!(!p12.state.up);
    assert_eq!(p12.state.streak, 1);
    // The leaving server stays at weight 0 until it has no connection.
    assert_eq!(h2.leaving.len(), 1);
    let t = h2.desired(&c2, t1);
    // (No sorry server while the new 192.0.2.14 has not been probed.)
    assert_eq!(
        weights(&t, 0),
        w(&[("192.0.2.14", 0), ("192.0.2.12", 0), ("192.0.2.11", 0)])
    );
    let mut h3 = h2.clone();
    assert!(h3.leaving_done(t1, &|_, _| Some((1, 0))).is_empty());
    assert_eq!(
        h3.leaving_done(t1, &|_, _| Some((0, 3))).len(),
        1,
        "TCP: inactive connections do not hold it"
    );
    let mut h4 = h2.clone();
    let late = t1 + c2.daemon.drain_timeout;
    assert_eq!(
        h4.leaving_done(late, &|_, _| Some((9, 9))).len(),
        1,
        "drain_timeout ends it"
    );
}
