//! Placeholder of the control socket (the control branch brings the real
//! one): the names the daemon's loop uses.

use std::io;
use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, oneshot};

use super::proto::{Reply, Request};

/// A request and where its answer goes.
#[derive(Debug)]
pub struct ControlMsg {
    /// What was asked.
    pub request: Request,
    /// The answer.
    pub reply: oneshot::Sender<Reply>,
}

/// The socket of this network namespace.
pub fn default_socket() -> io::Result<PathBuf> {
    Ok(PathBuf::from("/run/lvsctl/daemon.sock"))
}

/// Binds the control socket.
pub fn bind(path: &Path, group: Option<u32>) -> io::Result<std::os::unix::net::UnixListener> {
    let _ = group;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(path);
    std::os::unix::net::UnixListener::bind(path)
}

/// Serves requests (placeholder: accepts nothing).
pub async fn serve(
    listener: tokio::net::UnixListener,
    read_only_gid: Option<u32>,
    tx: mpsc::Sender<ControlMsg>,
) {
    let _ = (listener, read_only_gid, tx);
    std::future::pending::<()>().await
}
