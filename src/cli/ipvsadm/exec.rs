//! Carries out parsed ipvsadm commands against the kernel and renders
//! their output and errors the way ipvsadm 1.31 does.

use std::io::Read;

use crate::cli::Console;
use crate::ipvs::{DestEntry, IpvsClient, IpvsError, Op, ServiceKey};
use crate::ipvsadm::format as fmt;
use crate::ipvsadm::{error_message, parse_line, Command, Func, ListOptions, ParseErrorKind};
use crate::state::{self, lock};

/// ipvsadm's exit codes, decided here and nowhere else for ipvsadm mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum IpvsadmExit {
    /// Done.
    Ok = 0,
    /// A listing could not be read (`-L --timeout`, `-L --daemon`, `-c`,
    /// a failed service read).
    ListFailed = 1,
    /// ipvsadm's `fail()`: a bad value, no IPVS, a namespace that cannot
    /// be entered.
    Fail = 2,
    /// A popt error, "try -h", or a change the kernel refused (ipvsadm's
    /// `exit(-1)`).
    Abort = 255,
}

impl From<ParseErrorKind> for IpvsadmExit {
    fn from(kind: ParseErrorKind) -> Self {
        match kind {
            ParseErrorKind::Fail => IpvsadmExit::Fail,
            ParseErrorKind::Popt => IpvsadmExit::Abort,
        }
    }
}

/// A run in progress: where it writes, and the exit code so far. Output
/// already written is never taken back, so a failure in the middle of a
/// listing still shows what came before, as ipvsadm does.
struct Out<'c, 'a> {
    con: &'c mut Console<'a>,
    code: IpvsadmExit,
}

impl Out<'_, '_> {
    fn print(&mut self, text: &str) {
        self.con.print(text);
    }

    fn fail(&mut self, message: &str, code: IpvsadmExit) {
        let _ = self.con.flush();
        self.con.eprintln(message);
        self.code = code;
    }

    fn note(&mut self, message: &str) {
        let _ = self.con.flush();
        self.con.eprintln(message);
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
/// message (exit [`IpvsadmExit::Fail`]).
pub fn connect() -> Result<IpvsClient, String> {
    let init = || -> Result<IpvsClient, IpvsError> {
        let mut c = IpvsClient::connect()?;
        c.info()?;
        Ok(c)
    };
    init().map_err(|e| {
        format!(
            "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or as module?",
            error_message(Func::Init, &e)
        )
    })
}

/// Runs one parsed command (not `Help`/`Version`, which need no kernel).
pub fn run(client: &mut IpvsClient, program: &str, cmd: &Command, con: &mut Console) -> IpvsadmExit {
    let mut out = Out {
        con,
        code: IpvsadmExit::Ok,
    };
    run_one(client, program, cmd, &mut out);
    out.code
}

fn run_one(client: &mut IpvsClient, program: &str, cmd: &Command, out: &mut Out) {
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
                match client.execute(&op) {
                    Ok(()) => warn_daemon(out, || vec![op.clone()]),
                    Err(e) => out.fail(&error_message(func_of(other), &e), IpvsadmExit::Abort),
                }
            }
        }
    }
}

fn list(client: &mut IpvsClient, o: &ListOptions, out: &mut Out) {
    if o.timeout {
        match client.timeouts() {
            Ok(t) => out.print(&format!(
                "Timeout (tcp tcpfin udp): {} {} {}\n",
                t.tcp as i32, t.tcp_fin as i32, t.udp as i32
            )),
            Err(_) => out.code = IpvsadmExit::ListFailed,
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
                    out.print(&fmt::daemon_line(&d));
                }
            }
            Err(_) => out.code = IpvsadmExit::ListFailed,
        }
        return;
    }
    if o.connection {
        // ipvsadm reads /proc/net/ip_vs_conn (there is no netlink dump);
        // both of its failures exit 1.
        match crate::ipvs::conn::read_connections() {
            Ok(conns) => out.print(&fmt::conn::conn_listing(
                &conns,
                o.numeric,
                o.persistent_conn,
                &fmt::conn::SystemResolver,
            )),
            Err(e) => out.fail(&e.to_string(), IpvsadmExit::ListFailed),
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

fn list_one(client: &mut IpvsClient, key: &ServiceKey, f: &fmt::Format, out: &mut Out) {
    let (entry, dests) = match client.service_table(key) {
        Ok(t) => t,
        Err(e) => return out.fail(&error_message(Func::Get, &e), IpvsadmExit::ListFailed),
    };
    let dests = sorted(dests, f);
    let mut text = fmt::title(f);
    fmt::service_entry(&mut text, &entry, &dests, f);
    out.print(&text);
}

/// Lists every service. The table is read whole first (consistent under
/// concurrent change, see [`IpvsClient::table`]), then printed service by
/// service.
fn list_all(client: &mut IpvsClient, f: &fmt::Format, out: &mut Out, header: bool) {
    if header {
        match client.info() {
            Ok(info) => out.print(&fmt::header(&info)),
            Err(e) => return out.fail(&error_message(Func::Get, &e), IpvsadmExit::ListFailed),
        }
    }
    // Each service's text is formatted as its destinations arrive, into
    // one buffer (the table's destinations never exist all at once), and
    // printed in ipvsadm's service order once the read proved consistent.
    let mut text = TextArena::default();
    let mut scratch = String::new();
    let mut current = 0;
    let each = |round, s: &_, dests| {
        if round != current {
            text = TextArena::default();
            current = round;
        }
        scratch.clear();
        fmt::service_entry(&mut scratch, s, &sorted(dests, f), f);
        text.push(&scratch)
    };
    // The default view shows nothing /proc/net/ip_vs lacks: its
    // destinations come from there, one file instead of a dump each.
    let table = if f.basic() {
        client.table_basic_with(each)
    } else {
        client.table_with(each)
    };
    let (services, ranges) = match table {
        Ok(t) => t,
        Err(e) => return out.fail(&error_message(Func::Get, &e), IpvsadmExit::ListFailed),
    };
    let mut order: Vec<usize> = (0..services.len()).collect();
    if !f.nosort {
        fmt::msort(&mut order, &|a: &usize, b: &usize| {
            fmt::cmp_services(&services[*a].service, &services[*b].service)
        });
    }
    let mut chunk = fmt::title(f);
    for i in order {
        chunk.push_str(text.get(ranges[i]));
        if chunk.len() >= 32 * 1024 {
            out.print(&chunk);
            chunk.clear();
        }
    }
    out.print(&chunk);
}

/// Text kept until it can be printed, in 1 MiB blocks: a listing's text
/// is the largest thing a large `-L` holds, and one growing string would
/// need up to twice its size (and copies) on the way.
#[derive(Default)]
struct TextArena {
    blocks: Vec<String>,
}

/// Where a piece of [`TextArena`] text is: block, start, end.
#[derive(Clone, Copy)]
struct Piece(usize, usize, usize);

impl TextArena {
    const BLOCK: usize = 1 << 20;

    fn push(&mut self, s: &str) -> Piece {
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() - b.len() >= s.len());
        if !fits {
            self.blocks.push(String::with_capacity(Self::BLOCK.max(s.len())));
        }
        let i = self.blocks.len() - 1;
        let b = &mut self.blocks[i];
        let start = b.len();
        b.push_str(s);
        Piece(i, start, b.len())
    }

    fn get(&self, p: Piece) -> &str {
        &self.blocks[p.0][p.1..p.2]
    }
}

/// `-R`: every line is parsed before anything is sent; a bad line is
/// reported as `lvsctl: line N: <ipvsadm's message>` with ipvsadm's exit
/// code for it, and nothing is applied. Consecutive changes then go to the
/// kernel in batches (listing commands run in their place), under the
/// writer lock. A line the kernel refuses is reported the same way, no
/// further batch is sent, and everything already applied is undone: the
/// table is left as it was before the run (exit 255).
fn restore(client: &mut IpvsClient, program: &str, out: &mut Out) {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return out.fail(
            &format!("lvsctl: reading standard input: {e}"),
            IpvsadmExit::ListFailed,
        );
    }
    let text = String::from_utf8_lossy(&input);
    let mut cmds: Vec<(usize, Command)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(c)) => cmds.push((i + 1, c)),
            Ok(None) => {}
            Err(e) => {
                let e = e.for_program(program);
                return out.fail(&format!("lvsctl: line {}: {}", i + 1, e.message), e.kind.into());
            }
        }
    }
    if !cmds.iter().any(|(_, c)| op_of(c).is_some()) {
        for (_, c) in &cmds {
            run_one(client, program, c, out);
        }
        return;
    }
    let Ok(_lock) = writer_lock(out) else {
        return;
    };
    let before = match state::read_live(&mut state::Kernel::new(client), state::Scope::ipvs()) {
        Ok(t) => t,
        Err(state::EngineError::Ipvs(e)) => {
            return out.fail(&error_message(Func::Get, &e), IpvsadmExit::Abort)
        }
        Err(e) => return out.fail(&format!("lvsctl: {e}"), IpvsadmExit::Abort),
    };
    let mut i = 0;
    while i < cmds.len() {
        let start = i;
        while i < cmds.len() && op_of(&cmds[i].1).is_some() {
            i += 1;
        }
        if i > start {
            let ops: Vec<Op> = cmds[start..i].iter().filter_map(|(_, c)| op_of(c)).collect();
            let failed = match state::push_all_or_nothing(&mut state::Kernel::new(client), &ops, &before) {
                Ok(()) => None,
                Err(state::EngineError::Refused(r)) => {
                    let (line, c) = &cmds[start + r.index];
                    Some((*line, error_message(func_of(c), &r.error), r.rollback))
                }
                Err(state::EngineError::Interrupted { error, rollback }) => Some((
                    cmds[start].0,
                    error_message(Func::Other, &error),
                    rollback.map(|b| *b),
                )),
                Err(e) => Some((cmds[start].0, e.to_string(), Some(e))),
            };
            if let Some((line, message, rollback)) = failed {
                out.fail(&format!("lvsctl: line {line}: {message}"), IpvsadmExit::Abort);
                match rollback {
                    None => out.note("lvsctl: nothing was changed (rolled back)"),
                    Some(e) => out.fail(
                        &format!("lvsctl: ROLLBACK FAILED, the table is partly changed: {e}"),
                        IpvsadmExit::Abort,
                    ),
                }
                return;
            }
        } else {
            let (_, c) = &cmds[i];
            let code = out.code;
            run_one(client, program, c, out);
            if out.code == IpvsadmExit::Ok {
                out.code = code;
            }
            i += 1;
        }
    }
    warn_daemon(out, || cmds.iter().filter_map(|(_, c)| op_of(c)).collect());
}

/// After a change went through: if a daemon of this namespace manages a
/// service it touched, says that the daemon will put it back. (No daemon,
/// no output: ipvsadm's own output stays byte for byte.) The changes are
/// made (`ops`) only when a daemon runs.
fn warn_daemon(out: &mut Out, ops: impl FnOnce() -> Vec<Op>) {
    let Some(daemon) = crate::daemon::control::running() else {
        return;
    };
    if let Some(w) = daemon.warning(&ops()) {
        out.note(&format!("lvsctl: warning: {w}"));
    }
}

/// Takes the table's writer lock for a change. A lock that cannot be
/// created (no /run, no privilege) does not stop the change: the kernel
/// decides about privilege, with ipvsadm's messages. Another writer
/// holding it for the whole wait does. While waiting, a terminal is told
/// who holds it.
fn writer_lock(out: &mut Out) -> Result<Option<lock::TableLock>, ()> {
    let con = &mut *out.con;
    let mut note = |o: Option<&lock::LockOwner>| con.progress(&format!("lvsctl: {}", lock::waiting_text(o)));
    let locked = lock::lock_table_with(lock::DEFAULT_WAIT, &mut note);
    match locked {
        Ok(l) => Ok(Some(l)),
        Err(e @ lock::LockError::Busy { .. }) => {
            out.fail(&format!("lvsctl: {e}"), IpvsadmExit::Abort);
            Err(())
        }
        Err(lock::LockError::Io { .. }) => Ok(None),
    }
}
