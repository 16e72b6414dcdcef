//! VIP takeover between two LVS-DR directors proven by real traffic
//! (tests/vm/scenarios/takeover.sh): on one bridge with a client, two
//! directors with the same IPVS table and two cured real servers, `arp
//! probe` sees three MACs before `rs up` and dir1's alone after; `vip del`
//! on dir1 and `vip add` on dir2 repoint the client's existing neighbour
//! entry (IPv4 by gratuitous ARP, IPv6 by unsolicited neighbour
//! advertisement with override) without any ARP request or neighbour
//! solicitation from the client, HTTP resumes through dir2 (counted there,
//! not on dir1), and the captured announcements have the documented form
//! (request and reply opcodes, ICMPv6 136 to ff02::1 with hop limit 255).

mod common;

#[test]
fn vip_takeover_on_the_wire() {
    let r = common::run_scenario("takeover.sh");
    r.assert_ok();
    for c in [
        "probe.before.status",
        "probe.before.macs",
        "probe6.before.macs",
        "probe.after.status",
        "probe.after.macs",
        "v4.before.neigh",
        "v4.takeover.switched",
        "v4.takeover.no-request",
        "v4.after.http",
        "v4.after.count-dir2",
        "v4.after.dir1-unchanged",
        "v4.back.switched",
        "v4.back.no-request",
        "v4.wire.request-form",
        "v4.wire.reply-form",
        "v6.before.neigh",
        "v6.takeover.switched",
        "v6.takeover.no-solicitation",
        "v6.after.http",
        "v6.after.count-dir2",
        "v6.after.dir1-unchanged",
        "v6.wire.na-form",
    ] {
        r.assert_check(c);
    }
}
