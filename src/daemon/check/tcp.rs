//! `tcp`: the server accepts a connection.

use std::net::SocketAddr;

use super::net::Options;
use super::{down, up, Found};

pub(super) async fn run(sock: &Options, to: SocketAddr) -> Found {
    match sock.connect(to).await {
        Ok(_) => up("connected"),
        Err(why) => down(why),
    }
}
