//! Output formatters. They turn the IPVS model into text and never talk to
//! the kernel.
//!
//! * [`ipvsadm`] reproduces ipvsadm 1.31's listings and rules byte for
//!   byte, including its sort order.
//! * [`names`] does the reverse lookups ipvsadm does without `-n`.

pub mod ipvsadm;
pub mod names;
