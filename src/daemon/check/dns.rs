//! `dns`: one query over UDP; up when the answer's response code is one
//! of those expected.
//!
//! Written by hand (a query builder and a header reader, not a DNS
//! library): the check looks at the header only (id, QR, opcode, RCODE,
//! QDCOUNT) and the question echoed back, and hickory-proto, the usual
//! crate, needs a newer Rust than this crate's 1.85.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};

use super::net::Options;
use super::udp::udp_reason;
use super::{down, up, Found};

/// Response code names, by number (RFC 1035, 2136).
pub(crate) const RCODES: &[(&str, u8)] = &[
    ("NOERROR", 0),
    ("FORMERR", 1),
    ("SERVFAIL", 2),
    ("NXDOMAIN", 3),
    ("NOTIMP", 4),
    ("REFUSED", 5),
    ("YXDOMAIN", 6),
    ("YXRRSET", 7),
    ("NXRRSET", 8),
    ("NOTAUTH", 9),
    ("NOTZONE", 10),
];

/// Query type names.
pub(crate) const QTYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("PTR", 12),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
    ("SRV", 33),
];

pub(crate) fn rcode_name(code: u8) -> String {
    RCODES
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| format!("rcode {code}"))
}

pub(super) async fn run(sock: &Options, to: SocketAddr, name: &str, qtype: u16, rcodes: &[u8]) -> Found {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // Ids differ between probes; mixed with the clock so that two daemons
    // started together do not count alike.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed) ^ (nanos as u16);
    let query = match query(id, name, qtype) {
        Ok(q) => q,
        Err(why) => return down(why),
    };
    let s = match sock.udp(to) {
        Ok(s) => s,
        Err(why) => return down(why),
    };
    if let Err(e) = s.send(&query).await {
        return down(udp_reason(&e));
    }
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match s.recv(&mut buf).await {
            Ok(n) => n,
            Err(e) => return down(udp_reason(&e)),
        };
        match answer(&buf[..n], &query) {
            // Not the answer to this query (a late answer to an earlier
            // one): keep waiting.
            Err(Answer::Other) => continue,
            Err(Answer::Bad(why)) => return down(why),
            Ok(rcode) if rcodes.contains(&rcode) => return up(rcode_name(rcode)),
            Ok(rcode) => {
                let want: Vec<String> = rcodes.iter().map(|c| rcode_name(*c)).collect();
                return down(format!("{} not in {}", rcode_name(rcode), want.join(",")));
            }
        }
    }
}

/// The wire form of `name` (`.` or `a.b.` or `a.b`).
pub(crate) fn encode_name(name: &str) -> Result<Vec<u8>, String> {
    let bad = |why: &str| format!("invalid DNS name {name:?}: {why}");
    let mut out = Vec::with_capacity(name.len() + 2);
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if !trimmed.is_empty() {
        for label in trimmed.split('.') {
            if label.is_empty() {
                return Err(bad("empty label"));
            }
            if label.len() > 63 {
                return Err(bad("a label is longer than 63 bytes"));
            }
            if !label.is_ascii() {
                return Err(bad("not ASCII (write IDNs as xn--)"));
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    if out.len() > 255 {
        return Err(bad("longer than 255 bytes"));
    }
    Ok(out)
}

/// A standard query (RD set) for `name`, type `qtype`, class IN.
pub(crate) fn query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, String> {
    let mut q = Vec::with_capacity(32);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    q.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    q.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // AN, NS, AR
    q.extend_from_slice(&encode_name(name)?);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes()); // IN
    Ok(q)
}

/// Why a datagram is not a usable answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Not an answer to this query (another id, not a response).
    Other,
    /// An answer to it, but broken.
    Bad(String),
}

/// The RCODE of `reply` if it answers `query` (same id, QR set, same
/// question when one is echoed).
pub(crate) fn answer(reply: &[u8], query: &[u8]) -> Result<u8, Answer> {
    if reply.len() < 12 || query.len() < 12 {
        return Err(Answer::Other);
    }
    if reply[..2] != query[..2] {
        return Err(Answer::Other);
    }
    let flags = u16::from_be_bytes([reply[2], reply[3]]);
    if flags & 0x8000 == 0 {
        return Err(Answer::Other);
    }
    let opcode = (flags >> 11) & 0xf;
    if opcode != 0 {
        return Err(Answer::Bad(format!("answer with opcode {opcode}")));
    }
    let rcode = (flags & 0xf) as u8;
    let qdcount = u16::from_be_bytes([reply[4], reply[5]]);
    match qdcount {
        // Some servers leave the question out of FORMERR-style answers.
        0 => {}
        1 => {
            let question = &query[12..];
            let echoed = reply.get(12..12 + question.len());
            if !echoed.is_some_and(|e| e.eq_ignore_ascii_case(question)) {
                return Err(Answer::Bad("answer to another question".into()));
            }
        }
        n => return Err(Answer::Bad(format!("answer with {n} questions"))),
    }
    Ok(rcode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builds_queries() {
        let q = query(0x1234, "rs.example.com", 1).unwrap();
        assert_eq!(&q[..12], &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x02rs\x07example\x03com\x00\x00\x01\x00\x01");
        assert_eq!(query(1, "rs.example.com.", 1).unwrap(), {
            let mut x = q.clone();
            x[..2].copy_from_slice(&[0, 1]);
            x
        });
        assert_eq!(&query(0, ".", 6).unwrap()[12..], &[0, 0, 6, 0, 1]);
        assert!(encode_name("a..b").is_err());
        assert!(encode_name(&"x".repeat(64)).is_err());
        assert!(encode_name(&["abcdefghij"; 30].join(".")).is_err());
        assert!(encode_name("é.example").is_err());
    }

    fn reply_to(q: &[u8], flags: u16) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2..4].copy_from_slice(&flags.to_be_bytes());
        r
    }

    #[test]
    fn reads_answers() {
        let q = query(7, "rs.example.com", 1).unwrap();
        assert_eq!(answer(&reply_to(&q, 0x8180), &q), Ok(0));
        assert_eq!(answer(&reply_to(&q, 0x8183), &q), Ok(3));
        // Case of the echoed name may differ (0x20 randomisation).
        let mut upper = reply_to(&q, 0x8180);
        upper[13] = b'R';
        assert_eq!(answer(&upper, &q), Ok(0));
        assert_eq!(answer(&reply_to(&q, 0x0100), &q), Err(Answer::Other));
        let mut other = reply_to(&q, 0x8180);
        other[1] = 8;
        assert_eq!(answer(&other, &q), Err(Answer::Other));
        assert_eq!(answer(&q[..11], &q), Err(Answer::Other));
        let mut wrong = reply_to(&q, 0x8180);
        wrong[14] = b'x';
        assert!(matches!(answer(&wrong, &q), Err(Answer::Bad(_))));
        let mut none = reply_to(&q, 0x8182);
        none[5] = 0;
        none.truncate(12);
        assert_eq!(answer(&none, &q), Ok(2));
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(15), "rcode 15");
    }

    proptest! {
        #[test]
        fn never_panics(reply in proptest::collection::vec(any::<u8>(), 0..64), id: u16) {
            let q = query(id, "example.com", 6).unwrap();
            let _ = answer(&reply, &q);
        }

        #[test]
        fn rcode_round_trip(id: u16, rcode in 0u8..16, qtype: u16, labels in proptest::collection::vec("[a-z0-9-]{1,20}", 0..5)) {
            let name = labels.join(".");
            let q = query(id, &name, qtype).unwrap();
            prop_assert_eq!(&q[..2], &id.to_be_bytes());
            let r = reply_to(&q, 0x8400 | u16::from(rcode));
            prop_assert_eq!(answer(&r, &q), Ok(rcode));
        }
    }
}
