//! ipvsadm 1.31's text formats: listings (`-L`), rules (`-S`), and the
//! sort order they use.
//!
//! Everything here is reproduced from ipvsadm's behaviour, quirks
//! included, because scripts compare this output byte for byte:
//!
//! * IPv4 service names are cut at 33 characters and IPv4 destination
//!   names at 28 (IPv6 ones are not cut); names are built in a 60-byte
//!   buffer, so longer ones lose their tail even in rules.
//! * Firewall marks print as a signed 32-bit number (`FWM  -1294967296`),
//!   as Debian's ipvsadm 1.31 does.
//! * Sorting uses a comparator that subtracts unsigned 32-bit values into
//!   a signed int, which wraps: it is not a total order, and the result
//!   depends on the exact merge sort glibc's `qsort` runs. [`msort`] is
//!   that merge sort, and [`cmp_services`]/[`cmp_dests`] that comparator.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::num;
use crate::host::netdb as names;
use crate::ipvs::{
    AddressFamily, DestEntry, ForwardMethod, Info, Protocol, Service, ServiceEntry, ServiceFlags, ServiceKey,
    TunnelType,
};

pub mod conn;

/// Which listing format, as ipvsadm's `FMT_*` flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Format {
    /// `-n`.
    pub numeric: bool,
    /// `-S`: rules instead of a listing.
    pub rule: bool,
    /// `--stats`.
    pub stats: bool,
    /// `--rate`.
    pub rate: bool,
    /// `--thresholds`.
    pub thresholds: bool,
    /// `--persistent-conn`.
    pub persistent_conn: bool,
    /// `--tun-info`.
    pub tun_info: bool,
    /// `--exact`.
    pub exact: bool,
    /// `--nosort`.
    pub nosort: bool,
}

impl Format {
    /// Whether this is the default listing, whose destination lines show
    /// only address, port, forwarding method, weight and the two
    /// connection counts (all of which `/proc/net/ip_vs` has).
    pub fn basic(&self) -> bool {
        !(self.rule || self.stats || self.rate || self.thresholds || self.persistent_conn || self.tun_info)
    }
}

/// The version line that starts a full listing.
pub fn header(info: &Info) -> String {
    format!(
        "IP Virtual Server version {} (size={})\n",
        info, info.conn_tab_size
    )
}

/// The column titles (empty for rules).
pub fn title(f: &Format) -> String {
    const ADDR: &str = "Prot LocalAddress:Port";
    if f.stats {
        format!(
            "{ADDR:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n  -> RemoteAddress:Port\n",
            "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
        )
    } else if f.rate {
        format!(
            "{ADDR:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n  -> RemoteAddress:Port\n",
            "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
        )
    } else if f.thresholds {
        format!(
            "{ADDR:<33} {:<10} {:<10} {:<10} {:<10}\n  -> RemoteAddress:Port\n",
            "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        )
    } else if f.persistent_conn {
        format!(
            "{ADDR:<33} {:<9} {:<11} {:<10} {:<10}\n  -> RemoteAddress:Port\n",
            "Weight", "PersistConn", "ActiveConn", "InActConn"
        )
    } else if f.tun_info {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n".to_string()
    } else if f.rule {
        String::new()
    } else {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n".to_string()
    }
}

/// glibc's `qsort` merge sort (top-down, left half `n/2`, ties and
/// "less or equal" taken from the left). With a non-transitive comparator
/// only this exact procedure gives ipvsadm's order.
pub fn msort<T: Clone>(v: &mut [T], cmp: &dyn Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    // The procedure runs on indices with one scratch buffer (entries are
    // large, and a buffer per merge was a visible share of a big
    // listing); the entries are then moved once into their order.
    let Ok(len) = u32::try_from(n) else {
        return msort_entries(v, cmp);
    };
    let mut idx: Vec<u32> = (0..len).collect();
    let mut tmp = vec![0u32; n];
    msort_idx(&mut idx, &mut tmp, v, cmp);
    let sorted: Vec<T> = idx.iter().map(|&i| v[i as usize].clone()).collect();
    v.clone_from_slice(&sorted);
}

/// [`msort`]'s merge sort on `idx`, indices into `v`.
fn msort_idx<T>(idx: &mut [u32], tmp: &mut [u32], v: &[T], cmp: &dyn Fn(&T, &T) -> i32) {
    let n = idx.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort_idx(&mut idx[..n1], &mut tmp[..n1], v, cmp);
    msort_idx(&mut idx[n1..], &mut tmp[n1..], v, cmp);
    let (mut i, mut j, mut k) = (0, n1, 0);
    while i < n1 && j < n {
        if cmp(&v[idx[i] as usize], &v[idx[j] as usize]) <= 0 {
            tmp[k] = idx[i];
            i += 1;
        } else {
            tmp[k] = idx[j];
            j += 1;
        }
        k += 1;
    }
    let rest = n1 - i;
    tmp[k..k + rest].copy_from_slice(&idx[i..n1]);
    tmp[k + rest..n].copy_from_slice(&idx[j..n]);
    idx.copy_from_slice(&tmp[..n]);
}

/// The same procedure on the entries themselves (more than `u32::MAX`
/// of them; kept as the reference the index version is tested against).
fn msort_entries<T: Clone>(v: &mut [T], cmp: &dyn Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort_entries(&mut v[..n1], cmp);
    msort_entries(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) <= 0 {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&merged);
}

/// `(u32 a) - (u32 b)` stored in a C `int`.
fn wrap_sub(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// The address as libipvs stores it: IPv4 in the first of four words.
fn words(addr: Option<&IpAddr>) -> [u32; 4] {
    match addr {
        Some(IpAddr::V4(a)) => [u32::from(*a), 0, 0, 0],
        Some(IpAddr::V6(a)) => {
            let o = a.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            [w(0), w(4), w(8), w(12)]
        }
        None => [0; 4],
    }
}

fn cmp_addr(af: AddressFamily, a: [u32; 4], b: [u32; 4]) -> i32 {
    match af {
        AddressFamily::Inet6 => {
            for i in 0..4 {
                let r = wrap_sub(a[i], b[i]);
                if r != 0 {
                    return r;
                }
            }
            0
        }
        AddressFamily::Inet => wrap_sub(a[0], b[0]),
    }
}

/// ipvsadm's service comparator (libipvs `ipvs_cmp_services`).
pub fn cmp_services(a: &Service, b: &Service) -> i32 {
    let parts = |s: &Service| match s.key {
        ServiceKey::Addr { protocol, addr, port } => (0u32, protocol.raw(), words(Some(&addr)), port),
        ServiceKey::Fwmark { mark, .. } => (mark, 0u16, words(None), 0u16),
    };
    let (fa, pa, wa, porta) = parts(a);
    let (fb, pb, wb, portb) = parts(b);
    let r = wrap_sub(fa, fb);
    if r != 0 {
        return r;
    }
    let r = i32::from(a.key.af().raw()) - i32::from(b.key.af().raw());
    if r != 0 {
        return r;
    }
    let r = i32::from(pa) - i32::from(pb);
    if r != 0 {
        return r;
    }
    let r = cmp_addr(a.key.af(), wa, wb);
    if r != 0 {
        return r;
    }
    i32::from(porta) - i32::from(portb)
}

/// ipvsadm's destination comparator (libipvs `ipvs_cmp_dests`); the
/// family of the first argument decides how addresses are compared.
pub fn cmp_dests(a: &DestEntry, b: &DestEntry) -> i32 {
    let r = cmp_addr(a.dest.af(), words(Some(&a.dest.addr)), words(Some(&b.dest.addr)));
    if r != 0 {
        return r;
    }
    i32::from(a.dest.port) - i32::from(b.dest.port)
}

/// Sorts services as `ipvsadm -L` does (unless `--nosort`).
pub fn sort_services(v: &mut [ServiceEntry]) {
    msort(v, &|a: &ServiceEntry, b: &ServiceEntry| {
        cmp_services(&a.service, &b.service)
    });
}

/// Sorts destinations as `ipvsadm -L` does (unless `--nosort`).
pub fn sort_dests(v: &mut [DestEntry]) {
    msort(v, &cmp_dests);
}

fn truncate(s: &mut String, n: usize) {
    if s.len() > n {
        let mut cut = n;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// `addrport_to_anyname`: `addr:port`, brackets for IPv6, names unless
/// numeric; at most 59 bytes.
pub fn addrport(addr: &IpAddr, port: u16, protocol: Protocol, numeric: bool) -> String {
    addrport_with(
        addr,
        port,
        protocol,
        numeric,
        &names::host_name,
        &names::service_name,
    )
}

/// [`addrport`] with the given host and service name lookups.
pub fn addrport_with(
    addr: &IpAddr,
    port: u16,
    protocol: Protocol,
    numeric: bool,
    host_name: &dyn Fn(&IpAddr) -> Option<String>,
    service_name: &dyn Fn(u16, Protocol) -> Option<String>,
) -> String {
    let (open, close) = match addr {
        IpAddr::V4(_) => ("", ""),
        IpAddr::V6(_) => ("[", "]"),
    };
    let mut s = if numeric {
        let mut s = String::with_capacity(24);
        s.push_str(open);
        push_ntop(&mut s, addr);
        s.push_str(close);
        s.push(':');
        num::push_num(&mut s, u64::from(port));
        s
    } else {
        let host = host_name(addr).unwrap_or_else(|| ntop(addr));
        let serv = service_name(port, protocol).unwrap_or_else(|| port.to_string());
        format!("{open}{host}{close}:{serv}")
    };
    truncate(&mut s, 59);
    s
}

/// [`addrport`]'s numeric text, appended: `ADDR:PORT`, brackets for IPv6
/// (never longer than 47 bytes, so never cut).
pub fn push_addrport_numeric(out: &mut String, addr: &IpAddr, port: u16) {
    let v6 = addr.is_ipv6();
    if v6 {
        out.push('[');
    }
    push_ntop(out, addr);
    if v6 {
        out.push(']');
    }
    out.push(':');
    num::push_num(out, u64::from(port));
}

/// glibc's `inet_ntop`. It differs from `Display` only for IPv6 addresses
/// with 96 zero bits and a non-zero seventh group (IPv4-compatible
/// addresses), which glibc writes as `::1.2.3.4` and Rust as `::102:304`.
pub fn ntop(addr: &IpAddr) -> String {
    let mut s = String::with_capacity(16);
    push_ntop(&mut s, addr);
    s
}

/// Appends [`ntop`]'s text.
fn push_ntop(out: &mut String, addr: &IpAddr) {
    match addr {
        IpAddr::V4(a) => num::push_ipv4(out, *a),
        IpAddr::V6(a) => {
            let seg = a.segments();
            if seg[..6] == [0; 6] && seg[6] != 0 {
                let [.., a, b, c, d] = a.octets();
                out.push_str("::");
                num::push_ipv4(out, std::net::Ipv4Addr::new(a, b, c, d));
            } else {
                let _ = write!(out, "{a}");
            }
        }
    }
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
        Protocol::Other(_) => "?",
    }
}

fn protocol_option(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "-t",
        Protocol::Udp => "-u",
        Protocol::Sctp => "--sctp-service",
        Protocol::Other(_) => "--xxx-service",
    }
}

/// The protocol whose service names apply to a service's ports (libipvs
/// leaves it 0 for firewall-mark services).
fn name_protocol(key: &ServiceKey) -> Protocol {
    match key {
        ServiceKey::Addr { protocol, .. } => *protocol,
        ServiceKey::Fwmark { .. } => Protocol::Other(0),
    }
}

/// How a service is named in listings (`TCP  1.2.3.4:80`, `FWM  5 IPv6`)
/// or rules (`-t 1.2.3.4:80`, `-f 5 -6`).
pub fn service_name(svc: &Service, f: &Format) -> String {
    match svc.key {
        ServiceKey::Fwmark { af, mark } => {
            let v6 = af == AddressFamily::Inet6;
            match (f.rule, v6) {
                (true, false) => format!("-f {}", mark as i32),
                (true, true) => format!("-f {} -6", mark as i32),
                (false, false) => format!("FWM  {}", mark as i32),
                (false, true) => format!("FWM  {} IPv6", mark as i32),
            }
        }
        ServiceKey::Addr { protocol, addr, port } => {
            let name = addrport(&addr, port, protocol, f.numeric);
            if f.rule {
                format!("{} {}", protocol_option(protocol), name)
            } else {
                let mut s = format!("{:<4} {}", protocol_name(protocol), name);
                if addr.is_ipv4() {
                    truncate(&mut s, 33);
                }
                s
            }
        }
    }
}

/// The scheduler flags as ipvsadm names them for this scheduler.
pub fn sched_flags(svc: &Service) -> String {
    let names: [&str; 3] = match svc.scheduler.as_str() {
        "sh" => ["sh-fallback", "sh-port", ""],
        "mh" => ["mh-fallback", "mh-port", ""],
        _ => ["flag-1", "flag-2", "flag-3"],
    };
    let bits = [ServiceFlags::SCHED1, ServiceFlags::SCHED2, ServiceFlags::SCHED3];
    let mut out: Vec<&str> = Vec::new();
    for (bit, name) in bits.iter().zip(names) {
        if svc.flags.has(*bit) && !name.is_empty() {
            out.push(name);
        }
    }
    out.join(",")
}

const ANY_SCHED_FLAG: u32 = ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3;

/// `print_largenum`.
fn largenum(out: &mut String, i: u64, exact: bool) {
    if exact {
        let len = i.to_string().len();
        let width = if len <= 8 { 9 } else { len + 1 };
        let _ = write!(out, "{i:>width$}");
    } else if i < 100_000_000 {
        let _ = write!(out, "{i:>9}");
    } else if i < 1_000_000_000 {
        let _ = write!(out, "{:>8}K", i / 1000);
    } else if i < 100_000_000_000 {
        let _ = write!(out, "{:>8}M", i / 1_000_000);
    } else if i < 100_000_000_000_000 {
        let _ = write!(out, "{:>8}G", i / 1_000_000_000);
    } else {
        let _ = write!(out, "{:>8}T", i / 1_000_000_000_000);
    }
}

fn fwd_name(m: ForwardMethod) -> &'static str {
    match m {
        ForwardMethod::Masq => "Masq",
        ForwardMethod::Local => "Local",
        ForwardMethod::Tunnel => "Tunnel",
        ForwardMethod::Route => "Route",
        ForwardMethod::Other(_) => "(null)",
    }
}

fn fwd_switch(m: ForwardMethod) -> &'static str {
    match m {
        ForwardMethod::Masq => "-m",
        ForwardMethod::Tunnel => "-i",
        ForwardMethod::Local | ForwardMethod::Route => "-g",
        ForwardMethod::Other(_) => "(null)",
    }
}

fn tun_flag_str(flags: u16) -> &'static str {
    match flags {
        0 => "-c",
        1 => "+c",
        2 => "r+c",
        _ => "?",
    }
}

fn tun_flag_opt(flags: u16) -> &'static str {
    match flags {
        0 => "--tun-nocsum",
        1 => "--tun-csum",
        2 => "--tun-remcsum",
        _ => "?",
    }
}

fn tun_name(t: TunnelType) -> &'static str {
    match t {
        TunnelType::Ipip => "ipip",
        TunnelType::Gue => "gue",
        TunnelType::Gre => "gre",
        TunnelType::Other(_) => "?",
    }
}

fn tun_info(d: &DestEntry) -> String {
    let e = &d.dest;
    if e.fwd != ForwardMethod::Tunnel {
        return "n/a".into();
    }
    let mut s = match e.tun_type {
        TunnelType::Ipip => "ipip".to_string(),
        TunnelType::Gue => format!("gue:{}:{}", e.tun_port, tun_flag_str(e.tun_flags)),
        TunnelType::Gre => format!("gre:{}", tun_flag_str(e.tun_flags)),
        TunnelType::Other(_) => return "n/a".into(),
    };
    truncate(&mut s, 15);
    s
}

/// ipvsadm reads a destination's 64-bit counters with 32-bit getters
/// (libipvs `ipvs_dests_parse_cb`), keeping only the low 32 bits of every
/// counter and rate except the byte counts. ipvsadm-mode output keeps that
/// so that it stays byte-identical; lvsctl's own listings do not.
fn truncated_dest_stats(s: &crate::ipvs::Stats) -> crate::ipvs::Stats {
    let low = |v: u64| v & 0xffff_ffff;
    crate::ipvs::Stats {
        conns: low(s.conns),
        inpkts: low(s.inpkts),
        outpkts: low(s.outpkts),
        inbytes: s.inbytes,
        outbytes: s.outbytes,
        cps: low(s.cps),
        inpps: low(s.inpps),
        outpps: low(s.outpps),
        inbps: low(s.inbps),
        outbps: low(s.outbps),
    }
}

/// Writes one service and its destinations (`print_service_entry`).
/// `dests` must already be in the order to print.
pub fn service_entry(out: &mut String, e: &ServiceEntry, dests: &[DestEntry], f: &Format) {
    let svc = &e.service;
    let name = service_name(svc, f);
    let v4 = svc.key.af() == AddressFamily::Inet;
    let persistent = svc.flags.has(ServiceFlags::PERSISTENT);
    if f.rule {
        let _ = write!(out, "-A {name}");
        service_rule_options(out, svc);
    } else if f.stats || f.rate {
        let _ = write!(out, "{name:<33}");
        let s = &e.stats;
        let vals = if f.stats {
            [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
        } else {
            [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        };
        for v in vals {
            largenum(out, v, f.exact);
        }
    } else {
        let _ = write!(out, "{} {}", name, svc.scheduler);
        if svc.flags.0 & ANY_SCHED_FLAG != 0 {
            let _ = write!(out, " ({})", sched_flags(svc));
        }
        if persistent {
            let _ = write!(out, " persistent {}", svc.timeout);
            if v4 && svc.netmask != u32::MAX {
                let _ = write!(out, " mask {}", svc.netmask_v4());
            } else if !v4 && svc.netmask != 128 {
                let _ = write!(out, " mask {}", svc.netmask as i32);
            }
            if let Some(pe) = &svc.pe_name {
                let _ = write!(out, " pe {pe}");
            }
        }
        if svc.flags.has(ServiceFlags::ONEPACKET) {
            out.push_str(" ops");
        }
    }
    out.push('\n');

    let proto = name_protocol(&svc.key);
    // Reused for every line (a large listing is mostly these lines).
    let mut dname = String::with_capacity(64);
    let mut num = String::with_capacity(24);
    for d in dests {
        let e = &d.dest;
        dname.clear();
        if f.numeric {
            push_addrport_numeric(&mut dname, &e.addr, e.port);
        } else {
            dname.push_str(&addrport(&e.addr, e.port, proto, false));
        }
        if !f.rule && e.addr.is_ipv4() {
            truncate(&mut dname, 28);
        }
        if f.rule {
            let _ = write!(out, "-a {name} -r {dname}");
            dest_rule_options(out, e);
            if f.thresholds {
                thresholds_rule(out, e);
            }
            out.push('\n');
        } else if f.stats {
            let _ = write!(out, "  -> {dname:<28}");
            let s = &truncated_dest_stats(&d.stats);
            for v in [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] {
                largenum(out, v, f.exact);
            }
            out.push('\n');
        } else if f.rate {
            let s = &truncated_dest_stats(&d.stats);
            let _ = write!(
                out,
                "  -> {dname:<28} {:>8} {:>8} {:>8}",
                s.cps, s.inpps, s.outpps
            );
            largenum(out, s.inbps, f.exact);
            largenum(out, s.outbps, f.exact);
            out.push('\n');
        } else if f.thresholds {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<10} {:<10} {:<10} {:<10}",
                e.u_threshold, e.l_threshold, d.active_conns, d.inact_conns
            );
        } else if f.persistent_conn {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<9} {:<11} {:<10} {:<10}",
                e.weight, d.persist_conns, d.active_conns, d.inact_conns
            );
        } else if f.tun_info {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<7} {:<13} {:<6} {:<10} {:<10}",
                fwd_name(e.fwd),
                tun_info(d),
                e.weight as i32,
                d.active_conns,
                d.inact_conns
            );
        } else {
            // `  -> {dname:<28} {fwd:<7} {weight:<6} {active:<10} {inactive:<10}`,
            // without core::fmt (the bulk of a large listing).
            num.clear();
            out.push_str("  -> ");
            num::push_padded(out, &dname, 28);
            out.push(' ');
            num::push_padded(out, fwd_name(e.fwd), 7);
            out.push(' ');
            num::push_signed(&mut num, i64::from(e.weight as i32));
            num::push_padded(out, &num, 6);
            out.push(' ');
            num.clear();
            num::push_num(&mut num, u64::from(d.active_conns));
            num::push_padded(out, &num, 10);
            out.push(' ');
            num.clear();
            num::push_num(&mut num, u64::from(d.inact_conns));
            num::push_padded(out, &num, 10);
            out.push('\n');
        }
    }
}

/// The options of a `-A`/`-E` rule after the service's name, as `-S`
/// writes them (` -s rr -p 300 ...`).
pub fn service_rule_options(out: &mut String, svc: &Service) {
    let v4 = svc.key.af() == AddressFamily::Inet;
    let _ = write!(out, " -s {}", svc.scheduler);
    if svc.flags.has(ServiceFlags::PERSISTENT) {
        let _ = write!(out, " -p {}", svc.timeout);
        if v4 && svc.netmask != u32::MAX {
            let _ = write!(out, " -M {}", svc.netmask_v4());
        } else if !v4 && svc.netmask != 128 {
            let _ = write!(out, " -M {}", svc.netmask as i32);
        }
    }
    if let Some(pe) = &svc.pe_name {
        let _ = write!(out, " --pe {pe}");
    }
    if svc.flags.has(ServiceFlags::ONEPACKET) {
        out.push_str(" -o");
    }
    if svc.flags.0 & ANY_SCHED_FLAG != 0 {
        let _ = write!(out, " -b {}", sched_flags(svc));
    }
}

/// The options of an `-a`/`-e` rule after the real server's name, as `-S`
/// writes them (` -m -w 1 ...`; no thresholds, which `-S` leaves out).
pub fn dest_rule_options(out: &mut String, e: &crate::ipvs::Destination) {
    out.push(' ');
    out.push_str(fwd_switch(e.fwd));
    out.push_str(" -w ");
    num::push_signed(out, i64::from(e.weight as i32));
    if e.fwd == ForwardMethod::Tunnel {
        match e.tun_type {
            TunnelType::Ipip => {
                let _ = write!(out, " --tun-type {}", tun_name(e.tun_type));
            }
            TunnelType::Gue => {
                let _ = write!(
                    out,
                    " --tun-type {} --tun-port {} {}",
                    tun_name(e.tun_type),
                    e.tun_port,
                    tun_flag_opt(e.tun_flags)
                );
            }
            TunnelType::Gre => {
                let _ = write!(
                    out,
                    " --tun-type {} {}",
                    tun_name(e.tun_type),
                    tun_flag_opt(e.tun_flags)
                );
            }
            TunnelType::Other(_) => {}
        }
    }
}

/// ` -x U -y L` when a threshold is set (lvsctl's rules, not ipvsadm's).
pub fn thresholds_rule(out: &mut String, e: &crate::ipvs::Destination) {
    if e.u_threshold != 0 || e.l_threshold != 0 {
        let _ = write!(out, " -x {} -y {}", e.u_threshold, e.l_threshold);
    }
}

/// A real server's name in rules (`192.0.2.1:80`, `[2001:db8::1]:80`).
pub fn dest_rule_name(key: &ServiceKey, e: &crate::ipvs::Destination) -> String {
    addrport(&e.addr, e.port, name_protocol(key), true)
}

#[cfg(test)]
mod tests;

/// One line of `-L --daemon`.
pub fn daemon_line(d: &crate::ipvs::SyncDaemon) -> String {
    let kind = d.state.as_str();
    let mut s = format!(
        "{kind} sync daemon (mcast={}, syncid={}",
        d.mcast_ifn, d.syncid as i32
    );
    if let Some(v) = d.sync_maxlen.filter(|v| *v != 0) {
        let _ = write!(s, ", maxlen={v}");
    }
    if let Some(g) = d.mcast_group {
        let _ = write!(s, ", group={g}");
    }
    if let Some(v) = d.mcast_port.filter(|v| *v != 0) {
        let _ = write!(s, ", port={v}");
    }
    if let Some(v) = d.mcast_ttl.filter(|v| *v != 0) {
        let _ = write!(s, ", ttl={v}");
    }
    s.push_str(")\n");
    s
}
