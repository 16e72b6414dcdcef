//! The engine: making a kernel's state equal a desired [`Table`], all or
//! nothing, as one library call ([`reconcile`]) that prints nothing and
//! returns a typed [`ApplyReport`]. `lvsctl apply` and `diff`, `-R` (through
//! [`push_all_or_nothing`]) and the daemon all run this code, against any
//! [`Backend`]: the real kernel, or the fake one in unit tests.
//!
//! The kernel processes every message of a batch and carries on after a
//! refused one, so atomicity is ours to provide: the live state is read
//! (consistently, see [`crate::ipvs::IpvsClient::table`]) before anything
//! is sent; the changes go out in as few sends as the kernel accepts, and
//! no further batch is sent once one had a refusal; then, if anything was
//! refused, the table is read again and diffed back to the state read
//! first, with the exact destination order of every service, and that undo
//! is pushed the same way. Sysctls are written before the IPVS changes and
//! restored after an undo.
//!
//! Taking the table lock is the caller's business (see [`super::lock`]):
//! the daemon holds it for one engine call at a time, tests need none.

use std::collections::BTreeMap;
use std::io;

use super::backend::Backend;
use super::table::{Change, DiffOptions, Plan, PlanWarning, PlannedChange, Table, SYSCTLS};
use super::FastSet;
use crate::host::sysctl;
use crate::ipvs::{IpvsError, Op, ServiceKey};

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

/// Which live services a run may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Services {
    /// All of them: with [`ReconcileOptions::prune`], services the desired
    /// table lacks are deleted.
    #[default]
    All,
    /// Only these (and the desired table's own): a service in the set that
    /// the desired table lacks is deleted, services outside it are left
    /// alone whatever `prune` says. This is how a daemon owns the services
    /// its file lists (old and new file together on a reload) beside
    /// services other tools made.
    Only(FastSet<ServiceKey>),
    /// All of them but these, which are neither changed nor deleted (a
    /// running daemon's own probe services, when `apply` prunes).
    AllBut(FastSet<ServiceKey>),
}

/// How [`reconcile`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// Delete what the desired table does not have (services in
    /// [`Services`], sync daemons).
    pub prune: bool,
    /// Compute the plan but send nothing.
    pub dry_run: bool,
    /// Which live services may change.
    pub services: Services,
    /// Which other parts are read and changed; `None`: those the desired
    /// table describes ([`Scope::of`]).
    pub scope: Option<Scope>,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions {
            prune: true,
            dry_run: false,
            services: Services::All,
            scope: None,
        }
    }
}

/// What [`reconcile`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    /// The changes, in the order they were (or would be) made.
    pub plan: Plan,
    /// Whether they were sent (not for a dry run or an empty plan).
    pub applied: bool,
}

impl ApplyReport {
    /// What the operator should hear about the plan.
    pub fn warnings(&self) -> &[PlanWarning] {
        &self.plan.warnings
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
    /// Sending failed part-way (the socket, not a refusal): what was
    /// applied is unknown, so it was undone against a fresh read, unless
    /// `rollback` says otherwise.
    #[error("{error}")]
    Interrupted {
        /// Why sending failed.
        error: IpvsError,
        /// `None` when the state was restored; otherwise why it was not.
        rollback: Option<Box<EngineError>>,
    },
    /// The undo after a refusal was itself refused.
    #[error("undoing {} was refused: {error}", crate::ipvsadm::rules::op_rule(.change))]
    UndoRefused {
        /// The undo change.
        change: Box<Op>,
        /// The kernel's answer.
        error: IpvsError,
    },
}

/// A change the kernel refused, and what became of the undo.
#[derive(Debug)]
pub struct Refusal {
    /// Index of the refused change in the plan (or the list of changes
    /// given to [`push_all_or_nothing`]).
    pub index: usize,
    /// The refused change.
    pub change: PlannedChange,
    /// The kernel's answer.
    pub error: IpvsError,
    /// `None` when the state was restored; otherwise why it was not.
    pub rollback: Option<EngineError>,
}

/// Reads the `net.ipv4.vs.*` sysctls a saved file carries: the four that
/// every TOML file manages ([`SYSCTLS`]) and every other one whose value
/// is not the kernel's default (see [`crate::host::sysctl::VS_SYSCTLS`]).
/// `sync_qlen_max` has no fixed default and is saved only when a file
/// names it, which a save cannot know: it is left out.
pub fn read_sysctls(backend: &mut impl Backend) -> Result<BTreeMap<String, i64>, EngineError> {
    Ok(worth_saving(read_all_sysctls(backend)?))
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
fn read_all_sysctls(backend: &mut impl Backend) -> Result<BTreeMap<String, i64>, EngineError> {
    let err = |name: &str, source| EngineError::Sysctl {
        name: name.to_string(),
        source,
    };
    let mut out = BTreeMap::new();
    for (name, _) in SYSCTLS {
        out.insert(
            name.to_string(),
            backend.read_sysctl(name).map_err(|e| err(name, e))?,
        );
    }
    for s in &sysctl::VS_SYSCTLS {
        if out.contains_key(s.name) {
            continue;
        }
        match backend.read_sysctl(s.name) {
            Ok(v) => {
                out.insert(s.name.to_string(), v);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(s.name, e)),
        }
    }
    Ok(out)
}

fn write_sysctl(backend: &mut impl Backend, name: &str, value: i64) -> Result<(), EngineError> {
    backend
        .write_sysctl(name, value)
        .map_err(|source| EngineError::Sysctl {
            name: name.to_string(),
            source,
        })
}

/// Reads the live state: the service table (whole, consistently) and the
/// parts in `scope`.
pub fn read_live(backend: &mut impl Backend, scope: Scope) -> Result<Table, EngineError> {
    let mut t = Table::from_owned_entries(backend.table()?);
    if scope.timeouts {
        t.timeouts = Some(backend.timeouts()?);
    }
    if scope.daemons {
        t.daemons = Some(backend.daemons()?);
    }
    if scope.sysctls {
        t.sysctls = Some(read_all_sysctls(backend)?);
    }
    Ok(t)
}

/// Makes the backend's state equal `desired`: reads the live state, plans
/// the minimal changes ([`Table::diff`]) and, unless this is a dry run,
/// carries them out all or nothing ([`execute`]).
pub fn reconcile(
    backend: &mut impl Backend,
    desired: &Table,
    opts: &ReconcileOptions,
) -> Result<ApplyReport, EngineError> {
    reconcile_with(backend, desired, opts, &mut |_| {})
}

/// [`reconcile`], calling `planned` with the plan before anything is sent
/// (so a front end can show its warnings first, and a daemon log it, even
/// when the kernel then refuses a change).
pub fn reconcile_with(
    backend: &mut impl Backend,
    desired: &Table,
    opts: &ReconcileOptions,
    planned: &mut dyn FnMut(&Plan),
) -> Result<ApplyReport, EngineError> {
    let scope = opts.scope.unwrap_or_else(|| Scope::of(desired));
    let before = read_live(backend, scope)?;
    let plan = plan(&before, desired, opts);
    planned(&plan);
    if opts.dry_run || plan.is_empty() {
        return Ok(ApplyReport { plan, applied: false });
    }
    execute(backend, &plan, &before)?;
    Ok(ApplyReport { plan, applied: true })
}

/// The plan [`reconcile`] would carry out on a live state read before.
pub fn plan(before: &Table, desired: &Table, opts: &ReconcileOptions) -> Plan {
    let diff = DiffOptions {
        prune: opts.prune,
        exact_order: false,
    };
    match &opts.services {
        Services::All => before.diff(desired, diff),
        Services::AllBut(keys) => {
            let mut view = before.clone();
            view.services.retain(|s| !keys.contains(&s.service.key));
            let mut want = desired.clone();
            want.services.retain(|s| !keys.contains(&s.service.key));
            view.diff(&want, diff)
        }
        Services::Only(keys) => {
            // Diff against the owned part of the live table only, with
            // pruning: what is owned and no longer desired goes, what
            // others made stays out of sight.
            let desired_keys: FastSet<ServiceKey> = desired.services.iter().map(|s| s.service.key).collect();
            let mut view = before.clone();
            view.services
                .retain(|s| keys.contains(&s.service.key) || desired_keys.contains(&s.service.key));
            view.diff(desired, DiffOptions { prune: true, ..diff })
        }
    }
}

/// Carries out `plan`, which was computed from `before` (the live state
/// read under the same lock). All or nothing: on a kernel refusal the
/// state is brought back to `before` and [`EngineError::Refused`] names
/// the refused change.
pub fn execute(backend: &mut impl Backend, plan: &Plan, before: &Table) -> Result<(), EngineError> {
    // Sysctls first; a failure there leaves IPVS untouched.
    let mut written: Vec<(String, i64)> = Vec::new();
    for c in &plan.changes {
        if let Change::Sysctl { name, value } = &c.change {
            let old = before.sysctls.as_ref().and_then(|m| m.get(name)).copied();
            if let Err(e) = write_sysctl(backend, name, *value) {
                restore_sysctls(backend, &written);
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
    let mut ops = plan.changes.iter().filter_map(|c| match &c.change {
        Change::Ipvs(op) => Some(op),
        Change::Sysctl { .. } => None,
    });
    let outcome = push_and_undo(backend, &mut ops, before);
    if outcome.is_err() {
        restore_sysctls(backend, &written);
    }
    outcome.map_err(|e| match e {
        Pushed::Refused { at, error, rollback } => EngineError::Refused(Box::new(Refusal {
            index: index_of[at],
            change: plan.changes[index_of[at]].clone(),
            error,
            rollback,
        })),
        Pushed::Failed { error, rollback } => EngineError::Interrupted {
            error,
            rollback: rollback.map(Box::new),
        },
    })
}

/// Sends a list of changes all or nothing: on a refusal, everything is
/// brought back to `before` (read under the same lock). For `-R`, whose
/// input is a sequence of changes rather than a desired table.
pub fn push_all_or_nothing(
    backend: &mut impl Backend,
    ops: &[Op],
    before: &Table,
) -> Result<(), EngineError> {
    push_and_undo(backend, &mut ops.iter(), before).map_err(|e| match e {
        Pushed::Refused { at, error, rollback } => EngineError::Refused(Box::new(Refusal {
            index: at,
            change: PlannedChange {
                kind: super::ChangeKind::Edit,
                change: Change::Ipvs(ops[at].clone()),
            },
            error,
            rollback,
        })),
        Pushed::Failed { error, rollback } => EngineError::Interrupted {
            error,
            rollback: rollback.map(Box::new),
        },
    })
}

enum Pushed {
    /// Change number `at` was refused.
    Refused {
        at: usize,
        error: IpvsError,
        rollback: Option<EngineError>,
    },
    /// The socket failed.
    Failed {
        error: IpvsError,
        rollback: Option<EngineError>,
    },
}

fn push_and_undo(
    backend: &mut impl Backend,
    ops: &mut dyn Iterator<Item = &Op>,
    before: &Table,
) -> Result<(), Pushed> {
    let results = match backend.push(ops, true) {
        Ok(r) => r,
        Err(e) => {
            // The socket failed mid-way: what was applied is unknown, so
            // undo against a fresh read.
            let rollback = undo(backend, before).err();
            return Err(Pushed::Failed { error: e, rollback });
        }
    };
    let refused = results
        .into_iter()
        .enumerate()
        .find_map(|(i, r)| r.err().map(|e| (i, e)));
    match refused {
        None => Ok(()),
        Some((at, error)) => {
            let rollback = undo(backend, before).err();
            Err(Pushed::Refused { at, error, rollback })
        }
    }
}

fn restore_sysctls(backend: &mut impl Backend, written: &[(String, i64)]) {
    for (name, old) in written.iter().rev() {
        let _ = write_sysctl(backend, name, *old);
    }
}

/// Brings the IPVS state back to `before`: reads it again and pushes the
/// difference, exact destination order included.
pub fn undo(backend: &mut impl Backend, before: &Table) -> Result<(), EngineError> {
    let scope = Scope {
        sysctls: false,
        ..Scope::of(before)
    };
    let now = read_live(backend, scope)?;
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
    let results = backend.push(&mut ops.iter(), false)?;
    for (op, r) in ops.iter().zip(results) {
        if let Err(error) = r {
            return Err(EngineError::UndoRefused {
                change: Box::new(op.clone()),
                error,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
