//! Differential tests in the VM: every table of `tests/corpus/` built and
//! read by Debian's ipvsadm and by lvsctl as `ipvsadm`, compared byte for
//! byte; error lines compared for message, exit code and "changes nothing".

mod common;

#[test]
fn ipvsadm_mode_matches_debian_ipvsadm() {
    let report = common::run_scenario("differential.sh");
    report.assert_ok();
    // Guard against a corpus that silently stopped running.
    for name in [
        "tcp_schedulers.same-table",
        "fwmark.read-lvsctl-table",
        "ipv6.restore-same-order",
    ] {
        report.assert_check(name);
    }
    assert!(
        report.checks.len() > 150,
        "only {} checks ran",
        report.checks.len()
    );
}
