//! Concurrency against the real kernel: listings taken while another
//! process changes the table are whole; concurrent applies are serialised;
//! directors with different histories end with the same `mh` order.

mod common;

#[test]
fn listings_applies_and_mh_order_under_concurrency() {
    common::run_scenario_long("concurrency.sh", 900).assert_ok();
}
