//! lvsctl's own output: formatters that turn the IPVS model and the
//! engine's reports into text or JSON, and never talk to the kernel.
//! (ipvsadm's exact formats are the compatibility layer's,
//! [`crate::ipvsadm::format`].)
//!
//! * [`native`] is lvsctl's own service listings (`list`, `stats`,
//!   `rate`), [`text`] its smaller tables and reports, [`sort`] the one
//!   order every listing uses.
//! * [`json`] is lvsctl's JSON schema; [`table`] its plain-text and
//!   bordered tables.

pub mod json;
pub mod native;
pub mod sort;
pub mod table;
pub mod text;
