//! `lvsctl daemon`: health checks that keep the IPVS table true.
//!
//! The daemon is the second front end beside [`crate::cli`]. It keeps the
//! kernel equal to the services of its file overlaid with health, through
//! the same engine as `lvsctl apply` ([`crate::state::reconcile`]):
//!
//! * [`config`] reads the file: `apply`'s TOML grown by a `[daemon]`
//!   section and `check`, `on_failure`, quorum and hook keys in services,
//!   all through [`crate::state::config::Extension`], so every error still
//!   names `FILE:LINE`.
//! * [`check`] runs one probe; [`health`] counts rises and falls and turns
//!   health, drains and quorum into the desired table (pure functions,
//!   unit-tested with made-up time).
//!
//! Threads: the network namespace is entered before any thread starts
//! (`setns` changes only the calling thread); the kernel side (netlink,
//! the table lock) stays synchronous on one thread of its own; checks, the
//! control socket and metrics run on tokio.

pub mod duration;
pub mod check;
pub mod proto;
pub mod control;
pub mod config;
pub mod health;
pub mod history;
pub mod http;
pub mod kernel;
pub mod log;
pub mod metrics;
pub mod notify;
pub mod vip_probe;
pub mod vrrp;
pub mod run;

pub use run::{load, run, warnings, DaemonError, Options};
