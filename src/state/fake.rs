//! An in-memory IPVS kernel for unit tests of the engine: rollback, `mh`
//! order and minimal plans, in milliseconds and on any machine. It is
//! never counted as integration: the VM tests prove the same things
//! against the real kernel.
//!
//! What it reproduces of the kernel, because the engine depends on it:
//!
//! * services are listed in an order that depends on their keys only, not
//!   on when they were added (the kernel walks its hash buckets), so a
//!   service deleted and re-added by a rollback is where it was;
//! * new destinations go to the **head** of a service's list (so a plan's
//!   order of adds decides the listing order, which `mh` needs);
//! * services are reported with the kernel's `HASHED` flag set, and a
//!   request carrying it is refused (the real kernel accepts it and leaves
//!   the service unreachable; loud is better in a test);
//! * changes are sent in **batches** and a refused message does not stop
//!   the rest of its batch, only the following batches when the engine
//!   asks so ([`Backend::push`]);
//! * deleted destinations go to a **trash** list and come back from it
//!   when added again (the kernel keeps them while connections may still
//!   refer to them; [`FakeKernel::trash_len`] shows it);
//! * the kernel's errnos for the usual mistakes (`EEXIST`, `ESRCH`,
//!   `ENOENT` for an unknown scheduler or a missing destination).
//!
//! Refusals can be injected by rule ([`FakeKernel::refuse`], the change
//! written as ipvsadm's rule, e.g. `-a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1`)
//! or for a sysctl ([`FakeKernel::refuse_sysctl`]).

use std::collections::BTreeMap;
use std::io;

use super::backend::{Backend, Results};
use super::table::{dest_id, SYSCTLS};
use crate::ipvs::{
    DaemonState, DestEntry, Destination, IpvsError, Op, Service, ServiceEntry, ServiceFlags, ServiceKey,
    Stats, SyncDaemon, Timeouts,
};
use crate::netlink::NetlinkError;

/// Schedulers the fake knows (those of Debian's 6.1 kernel).
pub use crate::ipvs::names::SCHEDULERS;

/// An in-memory kernel. See the module docs.
#[derive(Debug, Clone)]
pub struct FakeKernel {
    services: Vec<(Service, Vec<Destination>)>,
    trash: Vec<(ServiceKey, Destination)>,
    timeouts: Timeouts,
    daemons: Vec<SyncDaemon>,
    sysctls: BTreeMap<String, i64>,
    refuse: Vec<(String, i32)>,
    refuse_sysctl: Vec<String>,
    batch: usize,
    /// How many batches were sent, for tests of the engine's sends.
    pub sends: usize,
    /// How many changes were processed.
    pub messages: usize,
}

impl Default for FakeKernel {
    fn default() -> Self {
        FakeKernel {
            services: Vec::new(),
            trash: Vec::new(),
            timeouts: super::table::DEFAULT_TIMEOUTS,
            daemons: Vec::new(),
            // Every known net.ipv4.vs setting at the kernel's default
            // (`sync_qlen_max`, whose default depends on memory, as 0).
            sysctls: crate::host::sysctl::VS_SYSCTLS
                .iter()
                .map(|s| (s.name.to_string(), s.default.unwrap_or(0)))
                .chain(SYSCTLS.iter().map(|(n, v)| (n.to_string(), *v)))
                .collect(),
            refuse: Vec::new(),
            refuse_sysctl: Vec::new(),
            batch: 1024,
            sends: 0,
            messages: 0,
        }
    }
}

fn kernel_error(errno: i32) -> IpvsError {
    IpvsError::Netlink(NetlinkError::Kernel { errno, extack: None })
}

impl FakeKernel {
    /// An empty kernel with the default timeouts and sysctls.
    pub fn new() -> Self {
        Self::default()
    }

    /// A kernel that holds `table`'s services and destinations exactly as
    /// listed (destination order included), timeouts and daemons too.
    pub fn with_table(table: &super::Table) -> Self {
        let mut k = FakeKernel::new();
        k.services = table
            .services
            .iter()
            .map(|s| (s.service.clone(), s.dests.clone()))
            .collect();
        if let Some(t) = table.timeouts {
            k.timeouts = t;
        }
        k.daemons = table.daemons.clone().unwrap_or_default();
        k
    }

    /// Changes per batch (the real client packs up to 1024 per send).
    pub fn with_batch(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self
    }

    /// Refuses the change whose ipvsadm rule is `rule` with `errno`.
    pub fn refuse(&mut self, rule: &str, errno: i32) {
        self.refuse.push((rule.to_string(), errno));
    }

    /// Makes writing `net.ipv4.vs.<name>` fail.
    pub fn refuse_sysctl(&mut self, name: &str) {
        self.refuse_sysctl.push(name.to_string());
    }

    /// How many deleted destinations the trash holds.
    pub fn trash_len(&self) -> usize {
        self.trash.len()
    }

    /// The `net.ipv4.vs.*` values.
    pub fn sysctls(&self) -> &BTreeMap<String, i64> {
        &self.sysctls
    }

    /// Applies one change as the kernel would.
    pub fn execute(&mut self, op: &Op) -> Result<(), IpvsError> {
        self.messages += 1;
        if let Some((_, errno)) = self
            .refuse
            .iter()
            .find(|(rule, _)| *rule == crate::ipvsadm::rules::op_rule(op))
        {
            return Err(kernel_error(*errno));
        }
        match op {
            Op::AddService(s) => {
                check_service(s)?;
                if self.find(&s.key).is_some() {
                    return Err(kernel_error(libc::EEXIST));
                }
                self.services.push((s.clone(), Vec::new()));
            }
            Op::EditService(s) => {
                check_service(s)?;
                let i = self.find(&s.key).ok_or(kernel_error(libc::ESRCH))?;
                self.services[i].0 = s.clone();
            }
            Op::DelService(k) => {
                let i = self.find(k).ok_or(kernel_error(libc::ESRCH))?;
                let (s, dests) = self.services.remove(i);
                self.trash.extend(dests.into_iter().map(|d| (s.key, d)));
            }
            Op::Flush => {
                for (s, dests) in std::mem::take(&mut self.services) {
                    self.trash.extend(dests.into_iter().map(|d| (s.key, d)));
                }
            }
            Op::AddDest(k, d) => {
                let i = self.find(k).ok_or(kernel_error(libc::ESRCH))?;
                let dests = &mut self.services[i].1;
                if dests.iter().any(|x| dest_id(x) == dest_id(d)) {
                    return Err(kernel_error(libc::EEXIST));
                }
                self.trash
                    .retain(|(tk, td)| !(tk == k && dest_id(td) == dest_id(d)));
                dests.insert(0, d.clone());
            }
            Op::EditDest(k, d) => {
                let i = self.find(k).ok_or(kernel_error(libc::ESRCH))?;
                let x = self.services[i]
                    .1
                    .iter_mut()
                    .find(|x| dest_id(x) == dest_id(d))
                    .ok_or(kernel_error(libc::ENOENT))?;
                *x = d.clone();
            }
            Op::DelDest(k, addr, port) => {
                let i = self.find(k).ok_or(kernel_error(libc::ESRCH))?;
                let dests = &mut self.services[i].1;
                let j = dests
                    .iter()
                    .position(|x| dest_id(x) == (*addr, *port))
                    .ok_or(kernel_error(libc::ENOENT))?;
                let d = dests.remove(j);
                self.trash.push((*k, d));
            }
            Op::Zero(_) => {}
            Op::SetTimeouts(t) => {
                // 0 keeps the current value, as in the kernel.
                let keep = |new: u32, old: u32| if new == 0 { old } else { new };
                self.timeouts = Timeouts {
                    tcp: keep(t.tcp, self.timeouts.tcp),
                    tcp_fin: keep(t.tcp_fin, self.timeouts.tcp_fin),
                    udp: keep(t.udp, self.timeouts.udp),
                };
            }
            Op::StartDaemon(d) => {
                if self.daemons.iter().any(|x| x.state == d.state) {
                    return Err(kernel_error(libc::EEXIST));
                }
                self.daemons.push(d.clone());
            }
            Op::StopDaemon(state) => {
                let n = self.daemons.len();
                self.daemons.retain(|x| x.state != *state);
                if self.daemons.len() == n {
                    return Err(kernel_error(libc::ESRCH));
                }
            }
        }
        Ok(())
    }

    fn find(&self, key: &ServiceKey) -> Option<usize> {
        self.services.iter().position(|(s, _)| s.key == *key)
    }
}

/// Where a service sits in the fake's listing: by key, firewall marks
/// last (a stand-in for the kernel's hash buckets).
fn bucket_order(k: &ServiceKey) -> (u8, u16, std::net::IpAddr, u16, u32) {
    match *k {
        ServiceKey::Addr { protocol, addr, port } => (0, protocol.raw(), addr, port, 0),
        ServiceKey::Fwmark { af, mark } => (1, 0, crate::ipvs::unspecified(af), 0, mark),
    }
}

fn check_service(s: &Service) -> Result<(), IpvsError> {
    if s.flags.has(ServiceFlags::HASHED) {
        return Err(kernel_error(libc::EINVAL));
    }
    if !SCHEDULERS.contains(&s.scheduler.as_str()) {
        return Err(kernel_error(libc::ENOENT));
    }
    Ok(())
}

impl Backend for FakeKernel {
    fn table(&mut self) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, IpvsError> {
        let mut order: Vec<&(Service, Vec<Destination>)> = self.services.iter().collect();
        order.sort_by_key(|(s, _)| bucket_order(&s.key));
        Ok(order
            .into_iter()
            .map(|(s, dests)| {
                let mut service = s.clone();
                service.flags.0 |= ServiceFlags::HASHED;
                let entry = ServiceEntry {
                    service,
                    stats: Stats::default(),
                };
                let dests = dests
                    .iter()
                    .map(|d| DestEntry {
                        dest: d.clone(),
                        active_conns: 0,
                        inact_conns: 0,
                        persist_conns: 0,
                        stats: Stats::default(),
                    })
                    .collect();
                (entry, dests)
            })
            .collect())
    }

    fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        Ok(self.timeouts)
    }

    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        let mut d = self.daemons.clone();
        d.sort_by_key(|d| d.state == DaemonState::Backup);
        Ok(d)
    }

    fn push(
        &mut self,
        ops: &mut dyn Iterator<Item = &Op>,
        stop_after_refusal: bool,
    ) -> Result<Results, IpvsError> {
        let mut results = Vec::new();
        let mut in_batch = 0;
        let mut refused_in_batch = false;
        for op in ops {
            if in_batch == 0 {
                self.sends += 1;
            }
            let r = self.execute(op);
            refused_in_batch |= r.is_err();
            results.push(r);
            in_batch += 1;
            if in_batch == self.batch {
                in_batch = 0;
                if refused_in_batch && stop_after_refusal {
                    break;
                }
                refused_in_batch = false;
            }
        }
        Ok(results)
    }

    fn read_sysctl(&mut self, name: &str) -> io::Result<i64> {
        self.sysctls
            .get(name)
            .copied()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn write_sysctl(&mut self, name: &str, value: i64) -> io::Result<()> {
        if self.refuse_sysctl.iter().any(|n| n == name) {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        match self.sysctls.get_mut(name) {
            Some(v) => {
                *v = value;
                Ok(())
            }
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
}
