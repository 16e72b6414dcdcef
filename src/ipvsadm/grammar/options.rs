//! Every option of ipvsadm 1.31, each defined once.
//!
//! ipvsadm keeps an option in four parallel tables (popt's, `optnames[]`,
//! the matrix columns, the usage text) that must agree by position; the
//! first version of this parser copied that, and the help text lived in
//! yet another file. Here an option is one [`Def`] in [`DEFS`]: its
//! names as popt matches them, whether it takes a value, the
//! validity-matrix column it counts under, where the documentation lists
//! it and what it does in lvsctl's words. The scanner (`scan.rs`) reads
//! the names and the kind of value, the entry builder (`entry.rs`) the
//! column, and the documentation (`-h` in `ipvsadm::usage`, the man pages
//! and completions of `cli::generate`) the rest through [`options`].
//! Adding an option is one row here plus its arm in `Entry::apply` (what
//! its value sets); `tests/tables.rs` checks that every [`Opt`] has
//! exactly one row and every matrix column at least one option.
//!
//! The rows are in ipvsadm's popt table order. popt takes the first
//! match, which only mattered for `--list`: ipvsadm lists it twice (for
//! `-L` and `-l`); here it is one row with two letters.

use super::matrix::Col;

/// Every option ipvsadm 1.31 knows, by the name the parser matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opt {
    AddService,
    EditService,
    DeleteService,
    Clear,
    List,
    Zero,
    AddServer,
    EditServer,
    DeleteServer,
    Set,
    Help,
    Version,
    Restore,
    Save,
    StartDaemon,
    StopDaemon,
    TcpService,
    UdpService,
    SctpService,
    FwmarkService,
    Scheduler,
    Persistent,
    Netmask,
    RealServer,
    Masquerading,
    Ipip,
    Gatewaying,
    Weight,
    UThreshold,
    LThreshold,
    Numeric,
    Connection,
    McastInterface,
    SyncId,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    Sort,
    Exact,
    Ipv6,
    Ops,
    Pe,
    SchedFlags,
    McastGroup,
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunInfo,
    TunType,
    TunPort,
    TunNocsum,
    TunCsum,
    TunRemcsum,
}

/// What follows an option on the command line; the names are for the
/// documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    /// Nothing: a flag.
    None,
    /// A value, attached or in the next word.
    Required(&'static str),
    /// A value that may be left out (`-p`; see [`super::scan`]).
    Optional(&'static str),
    /// No value of its own, but the command takes these positional words
    /// (`--set TCP TCPFIN UDP`).
    Operands(&'static str),
}

impl Arg {
    /// popt reads a value for the option.
    pub(super) fn takes_value(self) -> bool {
        matches!(self, Arg::Required(_) | Arg::Optional(_))
    }

    /// The value may be left out.
    pub(super) fn is_optional(self) -> bool {
        matches!(self, Arg::Optional(_))
    }

    /// The name of the value or operands, for the documentation.
    fn name(self) -> Option<&'static str> {
        match self {
            Arg::None => None,
            Arg::Required(n) | Arg::Optional(n) | Arg::Operands(n) => Some(n),
        }
    }
}

/// Where the documentation lists an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The commands (the first option of a command line).
    Command,
    /// The options that name a virtual service.
    Service,
    /// Settings of a virtual service (`-A`, `-E`).
    ServiceSetting,
    /// The real server and its settings (`-a`, `-e`, `-d`).
    Server,
    /// What `-L` and `-S` show.
    List,
    /// Settings of a sync daemon.
    Daemon,
}

impl Section {
    /// Every section, in the order `-h` shows them.
    pub const ALL: [Section; 6] = [
        Section::Command,
        Section::Service,
        Section::ServiceSetting,
        Section::Server,
        Section::List,
        Section::Daemon,
    ];
}

/// One option: everything the grammar and the documentation know of it.
#[derive(Debug)]
pub(super) struct Def {
    pub(super) opt: Opt,
    /// Short letters (none, one, or `-L` and `-l` for `--list`).
    pub(super) short: &'static [char],
    /// Long name without the dashes.
    pub(super) long: &'static str,
    pub(super) arg: Arg,
    /// The validity-matrix column it counts under; `None` for the
    /// commands and for the two options ipvsadm does not track (`-6`,
    /// `--sort`), which may also be given more than once.
    pub(super) column: Option<Col>,
    pub(super) section: Section,
    /// What it does, in lvsctl's words: one line, lower case, no full
    /// stop.
    pub(super) help: &'static str,
}

/// One option of the ipvsadm grammar, for documentation and completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo {
    /// Long name without the dashes.
    pub long: &'static str,
    /// Short letter, if any.
    pub short: Option<char>,
    /// A second short letter for the same option (`-l`, also `--list`).
    pub alias: Option<char>,
    /// Takes a value (`-p` takes an optional one).
    pub takes_value: bool,
    /// The value may be left out.
    pub value_optional: bool,
    /// The name of its value in the documentation, or for `--set` of the
    /// positional words the command takes.
    pub value_name: Option<&'static str>,
    /// Where the documentation lists it.
    pub section: Section,
    /// What it does, one line in lvsctl's words.
    pub help: &'static str,
}

/// Every option ipvsadm 1.31 accepts, in its table order.
pub fn options() -> impl Iterator<Item = OptionInfo> {
    DEFS.iter().map(|d| OptionInfo {
        long: d.long,
        short: d.short.first().copied(),
        alias: d.short.get(1).copied(),
        takes_value: d.arg.takes_value(),
        value_optional: d.arg.is_optional(),
        value_name: d.arg.name(),
        section: d.section,
        help: d.help,
    })
}

/// ipvsadm's options, in its popt table order.
pub(super) static DEFS: &[Def] = &[
    Def {
        opt: Opt::AddService,
        short: &['A'],
        long: "add-service",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "add a virtual service",
    },
    Def {
        opt: Opt::EditService,
        short: &['E'],
        long: "edit-service",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "change a virtual service (options left out return to their defaults)",
    },
    Def {
        opt: Opt::DeleteService,
        short: &['D'],
        long: "delete-service",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "delete a virtual service and its real servers",
    },
    Def {
        opt: Opt::Clear,
        short: &['C'],
        long: "clear",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "delete every virtual service",
    },
    Def {
        opt: Opt::List,
        short: &['L', 'l'],
        long: "list",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "list the table, one service, the connections, the timeouts or the sync daemons",
    },
    Def {
        opt: Opt::Zero,
        short: &['Z'],
        long: "zero",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "zero the counters of every service, or of one",
    },
    Def {
        opt: Opt::AddServer,
        short: &['a'],
        long: "add-server",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "add a real server to a service",
    },
    Def {
        opt: Opt::EditServer,
        short: &['e'],
        long: "edit-server",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "change a real server",
    },
    Def {
        opt: Opt::DeleteServer,
        short: &['d'],
        long: "delete-server",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "remove a real server from its service",
    },
    Def {
        opt: Opt::Set,
        short: &[],
        long: "set",
        arg: Arg::Operands("TCP TCPFIN UDP"),
        column: None,
        section: Section::Command,
        help: "set the TCP, TCP-FIN and UDP timeouts in seconds (0 keeps a value as it is)",
    },
    Def {
        opt: Opt::Help,
        short: &['h'],
        long: "help",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "print this summary of the ipvsadm grammar",
    },
    Def {
        opt: Opt::Version,
        short: &['v'],
        long: "version",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "print the version line (ipvsadm's, with lvsctl's)",
    },
    Def {
        opt: Opt::Restore,
        short: &['R'],
        long: "restore",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "read commands from standard input (all checked before any is applied, sent in batches)",
    },
    Def {
        opt: Opt::Save,
        short: &['S'],
        long: "save",
        arg: Arg::None,
        column: None,
        section: Section::Command,
        help: "print the table as commands that -R reads back",
    },
    Def {
        opt: Opt::StartDaemon,
        short: &[],
        long: "start-daemon",
        arg: Arg::Required("STATE"),
        column: None,
        section: Section::Command,
        help: "start the master or the backup sync daemon",
    },
    Def {
        opt: Opt::StopDaemon,
        short: &[],
        long: "stop-daemon",
        arg: Arg::Required("STATE"),
        column: None,
        section: Section::Command,
        help: "stop the master or the backup sync daemon",
    },
    Def {
        opt: Opt::TcpService,
        short: &['t'],
        long: "tcp-service",
        arg: Arg::Required("HOST[:PORT]"),
        column: Some(Col::Service),
        section: Section::Service,
        help: "the TCP service at HOST[:PORT]",
    },
    Def {
        opt: Opt::UdpService,
        short: &['u'],
        long: "udp-service",
        arg: Arg::Required("HOST[:PORT]"),
        column: Some(Col::Service),
        section: Section::Service,
        help: "the UDP service at HOST[:PORT]",
    },
    Def {
        opt: Opt::SctpService,
        short: &[],
        long: "sctp-service",
        arg: Arg::Required("HOST[:PORT]"),
        column: Some(Col::Service),
        section: Section::Service,
        help: "the SCTP service at HOST[:PORT]",
    },
    Def {
        opt: Opt::FwmarkService,
        short: &['f'],
        long: "fwmark-service",
        arg: Arg::Required("MARK"),
        column: Some(Col::Service),
        section: Section::Service,
        help: "the service of packets with firewall mark MARK (1 to 4294967295)",
    },
    Def {
        opt: Opt::Scheduler,
        short: &['s'],
        long: "scheduler",
        arg: Arg::Required("SCHEDULER"),
        column: Some(Col::Scheduler),
        section: Section::ServiceSetting,
        help: "the scheduler that picks a real server (default wlc)",
    },
    Def {
        opt: Opt::Persistent,
        short: &['p'],
        long: "persistent",
        arg: Arg::Optional("TIMEOUT"),
        column: Some(Col::Persistent),
        section: Section::ServiceSetting,
        help: "keep a client on the same real server for TIMEOUT seconds (default 360)",
    },
    Def {
        opt: Opt::Netmask,
        short: &['M'],
        long: "netmask",
        arg: Arg::Required("NETMASK"),
        column: Some(Col::Netmask),
        section: Section::ServiceSetting,
        help: "clients in one network of this mask (IPv4) or prefix length (IPv6) share persistence",
    },
    Def {
        opt: Opt::RealServer,
        short: &['r'],
        long: "real-server",
        arg: Arg::Required("HOST[:PORT]"),
        column: Some(Col::Server),
        section: Section::Server,
        help: "the real server at HOST[:PORT] (without a port: the service's)",
    },
    Def {
        opt: Opt::Masquerading,
        short: &['m'],
        long: "masquerading",
        arg: Arg::None,
        column: Some(Col::Forward),
        section: Section::Server,
        help: "forward by NAT",
    },
    Def {
        opt: Opt::Ipip,
        short: &['i'],
        long: "ipip",
        arg: Arg::None,
        column: Some(Col::Forward),
        section: Section::Server,
        help: "forward by tunnelling (see --tun-type)",
    },
    Def {
        opt: Opt::Gatewaying,
        short: &['g'],
        long: "gatewaying",
        arg: Arg::None,
        column: Some(Col::Forward),
        section: Section::Server,
        help: "forward by direct routing (the default)",
    },
    Def {
        opt: Opt::Weight,
        short: &['w'],
        long: "weight",
        arg: Arg::Required("WEIGHT"),
        column: Some(Col::Weight),
        section: Section::Server,
        help: "the real server's share of new connections, 0 to 2147483647 (default 1; 0: none)",
    },
    Def {
        opt: Opt::UThreshold,
        short: &['x'],
        long: "u-threshold",
        arg: Arg::Required("UPPER"),
        column: Some(Col::UThreshold),
        section: Section::Server,
        help: "no new connections to the real server while it has UPPER or more (0: no limit)",
    },
    Def {
        opt: Opt::LThreshold,
        short: &['y'],
        long: "l-threshold",
        arg: Arg::Required("LOWER"),
        column: Some(Col::LThreshold),
        section: Section::Server,
        help: "after the upper threshold, new connections again once below LOWER",
    },
    Def {
        opt: Opt::Numeric,
        short: &['n'],
        long: "numeric",
        arg: Arg::None,
        column: Some(Col::Numeric),
        section: Section::List,
        help: "print addresses and ports as numbers",
    },
    Def {
        opt: Opt::Connection,
        short: &['c'],
        long: "connection",
        arg: Arg::None,
        column: Some(Col::Connection),
        section: Section::List,
        help: "list the connection table",
    },
    Def {
        opt: Opt::McastInterface,
        short: &[],
        long: "mcast-interface",
        arg: Arg::Required("IFNAME"),
        column: Some(Col::Mcast),
        section: Section::Daemon,
        help: "the interface the sync daemon sends or listens on (default eth0)",
    },
    Def {
        opt: Opt::SyncId,
        short: &[],
        long: "syncid",
        arg: Arg::Required("ID"),
        column: Some(Col::SyncId),
        section: Section::Daemon,
        help: "the sync daemon's id, 0 to 255 (default 0: every id)",
    },
    Def {
        opt: Opt::Timeout,
        short: &[],
        long: "timeout",
        arg: Arg::None,
        column: Some(Col::Timeout),
        section: Section::List,
        help: "list the TCP, TCP-FIN and UDP timeouts",
    },
    Def {
        opt: Opt::Daemon,
        short: &[],
        long: "daemon",
        arg: Arg::None,
        column: Some(Col::Daemon),
        section: Section::List,
        help: "list the sync daemons",
    },
    Def {
        opt: Opt::Stats,
        short: &[],
        long: "stats",
        arg: Arg::None,
        column: Some(Col::Stats),
        section: Section::List,
        help: "list with traffic counters",
    },
    Def {
        opt: Opt::Rate,
        short: &[],
        long: "rate",
        arg: Arg::None,
        column: Some(Col::Rate),
        section: Section::List,
        help: "list with traffic rates",
    },
    Def {
        opt: Opt::Thresholds,
        short: &[],
        long: "thresholds",
        arg: Arg::None,
        column: Some(Col::Thresholds),
        section: Section::List,
        help: "list with the connection thresholds",
    },
    Def {
        opt: Opt::PersistentConn,
        short: &[],
        long: "persistent-conn",
        arg: Arg::None,
        column: Some(Col::PersistentConn),
        section: Section::List,
        help: "list with the persistence templates of each real server",
    },
    Def {
        opt: Opt::NoSort,
        short: &[],
        long: "nosort",
        arg: Arg::None,
        column: Some(Col::NoSort),
        section: Section::List,
        help: "list in the kernel's order",
    },
    Def {
        opt: Opt::Sort,
        short: &[],
        long: "sort",
        arg: Arg::None,
        column: None,
        section: Section::List,
        help: "list sorted (the default, so it changes nothing)",
    },
    Def {
        opt: Opt::Exact,
        short: &['X'],
        long: "exact",
        arg: Arg::None,
        column: Some(Col::Exact),
        section: Section::List,
        help: "print counters and rates in full instead of with K, M, G, T",
    },
    Def {
        opt: Opt::Ipv6,
        short: &['6'],
        long: "ipv6",
        arg: Arg::None,
        column: None,
        section: Section::Service,
        help: "the firewall-mark service is IPv6 (after -f)",
    },
    Def {
        opt: Opt::Ops,
        short: &['o'],
        long: "ops",
        arg: Arg::None,
        column: Some(Col::OnePacket),
        section: Section::ServiceSetting,
        help: "schedule every packet on its own (one-packet scheduling, UDP only)",
    },
    Def {
        opt: Opt::Pe,
        short: &[],
        long: "pe",
        arg: Arg::Required("ENGINE"),
        column: Some(Col::Pe),
        section: Section::ServiceSetting,
        help: "the persistence engine (sip)",
    },
    Def {
        opt: Opt::SchedFlags,
        short: &['b'],
        long: "sched-flags",
        arg: Arg::Required("FLAGS"),
        column: Some(Col::SchedFlags),
        section: Section::ServiceSetting,
        help: "scheduler flags, comma-separated (sh-fallback, sh-port, mh-fallback, mh-port, flag-1..3)",
    },
    Def {
        opt: Opt::McastGroup,
        short: &[],
        long: "mcast-group",
        arg: Arg::Required("ADDRESS"),
        column: Some(Col::McastGroup),
        section: Section::Daemon,
        help: "the sync daemon's multicast group, IPv4 or IPv6",
    },
    Def {
        opt: Opt::McastPort,
        short: &[],
        long: "mcast-port",
        arg: Arg::Required("PORT"),
        column: Some(Col::McastPort),
        section: Section::Daemon,
        help: "the sync daemon's UDP port, 1 to 65535",
    },
    Def {
        opt: Opt::McastTtl,
        short: &[],
        long: "mcast-ttl",
        arg: Arg::Required("TTL"),
        column: Some(Col::McastTtl),
        section: Section::Daemon,
        help: "the TTL of the sync daemon's packets, 1 to 255",
    },
    Def {
        opt: Opt::SyncMaxlen,
        short: &[],
        long: "sync-maxlen",
        arg: Arg::Required("LENGTH"),
        column: Some(Col::SyncMaxlen),
        section: Section::Daemon,
        help: "the largest sync message in bytes, 1 to 65507",
    },
    Def {
        opt: Opt::TunInfo,
        short: &[],
        long: "tun-info",
        arg: Arg::None,
        column: Some(Col::TunInfo),
        section: Section::List,
        help: "list with each real server's tunnel settings",
    },
    Def {
        opt: Opt::TunType,
        short: &[],
        long: "tun-type",
        arg: Arg::Required("TYPE"),
        column: Some(Col::TunType),
        section: Section::Server,
        help: "the tunnel type with -i: ipip (default), gue or gre",
    },
    Def {
        opt: Opt::TunPort,
        short: &[],
        long: "tun-port",
        arg: Arg::Required("PORT"),
        column: Some(Col::TunPort),
        section: Section::Server,
        help: "the UDP port of a gue tunnel",
    },
    Def {
        opt: Opt::TunNocsum,
        short: &[],
        long: "tun-nocsum",
        arg: Arg::None,
        column: Some(Col::TunNocsum),
        section: Section::Server,
        help: "tunnel packets without a checksum (the default)",
    },
    Def {
        opt: Opt::TunCsum,
        short: &[],
        long: "tun-csum",
        arg: Arg::None,
        column: Some(Col::TunCsum),
        section: Section::Server,
        help: "tunnel packets with a checksum",
    },
    Def {
        opt: Opt::TunRemcsum,
        short: &[],
        long: "tun-remcsum",
        arg: Arg::None,
        column: Some(Col::TunRemcsum),
        section: Section::Server,
        help: "tunnel packets with remote checksum offload",
    },
];
