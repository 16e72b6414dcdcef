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
//! failed; the rise/fall counting lives in `super::health`.
//!
//! # One submodule per kind, sockets made by hand
//!
//! Every network probe opens its socket itself (`net.rs`) rather than
//! through a client library: `source_address` (bind before connect) and
//! `fwmark` (`SO_MARK`, how `through_vip` steers a probe into its
//! per-server firewall-mark service) must be set on the socket before the
//! first packet leaves, which HTTP and DNS client crates hide. What comes
//! back is small and parsed by hand: an HTTP/1.x response (`http.rs`), a
//! DNS header (`dns.rs`), an ICMP echo reply (`ping.rs`), each a pure
//! function over bytes with property tests (they see whatever a broken or
//! hostile server sends). TLS is rustls with the ring provider only
//! (`tls.rs`): no OpenSSL, and not rustls' default aws-lc-rs, whose C and
//! assembler build is the heaviest part of a rustls build.
//!
//! # Time
//!
//! [`probe`] bounds the whole probe by `spec.timeout` (one deadline, not a
//! timeout per step: a slow connect leaves less time for the answer); the
//! kinds never sleep or retry on their own. The one kind whose success is
//! "nothing happened" (a UDP probe without `expect`: up unless an ICMP port
//! unreachable comes back) is up when that deadline passes.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub mod config;
pub mod command;
mod dns;
mod file;
mod http;
pub(crate) mod matcher;

/// Whether the dns check knows the query type `name` (`SOA`, `AAAA`...).
pub(crate) fn dns_type_known(name: &str) -> bool {
    dns::QTYPES.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}
mod net;
mod ping;
mod send_expect;
mod tcp;
mod tls;
mod udp;

pub use config::{read_checks, read_inline};

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
    /// After a failure, while the check is still up (fewer than `fall`
    /// in a row), the time to the next probe instead (keepalived's
    /// `delay_before_retry`).
    pub retry_interval: Option<Duration>,
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

/// Runs one probe of `spec` against `server` (what `%h`/`%p` stand for,
/// and where it goes unless the check's `connect_*` say otherwise), never
/// longer than
/// `spec.timeout` (a child process is killed when it runs over).
pub async fn probe(spec: &CheckSpec, server: &Server) -> Outcome {
    probe_timed(spec, server).await.0
}

/// [`probe`], and when it ended (the daemon's loop takes its clock from
/// here: one clock read at each end of a probe, none besides).
pub async fn probe_timed(spec: &CheckSpec, server: &Server) -> (Outcome, std::time::Instant) {
    let start = tokio::time::Instant::now();
    let run = run_kind(spec, server);
    let (up, reason, weight) = match tokio::time::timeout_at(start + spec.timeout, run).await {
        Ok(r) => r,
        // A UDP probe without `expect` passes when no port unreachable came
        // back in time: the deadline is its success.
        Err(_) if matches!(spec.kind, CheckKind::Udp { expect: None, .. }) => (
            true,
            format!("no ICMP error within {}", super::duration::show(spec.timeout)),
            None,
        ),
        Err(_) => (
            false,
            format!("timed out after {}", super::duration::show(spec.timeout)),
            None,
        ),
    };
    let end = tokio::time::Instant::now();
    let outcome = Outcome {
        up,
        reason,
        latency: end.saturating_duration_since(start),
        weight,
    };
    (outcome, end.into_std())
}

/// What a kind's probe returns: up, the reason, a weight.
type Found = (bool, String, Option<u32>);

fn up(reason: impl Into<String>) -> Found {
    (true, reason.into(), None)
}

fn down(reason: impl Into<String>) -> Found {
    (false, reason.into(), None)
}

/// Where a network probe goes: the server (or the `connect_*` overrides;
/// a `through_vip` check has had them set to the VIP by
/// [`crate::daemon::vip_probe`]), with the kind's usual port when the
/// server has none (a firewall-mark service).
fn destination(spec: &CheckSpec, server: &Server) -> Result<SocketAddr, String> {
    let mut to = spec.target(server);
    if to.port() == 0 {
        let port = match &spec.kind {
            CheckKind::Http(h) if h.tls.is_some() => 443,
            CheckKind::Http(_) => 80,
            CheckKind::Dns { .. } => 53,
            CheckKind::Ping | CheckKind::Command { .. } | CheckKind::File { .. } => 0,
            other => {
                return Err(format!(
                    "no port to probe (set connect_port on the {} check)",
                    other.name()
                ))
            }
        };
        to.set_port(port);
    }
    Ok(to)
}

async fn run_kind(spec: &CheckSpec, server: &Server) -> Found {
    let sock = net::Options {
        source: spec.source_address,
        mark: spec.fwmark,
    };
    let to = if spec.kind.uses_network() {
        match destination(spec, server) {
            Ok(to) => to,
            Err(why) => return down(why),
        }
    } else {
        SocketAddr::new(server.address, server.port)
    };
    // Every kind but tcp runs boxed: a probe's task is as big as the
    // biggest future it may await, for as long as it lives, and an https
    // probe's (TLS state, buffers) is kilobytes. Boxed, an idle task of
    // any kind stays small, and the box exists only while a probe runs.
    match &spec.kind {
        CheckKind::Tcp => tcp::run(&sock, to).await,
        CheckKind::Http(h) => Box::pin(http::run(&sock, to, h)).await,
        CheckKind::SendExpect { send, expect } => {
            Box::pin(send_expect::run(&sock, to, send, expect.as_ref())).await
        }
        CheckKind::Udp { payload, expect } => Box::pin(udp::run(&sock, to, payload, expect.as_ref())).await,
        CheckKind::Dns { name, qtype, rcodes } => Box::pin(dns::run(&sock, to, name, *qtype, rcodes)).await,
        CheckKind::Ping => Box::pin(ping::run(&sock, to.ip())).await,
        CheckKind::Command {
            argv,
            dynamic_weight,
            expect,
        } => Box::pin(command::run(argv, server, *dynamic_weight, expect.as_ref())).await,
        CheckKind::File { path } => Box::pin(file::run(path, server)).await,
    }
}

/// `%h` and `%p` in `text` replaced by the server's address and port
/// (`%%` is a `%`).
fn expand(text: &str, server: &Server) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(&server.address.to_string()),
            Some('p') => out.push_str(&server.port.to_string()),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// A short, quoted excerpt of a pattern for reasons.
fn shown(m: &Matcher) -> String {
    let p = m.pattern();
    if p.chars().count() > 40 {
        let cut: String = p.chars().take(40).collect();
        format!("{cut:?}...")
    } else {
        format!("{p:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Server {
        Server {
            address: "192.0.2.7".parse().unwrap(),
            port: 8080,
        }
    }

    #[test]
    fn expands_host_and_port() {
        assert_eq!(expand("/m/%h:%p", &server()), "/m/192.0.2.7:8080");
        assert_eq!(expand("100%% %x %", &server()), "100% %x %");
        let v6 = Server {
            address: "2001:db8::1".parse().unwrap(),
            port: 0,
        };
        assert_eq!(expand("%h_%p", &v6), "2001:db8::1_0");
    }

    fn spec(kind: CheckKind) -> CheckSpec {
        CheckSpec {
            kind,
            connect_address: None,
            connect_port: None,
            source_address: None,
            fwmark: None,
            through_vip: false,
            interval: Duration::from_secs(5),
            retry_interval: None,
            timeout: Duration::from_secs(3),
            rise: 2,
            fall: 2,
        }
    }

    #[test]
    fn a_probe_future_stays_small_whatever_its_kind() {
        // A daemon holds one task per probe for its whole life (37,298 in
        // the benchmark's big file); each is as big as this future.
        let s = spec(CheckKind::Tcp);
        let probe = std::mem::size_of_val(&probe_timed(&s, &server()));
        let sock = net::Options::default();
        let to: SocketAddr = "192.0.2.7:443".parse().unwrap();
        let h = HttpCheck {
            method: "GET".into(),
            path: "/".into(),
            host: None,
            status: vec![(200, 299)],
            expect: None,
            tls: None,
        };
        let https = std::mem::size_of_val(&http::run(&sock, to, &h));
        assert!(
            probe < 1024,
            "a probe future is {probe} bytes (an https check alone {https})"
        );
        assert!(
            https > probe,
            "{https} <= {probe}: the https future is no longer the one to box"
        );
    }

    #[test]
    fn destination_takes_overrides_then_default_ports() {
        let t = Server {
            address: "192.0.2.7".parse().unwrap(),
            port: 0,
        };
        assert_eq!(
            destination(
                &spec(CheckKind::Dns {
                    name: ".".into(),
                    qtype: 6,
                    rcodes: vec![0]
                }),
                &t
            )
            .unwrap()
            .port(),
            53
        );
        assert!(destination(&spec(CheckKind::Tcp), &t)
            .unwrap_err()
            .contains("connect_port"));
        let mut s = spec(CheckKind::Tcp);
        s.connect_port = Some(81);
        s.connect_address = Some("192.0.2.8".parse().unwrap());
        assert_eq!(destination(&s, &t).unwrap(), "192.0.2.8:81".parse().unwrap());
    }
}
