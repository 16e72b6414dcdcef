//! The IPVS connection table, as the kernel shows it in
//! `/proc/net/ip_vs_conn` (there is no netlink dump of connections).
//!
//! The file is per network namespace: it shows the namespace of the
//! process that reads it. Its first line is a header; every other line is
//! one connection or persistence template:
//!
//! ```text
//! Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
//! TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED     899
//! UDP C0A80A66 13C4 C0A80A03 13C4 0A000008 13C4 UDP             179 sip abcd1234@example.com
//! ```
//!
//! IPv4 addresses are 8 hex digits, IPv6 ones the full 8×4-digit form;
//! the destination has its own family (IPv6 clients can be tunnelled to
//! IPv4 real servers and back). Ports are 4 hex digits, the expiry is in
//! seconds, and the persistence engine's name and data follow only when
//! the connection has them. Templates of persistent services have protocol
//! `IP` and state `NONE`; for firewall-mark services their virtual address
//! is the mark (`00000001` is mark 1, shown by ipvsadm as `0.0.0.1`).
//!
//! [`parse_connections`] reads the text the way ipvsadm 1.31's `-c` does
//! (whitespace-separated fields, hex numbers as `strtoul` takes them, an
//! address is IPv6 if it parses as one, else dotted IPv4, else hex), so
//! that listings print what ipvsadm prints, with one deliberate
//! difference: ipvsadm reads lines into a 256-byte buffer and misparses
//! longer ones (IPv6 with persistence-engine data), while lines here are
//! read whole.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use super::Protocol;

/// Where the kernel shows the connection table.
pub const PROC_FILE: &str = "/proc/net/ip_vs_conn";

/// One entry of the connection table: a connection or a persistence
/// template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The protocol as the kernel names it: `TCP`, `UDP`, `SCTP`, `IP`
    /// (persistence templates), `ICMP`, `ICMPv6`, `IP_<n>`.
    pub protocol: String,
    /// The client's address and port (for templates, the client network
    /// and port 0).
    pub client: SocketAddr,
    /// The virtual service's address and port (for firewall-mark
    /// templates, the mark as an address and port 0). Same family as
    /// `client`.
    pub virtual_addr: SocketAddr,
    /// The real server's address and port; its family can differ from
    /// the client's.
    pub destination: SocketAddr,
    /// The protocol state as the kernel names it (`ESTABLISHED`,
    /// `SYN_RECV`, `UDP`, `NONE`, ...).
    pub state: String,
    /// Seconds until the entry expires.
    pub expires: u32,
    /// The persistence engine's name (`sip`), if the entry has engine
    /// data.
    pub pe_name: Option<String>,
    /// The persistence engine's data (for `sip`, the Call-ID).
    pub pe_data: Option<String>,
}

impl Connection {
    /// The IP protocol number behind [`Connection::protocol`], if it is a
    /// name the kernel uses.
    pub fn protocol_number(&self) -> Option<u8> {
        match self.protocol.as_str() {
            "IP" => Some(0),
            "ICMP" => Some(1),
            "IPIP" => Some(4),
            "TCP" => Some(6),
            "UDP" => Some(17),
            "GRE" => Some(47),
            "ICMPv6" => Some(58),
            "SCTP" => Some(132),
            other => other.strip_prefix("IP_").and_then(|n| n.parse().ok()),
        }
    }

    /// The transport protocol whose service names apply to the ports
    /// (TCP, UDP or SCTP); anything else, templates included, is
    /// `Protocol::Other`.
    pub fn transport(&self) -> Protocol {
        match self.protocol.as_str() {
            "TCP" => Protocol::Tcp,
            "UDP" => Protocol::Udp,
            "SCTP" => Protocol::Sctp,
            _ => Protocol::Other(self.protocol_number().map_or(0, u16::from)),
        }
    }
}

/// Why the connection table could not be read. The messages of
/// [`ConnError::Open`] (for [`PROC_FILE`]) and [`ConnError::NoHeader`] are
/// ipvsadm's.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The file could not be opened (no IPVS, or IPVS without
    /// `CONFIG_PROC_FS`).
    #[error("cannot open file {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file opened but reading it failed.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not even a header line.
    #[error("unexpected input from {PROC_FILE}")]
    NoHeader,
    /// A line with fewer than the nine fields every entry has (or with
    /// addresses of different families for client and virtual service).
    /// ipvsadm stops at a blank line and prints garbage for the others.
    #[error("unexpected input from {PROC_FILE}, line {line}: {text:?}")]
    Malformed {
        /// The line number, the header being line 1.
        line: usize,
        /// The line.
        text: String,
    },
}

/// Reads the connection table of the current network namespace.
pub fn read_connections() -> Result<Vec<Connection>, ConnError> {
    read_connections_from(Path::new(PROC_FILE))
}

/// Reads a connection table in the kernel's format from `path`.
pub fn read_connections_from(path: &Path) -> Result<Vec<Connection>, ConnError> {
    let mut file = std::fs::File::open(path).map_err(|source| ConnError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|source| ConnError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_connections(&String::from_utf8_lossy(&bytes))
}

/// Parses the text of `/proc/net/ip_vs_conn`: the first line (whatever it
/// says) is the header, every other line one entry. Fields beyond the
/// eleventh are ignored, as ipvsadm does.
pub fn parse_connections(text: &str) -> Result<Vec<Connection>, ConnError> {
    let mut lines = text.split_terminator('\n');
    if lines.next().is_none() {
        return Err(ConnError::NoHeader);
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            parse_line(line).ok_or_else(|| ConnError::Malformed {
                line: i + 2,
                text: line.to_string(),
            })
        })
        .collect()
}

/// One entry, read like ipvsadm's
/// `sscanf("%s %s %hX %s %hX %s %hX %s %d %s %s")`; `None` where ipvsadm
/// would stop or use values it never read.
fn parse_line(line: &str) -> Option<Connection> {
    // C stops at a NUL byte.
    let line = line.split('\0').next().unwrap_or("");
    let mut s = Scanner { rest: line };
    let protocol = s.word()?;
    let client = s.word()?;
    let cport = s.hex().map(|v| v as u16)?;
    let vaddr = s.word()?;
    let vport = s.hex().map(|v| v as u16)?;
    let daddr = s.word()?;
    let dport = s.hex().map(|v| v as u16)?;
    let state = s.word()?;
    // `%d` into an int, kept in an unsigned int.
    let expires = s.decimal().map(|v| v as i32 as u32)?;
    let pe_name = s.word();
    let pe_data = pe_name.and_then(|_| s.word());

    // The client's address decides the family of both it and the virtual
    // address.
    let (client, vaddr) = if let Ok(c) = client.parse::<Ipv6Addr>() {
        (IpAddr::V6(c), IpAddr::V6(vaddr.parse().ok()?))
    } else if let Ok(c) = client.parse::<Ipv4Addr>() {
        (IpAddr::V4(c), IpAddr::V4(vaddr.parse().ok()?))
    } else {
        (hex_ipv4(client), hex_ipv4(vaddr))
    };
    let daddr = if let Ok(d) = daddr.parse::<Ipv6Addr>() {
        IpAddr::V6(d)
    } else if let Ok(d) = daddr.parse::<Ipv4Addr>() {
        IpAddr::V4(d)
    } else {
        hex_ipv4(daddr)
    };
    Some(Connection {
        protocol: protocol.to_string(),
        client: SocketAddr::new(client, cport),
        virtual_addr: SocketAddr::new(vaddr, vport),
        destination: SocketAddr::new(daddr, dport),
        state: state.to_string(),
        expires,
        pe_name: pe_name.map(str::to_string),
        pe_data: pe_data.map(str::to_string),
    })
}

/// An IPv4 address in hex, read as `strtoul(s, NULL, 16)` cut to 32 bits
/// (anything unreadable is 0).
fn hex_ipv4(s: &str) -> IpAddr {
    let v = Scanner { rest: s }.hex().unwrap_or(0);
    IpAddr::V4(Ipv4Addr::from(v as u32))
}

/// `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Just enough of `sscanf`: each conversion skips leading white space and
/// takes the longest prefix that fits; `None` means the conversion failed
/// (end of input, or no digits).
struct Scanner<'a> {
    rest: &'a str,
}

impl<'a> Scanner<'a> {
    fn skip_space(&mut self) {
        let n = self.rest.bytes().take_while(|b| is_c_space(*b)).count();
        self.rest = &self.rest[n..];
    }

    /// `%s`: a run of non-space characters.
    fn word(&mut self) -> Option<&'a str> {
        self.skip_space();
        let n = self.rest.bytes().take_while(|b| !is_c_space(*b)).count();
        if n == 0 {
            return None;
        }
        let (w, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(w)
    }

    /// An optional sign; `true` for minus.
    fn sign(&mut self) -> bool {
        match self.rest.as_bytes().first() {
            Some(b'-') => {
                self.rest = &self.rest[1..];
                true
            }
            Some(b'+') => {
                self.rest = &self.rest[1..];
                false
            }
            _ => false,
        }
    }

    /// `%X`/`strtoul(.., 16)`: optional sign and `0x`, hex digits; the
    /// value saturates at the unsigned long maximum and a minus negates it.
    fn hex(&mut self) -> Option<u64> {
        self.skip_space();
        let negative = self.sign();
        let b = self.rest.as_bytes();
        if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit() {
            self.rest = &self.rest[2..];
        }
        let n = self.rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        if n == 0 {
            return None;
        }
        let mut v: u64 = 0;
        for c in self.rest[..n].chars() {
            let d = u64::from(c.to_digit(16).unwrap_or(0));
            v = v
                .checked_mul(16)
                .and_then(|v| v.checked_add(d))
                .unwrap_or(u64::MAX);
        }
        self.rest = &self.rest[n..];
        Some(if negative { v.wrapping_neg() } else { v })
    }

    /// `%d` (read as a long, which saturates).
    fn decimal(&mut self) -> Option<i64> {
        self.skip_space();
        let negative = self.sign();
        let n = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let mut v: i64 = 0;
        for c in self.rest[..n].bytes() {
            let d = i64::from(c - b'0');
            v = v
                .checked_mul(10)
                .and_then(|v| {
                    if negative {
                        v.checked_sub(d)
                    } else {
                        v.checked_add(d)
                    }
                })
                .unwrap_or(if negative { i64::MIN } else { i64::MAX });
        }
        self.rest = &self.rest[n..];
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_entry() {
        let text = format!("{HEADER}TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED     899\n");
        let c = parse_connections(&text).unwrap();
        assert_eq!(
            c,
            vec![Connection {
                protocol: "TCP".into(),
                client: sa("192.168.10.100:54321"),
                virtual_addr: sa("192.168.10.1:80"),
                destination: sa("10.0.0.2:80"),
                state: "ESTABLISHED".into(),
                expires: 899,
                pe_name: None,
                pe_data: None,
            }]
        );
        assert_eq!(c[0].transport(), Protocol::Tcp);
        assert_eq!(c[0].protocol_number(), Some(6));
    }

    #[test]
    fn fwmark_template_and_pe_data() {
        let text = format!(
            "{HEADER}IP  C0A80A64 0000 00000001 0000 0A000007 0000 NONE            100\n\
             UDP C0A80A66 13C4 C0A80A03 13C4 0A000008 13C4 UDP             179 sip abcd1234@example.com\n"
        );
        let c = parse_connections(&text).unwrap();
        assert_eq!(c[0].virtual_addr, sa("0.0.0.1:0"));
        assert_eq!(c[0].transport(), Protocol::Other(0));
        assert_eq!(c[0].state, "NONE");
        assert_eq!(c[1].pe_name.as_deref(), Some("sip"));
        assert_eq!(c[1].pe_data.as_deref(), Some("abcd1234@example.com"));
    }

    #[test]
    fn ipv6_and_mixed_families() {
        let text = format!(
            "{HEADER}TCP 2001:0db8:0000:0000:0000:0000:0000:0064 D431 2001:0db8:0000:0000:0000:0000:0000:0001 01BB 2001:0db8:0000:0000:0000:0000:0000:0010 01BB SYN_RECV         59\n\
             TCP 2001:0db8:0000:0000:0000:0000:0000:0064 D431 2001:0db8:0000:0000:0000:0000:0000:0001 01BB 0A000002 01BB ESTABLISHED     899\n\
             TCP C0A80A64 D432 C0A80A01 01BB 2001:0db8:0000:0000:0000:0000:0000:0010 01BB ESTABLISHED     899\n"
        );
        let c = parse_connections(&text).unwrap();
        assert_eq!(c[0].client, sa("[2001:db8::64]:54321"));
        assert_eq!(c[0].destination, sa("[2001:db8::10]:443"));
        assert_eq!(c[1].virtual_addr, sa("[2001:db8::1]:443"));
        assert_eq!(c[1].destination, sa("10.0.0.2:443"));
        assert_eq!(c[2].client, sa("192.168.10.100:54322"));
        assert_eq!(c[2].destination, sa("[2001:db8::10]:443"));
    }

    #[test]
    fn header_only_and_empty() {
        assert_eq!(parse_connections(HEADER).unwrap(), vec![]);
        // Any first line is taken as the header, as ipvsadm does.
        assert_eq!(parse_connections("\n").unwrap(), vec![]);
        assert!(matches!(parse_connections(""), Err(ConnError::NoHeader)));
        assert_eq!(
            ConnError::NoHeader.to_string(),
            "unexpected input from /proc/net/ip_vs_conn"
        );
    }

    #[test]
    fn open_errors() {
        let e = read_connections_from(Path::new("/nonexistent/lvsctl/ip_vs_conn")).unwrap_err();
        assert!(matches!(e, ConnError::Open { .. }), "{e:?}");
        assert_eq!(e.to_string(), "cannot open file /nonexistent/lvsctl/ip_vs_conn");
        let e = ConnError::Open {
            path: PROC_FILE.into(),
            source: std::io::ErrorKind::NotFound.into(),
        };
        assert_eq!(e.to_string(), "cannot open file /proc/net/ip_vs_conn");
    }

    #[test]
    fn empty_file_is_unexpected_input() {
        let path = std::env::temp_dir().join(format!("lvsctl-conn-empty-{}", std::process::id()));
        std::fs::write(&path, "").unwrap();
        let r = read_connections_from(&path);
        let _ = std::fs::remove_file(&path);
        let e = r.unwrap_err();
        assert!(matches!(e, ConnError::NoHeader), "{e:?}");
        assert_eq!(e.to_string(), "unexpected input from /proc/net/ip_vs_conn");
    }

    #[test]
    fn malformed_lines_are_errors() {
        for bad in [
            "",
            "   ",
            "TCP",
            "TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED",
            "TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED abc",
            "TCP C0A80A64 zzzz C0A80A01 0050 0A000002 0050 ESTABLISHED 1",
            // Client IPv6, virtual not: ipvsadm would print an address it
            // never read.
            "TCP ::1 0001 C0A80A01 0050 0A000002 0050 ESTABLISHED 1",
            "TCP 1.2.3.4 0001 C0A80A01 0050 0A000002 0050 ESTABLISHED 1",
            "\u{0}TCP C0A80A64 D431 C0A80A01 0050 0A000002 0050 ESTABLISHED 1",
        ] {
            let text = format!("{HEADER}{bad}\n");
            match parse_connections(&text) {
                Err(ConnError::Malformed { line: 2, text }) => assert_eq!(text, bad),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn lenient_like_sscanf_and_strtoul() {
        // Dotted addresses, 0x prefixes, oversized and signed numbers,
        // garbage hex and extra fields are read as ipvsadm reads them.
        let text = format!(
            "{HEADER}TCP 1.2.3.4 0x50 5.6.7.8 1FFFF 0A00000Z -1 X 4294967295 pe data extra\n\
             SCTP zz 10 123456789 0 0 0 CLOSED -61\n\
             UDP C0A80A64 0035:C0A80A01 0035 0A000005 0035 UDP 5\n"
        );
        let c = parse_connections(&text).unwrap();
        assert_eq!(c[0].client, sa("1.2.3.4:80"));
        assert_eq!(c[0].virtual_addr, sa("5.6.7.8:65535"));
        assert_eq!(c[0].destination, sa("0.160.0.0:65535"));
        assert_eq!(c[0].expires, u32::MAX);
        assert_eq!(c[0].pe_name.as_deref(), Some("pe"));
        assert_eq!(c[0].pe_data.as_deref(), Some("data"));
        assert_eq!(c[1].client, sa("0.0.0.0:16"));
        assert_eq!(c[1].virtual_addr, sa("35.69.103.137:0"));
        assert_eq!(c[1].expires, (-61i32) as u32);
        // `%hX` stops after the digits it can use and the next field
        // starts there: the virtual address is ":C0A80A01", which reads as 0.
        assert_eq!(c[2].client, sa("192.168.10.100:53"));
        assert_eq!(c[2].virtual_addr, sa("0.0.0.0:53"));
        assert_eq!(c[2].destination, sa("10.0.0.5:53"));
    }

    #[test]
    fn pe_name_without_data() {
        let text = format!("{HEADER}UDP C0A80A66 13C4 C0A80A03 13C4 0A000008 13C4 UDP 179 sip \n");
        let c = parse_connections(&text).unwrap();
        assert_eq!(c[0].pe_name.as_deref(), Some("sip"));
        assert_eq!(c[0].pe_data, None);
    }

    #[test]
    fn protocol_numbers() {
        let mut c = parse_connections(&format!("{HEADER}IP_99 0 0 0 0 0 0 X 0\n")).unwrap();
        assert_eq!(c[0].protocol_number(), Some(99));
        assert_eq!(c[0].transport(), Protocol::Other(99));
        c[0].protocol = "SCTP".into();
        assert_eq!(c[0].transport(), Protocol::Sctp);
        c[0].protocol = "weird".into();
        assert_eq!(c[0].protocol_number(), None);
        assert_eq!(c[0].transport(), Protocol::Other(0));
    }
}
