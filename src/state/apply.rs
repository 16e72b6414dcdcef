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

fn sysctl_path(name: &str) -> String {
    format!("/proc/sys/net/ipv4/vs/{name}")
}

/// Reads the managed `net.ipv4.vs.*` sysctls.
pub fn read_sysctls() -> Result<BTreeMap<String, i64>, EngineError> {
    let mut out = BTreeMap::new();
    for (name, _) in SYSCTLS {
        let err = |source| EngineError::Sysctl {
            name: name.to_string(),
            source,
        };
        let text = std::fs::read_to_string(sysctl_path(name)).map_err(err)?;
        let v = text
            .trim()
            .parse::<i64>()
            .map_err(|e| err(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        out.insert(name.to_string(), v);
    }
    Ok(out)
}

fn write_sysctl(name: &str, value: i64) -> Result<(), EngineError> {
    std::fs::write(sysctl_path(name), format!("{value}\n")).map_err(|source| EngineError::Sysctl {
        name: name.to_string(),
        source,
    })
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
        t.sysctls = Some(read_sysctls()?);
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
                change: crate::ipvsadm::rules::op_rule(op),
                error,
            });
        }
    }
    Ok(())
}
