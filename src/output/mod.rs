//! Output formatters. They turn the IPVS model into text and never talk to
//! the kernel.
//!
//! * [`ipvsadm`] reproduces ipvsadm 1.31's listings and rules byte for
//!   byte, including its sort order.
//! * [`native`] is lvsctl's own text listings.
//! * [`rules`] writes changes and tables as ipvsadm rules.
//! * [`names`] does the reverse lookups ipvsadm does without `-n`.
//! * [`json`] is lvsctl's JSON schema; [`table`] its plain-text and
//!   bordered tables.

pub mod ipvsadm;
pub mod json;
pub mod names;
pub mod native;
pub mod rules;
pub mod table;
