//! The command being built (ipvsadm's `ipvs_command_entry`): each option
//! after the command is applied as it is read, then [`Entry::finish`]
//! runs ipvsadm's checks (`process_options`) and gives the [`Command`].

use super::clib::{atoi, inet_aton, string_to_number, truncate_bytes};
use super::matrix::{matrix_check, Cmd, Col, MATRIX, TUN_MATRIX, TUN_NAMES, TUN_OPTS};
use super::options::{Def, Opt};
use super::values::{host_to_addr, parse_fwmark, parse_mcast_group, parse_service, parse_timeout};
use super::{fail, try_help};
use crate::ipvs::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags, ServiceKey,
    SyncDaemon, Timeouts, TunnelType,
};
use crate::ipvsadm::{Command, ListOptions, ParseError};
use std::net::{IpAddr, Ipv4Addr};

/// Persistence timeout when `-p` has no value (`IPVS_SVC_PERSISTENT_TIMEOUT`).
const DEFAULT_PERSISTENT_TIMEOUT: u32 = 360;

/// Byte limits of ipvsadm's fixed-size name buffers (`strncpy` lengths).
const SCHED_NAME_MAX: usize = 15;
const PE_NAME_MAX: usize = 16;
const IFNAME_MAX: usize = 15;
/// `-b` is copied into a 128-byte buffer with `snprintf`.
const SCHED_FLAGS_MAX: usize = 127;

/// The command and every value given so far, with ipvsadm's defaults.
#[derive(Debug)]
pub(super) struct Entry {
    cmd: Cmd,
    /// Parsing a `-R` line.
    in_restore: bool,
    /// The [`Col`] bits of the options given.
    pub(super) options: u64,
    /// Service family; `None` until a service option sets it.
    svc_af: Option<AddressFamily>,
    /// Service protocol; `None` until a service option sets it.
    svc_protocol: Option<Protocol>,
    svc_addr: IpAddr,
    svc_port: u16,
    fwmark: u32,
    pub(super) sched_name: String,
    pub(super) flags: u32,
    timeout: u32,
    /// IPv4: the mask as a number; IPv6: the prefix length.
    netmask: u32,
    pe_name: String,
    pub(super) sched_flags_arg: String,
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
    pub(super) daemon_state: DaemonState,
    mcast_ifn: String,
    syncid: u32,
    sync_maxlen: u16,
    mcast_group: Option<IpAddr>,
    mcast_port: u16,
    mcast_ttl: u8,
    pub(super) timeouts: Timeouts,
}

impl Entry {
    pub(super) fn new(cmd: Cmd, in_restore: bool) -> Self {
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

    fn has(&self, col: Col) -> bool {
        self.options & col.bit() != 0
    }

    /// `set_option`: every tracked option may be given once.
    fn set_option(&mut self, col: Col) -> Result<(), ParseError> {
        if self.has(col) {
            return Err(fail(format!("multiple '{}' options specified", col.name())));
        }
        self.options |= col.bit();
        Ok(())
    }

    /// Applies one option after the command (the body of ipvsadm's
    /// option loop). `bad` is the word popt would blame.
    ///
    /// Every tracked option is first counted in its column (a repeat is
    /// an error before its value is looked at, as in ipvsadm), then its
    /// value is read.
    pub(super) fn apply(&mut self, def: &Def, value: Option<String>, bad: &str) -> Result<(), ParseError> {
        if let Some(col) = def.column {
            self.set_option(col)?;
        }
        // Every option with a required value has one; `-p` may not.
        let arg = value.clone().unwrap_or_default();
        let opt = def.opt;
        match opt {
            Opt::TcpService | Opt::UdpService | Opt::SctpService => {
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
                self.svc_af = Some(AddressFamily::Inet);
                self.svc_protocol = Some(Protocol::Tcp);
                self.fwmark = parse_fwmark(&arg, self.in_restore)?;
            }
            Opt::Scheduler => {
                self.sched_name = truncate_bytes(&arg, SCHED_NAME_MAX);
            }
            Opt::Persistent => {
                self.flags |= ServiceFlags::PERSISTENT;
                self.timeout = match &value {
                    None => DEFAULT_PERSISTENT_TIMEOUT,
                    Some(v) => parse_timeout(v, 1)?,
                };
            }
            Opt::Netmask => {
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
                let Some((addr, port)) = parse_service(&arg, self.svc_protocol) else {
                    return Err(fail("illegal real server address[:port] specified"));
                };
                self.dest_af = Some(AddressFamily::of(&addr));
                self.dest_addr = addr;
                // Without a port: the service port known at this point.
                self.dest_port = port.unwrap_or(self.svc_port);
            }
            Opt::Ipip => {
                self.fwd = ForwardMethod::Tunnel;
            }
            Opt::Gatewaying => {
                self.fwd = ForwardMethod::Route;
            }
            Opt::Masquerading => {
                self.fwd = ForwardMethod::Masq;
            }
            Opt::Weight => {
                // Debian's range (upstream 1.31: 0..65535).
                self.weight = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal weight specified"))? as u32;
            }
            Opt::UThreshold => {
                self.u_threshold = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal u_threshold specified"))?
                    as u32;
            }
            Opt::LThreshold => {
                self.l_threshold = string_to_number(&arg, 0, i64::from(i32::MAX))
                    .ok_or_else(|| fail("illegal l_threshold specified"))?
                    as u32;
            }
            Opt::McastInterface => {
                self.mcast_ifn = truncate_bytes(&arg, IFNAME_MAX);
            }
            Opt::SyncId => {
                self.syncid =
                    string_to_number(&arg, 0, 255).ok_or_else(|| fail("illegal syncid specified"))? as u32;
            }
            // Flags that only count in their column (listing choices).
            Opt::Numeric
            | Opt::Connection
            | Opt::Timeout
            | Opt::Daemon
            | Opt::Stats
            | Opt::Rate
            | Opt::Thresholds
            | Opt::PersistentConn
            | Opt::NoSort
            | Opt::Exact
            | Opt::TunInfo => {}
            // "for backwards compatibility": not even tracked.
            Opt::Sort => {}
            Opt::Ipv6 => {
                if self.fwmark == 0 {
                    return Err(fail("-6 used before -f\n"));
                }
                self.svc_af = Some(AddressFamily::Inet6);
                self.netmask = 128;
            }
            Opt::Ops => {
                self.flags |= ServiceFlags::ONEPACKET;
            }
            Opt::Pe => {
                self.pe_name = truncate_bytes(&arg, PE_NAME_MAX);
            }
            Opt::SchedFlags => {
                self.sched_flags_arg = truncate_bytes(&arg, SCHED_FLAGS_MAX);
            }
            Opt::McastGroup => {
                self.mcast_group = Some(parse_mcast_group(&arg)?);
            }
            Opt::McastPort => {
                self.mcast_port = string_to_number(&arg, 1, 65535)
                    .ok_or_else(|| fail("illegal mcast-port specified"))?
                    as u16;
            }
            Opt::McastTtl => {
                self.mcast_ttl =
                    string_to_number(&arg, 1, 255).ok_or_else(|| fail("illegal mcast-ttl specified"))? as u8;
            }
            Opt::SyncMaxlen => {
                self.sync_maxlen = string_to_number(&arg, 1, 65535 - 20 - 8)
                    .ok_or_else(|| fail("illegal sync-maxlen specified"))?
                    as u16;
            }
            Opt::TunType => {
                self.tun_type = TUN_NAMES
                    .iter()
                    .position(|n| *n == arg)
                    .ok_or_else(|| fail("illegal tunnel type specified"))?;
            }
            Opt::TunPort => {
                self.tun_port = string_to_number(&arg, 1, 65535)
                    .ok_or_else(|| fail("illegal tunnel port specified"))?
                    as u16;
            }
            Opt::TunNocsum => {
                self.tun_flags |= crate::ipvs::tun_flags::NOCSUM;
            }
            Opt::TunCsum => {
                self.tun_flags |= crate::ipvs::tun_flags::CSUM;
            }
            Opt::TunRemcsum => {
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
    pub(super) fn finish(mut self) -> Result<Command, ParseError> {
        matrix_check(
            MATRIX[self.cmd.index()],
            &Col::ALL,
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
            let tunnel_options = [
                Col::TunType,
                Col::TunPort,
                Col::TunNocsum,
                Col::TunCsum,
                Col::TunRemcsum,
            ];
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

        let has_service = self.has(Col::Service);
        Ok(match self.cmd {
            Cmd::List => {
                let formats = self.has(Col::Stats) || self.has(Col::Rate) || self.has(Col::Thresholds);
                if ((self.has(Col::Connection) || self.has(Col::Timeout) || self.has(Col::Daemon)) && formats)
                    || ((self.has(Col::Timeout) || self.has(Col::Daemon)) && self.has(Col::PersistentConn))
                {
                    return Err(fail("options conflicts in the list command"));
                }
                Command::List(ListOptions {
                    numeric: self.has(Col::Numeric),
                    service: has_service.then(|| self.service_key()),
                    nosort: self.has(Col::NoSort),
                    connection: self.has(Col::Connection),
                    timeout: self.has(Col::Timeout),
                    daemon: self.has(Col::Daemon),
                    stats: self.has(Col::Stats),
                    rate: self.has(Col::Rate),
                    thresholds: self.has(Col::Thresholds),
                    persistent_conn: self.has(Col::PersistentConn),
                    exact: self.has(Col::Exact),
                    tun_info: self.has(Col::TunInfo),
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
                numeric: self.has(Col::Numeric),
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
