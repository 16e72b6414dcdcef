//! The engine against the fake kernel: minimal plans, `mh` order, and
//! all-or-nothing rollback (the VM tests prove the same against the real
//! kernel: `declarative.sh`, `restore.sh`, `concurrency.sh`).

use super::*;
use crate::ipvs::{Destination, Service};
use crate::state::fake::FakeKernel;
use crate::state::rules::change_line;
use crate::state::source::parse;
use crate::state::table::dest_id;
use crate::state::ServiceSpec;

fn table(text: &str) -> Table {
    parse("t.conf", text).expect("valid input").table
}

/// The fake's table as the engine reads it.
fn live(k: &mut FakeKernel) -> Table {
    read_live(k, Scope::default()).unwrap()
}

fn full(k: &mut FakeKernel) -> Table {
    read_live(
        k,
        Scope {
            timeouts: true,
            daemons: true,
            sysctls: true,
        },
    )
    .unwrap()
}

fn loaded(text: &str) -> FakeKernel {
    let mut k = FakeKernel::new();
    reconcile(&mut k, &table(text), &ReconcileOptions::default()).unwrap();
    k
}

const BASE: &str = "\
-A -t 192.0.2.1:80 -s wrr
-a -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 2
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -x 10 -y 2
-a -t 192.0.2.1:80 -r 198.51.100.3:80 -m
-A -u 192.0.2.1:53 -s rr
-a -u 192.0.2.1:53 -r 198.51.100.9:53 -m
-A -t 192.0.2.7:443 -s mh -b mh-port
-a -t 192.0.2.7:443 -r 198.51.100.5:443
-a -t 192.0.2.7:443 -r 198.51.100.4:443
";

#[test]
fn a_loaded_table_equals_the_file_and_needs_nothing_more() {
    let mut k = loaded(BASE);
    let want = table(BASE);
    let got = live(&mut k);
    // Same services and destinations; non-mh order as the file, mh
    // canonical (ascending).
    assert_eq!(got.services.len(), want.services.len());
    for w in &want.services {
        let g = got
            .services
            .iter()
            .find(|g| g.service.key == w.service.key)
            .unwrap();
        assert_eq!(g.service, w.service);
        if w.service.scheduler == "mh" {
            assert_eq!(g.dests, crate::state::table::canonical_order(&w.dests));
        } else {
            let mut a = g.dests.clone();
            let mut b = w.dests.clone();
            a.sort_by_key(dest_id);
            b.sort_by_key(dest_id);
            assert_eq!(a, b);
        }
    }
    let sent = k.messages;
    let again = reconcile(&mut k, &want, &ReconcileOptions::default()).unwrap();
    assert!(again.plan.is_empty() && !again.applied, "{:?}", again.plan);
    assert_eq!(k.messages, sent, "an empty plan sends nothing");
}

#[test]
fn one_edit_is_one_message() {
    let mut k = loaded(BASE);
    let edited = BASE.replace("198.51.100.2:80 -m -w 2", "198.51.100.2:80 -m -w 5");
    let sent = k.messages;
    let r = reconcile(&mut k, &table(&edited), &ReconcileOptions::default()).unwrap();
    let lines: Vec<String> = r.plan.changes.iter().map(change_line).collect();
    assert_eq!(lines, ["~ -e -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 5"]);
    assert_eq!(k.messages, sent + 1);
    assert!(r.applied);
}

#[test]
fn dry_run_sends_nothing() {
    let mut k = FakeKernel::new();
    let opts = ReconcileOptions {
        dry_run: true,
        ..ReconcileOptions::default()
    };
    let r = reconcile(&mut k, &table(BASE), &opts).unwrap();
    assert!(!r.applied);
    assert_eq!(r.plan.ops().len(), 9);
    assert_eq!(k.messages, 0);
    assert!(live(&mut k).services.is_empty());
}

#[test]
fn mh_order_is_the_same_whatever_the_history() {
    // Director A got its servers in one order, director B in another and
    // with a server removed and re-added: the kernel's lists differ.
    let mut a = FakeKernel::new();
    let mut b = FakeKernel::new();
    let svc = Service {
        scheduler: "mh".into(),
        ..Service::new(ServiceKey::Addr {
            protocol: crate::ipvs::Protocol::Tcp,
            addr: "192.0.2.7".parse().unwrap(),
            port: 443,
        })
    };
    let d = |n: u8| Destination::new(format!("198.51.100.{n}").parse().unwrap(), 443);
    // A's list is canonical (the kernel puts the newest first).
    for op in [
        Op::AddService(svc.clone()),
        Op::AddDest(svc.key, d(2)),
        Op::AddDest(svc.key, d(1)),
    ] {
        a.execute(&op).unwrap();
    }
    for op in [
        Op::AddService(svc.clone()),
        Op::AddDest(svc.key, d(1)),
        Op::AddDest(svc.key, d(2)),
        Op::AddDest(svc.key, d(3)),
        Op::DelDest(svc.key, d(3).addr, 443),
    ] {
        b.execute(&op).unwrap();
    }
    assert_ne!(live(&mut a), live(&mut b));
    assert_eq!(b.trash_len(), 1);
    let want = Table {
        services: vec![ServiceSpec {
            service: svc.clone(),
            dests: vec![d(3), d(1), d(2)],
        }],
        ..Table::default()
    };
    let ra = reconcile(&mut a, &want, &ReconcileOptions::default()).unwrap();
    let rb = reconcile(&mut b, &want, &ReconcileOptions::default()).unwrap();
    assert_eq!(live(&mut a), live(&mut b));
    assert_eq!(live(&mut a).services[0].dests, vec![d(1), d(2), d(3)]);
    // A's list was canonical, B's was not: only B is warned about.
    assert!(ra.warnings().is_empty());
    assert_eq!(rb.warnings().len(), 1, "{:?}", rb.warnings());
    assert!(rb.warnings()[0].to_string().contains("-t 192.0.2.7:443"));
    // B's deleted server came back from the trash, and so did the ones
    // deleted to be re-added in order.
    assert_eq!(b.trash_len(), 0);
}

/// A desired table that changes almost everything of BASE.
const CHANGED: &str = "\
-A -t 192.0.2.1:80 -s wlc
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3
-a -t 192.0.2.1:80 -r 198.51.100.4:80 -m
-A -t 192.0.2.7:443 -s mh
-a -t 192.0.2.7:443 -r 198.51.100.6:443
-a -t 192.0.2.7:443 -r 198.51.100.1:443
-A -t 192.0.2.50:80 -s rr
-a -t 192.0.2.50:80 -r 198.51.100.50:80 -m
";

#[test]
fn a_refusal_mid_batch_is_undone_exactly() {
    for batch in [1, 2, 3, 1024] {
        let mut k = loaded(BASE).with_batch(batch);
        let before = full(&mut k);
        // The last change of the plan is refused, after the others went out.
        k.refuse("-a -t 192.0.2.50:80 -r 198.51.100.50:80 -m -w 1", libc::ENOMEM);
        let err = reconcile(&mut k, &table(CHANGED), &ReconcileOptions::default()).unwrap_err();
        let EngineError::Refused(r) = err else {
            panic!("batch {batch}: {err:?}");
        };
        assert_eq!(
            change_line(&r.change),
            "+ -a -t 192.0.2.50:80 -r 198.51.100.50:80 -m -w 1"
        );
        assert_eq!(r.error.errno(), Some(libc::ENOMEM));
        assert!(r.rollback.is_none(), "batch {batch}: {:?}", r.rollback);
        // Exactly as before: services, destination order, thresholds.
        assert_eq!(full(&mut k), before, "batch {batch}");
    }
}

#[test]
fn a_refusal_stops_further_batches() {
    let mut k = loaded(BASE).with_batch(2);
    let plan_len = {
        let mut probe = k.clone();
        let opts = ReconcileOptions {
            dry_run: true,
            ..ReconcileOptions::default()
        };
        reconcile(&mut probe, &table(CHANGED), &opts)
            .unwrap()
            .plan
            .ops()
            .len()
    };
    // Refuse the first change: only its batch of two goes out, then the
    // undo (one read, one batch).
    k.refuse("-D -u 192.0.2.1:53", libc::EPERM);
    let sends = k.sends;
    let messages = k.messages;
    let err = reconcile(&mut k, &table(CHANGED), &ReconcileOptions::default()).unwrap_err();
    assert!(
        matches!(err, EngineError::Refused(ref r) if r.index == 0),
        "{err:?}"
    );
    assert!(plan_len > 4);
    assert_eq!(
        k.messages - messages,
        2 + 1,
        "the refused batch and the undo of its second change"
    );
    assert_eq!(k.sends - sends, 2);
    assert_eq!(live(&mut k), table_of(&mut loaded(BASE)));
}

fn table_of(k: &mut FakeKernel) -> Table {
    live(k)
}

#[test]
fn timeouts_daemons_and_sysctls_are_rolled_back_too() {
    let base = "[timeouts]\ntcp = 900\ntcp_fin = 120\nudp = 300\n\n[sysctl]\nsloppy_tcp = 0\n\n[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\nport = 80\nscheduler = \"rr\"\n";
    let changed = "[timeouts]\ntcp = 60\ntcp_fin = 10\nudp = 20\n\n[sysctl]\nsloppy_tcp = 1\nconntrack = 1\n\n[[daemons]]\nstate = \"master\"\ninterface = \"eth0\"\nsyncid = 9\n\n[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\nport = 80\nscheduler = \"nosuch\"\n";
    let mut k = loaded(base);
    let before = full(&mut k);
    let err = reconcile(&mut k, &table(changed), &ReconcileOptions::default()).unwrap_err();
    let EngineError::Refused(r) = err else {
        panic!("{err:?}")
    };
    // The unknown scheduler is the kernel's ENOENT.
    assert_eq!(r.error.errno(), Some(libc::ENOENT));
    assert!(r.rollback.is_none());
    assert_eq!(full(&mut k), before);
    assert_eq!(k.sysctls()["sloppy_tcp"], 0);
    assert_eq!(k.sysctls()["conntrack"], 0);
}

#[test]
fn a_sysctl_that_cannot_be_written_changes_nothing() {
    let changed = "[sysctl]\nsloppy_tcp = 1\nconntrack = 1\n\n[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\nport = 80\n";
    let mut k = FakeKernel::new();
    k.refuse_sysctl("sloppy_tcp");
    let err = reconcile(&mut k, &table(changed), &ReconcileOptions::default()).unwrap_err();
    assert!(
        matches!(err, EngineError::Sysctl { ref name, .. } if name == "sloppy_tcp"),
        "{err:?}"
    );
    assert!(live(&mut k).services.is_empty());
    assert_eq!(k.sysctls()["conntrack"], 0, "conntrack (written first) restored");
    assert_eq!(k.messages, 0);
}

#[test]
fn the_kernels_hashed_flag_never_goes_back() {
    // The undo re-adds a deleted service read from the kernel (HASHED
    // set); the fake refuses HASHED in a request, so a leak would show
    // as a failed rollback.
    let mut k = loaded(BASE);
    let before = full(&mut k);
    k.refuse("-a -t 192.0.2.50:80 -r 198.51.100.50:80 -m -w 1", libc::ENOMEM);
    let EngineError::Refused(r) =
        reconcile(&mut k, &table(CHANGED), &ReconcileOptions::default()).unwrap_err()
    else {
        panic!()
    };
    assert!(r.rollback.is_none(), "{:?}", r.rollback);
    assert_eq!(full(&mut k), before);
}

#[test]
fn a_failed_undo_is_reported() {
    let mut k = loaded(BASE);
    k.refuse("-a -t 192.0.2.50:80 -r 198.51.100.50:80 -m -w 1", libc::ENOMEM);
    // The undo has to re-add this one: refuse that too.
    k.refuse("-A -u 192.0.2.1:53 -s rr", libc::ENOMEM);
    let EngineError::Refused(r) =
        reconcile(&mut k, &table(CHANGED), &ReconcileOptions::default()).unwrap_err()
    else {
        panic!()
    };
    match r.rollback {
        Some(EngineError::UndoRefused { ref change, .. }) => {
            assert_eq!(crate::ipvsadm::rules::op_rule(change), "-A -u 192.0.2.1:53 -s rr")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn owned_services_only() {
    // Another tool's service (192.0.2.99) stays; an owned service the new
    // file drops (192.0.2.1:53) goes; prune is irrelevant.
    let mut k = loaded(BASE);
    k.execute(&Op::AddService(Service::new(ServiceKey::Fwmark {
        af: crate::ipvs::AddressFamily::Inet,
        mark: 99,
    })))
    .unwrap();
    let old = table(BASE);
    let new = table(&BASE.replace(
        "-A -u 192.0.2.1:53 -s rr\n-a -u 192.0.2.1:53 -r 198.51.100.9:53 -m\n",
        "",
    ));
    let keys: FastSet<ServiceKey> = old.services.iter().map(|s| s.service.key).collect();
    for prune in [true, false] {
        let mut k = k.clone();
        let opts = ReconcileOptions {
            prune,
            services: Services::Only(keys.clone()),
            ..ReconcileOptions::default()
        };
        let r = reconcile(&mut k, &new, &opts).unwrap();
        let lines: Vec<String> = r.plan.changes.iter().map(change_line).collect();
        assert_eq!(lines, ["- -D -u 192.0.2.1:53"], "prune {prune}");
        let after = live(&mut k);
        assert!(after
            .services
            .iter()
            .any(|s| matches!(s.service.key, ServiceKey::Fwmark { mark: 99, .. })));
    }
}

#[test]
fn kept_services_survive_a_pruning_apply() {
    // A daemon's probe service (fwmark 99) is neither deleted by a pruning
    // apply that lacks it nor changed by one that lists it differently.
    let mut k = loaded(BASE);
    let probe = ServiceKey::Fwmark {
        af: crate::ipvs::AddressFamily::Inet,
        mark: 99,
    };
    k.execute(&Op::AddService(Service::new(probe))).unwrap();
    let keep: FastSet<ServiceKey> = [probe].into_iter().collect();
    let mut wanted = table(BASE);
    let mut other = Service::new(probe);
    other.scheduler = "sh".into();
    wanted.services.push(crate::state::table::ServiceSpec {
        service: other,
        dests: Vec::new(),
    });
    for desired in [table(BASE), wanted] {
        let mut k = k.clone();
        let opts = ReconcileOptions {
            prune: true,
            services: Services::AllBut(keep.clone()),
            ..ReconcileOptions::default()
        };
        let r = reconcile(&mut k, &desired, &opts).unwrap();
        assert!(r.plan.is_empty(), "{:?}", r.plan.changes);
    }
    // Without the exception the same apply deletes it.
    let r = reconcile(&mut k.clone(), &table(BASE), &ReconcileOptions::default()).unwrap();
    assert_eq!(
        r.plan.changes.iter().map(change_line).collect::<Vec<_>>(),
        ["- -D -f 99"]
    );
}

#[test]
fn ipvsadm_restore_lines_all_or_nothing() {
    let mut k = loaded(BASE);
    let before = full(&mut k);
    let ops: Vec<Op> = [
        "-C",
        "-A -t 192.0.2.60:80 -s rr",
        "-a -t 192.0.2.60:80 -r 198.51.100.60:80 -m",
        "-A -t 192.0.2.61:80 -s nosuch",
    ]
    .iter()
    .map(|l| match crate::ipvsadm::parse_line(l).unwrap().unwrap() {
        crate::ipvsadm::Command::Flush => Op::Flush,
        crate::ipvsadm::Command::AddService(s) => Op::AddService(s),
        crate::ipvsadm::Command::AddDest(k, d) => Op::AddDest(k, d),
        other => panic!("{other:?}"),
    })
    .collect();
    let err = push_all_or_nothing(&mut k, &ops, &before).unwrap_err();
    let EngineError::Refused(r) = err else {
        panic!("{err:?}")
    };
    assert_eq!(r.index, 3);
    assert!(r.rollback.is_none());
    assert_eq!(full(&mut k), before);
}
