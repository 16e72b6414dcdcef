//! lvsctl's own read commands, `--netns` and live completion, in the VM.

mod common;

#[test]
fn native_read_commands_json_netns_completion() {
    let r = common::run_scenario("native.sh");
    r.assert_ok();
    r.assert_check("native.json-round-trip");
    r.assert_check("native.netns.only-there");
}
