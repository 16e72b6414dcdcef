//! The daemon's HTTP listener: the status page (`[daemon] http`), its
//! data (`/status.json`, `/history.json`, `/events`), its buttons (POST
//! `/api/...` with `http_actions = true`) and Prometheus's `/metrics`
//! (`[daemon] metrics`; one listener serves both when they name the same
//! address).
//!
//! **Why a hand-written HTTP/1.1 responder, not hyper.** What is served is
//! a fixed handful of routes to local operators and a scraper: one
//! request per connection (`Connection: close`), a head of at most 8 KiB
//! read within 5 s, a body of at most 4 KiB, no keep-alive, no chunked
//! uploads, no TLS (the page belongs on a management address or behind a
//! proxy that terminates TLS). That is about as much code as wiring hyper
//! would be, and keeps the binary and the dependency list as they are.
//! Nothing a client sends can panic it: every parse returns `None` and is
//! answered with a 400.
//!
//! **Live updates are server-sent events.** One `GET /events` stream per
//! open page carries the whole status every [`EVENT_EVERY`] and the
//! history's new samples when there are some (all of it first), so the
//! page shows a server down within seconds without polling the daemon
//! from several requests. At most [`MAX_STREAMS`] streams are open at
//! once (each costs the loop a status every two seconds); more get a 503.
//!
//! **The buttons are guarded three times.** They exist only with
//! `http_actions = true` (otherwise the routes are 404 and the page has no
//! buttons). A POST must carry `Authorization: Bearer TOKEN`, the first
//! line of `http_token_file`, compared in constant time; and when the
//! browser sends `Origin`, it must be this listener's own (`http://` and
//! the request's `Host`), so another site's page can neither post here
//! nor read the answer. Only POST changes anything; GET never does. Every
//! attempt is logged, refused ones as warnings, with the peer's address.
//!
//! The page (`page/`) is embedded in the binary and has no external
//! assets: it works on a management network with no Internet. Its script
//! and style are separate routes so that the page's
//! `Content-Security-Policy` allows no inline script at all.

use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::log::Log;
use super::proto::{ErrorKind, Reply, Request};

/// How often an event stream carries the status.
pub const EVENT_EVERY: Duration = Duration::from_secs(2);

/// Event streams open at once.
pub const MAX_STREAMS: usize = 16;

/// Connections served at once; more are closed as they come, so a flood
/// cannot take the file descriptors the probes need.
pub const MAX_CONNECTIONS: usize = 64;

/// How long one request may take from accept to the end of its answer
/// (an event stream: each write).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest request head read.
const MAX_HEAD: usize = 8 << 10;

/// Longest request body read (a POST names one service and one server).
const MAX_BODY: usize = 4 << 10;

/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The shortest token accepted.
pub const MIN_TOKEN: usize = 16;

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");

/// What the listener asks the daemon's loop.
#[derive(Debug)]
pub enum WebAsk {
    /// The Prometheus text.
    Metrics(oneshot::Sender<String>),
    /// The status document, as `lvsctl daemon status --output json`
    /// prints it.
    Status(oneshot::Sender<String>),
    /// [`super::history::History::json`] newer than the time given, with
    /// the time of its newest point (`None`: nothing newer).
    History(Option<u64>, oneshot::Sender<(Option<u64>, String)>),
    /// A button (drain, undrain, disable or enable), already logged.
    Action(Request, oneshot::Sender<Reply>),
}

/// What one listener serves.
#[derive(Debug)]
pub struct Site {
    /// `/metrics`.
    pub metrics: bool,
    /// The page and its data.
    pub page: bool,
    /// The buttons' POSTs.
    pub actions: bool,
    /// The token those need (read again at each reload).
    token: RwLock<Option<Vec<u8>>>,
    streams: Semaphore,
    connections: Arc<Semaphore>,
    log: Arc<Log>,
}

impl Site {
    /// A listener's routes.
    pub fn new(metrics: bool, page: bool, actions: bool, token: Option<Vec<u8>>, log: Arc<Log>) -> Self {
        Site {
            metrics,
            page,
            actions,
            token: RwLock::new(token),
            streams: Semaphore::new(MAX_STREAMS),
            connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
            log,
        }
    }

    /// Replaces the token (a reload read the file again; `None` refuses
    /// every POST).
    pub fn set_token(&self, token: Option<Vec<u8>>) {
        if let Ok(mut t) = self.token.write() {
            *t = token;
        }
    }

    fn token_matches(&self, given: &[u8]) -> bool {
        match self.token.read() {
            Ok(t) => t.as_deref().is_some_and(|t| same(t, given)),
            Err(_) => false,
        }
    }
}

/// Constant-time equality (a token's prefix must not be guessable from
/// answer times).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the token: the first line of `path`, a regular file that users
/// other than its owner and group can neither read nor write, at least
/// [`MIN_TOKEN`] characters with no space.
pub fn read_token(path: &Path) -> Result<Vec<u8>, String> {
    let show = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("http_token_file {show}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("http_token_file {show}: not a regular file"));
    }
    if meta.mode() & 0o007 != 0 {
        return Err(format!(
            "http_token_file {show}: other users may read or write it (mode {:o}); chmod o-rwx it",
            meta.mode() & 0o7777
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("http_token_file {show}: {e}"))?;
    let token = text.lines().next().unwrap_or("").trim();
    if token.len() < MIN_TOKEN || token.contains(char::is_whitespace) {
        return Err(format!(
            "http_token_file {show}: the first line must be a token of at least {MIN_TOKEN} characters without spaces"
        ));
    }
    Ok(token.as_bytes().to_vec())
}

/// A request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    /// Header names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
    /// Bytes of the head, the blank line included.
    pub len: usize,
}

impl Head {
    /// A header's value (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a request head; `None` unless it is a complete, well-formed
/// HTTP/1.x head.
pub fn parse_head(bytes: &[u8]) -> Option<Head> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || !target.starts_with('/')
    {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for l in lines {
        let (n, v) = l.split_once(':')?;
        // A header name is an RFC 9110 token.
        let token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if n.is_empty() || !n.bytes().all(token_char) {
            return None;
        }
        headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
    }
    Some(Head {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        len: end + 4,
    })
}

/// The body's length: one `Content-Length` of digits only, at most
/// [`MAX_BODY`], and no `Transfer-Encoding`; `None` for anything else,
/// which could be read two ways.
fn body_length(head: &Head) -> Option<usize> {
    if head.header("transfer-encoding").is_some() {
        return None;
    }
    let mut lengths = head.headers.iter().filter(|(n, _)| n == "content-length");
    let n = match (lengths.next(), lengths.next()) {
        (None, _) => 0,
        (Some((_, v)), None) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => v.parse().ok()?,
        _ => return None,
    };
    (n <= MAX_BODY).then_some(n)
}

/// `since=N` of a query.
fn since(query: &str) -> Option<u64> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("since="))
        .and_then(|v| v.parse().ok())
}

/// An answer.
#[derive(Debug)]
struct Answer {
    status: &'static str,
    ctype: &'static str,
    body: String,
    extra: &'static str,
}

fn answer(status: &'static str, ctype: &'static str, body: String) -> Answer {
    Answer {
        status,
        ctype,
        body,
        extra: "",
    }
}

fn text(status: &'static str, body: &str) -> Answer {
    answer(status, "text/plain; charset=utf-8", format!("{body}\n"))
}

fn json_error(status: &'static str, message: &str) -> Answer {
    let body = serde_json::json!({ "result": "error", "message": message }).to_string();
    answer(status, "application/json", body + "\n")
}

/// Headers every answer carries: nothing is cached, nothing sniffed, no
/// page frames this one (its buttons cannot be clicked through another
/// site's frame).
const COMMON: &str = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";

const CSP: &str = "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n";

fn bytes_of(a: &Answer) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{COMMON}{}Connection: close\r\n\r\n",
        a.status,
        a.ctype,
        a.body.len(),
        a.extra
    )
    .into_bytes();
    out.extend_from_slice(a.body.as_bytes());
    out
}

/// Serves `site` on `listener`, asking the loop through `ask`.
pub async fn serve(listener: tokio::net::TcpListener, site: Arc<Site>, ask: mpsc::Sender<WebAsk>) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let Ok(permit) = site.connections.clone().try_acquire_owned() else {
            // Closed at once: no task, no buffer, the descriptor back.
            drop(stream);
            continue;
        };
        let (site, ask) = (site.clone(), ask.clone());
        tokio::spawn(async move {
            connection(stream, peer, site, ask).await;
            drop(permit);
        });
    }
}

async fn read_request(stream: &mut TcpStream) -> io::Result<Option<(Head, Vec<u8>)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let head = loop {
        if let Some(h) = parse_head(&buf) {
            break h;
        }
        if buf.len() >= MAX_HEAD || buf.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let Some(want) = body_length(&head) else {
        return Ok(None);
    };
    let mut body = buf[head.len.min(buf.len())..].to_vec();
    while body.len() < want {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(want);
    Ok(Some((head, body)))
}

async fn connection(mut stream: TcpStream, peer: SocketAddr, site: Arc<Site>, ask: mpsc::Sender<WebAsk>) {
    let req = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Ok(Ok(r)) => r,
        _ => return,
    };
    let Some((head, body)) = req else {
        let _ = stream
            .write_all(&bytes_of(&text("400 Bad Request", "bad request")))
            .await;
        return;
    };
    if head.method == "GET" && head.path == "/events" && site.page {
        return events(stream, &site, ask).await;
    }
    let _ = tokio::time::timeout(ANSWER_TIMEOUT, async {
        let a = route(&head, &body, peer, &site, &ask).await;
        let _ = stream.write_all(&bytes_of(&a)).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

async fn asked<T>(ask: &mpsc::Sender<WebAsk>, make: impl FnOnce(oneshot::Sender<T>) -> WebAsk) -> Option<T> {
    let (tx, rx) = oneshot::channel();
    ask.send(make(tx)).await.ok()?;
    rx.await.ok()
}

async fn route(
    head: &Head,
    body: &[u8],
    peer: SocketAddr,
    site: &Site,
    ask: &mpsc::Sender<WebAsk>,
) -> Answer {
    let path = head.path.as_str();
    let page_route = matches!(
        path,
        "/" | "/index.html" | "/app.js" | "/app.css" | "/status.json" | "/history.json" | "/events"
    );
    if path == "/metrics" && site.metrics || page_route && site.page {
        if head.method != "GET" {
            let mut a = text("405 Method Not Allowed", "only GET here");
            a.extra = "Allow: GET\r\n";
            return a;
        }
        return match path {
            "/metrics" => match asked(ask, WebAsk::Metrics).await {
                Some(t) => answer("200 OK", "text/plain; version=0.0.4; charset=utf-8", t),
                None => text("503 Service Unavailable", "the daemon is stopping"),
            },
            "/" | "/index.html" => {
                let mut a = answer(
                    "200 OK",
                    "text/html; charset=utf-8",
                    INDEX.replace(
                        "data-actions=\"off\"",
                        if site.actions {
                            "data-actions=\"on\""
                        } else {
                            "data-actions=\"off\""
                        },
                    ),
                );
                a.extra = CSP;
                a
            }
            "/app.js" => answer("200 OK", "text/javascript; charset=utf-8", SCRIPT.to_string()),
            "/app.css" => answer("200 OK", "text/css; charset=utf-8", STYLE.to_string()),
            "/status.json" => match asked(ask, WebAsk::Status).await {
                Some(t) => answer("200 OK", "application/json", t),
                None => text("503 Service Unavailable", "the daemon is stopping"),
            },
            "/history.json" => match asked(ask, |tx| WebAsk::History(since(&head.query), tx)).await {
                Some((_, t)) => answer("200 OK", "application/json", t + "\n"),
                None => text("503 Service Unavailable", "the daemon is stopping"),
            },
            _ => text("404 Not Found", "not found"),
        };
    }
    let action = path
        .strip_prefix("/api/")
        .filter(|a| site.page && site.actions && matches!(*a, "drain" | "undrain" | "disable" | "enable"));
    let Some(action) = action else {
        return text("404 Not Found", "not found");
    };
    if head.method != "POST" {
        let mut a = text("405 Method Not Allowed", "only POST here");
        a.extra = "Allow: POST\r\n";
        return a;
    }
    let refuse = |why: &str| {
        site.log.warn(
            "page action refused",
            &[("action", action), ("peer", &peer.to_string()), ("why", why)],
        );
        json_error("403 Forbidden", why)
    };
    // The page's own origin: this Host, over http or (behind a proxy that
    // terminates TLS and keeps Host) https.
    if let Some(origin) = head.header("origin") {
        let own = head.header("host").is_some_and(|h| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|o| o.eq_ignore_ascii_case(h))
        });
        if !own {
            return refuse("the request comes from another site's page (Origin)");
        }
    }
    let token = head
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        None => return refuse("no token (Authorization: Bearer TOKEN)"),
        Some(t) if !site.token_matches(t.as_bytes()) => return refuse("wrong token"),
        Some(_) => {}
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Target {
        service: String,
        server: String,
    }
    let Ok(t) = serde_json::from_slice::<Target>(body) else {
        return json_error(
            "400 Bad Request",
            "the body must be {\"service\": SERVICE, \"server\": SERVER}",
        );
    };
    let (service, server) = (t.service, t.server);
    site.log.info(
        "page action",
        &[
            ("action", action),
            ("service", &service),
            ("server", &server),
            ("peer", &peer.to_string()),
        ],
    );
    let request = match action {
        "drain" => Request::Drain { service, server },
        "undrain" => Request::Undrain { service, server },
        "disable" => Request::Disable { service, server },
        _ => Request::Enable { service, server },
    };
    let Some(reply) = asked(ask, |reply| WebAsk::Action(request, reply)).await else {
        return text("503 Service Unavailable", "the daemon is stopping");
    };
    let status = match &reply {
        Reply::Ok { .. } => "200 OK",
        Reply::Error {
            kind: ErrorKind::Invalid,
            ..
        } => "400 Bad Request",
        Reply::Error {
            kind: ErrorKind::Denied,
            ..
        } => "403 Forbidden",
        Reply::Error { .. } => "500 Internal Server Error",
    };
    let body = serde_json::to_string(&reply).unwrap_or_default();
    answer(status, "application/json", body + "\n")
}

/// `GET /events`: the status every [`EVENT_EVERY`], the history's new
/// samples as they come, until the client goes.
async fn events(mut stream: TcpStream, site: &Site, ask: mpsc::Sender<WebAsk>) {
    let Ok(_permit) = site.streams.try_acquire() else {
        let _ = stream
            .write_all(&bytes_of(&text("503 Service Unavailable", "too many open pages")))
            .await;
        return;
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n{COMMON}Connection: close\r\n\r\nretry: 2000\n\n"
    );
    if !write_within(&mut stream, head.as_bytes()).await {
        return;
    }
    // The newest point this stream has sent: all of the history first,
    // then what is newer.
    let mut sent: Option<u64> = None;
    let mut tick = tokio::time::interval(EVENT_EVERY);
    loop {
        tick.tick().await;
        let Some(status) = asked(&ask, WebAsk::Status).await else {
            return;
        };
        let mut out = format!("event: status\ndata: {}\n\n", status.trim_end());
        if let Some((Some(newest), h)) = asked(&ask, |tx| WebAsk::History(sent, tx)).await {
            out.push_str(&format!("event: history\ndata: {h}\n\n"));
            sent = Some(newest);
        }
        if !write_within(&mut stream, out.as_bytes()).await {
            return;
        }
    }
}

/// Writes within [`ANSWER_TIMEOUT`]: a page that stopped reading (a
/// laptop asleep) gives its stream back after one timeout, not when TCP
/// gives up.
async fn write_within(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    matches!(
        tokio::time::timeout(ANSWER_TIMEOUT, stream.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_and_bad_ones_do_not() {
        let h = parse_head(b"POST /api/drain?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9480\r\nOrigin:  http://a \r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!(h.method, "POST");
        assert_eq!(h.path, "/api/drain");
        assert_eq!(h.query, "x=1");
        assert_eq!(h.header("origin"), Some("http://a"));
        assert_eq!(h.header("host"), Some("127.0.0.1:9480"));
        assert_eq!(h.len, 93);
        for bad in [
            &b"GET / HTTP/1.1\r\n"[..],
            b"GET / HTTP/2\r\n\r\n",
            b"GET / x HTTP/1.1\r\n\r\n",
            b"get / HTTP/1.1\r\n\r\n",
            b"GET x HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nbad name: x\r\n\r\n",
            b"\xff / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.2\r\n\r\n",
            b"GET / HTTP/1.1\r\nName\t: x\r\n\r\n",
        ] {
            assert_eq!(parse_head(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn body_lengths_read_one_way_only() {
        let len =
            |h: &str| body_length(&parse_head(format!("POST / HTTP/1.1\r\n{h}\r\n\r\n").as_bytes()).unwrap());
        assert_eq!(len("Host: x"), Some(0));
        assert_eq!(len("Content-Length: 12"), Some(12));
        assert_eq!(len("Content-Length: +5"), None);
        assert_eq!(len("Content-Length: 5\r\nContent-Length: 5"), None);
        assert_eq!(len("Content-Length: 99999"), None);
        assert_eq!(len("Content-Length: 5\r\nTransfer-Encoding: chunked"), None);
    }

    #[test]
    fn since_queries() {
        assert_eq!(since("since=1700000000"), Some(1_700_000_000));
        assert_eq!(since("a=b&since=5"), Some(5));
        assert_eq!(since("since=x"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abcdefgh", b"abcdefgh"));
        assert!(!same(b"abcdefgh", b"abcdefgX"));
        assert!(!same(b"abcdefgh", b"abcdefg"));
        assert!(!same(b"", b"x"));
    }

    #[test]
    fn token_files_must_be_private_and_long() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lvsctl-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("token");
        std::fs::write(&f, "0123456789abcdef0123\nrest\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(read_token(&f).unwrap(), b"0123456789abcdef0123");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_token(&f).unwrap_err().contains("other users may read"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&f, "short\n").unwrap();
        assert!(read_token(&f).unwrap_err().contains("at least 16"));
        assert!(read_token(&dir.join("none")).is_err());
        assert!(read_token(&dir).unwrap_err().contains("not a regular file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A site and a fake loop that answers status with `{}` and every
    /// action with its request, counting what reached it.
    fn fake_site(
        actions: bool,
        metrics: bool,
    ) -> (
        Arc<Site>,
        mpsc::Sender<WebAsk>,
        Arc<std::sync::Mutex<Vec<Request>>>,
    ) {
        let log = Arc::new(Log::new(super::super::log::Format::Text));
        let site = Arc::new(Site::new(
            metrics,
            true,
            actions,
            Some(b"0123456789abcdef".to_vec()),
            log,
        ));
        let (tx, mut rx) = mpsc::channel::<WebAsk>(8);
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        tokio::spawn(async move {
            while let Some(a) = rx.recv().await {
                match a {
                    WebAsk::Metrics(t) => drop(t.send("m 1\n".into())),
                    WebAsk::Status(t) => drop(t.send("{}\n".into())),
                    WebAsk::History(_, t) => drop(t.send((None, "{\"times\":[]}".into()))),
                    WebAsk::Action(request, reply) => {
                        s2.lock().unwrap().push(request.clone());
                        let _ = reply.send(Reply::Ok {
                            message: format!("{request:?}"),
                            status: None,
                        });
                    }
                }
            }
        });
        (site, tx, seen)
    }

    async fn ask(site: &Site, tx: &mpsc::Sender<WebAsk>, head: &str, body: &str) -> Answer {
        let text = format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        let h = parse_head(text.as_bytes()).unwrap();
        let peer: SocketAddr = "192.0.2.1:5555".parse().unwrap();
        route(&h, body.as_bytes(), peer, site, tx).await
    }

    const BODY: &str = r#"{"service":"tcp:192.0.2.110:80","server":"192.0.2.11:80"}"#;

    #[tokio::test]
    async fn the_page_and_its_data() {
        let (site, tx, _) = fake_site(false, false);
        let a = ask(&site, &tx, "GET / HTTP/1.1\r\nHost: h", "").await;
        assert_eq!(a.status, "200 OK");
        assert!(a.body.contains("data-actions=\"off\""));
        assert!(a.extra.contains("script-src 'self'"));
        assert_eq!(
            ask(&site, &tx, "GET /status.json HTTP/1.1", "").await.body,
            "{}\n"
        );
        assert!(ask(&site, &tx, "GET /app.js HTTP/1.1", "")
            .await
            .body
            .contains("EventSource"));
        assert_eq!(
            ask(&site, &tx, "GET /history.json?since=3 HTTP/1.1", "")
                .await
                .status,
            "200 OK"
        );
        // Not a metrics listener, and no buttons.
        assert_eq!(
            ask(&site, &tx, "GET /metrics HTTP/1.1", "").await.status,
            "404 Not Found"
        );
        assert_eq!(
            ask(&site, &tx, "POST /api/drain HTTP/1.1", BODY).await.status,
            "404 Not Found"
        );
        assert_eq!(
            ask(&site, &tx, "POST / HTTP/1.1", "").await.status,
            "405 Method Not Allowed"
        );
        let (site, tx, _) = fake_site(true, true);
        assert_eq!(ask(&site, &tx, "GET /metrics HTTP/1.1", "").await.body, "m 1\n");
        assert!(ask(&site, &tx, "GET / HTTP/1.1", "")
            .await
            .body
            .contains("data-actions=\"on\""));
    }

    #[tokio::test]
    async fn buttons_need_the_token_and_the_same_origin() {
        let (site, tx, seen) = fake_site(true, false);
        let post = "POST /api/drain HTTP/1.1\r\nHost: 127.0.0.1:9480";
        let a = ask(&site, &tx, post, BODY).await;
        assert_eq!(a.status, "403 Forbidden");
        assert!(a.body.contains("no token"));
        let a = ask(
            &site,
            &tx,
            &format!("{post}\r\nAuthorization: Bearer 0123456789abcdeX"),
            BODY,
        )
        .await;
        assert_eq!(a.status, "403 Forbidden");
        let good = format!("{post}\r\nAuthorization: Bearer 0123456789abcdef");
        let a = ask(
            &site,
            &tx,
            &format!("{good}\r\nOrigin: http://evil.example"),
            BODY,
        )
        .await;
        assert_eq!(a.status, "403 Forbidden");
        assert!(a.body.contains("Origin"));
        assert!(
            seen.lock().unwrap().is_empty(),
            "nothing refused reached the loop"
        );
        assert_eq!(ask(&site, &tx, &good, "{}").await.status, "400 Bad Request");
        assert_eq!(
            ask(&site, &tx, "GET /api/drain HTTP/1.1", "").await.status,
            "405 Method Not Allowed"
        );
        let a = ask(
            &site,
            &tx,
            &format!("{good}\r\nOrigin: http://127.0.0.1:9480"),
            BODY,
        )
        .await;
        assert_eq!(a.status, "200 OK", "{}", a.body);
        // Behind a proxy that terminates TLS and keeps Host.
        let origin = |o: &str| format!("{good}\r\nOrigin: {o}");
        let a = ask(&site, &tx, &origin("https://127.0.0.1:9480"), BODY).await;
        assert_eq!(a.status, "200 OK", "{}", a.body);
        let a = ask(&site, &tx, &origin("https://127.0.0.1:94801"), BODY).await;
        assert_eq!(a.status, "403 Forbidden");
        let a = ask(&site, &tx, &good.replace("/api/drain", "/api/disable"), BODY).await;
        assert_eq!(a.status, "200 OK");
        // No token (a reload found the file unusable): every POST refused.
        site.set_token(None);
        assert_eq!(ask(&site, &tx, &good, BODY).await.status, "403 Forbidden");
        let seen = seen.lock().unwrap();
        assert_eq!(
            *seen,
            vec![
                Request::Drain {
                    service: "tcp:192.0.2.110:80".into(),
                    server: "192.0.2.11:80".into()
                },
                Request::Drain {
                    service: "tcp:192.0.2.110:80".into(),
                    server: "192.0.2.11:80".into()
                },
                Request::Disable {
                    service: "tcp:192.0.2.110:80".into(),
                    server: "192.0.2.11:80".into()
                },
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_head_parses_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse_head(&bytes);
            let _ = since(&String::from_utf8_lossy(&bytes));
        }
    }
}
