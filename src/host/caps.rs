//! Capabilities: a long-running process keeps only those it needs.
//!
//! The daemon starts as root (it must enter a network namespace, bind its
//! socket under /run, chown it to the status group); after that it needs
//! CAP_NET_ADMIN (IPVS, sysctls under /proc/sys/net), CAP_NET_RAW (ping
//! checks, ARP), CAP_SETUID/CAP_SETGID (hooks and command checks run as
//! their user) and CAP_KILL (ending a hook that runs over, which then runs
//! as another user). Everything else is dropped from the bounding set and
//! from the effective, permitted and inheritable sets, so a bug in a
//! parser of probe replies cannot be turned into more than that.
//!
//! Two raw syscalls (`prctl(PR_CAPBSET_DROP)`, `capset`) through libc; no
//! crate needed.

use std::io;

/// CAP_KILL.
pub const KILL: u32 = 5;
/// CAP_SETGID.
pub const SETGID: u32 = 6;
/// CAP_SETUID.
pub const SETUID: u32 = 7;
/// CAP_NET_ADMIN.
pub const NET_ADMIN: u32 = 12;
/// CAP_NET_RAW.
pub const NET_RAW: u32 = 13;
/// CAP_SYS_ADMIN.
pub const SYS_ADMIN: u32 = 21;

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Highest capability number the kernel knows.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Keeps only `keep` (effective and permitted; nothing inheritable) and
/// drops every other capability from the bounding set too. Applies to the
/// calling thread: call it before starting threads, or the others keep
/// theirs.
pub fn keep_only(keep: &[u32]) -> io::Result<()> {
    for cap in 0..=last_cap() {
        if keep.contains(&cap) {
            continue;
        }
        // SAFETY: prctl with integer arguments only; no memory is passed.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, libc::c_ulong::from(cap), 0, 0, 0) };
        if rc != 0 {
            let e = io::Error::last_os_error();
            // EINVAL: a capability this kernel does not have.
            if e.raw_os_error() != Some(libc::EINVAL) {
                return Err(e);
            }
        }
    }
    let mut data = [CapData::default(); 2];
    for cap in keep {
        let (i, bit) = ((*cap / 32) as usize, 1u32 << (cap % 32));
        if i < 2 {
            data[i].effective |= bit;
            data[i].permitted |= bit;
        }
    }
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: capset reads a header and two data structs of the v3 layout,
    // both ours and alive for the call.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut CapHeader, data.as_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The effective capabilities of the calling thread, as a bit mask.
pub fn effective() -> io::Result<u64> {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes two v3 data structs into our array and reads
    // the header we own.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut CapHeader, data.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(u64::from(data[0].effective) | (u64::from(data[1].effective) << 32))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_effective_set() {
        // Whatever this process has, the call works and is stable.
        assert_eq!(super::effective().unwrap(), super::effective().unwrap());
    }
}
