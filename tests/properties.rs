//! Property tests for every parser that reads outside input: the ipvsadm
//! grammar and rules files, the TOML format, `/proc/net/ip_vs_conn`,
//! netlink replies (the datagram walker, extended ACKs, IPVS and
//! rtnetlink messages), ARP/NDP frames, and the files `lvsctl import`
//! reads.
//!
//! Two kinds of property, for each parser:
//!
//! * **No panic**: arbitrary bytes or text, and valid input with random
//!   tokens or bytes changed, give a value or an error, never a panic
//!   (the house rule for outside input).
//! * **Round trip**: a generated valid value, written by lvsctl's own
//!   printer (or, where lvsctl has none, by the kernel's format), parses
//!   back to the same value.
//!
//! `printers.rs` follows the values on: whatever a decoder can return
//! prints in every format without panicking, and `-S` output and the
//! streamed JSON read back.
//!
//! Each property runs 256 cases ([`CASES`]); `PROPTEST_CASES=N` changes
//! that, e.g. `PROPTEST_CASES=20000 cargo test --release --test
//! properties` for a long run. Failures are not persisted to files:
//! proptest prints the minimal failing input, which belongs in a unit
//! test next to the parser once fixed.
//!
//! The modules under `properties/` each cover one format; the
//! generators of model values they share are in `properties/model.rs`.

use proptest::test_runner::Config as ProptestConfig;

#[path = "properties/model.rs"]
mod model;

#[path = "properties/conn.rs"]
mod conn;
#[path = "properties/frames.rs"]
mod frames;
#[path = "properties/grammar.rs"]
mod grammar;
#[path = "properties/import.rs"]
mod import;
#[path = "properties/netlink.rs"]
mod netlink;
#[path = "properties/printers.rs"]
mod printers;
#[path = "properties/toml.rs"]
mod toml;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 256;

/// The configuration of every property: [`CASES`] cases (or
/// `PROPTEST_CASES`), no failure files written under `tests/`.
pub fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
