//! Desired state: files that describe a whole IPVS table, the minimal diff
//! between two tables, and pushing that diff all or nothing.
//!
//! * [`table`] — [`Table`] (services, destinations, timeouts, daemons,
//!   sysctls as plain values) and [`Table::diff`], the minimal plan.
//! * [`source`] — desired-state files: format detection, the ipvsadm
//!   rules format, line numbers for messages.
//! * [`config`] — lvsctl's TOML format (read and written).
//! * [`apply`] — the engine: [`reconcile`] reads the live state
//!   consistently, plans, pushes the plan in batches and undoes it exactly
//!   when the kernel refuses a change; a typed [`ApplyReport`] comes back.
//! * [`backend`] — what the engine needs of a kernel ([`Backend`]), over
//!   the real one ([`Kernel`]) or [`fake::FakeKernel`].
//! * [`rules`] — plans and tables written as ipvsadm rules.
//! * [`lock`] — one writer per namespace's table at a time.
//! * [`realserver`] — `/etc/lvsctl/realserver.toml`, what `rs up
//!   --config` does to a real server.
//!
//! The rules format is ipvsadm's own grammar, so [`source`] reads it with
//! the compatibility layer's line parser ([`crate::ipvsadm::parse_line`])
//! rather than a second copy of it.

pub mod apply;
pub mod backend;
pub mod config;
pub mod fake;
pub mod lock;
pub mod realserver;
pub mod rules;
pub mod source;
pub mod table;

pub use apply::{
    execute, push_all_or_nothing, read_live, reconcile, reconcile_with, ApplyReport, EngineError,
    ReconcileOptions, Refusal, Scope, Services,
};
pub use backend::{Backend, Kernel};
pub use source::{parse, Desired, FileFormat, InputError, Source};
pub use table::{Change, ChangeKind, DiffOptions, Plan, PlanWarning, PlannedChange, ServiceSpec, Table};

/// A fast, non-cryptographic hasher for the maps of large tables (the
/// multiply-rotate scheme of rustc's FxHash). Keys come from the
/// operator's own files and the kernel, so flooding is not a concern,
/// while SipHash was a visible share of reading 100,000 destinations.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<FastHasher>>;
