//! Health checks: what one probe of a real server is, and running it.
//!
//! A check is a value ([`CheckSpec`]) that can be compared and hashed: the
//! daemon runs one probe per (server address, server port, check) however
//! many services share that server (keepalived probes a server once per
//! service that lists it; its users asked for this in #1495, #2111,
//! #2358). Outside input (a reply, a status line, a command's output) is
//! parsed by small functions of their own, property-tested, which never
//! panic.
//!
//! [`probe`] runs one probe to the end or to its timeout and says why it
//! failed; the rise/fall counting lives in [`super::health`].

pub mod config;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How an `expect` string is matched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Matcher {
    /// A regular expression (Rust `regex` syntax), searched anywhere.
    Regex(String),
    /// Literal text, where `*` matches any run of bytes (piranha nanny's
    /// `expect`), searched anywhere.
    Literal(String),
}

/// An HTTP or HTTPS request and what its answer must be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpCheck {
    /// `GET` unless set.
    pub method: String,
    /// Request target, `/` unless set.
    pub path: String,
    /// `Host` header; the server's address (and port unless 80/443).
    pub host: Option<String>,
    /// Status ranges that count as up (inclusive), 200-299 unless set.
    pub status: Vec<(u16, u16)>,
    /// Matched against the body (the first 1 MiB).
    pub expect: Option<Matcher>,
    /// TLS (`https`), with its settings.
    pub tls: Option<TlsCheck>,
}

/// TLS settings of an `https` check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsCheck {
    /// Server name sent (SNI) and verified; the `host` (or the address)
    /// unless set.
    pub sni: Option<String>,
    /// PEM file of the CA certificates to trust; the system's otherwise.
    pub ca_file: Option<String>,
    /// Do not verify the certificate at all.
    pub insecure: bool,
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// TCP connect.
    Tcp,
    /// HTTP or HTTPS request.
    Http(HttpCheck),
    /// piranha nanny's: connect (TCP), send a string, match the reply.
    /// An empty `send` only reads.
    SendExpect {
        /// Bytes sent, escapes already decoded.
        send: Vec<u8>,
        /// Matched against what arrives before the timeout or EOF.
        expect: Option<Matcher>,
    },
    /// UDP datagram; without `expect`, up unless the server answers with
    /// ICMP port unreachable within the timeout.
    Udp {
        /// Datagram sent.
        payload: Vec<u8>,
        /// Matched against the reply; with it, a reply is required.
        expect: Option<Matcher>,
    },
    /// DNS query over UDP.
    Dns {
        /// Query name (`.` by default).
        name: String,
        /// Query type number (SOA = 6 by default).
        qtype: u16,
        /// Response codes that count as up (NOERROR = 0 by default).
        rcodes: Vec<u8>,
    },
    /// ICMP or ICMPv6 echo.
    Ping,
    /// A program (argv, `%h`/`%p` replaced); exit 0 up, 1 down.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// keepalived's misc_dynamic: exit 2-255 is up with weight exit-2.
        dynamic_weight: bool,
        /// Matched against its standard output (nanny's send_program).
        expect: Option<Matcher>,
    },
    /// The file (path with `%h`/`%p`) exists: the server is down
    /// (ldirectord's maintenancedir).
    File {
        /// Path pattern.
        path: String,
    },
}

impl CheckKind {
    /// The `type` key's value.
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::Tcp => "tcp",
            CheckKind::Http(h) if h.tls.is_some() => "https",
            CheckKind::Http(_) => "http",
            CheckKind::SendExpect { .. } => "send-expect",
            CheckKind::Udp { .. } => "udp",
            CheckKind::Dns { .. } => "dns",
            CheckKind::Ping => "ping",
            CheckKind::Command { .. } => "command",
            CheckKind::File { .. } => "file",
        }
    }

    /// Whether the probe opens a network connection (file and command
    /// checks do not, so address options mean nothing to them).
    pub fn uses_network(&self) -> bool {
        !matches!(self, CheckKind::Command { .. } | CheckKind::File { .. })
    }
}

/// One check as configured: what to do, where, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckSpec {
    /// What a probe does.
    pub kind: CheckKind,
    /// Probe this address instead of the real server's.
    pub connect_address: Option<IpAddr>,
    /// Probe this port instead of the real server's.
    pub connect_port: Option<u16>,
    /// Bind the probe's socket to this source address.
    pub source_address: Option<IpAddr>,
    /// `SO_MARK` on the probe's socket.
    pub fwmark: Option<u32>,
    /// Probe the VIP through IPVS (DR and TUN services).
    pub through_vip: bool,
    /// Time from one probe's start to the next's.
    pub interval: Duration,
    /// How long one probe may take.
    pub timeout: Duration,
    /// Successes before a down check is up.
    pub rise: u32,
    /// Failures before an up check is down.
    pub fall: u32,
}

/// The real server a probe is about: its address and port in the service
/// (`%h`, `%p`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Server {
    /// Real server address.
    pub address: IpAddr,
    /// Real server port (0 for a fwmark service without one).
    pub port: u16,
}

impl CheckSpec {
    /// Where a network probe connects: the server, or the overrides.
    pub fn target(&self, server: &Server) -> SocketAddr {
        SocketAddr::new(
            self.connect_address.unwrap_or(server.address),
            self.connect_port.unwrap_or(server.port),
        )
    }
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Passed.
    pub up: bool,
    /// Why it failed, or what it saw ("connected", "HTTP 200").
    pub reason: String,
    /// From the start of the probe to its result.
    pub latency: Duration,
    /// A weight the check asks for (command checks with `dynamic_weight`).
    pub weight: Option<u32>,
}

/// Where a probe runs: the settings that are not part of the check (the
/// `%h`/`%p` server, and where the VIP probe goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The real server.
    pub server: Server,
    /// For `through_vip`: the VIP address and port to connect to (the
    /// per-server mark is the check's `fwmark`).
    pub vip: Option<SocketAddr>,
}

/// Runs one probe of `spec` against `target`, never longer than
/// `spec.timeout` (a child process is killed when it runs over).
pub async fn probe(spec: &CheckSpec, target: &ProbeTarget) -> Outcome {
    let start = tokio::time::Instant::now();
    let run = run_kind(spec, target);
    let (up, reason, weight) = match tokio::time::timeout(spec.timeout, run).await {
        Ok(r) => r,
        Err(_) => (
            false,
            format!("timed out after {}", super::duration::show(spec.timeout)),
            None,
        ),
    };
    Outcome {
        up,
        reason,
        latency: start.elapsed(),
        weight,
    }
}

async fn run_kind(spec: &CheckSpec, target: &ProbeTarget) -> (bool, String, Option<u32>) {
    match &spec.kind {
        CheckKind::Tcp => {
            let to = target.vip.unwrap_or_else(|| spec.target(&target.server));
            match tokio::net::TcpStream::connect(to).await {
                Ok(_) => (true, "connected".into(), None),
                Err(e) => (false, e.to_string(), None),
            }
        }
        other => (false, format!("{} checks are not built yet", other.name()), None),
    }
}
