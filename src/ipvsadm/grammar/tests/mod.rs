//! The grammar's tests, one file per topic, each case checked against
//! ipvsadm 1.31's behaviour (messages and exit codes are ipvsadm's).
//! The helpers here parse a line or an argument vector and unwrap the
//! command or the error.

use super::clib::{atoi, inet_aton, inet_pton4, inet_pton6, string_to_number};
use super::matrix::{Cmd, Col, CMD_NAMES, MATRIX, NUMBER_OF_OPT};
use super::options::{Opt, DEFS};
use super::values::{service_to_port, NO_HOST_LOOKUPS};
use super::*;
use crate::ipvs::{
    tun_flags, AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, Timeouts, TunnelType,
};
use std::net::{IpAddr, Ipv4Addr};

mod clib;
mod commands;
mod destinations;
mod matrix;
mod odd_input;
mod popt;
mod restore;
mod services;
mod tables;

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

fn ok(line: &str) -> Command {
    parse(&words(line)).unwrap_or_else(|e| panic!("{line:?}: {e:?}"))
}

fn ok_v(v: &[&str]) -> Command {
    let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    parse(&args).unwrap_or_else(|e| panic!("{v:?}: {e:?}"))
}

/// ipvsadm's exit code for a kind (the front end's mapping, repeated
/// so these tests read in ipvsadm's numbers).
fn exit_of(kind: ParseErrorKind) -> i32 {
    match kind {
        ParseErrorKind::Fail => 2,
        ParseErrorKind::Popt => 255,
    }
}

fn err_v(v: &[&str]) -> (String, i32) {
    let args: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    match parse(&args) {
        Ok(c) => panic!("{v:?}: expected an error, got {c:?}"),
        Err(e) => (e.message, exit_of(e.kind)),
    }
}

#[track_caller]
fn assert_err(line: &str, message: &str, exit: i32) {
    let (m, e) = err_v(&line.split_whitespace().collect::<Vec<_>>());
    assert_eq!((m.as_str(), e), (message, exit), "for {line:?}");
}

#[track_caller]
fn assert_err_v(v: &[&str], message: &str, exit: i32) {
    let (m, e) = err_v(v);
    assert_eq!((m.as_str(), e), (message, exit), "for {v:?}");
}

const TRY_HELP: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

fn v4(a: &str) -> IpAddr {
    IpAddr::V4(a.parse().unwrap())
}

fn v6(a: &str) -> IpAddr {
    IpAddr::V6(a.parse().unwrap())
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: v4(addr),
        port,
    }
}

fn add_service(line: &str) -> Service {
    match ok(line) {
        Command::AddService(s) => s,
        c => panic!("{line:?}: {c:?}"),
    }
}

fn add_dest(line: &str) -> (ServiceKey, Destination) {
    match ok(line) {
        Command::AddDest(k, d) => (k, d),
        c => panic!("{line:?}: {c:?}"),
    }
}

fn list(line: &str) -> ListOptions {
    match ok(line) {
        Command::List(l) => l,
        c => panic!("{line:?}: {c:?}"),
    }
}

fn add_service_v(v: &[&str]) -> Service {
    match ok_v(v) {
        Command::AddService(s) => s,
        c => panic!("{v:?}: {c:?}"),
    }
}

fn add_dest_v(v: &[&str]) -> (ServiceKey, Destination) {
    match ok_v(v) {
        Command::AddDest(k, d) => (k, d),
        c => panic!("{v:?}: {c:?}"),
    }
}
