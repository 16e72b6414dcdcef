//! `lvsctl import FORMAT FILE [-o OUT] [--node primary|backup]`: the
//! library converts ([`crate::import`]); this prints its notes, writes the
//! file and says what the result means.

use std::io::Write;

use super::args::{ImportFormat, ImportNode};
use super::{NativeError, Report};
use crate::cli::Console;
use crate::import::{self, Format, ImportError, Node, Options};
use crate::state::InputError;

pub(super) fn run(
    format: ImportFormat,
    file: &str,
    out: Option<&str>,
    node: ImportNode,
    con: &mut Console,
) -> Result<Report, NativeError> {
    let format = match format {
        ImportFormat::Piranha => Format::Piranha,
        ImportFormat::Keepalived => Format::Keepalived,
        ImportFormat::Ldirectord => Format::Ldirectord,
    };
    let opts = Options {
        node: match node {
            ImportNode::Primary => Node::Primary,
            ImportNode::Backup => Node::Backup,
        },
        ..Options::default()
    };
    let imported = import::import(format, file, &opts).map_err(|e| match e {
        ImportError::Read { file, source } => NativeError::File { file, error: source },
        ImportError::Parse { file, line, message } => NativeError::Input(InputError { file, line, message }),
        e @ ImportError::Output(_) => NativeError::Import(e.to_string()),
    })?;
    for n in &imported.notes {
        con.eprintln(&n.to_string());
    }
    let text = match out {
        None => imported.toml,
        Some(path) => {
            write_whole(path, &imported.toml).map_err(|e| NativeError::Import(format!("{path}: {e}")))?;
            String::new()
        }
    };
    Ok(if imported.notes.is_empty() {
        Report::Done(text)
    } else {
        Report::Problems(text)
    })
}

/// Writes `text` to `path` through a temporary file beside it and a
/// rename, so that a daemon reading `path` never sees half a file.
fn write_whole(path: &str, text: &str) -> std::io::Result<()> {
    let target = std::path::Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
