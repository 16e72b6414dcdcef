//! The daemon's file: `apply`'s TOML, grown.
//!
//! ```toml
//! [daemon]
//! reconcile_interval = "10s"   # full read of the kernel; drift repaired
//! drain_timeout = "300s"       # a server removed by a reload drains this long at most
//! socket = "/run/lvsctl/daemon.sock"
//! prune = false                # true: the file is the whole table
//! flush_on_stop = false        # true: SIGTERM removes what the daemon manages
//!
//! [[services]]
//! protocol = "tcp"
//! address = "192.0.2.110"
//! port = 80
//! on_failure = "quiesce"       # or "remove"
//! slow_start = "10s"
//! quorum = 1
//! hysteresis = 0
//! sorry_server = { address = "192.0.2.13", port = 80, forward = "route" }
//! notify_down = ["/usr/local/sbin/rs-event", "down", "%h", "%p"]
//!
//!   [services.check]           # every real server's, unless it has its own
//!   type = "http"
//!
//!   [[services.destinations]]
//!   address = "192.0.2.11"
//!   check = { type = "tcp" }
//! ```
//!
//! The file is read by [`crate::state::config::parse_with`] with one
//! [`Extension`] (this module's `Reader`), so the service table itself is
//! exactly what `apply` would read from the same text, and every error,
//! ours included, names `FILE:LINE`. What the extension reads is kept per
//! service key and per real server and joined with the table at the end
//! ([`DaemonConfig`]); a real server without a `check` takes its service's,
//! and one with neither is static: always up, as in keepalived.
//!
//! Decisions an operator would otherwise have to guess:
//! * New duration keys take strings (`"500ms"`, `"1m30s"`,
//!   [`super::duration`]); the keys `apply` had keep integer seconds.
//! * The daemon manages `[timeouts]`, `[sysctl]` settings and `[[daemons]]`
//!   only where the file writes them (`apply` resets what a file leaves
//!   out; a daemon doing that every `reconcile_interval` would fight
//!   `/etc/sysctl.d`). With `prune = true` it manages the whole state, as
//!   `apply` does.
//! * Hooks are argv arrays, never shell lines; `%h` and `%p` are replaced.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::check::config::read_checks;
use super::check::CheckSpec;
use super::duration;
use crate::ipvs::{Destination, ForwardMethod, ServiceKey};
use crate::state::config::{parse_with, Doc, Extension, Value};
use crate::state::table::dest_id;
use crate::state::{Desired, InputError};

/// `[daemon]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSection {
    /// How often the kernel table is read whole and drift repaired.
    pub reconcile_interval: Duration,
    /// How long a server removed by a reload drains at most.
    pub drain_timeout: Duration,
    /// Control socket; the one of the network namespace when unset.
    pub socket: Option<PathBuf>,
    /// Prometheus listener.
    pub metrics: Option<SocketAddr>,
    /// The status page's listener (the same as `metrics`: one listener).
    pub http: Option<SocketAddr>,
    /// The page's drain/undrain/enable/disable buttons and their POSTs.
    pub http_actions: bool,
    /// The file holding the token those POSTs must carry.
    pub http_token_file: Option<PathBuf>,
    /// The file is the whole table (services others made are deleted).
    pub prune: bool,
    /// SIGTERM removes what the daemon manages.
    pub flush_on_stop: bool,
    /// First firewall mark of the `through_vip` probe services.
    pub mark_base: u32,
    /// User hooks and command checks run as.
    pub user: String,
    /// Group whose members may read `status` over the socket.
    pub status_group: Option<String>,
    /// Line of `[daemon]`, if written.
    pub line: Option<usize>,
}

impl Default for DaemonSection {
    fn default() -> Self {
        DaemonSection {
            reconcile_interval: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(300),
            socket: None,
            metrics: None,
            http: None,
            http_actions: false,
            http_token_file: None,
            prune: false,
            flush_on_stop: false,
            mark_base: 0x4c56_0000,
            user: "nobody".to_string(),
            status_group: None,
            line: None,
        }
    }
}

/// What happens to a real server whose checks fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Weight 0: no new connections, existing ones carry on.
    #[default]
    Quiesce,
    /// Deleted from the service.
    Remove,
}

/// Health-related settings of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePolicy {
    /// What a failed server becomes.
    pub on_failure: OnFailure,
    /// Weight ramp after a server comes back.
    pub slow_start: Duration,
    /// Least total live weight.
    pub quorum: u32,
    /// Around `quorum`.
    pub hysteresis: u32,
    /// In the table (weight 1) while quorum is lost.
    pub sorry_server: Option<Destination>,
    /// Run when a server comes up (`%h`, `%p`).
    pub notify_up: Vec<String>,
    /// Run when a server goes down.
    pub notify_down: Vec<String>,
    /// Run when quorum is regained.
    pub quorum_up: Vec<String>,
    /// Run when quorum is lost.
    pub quorum_down: Vec<String>,
    /// The service's default checks (shared by its servers: a file of
    /// 37,000 servers has one copy of each, not one per server).
    pub checks: Vec<Arc<CheckSpec>>,
}

impl Default for ServicePolicy {
    fn default() -> Self {
        ServicePolicy {
            on_failure: OnFailure::Quiesce,
            slow_start: Duration::ZERO,
            quorum: 1,
            hysteresis: 0,
            sorry_server: None,
            notify_up: Vec::new(),
            notify_down: Vec::new(),
            quorum_up: Vec::new(),
            quorum_down: Vec::new(),
            checks: Vec::new(),
        }
    }
}

/// Checks that must all pass.
type Checks = Vec<Arc<CheckSpec>>;

/// One managed real server: as in the file, and its checks (empty:
/// static, always up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedDest {
    /// As configured (weight, forwarding, thresholds).
    pub dest: Destination,
    /// All must pass.
    pub checks: Vec<Arc<CheckSpec>>,
}

/// One managed service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedService {
    /// Its key.
    pub key: ServiceKey,
    /// Its line in the file.
    pub line: usize,
    /// Health settings.
    pub policy: ServicePolicy,
    /// Real servers, in file order.
    pub dests: Vec<ManagedDest>,
}

/// A whole daemon file.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// The table as `apply` reads it (configured weights), with its source
    /// lines.
    pub desired: Desired,
    /// `[daemon]`.
    pub daemon: DaemonSection,
    /// Services with their policies, in file order.
    pub services: Vec<ManagedService>,
    /// The probe services of `through_vip` checks (placed when the file is
    /// loaded on a director: [`super::vip_probe::plan`]).
    pub vip_probes: super::vip_probe::VipProbes,
    /// `[[vrrp]]` instances, in file order.
    pub vrrp: Vec<super::vrrp::config::Instance>,
    /// `[[vrrp_sync_group]]`s.
    pub sync_groups: Vec<super::vrrp::config::SyncGroup>,
}

/// The keys this module reads in a service.
pub use crate::state::config::DAEMON_SERVICE_KEYS as SERVICE_KEYS;

/// The keys this module reads in a real server.
pub use crate::state::config::DAEMON_DESTINATION_KEYS as DESTINATION_KEYS;

/// The top-level sections this module reads.
pub use crate::state::config::DAEMON_SECTIONS as SECTIONS;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonToml {
    reconcile_interval: Option<String>,
    drain_timeout: Option<String>,
    socket: Option<String>,
    metrics: Option<String>,
    http: Option<String>,
    http_actions: Option<bool>,
    http_token_file: Option<String>,
    prune: Option<bool>,
    flush_on_stop: Option<bool>,
    mark_base: Option<u32>,
    user: Option<String>,
    status_group: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SorryToml {
    address: IpAddr,
    port: Option<u16>,
    forward: Option<String>,
}

/// The [`Extension`] that reads the daemon's parts.
#[derive(Debug, Default)]
struct Reader {
    daemon: DaemonSection,
    policies: HashMap<ServiceKey, ServicePolicy>,
    dest_checks: HashMap<(ServiceKey, (IpAddr, u16)), Checks>,
    /// Every real server of each service, switched-off ones included.
    listed: HashMap<ServiceKey, Vec<crate::ipvs::Destination>>,
    vrrp: Vec<super::vrrp::config::Instance>,
    sync_groups: Vec<super::vrrp::config::SyncGroup>,
}

impl Extension for Reader {
    fn sections(&self) -> &[&str] {
        &SECTIONS
    }
    fn service_keys(&self) -> &[&str] {
        &SERVICE_KEYS
    }
    fn destination_keys(&self) -> &[&str] {
        &DESTINATION_KEYS
    }

    fn section(&mut self, doc: &Doc<'_>, name: &str, value: Value<'_>) -> Result<(), InputError> {
        match name {
            "vrrp" => {
                self.vrrp = super::vrrp::config::read_instances(doc, value)?;
                return Ok(());
            }
            "vrrp_sync_group" => {
                self.sync_groups = super::vrrp::config::read_groups(doc, value)?;
                return Ok(());
            }
            _ => debug_assert_eq!(name, "daemon"),
        }
        let span = value.span();
        let t: DaemonToml = doc.decode(value)?;
        let d = &mut self.daemon;
        d.line = Some(doc.line(&span));
        let dur = |key: &str, v: &Option<String>, min: Duration| -> Result<Option<Duration>, InputError> {
            let Some(text) = v else { return Ok(None) };
            let d = duration::parse(text).map_err(|e| doc.err(&span, format!("daemon.{key}: {e}")))?;
            if d < min {
                return Err(doc.err(
                    &span,
                    format!("daemon.{key} must be at least {}", duration::show(min)),
                ));
            }
            Ok(Some(d))
        };
        if let Some(v) = dur(
            "reconcile_interval",
            &t.reconcile_interval,
            Duration::from_millis(100),
        )? {
            d.reconcile_interval = v;
        }
        if let Some(v) = dur("drain_timeout", &t.drain_timeout, Duration::ZERO)? {
            d.drain_timeout = v;
        }
        if let Some(s) = t.socket {
            if !s.starts_with('/') {
                return Err(doc.err(&span, format!("daemon.socket {s:?} must be an absolute path")));
            }
            d.socket = Some(PathBuf::from(s));
        }
        if let Some(m) = t.metrics {
            d.metrics = Some(m.parse().map_err(|_| {
                doc.err(
                    &span,
                    format!("daemon.metrics {m:?}: expected ADDRESS:PORT, e.g. \"127.0.0.1:9480\""),
                )
            })?);
        }
        if let Some(m) = t.http {
            d.http = Some(m.parse().map_err(|_| {
                doc.err(
                    &span,
                    format!("daemon.http {m:?}: expected ADDRESS:PORT, e.g. \"127.0.0.1:9480\""),
                )
            })?);
        }
        d.http_actions = t.http_actions.unwrap_or(false);
        if let Some(f) = t.http_token_file {
            if !f.starts_with('/') {
                return Err(doc.err(
                    &span,
                    format!("daemon.http_token_file {f:?} must be an absolute path"),
                ));
            }
            d.http_token_file = Some(PathBuf::from(f));
        }
        if d.http_actions && d.http.is_none() {
            return Err(doc.err(
                &span,
                "daemon.http_actions needs daemon.http (the page's listener)",
            ));
        }
        if d.http_actions && d.http_token_file.is_none() {
            return Err(doc.err(
                &span,
                "daemon.http_actions needs daemon.http_token_file: the page's buttons send that token",
            ));
        }
        d.prune = t.prune.unwrap_or(false);
        d.flush_on_stop = t.flush_on_stop.unwrap_or(false);
        if let Some(m) = t.mark_base {
            if m == 0 {
                return Err(doc.err(&span, "daemon.mark_base must be 1 or more"));
            }
            d.mark_base = m;
        }
        if let Some(u) = t.user {
            if u.is_empty() || u.contains([':', '/', ' ']) {
                return Err(doc.err(&span, format!("daemon.user {u:?} is not a user name")));
            }
            d.user = u;
        }
        if let Some(g) = t.status_group {
            if g.is_empty() || g.contains([':', '/', ' ']) {
                return Err(doc.err(&span, format!("daemon.status_group {g:?} is not a group name")));
            }
            d.status_group = Some(g);
        }
        Ok(())
    }

    fn service_key(
        &mut self,
        doc: &Doc<'_>,
        service: &ServiceKey,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        let span = value.span();
        let p = self.policies.entry(*service).or_default();
        match key {
            "on_failure" => {
                let s: String = doc.decode(value)?;
                p.on_failure = match s.as_str() {
                    "quiesce" => OnFailure::Quiesce,
                    "remove" => OnFailure::Remove,
                    other => {
                        return Err(doc.err(
                            &span,
                            format!("on_failure {other:?}: expected \"quiesce\" or \"remove\""),
                        ))
                    }
                };
            }
            "slow_start" => {
                let s: String = doc.decode(value)?;
                p.slow_start = duration::parse(&s).map_err(|e| doc.err(&span, format!("slow_start: {e}")))?;
            }
            "quorum" => p.quorum = doc.decode(value)?,
            "hysteresis" => p.hysteresis = doc.decode(value)?,
            "sorry_server" => {
                let s: SorryToml = doc.decode(value)?;
                let forward = match s.forward.as_deref() {
                    None => ForwardMethod::Route,
                    Some(f) => f.parse::<ForwardMethod>().map_err(|_| {
                        doc.err(
                            &span,
                            format!("sorry_server.forward {f:?}: expected route, masq or tunnel"),
                        )
                    })?,
                };
                if s.address.is_ipv4() != service_is_v4(service) {
                    return Err(doc.err(&span, "sorry_server's address family differs from the service's"));
                }
                let port = match (s.port, service) {
                    (Some(p), _) => p,
                    (None, ServiceKey::Addr { port, .. }) => *port,
                    (None, ServiceKey::Fwmark { .. }) => 0,
                };
                let mut d = Destination::new(s.address, port);
                d.fwd = forward;
                d.weight = 1;
                p.sorry_server = Some(d);
            }
            "notify_up" | "notify_down" | "quorum_up" | "quorum_down" => {
                let argv: Vec<String> = doc.decode(value)?;
                if argv.first().is_some_and(|a| !a.starts_with('/')) {
                    return Err(doc.err(
                        &span,
                        format!("{key}: the program must be an absolute path (no shell runs it)"),
                    ));
                }
                let slot = match key {
                    "notify_up" => &mut p.notify_up,
                    "notify_down" => &mut p.notify_down,
                    "quorum_up" => &mut p.quorum_up,
                    _ => &mut p.quorum_down,
                };
                *slot = argv;
            }
            "check" => p.checks = read_checks(doc, value)?.into_iter().map(Arc::new).collect(),
            _ => return Err(doc.err(&span, format!("no reader for services.{key}"))),
        }
        Ok(())
    }

    fn destination_key(
        &mut self,
        doc: &Doc<'_>,
        service: &ServiceKey,
        dest: &Destination,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        debug_assert_eq!(key, "check");
        let checks = read_checks(doc, value)?.into_iter().map(Arc::new).collect();
        self.dest_checks.insert((*service, dest_id(dest)), checks);
        Ok(())
    }

    fn service_destinations(&mut self, service: &ServiceKey, all: &[crate::ipvs::Destination]) {
        self.listed.insert(*service, all.to_vec());
    }
}

fn service_is_v4(k: &ServiceKey) -> bool {
    match k {
        ServiceKey::Addr { addr, .. } => addr.is_ipv4(),
        ServiceKey::Fwmark { af, .. } => *af == crate::ipvs::AddressFamily::Inet,
    }
}

/// Parses and validates a daemon file whole.
pub fn parse(file: &str, text: &str) -> Result<DaemonConfig, InputError> {
    let mut reader = Reader::default();
    let desired = parse_with(file, text, &mut [&mut reader])?;
    let err = |line: usize, message: String| InputError {
        file: file.to_string(),
        line,
        message,
    };
    let mut services = Vec::with_capacity(desired.table.services.len());
    for spec in &desired.table.services {
        let key = spec.service.key;
        let line = desired.source.service_line(&key).unwrap_or(0);
        let policy = reader.policies.remove(&key).unwrap_or_default();
        // The rules below hold for switched-off servers too: turning one
        // on must not make a valid file invalid.
        let listed = reader.listed.remove(&key).unwrap_or_default();
        for d in &listed {
            let own = reader.dest_checks.get(&(key, dest_id(d)));
            let checks = own.unwrap_or(&policy.checks);
            for c in checks {
                let needs_port = c.kind.uses_network() && !matches!(c.kind, super::check::CheckKind::Ping);
                if needs_port && c.connect_port.unwrap_or(d.port) == 0 {
                    return Err(err(
                        line,
                        format!(
                            "real server {} has no port: its {} check needs connect_port",
                            d.addr,
                            c.kind.name()
                        ),
                    ));
                }
            }
        }
        let mut dests = Vec::with_capacity(spec.dests.len());
        for d in &spec.dests {
            let own = reader.dest_checks.remove(&(key, dest_id(d)));
            let checks = own.unwrap_or_else(|| policy.checks.clone());
            dests.push(ManagedDest {
                dest: d.clone(),
                checks,
            });
        }
        if let Some(sorry) = &policy.sorry_server {
            if listed.iter().any(|d| dest_id(d) == dest_id(sorry)) {
                return Err(err(
                    line,
                    format!("sorry_server {} is also a real server of the service", sorry.addr),
                ));
            }
        }
        services.push(ManagedService {
            key,
            line,
            policy,
            dests,
        });
    }
    for i in &reader.vrrp {
        for k in &i.track_services {
            if !services.iter().any(|s| s.key == *k) {
                return Err(err(
                    i.line,
                    format!(
                        "vrrp {}: track_services names {}, which is not a service of this file",
                        i.name,
                        super::proto::selector(k)
                    ),
                ));
            }
        }
    }
    if let Some(i) = reader.vrrp.iter().find(|i| i.sync_daemon.is_some()) {
        // Either role of the kernel's one pair is the instance's in turn,
        // so no [[daemons]] entry can sit beside it, whatever its
        // interface or sync id.
        if let Some(line) = desired.source.daemons.values().min() {
            return Err(err(
                *line,
                format!(
                    "[[daemons]] beside vrrp {}'s sync_daemon (line {}): the kernel runs one master and one backup sync daemon, and the instance switches its daemon between the two roles; remove this entry",
                    i.name, i.line
                ),
            ));
        }
    }
    super::vrrp::config::check_groups(file, &reader.sync_groups, &reader.vrrp)?;
    Ok(DaemonConfig {
        desired,
        daemon: reader.daemon,
        services,
        vip_probes: Default::default(),
        vrrp: reader.vrrp,
        sync_groups: reader.sync_groups,
    })
}

impl DaemonConfig {
    /// Number of distinct probes the file asks for: one per (server
    /// address, port, check), however many services share them.
    pub fn probe_count(&self) -> usize {
        let mut seen = std::collections::HashSet::new();
        for s in &self.services {
            for d in &s.dests {
                for c in &d.checks {
                    seen.insert((d.dest.addr, d.dest.port, c));
                }
            }
        }
        seen.len()
    }

    /// Whether a check probes through the VIP.
    pub fn has_vip_probes(&self) -> bool {
        self.services
            .iter()
            .any(|s| s.dests.iter().any(|d| d.checks.iter().any(|c| c.through_vip)))
    }

    /// Number of real servers (service × server).
    pub fn server_count(&self) -> usize {
        self.services.iter().map(|s| s.dests.len()).sum()
    }
}

#[cfg(test)]
mod tests;
