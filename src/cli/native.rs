//! lvsctl's own command line (clap). For now it has only `--help` and
//! `--version`; ipvsadm's grammar is reached by starting with one of its
//! command options.

use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use super::Outcome;

const ABOUT: &str = "Administer Linux Virtual Server (IPVS) over Generic Netlink";

const LONG_ABOUT: &str = "\
Administer Linux Virtual Server (IPVS) over Generic Netlink.

lvsctl speaks ipvsadm's command line: when its first argument is an \
ipvsadm command option (-A, -E, -D, -C, -a, -e, -d, -L/-l, -S, -R, -Z, ...) \
or when it is invoked as `ipvsadm` (for example through a symlink), it \
accepts ipvsadm 1.31's options and prints ipvsadm's output byte for byte. \
Invoked as `ipvsadm`, `-h` prints a summary of that grammar.";

const AFTER_HELP: &str = "\
Examples:
  lvsctl -A -t 192.0.2.10:80 -s rr
  lvsctl -a -t 192.0.2.10:80 -r 198.51.100.11:80 -m -w 2
  lvsctl -Ln
  lvsctl -Sn > rules; lvsctl -R < rules
  ln -s \"$(command -v lvsctl)\" /usr/local/sbin/ipvsadm   # drop-in ipvsadm";

/// lvsctl's own arguments.
#[derive(Debug, Parser)]
#[command(name = "lvsctl", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {}

/// The clap definition, for help, man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs the native grammar.
pub fn run(argv: Vec<OsString>) -> Outcome {
    let mut out = Outcome::default();
    if argv.len() <= 1 {
        out.stdout = command().render_long_help().to_string();
        return out;
    }
    match Cli::try_parse_from(argv) {
        Ok(_) => {
            out.stdout = command().render_long_help().to_string();
        }
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                out.stderr = text;
                out.code = 2;
            } else {
                out.stdout = text;
            }
        }
    }
    out
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

Without arguments ipvsadm lists the table. Exit codes follow ipvsadm:
0 success, 1 listing failed, 2 invalid command line, 255 the kernel refused a
change (or a popt-level syntax error).
",
        version = env!("CARGO_PKG_VERSION")
    )
}
