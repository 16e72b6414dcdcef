//! `lvsctl rs up/down/status` on one host in the VM: idempotence, exact
//! undo, every status verdict and error, rollback, tunnel devices.

mod common;

#[test]
fn rs_up_down_status() {
    let r = common::run_scenario("rs_basic.sh");
    r.assert_ok();
    for c in [
        "rs.up-up-down.restores-everything",
        "rs.tun.gre.restored",
        "rs.rollback.nothing-left",
        "rs.errors.change-nothing",
    ] {
        r.assert_check(c);
    }
}
