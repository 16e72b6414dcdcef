//! `apply`, `diff` and `save`: the desired-state commands. The work is the
//! engine's ([`crate::state::reconcile_with`]: read, diff, push all or
//! nothing); the handlers read the file, take the table lock, print the
//! warnings as they come and render the plan.

use super::{connect, NativeError, PlanOutput, Report, SaveOutput};
use crate::cli::Console;
use crate::output::json::{self, Document};
use crate::output::sort::{sort_daemons, sort_table};
use crate::output::text;
use crate::state::{self, lock, EngineError};

/// `apply FILE`: changes the table (unless `dry_run`) and prints the plan.
pub(super) fn apply(
    file: &str,
    dry_run: bool,
    prune: bool,
    output: PlanOutput,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<Report, NativeError> {
    let (plan, _) = reconcile(file, dry_run, prune, output, netns, con)?;
    Ok(Report::Done(plan))
}

/// `diff FILE`: the plan, with changes pending as a [`Report::Problems`].
pub(super) fn diff(
    file: &str,
    prune: bool,
    output: PlanOutput,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<Report, NativeError> {
    Ok(match reconcile(file, true, prune, output, netns, con)? {
        (plan, true) => Report::Done(plan),
        (plan, false) => Report::Problems(plan),
    })
}

/// Runs the engine on FILE; returns the rendered plan (the text form is
/// written out as it is made and comes back empty) and whether it was
/// empty. Only a real run takes the table lock.
fn reconcile(
    file: &str,
    dry_run: bool,
    prune: bool,
    output: PlanOutput,
    netns: Option<&str>,
    con: &mut Console,
) -> Result<(String, bool), NativeError> {
    let text = read_input(file)?;
    let name = if file == "-" { "<stdin>" } else { file };
    let desired = state::parse(name, &text)?;
    drop(text);
    let mut client = connect(netns)?;
    let _lock = if dry_run {
        None
    } else {
        let mut note =
            |o: Option<&lock::LockOwner>| con.progress(&format!("lvsctl: {}", lock::waiting_text(o)));
        Some(lock::lock_table_with(lock::DEFAULT_WAIT, &mut note)?)
    };
    // A daemon of this namespace puts back what it manages (read after
    // entering the namespace: the registry is per namespace), and its own
    // probe services are not the file's to change.
    let registered = crate::daemon::control::running();
    let keep: state::FastSet<crate::ipvs::ServiceKey> = registered
        .iter()
        .flat_map(|d| d.keep.iter())
        .filter_map(|s| crate::daemon::proto::parse_selector(s))
        .collect();
    let opts = state::ReconcileOptions {
        prune,
        dry_run,
        services: if keep.is_empty() {
            state::Services::All
        } else {
            state::Services::AllBut(keep)
        },
        ..state::ReconcileOptions::default()
    };
    let mut kernel = state::Kernel::new(&mut client);
    let daemon = if dry_run { None } else { registered };
    let mut warn = |plan: &state::Plan| {
        for w in &plan.warnings {
            con.eprintln(&format!("lvsctl: warning: {w}"));
        }
        if let Some(w) = daemon.as_ref().and_then(|d| daemon_warning(d, plan)) {
            con.eprintln(&format!("lvsctl: warning: {w}"));
        }
    };
    let report = match state::reconcile_with(&mut kernel, &desired.table, &opts, &mut warn) {
        Ok(r) => r,
        Err(EngineError::Refused(refusal)) => {
            return Err(NativeError::Refused {
                file: Box::new(desired.source),
                refusal,
            })
        }
        Err(other) => return Err(engine_error(other)),
    };
    let plan = &report.plan;
    let rendered = match output {
        PlanOutput::Text => {
            text::plan_each(plan, &mut |chunk| con.print(chunk));
            String::new()
        }
        PlanOutput::Json => {
            let mut doc = Document::new();
            doc.changes = Some(json::changes(plan, &desired.source));
            doc.warnings = Some(plan.warnings.iter().map(ToString::to_string).collect());
            doc.render_as(con.out_is_terminal)
        }
    };
    Ok((rendered, plan.is_empty()))
}

/// `save`: the live state, in lvsctl's order, as a file `apply` reads back.
pub(super) fn save(
    output: SaveOutput,
    netns: Option<&str>,
    pretty: bool,
    con: &mut Console,
) -> Result<Report, NativeError> {
    let mut client = connect(netns)?;
    let mut entries = client.table()?;
    sort_table(&mut entries);
    Ok(Report::Done(match output {
        // Rules and TOML are written a service at a time.
        SaveOutput::Rules => {
            state::rules::save_each(&state::Table::from_owned_entries(entries), &mut |s| con.print(s));
            String::new()
        }
        SaveOutput::Toml => {
            let mut t = state::Table::from_owned_entries(entries);
            t.timeouts = Some(client.timeouts()?);
            t.daemons = Some(client.daemons()?);
            t.sysctls =
                Some(state::apply::read_sysctls(&mut state::Kernel::new(&mut client)).map_err(engine_error)?);
            state::config::render_each(&t, &mut |s| con.print(s));
            String::new()
        }
        SaveOutput::Json => {
            let mut doc = Document::new();
            doc.services = Some(entries.iter().map(|(s, d)| json::service(s, d)).collect());
            doc.timeouts = Some(json::JsonTimeouts::from(&client.timeouts()?));
            let mut ds = client.daemons()?;
            sort_daemons(&mut ds);
            doc.daemons = Some(ds.iter().map(json::JsonDaemon::from).collect());
            doc.sysctl =
                Some(state::apply::read_sysctls(&mut state::Kernel::new(&mut client)).map_err(engine_error)?);
            doc.render_as(pretty)
        }
    }))
}

/// The warning for a plan that changes services `daemon` manages.
fn daemon_warning(daemon: &crate::daemon::control::Registration, plan: &state::Plan) -> Option<String> {
    daemon.warning(plan.changes.iter().filter_map(|c| match &c.change {
        state::Change::Ipvs(op) => Some(op),
        state::Change::Sysctl { .. } => None,
    }))
}

/// Reads a desired-state file (`-` is standard input).
fn read_input(file: &str) -> Result<String, NativeError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let r = if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    r.map_err(|error| NativeError::File {
        file: file.to_string(),
        error,
    })?;
    String::from_utf8(bytes).map_err(|_| NativeError::NotUtf8(file.to_string()))
}

/// IPVS errors keep their own variant (its messages for a missing module
/// or privilege).
fn engine_error(e: EngineError) -> NativeError {
    match e {
        EngineError::Ipvs(err) => NativeError::Ipvs(err),
        other => NativeError::Engine(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::control::Registration;
    use crate::ipvs::{Destination, Op, Protocol, ServiceKey};
    use state::{Change, ChangeKind, PlannedChange};

    #[test]
    fn plans_touching_a_daemons_services_are_told() {
        let daemon = Registration {
            pid: 4242,
            socket: "/run/lvsctl/daemon.sock".into(),
            config: "/etc/lvsctl/daemon.toml".into(),
            services: vec!["tcp:192.0.2.110:80".into()],
            start: None,
            keep: Vec::new(),
            sync_daemons: true,
        };
        let key = |a: &str| ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: a.parse().unwrap(),
            port: 80,
        };
        let change = |change| PlannedChange {
            kind: ChangeKind::Edit,
            change,
        };
        let dest = Destination::new("192.0.2.11".parse().unwrap(), 80);
        let mut plan = state::Plan::default();
        plan.changes.push(change(Change::Sysctl {
            name: "expire_nodest_conn".into(),
            value: 1,
        }));
        plan.changes.push(change(Change::Ipvs(Op::EditDest(
            key("192.0.2.120"),
            dest.clone(),
        ))));
        assert_eq!(daemon_warning(&daemon, &plan), None);
        // A daemon that manages the sync daemons (its VRRP instance's
        // sync_daemon) will put a stopped one back.
        let stop = change(Change::Ipvs(Op::StopDaemon(crate::ipvs::DaemonState::Backup)));
        let mut stopping = plan.clone();
        stopping.changes.push(stop.clone());
        assert_eq!(
            daemon_warning(&daemon, &stopping).as_deref(),
            Some("lvsctl daemon (pid 4242) manages the sync daemons and will revert this change")
        );
        let others = Registration {
            sync_daemons: false,
            ..daemon.clone()
        };
        assert_eq!(daemon_warning(&others, &stopping), None);
        plan.changes
            .push(change(Change::Ipvs(Op::EditDest(key("192.0.2.110"), dest))));
        assert_eq!(
            daemon_warning(&daemon, &plan).as_deref(),
            Some("lvsctl daemon (pid 4242) manages tcp:192.0.2.110:80 and will revert this change")
        );
    }
}
