//! The daemon's loop: probes in, one engine call out.
//!
//! One task owns all state (the config, [`Health`], drains) and reacts to
//! probe results, control requests, signals and timers, one at a time, so
//! there are no locks around health. Probes are tasks of their own, one
//! per distinct probe, each on its own `interval` (ticks do not slip when
//! a probe is slow: a probe that takes longer than its interval delays the
//! next one, which starts as soon as it ends; it never runs two at once),
//! started at a random slot of a 10 ms grid within the interval, so a
//! thousand checks neither fire in the same millisecond nor each wake the
//! loop on their own ([`GRID`]). All of it runs on one thread; the kernel
//! side has its own ([`KernelHandle`]), and a reload's parse runs on a
//! blocking one.
//!
//! Results that arrive together are coalesced: after a health change the
//! loop first takes every result already queued, then makes one engine
//! call for all of them. Every engine call is the whole desired table of
//! what the daemon manages, diffed against a fresh read of the kernel, so
//! a missed or failed call is repaired by the next one, and the periodic
//! one (`reconcile_interval`) repairs hand changes: its changes are logged
//! as drift.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::check::{self, Outcome};
use super::config::{self, DaemonConfig};
use super::control::{self, ControlMsg};
use super::health::{Event, Health, ProbeKey, RAMP_STEP};
use super::history::{History, Reading};
use super::http::{Site, WebAsk};
use super::kernel::{KernelError, KernelHandle, LiveTable};
use super::log::{Format, Log};
use super::metrics::{Histogram, ServerRow, Snapshot};
use super::notify;
use super::proto::{self, ErrorKind, Reply, Request};
use super::vrrp::{self, VrrpHandle};
use crate::ipvs::{IpvsClient, IpvsError, ServiceKey};
use crate::state::apply::{ReconcileOptions, Services};
use crate::state::table::dest_id;
use crate::state::{FastMap, FastSet, InputError, Table};

/// How the daemon runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Its file.
    pub config: String,
    /// Log lines as text or JSON.
    pub log: Format,
}

/// Why the daemon could not start (once running it does not stop on
/// errors: it logs them).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The file could not be read.
    #[error("{file}: {error}")]
    File {
        /// Its name.
        file: String,
        /// Why.
        error: std::io::Error,
    },
    /// The file is invalid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// IPVS is unusable.
    #[error(transparent)]
    Ipvs(#[from] IpvsError),
    /// Something else needed to start failed (the socket, a thread).
    #[error("{0}")]
    Start(String),
}

/// Reads and validates a daemon file.
pub fn load(file: &str) -> Result<DaemonConfig, DaemonError> {
    let text = std::fs::read(file).map_err(|error| DaemonError::File {
        file: file.to_string(),
        error,
    })?;
    let text = String::from_utf8(text).map_err(|_| InputError {
        file: file.to_string(),
        line: 0,
        message: "not UTF-8 text".into(),
    })?;
    let mut config = config::parse(file, &text)?;
    if config.has_vip_probes() {
        let addresses = crate::host::rtnl::Rtnl::open()
            .and_then(|mut r| r.addresses())
            .map_err(|e| DaemonError::Start(format!("reading the director's addresses: {e}")))?;
        config.vip_probes = super::vip_probe::plan(&mut config, &addresses)?;
    }
    Ok(config)
}

/// Warnings about a valid file: settings that work against each other.
pub fn warnings(c: &DaemonConfig) -> Vec<String> {
    let sysctl = |name: &str| -> Option<i64> {
        if let Some(v) = c.desired.table.sysctls.as_ref().and_then(|m| m.get(name)) {
            if c.desired.source.sysctl_names().any(|n| n == name) {
                return Some(*v);
            }
        }
        crate::host::sysctl::get_vs(name).ok()
    };
    let mut out = Vec::new();
    for s in &c.services {
        let Some(spec) = c.desired.table.services.iter().find(|x| x.service.key == s.key) else {
            continue;
        };
        let persistent = spec.service.flags.0 & crate::ipvs::ServiceFlags::PERSISTENT != 0;
        let checked = s.dests.iter().any(|d| !d.checks.is_empty());
        if !checked {
            continue;
        }
        let at = format!("{}:{}", c.desired.source.file, s.line);
        match s.policy.on_failure {
            config::OnFailure::Quiesce if persistent && sysctl("expire_quiescent_template") != Some(1) => {
                out.push(format!(
                    "{at}: {} is persistent and quiesces failed servers, but net.ipv4.vs.expire_quiescent_template is not 1: persistent clients keep going to a failed server",
                    proto::selector(&s.key)
                ))
            }
            config::OnFailure::Remove if sysctl("expire_nodest_conn") != Some(1) => out.push(format!(
                "{at}: {} removes failed servers, but net.ipv4.vs.expire_nodest_conn is not 1: their connections hang until they time out",
                proto::selector(&s.key)
            )),
            _ => {}
        }
    }
    out
}

/// Runs the daemon until SIGTERM or SIGINT. The caller has entered the
/// network namespace; no thread has been started yet.
pub fn run(opts: Options) -> Result<(), DaemonError> {
    let log = Arc::new(Log::new(opts.log));
    let r = run_logged(opts, log.clone());
    // The log's writer thread may still hold the last lines; out they go
    // before `main` prints an error or the process exits.
    log.flush();
    r
}

fn run_logged(opts: Options, log: Arc<Log>) -> Result<(), DaemonError> {
    let config = load(&opts.config)?;
    for w in warnings(&config) {
        log.warn(&w, &[]);
    }
    let client = IpvsClient::connect()?;
    let socket = match &config.daemon.socket {
        Some(p) => p.clone(),
        None => control::default_socket().map_err(|e| DaemonError::Start(format!("control socket: {e}")))?,
    };
    let group = match &config.daemon.status_group {
        None => None,
        Some(g) => Some(
            crate::host::netdb::group_id(g)
                .ok_or_else(|| DaemonError::Start(format!("status_group {g:?}: no such group")))?,
        ),
    };
    let listener = control::bind(&socket, group).map_err(|e| DaemonError::Start(e.to_string()))?;
    let registered = control::register(&registration(&config, &socket, &opts.config))
        .map_err(|e| DaemonError::Start(format!("registry under /run/lvsctl: {e}")))?;
    let web = web_listeners(&config, &log)?;
    // Everything that needed more than these is done; the threads started
    // below inherit the reduced sets.
    drop_privileges(&log);
    log.start_writer();
    let kernel =
        KernelHandle::start(client).map_err(|e| DaemonError::Start(format!("kernel thread: {e}")))?;
    // VRRP on a thread of its own, started before the loop so that no
    // check, request or engine call stands between a timer and an advert.
    let vrrp = VrrpHandle::start(
        config.vrrp.clone(),
        &config.sync_groups,
        log.clone(),
        hook_user(&config, &log),
    )
    .map_err(|e| DaemonError::Start(format!("VRRP thread: {e}")))?;
    let live = kernel.read_blocking().map_err(DaemonError::Start)?;
    // One thread, this one, for the loop, every probe, the control socket
    // and the metrics listener: a probe's wake-up then never crosses
    // threads (no futex wake-ups, no work stealing), which was most of what
    // a probe cost besides its own system calls. What takes long runs
    // elsewhere: the kernel side on its thread, a reload's parse and file
    // checks on blocking ones (named here).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .thread_name("lvsctl-blocking")
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Start(format!("runtime: {e}")))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::UnixListener::from_std(listener)
            .map_err(|e| DaemonError::Start(format!("{}: {e}", socket.display())))?;
        let (ctl_tx, ctl_rx) = mpsc::channel(64);
        tokio::spawn(control::serve(listener, group, ctl_tx));
        let (web_tx, web_rx) = mpsc::channel(64);
        let mut sites = Vec::new();
        for (l, site) in web {
            let l = tokio::net::TcpListener::from_std(l)
                .map_err(|e| DaemonError::Start(format!("HTTP listener: {e}")))?;
            sites.push(site.clone());
            tokio::spawn(super::http::serve(l, site, web_tx.clone()));
        }
        drop(web_tx);
        let files = Files {
            registered: Some(registered),
            drain_file: drain_file(),
            socket: socket.clone(),
        };
        let mut d = Daemon::new(files, opts, log, config, kernel, Table::from_owned_entries(live));
        d.vrrp = vrrp;
        d.sites = sites;
        let r = d.main(ctl_rx, web_rx).await;
        let _ = std::fs::remove_file(&socket);
        r
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// The HTTP listeners of `[daemon] metrics` and `http`, bound before
/// privileges are dropped: one when both name the same address.
fn web_listeners(
    config: &DaemonConfig,
    log: &Arc<Log>,
) -> Result<Vec<(std::net::TcpListener, Arc<Site>)>, DaemonError> {
    let d = &config.daemon;
    let token = match (&d.http_token_file, d.http_actions) {
        (Some(f), true) => Some(super::http::read_token(f).map_err(DaemonError::Start)?),
        _ => None,
    };
    let mut plan: Vec<(SocketAddr, Site)> = Vec::new();
    if let Some(a) = d.http {
        plan.push((
            a,
            Site::new(d.metrics == Some(a), true, d.http_actions, token, log.clone()),
        ));
    }
    if let Some(a) = d.metrics.filter(|m| Some(*m) != d.http) {
        plan.push((a, Site::new(true, false, false, None, log.clone())));
    }
    let mut out = Vec::with_capacity(plan.len());
    for (addr, site) in plan {
        let what = if site.page { "HTTP" } else { "metrics" };
        let l = std::net::TcpListener::bind(addr)
            .map_err(|e| DaemonError::Start(format!("{what} listener {addr}: {e}")))?;
        l.set_nonblocking(true)
            .map_err(|e| DaemonError::Start(format!("{what} listener {addr}: {e}")))?;
        out.push((l, Arc::new(site)));
    }
    Ok(out)
}

/// Waits for the VRRP thread to change the sync daemon's role; never
/// returns without a VRRP thread or once it has gone.
async fn role_changed(role: &mut Option<tokio::sync::watch::Receiver<bool>>) -> bool {
    if let Some(r) = role {
        if r.changed().await.is_ok() {
            return true;
        }
        *role = None;
    }
    std::future::pending().await
}

/// The record other lvsctl processes find the daemon by: its services,
/// and its own probe services that `apply` leaves alone.
fn registration(config: &DaemonConfig, socket: &std::path::Path, file: &str) -> control::Registration {
    let services = config.services.iter().map(|s| proto::selector(&s.key)).collect();
    let mut r = control::Registration::new(socket.to_path_buf(), file.to_string(), services);
    r.keep = config.vip_probes.keys().map(|k| proto::selector(&k)).collect();
    r.sync_daemons =
        config.desired.source.has_daemons() || config.vrrp.iter().any(|i| i.sync_daemon.is_some());
    r
}

/// Keeps only the capabilities the running daemon needs
/// ([`crate::host::caps`]); a process that is not root keeps what it has.
fn drop_privileges(log: &Log) {
    use crate::host::caps;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    if let Err(e) = caps::keep_only(&[
        caps::NET_ADMIN,
        caps::NET_RAW,
        caps::SETUID,
        caps::SETGID,
        caps::KILL,
    ]) {
        log.warn("could not drop capabilities", &[("error", &e.to_string())]);
    }
}

/// How long a failed engine call waits before it is retried (besides the
/// next health change or periodic turn), so a busy lock or a refusing
/// kernel is not hammered.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// A probe result, from its task, with the time it ended.
type ProbeResult = (Arc<ProbeKey>, Outcome, Instant);

/// Probes start on a grid of this step (each at a random slot of it
/// within its interval), so that a thousand probes a second wake the loop
/// a hundred times, ten at once, not a thousand times: a wake-up costs
/// system calls (the clock, epoll) that a probe's own work does not need
/// to repeat. Each server is still probed exactly once per interval.
const GRID: Duration = Duration::from_millis(10);

/// Wall-clock time from the monotonic clock, anchored now and then (the
/// periodic turn re-anchors it, so a stepped wall clock is followed within
/// `reconcile_interval`): results carry the instant their probe ended, and
/// turning it into the time shown by status needs no second clock read.
#[derive(Debug, Clone, Copy)]
struct WallClock {
    at: Instant,
    wall: SystemTime,
}

impl WallClock {
    fn now() -> Self {
        WallClock {
            at: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn wall(&self, t: Instant) -> SystemTime {
        let w = match t.checked_duration_since(self.at) {
            Some(d) => self.wall.checked_add(d),
            None => self.wall.checked_sub(self.at.duration_since(t)),
        };
        w.unwrap_or(self.wall)
    }
}

/// Why an engine call is made (what its changes are logged as).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Start,
    Health,
    Periodic,
    Reload,
    Drain,
    Timer,
    Vrrp,
}

/// Where a daemon keeps what outlives a call: its registry record, its
/// drains, its socket (none of them in the in-process tests).
struct Files {
    registered: Option<control::Guard>,
    drain_file: Option<PathBuf>,
    socket: PathBuf,
}

struct Daemon {
    opts: Options,
    log: Arc<Log>,
    config: DaemonConfig,
    health: Health,
    /// Probe ids by the address of their task's key (results carry that
    /// `Arc`: looking one up must not hash a whole check).
    index: FastMap<usize, usize>,
    tasks: HashMap<Arc<ProbeKey>, JoinHandle<()>>,
    results_tx: mpsc::Sender<ProbeResult>,
    results_rx: Option<mpsc::Receiver<ProbeResult>>,
    kernel: KernelHandle,
    /// Services of earlier files not yet deleted (a reload removed them).
    leaving_services: FastSet<ServiceKey>,
    /// A health change not yet sent (the last engine call failed).
    pending: bool,
    /// When the last engine call failed (retries wait [`RETRY_AFTER`]).
    failed_at: Option<Instant>,
    started: SystemTime,
    loaded: SystemTime,
    drain_file: Option<PathBuf>,
    hook_ids: Option<(u32, u32)>,
    seed: u64,
    /// The record other lvsctl processes find the daemon by.
    registered: Option<control::Guard>,
    /// The control socket's path.
    socket: PathBuf,
    /// The table of the last engine call that went through.
    last_sent: Option<Table>,
    /// Director sysctls set for through_vip probes, with their old values.
    saved_sysctls: Vec<(&'static str, i64)>,
    /// Health changes per (service, server), for metrics.
    transitions: HashMap<(String, String), u64>,
    /// Probe latency per check type.
    latency: std::collections::BTreeMap<String, Histogram>,
    /// Wall-clock time of probe results.
    clock: WallClock,
    /// The origin of the probes' start grid ([`GRID`]).
    grid: Instant,
    /// The VRRP thread, when the file has instances.
    vrrp: Option<VrrpHandle>,
    /// The services whose lost quorum the VRRP thread was last told.
    vrrp_lost: Option<(HashSet<ServiceKey>, HashSet<ServiceKey>)>,
    /// The status page's traffic history (with `[daemon] http`).
    history: Option<History>,
    /// The HTTP listeners' routes (a reload gives them the token again).
    sites: Vec<Arc<Site>>,
    /// The status document last served over HTTP, and when it was made:
    /// every open page asks for it every two seconds, and each fresh one
    /// costs a read of the whole table on the kernel thread, which the
    /// loop waits for. Served again for [`STATUS_REUSE`]; any engine call
    /// drops it, so a change the daemon made (a drain, a server down) is
    /// never hidden by it.
    status_cache: Option<(Instant, String)>,
}

/// How long one status document serves every open page.
const STATUS_REUSE: Duration = Duration::from_secs(1);

pub(super) fn epoch(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Daemon {
    fn new(
        files: Files,
        opts: Options,
        log: Arc<Log>,
        config: DaemonConfig,
        kernel: KernelHandle,
        live: Table,
    ) -> Self {
        let Files {
            registered,
            drain_file,
            socket,
        } = files;
        let now = Instant::now();
        let wall = SystemTime::now();
        // Drains first: a drained server's weight 0 in the kernel does not
        // mean it was down.
        let mut seed = Health::default();
        if let Some(path) = &drain_file {
            (seed.drained, seed.disabled) = read_drains(path);
        }
        let mut health = Health::new(&config, &live, Some(&seed), now, wall);
        for si in 0..config.services.len() {
            let _ = health.update_quorum(&config, si);
        }
        let (results_tx, results_rx) = mpsc::channel(4096);
        let hook_ids = hook_user(&config, &log);
        check::command::set_run_as(hook_ids);
        let seed = u64::from(std::process::id()) ^ epoch(wall).rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15;
        Daemon {
            opts,
            log,
            config,
            health,
            index: FastMap::default(),
            tasks: HashMap::new(),
            results_tx,
            results_rx: Some(results_rx),
            kernel,
            leaving_services: FastSet::default(),
            pending: false,
            failed_at: None,
            started: wall,
            loaded: wall,
            drain_file,
            hook_ids,
            seed,
            registered,
            socket,
            saved_sysctls: Vec::new(),
            last_sent: None,
            transitions: HashMap::new(),
            latency: std::collections::BTreeMap::new(),
            clock: WallClock { at: now, wall },
            grid: now,
            vrrp: None,
            vrrp_lost: None,
            history: None,
            sites: Vec::new(),
            status_cache: None,
        }
    }

    async fn main(
        &mut self,
        mut ctl: mpsc::Receiver<ControlMsg>,
        mut web: mpsc::Receiver<WebAsk>,
    ) -> Result<(), DaemonError> {
        let sig = |k: SignalKind| signal(k).map_err(|e| DaemonError::Start(format!("signals: {e}")));
        let mut hup = sig(SignalKind::hangup())?;
        let mut term = sig(SignalKind::terminate())?;
        let mut int = sig(SignalKind::interrupt())?;
        let Some(mut results) = self.results_rx.take() else {
            return Err(DaemonError::Start("the daemon's loop started twice".into()));
        };
        self.director_sysctls();
        self.start_probes();
        self.log.info(
            "started",
            &[
                ("config", &self.opts.config),
                ("services", &self.config.services.len().to_string()),
                ("servers", &self.config.server_count().to_string()),
                ("probes", &self.health.probes.len().to_string()),
            ],
        );
        let _ = self.sync(Reason::Start).await;
        self.tell_vrrp();
        notify::notify("READY=1");
        // The VRRP thread says when the sync daemon's instance becomes
        // Master or leaves it; the role is switched by an engine call.
        let mut role = self.vrrp.as_ref().map(|v| v.sync_role());
        let mut periodic = tokio::time::interval(self.config.daemon.reconcile_interval);
        periodic.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        periodic.tick().await; // the first tick is now: the start sync was it
        let watchdog = notify::watchdog_interval();
        let mut dog = tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(3600)));
        if self.config.daemon.http.is_some() {
            self.history = Some(History::default());
        }
        let mut sample = tokio::time::interval(super::history::STEP);
        sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut step = tokio::time::interval(RAMP_STEP);
        step.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let timed = self.health.ramp_end().is_some()
                || !self.health.leaving.is_empty()
                || self
                    .failed_at
                    .is_some_and(|t| self.pending && t.elapsed() >= RETRY_AFTER);
            tokio::select! {
                Some(r) = results.recv() => {
                    let mut changed = self.on_result(r);
                    // Coalesce: everything already queued goes in the
                    // same engine call.
                    while let Ok(r) = results.try_recv() {
                        changed |= self.on_result(r);
                    }
                    if changed {
                        let _ = self.sync(Reason::Health).await;
                        self.tell_vrrp();
                    } else if self.vrrp_lost.as_ref().is_some_and(|(_, p)| !p.is_empty()) {
                        // A first failure changes no weight but is an
                        // answer: the VRRP thread may stop waiting.
                        self.tell_vrrp();
                    }
                }
                msg = ctl.recv() => {
                    // The socket's server never closes its side; a test's
                    // loop ends when the test drops its sender.
                    let Some(msg) = msg else { break };
                    let reply = self.on_request(msg.request).await;
                    let _ = msg.reply.send(reply);
                }
                Some(ask) = web.recv() => self.on_web(ask).await,
                _ = sample.tick(), if self.history.is_some() => self.sample().await,
                _ = hup.recv() => {
                    let _ = self.reload().await;
                }
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = periodic.tick() => {
                    self.clock = WallClock::now();
                    let _ = self.sync(Reason::Periodic).await;
                }
                _ = step.tick(), if timed => {
                    self.leaving_check().await;
                    let _ = self.sync(Reason::Timer).await;
                }
                _ = dog.tick(), if watchdog.is_some() => notify::notify("WATCHDOG=1"),
                true = role_changed(&mut role) => {
                    let _ = self.sync(Reason::Vrrp).await;
                }
            }
        }
        notify::notify("STOPPING=1");
        // First the VIPs: priority 0 lets the other director take over
        // after its skew, while the rest of the stop runs.
        if let Some(v) = self.vrrp.take() {
            v.stop();
            self.sync_daemon_to_backup().await;
        }
        for t in self.tasks.values() {
            t.abort();
        }
        if self.config.daemon.flush_on_stop {
            self.flush().await;
        } else {
            self.remove_vip_probes().await;
            self.log.info("stopping; the table stays as it is", &[]);
        }
        self.restore_sysctls();
        Ok(())
    }

    /// On stop: the VRRP instance is no longer Master, so its sync daemon
    /// becomes (or stays) backup. It is not stopped: a restarted director
    /// then already holds the connections of the one that took over.
    async fn sync_daemon_to_backup(&mut self) {
        let Some(daemons) = self.vrrp_sync_daemon() else {
            return;
        };
        let desired = Table {
            daemons: Some(daemons),
            ..Table::default()
        };
        let opts = ReconcileOptions {
            prune: false,
            dry_run: false,
            services: Services::Only(FastSet::default()),
            scope: Some(crate::state::apply::Scope {
                daemons: true,
                ..Default::default()
            }),
        };
        match self.kernel.reconcile(desired, opts).await {
            Ok(r) => {
                for c in &r.plan.changes {
                    let rule = crate::state::rules::change_text(&c.change);
                    self.log
                        .info("kernel changed", &[("change", &rule), ("why", "stop")]);
                }
            }
            Err(_) => self
                .log
                .error("stopping; the sync daemon could not be set to backup", &[]),
        }
    }

    /// Deletes the probe services of `through_vip` checks (on stop: they
    /// are the daemon's own, not the site's).
    async fn remove_vip_probes(&mut self) {
        let keys: FastSet<ServiceKey> = self.config.vip_probes.keys().collect();
        if !keys.is_empty() {
            self.delete_services(keys, "the through_vip probe services").await;
        }
    }

    /// Deletes these services (and nothing else) in one engine call.
    async fn delete_services(&mut self, keys: FastSet<ServiceKey>, what: &str) {
        let opts = ReconcileOptions {
            prune: false,
            dry_run: false,
            services: Services::Only(keys),
            scope: Some(crate::state::apply::Scope::default()),
        };
        match self.kernel.reconcile(Table::default(), opts).await {
            Ok(r) => self.log.info(
                &format!("stopping; removed {what}"),
                &[("changes", &r.plan.changes.len().to_string())],
            ),
            Err(_) => self.log.error(&format!("stopping; removing {what} failed"), &[]),
        }
    }

    /// Sets the director sysctls probes through the VIP need, remembering
    /// what they were.
    fn director_sysctls(&mut self) {
        use crate::host::sysctl;
        if self.config.vip_probes.services.is_empty() {
            return;
        }
        for (key, want) in super::vip_probe::DIRECTOR_SYSCTLS {
            if self.saved_sysctls.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let Ok(have) = sysctl::get("all", key) else {
                self.log.warn(
                    "cannot read a sysctl through_vip needs",
                    &[("sysctl", &sysctl::conf_name("all", key))],
                );
                continue;
            };
            let needed = match key {
                // rp_filter: only a strict (1) value anywhere gets in the way.
                "rp_filter" => sysctl::interfaces()
                    .unwrap_or_default()
                    .iter()
                    .any(|i| sysctl::effective(i, key).ok() == Some(1)),
                _ => have != want,
            };
            if !needed {
                continue;
            }
            match sysctl::set("all", key, want) {
                Ok(()) => {
                    self.log.info(
                        "set for through_vip probes",
                        &[
                            ("sysctl", &sysctl::conf_name("all", key)),
                            ("value", &want.to_string()),
                            ("was", &have.to_string()),
                        ],
                    );
                    self.saved_sysctls.push((key, have));
                }
                Err(e) => self.log.error(
                    "cannot set a sysctl through_vip needs",
                    &[
                        ("sysctl", &sysctl::conf_name("all", key)),
                        ("error", &e.to_string()),
                    ],
                ),
            }
        }
    }

    /// Gives back the sysctls [`Daemon::director_sysctls`] changed.
    fn restore_sysctls(&mut self) {
        for (key, was) in std::mem::take(&mut self.saved_sysctls) {
            if let Err(e) = crate::host::sysctl::set("all", key, was) {
                self.log.error(
                    "cannot restore a sysctl",
                    &[
                        ("sysctl", &crate::host::sysctl::conf_name("all", key)),
                        ("error", &e.to_string()),
                    ],
                );
            }
        }
    }

    /// Starts a task for every probe of `self.health` that has none, stops
    /// those of probes it no longer has; kept probes keep their schedule.
    fn start_probes(&mut self) {
        let ids: HashMap<&ProbeKey, usize> = self
            .health
            .probes
            .iter()
            .enumerate()
            .map(|(id, p)| (&*p.key, id))
            .collect();
        self.tasks.retain(|k, t| {
            let keep = ids.contains_key(&**k);
            if !keep {
                t.abort();
            }
            keep
        });
        let mut index = FastMap::default();
        for k in self.tasks.keys() {
            index.insert(Arc::as_ptr(k) as usize, ids[&**k]);
        }
        for (id, p) in self.health.probes.iter().enumerate() {
            if self.tasks.contains_key(&*p.key) {
                continue;
            }
            let key = p.key.clone();
            self.seed = xorshift(self.seed);
            let task = spawn_probe(key.clone(), self.results_tx.clone(), self.grid, self.seed);
            index.insert(Arc::as_ptr(&key) as usize, id);
            self.tasks.insert(key, task);
        }
        // A result in flight from a stopped task holds its key, so that
        // address is not reused by a new one: it finds nothing.
        self.index = index;
    }

    /// Counts one result; true when the kernel needs a change.
    fn on_result(&mut self, (key, outcome, now): ProbeResult) -> bool {
        let Some(&id) = self.index.get(&(Arc::as_ptr(&key) as usize)) else {
            return false; // a probe of an earlier file
        };
        let wall = self.clock.wall(now);
        let kind = key.spec.kind.name();
        match self.latency.get_mut(kind) {
            Some(h) => h.observe(outcome.latency),
            None => {
                let mut h = Histogram::default();
                h.observe(outcome.latency);
                self.latency.insert(kind.to_string(), h);
            }
        }
        let events = self.health.record(&self.config, id, &outcome, now, wall);
        let changed = !events.is_empty() || self.health.probes[id].state.weight().is_some();
        for e in events {
            if let Event::ServerUp { service, dest, .. } | Event::ServerDown { service, dest, .. } = &e {
                let s = &self.config.services[*service];
                let d = &s.dests[*dest].dest;
                *self
                    .transitions
                    .entry((proto::selector(&s.key), proto::server_text(d.addr, Some(d.port))))
                    .or_default() += 1;
            }
            self.on_event(&e);
        }
        changed
    }

    fn on_event(&self, e: &Event) {
        let c = &self.config;
        match e {
            Event::ServerUp {
                service,
                dest,
                reason,
            }
            | Event::ServerDown {
                service,
                dest,
                reason,
            } => {
                let s = &c.services[*service];
                let d = &s.dests[*dest].dest;
                let up = matches!(e, Event::ServerUp { .. });
                let server = proto::server_text(d.addr, Some(d.port));
                let fields = [
                    ("service", proto::selector(&s.key)),
                    ("server", server),
                    ("reason", reason.clone()),
                ];
                let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if up {
                    self.log.info("server up", &f);
                } else {
                    self.log.warn("server down", &f);
                }
                let argv = if up {
                    &s.policy.notify_up
                } else {
                    &s.policy.notify_down
                };
                self.hook(argv, Some((d.addr, d.port)));
            }
            Event::QuorumGained { service, live } | Event::QuorumLost { service, live } => {
                let s = &c.services[*service];
                let gained = matches!(e, Event::QuorumGained { .. });
                let sel = proto::selector(&s.key);
                let live = live.to_string();
                let quorum = s.policy.quorum.to_string();
                let f = [
                    ("service", sel.as_str()),
                    ("live_weight", &live),
                    ("quorum", &quorum),
                ];
                if gained {
                    self.log.info("quorum gained", &f);
                } else {
                    self.log.warn("quorum lost", &f);
                }
                let argv = if gained {
                    &s.policy.quorum_up
                } else {
                    &s.policy.quorum_down
                };
                self.hook(argv, None);
            }
        }
    }

    /// Runs a hook (argv, `%h`/`%p` replaced) as the configured user,
    /// without waiting for it; one that runs over a minute is killed.
    fn hook(&self, argv: &[String], server: Option<(IpAddr, u16)>) {
        let Some(program) = argv.first() else { return };
        let subst = |a: &String| match server {
            Some((h, p)) => a.replace("%h", &h.to_string()).replace("%p", &p.to_string()),
            None => a.clone(),
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(argv[1..].iter().map(subst));
        cmd.stdin(std::process::Stdio::null());
        cmd.kill_on_drop(true);
        if let Some((uid, gid)) = self.hook_ids {
            cmd.uid(uid).gid(gid);
        }
        let log = self.log.clone();
        let program = program.clone();
        match cmd.spawn() {
            Ok(mut child) => {
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(60), child.wait()).await {
                        Ok(Ok(st)) if st.success() => {}
                        Ok(Ok(st)) => log.warn(
                            "hook failed",
                            &[("program", &program), ("status", &st.to_string())],
                        ),
                        Ok(Err(e)) => {
                            log.warn("hook failed", &[("program", &program), ("error", &e.to_string())])
                        }
                        Err(_) => log.warn("hook killed after 60s", &[("program", &program)]),
                    }
                });
            }
            Err(e) => self.log.warn(
                "hook did not start",
                &[("program", &program), ("error", &e.to_string())],
            ),
        }
    }

    /// The table and options of one engine call.
    fn engine_call(&self, now: Instant) -> (Table, ReconcileOptions) {
        let mut t = self.health.desired(&self.config, now);
        t.services.extend(self.config.vip_probes.services.iter().cloned());
        // A VRRP instance's sync daemon is the file's only one (a
        // [[daemons]] entry beside it is refused): whole desired state,
        // its role the instance's.
        let vrrp_sync = self.vrrp_sync_daemon();
        let file = &self.config.desired;
        if self.config.daemon.prune {
            t.timeouts = file.table.timeouts;
            t.daemons = file.table.daemons.clone();
            t.sysctls = file.table.sysctls.clone();
            if vrrp_sync.is_some() {
                t.daemons = vrrp_sync;
            }
            let opts = ReconcileOptions {
                prune: true,
                dry_run: false,
                services: Services::All,
                scope: None,
            };
            return (t, opts);
        }
        if file.source.has_timeouts() {
            t.timeouts = file.table.timeouts;
        }
        if file.source.has_daemons() {
            t.daemons = file.table.daemons.clone();
        }
        if vrrp_sync.is_some() {
            t.daemons = vrrp_sync;
        }
        let named: Vec<&str> = file.source.sysctl_names().collect();
        if !named.is_empty() {
            if let Some(all) = &file.table.sysctls {
                t.sysctls = Some(
                    all.iter()
                        .filter(|(k, _)| named.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), *v))
                        .collect(),
                );
            }
        }
        let mut owned: FastSet<ServiceKey> = self.config.services.iter().map(|s| s.key).collect();
        owned.extend(self.config.vip_probes.keys());
        owned.extend(self.leaving_services.iter().copied());
        let opts = ReconcileOptions {
            prune: false,
            dry_run: false,
            services: Services::Only(owned),
            scope: None,
        };
        (t, opts)
    }

    /// The sync daemon of the `[[vrrp]]` instance that has one, in the
    /// role its state calls for (backup until the VRRP thread says Master,
    /// and after it stops).
    fn vrrp_sync_daemon(&self) -> Option<Vec<crate::ipvs::SyncDaemon>> {
        let spec = self.config.vrrp.iter().find_map(|i| i.sync_daemon.as_ref())?;
        let master = self.vrrp.as_ref().is_some_and(|v| v.sync_master());
        Some(vec![spec.daemon(master)])
    }

    /// One engine call: makes the kernel equal what the daemon wants now.
    /// Returns the number of changes sent (`None` on failure, logged).
    async fn sync(&mut self, reason: Reason) -> Option<usize> {
        self.status_cache = None;
        let now = Instant::now();
        let (desired, opts) = self.engine_call(now);
        // What the daemon itself changed since its last call (a weight
        // ramping up, a health change not yet sent): sent by a periodic
        // call, that is not drift.
        let expected: HashSet<String> = match &self.last_sent {
            Some(last) if reason == Reason::Periodic => last
                .diff(
                    &desired,
                    crate::state::DiffOptions {
                        prune: true,
                        exact_order: false,
                    },
                )
                .changes
                .iter()
                .map(|c| crate::state::rules::change_text(&c.change))
                .collect(),
            _ => HashSet::new(),
        };
        let sent = desired.clone();
        match self.kernel.reconcile(desired, opts).await {
            Ok(report) => {
                for c in &report.plan.changes {
                    let rule = crate::state::rules::change_text(&c.change);
                    match reason {
                        Reason::Periodic if !expected.contains(&rule) => {
                            self.log.warn("drift repaired", &[("change", &rule)])
                        }
                        Reason::Periodic => self
                            .log
                            .info("kernel changed", &[("change", &rule), ("why", "timer")]),
                        _ => self.log.info(
                            "kernel changed",
                            &[("change", &rule), ("why", reason_word(reason))],
                        ),
                    }
                }
                self.last_sent = Some(sent);
                // A table made after the last ramp's end had every full
                // weight in it: the step timer may stop.
                self.health.ramps_over(now);
                self.pending = false;
                self.failed_at = None;
                self.leaving_services.clear();
                Some(report.plan.changes.len())
            }
            Err(e) => {
                let message = match &e {
                    KernelError::Lock(m) => m.clone(),
                    KernelError::Engine(crate::state::EngineError::Refused(r)) => {
                        crate::output::text::refusal(&self.config.desired.source, r)
                    }
                    KernelError::Engine(e) => e.to_string(),
                    KernelError::Stopped => "the kernel thread has stopped".to_string(),
                };
                self.log
                    .error("kernel update failed; retrying", &[("error", &message)]);
                self.pending = true;
                self.failed_at = Some(Instant::now());
                None
            }
        }
    }

    /// Ends the drain of servers a reload removed once they have no
    /// connection left (or their time is up).
    async fn leaving_check(&mut self) {
        if self.health.leaving.is_empty() {
            return;
        }
        let live = match self.kernel.read().await {
            Ok(t) => t,
            Err(e) => {
                self.log.error("reading the table failed", &[("error", &e)]);
                return;
            }
        };
        let conns = |key: &ServiceKey, id: (IpAddr, u16)| -> Option<(u32, u32)> {
            let (_, dests) = live.iter().find(|(s, _)| s.service.key == *key)?;
            let d = dests.iter().find(|d| dest_id(&d.dest) == id)?;
            Some((d.active_conns, d.inact_conns))
        };
        for l in self.health.leaving_done(Instant::now(), &conns) {
            self.log.info(
                "drained out; deleting",
                &[
                    ("service", &proto::selector(&l.service)),
                    ("server", &proto::server_text(l.dest.addr, Some(l.dest.port))),
                ],
            );
        }
    }

    /// Reads the file again; an invalid one changes nothing.
    async fn reload(&mut self) -> Reply {
        notify::reloading();
        self.log.info("reloading", &[("config", &self.opts.config)]);
        // Read on a blocking thread: a big file takes seconds to parse,
        // and the probes share this loop's thread.
        let file = self.opts.config.clone();
        let loaded = tokio::task::spawn_blocking(move || load(&file))
            .await
            .unwrap_or_else(|e| Err(DaemonError::Start(format!("reading the file: {e}"))));
        let new = match loaded {
            Ok(c) => c,
            Err(e) => {
                let message = e.to_string();
                self.log
                    .error("reload refused; keeping the running file", &[("error", &message)]);
                notify::notify("READY=1");
                return Reply::Error {
                    kind: ErrorKind::Invalid,
                    message,
                };
            }
        };
        if !vrrp::config::same_setup(
            (&new.vrrp, &new.sync_groups),
            (&self.config.vrrp, &self.config.sync_groups),
        ) {
            let message = format!(
                "{}: the [[vrrp]] instances changed; a reload never moves a VIP, restart the daemon to change them",
                self.opts.config
            );
            self.log
                .error("reload refused; keeping the running file", &[("error", &message)]);
            notify::notify("READY=1");
            return Reply::Error {
                kind: ErrorKind::Invalid,
                message,
            };
        }
        if new.daemon.socket != self.config.daemon.socket
            || new.daemon.status_group != self.config.daemon.status_group
        {
            self.log
                .warn("the control socket's settings change only on a restart", &[]);
        }
        if (new.daemon.metrics, new.daemon.http, new.daemon.http_actions)
            != (
                self.config.daemon.metrics,
                self.config.daemon.http,
                self.config.daemon.http_actions,
            )
        {
            self.log.warn(
                "metrics, http and http_actions change only on a restart; the listeners stay as they are",
                &[],
            );
        }
        for w in warnings(&new) {
            self.log.warn(&w, &[]);
        }
        let live = match self.kernel.read().await {
            Ok(t) => Table::from_owned_entries(t),
            Err(e) => {
                self.log
                    .error("reload failed: reading the table", &[("error", &e)]);
                notify::notify("READY=1");
                return Reply::Error {
                    kind: ErrorKind::Failed,
                    message: e,
                };
            }
        };
        let now = Instant::now();
        let health = Health::new(&new, &live, Some(&self.health), now, SystemTime::now());
        let new_keys: HashSet<ServiceKey> = new.services.iter().map(|s| s.key).collect();
        let new_probes: HashSet<ServiceKey> = new.vip_probes.keys().collect();
        for s in &self.config.services {
            if !new_keys.contains(&s.key) {
                self.leaving_services.insert(s.key);
            }
        }
        for k in self.config.vip_probes.keys() {
            if !new_probes.contains(&k) {
                self.leaving_services.insert(k);
            }
        }
        self.config = new;
        self.health = health;
        let reg = registration(&self.config, &self.socket, &self.opts.config);
        if let Some(Err(e)) = self.registered.as_mut().map(|g| g.update(&reg)) {
            self.log
                .warn("updating the registry failed", &[("error", &e.to_string())]);
        }
        self.hook_ids = hook_user(&self.config, &self.log);
        check::command::set_run_as(self.hook_ids);
        self.web_reloaded();
        self.director_sysctls();
        self.start_probes();
        self.loaded = SystemTime::now();
        let sent = self.sync(Reason::Reload).await;
        self.tell_vrrp();
        notify::notify("READY=1");
        match sent {
            Some(n) => {
                self.log.info("reload done", &[("changes", &n.to_string())]);
                Reply::Ok {
                    message: format!(
                        "reloaded {}: {n} change{}",
                        self.opts.config,
                        if n == 1 { "" } else { "s" }
                    ),
                    status: None,
                }
            }
            None => Reply::Error {
                kind: ErrorKind::Failed,
                message: "reloaded, but the kernel update failed (see the log; retrying)".into(),
            },
        }
    }

    /// What an HTTP listener asks.
    async fn on_web(&mut self, ask: WebAsk) {
        match ask {
            WebAsk::Metrics(tx) => {
                let live = self.kernel.read().await.ok();
                let _ = tx.send(super::metrics::render(&self.snapshot(live.as_ref())));
            }
            WebAsk::Status(tx) => {
                let reuse = self
                    .status_cache
                    .as_ref()
                    .filter(|(at, _)| at.elapsed() < STATUS_REUSE)
                    .map(|(_, text)| text.clone());
                let text = match reuse {
                    Some(t) => t,
                    None => {
                        let live = self.kernel.read().await.ok();
                        let t = proto::status_json(&self.status(live.as_ref()), false);
                        self.status_cache = Some((Instant::now(), t.clone()));
                        t
                    }
                };
                let _ = tx.send(text);
            }
            WebAsk::History(since, tx) => {
                // Only a page's listener asks, and with a page there is a
                // history; an empty one otherwise.
                let empty = History::default();
                let h = self.history.as_ref().unwrap_or(&empty);
                let newest = h.newest().filter(|n| since.is_none_or(|s| *n > s));
                let _ = tx.send((newest, h.json(since)));
            }
            WebAsk::Action(request, reply) => {
                let r = self.on_request(request).await;
                let _ = reply.send(r);
            }
        }
    }

    /// After a reload: the history keeps the rows of the new file's
    /// services and servers (and sorry servers; a server still in the
    /// table but gone from the file comes back at the next read while it
    /// stays), and the page's buttons take the token file as it is now:
    /// one that has become unusable refuses them (deleting it revokes the
    /// token).
    fn web_reloaded(&mut self) {
        let mut keep: HashSet<String> = HashSet::new();
        for s in &self.config.services {
            let sel = proto::selector(&s.key);
            for d in s
                .dests
                .iter()
                .map(|m| &m.dest)
                .chain(s.policy.sorry_server.iter())
            {
                keep.insert(super::history::server_key(
                    &sel,
                    &proto::server_text(d.addr, Some(d.port)),
                ));
            }
            keep.insert(sel);
        }
        if let Some(h) = &mut self.history {
            h.retain(|k| keep.contains(k));
        }
        let Some(f) = &self.config.daemon.http_token_file else {
            return;
        };
        if !self.sites.iter().any(|s| s.actions) {
            return;
        }
        match super::http::read_token(f) {
            Ok(t) => {
                for s in self.sites.iter().filter(|s| s.actions) {
                    s.set_token(Some(t.clone()));
                }
            }
            Err(e) => {
                for s in self.sites.iter().filter(|s| s.actions) {
                    s.set_token(None);
                }
                self.log.error(
                    "the token file is unusable; the page's buttons are refused until a reload finds it good",
                    &[("error", &e)],
                );
            }
        }
    }

    /// Adds one read of the kernel's counters to the history.
    async fn sample(&mut self) {
        let Ok(live) = self.kernel.read().await else {
            return;
        };
        // Rates over the monotonic clock (the grid's origin never moves);
        // the wall clock only labels the point.
        let at = self.grid.elapsed().as_secs_f64();
        let wall = epoch(SystemTime::now());
        let managed: FastSet<ServiceKey> = self.config.services.iter().map(|s| s.key).collect();
        let mut readings = Vec::with_capacity(self.config.server_count() + managed.len());
        for (s, ds) in live.iter().filter(|(s, _)| managed.contains(&s.service.key)) {
            let sel = proto::selector(&s.service.key);
            for d in ds {
                readings.push(Reading {
                    key: super::history::server_key(
                        &sel,
                        &proto::server_text(d.dest.addr, Some(d.dest.port)),
                    ),
                    conns: d.stats.conns,
                    bytes: d.stats.inbytes.saturating_add(d.stats.outbytes),
                });
            }
            readings.push(Reading {
                key: sel,
                conns: s.stats.conns,
                bytes: s.stats.inbytes.saturating_add(s.stats.outbytes),
            });
        }
        if let Some(h) = &mut self.history {
            h.record(at, wall, &readings);
        }
    }

    async fn on_request(&mut self, req: Request) -> Reply {
        match req {
            Request::Status => {
                let live = self.kernel.read().await.ok();
                Reply::Ok {
                    message: String::new(),
                    status: Some(self.status(live.as_ref())),
                }
            }
            Request::Reload => self.reload().await,
            Request::Drain { service, server } => self.switch(&service, &server, Switch::Drain).await,
            Request::Undrain { service, server } => self.switch(&service, &server, Switch::Undrain).await,
            Request::Disable { service, server } => self.switch(&service, &server, Switch::Disable).await,
            Request::Enable { service, server } => self.switch(&service, &server, Switch::Enable).await,
            Request::VrrpRelease { instance } => self.vrrp_release(&instance, true).await,
            Request::VrrpResume { instance } => self.vrrp_release(&instance, false).await,
        }
    }

    /// `vrrp release` / `vrrp resume`.
    async fn vrrp_release(&self, instance: &str, on: bool) -> Reply {
        let Some(v) = &self.vrrp else {
            return Reply::Error {
                kind: ErrorKind::Invalid,
                message: format!("{}: no [[vrrp]] instance is configured", self.opts.config),
            };
        };
        match v.release(instance, on).await {
            Ok(()) => Reply::Ok {
                message: format!(
                    "{instance}: {}",
                    if on {
                        "released (priority 0 until `vrrp resume`)"
                    } else {
                        "resumed"
                    }
                ),
                status: None,
            },
            Err(message) => Reply::Error {
                kind: ErrorKind::Invalid,
                message,
            },
        }
    }

    /// Tells the VRRP thread which tracked services lost quorum, when that
    /// changed.
    fn tell_vrrp(&mut self) {
        let Some(v) = &self.vrrp else { return };
        // A service without quorum whose probes have not all answered once
        // (a fresh start: its servers begin down) is not known to have
        // lost it yet: pending, not lost. One already told lost stays lost
        // (a reload that adds a server to it keeps the verdict).
        let probes = &self.health.probes;
        let before = self.vrrp_lost.as_ref().map(|(l, _)| l);
        let (mut lost, mut pending) = (HashSet::new(), HashSet::new());
        for (s, st) in self.config.services.iter().zip(&self.health.services) {
            if st.quorum_up {
                continue;
            }
            let unanswered = st
                .dests
                .iter()
                .flat_map(|d| &d.probes)
                .any(|id| probes.get(*id).is_some_and(|p| p.state.last.is_none()));
            if unanswered && !before.is_some_and(|l| l.contains(&s.key)) {
                pending.insert(s.key);
            } else {
                lost.insert(s.key);
            }
        }
        let now = (lost, pending);
        if self.vrrp_lost.as_ref() != Some(&now) {
            v.quorum(now.0.clone(), now.1.clone());
            self.vrrp_lost = Some(now);
        }
    }

    /// `drain`, `undrain`, `disable` and `enable`: switches kept across
    /// restarts in the drain file.
    async fn switch(&mut self, service: &str, server: &str, how: Switch) -> Reply {
        let invalid = |message: String| Reply::Error {
            kind: ErrorKind::Invalid,
            message,
        };
        let Some(s) = self
            .config
            .services
            .iter()
            .find(|s| proto::selector(&s.key) == service)
        else {
            return invalid(format!("the daemon manages no service {service}"));
        };
        let key = s.key;
        let matches: Vec<(IpAddr, u16)> = s
            .dests
            .iter()
            .map(|d| (d.dest.addr, d.dest.port))
            .filter(|(a, p)| proto::server_text(*a, Some(*p)) == server || a.to_string() == server)
            .collect();
        if matches.is_empty() {
            return invalid(format!("{service} has no real server {server}"));
        }
        let mut changed = 0;
        for (a, p) in &matches {
            changed += usize::from(match how {
                Switch::Drain | Switch::Undrain => self.health.set_drained(key, *a, *p, how == Switch::Drain),
                Switch::Disable | Switch::Enable => {
                    self.health.set_disabled(key, *a, *p, how == Switch::Disable)
                }
            });
        }
        if let Some(path) = &self.drain_file {
            if let Err(e) = write_drains(path, &self.health.drained, &self.health.disabled) {
                self.log.error(
                    "saving drains failed",
                    &[("file", &path.display().to_string()), ("error", &e.to_string())],
                );
            }
        }
        let word = how.done();
        for (a, p) in &matches {
            self.log.info(
                word,
                &[
                    ("service", service),
                    ("server", &proto::server_text(*a, Some(*p))),
                ],
            );
        }
        if changed > 0 {
            let _ = self.health.update_quorum(
                &self.config,
                self.config
                    .services
                    .iter()
                    .position(|x| x.key == key)
                    .unwrap_or(0),
            );
        }
        match self.sync(Reason::Drain).await {
            Some(_) => Reply::Ok {
                message: format!(
                    "{word} {}{}",
                    matches
                        .iter()
                        .map(|(a, p)| proto::server_text(*a, Some(*p)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if changed == 0 { " (already)" } else { "" }
                ),
                status: None,
            },
            None => Reply::Error {
                kind: ErrorKind::Failed,
                message: "the kernel update failed (see the log; retrying)".into(),
            },
        }
    }

    /// Deletes what the daemon manages (`flush_on_stop`).
    async fn flush(&mut self) {
        let mut owned: FastSet<ServiceKey> = self.config.services.iter().map(|s| s.key).collect();
        owned.extend(self.config.vip_probes.keys());
        owned.extend(self.leaving_services.iter().copied());
        self.delete_services(owned, "what the daemon manages").await;
    }

    /// What a metrics scrape shows: the status, the counters kept here,
    /// and the kernel's counters.
    fn snapshot(&self, live: Option<&LiveTable>) -> Snapshot {
        let status = self.status(live);
        let find =
            |sel: &str| live.and_then(|l| l.iter().find(|(s, _)| proto::selector(&s.service.key) == sel));
        let mut snap = Snapshot {
            latency: self.latency.clone(),
            probes: self.latency.iter().map(|(k, h)| (k.clone(), h.count())).collect(),
            vrrp: status.vrrp.clone(),
            ..Snapshot::default()
        };
        for s in &status.services {
            let entry = find(&s.service);
            snap.services
                .push((s.service.clone(), s.quorum_up, entry.map(|(e, _)| e.stats)));
            let stats_of: HashMap<String, crate::ipvs::Stats> = entry
                .map(|(_, ds)| {
                    ds.iter()
                        .map(|x| (proto::server_text(x.dest.addr, Some(x.dest.port)), x.stats))
                        .collect()
                })
                .unwrap_or_default();
            for d in &s.servers {
                let stats = stats_of.get(&d.server).copied();
                snap.servers.push(ServerRow {
                    service: s.service.clone(),
                    server: d.server.clone(),
                    up: d.health == proto::Health::Up,
                    weight: d.weight,
                    effective: d.effective_weight,
                    transitions: self
                        .transitions
                        .get(&(s.service.clone(), d.server.clone()))
                        .copied()
                        .unwrap_or(0),
                    stats,
                });
            }
        }
        snap
    }

    fn status(&self, live: Option<&LiveTable>) -> proto::Status {
        let now = Instant::now();
        let desired = self.health.desired(&self.config, now);
        let by_id: HashMap<(ServiceKey, (IpAddr, u16)), (u32, u32)> = live
            .map(|l| {
                l.iter()
                    .flat_map(|(s, ds)| {
                        ds.iter().map(move |d| {
                            ((s.service.key, dest_id(&d.dest)), (d.active_conns, d.inact_conns))
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let conns = |key: &ServiceKey, id: (IpAddr, u16)| -> (Option<u32>, Option<u32>) {
            match by_id.get(&(*key, id)) {
                Some((a, i)) => (Some(*a), Some(*i)),
                None => (None, None),
            }
        };
        let wanted: HashMap<ServiceKey, &crate::state::table::ServiceSpec> =
            desired.services.iter().map(|x| (x.service.key, x)).collect();
        let mut services = Vec::with_capacity(self.config.services.len());
        for (si, s) in self.config.services.iter().enumerate() {
            let st = &self.health.services[si];
            let want: HashMap<(IpAddr, u16), u32> = wanted
                .get(&s.key)
                .map(|w| w.dests.iter().map(|d| (dest_id(d), d.weight)).collect())
                .unwrap_or_default();
            let effective = |id: (IpAddr, u16)| want.get(&id).copied();
            let mut servers = Vec::with_capacity(s.dests.len());
            for (md, ds) in s.dests.iter().zip(&st.dests) {
                let id = dest_id(&md.dest);
                let (active, inactive) = conns(&s.key, id);
                let checks = ds
                    .probes
                    .iter()
                    .map(|pid| {
                        let p = &self.health.probes[*pid];
                        proto::CheckStatus {
                            kind: p.key.spec.kind.name().to_string(),
                            target: check_target(&p.key),
                            up: p.state.up,
                            last: p.state.last.as_ref().map(|(o, at)| proto::ProbeStatus {
                                up: o.up,
                                reason: o.reason.clone(),
                                latency_ms: o.latency.as_secs_f64() * 1000.0,
                                at: epoch(*at),
                            }),
                            streak: p.state.streak,
                        }
                    })
                    .collect();
                servers.push(proto::ServerStatus {
                    server: proto::server_text(md.dest.addr, Some(md.dest.port)),
                    weight: md.dest.weight,
                    effective_weight: effective(id),
                    health: if ds.up {
                        proto::Health::Up
                    } else {
                        proto::Health::Down
                    },
                    since: epoch(ds.since),
                    drained: self.health.is_drained(&s.key, &md.dest),
                    enabled: !self.health.is_disabled(&s.key, &md.dest),
                    leaving_until: None,
                    active_conns: active,
                    inactive_conns: inactive,
                    checks,
                });
            }
            for l in self.health.leaving.iter().filter(|l| l.service == s.key) {
                let id = dest_id(&l.dest);
                let (active, inactive) = conns(&s.key, id);
                servers.push(proto::ServerStatus {
                    server: proto::server_text(l.dest.addr, Some(l.dest.port)),
                    weight: 0,
                    effective_weight: Some(0),
                    health: proto::Health::Up,
                    since: epoch(self.loaded),
                    drained: false,
                    enabled: true,
                    leaving_until: Some(epoch(l.until_wall)),
                    active_conns: active,
                    inactive_conns: inactive,
                    checks: Vec::new(),
                });
            }
            services.push(proto::ServiceStatus {
                service: proto::selector(&s.key),
                quorum: s.policy.quorum,
                quorum_up: st.quorum_up,
                live_weight: self.health.live_weight(s, si),
                sorry_server: s.policy.sorry_server.as_ref().map(|d| proto::SorryStatus {
                    server: proto::server_text(d.addr, Some(d.port)),
                    active: !st.quorum_up,
                }),
                servers,
            });
        }
        proto::Status {
            version: proto::STATUS_VERSION,
            pid: std::process::id(),
            config: self.opts.config.clone(),
            started: epoch(self.started),
            loaded: epoch(self.loaded),
            services,
            vrrp: self.vrrp.as_ref().map(|v| v.status()).unwrap_or_default(),
        }
    }
}

/// What a hand switch does to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Switch {
    /// Weight 0 until undrained.
    Drain,
    /// Its weight back.
    Undrain,
    /// Out of the table until enabled.
    Disable,
    /// Back in the table.
    Enable,
}

impl Switch {
    fn done(self) -> &'static str {
        match self {
            Switch::Drain => "drained",
            Switch::Undrain => "undrained",
            Switch::Disable => "disabled",
            Switch::Enable => "enabled",
        }
    }
}

fn reason_word(r: Reason) -> &'static str {
    match r {
        Reason::Start => "start",
        Reason::Health => "health",
        Reason::Periodic => "drift",
        Reason::Reload => "reload",
        Reason::Drain => "drain",
        Reason::Timer => "timer",
        Reason::Vrrp => "vrrp",
    }
}

/// Where a probe goes, for status.
fn check_target(k: &ProbeKey) -> String {
    use super::check::CheckKind;
    match &k.spec.kind {
        CheckKind::Command { argv, .. } => argv.join(" "),
        CheckKind::File { path } => path.clone(),
        _ => {
            let t = k.spec.target(&k.server);
            proto::server_text(t.ip(), Some(t.port()))
        }
    }
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// One probe's task: its first probe at `seed`'s slot of [`GRID`] within
/// the interval (counted from `grid`, the same origin for every probe, so
/// that probes of one slot share one timer), then one per interval. A
/// probe that outlasts its interval delays the next, which starts at the
/// first slot after it ended ([`next_tick`]): never two at once. With a
/// `retry_interval`, a failure that has not yet made `fall` in a row is
/// retried that long after it ended ([`retry_due`]), as keepalived counts
/// `delay_before_retry`; the interval's rhythm resumes from there.
fn spawn_probe(
    key: Arc<ProbeKey>,
    tx: mpsc::Sender<ProbeResult>,
    grid: Instant,
    seed: u64,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let interval = key.spec.interval.max(GRID);
        let slots = (interval.as_nanos() / GRID.as_nanos()).max(1) as u64;
        let phase = Duration::from_nanos((seed % slots) * GRID.as_nanos() as u64);
        let mut next = first_tick(grid, phase, interval, Instant::now());
        let mut fails: u32 = 0;
        loop {
            tokio::time::sleep_until(next.into()).await;
            // Boxed: a task spends its life asleep, and should not carry
            // the room of a running probe while it does.
            let (outcome, end) = Box::pin(check::probe_timed(&key.spec, &key.server)).await;
            fails = if outcome.up { 0 } else { fails.saturating_add(1) };
            next = match retry_due(&key.spec, fails) {
                // keepalived's delay_before_retry counts from the failure.
                Some(r) => first_tick(next, Duration::ZERO, GRID, end + r),
                None => next_tick(next, interval, end),
            };
            if tx.send((key.clone(), outcome, end)).await.is_err() {
                break;
            }
        }
    })
}

/// The retry interval after `fails` failures in a row, while they are
/// fewer than `fall` (a probe's own count: one probe per server and
/// check, so it is the check's).
fn retry_due(spec: &check::CheckSpec, fails: u32) -> Option<Duration> {
    let r = spec.retry_interval?;
    (fails > 0 && fails < spec.fall).then(|| r.max(GRID))
}

/// The first tick at or after `now` of the ticks `grid + phase + k *
/// step`.
fn first_tick(grid: Instant, phase: Duration, step: Duration, now: Instant) -> Instant {
    let first = grid + phase;
    match now.checked_duration_since(first) {
        None => first,
        Some(late) => {
            let step = step.as_nanos().max(1);
            let ahead = late.as_nanos().div_ceil(step) * step;
            first + Duration::from_nanos(u64::try_from(ahead).unwrap_or(u64::MAX))
        }
    }
}

/// When the probe after one due at `last` and ended at `end` starts: an
/// interval after `last`; or, when the probe ran past that (a timeout as
/// long as the interval, say), at once: at the first slot of the grid
/// after it ended, and from there on an interval apart.
fn next_tick(last: Instant, interval: Duration, end: Instant) -> Instant {
    let next = last + interval;
    if next > end {
        return next;
    }
    first_tick(last, Duration::ZERO, GRID, end)
}

/// The uid and gid hooks and command checks run as (root only can switch;
/// otherwise they run as the daemon's own user).
fn hook_user(c: &DaemonConfig, log: &Log) -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    match crate::host::netdb::user_ids(&c.daemon.user) {
        Some(ids) => Some(ids),
        None => {
            log.warn(
                "hook user not found; hooks run as root",
                &[("user", &c.daemon.user)],
            );
            None
        }
    }
}

/// Where drains are kept across restarts: one file per network namespace
/// under /run/lvsctl.
fn drain_file() -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata("/proc/self/ns/net").ok()?.ino();
    Some(PathBuf::from(format!("/run/lvsctl/daemon-drains-net-{ino}.json")))
}

/// One switched server: drained, or (`disabled`) out of the table. A
/// file written before `disabled` existed reads as drains.
#[derive(serde::Serialize, serde::Deserialize)]
struct DrainRecord {
    service: String,
    server: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

type Switched = HashSet<(ServiceKey, IpAddr, u16)>;

/// The drained and the disabled servers of the drain file.
fn read_drains(path: &std::path::Path) -> (Switched, Switched) {
    let (mut drained, mut disabled) = (Switched::new(), Switched::new());
    let Ok(text) = std::fs::read_to_string(path) else {
        return (drained, disabled);
    };
    let Ok(list) = serde_json::from_str::<Vec<DrainRecord>>(&text) else {
        return (drained, disabled);
    };
    for r in &list {
        let Some(key) = proto::parse_selector(&r.service) else {
            continue;
        };
        let Ok(sa) = r.server.parse::<std::net::SocketAddr>() else {
            continue;
        };
        let set = if r.disabled { &mut disabled } else { &mut drained };
        set.insert((key, sa.ip(), sa.port()));
    }
    (drained, disabled)
}

fn write_drains(path: &std::path::Path, drained: &Switched, disabled: &Switched) -> std::io::Result<()> {
    let record = |(k, a, p): &(ServiceKey, IpAddr, u16), disabled: bool| DrainRecord {
        service: proto::selector(k),
        server: proto::server_text(*a, Some(*p)),
        disabled,
    };
    let mut list: Vec<DrainRecord> = drained
        .iter()
        .map(|x| record(x, false))
        .chain(disabled.iter().map(|x| record(x, true)))
        .collect();
    list.sort_by(|a, b| (&a.service, &a.server, a.disabled).cmp(&(&b.service, &b.server, b.disabled)));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()))?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests;
