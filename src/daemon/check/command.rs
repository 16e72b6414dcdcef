//! `command`: a program run without a shell, `%h`/`%p` replaced in its
//! arguments; exit 0 up, 1 down, 2-255 up with weight exit-2 when
//! `dynamic_weight` is set (keepalived's misc_dynamic). Its standard
//! output is read (at most `OUTPUT_MAX` bytes) for `expect`.
//!
//! The program runs in a process group of its own, and a probe dropped at
//! its deadline kills the whole group: a check script's own children
//! (`curl`, `sleep`) must not outlive it and pile up, one set per
//! interval. The group is killed only while the program is not yet
//! reaped, when its id is sure to still name that group.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::{down, expand, shown, Found, Matcher, Server};

/// The uid and gid command checks run as (the daemon's `user`), set by the
/// daemon at start and on each reload; `None`: as the daemon itself.
static RUN_AS: std::sync::RwLock<Option<(u32, u32)>> = std::sync::RwLock::new(None);

/// Sets the user command checks run as.
pub fn set_run_as(ids: Option<(u32, u32)>) {
    if let Ok(mut g) = RUN_AS.write() {
        *g = ids;
    }
}

/// Most standard output read; the rest is not waited for.
const OUTPUT_MAX: usize = 64 << 10;

pub(super) async fn run(
    argv: &[String],
    server: &Server,
    dynamic_weight: bool,
    expect: Option<&Matcher>,
) -> Found {
    let argv: Vec<String> = argv.iter().map(|a| expand(a, server)).collect();
    let Some((program, args)) = argv.split_first() else {
        return down("no program to run");
    };
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = RUN_AS.read().ok().and_then(|g| *g) {
        cmd.uid(uid).gid(gid);
    }
    let mut child = match cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(if expect.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return down(format!("cannot run {program}: {}", super::net::reason(&e))),
    };
    let mut group = Group(child.id().and_then(|id| i32::try_from(id).ok()));
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        // take() stops at the cap; dropping the pipe then gives the child
        // EPIPE rather than a pipe it blocks on.
        let _ = stdout.take(OUTPUT_MAX as u64).read_to_end(&mut out).await;
    }
    let status = child.wait().await;
    // Reaped: its id may name another process from now on.
    group.0 = None;
    let status = match status {
        Ok(s) => s,
        Err(e) => return down(format!("waiting for {program}: {}", super::net::reason(&e))),
    };
    let Some(code) = status.code() else {
        let sig = status.signal().unwrap_or(0);
        return down(format!("killed by signal {sig}"));
    };
    let found: Found = match code {
        0 => (true, "exit 0".to_string(), None),
        2..=255 if dynamic_weight => (
            true,
            format!("exit {code}, weight {}", code - 2),
            Some((code - 2) as u32),
        ),
        _ => return down(format!("exit {code}")),
    };
    match expect {
        Some(m) if !m.is_match(&out) => down(format!("output does not match {}", shown(m))),
        _ => found,
    }
}

/// The process group of a running check program, killed on drop.
struct Group(Option<i32>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pgid) = self.0.filter(|p| *p > 1) {
            // SAFETY: kill(2) takes no pointers; -pgid names the group the
            // child leads (process_group(0)), which exists while the child
            // is unreaped.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}
