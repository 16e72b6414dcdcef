//! A client for the kernel's IPVS Generic Netlink family.

use super::codec::{self, request, IpvsMessage};
use super::model::*;
use super::op::Op;
use super::proc;
use crate::netlink::{GenlSocket, NetlinkError, Reply};

/// Errors of IPVS operations.
#[derive(Debug, thiserror::Error)]
pub enum IpvsError {
    /// The kernel has no IPVS (the `IPVS` Generic Netlink family is not
    /// registered and could not be loaded).
    #[error("IPVS is not available in this kernel (no \"IPVS\" generic netlink family)")]
    NotAvailable,
    /// The kernel refused a request, or the socket failed.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    /// A reply could not be understood.
    #[error("malformed IPVS reply: {0}")]
    Decode(String),
    /// The table changed under every attempt to read it whole.
    #[error("the IPVS table kept changing while it was read ({SNAPSHOT_ROUNDS} attempts)")]
    Unstable,
}

impl IpvsError {
    /// The errno behind this error, if any (`EPERM`, `EEXIST`, ...).
    pub fn errno(&self) -> Option<i32> {
        match self {
            IpvsError::Netlink(e) => e.errno(),
            _ => None,
        }
    }

    /// The kernel's extended-ack message, if it sent one.
    pub fn extack(&self) -> Option<&str> {
        match self {
            IpvsError::Netlink(NetlinkError::Kernel { extack, .. }) => extack.as_deref(),
            _ => None,
        }
    }
}

impl From<netlink_packet_core::DecodeError> for IpvsError {
    fn from(e: netlink_packet_core::DecodeError) -> Self {
        IpvsError::Decode(e.to_string())
    }
}

/// One socket to the kernel's IPVS, with the family id resolved once.
#[derive(Debug)]
pub struct IpvsClient {
    sock: GenlSocket,
    family: u16,
}

impl IpvsClient {
    /// Opens a socket and resolves the `IPVS` family. Resolving it makes the
    /// kernel load `ip_vs` when it is a module.
    pub fn connect() -> Result<Self, IpvsError> {
        let mut sock = GenlSocket::open()?;
        let family = match sock.resolve_family(codec::FAMILY_NAME) {
            Ok(f) => f,
            Err(NetlinkError::FamilyNotFound(_)) => return Err(IpvsError::NotAvailable),
            Err(e) => return Err(e.into()),
        };
        Ok(IpvsClient { sock, family })
    }

    fn call(&mut self, msg: IpvsMessage) -> Result<Vec<IpvsMessage>, IpvsError> {
        Ok(self.sock.request(self.family, msg, false)?)
    }

    /// A do-request answered by exactly one message.
    fn call_one(&mut self, msg: IpvsMessage, what: &str) -> Result<IpvsMessage, IpvsError> {
        self.call(msg)?
            .into_iter()
            .next()
            .ok_or_else(|| IpvsError::Decode(format!("empty {what} reply")))
    }

    fn dump(&mut self, msg: IpvsMessage) -> Result<Vec<IpvsMessage>, IpvsError> {
        Ok(self.sock.request(self.family, msg, true)?)
    }

    /// IPVS version and connection table size.
    pub fn info(&mut self) -> Result<Info, IpvsError> {
        let reply = self.call_one(request::get_info(), "GET_INFO")?;
        Ok(codec::decode_info(&reply)?)
    }

    /// Every service, in the kernel's order (decoded as the dump arrives,
    /// so a large table's messages are never all held at once).
    pub fn services(&mut self) -> Result<Vec<ServiceEntry>, IpvsError> {
        let mut out = Vec::new();
        self.services_each(&mut |s| match s {
            Some(s) => out.push(s),
            None => out.clear(),
        })?;
        // Held for the whole of a table read: without the growth slack
        // (up to half of it; 2 MiB at 20,000 services).
        out.shrink_to_fit();
        Ok(out)
    }

    /// Dumps the services, handing each to `each` as it is decoded;
    /// `None` means the dump was interrupted and starts over.
    fn services_each(&mut self, each: &mut dyn FnMut(Option<ServiceEntry>)) -> Result<(), IpvsError> {
        let mut bad: Option<IpvsError> = None;
        self.sock
            .dump_each(self.family, request::dump_services(), &mut |r| {
                match r {
                    Reply::Restart => each(None),
                    Reply::Message(m) => match codec::decode_service(&m) {
                        Ok(s) => each(Some(s)),
                        Err(e) => {
                            bad.get_or_insert(e.into());
                        }
                    },
                }
                Ok(())
            })?;
        match bad {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// One service (`ESRCH` if it does not exist).
    pub fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, IpvsError> {
        let reply = self.call_one(request::get_service(key), "GET_SERVICE")?;
        Ok(codec::decode_service(&reply)?)
    }

    /// The destinations of a service, in the kernel's order (newest
    /// first). The kernel answers an empty list for a missing service.
    pub fn destinations(&mut self, key: &ServiceKey) -> Result<Vec<DestEntry>, IpvsError> {
        let af = key.af();
        self.dump(request::dump_dests(key))?
            .iter()
            .map(|m| codec::decode_dest(m, af).map_err(IpvsError::from))
            .collect()
    }

    /// Connection timeouts.
    pub fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        let reply = self.call_one(request::get_config(), "GET_CONFIG")?;
        Ok(codec::decode_timeouts(&reply)?)
    }

    /// Running sync daemons.
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        let mut out = Vec::new();
        for m in self.dump(request::dump_daemons())? {
            if let Some(d) = codec::decode_daemon(&m)? {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Applies one change and waits for the kernel's answer.
    pub fn execute(&mut self, op: &Op) -> Result<(), IpvsError> {
        self.call(op.message()).map(|_| ())
    }

    /// Applies many changes in as few system calls as the kernel allows,
    /// in order, and returns one result per change. The kernel carries on
    /// after a refused change; nothing is undone here.
    pub fn apply<'a>(
        &mut self,
        ops: impl IntoIterator<Item = &'a Op>,
    ) -> Result<Vec<Result<(), IpvsError>>, IpvsError> {
        self.push(ops, false)
    }

    /// Like [`IpvsClient::apply`], but sends no further batch once a
    /// change was refused: the result may be shorter than `ops`, and the
    /// changes it reports as done (and only those) have to be undone for
    /// all-or-nothing.
    pub fn apply_until_refused<'a>(
        &mut self,
        ops: impl IntoIterator<Item = &'a Op>,
    ) -> Result<Vec<Result<(), IpvsError>>, IpvsError> {
        self.push(ops, true)
    }

    fn push<'a>(
        &mut self,
        ops: impl IntoIterator<Item = &'a Op>,
        stop: bool,
    ) -> Result<Vec<Result<(), IpvsError>>, IpvsError> {
        let results = self.sock.batch(self.family, ops, stop)?;
        Ok(results.into_iter().map(|r| r.map_err(IpvsError::from)).collect())
    }

    /// The resolved id of the `IPVS` family.
    pub fn family(&self) -> u16 {
        self.family
    }

    /// The underlying socket, for sending pre-encoded batches
    /// ([`GenlSocket::encode_batch`]).
    pub fn socket_mut(&mut self) -> &mut GenlSocket {
        &mut self.sock
    }

    /// The whole table, services with their destinations (kernel order),
    /// as it was at one moment even while other processes change it.
    ///
    /// The kernel has no dump of services and destinations together:
    /// destinations are dumped per service, and a destination dump of a
    /// service deleted meanwhile answers an empty list (ipvsadm then shows
    /// the service without destinations). So the services are dumped again
    /// after the destinations. When the two service dumps differ, the
    /// round is repeated with every destination read afresh (at most
    /// [`SNAPSHOT_ROUNDS`] times): reusing the destinations read before
    /// could combine one service as it was before a change with another as
    /// it was after a later one. A change by another process thus shows as
    /// the table before or after it, never half-done.
    pub fn table(&mut self) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, IpvsError> {
        let (services, dests) = self.table_with(|_, _, dests| dests)?;
        Ok(services.into_iter().zip(dests).collect())
    }

    /// [`IpvsClient::table`], with each service's destinations handed to
    /// `per_service` as soon as they are read, so a caller that only needs
    /// something smaller (a listing's text, say) never holds the whole
    /// table's destinations: a 100,000-destination `-Ln` then peaks at a
    /// fraction of the memory. `round` counts the attempts from 0; a caller
    /// that accumulates outside the closure starts over when it changes.
    /// The services come back in kernel order, each with what
    /// `per_service` made of it at the same index.
    pub fn table_with<T>(
        &mut self,
        per_service: impl FnMut(usize, &ServiceEntry, Vec<DestEntry>) -> T,
    ) -> Result<(Vec<ServiceEntry>, Vec<T>), IpvsError> {
        self.table_rounds(0, per_service)
    }

    /// [`IpvsClient::table_with`] for a caller that needs of each
    /// destination only what ipvsadm's default listing shows: address,
    /// port, forwarding method, weight, active and inactive connections.
    /// Every other destination field comes back zero. The destinations are
    /// read from `/proc/net/ip_vs` ([`super::proc`]: one file instead of a
    /// dump per service), at most [`proc::BUDGET`] bytes of it, the rest
    /// dumped; the services come from dumps before and after, compared as
    /// in [`IpvsClient::table`], and each record of the file must be the
    /// dumped service at its position. On any difference, or when the file
    /// cannot be read, the table is read again with per-service dumps
    /// (rounds from 1, so a caller that accumulates starts over).
    pub fn table_basic_with<T>(
        &mut self,
        mut per_service: impl FnMut(usize, &ServiceEntry, Vec<DestEntry>) -> T,
    ) -> Result<(Vec<ServiceEntry>, Vec<T>), IpvsError> {
        let services = self.services()?;
        if let Some(dests) = self.proc_round(&services, &mut per_service)? {
            if self.services_unchanged(&services)? {
                return Ok((services, dests));
            }
        }
        self.table_rounds(1, per_service)
    }

    /// Round 0 of [`IpvsClient::table_basic_with`]: `None` when the file
    /// cannot be read or does not match `services`.
    fn proc_round<T>(
        &mut self,
        services: &[ServiceEntry],
        per_service: &mut impl FnMut(usize, &ServiceEntry, Vec<DestEntry>) -> T,
    ) -> Result<Option<Vec<T>>, IpvsError> {
        let Ok(mut file) = proc::ProcReader::open() else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(services.len());
        while out.len() < services.len() && file.bytes_read() < proc::BUDGET {
            let s = &services[out.len()];
            match file.next_service() {
                Ok(Some(rec)) if rec.is(&s.service) => out.push(per_service(0, s, rec.dests)),
                _ => return Ok(None),
            }
        }
        if out.len() == services.len() {
            // The file must end where the dump did.
            if !matches!(file.next_service(), Ok(None)) {
                return Ok(None);
            }
        } else {
            drop(file);
            for s in &services[out.len()..] {
                let d = self.destinations(&s.service.key)?;
                out.push(per_service(0, s, d));
            }
        }
        Ok(Some(out))
    }

    /// The rounds of [`IpvsClient::table_with`], counted from `first`.
    fn table_rounds<T>(
        &mut self,
        first: usize,
        mut per_service: impl FnMut(usize, &ServiceEntry, Vec<DestEntry>) -> T,
    ) -> Result<(Vec<ServiceEntry>, Vec<T>), IpvsError> {
        let mut services = self.services()?;
        for round in first..first + SNAPSHOT_ROUNDS {
            let mut dests = Vec::with_capacity(services.len());
            for s in &services {
                let d = self.destinations(&s.service.key)?;
                dests.push(per_service(round, s, d));
            }
            if self.services_unchanged(&services)? {
                return Ok((services, dests));
            }
            drop(dests);
            services = self.services()?;
        }
        Err(IpvsError::Unstable)
    }

    /// Whether a new service dump shows `services` exactly: the same
    /// services with the same configuration in the same order. Compared
    /// as the dump arrives, so a large table's services are not held
    /// twice. (Without a change the kernel lists its hash table in the
    /// same order every time; a different order means something changed,
    /// and at worst costs one more round.)
    fn services_unchanged(&mut self, services: &[ServiceEntry]) -> Result<bool, IpvsError> {
        let mut seen = 0usize;
        let mut same = true;
        self.services_each(&mut |s| match s {
            None => {
                seen = 0;
                same = true;
            }
            Some(s) => {
                same = same
                    && services
                        .get(seen)
                        .is_some_and(|b| same_config(&b.service, &s.service));
                seen += 1;
            }
        })?;
        Ok(same && seen == services.len())
    }

    /// One service and its destinations, read consistently (see
    /// [`IpvsClient::table`]); `ESRCH` if the service does not exist.
    pub fn service_table(&mut self, key: &ServiceKey) -> Result<(ServiceEntry, Vec<DestEntry>), IpvsError> {
        let mut first = self.service(key)?;
        for _ in 0..SNAPSHOT_ROUNDS {
            let dests = self.destinations(key)?;
            let again = self.service(key)?;
            if same_config(&first.service, &again.service) {
                return Ok((again, dests));
            }
            first = again;
        }
        Err(IpvsError::Unstable)
    }
}

/// How many times [`IpvsClient::table`] re-reads a table that keeps
/// changing before it gives up.
pub const SNAPSHOT_ROUNDS: usize = 20;

/// Whether two reads of a service show the same configuration (the
/// kernel's `HASHED` flag aside).
fn same_config(a: &Service, b: &Service) -> bool {
    let strip = |s: &Service| ServiceFlags(s.flags.0 & !ServiceFlags::HASHED);
    a.key == b.key
        && a.scheduler == b.scheduler
        && strip(a) == strip(b)
        && a.timeout == b.timeout
        && a.netmask == b.netmask
        && a.pe_name == b.pe_name
}
