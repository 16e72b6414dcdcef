//! One writer of a namespace's IPVS table at a time.
//!
//! `lvsctl apply` and `-R` read the live table, compute what to change and
//! push it; two runs interleaving those steps would each work from a
//! stale view. They take an exclusive `flock` on a file under
//! `/run/lvsctl/`, one per network namespace (keyed by its inode number,
//! as IPVS tables are per namespace), and wait for one another.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The directory of lock files.
pub const LOCK_DIR: &str = "/run/lvsctl";

/// How long a writer waits for another one by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock file could not be created or locked.
    #[error("lock file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Another writer held it for the whole wait.
    #[error("another lvsctl is changing this IPVS table (lock {path} held for {secs} s)")]
    Busy {
        /// The file.
        path: PathBuf,
        /// How long we waited.
        secs: u64,
    },
}

/// The lock file of the current network namespace's IPVS table.
pub fn lock_path() -> io::Result<PathBuf> {
    let ino = fs::metadata("/proc/thread-self/ns/net")
        .or_else(|_| fs::metadata("/proc/self/ns/net"))?
        .ino();
    Ok(Path::new(LOCK_DIR).join(format!("ipvs-netns-{ino}.lock")))
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct TableLock {
    _file: File,
}

/// Takes the current namespace's table lock, waiting up to `wait` for
/// another writer to finish.
pub fn lock_table(wait: Duration) -> Result<TableLock, LockError> {
    let path = lock_path().map_err(|source| LockError::Io {
        path: PathBuf::from("/proc/self/ns/net"),
        source,
    })?;
    let io_err = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    fs::create_dir_all(LOCK_DIR).map_err(io_err)?;
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err)?;
    let start = Instant::now();
    loop {
        // SAFETY: flock on a descriptor owned by `file`, alive for the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(TableLock { _file: file });
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => {}
            _ => return Err(io_err(e)),
        }
        if start.elapsed() >= wait {
            return Err(LockError::Busy {
                path,
                secs: wait.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
