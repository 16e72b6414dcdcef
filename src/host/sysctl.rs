//! IPv4 interface sysctls under `/proc/sys/net/ipv4/conf/<if>/<key>`.
//!
//! For `arp_ignore`, `arp_announce` and `rp_filter` the kernel uses the
//! larger of `conf/all/<key>` and `conf/<if>/<key>` for traffic on `<if>`
//! (`IN_DEV_MAXCONF`), so a cure written only on `lo` or only on one
//! interface does not hold; [`effective`] computes what the kernel uses.

use std::fs;
use std::io;
use std::path::PathBuf;

/// A sysctl that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct SysctlError {
    /// `reading` or `writing`.
    pub action: &'static str,
    /// The /proc/sys file.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl SysctlError {
    /// Whether the failure is a missing privilege.
    pub fn is_permission(&self) -> bool {
        matches!(
            self.source.raw_os_error(),
            Some(libc::EPERM) | Some(libc::EACCES) | Some(libc::EROFS)
        )
    }
}

/// Where a `net.ipv4.conf.<iface>.<key>` lives.
pub fn conf_path(iface: &str, key: &str) -> PathBuf {
    PathBuf::from("/proc/sys/net/ipv4/conf").join(iface).join(key)
}

/// The dotted name (`net.ipv4.conf.all.arp_ignore`).
pub fn conf_name(iface: &str, key: &str) -> String {
    format!("net.ipv4.conf.{iface}.{key}")
}

/// Reads an integer conf sysctl.
pub fn get(iface: &str, key: &str) -> Result<i64, SysctlError> {
    let path = conf_path(iface, key);
    let text = fs::read_to_string(&path).map_err(|source| SysctlError {
        action: "reading",
        path: path.clone(),
        source,
    })?;
    text.trim().parse().map_err(|_| SysctlError {
        action: "reading",
        path,
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a number: {:?}", text.trim()),
        ),
    })
}

/// Writes an integer conf sysctl.
pub fn set(iface: &str, key: &str, value: i64) -> Result<(), SysctlError> {
    let path = conf_path(iface, key);
    fs::write(&path, format!("{value}\n")).map_err(|source| SysctlError {
        action: "writing",
        path,
        source,
    })
}

/// The value the kernel uses on `iface`: the larger of `all` and `iface`.
pub fn effective(iface: &str, key: &str) -> Result<i64, SysctlError> {
    Ok(get("all", key)?.max(get(iface, key)?))
}

/// Every interface with an IPv4 conf directory (`all` and `default`
/// excluded).
pub fn interfaces() -> Result<Vec<String>, SysctlError> {
    let dir = PathBuf::from("/proc/sys/net/ipv4/conf");
    let rd = fs::read_dir(&dir).map_err(|source| SysctlError {
        action: "reading",
        path: dir.clone(),
        source,
    })?;
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "all" && n != "default")
        .collect();
    v.sort();
    Ok(v)
}

/// Where `net.ipv4.vs.<name>` lives.
pub fn ipvs_path(name: &str) -> PathBuf {
    PathBuf::from("/proc/sys/net/ipv4/vs").join(name)
}

/// Reads an integer `net.ipv4.vs.*` sysctl.
pub fn read_ipvs(name: &str) -> io::Result<i64> {
    let text = fs::read_to_string(ipvs_path(name))?;
    text.trim()
        .parse::<i64>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes an integer `net.ipv4.vs.*` sysctl.
pub fn write_ipvs(name: &str, value: i64) -> io::Result<()> {
    fs::write(ipvs_path(name), format!("{value}\n"))
}
