//! Desired-state files: format detection, line numbers for messages, and
//! the ipvsadm rules format.
//!
//! Two formats describe a desired table. The rules format is what
//! `ipvsadm -S` writes (`-A` and `-a` lines, with `#` comments, blank
//! lines and `-x/-y` thresholds accepted); it describes the service table
//! only. The TOML format ([`super::config`]) describes the whole IPVS state
//! of a director. A file whose first line that is neither blank nor a
//! comment starts with `-` (or the word `ipvsadm`) is rules; anything else
//! is TOML.

use std::collections::HashMap;
use std::net::IpAddr;

use super::table::{Change, ServiceSpec, Table};
use crate::cli::ipvsadm::{parse_line, Command};
use crate::ipvs::{DaemonState, Op, ServiceKey};

/// A desired-state file that cannot be used: the file, the line (1-based;
/// 0 when the problem is not on one line) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct InputError {
    /// The file's name as given (`-` is standard input).
    pub file: String,
    /// The line.
    pub line: usize,
    /// The problem.
    pub message: String,
}

impl InputError {
    fn render(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.file, self.message)
        } else {
            format!("{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Which lines of a file the parts of a desired table came from.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The file's name as given.
    pub file: String,
    pub(crate) services: HashMap<ServiceKey, usize>,
    pub(crate) dests: HashMap<(ServiceKey, IpAddr, u16), usize>,
    pub(crate) daemons: HashMap<DaemonStateKey, usize>,
    pub(crate) timeouts: Option<usize>,
    pub(crate) sysctls: HashMap<String, usize>,
}

/// A hashable daemon role.
pub(crate) type DaemonStateKey = u32;

impl Source {
    /// The line a change comes from, if it comes from the file.
    pub fn line_of(&self, change: &Change) -> Option<usize> {
        match change {
            Change::Sysctl { name, .. } => self.sysctls.get(name).copied(),
            Change::Ipvs(op) => match op {
                Op::AddService(s) | Op::EditService(s) => self.services.get(&s.key).copied(),
                Op::DelService(k) => self.services.get(k).copied(),
                Op::AddDest(k, d) | Op::EditDest(k, d) => self.dests.get(&(*k, d.addr, d.port)).copied(),
                Op::DelDest(k, a, p) => self.dests.get(&(*k, *a, *p)).copied(),
                Op::SetTimeouts(_) => self.timeouts,
                Op::StartDaemon(d) => self.daemons.get(&d.state.raw()).copied(),
                Op::StopDaemon(s) => self.daemons.get(&s.raw()).copied(),
                Op::Flush | Op::Zero(_) => None,
            },
        }
    }

    pub(crate) fn daemon(&mut self, state: DaemonState, line: usize) {
        self.daemons.insert(state.raw(), line);
    }
}

/// A parsed desired-state file.
#[derive(Debug, Clone)]
pub struct Desired {
    /// What it describes.
    pub table: Table,
    /// Where each part was written.
    pub source: Source,
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// ipvsadm rules (`-A`/`-a` lines).
    Rules,
    /// lvsctl's TOML.
    Toml,
}

/// Which format a file is in.
pub fn detect(text: &str) -> FileFormat {
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        return if t.starts_with('-') || t == "ipvsadm" || t.starts_with("ipvsadm ") {
            FileFormat::Rules
        } else {
            FileFormat::Toml
        };
    }
    FileFormat::Rules
}

/// Parses and validates a desired-state file in either format.
pub fn parse(file: &str, text: &str) -> Result<Desired, InputError> {
    match detect(text) {
        FileFormat::Rules => parse_rules(file, text),
        FileFormat::Toml => super::config::parse(file, text),
    }
}

/// Parses an ipvsadm rules file: `-A` and `-a` lines only.
pub fn parse_rules(file: &str, text: &str) -> Result<Desired, InputError> {
    let err = |line: usize, message: String| InputError {
        file: file.to_string(),
        line,
        message,
    };
    let mut table = Table::default();
    let mut source = Source {
        file: file.to_string(),
        ..Source::default()
    };
    let mut index: HashMap<ServiceKey, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let cmd = match parse_line(line) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => return Err(err(n, e.for_program("lvsctl").message)),
        };
        match cmd {
            Command::AddService(s) => {
                if let Some(first) = source.services.get(&s.key) {
                    return Err(err(n, format!("service added twice (first on line {first})")));
                }
                source.services.insert(s.key, n);
                index.insert(s.key, table.services.len());
                table.services.push(ServiceSpec {
                    service: s,
                    dests: Vec::new(),
                });
            }
            Command::AddDest(k, d) => {
                let Some(&at) = index.get(&k) else {
                    return Err(err(n, "real server of a service not added by an earlier -A line".into()));
                };
                if let Some(first) = source.dests.get(&(k, d.addr, d.port)) {
                    return Err(err(n, format!("real server added twice (first on line {first})")));
                }
                if d.l_threshold > d.u_threshold {
                    return Err(err(
                        n,
                        format!(
                            "lower threshold {} is above upper threshold {} (the kernel refuses that)",
                            d.l_threshold, d.u_threshold
                        ),
                    ));
                }
                source.dests.insert((k, d.addr, d.port), n);
                table.services[at].dests.push(d);
            }
            _ => {
                return Err(err(
                    n,
                    "a rules file describes a table with -A and -a lines only; run other commands with `lvsctl -R`"
                        .into(),
                ))
            }
        }
    }
    Ok(Desired { table, source })
}
