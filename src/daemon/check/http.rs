//! `http` and `https`: one HTTP/1.1 request (`Connection: close`) and a
//! small response parser of our own.
//!
//! Why not hyper: a check needs the status line, at most 1 MiB of body and
//! exact control of the socket (bound, marked, made by [`super::net`]);
//! the parser below is a hundred lines, has property tests, and keeps the
//! dependency tree to what TLS needs. It reads HTTP/1.0 and 1.1 answers:
//! `Content-Length`, `chunked` and close-delimited bodies, interim `1xx`
//! answers skipped, and no body for `HEAD`, 204 and 304.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::net::{reason, Options};
use super::{down, shown, up, Found, HttpCheck};

/// Most body bytes read (and matched).
pub(crate) const BODY_MAX: usize = 1 << 20;
/// Longest status line and headers.
const HEAD_MAX: usize = 64 << 10;
/// Most bytes read in all (head, body and chunk framing).
const RAW_MAX: usize = HEAD_MAX + 2 * BODY_MAX;

pub(super) async fn run(sock: &Options, to: SocketAddr, check: &HttpCheck) -> Found {
    let stream = match sock.connect(to).await {
        Ok(s) => s,
        Err(why) => return down(why),
    };
    let request = request(check, to);
    match &check.tls {
        None => exchange(stream, &request, check).await,
        Some(tls) => match super::tls::connect(stream, tls, check.host.as_deref(), to).await {
            Ok(s) => exchange(s, &request, check).await,
            Err(why) => down(why),
        },
    }
}

/// The request's bytes.
fn request(check: &HttpCheck, to: SocketAddr) -> Vec<u8> {
    let host = match &check.host {
        Some(h) => h.clone(),
        None => {
            let default = if check.tls.is_some() { 443 } else { 80 };
            let ip = match to {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            };
            if to.port() == default {
                ip
            } else {
                format!("{ip}:{}", to.port())
            }
        }
    };
    format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: lvsctl-check/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        check.method,
        check.path,
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

fn ranges(status: &[(u16, u16)]) -> String {
    let list: Vec<String> = status
        .iter()
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect();
    list.join(",")
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &[u8], check: &HttpCheck) -> Found {
    // (flush: over TLS, the last record may still sit in rustls.)
    if let Err(e) = async {
        s.write_all(request).await?;
        s.flush().await
    }
    .await
    {
        return down(format!("sending the request: {}", reason(&e)));
    }
    let head_only = check.method.eq_ignore_ascii_case("HEAD");
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 << 10];
    let mut eof = false;
    let mut judged_status = false;
    loop {
        match parse(&buf, eof, head_only) {
            Ok(Parsed::Partial(Some(status))) | Ok(Parsed::Done(status, _)) if !judged_status => {
                judged_status = true;
                if !check.status.iter().any(|(a, b)| (*a..=*b).contains(&status)) {
                    return down(format!("HTTP {status} not in {}", ranges(&check.status)));
                }
                if check.expect.is_none() {
                    return up(format!("HTTP {status}"));
                }
                continue;
            }
            Ok(Parsed::Done(status, body)) => {
                return match &check.expect {
                    Some(m) if !m.is_match(&body) => down(format!("body does not match {}", shown(m))),
                    _ => up(format!("HTTP {status}")),
                };
            }
            Ok(Parsed::Partial(_)) => {}
            Err(why) => return down(why),
        }
        if eof {
            // parse() answers every input at EOF.
            return down("connection closed before the response ended");
        }
        if buf.len() > RAW_MAX {
            // Only chunk framing grows past the body's cap: tiny chunks or
            // endless extensions.
            return down("response over 2 MiB without an end");
        }
        match s.read(&mut chunk).await {
            Ok(0) => eof = true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            // A server that resets after a complete close-delimited body
            // is common enough; treat the reset as the end.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !buf.is_empty() => eof = true,
            // TLS servers that close without close_notify.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => eof = true,
            Err(e) => return down(reason(&e)),
        }
    }
}

/// How far a response has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Not yet whole; the final status once its head has arrived.
    Partial(Option<u16>),
    /// Whole (or its first [`BODY_MAX`] bytes of body): status and body.
    Done(u16, Vec<u8>),
}

/// How a body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    Close,
}

/// Parses what has arrived of a response; `eof`: nothing more will.
/// Never panics; an error is a short reason.
pub(crate) fn parse(buf: &[u8], eof: bool, head_only: bool) -> Result<Parsed, String> {
    let mut at = 0;
    loop {
        let rest = &buf[at..];
        let Some(end) = head_end(rest) else {
            // Say "not HTTP" as soon as the first line shows it, rather
            // than waiting for a head that never comes.
            if let Some(nl) = rest.iter().position(|b| *b == b'\n') {
                let line = &rest[..nl];
                status_line(line.strip_suffix(b"\r").unwrap_or(line))?;
            } else if (eof && !rest.is_empty()) || (rest.len() >= 5 && !rest.starts_with(b"HTTP/")) {
                status_line(rest)?;
            }
            if rest.len() > HEAD_MAX {
                return Err("response head longer than 64 KiB".into());
            }
            if eof {
                return Err(if buf.is_empty() {
                    "connection closed without a response".into()
                } else {
                    "connection closed in the response head".into()
                });
            }
            return Ok(Parsed::Partial(None));
        };
        if end > HEAD_MAX {
            return Err("response head longer than 64 KiB".into());
        }
        let (status, framing) = head(&rest[..end], head_only)?;
        if (100..200).contains(&status) && status != 101 {
            // An interim answer (100 Continue, 103 Early Hints): the real
            // one follows.
            at += end;
            continue;
        }
        let body = &rest[end..];
        return Ok(match framing {
            Framing::Empty => Parsed::Done(status, Vec::new()),
            Framing::Length(n) => {
                let want = n.min(BODY_MAX as u64) as usize;
                if body.len() >= want {
                    Parsed::Done(status, body[..want].to_vec())
                } else if eof {
                    return Err(format!(
                        "connection closed after {} of {n} body bytes",
                        body.len()
                    ));
                } else {
                    Parsed::Partial(Some(status))
                }
            }
            Framing::Close => {
                if body.len() >= BODY_MAX {
                    Parsed::Done(status, body[..BODY_MAX].to_vec())
                } else if eof {
                    Parsed::Done(status, body.to_vec())
                } else {
                    Parsed::Partial(Some(status))
                }
            }
            Framing::Chunked => match dechunk(body)? {
                Some(b) => Parsed::Done(status, b),
                None if eof => return Err("connection closed in a chunked body".into()),
                None => Parsed::Partial(Some(status)),
            },
        });
    }
}

/// Where the head ends (after its empty line), LF or CRLF lines.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(nl) = buf[i..].iter().position(|b| *b == b'\n') {
        let after = i + nl + 1;
        match buf.get(after) {
            Some(b'\n') => return Some(after + 1),
            Some(b'\r') if buf.get(after + 1) == Some(&b'\n') => return Some(after + 2),
            Some(_) => i = after,
            None => return None,
        }
    }
    None
}

/// The status and framing of a head.
fn head(head: &[u8], head_only: bool) -> Result<(u16, Framing), String> {
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let status = status_line(line)?;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for l in lines {
        if l.is_empty() {
            continue;
        }
        let Some(colon) = l.iter().position(|b| *b == b':') else {
            return Err("malformed header line".into());
        };
        let name = &l[..colon];
        let value = String::from_utf8_lossy(&l[colon + 1..]);
        let value = value.trim();
        if name.eq_ignore_ascii_case(b"content-length") {
            let n: u64 = value
                .parse()
                .map_err(|_| format!("invalid Content-Length {:?}", clip(value)))?;
            if length.is_some_and(|m| m != n) {
                return Err("conflicting Content-Length headers".into());
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    let framing = if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Empty
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok((status, framing))
}

fn clip(s: &str) -> String {
    s.chars().take(20).collect()
}

/// `HTTP/1.x NNN reason`.
fn status_line(line: &[u8]) -> Result<u16, String> {
    let bad = || {
        let shown: String = String::from_utf8_lossy(line).chars().take(40).collect();
        format!("not an HTTP response: {shown:?}")
    };
    let rest = line.strip_prefix(b"HTTP/1.").ok_or_else(bad)?;
    let (minor, rest) = rest.split_first().ok_or_else(bad)?;
    if !minor.is_ascii_digit() || rest.first() != Some(&b' ') {
        return Err(bad());
    }
    let code = rest.get(1..4).ok_or_else(bad)?;
    if !code.iter().all(u8::is_ascii_digit) || !matches!(rest.get(4), None | Some(b' ')) {
        return Err(bad());
    }
    let n = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    if !(100..=599).contains(&n) {
        return Err(bad());
    }
    Ok(n)
}

/// Decodes a chunked body: `Some` once the last chunk (or [`BODY_MAX`]
/// bytes) has arrived. Trailers are not waited for.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(nl) = data.iter().position(|b| *b == b'\n') else {
            if data.len() > 1024 {
                return Err("malformed chunk size line".into());
            }
            return Ok(None);
        };
        let line = data[..nl].strip_suffix(b"\r").unwrap_or(&data[..nl]);
        let hex = line.split(|b| *b == b';').next().unwrap_or_default();
        let hex = String::from_utf8_lossy(hex);
        let hex = hex.trim();
        if hex.is_empty() || hex.len() > 15 {
            return Err("malformed chunk size".into());
        }
        let size = u64::from_str_radix(hex, 16).map_err(|_| "malformed chunk size".to_string())?;
        data = &data[nl + 1..];
        if size == 0 {
            return Ok(Some(body));
        }
        let room = (BODY_MAX - body.len()) as u64;
        if size >= room {
            // The cap falls inside this chunk: enough once its share is here.
            let want = room as usize;
            if data.len() >= want {
                body.extend_from_slice(&data[..want]);
                return Ok(Some(body));
            }
            return Ok(None);
        }
        let size = size as usize;
        if data.len() < size {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size..];
        // The CRLF after the chunk's data.
        match data {
            [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] => data = rest,
            [] | [b'\r'] => return Ok(None),
            _ => return Err("malformed chunk: no line end after its data".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn done(text: &[u8]) -> Parsed {
        parse(text, true, false).unwrap()
    }

    #[test]
    fn reads_each_framing() {
        assert_eq!(
            done(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"),
            Parsed::Done(200, b"abc".to_vec())
        );
        assert_eq!(
            done(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            ),
            Parsed::Done(200, b"abcde".to_vec())
        );
        assert_eq!(
            done(b"HTTP/1.0 503 Busy\n\nsorry"),
            Parsed::Done(503, b"sorry".to_vec())
        );
        assert_eq!(
            done(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
            Parsed::Done(204, Vec::new())
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", false, true).unwrap(),
            Parsed::Done(200, Vec::new())
        );
        assert_eq!(
            parse(b"HTTP/1.1 302\r\nContent-Length: 2\r\n\r\n", false, false).unwrap(),
            Parsed::Partial(Some(302))
        );
    }

    #[test]
    fn refuses_what_is_not_http() {
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 700 X\r\n\r\n",
            b"HTTP/2 200\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nbroken\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
        ] {
            assert!(
                parse(bad, true, false).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\n", false, false),
            Ok(Parsed::Partial(None))
        );
    }

    #[test]
    fn caps_the_body() {
        let mut r = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n".to_vec();
        r.resize(r.len() + BODY_MAX, b'x');
        match parse(&r, false, false).unwrap() {
            Parsed::Done(200, b) => assert_eq!(b.len(), BODY_MAX),
            other => panic!("{other:?}"),
        }
        let mut c = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n".to_vec();
        c.resize(c.len() + BODY_MAX, b'y');
        assert!(matches!(parse(&c, false, false).unwrap(), Parsed::Done(200, b) if b.len() == BODY_MAX));
    }

    #[test]
    fn request_names_the_host() {
        let mut h = HttpCheck {
            method: "GET".into(),
            path: "/x".into(),
            host: None,
            status: vec![(200, 299)],
            expect: None,
            tls: None,
        };
        let r = String::from_utf8(request(&h, "192.0.2.1:80".parse().unwrap())).unwrap();
        assert!(r.starts_with("GET /x HTTP/1.1\r\nHost: 192.0.2.1\r\n"), "{r}");
        assert!(r.ends_with("Connection: close\r\n\r\n"));
        let r = String::from_utf8(request(&h, "[2001:db8::1]:8080".parse().unwrap())).unwrap();
        assert!(r.contains("Host: [2001:db8::1]:8080\r\n"), "{r}");
        h.host = Some("www.example.com".into());
        let r = String::from_utf8(request(&h, "192.0.2.1:8080".parse().unwrap())).unwrap();
        assert!(r.contains("Host: www.example.com\r\n"), "{r}");
        assert_eq!(ranges(&[(200, 299), (301, 301)]), "200-299,301");
    }

    /// A response in one of three framings, its body, and read sizes.
    fn response() -> impl Strategy<Value = (Vec<u8>, u16, Vec<u8>, bool)> {
        (
            200u16..600,
            proptest::collection::vec(any::<u8>(), 0..300),
            0..3u8,
            proptest::collection::vec(1usize..50, 1..8),
            any::<bool>(),
        )
            .prop_map(|(status, body, framing, chunks, lf)| {
                let nl: &[u8] = if lf { b"\n" } else { b"\r\n" };
                let mut r = format!("HTTP/1.1 {status} Whatever").into_bytes();
                r.extend_from_slice(nl);
                r.extend_from_slice(b"X-Any: 1");
                r.extend_from_slice(nl);
                let closes = framing == 2;
                match framing {
                    0 => {
                        r.extend_from_slice(format!("Content-Length: {}", body.len()).as_bytes());
                        r.extend_from_slice(nl);
                        r.extend_from_slice(nl);
                        r.extend_from_slice(&body);
                    }
                    1 => {
                        r.extend_from_slice(b"Transfer-Encoding: gzip, chunked");
                        r.extend_from_slice(nl);
                        r.extend_from_slice(nl);
                        let mut rest = &body[..];
                        let mut sizes = chunks.iter().cycle();
                        while !rest.is_empty() {
                            let n = (*sizes.next().unwrap_or(&1)).min(rest.len());
                            r.extend_from_slice(format!("{n:x}").as_bytes());
                            r.extend_from_slice(nl);
                            r.extend_from_slice(&rest[..n]);
                            r.extend_from_slice(nl);
                            rest = &rest[n..];
                        }
                        r.extend_from_slice(b"0");
                        r.extend_from_slice(nl);
                        r.extend_from_slice(nl);
                    }
                    _ => {
                        r.extend_from_slice(nl);
                        r.extend_from_slice(&body);
                    }
                }
                let body = if status == 204 || status == 304 {
                    Vec::new()
                } else {
                    body
                };
                (r, status, body, closes)
            })
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), eof: bool, head_only: bool) {
            let _ = parse(&bytes, eof, head_only);
        }

        #[test]
        fn never_panics_after_a_valid_head(tail in proptest::collection::vec(any::<u8>(), 0..200), chunked: bool) {
            let mut r = if chunked {
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()
            } else {
                b"HTTP/1.1 200 OK\r\n\r\n".to_vec()
            };
            r.extend_from_slice(&tail);
            let _ = parse(&r, false, false);
            let _ = parse(&r, true, false);
        }

        #[test]
        fn reads_whatever_the_reads_cut((r, status, body, closes) in response(), cut in 0usize..400) {
            // Every prefix is partial (or a complete earlier answer for
            // close-delimited bodies only at EOF), the whole is the body.
            let cut = cut.min(r.len());
            match parse(&r[..cut], false, false) {
                Ok(Parsed::Partial(_)) => {}
                Ok(Parsed::Done(s, b)) => {
                    prop_assert!(!closes || status == 204 || status == 304);
                    prop_assert_eq!(s, status);
                    prop_assert_eq!(&b, &body);
                }
                Err(e) => prop_assert!(false, "prefix {} of {:?}: {}", cut, String::from_utf8_lossy(&r), e),
            }
            prop_assert_eq!(parse(&r, true, false), Ok(Parsed::Done(status, body.clone())));
            if !closes {
                prop_assert_eq!(parse(&r, false, false), Ok(Parsed::Done(status, body)));
            }
        }
    }
}
