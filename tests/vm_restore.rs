//! `-R` in ipvsadm mode: validation of the whole input, comments, kernel
//! refusals in a batch, large inputs.

mod common;

#[test]
fn restore_validates_first_and_batches() {
    common::run_scenario("restore.sh").assert_ok();
}
