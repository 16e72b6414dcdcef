//! Name lookups through the C library, the one place the crate calls the
//! resolver: host names through NSS (like ipvsadm's `gethostbyname` and
//! `gethostbyaddr`), service names and ports from the services database.
//! The ipvsadm grammar and listings use these without `-n`; the daemon
//! finds the user its hooks run as, and its status group.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr};

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

/// The first IPv4 address of a host name (`getaddrinfo(AF_INET)`), as
/// ipvsadm's `host_to_addr` looks names up.
pub fn host_v4(name: &str) -> Option<Ipv4Addr> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: `addrinfo` is a plain C struct of integers and pointers, for
    // which all-zero bytes are a valid value (null pointers, zero flags).
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_INET;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `c_name` is a NUL-terminated string that outlives the call,
    // the service pointer may be null, `hints` is a valid addrinfo and
    // `res` a valid out-pointer.
    let rc = unsafe { libc::getaddrinfo(c_name.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 || res.is_null() {
        return None;
    }
    let mut found = None;
    let mut cur = res;
    while !cur.is_null() {
        // SAFETY: `cur` is a non-null node of the list getaddrinfo
        // returned, which stays valid until freeaddrinfo below.
        let ai = unsafe { &*cur };
        if ai.ai_family == libc::AF_INET
            && !ai.ai_addr.is_null()
            && ai.ai_addrlen as usize >= std::mem::size_of::<libc::sockaddr_in>()
        {
            // SAFETY: for AF_INET entries `ai_addr` points to a
            // `sockaddr_in` of `ai_addrlen` bytes (checked above); the
            // read is unaligned-safe.
            let sin = unsafe { std::ptr::read_unaligned(ai.ai_addr as *const libc::sockaddr_in) };
            found = Some(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)));
            break;
        }
        cur = ai.ai_next;
    }
    // SAFETY: `res` came from a successful getaddrinfo and is freed once;
    // no reference into it survives this point.
    unsafe { libc::freeaddrinfo(res) };
    found
}

extern "C" {
    // glibc and musl; the reentrant form of getservbyname, which the
    // `libc` crate does not declare.
    fn getservbyname_r(
        name: *const libc::c_char,
        proto: *const libc::c_char,
        result_buf: *mut libc::servent,
        buf: *mut libc::c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> libc::c_int;
}

/// The port of a service name in the services database for a protocol
/// (`http`/TCP → 80), through the reentrant `getservbyname_r`.
pub fn service_port(name: &str, protocol: Protocol) -> Option<u16> {
    let proto = services_db_protocol(protocol)?;
    let c_name = CString::new(name).ok()?;
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: `servent` is a plain C struct of pointers and an int;
        // all-zero bytes are a valid value.
        let mut entry: libc::servent = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::servent = std::ptr::null_mut();
        // SAFETY: both strings are NUL-terminated and outlive the call;
        // `entry`, `buf` (with its true length) and `result` are valid
        // for writes; the strings the entry points to live in `buf`,
        // which is not used after `s_port` is read.
        let rc = unsafe {
            getservbyname_r(
                c_name.as_ptr(),
                proto.as_ptr(),
                &mut entry,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() {
            return None;
        }
        // s_port holds the port in network byte order in its low 16 bits.
        return Some(u16::from_be(entry.s_port as u16));
    }
}

/// A user's uid and primary gid from the password database (NSS).
pub fn user_ids(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    // SAFETY: passwd is plain old data; zeroed is a valid value for it.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: the name is a C string,
    // `pw` and `buf` are ours and `buf.len()` is its size; getpwnam_r
    // writes the entry into them and sets `out` to `&pw` or null.
    let rc = unsafe { libc::getpwnam_r(cname.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
    (rc == 0 && !out.is_null()).then_some((pw.pw_uid, pw.pw_gid))
}

/// A group's gid from the group database (NSS).
pub fn group_id(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    // SAFETY: group is plain old data; zeroed is a valid value for it.
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 64 * 1024];
    let mut out: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `user_ids`: valid C string, our own struct and buffer
    // with its true length, and an out pointer getgrnam_r sets.
    let rc = unsafe { libc::getgrnam_r(cname.as_ptr(), &mut gr, buf.as_mut_ptr(), buf.len(), &mut out) };
    (rc == 0 && !out.is_null()).then_some(gr.gr_gid)
}

#[cfg(test)]
mod user_tests {
    #[test]
    fn root_is_uid_zero() {
        assert_eq!(super::user_ids("root"), Some((0, 0)));
        assert_eq!(super::user_ids("no-such-user-lvsctl"), None);
        assert_eq!(super::group_id("root"), Some(0));
        assert_eq!(super::user_ids("nul\0byte"), None);
    }
}
