//! Timeouts, zeroing, sync daemons and flush in ipvsadm mode, against
//! Debian's ipvsadm in the VM.

mod common;

#[test]
fn timeouts_zero_daemons_flush_match_ipvsadm() {
    common::run_scenario("config_ops.sh").assert_ok();
}
