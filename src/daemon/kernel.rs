//! The daemon's kernel side: one thread that owns the IPVS netlink socket
//! and runs every engine call, synchronously, one after another.
//!
//! Why a thread of its own: the netlink layer is synchronous (a request,
//! then its replies, under the table lock), and an engine call on a large
//! table takes a while; on a tokio worker it would stall the checks that
//! share that worker. Here the checks never wait for the kernel, and the
//! kernel never sees two of the daemon's changes interleaved. The thread
//! is started after the network namespace was entered, so its socket is
//! the namespace's.
//!
//! Each job takes the table lock for its own duration only (`ipvsadm`,
//! `lvsctl -a`, ldirectord wait for one engine call at most), and a busy
//! lock is an error the loop logs and retries at its next turn, never a
//! reason to stop.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::ipvs::{DestEntry, IpvsClient, ServiceEntry};
use crate::state::apply::{reconcile_with, ApplyReport, ReconcileOptions};
use crate::state::backend::{Backend, Kernel};
use crate::state::fake::FakeKernel;
use crate::state::lock::lock_table_with;
use crate::state::Table;

/// What the thread runs jobs against: the kernel's IPVS (under the table
/// lock), or an in-memory [`FakeKernel`] for tests of the daemon's loop
/// that run in milliseconds on any machine.
pub trait KernelSide: Send + 'static {
    /// The whole table, consistently.
    fn read(&mut self) -> Result<LiveTable, String>;
    /// One engine call.
    fn reconcile(&mut self, desired: &Table, opts: &ReconcileOptions) -> Result<ApplyReport, KernelError>;
}

impl KernelSide for IpvsClient {
    fn read(&mut self) -> Result<LiveTable, String> {
        self.table().map_err(|e| e.to_string())
    }
    fn reconcile(&mut self, desired: &Table, opts: &ReconcileOptions) -> Result<ApplyReport, KernelError> {
        let _lock = lock_table_with(LOCK_WAIT, &mut |_| {}).map_err(|e| KernelError::Lock(e.to_string()))?;
        reconcile_with(&mut Kernel::new(self), desired, opts, &mut |_| {}).map_err(KernelError::Engine)
    }
}

/// The fake, shared with the test that inspects it.
impl KernelSide for std::sync::Arc<std::sync::Mutex<FakeKernel>> {
    fn read(&mut self) -> Result<LiveTable, String> {
        let mut k = self.lock().map_err(|_| "fake kernel poisoned".to_string())?;
        k.table().map_err(|e| e.to_string())
    }
    fn reconcile(&mut self, desired: &Table, opts: &ReconcileOptions) -> Result<ApplyReport, KernelError> {
        let mut k = self.lock().map_err(|_| KernelError::Stopped)?;
        reconcile_with(&mut *k, desired, opts, &mut |_| {}).map_err(KernelError::Engine)
    }
}

/// How long one job waits for the table lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The live table as the kernel lists it, with counters.
pub type LiveTable = Vec<(ServiceEntry, Vec<DestEntry>)>;

/// What the loop asks of the kernel thread.
#[derive(Debug)]
pub enum Job {
    /// Read the whole table (consistently).
    Read {
        /// Answer.
        reply: oneshot::Sender<Result<LiveTable, String>>,
    },
    /// Make the kernel equal `desired` (under the table lock).
    Reconcile {
        /// The table wanted.
        desired: Box<Table>,
        /// What the run may touch.
        opts: ReconcileOptions,
        /// Answer: what was done.
        reply: oneshot::Sender<Result<ApplyReport, KernelError>>,
    },
}

/// The handle the loop keeps.
#[derive(Debug, Clone)]
pub struct KernelHandle {
    tx: mpsc::Sender<Job>,
}

impl KernelHandle {
    /// Starts the thread with its kernel side.
    pub fn start(mut kernel: impl KernelSide) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("lvsctl-kernel".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    match job {
                        Job::Read { reply } => {
                            let _ = reply.send(kernel.read());
                        }
                        Job::Reconcile { desired, opts, reply } => {
                            let _ = reply.send(kernel.reconcile(&desired, &opts));
                        }
                    }
                }
            })?;
        Ok(KernelHandle { tx })
    }

    /// Reads the live table.
    pub async fn read(&self) -> Result<LiveTable, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Read { reply })
            .map_err(|_| "the kernel thread has stopped".to_string())?;
        rx.await
            .map_err(|_| "the kernel thread has stopped".to_string())?
    }

    /// Reconciles.
    pub async fn reconcile(
        &self,
        desired: Table,
        opts: ReconcileOptions,
    ) -> Result<ApplyReport, KernelError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Reconcile {
                desired: Box::new(desired),
                opts,
                reply,
            })
            .map_err(|_| KernelError::Stopped)?;
        rx.await.map_err(|_| KernelError::Stopped)?
    }

    /// Reads the live table from a thread that is not a tokio worker
    /// (before the runtime starts).
    pub fn read_blocking(&self) -> Result<LiveTable, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Read { reply })
            .map_err(|_| "the kernel thread has stopped".to_string())?;
        rx.blocking_recv()
            .map_err(|_| "the kernel thread has stopped".to_string())?
    }
}

/// Why a reconcile failed.
#[derive(Debug)]
pub enum KernelError {
    /// The table lock was busy or unusable.
    Lock(String),
    /// The engine failed (a refusal is rolled back).
    Engine(crate::state::EngineError),
    /// The thread is gone.
    Stopped,
}
