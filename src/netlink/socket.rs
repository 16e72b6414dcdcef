//! Synchronous netlink sockets with request, dump and batch helpers:
//! [`NlSocket`] for any netlink protocol and message type (rtnetlink uses
//! it directly), and [`GenlSocket`] on top of it for Generic Netlink
//! families.
//!
//! An [`NlSocket`] can also listen: [`NlSocket::join_group`] subscribes it
//! to a multicast group and [`NlSocket::recv_events`] waits, with a
//! timeout, for what the kernel broadcasts there. Its descriptor is
//! exposed ([`AsRawFd`], [`AsFd`]) so that a long-running thread can put it
//! into its own `poll` set beside sockets of other kinds. A socket used for
//! events should be used for nothing else: requests skip every message
//! that is not a reply to them, so events arriving during a request are
//! lost.

use std::fmt::Debug;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use netlink_packet_core::{
    Emitable, NetlinkBuffer, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, ParseableParametrized, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN,
    NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::{
    ctrl::{nlas::GenlCtrlAttrs, GenlCtrl, GenlCtrlCmd},
    GenlFamily, GenlHeader, GenlMessage,
};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

use super::{extack::parse_error_payload, NetlinkError};

/// Largest number of bytes put into one `send()`. The kernel refuses a
/// datagram larger than the socket's send buffer minus 32 bytes with
/// `EMSGSIZE`; the default send buffer is 212 992 bytes.
pub const MAX_SEND_BYTES: usize = 200 * 1024;

/// Most messages in one send. Every refused message gets its own error
/// reply; with at most this many per send, their replies fit the receive
/// buffer that [`NlSocket::batch`] sets up, so no failure goes unreported.
pub const MAX_BATCH_MESSAGES: usize = 1024;

/// Receive buffer requested for batches (each queued reply costs about a
/// kilobyte of socket memory).
const BATCH_RCVBUF: usize = 4 << 20;

/// Receive buffer for one datagram. Dump datagrams are capped by the kernel
/// at 32 KiB; anything larger is reported as truncated instead of misread.
const RECV_BYTES: usize = 64 * 1024;

/// Bytes of a netlink message header.
const NL_HEADER: usize = 16;

/// How many times a dump interrupted by a concurrent change is repeated.
const DUMP_RETRIES: u32 = 10;

/// Receives each data message of a reply.
type MessageSink<'a> = dyn FnMut(&Message<'_>) -> Result<(), NetlinkError> + 'a;

/// One netlink socket connected to the kernel, for any protocol.
#[derive(Debug)]
pub struct NlSocket {
    sock: Socket,
    seq: u32,
    rx: Vec<u8>,
}

/// What one [`NlSocket::recv_events`] brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventWait {
    /// One datagram arrived holding this many messages (each handed over).
    Received(usize),
    /// Nothing arrived within the timeout (or a signal cut the wait short).
    TimedOut,
    /// The kernel dropped events because the receive buffer was full
    /// (`ENOBUFS`): whatever state the events describe must be read
    /// again with a dump. The socket keeps working.
    Lost,
}

/// What [`NlSocket::request_each`] hands over.
#[derive(Debug)]
pub enum Reply<I> {
    /// One reply message.
    Message(I),
    /// The dump starts over: forget the messages handed over so far.
    Restart,
}

/// One Generic Netlink socket connected to the kernel.
#[derive(Debug)]
pub struct GenlSocket {
    inner: NlSocket,
}

/// What the receive loop is waiting for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Await {
    /// A do-request answered by optional replies then an ACK.
    Ack,
    /// A dump, terminated by `NLMSG_DONE`.
    Done,
}

impl GenlSocket {
    /// Opens a socket for `NETLINK_GENERIC` and enables capped and extended
    /// ACKs.
    pub fn open() -> Result<Self, NetlinkError> {
        Ok(GenlSocket {
            inner: NlSocket::open(NETLINK_GENERIC)?,
        })
    }

    /// Raises the receive buffer (see [`NlSocket::grow_receive_buffer`]).
    pub fn grow_receive_buffer(&mut self, bytes: usize) {
        self.inner.grow_receive_buffer(bytes)
    }

    /// Looks up the id of a Generic Netlink family by name.
    pub fn resolve_family(&mut self, name: &str) -> Result<u16, NetlinkError> {
        let payload = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(name.to_string())],
        };
        let family = payload.family_id();
        let replies = match self.request(family, payload, false) {
            Ok(r) => r,
            Err(NetlinkError::Kernel { errno, .. }) if errno == libc::ENOENT => {
                return Err(NetlinkError::FamilyNotFound(name.to_string()))
            }
            Err(e) => return Err(e),
        };
        for reply in replies {
            for nla in reply.nlas {
                if let GenlCtrlAttrs::FamilyId(id) = nla {
                    return Ok(id);
                }
            }
        }
        Err(NetlinkError::FamilyNotFound(name.to_string()))
    }

    fn wrap<F>(family: u16, payload: F) -> GenlMessage<F>
    where
        F: GenlFamily + Debug,
    {
        let mut genl = GenlMessage::from_payload(payload);
        genl.set_resolved_family_id(family);
        genl
    }

    /// Sends one request of family `family` and collects its replies (see
    /// [`NlSocket::request`]).
    pub fn request<F>(&mut self, family: u16, payload: F, dump: bool) -> Result<Vec<F>, NetlinkError>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug + Clone,
    {
        let replies = self.inner.request(Self::wrap(family, payload), dump)?;
        Ok(replies.into_iter().map(|m| m.payload).collect())
    }

    /// A dump of family `family`, each reply handed to `on_reply` as it
    /// arrives (see [`NlSocket::request_each`]).
    pub fn dump_each<F>(
        &mut self,
        family: u16,
        payload: F,
        on_reply: &mut dyn FnMut(Reply<F>) -> Result<(), NetlinkError>,
    ) -> Result<(), NetlinkError>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug + Clone,
    {
        self.inner
            .request_each(Self::wrap(family, payload), true, 0, &mut |r| match r {
                Reply::Message(m) => on_reply(Reply::Message(m.payload)),
                Reply::Restart => on_reply(Reply::Restart),
            })
    }

    /// Sends many do-requests of family `family` (see [`NlSocket::batch`]),
    /// each writing its attributes straight into the send buffer.
    pub fn batch<F>(
        &mut self,
        family: u16,
        payloads: impl IntoIterator<Item = F>,
        stop_after_failure: bool,
    ) -> Result<Vec<Result<(), NetlinkError>>, NetlinkError>
    where
        F: GenlWrite,
    {
        self.inner.batch(
            payloads.into_iter().map(|p| InFamily(family, p)),
            stop_after_failure,
        )
    }

    /// Encodes do-requests of family `family` for
    /// [`GenlSocket::send_encoded`] (see [`NlSocket::encode_batch`]).
    pub fn encode_batch<F>(&mut self, family: u16, payloads: impl IntoIterator<Item = F>) -> Vec<EncodedChunk>
    where
        F: GenlWrite,
    {
        self.inner
            .encode_batch(payloads.into_iter().map(|p| InFamily(family, p)))
    }

    /// Sends pre-encoded chunks (see [`NlSocket::send_encoded`]).
    pub fn send_encoded(
        &mut self,
        chunks: &[EncodedChunk],
    ) -> Result<Vec<Result<(), NetlinkError>>, NetlinkError> {
        self.inner.send_encoded(chunks)
    }
}

/// A request that a batch writes straight into its send buffer.
///
/// Bulk loads send tens of thousands of small requests. Built as a
/// message first, each would be moved and copied several times on its way
/// into the buffer (the message, its netlink wrapper, a zero-filled slot,
/// the copy into it); written in place, its bytes are touched once.
pub trait WriteRequest {
    /// The netlink message type.
    fn message_type(&self) -> u16;
    /// The most bytes [`WriteRequest::write_payload`] appends; chunks are
    /// cut on it, so it must never be less than what is written.
    fn payload_bound(&self) -> usize;
    /// Appends the payload (what follows the 16-byte netlink header).
    fn write_payload(&self, out: &mut Vec<u8>);
}

/// A Generic Netlink request that writes its own attributes (see
/// [`WriteRequest`]); [`GenlSocket::batch`] adds the headers.
pub trait GenlWrite {
    /// The family's command.
    fn command(&self) -> u8;
    /// The family's version.
    fn version(&self) -> u8;
    /// The most bytes [`GenlWrite::write_attrs`] appends.
    fn attrs_bound(&self) -> usize;
    /// Appends the attributes, each padded to 4 bytes.
    fn write_attrs(&self, out: &mut Vec<u8>);
}

impl<T: GenlWrite + ?Sized> GenlWrite for &T {
    fn command(&self) -> u8 {
        (**self).command()
    }
    fn version(&self) -> u8 {
        (**self).version()
    }
    fn attrs_bound(&self) -> usize {
        (**self).attrs_bound()
    }
    fn write_attrs(&self, out: &mut Vec<u8>) {
        (**self).write_attrs(out)
    }
}

/// A [`GenlWrite`] request of a resolved family.
struct InFamily<F>(u16, F);

impl<F: GenlWrite> WriteRequest for InFamily<F> {
    fn message_type(&self) -> u16 {
        self.0
    }
    fn payload_bound(&self) -> usize {
        4 + self.1.attrs_bound()
    }
    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.1.command(), self.1.version(), 0, 0]);
        self.1.write_attrs(out);
    }
}

/// Requests encoded for one `send()`.
#[derive(Debug, Clone)]
pub struct EncodedChunk {
    bytes: Vec<u8>,
    first: u32,
    count: u32,
}

impl EncodedChunk {
    /// The number of requests in the chunk.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the chunk holds no request (never true for a chunk made by
    /// [`NlSocket::encode_batch`]).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl NlSocket {
    /// Opens a socket for a netlink protocol (`netlink_sys::protocols`) and
    /// enables capped and extended ACKs.
    pub fn open(protocol: isize) -> Result<Self, NetlinkError> {
        let mut sock = Socket::new(protocol)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        // Both are optional refinements; old kernels lack them.
        let _ = sock.set_cap_ack(true);
        let _ = sock.set_ext_ack(true);
        Ok(NlSocket {
            sock,
            seq: 0,
            rx: Vec::with_capacity(RECV_BYTES),
        })
    }

    /// Raises the receive buffer, so that many replies can queue up while
    /// a large batch is processed. Best effort.
    pub fn grow_receive_buffer(&mut self, bytes: usize) {
        let size = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        // SO_RCVBUFFORCE (CAP_NET_ADMIN) may exceed net.core.rmem_max.
        // SAFETY: the fd is ours and open; the option value is a c_int
        // whose address and size are passed correctly.
        let rc = unsafe {
            libc::setsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                std::ptr::addr_of!(size).cast::<libc::c_void>(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            let _ = self.sock.set_rx_buf_sz(bytes);
        }
    }

    /// Joins the multicast group `group`: a group number such as
    /// `RTNLGRP_LINK`, not the bit mask of the old `nl_groups` field (that
    /// only reaches groups 1 to 32).
    pub fn join_group(&mut self, group: u32) -> Result<(), NetlinkError> {
        self.sock.add_membership(group)?;
        Ok(())
    }

    /// Waits up to `timeout` (`None`: for ever; zero: not at all) for one
    /// datagram of multicast events and hands each of its data messages to
    /// `on_event` as (message type, payload). Control messages (`NOOP`,
    /// `ERROR`, `DONE`) are skipped; a message whose length field is broken
    /// ends the datagram (the rest of it cannot be framed).
    pub fn recv_events(
        &mut self,
        timeout: Option<Duration>,
        on_event: &mut dyn FnMut(u16, &[u8]),
    ) -> Result<EventWait, NetlinkError> {
        let ms = match timeout {
            None => -1,
            // Rounded up, so that a short timeout does not become a busy loop.
            Some(d) => libc::c_int::try_from(d.as_micros().div_ceil(1000)).unwrap_or(libc::c_int::MAX),
        };
        let mut pfd = libc::pollfd {
            fd: self.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1; the descriptor is ours and open.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                return Ok(EventWait::TimedOut);
            }
            return Err(e.into());
        }
        if rc == 0 {
            return Ok(EventWait::TimedOut);
        }
        self.rx.clear();
        let n = match self.sock.recv(&mut self.rx, libc::MSG_DONTWAIT | libc::MSG_TRUNC) {
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => return Ok(EventWait::Lost),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) =>
            {
                return Ok(EventWait::TimedOut)
            }
            Err(e) => return Err(e.into()),
        };
        let n = n.min(self.rx.len());
        let mut count = 0;
        for msg in Messages::new(&self.rx[..n]) {
            let Ok(msg) = msg else { break };
            count += 1;
            if !matches!(msg.kind, NLMSG_NOOP | NLMSG_ERROR | NLMSG_DONE | NLMSG_OVERRUN) {
                on_event(msg.kind, msg.payload);
            }
        }
        Ok(EventWait::Received(count))
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        if self.seq == 0 {
            self.seq = 1;
        }
        self.seq
    }

    fn encode<I>(inner: I, seq: u32, flags: u16, out: &mut Vec<u8>)
    where
        I: NetlinkSerializable + Debug,
    {
        let mut msg = NetlinkMessage::new(NetlinkHeader::default(), NetlinkPayload::InnerMessage(inner));
        msg.header.flags = flags;
        msg.header.sequence_number = seq;
        msg.finalize();
        let start = out.len();
        out.resize(start + msg.buffer_len(), 0);
        msg.serialize(&mut out[start..]);
    }

    /// Sends one request and collects its replies.
    ///
    /// With `dump` the request is a dump (`NLM_F_DUMP`) and every message up
    /// to `NLMSG_DONE` is returned; a dump that the kernel marks as
    /// interrupted by a concurrent change is repeated. Otherwise the request
    /// asks for an ACK and the replies before it are returned.
    pub fn request<I>(&mut self, inner: I, dump: bool) -> Result<Vec<I>, NetlinkError>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Debug + Clone,
    {
        self.request_flags(inner, dump, 0)
    }

    /// Like [`NlSocket::request`], with extra header flags such as
    /// `NLM_F_CREATE | NLM_F_EXCL`.
    pub fn request_flags<I>(&mut self, inner: I, dump: bool, extra: u16) -> Result<Vec<I>, NetlinkError>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Debug + Clone,
    {
        let mut replies = Vec::new();
        self.request_each(inner, dump, extra, &mut |event| {
            match event {
                Reply::Message(m) => replies.push(m),
                Reply::Restart => replies.clear(),
            }
            Ok(())
        })?;
        Ok(replies)
    }

    /// Like [`NlSocket::request_flags`], handing each reply to `on_reply`
    /// as it arrives instead of collecting them: a dump of a large table
    /// is decoded message by message. When a dump is repeated (the kernel
    /// marked it interrupted), `on_reply` first gets [`Reply::Restart`].
    pub fn request_each<I>(
        &mut self,
        inner: I,
        dump: bool,
        extra: u16,
        on_reply: &mut dyn FnMut(Reply<I>) -> Result<(), NetlinkError>,
    ) -> Result<(), NetlinkError>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Debug + Clone,
    {
        let mut attempts = 0;
        loop {
            let seq = self.next_seq();
            let flags = extra
                | if dump {
                    NLM_F_REQUEST | NLM_F_DUMP
                } else {
                    NLM_F_REQUEST | NLM_F_ACK
                };
            let mut buf = Vec::new();
            Self::encode(inner.clone(), seq, flags, &mut buf);
            self.sock.send(&buf, 0)?;
            if attempts > 0 {
                on_reply(Reply::Restart)?;
            }
            let mut interrupted = false;
            let wait = if dump { Await::Done } else { Await::Ack };
            self.receive(seq, wait, &mut |msg| {
                if msg.flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                let mut header = NetlinkHeader::default();
                header.length = msg.payload.len() as u32 + 16;
                header.message_type = msg.kind;
                header.flags = msg.flags;
                header.sequence_number = msg.seq;
                let reply =
                    I::deserialize(&header, msg.payload).map_err(|e| NetlinkError::Decode(e.to_string()))?;
                on_reply(Reply::Message(reply))
            })?;
            if !interrupted {
                return Ok(());
            }
            attempts += 1;
            if attempts >= DUMP_RETRIES {
                return Err(NetlinkError::DumpInterrupted(attempts));
            }
        }
    }

    /// Receives datagrams until the request `seq` is finished, handing every
    /// data message to `on_msg`.
    fn receive(&mut self, seq: u32, wait: Await, on_msg: &mut MessageSink<'_>) -> Result<(), NetlinkError> {
        let mut pending: Option<NetlinkError> = None;
        loop {
            let n = self.recv_datagram()?;
            for msg in Messages::new(&self.rx[..n]) {
                let msg = msg?;
                if msg.seq != seq {
                    continue; // a late reply to an earlier request
                }
                let (flags, payload) = (msg.flags, msg.payload);
                match msg.kind {
                    NLMSG_NOOP => {}
                    NLMSG_OVERRUN => return Err(NetlinkError::Decode("netlink overrun".into())),
                    NLMSG_ERROR => {
                        let (code, extack) = parse_error_payload(flags, payload)
                            .ok_or_else(|| NetlinkError::Decode("short error message".into()))?;
                        if code == 0 {
                            if wait == Await::Ack {
                                return pending.map_or(Ok(()), Err);
                            }
                        } else {
                            return Err(NetlinkError::Kernel { errno: -code, extack });
                        }
                    }
                    NLMSG_DONE => {
                        if let Some((code, extack)) = parse_error_payload(flags, payload) {
                            if code < 0 {
                                return Err(NetlinkError::Kernel { errno: -code, extack });
                            }
                        }
                        if wait == Await::Done {
                            return pending.map_or(Ok(()), Err);
                        }
                    }
                    _ => {
                        if pending.is_none() {
                            if let Err(e) = on_msg(&msg) {
                                pending = Some(e);
                            }
                        }
                    }
                }
            }
        }
    }

    fn recv_datagram(&mut self) -> Result<usize, NetlinkError> {
        loop {
            self.rx.clear();
            match self.sock.recv(&mut self.rx, libc::MSG_TRUNC) {
                Ok(n) if n > self.rx.capacity() => {
                    return Err(NetlinkError::Decode(format!(
                        "netlink datagram of {n} bytes truncated"
                    )))
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends many do-requests in as few `send()` calls as the kernel
    /// accepts and returns one result per request sent, in order.
    ///
    /// Requests are encoded one chunk at a time (at most
    /// [`MAX_SEND_BYTES`] and [`MAX_BATCH_MESSAGES`] per chunk), so memory
    /// stays bounded whatever the number of requests. Only the last
    /// request of each chunk asks for an ACK: the kernel reports failures
    /// of the others anyway, and the final ACK proves that every earlier
    /// message of the chunk has been processed (the kernel handles the
    /// messages of one send in order). This keeps the number of queued
    /// replies small whatever the batch size.
    ///
    /// The kernel carries on after a failed message within a chunk. With
    /// `stop_after_failure`, no further chunk is sent once one failed, and
    /// the result holds fewer entries than there were requests; callers
    /// that need all-or-nothing must undo what succeeded.
    pub fn batch<I>(
        &mut self,
        payloads: impl IntoIterator<Item = I>,
        stop_after_failure: bool,
    ) -> Result<Vec<Result<(), NetlinkError>>, NetlinkError>
    where
        I: WriteRequest,
    {
        let mut results: Vec<Result<(), NetlinkError>> = Vec::new();
        let mut iter = payloads.into_iter().peekable();
        let mut grown = false;
        while let Some(chunk) = self.encode_chunk(&mut iter) {
            if !grown && (chunk.count > 1 || iter.peek().is_some()) {
                self.grow_receive_buffer(BATCH_RCVBUF);
                grown = true;
            }
            let before = results.len();
            self.send_chunk(&chunk, &mut results)?;
            if stop_after_failure && results[before..].iter().any(Result::is_err) {
                break;
            }
        }
        Ok(results)
    }

    /// Encodes requests into chunks ready for [`NlSocket::send_encoded`],
    /// all at once (for measuring the kernel's side of a batch alone).
    pub fn encode_batch<I>(&mut self, payloads: impl IntoIterator<Item = I>) -> Vec<EncodedChunk>
    where
        I: WriteRequest,
    {
        let mut iter = payloads.into_iter().peekable();
        std::iter::from_fn(|| self.encode_chunk(&mut iter)).collect()
    }

    /// Sends chunks made by [`NlSocket::encode_batch`]; one result per
    /// request.
    pub fn send_encoded(
        &mut self,
        chunks: &[EncodedChunk],
    ) -> Result<Vec<Result<(), NetlinkError>>, NetlinkError> {
        self.grow_receive_buffer(BATCH_RCVBUF);
        let mut results = Vec::new();
        for c in chunks {
            self.send_chunk(c, &mut results)?;
        }
        Ok(results)
    }

    /// Encodes the next chunk of requests, the last one asking for an ACK.
    fn encode_chunk<I, It>(&mut self, iter: &mut std::iter::Peekable<It>) -> Option<EncodedChunk>
    where
        I: WriteRequest,
        It: Iterator<Item = I>,
    {
        let mut bytes = Vec::new();
        let mut first = 0;
        let mut count = 0u32;
        let mut last_at = 0;
        while let Some(p) = iter.peek() {
            // The header, the payload and the padding after it.
            let bound = (NL_HEADER + p.payload_bound() + 3) & !3;
            if count > 0 && (bytes.len() + bound > MAX_SEND_BYTES || count as usize >= MAX_BATCH_MESSAGES) {
                break;
            }
            let seq = self.next_seq();
            if count == 0 {
                first = seq;
                bytes.reserve(MAX_SEND_BYTES.min(bound * 64));
            }
            last_at = bytes.len();
            Self::write_request(p, seq, NLM_F_REQUEST, &mut bytes);
            iter.next();
            count += 1;
        }
        if count == 0 {
            return None;
        }
        // The last message of the chunk is the barrier.
        let mut hdr = NetlinkBuffer::new(&mut bytes[last_at..]);
        hdr.set_flags(NLM_F_REQUEST | NLM_F_ACK);
        Some(EncodedChunk { bytes, first, count })
    }

    /// Appends one request: its header (the length filled in once the
    /// payload is written), the payload, and padding to 4 bytes.
    fn write_request(p: &impl WriteRequest, seq: u32, flags: u16, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; NL_HEADER]);
        p.write_payload(out);
        debug_assert!(out.len() - start <= NL_HEADER + p.payload_bound());
        let len = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&len.to_ne_bytes());
        out[start + 4..start + 6].copy_from_slice(&p.message_type().to_ne_bytes());
        out[start + 6..start + 8].copy_from_slice(&flags.to_ne_bytes());
        out[start + 8..start + 12].copy_from_slice(&seq.to_ne_bytes());
        // The port id stays 0: the kernel.
        out.resize((out.len() + 3) & !3, 0);
    }

    /// Sends one chunk and appends one result per request to `results`.
    fn send_chunk(
        &mut self,
        chunk: &EncodedChunk,
        results: &mut Vec<Result<(), NetlinkError>>,
    ) -> Result<(), NetlinkError> {
        self.sock.send(&chunk.bytes, 0)?;
        let start = results.len();
        results.extend((0..chunk.count).map(|_| Ok(())));
        let last = chunk.first.wrapping_add(chunk.count - 1);
        self.receive_batch(chunk.first, last, &mut results[start..])
    }

    fn receive_batch(
        &mut self,
        first: u32,
        last: u32,
        chunk: &mut [Result<(), NetlinkError>],
    ) -> Result<(), NetlinkError> {
        loop {
            let n = self.recv_datagram()?;
            let mut done = false;
            for msg in Messages::new(&self.rx[..n]) {
                let msg = msg?;
                let seq = msg.seq;
                let idx = seq.wrapping_sub(first) as usize;
                if idx >= chunk.len() || msg.kind != NLMSG_ERROR {
                    continue;
                }
                let (code, extack) = parse_error_payload(msg.flags, msg.payload)
                    .ok_or_else(|| NetlinkError::Decode("short error message".into()))?;
                if code != 0 {
                    chunk[idx] = Err(NetlinkError::Kernel { errno: -code, extack });
                }
                if seq == last {
                    done = true;
                }
            }
            if done {
                return Ok(());
            }
        }
    }
}

impl AsRawFd for NlSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for NlSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

/// One netlink message inside a datagram.
#[derive(Debug)]
pub struct Message<'a> {
    /// `nlmsg_type`.
    pub kind: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// What follows the 16-byte header, up to `nlmsg_len`.
    pub payload: &'a [u8],
}

/// Walks the messages of one datagram, checking every length (public
/// for the property tests, which feed it arbitrary bytes).
#[derive(Debug)]
pub struct Messages<'a> {
    buf: &'a [u8],
    off: usize,
}

impl<'a> Messages<'a> {
    /// The messages of the datagram `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Messages { buf, off: 0 }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, NetlinkError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.off..)?;
        if rest.len() < 16 {
            return None;
        }
        let buf = match NetlinkBuffer::new_checked(rest) {
            Ok(b) => b,
            Err(e) => {
                self.off = self.buf.len();
                return Some(Err(e.into()));
            }
        };
        let len = buf.length() as usize;
        if len < 16 || len > rest.len() {
            self.off = self.buf.len();
            return Some(Err(NetlinkError::Decode("bad netlink message length".into())));
        }
        self.off += (len + 3) & !3;
        Some(Ok(Message {
            kind: buf.message_type(),
            flags: buf.flags(),
            seq: buf.sequence_number(),
            payload: &rest[16..len],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(len: u32, kind: u16, seq: u32) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend(len.to_ne_bytes());
        h.extend(kind.to_ne_bytes());
        h.extend(0u16.to_ne_bytes());
        h.extend(seq.to_ne_bytes());
        h.extend(0u32.to_ne_bytes());
        h
    }

    #[test]
    fn walks_aligned_messages() {
        let mut d = header(21, 0x20, 7);
        d.extend([1, 2, 3, 4, 5, 0, 0, 0]);
        d.extend(header(16, NLMSG_DONE, 7));
        let msgs: Vec<_> = Messages::new(&d).collect::<Result<_, _>>().unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].payload, &[1, 2, 3, 4, 5]);
        assert_eq!((msgs[1].kind, msgs[1].seq), (NLMSG_DONE, 7));
    }

    #[test]
    fn bad_lengths_are_errors_not_panics() {
        for len in [0u32, 15, 17 + 64, u32::MAX] {
            let d = header(len, 0x20, 1);
            let mut it = Messages::new(&d);
            assert!(matches!(it.next(), Some(Err(_))), "length {len}");
            assert!(it.next().is_none());
        }
        // Trailing bytes too short for a header are ignored.
        assert!(Messages::new(&[0u8; 10]).next().is_none());
    }

    /// A request with fixed attributes, encodable both ways.
    #[derive(Debug, Clone)]
    struct Fixed(u8, Vec<u8>);

    impl GenlFamily for Fixed {
        fn family_name() -> &'static str {
            "TEST"
        }
        fn command(&self) -> u8 {
            self.0
        }
        fn version(&self) -> u8 {
            1
        }
    }

    impl Emitable for Fixed {
        fn buffer_len(&self) -> usize {
            self.1.len()
        }
        fn emit(&self, buffer: &mut [u8]) {
            buffer.copy_from_slice(&self.1)
        }
    }

    impl GenlWrite for Fixed {
        fn command(&self) -> u8 {
            self.0
        }
        fn version(&self) -> u8 {
            1
        }
        fn attrs_bound(&self) -> usize {
            self.1.len()
        }
        fn write_attrs(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.1)
        }
    }

    #[test]
    fn requests_written_in_place_equal_serialized_messages() {
        let attrs = vec![8, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 5, 0, 2, 0, 7, 0, 0, 0];
        for (cmd, attrs) in [(1u8, vec![]), (2, attrs)] {
            for flags in [NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK] {
                let p = Fixed(cmd, attrs.clone());
                let mut direct = Vec::new();
                NlSocket::write_request(&InFamily(0x1d, &p), 77, flags, &mut direct);
                let mut old = Vec::new();
                NlSocket::encode(GenlSocket::wrap(0x1d, p), 77, flags, &mut old);
                assert_eq!(direct, old, "cmd {cmd}, flags {flags:#x}");
            }
        }
    }

    #[test]
    fn a_payload_of_odd_length_is_padded_for_the_next_request() {
        struct Odd;
        impl WriteRequest for Odd {
            fn message_type(&self) -> u16 {
                0x20
            }
            fn payload_bound(&self) -> usize {
                5
            }
            fn write_payload(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&[1, 2, 3, 4, 5]);
            }
        }
        let mut out = Vec::new();
        NlSocket::write_request(&Odd, 7, 0, &mut out);
        NlSocket::write_request(&Odd, 8, 0, &mut out);
        let msgs: Vec<_> = Messages::new(&out).collect::<Result<_, _>>().unwrap();
        assert_eq!(out.len(), 48);
        assert_eq!(msgs.len(), 2);
        assert_eq!((msgs[1].seq, msgs[1].payload), (8, &[1u8, 2, 3, 4, 5][..]));
    }
}
