//! Destinations read from `/proc/net/ip_vs`, the kernel's own text listing.
//!
//! Why a text file, when the rest of this crate speaks Generic Netlink:
//! the `IPVS` family has no dump of every destination. A listing over
//! netlink is one service dump and then one destination dump per service,
//! each a request and two replies (the data, then `NLMSG_DONE` only after
//! the data has been read), and the kernel refuses a second dump on a
//! socket while one is open, so they cannot be pipelined. At 2,000
//! services that is 6,000 system calls for what the proc file hands over
//! in about 300 reads: measured in the test VM, 0.18 s for the whole file
//! of 22,000 entries, against well over a second of dumps.
//!
//! What the file lacks: thresholds, tunnel details, counters, scheduler
//! flags, one-packet scheduling for IPv6, the persistence engine, and the
//! family of a firewall-mark service. So the services always come from the
//! netlink dump, and the file only supplies the destinations of the views
//! that show nothing more than it has (address, port, forwarding method,
//! weight, active and inactive connections: ipvsadm's default listing).
//! Each record's head is checked against the dumped service at the same
//! position, so a file that disagrees with the dump is noticed, and the
//! caller falls back to dumps ([`crate::ipvs::IpvsClient::table_basic_with`]).
//!
//! Why the caller stops reading after [`BUDGET`] bytes: the file is a
//! seq_file whose records are services (each with all its destinations),
//! and every `read()` returns one kernel buffer, about 4 KiB whatever the
//! size asked for, after walking the service hash from the first service
//! to where the last read stopped. The cost of a read grows with the
//! position, so reading the whole file is quadratic in its length: 2.9 s
//! for 120,000 entries in the VM where 22,000 took 0.18 s. Past a few
//! megabytes one more service costs more through the file than through its
//! own dump, and the caller dumps the rest.
//!
//! One thing the file cannot say: the kernel prints `Masq` for every
//! forwarding value it has no name for, where a dump would carry the value
//! itself. No tool sets such values (ipvsadm and lvsctl cannot); a table
//! that has them through raw netlink lists them as `Masq` here.
//!
//! Formats, from the kernel's `ip_vs_info_seq_show` (addresses and ports
//! in hexadecimal, in host order; IPv6 in the full bracketed form):
//!
//! ```text
//! IP Virtual Server version 1.2.1 (size=4096)
//! Prot LocalAddress:Port Scheduler Flags
//!   -> RemoteAddress:Port Forward Weight ActiveConn InActConn
//! TCP  C0000264:0050 wlc persistent 300 FFFFFFFF
//!   -> C000020B:0050      Masq    1      0          0
//! UDP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0035 rr
//!   -> [2001:0db8:0000:0000:0000:0000:0000:000b]:0035      Route   1      0          0
//! FWM  00000001 rr
//! ```

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::model::*;

/// The listing of the current network namespace.
pub const PROC_FILE: &str = "/proc/net/ip_vs";

/// How many bytes of the file a table read takes before it dumps the
/// remaining services' destinations over netlink instead. In the VM a
/// destination dump costs about as much as the kernel walking 2,000
/// services, and the walk before each 4 KiB read covers every service
/// before it: past 4 KiB x 2,000 = 8 MiB of text (some 140,000
/// destinations), the next service is cheaper by its own dump.
pub const BUDGET: u64 = 8 << 20;

/// Read buffer: larger than the kernel's usual 4 KiB seq_file buffer, so
/// each `read()` takes whole records whatever the kernel hands over.
const BUF: usize = 64 << 10;

/// Errors reading the file. The caller treats any of them as a reason to
/// read the destinations over netlink instead.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The file cannot be opened or read (no procfs, a kernel without it).
    #[error("{PROC_FILE}: {0}")]
    Io(#[from] std::io::Error),
    /// A line this reader does not understand.
    #[error("{PROC_FILE}: line {line}: cannot parse {text:?}")]
    Malformed {
        /// Line number, from 1.
        line: usize,
        /// The line.
        text: String,
    },
}

/// A service's identity as the file prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcHead {
    /// `PROTO  ADDR:PORT`.
    Addr {
        /// `TCP`, `UDP`, `SCTP`, or the kernel's name for another protocol.
        protocol: String,
        /// Virtual address.
        addr: IpAddr,
        /// Virtual port.
        port: u16,
    },
    /// `FWM  MARK` (the family is not printed).
    Fwmark(u32),
}

/// One record: a service line and its destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcService {
    /// Identity.
    pub head: ProcHead,
    /// Scheduler name.
    pub scheduler: String,
    /// Destinations in the kernel's order, with the fields the file has;
    /// thresholds, tunnel fields, persistent connections and counters are
    /// zero.
    pub dests: Vec<DestEntry>,
}

impl ProcService {
    /// Whether this record is the service `s` (identity and scheduler).
    pub fn is(&self, s: &Service) -> bool {
        if self.scheduler != s.scheduler {
            return false;
        }
        match (&self.head, &s.key) {
            (ProcHead::Fwmark(m), ServiceKey::Fwmark { mark, .. }) => m == mark,
            (
                ProcHead::Addr { protocol, addr, port },
                ServiceKey::Addr {
                    protocol: p,
                    addr: a,
                    port: q,
                },
            ) => {
                let name_ok = match p {
                    Protocol::Tcp => protocol == "TCP",
                    Protocol::Udp => protocol == "UDP",
                    Protocol::Sctp => protocol == "SCTP",
                    // The kernel's names for the rest are not worth
                    // mirroring: address and port decide.
                    Protocol::Other(_) => true,
                };
                name_ok && addr == a && port == q
            }
            _ => false,
        }
    }
}

/// Reads the file record by record.
#[derive(Debug)]
pub struct ProcReader {
    input: BufReader<File>,
    line: Vec<u8>,
    line_no: usize,
    bytes: u64,
    /// The head of the next record, already read.
    next: Option<(ProcHead, String)>,
    done: bool,
}

impl ProcReader {
    /// Opens the listing of the current network namespace.
    pub fn open() -> Result<Self, ProcError> {
        Self::open_path(Path::new(PROC_FILE))
    }

    /// Opens a listing in the kernel's format at `path`.
    pub fn open_path(path: &Path) -> Result<Self, ProcError> {
        let input = BufReader::with_capacity(BUF, File::open(path)?);
        let mut r = ProcReader {
            input,
            line: Vec::with_capacity(256),
            line_no: 0,
            bytes: 0,
            next: None,
            done: false,
        };
        // Three header lines, whatever they say.
        for _ in 0..3 {
            if !r.read_line()? {
                r.done = true;
                return Ok(r);
            }
        }
        r.advance_head()?;
        Ok(r)
    }

    /// Bytes read so far (the header included).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next record, `None` at the end of the file.
    pub fn next_service(&mut self) -> Result<Option<ProcService>, ProcError> {
        let Some((head, scheduler)) = self.next.take() else {
            return Ok(None);
        };
        let mut dests = Vec::new();
        loop {
            if self.done || !self.read_line()? {
                self.done = true;
                break;
            }
            let text = trim_newline(&self.line);
            if text.starts_with(b"  ->") {
                let d = parse_dest(text).ok_or_else(|| self.malformed())?;
                dests.push(d);
            } else {
                self.next = Some(parse_head(text).ok_or_else(|| self.malformed())?);
                break;
            }
        }
        Ok(Some(ProcService {
            head,
            scheduler,
            dests,
        }))
    }

    /// Reads the first service line after the header.
    fn advance_head(&mut self) -> Result<(), ProcError> {
        if !self.read_line()? {
            self.done = true;
            return Ok(());
        }
        let text = trim_newline(&self.line);
        self.next = Some(parse_head(text).ok_or_else(|| self.malformed())?);
        Ok(())
    }

    fn read_line(&mut self) -> Result<bool, ProcError> {
        self.line.clear();
        let n = self.input.read_until(b'\n', &mut self.line)?;
        self.bytes += n as u64;
        if n > 0 {
            self.line_no += 1;
        }
        Ok(n > 0)
    }

    fn malformed(&self) -> ProcError {
        ProcError::Malformed {
            line: self.line_no,
            text: String::from_utf8_lossy(trim_newline(&self.line)).into_owned(),
        }
    }
}

fn trim_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

fn words(text: &[u8]) -> impl Iterator<Item = &str> {
    ByteWords { b: text, at: 0 }.map(|w| std::str::from_utf8(w).unwrap_or("\u{fffd}"))
}

/// `PROTO  ADDR:PORT SCHED [ops] [persistent T MASK]` or `FWM  MARK SCHED ...`.
fn parse_head(text: &[u8]) -> Option<(ProcHead, String)> {
    let mut w = words(text);
    let protocol = w.next()?;
    let target = w.next()?;
    let scheduler = w.next()?.to_string();
    let head = if protocol == "FWM" {
        ProcHead::Fwmark(u32::from_str_radix(target, 16).ok()?)
    } else {
        let (addr, port) = parse_addr_port(target)?;
        ProcHead::Addr {
            protocol: protocol.to_string(),
            addr,
            port,
        }
    };
    Some((head, scheduler))
}

/// `  -> ADDR:PORT      FWD WEIGHT ACTIVE INACTIVE`. Read as bytes: this
/// runs once per real server of a listing, and checking each word as
/// UTF-8 and parsing it through `str` was most of a listing's own time.
fn parse_dest(text: &[u8]) -> Option<DestEntry> {
    let mut w = ByteWords { b: text, at: 0 };
    if w.next()? != b"->" {
        return None;
    }
    let (addr, port) = parse_addr_port_bytes(w.next()?)?;
    // The kernel prints every value it does not know as "Masq".
    let fwd = match w.next()? {
        b"Masq" => ForwardMethod::Masq,
        b"Local" => ForwardMethod::Local,
        b"Tunnel" => ForwardMethod::Tunnel,
        b"Route" => ForwardMethod::Route,
        _ => return None,
    };
    // Printed with %d from the kernel's signed atomics.
    let num = |s: &[u8]| decimal(s).map(|v| v as u32);
    let weight = num(w.next()?)?;
    let active_conns = num(w.next()?)?;
    let inact_conns = num(w.next()?)?;
    Some(DestEntry {
        dest: Destination {
            addr,
            port,
            fwd,
            weight,
            u_threshold: 0,
            l_threshold: 0,
            tun_type: TunnelType::Ipip,
            tun_port: 0,
            tun_flags: 0,
        },
        active_conns,
        inact_conns,
        persist_conns: 0,
        stats: Stats::default(),
    })
}

/// The space-separated words of a line (the kernel pads its columns with
/// runs of spaces; splitting at every space and dropping the empty pieces
/// cost a step per space).
struct ByteWords<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Iterator for ByteWords<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let b = self.b;
        let mut i = self.at;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b' ' {
            i += 1;
        }
        self.at = i;
        (i > start).then(|| &b[start..i])
    }
}

/// A `%d`: an optional minus and 1 to 19 decimal digits.
fn decimal(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// 1 to 8 hex digits (`%X`/`%x`).
fn hex(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    let mut v: u32 = 0;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = v << 4 | u32::from(d);
    }
    Some(v)
}

/// [`parse_addr_port`] on bytes; IPv4 (`%08X:%04X`) without going
/// through `str`.
fn parse_addr_port_bytes(s: &[u8]) -> Option<(IpAddr, u16)> {
    if s.len() == 13 && s[8] == b':' {
        let addr = hex(&s[..8])?;
        let port = u16::try_from(hex(&s[9..])?).ok()?;
        return Some((IpAddr::V4(Ipv4Addr::from(addr)), port));
    }
    parse_addr_port(std::str::from_utf8(s).ok()?)
}

/// `XXXXXXXX:PPPP` (IPv4 in host-order hex) or `[full IPv6]:PPPP`.
fn parse_addr_port(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.rsplit_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let addr = if let Some(v6) = addr.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        IpAddr::V6(v6.parse::<Ipv6Addr>().ok()?)
    } else {
        if addr.len() != 8 {
            return None;
        }
        IpAddr::V4(Ipv4Addr::from(u32::from_str_radix(addr, 16).ok()?))
    };
    Some((addr, port))
}

#[cfg(test)]
mod tests;
