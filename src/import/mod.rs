//! Other tools' configurations turned into lvsctl's daemon file:
//! piranha's `lvs.cf`, keepalived's `keepalived.conf` and ldirectord's
//! `ldirectord.cf` (`lvsctl import`).
//!
//! # Why it is shaped this way
//!
//! A site moving to lvsctl has one of those files, edited for years, and
//! no way to tell whether a hand rewrite lost something. So an import
//! never drops anything silently: every setting it reads is either
//! written out with the same meaning, or reported with its `FILE:LINE`
//! ([`Note`]) because it has no equivalent or means something else here.
//! Exit 0 then means "the whole file converted", and 3 "read the notes".
//!
//! Each format has its own module, a tolerant reader of what the original
//! accepts (comments, blank lines, blocks spread over lines) that never
//! panics on any input (property tests feed it noise). Readers write
//! straight into a [`Doc`], a small ordered model of the TOML to print
//! ([`toml_out`]): the output keeps the source's order and carries a
//! `# FILE:LINE` comment above every service, real server and VRRP
//! instance, so the operator can read the two side by side.
//!
//! The result is then read back by the daemon's own parser
//! ([`crate::daemon::config::parse`]) before it is handed out: a file
//! `lvsctl import` writes is one `lvsctl daemon` runs. A value the source
//! tool accepts but lvsctl refuses (a scheduler name it does not know, a
//! weight out of range) is reported by the reader with the source's line;
//! the read-back is the net under that.

pub mod keepalived;
pub mod ldirectord;
pub mod piranha;
pub mod toml_out;

use std::fmt;

pub use toml_out::Doc;

/// The formats `lvsctl import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// piranha's `/etc/sysconfig/ha/lvs.cf`.
    Piranha,
    /// keepalived's `/etc/keepalived/keepalived.conf`, with its includes.
    Keepalived,
    /// ldirectord's `/etc/ha.d/ldirectord.cf`.
    Ldirectord,
}

/// `ADDR:PORT`, IPv6 in brackets (how notes name a service).
pub(crate) fn sock_text(ip: std::net::IpAddr, port: u16) -> String {
    match ip {
        std::net::IpAddr::V4(a) => format!("{a}:{port}"),
        std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// Which of piranha's two directors the output is for (one lvs.cf serves
/// both: `primary` and `backup` name their addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// The director named by `primary`.
    Primary,
    /// The director named by `backup`.
    Backup,
}

/// Something the reader could not carry over as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The file it is in (an included file's own name).
    pub file: String,
    /// Its line (1-based).
    pub line: usize,
    /// What happened to it.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A converted file.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The daemon file, as text.
    pub toml: String,
    /// Every setting not carried over as it was, in source order.
    pub notes: Vec<Note>,
}

/// Why nothing was converted.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not one the original tool would accept (`FILE:LINE`).
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The converted file does not load: a bug of the converter, said as
    /// such rather than written out.
    #[error("the converted file does not load ({0}); please report this with the source file")]
    Output(crate::state::InputError),
}

impl ImportError {
    /// A parse error at `file:line`.
    pub fn parse(file: &str, line: usize, message: impl Into<String>) -> Self {
        ImportError::Parse {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Options of one import.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The director the output is for (piranha).
    pub node: Node,
    /// Whether keepalived's `include` reads files (off: an include reads
    /// nothing, for tests that feed the reader noise).
    pub read_includes: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            node: Node::Primary,
            read_includes: true,
        }
    }
}

/// Converts `text`, read from `file`, and checks that the result loads.
pub fn convert(format: Format, file: &str, text: &str, opts: &Options) -> Result<Imported, ImportError> {
    let (doc, notes) = match format {
        Format::Piranha => piranha::convert(file, text, opts)?,
        Format::Ldirectord => ldirectord::convert(file, text, opts)?,
        Format::Keepalived => {
            let mut none = |_: &str, _: &str| Ok(Vec::new());
            let mut fs = keepalived::fs_includes;
            let includes: &mut keepalived::Includes<'_> =
                if opts.read_includes { &mut fs } else { &mut none };
            keepalived::convert(file, text, opts, includes)?
        }
    };
    let toml = doc.render();
    crate::daemon::config::parse("(converted)", &toml).map_err(ImportError::Output)?;
    Ok(Imported { toml, notes })
}

/// Reads `file` and converts it (see [`convert`]).
pub fn import(format: Format, file: &str, opts: &Options) -> Result<Imported, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Read {
        file: file.to_string(),
        source,
    })?;
    // The originals read bytes; a stray Latin-1 byte in a comment should
    // not stop a migration.
    let text = String::from_utf8_lossy(&bytes);
    convert(format, file, &text, opts)
}
