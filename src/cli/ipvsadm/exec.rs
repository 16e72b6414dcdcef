//! Carries out parsed ipvsadm commands against the kernel and renders
//! their output and errors the way ipvsadm 1.31 does.

use std::io::Read;

use super::{parse_line, Command, ListOptions, ParseError};
use crate::ipvs::{DestEntry, IpvsClient, IpvsError, Op, ServiceEntry, ServiceKey};
use crate::output::ipvsadm as fmt;
use crate::state::{self, lock};

/// The outcome of an ipvsadm-mode run: text for stdout, text for stderr,
/// and the exit code. Output already written is never taken back, so a
/// failure in the middle of a listing still shows what came before, as
/// ipvsadm does.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit code.
    pub code: i32,
}

impl Outcome {
    fn fail(&mut self, message: &str, code: i32) {
        self.stderr.push_str(message);
        self.stderr.push('\n');
        self.code = code;
    }
}

/// The libipvs function a request belongs to; ipvsadm picks its error
/// wording by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `ipvs_init`.
    Init,
    /// `ipvs_add_service`.
    AddService,
    /// `ipvs_update_service`.
    UpdateService,
    /// `ipvs_del_service`.
    DelService,
    /// `ipvs_zero_service`.
    ZeroService,
    /// `ipvs_add_dest`.
    AddDest,
    /// `ipvs_update_dest`.
    UpdateDest,
    /// `ipvs_del_dest`.
    DelDest,
    /// `ipvs_start_daemon`.
    StartDaemon,
    /// `ipvs_stop_daemon`.
    StopDaemon,
    /// `ipvs_get_services`, `ipvs_get_dests`, `ipvs_get_service`.
    Get,
    /// Anything else (flush, set timeout, ...).
    Other,
}

/// ipvsadm's `ipvs_strerror`: the message for `errno` after `func`.
pub fn strerror(func: Func, errno: i32) -> String {
    use Func::*;
    let specific = match (func, errno) {
        (AddService, libc::EEXIST) => Some("Service already exists"),
        (AddService | UpdateService, libc::ENOENT) => Some("Scheduler or persistence engine not found"),
        (UpdateService | DelService | ZeroService | Get, libc::ESRCH) => Some("No such service"),
        (AddDest | UpdateDest | DelDest, libc::ESRCH) => Some("Service not defined"),
        (AddDest, libc::EEXIST) => Some("Destination already exists"),
        (UpdateDest | DelDest, libc::ENOENT) => Some("No such destination"),
        (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        (_, libc::EPERM) => Some("Permission denied (you must be root)"),
        (_, libc::EINVAL) => {
            Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
        }
        (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
        (_, libc::ENOMEM) => Some("Memory allocation problem"),
        (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, libc::EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, libc::EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    match specific {
        Some(s) => s.to_string(),
        None => crate::netlink::strerror(errno),
    }
}

/// The message for an IPVS error: ipvsadm's wording for kernel errnos,
/// our own for everything ipvsadm cannot run into.
pub fn error_message(func: Func, e: &IpvsError) -> String {
    match e {
        // ipvsadm falls back to the old sockopt interface, which fails
        // with ENOPROTOOPT when there is no IPVS at all.
        IpvsError::NotAvailable => strerror(func, libc::ENOPROTOOPT),
        _ => match e.errno() {
            Some(errno) => strerror(func, errno),
            None => e.to_string(),
        },
    }
}

fn func_of(cmd: &Command) -> Func {
    match cmd {
        Command::AddService(_) => Func::AddService,
        Command::EditService(_) => Func::UpdateService,
        Command::DelService(_) => Func::DelService,
        Command::AddDest(..) => Func::AddDest,
        Command::EditDest(..) => Func::UpdateDest,
        Command::DelDest(..) => Func::DelDest,
        Command::Zero(_) => Func::ZeroService,
        Command::StartDaemon(_) => Func::StartDaemon,
        Command::StopDaemon(_) => Func::StopDaemon,
        _ => Func::Other,
    }
}

/// The libipvs function that sends a change.
pub fn func_of_op(op: &Op) -> Func {
    match op {
        Op::AddService(_) => Func::AddService,
        Op::EditService(_) => Func::UpdateService,
        Op::DelService(_) => Func::DelService,
        Op::AddDest(..) => Func::AddDest,
        Op::EditDest(..) => Func::UpdateDest,
        Op::DelDest(..) => Func::DelDest,
        Op::Zero(_) => Func::ZeroService,
        Op::StartDaemon(_) => Func::StartDaemon,
        Op::StopDaemon(_) => Func::StopDaemon,
        Op::Flush | Op::SetTimeouts(_) => Func::Other,
    }
}

/// The kernel change a command makes, if it is a change.
fn op_of(cmd: &Command) -> Option<Op> {
    Some(match cmd.clone() {
        Command::AddService(s) => Op::AddService(s),
        Command::EditService(s) => Op::EditService(s),
        Command::DelService(k) => Op::DelService(k),
        Command::Flush => Op::Flush,
        Command::AddDest(k, d) => Op::AddDest(k, d),
        Command::EditDest(k, d) => Op::EditDest(k, d),
        Command::DelDest(k, a, p) => Op::DelDest(k, a, p),
        Command::Zero(k) => Op::Zero(k),
        Command::SetTimeouts(t) => Op::SetTimeouts(t),
        Command::StartDaemon(d) => Op::StartDaemon(d),
        Command::StopDaemon(s) => Op::StopDaemon(s),
        _ => return None,
    })
}

/// Opens the client as ipvsadm's `ipvs_init` would, failing with its
/// message and exit code 2.
pub fn connect() -> Result<IpvsClient, ParseError> {
    let init = || -> Result<IpvsClient, IpvsError> {
        let mut c = IpvsClient::connect()?;
        c.info()?;
        Ok(c)
    };
    init().map_err(|e| ParseError {
        message: format!(
            "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or as module?",
            error_message(Func::Init, &e)
        ),
        exit: 2,
    })
}

/// Runs one parsed command (not `Help`/`Version`, which need no kernel).
pub fn run(client: &mut IpvsClient, program: &str, cmd: &Command, out: &mut Outcome) {
    match cmd {
        Command::List(opts) => list(client, opts, out),
        Command::Save { numeric } => {
            let f = fmt::Format {
                rule: true,
                numeric: *numeric,
                ..fmt::Format::default()
            };
            list_all(client, &f, out, false);
        }
        Command::Restore => restore(client, program, out),
        Command::Help | Command::Version => {}
        other => {
            if let Some(op) = op_of(other) {
                let Ok(_lock) = writer_lock(out) else {
                    return;
                };
                if let Err(e) = client.execute(&op) {
                    out.fail(&error_message(func_of(other), &e), 255);
                }
            }
        }
    }
}

fn list(client: &mut IpvsClient, o: &ListOptions, out: &mut Outcome) {
    if o.timeout {
        match client.timeouts() {
            Ok(t) => out.stdout.push_str(&format!(
                "Timeout (tcp tcpfin udp): {} {} {}\n",
                t.tcp as i32, t.tcp_fin as i32, t.udp as i32
            )),
            Err(_) => out.code = 1,
        }
        return;
    }
    if o.daemon {
        match client.daemons() {
            Ok(ds) => {
                // Master first, then backup, as ipvsadm's two slots.
                let mut ds = ds;
                ds.sort_by_key(|d| d.state.raw());
                for d in ds {
                    out.stdout.push_str(&fmt::daemon_line(&d));
                }
            }
            Err(_) => out.code = 1,
        }
        return;
    }
    if o.connection {
        // ipvsadm reads /proc/net/ip_vs_conn (there is no netlink dump);
        // both of its failures exit 1.
        match crate::ipvs::conn::read_connections() {
            Ok(conns) => out.stdout.push_str(&fmt::conn::conn_listing(
                &conns,
                o.numeric,
                o.persistent_conn,
                &fmt::conn::SystemResolver,
            )),
            Err(e) => out.fail(&e.to_string(), 1),
        }
        return;
    }
    let f = fmt::Format {
        numeric: o.numeric,
        rule: false,
        stats: o.stats,
        rate: o.rate,
        thresholds: o.thresholds,
        persistent_conn: o.persistent_conn,
        tun_info: o.tun_info,
        exact: o.exact,
        nosort: o.nosort,
    };
    match &o.service {
        Some(key) => list_one(client, key, &f, out),
        None => list_all(client, &f, out, true),
    }
}

fn sorted(mut dests: Vec<DestEntry>, f: &fmt::Format) -> Vec<DestEntry> {
    if !f.nosort {
        fmt::sort_dests(&mut dests);
    }
    dests
}

fn list_one(client: &mut IpvsClient, key: &ServiceKey, f: &fmt::Format, out: &mut Outcome) {
    let (entry, dests) = match client.service_table(key) {
        Ok(t) => t,
        Err(e) => return out.fail(&error_message(Func::Get, &e), 1),
    };
    let dests = sorted(dests, f);
    out.stdout.push_str(&fmt::title(f));
    fmt::service_entry(&mut out.stdout, &entry, &dests, f);
}

/// Lists every service. The table is read whole first (consistent under
/// concurrent change, see [`IpvsClient::table`]), then printed.
fn list_all(client: &mut IpvsClient, f: &fmt::Format, out: &mut Outcome, header: bool) {
    if header {
        match client.info() {
            Ok(info) => out.stdout.push_str(&fmt::header(&info)),
            Err(e) => return out.fail(&error_message(Func::Get, &e), 1),
        }
    }
    let table = match client.table() {
        Ok(t) => t,
        Err(e) => return out.fail(&error_message(Func::Get, &e), 1),
    };
    let (mut services, dests): (Vec<ServiceEntry>, Vec<Vec<DestEntry>>) = table.into_iter().unzip();
    let mut by_key: std::collections::HashMap<ServiceKey, Vec<DestEntry>> =
        services.iter().map(|s| s.service.key).zip(dests).collect();
    if !f.nosort {
        fmt::sort_services(&mut services);
    }
    out.stdout.push_str(&fmt::title(f));
    for s in &services {
        let d = sorted(by_key.remove(&s.service.key).unwrap_or_default(), f);
        fmt::service_entry(&mut out.stdout, s, &d, f);
    }
}

/// `-R`: every line is parsed before anything is sent; a bad line is
/// reported as `lvsctl: line N: <ipvsadm's message>` with ipvsadm's exit
/// code for it, and nothing is applied. Consecutive changes then go to the
/// kernel in batches (listing commands run in their place), under the
/// writer lock. A line the kernel refuses is reported the same way, no
/// further batch is sent, and everything already applied is undone: the
/// table is left as it was before the run (exit 255).
fn restore(client: &mut IpvsClient, program: &str, out: &mut Outcome) {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return out.fail(&format!("lvsctl: reading standard input: {e}"), 1);
    }
    let text = String::from_utf8_lossy(&input);
    let mut cmds: Vec<(usize, Command)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(c)) => cmds.push((i + 1, c)),
            Ok(None) => {}
            Err(e) => {
                let e = e.for_program(program);
                return out.fail(&format!("lvsctl: line {}: {}", i + 1, e.message), e.exit);
            }
        }
    }
    if !cmds.iter().any(|(_, c)| op_of(c).is_some()) {
        for (_, c) in &cmds {
            run(client, program, c, out);
        }
        return;
    }
    let Ok(_lock) = writer_lock(out) else {
        return;
    };
    let before = match state::read_live(client, state::Scope::ipvs()) {
        Ok(t) => t,
        Err(state::EngineError::Ipvs(e)) => return out.fail(&error_message(Func::Get, &e), 255),
        Err(e) => return out.fail(&format!("lvsctl: {e}"), 255),
    };
    let mut i = 0;
    while i < cmds.len() {
        let start = i;
        while i < cmds.len() && op_of(&cmds[i].1).is_some() {
            i += 1;
        }
        if i > start {
            let ops: Vec<Op> = cmds[start..i].iter().filter_map(|(_, c)| op_of(c)).collect();
            let refused = match client.apply_until_refused(&ops) {
                Ok(results) => results.into_iter().enumerate().find_map(|(j, r)| {
                    let (line, c) = &cmds[start + j];
                    r.err().map(|e| (*line, error_message(func_of(c), &e)))
                }),
                Err(e) => Some((cmds[start].0, error_message(Func::Other, &e))),
            };
            if let Some((line, message)) = refused {
                out.fail(&format!("lvsctl: line {line}: {message}"), 255);
                match state::apply::undo(client, &before) {
                    Ok(()) => out.stderr.push_str("lvsctl: nothing was changed (rolled back)\n"),
                    Err(e) => out.fail(
                        &format!("lvsctl: ROLLBACK FAILED, the table is partly changed: {e}"),
                        255,
                    ),
                }
                return;
            }
        } else {
            let (_, c) = &cmds[i];
            let code = out.code;
            run(client, program, c, out);
            if out.code == 0 {
                out.code = code;
            }
            i += 1;
        }
    }
}

/// Takes the table's writer lock for a change. A lock that cannot be
/// created (no /run, no privilege) does not stop the change: the kernel
/// decides about privilege, with ipvsadm's messages. Another writer
/// holding it for the whole wait does. While waiting, a terminal is told
/// who holds it.
fn writer_lock(out: &mut Outcome) -> Result<Option<lock::TableLock>, ()> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut note = |o: Option<&lock::LockOwner>| {
        if tty {
            eprintln!("lvsctl: {}", lock::waiting_text(o));
        }
    };
    match lock::lock_table_with(lock::DEFAULT_WAIT, &mut note) {
        Ok(l) => Ok(Some(l)),
        Err(e @ lock::LockError::Busy { .. }) => {
            out.fail(&format!("lvsctl: {e}"), 255);
            Err(())
        }
        Err(lock::LockError::Io { .. }) => Ok(None),
    }
}
