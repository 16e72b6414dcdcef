//! The daemon's log: one line per event on stderr.
//!
//! Text lines are `LEVEL message key=value ...`; under systemd (stderr is
//! the journal, `JOURNAL_STREAM` set) each line starts with the
//! `<N>` priority prefix journald reads, so `journalctl -p warning`
//! works without a journald client library. `--log-format json` writes
//! one object per line (`ts`, `level`, `msg`, and the fields) for log
//! shippers. Writing never fails the daemon: a full or closed stderr loses
//! lines, not the site.

use std::io::Write;
use std::sync::Mutex;
use std::time::SystemTime;

/// How bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something is wrong and the daemon could not fix it.
    Error,
    /// Something changed for the worse, or a fix was needed.
    Warning,
    /// Something changed.
    Info,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }

    fn syslog(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Info => 6,
        }
    }
}

/// Line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Text.
    #[default]
    Text,
    /// JSON objects.
    Json,
}

/// The logger.
#[derive(Debug)]
pub struct Log {
    format: Format,
    journal: bool,
    /// Its own descriptor for stderr (a duplicate): `main` holds the
    /// standard library's stderr lock for the whole run, so a line
    /// written through `std::io::stderr()` from any other thread (the
    /// VRRP thread) would wait for it forever.
    sink: Option<std::fs::File>,
    out: Mutex<()>,
}

impl Log {
    /// A logger writing to stderr.
    pub fn new(format: Format) -> Self {
        use std::os::fd::AsFd;
        Log {
            format,
            journal: std::env::var_os("JOURNAL_STREAM").is_some(),
            sink: std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .ok()
                .map(std::fs::File::from),
            out: Mutex::new(()),
        }
    }

    /// Logs one event.
    pub fn event(&self, level: Level, msg: &str, fields: &[(&str, &str)]) {
        let line = self.line(level, msg, fields, SystemTime::now());
        let _guard = self.out.lock();
        match &self.sink {
            Some(f) => {
                let mut w: &std::fs::File = f;
                let _ = w.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }

    /// Logs at info level.
    pub fn info(&self, msg: &str, fields: &[(&str, &str)]) {
        self.event(Level::Info, msg, fields);
    }

    /// Logs at warning level.
    pub fn warn(&self, msg: &str, fields: &[(&str, &str)]) {
        self.event(Level::Warning, msg, fields);
    }

    /// Logs at error level.
    pub fn error(&self, msg: &str, fields: &[(&str, &str)]) {
        self.event(Level::Error, msg, fields);
    }

    fn line(&self, level: Level, msg: &str, fields: &[(&str, &str)], at: SystemTime) -> String {
        match self.format {
            Format::Text => {
                let mut s = String::new();
                if self.journal {
                    s.push_str(&format!("<{}>", level.syslog()));
                }
                s.push_str(level.name());
                s.push(' ');
                s.push_str(&msg.replace('\n', " "));
                for (k, v) in fields {
                    s.push(' ');
                    s.push_str(k);
                    s.push('=');
                    if v.is_empty() || v.contains([' ', '"', '=']) {
                        s.push_str(&serde_json::to_string(v).unwrap_or_default());
                    } else {
                        s.push_str(v);
                    }
                }
                s.push('\n');
                s
            }
            Format::Json => {
                let mut m = serde_json::Map::new();
                let ts = at
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                m.insert("ts".into(), serde_json::json!(ts));
                m.insert("level".into(), level.name().into());
                m.insert("msg".into(), msg.into());
                for (k, v) in fields {
                    m.insert((*k).to_string(), (*v).into());
                }
                let mut s = serde_json::Value::Object(m).to_string();
                s.push('\n');
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_lines() {
        let mut l = Log::new(Format::Text);
        l.journal = false;
        let at = SystemTime::UNIX_EPOCH;
        assert_eq!(
            l.line(
                Level::Warning,
                "server down",
                &[("server", "192.0.2.11:80"), ("reason", "connection refused")],
                at
            ),
            "warning server down server=192.0.2.11:80 reason=\"connection refused\"\n"
        );
        l.journal = true;
        assert!(l.line(Level::Info, "x", &[], at).starts_with("<6>info x"));
        let j = Log::new(Format::Json);
        let v: serde_json::Value =
            serde_json::from_str(&j.line(Level::Error, "m", &[("k", "v")], at)).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["msg"], "m");
        assert_eq!(v["k"], "v");
    }
}
