//! `lvsctl rs down`: undoes what the record says `rs up` did, and nothing
//! else.
//!
//! Addresses that were on the host before `rs up` stay. Shared settings
//! (sysctls, devices, fou ports) are restored only when the last recorded
//! VIP goes, since the other VIPs still need them; the order is the
//! reverse of `up`'s: addresses, then settings, then devices. The record
//! is saved after the removals and again at the end, so that a failure in
//! between leaves a record that matches the host.

use std::fmt;
use std::net::IpAddr;

use super::record::{self, VipRecord};
use super::{lock_err, netlink_err, sysctl_err, RsError, Vip};
use crate::host::fou;
use crate::host::rtnl::Rtnl;
use crate::host::sysctl;

/// What `rs down` did; `Display` is the line the CLI prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownStep {
    /// There is no record: `rs up` has not run in this namespace.
    NothingToUndo,
    /// A VIP `rs up` added was removed.
    Removed {
        /// The VIP.
        vip: IpAddr,
        /// Its prefix length.
        prefix: u8,
        /// The device it was on.
        device: String,
    },
    /// A VIP that was there before `rs up` was left in place (and
    /// forgotten).
    LeftInPlace {
        /// The VIP.
        vip: IpAddr,
        /// Its prefix length.
        prefix: u8,
        /// The device it is on.
        device: String,
    },
    /// A conf sysctl got its value from before the first `rs up` back.
    SysctlRestored {
        /// The interface (`all`, `eth0`, ...).
        iface: String,
        /// The key (`arp_ignore`, ...).
        key: String,
        /// The value restored.
        value: i64,
    },
    /// A device `rs up` created was deleted.
    DeviceDeleted {
        /// Its name.
        name: String,
    },
}

impl fmt::Display for DownStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownStep::NothingToUndo => {
                f.write_str("nothing to undo: rs up has not run in this network namespace")
            }
            DownStep::Removed { vip, prefix, device } => write!(f, "{vip}/{prefix} removed from {device}"),
            DownStep::LeftInPlace { vip, prefix, device } => {
                write!(f, "{vip}/{prefix} left on {device} (it was there before rs up)")
            }
            DownStep::SysctlRestored { iface, key, value } => {
                write!(f, "{} restored to {value}", sysctl::conf_name(iface, key))
            }
            DownStep::DeviceDeleted { name } => write!(f, "{name} deleted"),
        }
    }
}

/// `lvsctl rs down`: removes the given VIPs (all when empty) that `rs up`
/// added; when none is left, restores every sysctl and device.
pub fn down(vips: &[Vip]) -> Result<Vec<DownStep>, RsError> {
    let path = record::record_path()?;
    let _lock = record::lock(&path).map_err(lock_err)?;
    let mut rec = record::load(&path)?;
    let mut steps = Vec::new();
    for v in vips {
        if !rec.vips.iter().any(|r| r.address == v.ip()) {
            return Err(RsError::Invalid(format!("{v} was not set up by lvsctl rs up")));
        }
    }
    if rec.is_empty() {
        steps.push(DownStep::NothingToUndo);
        return Ok(steps);
    }
    let mut rtnl = Rtnl::open().map_err(netlink_err("opening rtnetlink"))?;
    let remove: Vec<VipRecord> = rec
        .vips
        .iter()
        .filter(|r| vips.is_empty() || vips.iter().any(|v| v.ip() == r.address))
        .cloned()
        .collect();
    for r in &remove {
        let (vip, prefix, device) = (r.address, r.prefix, r.device.clone());
        if r.added {
            if let Some(link) = rtnl.link(&r.device).map_err(netlink_err("listing devices"))? {
                match rtnl.del_address(link.index, r.address, r.prefix) {
                    Ok(()) => {}
                    Err(e) if matches!(e.errno(), Some(libc::EADDRNOTAVAIL) | Some(libc::ENOENT)) => {}
                    Err(e) => {
                        return Err(netlink_err(format!("removing {} from {}", r.address, r.device))(
                            e,
                        ))
                    }
                }
            }
            steps.push(DownStep::Removed { vip, prefix, device });
        } else {
            steps.push(DownStep::LeftInPlace { vip, prefix, device });
        }
        rec.vips.retain(|x| x.address != r.address);
    }
    // Record the removals before restoring anything else, so that a later
    // failure leaves a record that matches the host.
    record::save(&path, &rec)?;
    if rec.vips.is_empty() {
        // Last VIP gone: addresses first, then settings, then devices.
        for port in std::mem::take(&mut rec.fou_ports) {
            fou::del_gue_port(port)?;
        }
        for (k, v) in std::mem::take(&mut rec.sysctls) {
            if let Some((iface, key)) = k.split_once('/') {
                match sysctl::set(iface, key, v) {
                    Ok(()) => steps.push(DownStep::SysctlRestored {
                        iface: iface.to_string(),
                        key: key.to_string(),
                        value: v,
                    }),
                    // The interface has gone away since.
                    Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(sysctl_err(e)),
                }
            }
        }
        for name in std::mem::take(&mut rec.raised_links) {
            if let Some(l) = rtnl.link(&name).map_err(netlink_err("listing devices"))? {
                rtnl.set_up(l.index, false)
                    .map_err(netlink_err(format!("setting {name} down")))?;
            }
        }
        for name in std::mem::take(&mut rec.created_links) {
            if let Some(l) = rtnl.link(&name).map_err(netlink_err("listing devices"))? {
                rtnl.del_link(l.index)
                    .map_err(netlink_err(format!("deleting {name}")))?;
                steps.push(DownStep::DeviceDeleted { name });
            }
        }
    }
    record::save(&path, &rec)?;
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_before() {
        let vip: IpAddr = "192.0.2.10".parse().unwrap();
        let cases = [
            (
                DownStep::NothingToUndo,
                "nothing to undo: rs up has not run in this network namespace",
            ),
            (
                DownStep::Removed {
                    vip,
                    prefix: 32,
                    device: "lo".into(),
                },
                "192.0.2.10/32 removed from lo",
            ),
            (
                DownStep::LeftInPlace {
                    vip,
                    prefix: 32,
                    device: "lvs0".into(),
                },
                "192.0.2.10/32 left on lvs0 (it was there before rs up)",
            ),
            (
                DownStep::SysctlRestored {
                    iface: "all".into(),
                    key: "arp_ignore".into(),
                    value: 0,
                },
                "net.ipv4.conf.all.arp_ignore restored to 0",
            ),
            (DownStep::DeviceDeleted { name: "lvs0".into() }, "lvs0 deleted"),
        ];
        for (step, want) in cases {
            assert_eq!(step.to_string(), want);
        }
    }
}
