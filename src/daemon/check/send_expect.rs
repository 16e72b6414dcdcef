//! `send-expect` (piranha nanny's): connect, send a string, read until
//! the reply matches, the server closes, or the deadline.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::net::{reason, Options};
use super::{down, shown, up, Found, Matcher};

/// Most reply bytes read.
const REPLY_MAX: usize = 1 << 20;

pub(super) async fn run(sock: &Options, to: SocketAddr, send: &[u8], expect: Option<&Matcher>) -> Found {
    let mut s = match sock.connect(to).await {
        Ok(s) => s,
        Err(why) => return down(why),
    };
    if !send.is_empty() {
        if let Err(e) = s.write_all(send).await {
            return down(format!("sending: {}", reason(&e)));
        }
    }
    let Some(m) = expect else {
        return up(if send.is_empty() {
            "connected".to_string()
        } else {
            format!("sent {} bytes", send.len())
        });
    };
    let mut reply = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        if m.is_match(&reply) {
            return up("reply matches");
        }
        if reply.len() >= REPLY_MAX {
            return down(format!("reply does not match {} (1 MiB read)", shown(m)));
        }
        match s.read(&mut buf).await {
            Ok(0) => {
                return down(if reply.is_empty() {
                    "connection closed without a reply".to_string()
                } else {
                    format!("reply does not match {}", shown(m))
                })
            }
            Ok(n) => reply.extend_from_slice(&buf[..n.min(REPLY_MAX - reply.len())]),
            Err(e) => return down(reason(&e)),
        }
    }
}
