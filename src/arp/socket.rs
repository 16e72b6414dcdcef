//! An `AF_PACKET` datagram socket for ARP on one interface.
//!
//! `SOCK_DGRAM` lets the kernel build the Ethernet header from the link
//! address given to `sendto` (the interface's MAC as source), and strips it
//! on receive while reporting the sender's MAC in `sockaddr_ll`. Needs
//! `CAP_NET_RAW`.

use std::io;
use std::mem::MaybeUninit;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, SockAddrStorage, Socket, Type};

use super::packet::{ArpPacket, Mac};

const ETH_P_ARP: u16 = 0x0806;

/// One raw ARP socket bound to an interface.
#[derive(Debug)]
pub struct ArpSocket {
    sock: Socket,
    ifindex: i32,
}

fn link_addr(ifindex: i32, mac: Mac) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: SockAddrStorage is a sockaddr_storage, large and aligned enough
    // for sockaddr_ll; we only write plain integer fields through the view.
    let ll = unsafe { storage.view_as::<libc::sockaddr_ll>() };
    ll.sll_family = libc::AF_PACKET as u16;
    ll.sll_protocol = ETH_P_ARP.to_be();
    ll.sll_ifindex = ifindex;
    ll.sll_halen = 6;
    ll.sll_addr[..6].copy_from_slice(&mac.0);
    let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: the storage holds an initialised sockaddr_ll of `len` bytes
    // with the AF_PACKET family set.
    unsafe { SockAddr::new(storage, len) }
}

impl ArpSocket {
    /// Opens the socket on interface `ifindex` (it then receives only that
    /// interface's ARP packets).
    pub fn open(ifindex: u32) -> io::Result<ArpSocket> {
        let ifindex = i32::try_from(ifindex).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let sock = Socket::new(
            Domain::PACKET,
            Type::DGRAM,
            Some(Protocol::from(i32::from(ETH_P_ARP.to_be()))),
        )?;
        sock.bind(&link_addr(ifindex, Mac::ZERO))?;
        Ok(ArpSocket { sock, ifindex })
    }

    /// Sends an ARP packet to an Ethernet destination.
    pub fn send(&self, p: &ArpPacket, to: Mac) -> io::Result<()> {
        self.sock.send_to(&p.encode(), &link_addr(self.ifindex, to))?;
        Ok(())
    }

    /// Waits up to `timeout` for one ARP packet; returns it with the
    /// Ethernet source MAC, or `None` on timeout.
    pub fn recv(&self, timeout: Duration) -> io::Result<Option<(ArpPacket, Mac)>> {
        let timeout = if timeout.is_zero() {
            Duration::from_micros(1)
        } else {
            timeout
        };
        self.sock.set_read_timeout(Some(timeout))?;
        let mut buf = [MaybeUninit::<u8>::uninit(); 256];
        let (n, addr) = match self.sock.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Ok(None)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(None),
            Err(e) => return Err(e),
        };
        // SAFETY: recv_from initialised the first `n` bytes of `buf`
        // (n <= buf.len(): the kernel truncates to the buffer).
        let data: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n.min(buf.len())) };
        let Some(p) = ArpPacket::decode(data) else {
            return Ok(None);
        };
        let mut src = Mac::ZERO;
        if addr.family() == libc::AF_PACKET as libc::sa_family_t {
            // SAFETY: the family is AF_PACKET, so the kernel filled a
            // sockaddr_ll; we copy it out of the storage by value.
            let ll: libc::sockaddr_ll =
                unsafe { std::ptr::read_unaligned(addr.as_ptr().cast::<libc::sockaddr_ll>()) };
            if ll.sll_halen == 6 {
                src.0.copy_from_slice(&ll.sll_addr[..6]);
            }
        }
        Ok(Some((p, src)))
    }
}
