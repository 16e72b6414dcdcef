//! Parsing of `NLMSG_ERROR` payloads, including extended ACK attributes.
//!
//! `netlink-packet-core` exposes the raw bytes after the error code but has
//! no parser for the `NLMSGERR_ATTR_*` TLVs, so this small one exists.
//! Layout (see `include/uapi/linux/netlink.h`): `i32 error`, the header of
//! the request that failed (16 bytes when the reply carries `NLM_F_CAPPED`,
//! else the whole request), then, when `NLM_F_ACK_TLVS` is set, attributes
//! of which type 1 (`NLMSGERR_ATTR_MSG`) is a NUL-terminated message.

use netlink_packet_core::{NlasIterator, NLM_F_ACK_TLVS, NLM_F_CAPPED};

const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSGHDR_LEN: usize = 16;

/// Decodes an `NLMSG_ERROR` payload given the flags of the error message.
///
/// Returns the error code as the kernel sent it (0 for an ACK, a negative
/// errno for a failure) and the extended-ack message, if any. Returns
/// `None` if the payload is too short to hold an error code.
pub fn parse_error_payload(flags: u16, payload: &[u8]) -> Option<(i32, Option<String>)> {
    let code = i32::from_ne_bytes(payload.get(0..4)?.try_into().ok()?);
    let rest = &payload[4..];
    if flags & NLM_F_ACK_TLVS == 0 {
        return Some((code, None));
    }
    let echoed = if flags & NLM_F_CAPPED != 0 {
        NLMSGHDR_LEN
    } else {
        // The whole request is echoed; its length is in its header.
        match rest.get(0..4) {
            Some(b) => {
                let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (len + 3) & !3
            }
            None => return Some((code, None)),
        }
    };
    let tlvs = match rest.get(echoed..) {
        Some(t) => t,
        None => return Some((code, None)),
    };
    let mut msg = None;
    for nla in NlasIterator::new(tlvs) {
        let Ok(nla) = nla else { break };
        if nla.kind() == NLMSGERR_ATTR_MSG {
            let v = nla.value();
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            msg = Some(String::from_utf8_lossy(&v[..end]).into_owned());
        }
    }
    Some((code, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ack() {
        let mut p = 0i32.to_ne_bytes().to_vec();
        p.extend_from_slice(&[0u8; 16]);
        assert_eq!(parse_error_payload(0, &p), Some((0, None)));
    }

    #[test]
    fn capped_error_with_message() {
        // error -17 (EEXIST), capped header, then NLMSGERR_ATTR_MSG "exists".
        let mut p = (-17i32).to_ne_bytes().to_vec();
        p.extend_from_slice(&[0u8; 16]);
        p.extend_from_slice(&[11, 0, 1, 0]);
        p.extend_from_slice(b"exists\0\0");
        assert_eq!(
            parse_error_payload(NLM_F_CAPPED | NLM_F_ACK_TLVS, &p),
            Some((-17, Some("exists".to_string())))
        );
    }

    #[test]
    fn truncated_payloads_do_not_panic() {
        assert_eq!(parse_error_payload(0, &[1, 2]), None);
        let p = (-1i32).to_ne_bytes();
        assert_eq!(parse_error_payload(NLM_F_ACK_TLVS, &p), Some((-1, None)));
        let mut p = (-1i32).to_ne_bytes().to_vec();
        p.extend_from_slice(&[200, 0, 0, 0]);
        assert_eq!(parse_error_payload(NLM_F_ACK_TLVS, &p), Some((-1, None)));
    }
}
