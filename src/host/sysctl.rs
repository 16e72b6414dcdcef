//! Sysctl files: IPv4 interface settings under
//! `/proc/sys/net/ipv4/conf/<if>/<key>` and the IPVS settings under
//! `/proc/sys/net/ipv4/vs/<name>`.
//!
//! For `arp_ignore`, `arp_announce` and `rp_filter` the kernel uses the
//! larger of `conf/all/<key>` and `conf/<if>/<key>` for traffic on `<if>`
//! (`IN_DEV_MAXCONF`), so a cure written only on `lo` or only on one
//! interface does not hold; [`effective`] computes what the kernel uses.
//!
//! [`VS_SYSCTLS`] is the one list of `net.ipv4.vs.*` settings an operator
//! tunes, each with the values the kernel gives it meaning for and its
//! default, as in Debian 12's kernel (6.1). A desired-state file is
//! checked against it before anything is written, so a value the kernel
//! would refuse (or silently treat as another) names its line instead of
//! failing half-way through an apply. The ranges are the documented ones
//! (`Documentation/networking/ipvs-sysctl.rst`) where the kernel's own
//! handler would take any integer: a boolean is 0 or 1 although
//! `proc_dointvec` takes 7 and reads it as "on". Left out on purpose:
//! `sync_threshold` (a pair of integers, "3 50", not one value),
//! `debug_level` (only in kernels built with `CONFIG_IP_VS_DEBUG`, which
//! Debian's is not), `lblc_expiration` and `lblcr_expiration` (they exist
//! only while those schedulers' modules are loaded), and `est_cpulist` /
//! `est_nice` (kernel 6.2 and later).

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
    read_int(conf_path(iface, key))
}

/// Writes an integer conf sysctl.
pub fn set(iface: &str, key: &str, value: i64) -> Result<(), SysctlError> {
    write_int(conf_path(iface, key), value)
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

/// One `net.ipv4.vs.*` setting: its name, the values it takes, and the
/// kernel's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VsSysctl {
    /// The name below `net.ipv4.vs.`.
    pub name: &'static str,
    /// The smallest value it takes.
    pub min: i64,
    /// The largest value it takes.
    pub max: i64,
    /// The value a fresh network namespace starts with; `None` when the
    /// kernel computes it (`sync_qlen_max` is a share of the memory).
    pub default: Option<i64>,
    /// Only powers of two between `min` and `max` (`sync_ports`).
    pub power_of_two: bool,
    /// A defence strategy (`drop_entry`, `drop_packet`, `secure_tcp`):
    /// in its automatic modes the kernel itself flips the value between 1
    /// (off for now) and 2 (on for now) as memory runs short, so 1 and 2
    /// are the same setting.
    pub automatic: bool,
}

impl VsSysctl {
    const fn new(name: &'static str, min: i64, max: i64, default: i64) -> Self {
        VsSysctl {
            name,
            min,
            max,
            default: Some(default),
            power_of_two: false,
            automatic: false,
        }
    }

    const fn flag(name: &'static str, default: i64) -> Self {
        Self::new(name, 0, 1, default)
    }

    const fn defence(name: &'static str) -> Self {
        VsSysctl {
            automatic: true,
            ..Self::new(name, 0, 3, 0)
        }
    }

    /// Whether the kernel takes `value`; if not, what it takes, worded to
    /// follow the setting's name ("must be 0 or 1").
    pub fn check(&self, value: i64) -> Result<(), String> {
        let in_range = (self.min..=self.max).contains(&value);
        if self.power_of_two {
            if in_range && value > 0 && value & (value - 1) == 0 {
                return Ok(());
            }
            return Err(format!(
                "must be a power of two from {} to {}",
                self.min, self.max
            ));
        }
        if in_range {
            Ok(())
        } else if self.min == 0 && self.max == 1 {
            Err("must be 0 or 1".to_string())
        } else {
            Err(format!("must be {} to {}", self.min, self.max))
        }
    }

    /// Whether the live value `have` already is the setting `want`.
    pub fn agrees(&self, want: i64, have: i64) -> bool {
        want == have || (self.automatic && matches!((want, have), (1, 2) | (2, 1)))
    }

    /// Where it lives.
    pub fn path(&self) -> PathBuf {
        vs_path(self.name)
    }
}

/// `sync_refresh_period` is written in seconds and kept in jiffies as an
/// `int`: the largest value that fits with any `HZ` up to 1000.
const MAX_SECONDS: i64 = i32::MAX as i64 / 1000;
const INT_MAX: i64 = i32::MAX as i64;

/// Every `net.ipv4.vs.*` setting lvsctl manages, in the kernel's order.
pub const VS_SYSCTLS: [VsSysctl; 26] = [
    VsSysctl::new("amemthresh", 0, INT_MAX, 1024),
    VsSysctl::new("am_droprate", 0, INT_MAX, 10),
    VsSysctl::defence("drop_entry"),
    VsSysctl::defence("drop_packet"),
    VsSysctl::flag("conntrack", 0),
    VsSysctl::defence("secure_tcp"),
    VsSysctl::flag("snat_reroute", 1),
    VsSysctl::flag("sync_version", 1),
    VsSysctl {
        power_of_two: true,
        // The kernel takes any power of two but starts at most 64 threads.
        ..VsSysctl::new("sync_ports", 1, 64, 1)
    },
    VsSysctl::flag("sync_persist_mode", 0),
    VsSysctl {
        default: None,
        ..VsSysctl::new("sync_qlen_max", 0, i64::MAX, 0)
    },
    VsSysctl::new("sync_sock_size", 0, INT_MAX, 0),
    VsSysctl::flag("cache_bypass", 0),
    VsSysctl::flag("expire_nodest_conn", 0),
    VsSysctl::flag("sloppy_tcp", 0),
    VsSysctl::flag("sloppy_sctp", 0),
    VsSysctl::flag("expire_quiescent_template", 0),
    VsSysctl::new("sync_refresh_period", 0, MAX_SECONDS, 0),
    VsSysctl::new("sync_retries", 0, 3, 0),
    VsSysctl::flag("nat_icmp_send", 0),
    VsSysctl::flag("pmtu_disc", 1),
    VsSysctl::flag("backup_only", 0),
    VsSysctl::new("conn_reuse_mode", 0, 3, 1),
    VsSysctl::flag("schedule_icmp", 0),
    VsSysctl::flag("ignore_tunneled", 0),
    VsSysctl::flag("run_estimation", 1),
];

/// The setting called `name` (below `net.ipv4.vs.`).
pub fn vs_sysctl(name: &str) -> Option<&'static VsSysctl> {
    VS_SYSCTLS.iter().find(|s| s.name == name)
}

/// Where `net.ipv4.vs.<name>` lives.
pub fn vs_path(name: &str) -> PathBuf {
    PathBuf::from("/proc/sys/net/ipv4/vs").join(name)
}

/// Reads an integer `net.ipv4.vs.*` sysctl.
pub fn get_vs(name: &str) -> Result<i64, SysctlError> {
    read_int(vs_path(name))
}

/// Writes an integer `net.ipv4.vs.*` sysctl.
pub fn set_vs(name: &str, value: i64) -> Result<(), SysctlError> {
    write_int(vs_path(name), value)
}

fn read_int(path: PathBuf) -> Result<i64, SysctlError> {
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

fn write_int(path: PathBuf, value: i64) -> Result<(), SysctlError> {
    fs::write(&path, format!("{value}\n")).map_err(|source| SysctlError {
        action: "writing",
        path,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_edge() {
        for s in &VS_SYSCTLS {
            assert!(s.check(s.min).is_ok(), "{} min", s.name);
            assert!(s.check(s.max).is_ok(), "{} max", s.name);
            if s.min > i64::MIN {
                assert!(s.check(s.min - 1).is_err(), "{} min-1", s.name);
            }
            if s.max < i64::MAX {
                assert!(s.check(s.max + 1).is_err(), "{} max+1", s.name);
            }
            if let Some(d) = s.default {
                assert!(s.check(d).is_ok(), "{} default", s.name);
            }
        }
        let ports = vs_sysctl("sync_ports").unwrap();
        assert!(ports.check(3).is_err());
        assert!(ports.check(32).is_ok());
        assert_eq!(ports.check(0).unwrap_err(), "must be a power of two from 1 to 64");
        assert_eq!(
            vs_sysctl("sloppy_sctp").unwrap().check(2).unwrap_err(),
            "must be 0 or 1"
        );
        assert_eq!(
            vs_sysctl("conn_reuse_mode").unwrap().check(4).unwrap_err(),
            "must be 0 to 3"
        );
    }

    #[test]
    fn names_are_unique_and_defence_modes_agree() {
        for (i, s) in VS_SYSCTLS.iter().enumerate() {
            assert!(VS_SYSCTLS[..i].iter().all(|t| t.name != s.name), "{}", s.name);
        }
        let d = vs_sysctl("drop_entry").unwrap();
        assert!(d.agrees(1, 2) && d.agrees(2, 1) && !d.agrees(0, 1) && !d.agrees(3, 2));
        assert!(!vs_sysctl("conn_reuse_mode").unwrap().agrees(1, 2));
        assert_eq!(
            vs_path("conn_reuse_mode"),
            PathBuf::from("/proc/sys/net/ipv4/vs/conn_reuse_mode")
        );
    }
}
