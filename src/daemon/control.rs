//! The daemon's control socket and its registry: how `lvsctl daemon
//! status|reload|drain|undrain`, `lvsctl apply` and ipvsadm mode find the
//! daemon of their network namespace, and how the daemon answers them.
//!
//! **One daemon per network namespace.** An IPVS table belongs to a
//! network namespace, so that is the unit a daemon manages and the key
//! everything here is filed under: the inode of `/proc/self/ns/net`
//! (what `ip netns identify` and the table lock of [`crate::state::lock`]
//! use too). The socket of the init namespace keeps the short, documented
//! name `/run/lvsctl/daemon.sock`; any other gets `netns-<inode>/`.
//!
//! **The registry** (`/run/lvsctl/daemons/net-<inode>.json`) exists because
//! the socket path can be set in the daemon's file, and the commands that
//! must notice a running daemon (`apply`, `ipvsadm -a ...`) have no file
//! to read it from. It also names the services the daemon manages, so a
//! command can tell whether the change it makes will be reverted: one
//! small read per command, no connection, no waiting on a busy daemon. It
//! is written whole to a temporary name and renamed (a reader sees the old
//! or the new record, never half of one), and believed only while its PID
//! is alive: a daemon killed by `kill -9` leaves a record nobody trusts.
//!
//! **The socket** is mode 0600 (root only), or 0660 with a group given in
//! the file; the group's members may ask for `status` and nothing else.
//! The filesystem mode is the first gate; the peer's credentials
//! (`SO_PEERCRED`) are checked again for each request ([`allowed`]), so a
//! socket handed to another process, or a mode changed by hand, grants no
//! more. A socket file left by a dead daemon is removed at start, but only
//! after a connection proved nobody answers on it: two daemons must never
//! share a namespace.
//!
//! **The exchange** is one request line and one reply line
//! ([`super::proto`]), then the connection closes. Requests are tiny, so
//! they are capped far below [`super::proto::MAX_LINE`] (which bounds the
//! status reply a client reads); a peer that sends nothing is cut off
//! after [`IO_TIMEOUT`]. Every connection is its own task, so a slow
//! client never delays another or the daemon's core, which gets the
//! parsed request over a channel ([`ControlMsg`]) and answers on a
//! oneshot.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use super::proto::{self, ErrorKind, Reply, Request};
use crate::ipvs::{Op, ServiceKey};

/// Where everything of the daemon lives at run time.
pub const RUN_DIR: &str = "/run/lvsctl";

/// How long a peer may take to send its request, and to read the reply.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest request line read. The longest request is a drain with an IPv6
/// service and server, under 200 bytes.
pub const MAX_REQUEST: usize = 64 << 10;

/// The inode of the current network namespace (the thread's: `setns` for
/// `--netns` changes only the calling thread).
fn netns_inode() -> io::Result<u64> {
    Ok(fs::metadata("/proc/thread-self/ns/net")
        .or_else(|_| fs::metadata("/proc/self/ns/net"))?
        .ino())
}

/// The inode of init's network namespace; `None` when it cannot be read
/// (not root, or a /proc without PID 1).
fn init_netns_inode() -> Option<u64> {
    fs::metadata("/proc/1/ns/net").ok().map(|m| m.ino())
}

/// The socket of the namespace `ino`, given init's.
fn socket_for(run_dir: &Path, ino: u64, init: Option<u64>) -> PathBuf {
    if init == Some(ino) {
        run_dir.join("daemon.sock")
    } else {
        run_dir.join(format!("netns-{ino}")).join("daemon.sock")
    }
}

/// The default control socket of the current network namespace:
/// `/run/lvsctl/daemon.sock` in the init namespace, else
/// `/run/lvsctl/netns-<inode>/daemon.sock`. When init's namespace cannot
/// be read (an unprivileged caller), the current one counts as another;
/// such callers find the socket through the registry ([`running`]).
pub fn default_socket() -> io::Result<PathBuf> {
    Ok(socket_for(Path::new(RUN_DIR), netns_inode()?, init_netns_inode()))
}

/// The registry file of the current network namespace.
pub fn registry_path() -> io::Result<PathBuf> {
    Ok(registry_for(Path::new(RUN_DIR), netns_inode()?))
}

fn registry_for(run_dir: &Path, ino: u64) -> PathBuf {
    run_dir.join("daemons").join(format!("net-{ino}.json"))
}

/// What a running daemon tells the other lvsctl processes of its
/// namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The daemon's process.
    pub pid: u32,
    /// Its control socket.
    pub socket: PathBuf,
    /// Its file.
    pub config: String,
    /// [`proto::selector`] of every service it manages.
    pub services: Vec<String>,
    /// When the process started (`/proc/PID/stat` field 22, clock ticks
    /// after boot): a PID reused by another process after a `kill -9` is
    /// not taken for the daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    /// [`proto::selector`] of its own probe services (`through_vip`),
    /// which `apply` and `diff` leave alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    /// Whether it manages the sync daemons (`[[daemons]]` in its file, or
    /// a VRRP instance's `sync_daemon`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sync_daemons: bool,
}

impl Registration {
    /// The record of the calling process.
    pub fn new(socket: PathBuf, config: String, services: Vec<String>) -> Self {
        let pid = std::process::id();
        Registration {
            pid,
            socket,
            config,
            services,
            start: start_time(pid),
            keep: Vec::new(),
            sync_daemons: false,
        }
    }

    /// The warning a command changing `ops` prints while this daemon runs,
    /// if any of them touches a service the daemon manages (`Flush` touches
    /// them all; zeroing counters and timeouts none; sync daemons when it
    /// manages them).
    pub fn warning<'a>(&self, ops: impl IntoIterator<Item = &'a Op>) -> Option<String> {
        fn note<'s>(s: &'s str, touched: &mut Vec<&'s str>) {
            if !touched.contains(&s) {
                touched.push(s);
            }
        }
        let mut touched: Vec<&str> = Vec::new();
        for op in ops {
            let key: &ServiceKey = match op {
                Op::AddService(s) | Op::EditService(s) => &s.key,
                Op::DelService(k) | Op::AddDest(k, _) | Op::EditDest(k, _) | Op::DelDest(k, ..) => k,
                Op::Flush => {
                    for s in &self.services {
                        note(s, &mut touched);
                    }
                    continue;
                }
                Op::StartDaemon(_) | Op::StopDaemon(_) => {
                    if self.sync_daemons {
                        note("the sync daemons", &mut touched);
                    }
                    continue;
                }
                Op::Zero(_) | Op::SetTimeouts(_) => continue,
            };
            let sel = proto::selector(key);
            if let Some(s) = self.services.iter().find(|s| **s == sel) {
                note(s, &mut touched);
            }
        }
        if touched.is_empty() {
            return None;
        }
        Some(format!(
            "lvsctl daemon (pid {}) manages {} and will revert this change",
            self.pid,
            touched.join(", ")
        ))
    }
}

/// The registry file, removed when dropped if it still names the process
/// that wrote it (a daemon started after this one replaced it keeps its
/// own).
#[derive(Debug)]
pub struct Guard {
    path: PathBuf,
    pid: u32,
}

impl Guard {
    /// Where the record is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the record (after a reload changed the services). Use
    /// this rather than a second [`register`]: dropping the first guard
    /// would remove the new record, which names the same process.
    pub fn update(&mut self, reg: &Registration) -> io::Result<()> {
        write_record(&self.path, reg)?;
        self.pid = reg.pid;
        Ok(())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if read_registration(&self.path).is_some_and(|r| r.pid == self.pid) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Files the running daemon in its namespace's registry (replacing any
/// record there; [`bind`] has already proved no other daemon answers).
pub fn register(reg: &Registration) -> io::Result<Guard> {
    register_at(&registry_path()?, reg)
}

fn register_at(path: &Path, reg: &Registration) -> io::Result<Guard> {
    write_record(path, reg)?;
    Ok(Guard {
        path: path.to_path_buf(),
        pid: reg.pid,
    })
}

/// Writes the record whole under a temporary name, then renames it.
fn write_record(path: &Path, reg: &Registration) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new().recursive(true).mode(0o755).create(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut text = serde_json::to_vec(reg).map_err(io::Error::other)?;
    text.push(b'\n');
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.write_all(&text)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The daemon running in the current network namespace: `None` if none
/// registered, the record is garbled, or its process is gone.
pub fn running() -> Option<Registration> {
    running_at(&registry_path().ok()?)
}

fn running_at(path: &Path) -> Option<Registration> {
    read_registration(path).filter(|r| alive(r.pid) && (r.start.is_none() || start_time(r.pid) == r.start))
}

fn read_registration(path: &Path) -> Option<Registration> {
    // A record is a few hundred bytes per service; refuse anything absurd.
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > proto::MAX_LINE as u64 {
        return None;
    }
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// Whether process `pid` exists and is not a zombie. `kill(pid, 0)`
/// answers for this PID namespace (EPERM still means it exists);
/// `/proc/PID/stat` tells a zombie (state `Z`) from a live process.
pub fn alive(pid: u32) -> bool {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: signal 0 sends nothing; kill only checks that the process
    // exists and may be signalled. No memory is involved.
    let rc = unsafe { libc::kill(p, 0) };
    if rc != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return false;
    }
    match fs::read_to_string(format!("/proc/{p}/stat")) {
        Ok(stat) => !matches!(stat_state(&stat), Some('Z' | 'X')),
        Err(_) => false,
    }
}

/// The fields of a `/proc/PID/stat` line after the command (which may
/// itself hold parentheses and spaces): the state is the first.
fn stat_fields(stat: &str) -> impl Iterator<Item = &str> {
    let rest = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    rest.split_whitespace()
}

/// The state letter of a `/proc/PID/stat` line.
fn stat_state(stat: &str) -> Option<char> {
    stat_fields(stat).next()?.chars().next()
}

/// Field 22 (`starttime`) of a `/proc/PID/stat` line.
fn stat_start(stat: &str) -> Option<u64> {
    stat_fields(stat).nth(19)?.parse().ok()
}

/// When process `pid` started; `None` if it is gone.
fn start_time(pid: u32) -> Option<u64> {
    stat_start(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Why the control socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// A daemon is already listening there.
    #[error("another daemon answers on {}", .0.display())]
    Busy(PathBuf),
    /// The path holds something other than a socket (left alone).
    #[error("{}: exists and is not a socket", .0.display())]
    NotSocket(PathBuf),
    /// Creating, binding or setting its mode failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The socket or its directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Binds the control socket at `path`: creates its directory (0755),
/// removes a socket left by a daemon that no longer answers, binds, and
/// sets the mode: 0600, or 0660 with group `group` (whose members may ask
/// for `status`). The listener is non-blocking, ready for
/// `tokio::net::UnixListener::from_std`.
pub fn bind(path: &Path, group: Option<u32>) -> Result<std::os::unix::net::UnixListener, ControlError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ControlError::Io { path, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .map_err(io_err(dir))?;
    }
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if StdUnixStream::connect(path).is_ok() {
                return Err(ControlError::Busy(path.to_path_buf()));
            }
            fs::remove_file(path).map_err(io_err(path))?;
        }
        Ok(_) => return Err(ControlError::NotSocket(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(path)(e)),
    }
    let listener = std::os::unix::net::UnixListener::bind(path).map_err(io_err(path))?;
    let mode = match group {
        Some(gid) => {
            std::os::unix::fs::chown(path, None, Some(gid)).map_err(io_err(path))?;
            0o660
        }
        None => 0o600,
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err(path))?;
    listener.set_nonblocking(true).map_err(io_err(path))?;
    Ok(listener)
}

/// A request for the daemon's core, and where its reply goes.
#[derive(Debug)]
pub struct ControlMsg {
    /// What the peer asks (already allowed).
    pub request: Request,
    /// The answer; dropping it answers `Failed`.
    pub reply: oneshot::Sender<Reply>,
}

/// Who is on the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its user.
    pub uid: u32,
    /// Its primary group and supplementary groups.
    pub gids: Vec<u32>,
}

/// Whether a peer may make a request: root may do anything, members of
/// the read-only group ask for `status` only, anyone else nothing.
pub fn allowed(uid: u32, gids: &[u32], read_only_gid: Option<u32>, req: &Request) -> bool {
    if uid == 0 {
        return true;
    }
    matches!(req, Request::Status) && read_only_gid.is_some_and(|g| gids.contains(&g))
}

/// The supplementary groups of process `pid` (`Groups:` of
/// `/proc/PID/status`); empty when unreadable.
fn supplementary_groups(pid: i32) -> Vec<u32> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|s| parse_groups(&s))
        .unwrap_or_default()
}

fn parse_groups(status: &str) -> Vec<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|g| g.split_whitespace().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

/// The credentials the kernel recorded for the peer when it connected.
fn peer_of(stream: &tokio::net::UnixStream, read_only_gid: Option<u32>) -> Option<Peer> {
    let cred = stream.peer_cred().ok()?;
    let mut gids = vec![cred.gid()];
    // Supplementary groups matter only for the read-only group.
    if let (Some(g), Some(pid)) = (read_only_gid, cred.pid()) {
        if cred.uid() != 0 && g != cred.gid() {
            gids.extend(supplementary_groups(pid));
        }
    }
    Some(Peer {
        uid: cred.uid(),
        gids,
    })
}

/// Answers on the control socket until the core's end of `tx` is gone.
/// Each connection is its own task: peer credentials checked, one request
/// line read and parsed, handed to the core, the reply written, closed.
pub async fn serve(
    listener: tokio::net::UnixListener,
    read_only_gid: Option<u32>,
    tx: mpsc::Sender<ControlMsg>,
) {
    serve_with(listener, read_only_gid, tx, Arc::new(peer_of)).await;
}

type PeerFn = dyn Fn(&tokio::net::UnixStream, Option<u32>) -> Option<Peer> + Send + Sync;

async fn serve_with(
    listener: tokio::net::UnixListener,
    read_only_gid: Option<u32>,
    tx: mpsc::Sender<ControlMsg>,
    peer: Arc<PeerFn>,
) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => r,
            () = tx.closed() => return,
        };
        match stream {
            Ok((stream, _)) => {
                let tx = tx.clone();
                let peer = Arc::clone(&peer);
                tokio::spawn(async move {
                    let who = peer(&stream, read_only_gid);
                    connection(stream, who, read_only_gid, tx).await;
                });
            }
            // Out of descriptors or memory: give the others time to finish.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn connection(
    mut stream: tokio::net::UnixStream,
    peer: Option<Peer>,
    read_only_gid: Option<u32>,
    tx: mpsc::Sender<ControlMsg>,
) {
    let reply = match tokio::time::timeout(IO_TIMEOUT, read_request(&mut stream)).await {
        Err(_) => error(
            ErrorKind::Invalid,
            format!("no request within {} s", IO_TIMEOUT.as_secs()),
        ),
        Ok(Err(message)) => error(ErrorKind::Invalid, message),
        Ok(Ok(request)) => match &peer {
            Some(p) if allowed(p.uid, &p.gids, read_only_gid, &request) => ask_core(&tx, request).await,
            _ => error(ErrorKind::Denied, denied_text(&request)),
        },
    };
    let mut line = serde_json::to_vec(&reply).unwrap_or_else(|_| {
        br#"{"result":"error","kind":"failed","message":"the reply could not be written"}"#.to_vec()
    });
    line.push(b'\n');
    let _ = tokio::time::timeout(IO_TIMEOUT, async {
        stream.write_all(&line).await?;
        stream.shutdown().await
    })
    .await;
}

fn denied_text(req: &Request) -> String {
    match req {
        Request::Status => "permission denied: status needs root or the daemon's status group".into(),
        _ => "permission denied: only root may change the daemon".into(),
    }
}

fn error(kind: ErrorKind, message: String) -> Reply {
    Reply::Error { kind, message }
}

async fn ask_core(tx: &mpsc::Sender<ControlMsg>, request: Request) -> Reply {
    let (reply, answer) = oneshot::channel();
    if tx.send(ControlMsg { request, reply }).await.is_err() {
        return error(ErrorKind::Failed, "the daemon is stopping".into());
    }
    answer
        .await
        .unwrap_or_else(|_| error(ErrorKind::Failed, "the daemon dropped the request".into()))
}

/// Reads one request line (or everything up to end of file, for a client
/// that closes without a newline) and parses it.
async fn read_request(stream: &mut tokio::net::UnixStream) -> Result<Request, String> {
    let mut buf = Vec::new();
    let mut reader = tokio::io::BufReader::new(stream).take(MAX_REQUEST as u64 + 1);
    reader
        .read_until(b'\n', &mut buf)
        .await
        .map_err(|e| format!("reading the request: {e}"))?;
    parse_request(&buf)
}

/// Parses a request line (its newline optional).
pub fn parse_request(line: &[u8]) -> Result<Request, String> {
    if line.len() > MAX_REQUEST {
        return Err(format!("request longer than {MAX_REQUEST} bytes"));
    }
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err("empty request".into());
    }
    serde_json::from_slice(line).map_err(|e| format!("invalid request: {e}"))
}

/// Why [`ask`] got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No socket there, or nobody listening on it.
    #[error("no daemon answers on {}", .0.display())]
    NoDaemon(PathBuf),
    /// Connecting, writing or reading failed otherwise (permission, time
    /// out).
    #[error("{}: {}", path.display(), reason(source))]
    Io {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The daemon's answer is not a reply.
    #[error("{}: malformed reply from the daemon: {reason}", path.display())]
    Malformed {
        /// The socket.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// An I/O error as the C library words it.
fn reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => crate::netlink::strerror(errno),
        None => e.to_string(),
    }
}

/// Sends one request to the daemon on `path` and waits up to `timeout`
/// (in all) for its reply.
pub fn ask(path: &Path, req: &Request, timeout: Duration) -> Result<Reply, ClientError> {
    let io_err = |source: io::Error| ClientError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = match StdUnixStream::connect(path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(ClientError::NoDaemon(path.to_path_buf()))
        }
        Err(e) => return Err(io_err(e)),
    };
    let deadline = Instant::now() + timeout;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "the daemon did not answer in time"))
    };
    let mut line = serde_json::to_vec(req).map_err(|e| io_err(io::Error::other(e)))?;
    line.push(b'\n');
    stream
        .set_write_timeout(Some(left().map_err(io_err)?))
        .map_err(io_err)?;
    stream.write_all(&line).map_err(io_err)?;
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        reader
            .get_ref()
            .set_read_timeout(Some(left().map_err(io_err)?))
            .map_err(io_err)?;
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the daemon did not answer in time",
                )))
            }
            Err(e) => return Err(io_err(e)),
        };
        if chunk.is_empty() {
            break;
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        buf.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if buf.len() > proto::MAX_LINE {
            return Err(malformed(path, format!("longer than {} bytes", proto::MAX_LINE)));
        }
        if done {
            break;
        }
    }
    parse_reply(&buf).map_err(|reason| malformed(path, reason))
}

fn malformed(path: &Path, reason: String) -> ClientError {
    ClientError::Malformed {
        path: path.to_path_buf(),
        reason,
    }
}

/// Parses a reply line (its newline optional).
pub fn parse_reply(line: &[u8]) -> Result<Reply, String> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    if line.is_empty() {
        return Err("the daemon closed the connection without answering".into());
    }
    serde_json::from_slice(line).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::proto::{
        CheckStatus, Health, ProbeStatus, ServerStatus, ServiceStatus, SorryStatus, Status,
    };
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DIRS: AtomicUsize = AtomicUsize::new(0);

    /// A fresh directory of this test run (removed by [`TempDir`]'s drop).
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let n = DIRS.fetch_add(1, Ordering::Relaxed);
            let d = std::env::temp_dir().join(format!("lvsctl-control-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).unwrap();
            TempDir(d)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn sockets_are_one_per_namespace() {
        let run = Path::new(RUN_DIR);
        assert_eq!(
            socket_for(run, 4026531840, Some(4026531840)),
            PathBuf::from("/run/lvsctl/daemon.sock")
        );
        assert_eq!(
            socket_for(run, 4026532300, Some(4026531840)),
            PathBuf::from("/run/lvsctl/netns-4026532300/daemon.sock")
        );
        assert_eq!(
            socket_for(run, 4026531840, None),
            PathBuf::from("/run/lvsctl/netns-4026531840/daemon.sock")
        );
        assert_eq!(
            registry_for(run, 4026532300),
            PathBuf::from("/run/lvsctl/daemons/net-4026532300.json")
        );
        let s = default_socket().unwrap();
        assert!(s.starts_with(RUN_DIR) && s.ends_with("daemon.sock"), "{s:?}");
    }

    fn registration(pid: u32) -> Registration {
        Registration {
            pid,
            socket: PathBuf::from("/run/lvsctl/daemon.sock"),
            config: "/etc/lvsctl/daemon.toml".into(),
            services: vec!["tcp:192.0.2.110:80".into(), "udp:[2001:db8::1]:53".into()],
            start: None,
            keep: Vec::new(),
            sync_daemons: false,
        }
    }

    #[test]
    fn the_registry_is_believed_while_its_process_lives() {
        let d = TempDir::new("registry");
        let path = d.0.join("daemons").join("net-1.json");
        assert_eq!(running_at(&path), None);
        let me = registration(std::process::id());
        let guard = register_at(&path, &me).unwrap();
        assert_eq!(running_at(&path), Some(me.clone()));
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        // No temporary left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        drop(guard);
        assert!(!path.exists());

        // A reaped child's PID is dead.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid));
        assert!(alive(std::process::id()));
        assert!(!alive(0));
        assert!(!alive(u32::MAX));
        let _stale = register_at(&path, &registration(pid)).unwrap();
        assert_eq!(running_at(&path), None);

        // Garbled records are not believed.
        fs::write(&path, b"{\"pid\": 1,").unwrap();
        assert_eq!(running_at(&path), None);
    }

    #[test]
    fn a_guard_leaves_a_newer_daemons_record() {
        let d = TempDir::new("guard");
        let path = d.0.join("net-2.json");
        let guard = register_at(&path, &registration(std::process::id())).unwrap();
        // Another daemon replaced the record.
        let other = registration(1);
        let _g2 = register_at(&path, &other).unwrap();
        drop(guard);
        assert_eq!(read_registration(&path), Some(other));
    }

    #[test]
    fn a_reload_updates_the_record_in_place() {
        let d = TempDir::new("update");
        let path = d.0.join("net-4.json");
        let mut me = registration(std::process::id());
        let mut guard = register_at(&path, &me).unwrap();
        me.services.push("fwmark:5".into());
        guard.update(&me).unwrap();
        assert_eq!(running_at(&path), Some(me));
        assert_eq!(fs::read_dir(&d.0).unwrap().count(), 1);
        drop(guard);
        assert!(!path.exists());
    }

    #[test]
    fn zombie_states_are_dead() {
        assert_eq!(stat_state("123 (lvsctl) S 1 2 3"), Some('S'));
        assert_eq!(stat_state("123 (a) b) Z 1 2 3"), Some('Z'));
        assert_eq!(stat_state("123 (x"), None);
        assert_eq!(stat_state(""), None);
        let line = "4242 (lvsctl d) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 3 0 987654 1000 10";
        assert_eq!(stat_start(line), Some(987654));
        assert_eq!(stat_start("4242 (x) S 1 2"), None);
    }

    #[test]
    fn a_reused_pid_is_not_the_daemon() {
        let d = TempDir::new("reuse");
        let path = d.0.join("net-3.json");
        let me = Registration::new("/run/lvsctl/daemon.sock".into(), "/etc/x.toml".into(), vec![]);
        assert_eq!(me.pid, std::process::id());
        assert!(me.start.is_some());
        let _g = register_at(&path, &me).unwrap();
        assert_eq!(running_at(&path), Some(me.clone()));
        // Same PID, another start: another process.
        let other = Registration {
            start: me.start.map(|s| s + 1),
            ..me.clone()
        };
        let _g2 = register_at(&path, &other).unwrap();
        assert_eq!(read_registration(&path), Some(other));
        assert_eq!(running_at(&path), None);
        // Records without a start time are believed on the PID alone.
        let old = Registration { start: None, ..me };
        let _g3 = register_at(&path, &old).unwrap();
        assert_eq!(running_at(&path), Some(old));
    }

    #[test]
    fn warnings_name_the_managed_services_touched() {
        use crate::ipvs::{Destination, Protocol};
        let reg = registration(4242);
        let managed = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "192.0.2.110".parse().unwrap(),
            port: 80,
        };
        let other = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "192.0.2.120".parse().unwrap(),
            port: 80,
        };
        let dest = Destination::new("192.0.2.11".parse().unwrap(), 80);
        assert_eq!(reg.warning(&[Op::AddDest(other, dest.clone())]), None);
        assert_eq!(reg.warning(&[Op::Zero(Some(managed))]), None);
        assert_eq!(
            reg.warning(&[
                Op::AddDest(other, dest.clone()),
                Op::EditDest(managed, dest.clone()),
                Op::DelDest(managed, dest.addr, 80),
            ])
            .as_deref(),
            Some("lvsctl daemon (pid 4242) manages tcp:192.0.2.110:80 and will revert this change")
        );
        assert_eq!(
            reg.warning(&[Op::Flush]).as_deref(),
            Some(
                "lvsctl daemon (pid 4242) manages tcp:192.0.2.110:80, udp:[2001:db8::1]:53 and will revert this change"
            )
        );
    }

    #[test]
    fn access_rules() {
        let drain = Request::Drain {
            service: "tcp:192.0.2.110:80".into(),
            server: "192.0.2.11:80".into(),
        };
        for r in [&Request::Status, &Request::Reload, &drain] {
            assert!(allowed(0, &[0], None, r));
            assert!(allowed(0, &[5], Some(7), r));
            assert!(!allowed(1000, &[1000], None, r));
            assert!(!allowed(1000, &[1000, 8], Some(7), r));
        }
        assert!(allowed(1000, &[7], Some(7), &Request::Status));
        assert!(allowed(1000, &[1000, 4, 7], Some(7), &Request::Status));
        assert!(!allowed(1000, &[7], Some(7), &Request::Reload));
        assert!(!allowed(1000, &[1000, 7], Some(7), &drain));
    }

    #[test]
    fn groups_from_proc_status() {
        let status = "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 27 1000 \nNSpid:\t1\n";
        assert_eq!(parse_groups(status), vec![4, 24, 27, 1000]);
        assert_eq!(parse_groups("Groups:\t\n"), Vec::<u32>::new());
        assert_eq!(parse_groups("Name: x\n"), Vec::<u32>::new());
        let mine = supplementary_groups(std::process::id() as i32);
        let _ = mine; // whatever they are, reading them does not fail
    }

    #[test]
    fn bind_replaces_a_dead_socket_and_refuses_a_live_one() {
        let d = TempDir::new("bind");
        let path = d.0.join("sub").join("daemon.sock");
        let first = bind(&path, None).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o755
        );
        match bind(&path, None) {
            Err(ControlError::Busy(p)) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            bind(&path, None).unwrap_err().to_string(),
            format!("another daemon answers on {}", path.display())
        );
        // The daemon dies: its socket file stays, nobody answers.
        drop(first);
        assert!(path.exists());
        // SAFETY: getgid has no preconditions.
        let gid = unsafe { libc::getgid() };
        let second = bind(&path, Some(gid)).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.permissions().mode() & 0o777, meta.gid()), (0o660, gid));
        drop(second);
        // Not a socket: left alone.
        let file = d.0.join("file");
        fs::write(&file, b"x").unwrap();
        assert!(matches!(bind(&file, None), Err(ControlError::NotSocket(_))));
        assert_eq!(fs::read(&file).unwrap(), b"x");
    }

    fn status() -> Status {
        Status {
            version: proto::STATUS_VERSION,
            pid: 4242,
            config: "/etc/lvsctl/daemon.toml".into(),
            started: 1_796_160_000,
            loaded: 1_796_160_000,
            services: vec![ServiceStatus {
                service: "tcp:192.0.2.110:80".into(),
                quorum: 1,
                quorum_up: true,
                live_weight: 3,
                sorry_server: None,
                servers: vec![],
            }],
            vrrp: Vec::new(),
        }
    }

    /// A core that answers status with [`status`], reload with an error,
    /// and drain with its arguments; it counts what it got.
    fn fake_core(mut rx: mpsc::Receiver<ControlMsg>, seen: Arc<AtomicUsize>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                seen.fetch_add(1, Ordering::SeqCst);
                let reply = match m.request {
                    Request::Status => Reply::Ok {
                        message: String::new(),
                        status: Some(status()),
                    },
                    Request::Reload => error(ErrorKind::Invalid, "/etc/x.toml:3: unknown key".into()),
                    Request::Drain { service, server }
                    | Request::Undrain { service, server }
                    | Request::Disable { service, server }
                    | Request::Enable { service, server } => Reply::Ok {
                        message: format!("{service} {server}"),
                        status: None,
                    },
                    Request::VrrpRelease { instance } | Request::VrrpResume { instance } => Reply::Ok {
                        message: instance,
                        status: None,
                    },
                };
                let _ = m.reply.send(reply);
            }
        })
    }

    /// Who the server believes its peers are.
    enum Peers {
        /// Their real credentials.
        Real,
        /// All look like this (`None`: credentials unreadable).
        Fake(Option<Peer>),
    }

    /// Runs `f` (blocking client calls) against a served socket; returns
    /// how many requests reached the core.
    fn with_server(peers: Peers, read_only: Option<u32>, f: impl FnOnce(&Path) + Send + 'static) -> usize {
        let d = TempDir::new("serve");
        let path = d.0.join("daemon.sock");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let p = path.clone();
        rt.block_on(async move {
            let listener = tokio::net::UnixListener::from_std(bind(&p, None).unwrap()).unwrap();
            let (tx, rx) = mpsc::channel(4);
            let core = fake_core(rx, Arc::clone(&seen));
            let peer_fn: Arc<PeerFn> = match peers {
                Peers::Fake(peer) => Arc::new(move |_: &tokio::net::UnixStream, _| peer.clone()),
                Peers::Real => Arc::new(peer_of),
            };
            let server = tokio::spawn(serve_with(listener, read_only, tx, peer_fn));
            tokio::task::spawn_blocking(move || f(&p)).await.unwrap();
            server.abort();
            let _ = server.await;
            core.await.unwrap();
            seen.load(Ordering::SeqCst)
        })
    }

    fn raw_exchange(path: &Path, bytes: &[u8]) -> Reply {
        let mut s = StdUnixStream::connect(path).unwrap();
        s.write_all(bytes).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut out = Vec::new();
        io::Read::read_to_end(&mut s, &mut out).unwrap();
        assert!(out.ends_with(b"\n") && out.iter().filter(|&&b| b == b'\n').count() == 1);
        parse_reply(&out).unwrap()
    }

    const T: Duration = Duration::from_secs(30);

    #[test]
    fn root_asks_anything() {
        let seen = with_server(Peers::Real, None, |p| {
            // The test runs as root or not: the real credentials decide.
            // SAFETY: getuid has no preconditions.
            let root = unsafe { libc::getuid() } == 0;
            let r = ask(p, &Request::Status, T).unwrap();
            if root {
                assert_eq!(
                    r,
                    Reply::Ok {
                        message: String::new(),
                        status: Some(status())
                    }
                );
            } else {
                assert!(
                    matches!(
                        r,
                        Reply::Error {
                            kind: ErrorKind::Denied,
                            ..
                        }
                    ),
                    "{r:?}"
                );
            }
        });
        assert!(seen <= 1);
        let root = Peer {
            uid: 0,
            gids: vec![0],
        };
        let seen = with_server(Peers::Fake(Some(root)), None, |p| {
            let r = ask(p, &Request::Reload, T).unwrap();
            assert_eq!(r, error(ErrorKind::Invalid, "/etc/x.toml:3: unknown key".into()));
            let drain = Request::Drain {
                service: "tcp:192.0.2.110:80".into(),
                server: "192.0.2.11:80".into(),
            };
            assert_eq!(
                ask(p, &drain, T).unwrap(),
                Reply::Ok {
                    message: "tcp:192.0.2.110:80 192.0.2.11:80".into(),
                    status: None
                }
            );
            assert!(matches!(
                ask(p, &Request::Status, T).unwrap(),
                Reply::Ok { status: Some(_), .. }
            ));
            // socat-style: no newline, then end of file.
            assert!(matches!(
                raw_exchange(p, br#"{"cmd":"status"}"#),
                Reply::Ok { .. }
            ));
        });
        assert_eq!(seen, 4);
    }

    #[test]
    fn the_read_only_group_gets_status_only() {
        let reader = Peer {
            uid: 1000,
            gids: vec![1000, 7],
        };
        let seen = with_server(Peers::Fake(Some(reader.clone())), Some(7), |p| {
            assert!(matches!(
                ask(p, &Request::Status, T).unwrap(),
                Reply::Ok { status: Some(_), .. }
            ));
            match ask(p, &Request::Reload, T).unwrap() {
                Reply::Error { kind, message } => {
                    assert_eq!(kind, ErrorKind::Denied);
                    assert!(message.contains("only root"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        });
        assert_eq!(seen, 1, "a denied request never reaches the core");
        let seen = with_server(Peers::Fake(Some(reader)), Some(8), |p| {
            assert!(matches!(
                ask(p, &Request::Status, T).unwrap(),
                Reply::Error {
                    kind: ErrorKind::Denied,
                    ..
                }
            ));
        });
        assert_eq!(seen, 0);
        // Credentials that cannot be read: nothing allowed.
        let seen = with_server(Peers::Fake(None), Some(7), |p| {
            assert!(matches!(
                ask(p, &Request::Status, T).unwrap(),
                Reply::Error {
                    kind: ErrorKind::Denied,
                    ..
                }
            ));
        });
        assert_eq!(seen, 0);
    }

    #[test]
    fn bad_requests_are_answered_not_forwarded() {
        let root = Peer {
            uid: 0,
            gids: vec![0],
        };
        let seen = with_server(Peers::Fake(Some(root)), None, |p| {
            for bytes in [
                &b"\n"[..],
                b"",
                b"{\"cmd\":\"explode\"}\n",
                b"\xff\xfe\n",
                b"{\"cmd\":\"status\"",
            ] {
                match raw_exchange(p, bytes) {
                    Reply::Error { kind, .. } => assert_eq!(kind, ErrorKind::Invalid, "{bytes:?}"),
                    other => panic!("{bytes:?}: {other:?}"),
                }
            }
            let long = vec![b' '; MAX_REQUEST + 10];
            match raw_exchange(p, &long) {
                Reply::Error { kind, message } => {
                    assert_eq!(kind, ErrorKind::Invalid);
                    assert!(message.contains("longer than"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        });
        assert_eq!(seen, 0);
    }

    #[test]
    fn no_daemon_is_told_apart() {
        let d = TempDir::new("nodaemon");
        let path = d.0.join("daemon.sock");
        assert!(matches!(
            ask(&path, &Request::Status, T),
            Err(ClientError::NoDaemon(_))
        ));
        // A socket file nobody listens on.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(matches!(
            ask(&path, &Request::Status, T),
            Err(ClientError::NoDaemon(_))
        ));
        // Something that answers garbage.
        fs::remove_file(&path).unwrap();
        let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut line = String::new();
            BufReader::new(s.try_clone().unwrap())
                .read_line(&mut line)
                .unwrap();
            s.write_all(b"hello\n").unwrap();
        });
        assert!(matches!(
            ask(&path, &Request::Status, T),
            Err(ClientError::Malformed { .. })
        ));
        t.join().unwrap();
    }

    fn text() -> impl Strategy<Value = String> {
        "[ -~]{0,24}"
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            Just(Request::Status),
            Just(Request::Reload),
            (any::<String>(), any::<String>())
                .prop_map(|(service, server)| Request::Drain { service, server }),
            (text(), text()).prop_map(|(service, server)| Request::Undrain { service, server }),
        ]
    }

    fn check() -> impl Strategy<Value = CheckStatus> {
        (
            text(),
            text(),
            any::<bool>(),
            proptest::option::of((any::<bool>(), any::<String>(), 0u32..100_000_000, any::<u64>())),
            any::<u32>(),
        )
            .prop_map(|(kind, target, up, last, streak)| CheckStatus {
                kind,
                target,
                up,
                // Milliseconds with three decimals, as a daemon measures
                // them (JSON numbers of few digits read back exactly).
                last: last.map(|(up, reason, micros, at)| ProbeStatus {
                    up,
                    reason,
                    latency_ms: f64::from(micros) / 1000.0,
                    at,
                }),
                streak,
            })
    }

    fn server() -> impl Strategy<Value = ServerStatus> {
        (
            (
                text(),
                any::<u32>(),
                any::<Option<u32>>(),
                any::<bool>(),
                any::<u64>(),
            ),
            (
                any::<bool>(),
                any::<Option<u64>>(),
                any::<Option<u32>>(),
                any::<Option<u32>>(),
                any::<bool>(),
            ),
            proptest::collection::vec(check(), 0..3),
        )
            .prop_map(
                |(
                    (server, weight, effective_weight, up, since),
                    (drained, leaving_until, a, i, enabled),
                    checks,
                )| {
                    ServerStatus {
                        server,
                        weight,
                        effective_weight,
                        health: if up { Health::Up } else { Health::Down },
                        since,
                        drained,
                        enabled,
                        leaving_until,
                        active_conns: a,
                        inactive_conns: i,
                        checks,
                    }
                },
            )
    }

    fn service() -> impl Strategy<Value = ServiceStatus> {
        (
            text(),
            any::<u32>(),
            any::<bool>(),
            any::<u64>(),
            proptest::option::of((text(), any::<bool>())),
            proptest::collection::vec(server(), 0..4),
        )
            .prop_map(
                |(service, quorum, quorum_up, live_weight, sorry, servers)| ServiceStatus {
                    service,
                    quorum,
                    quorum_up,
                    live_weight,
                    sorry_server: sorry.map(|(server, active)| SorryStatus { server, active }),
                    servers,
                },
            )
    }

    fn vrrp() -> impl Strategy<Value = proto::VrrpStatus> {
        (
            text(),
            any::<u8>(),
            any::<u64>(),
            proptest::option::of(text()),
            text(),
        )
            .prop_map(|(name, n, count, master, differs)| proto::VrrpStatus {
                name: name.clone(),
                interface: name,
                vrid: n,
                state: "BACKUP".into(),
                since: count,
                priority: n,
                released: n % 2 == 0,
                master: master.clone(),
                master_priority: master.map(|_| n),
                vips: vec!["192.0.2.110/24".into()],
                adverts_sent: count,
                adverts_received: count / 2,
                adverts_dropped: 0,
                transitions: 3,
                advert_late_max_ms: 1.5,
                faults: vec![],
                last_error: None,
                peers: vec![proto::VrrpPeer {
                    address: "192.0.2.20".into(),
                    priority: n,
                    adverts: count,
                    last_seen: Some(count),
                    differs: vec![differs],
                }],
            })
    }

    fn reply() -> impl Strategy<Value = Reply> {
        let status = (
            any::<u32>(),
            text(),
            any::<u64>(),
            any::<u64>(),
            proptest::collection::vec(service(), 0..3),
            proptest::collection::vec(vrrp(), 0..2),
        )
            .prop_map(|(pid, config, started, loaded, services, vrrp)| Status {
                version: proto::STATUS_VERSION,
                pid,
                config,
                started,
                loaded,
                services,
                vrrp,
            });
        prop_oneof![
            (any::<String>(), proptest::option::of(status))
                .prop_map(|(message, status)| Reply::Ok { message, status }),
            (
                prop_oneof![
                    Just(ErrorKind::Invalid),
                    Just(ErrorKind::Denied),
                    Just(ErrorKind::Failed)
                ],
                any::<String>()
            )
                .prop_map(|(kind, message)| Reply::Error { kind, message }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_request_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            // Whatever the bytes, a request or a message; never a panic.
            let _ = parse_request(&bytes);
        }

        #[test]
        fn non_json_request_lines_are_invalid(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            prop_assume!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
            prop_assert!(parse_request(&bytes).is_err());
        }

        #[test]
        fn requests_round_trip(r in request()) {
            let mut line = serde_json::to_vec(&r).unwrap();
            prop_assert!(!line.contains(&b'\n'));
            line.push(b'\n');
            prop_assert_eq!(parse_request(&line).unwrap(), r);
        }

        #[test]
        fn replies_round_trip(r in reply()) {
            let mut line = serde_json::to_vec(&r).unwrap();
            prop_assert!(!line.contains(&b'\n'));
            line.push(b'\n');
            prop_assert_eq!(parse_reply(&line).unwrap(), r);
        }

        #[test]
        fn arbitrary_reply_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_reply(&bytes);
        }
    }
}
