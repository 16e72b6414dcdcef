//! Smoke test of the real-kernel VM harness (tests/vm/run + tests/vm/lib.sh):
//! IPVS, module loading, network namespaces and the lvsctl binary all work
//! inside the VM. Needs `tests/vm/setup` to have been run once.

mod common;

#[test]
fn vm_smoke() {
    common::run_scenario("smoke.sh").assert_ok();
}
