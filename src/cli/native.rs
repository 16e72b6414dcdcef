//! lvsctl's own command line (clap): read commands with text, table and
//! JSON output. ipvsadm's grammar is reached by starting with one of its
//! command options (see [`super::run`]).

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use super::Console;
use crate::ipvs::{AddressFamily, DestEntry, IpvsClient, IpvsError, Protocol, ServiceEntry, ServiceKey};
use crate::output::json::{self, Document};
use crate::output::native as native_fmt;
pub use crate::output::native::service_label;
use crate::output::sort::sort_daemons;
use crate::output::table::Table;
use crate::output::text;

const ABOUT: &str = "Administer Linux Virtual Server (IPVS) over Generic Netlink";

const LONG_ABOUT: &str = "\
Administer Linux Virtual Server (IPVS) over Generic Netlink.

lvsctl speaks ipvsadm's command line: when its first argument is an \
ipvsadm command option (-A, -E, -D, -C, -a, -e, -d, -L/-l, -S, -R, -Z, ...) \
or when it is invoked as `ipvsadm` (for example through a symlink), it \
accepts ipvsadm 1.31's options and prints ipvsadm's output byte for byte. \
Invoked as `ipvsadm`, `-h` prints a summary of that grammar.

Its own subcommands read the IPVS table for people (text, table) and for \
programs (json, one schema for every command).";

const AFTER_HELP: &str = "\
Examples:
  lvsctl -A -t 192.0.2.10:80 -s rr
  lvsctl -a -t 192.0.2.10:80 -r 198.51.100.11:80 -m -w 2
  lvsctl -Ln
  lvsctl list --output json
  lvsctl --netns blue stats
  lvsctl -Sn > rules; lvsctl -R < rules
  ln -s \"$(command -v lvsctl)\" /usr/local/sbin/ipvsadm   # drop-in ipvsadm

Exit status: 0 done; 1 runtime failure (kernel refused, no IPVS, no \
privilege, I/O); 2 usage or invalid input; 3 a check found a problem or \
changes are pending; 4 nothing found. ipvsadm mode keeps ipvsadm's codes.";

/// lvsctl's own arguments.
#[derive(Debug, Parser)]
#[command(name = "lvsctl", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Work in another network namespace (its IPVS table, connections,
    /// addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or
    /// a path such as /proc/PID/ns/net. Also accepted before ipvsadm's
    /// grammar.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub netns: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// Output format of the read commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    /// Aligned plain text.
    #[default]
    Text,
    /// A table with borders.
    Table,
    /// JSON (one schema for every read command).
    Json,
}

/// The `--output` option.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// lvsctl's subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Cmd {
    /// List virtual services and their real servers.
    List {
        /// Only this service: tcp:ADDR:PORT, udp:ADDR:PORT, sctp:ADDR:PORT
        /// (IPv6 as [ADDR]:PORT), fwmark:MARK or fwmark6:MARK.
        #[arg(value_name = "SERVICE")]
        service: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Traffic counters of services and real servers (64-bit, exact).
    Stats {
        /// Only this service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Traffic rates of services and real servers (per second).
    Rate {
        /// Only this service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// The connection table.
    Conns {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Connection timeouts (TCP, TCP after FIN, UDP).
    Timeouts {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Connection synchronisation daemons.
    Daemons {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Make the IPVS table equal a desired-state file: minimal diff, pushed
    /// in batches, all or nothing.
    #[command(long_about = APPLY_LONG_ABOUT)]
    Apply {
        /// The desired state: ipvsadm rules (what `ipvsadm -S` writes) or
        /// lvsctl's TOML; `-` reads standard input.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: String,
        /// Print the changes and make none.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        prune: PruneArgs,
        #[command(flatten)]
        out: PlanOutputArgs,
    },
    /// Show what `apply` would change (exit 3 if anything, 0 if nothing).
    #[command(long_about = DIFF_LONG_ABOUT)]
    Diff {
        /// The desired state (see `apply`); `-` reads standard input.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: String,
        #[command(flatten)]
        prune: PruneArgs,
        #[command(flatten)]
        out: PlanOutputArgs,
    },
    /// Write the live IPVS state as a file `apply` reads back.
    #[command(long_about = SAVE_LONG_ABOUT)]
    Save {
        /// Format: ipvsadm rules (services only, with thresholds), TOML
        /// (the whole state) or JSON (lvsctl's schema).
        #[arg(long, short = 'o', value_enum, default_value_t = SaveOutput::Rules)]
        output: SaveOutput,
    },
    /// Real-server side of LVS-DR and LVS-TUN: hide the VIP from ARP.
    Rs {
        #[command(subcommand)]
        cmd: RsCmd,
    },
    /// Director side: add or remove a VIP and announce it (gratuitous ARP).
    Vip {
        #[command(subcommand)]
        cmd: VipCmd,
    },
    /// Raw ARP and neighbour discovery: announce an address, or probe who
    /// answers for it.
    Arp {
        #[command(subcommand)]
        cmd: ArpCmd,
    },
}

const APPLY_LONG_ABOUT: &str = "\
Make the IPVS table equal a desired-state file.

FILE is either ipvsadm rules (what `ipvsadm -S` writes: -A and -a lines, \
with # comments, blank lines and -x/-y thresholds), which describe the \
service table only, or lvsctl's TOML, which describes the whole IPVS state \
of a director: services, real servers, timeouts, sync daemons and the \
net.ipv4.vs sysctls sloppy_tcp, expire_nodest_conn, \
expire_quiescent_template and conntrack. The format is detected: a file \
whose first line that is not blank or a comment starts with `-` is rules. \
What the file leaves out takes its default (a threshold not written is 0, \
timeouts not written are 900 120 300).

The whole file is checked first; an error names FILE:LINE and changes \
nothing. Then the live table is read and only the difference is sent: new \
objects are added, changed ones edited in place, and, with --prune (the \
default), services that the file does not list are deleted -- including \
services made by other tools; run `lvsctl diff` first to see every \
deletion. Real servers of a listed service always become exactly the \
file's. mh (Maglev) services get their real servers in one canonical order \
(ascending address and port), so directors that apply the same file hash \
alike whatever their history.

The changes go to the kernel in a few large netlink batches. If the kernel \
refuses any of them, everything already applied is undone, the table is \
left exactly as it was (destination order included), and the refused \
entry is named with its line. Concurrent runs in one network namespace \
wait for each other (a lock under /run/lvsctl).

Prints each change as an ipvsadm rule behind +, ~ or - (add, edit, \
delete); nothing when nothing changes. Exit status: 0 applied or nothing \
to change; 1 the kernel refused (rolled back), I/O error, lock busy; 2 \
invalid file or usage.";

const DIFF_LONG_ABOUT: &str = "\
Show what `lvsctl apply FILE` would change, one ipvsadm rule per change \
behind + (add), ~ (edit) or - (delete), deletions of services first. \
Changes nothing. Exit status: 0 nothing to change; 3 changes pending; 1 \
runtime failure; 2 invalid file or usage.";

const SAVE_LONG_ABOUT: &str = "\
Write the live IPVS state in a form `lvsctl apply` reads back. `rules` is \
`ipvsadm -Sn` plus -x/-y where a threshold is set (services only); `toml` \
is the whole state (services, timeouts, sync daemons, net.ipv4.vs \
sysctls); `json` is lvsctl's JSON schema with counters.";

/// `--prune` / `--no-prune`.
#[derive(Debug, Clone, clap::Args)]
pub struct PruneArgs {
    /// Delete services the file does not list, and stop sync daemons a
    /// TOML file does not list (the default).
    #[arg(long, overrides_with = "no_prune")]
    pub prune: bool,
    /// Keep services (and sync daemons) the file does not list.
    #[arg(long, overrides_with = "prune")]
    pub no_prune: bool,
}

/// Output format of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PlanOutput {
    /// One ipvsadm rule per change behind +, ~ or -.
    #[default]
    Text,
    /// JSON: `changes` with action, rule and line; `warnings`.
    Json,
}

/// The `--output` option of `apply` and `diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanOutputArgs {
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = PlanOutput::Text)]
    pub output: PlanOutput,
}

/// Formats of `save`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SaveOutput {
    /// ipvsadm rules with thresholds.
    #[default]
    Rules,
    /// lvsctl's TOML (the whole state).
    Toml,
    /// lvsctl's JSON schema.
    Json,
}

/// Gratuitous-ARP form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GarpFormArg {
    /// ARP request (opcode 1), sender IP = target IP = the VIP.
    Request,
    /// ARP reply (opcode 2) with target MAC = sender MAC, as `arping -A`.
    Reply,
}

/// `lvsctl vip` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum VipCmd {
    /// Add ADDR/PREFIX to a device (idempotent), then announce it with
    /// gratuitous ARP; waits for the whole burst.
    Add {
        /// The VIP with its prefix, e.g. 192.0.2.10/32.
        #[arg(value_name = "ADDR/PREFIX")]
        vip: String,
        /// The device facing the clients.
        #[arg(long, value_name = "NAME", required = true)]
        dev: String,
        /// How many gratuitous ARPs to send.
        #[arg(long, value_name = "N", default_value_t = 5)]
        garp_count: u32,
        /// Time between them (e.g. 1s, 500ms).
        #[arg(long, value_name = "DURATION", default_value = "1s")]
        garp_interval: String,
        /// Request or reply form.
        #[arg(long, value_enum, default_value_t = GarpFormArg::Request)]
        garp_form: GarpFormArg,
    },
    /// Remove ADDR/PREFIX from a device (nothing to do if it is absent).
    Del {
        /// The VIP with its prefix.
        #[arg(value_name = "ADDR/PREFIX")]
        vip: String,
        /// The device.
        #[arg(long, value_name = "NAME", required = true)]
        dev: String,
    },
}

/// `lvsctl arp` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ArpCmd {
    /// Send gratuitous ARPs for an address; waits for the whole burst.
    Announce {
        /// The address (IPv4: gratuitous ARP; IPv6: unsolicited neighbour advertisements).
        #[arg(value_name = "ADDR")]
        addr: String,
        /// The device to send on.
        #[arg(long, value_name = "NAME", required = true)]
        dev: String,
        /// How many.
        #[arg(long, value_name = "N", default_value_t = 5)]
        count: u32,
        /// Time between them.
        #[arg(long, value_name = "DURATION", default_value = "1s")]
        interval: String,
        /// Request or reply form.
        #[arg(long, value_enum, default_value_t = GarpFormArg::Request)]
        form: GarpFormArg,
    },
    /// Broadcast ARP requests for an address over the whole timeout and list
    /// every MAC that answers (exit 0: one host, 3: several, 4: none).
    Probe {
        /// The address (IPv4: ARP requests; IPv6: neighbour solicitations).
        #[arg(value_name = "ADDR")]
        addr: String,
        /// The device (default: the one whose subnet holds ADDR).
        #[arg(long, value_name = "NAME")]
        dev: Option<String>,
        /// How long to listen.
        #[arg(long, value_name = "DURATION", default_value = "2s")]
        timeout: String,
        /// Time between broadcast requests.
        #[arg(long, value_name = "DURATION", default_value = "200ms")]
        interval: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// Forwarding method a real server takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RsMode {
    /// Direct routing: VIP on lo (or a dummy device).
    Dr,
    /// Tunnelling: VIP on the tunnel device.
    Tun,
}

/// LVS-TUN encapsulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RsTunType {
    /// IP in IP (tunl0).
    Ipip,
    /// Generic UDP encapsulation (a fou port, then tunl0).
    Gue,
    /// GRE (gre0).
    Gre,
}

/// `lvsctl rs` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum RsCmd {
    /// Set up this host as a real server: ARP sysctls first, then the VIPs
    /// as host addresses (idempotent).
    Up {
        /// A VIP (repeatable): an IPv4 or IPv6 host address.
        #[arg(long = "vip", value_name = "ADDR", required = true)]
        vips: Vec<String>,
        /// Forwarding method of the director.
        #[arg(long, value_enum, default_value_t = RsMode::Dr)]
        mode: RsMode,
        /// Device for the VIPs: lo (DR default), or a dummy device created
        /// when missing; for TUN the tunnel device.
        #[arg(long, value_name = "NAME")]
        dev: Option<String>,
        /// Tunnel type for --mode tun.
        #[arg(long, value_enum, default_value_t = RsTunType::Ipip)]
        tun_type: RsTunType,
        /// UDP port for --tun-type gue.
        #[arg(long, value_name = "PORT")]
        tun_port: Option<u16>,
    },
    /// Undo what `rs up` did: remove its VIPs (or only these), and when the
    /// last one goes restore every sysctl and device.
    Down {
        /// A VIP to remove (repeatable; default: all).
        #[arg(long = "vip", value_name = "ADDR")]
        vips: Vec<String>,
    },
    /// Whether this host would answer ARP for its VIPs, and why (exit 0
    /// when the cure is complete, 3 when not, 4 when there is no VIP).
    Status {
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// The clap definition, for help, man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Errors of the native commands, each with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// Bad input (exit 2).
    #[error("{0}")]
    Usage(String),
    /// IPVS failed (exit 1).
    #[error("{0}")]
    Ipvs(#[from] IpvsError),
    /// The namespace could not be entered (exit 1, or 2 if it does not
    /// exist).
    #[error(transparent)]
    Netns(#[from] crate::host::netns::NetnsError),
    /// Something else at run time (exit 1).
    #[error("{0}")]
    Runtime(String),
    /// Nothing matched (exit 4).
    #[error("{0}")]
    NotFound(String),
    /// `lvsctl rs` failed.
    #[error(transparent)]
    Rs(#[from] crate::rs::RsError),
    /// `lvsctl arp`/`vip` failed.
    #[error(transparent)]
    Arp(#[from] crate::arp::ArpError),
    /// A VIP step (`vip add/del`, `arp probe`) failed.
    #[error(transparent)]
    Vip(#[from] crate::arp::VipError),
    /// Nothing answered (exit 4); the output is still printed.
    #[error("{0}")]
    NoneAnswered(String),
    /// A check found a problem (exit 3); the output is still printed.
    #[error("{0}")]
    Problems(String),
}

/// lvsctl's exit codes for its own subcommands, decided here and nowhere
/// else (lvsctl(8) documents them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NativeExit {
    /// Done, healthy, or nothing to change.
    Ok = 0,
    /// A runtime failure.
    Runtime = 1,
    /// Usage or invalid input.
    Usage = 2,
    /// A check found a problem, or changes are pending.
    Pending = 3,
    /// Nothing answered or was found.
    NotFound = 4,
}

impl From<&NativeError> for NativeExit {
    fn from(e: &NativeError) -> Self {
        use crate::arp::{ArpError, VipError};
        use crate::rs::RsError;
        match e {
            NativeError::Usage(_)
            | NativeError::Rs(RsError::Invalid(_) | RsError::Conflict(_))
            | NativeError::Arp(ArpError::Invalid(_) | ArpError::NoInterface(_))
            | NativeError::Vip(
                VipError::NoSubnet(_) | VipError::Arp(ArpError::Invalid(_) | ArpError::NoInterface(_)),
            ) => NativeExit::Usage,
            NativeError::Netns(crate::host::netns::NetnsError::Open { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                NativeExit::Usage
            }
            NativeError::NotFound(_) | NativeError::NoneAnswered(_) => NativeExit::NotFound,
            NativeError::Problems(_) => NativeExit::Pending,
            _ => NativeExit::Runtime,
        }
    }
}

/// Runs the native grammar. `netns` is a `--netns` given before the
/// arguments (clap also accepts it after the subcommand).
pub fn run(argv: Vec<OsString>, netns: Option<String>, con: &mut Console) -> NativeExit {
    if argv.len() <= 1 && netns.is_none() {
        con.print(&command().render_long_help().to_string());
        return NativeExit::Ok;
    }
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                let _ = con.err.write_all(text.as_bytes());
                return NativeExit::Usage;
            }
            con.print(&text);
            return NativeExit::Ok;
        }
    };
    let Some(cmd) = cli.command else {
        con.print(&command().render_long_help().to_string());
        return NativeExit::Ok;
    };
    match execute(&cmd, cli.netns.or(netns), con) {
        Ok(text) => {
            con.print(&text);
            NativeExit::Ok
        }
        // Results that are not failures: the output is still printed.
        Err(e @ (NativeError::Problems(_) | NativeError::NoneAnswered(_))) => {
            if let NativeError::Problems(text) | NativeError::NoneAnswered(text) = &e {
                con.print(text);
            }
            NativeExit::from(&e)
        }
        Err(e) => {
            let _ = con.flush();
            con.eprintln(&format!("lvsctl: {}", describe(&e)));
            NativeExit::from(&e)
        }
    }
}

fn describe(e: &NativeError) -> String {
    match e {
        NativeError::Ipvs(IpvsError::NotAvailable) => {
            "IPVS is not available: the kernel has no ip_vs module (modprobe ip_vs)".into()
        }
        NativeError::Ipvs(err) if err.errno() == Some(libc::EPERM) => {
            "permission denied: IPVS needs CAP_NET_ADMIN (run as root)".into()
        }
        NativeError::Vip(e @ crate::arp::VipError::NoSubnet(_)) => format!("{e}: give --dev"),
        other => other.to_string(),
    }
}

/// Parses a service selector: `tcp:ADDR:PORT`, `udp:...`, `sctp:...`,
/// `fwmark:MARK`, `fwmark6:MARK`.
pub fn parse_service(s: &str) -> Result<ServiceKey, NativeError> {
    let bad = || {
        NativeError::Usage(format!(
            "invalid service {s:?}: expected tcp:ADDR:PORT, udp:ADDR:PORT, sctp:ADDR:PORT, fwmark:MARK or fwmark6:MARK"
        ))
    };
    let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
    let protocol = match kind.to_ascii_lowercase().as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "sctp" => Protocol::Sctp,
        "fwmark" | "fwmark6" => {
            let mark: u32 = rest.parse().map_err(|_| bad())?;
            if mark == 0 {
                return Err(bad());
            }
            let af = if kind.eq_ignore_ascii_case("fwmark6") {
                AddressFamily::Inet6
            } else {
                AddressFamily::Inet
            };
            return Ok(ServiceKey::Fwmark { af, mark });
        }
        _ => return Err(bad()),
    };
    let sa: SocketAddr = rest.parse().map_err(|_| bad())?;
    Ok(ServiceKey::Addr {
        protocol,
        addr: sa.ip(),
        port: sa.port(),
    })
}

pub use crate::output::sort::sort_table;

fn read_table(
    client: &mut IpvsClient,
    only: Option<&ServiceKey>,
) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, NativeError> {
    let mut t = match only {
        Some(k) => match client.service_table(k) {
            Ok(s) => vec![s],
            Err(e) if e.errno() == Some(libc::ESRCH) => {
                return Err(NativeError::NotFound(format!(
                    "no such service: {}",
                    service_label(k)
                )))
            }
            Err(e) => return Err(e.into()),
        },
        None => client.table()?,
    };
    sort_table(&mut t);
    Ok(t)
}

/// A listing of services: JSON, or the table `table` makes (only the one
/// asked for is built; both are large for a large table).
fn services_output(
    mut doc: Document,
    t: &[(ServiceEntry, Vec<DestEntry>)],
    output: Output,
    table: impl FnOnce(&[(ServiceEntry, Vec<DestEntry>)]) -> Table,
    con: &mut Console,
) -> Result<String, NativeError> {
    Ok(match output {
        Output::Json if !con.out_is_terminal => {
            // Streamed: a large table never exists as JSON in memory. A
            // closed pipe ends the output quietly, as in main.
            match json::write_services(&mut *con.out, t) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(NativeError::Runtime(format!("writing the listing: {e}")))
                }
                _ => String::new(),
            }
        }
        Output::Json => {
            doc.services = Some(t.iter().map(|(s, d)| json::service(s, d)).collect());
            doc.render_as(true)
        }
        Output::Text => table(t).render_text(),
        Output::Table => table(t).render_table(),
    })
}

fn render(doc: Document, table: Table, output: Output, pretty: bool) -> String {
    match output {
        Output::Json => doc.render_as(pretty),
        Output::Text => table.render_text(),
        Output::Table => table.render_table(),
    }
}

fn connect(netns: Option<&str>) -> Result<IpvsClient, NativeError> {
    if let Some(ns) = netns {
        crate::host::netns::enter(ns)?;
    }
    Ok(IpvsClient::connect()?)
}

fn execute(cmd: &Cmd, netns: Option<String>, con: &mut Console) -> Result<String, NativeError> {
    let pretty = con.out_is_terminal;
    match cmd {
        Cmd::Apply {
            file,
            dry_run,
            prune,
            out,
        } => {
            return apply(
                file,
                *dry_run,
                !prune.no_prune,
                out.output,
                false,
                netns.as_deref(),
                con,
            )
        }
        Cmd::Diff { file, prune, out } => {
            return apply(
                file,
                true,
                !prune.no_prune,
                out.output,
                true,
                netns.as_deref(),
                con,
            )
        }
        Cmd::Save { output } => return save(*output, netns.as_deref(), pretty),
        Cmd::Rs { cmd } => return rs(cmd, netns.as_deref(), pretty),
        Cmd::Vip { cmd } => return vip(cmd, netns.as_deref(), con),
        Cmd::Arp { cmd } => return arp(cmd, netns.as_deref(), con),
        _ => {}
    }
    // Check the arguments before touching the kernel.
    let only = match cmd {
        Cmd::List { service: Some(s), .. }
        | Cmd::Stats { service: Some(s), .. }
        | Cmd::Rate { service: Some(s), .. } => Some(parse_service(s)?),
        _ => None,
    };
    let mut client = connect(netns.as_deref())?;
    let mut doc = Document::new();
    Ok(match cmd {
        Cmd::List { out, .. } => {
            let t = read_table(&mut client, only.as_ref())?;
            services_output(doc, &t, out.output, native_fmt::list_table, con)?
        }
        Cmd::Stats { out, .. } | Cmd::Rate { out, .. } => {
            let rate = matches!(cmd, Cmd::Rate { .. });
            let t = read_table(&mut client, only.as_ref())?;
            services_output(doc, &t, out.output, |t| native_fmt::counters_table(t, rate), con)?
        }
        Cmd::Conns { out } => conns(&mut doc, out.output, pretty)?,
        Cmd::Rs { .. }
        | Cmd::Vip { .. }
        | Cmd::Arp { .. }
        | Cmd::Apply { .. }
        | Cmd::Diff { .. }
        | Cmd::Save { .. } => {
            return Err(NativeError::Runtime(
                "internal error: command dispatched late".into(),
            ))
        }
        Cmd::Timeouts { out } => {
            let t = client.timeouts()?;
            doc.timeouts = Some(json::JsonTimeouts::from(&t));
            render(doc, text::timeouts_table(&t), out.output, pretty)
        }
        Cmd::Daemons { out } => {
            let mut ds = client.daemons()?;
            sort_daemons(&mut ds);
            doc.daemons = Some(ds.iter().map(json::JsonDaemon::from).collect());
            render(doc, text::daemons_table(&ds), out.output, pretty)
        }
    })
}

/// Reads a desired-state file (`-` is standard input).
fn read_input(file: &str) -> Result<String, NativeError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let r = if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    let why = |e: &std::io::Error| match e.raw_os_error() {
        Some(errno) => crate::netlink::strerror(errno),
        None => e.to_string(),
    };
    match r {
        Ok(()) => String::from_utf8(bytes).map_err(|_| NativeError::Usage(format!("{file}: not UTF-8 text"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(NativeError::Usage(format!("{file}: {}", why(&e))))
        }
        Err(e) => Err(NativeError::Runtime(format!("{file}: {}", why(&e)))),
    }
}

fn render_plan(
    plan: &crate::state::Plan,
    source: &crate::state::Source,
    output: PlanOutput,
    pretty: bool,
) -> String {
    match output {
        PlanOutput::Text => text::plan(plan),
        PlanOutput::Json => {
            let mut doc = Document::new();
            doc.changes = Some(json::changes(plan, source));
            doc.warnings = Some(plan.warnings.iter().map(ToString::to_string).collect());
            doc.render_as(pretty)
        }
    }
}

/// `apply` and `diff` (`diff_only`).
fn apply(
    file: &str,
    dry_run: bool,
    prune: bool,
    output: PlanOutput,
    diff_only: bool,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<String, NativeError> {
    use crate::state::{self, lock};
    let text = read_input(file)?;
    let name = if file == "-" { "<stdin>" } else { file };
    let desired = state::parse(name, &text).map_err(|e| NativeError::Usage(e.to_string()))?;
    drop(text);
    let mut client = connect(netns)?;
    let _lock = if dry_run || diff_only {
        None
    } else {
        let mut note =
            |o: Option<&lock::LockOwner>| con.progress(&format!("lvsctl: {}", lock::waiting_text(o)));
        Some(
            lock::lock_table_with(lock::DEFAULT_WAIT, &mut note)
                .map_err(|e| NativeError::Runtime(e.to_string()))?,
        )
    };
    let opts = state::ReconcileOptions {
        prune,
        dry_run: dry_run || diff_only,
        ..state::ReconcileOptions::default()
    };
    let mut kernel = state::Kernel::new(&mut client);
    let mut warn = |plan: &state::Plan| {
        for w in &plan.warnings {
            con.eprintln(&format!("lvsctl: warning: {w}"));
        }
    };
    let report =
        state::reconcile_with(&mut kernel, &desired.table, &opts, &mut warn).map_err(|e| match e {
            state::EngineError::Refused(r) => NativeError::Runtime(text::refusal(&desired.source, &r)),
            other => engine_error(other),
        })?;
    let text = render_plan(&report.plan, &desired.source, output, con.out_is_terminal);
    if diff_only && !report.plan.is_empty() {
        return Err(NativeError::Problems(text));
    }
    Ok(text)
}

fn engine_error(e: crate::state::EngineError) -> NativeError {
    match e {
        crate::state::EngineError::Ipvs(err) => NativeError::Ipvs(err),
        other => NativeError::Runtime(other.to_string()),
    }
}

/// `save`.
fn save(output: SaveOutput, netns: Option<&str>, pretty: bool) -> Result<String, NativeError> {
    use crate::state;
    let mut client = connect(netns)?;
    let mut entries = client.table()?;
    sort_table(&mut entries);
    Ok(match output {
        SaveOutput::Rules => crate::state::rules::save(&state::Table::from_entries(&entries)),
        SaveOutput::Toml => {
            let mut t = state::Table::from_entries(&entries);
            t.timeouts = Some(client.timeouts()?);
            t.daemons = Some(client.daemons()?);
            t.sysctls =
                Some(state::apply::read_sysctls(&mut state::Kernel::new(&mut client)).map_err(engine_error)?);
            state::config::render(&t)
        }
        SaveOutput::Json => {
            let mut doc = Document::new();
            doc.services = Some(entries.iter().map(|(s, d)| json::service(s, d)).collect());
            doc.timeouts = Some(json::JsonTimeouts::from(&client.timeouts()?));
            let mut ds = client.daemons()?;
            sort_daemons(&mut ds);
            doc.daemons = Some(ds.iter().map(json::JsonDaemon::from).collect());
            doc.sysctl =
                Some(state::apply::read_sysctls(&mut state::Kernel::new(&mut client)).map_err(engine_error)?);
            doc.render_as(pretty)
        }
    })
}

fn duration(s: &str) -> Result<std::time::Duration, NativeError> {
    crate::arp::parse_duration(s).map_err(NativeError::Usage)
}

fn form(f: GarpFormArg) -> crate::arp::GarpForm {
    match f {
        GarpFormArg::Request => crate::arp::GarpForm::Request,
        GarpFormArg::Reply => crate::arp::GarpForm::Reply,
    }
}

/// Sends `count` announcements of `ip` on `iface`, `interval` apart,
/// sleeping here between frames (the library never sleeps), with
/// "GARP k/N" progress on stderr when it is a terminal.
fn announce(
    iface: &crate::arp::Iface,
    ip: IpAddr,
    f: GarpFormArg,
    count: u32,
    interval: std::time::Duration,
    con: &mut Console,
) -> Result<(), NativeError> {
    let announcer = crate::arp::Announcer::open(iface, ip, form(f))?;
    let schedule = crate::arp::Schedule::new(count, interval);
    let progress = count > 0 && con.err_is_terminal;
    let label = if ip.is_ipv4() { "GARP" } else { "NA" };
    let start = std::time::Instant::now();
    let mut sent = Ok(());
    for (k, due) in schedule.times().enumerate() {
        std::thread::sleep(due.saturating_sub(start.elapsed()));
        sent = announcer.send_one();
        if sent.is_err() {
            break;
        }
        if progress {
            let _ = write!(con.err, "\r{label} {}/{}", k + 1, schedule.total());
            let _ = con.err.flush();
        }
    }
    if progress {
        con.eprintln("");
    }
    Ok(sent?)
}

fn parse_cidr(s: &str) -> Result<(IpAddr, u8), NativeError> {
    let bad = || {
        NativeError::Usage(format!(
            "invalid VIP {s:?}: expected ADDR/PREFIX, e.g. 192.0.2.10/32"
        ))
    };
    let (a, p) = s.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = a.parse().map_err(|_| bad())?;
    let p: u8 = p.parse().map_err(|_| bad())?;
    if p > if ip.is_ipv4() { 32 } else { 128 } {
        return Err(bad());
    }
    Ok((ip, p))
}

fn vip(cmd: &VipCmd, netns: Option<&str>, con: &mut Console) -> Result<String, NativeError> {
    use crate::arp::vip;
    match cmd {
        VipCmd::Add {
            vip: v,
            dev,
            garp_count,
            garp_interval,
            garp_form,
        } => {
            let (ip, prefix) = parse_cidr(v)?;
            let interval = duration(garp_interval)?;
            let mut rtnl = rtnl_in(netns)?;
            let change = vip::add(&mut rtnl, dev, ip, prefix)?;
            announce(&change.iface, ip, *garp_form, *garp_count, interval, con)?;
            let what = match ip {
                IpAddr::V4(_) => "gratuitous ARP(s)",
                IpAddr::V6(_) => "unsolicited neighbour advertisement(s)",
            };
            let verb = if change.added { "added to" } else { "already on" };
            Ok(format!("{ip}/{prefix} {verb} {dev}; {garp_count} {what} sent\n"))
        }
        VipCmd::Del { vip: v, dev } => {
            let (ip, prefix) = parse_cidr(v)?;
            let mut rtnl = rtnl_in(netns)?;
            Ok(if vip::del(&mut rtnl, dev, ip, prefix)? {
                format!("{ip}/{prefix} removed from {dev}\n")
            } else {
                format!("{ip}/{prefix} is not on {dev}: nothing to do\n")
            })
        }
    }
}

/// Enters the namespace, then opens rtnetlink there.
fn rtnl_in(netns: Option<&str>) -> Result<crate::host::rtnl::Rtnl, NativeError> {
    if let Some(ns) = netns {
        crate::host::netns::enter(ns)?;
    }
    crate::host::rtnl::Rtnl::open().map_err(|e| NativeError::Arp(e.into()))
}

fn arp(cmd: &ArpCmd, netns: Option<&str>, con: &mut Console) -> Result<String, NativeError> {
    use crate::arp::{vip, Iface};
    let address = |s: &str| {
        s.parse::<IpAddr>()
            .map_err(|_| NativeError::Usage(format!("invalid address {s:?}")))
    };
    match cmd {
        ArpCmd::Announce {
            addr,
            dev,
            count,
            interval,
            form: f,
        } => {
            let ip = address(addr)?;
            let interval = duration(interval)?;
            let mut rtnl = rtnl_in(netns)?;
            let iface = Iface::lookup(&mut rtnl, dev)?;
            vip::check_facing(&iface, ip)?;
            announce(&iface, ip, *f, *count, interval, con)?;
            Ok(match ip {
                IpAddr::V4(_) => format!("{count} gratuitous ARP(s) for {ip} sent on {dev}\n"),
                IpAddr::V6(_) => {
                    format!("{count} unsolicited neighbour advertisement(s) for {ip} sent on {dev}\n")
                }
            })
        }
        ArpCmd::Probe {
            addr,
            dev,
            timeout,
            interval,
            out,
        } => {
            let ip = address(addr)?;
            let timeout = duration(timeout)?;
            let interval = duration(interval)?;
            if interval.is_zero() {
                return Err(NativeError::Usage("--interval must be above 0".into()));
            }
            let mut rtnl = rtnl_in(netns)?;
            let report = vip::probe_address(&mut rtnl, ip, dev.as_deref(), timeout, interval)?;
            let hosts = report.hosts();
            let text = match out.output {
                // Always indented, as it has been since the first release.
                Output::Json => json::ProbeDocument::new(json::JsonProbe::from(&report)).render_as(true),
                out => text::probe(&report, out == Output::Table),
            };
            match hosts {
                0 => Err(NativeError::NoneAnswered(text)),
                1 => Ok(text),
                _ => Err(NativeError::Problems(text)),
            }
        }
    }
}

fn rs(cmd: &RsCmd, netns: Option<&str>, pretty: bool) -> Result<String, NativeError> {
    use crate::rs;
    let vips = |v: &[String]| v.iter().map(|s| rs::parse_vip(s)).collect::<Result<Vec<_>, _>>();
    match cmd {
        RsCmd::Up {
            vips: v,
            mode,
            dev,
            tun_type,
            tun_port,
        } => {
            let req = rs::UpRequest {
                vips: vips(v)?,
                mode: match mode {
                    RsMode::Dr => rs::Mode::Dr,
                    RsMode::Tun => rs::Mode::Tun,
                },
                dev: dev.clone(),
                tun_type: match tun_type {
                    RsTunType::Ipip => rs::TunType::Ipip,
                    RsTunType::Gue => rs::TunType::Gue,
                    RsTunType::Gre => rs::TunType::Gre,
                },
                tun_port: *tun_port,
            };
            if let Some(ns) = netns {
                crate::host::netns::enter(ns)?;
            }
            Ok(rs::up(&req)?.join("\n") + "\n")
        }
        RsCmd::Down { vips: v } => {
            let v = vips(v)?;
            if let Some(ns) = netns {
                crate::host::netns::enter(ns)?;
            }
            Ok(rs::down(&v)?.join("\n") + "\n")
        }
        RsCmd::Status { out } => {
            if let Some(ns) = netns {
                crate::host::netns::enter(ns)?;
            }
            let st = rs::status()?;
            let text = match out.output {
                Output::Json => {
                    let mut doc = Document::new();
                    doc.vips = Some(st.iter().map(json::JsonVip::from).collect());
                    doc.render_as(pretty)
                }
                _ => text::rs_status(&st),
            };
            if st.is_empty() {
                return Err(NativeError::NotFound(
                    "no VIP found: none recorded by rs up, and no host address on lo, dummy or tunnel devices".into(),
                ));
            }
            if st.iter().any(|s| !s.ok) {
                return Err(NativeError::Problems(text));
            }
            Ok(text)
        }
    }
}

/// `conns`: the connection table of the current namespace, in the
/// kernel's order.
fn conns(doc: &mut Document, output: Output, pretty: bool) -> Result<String, NativeError> {
    let conns = crate::ipvs::conn::read_connections().map_err(|e| NativeError::Runtime(e.to_string()))?;
    doc.connections = Some(conns.iter().map(json::JsonConnection::from).collect());
    Ok(render(
        std::mem::take(doc),
        text::conns_table(&conns),
        output,
        pretty,
    ))
}

/// lvsctl's summary of the ipvsadm grammar, printed by `-h` in ipvsadm
/// mode (its own words; same options as ipvsadm 1.31).
pub fn ipvsadm_usage() -> String {
    format!(
        "lvsctl {version} -- ipvsadm-compatible mode (ipvsadm 1.31 command line)

Usage:
  ipvsadm -A|-E SERVICE [-s SCHEDULER] [-p [TIMEOUT]] [-M NETMASK] [--pe ENGINE] [-b FLAGS] [-o]
  ipvsadm -D SERVICE
  ipvsadm -C
  ipvsadm -R                 read commands from standard input
  ipvsadm -S [-n]            write the table as commands
  ipvsadm -a|-e SERVICE -r SERVER[:PORT] [-g|-i|-m] [-w WEIGHT] [-x UPPER] [-y LOWER]
                 [--tun-type ipip|gue|gre] [--tun-port PORT] [--tun-nocsum|--tun-csum|--tun-remcsum]
  ipvsadm -d SERVICE -r SERVER[:PORT]
  ipvsadm -L|-l [SERVICE] [-n] [--nosort] [--exact] [--stats|--rate|--thresholds|--persistent-conn|--tun-info]
  ipvsadm -L|-l -c|--timeout|--daemon [-n]
  ipvsadm -Z [SERVICE]
  ipvsadm --set TCP TCPFIN UDP
  ipvsadm --start-daemon master|backup [--mcast-interface IF] [--syncid ID] [--sync-maxlen N]
                 [--mcast-group ADDR] [--mcast-port PORT] [--mcast-ttl TTL]
  ipvsadm --stop-daemon master|backup
  ipvsadm -h | -v

SERVICE is one of:
  -t|--tcp-service HOST[:PORT]   -u|--udp-service HOST[:PORT]
  --sctp-service HOST[:PORT]     -f|--fwmark-service MARK [-6]
HOST is an IPv4 address or name, or an IPv6 address in brackets ([2001:db8::1]:80).

Schedulers: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos (default wlc).
Persistence: -p without a value means 360 seconds.
Forwarding: -g direct routing (default), -i tunnelling, -m masquerading (NAT).
Weights: 0 to 2147483647 (default 1). Thresholds: 0 to 2147483647 (0 = none).
lvsctl also accepts --netns NAME|PATH before the command.

Without arguments ipvsadm lists the table. Exit codes follow ipvsadm:
0 success, 1 listing failed, 2 invalid command line, 255 the kernel refused a
change (or a popt-level syntax error).
",
        version = env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_selectors() {
        assert_eq!(
            parse_service("tcp:192.0.2.1:80").unwrap(),
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: "192.0.2.1".parse().unwrap(),
                port: 80
            }
        );
        assert_eq!(
            parse_service("udp:[2001:db8::1]:53").unwrap(),
            ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: "2001:db8::1".parse().unwrap(),
                port: 53
            }
        );
        assert_eq!(
            parse_service("fwmark6:3000000000").unwrap(),
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3_000_000_000
            }
        );
        for bad in [
            "",
            "tcp",
            "tcp:1.2.3.4",
            "icmp:1.2.3.4:1",
            "fwmark:0",
            "fwmark:x",
            "tcp:[::1]",
        ] {
            assert!(parse_service(bad).is_err(), "{bad}");
            assert_eq!(
                NativeExit::from(&parse_service(bad).unwrap_err()),
                NativeExit::Usage
            );
        }
    }
}
