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

use std::net::IpAddr;

use super::table::{Change, ServiceSpec, Table};
use super::FastMap;
use crate::ipvs::{DaemonState, Op, ServiceKey};
use crate::ipvsadm::{parse_line, Command};

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
    /// Service → (line, index in the table's services).
    pub(crate) services: FastMap<ServiceKey, (u32, u32)>,
    /// (service index, address, port) → line. Compact keys: a table of
    /// 100,000 real servers keeps one entry for each.
    pub(crate) dests: FastMap<(u32, IpAddr, u16), u32>,
    pub(crate) daemons: FastMap<DaemonState, usize>,
    pub(crate) timeouts: Option<usize>,
    pub(crate) sysctls: FastMap<String, usize>,
}

impl Source {
    /// The line a change comes from, if it comes from the file.
    pub fn line_of(&self, change: &Change) -> Option<usize> {
        match change {
            Change::Sysctl { name, .. } => self.sysctls.get(name).copied(),
            Change::Ipvs(op) => match op {
                Op::AddService(s) | Op::EditService(s) => self.service_line(&s.key),
                Op::DelService(k) => self.service_line(k),
                Op::AddDest(k, d) | Op::EditDest(k, d) => self.dest_line(k, d.addr, d.port),
                Op::DelDest(k, a, p) => self.dest_line(k, *a, *p),
                Op::SetTimeouts(_) => self.timeouts,
                Op::StartDaemon(d) => self.daemons.get(&d.state).copied(),
                Op::StopDaemon(s) => self.daemons.get(s).copied(),
                Op::Flush | Op::Zero(_) => None,
            },
        }
    }

    /// The line a service was written on.
    pub fn service_line(&self, key: &ServiceKey) -> Option<usize> {
        self.services.get(key).map(|(line, _)| *line as usize)
    }

    /// The line a real server was written on.
    pub fn dest_line(&self, key: &ServiceKey, addr: IpAddr, port: u16) -> Option<usize> {
        let (_, index) = self.services.get(key)?;
        self.dests.get(&(*index, addr, port)).map(|l| *l as usize)
    }

    /// Records a service's line and index; the line of an earlier one with
    /// the same key if there is one.
    pub(crate) fn add_service(&mut self, key: ServiceKey, line: usize, index: usize) -> Option<usize> {
        self.services
            .insert(key, (line as u32, index as u32))
            .map(|(first, _)| first as usize)
    }

    /// Records a real server's line; the line of an earlier one with the
    /// same address and port in that service if there is one.
    pub(crate) fn add_dest(&mut self, index: usize, addr: IpAddr, port: u16, line: usize) -> Option<usize> {
        self.dests
            .insert((index as u32, addr, port), line as u32)
            .map(|first| first as usize)
    }

    /// Whether the file wrote `[timeouts]`.
    pub fn has_timeouts(&self) -> bool {
        self.timeouts.is_some()
    }

    /// Whether the file listed sync daemons.
    pub fn has_daemons(&self) -> bool {
        !self.daemons.is_empty()
    }

    /// The sysctls the file names.
    pub fn sysctl_names(&self) -> impl Iterator<Item = &str> {
        self.sysctls.keys().map(String::as_str)
    }

    pub(crate) fn daemon(&mut self, state: DaemonState, line: usize) {
        self.daemons.insert(state, line);
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
    // Nearly every line is a real server of about 40 bytes or more: size
    // the duplicate check once instead of rehashing it as it grows
    // (counting the lines first costs more than the rehashing).
    source.dests.reserve(text.len() / 40);
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let cmd = match fast_line(line) {
            Some(c) => c,
            None => match parse_line(line) {
                Ok(Some(c)) => c,
                Ok(None) => continue,
                Err(e) => return Err(err(n, e.for_program("lvsctl").message)),
            },
        };
        match cmd {
            Command::AddService(s) => {
                if let Some(first) = source.add_service(s.key, n, table.services.len()) {
                    return Err(err(n, format!("service added twice (first on line {first})")));
                }
                table.services.push(ServiceSpec {
                    service: s,
                    dests: Vec::new(),
                });
            }
            Command::AddDest(k, d) => {
                let Some(&(_, at)) = source.services.get(&k) else {
                    return Err(err(n, "real server of a service not added by an earlier -A line".into()));
                };
                let at = at as usize;
                if let Some(first) = source.add_dest(at, d.addr, d.port, n) {
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

/// The two line shapes `ipvsadm -Sn` writes for IPv4 TCP and UDP
/// services, read without the general grammar:
///
/// ```text
/// -A -t 192.0.2.1:80 -s wlc
/// -a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1
/// ```
///
/// A table of 100,000 destinations is mostly such lines, and the general
/// parser (popt-style options, option matrix, name lookups) costs several
/// times more per line. Anything else, including every line with an error
/// in it, returns `None` and goes through [`parse_line`], so the result
/// and the messages are the same either way (a unit test holds the two
/// equal).
fn fast_line(line: &str) -> Option<Command> {
    use crate::ipvs::{Destination, ForwardMethod, Protocol, Service};
    let mut it = Words { s: line, at: 0 };
    let cmd = it.next()?;
    let protocol = match it.next()? {
        "-t" => Protocol::Tcp,
        "-u" => Protocol::Udp,
        _ => return None,
    };
    let svc = v4_port(it.next()?)?;
    let key = ServiceKey::Addr {
        protocol,
        addr: IpAddr::V4(*svc.ip()),
        port: svc.port(),
    };
    match cmd {
        "-A" => {
            let mut s = Service::new(key);
            match (it.next(), it.next(), it.next()) {
                (None, _, _) => {}
                (Some("-s"), Some(sched), None) if crate::ipvs::names::SCHEDULERS.contains(&sched) => {
                    s.scheduler = sched.to_string()
                }
                _ => return None,
            }
            Some(Command::AddService(s))
        }
        "-a" => {
            if it.next()? != "-r" {
                return None;
            }
            let dest = v4_port(it.next()?)?;
            let fwd = match it.next()? {
                "-m" => ForwardMethod::Masq,
                "-g" => ForwardMethod::Route,
                "-i" => ForwardMethod::Tunnel,
                _ => return None,
            };
            if it.next()? != "-w" {
                return None;
            }
            let w = it.next()?;
            if w.is_empty() || w.len() > 5 || !w.bytes().all(|b| b.is_ascii_digit()) || it.next().is_some() {
                return None;
            }
            let port = match fwd {
                ForwardMethod::Masq => dest.port(),
                _ => svc.port(),
            };
            let mut d = Destination::new(IpAddr::V4(*dest.ip()), port);
            d.fwd = fwd;
            d.weight = w.parse().ok()?;
            Some(Command::AddDest(key, d))
        }
        _ => None,
    }
}

/// The words of a line, split at spaces, tabs and carriage returns.
struct Words<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let blank = |c: u8| c == b' ' || c == b'\t' || c == b'\r';
        while self.at < b.len() && blank(b[self.at]) {
            self.at += 1;
        }
        let start = self.at;
        while self.at < b.len() && !blank(b[self.at]) {
            self.at += 1;
        }
        // Both ends are at ASCII bytes or the string's ends.
        (self.at > start).then(|| self.s.get(start..self.at)).flatten()
    }
}

/// `A.B.C.D:PORT` in its plainest spelling (decimal, no leading zeros,
/// port 1-65535); anything else is left to the full grammar. One pass,
/// as this runs twice per line of a large table.
fn v4_port(s: &str) -> Option<std::net::SocketAddrV4> {
    /// A decimal number of 1 to `max_len` digits, no leading zero, then
    /// the byte after it (0 at the end).
    fn number(b: &[u8], at: &mut usize, max_len: usize) -> Option<(u32, u8)> {
        let start = *at;
        let mut v: u32 = 0;
        while let Some(&c) = b.get(*at) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v * 10 + u32::from(c - b'0');
            *at += 1;
        }
        let len = *at - start;
        if len == 0 || len > max_len || (len > 1 && b[start] == b'0') {
            return None;
        }
        let next = b.get(*at).copied().unwrap_or(0);
        *at += 1;
        Some((v, next))
    }
    let b = s.as_bytes();
    let mut at = 0;
    let mut octets = [0u8; 4];
    for (i, o) in octets.iter_mut().enumerate() {
        let (v, next) = number(b, &mut at, 3)?;
        if v > 255 || next != if i < 3 { b'.' } else { b':' } {
            return None;
        }
        *o = v as u8;
    }
    let (port, next) = number(b, &mut at, 5)?;
    if next != 0 || at != b.len() + 1 || port == 0 || port > 65535 {
        return None;
    }
    Some(std::net::SocketAddrV4::new(octets.into(), port as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_the_grammar() {
        let lines = [
            "-A -t 192.0.2.1:80 -s wlc",
            "-A -u 192.0.2.1:53 -s rr",
            "-A -t 192.0.2.1:80",
            "-A -t 192.0.2.1:80 -s mh",
            "-A -t 192.0.2.1:80 -s nosuch",
            "-A -t 192.0.2.1:0 -s rr",
            "-A -t 192.0.2.1:80 -s rr -p 30",
            "-A -t 192.0.2.1:http -s rr",
            "-A  -t   10.0.0.1:8080   -s  twos ",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:8080 -m -w 0",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:8080 -g -w 3",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:8080 -i -w 65535",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:0 -m -w 1",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 99999",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1 -x 5 -y 1",
            "-a -t 192.0.2.1:080 -r 198.51.100.1:80 -m -w 1",
            "-a -t 192.0.2.01:80 -r 198.51.100.1:80 -m -w 1",
            "-a -t 0.0.0.0:65535 -r 255.255.255.255:1 -m -w 1",
            "-a -t 192.0.2.1:65536 -r 198.51.100.1:80 -m -w 1",
            "-a -t 192.0.2:80 -r 198.51.100.1:80 -m -w 1",
            "-a -t 192.0.2.1.5:80 -r 198.51.100.1:80 -m -w 1",
            "-a -u 192.0.2.1:53 -r 198.51.100.1:53 -m -w 01",
            "-a -t 192.0.2.1:80 -r 198.51.100.1 -g -w 1",
            "-a -t 192.0.2.1:80 -r 198.51.100.256:80 -m -w 1",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w -1",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -w 1 -m",
            "-A -t 192.0.2.1:80 -s rr # comment",
            "-e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1",
        ];
        let mut fast = 0;
        for l in lines {
            if let Some(c) = fast_line(l) {
                fast += 1;
                assert_eq!(Ok(Some(c)), parse_line(l), "{l}");
            }
        }
        assert!(fast >= 10, "only {fast} lines took the fast path");
        for (text, ok) in [
            ("1.2.3.4:80", true),
            ("0.0.0.0:1", true),
            ("255.255.255.255:65535", true),
            ("01.2.3.4:80", false),
            ("1.2.3.4:080", false),
            ("1.2.3.4:0", false),
            ("1.2.3.4:65536", false),
            ("256.1.1.1:1", false),
            ("1.2.3:80", false),
            ("1.2.3.4.5:80", false),
            ("1.2.3.4:", false),
            ("1.2.3.4", false),
            ("1..3.4:5", false),
            ("1.2.3.4:5:6", false),
            ("1000.2.3.4:80", false),
            ("1.2.3.0004:80", false),
            (":80", false),
            ("1.2.3.:80", false),
            ("1.2.3.4:100000", false),
            ("1.2.3.4:99999", false),
            ("10.0.255.0:8", true),
            ("1.2.3.4: 80", false),
            ("", false),
        ] {
            assert_eq!(v4_port(text).is_some(), ok, "{text}");
            if ok {
                assert_eq!(v4_port(text), text.parse().ok(), "{text}");
            }
        }
    }
}
