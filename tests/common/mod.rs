//! Real-kernel test harness: run a shell scenario inside the IPVS test VM.
//!
//! The host kernel has no IPVS, so tests that touch the kernel boot Debian's
//! stock kernel under qemu (`tests/vm/run`, prepared once by `tests/vm/setup`)
//! and run `tests/vm/scenarios/<script>` there with `$LVSCTL` set to the
//! freshly built binary. The scenario records checks with the helpers of
//! `tests/vm/lib.sh`; this module reads them back and turns failures into a
//! panic that lists every failed check with its details.
//!
//! ```ignore
//! mod common;
//!
//! #[test]
//! fn smoke() {
//!     common::run_scenario("smoke.sh").assert_ok();
//! }
//! ```
//!
//! Nothing here ever skips: without the VM cache the test fails and says to
//! run `tests/vm/setup`. Outputs stay in `target/tmp/vm/<script-stem>/`
//! (`scenario.log`, `console.log`, `results`, `details/`, `status`).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Exit code of `tests/vm/run` when the VM cache is missing or outdated.
const RUN_EXIT_NOT_SET_UP: i32 = 3;
/// Exit code of `tests/vm/run` when the VM produced no status.
const RUN_EXIT_NO_STATUS: i32 = 4;
/// At most this many bytes of one check's details go into a panic message.
const MAX_DETAIL: usize = 6000;

/// One line of `$OUT/results`.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// `Some(reason)` for `ok NAME # SKIP reason`.
    pub skip: Option<String>,
    /// Contents of `$OUT/details/NAME`, if the scenario wrote it.
    pub details: Option<String>,
}

/// Everything one VM run left behind.
#[derive(Debug)]
pub struct ScenarioReport {
    /// The script name as given (relative to `tests/vm/scenarios/`).
    pub script: String,
    /// The OUT directory shared with the VM.
    pub out_dir: PathBuf,
    /// Exit code of `tests/vm/run` (`None`: it could not be started or was
    /// killed by a signal).
    pub harness_code: Option<i32>,
    /// stdout + stderr of `tests/vm/run` (or why it could not be started).
    pub harness_output: String,
    /// The scenario's exit status (`$OUT/status`); `None` if the VM wrote none.
    pub status: Option<i32>,
    /// The checks in the order they were recorded.
    pub checks: Vec<Check>,
    /// Lines of `$OUT/results` that are neither `ok ...` nor `not ok ...`.
    pub bad_result_lines: Vec<String>,
}

/// Repository root (where `tests/vm/run` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `tests/vm/scenarios/<script>` in the VM against this package's
/// `lvsctl` binary (`CARGO_BIN_EXE_lvsctl`, available because this module is
/// compiled into integration tests).
pub fn run_scenario(script: &str) -> ScenarioReport {
    run_scenario_with(env!("CARGO_BIN_EXE_lvsctl"), script)
}

/// Like [`run_scenario`] for a scenario that needs more than the VM's
/// default time limit (300 s).
pub fn run_scenario_long(script: &str, timeout_secs: u32) -> ScenarioReport {
    std::env::set_var("LVSCTL_VM_TIMEOUT", timeout_secs.to_string());
    run_scenario_with(env!("CARGO_BIN_EXE_lvsctl"), script)
}

/// Like [`run_scenario`], with an explicit path for `$LVSCTL`.
pub fn run_scenario_with(lvsctl: impl AsRef<Path>, script: &str) -> ScenarioReport {
    run_scenario_env(lvsctl, script, &[])
}

/// Like [`run_scenario_with`], with extra `NAME=VALUE` environment variables
/// for the scenario (passed as `tests/vm/run --env`).
pub fn run_scenario_env(lvsctl: impl AsRef<Path>, script: &str, env: &[(&str, &str)]) -> ScenarioReport {
    let repo = repo_root();
    let runner = repo.join("tests/vm/run");
    let scenario = repo.join("tests/vm/scenarios").join(script);
    let out_dir = out_dir_for(script);
    // Start clean so nothing stale can be mistaken for this run's results.
    let _ = fs::remove_dir_all(&out_dir);
    if let Err(e) = fs::create_dir_all(&out_dir) {
        panic!("cannot create VM output dir {}: {e}", out_dir.display());
    }

    let mut cmd = Command::new("bash");
    cmd.arg(&runner).arg(&scenario).arg("--out").arg(&out_dir);
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.env("LVSCTL", lvsctl.as_ref()).current_dir(&repo);

    let (harness_code, harness_output) = match cmd.output() {
        Ok(o) => {
            let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.push_str(&String::from_utf8_lossy(&o.stderr));
            (o.status.code(), s)
        }
        Err(e) => (None, format!("could not start `bash {}`: {e}", runner.display())),
    };
    // The summary line ("smoke.sh: status 0, 19 ok, ... (VM 5.5s ...)"),
    // visible with --nocapture; on failure the panic shows all the output.
    for line in harness_output.lines().filter(|l| l.contains(": status ")) {
        eprintln!("{line}");
    }

    let status = fs::read_to_string(out_dir.join("status"))
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok());
    let (checks, bad_result_lines) = parse_results(&out_dir);
    ScenarioReport {
        script: script.to_string(),
        out_dir,
        harness_code,
        harness_output,
        status,
        checks,
        bad_result_lines,
    }
}

/// `target/tmp/vm/<stem>`, with `.N` appended if this process already used it.
fn out_dir_for(script: &str) -> PathBuf {
    static USED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let stem = Path::new(script)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
    let n = used.iter().filter(|s| **s == stem).count();
    let name = if n == 0 {
        stem.clone()
    } else {
        format!("{stem}.{}", n + 1)
    };
    used.push(stem);
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vm").join(name)
}

fn parse_results(out_dir: &Path) -> (Vec<Check>, Vec<String>) {
    let mut checks = Vec::new();
    let mut bad = Vec::new();
    let Ok(text) = fs::read_to_string(out_dir.join("results")) else {
        return (checks, bad);
    };
    for line in text.lines() {
        let (ok, rest) = if let Some(r) = line.strip_prefix("not ok ") {
            (false, r)
        } else if let Some(r) = line.strip_prefix("ok ") {
            (true, r)
        } else {
            if !line.trim().is_empty() {
                bad.push(line.to_string());
            }
            continue;
        };
        let (name, skip) = match rest.split_once(" # SKIP") {
            Some((n, reason)) => (n.trim(), Some(reason.trim().to_string())),
            None => (rest.trim(), None),
        };
        let details = if name.is_empty() || name.contains('/') || name.starts_with('.') {
            None
        } else {
            fs::read(out_dir.join("details").join(name))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        checks.push(Check {
            name: name.to_string(),
            ok,
            skip,
            details,
        });
    }
    (checks, bad)
}

impl ScenarioReport {
    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }

    /// The check called `name`, if the scenario recorded it.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Contents of a file in the OUT directory (empty if unreadable).
    pub fn file(&self, rel: &str) -> String {
        fs::read(self.out_dir.join(rel))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The scenario's stdout + stderr.
    pub fn scenario_log(&self) -> String {
        self.file("scenario.log")
    }

    /// Last `n` lines of the VM's serial console log.
    pub fn console_tail(&self, n: usize) -> String {
        tail(&self.file("console.log"), n)
    }

    /// Whether tests/vm/run got as far as booting the VM (exit 0, 1 or 4).
    fn vm_started(&self) -> bool {
        matches!(self.harness_code, Some(0) | Some(1) | Some(RUN_EXIT_NO_STATUS))
    }

    /// True if the run is clean: harness fine, status 0, >0 checks, none failed.
    pub fn is_ok(&self) -> bool {
        self.problems().is_empty()
    }

    /// Why this run is not clean (empty if it is).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        match self.harness_code {
            Some(RUN_EXIT_NOT_SET_UP) => p.push(
                "the VM test harness is not set up: run `tests/vm/setup` (as root, once; \
                 it installs qemu/ipvsadm and unpacks Debian's kernel into target/lvsctl-vm)"
                    .to_string(),
            ),
            Some(RUN_EXIT_NO_STATUS) => {
                p.push("the VM produced no status (timeout, kernel panic or boot failure)".to_string())
            }
            Some(0) | Some(1) => {}
            Some(c) => p.push(format!("tests/vm/run failed with exit code {c}")),
            None => p.push("tests/vm/run did not run to completion".to_string()),
        }
        // Before the VM even started there is nothing more to say.
        if !self.vm_started() {
            return p;
        }
        match self.status {
            Some(0) => {}
            Some(s) => p.push(format!("the scenario exited with status {s}")),
            None => p.push("the scenario wrote no exit status ($OUT/status)".to_string()),
        }
        if self.checks.is_empty() {
            p.push("the scenario recorded no checks ($OUT/results is empty)".to_string());
        }
        let failed = self.failures().len();
        if failed > 0 {
            p.push(format!("{failed} of {} checks failed", self.checks.len()));
        }
        // A skipped check proves nothing; it is never counted as a pass.
        let skipped: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| c.skip.is_some())
            .map(|c| c.name.as_str())
            .collect();
        if !skipped.is_empty() {
            p.push(format!("skipped checks (not allowed): {skipped:?}"));
        }
        if !self.bad_result_lines.is_empty() {
            p.push(format!(
                "malformed lines in $OUT/results: {:?}",
                self.bad_result_lines
            ));
        }
        p
    }

    /// Panic unless the run is clean, listing every failed check with its
    /// details, plus the harness output and the relevant log tails.
    #[track_caller]
    pub fn assert_ok(&self) {
        let problems = self.problems();
        if problems.is_empty() {
            return;
        }
        panic!("{}", self.render(&problems));
    }

    /// Panic unless the check `name` exists and passed (the rest of the
    /// report is not judged).
    #[track_caller]
    pub fn assert_check(&self, name: &str) {
        match self.check(name) {
            Some(c) if c.ok => {}
            Some(_) => panic!("{}", self.render(&[format!("check {name} failed")])),
            None => panic!("{}", self.render(&[format!("check {name} was not recorded")])),
        }
    }

    fn render(&self, problems: &[String]) -> String {
        let mut m = String::new();
        let _ = writeln!(m, "VM scenario {} failed:", self.script);
        for p in problems {
            let _ = writeln!(m, "  * {p}");
        }
        let _ = writeln!(m, "  (outputs kept in {})", self.out_dir.display());
        for c in self.failures() {
            let _ = writeln!(m, "\nnot ok {}", c.name);
            match &c.details {
                Some(d) => {
                    let d = truncate(d, MAX_DETAIL);
                    for l in d.lines() {
                        let _ = writeln!(m, "    {l}");
                    }
                }
                None => {
                    let _ = writeln!(m, "    (no details recorded)");
                }
            }
        }
        if !self.harness_output.trim().is_empty() {
            let _ = write!(m, "\n--- tests/vm/run output:\n{}", self.harness_output);
            if !self.harness_output.ends_with('\n') {
                m.push('\n');
            }
        }
        let no_status = self.status.is_none() && self.vm_started();
        // tests/vm/run already shows both log tails when there is no status.
        let shown = self.harness_output.contains("--- last lines of");
        if no_status && !shown && !self.file("console.log").trim().is_empty() {
            let _ = write!(m, "\n--- console.log (last 40 lines):\n{}", self.console_tail(40));
        }
        // The scenario log helps when the script broke without a failed check.
        let unexplained = self.failures().is_empty() && (self.status != Some(0) || self.checks.is_empty());
        if self.vm_started() && !shown && unexplained {
            let log = self.scenario_log();
            if !log.is_empty() {
                let _ = write!(m, "\n--- scenario.log (last 40 lines):\n{}", tail(&log, 40));
            }
        }
        m
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let mut t = lines[lines.len().saturating_sub(n)..].join("\n");
    t.push('\n');
    t
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n... ({} bytes, truncated; see the details file)",
        &s[..end],
        s.len()
    )
}
