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
//!
//! The files follow ipvsadm's own steps:
//!
//! * `options.rs` — every option, defined once: its names, its kind of
//!   value, its matrix column and its documentation ([`options()`] is the
//!   public view, read by `-h`, the man pages and the completions);
//! * `scan.rs` — popt's scanner, which turns words into options and values;
//! * `entry.rs` — the command being built, option by option, and the
//!   checks after the last one;
//! * `matrix.rs` — the commands and ipvsadm's command/option matrix;
//! * `values.rs` — the parsers of option values;
//! * `clib.rs` — the C library functions whose quirks the grammar inherits;
//! * `tests/` — one file per topic.

mod clib;
mod entry;
mod matrix;
mod options;
mod scan;
mod values;
#[cfg(test)]
mod tests;

pub use options::{options, OptionInfo, Section};
pub use values::parse_sched_flags;
#[doc(hidden)]
pub use values::{host_lookups_enabled, set_host_lookups};

use super::{Command, ListOptions, ParseError, ParseErrorKind};
use crate::ipvs::{DaemonState, ServiceFlags, Timeouts};
use entry::Entry;
use matrix::Cmd;
use options::Opt;
use scan::{Scan, Scanner};
use values::parse_timeout;

/// The program name ipvsadm prints in its try-help line.
const PROGRAM: &str = "ipvsadm";

/// Parses an ipvsadm command line (`args` excludes `argv[0]`).
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
        Scan::Opt(def, value) => (def.opt, value),
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
        entry.daemon_state = match value.as_deref().map(str::parse::<DaemonState>) {
            Some(Ok(state)) => state,
            _ if cmd == Cmd::StartDaemon => return Err(fail("illegal start-daemon parameter specified")),
            _ => return Err(fail("illegal start_daemon specified")),
        };
    }

    loop {
        match scanner.next_opt() {
            Scan::End => break,
            Scan::Opt(def, value) => {
                let bad = scanner.bad_word().to_string();
                entry.apply(def, value, &bad)?;
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
