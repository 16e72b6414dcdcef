//! The control protocol between `lvsctl daemon status|reload|drain|undrain`
//! and a running daemon: one JSON request line, one JSON reply line, over
//! the daemon's unix socket (then the connection closes).
//!
//! Why JSON lines: the status reply is lvsctl's JSON anyway (`status
//! --output json` prints it as the daemon sent it, so scripts see one
//! schema), requests are tiny, and `socat - UNIX:/run/lvsctl/daemon.sock`
//! is a usable debugging client. Both sides parse with serde into these
//! types; a line that does not parse is answered with an error, never a
//! panic, and lines are capped ([`MAX_LINE`]).
//!
//! Services and servers travel as text in one canonical form
//! ([`selector`], [`server_text`]) so that both sides compare strings the
//! CLI has already validated.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::ipvs::{AddressFamily, Protocol, ServiceKey};

/// Longest request or reply line read (status of a large config fits).
pub const MAX_LINE: usize = 64 << 20;

/// Schema version of the status document.
pub const STATUS_VERSION: u32 = 1;

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "lowercase", deny_unknown_fields)]
pub enum Request {
    /// The whole status.
    Status,
    /// Read the file again.
    Reload,
    /// Weight 0 for a server until `undrain`.
    Drain {
        /// [`selector`] of the service.
        service: String,
        /// [`server_text`] of the server: `ADDR:PORT`, `[ADDR]:PORT`, or
        /// `ADDR` for every port of that address in the service.
        server: String,
    },
    /// Undo a drain.
    Undrain {
        /// See [`Request::Drain`].
        service: String,
        /// See [`Request::Drain`].
        server: String,
    },
    /// Take a server out of the table (still probed) until `enable`.
    Disable {
        /// See [`Request::Drain`].
        service: String,
        /// See [`Request::Drain`].
        server: String,
    },
    /// Undo a disable.
    Enable {
        /// See [`Request::Drain`].
        service: String,
        /// See [`Request::Drain`].
        server: String,
    },
    /// Give up mastership of a VRRP instance (priority 0) until resumed.
    VrrpRelease {
        /// The instance's name.
        instance: String,
    },
    /// Undo a release.
    VrrpResume {
        /// The instance's name.
        instance: String,
    },
}

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// Bad request, unknown service or server, invalid file (client exit 2).
    Invalid,
    /// The peer may not do this (read-only group asking for a change).
    Denied,
    /// The daemon failed doing it (client exit 1).
    Failed,
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "lowercase", deny_unknown_fields)]
pub enum Reply {
    /// Done; for `status`, the status.
    Ok {
        /// Human-readable summary ("reloaded: 2 changes").
        #[serde(default, skip_serializing_if = "String::is_empty")]
        message: String,
        /// For `status`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
    },
    /// Refused or failed.
    Error {
        /// Which.
        kind: ErrorKind,
        /// `FILE:LINE: message` for an invalid file.
        message: String,
    },
}

/// The daemon's whole state, as `status --output json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// [`STATUS_VERSION`].
    pub version: u32,
    /// The daemon's process.
    pub pid: u32,
    /// Its file.
    pub config: String,
    /// Seconds since the Unix epoch when it started.
    pub started: u64,
    /// When the file was last (re)loaded.
    pub loaded: u64,
    /// Services of the file, in file order.
    pub services: Vec<ServiceStatus>,
    /// VRRP instances, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vrrp: Vec<VrrpStatus>,
}

/// One VRRP instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VrrpStatus {
    /// Its name.
    pub name: String,
    /// Its interface.
    pub interface: String,
    /// Its VRID.
    pub vrid: u8,
    /// `INIT`, `BACKUP`, `MASTER` or `FAULT`.
    pub state: String,
    /// Seconds since the epoch when it entered that state.
    pub since: u64,
    /// The priority it advertises (0 when released).
    pub priority: u8,
    /// Released by `vrrp release`.
    pub released: bool,
    /// The Master's address (ours while Master), if one is heard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
    /// The Master's priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_priority: Option<u8>,
    /// `ADDRESS/PREFIX` of each VIP.
    pub vips: Vec<String>,
    /// Adverts sent (one per destination).
    pub adverts_sent: u64,
    /// Adverts received and accepted.
    pub adverts_received: u64,
    /// Adverts received and dropped (malformed or refused).
    pub adverts_dropped: u64,
    /// State changes.
    pub transitions: u64,
    /// How late the latest-sent advert of a Master was, at worst.
    pub advert_late_max_ms: f64,
    /// Why it is in Fault.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    /// The last error (a socket, an address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Other routers heard on the VRID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<VrrpPeer>,
}

/// Another router heard by an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpPeer {
    /// Its address.
    pub address: String,
    /// The priority of its last advert.
    pub priority: u8,
    /// Adverts heard from it.
    pub adverts: u64,
    /// Seconds since the epoch of its last advert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<u64>,
    /// What of its adverts differs from ours (empty: they agree).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differs: Vec<String>,
}

/// One managed service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// [`selector`].
    pub service: String,
    /// Quorum as configured.
    pub quorum: u32,
    /// Whether quorum is held.
    pub quorum_up: bool,
    /// Sum of configured weights of the servers that are up.
    pub live_weight: u64,
    /// The sorry server (`ADDR:PORT`) if configured, and whether it is in
    /// the table now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sorry_server: Option<SorryStatus>,
    /// Real servers, in file order (servers draining out after a reload
    /// last).
    pub servers: Vec<ServerStatus>,
}

/// The sorry server of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SorryStatus {
    /// [`server_text`].
    pub server: String,
    /// In the table now (quorum lost).
    pub active: bool,
}

/// Health of a real server, as a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// All its checks pass.
    Up,
    /// A check fails.
    Down,
}

/// One real server of a managed service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// [`server_text`].
    pub server: String,
    /// Weight in the file.
    pub weight: u32,
    /// Weight the daemon wants in the kernel now (`None`: not in the
    /// table, i.e. removed because down with `on_failure = "remove"`).
    pub effective_weight: Option<u32>,
    /// From its checks.
    pub health: Health,
    /// Since when (seconds since the epoch; the daemon's start if health
    /// has not changed since).
    pub since: u64,
    /// Drained by `lvsctl daemon drain`.
    pub drained: bool,
    /// In the table: false once `lvsctl daemon disable` (or the status
    /// page) switched it off; it is still probed.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Removed from the file, draining out until this time (seconds since
    /// the epoch) or its last connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaving_until: Option<u64>,
    /// Connections the kernel counts (`None` when not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_conns: Option<u32>,
    /// Inactive connections the kernel counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_conns: Option<u32>,
    /// Its checks (none: a static server, always up).
    pub checks: Vec<CheckStatus>,
}

/// The status document as `lvsctl daemon status --output json` prints it
/// and `/status.json` serves it: one line (or indented), and a newline.
pub fn status_json(st: &Status, pretty: bool) -> String {
    let r = if pretty {
        serde_json::to_string_pretty(st)
    } else {
        serde_json::to_string(st)
    };
    let mut s = r.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn yes() -> bool {
    true
}

/// One check of a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckStatus {
    /// `type` (`http`, `tcp`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it probes (`ADDR:PORT`, or the command/file).
    pub target: String,
    /// Whether it counts as passing.
    pub up: bool,
    /// Result of the last probe; `None` before the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<ProbeStatus>,
    /// Consecutive results that disagree with `up` (towards rise or fall).
    pub streak: u32,
}

/// The last probe of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeStatus {
    /// Passed.
    pub up: bool,
    /// Why (`connection refused`, `HTTP 200`).
    pub reason: String,
    /// Milliseconds it took.
    pub latency_ms: f64,
    /// When it ended (seconds since the epoch).
    pub at: u64,
}

impl Status {
    /// Whether every server of every service is up (the client's exit 0).
    pub fn all_up(&self) -> bool {
        self.services.iter().all(|s| {
            s.quorum_up
                && s.servers
                    .iter()
                    .filter(|d| d.leaving_until.is_none())
                    .all(|d| d.health == Health::Up)
        }) && self.vrrp.iter().all(|v| v.state != "FAULT")
    }
}

/// `tcp:192.0.2.10:80`, `udp:[2001:db8::1]:53`, `fwmark:5`, `fwmark6:5`:
/// what `lvsctl list SERVICE` accepts.
pub fn selector(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { protocol, addr, port } => {
            let p = match protocol {
                Protocol::Tcp => "tcp".to_string(),
                Protocol::Udp => "udp".to_string(),
                Protocol::Sctp => "sctp".to_string(),
                Protocol::Other(n) => format!("proto{n}"),
            };
            format!("{p}:{}", server_text(*addr, Some(*port)))
        }
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark,
        } => format!("fwmark:{mark}"),
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark,
        } => format!("fwmark6:{mark}"),
    }
}

/// Reads what [`selector`] writes (protocol names in any case).
pub fn parse_selector(s: &str) -> Option<ServiceKey> {
    let (kind, rest) = s.split_once(':')?;
    let protocol = match kind.to_ascii_lowercase().as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "sctp" => Protocol::Sctp,
        "fwmark" | "fwmark6" => {
            let mark: u32 = rest.parse().ok().filter(|m| *m != 0)?;
            let af = if kind.eq_ignore_ascii_case("fwmark6") {
                AddressFamily::Inet6
            } else {
                AddressFamily::Inet
            };
            return Some(ServiceKey::Fwmark { af, mark });
        }
        _ => return None,
    };
    let sa: std::net::SocketAddr = rest.parse().ok()?;
    Some(ServiceKey::Addr {
        protocol,
        addr: sa.ip(),
        port: sa.port(),
    })
}

/// `192.0.2.11:80`, `[2001:db8::11]:80`, or the bare address without a
/// port.
pub fn server_text(addr: IpAddr, port: Option<u16>) -> String {
    match (addr, port) {
        (a, None) => a.to_string(),
        (IpAddr::V4(a), Some(p)) => format!("{a}:{p}"),
        (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_json_lines() {
        let r = Request::Drain {
            service: "tcp:192.0.2.10:80".into(),
            server: "192.0.2.11:80".into(),
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(
            text,
            r#"{"cmd":"drain","service":"tcp:192.0.2.10:80","server":"192.0.2.11:80"}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), r);
        assert_eq!(
            serde_json::from_str::<Request>(r#"{"cmd":"status"}"#).unwrap(),
            Request::Status
        );
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"drain","service":"x"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"explode"}"#).is_err());
    }

    #[test]
    fn selectors_are_what_list_accepts() {
        let k = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        };
        assert_eq!(selector(&k), "udp:[2001:db8::1]:53");
        assert_eq!(
            selector(&ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 7
            }),
            "fwmark6:7"
        );
    }
}
