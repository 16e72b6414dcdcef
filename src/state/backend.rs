//! What the engine needs of a kernel, as a trait, so the same engine runs
//! against the real one ([`Kernel`]: the netlink client and the
//! `net.ipv4.vs.*` sysctl files) and against an in-memory fake
//! ([`super::fake::FakeKernel`]) in unit tests that run in milliseconds on
//! any machine.
//!
//! The seam is the typed [`Op`], not netlink messages: the engine's
//! questions (what is the table, apply these changes, stop after a
//! refusal) are the interesting part to fake; the bytes are covered by the
//! codec's golden tests and by the VM tests against the real kernel.

use std::collections::BTreeMap;
use std::io;

use crate::ipvs::{DestEntry, IpvsClient, IpvsError, Op, ServiceEntry, SyncDaemon, Timeouts};

/// One result per change sent; shorter than the changes when sending
/// stopped after a refusal.
pub type Results = Vec<Result<(), IpvsError>>;

/// A kernel the engine can read and change.
pub trait Backend {
    /// The whole service table, read consistently (see
    /// [`IpvsClient::table`]).
    fn table(&mut self) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, IpvsError>;
    /// Connection timeouts.
    fn timeouts(&mut self) -> Result<Timeouts, IpvsError>;
    /// Running sync daemons.
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError>;
    /// Sends changes in order, batched as the kernel allows; with
    /// `stop_after_refusal`, no further batch goes out once one had a
    /// refusal (the kernel carries on within a batch).
    fn push(
        &mut self,
        ops: &mut dyn Iterator<Item = &Op>,
        stop_after_refusal: bool,
    ) -> Result<Results, IpvsError>;
    /// Reads `net.ipv4.vs.<name>`.
    fn read_sysctl(&mut self, name: &str) -> io::Result<i64>;
    /// Writes `net.ipv4.vs.<name>`.
    fn write_sysctl(&mut self, name: &str, value: i64) -> io::Result<()>;

    /// Reads several sysctls.
    fn read_sysctls(
        &mut self,
        names: &mut dyn Iterator<Item = &str>,
    ) -> Result<BTreeMap<String, i64>, (String, io::Error)> {
        let mut out = BTreeMap::new();
        for name in names {
            let v = self.read_sysctl(name).map_err(|e| (name.to_string(), e))?;
            out.insert(name.to_string(), v);
        }
        Ok(out)
    }
}

/// The real kernel of the current network namespace: the IPVS netlink
/// client and the sysctl files under `/proc/sys/net/ipv4/vs`.
#[derive(Debug)]
pub struct Kernel<'a> {
    client: &'a mut IpvsClient,
}

impl<'a> Kernel<'a> {
    /// The kernel behind a connected client.
    pub fn new(client: &'a mut IpvsClient) -> Self {
        Kernel { client }
    }
}

impl Backend for Kernel<'_> {
    fn table(&mut self) -> Result<Vec<(ServiceEntry, Vec<DestEntry>)>, IpvsError> {
        self.client.table()
    }
    fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        self.client.timeouts()
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        self.client.daemons()
    }
    fn push(
        &mut self,
        ops: &mut dyn Iterator<Item = &Op>,
        stop_after_refusal: bool,
    ) -> Result<Results, IpvsError> {
        if stop_after_refusal {
            self.client.apply_until_refused(ops)
        } else {
            self.client.apply(ops)
        }
    }
    fn read_sysctl(&mut self, name: &str) -> io::Result<i64> {
        crate::host::sysctl::get_vs(name).map_err(|e| e.source)
    }
    fn write_sysctl(&mut self, name: &str, value: i64) -> io::Result<()> {
        crate::host::sysctl::set_vs(name, value).map_err(|e| e.source)
    }
}
