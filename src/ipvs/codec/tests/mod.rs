//! Golden bytes for every object of the codec, checked both ways.
//!
//! Each fixture is the attribute payload of one message (what follows the
//! 4-byte genl header). A test decodes the bytes into the value it expects
//! and encodes that value back into the same bytes, the way
//! netlink-packet-route tests its messages; requests are decoded with the
//! reply decoder, which reads the same attributes. Where only one
//! direction exists (a delete carries no settings to decode, an old
//! kernel's layout is never written) the test says so.
//!
//! Where the bytes come from:
//! * requests: captured from Debian's ipvsadm 1.31 (libnl 3.7) with
//!   `ipvsadm_shim.c`, a preloaded library that plays the kernel's part of
//!   the conversation and logs each request (see its header; it needs no
//!   IPVS, so it runs on this machine). With a real kernel, in the VM: a
//!   `tests/vm/run` scenario running `strace -f -e trace=sendmsg -xx
//!   ipvsadm ...`, less the 16-byte netlink and 4-byte genl headers;
//! * replies: laid out by hand from the kernel's `ip_vs_genl_fill_*` in
//!   `net/netfilter/ipvs/ip_vs_ctl.c` as an x86-64 kernel writes them
//!   (nests without `NLA_F_NESTED`, no padding before `u64`s); to check
//!   one against a real kernel, capture `strace -f -e trace=recvmsg -xx
//!   ipvsadm -Ln --stats` (or `--daemon`, `--timeout`) in the VM.
//!
//! `hex` reads fixtures written one attribute a line, with a `#` comment.

mod config;
mod daemon;
mod dest;
mod malformed;
mod service;
mod stats;

use netlink_packet_core::{Emitable, ParseableParametrized};
use netlink_packet_generic::GenlHeader;

use super::IpvsMessage;

/// Parses hex words as they appear in a byte dump; `#` starts a comment
/// that runs to the end of its line.
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split_whitespace())
        .collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// The attribute payload of a message.
fn emit(msg: &IpvsMessage) -> Vec<u8> {
    let mut buf = vec![0; msg.buffer_len()];
    msg.emit(&mut buf);
    buf
}

/// A message received with command `cmd` and payload `bytes`.
fn parse(cmd: u8, bytes: &[u8]) -> IpvsMessage {
    IpvsMessage::parse_with_param(bytes, GenlHeader { cmd, version: 1 }).unwrap()
}

/// One attribute, padded, for tests that build odd replies.
fn attr(kind: u16, v: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&((4 + v.len()) as u16).to_ne_bytes());
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(v);
    while b.len() % 4 != 0 {
        b.push(0);
    }
    b
}
