//! The daemon's VRRP thread: every `[[vrrp]]` instance, its socket, its
//! timers, its VIPs and announcements.
//!
//! Why a thread of its own: an advert that comes late by more than the
//! skew makes the Backup take over while the Master is fine, so nothing
//! that runs checks, answers the control socket or talks to IPVS may
//! stand between a timer and its advert. The thread waits in `poll(2)` on
//! the instances' raw sockets, one rtnetlink subscription (links for
//! faults, addresses for VIPs removed by hand) and a wake-up socket for
//! commands from the daemon's loop, with the nearest timer as its
//! timeout; the state machines ([`crate::vrrp::machine`]) decide, this
//! module carries their actions out and keeps the counters status shows.
//!
//! Decisions an operator would otherwise have to guess:
//! * A VIP removed by hand while Master is put back and announced again,
//!   with a warning. keepalived steps down to Backup instead, which moves
//!   the site to the other director only for this one to preempt it back
//!   (a flap of both); the planned way to give up mastership is
//!   `lvsctl daemon vrrp release`.
//! * A peer whose adverts disagree with ours is reported (log and status:
//!   its address and what differs). Adverts of another version, or (v2)
//!   another interval or password, are dropped as keepalived drops them;
//!   a different VIP list, a v3 interval or checksum form is accepted, as
//!   RFC 9568 §7.1 allows and keepalived 2.3.3 does: a Backup that follows
//!   a Master it disagrees with still leaves one Master.
//! * The instance's own interface is always tracked: missing, down or
//!   without carrier is Fault, as in keepalived.
//! * On start, VIPs of the instances found on their devices (left by a
//!   run that was killed) are removed before anything is sent: a Backup
//!   must not answer for them.

pub mod config;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use config::{Instance, SyncGroup};

use super::log::Log;
use super::proto::{VrrpPeer, VrrpStatus};
use crate::arp::{self, Announcer, GarpForm, Iface, Schedule};
use crate::host::net::is_link_local_v6;
use crate::host::rtnl::{Rtnl, RtnlEvent, RtnlEvents};
use crate::ipvs::ServiceKey;
use crate::netlink::EventWait;
use crate::vrrp::machine::{Action, Input, Machine, Params, State};
use crate::vrrp::packet::{self, Advert, Auth, Checksum, Version};
use crate::vrrp::socket::{self, Meta, VrrpSocket, MAX_PACKET};

/// What the daemon's loop asks of the thread.
#[derive(Debug)]
enum Command {
    /// `vrrp release` / `vrrp resume` of an instance.
    Release(String, bool, tokio::sync::oneshot::Sender<Result<(), String>>),
    /// The services whose quorum is lost now, and those whose first
    /// checks have not all answered yet (their quorum is not known).
    Quorum(HashSet<ServiceKey>, HashSet<ServiceKey>),
    /// Stop: priority 0 from every Master, VIPs removed.
    Stop,
}

/// The running thread.
#[derive(Debug)]
pub struct VrrpHandle {
    tx: Sender<Command>,
    wake: UnixDatagram,
    thread: Option<JoinHandle<()>>,
    status: Arc<Mutex<Vec<VrrpStatus>>>,
    /// Whether the instance with the `sync_daemon` is Master: the
    /// daemon's loop makes the kernel's sync daemon follow it.
    role: tokio::sync::watch::Receiver<bool>,
}

impl VrrpHandle {
    /// Starts the thread for `instances` (none: no thread).
    pub fn start(
        instances: Vec<Instance>,
        groups: &[SyncGroup],
        log: Arc<Log>,
        notify_ids: Option<(u32, u32)>,
    ) -> std::io::Result<Option<VrrpHandle>> {
        if instances.is_empty() {
            return Ok(None);
        }
        let (tx, rx) = mpsc::channel();
        let (wake, waker) = UnixDatagram::pair()?;
        waker.set_nonblocking(true)?;
        let status = Arc::new(Mutex::new(Vec::new()));
        let shared = status.clone();
        let (role_tx, role) = tokio::sync::watch::channel(false);
        // Members by index; names were checked against the instances.
        let groups: Vec<(String, Vec<usize>)> = groups
            .iter()
            .map(|g| {
                let members = g
                    .instances
                    .iter()
                    .filter_map(|n| instances.iter().position(|i| &i.name == n))
                    .collect();
                (g.name.clone(), members)
            })
            .collect();
        let thread = std::thread::Builder::new()
            .name("lvsctl-vrrp".into())
            .spawn(move || {
                let mut t = Thread::new(instances, groups, log, notify_ids, rx, waker, shared);
                t.role = Some(role_tx);
                t.run();
            })?;
        Ok(Some(VrrpHandle {
            tx,
            wake,
            thread: Some(thread),
            status,
            role,
        }))
    }

    /// A handle with no thread behind it, whose role the test sets (the
    /// daemon loop's tests).
    #[cfg(test)]
    pub(crate) fn detached() -> (VrrpHandle, tokio::sync::watch::Sender<bool>) {
        let (tx, _) = mpsc::channel();
        let (wake, _) = UnixDatagram::pair().expect("a socket pair");
        let (role_tx, role) = tokio::sync::watch::channel(false);
        let handle = VrrpHandle {
            tx,
            wake,
            thread: None,
            status: Arc::new(Mutex::new(Vec::new())),
            role,
        };
        (handle, role_tx)
    }

    fn send(&self, c: Command) {
        let _ = self.tx.send(c);
        let _ = self.wake.send(&[1]);
    }

    /// Releases (or resumes) an instance; waits for the thread's answer
    /// without holding up the loop (probes share its thread).
    pub async fn release(&self, name: &str, on: bool) -> Result<(), String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Command::Release(name.to_string(), on, tx));
        match tokio::time::timeout(Duration::from_secs(5), rx).await {
            Ok(Ok(r)) => r,
            _ => Err("the VRRP thread did not answer".into()),
        }
    }

    /// Tells the thread which services lost quorum, and which are still
    /// waiting for their first check results. An instance tracking one of
    /// the latter stays in Initialize (silent, no VIP) until they answer:
    /// a director that has not yet checked its real servers neither
    /// preempts a healthy peer nor calls its quorum lost.
    pub fn quorum(&self, lost: HashSet<ServiceKey>, pending: HashSet<ServiceKey>) {
        self.send(Command::Quorum(lost, pending));
    }

    /// Whether the sync daemon's role is master now (its instance is
    /// Master).
    pub fn sync_master(&self) -> bool {
        *self.role.borrow()
    }

    /// Changes of [`VrrpHandle::sync_master`], for the daemon's loop.
    pub fn sync_role(&self) -> tokio::sync::watch::Receiver<bool> {
        self.role.clone()
    }

    /// The instances as the thread last published them.
    pub fn status(&self) -> Vec<VrrpStatus> {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Stops the thread: Masters send priority 0 and drop their VIPs.
    pub fn stop(mut self) {
        self.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A peer as heard.
#[derive(Debug, Clone, Default)]
struct Peer {
    priority: u8,
    last_seen: Option<SystemTime>,
    differs: Vec<String>,
    adverts: u64,
}

/// Routers remembered per instance: a link normally has two or three;
/// more come only from a misconfigured or hostile network, and forgetting
/// the longest-silent one keeps spoofed sources from growing the table.
const MAX_PEERS: usize = 16;

/// The entry of `src` in an instance's peers, made room for if new.
fn peer(peers: &mut BTreeMap<IpAddr, Peer>, src: IpAddr) -> &mut Peer {
    if !peers.contains_key(&src) && peers.len() >= MAX_PEERS {
        let oldest = peers.iter().min_by_key(|(_, p)| p.last_seen).map(|(a, _)| *a);
        if let Some(a) = oldest {
            peers.remove(&a);
        }
    }
    peers.entry(src).or_default()
}

/// One instance at run time.
struct Run {
    cfg: Instance,
    machine: Machine,
    socket: Option<VrrpSocket>,
    /// The advert's source, our tie-break address.
    primary: Option<IpAddr>,
    /// Why it is in Fault (empty: it is not).
    faults: BTreeSet<String>,
    /// Held in Initialize until the first check results of its tracked
    /// services are in (see [`VrrpHandle::quorum`]).
    held: bool,
    /// Announcers of the current takeover, and when it started.
    garp: Vec<Announcer>,
    garp_start: Option<Instant>,
    garp_sent: u32,
    refresh_at: Option<Instant>,
    since: SystemTime,
    sent: u64,
    received: u64,
    dropped: u64,
    transitions: u64,
    late_max: Duration,
    last_error: Option<String>,
    peers: BTreeMap<IpAddr, Peer>,
}

impl Run {
    fn params(cfg: &Instance, primary: IpAddr) -> Params {
        Params {
            version: cfg.version,
            priority: cfg.priority,
            interval: cfg.advert_interval,
            preempt: cfg.preempt,
            preempt_delay: cfg.preempt_delay,
            primary,
        }
    }

    fn schedule(&self) -> Schedule {
        let s = Schedule::new(self.cfg.garp.count, self.cfg.garp.interval);
        if self.cfg.garp.repeat_after.is_zero() {
            s
        } else {
            s.repeated_after(self.cfg.garp.repeat_after)
        }
    }

    fn advert(&self, priority: u8) -> Advert {
        Advert {
            version: self.cfg.version,
            vrid: self.cfg.vrid,
            priority,
            interval_cs: (self.cfg.advert_interval.as_millis() / 10).min(u128::from(u16::MAX)) as u16,
            addrs: self.cfg.vips.iter().map(|v| v.addr).collect(),
            auth: match self.cfg.auth_pass {
                Some(p) => Auth::Password(p),
                None => Auth::None,
            },
        }
    }

    fn destinations(&self) -> Vec<IpAddr> {
        if self.cfg.unicast_peers.is_empty() {
            vec![socket::group(self.cfg.v6())]
        } else {
            self.cfg.unicast_peers.clone()
        }
    }
}

/// What an accepted advert's comparison with ours found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the state machine gets it.
    pub accept: bool,
    /// What differs from our settings, in words.
    pub differs: Vec<String>,
}

/// Compares a received advert with the instance's settings (keepalived
/// 2.2.7's receive checks, see the module docs for which are fatal).
pub fn judge(cfg: &Instance, meta: &Meta, a: &Advert, form: Option<Checksum>) -> Verdict {
    let mut differs = Vec::new();
    let mut accept = true;
    let unicast = !cfg.unicast_peers.is_empty();
    if !unicast && meta.ttl != socket::TTL {
        differs.push(format!("TTL {} (must be 255)", meta.ttl));
        accept = false;
    }
    let multicast_dst = meta.dst == socket::group(cfg.v6());
    if unicast && multicast_dst {
        differs.push("multicast adverts (we use unicast peers)".into());
        accept = false;
    }
    if !unicast && !multicast_dst {
        differs.push("unicast adverts (we use multicast)".into());
        accept = false;
    }
    if unicast && !cfg.unicast_peers.contains(&meta.src) {
        differs.push("not one of our unicast peers".into());
        accept = false;
    }
    if a.version != cfg.version {
        let v = |v: Version| if v == Version::V2 { 2 } else { 3 };
        differs.push(format!("version {} (ours {})", v(a.version), v(cfg.version)));
        accept = false;
    }
    let ours_cs = (cfg.advert_interval.as_millis() / 10) as u16;
    if a.interval_cs != ours_cs {
        differs.push(format!(
            "advert interval {} (ours {})",
            super::duration::show(Duration::from_millis(u64::from(a.interval_cs) * 10)),
            super::duration::show(cfg.advert_interval)
        ));
        if a.version == Version::V2 {
            accept = false;
        }
    }
    if a.version == Version::V2 {
        let want = match cfg.auth_pass {
            Some(p) => Auth::Password(p),
            None => Auth::None,
        };
        if a.auth != want {
            differs.push("authentication differs".into());
            accept = false;
        }
    }
    let theirs: HashSet<IpAddr> = a.addrs.iter().copied().collect();
    let ours: HashSet<IpAddr> = cfg.vips.iter().map(|v| v.addr).collect();
    if theirs != ours {
        let mut missing: Vec<String> = ours.difference(&theirs).map(|a| a.to_string()).collect();
        let mut extra: Vec<String> = theirs.difference(&ours).map(|a| a.to_string()).collect();
        missing.sort();
        extra.sort();
        let mut d = String::from("VIP list differs:");
        if !missing.is_empty() {
            d += &format!(" missing {}", missing.join(","));
        }
        if !extra.is_empty() {
            d += &format!(" extra {}", extra.join(","));
        }
        differs.push(d);
    }
    if let Some(f) = form {
        if a.version == Version::V3 && f != cfg.checksum {
            let name = |c: Checksum| match c {
                Checksum::Keepalived => "keepalived",
                Checksum::Rfc9568 => "rfc9568",
            };
            differs.push(format!("checksum form {} (ours {})", name(f), name(cfg.checksum)));
        }
    }
    Verdict { accept, differs }
}

/// The thread's state.
struct Thread {
    runs: Vec<Run>,
    /// Sync groups: name and members.
    groups: Vec<(String, Vec<usize>)>,
    log: Arc<Log>,
    notify_ids: Option<(u32, u32)>,
    rx: Receiver<Command>,
    waker: UnixDatagram,
    shared: Arc<Mutex<Vec<VrrpStatus>>>,
    rtnl: Option<Rtnl>,
    events: Option<RtnlEvents>,
    lost: HashSet<ServiceKey>,
    children: Vec<(Child, Instant, String)>,
    stopping: bool,
    /// Tells the daemon's loop whether the sync daemon's instance is
    /// Master (`None` in unit tests).
    role: Option<tokio::sync::watch::Sender<bool>>,
}

/// How fault reasons a sync group gives its members start.
const GROUP_FAULT: &str = "sync group ";

/// A notify that runs longer is killed.
const NOTIFY_LIMIT: Duration = Duration::from_secs(60);

impl Thread {
    fn new(
        instances: Vec<Instance>,
        groups: Vec<(String, Vec<usize>)>,
        log: Arc<Log>,
        notify_ids: Option<(u32, u32)>,
        rx: Receiver<Command>,
        waker: UnixDatagram,
        shared: Arc<Mutex<Vec<VrrpStatus>>>,
    ) -> Thread {
        let now = SystemTime::now();
        let runs = instances
            .into_iter()
            .map(|cfg| {
                let primary = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
                Run {
                    machine: Machine::new(Run::params(&cfg, primary)),
                    held: !cfg.track_services.is_empty(),
                    cfg,
                    socket: None,
                    primary: None,
                    faults: BTreeSet::new(),
                    garp: Vec::new(),
                    garp_start: None,
                    garp_sent: 0,
                    refresh_at: None,
                    since: now,
                    sent: 0,
                    received: 0,
                    dropped: 0,
                    transitions: 0,
                    late_max: Duration::ZERO,
                    last_error: None,
                    peers: BTreeMap::new(),
                }
            })
            .collect();
        let mut t = Thread {
            runs,
            groups,
            log,
            notify_ids,
            rx,
            waker,
            shared,
            rtnl: None,
            events: None,
            lost: HashSet::new(),
            children: Vec::new(),
            stopping: false,
            role: None,
        };
        for k in 0..t.runs.len() {
            t.runs[k].held = !t.tracked(k).is_empty();
        }
        t
    }

    fn run(&mut self) {
        match Rtnl::open() {
            Ok(r) => self.rtnl = Some(r),
            Err(e) => self.log.error("VRRP: rtnetlink", &[("error", &e.to_string())]),
        }
        match RtnlEvents::subscribe() {
            Ok(e) => self.events = Some(e),
            Err(e) => self
                .log
                .error("VRRP: link and address events", &[("error", &e.to_string())]),
        }
        for k in 0..self.runs.len() {
            self.remove_stale(k);
            self.bring_up(k, Instant::now());
        }
        self.publish();
        let mut buf = vec![0u8; MAX_PACKET];
        while !self.stopping {
            let now = Instant::now();
            for k in 0..self.runs.len() {
                self.tick(k, now);
            }
            self.reap();
            self.publish();
            let timeout = self.timeout(Instant::now());
            let ready = self.wait(timeout);
            for fd in ready {
                if fd == self.waker.as_raw_fd() {
                    self.commands();
                } else if self.events.as_ref().is_some_and(|e| e.as_raw_fd() == fd) {
                    self.rtnl_events();
                } else if let Some(k) = self
                    .runs
                    .iter()
                    .position(|r| r.socket.as_ref().is_some_and(|s| s.as_raw_fd() == fd))
                {
                    self.receive(k, &mut buf);
                }
            }
        }
        let now = Instant::now();
        for k in 0..self.runs.len() {
            let acts = self.runs[k].machine.handle(now, Input::Shutdown);
            self.act(k, acts, now);
        }
        self.publish();
        // Notifies of the stop get their time, within reason.
        let until = Instant::now() + Duration::from_secs(2);
        while !self.children.is_empty() && Instant::now() < until {
            self.reap();
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The nearest timer (adverts, GARP frames, the notify reaper).
    fn timeout(&self, now: Instant) -> Duration {
        let mut next: Option<Instant> = None;
        let mut at = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for r in &self.runs {
            at(r.machine.deadline());
            if let Some(start) = r.garp_start {
                at(r.schedule().due(r.garp_sent).map(|d| start + d));
            }
            at(r.refresh_at);
        }
        if !self.children.is_empty() {
            at(Some(now + Duration::from_millis(200)));
        }
        match next {
            Some(t) => t.saturating_duration_since(now),
            None => Duration::from_secs(1),
        }
    }

    /// Polls the descriptors; returns the readable ones.
    fn wait(&self, timeout: Duration) -> Vec<i32> {
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(self.runs.len() + 2);
        let mut add = |fd: i32| {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
        };
        add(self.waker.as_raw_fd());
        if let Some(e) = &self.events {
            add(e.as_raw_fd());
        }
        for r in &self.runs {
            if let Some(s) = &r.socket {
                add(s.as_raw_fd());
            }
        }
        // Round up so a timer is never polled a hair early in a loop.
        let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        // SAFETY: `fds` is a live array of `fds.len()` pollfd structures
        // that the kernel writes `revents` of; it outlives the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n <= 0 {
            return Vec::new();
        }
        fds.iter()
            .filter(|p| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0)
            .map(|p| p.fd)
            .collect()
    }

    fn commands(&mut self) {
        let mut b = [0u8; 64];
        while self.waker.recv(&mut b).is_ok() {}
        while let Ok(c) = self.rx.try_recv() {
            let now = Instant::now();
            match c {
                Command::Stop => self.stopping = true,
                Command::Release(name, on, reply) => {
                    let r = match self.runs.iter().position(|r| r.cfg.name == name) {
                        None => Err(format!("no VRRP instance named {name:?}")),
                        Some(k) => {
                            let acts = self.runs[k].machine.handle(now, Input::Release(on));
                            self.log.info(
                                if on { "VRRP: released" } else { "VRRP: resumed" },
                                &[("instance", &name)],
                            );
                            self.act(k, acts, now);
                            Ok(())
                        }
                    };
                    let _ = reply.send(r);
                }
                Command::Quorum(lost, pending) => {
                    self.lost = lost;
                    for k in 0..self.runs.len() {
                        let keys = self.runs[k].cfg.track_services.clone();
                        for key in &keys {
                            let reason = format!("service {} lost quorum", super::proto::selector(key));
                            let down = self.lost.contains(key);
                            self.set_fault(k, reason, down, now);
                        }
                        let held = self.tracked(k).iter().any(|key| pending.contains(key));
                        if self.runs[k].held && !held {
                            self.runs[k].held = false;
                            self.start_if_ready(k, now);
                        }
                    }
                }
            }
        }
    }

    /// Adds or clears one fault reason, and moves the machine when the
    /// set becomes non-empty or empty.
    fn set_fault(&mut self, k: usize, reason: String, on: bool, now: Instant) {
        let own_before = self.own_fault(k);
        self.set_fault_only(k, reason, on, now);
        let own = self.own_fault(k);
        if own != own_before {
            // The group follows this member's own faults (not the ones it
            // has from the group, or two members would hold each other).
            if let Some((name, members)) = self.group_of(k) {
                let reason = format!("{GROUP_FAULT}{name}: {} in FAULT", self.runs[k].cfg.name);
                for j in members.into_iter().filter(|j| *j != k) {
                    self.set_fault_only(j, reason.clone(), own, now);
                }
            }
        }
    }

    /// Whether instance `k` has a fault of its own (not its group's).
    fn own_fault(&self, k: usize) -> bool {
        self.runs[k].faults.iter().any(|f| !f.starts_with(GROUP_FAULT))
    }

    /// The sync group of instance `k`: its name and members.
    fn group_of(&self, k: usize) -> Option<(String, Vec<usize>)> {
        self.groups.iter().find(|(_, m)| m.contains(&k)).cloned()
    }

    fn set_fault_only(&mut self, k: usize, reason: String, on: bool, now: Instant) {
        let r = &mut self.runs[k];
        let was = !r.faults.is_empty();
        let changed = if on {
            r.faults.insert(reason.clone())
        } else {
            r.faults.remove(&reason)
        };
        if !changed {
            return;
        }
        let is = !r.faults.is_empty();
        if on {
            self.log
                .warn("VRRP: fault", &[("instance", &r.cfg.name), ("reason", &reason)]);
        } else {
            self.log.info(
                "VRRP: fault cleared",
                &[("instance", &r.cfg.name), ("reason", &reason)],
            );
        }
        if was != is {
            // Out of Fault while still held: back to Initialize without
            // starting (Shutdown from Fault is exactly that); the hold's
            // release starts it.
            let input = if !is && r.held {
                Input::Shutdown
            } else {
                Input::Fault(is)
            };
            let acts = r.machine.handle(now, input);
            self.act(k, acts, now);
        }
    }

    /// Removes VIPs of instance `k` left on their devices by an earlier run.
    fn remove_stale(&mut self, k: usize) {
        let Some(rtnl) = self.rtnl.as_mut() else { return };
        let cfg = &self.runs[k].cfg;
        for v in &cfg.vips {
            let dev = v.device.as_deref().unwrap_or(&cfg.interface);
            if let Ok(true) = arp::vip::del(rtnl, dev, v.addr, v.prefix) {
                self.log.warn(
                    "VRRP: removed a VIP left by an earlier run",
                    &[
                        ("instance", &cfg.name),
                        ("vip", &v.addr.to_string()),
                        ("device", dev),
                    ],
                );
            }
        }
    }

    /// The services instance `k` waits for at start: its own tracked ones
    /// and those of its sync group's members (a group starts together, or
    /// the last member to start would pull a Master of its group back to
    /// Backup).
    fn tracked(&self, k: usize) -> Vec<ServiceKey> {
        let mut keys = self.runs[k].cfg.track_services.clone();
        if let Some((_, members)) = self.group_of(k) {
            for j in members {
                keys.extend(self.runs[j].cfg.track_services.iter().copied());
            }
        }
        keys
    }

    /// Starts instance `k` if it is still in Initialize, not held, and its
    /// socket is open.
    fn start_if_ready(&mut self, k: usize, now: Instant) {
        let r = &mut self.runs[k];
        if r.machine.state() == State::Initialize && !r.held && r.socket.is_some() {
            let acts = r.machine.handle(now, Input::Startup);
            self.act(k, acts, now);
        }
    }

    /// Opens the instance's socket and starts it, or puts it in Fault
    /// with the reason.
    fn bring_up(&mut self, k: usize, now: Instant) {
        let reason = format!("interface {} unusable", self.runs[k].cfg.interface);
        match self.open(k) {
            Ok(()) => {
                self.runs[k].last_error = None;
                self.start_if_ready(k, now);
                self.set_fault(k, reason, false, now);
            }
            Err(e) => {
                let r = &mut self.runs[k];
                self.log.error(
                    "VRRP: instance cannot run",
                    &[("instance", &r.cfg.name), ("error", &e)],
                );
                r.last_error = Some(e);
                self.set_fault(k, reason, true, now);
            }
        }
    }

    fn open(&mut self, k: usize) -> Result<(), String> {
        let rtnl = self.rtnl.as_mut().ok_or("no rtnetlink socket")?;
        let r = &mut self.runs[k];
        let iface = Iface::lookup(rtnl, &r.cfg.interface).map_err(|e| e.to_string())?;
        let vips: HashSet<IpAddr> = r.cfg.vips.iter().map(|v| v.addr).collect();
        let primary = match r.cfg.unicast_source {
            Some(s) => s,
            None if r.cfg.v6() => iface
                .addrs6
                .iter()
                .map(|(a, _)| *a)
                .find(|a| is_link_local_v6(*a))
                .map(IpAddr::V6)
                .ok_or_else(|| format!("{} has no IPv6 link-local address", r.cfg.interface))?,
            None => iface
                .addrs
                .iter()
                .map(|(a, _)| IpAddr::V4(*a))
                .find(|a| !vips.contains(a))
                .ok_or_else(|| format!("{} has no IPv4 address to send adverts from", r.cfg.interface))?,
        };
        let multicast = r.cfg.unicast_peers.is_empty();
        let sock = VrrpSocket::open(&r.cfg.interface, iface.link.index, r.cfg.v6(), multicast)
            .map_err(|e| format!("VRRP socket on {}: {e}", r.cfg.interface))?;
        r.socket = Some(sock);
        if r.primary != Some(primary) {
            r.primary = Some(primary);
            r.machine.set_primary(primary);
        }
        Ok(())
    }

    /// Runs the timers of instance `k` due at `now`.
    fn tick(&mut self, k: usize, now: Instant) {
        if let Some(due) = self.runs[k].machine.deadline() {
            if due <= now {
                let late = now - due;
                let r = &mut self.runs[k];
                if r.machine.state() == State::Master && late > r.late_max {
                    r.late_max = late;
                }
                let acts = r.machine.poll(now);
                self.act(k, acts, now);
            }
        }
        self.garp_due(k, now);
    }

    fn garp_due(&mut self, k: usize, now: Instant) {
        let r = &mut self.runs[k];
        if let Some(start) = r.garp_start {
            let s = r.schedule();
            while let Some(d) = s.due(r.garp_sent) {
                if start + d > now {
                    break;
                }
                for a in &r.garp {
                    if let Err(e) = a.send_one() {
                        r.last_error = Some(format!("announcing: {e}"));
                    }
                }
                r.garp_sent += 1;
            }
            if s.due(r.garp_sent).is_none() {
                r.garp_start = None;
            }
        }
        if let Some(t) = r.refresh_at {
            if t <= now {
                for a in &r.garp {
                    let _ = a.send_one();
                }
                r.refresh_at = Some(now + r.cfg.garp.refresh);
            }
        }
    }

    /// Carries out the machine's actions for instance `k`.
    fn act(&mut self, k: usize, acts: Vec<Action>, now: Instant) {
        for a in acts {
            match a {
                Action::Send(priority) => self.send_advert(k, priority),
                Action::Transition { from, to } => self.transition(k, from, to, now),
            }
        }
    }

    fn send_advert(&mut self, k: usize, priority: u8) {
        let r = &mut self.runs[k];
        let (Some(sock), Some(src)) = (&r.socket, r.primary) else {
            return;
        };
        let advert = r.advert(priority);
        for dst in r.destinations() {
            let sent = packet::emit(&advert, src, dst, r.cfg.checksum)
                .map_err(|e| e.to_string())
                .and_then(|bytes| sock.send(src, dst, &bytes).map_err(|e| e.to_string()));
            match sent {
                Ok(()) => r.sent += 1,
                Err(e) => {
                    if r.last_error.as_deref() != Some(e.as_str()) {
                        self.log.warn(
                            "VRRP: advert not sent",
                            &[("instance", &r.cfg.name), ("to", &dst.to_string()), ("error", &e)],
                        );
                    }
                    r.last_error = Some(e);
                }
            }
        }
    }

    fn transition(&mut self, k: usize, from: State, to: State, now: Instant) {
        {
            let r = &mut self.runs[k];
            r.transitions += 1;
            r.since = SystemTime::now();
            let mut fields: Vec<(&str, String)> = vec![
                ("instance", r.cfg.name.clone()),
                ("from", from.to_string()),
                ("to", to.to_string()),
                ("priority", r.machine.priority().to_string()),
            ];
            if !r.faults.is_empty() {
                fields.push(("reason", r.faults.iter().cloned().collect::<Vec<_>>().join("; ")));
            }
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            self.log.info(&format!("VRRP: entering {to} state"), &f);
        }
        if to == State::Master {
            self.take_vips(k, now);
        } else if from == State::Master {
            self.release_vips(k);
        }
        if matches!(to, State::Master | State::Backup) {
            if let Some((_, members)) = self.group_of(k) {
                for j in members.into_iter().filter(|j| *j != k) {
                    if self.runs[j].machine.state() != to {
                        let acts = self.runs[j].machine.handle(now, Input::Group(to));
                        self.act(j, acts, now);
                    }
                }
            }
        }
        if to != State::Initialize || self.stopping {
            let word = if to == State::Initialize {
                "STOP"
            } else {
                to.as_str()
            };
            self.notify(k, word);
        }
        // Last, as keepalived orders it: the sync daemon's role. The
        // daemon's loop switches it with its next engine call.
        if self.runs[k].cfg.sync_daemon.is_some() {
            if let Some(tx) = &self.role {
                let master = to == State::Master;
                tx.send_if_modified(|m| std::mem::replace(m, master) != master);
            }
        }
    }

    /// Adds the VIPs of instance `k` and starts announcing them.
    fn take_vips(&mut self, k: usize, now: Instant) {
        let Some(rtnl) = self.rtnl.as_mut() else { return };
        let r = &mut self.runs[k];
        r.garp.clear();
        for v in &r.cfg.vips {
            let dev = v.device.as_deref().unwrap_or(&r.cfg.interface);
            match arp::vip::add_labeled(rtnl, dev, v.addr, v.prefix, v.label.as_deref()) {
                Ok(change) => match Announcer::open(&change.iface, v.addr, GarpForm::Request) {
                    Ok(a) => r.garp.push(a),
                    Err(e) => r.last_error = Some(format!("announcing {}: {e}", v.addr)),
                },
                Err(e) => {
                    let e = e.to_string();
                    self.log.error(
                        "VRRP: VIP not added",
                        &[
                            ("instance", &r.cfg.name),
                            ("vip", &v.addr.to_string()),
                            ("error", &e),
                        ],
                    );
                    r.last_error = Some(e);
                }
            }
        }
        r.garp_start = Some(now);
        r.garp_sent = 0;
        r.refresh_at = (!r.cfg.garp.refresh.is_zero()).then(|| now + r.cfg.garp.refresh);
        self.garp_due(k, now);
    }

    fn release_vips(&mut self, k: usize) {
        let Some(rtnl) = self.rtnl.as_mut() else { return };
        let r = &mut self.runs[k];
        r.garp.clear();
        r.garp_start = None;
        r.refresh_at = None;
        for v in &r.cfg.vips {
            let dev = v.device.as_deref().unwrap_or(&r.cfg.interface);
            if let Err(e) = arp::vip::del(rtnl, dev, v.addr, v.prefix) {
                let e = e.to_string();
                self.log.error(
                    "VRRP: VIP not removed",
                    &[
                        ("instance", &r.cfg.name),
                        ("vip", &v.addr.to_string()),
                        ("error", &e),
                    ],
                );
                r.last_error = Some(e);
            }
        }
    }

    /// Runs the instance's notify with keepalived's four arguments.
    fn notify(&mut self, k: usize, state: &str) {
        let r = &self.runs[k];
        let Some(program) = r.cfg.notify.first() else {
            return;
        };
        let mut cmd = Process::new(program);
        cmd.args(&r.cfg.notify[1..])
            .args(["INSTANCE", &r.cfg.name, state, &r.machine.priority().to_string()])
            .stdin(Stdio::null());
        if let Some((uid, gid)) = self.notify_ids {
            cmd.uid(uid).gid(gid);
        }
        match cmd.spawn() {
            Ok(c) => self.children.push((c, Instant::now(), program.clone())),
            Err(e) => self.log.warn(
                "VRRP: notify did not start",
                &[("program", program), ("error", &e.to_string())],
            ),
        }
    }

    fn reap(&mut self) {
        let log = &self.log;
        self.children
            .retain_mut(|(c, started, program)| match c.try_wait() {
                Ok(Some(st)) => {
                    if !st.success() {
                        log.warn(
                            "VRRP: notify failed",
                            &[("program", program), ("status", &st.to_string())],
                        );
                    }
                    false
                }
                Ok(None) if started.elapsed() > NOTIFY_LIMIT => {
                    let _ = c.kill();
                    let _ = c.wait();
                    log.warn("VRRP: notify killed after 60s", &[("program", program)]);
                    false
                }
                Ok(None) => true,
                Err(_) => false,
            });
    }

    fn receive(&mut self, k: usize, buf: &mut [u8]) {
        loop {
            let got = match &self.runs[k].socket {
                None => return,
                Some(s) => s.recv(buf),
            };
            let (meta, msg) = match got {
                Ok(Some((meta, msg))) => (meta, msg.to_vec()),
                Ok(None) => return,
                Err(e) => {
                    self.runs[k].last_error = Some(format!("receiving: {e}"));
                    return;
                }
            };
            self.on_packet(k, meta, &msg);
        }
    }

    fn on_packet(&mut self, k: usize, meta: Meta, msg: &[u8]) {
        let now = Instant::now();
        let r = &mut self.runs[k];
        if Some(meta.src) == r.primary {
            return; // our own, looped back
        }
        // The VRID first: another router's adverts on a shared link are
        // none of this instance's business, even malformed ones.
        if msg.len() >= 2 && msg[1] != r.cfg.vrid {
            return;
        }
        let (advert, form) = match packet::parse(msg, meta.src, meta.dst) {
            Ok(x) => x,
            Err(e) => {
                r.dropped += 1;
                let p = peer(&mut r.peers, meta.src);
                let d = format!("malformed advert: {e}");
                if !p.differs.contains(&d) {
                    self.log.warn(
                        "VRRP: malformed advert",
                        &[
                            ("instance", &r.cfg.name),
                            ("from", &meta.src.to_string()),
                            ("error", &e.to_string()),
                        ],
                    );
                    p.differs = vec![d];
                }
                return;
            }
        };
        let v = judge(&r.cfg, &meta, &advert, form);
        let p = peer(&mut r.peers, meta.src);
        p.priority = advert.priority;
        p.last_seen = Some(SystemTime::now());
        p.adverts += 1;
        if p.differs != v.differs {
            if !v.differs.is_empty() {
                self.log.warn(
                    "VRRP: peer's adverts disagree with ours",
                    &[
                        ("instance", &r.cfg.name),
                        ("peer", &meta.src.to_string()),
                        ("differs", &v.differs.join("; ")),
                        ("accepted", if v.accept { "yes" } else { "no" }),
                    ],
                );
            }
            p.differs = v.differs;
        }
        if !v.accept {
            r.dropped += 1;
            return;
        }
        r.received += 1;
        let input = Input::Advert {
            from: meta.src,
            priority: advert.priority,
            interval: Duration::from_millis(u64::from(advert.interval_cs) * 10),
        };
        let acts = r.machine.handle(now, input);
        self.act(k, acts, now);
    }

    fn rtnl_events(&mut self) {
        let Some(ev) = self.events.as_mut() else { return };
        let mut out = Vec::new();
        let mut lost = false;
        for _ in 0..64 {
            match ev.recv(Some(Duration::ZERO), &mut out) {
                Ok(EventWait::Received(_)) => {}
                Ok(EventWait::Lost) => lost = true,
                Ok(EventWait::TimedOut) | Err(_) => break,
            }
        }
        let now = Instant::now();
        if lost {
            // Read the links again: a missed event may have been a link
            // going down.
            for k in 0..self.runs.len() {
                self.check_links(k, now);
            }
        }
        for e in out {
            match e {
                RtnlEvent::Link(l) | RtnlEvent::LinkRemoved(l) => {
                    for k in 0..self.runs.len() {
                        let r = &self.runs[k];
                        if r.cfg.interface == l.name || r.cfg.track_interfaces.contains(&l.name) {
                            self.check_links(k, now);
                        }
                    }
                }
                RtnlEvent::AddressRemoved(a) => {
                    for k in 0..self.runs.len() {
                        let r = &self.runs[k];
                        if r.machine.state() == State::Master && r.cfg.vips.iter().any(|v| v.addr == a.addr) {
                            self.log.warn(
                                "VRRP: a VIP was removed by hand while Master; putting it back",
                                &[("instance", &r.cfg.name), ("vip", &a.addr.to_string())],
                            );
                            self.take_vips(k, now);
                        }
                    }
                }
                RtnlEvent::AddressAdded(_) => {
                    // An instance that could not open for want of an
                    // address (IPv4, or IPv6 link-local after DAD) tries
                    // again.
                    for k in 0..self.runs.len() {
                        if self.runs[k].socket.is_none() {
                            self.check_links(k, now);
                        }
                    }
                }
            }
        }
    }

    /// Reads the instance's interface and tracked interfaces, and sets or
    /// clears their faults.
    fn check_links(&mut self, k: usize, now: Instant) {
        let Some(rtnl) = self.rtnl.as_mut() else { return };
        let links = match rtnl.links() {
            Ok(l) => l,
            Err(_) => return,
        };
        let cfg = self.runs[k].cfg.clone();
        let usable = |name: &str| links.iter().any(|l| l.name == name && l.up && l.running);
        let own = format!("interface {} unusable", cfg.interface);
        if usable(&cfg.interface) {
            if self.runs[k].faults.contains(&own) {
                // Back: the socket may be bound to a device that is gone.
                self.runs[k].socket = None;
                self.bring_up(k, now);
            }
        } else {
            self.runs[k].socket = None;
            self.set_fault(k, own, true, now);
        }
        for t in &cfg.track_interfaces {
            let reason = format!("tracked interface {t} down");
            self.set_fault(k, reason, !usable(t), now);
        }
    }

    fn publish(&self) {
        let list = self
            .runs
            .iter()
            .map(|r| VrrpStatus {
                name: r.cfg.name.clone(),
                interface: r.cfg.interface.clone(),
                vrid: r.cfg.vrid,
                state: r.machine.state().to_string(),
                since: super::run::epoch(r.since),
                priority: r.machine.priority(),
                released: r.machine.released(),
                master: r.machine.master().map(|(a, _)| a.to_string()),
                master_priority: r.machine.master().map(|(_, p)| p),
                vips: r
                    .cfg
                    .vips
                    .iter()
                    .map(|v| format!("{}/{}", v.addr, v.prefix))
                    .collect(),
                adverts_sent: r.sent,
                adverts_received: r.received,
                adverts_dropped: r.dropped,
                transitions: r.transitions,
                advert_late_max_ms: r.late_max.as_secs_f64() * 1000.0,
                faults: r.faults.iter().cloned().collect(),
                last_error: r.last_error.clone(),
                peers: r
                    .peers
                    .iter()
                    .map(|(a, p)| VrrpPeer {
                        address: a.to_string(),
                        priority: p.priority,
                        adverts: p.adverts,
                        last_seen: p.last_seen.map(super::run::epoch),
                        differs: p.differs.clone(),
                    })
                    .collect(),
            })
            .collect();
        if let Ok(mut s) = self.shared.lock() {
            *s = list;
        }
    }
}

#[cfg(test)]
mod tests;
