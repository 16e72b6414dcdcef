//! lvsctl's own arguments (clap derive): the subcommands, their options
//! and their long help. The same definition drives parsing, `--help`, the
//! man page and the shell completions (`cli::generate`), so every word a
//! user reads about an option is written next to it here. No I/O.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

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
    /// Health-checking daemon: keep the services of a file in the IPVS
    /// table, overlaid with the health of their real servers.
    #[command(long_about = DAEMON_LONG_ABOUT, args_conflicts_with_subcommands = true)]
    Daemon(DaemonArgs),
    /// Convert piranha's lvs.cf, keepalived.conf or ldirectord.cf into a daemon file, reporting what does not carry over.
    #[command(long_about = IMPORT_LONG_ABOUT)]
    Import {
        /// The format of FILE.
        #[arg(value_enum, value_name = "FORMAT")]
        format: ImportFormat,
        /// The file to convert.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: String,
        /// Write the daemon file here (replacing it whole) instead of to
        /// standard output.
        #[arg(long = "out", short = 'o', value_name = "OUT", value_hint = clap::ValueHint::FilePath)]
        out: Option<String>,
        /// The director the file is for: one lvs.cf serves both, naming
        /// the primary's and the backup's addresses.
        #[arg(long, value_enum, default_value_t = ImportNode::Primary)]
        node: ImportNode,
    },
}

const DAEMON_LONG_ABOUT: &str = "\
Run the health-checking daemon in the foreground (systemd runs it; units in \
dist/), or ask a running one.

`lvsctl daemon --config FILE` checks every real server of the services in \
FILE and keeps the kernel equal to those services overlaid with health, \
through the same engine as `lvsctl apply` (minimal diff, batched, all or \
nothing). One daemon per network namespace (--netns is entered before any \
thread starts). It manages only the services its file lists: services \
other tools made are left alone, unless `[daemon] prune = true` makes the \
file the whole table. It takes the table lock only for each engine call.

THE FILE is apply's TOML (unknown keys are refused with FILE:LINE) grown by \
a [daemon] section and keys in services and real servers. Keys apply \
already had keep integer seconds; the new duration keys take strings: \
\"500ms\", \"10s\", \"5m\", \"1m30s\".

[daemon]: reconcile_interval (\"10s\": the kernel is read whole and drift \
such as an `ipvsadm -d` by hand is repaired and logged), drain_timeout \
(\"300s\": how long a server removed by a reload drains at most), socket \
(default /run/lvsctl/daemon.sock in the init namespace, one per namespace \
otherwise), metrics (\"127.0.0.1:9480\": a Prometheus listener), http \
(\"ADDR:PORT\": the status page, /status.json, /history.json and its live \
event stream /events; the same address as metrics makes one listener), \
http_actions (false: with true, the page's drain, undrain, disable and \
enable buttons, POSTs that must carry Authorization: Bearer TOKEN and come \
from the page's own origin), http_token_file (absolute path; its first line \
is the token, 16 characters or more; other users may not read it), prune \
(false), flush_on_stop (false: SIGTERM leaves the table as it is), user \
(\"nobody\": hooks and command checks run as this user), status_group \
(members may read `status`), mark_base (first firewall mark of the \
through_vip probe services). [timeouts], [sysctl] settings and [[daemons]] are managed only \
where the file writes them (with prune = true, as apply does).

In each [[services]]: on_failure (\"quiesce\": weight 0, the default; or \
\"remove\"), slow_start (\"0s\": a server that comes back ramps its weight \
up linearly over this time), quorum (1: least total live weight) and \
hysteresis (0): quorum is lost when the live weight falls below quorum - \
hysteresis or reaches 0 and regained at quorum + hysteresis; while it is \
lost, sorry_server = { address, port, forward } is in the table at weight 1 \
and the real servers are at weight 0. notify_up, notify_down (argv run when \
a server changes; %h and %p are its address and port), quorum_up, \
quorum_down: absolute program paths, never a shell. [services.check] is \
every real server's check; a real server's own `check = {...}` replaces \
it; an array of checks must all pass. A real server with no check is \
static (always up).

A check: type = tcp | http | https | send-expect | udp | dns | ping | \
command | file, with interval, timeout, rise (successes before a down \
server is up), fall (failures before an up server is down), retry_interval \
(after a failure, while fewer than fall in a row, the next probe comes \
this long after the failure instead: keepalived's delay_before_retry), \
connect_address, connect_port, source_address, fwmark (SO_MARK), and \
through_vip (direct routing and tunnels: the probe goes through IPVS to \
the VIP, by a firewall-mark service per server from [daemon] mark_base, \
so it passes only for a server that accepts the VIP; while such probes \
run, net.ipv4.conf.all.accept_local is 1 and rp_filter loose, both given \
back on stop with the probe services). A server \
that refuses connections is down within fall x interval, one that swallows \
packets within fall x interval + timeout. The first probe of each check \
starts at a random offset within its interval (on a 10 ms grid, so that \
probes due together share one wake-up), a probe that outlasts its interval \
delays the next (which starts as soon as it ends), and one probe runs per \
(server address, port, check) however many services share the server. \
See `lvsctl daemon probe` to try one check once.

Start: servers already in the kernel with a weight count as up, at weight \
0 as down, absent ones as down until their first success: a restart while \
health is unchanged sends the kernel nothing. Health changes arriving \
together go to the kernel in one engine call.

SIGHUP or `lvsctl daemon reload` reads the file again, validated whole \
first: an invalid file keeps the old one. Unchanged servers and checks \
keep their health and schedule; a removed server stays at weight 0 until \
it has no active connection (for UDP no connection at all) or \
drain_timeout passes. `drain` keeps a server at weight 0 until `undrain`, \
across restarts. SIGTERM and SIGINT stop it.

VRRP (director failover, on the wire as keepalived 2.2.7 speaks it): each \
[[vrrp]] has name, interface, vrid (1-255), priority (1-254; 255 = the \
address owner), advert_interval (\"1s\"), vips (\"ADDR/PREFIX\" or { \
address, device, label }), version (2 by default on IPv4 as keepalived, 3 \
on IPv6; 2 with IPv6 is an error), preempt (true), preempt_delay, \
unicast_source with unicast_peers (empty: multicast 224.0.0.18 / ff02::12), \
checksum (v3 over IPv4: \"keepalived\", the IPv4 pseudo-header form \
keepalived requires, or \"rfc9568\"; both accepted on receive), auth_pass \
(v2 simple password), track_services (selectors such as \
\"tcp:192.0.2.110:80\": quorum lost puts the instance in Fault), \
track_interfaces (link down: Fault), notify (argv run as user with \
INSTANCE NAME STATE PRIORITY appended, no shell), garp = { count, \
interval, repeat_after, refresh } and sync_daemon = { interface, syncid \
(default: the vrid), maxlen, group, port, ttl }: the kernel's connection \
sync daemon, master while the instance is Master and backup otherwise \
(also after the daemon stops); one instance may carry it, and [[daemons]] \
beside it is an error. [[vrrp_sync_group]] { name, instances } \
makes instances change state together. Master: an advert, the VIPs added \
(IPv6 without DAD) and announced by gratuitous ARP or unsolicited NA, \
notify; Backup and Fault: the VIPs removed. Stop, Fault and `vrrp release` \
advertise priority 0 so that the peer takes over after its skew. At start \
VIPs left by a run that died are removed, and an instance that tracks \
services waits in INIT until their first checks answer. A VIP deleted by \
hand while Master is restored and announced again (keepalived steps down \
instead). A peer whose adverts differ (version, interval, VIP list, \
checksum form, authentication, unicast or multicast) is logged and shown \
in `status`. VRRP runs on its own thread; a reload that changes [[vrrp]] \
or [[vrrp_sync_group]] is refused (restart the daemon).

Logs: one line per event on stderr (journald priority prefixes under \
systemd), or JSON objects with --log-format json. systemd: READY=1 after \
the first engine call, RELOADING=1 during reloads, WATCHDOG=1 when \
WatchdogSec is set. Once running it keeps only CAP_NET_ADMIN, CAP_NET_RAW, \
CAP_SETUID, CAP_SETGID and CAP_KILL.

Exit status: run: 0 stopped, 1 runtime failure, 2 invalid file or usage; \
check: 0 valid, 2 invalid; status: 0 all up, 3 something down (a server, \
a quorum, or a VRRP instance in FAULT), 4 no daemon answers; reload, \
drain, undrain, disable, enable, vrrp release, vrrp resume: 0 done, 2 refused (invalid \
file, unknown server or instance), 4 no daemon answers; probe: 0 up, 3 \
down, 2 invalid check.";

/// `lvsctl daemon`.
#[derive(Debug, Clone, clap::Args)]
pub struct DaemonArgs {
    /// The daemon's file (apply's TOML with [daemon] and checks).
    #[arg(long, short = 'c', value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<String>,
    /// Log lines as text (journald-friendly) or as JSON objects.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to ask a running daemon (none: run one).
    #[command(subcommand)]
    pub cmd: Option<DaemonCmd>,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// One line per event: `LEVEL what happened key=value ...`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where a client finds the daemon: `--socket`, or the one of its network
/// namespace.
#[derive(Debug, Clone, clap::Args)]
pub struct SocketArgs {
    /// The daemon's control socket (default: the one registered for this
    /// network namespace under /run/lvsctl).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub socket: Option<String>,
}

/// `lvsctl daemon` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum DaemonCmd {
    /// Validate a daemon file without running it (exit 0 valid, 2 invalid).
    Check {
        /// The file.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: String,
    },
    /// Every service and real server of the running daemon: weights,
    /// health, last result, quorum (exit 0 all up, 3 something down, 4 no
    /// daemon answers).
    Status {
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Read the daemon's file again; an invalid file keeps the old one and
    /// exits 2 with FILE:LINE.
    Reload {
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Set a real server's weight to 0 and keep it there (across restarts)
    /// until `undrain`.
    Drain {
        /// The service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: String,
        /// The real server: ADDR or ADDR:PORT ([ADDR]:PORT for IPv6).
        #[arg(value_name = "SERVER")]
        server: String,
        /// Return when the server has no active connection left.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Give a drained real server its weight back.
    Undrain {
        /// The service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: String,
        /// The real server (see `drain`).
        #[arg(value_name = "SERVER")]
        server: String,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Take a real server out of the table (across restarts) until
    /// `enable`; its checks go on, so the status still shows its health.
    Disable {
        /// The service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: String,
        /// The real server (see `drain`).
        #[arg(value_name = "SERVER")]
        server: String,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Put a disabled real server back in the table.
    Enable {
        /// The service (see `list`).
        #[arg(value_name = "SERVICE")]
        service: String,
        /// The real server (see `drain`).
        #[arg(value_name = "SERVER")]
        server: String,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// VRRP instances of the running daemon: give up or take back
    /// mastership for a planned failover.
    Vrrp {
        #[command(subcommand)]
        cmd: VrrpCmd,
    },
    /// Run one check once against a server and print what it found (exit
    /// 0 up, 3 down, 2 invalid check).
    Probe {
        /// The check as an inline TOML table, as in the file:
        /// '{ type = "http", path = "/health" }'.
        #[arg(long, value_name = "TOML")]
        check: String,
        /// The real server: ADDR:PORT ([ADDR]:PORT for IPv6), or ADDR for
        /// checks that need no port.
        #[arg(value_name = "SERVER")]
        server: String,
    },
}

/// `lvsctl daemon vrrp` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum VrrpCmd {
    /// Advertise priority 0 and stay Backup (the other director takes
    /// over after its skew) until `vrrp resume`; not kept across restarts
    /// (exit 0 done, 2 no such instance, 4 no daemon answers).
    Release {
        /// The instance's name ([[vrrp]] name).
        #[arg(value_name = "INSTANCE")]
        instance: String,
        #[command(flatten)]
        socket: SocketArgs,
    },
    /// Undo `vrrp release`: the instance takes part again with its
    /// priority (and preempts if it may).
    Resume {
        /// The instance's name.
        #[arg(value_name = "INSTANCE")]
        instance: String,
        #[command(flatten)]
        socket: SocketArgs,
    },
}

/// `lvsctl import FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// piranha's /etc/sysconfig/ha/lvs.cf (pulse, lvsd, nanny).
    Piranha,
    /// keepalived's /etc/keepalived/keepalived.conf (2.2.7), with its includes.
    Keepalived,
    /// ldirectord's /etc/ha.d/ldirectord.cf (resource-agents 4.12).
    Ldirectord,
}

/// `lvsctl import --node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportNode {
    /// The director lvs.cf names as `primary`.
    Primary,
    /// The director lvs.cf names as `backup`.
    Backup,
}

const IMPORT_LONG_ABOUT: &str = "\
Convert another tool's configuration into an lvsctl daemon file (see \
`lvsctl daemon`): services, real servers, health checks, sorry servers, \
timeouts, the VRRP instance that replaces the tool's failover, and the \
connection sync daemon. Formats: piranha's lvs.cf, read as pulse, lvsd \
and nanny read it (what they program, not only what lvs.cf(5) says), \
keepalived.conf as keepalived 2.2.7 reads it (includes too), and \
ldirectord.cf as ldirectord 4.12's code reads it.

Nothing is dropped silently: every setting with no equivalent in lvsctl, \
or whose meaning differs, is reported on standard error as FILE:LINE: \
what happened to it. The daemon file goes to standard output, or to OUT \
with -o; every service, real server and VRRP instance in it carries a \
comment naming its source line. The result is read back by the daemon's \
parser before it is written. Check it with `lvsctl daemon check`, and \
`lvsctl daemon --config OUT` runs it.

piranha: each virtual with active = 1 is a service and each server a \
real server with the global network method (default nat); active = 0 on \
a server is enabled = false. nanny's check runs every `timeout` seconds \
with that timeout, fall = 1 and rise = ceil(reentry / timeout); send and \
expect are a send-expect check (udp on a UDP virtual), expect matching \
the start of the reply, and on port 80 with neither nanny's GET / \
expecting HTTP; send_program is a command check; quiesce_server is \
on_failure = \"quiesce\", else \"remove\". pulse's heartbeat is one VRRP \
instance (vrid 51, priority 150 with --node primary or 100 with backup, \
adverts every keepalive seconds, unicast between primary and backup, no \
preemption) holding every active virtual's address and nat_router; the \
sync daemon follows it. The README has the whole table.

keepalived: each virtual_server is a service (a virtual_server group one \
per member), its real servers with their weights, methods and \
thresholds; checkers run every delay_loop (default 60 s) with \
connect_timeout (5 s) as the timeout, fall = retry + 1, rise = 1 and \
delay_before_retry as retry_interval; TCP_CHECK, HTTP_GET (one http check \
per url: path, status_code, regex, virtualhost), SSL_GET (https, no \
certificate check, as keepalived), MISC_CHECK (command, misc_dynamic), \
DNS_CHECK, UDP_CHECK and PING_CHECK are converted, SMTP_CHECK, FILE_CHECK \
and BFD_CHECK reported; inhibit_on_failure is on_failure = \"quiesce\", \
else \"remove\"; quorum, hysteresis, sorry_server and the hooks carry over. \
vrrp_instance and vrrp_sync_group keep their names, VRIDs, priorities, \
intervals, versions, VIPs, peers and notify; lvs_sync_daemon follows its \
instance; lvs_timeouts is [timeouts].

ldirectord: each virtual= / virtual6= is a service (protocol tcp, udp on \
port 53, scheduler wrr, persistent, netmask, schedflags, ops), each real= \
a real server (gate, masq, ipip; weight; l:/u: thresholds; ranges); \
checks every checkinterval (10 s) with checktimeout or negotiatetimeout \
(5 s, 30 s; at most the interval), fall = failurecount (1), rise = 1: \
connect is tcp (ping on UDP), negotiate by service (http, https, dns, \
simpletcp; none is no check; others a tcp connect, reported), external a \
command check with ldirectord's four arguments, ping, on (no check), off \
(every server switched off); quiescent = yes is on_failure = \"quiesce\", \
else \"remove\"; fallback is the sorry server; cleanstop = yes (the \
default) is flush_on_stop.

Exit status: 0 everything converted; 3 converted, with settings reported \
on standard error; 2 the file does not parse (FILE:LINE, nothing \
written), a file that does not exist, or usage; 1 the file cannot be read \
or OUT cannot be written.";

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
timeouts not written are 900 120 300). A real server with `enabled = \
false` is validated like the others, not probed, and left out of the table.

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
        #[arg(long = "vip", value_name = "ADDR", required_unless_present = "config")]
        vips: Vec<String>,
        /// Take the VIPs, mode, device and tunnel settings from FILE
        /// (/etc/lvsctl/realserver.toml; keys mode, device, vips, tun_type,
        /// tun_port) instead of the options.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with_all = ["vips", "mode", "dev", "tun_type", "tun_port"]
        )]
        config: Option<String>,
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
        /// Remove the VIPs FILE lists (the file `rs up --config` read).
        #[arg(long, value_name = "FILE", conflicts_with = "vips")]
        config: Option<String>,
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
