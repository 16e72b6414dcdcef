//! Missing IPVS, missing privilege and kernel refusals: lvsctl's messages
//! and exit codes against Debian's ipvsadm's, in the VM.

mod common;

#[test]
fn init_and_kernel_errors_match_ipvsadm() {
    common::run_scenario("kernel_errors.sh").assert_ok();
}
