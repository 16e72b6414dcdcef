//! Desired state: files that describe a whole IPVS table, the minimal diff
//! between two tables, and pushing that diff all or nothing.
//!
//! * [`table`] — [`Table`] (services, destinations, timeouts, daemons,
//!   sysctls as plain values) and [`Table::diff`], the minimal plan.
//! * [`source`] — desired-state files: format detection, the ipvsadm
//!   rules format, line numbers for messages.
//! * [`config`] — lvsctl's TOML format (read and written).
//! * [`apply`] — reading the live state consistently, pushing a plan in
//!   batches, and undoing it exactly when the kernel refuses a change.
//! * [`lock`] — one writer per namespace's table at a time.
//!
//! The rules format is ipvsadm's own grammar, so [`source`] reads it with
//! the ipvsadm front end's line parser rather than a second copy of it.

pub mod apply;
pub mod config;
pub mod lock;
pub mod source;
pub mod table;

pub use apply::{execute, read_live, EngineError, Scope};
pub use source::{parse, Desired, FileFormat, InputError, Source};
pub use table::{Change, ChangeKind, DiffOptions, Plan, PlannedChange, ServiceSpec, Table};
