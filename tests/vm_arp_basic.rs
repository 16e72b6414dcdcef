//! `lvsctl arp probe/announce` and `vip add/del` on a bridge in the VM.

mod common;

#[test]
fn arp_probe_announce_vip() {
    let r = common::run_scenario("arp_basic.sh");
    r.assert_ok();
    for c in [
        "arp.probe.problem.macs",
        "arp.probe.cured.status",
        "arp.garp.request-form",
        "arp.garp.reply-form",
    ] {
        r.assert_check(c);
    }
}
