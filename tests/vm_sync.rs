//! Connection synchronisation: sync daemons started by lvsctl (and by
//! Debian's ipvsadm) in two director namespaces, a real connection through
//! the master appearing in the backup, daemons and connections listed the
//! same by both tools, daemons stopped by lvsctl
//! (tests/vm/scenarios/sync.sh).

mod common;

#[test]
fn sync_daemons_carry_connections() {
    let report = common::run_scenario("sync.sh");
    report.assert_ok();
    for name in [
        "lvs.backup-has-connection",
        "lvs.backup.daemon",
        "lvs.backup.conns",
        "lvs.backup.none-left-ipvsadm",
        "ipvsadm.backup-has-connection",
        "ipvsadm.master.daemon",
        "ipvsadm.master.none-left-lvsctl",
        "nosync.backup-has-not",
    ] {
        report.assert_check(name);
    }
}
