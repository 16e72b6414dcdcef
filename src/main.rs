//! The `lvsctl` binary: everything lives in the library; this only hands
//! the arguments over and turns the outcome into output and an exit code.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = lvsctl::cli::run(std::env::args_os().collect());
    // A closed pipe (lvsctl -Ln | head) is not an error worth reporting.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from((outcome.code & 0xff) as u8)
}
