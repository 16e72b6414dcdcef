//! What `lvsctl rs up` changed, so that `rs down` can undo exactly that.
//!
//! Kept under `/run/lvsctl/` (gone at reboot, like the addresses it
//! describes), one file per network namespace, keyed by the namespace's
//! inode number: real servers that share one `/run` (containers, tests)
//! keep separate records. Written atomically (temporary file + rename).
//!
//! The file outlives the binary that wrote it (an upgrade between `rs up`
//! and `rs down`), so its format is fixed: JSON, with the mode and the
//! tunnel type as the words `dr`/`tun` and `ipip`/`gue`/`gre` and
//! addresses as strings. [`Mode`] and [`TunType`] serialise to exactly
//! those words, and fields added later (`tun_type`, `netns_cookie`) default
//! when missing; the tests hold records as earlier versions wrote them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Mode, TunType};

/// The directory of the records.
pub const RECORD_DIR: &str = "/run/lvsctl";

/// One VIP added by `rs up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VipRecord {
    /// The address (a string in the file).
    pub address: IpAddr,
    /// Its prefix length (32 or 128).
    pub prefix: u8,
    /// The device it was put on.
    pub device: String,
    /// `dr` or `tun`.
    pub mode: Mode,
    /// For `tun`: `ipip`, `gue` or `gre`.
    #[serde(default)]
    pub tun_type: Option<TunType>,
    /// Whether `rs up` added the address (false if it was already there).
    pub added: bool,
}

/// Everything `rs up` changed in one network namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Format version.
    pub version: u32,
    /// `iface/key` → the value before the first `rs up` changed it.
    pub sysctls: BTreeMap<String, i64>,
    /// VIPs managed by `rs up`.
    pub vips: Vec<VipRecord>,
    /// Devices `rs up` created.
    pub created_links: Vec<String>,
    /// Devices `rs up` brought up (they were down).
    pub raised_links: Vec<String>,
    /// GUE (fou) ports `rs up` opened.
    pub fou_ports: Vec<u16>,
    /// The namespace's cookie (`SO_NETNS_COOKIE`), which unlike its inode
    /// number is never reused: a record left by a deleted namespace whose
    /// inode a new one got is recognised as stale and ignored.
    #[serde(default)]
    pub netns_cookie: Option<u64>,
}

impl Record {
    /// Whether the record holds nothing to undo.
    pub fn is_empty(&self) -> bool {
        self.vips.is_empty()
            && self.sysctls.is_empty()
            && self.created_links.is_empty()
            && self.raised_links.is_empty()
            && self.fou_ports.is_empty()
    }
}

/// The current network namespace's cookie, where the kernel has them
/// (Linux 5.14 and later).
pub fn netns_cookie() -> Option<u64> {
    const SO_NETNS_COOKIE: libc::c_int = 71;
    // Any socket of the namespace will do; it need not be bound.
    // SAFETY: plain socket(2) call; the result is checked below.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is a socket we just opened and own exclusively.
    let owned = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let mut cookie: u64 = 0;
    let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: the fd is live (owned by `owned`); `cookie` and `len` are
    // valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&owned),
            libc::SOL_SOCKET,
            SO_NETNS_COOKIE,
            std::ptr::addr_of_mut!(cookie).cast::<libc::c_void>(),
            &mut len,
        )
    };
    (rc == 0 && len as usize == std::mem::size_of::<u64>()).then_some(cookie)
}

/// Errors of the record: every one names the file.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Reading, writing or locking a file failed.
    #[error("state file: {}: {source}", path.display())]
    Io {
        /// The file (or directory).
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The file holds something that is not a record.
    #[error("state file: {}: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What serde made of it.
        source: serde_json::Error,
    },
}

impl RecordError {
    /// Whether the error is a refused permission (not root).
    pub fn is_permission(&self) -> bool {
        matches!(self, RecordError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied)
    }
}

/// Wraps an I/O error with its path.
fn at(path: &Path) -> impl FnOnce(io::Error) -> RecordError + '_ {
    move |source| RecordError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The record file of the current network namespace.
pub fn record_path() -> Result<PathBuf, RecordError> {
    let ns = Path::new("/proc/thread-self/ns/net");
    let ino = fs::metadata(ns)
        .or_else(|_| fs::metadata("/proc/self/ns/net"))
        .map_err(at(ns))?
        .ino();
    Ok(Path::new(RECORD_DIR).join(format!("rs-netns-{ino}.json")))
}

/// Takes the namespace's `rs` lock (a `.lock` file beside the record),
/// waiting for another `lvsctl rs` that holds it: concurrent runs are
/// serialised, never interleaved. Released when the file is dropped.
pub fn lock(path: &Path) -> Result<fs::File, RecordError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(at(dir))?;
    }
    let lock = path.with_extension("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(at(&lock))?;
    loop {
        // SAFETY: flock on a descriptor owned by `file`, alive for the call.
        let rc = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(file);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(at(&lock)(e));
        }
    }
}

/// Reads the record; an absent file, or one left by another namespace
/// that had the same inode number, is an empty record.
pub fn load(path: &Path) -> Result<Record, RecordError> {
    let cookie = netns_cookie();
    let fresh = Record {
        version: 1,
        netns_cookie: cookie,
        ..Record::default()
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            let st: Record = serde_json::from_str(&text).map_err(|source| RecordError::Format {
                path: path.to_path_buf(),
                source,
            })?;
            match (st.netns_cookie, cookie) {
                (Some(a), Some(b)) if a != b => Ok(fresh),
                _ => Ok(Record {
                    netns_cookie: cookie,
                    ..st
                }),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(fresh),
        Err(e) => Err(at(path)(e)),
    }
}

/// Writes the record atomically, or removes it when it records nothing.
pub fn save(path: &Path, record: &Record) -> Result<(), RecordError> {
    if record.is_empty() {
        return match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(at(path)(e)),
            _ => Ok(()),
        };
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(at(dir))?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(record).map_err(|source| RecordError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    fs::write(&tmp, text + "\n").map_err(at(&tmp))?;
    fs::rename(&tmp, path).map_err(at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the first versions wrote it: no `tun_type`, no
    /// `netns_cookie`.
    const OLDEST: &str = r#"{
  "version": 1,
  "sysctls": {
    "all/arp_announce": 0,
    "all/arp_ignore": 0
  },
  "vips": [
    {
      "address": "192.0.2.10",
      "prefix": 32,
      "device": "lo",
      "mode": "dr",
      "added": true
    }
  ],
  "created_links": [],
  "raised_links": [],
  "fou_ports": []
}
"#;

    /// A record as the string-typed version wrote it (`to_string_pretty`
    /// of that version's structs, plus the newline `save` adds).
    const STRINGLY: &str = r#"{
  "version": 1,
  "sysctls": {
    "all/rp_filter": 1,
    "tunl0/rp_filter": 1
  },
  "vips": [
    {
      "address": "192.0.2.20",
      "prefix": 32,
      "device": "tunl0",
      "mode": "tun",
      "tun_type": "gue",
      "added": true
    },
    {
      "address": "2001:db8::10",
      "prefix": 128,
      "device": "lvs0",
      "mode": "dr",
      "tun_type": null,
      "added": false
    }
  ],
  "created_links": [
    "lvs0"
  ],
  "raised_links": [
    "tunl0"
  ],
  "fou_ports": [
    5555
  ],
  "netns_cookie": 4096
}
"#;

    #[test]
    fn records_of_earlier_versions_load() {
        let old: Record = serde_json::from_str(OLDEST).unwrap();
        assert_eq!(old.vips.len(), 1);
        let v = &old.vips[0];
        assert_eq!(v.address, "192.0.2.10".parse::<IpAddr>().unwrap());
        assert_eq!(
            (v.prefix, v.device.as_str(), v.mode, v.tun_type),
            (32, "lo", Mode::Dr, None)
        );
        assert!(v.added);
        assert_eq!(old.sysctls["all/arp_ignore"], 0);
        assert_eq!(old.netns_cookie, None);

        let st: Record = serde_json::from_str(STRINGLY).unwrap();
        assert_eq!(st.vips[0].mode, Mode::Tun);
        assert_eq!(st.vips[0].tun_type, Some(TunType::Gue));
        assert_eq!(st.vips[1].address, "2001:db8::10".parse::<IpAddr>().unwrap());
        assert_eq!(st.vips[1].tun_type, None);
        assert_eq!(st.fou_ports, [5555]);
        assert_eq!(st.netns_cookie, Some(4096));
    }

    #[test]
    fn records_are_written_as_before() {
        // The same bytes as the string-typed version: an older binary can
        // still read what this one writes.
        let st: Record = serde_json::from_str(STRINGLY).unwrap();
        assert_eq!(serde_json::to_string_pretty(&st).unwrap() + "\n", STRINGLY);
    }

    #[test]
    fn old_records_load_from_a_file() {
        let dir = std::env::temp_dir().join(format!("lvsctl-rs-record-{}", std::process::id()));
        let path = dir.join("rs-netns-1.json");
        fs::create_dir_all(&dir).unwrap();
        fs::write(&path, OLDEST).unwrap();
        let st = load(&path);
        let _ = fs::remove_dir_all(&dir);
        let st = st.unwrap();
        assert_eq!(st.vips[0].mode, Mode::Dr);
        // Stamped with this namespace's cookie from now on.
        assert_eq!(st.netns_cookie, netns_cookie());
    }

    #[test]
    fn unknown_modes_are_refused_not_guessed() {
        let bad = OLDEST.replace("\"dr\"", "\"nat\"");
        let e = serde_json::from_str::<Record>(&bad).unwrap_err();
        assert!(e.to_string().contains("unknown variant"), "{e}");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("lvsctl-rs-record-err-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rs-netns-1.json");
        fs::write(&path, "{").unwrap();
        let bad = load(&path).unwrap_err();
        // A directory where the temporary file goes: the write fails.
        fs::create_dir_all(path.with_extension("json.tmp")).unwrap();
        let full: Record = serde_json::from_str(OLDEST).unwrap();
        let unwritable = save(&path, &full).unwrap_err();
        let _ = fs::remove_dir_all(&dir);
        assert!(matches!(bad, RecordError::Format { .. }), "{bad}");
        assert!(
            bad.to_string()
                .starts_with(&format!("state file: {}: ", path.display())),
            "{bad}"
        );
        assert!(matches!(unwritable, RecordError::Io { .. }), "{unwritable}");
        assert!(
            unwritable
                .to_string()
                .starts_with(&format!("state file: {}.tmp: ", path.display())),
            "{unwritable}"
        );
        assert!(!unwritable.is_permission());
    }

    #[test]
    fn cookie_is_readable_and_recorded() {
        assert!(super::netns_cookie().is_some());
        let st = super::load(std::path::Path::new("/nonexistent/lvsctl-test.json")).unwrap();
        assert_eq!(st.netns_cookie, super::netns_cookie());
    }
}
