//! Address arithmetic shared by the layers that pick interfaces and
//! addresses: which prefix holds an address, and which IPv6 addresses are
//! link-local (they exist on every interface, so they never tell which
//! interface faces a subnet).

use std::net::{IpAddr, Ipv6Addr};

/// Whether `addr` lies in `net`/`len`. A length beyond the family's width
/// counts as the full width; addresses of different families never match.
pub fn prefix_contains(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether `a` is an IPv6 link-local unicast address (`fe80::/10`).
pub fn is_link_local_v6(a: Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_prefixes() {
        let net = ip("192.0.2.1");
        assert!(prefix_contains(ip("192.0.2.200"), net, 24));
        assert!(!prefix_contains(ip("192.0.3.1"), net, 24));
        assert!(prefix_contains(ip("10.0.0.1"), net, 0));
        assert!(prefix_contains(ip("192.0.2.1"), net, 32));
        assert!(!prefix_contains(ip("192.0.2.2"), net, 32));
        assert!(!prefix_contains(ip("192.0.2.2"), net, 200), "clamped to /32");
        assert!(prefix_contains(ip("192.0.2.127"), ip("192.0.2.0"), 25));
        assert!(!prefix_contains(ip("192.0.2.128"), ip("192.0.2.0"), 25));
    }

    #[test]
    fn ipv6_prefixes_and_families() {
        let net = ip("2001:db8::1");
        assert!(prefix_contains(ip("2001:db8::ffff"), net, 64));
        assert!(!prefix_contains(ip("2001:db8:0:1::1"), net, 64));
        assert!(prefix_contains(ip("::1"), net, 0));
        assert!(!prefix_contains(ip("2001:db8::2"), net, 128));
        assert!(!prefix_contains(ip("192.0.2.1"), ip("::"), 0));
        assert!(!prefix_contains(ip("::"), ip("0.0.0.0"), 0));
    }

    #[test]
    fn link_local() {
        for a in ["fe80::1", "febf:ffff::1", "fe80::"] {
            assert!(is_link_local_v6(a.parse().unwrap()), "{a}");
        }
        for a in ["fec0::1", "fe7f::1", "::1", "2001:db8::1", "ff02::1"] {
            assert!(!is_link_local_v6(a.parse().unwrap()), "{a}");
        }
    }
}
