//! `file` (ldirectord's maintenancedir): the file's presence takes the
//! server down, so that an operator or another prober can do it with
//! `touch`.

use super::{down, expand, up, Found, Server};

pub(super) async fn run(path: &str, server: &Server) -> Found {
    let path = expand(path, server);
    // On a blocking thread: the probes share the loop's one thread, and a
    // path on a hung network file system would stall them all.
    let p = path.clone();
    let stat = tokio::task::spawn_blocking(move || std::fs::symlink_metadata(p)).await;
    let stat = match stat {
        Ok(r) => r,
        Err(e) => return down(format!("cannot check {path}: {e}")),
    };
    match stat {
        Ok(_) => down(format!("maintenance file {path} exists")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => up(format!("no {path}")),
        Err(e) => down(format!("cannot check {path}: {}", super::net::reason(&e))),
    }
}
