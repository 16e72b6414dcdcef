//! Listings of a table carrying live traffic (NAT over TCP, UDP and IPv6, a
//! firewall-mark service, persistence, the SIP persistence engine), printed
//! by Debian's ipvsadm and by lvsctl as `ipvsadm`, compared byte for byte;
//! `-Z` and `--set` read back by both. In the VM, between network
//! namespaces (tests/vm/scenarios/traffic.sh).

mod common;

#[test]
fn live_traffic_listings_match_ipvsadm() {
    let report = common::run_scenario("traffic.sh");
    report.assert_ok();
    // Guard against a scenario that silently stopped carrying traffic or
    // comparing.
    for name in [
        "traffic.http-rr",
        "traffic.fwmark-wrr",
        "traffic.sip-callids-spread",
        "nonzero.conns.TCP-198.51.100.10:80",
        "nonzero.activeconn",
        "nonzero.rate-inbps",
        "nonzero.templates",
        "view.-L-n:stats:exact",
        "view.-L-n:rate",
        "view.-L",
        "conn.Lnc",
        "conn.Lc",
        "zero.all-zeroed",
        "set.lvsctl.timeout",
    ] {
        report.assert_check(name);
    }
    assert!(
        report.checks.len() > 100,
        "only {} checks ran",
        report.checks.len()
    );
}
