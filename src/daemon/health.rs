//! Health: from probe results to the table the kernel should have.
//!
//! Everything here is a pure function of the configuration, the probe
//! results handed in and the time passed in, so every rule below is
//! unit-tested with made-up time and no sockets:
//!
//! * **One probe per (server address, port, check).** [`Health`] keeps one
//!   [`CheckState`] per distinct probe and, for each real server of each
//!   service, the probes whose results it takes. Twenty services sharing a
//!   server cost one probe per interval.
//! * **Rise and fall.** A check goes down after `fall` failures in a row
//!   and up after `rise` successes in a row. A server is up when all its
//!   checks are up; a server with no check is static and always up.
//! * **Start without a flap.** A server already in the kernel with a
//!   weight counts as up, one at weight 0 as down, one not in the kernel
//!   as down until its first success (which alone brings it up). So a
//!   restart while health is unchanged sends the kernel nothing.
//! * **Quorum** (keepalived's rule): lost when the live weight (the sum of
//!   the weights of servers that are up and not drained) falls below
//!   `quorum - hysteresis` or reaches 0, regained at `quorum +
//!   hysteresis`. While it is lost the sorry server is in the table at
//!   weight 1 and the real servers stay at weight 0.
//! * **Slow start**: a server that comes back ramps linearly from 1 to its
//!   weight over `slow_start`.
//! * **Drain**: a drained server stays at weight 0 (never deleted) until
//!   undrained; a server a reload removed stays at weight 0 until it has
//!   no connection left or `drain_timeout` passes ([`Leaving`]).
//!
//! The daemon's loop hands results in ([`Health::record`]), asks for the
//! table ([`Health::desired`]) and sends it through the engine; the events
//! returned are what it logs and runs hooks for.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::check::{CheckSpec, Outcome, Server};
use super::config::{DaemonConfig, ManagedService, OnFailure};
use crate::ipvs::{Destination, ServiceKey};
use crate::state::table::{dest_id, ServiceSpec, Table};

/// Index of a probe in [`Health::probes`].
pub type ProbeId = usize;

/// What makes two probes the same probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProbeKey {
    /// The real server (`%h`, `%p`, and the default target).
    pub server: Server,
    /// The check (shared with the config's servers).
    pub spec: Arc<CheckSpec>,
}

/// Rise/fall state of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckState {
    /// Counts as passing.
    pub up: bool,
    /// Not yet probed: the first success alone brings it up.
    pub fresh: bool,
    /// Results in a row that disagree with `up`.
    pub streak: u32,
    /// The last result and when it came.
    pub last: Option<(Outcome, SystemTime)>,
}

impl CheckState {
    /// A check that starts `up` (or down), as its server was found.
    pub fn new(up: bool, fresh: bool) -> Self {
        CheckState {
            up,
            fresh,
            streak: 0,
            last: None,
        }
    }

    /// Counts one result; true when `up` changed.
    pub fn record(&mut self, o: &Outcome, at: SystemTime, rise: u32, fall: u32) -> bool {
        let fresh = std::mem::replace(&mut self.fresh, false);
        self.last = Some((o.clone(), at));
        if o.up == self.up {
            self.streak = 0;
            return false;
        }
        self.streak += 1;
        let needed = match (o.up, fresh) {
            (true, true) => 1,
            (true, false) => rise.max(1),
            (false, _) => fall.max(1),
        };
        if self.streak >= needed {
            self.up = o.up;
            self.streak = 0;
            true
        } else {
            false
        }
    }

    /// The weight a dynamic-weight check asks for, while it is up.
    pub fn weight(&self) -> Option<u32> {
        match &self.last {
            Some((o, _)) if self.up && o.up => o.weight,
            _ => None,
        }
    }
}

/// One probe and its state.
#[derive(Debug, Clone)]
pub struct Probe {
    /// What it is (the probe's task holds the same key).
    pub key: Arc<ProbeKey>,
    /// Its rise/fall state.
    pub state: CheckState,
    /// The (service index, server index) that take its results.
    pub users: Vec<(usize, usize)>,
}

/// State of one real server of one service.
#[derive(Debug, Clone)]
pub struct DestState {
    /// Its address and port (to find it again after a reload).
    pub id: (IpAddr, u16),
    /// Its probes (all must be up).
    pub probes: Vec<ProbeId>,
    /// Health as last computed.
    pub up: bool,
    /// When `up` last changed (the daemon's start otherwise).
    pub since: SystemTime,
    /// When it came back up, while `slow_start` ramps its weight.
    pub ramp_from: Option<Instant>,
}

/// State of one service.
#[derive(Debug, Clone)]
pub struct ServiceState {
    /// Its key (to find it again after a reload).
    pub key: ServiceKey,
    /// Quorum held.
    pub quorum_up: bool,
    /// Per real server, in file order.
    pub dests: Vec<DestState>,
}

/// A real server a reload removed, draining out at weight 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    /// Its service.
    pub service: ServiceKey,
    /// The server as it was configured (sent at weight 0).
    pub dest: Destination,
    /// Deleted at this time at the latest.
    pub until: Instant,
    /// The same, as wall-clock time (for status).
    pub until_wall: SystemTime,
}

/// What changed, for the log and the hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A server's checks all pass again.
    ServerUp {
        /// Index of the service in the config.
        service: usize,
        /// Index of the server in the service.
        dest: usize,
        /// The last probe's words.
        reason: String,
    },
    /// A check of the server failed `fall` times.
    ServerDown {
        /// Index of the service in the config.
        service: usize,
        /// Index of the server in the service.
        dest: usize,
        /// The last probe's words.
        reason: String,
    },
    /// Live weight reached `quorum + hysteresis`.
    QuorumGained {
        /// Index of the service.
        service: usize,
        /// Live weight now.
        live: u64,
    },
    /// Live weight fell below `quorum - hysteresis`, or to 0.
    QuorumLost {
        /// Index of the service.
        service: usize,
        /// Live weight now.
        live: u64,
    },
}

/// Health of everything a daemon manages.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// Every distinct probe.
    pub probes: Vec<Probe>,
    /// Per service of the config, in order.
    pub services: Vec<ServiceState>,
    /// Servers a reload removed, draining.
    pub leaving: Vec<Leaving>,
    /// Servers drained by hand: (service, address, port).
    pub drained: HashSet<(ServiceKey, IpAddr, u16)>,
    /// Servers switched off by hand (`daemon disable`, the status page):
    /// out of the table, still probed, until enabled.
    pub disabled: HashSet<(ServiceKey, IpAddr, u16)>,
    /// When the last slow-start ramp ends ([`Health::ramp_end`]).
    ramp_end: Option<Instant>,
}

/// The live table by service and server, for lookups in one step (a
/// file of 37,000 servers is read at every start and reload).
type LiveIndex<'a> = HashMap<(ServiceKey, (IpAddr, u16)), &'a Destination>;

fn live_index(live: &Table) -> LiveIndex<'_> {
    live.services
        .iter()
        .flat_map(|s| s.dests.iter().map(move |d| ((s.service.key, dest_id(d)), d)))
        .collect()
}

impl Health {
    /// Health at start: servers the kernel has with a weight are up, at
    /// weight 0 down, absent ones down until their first success. With a
    /// `previous` health (a reload), probes that still exist keep their
    /// state, servers that still exist their `since` and ramp, services
    /// their quorum, and servers the new file lacks start [`Leaving`]
    /// (`drain_timeout` from `now`).
    pub fn new(
        config: &DaemonConfig,
        live: &Table,
        previous: Option<&Health>,
        now: Instant,
        wall: SystemTime,
    ) -> Self {
        let mut probes: Vec<Probe> = Vec::new();
        let mut index: HashMap<ProbeKey, ProbeId> = HashMap::new();
        let old: HashMap<&ProbeKey, &Probe> = previous
            .map(|h| h.probes.iter().map(|p| (&*p.key, p)).collect())
            .unwrap_or_default();
        let in_live = live_index(live);
        let prev_services: HashMap<ServiceKey, &ServiceState> = previous
            .map(|h| h.services.iter().map(|x| (x.key, x)).collect())
            .unwrap_or_default();
        let drained = previous.map(|p| &p.drained);
        // How the kernel has each probe's servers, over every service that
        // shares the probe: up if any has it with a weight, down if all it
        // has are at weight 0; a drained server's 0 says nothing about its
        // health, and one the kernel lacks says nothing either.
        let mut votes: HashMap<ProbeKey, (bool, bool)> = HashMap::new();
        for s in &config.services {
            for md in &s.dests {
                let id = dest_id(&md.dest);
                let is_drained = drained.is_some_and(|d| d.contains(&(s.key, id.0, id.1)));
                let weight = in_live.get(&(s.key, id)).map(|d| d.weight);
                for spec in &md.checks {
                    let key = ProbeKey {
                        server: Server {
                            address: md.dest.addr,
                            port: md.dest.port,
                        },
                        spec: spec.clone(),
                    };
                    let v = votes.entry(key).or_default();
                    match weight {
                        Some(w) if w > 0 => v.0 = true,
                        Some(_) if !is_drained => v.1 = true,
                        _ => {}
                    }
                }
            }
        }
        let mut services = Vec::with_capacity(config.services.len());
        for (si, s) in config.services.iter().enumerate() {
            let prev_service = prev_services.get(&s.key);
            let prev_dests: HashMap<(IpAddr, u16), &DestState> = prev_service
                .map(|p| p.dests.iter().map(|d| (d.id, d)).collect())
                .unwrap_or_default();
            let mut dests = Vec::with_capacity(s.dests.len());
            for (di, md) in s.dests.iter().enumerate() {
                let server = Server {
                    address: md.dest.addr,
                    port: md.dest.port,
                };
                let mut ids = Vec::with_capacity(md.checks.len());
                for spec in &md.checks {
                    let key = ProbeKey {
                        server,
                        spec: spec.clone(),
                    };
                    let id = match index.get(&key) {
                        Some(id) => *id,
                        None => {
                            let state = match old.get(&key) {
                                Some(p) => p.state.clone(),
                                None => match votes.get(&key).copied().unwrap_or_default() {
                                    (true, _) => CheckState::new(true, false),
                                    (false, true) => CheckState::new(false, false),
                                    (false, false) => CheckState::new(false, true),
                                },
                            };
                            probes.push(Probe {
                                key: Arc::new(key.clone()),
                                state,
                                users: Vec::new(),
                            });
                            index.insert(key, probes.len() - 1);
                            probes.len() - 1
                        }
                    };
                    probes[id].users.push((si, di));
                    ids.push(id);
                }
                let up = ids.iter().all(|id| probes[*id].state.up);
                let prev = prev_dests.get(&dest_id(&md.dest));
                let (since, ramp_from) = match prev {
                    Some(p) if p.up == up => (p.since, p.ramp_from),
                    _ => (wall, None),
                };
                dests.push(DestState {
                    id: dest_id(&md.dest),
                    probes: ids,
                    up,
                    since,
                    ramp_from,
                });
            }
            services.push(ServiceState {
                key: s.key,
                quorum_up: false,
                dests,
            });
        }
        let mut h = Health {
            probes,
            services,
            leaving: Vec::new(),
            drained: previous.map(|p| p.drained.clone()).unwrap_or_default(),
            disabled: previous.map(|p| p.disabled.clone()).unwrap_or_default(),
            ramp_end: None,
        };
        for (si, s) in config.services.iter().enumerate() {
            for i in 0..h.services[si].dests.len() {
                if let Some(t) = h.services[si].dests[i].ramp_from {
                    h.ramp_started(t, s.policy.slow_start);
                }
            }
        }
        for (si, s) in config.services.iter().enumerate() {
            let live = h.live_weight(s, si);
            h.services[si].quorum_up = match prev_services.get(&s.key) {
                Some(p) => p.quorum_up,
                None => live > 0 && live >= u64::from(s.policy.quorum),
            };
        }
        if let Some(prev) = previous {
            let in_file: std::collections::HashSet<(ServiceKey, (IpAddr, u16))> = config
                .services
                .iter()
                .flat_map(|s| s.dests.iter().map(move |d| (s.key, dest_id(&d.dest))))
                .collect();
            let services_in_file: std::collections::HashSet<ServiceKey> =
                config.services.iter().map(|s| s.key).collect();
            h.leaving = prev
                .leaving
                .iter()
                .filter(|l| !in_file.contains(&(l.service, dest_id(&l.dest))))
                .cloned()
                .collect();
            let mut leaving: std::collections::HashSet<(ServiceKey, (IpAddr, u16))> =
                h.leaving.iter().map(|l| (l.service, dest_id(&l.dest))).collect();
            // Servers of services that stay whose server left the file:
            // drain them. (A service that left the file goes at once.)
            for ps in &prev.services {
                if !services_in_file.contains(&ps.key) {
                    continue;
                }
                for pd in &ps.dests {
                    if in_file.contains(&(ps.key, pd.id)) || !leaving.insert((ps.key, pd.id)) {
                        continue;
                    }
                    if let Some(d) = in_live.get(&(ps.key, pd.id)) {
                        let timeout = config.daemon.drain_timeout;
                        h.leaving.push(Leaving {
                            service: ps.key,
                            dest: (*d).clone(),
                            until: now + timeout,
                            until_wall: wall + timeout,
                        });
                    }
                }
            }
        }
        h
    }

    /// Sum of the weights of the service's servers that are up, not
    /// drained and not disabled.
    pub fn live_weight(&self, s: &ManagedService, si: usize) -> u64 {
        s.dests
            .iter()
            .zip(&self.services[si].dests)
            .filter(|(md, st)| {
                st.up && !self.is_drained(&s.key, &md.dest) && !self.is_disabled(&s.key, &md.dest)
            })
            .map(|(md, st)| u64::from(self.dynamic_weight(st).unwrap_or(md.dest.weight)))
            .sum()
    }

    /// Whether a server is drained by hand.
    pub fn is_drained(&self, key: &ServiceKey, d: &Destination) -> bool {
        self.drained.contains(&(*key, d.addr, d.port))
    }

    fn dynamic_weight(&self, st: &DestState) -> Option<u32> {
        st.probes
            .iter()
            .filter_map(|id| self.probes[*id].state.weight())
            .min()
    }

    /// Counts one probe result; returns what changed (server up/down,
    /// quorum), in that order.
    pub fn record(
        &mut self,
        config: &DaemonConfig,
        probe: ProbeId,
        outcome: &Outcome,
        now: Instant,
        wall: SystemTime,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(p) = self.probes.get_mut(probe) else {
            return events;
        };
        let weight_before = p.state.weight();
        let changed = p.state.record(outcome, wall, p.key.spec.rise, p.key.spec.fall);
        let weight_changed = p.state.weight() != weight_before;
        if !changed && !weight_changed {
            return events;
        }
        let users = p.users.clone();
        let mut touched: Vec<usize> = Vec::new();
        for (si, di) in users {
            let up = self.services[si].dests[di]
                .probes
                .iter()
                .all(|id| self.probes[*id].state.up);
            let st = &mut self.services[si].dests[di];
            if up != st.up {
                st.up = up;
                st.since = wall;
                let slow = config.services[si].policy.slow_start;
                st.ramp_from = (up && !slow.is_zero()).then_some(now);
                if st.ramp_from.is_some() {
                    self.ramp_started(now, slow);
                }
                let reason = outcome.reason.clone();
                events.push(if up {
                    Event::ServerUp {
                        service: si,
                        dest: di,
                        reason,
                    }
                } else {
                    Event::ServerDown {
                        service: si,
                        dest: di,
                        reason,
                    }
                });
            }
            if !touched.contains(&si) {
                touched.push(si);
            }
        }
        for si in touched {
            events.extend(self.update_quorum(config, si));
        }
        events
    }

    /// Re-evaluates a service's quorum; the transition, if any.
    pub fn update_quorum(&mut self, config: &DaemonConfig, si: usize) -> Option<Event> {
        let s = &config.services[si];
        let live = self.live_weight(s, si);
        let q = u64::from(s.policy.quorum);
        let h = u64::from(s.policy.hysteresis);
        let st = &mut self.services[si];
        if st.quorum_up && (live < q.saturating_sub(h) || live == 0) {
            st.quorum_up = false;
            return Some(Event::QuorumLost { service: si, live });
        }
        if !st.quorum_up && live > 0 && live >= q + h {
            st.quorum_up = true;
            return Some(Event::QuorumGained { service: si, live });
        }
        None
    }

    /// Whether a server is switched off by hand.
    pub fn is_disabled(&self, key: &ServiceKey, d: &Destination) -> bool {
        self.disabled.contains(&(*key, d.addr, d.port))
    }

    /// Disables or enables a server by hand; false if nothing changed.
    pub fn set_disabled(&mut self, key: ServiceKey, addr: IpAddr, port: u16, disabled: bool) -> bool {
        if disabled {
            self.disabled.insert((key, addr, port))
        } else {
            self.disabled.remove(&(key, addr, port))
        }
    }

    /// Drains or undrains a server by hand; false if nothing changed.
    pub fn set_drained(&mut self, key: ServiceKey, addr: IpAddr, port: u16, drained: bool) -> bool {
        if drained {
            self.drained.insert((key, addr, port))
        } else {
            self.drained.remove(&(key, addr, port))
        }
    }

    /// The weight a server gets now: its configured (or dynamic) weight,
    /// ramped while it slow-starts.
    fn weight_now(&self, s: &ManagedService, st: &DestState, configured: u32, now: Instant) -> u32 {
        let w = self.dynamic_weight(st).unwrap_or(configured);
        match st.ramp_from {
            Some(t) if w > 0 && !s.policy.slow_start.is_zero() => {
                let elapsed = now.saturating_duration_since(t);
                if elapsed >= s.policy.slow_start {
                    w
                } else {
                    let part = u128::from(w) * elapsed.as_millis();
                    let total = s.policy.slow_start.as_millis().max(1);
                    (part.div_ceil(total) as u32).clamp(1, w)
                }
            }
            _ => w,
        }
    }

    /// Whether a weight is still ramping at `now`.
    pub fn ramping(&self, now: Instant) -> bool {
        self.ramp_end.is_some_and(|t| now < t)
    }

    /// When the last ramp under way ends (kept as ramps start: the loop
    /// asks after every result, and must not walk every server). The loop
    /// asks for the table every [`RAMP_STEP`] while there is one.
    pub fn ramp_end(&self) -> Option<Instant> {
        self.ramp_end
    }

    /// Called with the time of a table the kernel took: once that was at
    /// or after the last ramp's end, the full weights are in, and the
    /// ramp is forgotten (not before: a busy loop that missed the steps
    /// around the end still sends the full weight).
    pub fn ramps_over(&mut self, sent_at: Instant) {
        if !self.ramping(sent_at) {
            self.ramp_end = None;
        }
    }

    fn ramp_started(&mut self, from: Instant, slow_start: Duration) {
        let end = from + slow_start;
        if self.ramp_end.is_none_or(|t| t < end) {
            self.ramp_end = Some(end);
        }
    }

    /// The table the kernel should have now: the file's services with each
    /// real server's weight (or absence) decided by its health, drains,
    /// quorum and slow start; servers leaving at weight 0; sorry servers
    /// in while quorum is lost.
    pub fn desired(&self, config: &DaemonConfig, now: Instant) -> Table {
        let file = &config.desired.table;
        let mut out = Table {
            services: Vec::with_capacity(file.services.len()),
            timeouts: None,
            daemons: None,
            sysctls: None,
        };
        let specs: HashMap<ServiceKey, &ServiceSpec> =
            file.services.iter().map(|x| (x.service.key, x)).collect();
        for (si, s) in config.services.iter().enumerate() {
            let st = &self.services[si];
            let Some(spec) = specs.get(&s.key) else {
                continue;
            };
            let lost = !st.quorum_up;
            // Not while a server has not been probed yet (a cold start
            // into an empty table): its first result decides, and clients
            // are not sent to the sorry server in the meantime.
            let warming = st
                .dests
                .iter()
                .any(|d| d.probes.iter().any(|p| self.probes[*p].state.fresh));
            let sorry_in = lost && s.policy.sorry_server.is_some() && !warming;
            let mut dests = Vec::with_capacity(s.dests.len() + 1);
            for (md, ds) in s.dests.iter().zip(&st.dests) {
                let mut d = md.dest.clone();
                if self.is_disabled(&s.key, &d) {
                    continue;
                }
                if self.is_drained(&s.key, &d) {
                    d.weight = 0;
                } else if !ds.up {
                    match s.policy.on_failure {
                        OnFailure::Quiesce => d.weight = 0,
                        OnFailure::Remove => continue,
                    }
                } else if sorry_in {
                    d.weight = 0;
                } else {
                    d.weight = self.weight_now(s, ds, md.dest.weight, now);
                }
                dests.push(d);
            }
            for l in self.leaving.iter().filter(|l| l.service == s.key) {
                if dests.iter().any(|d| dest_id(d) == dest_id(&l.dest)) {
                    continue;
                }
                let mut d = l.dest.clone();
                d.weight = 0;
                dests.push(d);
            }
            if sorry_in {
                if let Some(sorry) = &s.policy.sorry_server {
                    if !dests.iter().any(|d| dest_id(d) == dest_id(sorry)) {
                        dests.push(sorry.clone());
                    }
                }
            }
            out.services.push(ServiceSpec {
                service: spec.service.clone(),
                dests,
            });
        }
        out
    }

    /// Ends the drain of leaving servers that have no connection left
    /// (`conns` gives active and inactive counts for a service's server,
    /// `None` when the kernel no longer has it) or whose time is up;
    /// returns those that ended.
    pub fn leaving_done(&mut self, now: Instant, conns: &ConnCount<'_>) -> Vec<Leaving> {
        let mut done = Vec::new();
        self.leaving.retain(|l| {
            let udp = matches!(
                l.service,
                ServiceKey::Addr {
                    protocol: crate::ipvs::Protocol::Udp,
                    ..
                }
            );
            let finished = match conns(&l.service, dest_id(&l.dest)) {
                None => true,
                Some((active, inactive)) => active == 0 && (!udp || inactive == 0),
            };
            if finished || now >= l.until {
                done.push(l.clone());
                false
            } else {
                true
            }
        });
        done
    }
}

/// Active and inactive connections of a service's server, `None` when
/// the kernel no longer has it.
pub type ConnCount<'a> = dyn Fn(&ServiceKey, (IpAddr, u16)) -> Option<(u32, u32)> + 'a;

/// How often a ramping weight is recomputed.
pub const RAMP_STEP: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests;
