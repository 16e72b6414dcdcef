//! The text `-h` prints in ipvsadm mode: lvsctl's own summary of the
//! ipvsadm 1.31 grammar.
//!
//! ipvsadm's own `-h` names most options by one name only, so a user or a
//! script looking up `--tun-type` or `-X` finds nothing there. This page
//! is generated from the option definitions the parser reads
//! ([`super::grammar::options`]): every option is listed with all its
//! names and its value, so the page cannot miss one or disagree with
//! what the parser accepts. The wording is lvsctl's; ipvsadm's help is
//! not reproduced (scripts do not parse it, and the exit code and stream,
//! 0 and stdout, are ipvsadm's).

use super::grammar::{options, OptionInfo, Section};
use std::fmt::Write as _;

/// Where the help column starts, and the width the text is wrapped to.
const HELP_COLUMN: usize = 33;
const WIDTH: usize = 79;

/// The synopsis: which options go with which command.
const SYNOPSIS: &str = "\
Usage:
  ipvsadm -A|-E SERVICE [-s SCHEDULER] [-p [TIMEOUT]] [-M NETMASK]
                [--pe ENGINE] [-b FLAGS] [-o]
  ipvsadm -D SERVICE
  ipvsadm -C
  ipvsadm -R
  ipvsadm -S [-n]
  ipvsadm -a|-e SERVICE -r HOST[:PORT] [-g|-i|-m] [-w WEIGHT] [-x UPPER]
                [-y LOWER] [--tun-type TYPE] [--tun-port PORT]
                [--tun-nocsum|--tun-csum|--tun-remcsum]
  ipvsadm -d SERVICE -r HOST[:PORT]
  ipvsadm -L|-l [SERVICE] [-n] [--nosort] [-X]
                [--stats|--rate|--thresholds|--persistent-conn|--tun-info]
  ipvsadm -L|-l -c|--timeout|--daemon [-n]
  ipvsadm -Z [SERVICE]
  ipvsadm --set TCP TCPFIN UDP
  ipvsadm --start-daemon STATE [--mcast-interface IFNAME] [--syncid ID]
                [--sync-maxlen LENGTH] [--mcast-group ADDRESS]
                [--mcast-port PORT] [--mcast-ttl TTL]
  ipvsadm --stop-daemon STATE [--syncid ID]
  ipvsadm -h|-v
";

/// What comes after the options.
const NOTES: &str = "\
HOST is an IPv4 address or a host name, or an IPv6 address, in brackets
when a port follows ([2001:db8::1]:80); PORT is a number or a service name.
Schedulers: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos.
lvsctl also accepts --netns NAME|PATH before the command.

Without arguments ipvsadm lists the table. Exit codes follow ipvsadm:
0 success, 1 listing failed, 2 invalid command line, 255 the kernel refused a
change (or a popt-level syntax error).
";

/// The heading of a section of the option list.
fn heading(section: Section) -> &'static str {
    match section {
        Section::Command => "Commands (the first option, exactly one):",
        Section::Service => "SERVICE, one of:",
        Section::ServiceSetting => "Virtual service settings (-A, -E):",
        Section::Server => "Real servers (-a, -e, -d):",
        Section::List => "Listing (-L, -S):",
        Section::Daemon => "Sync daemons (--start-daemon, --stop-daemon):",
    }
}

/// An option's names and value as a user types them: `-L, -l, --list`,
/// `    --pe ENGINE`, `-p, --persistent [TIMEOUT]`.
fn names(o: &OptionInfo) -> String {
    let mut s = String::new();
    for c in [o.short, o.alias].into_iter().flatten() {
        let _ = write!(s, "-{c}, ");
    }
    if s.is_empty() {
        s.push_str("    ");
    }
    let _ = write!(s, "--{}", o.long);
    match (o.value_name, o.value_optional) {
        (Some(v), true) => {
            let _ = write!(s, " [{v}]");
        }
        (Some(v), false) => {
            let _ = write!(s, " {v}");
        }
        (None, _) => {}
    }
    s
}

/// Appends one option: its names, then its help from [`HELP_COLUMN`]
/// (on the next line when the names are too long), wrapped at [`WIDTH`].
fn push_option(out: &mut String, o: &OptionInfo) {
    let mut line = format!("  {}", names(o));
    if line.len() + 2 > HELP_COLUMN {
        out.push_str(&line);
        out.push('\n');
        line.clear();
    }
    for word in o.help.split(' ') {
        if line.len() > HELP_COLUMN && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if line.len() < HELP_COLUMN {
            line.push_str(&" ".repeat(HELP_COLUMN - line.len()));
        } else {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// The whole `-h` text, ending with a newline.
pub fn usage() -> String {
    let mut out = format!(
        "lvsctl {} -- ipvsadm-compatible mode (ipvsadm 1.31 command line)\n\n",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(SYNOPSIS);
    let all: Vec<OptionInfo> = options().collect();
    for section in Section::ALL {
        out.push('\n');
        out.push_str(heading(section));
        out.push('\n');
        for o in all.iter().filter(|o| o.section == section) {
            push_option(&mut out, o);
        }
    }
    out.push('\n');
    out.push_str(NOTES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line that documents an option: the one whose names column
    /// holds its long name.
    fn line_of<'a>(text: &'a str, long: &str) -> Option<&'a str> {
        let want = format!("--{long}");
        text.lines().find(|l| {
            l.starts_with("  ")
                && !l.starts_with("  ipvsadm")
                && l.split_whitespace().any(|w| w.trim_end_matches(',') == want)
        })
    }

    #[test]
    fn every_option_is_listed_with_all_its_names() {
        let text = usage();
        let mut count = 0;
        for o in options() {
            let line = line_of(&text, o.long).unwrap_or_else(|| panic!("--{} is missing:\n{text}", o.long));
            for c in [o.short, o.alias].into_iter().flatten() {
                assert!(line.contains(&format!("-{c}, ")), "-{c} missing in {line:?}");
            }
            if let Some(v) = o.value_name {
                assert!(line.contains(v), "{v} missing in {line:?}");
            }
            count += 1;
        }
        // ipvsadm 1.31's popt table has 58 rows, --list twice.
        assert_eq!(count, 57);
        for short in [
            "-L, -l, --list",
            "-X, --exact",
            "-6, --ipv6",
            "-b, --sched-flags FLAGS",
        ] {
            assert!(text.contains(short), "{short}");
        }
        assert!(text.contains("    --tun-type TYPE"));
        assert!(text.contains("-p, --persistent [TIMEOUT]"));
        assert!(text.contains("    --set TCP TCPFIN UDP"));
    }

    #[test]
    fn fits_in_eighty_columns() {
        for line in usage().lines() {
            assert!(line.len() <= WIDTH, "{line:?}");
            assert_eq!(line, line.trim_end(), "trailing blank in {line:?}");
        }
    }

    #[test]
    fn help_texts_are_lvsctls_style() {
        for o in options() {
            assert!(!o.help.is_empty(), "--{}", o.long);
            assert!(!o.help.ends_with('.'), "--{}: no full stop", o.long);
            assert!(
                !o.help.starts_with(char::is_uppercase),
                "--{}: lower case",
                o.long
            );
        }
    }
}
