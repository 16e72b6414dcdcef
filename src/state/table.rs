//! The IPVS state as a value, and the minimal set of changes between two
//! such values.
//!
//! A [`Table`] is either what a desired-state file says or what the kernel
//! holds. [`Table::diff`] turns "live" into "desired" with the fewest
//! kernel messages: objects that are equal are not touched, an object
//! that differs is edited in place rather than deleted and re-added.
//!
//! Destination order matters for one scheduler: Maglev hashing (`mh`)
//! builds its lookup table by walking the destination list, so two
//! directors only agree on where a connection goes when their lists are in
//! the same order. The kernel always inserts a new destination at the
//! head of the list. The diff therefore brings every `mh` service to a
//! canonical order (ascending address and port, as the kernel lists
//! them): it keeps the longest tail of the live list that is already in
//! that order and deletes and re-adds the rest, the new ones included, in
//! reverse. A rollback uses the same mechanism with the exact order it
//! has to restore, for every service.

use std::collections::BTreeMap;

use super::{FastMap as HashMap, FastSet as HashSet};
use std::net::IpAddr;

use crate::ipvs::{
    DaemonState, DestEntry, Destination, Op, Service, ServiceEntry, ServiceFlags, ServiceKey, SyncDaemon,
    Timeouts,
};

/// The `net.ipv4.vs.*` sysctls every TOML file manages, with the kernel's
/// defaults: a file that leaves one of these out sets it to its default.
/// The other settings of [`crate::host::sysctl::VS_SYSCTLS`] are managed
/// only where a file names them (see [`super::config`]).
pub const SYSCTLS: [(&str, i64); 4] = [
    ("sloppy_tcp", 0),
    ("expire_nodest_conn", 0),
    ("expire_quiescent_template", 0),
    ("conntrack", 0),
];

/// The kernel's default connection timeouts (TCP, TCP after FIN, UDP).
pub const DEFAULT_TIMEOUTS: Timeouts = Timeouts {
    tcp: 900,
    tcp_fin: 120,
    udp: 300,
};

/// A service and its real servers, in the kernel's listing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// The service.
    pub service: Service,
    /// Its destinations.
    pub dests: Vec<Destination>,
}

impl ServiceSpec {
    /// The configuration of a service and destinations read from the
    /// kernel (counters dropped, and the kernel's `HASHED` flag, which a
    /// request must never carry: the kernel would not hash a service added
    /// with it set, leaving it in the table but unreachable).
    pub fn from_entries(s: &ServiceEntry, d: &[DestEntry]) -> Self {
        let mut service = s.service.clone();
        service.flags = user_flags(&service);
        ServiceSpec {
            service,
            dests: d.iter().map(|d| d.dest.clone()).collect(),
        }
    }
}

/// The IPVS state of one network namespace. `None` parts are not
/// described (a rules file says nothing about timeouts, say) and are
/// neither compared nor changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The services, in kernel order (live) or file order (desired).
    pub services: Vec<ServiceSpec>,
    /// Connection timeouts.
    pub timeouts: Option<Timeouts>,
    /// Connection synchronisation daemons.
    pub daemons: Option<Vec<SyncDaemon>>,
    /// `net.ipv4.vs.*` sysctls by name (see [`SYSCTLS`]).
    pub sysctls: Option<BTreeMap<String, i64>>,
}

/// How [`Table::diff`] treats what only the live table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffOptions {
    /// Delete services (and stop daemons) that the desired table does not
    /// have.
    pub prune: bool,
    /// Reproduce the desired destination order of every service, not only
    /// of `mh` ones (used to roll back).
    pub exact_order: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            prune: true,
            exact_order: false,
        }
    }
}

/// Whether a change adds, edits or deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Something new.
    Add,
    /// Something changed in place.
    Edit,
    /// Something removed.
    Delete,
}

/// One change of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A kernel IPVS change.
    Ipvs(Op),
    /// A `net.ipv4.vs.*` sysctl to set.
    Sysctl {
        /// Name below `net.ipv4.vs.`.
        name: String,
        /// The value to write.
        value: i64,
    },
}

/// A change and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// Add, edit or delete.
    pub kind: ChangeKind,
    /// What to do.
    pub change: Change,
}

/// What it takes to turn one table into another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The changes, in the order they must be made.
    pub changes: Vec<PlannedChange>,
    /// Things worth telling the operator.
    pub warnings: Vec<PlanWarning>,
}

/// Something a plan does that the operator should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanWarning {
    /// The kernel's destination order of an `mh` service was not the
    /// canonical one, so the plan deletes and re-adds part of it (which
    /// moves connections between real servers once).
    NonCanonicalOrder {
        /// The service.
        service: ServiceKey,
        /// How many destinations are re-added.
        readded: usize,
    },
}

impl std::fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanWarning::NonCanonicalOrder { service, readded } => write!(
                f,
                "{}: the kernel's destination order is not the canonical one; re-adding {readded} destination(s)",
                crate::ipvsadm::rules::service_selector(service),
            ),
        }
    }
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The kernel IPVS changes, in order.
    pub fn ops(&self) -> Vec<Op> {
        self.changes
            .iter()
            .filter_map(|c| match &c.change {
                Change::Ipvs(op) => Some(op.clone()),
                Change::Sysctl { .. } => None,
            })
            .collect()
    }

    fn push(&mut self, kind: ChangeKind, op: Op) {
        self.changes.push(PlannedChange {
            kind,
            change: Change::Ipvs(op),
        });
    }
}

/// The flags a user sets (without the kernel's `HASHED` bit).
pub fn user_flags(s: &Service) -> ServiceFlags {
    ServiceFlags(s.flags.0 & !ServiceFlags::HASHED)
}

/// Whether two services are configured alike.
pub fn same_service(a: &Service, b: &Service) -> bool {
    a.key == b.key
        && a.scheduler == b.scheduler
        && user_flags(a) == user_flags(b)
        && a.timeout == b.timeout
        && a.netmask == b.netmask
        && a.pe_name == b.pe_name
}

/// A destination's identity within its service.
pub fn dest_id(d: &Destination) -> (IpAddr, u16) {
    (d.addr, d.port)
}

/// The canonical listing order of destinations: ascending family,
/// address, port.
pub fn canonical_order(dests: &[Destination]) -> Vec<Destination> {
    let mut v = dests.to_vec();
    v.sort_by_key(|d| (d.af(), d.addr, d.port));
    v
}

/// Whether a daemon as the desired table describes it (unset options
/// mean the kernel's defaults) matches a running one.
fn daemon_matches(want: &SyncDaemon, live: &SyncDaemon) -> bool {
    fn opt<T: PartialEq + Copy>(want: Option<T>, live: Option<T>, default: Option<T>) -> bool {
        match want {
            Some(w) => live == Some(w),
            None => default.is_none() || live.is_none() || live == default,
        }
    }
    let default_group = match want.mcast_group.or(live.mcast_group) {
        Some(IpAddr::V6(_)) => None,
        _ => Some(IpAddr::V4(std::net::Ipv4Addr::new(224, 0, 0, 81))),
    };
    want.state == live.state
        && want.mcast_ifn == live.mcast_ifn
        && want.syncid == live.syncid
        && opt(want.sync_maxlen, live.sync_maxlen, None)
        && opt(want.mcast_group, live.mcast_group, default_group)
        && opt(want.mcast_port, live.mcast_port, Some(8848))
        && opt(want.mcast_ttl, live.mcast_ttl, Some(1))
}

impl Table {
    /// The table of services and destinations read from the kernel.
    pub fn from_entries(entries: &[(ServiceEntry, Vec<DestEntry>)]) -> Self {
        Table {
            services: entries
                .iter()
                .map(|(s, d)| ServiceSpec::from_entries(s, d))
                .collect(),
            ..Table::default()
        }
    }

    /// Like [`Table::from_entries`], consuming the entries one service at
    /// a time, so that a large table is not held twice.
    pub fn from_owned_entries(entries: Vec<(ServiceEntry, Vec<DestEntry>)>) -> Self {
        Table {
            services: entries
                .into_iter()
                .map(|(s, d)| ServiceSpec::from_entries(&s, &d))
                .collect(),
            ..Table::default()
        }
    }

    /// The changes that turn `self` (the live table) into `desired`.
    pub fn diff(&self, desired: &Table, opts: DiffOptions) -> Plan {
        let mut plan = Plan::default();
        let wanted: HashSet<ServiceKey> = desired.services.iter().map(|s| s.service.key).collect();
        if opts.prune {
            for s in &self.services {
                if !wanted.contains(&s.service.key) {
                    plan.push(ChangeKind::Delete, Op::DelService(s.service.key));
                }
            }
        }
        let live: HashMap<ServiceKey, &ServiceSpec> =
            self.services.iter().map(|s| (s.service.key, s)).collect();
        for want in &desired.services {
            match live.get(&want.service.key) {
                None => add_service(&mut plan, want, opts),
                Some(have) => edit_service(&mut plan, have, want, opts),
            }
        }
        if let (Some(want), Some(have)) = (desired.timeouts, self.timeouts) {
            if want != have {
                plan.push(ChangeKind::Edit, Op::SetTimeouts(want));
            }
        }
        if let (Some(want), Some(have)) = (&desired.daemons, &self.daemons) {
            diff_daemons(&mut plan, have, want, opts.prune);
        }
        if let (Some(want), Some(have)) = (&desired.sysctls, &self.sysctls) {
            for (name, value) in want {
                let agrees = |h: &i64| match crate::host::sysctl::vs_sysctl(name) {
                    Some(s) => s.agrees(*value, *h),
                    None => h == value,
                };
                if !have.get(name).is_some_and(agrees) {
                    plan.changes.push(PlannedChange {
                        kind: ChangeKind::Edit,
                        change: Change::Sysctl {
                            name: name.clone(),
                            value: *value,
                        },
                    });
                }
            }
        }
        plan
    }
}

/// The listing order a service's destinations must end in, if it matters.
fn target_order(want: &ServiceSpec, opts: DiffOptions) -> Option<Vec<Destination>> {
    if opts.exact_order {
        Some(want.dests.clone())
    } else if want.service.scheduler == "mh" {
        Some(canonical_order(&want.dests))
    } else {
        None
    }
}

fn add_service(plan: &mut Plan, want: &ServiceSpec, opts: DiffOptions) {
    let key = want.service.key;
    plan.push(ChangeKind::Add, Op::AddService(want.service.clone()));
    match target_order(want, opts) {
        // The kernel lists the newest first: add in reverse.
        Some(order) => {
            for d in order.iter().rev() {
                plan.push(ChangeKind::Add, Op::AddDest(key, d.clone()));
            }
        }
        None => {
            for d in &want.dests {
                plan.push(ChangeKind::Add, Op::AddDest(key, d.clone()));
            }
        }
    }
}

fn edit_service(plan: &mut Plan, have: &ServiceSpec, want: &ServiceSpec, opts: DiffOptions) {
    let key = want.service.key;
    if !same_service(&have.service, &want.service) {
        plan.push(ChangeKind::Edit, Op::EditService(want.service.clone()));
    }
    let wanted: HashMap<(IpAddr, u16), &Destination> = want.dests.iter().map(|d| (dest_id(d), d)).collect();
    // Destinations the file no longer has.
    for d in &have.dests {
        if !wanted.contains_key(&dest_id(d)) {
            plan.push(ChangeKind::Delete, Op::DelDest(key, d.addr, d.port));
        }
    }
    let kept: Vec<&Destination> = have
        .dests
        .iter()
        .filter(|d| wanted.contains_key(&dest_id(d)))
        .collect();
    let live_ids: HashSet<(IpAddr, u16)> = have.dests.iter().map(dest_id).collect();
    match target_order(want, opts) {
        Some(order) => {
            // Keep the longest tail of the live list that already ends the
            // target order; everything before it is (re-)added in reverse.
            let mut k = 0;
            while k < kept.len() && k < order.len() {
                let a = kept[kept.len() - 1 - k];
                let b = &order[order.len() - 1 - k];
                if dest_id(a) != dest_id(b) {
                    break;
                }
                k += 1;
            }
            let moved = &kept[..kept.len() - k];
            if !moved.is_empty() && !in_relative_order(&kept, &order) {
                plan.warnings.push(PlanWarning::NonCanonicalOrder {
                    service: key,
                    readded: moved.len(),
                });
            }
            for d in &kept[kept.len() - k..] {
                edit_dest(plan, key, d, wanted[&dest_id(d)]);
            }
            for d in moved {
                plan.push(ChangeKind::Delete, Op::DelDest(key, d.addr, d.port));
            }
            for d in order[..order.len() - k].iter().rev() {
                plan.push(ChangeKind::Add, Op::AddDest(key, d.clone()));
            }
        }
        None => {
            for d in &kept {
                edit_dest(plan, key, d, wanted[&dest_id(d)]);
            }
            for d in &want.dests {
                if !live_ids.contains(&dest_id(d)) {
                    plan.push(ChangeKind::Add, Op::AddDest(key, d.clone()));
                }
            }
        }
    }
}

fn edit_dest(plan: &mut Plan, key: ServiceKey, have: &Destination, want: &Destination) {
    if have != want {
        plan.push(ChangeKind::Edit, Op::EditDest(key, want.clone()));
    }
}

/// Whether the destinations of `kept` appear in `order` in the same
/// relative order.
fn in_relative_order(kept: &[&Destination], order: &[Destination]) -> bool {
    let pos: HashMap<(IpAddr, u16), usize> = order.iter().enumerate().map(|(i, d)| (dest_id(d), i)).collect();
    kept.windows(2)
        .all(|w| pos.get(&dest_id(w[0])) < pos.get(&dest_id(w[1])))
}

fn diff_daemons(plan: &mut Plan, have: &[SyncDaemon], want: &[SyncDaemon], prune: bool) {
    for state in [DaemonState::Master, DaemonState::Backup] {
        let h = have.iter().find(|d| d.state == state);
        let w = want.iter().find(|d| d.state == state);
        match (h, w) {
            (Some(h), Some(w)) if daemon_matches(w, h) => {}
            (Some(_), Some(w)) => {
                plan.push(ChangeKind::Delete, Op::StopDaemon(state));
                plan.push(ChangeKind::Add, Op::StartDaemon(w.clone()));
            }
            (None, Some(w)) => plan.push(ChangeKind::Add, Op::StartDaemon(w.clone())),
            (Some(_), None) if prune => plan.push(ChangeKind::Delete, Op::StopDaemon(state)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
