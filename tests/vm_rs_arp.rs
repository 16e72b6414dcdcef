//! `lvsctl rs up/down/status` proven on a wire (tests/vm/scenarios/rs_arp.sh):
//! on one bridge with a client, a director and two real servers, broadcast
//! ARP for the VIP is answered by several MACs before the cure and by the
//! director alone after `rs up`, in DR and in TUN with ipip, gue and gre;
//! HTTP through an `rr` service reaches both real servers and every
//! connection is counted by the director; `rs up; rs up; rs down` restores
//! every value; `rs status` is clean in each mode.

mod common;

#[test]
fn rs_arp_cure_on_the_wire() {
    let r = common::run_scenario("rs_arp.sh");
    r.assert_ok();
    for c in [
        "arp.before.broadcast",
        "arp.before.responders",
        "arp.before.reproduced",
        "arp.dr.responders",
        "arp.ipip.responders",
        "arp.gue.responders",
        "arp.gre.responders",
        "http.dr",
        "http.ipip",
        "http.gue",
        "http.gre",
        "count.dr",
        "count.ipip",
        "count.gue",
        "count.gre",
        "rs.dr.rs1.restored",
        "rs.gue.rs1.restored",
        "rs.gre.rs2.status",
        "rs.rs1.prior-values-kept",
    ] {
        r.assert_check(c);
    }
}
