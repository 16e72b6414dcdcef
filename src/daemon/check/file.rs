//! `file` (ldirectord's maintenancedir): the file's presence takes the
//! server down, so that an operator or another prober can do it with
//! `touch`.

use super::{down, expand, up, Found, Server};

pub(super) fn run(path: &str, server: &Server) -> Found {
    let path = expand(path, server);
    // One stat of a local path: not worth a blocking-pool thread.
    match std::fs::symlink_metadata(&path) {
        Ok(_) => down(format!("maintenance file {path} exists")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => up(format!("no {path}")),
        Err(e) => down(format!("cannot check {path}: {}", super::net::reason(&e))),
    }
}
