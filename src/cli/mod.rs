//! Front ends: the ipvsadm-compatible grammar and lvsctl's own command
//! line.
//!
//! Dispatch happens in two stages, as in ripgrep: first decide which
//! grammar the arguments are in (by the program name and the first
//! argument), then parse them completely before anything touches the
//! kernel, so usage errors are reported even where IPVS is missing.

mod console;
pub mod generate;
pub mod ipvsadm;
pub mod native;

use std::ffi::OsString;
use std::path::Path;

pub use console::Console;
pub use ipvsadm::IpvsadmExit;
pub use native::NativeExit;

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

/// Runs the whole program on its arguments (argv[0] included), writing
/// to `con`; returns the exit status (ipvsadm's codes in ipvsadm mode,
/// [`NativeExit`] otherwise).
pub fn run(argv: Vec<OsString>, con: &mut Console) -> u8 {
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
            con.eprintln(&format!("lvsctl: {message}"));
            return NativeExit::Usage as u8;
        }
    };
    if invoked_as_ipvsadm(&argv0) || is_ipvsadm_grammar(&rest) {
        run_ipvsadm(&argv0.to_string_lossy(), &rest, netns.as_deref(), con) as u8
    } else {
        let mut native_argv = vec![argv0];
        native_argv.extend(rest.into_iter().map(OsString::from));
        native::run(native_argv, netns, con) as u8
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
pub fn run_ipvsadm(program: &str, args: &[String], netns: Option<&str>, con: &mut Console) -> IpvsadmExit {
    let cmd = match ipvsadm::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let e = e.for_program(program);
            con.eprintln(&e.message);
            return IpvsadmExit::from(e.kind);
        }
    };
    match cmd {
        ipvsadm::Command::Help => {
            con.print(&crate::ipvsadm::usage::usage());
            return IpvsadmExit::Ok;
        }
        ipvsadm::Command::Version => {
            con.print(&format!(
                "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1) [lvsctl {}]\n",
                env!("CARGO_PKG_VERSION")
            ));
            return IpvsadmExit::Ok;
        }
        _ => {}
    }
    if let Some(ns) = netns {
        if let Err(e) = crate::host::netns::enter(ns) {
            con.eprintln(&format!("lvsctl: {e}"));
            return IpvsadmExit::Fail;
        }
    }
    let mut client = match ipvsadm::connect() {
        Ok(c) => c,
        Err(message) => {
            con.eprintln(&message);
            return IpvsadmExit::Fail;
        }
    };
    ipvsadm::run(&mut client, program, &cmd, con)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> (String, String, u8) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = {
            let mut con = Console::new(&mut out, &mut err);
            run(args.iter().map(OsString::from).collect(), &mut con)
        };
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            code,
        )
    }

    #[test]
    fn output_goes_to_the_writers_handed_in() {
        let (out, err, code) = run_args(&["lvsctl", "-A", "-t", "192.0.2.1:80", "-s"]);
        assert_eq!((out.as_str(), code), ("", 255), "{err}");
        assert!(err.starts_with("-s: missing argument"), "{err}");

        let (out, err, code) = run_args(&["ipvsadm", "-A", "-t", "192.0.2.1:0"]);
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            ("", "Zero port specified for non-persistent service\n", 2)
        );

        let (out, _, code) = run_args(&["lvsctl", "-h"]);
        assert_eq!(code, 0);
        assert!(out.contains("lvsctl"), "{out}");

        let (_, err, code) = run_args(&["lvsctl", "--netns"]);
        assert_eq!(
            (err.as_str(), code),
            ("lvsctl: --netns needs a namespace name or path\n", 2)
        );

        let (_, err, code) = run_args(&["lvsctl", "list", "nosuch:1"]);
        assert_eq!(code, NativeExit::Usage as u8, "{err}");
        assert!(err.starts_with("lvsctl: invalid service"), "{err}");
    }
}
