//! One writer of a namespace's IPVS table at a time.
//!
//! `lvsctl apply` and `-R` read the live table, compute what to change and
//! push it; two runs interleaving those steps would each work from a
//! stale view. They take an exclusive `flock` on a file under
//! `/run/lvsctl/`, one per network namespace (keyed by its inode number,
//! as IPVS tables are per namespace), and wait for one another.
//!
//! The holder writes its PID and command line into the file once it has
//! the lock, and empties it before letting go, so that a waiter can say
//! whom it waits for ([`LockOwner`]). The record is only ever believed
//! while the file is locked by someone and the recorded process exists:
//! a holder that died leaves its record behind, but not its `flock` (the
//! kernel drops that with the descriptor).

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The directory of lock files.
pub const LOCK_DIR: &str = "/run/lvsctl";

/// How long a writer waits for another one by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The longest command line recorded (bytes).
const MAX_COMMAND: usize = 1024;

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
        /// Who held it last we looked, if it said.
        owner: Option<LockOwner>,
    },
}

/// Who holds a table lock, as its holder recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOwner {
    /// Its process id.
    pub pid: u32,
    /// Its command line, arguments separated by spaces.
    pub command: String,
}

impl fmt::Display for LockOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PID {} ({})", self.pid, self.command)
    }
}

impl LockOwner {
    /// This process.
    fn me() -> LockOwner {
        // From the arguments std already holds (reading /proc/self/cmdline
        // cost seven system calls on every one-shot change); lossy, as an
        // argument need not be UTF-8.
        let command = std::env::args_os()
            .filter(|a| !a.is_empty())
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let mut command: String = command
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if command.len() > MAX_COMMAND {
            let mut end = MAX_COMMAND;
            while !command.is_char_boundary(end) {
                end -= 1;
            }
            command.truncate(end);
        }
        LockOwner {
            pid: std::process::id(),
            command,
        }
    }

    /// The record: the PID on one line, the command on the next.
    fn record(&self) -> String {
        format!("{}\n{}\n", self.pid, self.command)
    }

    /// Parses a record; `None` for an empty or garbled one.
    fn parse(text: &str) -> Option<LockOwner> {
        let mut lines = text.lines();
        let pid = lines.next()?.trim().parse().ok().filter(|&p| p > 0)?;
        let command = lines.next().unwrap_or("").to_string();
        Some(LockOwner { pid, command })
    }
}

/// The text a front end shows while it waits (on a terminal).
pub fn waiting_text(owner: Option<&LockOwner>) -> String {
    match owner {
        Some(o) => format!("waiting for the IPVS table lock held by {o}"),
        None => "waiting for the IPVS table lock held by another process".to_string(),
    }
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
    file: File,
}

impl Drop for TableLock {
    fn drop(&mut self) {
        // Still locked here: nobody reads a half-removed record. Best
        // effort; a record left behind is not believed without the lock.
        let _ = self.file.set_len(0);
    }
}

/// Takes the current namespace's table lock, waiting up to `wait` for
/// another writer to finish.
pub fn lock_table(wait: Duration) -> Result<TableLock, LockError> {
    lock_table_with(wait, &mut |_| {})
}

/// Like [`lock_table`]; `on_wait` is called when the lock turns out to be
/// held by another writer, and again whenever that writer changes, with
/// its record (`None` if it has not written one, or it is stale).
pub fn lock_table_with(
    wait: Duration,
    on_wait: &mut dyn FnMut(Option<&LockOwner>),
) -> Result<TableLock, LockError> {
    let path = lock_path().map_err(|source| LockError::Io {
        path: PathBuf::from("/proc/self/ns/net"),
        source,
    })?;
    fs::create_dir_all(LOCK_DIR).map_err(|source| LockError::Io {
        path: path.clone(),
        source,
    })?;
    lock_file(&path, wait, on_wait)
}

/// Tries a non-blocking `flock`: `Ok(true)` when taken, `Ok(false)` when
/// someone else holds a conflicting lock.
fn try_flock(file: &File, op: libc::c_int) -> io::Result<bool> {
    // SAFETY: flock on a descriptor owned by `file`, alive for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => Ok(false),
        _ => Err(e),
    }
}

/// Takes the lock on the file `path` (created if missing; its directory
/// must exist), waiting up to `wait`; see [`lock_table_with`].
pub fn lock_file(
    path: &Path,
    wait: Duration,
    on_wait: &mut dyn FnMut(Option<&LockOwner>),
) -> Result<TableLock, LockError> {
    let io_err = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err)?;
    let start = Instant::now();
    let mut told: Option<Option<LockOwner>> = None;
    loop {
        if try_flock(&file, libc::LOCK_EX).map_err(io_err)? {
            // Best effort: a lock without a record still excludes.
            let record = LockOwner::me().record();
            if file.set_len(0).is_ok() {
                let _ = file.write_all_at(record.as_bytes(), 0);
            }
            return Ok(TableLock { file });
        }
        let owner = live_record(&file);
        if told.as_ref() != Some(&owner) {
            on_wait(owner.as_ref());
            told = Some(owner);
        }
        if start.elapsed() >= wait {
            return Err(LockError::Busy {
                path: path.to_path_buf(),
                secs: wait.as_secs(),
                owner: told.flatten(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The record in a file known to be locked, if its process exists.
fn live_record(file: &File) -> Option<LockOwner> {
    // From offset 0 every time (pread): the descriptor is read repeatedly.
    // One read suffices for a regular file this small.
    let mut buf = vec![0u8; MAX_COMMAND + 32];
    let n = file.read_at(&mut buf, 0).ok()?;
    let owner = LockOwner::parse(&String::from_utf8_lossy(&buf[..n]))?;
    Path::new("/proc")
        .join(owner.pid.to_string())
        .exists()
        .then_some(owner)
}

/// Who holds the lock on the file `path` now: `None` when nobody does
/// (whatever record a dead holder left behind) or the holder has not
/// recorded itself (yet).
pub fn owner(path: &Path) -> Result<Option<LockOwner>, LockError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LockError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let free = try_flock(&file, libc::LOCK_SH).map_err(|source| LockError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // A shared lock taken here goes with `file` at return.
    Ok(if free { None } else { live_record(&file) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lvsctl-lock-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_second_open_sees_the_owner() {
        let dir = temp_dir("owner");
        let path = dir.join("ipvs-netns-1.lock");
        let held = lock_file(&path, Duration::ZERO, &mut |_| panic!("not held")).unwrap();
        let me = LockOwner::me();
        assert_eq!(me.pid, std::process::id());
        assert!(!me.command.is_empty());
        assert_eq!(owner(&path).unwrap(), Some(me.clone()));
        // A second writer is told who holds it, once, and gives up.
        let mut seen = Vec::new();
        let e = lock_file(&path, Duration::from_millis(60), &mut |o| seen.push(o.cloned())).unwrap_err();
        assert_eq!(seen, vec![Some(me.clone())]);
        assert!(
            matches!(&e, LockError::Busy { owner: Some(o), .. } if *o == me),
            "{e:?}"
        );
        assert_eq!(
            waiting_text(Some(&me)),
            format!(
                "waiting for the IPVS table lock held by PID {} ({})",
                me.pid, me.command
            )
        );
        // Released: no owner, and the record is gone.
        drop(held);
        assert_eq!(owner(&path).unwrap(), None);
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
        let again = lock_file(&path, Duration::ZERO, &mut |_| panic!("not held")).unwrap();
        drop(again);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stale_record_is_not_an_owner() {
        let dir = temp_dir("stale");
        let path = dir.join("ipvs-netns-2.lock");
        // Left behind by a holder that died (no lock held): this process's
        // PID, so it even names a live process.
        fs::write(&path, format!("{}\nlvsctl apply old.toml\n", std::process::id())).unwrap();
        assert_eq!(owner(&path).unwrap(), None);
        let l = lock_file(&path, Duration::ZERO, &mut |_| panic!("not held")).unwrap();
        assert_eq!(owner(&path).unwrap().map(|o| o.pid), Some(std::process::id()));
        drop(l);
        // Locked, but the record names a process that does not exist (the
        // holder has not written its own yet): not reported either.
        let file = File::open(&path).unwrap();
        assert!(try_flock(&file, libc::LOCK_EX).unwrap());
        fs::write(&path, "4194305\nlvsctl apply\n").unwrap(); // above pid_max's limit
        assert_eq!(owner(&path).unwrap(), None);
        let mut seen = Vec::new();
        assert!(lock_file(&path, Duration::ZERO, &mut |o| seen.push(o.cloned())).is_err());
        assert_eq!(seen, vec![None]);
        drop(file);
        assert_eq!(owner(&dir.join("missing.lock")).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn records_parse_strictly() {
        let o = LockOwner::parse("42\nlvsctl -R\n").unwrap();
        assert_eq!((o.pid, o.command.as_str()), (42, "lvsctl -R"));
        for bad in ["", "\n", "x\ny\n", "0\nz\n", "-1\n", "99999999999\n"] {
            assert_eq!(LockOwner::parse(bad), None, "{bad:?}");
        }
        assert_eq!(LockOwner::parse(&LockOwner::me().record()), Some(LockOwner::me()));
    }
}
