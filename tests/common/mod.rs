//! Real-kernel test harness: run a shell scenario inside the IPVS test VM.
//!
//! The host kernel has no IPVS, so tests that touch the kernel boot Debian's
//! stock kernel under qemu (`tests/vm/run`, prepared once by `tests/vm/setup`)
//! and run `tests/vm/scenarios/<script>` there with `$LVSCTL` set to the
//! freshly built binary. The scenario records checks with the helpers of
//! `tests/vm/lib.sh`; this module reads them back and turns failures into a
//! panic that lists every failed check with its details.
//!
//! # One test binary, one VM at a time
//!
//! Every scenario is one `#[test]` of the single `vm` test binary
//! (`tests/vm.rs`), declared with one `vm_scenario!` line:
//!
//! ```ignore
//! vm_scenario!(smoke, "smoke.sh");
//! vm_scenario!(sync, "sync.sh", count = 50, checks = ["lvs.backup.conns"]);
//! ```
//!
//! libtest runs the tests of one binary in parallel threads, but the
//! scenarios are timing-sensitive (captures, retries across an estimator
//! tick) and CI has two cores, so [`run_scenario`] holds a process-wide lock
//! for the whole VM run: the scenarios run one after the other, as they did
//! when each was its own test binary. (`tests/vm/run`'s slot lock still
//! limits VMs across processes, e.g. two worktrees sharing one VM dir.)
//! A test waiting for the lock counts as running, so libtest's "has been
//! running for over 60 seconds" can name a scenario that has not started.
//!
//! Run them:
//!
//! ```text
//! tests/vm/setup                          # once, as root
//! cargo test --test vm                    # every scenario, one at a time
//! cargo test --test vm -- --exact rs_arp  # one scenario (its test's name)
//! cargo test --test vm -- --list          # the names
//! LVSCTL_VM_REJUDGE=1 cargo test --test vm rs_arp   # judge the kept outputs again
//! ```
//!
//! `LVSCTL_VM_REJUDGE=1` boots nothing: it reads the outputs the last run left
//! in `target/tmp/vm/<stem>/` and judges them again, for working on a test's
//! expectations without waiting for a VM.
//!
//! # A check that silently stops running fails the test
//!
//! A scenario can stop recording a check without any `not ok` line: an early
//! `return`, a loop over an empty list, a branch that is no longer taken, a
//! renamed helper. So besides "no check failed", the runner demands:
//!
//! * **Every name written out in the script is recorded.** Before booting,
//!   [`script_checks`] reads the script and collects the first argument of
//!   every `check`, `check_status`, `check_output`, `check_contains`,
//!   `check_same`, `check_compat`, `pass` and `skip` call (`fail` too, but a
//!   name that only ever appears after `fail` is an error report, not a
//!   check, and is not required). A literal name (no `$`) missing from
//!   `$OUT/results` fails the test. Adding `check foo.bar CMD` to a scenario
//!   is therefore guarded with no change on the Rust side.
//! * **Names built at run time are counted.** A name with `$` in it
//!   (`"rs.$mode.rs$i.up"`), or one a helper such as `compare_in` records,
//!   cannot be read from the text. A scenario that has any must say in its
//!   `vm_scenario!` how many checks it records in all (`count = N`), and
//!   the test fails if the number of result lines differs. Without `count`,
//!   a `$` name in the script fails the test before booting, and a recorded
//!   name that is neither written in the script nor in `checks` fails it
//!   after the run. When you add or remove such a check, change `count`
//!   (the failure message gives the number recorded).
//! * **`checks = [...]` names are recorded and passed.** Use it for names
//!   that matter most or are built at run time (`"count.gre"`); a scenario
//!   whose checks follow its data (`differential.sh` and `tests/corpus/`)
//!   computes the list.
//! * A skipped check (`ok NAME # SKIP`), a malformed results line, a
//!   non-zero scenario status or an empty results file fail the test too.
//!
//! Nothing here ever skips: without the VM cache the test fails and says to
//! run `tests/vm/setup`. Outputs stay in `target/tmp/vm/<script-stem>/`
//! (`scenario.log`, `console.log`, `results`, `details/`, `status`).

use std::collections::BTreeSet;
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
/// The `tests/vm/lib.sh` helpers whose first argument is a check name.
const CHECK_HELPERS: &[&str] = &[
    "check",
    "check_status",
    "check_output",
    "check_contains",
    "check_same",
    "check_compat",
    "pass",
    "fail",
    "skip",
];

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

/// What a scenario's test expects besides a clean run (the keys of
/// `vm_scenario!`).
#[derive(Debug, Default)]
pub struct Expect {
    /// Checks that must be recorded and pass (`checks = [...]`).
    pub checks: Vec<String>,
    /// The exact number of checks recorded (`count = N`); required when the
    /// script builds check names at run time.
    pub count: Option<usize>,
    /// The VM's time limit in seconds, when the default (300) is too short
    /// (`timeout = SECS`).
    pub timeout_secs: Option<u32>,
}

/// The check names a scenario script writes out, read from its text.
#[derive(Debug, Default)]
pub struct ScriptChecks {
    /// Literal names (no `$`) given to a check helper other than `fail`
    /// alone: each must be recorded by a clean run.
    pub literal: BTreeSet<String>,
    /// Names given to `fail` and no other helper (error reports).
    pub fail_only: BTreeSet<String>,
    /// Names with `$` in them, built at run time (as written).
    pub dynamic: BTreeSet<String>,
}

/// Repository root (where `tests/vm/run` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The whole test of one scenario: check the expectations against the
/// script, run it in the VM (or re-read the kept outputs with
/// `LVSCTL_VM_REJUDGE=1`) and panic with every problem found.
#[track_caller]
pub fn scenario_test(script: &str, expect: Expect) {
    let path = repo_root().join("tests/vm/scenarios").join(script);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read the scenario {}: {e}", path.display()),
    };
    let names = script_checks(&text);
    if expect.count.is_none() && !names.dynamic.is_empty() {
        panic!(
            "{script} builds check names at run time ({}): give its vm_scenario! in \
             tests/vm.rs the number of checks it records, `count = N`, so that a \
             check that stops running fails the test",
            names
                .dynamic
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let report = if rejudge() {
        ScenarioReport::read(script, out_dir_for(script))
    } else {
        run_scenario(script, expect.timeout_secs)
    };
    let problems = report.judge(&names, &expect);
    if !problems.is_empty() {
        panic!("{}", report.render(&problems));
    }
}

/// `LVSCTL_VM_REJUDGE=1`: judge the outputs of the last run again.
fn rejudge() -> bool {
    std::env::var_os("LVSCTL_VM_REJUDGE").is_some_and(|v| v == "1")
}

/// Read the check names a scenario script gives to the `tests/vm/lib.sh`
/// helpers. Only calls in command position count (line start, after `;`,
/// `&&`, `||`, `|`, `{`, `(`, `!`, `then`, `else`, `do`, or after
/// `NAME=VALUE` assignments); comment lines and function definitions are
/// ignored. Names a scenario's own helpers record are not seen: that is
/// what `count` is for.
pub fn script_checks(text: &str) -> ScriptChecks {
    let mut helpers_of: std::collections::BTreeMap<String, BTreeSet<&str>> = Default::default();
    let mut out = ScriptChecks::default();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let helper = w.trim_start_matches(['{', '(', '!']);
            if !CHECK_HELPERS.contains(&helper) || !in_command_position(&words[..i], w) {
                continue;
            }
            let Some(arg) = words.get(i + 1) else { continue };
            if arg.starts_with("()") {
                continue; // a function definition: `check() {`
            }
            let name = arg.trim_end_matches(';').trim_matches(['"', '\'']);
            if name.contains('$') {
                out.dynamic.insert(name.to_string());
            } else if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._:+-".contains(c))
            {
                helpers_of.entry(name.to_string()).or_default().insert(helper);
            }
        }
    }
    for (name, helpers) in helpers_of {
        if helpers.len() == 1 && helpers.contains("fail") {
            out.fail_only.insert(name);
        } else {
            out.literal.insert(name);
        }
    }
    out
}

/// Whether a word is a command, given the words before it on its line.
fn in_command_position(before: &[&str], word: &str) -> bool {
    if word.starts_with(['{', '(', '!']) {
        return true;
    }
    // Skip `NAME=VALUE` prefixes (`LIB_COMPARE_STDERR=1 check_compat ...`).
    let mut rest = before;
    while let Some((last, init)) = rest.split_last() {
        if is_assignment(last) {
            rest = init;
        } else {
            break;
        }
    }
    match rest.last() {
        None => true,
        Some(prev) => {
            matches!(
                *prev,
                "then" | "else" | "do" | "elif" | "!" | "{" | "(" | "&&" | "||" | "|"
            ) || prev.ends_with(';')
                || prev.ends_with("&&")
                || prev.ends_with("||")
        }
    }
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Run `tests/vm/scenarios/<script>` in the VM against this package's
/// `lvsctl` binary (`CARGO_BIN_EXE_lvsctl`), with `timeout_secs` as the VM's
/// limit if given. Holds a process-wide lock for the whole run, so the tests
/// of the `vm` binary, which libtest starts in parallel threads, boot one VM
/// at a time.
pub fn run_scenario(script: &str, timeout_secs: Option<u32>) -> ScenarioReport {
    static ONE_VM_AT_A_TIME: Mutex<()> = Mutex::new(());
    // A test that panicked while holding the lock left nothing to clean up.
    let _one = ONE_VM_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());

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
    if let Some(t) = timeout_secs {
        cmd.arg("--timeout").arg(t.to_string());
    }
    cmd.env("LVSCTL", env!("CARGO_BIN_EXE_lvsctl")).current_dir(&repo);

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
    let mut report = ScenarioReport::read(script, out_dir);
    report.harness_code = harness_code;
    report.harness_output = harness_output;
    report
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
    /// Read what a run left in `out_dir`. The harness fields are what they
    /// must have been for these files (`tests/vm/run` sets them when it ran).
    fn read(script: &str, out_dir: PathBuf) -> ScenarioReport {
        let status = fs::read_to_string(out_dir.join("status"))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        let (checks, bad_result_lines) = parse_results(&out_dir);
        let harness_code = match status {
            Some(0) if checks.iter().all(|c| c.ok) => Some(0),
            Some(_) => Some(1),
            None => Some(RUN_EXIT_NO_STATUS),
        };
        ScenarioReport {
            script: script.to_string(),
            harness_output: format!(
                "(judged from the outputs kept in {}; no VM was booted)",
                out_dir.display()
            ),
            out_dir,
            harness_code,
            status,
            checks,
            bad_result_lines,
        }
    }

    /// Everything wrong with this run for a test that expects `expect` of a
    /// script that writes out `names` (empty if the run is clean).
    pub fn judge(&self, names: &ScriptChecks, expect: &Expect) -> Vec<String> {
        let mut p = self.problems();
        // Without a status the missing checks say nothing new.
        if self.status.is_none() {
            return p;
        }
        let recorded: BTreeSet<&str> = self.checks.iter().map(|c| c.name.as_str()).collect();
        let missing: Vec<&str> = names
            .literal
            .iter()
            .map(String::as_str)
            .filter(|n| !recorded.contains(n))
            .collect();
        if !missing.is_empty() {
            p.push(format!(
                "checks written in {} were not recorded (did they stop running?): {missing:?}",
                self.script
            ));
        }
        let unlisted: Vec<&str> = expect
            .checks
            .iter()
            .map(String::as_str)
            .filter(|n| !recorded.contains(n))
            .collect();
        if !unlisted.is_empty() {
            p.push(format!(
                "checks the test requires were not recorded: {unlisted:?}"
            ));
        }
        let required_failed: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| !c.ok && expect.checks.contains(&c.name))
            .map(|c| c.name.as_str())
            .collect();
        if !required_failed.is_empty() {
            p.push(format!("required checks failed: {required_failed:?}"));
        }
        match expect.count {
            Some(n) if n != self.checks.len() => p.push(format!(
                "{} recorded {} checks, its test expects count = {n}: a check stopped \
                 running or a new one came (if so, set count = {} in tests/vm.rs)",
                self.script,
                self.checks.len(),
                self.checks.len()
            )),
            Some(_) => {}
            None => {
                // Every recorded name must then be one the script writes out,
                // or nothing guards the checks a helper records.
                let unseen: Vec<&str> = recorded
                    .iter()
                    .copied()
                    .filter(|n| !names.literal.contains(*n) && !names.fail_only.contains(*n))
                    .filter(|n| !expect.checks.iter().any(|c| c == n))
                    .collect();
                if !unseen.is_empty() {
                    p.push(format!(
                        "{} recorded checks whose names are not written in it ({}): \
                         give its vm_scenario! `count = {}`",
                        self.script,
                        unseen.iter().take(5).copied().collect::<Vec<_>>().join(", "),
                        self.checks.len()
                    ));
                }
            }
        }
        p
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
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
