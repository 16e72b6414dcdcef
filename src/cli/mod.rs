//! Front ends: the ipvsadm-compatible grammar and lvsctl's own command
//! line.
//!
//! Dispatch happens in two stages, as in ripgrep: first decide which
//! grammar the arguments are in (by the program name and the first
//! argument), then parse them completely before anything touches the
//! kernel, so usage errors are reported even where IPVS is missing.

pub mod generate;
pub mod ipvsadm;
pub mod native;

use std::ffi::OsString;
use std::path::Path;

/// What a run produced: text for stdout and stderr, and an exit code.
pub use ipvsadm::Outcome;

/// Whether arguments (without argv[0]) belong to the ipvsadm grammar
/// when the program is called `lvsctl`: anything starting with `-`
/// except lvsctl's own `-h/--help/-V/--version`.
pub fn is_ipvsadm_grammar(args: &[String]) -> bool {
    match args.first() {
        None => false,
        Some(a) => a.starts_with('-') && !matches!(a.as_str(), "-h" | "--help" | "-V" | "--version"),
    }
}

/// Whether the program was invoked under the name `ipvsadm`.
pub fn invoked_as_ipvsadm(argv0: &OsString) -> bool {
    Path::new(argv0).file_name().is_some_and(|n| n == "ipvsadm")
}

/// Runs the whole program on its arguments (argv[0] included).
pub fn run(argv: Vec<OsString>) -> Outcome {
    let argv0 = argv.first().cloned().unwrap_or_default();
    let mut rest: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // A global `--netns NAME` may come before either grammar.
    let netns = match take_netns(&mut rest) {
        Ok(n) => n,
        Err(message) => {
            return Outcome {
                stdout: String::new(),
                stderr: format!("lvsctl: {message}\n"),
                code: 2,
            };
        }
    };
    if invoked_as_ipvsadm(&argv0) || is_ipvsadm_grammar(&rest) {
        run_ipvsadm(&argv0.to_string_lossy(), &rest, netns.as_deref())
    } else {
        let mut native_argv = vec![argv0];
        native_argv.extend(rest.into_iter().map(OsString::from));
        native::run(native_argv, netns)
    }
}

/// Removes a leading `--netns NAME` or `--netns=NAME` from the arguments.
fn take_netns(args: &mut Vec<String>) -> Result<Option<String>, String> {
    match args.first().map(String::as_str) {
        Some("--netns") => {
            if args.len() < 2 || args[1].is_empty() {
                return Err("--netns needs a namespace name or path".into());
            }
            let ns = args.remove(1);
            args.remove(0);
            Ok(Some(ns))
        }
        Some(a) if a.starts_with("--netns=") => {
            let ns = a["--netns=".len()..].to_string();
            if ns.is_empty() {
                return Err("--netns needs a namespace name or path".into());
            }
            args.remove(0);
            Ok(Some(ns))
        }
        _ => Ok(None),
    }
}

/// Runs the ipvsadm grammar; `program` is argv[0], which ipvsadm repeats
/// in its "Try ... -h" hint.
pub fn run_ipvsadm(program: &str, args: &[String], netns: Option<&str>) -> Outcome {
    let mut out = Outcome::default();
    let cmd = match ipvsadm::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let e = e.for_program(program);
            out.stderr = format!("{}\n", e.message);
            out.code = e.exit;
            return out;
        }
    };
    match cmd {
        ipvsadm::Command::Help => {
            out.stdout = native::ipvsadm_usage();
            return out;
        }
        ipvsadm::Command::Version => {
            out.stdout = format!(
                "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1) [lvsctl {}]\n",
                env!("CARGO_PKG_VERSION")
            );
            return out;
        }
        _ => {}
    }
    if let Some(ns) = netns {
        if let Err(e) = crate::host::netns::enter(ns) {
            out.stderr = format!("lvsctl: {e}\n");
            out.code = 2;
            return out;
        }
    }
    let mut client = match ipvsadm::connect() {
        Ok(c) => c,
        Err(e) => {
            out.stderr = format!("{}\n", e.message);
            out.code = e.exit;
            return out;
        }
    };
    ipvsadm::run(&mut client, program, &cmd, &mut out);
    out
}
