//! The `lvsctl` binary: everything lives in the library; this only hands
//! over the arguments and the standard streams, and exits with the status
//! the front end decided.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let out_is_terminal = stdout.is_terminal();
    let err_is_terminal = std::io::stderr().is_terminal();
    // Standard output is line-buffered on a terminal (std's own) and
    // block-buffered into a pipe or file, where large listings go.
    let mut term;
    let mut piped;
    let out: &mut dyn Write = if out_is_terminal {
        term = stdout.lock();
        &mut term
    } else {
        piped = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        &mut piped
    };
    let mut err = std::io::stderr().lock();
    let mut con = lvsctl::cli::Console {
        out,
        err: &mut err,
        out_is_terminal,
        err_is_terminal,
    };
    let code = lvsctl::cli::run(std::env::args_os().collect(), &mut con);
    // A closed pipe (lvsctl -Ln | head) is not an error worth reporting.
    let _ = con.flush();
    ExitCode::from(code)
}
