//! Reverse name lookups for listings without `-n`: host names through the
//! system resolver (NSS, like ipvsadm's `gethostbyaddr`), service names from
//! the services database (`getservbyport`).

use std::ffi::CStr;
use std::net::IpAddr;

use crate::ipvs::Protocol;

/// The host name of an address, if the resolver knows one.
pub fn host_name(addr: &IpAddr) -> Option<String> {
    let (storage, len) = sockaddr_of(addr);
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: `storage` holds a valid sockaddr_in/sockaddr_in6 of `len`
    // bytes; `host` is a writable buffer whose length is passed; no service
    // buffer is requested (null with length 0 is allowed).
    let rc = unsafe {
        libc::getnameinfo(
            std::ptr::addr_of!(storage).cast::<libc::sockaddr>(),
            len,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated string into
    // `host`, which outlives this borrow.
    let name = unsafe { CStr::from_ptr(host.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

fn sockaddr_of(addr: &IpAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    match addr {
        IpAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for
            // sockaddr_in, and we only write plain fields through it.
            let sin = unsafe { &mut *std::ptr::addr_of_mut!(storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            (
                storage,
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        }
        IpAddr::V6(a) => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe { &mut *std::ptr::addr_of_mut!(storage).cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_addr.s6_addr = a.octets();
            (
                storage,
                std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
            )
        }
    }
}

/// A protocol's name in the services database (`/etc/services`), for
/// lookups both ways.
pub fn services_db_protocol(protocol: Protocol) -> Option<&'static CStr> {
    match protocol {
        Protocol::Tcp => Some(c"tcp"),
        Protocol::Udp => Some(c"udp"),
        Protocol::Sctp => Some(c"sctp"),
        Protocol::Other(_) => None,
    }
}

/// The service name of a port for a protocol (`80`/TCP → `http`).
pub fn service_name(port: u16, protocol: Protocol) -> Option<String> {
    let proto = services_db_protocol(protocol)?;
    // getservbyport returns process-wide static storage: serialise callers.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: `proto` is NUL-terminated; getservbyport returns null or a
    // pointer to process-wide static storage that stays valid until the
    // next call, and every call in this program holds LOCK while it copies
    // the name out.
    unsafe {
        let ent = libc::getservbyport(i32::from(port.to_be()), proto.as_ptr());
        if ent.is_null() || (*ent).s_name.is_null() {
            return None;
        }
        Some(CStr::from_ptr((*ent).s_name).to_string_lossy().into_owned())
    }
}
