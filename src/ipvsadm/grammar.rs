//! ipvsadm 1.31's command-line grammar, reimplemented.
//!
//! The behaviour follows ipvsadm 1.31 (`parse_options`,
//! `process_options`, `parse_service`, `generic_opt_check`) as built by
//! Debian (weights up to `i32::MAX`), and the option scanner follows popt
//! 1.19, which ipvsadm uses:
//!
//! * short options bundle (`-Ln`), take their argument attached
//!   (`-t1.1.1.1:80`, also `-t=1.1.1.1:80`) or from the next word, even
//!   one that starts with `-`;
//! * long options match exactly (no abbreviations) and take `--opt=value`
//!   or `--opt value`; `--` ends the options; a lone `-` and words that do
//!   not start with `-` are positional, wherever they are;
//! * `-p` has an optional value: attached, `--persistent=value`, or the
//!   next word unless that starts with `-`;
//! * popt's `!#:+` in an option argument is replaced by the next
//!   positional word (which is then no longer positional);
//! * popt's errors are `"<word>: <reason>"` where `<word>` is the
//!   command-line word being read (the whole bundle), exit 255.
//!
//! Checks happen in ipvsadm's order: option values left to right as they
//! are read, then `--set` values, leftover words, `-b` flags (against the
//! final scheduler), the command/option matrix in `optnames[]` order,
//! and the per-command checks.
//!
//! Differences from ipvsadm, all deliberate:
//!
//! * ipvsadm initialises IPVS before parsing; this module never touches
//!   the kernel, so usage errors are reported even without IPVS.
//! * `-b ,` (a flag list without any flag) crashes ipvsadm 1.31 (NULL
//!   `strcmp`); here it is ``invalid scheduler flag `,'``.
//! * popt loops forever on a `!#:+` that finds no positional word while
//!   other words remain; here the text is kept as it is.
//! * In `-R` input, negative firewall marks (which ipvsadm's own `-S`
//!   writes for marks above 2^31-1) are read as the 32-bit marks they
//!   stand for; ipvsadm rejects them.
//! * `-R` input words longer than 4096 bytes are split by ipvsadm's
//!   reader; here they stay whole.
//! * Names are cut to ipvsadm's byte limits at a UTF-8 character
//!   boundary (ipvsadm cuts bytes).
//! * popt's `POSIXLY_CORRECT` switch (stop at the first positional word)
//!   is not honoured: parsing depends on the arguments only.
//! * Host names are resolved with `getaddrinfo(AF_INET)` instead of
//!   `gethostbyname`; port names with the reentrant `getservbyname_r`.

use super::{Command, ListOptions, ParseError, ParseErrorKind};
use crate::ipvs::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags, ServiceKey,
    SyncDaemon, Timeouts, TunnelType,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The program name ipvsadm prints in its try-help line.
const PROGRAM: &str = "ipvsadm";

/// `MAX_TIMEOUT`: 31 days.
const MAX_TIMEOUT: i64 = 86400 * 31;

/// Persistence timeout when `-p` has no value (`IPVS_SVC_PERSISTENT_TIMEOUT`).
const DEFAULT_PERSISTENT_TIMEOUT: u32 = 360;

/// Byte limits of ipvsadm's fixed-size name buffers (`strncpy` lengths).
const SCHED_NAME_MAX: usize = 15;
const PE_NAME_MAX: usize = 16;
const IFNAME_MAX: usize = 15;
/// `-b` is copied into a 128-byte buffer with `snprintf`.
const SCHED_FLAGS_MAX: usize = 127;

/// Parses an ipvsadm command line (`args` excludes argv[0]).
///
/// No arguments at all means `-L` (ipvsadm lists the table).
pub fn parse(args: &[String]) -> Result<Command, ParseError> {
    if args.is_empty() {
        return Ok(Command::List(ListOptions::default()));
    }
    parse_words(args, false)
}

/// Parses one line of `-R` input.
///
/// Words are separated by spaces, tabs and carriage returns (ipvsadm's
/// `config_stream_read`; there is no quoting), and a word that is exactly
/// `ipvsadm` is dropped, so `ipvsadm -A -t ...` lines work. Blank lines
/// give `Ok(None)`. `-R` itself is not allowed inside the stream
/// (try-help, exit 255, like ipvsadm).
///
/// Comments are a deliberate lvsctl extension (ipvsadm aborts the restore
/// on a `#` line and rejects a trailing `# ...` as an unexpected
/// argument): a word that starts with `#` begins a comment that runs to
/// the end of the line, so a line whose first non-blank character is `#`
/// gives `Ok(None)` and `-C # flush` is `-C`. A `#` inside a word is
/// kept.
///
/// Also an extension: `-f -1` and other negative marks down to
/// -2147483648, as ipvsadm's `-S` prints marks above 2^31-1, are read as
/// the marks they stand for (`-f -1` is mark 4294967295).
pub fn parse_line(line: &str) -> Result<Option<Command>, ParseError> {
    let mut words = Vec::new();
    for word in line.split([' ', '\t', '\r', '\n']) {
        if word.starts_with('#') {
            break;
        }
        if word.is_empty() || word == "ipvsadm" {
            continue;
        }
        words.push(word.to_string());
    }
    if words.is_empty() {
        return Ok(None);
    }
    parse_words(&words, true).map(Some)
}

// ---------------------------------------------------------------------
// Errors

/// A `fail()` of ipvsadm (exit 2).
fn fail(message: impl Into<String>) -> ParseError {
    ParseError {
        message: message.into(),
        kind: ParseErrorKind::Fail,
    }
}

/// ipvsadm's "try -h" line (exit 255).
fn try_help() -> ParseError {
    ParseError {
        message: format!("Try `{PROGRAM} -h' or '{PROGRAM} --help' for more information."),
        kind: ParseErrorKind::Popt,
    }
}

// ---------------------------------------------------------------------
// The option table (popt's view)

/// Every option ipvsadm 1.31 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
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

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgKind {
    None,
    Required,
    Optional,
}

/// One popt table entry: long name, short letter (0 = none).
#[derive(Debug)]
struct Spec {
    long: &'static str,
    short: u8,
    arg: ArgKind,
    opt: Opt,
}

const fn spec(long: &'static str, short: u8, arg: ArgKind, opt: Opt) -> Spec {
    Spec {
        long,
        short,
        arg,
        opt,
    }
}

/// One option of the ipvsadm grammar, for documentation and completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo {
    /// Long name without the dashes.
    pub long: &'static str,
    /// Short letter, if any.
    pub short: Option<char>,
    /// Takes a value (`-p` takes an optional one).
    pub takes_value: bool,
    /// The value may be left out.
    pub value_optional: bool,
}

/// Every option ipvsadm 1.31 accepts, in its table order (`--list` appears
/// once, with `-L`).
pub fn options() -> impl Iterator<Item = OptionInfo> {
    TABLE.iter().filter(|s| s.short != b'l').map(|s| OptionInfo {
        long: s.long,
        short: (s.short != 0).then_some(char::from(s.short)),
        takes_value: s.arg != ArgKind::None,
        value_optional: s.arg == ArgKind::Optional,
    })
}

/// ipvsadm's popt table, in its order (the first match wins, which only
/// matters for `--list`, the long name of both `-L` and `-l`).
static TABLE: &[Spec] = {
    use ArgKind::{None as N, Optional as O, Required as R};
    &[
        spec("add-service", b'A', N, Opt::AddService),
        spec("edit-service", b'E', N, Opt::EditService),
        spec("delete-service", b'D', N, Opt::DeleteService),
        spec("clear", b'C', N, Opt::Clear),
        spec("list", b'L', N, Opt::List),
        spec("list", b'l', N, Opt::List),
        spec("zero", b'Z', N, Opt::Zero),
        spec("add-server", b'a', N, Opt::AddServer),
        spec("edit-server", b'e', N, Opt::EditServer),
        spec("delete-server", b'd', N, Opt::DeleteServer),
        spec("set", 0, N, Opt::Set),
        spec("help", b'h', N, Opt::Help),
        spec("version", b'v', N, Opt::Version),
        spec("restore", b'R', N, Opt::Restore),
        spec("save", b'S', N, Opt::Save),
        spec("start-daemon", 0, R, Opt::StartDaemon),
        spec("stop-daemon", 0, R, Opt::StopDaemon),
        spec("tcp-service", b't', R, Opt::TcpService),
        spec("udp-service", b'u', R, Opt::UdpService),
        spec("sctp-service", 0, R, Opt::SctpService),
        spec("fwmark-service", b'f', R, Opt::FwmarkService),
        spec("scheduler", b's', R, Opt::Scheduler),
        spec("persistent", b'p', O, Opt::Persistent),
        spec("netmask", b'M', R, Opt::Netmask),
        spec("real-server", b'r', R, Opt::RealServer),
        spec("masquerading", b'm', N, Opt::Masquerading),
        spec("ipip", b'i', N, Opt::Ipip),
        spec("gatewaying", b'g', N, Opt::Gatewaying),
        spec("weight", b'w', R, Opt::Weight),
        spec("u-threshold", b'x', R, Opt::UThreshold),
        spec("l-threshold", b'y', R, Opt::LThreshold),
        spec("numeric", b'n', N, Opt::Numeric),
        spec("connection", b'c', N, Opt::Connection),
        spec("mcast-interface", 0, R, Opt::McastInterface),
        spec("syncid", 0, R, Opt::SyncId),
        spec("timeout", 0, N, Opt::Timeout),
        spec("daemon", 0, N, Opt::Daemon),
        spec("stats", 0, N, Opt::Stats),
        spec("rate", 0, N, Opt::Rate),
        spec("thresholds", 0, N, Opt::Thresholds),
        spec("persistent-conn", 0, N, Opt::PersistentConn),
        spec("nosort", 0, N, Opt::NoSort),
        spec("sort", 0, N, Opt::Sort),
        spec("exact", b'X', N, Opt::Exact),
        spec("ipv6", b'6', N, Opt::Ipv6),
        spec("ops", b'o', N, Opt::Ops),
        spec("pe", 0, R, Opt::Pe),
        spec("sched-flags", b'b', R, Opt::SchedFlags),
        spec("mcast-group", 0, R, Opt::McastGroup),
        spec("mcast-port", 0, R, Opt::McastPort),
        spec("mcast-ttl", 0, R, Opt::McastTtl),
        spec("sync-maxlen", 0, R, Opt::SyncMaxlen),
        spec("tun-info", 0, N, Opt::TunInfo),
        spec("tun-type", 0, R, Opt::TunType),
        spec("tun-port", 0, R, Opt::TunPort),
        spec("tun-nocsum", 0, N, Opt::TunNocsum),
        spec("tun-csum", 0, N, Opt::TunCsum),
        spec("tun-remcsum", 0, N, Opt::TunRemcsum),
    ]
};

// ---------------------------------------------------------------------
// The popt scanner

/// What the scanner found next.
#[derive(Debug)]
enum Scan {
    /// An option and its value (`None` for flags and an absent `-p` value).
    Opt(Opt, Option<String>),
    /// No more options.
    End,
    /// A popt error with popt's reason text.
    Error(&'static str),
}

const POPT_BADOPT: &str = "unknown option";
const POPT_NOARG: &str = "missing argument";
const POPT_UNWANTEDARG: &str = "option does not take an argument";

/// popt's option scanner over one argument vector.
#[derive(Debug)]
struct Scanner {
    words: Vec<String>,
    /// Index of the next word to read.
    next: usize,
    /// Inside a bundle of short options: (word index, byte offset).
    bundle: Option<(usize, usize)>,
    /// After `--`: everything is positional.
    rest_positional: bool,
    /// Words taken by a `!#:+` expansion.
    taken: Vec<bool>,
    /// Positional words, in order.
    leftovers: Vec<String>,
}

impl Scanner {
    fn new(words: Vec<String>) -> Self {
        let taken = vec![false; words.len()];
        Scanner {
            words,
            next: 0,
            bundle: None,
            rest_positional: false,
            taken,
            leftovers: Vec::new(),
        }
    }

    /// The word popt blames in its messages (`poptBadOption`): the last
    /// word read, which is the whole bundle or an option's value.
    fn bad_word(&self) -> &str {
        self.next
            .checked_sub(1)
            .and_then(|i| self.words.get(i))
            .map_or("", String::as_str)
    }

    fn next_opt(&mut self) -> Scan {
        loop {
            let mut long_value: Option<String> = None;
            let mut spec: Option<&'static Spec> = None;

            if self.bundle.is_none() {
                let Some(word) = self.words.get(self.next) else {
                    return Scan::End;
                };
                if self.taken[self.next] {
                    self.next += 1;
                    continue;
                }
                let index = self.next;
                self.next += 1;
                if self.rest_positional || !word.starts_with('-') || word == "-" {
                    self.leftovers.push(word.clone());
                    continue;
                }
                if word == "--" {
                    self.rest_positional = true;
                    continue;
                }
                if let Some(body) = word.strip_prefix("--") {
                    let (name, value) = match body.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_string())),
                        None => (body, None),
                    };
                    match TABLE.iter().find(|s| s.long == name) {
                        Some(s) => {
                            spec = Some(s);
                            long_value = value;
                        }
                        None => return Scan::Error(POPT_BADOPT),
                    }
                } else {
                    // A single dash: no ipvsadm option is a one-dash long
                    // option, so this is a bundle of short options.
                    self.bundle = Some((index, 1));
                }
            }

            if let Some((index, offset)) = self.bundle.take() {
                let bytes = self.words[index].as_bytes();
                let letter = bytes[offset];
                match TABLE.iter().find(|s| s.short != 0 && s.short == letter) {
                    Some(s) => spec = Some(s),
                    None => return Scan::Error(POPT_BADOPT),
                }
                if offset + 1 < bytes.len() {
                    self.bundle = Some((index, offset + 1));
                }
            }

            let Some(spec) = spec else {
                return Scan::Error(POPT_BADOPT);
            };

            if spec.arg == ArgKind::None {
                let attached_eq = self
                    .bundle
                    .is_some_and(|(i, o)| self.words[i].as_bytes()[o] == b'=');
                if long_value.is_some() || attached_eq {
                    return Scan::Error(POPT_UNWANTEDARG);
                }
                return Scan::Opt(spec.opt, None);
            }

            let value = if let Some(v) = long_value {
                Some(v)
            } else if let Some((index, offset)) = self.bundle.take() {
                let rest = &self.words[index][offset..];
                Some(rest.strip_prefix('=').unwrap_or(rest).to_string())
            } else if let Some(word) = self.words.get(self.next) {
                if spec.arg == ArgKind::Optional && word.starts_with('-') {
                    None
                } else {
                    let word = word.clone();
                    self.next += 1;
                    Some(word)
                }
            } else if spec.arg == ArgKind::Optional {
                None
            } else {
                return Scan::Error(POPT_NOARG);
            };
            let value = value.map(|v| self.expand(&v));
            return Scan::Opt(spec.opt, value);
        }
    }

    /// popt's `expandNextArg`: every `!#:+` becomes the next positional
    /// word after the current position (the same word for every
    /// occurrence), which stops being positional. Without one, the text
    /// stays as it is.
    fn expand(&mut self, value: &str) -> String {
        if !value.contains("!#:+") {
            return value.to_string();
        }
        let mut out = String::with_capacity(value.len());
        let mut found: Option<String> = None;
        let mut rest = value;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            if c == '!' && rest.starts_with("#:+") {
                if found.is_none() {
                    found = self.take_next_positional();
                }
                if let Some(word) = &found {
                    out.push_str(word);
                    rest = &rest[3..];
                    continue;
                }
            }
            out.push(c);
        }
        out
    }

    fn take_next_positional(&mut self) -> Option<String> {
        for i in self.next..self.words.len() {
            if self.taken[i] || self.words[i].starts_with('-') {
                continue;
            }
            self.taken[i] = true;
            return Some(self.words[i].clone());
        }
        None
    }
}

// ---------------------------------------------------------------------
// Commands and options as ipvsadm's checks see them

/// ipvsadm's commands, in `cmdnames[]` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Timeout,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
}

impl Cmd {
    fn index(self) -> usize {
        self as usize
    }

    fn name(self) -> &'static str {
        CMD_NAMES[self.index()]
    }
}

const CMD_NAMES: [&str; 14] = [
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
];

// Option bits, numbered as ipvsadm's `optnames[]` (the matrix order).
const O_NUMERIC: usize = 0;
const O_CONNECTION: usize = 1;
const O_SERVICE: usize = 2;
const O_SCHEDULER: usize = 3;
const O_PERSISTENT: usize = 4;
const O_NETMASK: usize = 5;
const O_SERVER: usize = 6;
const O_FORWARD: usize = 7;
const O_WEIGHT: usize = 8;
const O_UTHRESHOLD: usize = 9;
const O_LTHRESHOLD: usize = 10;
const O_MCAST: usize = 11;
const O_TIMEOUT: usize = 12;
const O_DAEMON: usize = 13;
const O_STATS: usize = 14;
const O_RATE: usize = 15;
const O_THRESHOLDS: usize = 16;
const O_PERSISTENTCONN: usize = 17;
const O_NOSORT: usize = 18;
const O_SYNCID: usize = 19;
const O_EXACT: usize = 20;
const O_ONEPACKET: usize = 21;
const O_PE: usize = 22;
const O_SCHED_FLAGS: usize = 23;
const O_MCAST_GROUP: usize = 24;
const O_MCAST_PORT: usize = 25;
const O_MCAST_TTL: usize = 26;
const O_SYNC_MAXLEN: usize = 27;
const O_TUN_INFO: usize = 28;
const O_TUN_TYPE: usize = 29;
const O_TUN_PORT: usize = 30;
const O_TUN_NOCSUM: usize = 31;
const O_TUN_CSUM: usize = 32;
const O_TUN_REMCSUM: usize = 33;
const NUMBER_OF_OPT: usize = 34;

const OPT_NAMES: [&str; NUMBER_OF_OPT] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// Which options each command accepts, one character per option in
/// `OPT_NAMES` order: `+` required, `x` illegal, `1` at most one of the
/// `1`s, blank optional.
const MATRIX: [&str; 14] = [
    // add-service
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    // edit-service
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    // delete-service
    "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // flush
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // list
    " 11xxxxxxxxx11       xxxxxxx xxxxx",
    // add-server
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    // delete-server
    "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // edit-server
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    // set
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // start-daemon
    "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
    // stop-daemon
    "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
    // restore
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // save
    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    // zero
    "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

/// The options the tunnel matrix is about, and which each tunnel type
/// accepts (same key as `MATRIX`), rows ipip, gue, gre.
const TUN_OPTS: [usize; 4] = [O_TUN_PORT, O_TUN_NOCSUM, O_TUN_CSUM, O_TUN_REMCSUM];
const TUN_MATRIX: [&str; 3] = ["xxxx", "+111", "x11x"];
const TUN_NAMES: [&str; 3] = ["ipip", "gue", "gre"];

/// One matrix check (`generic_opt_check` / `tunnel_opt_check`): walks the
/// options in index order and reports the first problem.
fn matrix_check(row: &str, opts: &[usize], options: u64, what: &str, kind: &str) -> Result<(), ParseError> {
    let mut first_exclusive: Option<usize> = None;
    for (&rule, &opt) in row.as_bytes().iter().zip(opts) {
        let given = options & (1u64 << opt) != 0;
        if !given {
            if rule == b'+' {
                return Err(fail(format!(
                    "You need to supply the '{}' option for the '{what}' {kind}",
                    OPT_NAMES[opt]
                )));
            }
            continue;
        }
        match rule {
            b'x' => {
                return Err(fail(format!(
                    "Illegal '{}' option with the '{what}' {kind}",
                    OPT_NAMES[opt]
                )))
            }
            b'1' => match first_exclusive {
                None => first_exclusive = Some(opt),
                Some(first) => {
                    return Err(fail(format!(
                        "The option '{}' conflicts with the '{}' option in the '{what}' {kind}",
                        OPT_NAMES[opt], OPT_NAMES[first]
                    )))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------
// The command being built (ipvsadm's `ipvs_command_entry`)

#[derive(Debug)]
struct Entry {
    cmd: Cmd,
    /// Parsing a `-R` line.
    in_restore: bool,
    options: u64,
    /// Service family; `None` until a service option sets it.
    svc_af: Option<AddressFamily>,
    /// Service protocol; `None` until a service option sets it.
    svc_protocol: Option<Protocol>,
    svc_addr: IpAddr,
    svc_port: u16,
    fwmark: u32,
    sched_name: String,
    flags: u32,
    timeout: u32,
    /// IPv4: the mask as a number; IPv6: the prefix length.
    netmask: u32,
    pe_name: String,
    sched_flags_arg: String,
    dest_af: Option<AddressFamily>,
    dest_addr: IpAddr,
    dest_port: u16,
    fwd: ForwardMethod,
    weight: u32,
    u_threshold: u32,
    l_threshold: u32,
    tun_type: usize,
    tun_port: u16,
    tun_flags: u16,
    daemon_state: DaemonState,
    mcast_ifn: String,
    syncid: u32,
    sync_maxlen: u16,
    mcast_group: Option<IpAddr>,
    mcast_port: u16,
    mcast_ttl: u8,
    timeouts: Timeouts,
}

impl Entry {
    fn new(cmd: Cmd, in_restore: bool) -> Self {
        Entry {
            cmd,
            in_restore,
            options: 0,
            svc_af: None,
            svc_protocol: None,
            svc_addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            svc_port: 0,
            fwmark: 0,
            sched_name: String::new(),
            flags: 0,
            timeout: 0,
            netmask: u32::MAX,
            pe_name: String::new(),
            sched_flags_arg: String::new(),
            dest_af: None,
            dest_addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            dest_port: 0,
            fwd: ForwardMethod::Route,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
            tun_type: 0,
            tun_port: 0,
            tun_flags: 0,
            daemon_state: DaemonState::Master,
            mcast_ifn: String::new(),
            syncid: 0,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
            timeouts: Timeouts::default(),
        }
    }

    fn has(&self, opt: usize) -> bool {
        self.options & (1u64 << opt) != 0
    }

    /// `set_option`: every tracked option may be given once.
    fn set_option(&mut self, opt: usize) -> Result<(), ParseError> {
        if self.has(opt) {
            return Err(fail(format!("multiple '{}' options specified", OPT_NAMES[opt])));
        }
        self.options |= 1u64 << opt;
        Ok(())
    }

    /// Applies one option after the command (the body of ipvsadm's
    /// option loop). `bad` is the word popt would blame.
    fn apply(&mut self, opt: Opt, value: Option<String>, bad: &str) -> Result<(), ParseError> {
        // Every option with a required value has one; `-p` may not.
        let arg = value.clone().unwrap_or_default();
        match opt {
            Opt::TcpService | Opt::UdpService | Opt::SctpService => {
                self.set_option(O_SERVICE)?;
                let protocol = match opt {
                    Opt::TcpService => Protocol::Tcp,
                    Opt::UdpService => Protocol::Udp,
                    _ => Protocol::Sctp,
                };
                self.svc_protocol = Some(protocol);
                let Some((addr, port)) = parse_service(&arg, Some(protocol)) else {
                    return Err(fail("illegal virtual server address[:port] specified"));
                };
                self.svc_addr = addr;
                self.svc_af = Some(AddressFamily::of(&addr));
                if addr.is_ipv6() {
                    self.netmask = 128;
                }
                if let Some(port) = port {
                    self.svc_port = port;
                }
            }
            Opt::FwmarkService => {
                self.set_option(O_SERVICE)?;
                self.svc_af = Some(AddressFamily::Inet);
                self.svc_protocol = Some(Protocol::Tcp);
                self.fwmark = parse_fwmark(&arg, self.in_restore)?;
            }
            Opt::Scheduler => {
                self.set_option(O_SCHEDULER)?;
                self.sched_name = truncate_bytes(&arg, SCHED_NAME_MAX);
            }
            Opt::Persistent => {
                self.set_option(O_PERSISTENT)?;
                self.flags |= ServiceFlags::PERSISTENT;
                self.timeout = match &value {
                    None => DEFAULT_PERSISTENT_TIMEOUT,
                    Some(v) => parse_timeout(v, 1)?,
                };
            }
            Opt::Netmask => {
                self.set_option(O_NETMASK)?;
                if self.svc_af != Some(AddressFamily::Inet6) {
                    let Some(mask) = inet_aton(&arg).or_else(|| host_to_addr(&arg)) else {
                        return Err(fail("illegal virtual server persistent mask specified"));
                    };
                    self.netmask = u32::from(mask);
                } else {
                    // atoi() into an unsigned field.
                    self.netmask = atoi(&arg) as u32;
                    if !(1..=128).contains(&self.netmask) {
                        return Err(fail("illegal ipv6 netmask specified"));
                    }
                }
            }
            Opt::RealServer => {
                self.set_option(O_SERVER)?;
                let Some((addr, port)) = parse_service(&arg, self.svc_protocol) else {
                    return Err(fail("illegal real server address[:port] specified"));
                };
                self.dest_af = Some(AddressFamily::of(&addr));
                self.dest_addr = addr;
                // Without a port: the service port known at this point.
                self.dest_port = port.unwrap_or(self.svc_port);
            }
            Opt::Ipip => {
                self.set_option(O_FORWARD)?;
                self.fwd = ForwardMethod::Tunnel;
            }
            Opt::Gatewaying => {
                self.set_option(O_FORWARD)?;
                self.fwd = ForwardMethod::Route;
            }
            Opt::Masquerading => {
                self.set_option(O_FORWARD)?;
                self.fwd = ForwardMethod::Masq;
            }
            Opt::Weight => {
                self.set_option(O_WEIGHT)?;
                // Debian's range (upstream 1.31: 0..65535).
                self.weight = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal weight specified"))? as u32;
            }
            Opt::UThreshold => {
                self.set_option(O_UTHRESHOLD)?;
                self.u_threshold = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal u_threshold specified"))?
                    as u32;
            }
            Opt::LThreshold => {
                self.set_option(O_LTHRESHOLD)?;
                self.l_threshold = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal l_threshold specified"))?
                    as u32;
            }
            Opt::Connection => self.set_option(O_CONNECTION)?,
            Opt::Numeric => self.set_option(O_NUMERIC)?,
            Opt::McastInterface => {
                self.set_option(O_MCAST)?;
                self.mcast_ifn = truncate_bytes(&arg, IFNAME_MAX);
            }
            Opt::SyncId => {
                self.set_option(O_SYNCID)?;
                self.syncid =
                    string_to_number(&arg, 0, 255).ok_or_else(|| fail("illegal syncid specified"))? as u32;
            }
            Opt::Timeout => self.set_option(O_TIMEOUT)?,
            Opt::Daemon => self.set_option(O_DAEMON)?,
            Opt::Stats => self.set_option(O_STATS)?,
            Opt::Rate => self.set_option(O_RATE)?,
            Opt::Thresholds => self.set_option(O_THRESHOLDS)?,
            Opt::PersistentConn => self.set_option(O_PERSISTENTCONN)?,
            Opt::NoSort => self.set_option(O_NOSORT)?,
            // "for backwards compatibility": not even tracked.
            Opt::Sort => {}
            Opt::Exact => self.set_option(O_EXACT)?,
            Opt::Ipv6 => {
                if self.fwmark == 0 {
                    return Err(fail("-6 used before -f\n"));
                }
                self.svc_af = Some(AddressFamily::Inet6);
                self.netmask = 128;
            }
            Opt::Ops => {
                self.set_option(O_ONEPACKET)?;
                self.flags |= ServiceFlags::ONEPACKET;
            }
            Opt::Pe => {
                self.set_option(O_PE)?;
                self.pe_name = truncate_bytes(&arg, PE_NAME_MAX);
            }
            Opt::SchedFlags => {
                self.set_option(O_SCHED_FLAGS)?;
                self.sched_flags_arg = truncate_bytes(&arg, SCHED_FLAGS_MAX);
            }
            Opt::McastGroup => {
                self.set_option(O_MCAST_GROUP)?;
                self.mcast_group = Some(parse_mcast_group(&arg)?);
            }
            Opt::McastPort => {
                self.set_option(O_MCAST_PORT)?;
                self.mcast_port = string_to_number(&arg, 1, 65535)
                    .ok_or_else(|| fail("illegal mcast-port specified"))?
                    as u16;
            }
            Opt::McastTtl => {
                self.set_option(O_MCAST_TTL)?;
                self.mcast_ttl =
                    string_to_number(&arg, 1, 255).ok_or_else(|| fail("illegal mcast-ttl specified"))? as u8;
            }
            Opt::SyncMaxlen => {
                self.set_option(O_SYNC_MAXLEN)?;
                self.sync_maxlen = string_to_number(&arg, 1, 65535 - 20 - 8)
                    .ok_or_else(|| fail("illegal sync-maxlen specified"))?
                    as u16;
            }
            Opt::TunInfo => self.set_option(O_TUN_INFO)?,
            Opt::TunType => {
                self.set_option(O_TUN_TYPE)?;
                self.tun_type = TUN_NAMES
                    .iter()
                    .position(|n| *n == arg)
                    .ok_or_else(|| fail("illegal tunnel type specified"))?;
            }
            Opt::TunPort => {
                self.set_option(O_TUN_PORT)?;
                self.tun_port = string_to_number(&arg, 1, 65535)
                    .ok_or_else(|| fail("illegal tunnel port specified"))?
                    as u16;
            }
            Opt::TunNocsum => {
                self.set_option(O_TUN_NOCSUM)?;
                self.tun_flags |= crate::ipvs::tun_flags::NOCSUM;
            }
            Opt::TunCsum => {
                self.set_option(O_TUN_CSUM)?;
                self.tun_flags |= crate::ipvs::tun_flags::CSUM;
            }
            Opt::TunRemcsum => {
                self.set_option(O_TUN_REMCSUM)?;
                self.tun_flags |= crate::ipvs::tun_flags::REMCSUM;
            }
            // A second command (or -h/-v after the command).
            Opt::AddService
            | Opt::EditService
            | Opt::DeleteService
            | Opt::Clear
            | Opt::List
            | Opt::Zero
            | Opt::AddServer
            | Opt::EditServer
            | Opt::DeleteServer
            | Opt::Set
            | Opt::Help
            | Opt::Version
            | Opt::Restore
            | Opt::Save
            | Opt::StartDaemon
            | Opt::StopDaemon => {
                return Err(fail(format!("invalid option `{bad}'")));
            }
        }
        Ok(())
    }

    /// The service identity (meaningful when `-t/-u/--sctp-service/-f`
    /// was given).
    fn service_key(&self) -> ServiceKey {
        if self.fwmark != 0 {
            ServiceKey::Fwmark {
                af: self.svc_af.unwrap_or(AddressFamily::Inet),
                mark: self.fwmark,
            }
        } else {
            ServiceKey::Addr {
                protocol: self.svc_protocol.unwrap_or(Protocol::Tcp),
                addr: self.svc_addr,
                port: self.svc_port,
            }
        }
    }

    fn service(&self) -> Service {
        let mut svc = Service::new(self.service_key());
        svc.scheduler = if self.sched_name.is_empty() {
            "wlc".to_string()
        } else {
            self.sched_name.clone()
        };
        svc.flags = ServiceFlags(self.flags);
        svc.timeout = self.timeout;
        svc.netmask = self.netmask;
        svc.pe_name = (!self.pe_name.is_empty()).then(|| self.pe_name.clone());
        svc
    }

    fn destination(&self) -> Destination {
        let mut dest = Destination::new(self.dest_addr, self.dest_port);
        dest.fwd = self.fwd;
        dest.weight = self.weight;
        dest.u_threshold = self.u_threshold;
        dest.l_threshold = self.l_threshold;
        dest.tun_type = TunnelType::from_raw(self.tun_type as u8);
        dest.tun_port = self.tun_port;
        dest.tun_flags = self.tun_flags;
        dest
    }

    /// The checks after parsing (`process_options`), then the command.
    fn finish(mut self) -> Result<Command, ParseError> {
        matrix_check(
            MATRIX[self.cmd.index()],
            &(0..NUMBER_OF_OPT).collect::<Vec<_>>(),
            self.options,
            self.cmd.name(),
            "command",
        )?;

        if matches!(self.cmd, Cmd::Add | Cmd::Edit) {
            if self.fwmark == 0 && self.svc_port == 0 && self.flags & ServiceFlags::PERSISTENT == 0 {
                return Err(fail("Zero port specified for non-persistent service"));
            }
            if self.flags & ServiceFlags::ONEPACKET != 0
                && self.fwmark == 0
                && self.svc_protocol != Some(Protocol::Udp)
            {
                return Err(fail("One-Packet Scheduling is only for UDP virtual services"));
            }
        }

        if self.cmd == Cmd::StartDaemon && self.mcast_ifn.is_empty() {
            self.mcast_ifn = "eth0".to_string();
        }

        if matches!(self.cmd, Cmd::AddDest | Cmd::EditDest) {
            if self.fwmark == 0 && matches!(self.fwd, ForwardMethod::Tunnel | ForwardMethod::Route) {
                self.dest_port = self.svc_port;
            }
            if self.dest_af != self.svc_af && self.fwd != ForwardMethod::Tunnel {
                return Err(fail(
                    "Different address family is allowed only for tunneling servers",
                ));
            }
            let tunnel_options = [O_TUN_TYPE, O_TUN_PORT, O_TUN_NOCSUM, O_TUN_CSUM, O_TUN_REMCSUM];
            if tunnel_options.iter().any(|&o| self.has(o)) && self.fwd != ForwardMethod::Tunnel {
                return Err(fail("Tunnel options conflict with forward method"));
            }
            matrix_check(
                TUN_MATRIX[self.tun_type],
                &TUN_OPTS,
                self.options,
                TUN_NAMES[self.tun_type],
                "tunnel type",
            )?;
        }

        let has_service = self.has(O_SERVICE);
        Ok(match self.cmd {
            Cmd::List => {
                let formats = self.has(O_STATS) || self.has(O_RATE) || self.has(O_THRESHOLDS);
                if ((self.has(O_CONNECTION) || self.has(O_TIMEOUT) || self.has(O_DAEMON)) && formats)
                    || ((self.has(O_TIMEOUT) || self.has(O_DAEMON)) && self.has(O_PERSISTENTCONN))
                {
                    return Err(fail("options conflicts in the list command"));
                }
                Command::List(ListOptions {
                    numeric: self.has(O_NUMERIC),
                    service: has_service.then(|| self.service_key()),
                    nosort: self.has(O_NOSORT),
                    connection: self.has(O_CONNECTION),
                    timeout: self.has(O_TIMEOUT),
                    daemon: self.has(O_DAEMON),
                    stats: self.has(O_STATS),
                    rate: self.has(O_RATE),
                    thresholds: self.has(O_THRESHOLDS),
                    persistent_conn: self.has(O_PERSISTENTCONN),
                    exact: self.has(O_EXACT),
                    tun_info: self.has(O_TUN_INFO),
                })
            }
            Cmd::Restore => {
                // Inside a restore stream, -R would loop: ipvsadm refuses.
                if self.in_restore {
                    return Err(try_help());
                }
                Command::Restore
            }
            Cmd::Save => Command::Save {
                numeric: self.has(O_NUMERIC),
            },
            Cmd::Flush => Command::Flush,
            Cmd::Add => Command::AddService(self.service()),
            Cmd::Edit => Command::EditService(self.service()),
            Cmd::Del => Command::DelService(self.service_key()),
            Cmd::Zero => Command::Zero(has_service.then(|| self.service_key())),
            Cmd::AddDest => Command::AddDest(self.service_key(), self.destination()),
            Cmd::EditDest => Command::EditDest(self.service_key(), self.destination()),
            Cmd::DelDest => Command::DelDest(self.service_key(), self.dest_addr, self.dest_port),
            Cmd::Timeout => Command::SetTimeouts(self.timeouts),
            Cmd::StartDaemon => Command::StartDaemon(SyncDaemon {
                state: self.daemon_state,
                mcast_ifn: self.mcast_ifn.clone(),
                syncid: self.syncid,
                sync_maxlen: (self.sync_maxlen != 0).then_some(self.sync_maxlen),
                mcast_group: self.mcast_group,
                mcast_port: (self.mcast_port != 0).then_some(self.mcast_port),
                mcast_ttl: (self.mcast_ttl != 0).then_some(self.mcast_ttl),
            }),
            Cmd::StopDaemon => Command::StopDaemon(self.daemon_state),
        })
    }
}

/// The whole of ipvsadm's `parse_options` + `process_options` checks.
fn parse_words(args: &[String], in_restore: bool) -> Result<Command, ParseError> {
    // C strings end at the first NUL.
    let words: Vec<String> = args
        .iter()
        .map(|a| a.split('\0').next().unwrap_or("").to_string())
        .collect();
    let mut scanner = Scanner::new(words);

    // The first option must be a command.
    let (first, value) = match scanner.next_opt() {
        Scan::Opt(opt, value) => (opt, value),
        Scan::End | Scan::Error(_) => return Err(try_help()),
    };
    let cmd = match first {
        Opt::AddService => Cmd::Add,
        Opt::EditService => Cmd::Edit,
        Opt::DeleteService => Cmd::Del,
        Opt::AddServer => Cmd::AddDest,
        Opt::EditServer => Cmd::EditDest,
        Opt::DeleteServer => Cmd::DelDest,
        Opt::Clear => Cmd::Flush,
        Opt::List => Cmd::List,
        Opt::Zero => Cmd::Zero,
        Opt::Set => Cmd::Timeout,
        Opt::Restore => Cmd::Restore,
        Opt::Save => Cmd::Save,
        Opt::StartDaemon => Cmd::StartDaemon,
        Opt::StopDaemon => Cmd::StopDaemon,
        Opt::Help => return Ok(Command::Help),
        Opt::Version => return Ok(Command::Version),
        _ => return Err(try_help()),
    };
    let mut entry = Entry::new(cmd, in_restore);
    if matches!(cmd, Cmd::StartDaemon | Cmd::StopDaemon) {
        entry.daemon_state = match value.as_deref() {
            Some("master") => DaemonState::Master,
            Some("backup") => DaemonState::Backup,
            _ if cmd == Cmd::StartDaemon => return Err(fail("illegal start-daemon parameter specified")),
            _ => return Err(fail("illegal start_daemon specified")),
        };
    }

    loop {
        match scanner.next_opt() {
            Scan::End => break,
            Scan::Opt(opt, value) => {
                let bad = scanner.bad_word().to_string();
                entry.apply(opt, value, &bad)?;
            }
            Scan::Error(reason) => {
                return Err(ParseError {
                    message: format!("{}: {reason}", scanner.bad_word()),
                    kind: ParseErrorKind::Popt,
                });
            }
        }
    }

    let mut leftovers = std::mem::take(&mut scanner.leftovers).into_iter();
    if cmd == Cmd::Timeout {
        let (Some(tcp), Some(tcp_fin), Some(udp)) = (leftovers.next(), leftovers.next(), leftovers.next())
        else {
            return Err(fail("--set option requires 3 timeout values"));
        };
        entry.timeouts = Timeouts {
            tcp: parse_timeout(&tcp, 0)?,
            tcp_fin: parse_timeout(&tcp_fin, 0)?,
            udp: parse_timeout(&udp, 0)?,
        };
    }
    if let Some(extra) = leftovers.next() {
        return Err(fail(format!("unexpected argument {extra}")));
    }

    if !entry.sched_flags_arg.is_empty() {
        let sched = if entry.sched_name.is_empty() {
            "wlc"
        } else {
            entry.sched_name.as_str()
        };
        let bits = parse_sched_flags(sched, &entry.sched_flags_arg)?;
        let sched_bits = ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3;
        entry.flags = (entry.flags & !sched_bits) | bits;
    }

    entry.finish()
}

// ---------------------------------------------------------------------
// Value parsers

/// `parse_sched_flags`: a comma-separated list checked against the
/// scheduler.
pub fn parse_sched_flags(sched: &str, list: &str) -> Result<u32, ParseError> {
    let mut flags = 0;
    let mut any = false;
    for flag in list.split(',').filter(|f| !f.is_empty()) {
        any = true;
        let (bit, only_for) = match flag {
            "flag-1" => (ServiceFlags::SCHED1, None),
            "flag-2" => (ServiceFlags::SCHED2, None),
            "flag-3" => (ServiceFlags::SCHED3, None),
            "sh-fallback" => (ServiceFlags::SCHED1, Some("sh")),
            "sh-port" => (ServiceFlags::SCHED2, Some("sh")),
            "mh-fallback" => (ServiceFlags::SCHED1, Some("mh")),
            "mh-port" => (ServiceFlags::SCHED2, Some("mh")),
            _ => return Err(fail(format!("invalid scheduler flag `{flag}'"))),
        };
        flags |= bit;
        if only_for.is_some_and(|s| s != sched) {
            return Err(fail(format!("incompatible scheduler flag `{flag}'")));
        }
    }
    if !any {
        // ipvsadm 1.31 crashes here (strtok finds no token).
        return Err(fail(format!("invalid scheduler flag `{list}'")));
    }
    Ok(flags)
}

/// `parse_timeout`: `min..=MAX_TIMEOUT` seconds.
fn parse_timeout(s: &str, min: i64) -> Result<u32, ParseError> {
    string_to_number(s, min, MAX_TIMEOUT)
        .map(|n| n as u32)
        .ok_or_else(|| fail(format!("invalid timeout value `{s}' specified")))
}

/// `parse_fwmark`: a decimal 1..=4294967295.
///
/// In `-R` input (`negative_ok`) a mark -2147483648..=-1 is also read, as
/// the 32-bit mark it stands for: ipvsadm 1.31 `-S` prints marks above
/// 2^31-1 with `%d`, and its own `-R` then rejects them. Reading them back
/// is a deliberate lvsctl extension; on the command line they are refused
/// as ipvsadm does.
fn parse_fwmark(s: &str, negative_ok: bool) -> Result<u32, ParseError> {
    match strtol(s) {
        Strtol {
            value,
            complete: true,
            overflow: false,
        } if (1..=i64::from(u32::MAX)).contains(&value) => Ok(value as u32),
        Strtol {
            value,
            complete: true,
            overflow: false,
        } if negative_ok && (i64::from(i32::MIN)..=-1).contains(&value) => Ok(value as i32 as u32),
        _ => Err(fail(format!("invalid fwmark value `{s}' specified"))),
    }
}

/// `--mcast-group`: an IPv6 multicast address if it contains `:`, else
/// an IPv4 multicast address (both in `inet_pton` syntax).
fn parse_mcast_group(s: &str) -> Result<IpAddr, ParseError> {
    if s.contains(':') {
        match inet_pton6(s) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V6(a)),
            _ => Err(fail(format!("invalid IPv6 mcast-group `{s}'"))),
        }
    } else {
        match inet_pton4(s.as_bytes()) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V4(a)),
            _ => Err(fail(format!("invalid IPv4 mcast-group `{s}'"))),
        }
    }
}

/// `parse_service`: `host[:port]`, `[v6]:port` or a bare IPv6 address.
/// Returns the address and the port if one was given. `protocol` chooses
/// the services database for port names (none: names are not looked up).
fn parse_service(buf: &str, protocol: Option<Protocol>) -> Option<(IpAddr, Option<u16>)> {
    // All digits (also the empty string) is rejected.
    if buf.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (host, mut port) = match buf.strip_prefix('[') {
        Some(inner) => {
            let (host, after) = inner.split_once(']')?;
            (host, Some(after.strip_prefix(':')?))
        }
        None => (buf, None),
    };
    let addr = if let Some(v6) = inet_pton6(host) {
        IpAddr::V6(v6)
    } else {
        // Not IPv6: the port (if any) follows the last ':' of what is
        // left; a port after `[...]` is dropped, as in ipvsadm.
        let name = match host.rsplit_once(':') {
            Some((name, p)) => {
                port = Some(p);
                name
            }
            None => {
                port = None;
                host
            }
        };
        IpAddr::V4(inet_aton(name).or_else(|| host_to_addr(name))?)
    };
    let port = match port {
        None => None,
        Some(p) => Some(match string_to_number(p, 0, 65535) {
            Some(n) => n as u16,
            None => service_to_port(p, protocol)?,
        }),
    };
    Some((addr, port))
}

/// Cuts `s` to at most `max` bytes (at a character boundary), like
/// ipvsadm's `strncpy` into fixed buffers.
fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The result of C's `strtol(s, &end, 10)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Strtol {
    /// The value, saturated on overflow (as strtol does).
    value: i64,
    /// Digits were found and nothing follows them.
    complete: bool,
    /// ERANGE.
    overflow: bool,
}

fn strtol(s: &str) -> Strtol {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits_start = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        let d = i64::from(b[i] - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(v) => value = v,
            None => {
                overflow = true;
                value = if negative { i64::MIN } else { i64::MAX };
            }
        }
        i += 1;
    }
    if i == digits_start {
        // No conversion: strtol returns 0 and leaves `end` at the start.
        return Strtol {
            value: 0,
            complete: false,
            overflow: false,
        };
    }
    Strtol {
        value,
        complete: i == b.len(),
        overflow,
    }
}

/// ipvsadm's `string_to_number`: a whole decimal string (leading blanks
/// and a sign allowed) within `min..=max`.
fn string_to_number(s: &str, min: i64, max: i64) -> Option<i64> {
    let r = strtol(s);
    (r.complete && !r.overflow && (min..=max).contains(&r.value)).then_some(r.value)
}

/// C's `atoi` (glibc: `(int) strtol(s, NULL, 10)`).
fn atoi(s: &str) -> i32 {
    strtol(s).value as i32
}

/// glibc's `inet_aton`: one to four parts, each decimal, octal (`0`) or
/// hex (`0x`), the last part filling the remaining bytes; anything after
/// a blank is ignored.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut parts: Vec<u32> = Vec::with_capacity(3);
    let value = loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (value, end) = strtoul_auto(b, i)?;
        if value > u64::from(u32::MAX) {
            return None;
        }
        i = end;
        if b.get(i) == Some(&b'.') {
            if parts.len() > 2 || value > 0xff {
                return None;
            }
            parts.push(value as u32);
            i += 1;
        } else {
            break value as u32;
        }
    };
    if i < b.len() && !is_c_space(b[i]) {
        return None;
    }
    let max = [u32::MAX, 0x00ff_ffff, 0xffff, 0xff][parts.len()];
    if value > max {
        return None;
    }
    let mut word = value;
    for (k, part) in parts.iter().enumerate() {
        word |= part << (24 - 8 * k);
    }
    Some(Ipv4Addr::from(word))
}

/// `strtoul(s + start, &end, 0)` for a string starting with a digit:
/// the value (`None` on overflow) and the end offset.
fn strtoul_auto(b: &[u8], start: usize) -> Option<(u64, usize)> {
    let (radix, mut i) = if b[start] == b'0' {
        if matches!(b.get(start + 1), Some(b'x' | b'X'))
            && b.get(start + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            (16, start + 2)
        } else {
            (8, start)
        }
    } else {
        (10, start)
    };
    let mut value: u64 = 0;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        value = value.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
        i += 1;
    }
    Some((value, i))
}

/// glibc's `inet_pton(AF_INET)`: exactly four decimal parts 0..255
/// without leading zeros.
fn inet_pton4(b: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    let mut saw_digit = false;
    let mut current: u32 = 0;
    for &c in b {
        if c.is_ascii_digit() {
            if saw_digit && current == 0 {
                return None;
            }
            current = current * 10 + u32::from(c - b'0');
            if current > 255 {
                return None;
            }
            if !saw_digit {
                count += 1;
                if count > 4 {
                    return None;
                }
                saw_digit = true;
            }
            octets[count - 1] = current as u8;
        } else if c == b'.' && saw_digit {
            if count == 4 {
                return None;
            }
            saw_digit = false;
            current = 0;
        } else {
            return None;
        }
    }
    (count == 4).then(|| Ipv4Addr::from(octets))
}

/// glibc's `inet_pton(AF_INET6)`.
fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut tp = 0usize;
    let mut colon: Option<usize> = None;
    let mut i = 0;
    if b.is_empty() {
        return None;
    }
    if b[0] == b':' {
        if b.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut token_start = i;
    let mut digits = 0;
    let mut value: u32 = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if let Some(d) = (c as char).to_digit(16) {
            if digits == 4 {
                return None;
            }
            value = (value << 4) | d;
            digits += 1;
            continue;
        }
        if c == b':' {
            token_start = i;
            if digits == 0 {
                if colon.is_some() {
                    return None;
                }
                colon = Some(tp);
                continue;
            }
            if i == b.len() || tp + 2 > 16 {
                return None;
            }
            out[tp] = (value >> 8) as u8;
            out[tp + 1] = value as u8;
            tp += 2;
            digits = 0;
            value = 0;
            continue;
        }
        if c == b'.' && tp + 4 <= 16 {
            if let Some(v4) = inet_pton4(&b[token_start..]) {
                out[tp..tp + 4].copy_from_slice(&v4.octets());
                tp += 4;
                digits = 0;
                break;
            }
        }
        return None;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp] = (value >> 8) as u8;
        out[tp + 1] = value as u8;
        tp += 2;
    }
    if let Some(at) = colon {
        if tp == 16 {
            return None;
        }
        let n = tp - at;
        out.copy_within(at..tp, 16 - n);
        out[at..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then(|| Ipv6Addr::from(out))
}

thread_local! {
    /// Lets a test that throws thousands of odd names at the parser skip
    /// the resolver (every failed name is a DNS query).
    static NO_HOST_LOOKUPS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Turns host-name lookups off (or back on) for the parses made on the
/// calling thread; a name that is not an address is then an unknown
/// host. For tests that throw thousands of odd words at the grammar
/// (the property tests), where every failed name would be a DNS query.
#[doc(hidden)]
pub fn set_host_lookups(enabled: bool) {
    NO_HOST_LOOKUPS.with(|c| c.set(!enabled));
}

/// ipvsadm's `host_to_addr`: the first IPv4 address of a host name.
fn host_to_addr(name: &str) -> Option<Ipv4Addr> {
    if name.is_empty() {
        return None;
    }
    if NO_HOST_LOOKUPS.with(|c| c.get()) {
        return None;
    }
    crate::host::netdb::host_v4(name)
}

/// ipvsadm's `service_to_port`: a port name in the services database for
/// the service's protocol.
fn service_to_port(name: &str, protocol: Option<Protocol>) -> Option<u16> {
    crate::host::netdb::service_port(name, protocol?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::tun_flags;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    fn ok(line: &str) -> Command {
        parse(&words(line)).unwrap_or_else(|e| panic!("{line:?}: {e:?}"))
    }

    fn ok_v(v: &[&str]) -> Command {
        let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        parse(&args).unwrap_or_else(|e| panic!("{v:?}: {e:?}"))
    }

    /// ipvsadm's exit code for a kind (the front end's mapping, repeated
    /// so these tests read in ipvsadm's numbers).
    fn exit_of(kind: ParseErrorKind) -> i32 {
        match kind {
            ParseErrorKind::Fail => 2,
            ParseErrorKind::Popt => 255,
        }
    }

    fn err_v(v: &[&str]) -> (String, i32) {
        let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        match parse(&args) {
            Ok(c) => panic!("{v:?}: expected an error, got {c:?}"),
            Err(e) => (e.message, exit_of(e.kind)),
        }
    }

    #[track_caller]
    fn assert_err(line: &str, message: &str, exit: i32) {
        let (m, e) = err_v(&line.split_whitespace().collect::<Vec<_>>());
        assert_eq!((m.as_str(), e), (message, exit), "for {line:?}");
    }

    #[track_caller]
    fn assert_err_v(v: &[&str], message: &str, exit: i32) {
        let (m, e) = err_v(v);
        assert_eq!((m.as_str(), e), (message, exit), "for {v:?}");
    }

    const TRY_HELP: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

    fn v4(a: &str) -> IpAddr {
        IpAddr::V4(a.parse().unwrap())
    }

    fn v6(a: &str) -> IpAddr {
        IpAddr::V6(a.parse().unwrap())
    }

    fn tcp(addr: &str, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v4(addr),
            port,
        }
    }

    fn add_service(line: &str) -> Service {
        match ok(line) {
            Command::AddService(s) => s,
            c => panic!("{line:?}: {c:?}"),
        }
    }

    fn add_dest(line: &str) -> (ServiceKey, Destination) {
        match ok(line) {
            Command::AddDest(k, d) => (k, d),
            c => panic!("{line:?}: {c:?}"),
        }
    }

    fn list(line: &str) -> ListOptions {
        match ok(line) {
            Command::List(l) => l,
            c => panic!("{line:?}: {c:?}"),
        }
    }

    // ------------------------------------------------------------------
    // Tables

    #[test]
    fn tables_have_one_column_per_option() {
        for row in MATRIX {
            assert_eq!(row.len(), NUMBER_OF_OPT, "{row:?}");
        }
        assert_eq!(CMD_NAMES.len(), MATRIX.len());
        for (i, name) in CMD_NAMES.iter().enumerate() {
            let cmd = [
                Cmd::Add,
                Cmd::Edit,
                Cmd::Del,
                Cmd::Flush,
                Cmd::List,
                Cmd::AddDest,
                Cmd::DelDest,
                Cmd::EditDest,
                Cmd::Timeout,
                Cmd::StartDaemon,
                Cmd::StopDaemon,
                Cmd::Restore,
                Cmd::Save,
                Cmd::Zero,
            ][i];
            assert_eq!(cmd.name(), *name);
        }
        assert_eq!(OPT_NAMES[O_TUN_REMCSUM], "tun-remcsum");
        assert_eq!(OPT_NAMES[O_SERVICE], "service-address");
        assert_eq!(OPT_NAMES[O_FORWARD], "forwarding-method");
    }

    // ------------------------------------------------------------------
    // Commands

    #[test]
    fn no_arguments_lists() {
        assert_eq!(parse(&[]), Ok(Command::List(ListOptions::default())));
    }

    #[test]
    fn every_command() {
        assert_eq!(ok("-L"), Command::List(ListOptions::default()));
        assert_eq!(ok("-l"), Command::List(ListOptions::default()));
        assert_eq!(ok("--list"), Command::List(ListOptions::default()));
        assert_eq!(ok("-C"), Command::Flush);
        assert_eq!(ok("--clear"), Command::Flush);
        assert_eq!(ok("-R"), Command::Restore);
        assert_eq!(ok("--restore"), Command::Restore);
        assert_eq!(ok("-S"), Command::Save { numeric: false });
        assert_eq!(ok("--save -n"), Command::Save { numeric: true });
        assert_eq!(ok("-Z"), Command::Zero(None));
        assert_eq!(
            ok("--zero -t 1.2.3.4:80"),
            Command::Zero(Some(tcp("1.2.3.4", 80)))
        );
        assert_eq!(ok("-h"), Command::Help);
        assert_eq!(ok("--help"), Command::Help);
        assert_eq!(ok("-v"), Command::Version);
        assert_eq!(ok("--version"), Command::Version);
        assert_eq!(ok("-D -t 1.2.3.4:80"), Command::DelService(tcp("1.2.3.4", 80)));
        assert_eq!(
            ok("--delete-service --fwmark-service 7"),
            Command::DelService(ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark: 7
            })
        );
        let mut svc = Service::new(tcp("1.2.3.4", 80));
        assert_eq!(ok("-A -t 1.2.3.4:80"), Command::AddService(svc.clone()));
        assert_eq!(
            ok("--add-service --tcp-service 1.2.3.4:80"),
            Command::AddService(svc.clone())
        );
        svc.scheduler = "rr".into();
        assert_eq!(ok("-E -t 1.2.3.4:80 -s rr"), Command::EditService(svc));
        let dest = Destination::new(v4("5.6.7.8"), 80);
        assert_eq!(
            ok("-a -t 1.2.3.4:80 -r 5.6.7.8"),
            Command::AddDest(tcp("1.2.3.4", 80), dest.clone())
        );
        let mut edited = dest.clone();
        edited.weight = 4;
        assert_eq!(
            ok("-e -t 1.2.3.4:80 -r 5.6.7.8 -w 4"),
            Command::EditDest(tcp("1.2.3.4", 80), edited)
        );
        assert_eq!(
            ok("-d -t 1.2.3.4:80 -r 5.6.7.8:8080"),
            Command::DelDest(tcp("1.2.3.4", 80), v4("5.6.7.8"), 8080)
        );
        assert_eq!(
            ok("--set 10 20 30"),
            Command::SetTimeouts(Timeouts {
                tcp: 10,
                tcp_fin: 20,
                udp: 30
            })
        );
        assert_eq!(
            ok("--start-daemon master"),
            Command::StartDaemon(SyncDaemon {
                state: DaemonState::Master,
                mcast_ifn: "eth0".into(),
                syncid: 0,
                sync_maxlen: None,
                mcast_group: None,
                mcast_port: None,
                mcast_ttl: None,
            })
        );
        assert_eq!(
            ok("--stop-daemon backup"),
            Command::StopDaemon(DaemonState::Backup)
        );
        assert_eq!(
            ok("--stop-daemon=master --syncid 5"),
            Command::StopDaemon(DaemonState::Master)
        );
    }

    #[test]
    fn help_and_version_only_as_the_command() {
        // As the first option anything after them is ignored.
        assert_eq!(ok("-hL"), Command::Help);
        assert_eq!(ok("-h --bogus"), Command::Help);
        assert_eq!(ok("-v -x"), Command::Version);
        assert_eq!(ok("foo -h"), Command::Help);
        assert_err("-L -h", "invalid option `-h'", 2);
        assert_err("-L -nv", "invalid option `-nv'", 2);
        assert_err("-L --help", "invalid option `--help'", 2);
    }

    #[test]
    fn daemons() {
        let Command::StartDaemon(d) = ok(
            "--start-daemon backup --mcast-interface eth1 --syncid 7 --sync-maxlen 1400 \
             --mcast-group 224.0.0.81 --mcast-port 9000 --mcast-ttl 3",
        ) else {
            panic!()
        };
        assert_eq!(d.state, DaemonState::Backup);
        assert_eq!(d.mcast_ifn, "eth1");
        assert_eq!(d.syncid, 7);
        assert_eq!(d.sync_maxlen, Some(1400));
        assert_eq!(d.mcast_group, Some(v4("224.0.0.81")));
        assert_eq!(d.mcast_port, Some(9000));
        assert_eq!(d.mcast_ttl, Some(3));

        let Command::StartDaemon(d) = ok("--start-daemon master --mcast-group ff02::1") else {
            panic!()
        };
        assert_eq!(d.mcast_group, Some(v6("ff02::1")));

        // An empty interface is the default; long names are cut to 15.
        let Command::StartDaemon(d) = ok_v(&["--start-daemon", "master", "--mcast-interface", ""]) else {
            panic!()
        };
        assert_eq!(d.mcast_ifn, "eth0");
        let Command::StartDaemon(d) = ok("--start-daemon master --mcast-interface abcdefghijklmnopqrst")
        else {
            panic!()
        };
        assert_eq!(d.mcast_ifn, "abcdefghijklmno");

        assert_err(
            "--start-daemon bogus",
            "illegal start-daemon parameter specified",
            2,
        );
        assert_err("--stop-daemon bogus", "illegal start_daemon specified", 2);
        assert_err(
            "--start-daemon Master",
            "illegal start-daemon parameter specified",
            2,
        );
        assert_err("--start-daemon", TRY_HELP, 255);
        assert_err(
            "--start-daemon master --syncid 256",
            "illegal syncid specified",
            2,
        );
        assert_err("--start-daemon master --syncid -1", "illegal syncid specified", 2);
        assert_err(
            "--start-daemon master --mcast-port 0",
            "illegal mcast-port specified",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-port 65536",
            "illegal mcast-port specified",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-ttl 0",
            "illegal mcast-ttl specified",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-ttl 256",
            "illegal mcast-ttl specified",
            2,
        );
        assert_err(
            "--start-daemon master --sync-maxlen 0",
            "illegal sync-maxlen specified",
            2,
        );
        assert_err(
            "--start-daemon master --sync-maxlen 65508",
            "illegal sync-maxlen specified",
            2,
        );
        assert!(parse(&words("--start-daemon master --sync-maxlen 65507")).is_ok());
        assert_err(
            "--start-daemon master --mcast-group 10.0.0.1",
            "invalid IPv4 mcast-group `10.0.0.1'",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-group 224.0.0.01",
            "invalid IPv4 mcast-group `224.0.0.01'",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-group 224.1",
            "invalid IPv4 mcast-group `224.1'",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-group fe80::1",
            "invalid IPv6 mcast-group `fe80::1'",
            2,
        );
        assert_err(
            "--start-daemon master --mcast-group ff02:::1",
            "invalid IPv6 mcast-group `ff02:::1'",
            2,
        );
        assert_err(
            "--stop-daemon master --mcast-interface eth1",
            "Illegal 'mcast-interface' option with the 'stop-daemon' command",
            2,
        );
        assert_err(
            "--start-daemon master -n",
            "Illegal 'numeric' option with the 'start-daemon' command",
            2,
        );
    }

    #[test]
    fn set_timeouts() {
        assert_eq!(
            ok("--set 0 0 2678400"),
            Command::SetTimeouts(Timeouts {
                tcp: 0,
                tcp_fin: 0,
                udp: 2678400
            })
        );
        assert_err("--set", "--set option requires 3 timeout values", 2);
        assert_err("--set 1 2", "--set option requires 3 timeout values", 2);
        assert_err("--set 1 2 3 4", "unexpected argument 4", 2);
        assert_err("--set x 2 3", "invalid timeout value `x' specified", 2);
        assert_err(
            "--set 1 2 2678401",
            "invalid timeout value `2678401' specified",
            2,
        );
        assert_err("--set -1 2 3", "-1: unknown option", 255);
        // After `--` a negative number is a value, and then a bad one.
        assert_err("--set 1 -- -2 3", "invalid timeout value `-2' specified", 2);
        // Values are checked before the matrix.
        assert_err(
            "--set 0 0 0 -n",
            "Illegal 'numeric' option with the 'set' command",
            2,
        );
        assert_err("--set 0 0 -n", "--set option requires 3 timeout values", 2);
        // Positional words may come anywhere.
        assert!(matches!(ok("1 --set 2 3"), Command::SetTimeouts(_)));
    }

    // ------------------------------------------------------------------
    // popt behaviour

    #[test]
    fn first_option_must_be_a_command() {
        assert_err("-nL", TRY_HELP, 255);
        assert_err("-t 1.2.3.4:80 -A", TRY_HELP, 255);
        assert_err("--tcp -L", TRY_HELP, 255);
        assert_err("-- -L", TRY_HELP, 255);
        assert_err("foo", TRY_HELP, 255);
        assert_err_v(&[""], TRY_HELP, 255);
        assert_err("-A=foo", TRY_HELP, 255);
        assert_err("--add-service=x -t 1.2.3.4:80", TRY_HELP, 255);
        assert_err("--set=1", TRY_HELP, 255);
        // A positional word before the command is only reported later.
        assert_err("foo -L", "unexpected argument foo", 2);
    }

    #[test]
    fn bundles() {
        let l = list("-Ln");
        assert!(l.numeric && !l.connection);
        let l = list("-Lnc");
        assert!(l.numeric && l.connection);
        let l = list("-lnX");
        assert!(l.numeric && l.exact);
        // An option taking a value takes the rest of the bundle.
        let (_, d) = add_dest("-a -t1.2.3.4:80 -r5.6.7.8 -w3");
        assert_eq!(d.weight, 3);
        assert_eq!(add_service("-At1.2.3.4:80").key, tcp("1.2.3.4", 80));
        assert_eq!(add_service("-A -t=1.2.3.4:80").key, tcp("1.2.3.4", 80));
        // `-sp rr`: -s takes "p", "rr" is left over.
        assert_err("-A -t 1.2.3.4:80 -sp rr", "unexpected argument rr", 2);
        assert_err("-A -tn", "illegal virtual server address[:port] specified", 2);
        // popt blames the whole word.
        assert_err("-LZ", "invalid option `-LZ'", 2);
        assert_err("-LnZ", "invalid option `-LnZ'", 2);
        assert_err("-A -LnZ", "invalid option `-LnZ'", 2);
        assert_err("-Lnq", "-Lnq: unknown option", 255);
        assert_err("-L -nt", "-nt: missing argument", 255);
        assert_err("-L -n=x", "-n=x: option does not take an argument", 255);
        assert_err("-L -=x", "-=x: unknown option", 255);
        // A one-dash long name is a bundle: -l is a second command.
        assert_err("-L -list", "invalid option `-list'", 2);
    }

    #[test]
    fn long_options() {
        assert_eq!(add_service("-A --tcp-service=1.2.3.4:80").key, tcp("1.2.3.4", 80));
        assert_eq!(add_service("-A --tcp-service 1.2.3.4:80").key, tcp("1.2.3.4", 80));
        let s = add_service("--add-service --udp-service=1.2.3.4:53 --scheduler=rr");
        assert_eq!(s.scheduler, "rr");
        assert_eq!(
            s.key,
            ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: v4("1.2.3.4"),
                port: 53
            }
        );
        // No abbreviations.
        assert_err("-A --tcp 1.2.3.4:80", "--tcp: unknown option", 255);
        assert_err("-A --bogus", "--bogus: unknown option", 255);
        assert_err("-A --bogus=3", "--bogus=3: unknown option", 255);
        assert_err(
            "-L --numeric=x",
            "--numeric=x: option does not take an argument",
            255,
        );
        assert_err("-L --=x", "--=x: unknown option", 255);
        assert_err("-L ---x", "---x: unknown option", 255);
        assert_err(
            "-A -t 1.2.3.4:80 --scheduler",
            "--scheduler: missing argument",
            255,
        );
        assert_err("-A -t", "-t: missing argument", 255);
        // A second command given long, with its value consumed.
        assert_err("-L --zero", "invalid option `--zero'", 2);
        assert_err("-L --start-daemon master", "invalid option `master'", 2);
        assert_err(
            "-L --start-daemon=master",
            "invalid option `--start-daemon=master'",
            2,
        );
        assert_err("-L --start-daemon", "--start-daemon: missing argument", 255);
    }

    #[test]
    fn double_dash_and_lone_dash() {
        assert_err("-A -t 1.2.3.4:80 -- -s", "unexpected argument -s", 2);
        assert_err("-A -t 1.2.3.4:80 -", "unexpected argument -", 2);
        // A required value may be `--` itself.
        assert_err("-A -t --", "illegal virtual server address[:port] specified", 2);
        assert_eq!(ok("-L --"), Command::List(ListOptions::default()));
    }

    #[test]
    fn values_may_start_with_a_dash() {
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -x -1",
            "illegal u_threshold specified",
            2,
        );
        assert_err("-A -t -5", "illegal virtual server address[:port] specified", 2);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -s -x").scheduler, "-x");
    }

    #[test]
    fn persistent_takes_an_optional_value() {
        let s = add_service("-A -t 1.2.3.4:80 -p");
        assert_eq!((s.flags.0, s.timeout), (ServiceFlags::PERSISTENT, 360));
        assert_eq!(add_service("-A -t 1.2.3.4:80 -p 600").timeout, 600);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -p600").timeout, 600);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -p=600").timeout, 600);
        assert_eq!(add_service("-A -t 1.2.3.4:80 --persistent=60").timeout, 60);
        assert_eq!(add_service("-A -t 1.2.3.4:80 --persistent 60").timeout, 60);
        // The next word is not taken when it starts with '-'.
        let s = add_service("-A -t 1.2.3.4:80 -p -s rr");
        assert_eq!((s.timeout, s.scheduler.as_str()), (360, "rr"));
        assert_eq!(add_service("-A -p -t 1.2.3.4:80").timeout, 360);
        assert_err("-A -t 1.2.3.4:80 -p -- 5", "unexpected argument 5", 2);
        assert_err("-A -t 1.2.3.4:80 -ps", "invalid timeout value `s' specified", 2);
        assert_err_v(
            &["-A", "-t", "1.2.3.4:80", "-p", ""],
            "invalid timeout value `' specified",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:80 --persistent=",
            "invalid timeout value `' specified",
            2,
        );
        assert_err("-A -t 1.2.3.4:80 -p 0", "invalid timeout value `0' specified", 2);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -p 2678400").timeout, 2678400);
        assert_err(
            "-A -t 1.2.3.4:80 -p 2678401",
            "invalid timeout value `2678401' specified",
            2,
        );
        // Port 0 is fine for persistent services.
        assert_eq!(add_service("-A -t 1.2.3.4 -p").key, tcp("1.2.3.4", 0));
    }

    #[test]
    fn repeated_options() {
        assert_err("-L -n -n", "multiple 'numeric' options specified", 2);
        assert_err("-Lnn", "multiple 'numeric' options specified", 2);
        assert_err(
            "-A -t 1.2.3.4:80 -t 1.2.3.4:81",
            "multiple 'service-address' options specified",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:80 -f 1",
            "multiple 'service-address' options specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -m -g",
            "multiple 'forwarding-method' options specified",
            2,
        );
        // The repeat is reported before the value is looked at...
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 3 -w x",
            "multiple 'weight' options specified",
            2,
        );
        // ...but a bad first value comes first.
        assert_err(
            "-A -t bad:80 -t x",
            "illegal virtual server address[:port] specified",
            2,
        );
        // Not tracked: --sort and -6.
        assert!(parse(&words("-L --sort --sort")).is_ok());
        assert!(parse(&words("-A -f 1 -6 -6")).is_ok());
        assert_eq!(ok("-C --sort"), Command::Flush);
    }

    #[test]
    fn leftovers() {
        assert_err("-A -t 1.2.3.4:80 extra", "unexpected argument extra", 2);
        assert_err("-A extra -t 1.2.3.4:80", "unexpected argument extra", 2);
        // Leftovers are reported before the matrix.
        assert_err("-A -t 1.2.3.4:80 -w 3 extra", "unexpected argument extra", 2);
        assert_err_v(&["-C", ""], "unexpected argument ", 2);
    }

    #[test]
    fn popt_next_arg_expansion() {
        // `!#:+` takes the next positional word.
        assert_eq!(add_service("-A -t 1.2.3.4:80 -s rr!#:+ x").scheduler, "rrx");
        assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+!#:+ y").scheduler, "yy");
        assert_eq!(add_service("-A -t !#:+ 1.2.3.4:80").key, tcp("1.2.3.4", 80));
        // Without one the text stays (ipvsadm hangs in popt when other
        // words follow; here it simply stays).
        assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+").scheduler, "!#:+");
        assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+ --sort").scheduler, "!#:+");
    }

    // ------------------------------------------------------------------
    // Services and addresses

    #[test]
    fn service_addresses() {
        assert_eq!(add_service("-A -t 123:80").key, tcp("0.0.0.123", 80));
        assert_eq!(add_service("-A -t 10.1:80").key, tcp("10.0.0.1", 80));
        assert_eq!(add_service("-A -t 0x7f.1:80").key, tcp("127.0.0.1", 80));
        assert_eq!(add_service("-A -t 017.0.0.1:80").key, tcp("15.0.0.1", 80));
        assert_eq!(add_service("-A -t 4294967295:80").key, tcp("255.255.255.255", 80));
        assert_eq!(add_service("-A -t 1.2.3.4:+80").key, tcp("1.2.3.4", 80));
        assert_eq!(add_service("-A -t localhost:80").key, tcp("127.0.0.1", 80));
        // inet_aton ignores anything after a blank.
        assert_eq!(
            add_service_v(&["-A", "-t", "1.2.3.4 junk:80"]).key,
            tcp("1.2.3.4", 80)
        );
        for bad in [
            "80",
            "",
            ":80",
            "1.2.3.4:",
            "08.0.0.1:80",
            "1.2.3.256:80",
            "4294967296:80",
            "1.2.3.4:65536",
            "1.2.3.4:99999999999999999999",
            "99999999999999999999999",
            "[",
            "[::1",
            "[::1]",
            "[::1]80",
            "[::1]:",
            "[1::2::3]:1",
            "[00001::]:1",
            "[1::2:3:4:5:6:7:8]:8",
            "1.2.3.4:80 ",
        ] {
            assert_err_v(
                &["-A", "-t", bad],
                "illegal virtual server address[:port] specified",
                2,
            );
        }
    }

    fn add_service_v(v: &[&str]) -> Service {
        match ok_v(v) {
            Command::AddService(s) => s,
            c => panic!("{v:?}: {c:?}"),
        }
    }

    #[test]
    fn ipv6_services() {
        let s = add_service("-A -t [::1]:80");
        assert_eq!(
            s.key,
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: v6("::1"),
                port: 80
            }
        );
        assert_eq!(s.netmask, 128);
        // A whole-string IPv6 address has no port.
        assert_err(
            "-A -t ::1:80",
            "Zero port specified for non-persistent service",
            2,
        );
        let s = add_service("-A -t ::1:80 -p");
        assert_eq!(
            s.key,
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: v6("::1:80"),
                port: 0
            }
        );
        let s = add_service("-A -t [1:2:3:4:5:6:7::]:8");
        assert_eq!(s.key.af(), AddressFamily::Inet6);
        let s = add_service("-A -t [::1.2.3.4]:9");
        assert_eq!(
            s.key,
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: v6("::1.2.3.4"),
                port: 9
            }
        );
        // Brackets around a non-IPv6 address: the port after them is lost.
        assert_err(
            "-A -t [1.2.3.4]:80",
            "Zero port specified for non-persistent service",
            2,
        );
        assert_eq!(add_service("-A -t [1.2.3.4:5]:80").key, tcp("1.2.3.4", 5));
    }

    #[test]
    fn port_names() {
        // Whatever the services database says, parse agrees with it.
        match service_to_port("http", Some(Protocol::Tcp)) {
            Some(port) => {
                assert_eq!(port, 80);
                assert_eq!(add_service("-A -t 1.2.3.4:http").key, tcp("1.2.3.4", port));
                let (_, d) = add_dest("-a -t 1.2.3.4:http -r 5.6.7.8:http -m");
                assert_eq!(d.port, 80);
            }
            None => assert_err(
                "-A -t 1.2.3.4:http",
                "illegal virtual server address[:port] specified",
                2,
            ),
        }
        match service_to_port("domain", Some(Protocol::Udp)) {
            Some(port) => assert_eq!(
                add_service("-A -u 1.2.3.4:domain").key,
                ServiceKey::Addr {
                    protocol: Protocol::Udp,
                    addr: v4("1.2.3.4"),
                    port
                }
            ),
            None => assert_err(
                "-A -u 1.2.3.4:domain",
                "illegal virtual server address[:port] specified",
                2,
            ),
        }
        assert_eq!(service_to_port("no-such-service-name", Some(Protocol::Tcp)), None);
        assert_eq!(service_to_port("http", None), None);
        // -r before -t: no protocol yet, so no port names.
        assert_err(
            "-a -r 1.1.1.1:http -t 2.2.2.2:80",
            "illegal real server address[:port] specified",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:no-such-service-name",
            "illegal virtual server address[:port] specified",
            2,
        );
    }

    #[test]
    fn fwmark_services() {
        let s = add_service("-A -f 1");
        assert_eq!(
            s.key,
            ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark: 1
            }
        );
        assert_eq!(s.netmask, u32::MAX);
        let s = add_service("-A -f 4294967295 -6");
        assert_eq!(
            s.key,
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: u32::MAX
            }
        );
        assert_eq!(s.netmask, 128);
        assert_eq!(add_service_v(&["-A", "-f", " +5"]).key.af(), AddressFamily::Inet);
        for bad in ["0", "0x10", "-3", "4294967296", "", "1a", "99999999999999999999"] {
            assert_err_v(
                &["-A", "-f", bad],
                &format!("invalid fwmark value `{bad}' specified"),
                2,
            );
        }
    }

    #[test]
    fn ipv6_flag_order() {
        assert_err("-A -6 -f 1", "-6 used before -f\n", 2);
        assert_err("-A -t 1.2.3.4:80 -6", "-6 used before -f\n", 2);
        assert_err("-L -6", "-6 used before -f\n", 2);
        assert_err("-C -6", "-6 used before -f\n", 2);
        assert_eq!(
            ok("-Z -f 3 -6"),
            Command::Zero(Some(ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3
            }))
        );
    }

    #[test]
    fn netmask_depends_on_the_family_known_so_far() {
        assert_eq!(
            add_service("-A -t 1.2.3.4:80 -p -M 255.255.255.0").netmask,
            0xffff_ff00
        );
        // IPv4 syntax: inet_aton, so "24" is 0.0.0.24.
        assert_eq!(add_service("-A -t 1.2.3.4:80 -M 24").netmask, 24);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -M 0x10").netmask, 16);
        assert_eq!(add_service("-A -t 1.2.3.4:80 -M localhost").netmask, 0x7f00_0001);
        // Before an IPv6 service: read as IPv4, then reset to 128.
        assert_eq!(add_service("-A -M 64 -t [::1]:80").netmask, 128);
        assert_eq!(add_service("-A -t [::1]:80 -M 64").netmask, 64);
        assert_eq!(add_service("-A -t [::1]:80 -M 64abc").netmask, 64);
        assert_eq!(add_service_v(&["-A", "-t", "[::1]:80", "-M", " +7"]).netmask, 7);
        // atoi() wraps through int.
        assert_eq!(add_service("-A -t [::1]:80 -M 4294967297").netmask, 1);
        assert_eq!(add_service("-A -f 1 -M 255.0.0.0 -6").netmask, 128);
        assert_eq!(add_service("-A -f 1 -6 -M 48").netmask, 48);
        assert_err("-A -t [::1]:80 -M 0", "illegal ipv6 netmask specified", 2);
        assert_err("-A -t [::1]:80 -M 129", "illegal ipv6 netmask specified", 2);
        assert_err("-A -t [::1]:80 -M x", "illegal ipv6 netmask specified", 2);
        assert_err(
            "-A -t 1.2.3.4:80 -M 4294967296",
            "illegal virtual server persistent mask specified",
            2,
        );
        assert_err_v(
            &["-A", "-t", "1.2.3.4:80", "-M", ""],
            "illegal virtual server persistent mask specified",
            2,
        );
    }

    #[test]
    fn service_checks() {
        assert_err(
            "-A -t 1.2.3.4",
            "Zero port specified for non-persistent service",
            2,
        );
        assert_err(
            "-E -t 1.2.3.4:0",
            "Zero port specified for non-persistent service",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:80 -o",
            "One-Packet Scheduling is only for UDP virtual services",
            2,
        );
        assert_err(
            "-A --sctp-service 1.2.3.4:80 -o",
            "One-Packet Scheduling is only for UDP virtual services",
            2,
        );
        let s = add_service("-A -u 1.2.3.4:53 -o");
        assert_eq!(s.flags.0, ServiceFlags::ONEPACKET);
        let s = add_service("-A -f 7 --ops");
        assert_eq!(s.flags.0, ServiceFlags::ONEPACKET);
        let s = add_service("-A -u 1.2.3.4:0 -p -o -b flag-2 --pe sip -s sh");
        assert_eq!(
            s.flags.0,
            ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED2
        );
        assert_eq!(s.pe_name.as_deref(), Some("sip"));
        assert_eq!(s.scheduler, "sh");
        assert_eq!(
            s.key,
            ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: v4("1.2.3.4"),
                port: 0
            }
        );
    }

    #[test]
    fn scheduler_and_pe_names() {
        assert_eq!(add_service("-A -t 1.2.3.4:80").scheduler, "wlc");
        match ok("-E -t 1.2.3.4:80 -p") {
            Command::EditService(s) => assert_eq!(s.scheduler, "wlc"),
            c => panic!("{c:?}"),
        }
        assert_eq!(
            add_service_v(&["-A", "-t", "1.2.3.4:80", "-s", ""]).scheduler,
            "wlc"
        );
        assert_eq!(
            add_service("-A -t 1.2.3.4:80 -s abcdefghijklmnopqrstuvwxyz").scheduler,
            "abcdefghijklmno"
        );
        assert_eq!(
            add_service("-A -t 1.2.3.4:80 --pe abcdefghijklmnopqrstuvwxyz")
                .pe_name
                .as_deref(),
            Some("abcdefghijklmnop")
        );
        assert_eq!(
            add_service_v(&["-A", "-t", "1.2.3.4:80", "--pe", ""]).pe_name,
            None
        );
        // Cut at a character boundary.
        assert_eq!(
            add_service("-A -t 1.2.3.4:80 -s abcdefghijklmné").scheduler,
            "abcdefghijklmn"
        );
    }

    #[test]
    fn scheduler_flags() {
        let s = add_service("-A -t 1.2.3.4:80 -s sh -b sh-port,sh-fallback");
        assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
        // Checked against the final scheduler, wherever -s is.
        let s = add_service("-A -t 1.2.3.4:80 -b sh-port -s sh");
        assert_eq!(s.flags.0, ServiceFlags::SCHED2);
        let s = add_service("-A -t 1.2.3.4:80 -s mh -b mh-port,mh-fallback");
        assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
        let s = add_service("-A -t 1.2.3.4:80 -b flag-1,flag-3");
        assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED3);
        let s = add_service("-A -t 1.2.3.4:80 -b ,,flag-2,");
        assert_eq!(s.flags.0, ServiceFlags::SCHED2);
        let s = add_service_v(&["-A", "-t", "1.2.3.4:80", "-b", ""]);
        assert_eq!(s.flags.0, 0);
        assert_err(
            "-A -t 1.2.3.4:80 -b sh-port",
            "incompatible scheduler flag `sh-port'",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:80 -s sh -b mh-fallback",
            "incompatible scheduler flag `mh-fallback'",
            2,
        );
        assert_err(
            "-A -t 1.2.3.4:80 -b flag-1,bogus",
            "invalid scheduler flag `bogus'",
            2,
        );
        assert_err("-A -t 1.2.3.4:80 -b ,", "invalid scheduler flag `,'", 2);
        // Flags are parsed before the matrix check...
        assert_err("-L -b foo", "invalid scheduler flag `foo'", 2);
        assert_err(
            "-L -b flag-1",
            "Illegal 'sched-flags' option with the 'list' command",
            2,
        );
        // ...and after the leftover check.
        assert_err("-A -t 1.2.3.4:80 -b bogus extra", "unexpected argument extra", 2);
    }

    // ------------------------------------------------------------------
    // Destinations

    #[test]
    fn destinations() {
        let (k, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8");
        assert_eq!(k, tcp("1.2.3.4", 80));
        assert_eq!(d, Destination::new(v4("5.6.7.8"), 80));
        // DR and TUN force the service port.
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080");
        assert_eq!((d.port, d.fwd), (80, ForwardMethod::Route));
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080 -i");
        assert_eq!((d.port, d.fwd), (80, ForwardMethod::Tunnel));
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080 -m");
        assert_eq!((d.port, d.fwd), (8080, ForwardMethod::Masq));
        // Without a port: the service port known when -r is read.
        let (_, d) = add_dest("-a -r 5.6.7.8 -t 1.2.3.4:80 -m");
        assert_eq!(d.port, 0);
        // Not for fwmark services.
        let (_, d) = add_dest("-a -f 1 -r 1.1.1.1:99 -g");
        assert_eq!(d.port, 99);
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -w 0 -x 10 -y 20");
        assert_eq!((d.weight, d.u_threshold, d.l_threshold), (0, 10, 20));
        let (_, d) = add_dest_v(&["-a", "-t", "1.2.3.4:80", "-r", "5.6.7.8", "-x", "+5", "-y", " 3"]);
        assert_eq!((d.u_threshold, d.l_threshold), (5, 3));
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -w 2147483647");
        assert_eq!(d.weight, 2147483647);
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 2147483648",
            "illegal weight specified",
            2,
        );
        assert_err("-a -t 1.2.3.4:80 -r 5.6.7.8 -w -1", "illegal weight specified", 2);
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 0x10",
            "illegal weight specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -x 2147483648",
            "illegal u_threshold specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -y x",
            "illegal l_threshold specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 80",
            "illegal real server address[:port] specified",
            2,
        );
        // -d keeps the given port.
        assert_eq!(
            ok("-d -t 1.2.3.4:80 -r 5.6.7.8"),
            Command::DelDest(tcp("1.2.3.4", 80), v4("5.6.7.8"), 80)
        );
    }

    fn add_dest_v(v: &[&str]) -> (ServiceKey, Destination) {
        match ok_v(v) {
            Command::AddDest(k, d) => (k, d),
            c => panic!("{v:?}: {c:?}"),
        }
    }

    #[test]
    fn mixed_families() {
        assert_err(
            "-a -t 1.2.3.4:80 -r [::2]:80",
            "Different address family is allowed only for tunneling servers",
            2,
        );
        assert_err(
            "-a -f 1 -r [::2]:80",
            "Different address family is allowed only for tunneling servers",
            2,
        );
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r [::2]:80 -i");
        assert_eq!(d.addr, v6("::2"));
        let (k, d) = add_dest("-a -f 1 -6 -r [::2]:80 -m");
        assert_eq!(k.af(), AddressFamily::Inet6);
        assert_eq!((d.addr, d.port), (v6("::2"), 80));
    }

    #[test]
    fn tunnels() {
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 6080");
        assert_eq!(
            (d.tun_type, d.tun_port, d.tun_flags),
            (TunnelType::Gue, 6080, tun_flags::NOCSUM)
        );
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 1 --tun-remcsum");
        assert_eq!(d.tun_flags, tun_flags::REMCSUM);
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-csum");
        assert_eq!((d.tun_type, d.tun_flags), (TunnelType::Gre, tun_flags::CSUM));
        let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type ipip");
        assert_eq!(d.tun_type, TunnelType::Ipip);

        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 --tun-type gue",
            "Tunnel options conflict with forward method",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -m --tun-csum",
            "Tunnel options conflict with forward method",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue",
            "You need to supply the 'tun-port' option for the 'gue' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-port 6080",
            "Illegal 'tun-port' option with the 'ipip' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type ipip --tun-nocsum",
            "Illegal 'tun-nocsum' option with the 'ipip' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-remcsum",
            "Illegal 'tun-remcsum' option with the 'gre' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-port 5",
            "Illegal 'tun-port' option with the 'gre' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 1 --tun-csum --tun-nocsum",
            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-csum --tun-nocsum",
            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type xx",
            "illegal tunnel type specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 0",
            "illegal tunnel port specified",
            2,
        );
        assert_err(
            "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 65536",
            "illegal tunnel port specified",
            2,
        );
        assert_err(
            "-d -t 1.2.3.4:80 -r 5.6.7.8 --tun-type gue",
            "Illegal 'tun-type' option with the 'delete-server' command",
            2,
        );
    }

    // ------------------------------------------------------------------
    // The validity matrix

    #[test]
    fn matrix_messages() {
        assert_err(
            "-A -t 1.2.3.4:80 -w 3",
            "Illegal 'weight' option with the 'add-service' command",
            2,
        );
        assert_err(
            "-L --timeout --daemon",
            "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
            2,
        );
        // The order on the command line does not matter.
        assert_err(
            "-L --daemon --timeout",
            "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
            2,
        );
        assert_err(
            "-L -c -t 1.2.3.4:80",
            "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
            2,
        );
        assert_err(
            "-a -t 1.1.1.1:80",
            "You need to supply the 'real-server' option for the 'add-server' command",
            2,
        );
        assert_err(
            "-A -s rr",
            "You need to supply the 'service-address' option for the 'add-service' command",
            2,
        );
        // Lowest option index first: -n (0) before -w (8).
        assert_err(
            "-A -t 1.2.3.4:80 -w 3 -n",
            "Illegal 'numeric' option with the 'add-service' command",
            2,
        );
        // A missing required option before an illegal later one.
        assert_err(
            "-a -t 1.2.3.4:80 -s rr",
            "Illegal 'scheduler' option with the 'add-server' command",
            2,
        );
        assert_err(
            "-d -s rr",
            "You need to supply the 'service-address' option for the 'delete-server' command",
            2,
        );
        assert_err("-C -n", "Illegal 'numeric' option with the 'flush' command", 2);
        assert_err(
            "-S --nosort",
            "Illegal 'nosort' option with the 'save' command",
            2,
        );
        assert_err("-R -n", "Illegal 'numeric' option with the 'restore' command", 2);
        assert_err("-Z -n", "Illegal 'numeric' option with the 'zero' command", 2);
        assert_err(
            "-D -t 1.2.3.4:80 -s rr",
            "Illegal 'scheduler' option with the 'delete-service' command",
            2,
        );
        assert_err("-L -o", "Illegal 'ops' option with the 'list' command", 2);
        assert!(parse(&words("-L --syncid 3")).is_ok());
    }

    #[test]
    fn list_options() {
        let l = list("-L -n --stats --rate --thresholds --persistent-conn --nosort --exact --tun-info");
        assert_eq!(
            l,
            ListOptions {
                numeric: true,
                service: None,
                nosort: true,
                connection: false,
                timeout: false,
                daemon: false,
                stats: true,
                rate: true,
                thresholds: true,
                persistent_conn: true,
                exact: true,
                tun_info: true,
            }
        );
        assert!(list("-L -c").connection);
        assert!(list("-L --timeout").timeout);
        assert!(list("-L --daemon").daemon);
        assert!(list("-L -X").exact);
        assert_eq!(list("-L -t 1.2.3.4:80").service, Some(tcp("1.2.3.4", 80)));
        assert_eq!(
            list("-L -f 5 -6").service,
            Some(ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 5
            })
        );
        assert!(list("-L -c --persistent-conn").persistent_conn);
        assert_err("-L -c --stats", "options conflicts in the list command", 2);
        assert_err("-L --daemon --rate", "options conflicts in the list command", 2);
        assert_err(
            "-L -c -n --thresholds",
            "options conflicts in the list command",
            2,
        );
        assert_err(
            "-L --timeout --persistent-conn",
            "options conflicts in the list command",
            2,
        );
        assert_err(
            "-L --daemon --persistent-conn",
            "options conflicts in the list command",
            2,
        );
    }

    // ------------------------------------------------------------------
    // -R lines

    #[test]
    fn restore_lines() {
        assert_eq!(parse_line(""), Ok(None));
        assert_eq!(parse_line("   \t \r"), Ok(None));
        assert_eq!(parse_line("# a comment"), Ok(None));
        assert_eq!(parse_line("   # indented comment"), Ok(None));
        assert_eq!(parse_line("ipvsadm"), Ok(None));
        assert_eq!(parse_line("-C"), Ok(Some(Command::Flush)));
        assert_eq!(parse_line("ipvsadm -C"), Ok(Some(Command::Flush)));
        assert_eq!(parse_line("-C # flush it all"), Ok(Some(Command::Flush)));
        assert_eq!(parse_line("-C #"), Ok(Some(Command::Flush)));
        assert_eq!(
            parse_line("-A\t-t  1.2.3.4:80 -s rr\r"),
            Ok(Some(Command::AddService({
                let mut s = Service::new(tcp("1.2.3.4", 80));
                s.scheduler = "rr".into();
                s
            })))
        );
        assert_eq!(
            parse_line("-a -t 1.2.3.4:80 -r 5.6.7.8:80 -m -w 1 ipvsadm"),
            Ok(Some(Command::AddDest(tcp("1.2.3.4", 80), {
                let mut d = Destination::new(v4("5.6.7.8"), 80);
                d.fwd = ForwardMethod::Masq;
                d
            })))
        );
        // A `#` inside a word is kept.
        assert_eq!(
            parse_line("-A -t 1.2.3.4:80 -s a#b").map(|c| match c {
                Some(Command::AddService(s)) => s.scheduler,
                _ => String::new(),
            }),
            Ok("a#b".to_string())
        );
        // No quoting.
        assert_eq!(
            parse_line("-A -t \"1.2.3.4:80\"").unwrap_err().message,
            "illegal virtual server address[:port] specified"
        );
        // -R inside the stream.
        assert_eq!(
            parse_line("-R"),
            Err(ParseError {
                message: TRY_HELP.into(),
                kind: ParseErrorKind::Popt
            })
        );
        assert_eq!(
            parse_line("-R -n").unwrap_err().message,
            "Illegal 'numeric' option with the 'restore' command"
        );
        assert_eq!(parse_line("-n").unwrap_err().kind, ParseErrorKind::Popt);
        assert_eq!(
            parse_line("-L -n --timeout")
                .unwrap()
                .map(|c| matches!(c, Command::List(l) if l.timeout && l.numeric)),
            Some(true)
        );
        assert_eq!(
            parse_line("-A -t").unwrap_err(),
            ParseError {
                message: "-t: missing argument".into(),
                kind: ParseErrorKind::Popt
            }
        );
        assert_eq!(parse_line("-h"), Ok(Some(Command::Help)));
        // Negative marks as ipvsadm -S writes them, only in -R input.
        assert_eq!(
            parse_line("-A -f -1 -s wlc -p 600").map(|c| match c {
                Some(Command::AddService(s)) => Some(s.key),
                _ => None,
            }),
            Ok(Some(ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark: u32::MAX
            }))
        );
        assert_eq!(
            parse_line("-a -f -1294967296 -6 -r [2001:db8::21]:80 -m -w 9").map(|c| match c {
                Some(Command::AddDest(k, _)) => Some(k),
                _ => None,
            }),
            Ok(Some(ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3_000_000_000
            }))
        );
        assert_eq!(
            parse_line("-D -f -2147483648").map(|c| c.map(|c| matches!(
                c,
                Command::DelService(ServiceKey::Fwmark { mark: 2147483648, .. })
            ))),
            Ok(Some(true))
        );
        assert_eq!(
            parse_line("-A -f -2147483649").unwrap_err().message,
            "invalid fwmark value `-2147483649' specified"
        );
        assert_eq!(
            parse_line("-A -f -0").unwrap_err().message,
            "invalid fwmark value `-0' specified"
        );
        assert_err("-A -f -1", "invalid fwmark value `-1' specified", 2);
    }

    // ------------------------------------------------------------------
    // Odd input

    #[test]
    fn no_panics_on_odd_input() {
        // Thousands of odd names: keep them away from DNS.
        NO_HOST_LOOKUPS.with(|c| c.set(true));
        let odd = [
            "",
            "-",
            "--",
            "---",
            "-=",
            "--=",
            "=",
            "[",
            "]",
            "[]",
            "[]:",
            "[::1",
            "[::1]",
            ":",
            "::",
            ":::",
            "#",
            "!#:+",
            "-!#:+",
            "é",
            "-é",
            "--é",
            "\0",
            "-\0",
            "a\0b",
            "-t\0",
            "99999999999999999999999999999",
            "-99999999999999999999999",
            "0x",
            "0x.1",
            "1.2.3.4:",
            "1.2.3.4::",
            "[::1]:",
            "[::1]:99999",
            "1.2.3.4:http:80",
            " ",
            "\t",
            "-p",
            "-M",
            "-6",
            "-b",
            ",",
            ",,",
            "--pe",
            "--set",
            "-R",
            "-h",
            "1.2.3.4.5:80",
            "255.255.255.255.255",
            "::ffff:1.2.3.4.5",
            "1::1.2.3",
            "1:2:3:4:5:6:7:8:9",
            "ffff::ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "1.2.3.",
            ".1.2.3",
            "1..2",
        ];
        let commands = [
            "-A", "-E", "-D", "-C", "-L", "-a", "-e", "-d", "-Z", "-S", "-R", "--set",
        ];
        let options = [
            "-t",
            "-u",
            "--sctp-service",
            "-f",
            "-M",
            "-r",
            "-s",
            "-p",
            "-w",
            "-b",
            "--mcast-group",
            "--tun-type",
            "--syncid",
        ];
        for a in odd {
            let _ = parse(&[a.to_string()]);
            let _ = parse_line(a);
            for c in commands {
                let _ = parse(&[c.to_string(), a.to_string()]);
                for o in options {
                    let _ = parse(&[c.to_string(), o.to_string(), a.to_string()]);
                    let _ = parse(&[c.to_string(), format!("{o}{a}")]);
                    let _ = parse(&[
                        c.to_string(),
                        "-t".into(),
                        "1.2.3.4:80".into(),
                        o.into(),
                        a.into(),
                    ]);
                    let _ = parse(&[c.to_string(), "-t".into(), "[::1]:80".into(), o.into(), a.into()]);
                    let _ = parse_line(&format!("{c} {o} {a}"));
                }
            }
        }
        for a in ["--start-daemon", "--stop-daemon"] {
            for v in odd {
                let _ = parse(&[a.to_string(), v.to_string()]);
                let _ = parse(&[format!("{a}={v}")]);
            }
        }
        // C strings end at NUL.
        assert_eq!(
            add_service_v(&["-A", "-t", "1.2.3.4:80\0junk"]).key,
            tcp("1.2.3.4", 80)
        );
    }

    // ------------------------------------------------------------------
    // C library look-alikes

    #[test]
    fn c_number_parsing() {
        assert_eq!(string_to_number("5", 0, 10), Some(5));
        assert_eq!(string_to_number(" \t+5", 0, 10), Some(5));
        assert_eq!(string_to_number("-0", 0, 10), Some(0));
        assert_eq!(string_to_number("5 ", 0, 10), None);
        assert_eq!(string_to_number("", 0, 10), None);
        assert_eq!(string_to_number("+", 0, 10), None);
        assert_eq!(string_to_number("0x5", 0, 10), None);
        assert_eq!(string_to_number("11", 0, 10), None);
        assert_eq!(string_to_number("9223372036854775808", 0, i64::MAX), None);
        assert_eq!(atoi("12abc"), 12);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("-3"), -3);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("4294967297"), 1);
    }

    #[test]
    fn c_address_parsing() {
        let a = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(a("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(a("1").as_deref(), Some("0.0.0.1"));
        assert_eq!(a("1.2").as_deref(), Some("1.0.0.2"));
        assert_eq!(a("1.2.3").as_deref(), Some("1.2.0.3"));
        assert_eq!(a("0x7f.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(a("0X7F.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(a("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(a("0").as_deref(), Some("0.0.0.0"));
        assert_eq!(a("1.2.3.4\tx").as_deref(), Some("1.2.3.4"));
        for bad in [
            "",
            "x",
            "1.",
            ".1",
            "1..2",
            "08",
            "0x",
            "0xg",
            "256.1.1.1",
            "1.256.1.1",
            "1.2.65536",
            "1.16777216",
            "4294967296",
            "1.2.3.4.5",
            "+1",
            " 1",
            "1x",
            "99999999999999999999999",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad:?}");
        }
        let p6 = |s: &str| inet_pton6(s).map(|a| a.to_string());
        assert_eq!(p6("::").as_deref(), Some("::"));
        assert_eq!(p6("::1").as_deref(), Some("::1"));
        assert_eq!(p6("1::").as_deref(), Some("1::"));
        assert_eq!(p6("1:2:3:4:5:6:7:8").as_deref(), Some("1:2:3:4:5:6:7:8"));
        assert_eq!(p6("::1.2.3.4").as_deref(), Some("::102:304"));
        assert_eq!(p6("1:2:3:4:5:6:1.2.3.4").as_deref(), Some("1:2:3:4:5:6:102:304"));
        for bad in [
            "",
            ":",
            ":1",
            "1:",
            ":::",
            "1::2::3",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1::2:3:4:5:6:7:8",
            "::1.2.3",
            "::1.2.3.04",
            "1:2:3:4:5:6:7:1.2.3.4",
            "g::",
            "::1 ",
            "[::1]",
        ] {
            assert_eq!(inet_pton6(bad), None, "{bad:?}");
        }
        assert_eq!(inet_pton4(b"224.0.0.1"), Some(Ipv4Addr::new(224, 0, 0, 1)));
        for bad in ["1.2.3", "01.2.3.4", "1.2.3.4.", "256.0.0.0", "1.2.3.4.5", ""] {
            assert_eq!(inet_pton4(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
