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
    let rest: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if invoked_as_ipvsadm(&argv0) || is_ipvsadm_grammar(&rest) {
        run_ipvsadm(&argv0.to_string_lossy(), &rest)
    } else {
        native::run(argv)
    }
}

/// Runs the ipvsadm grammar; `program` is argv[0], which ipvsadm repeats
/// in its "Try ... -h" hint.
pub fn run_ipvsadm(program: &str, args: &[String]) -> Outcome {
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
