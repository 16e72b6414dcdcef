//! IPVS: the model, its Generic Netlink codec, and a client.
//!
//! [`model`] is what the kernel stores; [`codec`] turns it into and out of
//! `IPVS` family messages; [`IpvsClient`] is one socket to the kernel with a
//! cached family id and typed operations, including a batch
//! ([`IpvsClient::apply`]) that pushes many changes in few system calls;
//! [`Op`] names one such change. [`proc`] reads the kernel's text listing,
//! `/proc/net/ip_vs`, which carries every destination of the default
//! listing in one file where netlink needs a dump per service.

pub mod client;
pub mod codec;
pub mod conn;
pub mod model;
pub mod names;
pub mod op;
pub mod proc;

pub use client::{IpvsClient, IpvsError};
pub use model::*;
pub use op::Op;
