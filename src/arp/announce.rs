//! Announcing an address one frame at a time.
//!
//! A takeover announces its VIP with a burst of gratuitous ARPs (IPv4) or
//! unsolicited neighbour advertisements (IPv6), often repeated a while
//! later (keepalived sends 5 at once and 5 more after 5 s, for switches
//! that were still learning). Who waits between frames differs: the CLI
//! just sleeps, a VRRP thread has adverts to send and sockets to read in
//! the meantime. So the library never sleeps. An [`Announcer`] holds the
//! open socket and the prepared frame and sends one frame per
//! [`Announcer::send_one`]; a [`Schedule`] is plain arithmetic that says
//! when each frame is due, and the caller keeps the clock.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use socket2::{SockAddr, Socket};

use super::packet::{ArpPacket, Mac};
use super::socket::ArpSocket;
use super::{io_err, ndp, ArpError, GarpForm, Iface};

/// When the frames of an announcement are due.
///
/// `count` frames `interval` apart, the first at once; with
/// `repeat_after`, the same burst once more starting `repeat_after` after
/// the first frame (or right after the first burst, if that lasts
/// longer), so that due times never go backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Frames per burst.
    pub count: u32,
    /// Time between the frames of a burst.
    pub interval: Duration,
    /// Start of the second burst, measured from the first frame.
    pub repeat_after: Option<Duration>,
}

impl Schedule {
    /// One burst of `count` frames, `interval` apart.
    pub fn new(count: u32, interval: Duration) -> Self {
        Schedule {
            count,
            interval,
            repeat_after: None,
        }
    }

    /// The same burst, repeated once `after` the first frame.
    pub fn repeated_after(self, after: Duration) -> Self {
        Schedule {
            repeat_after: Some(after),
            ..self
        }
    }

    /// How many frames in all.
    pub fn total(&self) -> u32 {
        if self.repeat_after.is_some() {
            self.count.saturating_mul(2)
        } else {
            self.count
        }
    }

    fn offset_in_burst(&self, k: u32) -> Duration {
        self.interval.checked_mul(k).unwrap_or(Duration::MAX)
    }

    /// When frame `k` (from 0) is due, measured from the first; `None`
    /// past the last frame. Never decreasing in `k`; saturates instead of
    /// overflowing.
    pub fn due(&self, k: u32) -> Option<Duration> {
        if k >= self.total() {
            return None;
        }
        if k < self.count {
            return Some(self.offset_in_burst(k));
        }
        let first_burst_end = self.offset_in_burst(self.count.saturating_sub(1));
        let second = self.repeat_after.unwrap_or_default().max(first_burst_end);
        Some(second.saturating_add(self.offset_in_burst(k - self.count)))
    }

    /// Every due time, in order.
    pub fn times(&self) -> impl Iterator<Item = Duration> + '_ {
        (0..self.total()).map_while(|k| self.due(k))
    }
}

/// The frame an [`Announcer`] sends, built without a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A gratuitous ARP (sent to the Ethernet broadcast address).
    Garp(ArpPacket),
    /// An unsolicited neighbour advertisement, override flag set (sent to
    /// all-nodes); the ICMPv6 message without its checksum, which the
    /// kernel fills in.
    Na(Vec<u8>),
}

impl Frame {
    /// The announcement of `ip` from `mac`. `form` only matters for IPv4.
    pub fn new(mac: Mac, ip: IpAddr, form: GarpForm) -> Frame {
        match ip {
            IpAddr::V4(v4) => Frame::garp(mac, v4, form),
            IpAddr::V6(v6) => Frame::na(mac, v6),
        }
    }

    /// A gratuitous ARP for `ip`.
    pub fn garp(mac: Mac, ip: Ipv4Addr, form: GarpForm) -> Frame {
        Frame::Garp(ArpPacket::gratuitous(ip, mac, form == GarpForm::Reply))
    }

    /// An unsolicited NA for `ip`.
    pub fn na(mac: Mac, ip: Ipv6Addr) -> Frame {
        Frame::Na(ndp::encode_na(ip, mac))
    }

    /// The bytes that go on the wire after the link-layer header (the ARP
    /// packet, or the ICMPv6 message).
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Frame::Garp(p) => p.encode().to_vec(),
            Frame::Na(m) => m.clone(),
        }
    }
}

#[derive(Debug)]
enum Sender {
    Arp(ArpSocket),
    Icmp6(Socket, SockAddr),
}

/// An open socket and a prepared frame: [`Announcer::send_one`] sends one
/// copy of it, now.
#[derive(Debug)]
pub struct Announcer {
    frame: Frame,
    sender: Sender,
}

/// The label of IPv6 socket errors (the CLI's messages since the first
/// release).
const NA_ERRORS: &str = "sending neighbour advertisements";

impl Announcer {
    /// Opens the socket that announces `ip` on `iface` (a raw ARP socket
    /// for IPv4, a raw ICMPv6 socket for IPv6; both need `CAP_NET_RAW`).
    pub fn open(iface: &Iface, ip: IpAddr, form: GarpForm) -> Result<Self, ArpError> {
        let frame = Frame::new(iface.mac, ip, form);
        let sender = match ip {
            IpAddr::V4(_) => {
                Sender::Arp(ArpSocket::open(iface.link.index).map_err(io_err("opening a raw ARP socket"))?)
            }
            IpAddr::V6(_) => Sender::Icmp6(
                ndp::open(iface.link.index).map_err(io_err(NA_ERRORS))?,
                ndp::to(ndp::ALL_NODES, iface.link.index),
            ),
        };
        Ok(Announcer { frame, sender })
    }

    /// What is sent.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Sends one frame.
    pub fn send_one(&self) -> Result<(), ArpError> {
        match (&self.sender, &self.frame) {
            (Sender::Arp(s), Frame::Garp(p)) => s.send(p, Mac::BROADCAST).map_err(io_err("sending ARP")),
            (Sender::Icmp6(s, to), Frame::Na(m)) => s.send_to(m, to).map(drop).map_err(io_err(NA_ERRORS)),
            // `open` pairs them; a mismatch cannot be built.
            _ => Err(ArpError::Invalid(
                "announcer frame and socket of different families".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[f64]) -> Vec<Duration> {
        v.iter().map(|s| Duration::from_secs_f64(*s)).collect()
    }

    #[test]
    fn one_burst() {
        let s = Schedule::new(3, Duration::from_secs(1));
        assert_eq!(s.total(), 3);
        assert_eq!(s.times().collect::<Vec<_>>(), secs(&[0.0, 1.0, 2.0]));
        assert_eq!(s.due(3), None);
        assert_eq!(Schedule::new(0, Duration::from_secs(1)).times().count(), 0);
        let once = Schedule::new(1, Duration::from_secs(9));
        assert_eq!(once.times().collect::<Vec<_>>(), secs(&[0.0]));
    }

    #[test]
    fn keepalived_five_and_five_more_after_five_seconds() {
        let s = Schedule::new(5, Duration::ZERO).repeated_after(Duration::from_secs(5));
        assert_eq!(s.total(), 10);
        assert_eq!(
            s.times().collect::<Vec<_>>(),
            secs(&[0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0, 5.0])
        );
        let spaced = Schedule::new(2, Duration::from_millis(200)).repeated_after(Duration::from_secs(5));
        assert_eq!(spaced.times().collect::<Vec<_>>(), secs(&[0.0, 0.2, 5.0, 5.2]));
    }

    #[test]
    fn due_times_never_go_backwards_or_overflow() {
        // The second burst cannot start before the first has ended.
        let s = Schedule::new(3, Duration::from_secs(4)).repeated_after(Duration::from_secs(5));
        assert_eq!(
            s.times().collect::<Vec<_>>(),
            secs(&[0.0, 4.0, 8.0, 8.0, 12.0, 16.0])
        );
        let huge = Schedule::new(u32::MAX, Duration::MAX).repeated_after(Duration::MAX);
        assert_eq!(huge.total(), u32::MAX);
        assert_eq!(huge.due(0), Some(Duration::ZERO));
        assert_eq!(huge.due(2), Some(Duration::MAX));
        assert_eq!(huge.due(u32::MAX - 1), Some(Duration::MAX));
        assert_eq!(huge.due(u32::MAX), None);
        for s in [
            Schedule::new(4, Duration::from_millis(300)).repeated_after(Duration::from_millis(500)),
            Schedule::new(7, Duration::from_secs(1)).repeated_after(Duration::ZERO),
        ] {
            let t: Vec<_> = s.times().collect();
            assert_eq!(t.len(), s.total() as usize);
            assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
        }
    }

    #[test]
    fn frames() {
        let mac = Mac([2, 0, 0, 0, 0, 1]);
        let v4: IpAddr = "192.0.2.10".parse().unwrap();
        let req = Frame::new(mac, v4, GarpForm::Request).bytes();
        assert_eq!(
            req,
            [
                0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, request
                2, 0, 0, 0, 0, 1, 192, 0, 2, 10, // sender: our MAC, the VIP
                0, 0, 0, 0, 0, 0, 192, 0, 2, 10, // target MAC zero, target the VIP
            ]
        );
        let rep = Frame::new(mac, v4, GarpForm::Reply).bytes();
        assert_eq!(
            (rep[7], &rep[18..24]),
            (2, &mac.0[..]),
            "opcode 2, target MAC = ours"
        );
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        let na = Frame::new(mac, v6, GarpForm::Reply).bytes();
        let mut want = vec![136, 0, 0, 0, 0x20, 0, 0, 0]; // NA, override only
        want.extend(v6.to_string().parse::<Ipv6Addr>().unwrap().octets());
        want.extend([2, 1, 2, 0, 0, 0, 0, 1]); // target link-layer address
        assert_eq!(na, want);
        assert_eq!(ndp::ALL_NODES.to_string(), "ff02::1");
    }
}
