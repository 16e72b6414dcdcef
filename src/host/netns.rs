//! Entering another network namespace (`--netns`).
//!
//! IPVS state is per network namespace: the Generic Netlink socket talks
//! to the namespace the process is in when the socket is created, and
//! `/proc/net/ip_vs_conn` shows the namespace of the reading thread. So the
//! switch happens once, before any socket is opened. A bare name means
//! `/run/netns/NAME` (where `ip netns add` puts them); anything with a `/`
//! is a path, such as `/proc/PID/ns/net`.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// Why a namespace could not be entered.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The namespace file could not be opened.
    #[error("cannot open network namespace {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `setns` refused.
    #[error("cannot enter network namespace {path}: {source}")]
    Enter {
        /// The file.
        path: PathBuf,
        /// Why (EPERM without CAP_SYS_ADMIN, EINVAL if not a netns).
        source: std::io::Error,
    },
}

/// The file that names a namespace given on the command line.
pub fn netns_path(name: &str) -> PathBuf {
    if name.contains('/') {
        PathBuf::from(name)
    } else {
        PathBuf::from("/run/netns").join(name)
    }
}

/// Moves this process (it must still be single-threaded) into the network
/// namespace `name`.
pub fn enter(name: &str) -> Result<(), NetnsError> {
    let path = netns_path(name);
    let file = File::open(&path).map_err(|source| NetnsError::Open {
        path: path.clone(),
        source,
    })?;
    // SAFETY: setns takes a valid open file descriptor (owned by `file`,
    // alive for the call) and a namespace type constant; it has no memory
    // effects on this process.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(NetnsError::Enter {
            path,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(netns_path("blue"), PathBuf::from("/run/netns/blue"));
        assert_eq!(netns_path("/proc/1/ns/net"), PathBuf::from("/proc/1/ns/net"));
    }

    #[test]
    fn missing_namespace_is_an_error() {
        let e = enter("lvsctl-no-such-namespace-for-tests").unwrap_err();
        assert!(
            e.to_string()
                .contains("/run/netns/lvsctl-no-such-namespace-for-tests"),
            "{e}"
        );
    }
}
