//! The daemon's log: one line per event on stderr.
//!
//! Text lines are `LEVEL message key=value ...`; under systemd (stderr is
//! the journal, `JOURNAL_STREAM` set) each line starts with the
//! `<N>` priority prefix journald reads, so `journalctl -p warning`
//! works without a journald client library. `--log-format json` writes
//! one object per line (`ts`, `level`, `msg`, and the fields) for log
//! shippers. Writing never fails the daemon: a full or closed stderr loses
//! lines, not the site.
//!
//! Why a writer thread: a `write(2)` to stderr blocks while the reader
//! (journald, a pipe to a shipper) is slow or stuck, and a logging call
//! that blocks inside the VRRP thread would hold up a takeover (its
//! "entering MASTER" line comes before the VIPs are added), inside the
//! loop every probe. Callers hand the formatted line to a bounded queue
//! and go on; one thread writes. When the queue is full the line is
//! counted and dropped, and the writer says how many it lost before its
//! next line. [`Log::flush`] waits (boundedly) for the queue to drain, so
//! a stopping daemon's last lines come out before it exits.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

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

/// Lines the queue holds before new ones are dropped.
const QUEUE: usize = 4096;

/// What the writer thread is handed.
enum Msg {
    Line(String),
    Flush(mpsc::Sender<()>),
}

/// The logger.
#[derive(Debug)]
pub struct Log {
    format: Format,
    journal: bool,
    /// The writer thread's queue, once [`Log::start_writer`] started it
    /// (until then, or if it could not start, the caller writes).
    tx: OnceLock<SyncSender<Msg>>,
    /// Lines dropped on a full queue since the writer last said so.
    lost: Arc<AtomicU64>,
    /// Its own descriptor for stderr (a duplicate): `main` holds the
    /// standard library's stderr lock for the whole run, so a line
    /// written through `std::io::stderr()` from any other thread would
    /// wait for it forever. Used by the caller only without a writer.
    sink: Option<Arc<std::fs::File>>,
    out: Mutex<()>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Line(l) => write!(f, "Line({l:?})"),
            Msg::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl Log {
    /// A logger writing to stderr.
    pub fn new(format: Format) -> Self {
        use std::os::fd::AsFd;
        let sink = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::fs::File::from);
        Log::to(format, sink)
    }

    /// A logger writing to `sink` (stderr itself when `None`).
    fn to(format: Format, sink: Option<std::fs::File>) -> Self {
        Log {
            format,
            journal: std::env::var_os("JOURNAL_STREAM").is_some(),
            tx: OnceLock::new(),
            lost: Arc::new(AtomicU64::new(0)),
            sink: sink.map(Arc::new),
            out: Mutex::new(()),
        }
    }

    /// Starts the writer thread; lines logged before are written by their
    /// caller. The daemon calls it once its capabilities are dropped
    /// (they are per thread: a thread started earlier keeps them all).
    pub fn start_writer(&self) {
        if self.tx.get().is_some() {
            return;
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let writer = Writer {
            format: self.format,
            journal: self.journal,
            sink: self.sink.clone(),
            lost: self.lost.clone(),
        };
        let started = std::thread::Builder::new()
            .name("lvsctl-log".into())
            .spawn(move || writer.run(rx));
        if started.is_ok() {
            let _ = self.tx.set(tx);
        }
    }

    /// Logs one event.
    pub fn event(&self, level: Level, msg: &str, fields: &[(&str, &str)]) {
        let line = self.line(level, msg, fields, SystemTime::now());
        match self.tx.get() {
            Some(tx) => match tx.try_send(Msg::Line(line)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.lost.fetch_add(1, Ordering::Relaxed);
                }
            },
            None => {
                let _guard = self.out.lock();
                write_line(self.sink.as_deref(), &line);
            }
        }
    }

    /// Waits until every line logged so far is written, for at most
    /// `limit` (a stuck stderr must not keep a stopping daemon alive).
    pub fn flush_within(&self, limit: Duration) {
        let Some(tx) = self.tx.get() else { return };
        let end = Instant::now() + limit;
        let (done, wait) = mpsc::channel();
        let mut msg = Msg::Flush(done);
        loop {
            match tx.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < end => {
                    msg = m;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
        let _ = wait.recv_timeout(end.saturating_duration_since(Instant::now()));
    }

    /// [`Log::flush_within`] two seconds.
    pub fn flush(&self) {
        self.flush_within(Duration::from_secs(2));
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
        line(self.format, self.journal, level, msg, fields, at)
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        self.flush();
        // Closing the queue ends the writer; it is not joined, since a
        // write stuck on a full stderr would hold the process forever.
        drop(self.tx.take());
    }
}

/// The writer thread's side.
struct Writer {
    format: Format,
    journal: bool,
    sink: Option<Arc<std::fs::File>>,
    lost: Arc<AtomicU64>,
}

impl Writer {
    fn run(self, rx: Receiver<Msg>) {
        for msg in rx {
            match msg {
                Msg::Line(l) => {
                    let n = self.lost.swap(0, Ordering::Relaxed);
                    if n > 0 {
                        let count = n.to_string();
                        let note = line(
                            self.format,
                            self.journal,
                            Level::Warning,
                            "log lines lost (stderr was not keeping up)",
                            &[("lines", &count)],
                            SystemTime::now(),
                        );
                        write_line(self.sink.as_deref(), &note);
                    }
                    write_line(self.sink.as_deref(), &l);
                }
                Msg::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }
}

fn write_line(sink: Option<&std::fs::File>, line: &str) {
    match sink {
        Some(f) => {
            let mut w: &std::fs::File = f;
            let _ = w.write_all(line.as_bytes());
        }
        None => {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

fn line(
    format: Format,
    journal: bool,
    level: Level,
    msg: &str,
    fields: &[(&str, &str)],
    at: SystemTime,
) -> String {
    {
        match format {
            Format::Text => {
                let mut s = String::new();
                if journal {
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
    fn a_stuck_stderr_loses_lines_instead_of_blocking_the_caller() {
        use std::io::Read;
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        let log = Log::to(
            Format::Text,
            Some(std::fs::File::from(std::os::fd::OwnedFd::from(a))),
        );
        log.start_writer();
        // Nobody reads: the writer blocks once the socket's buffer is full,
        // then the queue fills. Far more than both hold (a few hundred KiB
        // and QUEUE lines): every call still returns.
        let long = "x".repeat(1000);
        for _ in 0..QUEUE + 5000 {
            log.info(&long, &[]);
        }
        let lost = log.lost.load(Ordering::Relaxed);
        assert!(lost > 0, "nothing was dropped");
        // A reader comes: the queued lines come out, then a note of how
        // many were lost, then the next line.
        b.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            let _ = b.read_to_string(&mut all);
            all
        });
        log.flush_within(Duration::from_secs(20));
        log.info("after", &[]);
        drop(log);
        let all = reader.join().unwrap();
        assert!(
            all.ends_with("\ninfo after\n"),
            "{:?}",
            &all[all.len().saturating_sub(300)..]
        );
        let notes: Vec<&str> = all
            .lines()
            .filter(|l| l.starts_with("warning log lines lost"))
            .collect();
        assert_eq!(
            notes,
            vec![format!(
                "warning log lines lost (stderr was not keeping up) lines={lost}"
            )]
        );
        let written = all.lines().filter(|l| l.starts_with("info x")).count() as u64;
        assert_eq!(written + lost, (QUEUE + 5000) as u64);
    }

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
