//! `lvsctl apply`, `diff` and `save` against the real kernel: both file
//! formats, minimal diffs counted with strace, whole-file validation,
//! pruning, and kernel refusals in the middle of a batch rolled back to the
//! exact previous table.

mod common;

#[test]
fn apply_diff_save() {
    common::run_scenario("declarative.sh").assert_ok();
}
