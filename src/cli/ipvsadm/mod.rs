//! The ipvsadm-compatible front end: runs a [`Command`] parsed by the
//! compatibility layer ([`crate::ipvsadm`]) against the kernel and prints
//! what ipvsadm would.

mod exec;

pub use crate::ipvsadm::{parse, parse_line, Command, ListOptions, ParseError};
pub use exec::{connect, run, IpvsadmExit};
