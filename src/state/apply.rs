//! Pushing a plan to the kernel, all or nothing.
//!
//! The kernel processes every message of a batch and carries on after a
//! refused one, so atomicity is ours to provide: the live table is read
//! (consistently, see [`IpvsClient::table`]) before anything is sent; the
//! changes go out in as few sends as the kernel accepts, and no further
//! batch is sent once one had a refusal; then, if anything was refused,
//! the table is read again and diffed back to the state read first, with
//! the exact destination order of every service, and that undo is pushed
//! the same way. Sysctls are written before the IPVS changes and
//! restored after an undo.

use std::collections::BTreeMap;
use std::io;

use super::table::{Change, DiffOptions, Plan, PlannedChange, Table, SYSCTLS};
use crate::host::sysctl::{self, SysctlError};
use crate::ipvs::{IpvsClient, IpvsError};

/// Which parts besides the service table a run reads and changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    /// Connection timeouts.
    pub timeouts: bool,
    /// Sync daemons.
    pub daemons: bool,
    /// `net.ipv4.vs.*` sysctls.
    pub sysctls: bool,
}

impl Scope {
    /// The parts a desired table describes.
    pub fn of(t: &Table) -> Self {
        Scope {
            timeouts: t.timeouts.is_some(),
            daemons: t.daemons.is_some(),
            sysctls: t.sysctls.is_some(),
        }
    }

    /// Everything `-R` can change (all but sysctls).
    pub fn ipvs() -> Self {
        Scope {
            timeouts: true,
            daemons: true,
            sysctls: false,
        }
    }
}

/// Errors of reading or changing the live state.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading the table or talking to the kernel failed.
    #[error(transparent)]
    Ipvs(#[from] IpvsError),
    /// A `net.ipv4.vs.*` sysctl could not be read or written.
    #[error("net.ipv4.vs.{name}: {source}")]
    Sysctl {
        /// Its name below `net.ipv4.vs.`.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// The kernel refused a change; everything was undone unless
    /// [`Refusal::rollback`] says otherwise.
    #[error("the kernel refused a change: {}", .0.error)]
    Refused(Box<Refusal>),
    /// The undo after a refusal was itself refused.
    #[error("undoing {change} was refused: {error}")]
    UndoRefused {
        /// The undo change, as a rule.
        change: String,
        /// The kernel's answer.
        error: IpvsError,
    },
}

/// A change the kernel refused, and what became of the undo.
#[derive(Debug)]
pub struct Refusal {
    /// Index of the refused change in the plan.
    pub index: usize,
    /// The refused change.
    pub change: PlannedChange,
    /// The kernel's answer.
    pub error: IpvsError,
    /// `None` when the state was restored; otherwise why it was not.
    pub rollback: Option<EngineError>,
}

fn sysctl_error(name: &str, e: SysctlError) -> EngineError {
    EngineError::Sysctl {
        name: name.to_string(),
        source: e.source,
    }
}

/// Reads the `net.ipv4.vs.*` sysctls a saved file carries: the four that
/// every TOML file manages ([`SYSCTLS`]) and every other one whose value
/// is not the kernel's default (see [`crate::host::sysctl::VS_SYSCTLS`]).
/// `sync_qlen_max` has no fixed default and is saved only when a file
/// names it, which a save cannot know: it is left out.
pub fn read_sysctls() -> Result<BTreeMap<String, i64>, EngineError> {
    Ok(worth_saving(read_all_sysctls()?))
}

/// The part of a full read of the sysctls that [`read_sysctls`] returns.
pub(crate) fn worth_saving(mut all: BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    all.retain(|name, value| {
        SYSCTLS.iter().any(|(n, _)| n == name)
            || sysctl::vs_sysctl(name)
                .and_then(|s| s.default.map(|d| !s.agrees(d, *value)))
                .unwrap_or(false)
    });
    all
}

/// Reads every `net.ipv4.vs.*` sysctl lvsctl knows: the four of
/// [`SYSCTLS`] must be there; the others are skipped where this kernel
/// has no such file.
fn read_all_sysctls() -> Result<BTreeMap<String, i64>, EngineError> {
    let mut out = BTreeMap::new();
    for (name, _) in SYSCTLS {
        out.insert(
            name.to_string(),
            sysctl::get_vs(name).map_err(|e| sysctl_error(name, e))?,
        );
    }
    for s in &sysctl::VS_SYSCTLS {
        if out.contains_key(s.name) {
            continue;
        }
        match sysctl::get_vs(s.name) {
            Ok(v) => {
                out.insert(s.name.to_string(), v);
            }
            Err(e) if e.source.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(sysctl_error(s.name, e)),
        }
    }
    Ok(out)
}

fn write_sysctl(name: &str, value: i64) -> Result<(), EngineError> {
    sysctl::set_vs(name, value).map_err(|e| sysctl_error(name, e))
}

/// Reads the live state: the service table (whole, consistently) and the
/// parts in `scope`.
pub fn read_live(client: &mut IpvsClient, scope: Scope) -> Result<Table, EngineError> {
    let mut t = Table::from_owned_entries(client.table()?);
    if scope.timeouts {
        t.timeouts = Some(client.timeouts()?);
    }
    if scope.daemons {
        t.daemons = Some(client.daemons()?);
    }
    if scope.sysctls {
        t.sysctls = Some(read_all_sysctls()?);
    }
    Ok(t)
}

/// Carries out `plan`, which was computed from `before` (the live state
/// read under the same lock). All or nothing: on a kernel refusal the
/// state is brought back to `before` and [`EngineError::Refused`] names
/// the refused change.
pub fn execute(client: &mut IpvsClient, plan: &Plan, before: &Table) -> Result<(), EngineError> {
    // Sysctls first; a failure there leaves IPVS untouched.
    let mut written: Vec<(String, i64)> = Vec::new();
    for c in &plan.changes {
        if let Change::Sysctl { name, value } = &c.change {
            let old = before.sysctls.as_ref().and_then(|m| m.get(name)).copied();
            if let Err(e) = write_sysctl(name, *value) {
                restore_sysctls(&written);
                return Err(e);
            }
            if let Some(old) = old {
                written.push((name.clone(), old));
            }
        }
    }
    let index_of: Vec<usize> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.change, Change::Ipvs(_)))
        .map(|(i, _)| i)
        .collect();
    let ops = plan.changes.iter().filter_map(|c| match &c.change {
        Change::Ipvs(op) => Some(op),
        Change::Sysctl { .. } => None,
    });
    let results = match client.apply_until_refused(ops) {
        Ok(r) => r,
        Err(e) => {
            // The socket failed mid-way: what was applied is unknown, so
            // undo against a fresh read.
            let rollback = undo(client, before).err();
            restore_sysctls(&written);
            return Err(rollback.unwrap_or(e.into()));
        }
    };
    let refused = results
        .into_iter()
        .enumerate()
        .find_map(|(i, r)| r.err().map(|e| (i, e)));
    match refused {
        None => Ok(()),
        Some((i, error)) => {
            let rollback = undo(client, before).err();
            restore_sysctls(&written);
            let index = index_of[i];
            Err(EngineError::Refused(Box::new(Refusal {
                index,
                change: plan.changes[index].clone(),
                error,
                rollback,
            })))
        }
    }
}

fn restore_sysctls(written: &[(String, i64)]) {
    for (name, old) in written.iter().rev() {
        let _ = write_sysctl(name, *old);
    }
}

/// Brings the IPVS state back to `before`: reads it again and pushes the
/// difference, exact destination order included.
pub fn undo(client: &mut IpvsClient, before: &Table) -> Result<(), EngineError> {
    let scope = Scope {
        sysctls: false,
        ..Scope::of(before)
    };
    let now = read_live(client, scope)?;
    let mut target = before.clone();
    target.sysctls = None;
    let back = now.diff(
        &target,
        DiffOptions {
            prune: true,
            exact_order: true,
        },
    );
    let ops = back.ops();
    let results = client.apply(&ops)?;
    for (op, r) in ops.iter().zip(results) {
        if let Err(error) = r {
            return Err(EngineError::UndoRefused {
                change: crate::output::rules::op_rule(op),
                error,
            });
        }
    }
    Ok(())
}
