//! Where front ends write: a [`Console`] of two writers handed in by the
//! caller. The binary passes its standard output (line-buffered on a
//! terminal, block-buffered otherwise) and standard error; tests pass
//! `Vec<u8>`s. Output is written as it is produced, so a 100,000-entry
//! listing never exists as text in memory, `lvsctl -Ln | head` stops
//! early, and stdout and stderr keep their order on a terminal.

use std::io::{self, Write};

/// The two output streams of a run, and whether they are terminals
/// (progress lines such as "waiting for the lock" go only to a terminal).
pub struct Console<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// Whether standard output is a terminal (JSON is pretty there).
    pub out_is_terminal: bool,
    /// Whether standard error is a terminal.
    pub err_is_terminal: bool,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("out_is_terminal", &self.out_is_terminal)
            .field("err_is_terminal", &self.err_is_terminal)
            .finish_non_exhaustive()
    }
}

impl<'a> Console<'a> {
    /// A console over two writers that are not terminals.
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Console {
            out,
            err,
            out_is_terminal: false,
            err_is_terminal: false,
        }
    }

    /// Writes text to standard output. A closed pipe (`lvsctl -Ln | head`)
    /// is not an error worth reporting; the caller finds out from
    /// [`Console::out_closed`] if it wants to stop early.
    pub fn print(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
    }

    /// Writes a line to standard error.
    pub fn eprintln(&mut self, line: &str) {
        let _ = self.err.write_all(line.as_bytes());
        let _ = self.err.write_all(b"\n");
        let _ = self.err.flush();
    }

    /// A progress line for standard error, shown only on a terminal.
    pub fn progress(&mut self, line: &str) {
        if self.err_is_terminal {
            let _ = self.out.flush();
            self.eprintln(line);
        }
    }

    /// Flushes standard output (before anything goes to standard error,
    /// so the two keep their order).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
