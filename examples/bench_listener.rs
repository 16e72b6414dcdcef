//! The real servers of `tests/vm/bench_daemon`: one process listening on
//! many sockets that stamps every accepted connection.
//!
//!     bench_listener SERVERS FIFO ACK
//!
//! SERVERS has one `ADDRESS PORT` a line; each gets a listening socket.
//! Every accept is stamped with the wall clock (seconds since the epoch, the
//! clock of bash's `$EPOCHREALTIME`), so the benchmark measures probe lag at
//! the real servers, not in the prober's own account. In `tcp` mode an
//! accepted connection is closed at once; in `http` mode the request is read
//! (up to its blank line) and answered `HTTP/1.0 200 OK`, then closed.
//!
//! Why not a python listener: under qemu's software emulation a python loop
//! accepting 1,000 connections a second needs more than a whole vCPU, so it
//! would measure its own backlog. This is one tokio thread.
//!
//! Commands come one a line on FIFO (opened read-write, so writers never
//! block and the end of one writer is not an end of file); each is
//! acknowledged by appending `COMMAND TIME` to ACK:
//!   `mode tcp|http`, `rec` (start recording stamps), `dump PATH` (write
//!   `INDEX STAMP...` a line and stop recording), `close I` / `open I` (the
//!   listening socket of the server on line I, from 0).

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const RESPONSE: &[u8] = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";

struct Shared {
    http: AtomicBool,
    rec: Mutex<Option<Vec<Vec<f64>>>>,
}

fn stamp() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

async fn answer(mut c: TcpStream) {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let read = async {
        loop {
            match c.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 8192 {
                        return true;
                    }
                }
            }
        }
    };
    if let Ok(true) = tokio::time::timeout(Duration::from_secs(5), read).await {
        let _ = c.write_all(RESPONSE).await;
        let _ = c.shutdown().await;
    }
}

fn serve(i: usize, l: TcpListener, sh: Arc<Shared>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((c, _)) = l.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let t = stamp();
            if let Ok(mut r) = sh.rec.lock() {
                if let Some(v) = r.as_mut() {
                    if let Some(s) = v.get_mut(i) {
                        s.push(t);
                    }
                }
            }
            if sh.http.load(Ordering::Relaxed) {
                tokio::spawn(answer(c));
            }
        }
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, servers, fifo, ack] = args.as_slice() else {
        eprintln!("usage: bench_listener SERVERS FIFO ACK");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(servers) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bench_listener: {servers}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut w = line.split_whitespace();
        let parsed = match (w.next(), w.next()) {
            (Some(a), Some(p)) => format!("{a}:{p}").parse().ok(),
            _ => None,
        };
        match parsed {
            Some(a) => addrs.push(a),
            None => {
                eprintln!("bench_listener: {servers}:{}: want ADDRESS PORT", n + 1);
                return ExitCode::from(2);
            }
        }
    }
    let (tx, mut rx) = mpsc::channel::<String>(64);
    let fifo = fifo.clone();
    std::thread::spawn(move || {
        let Ok(f) = OpenOptions::new().read(true).write(true).open(&fifo) else {
            eprintln!("bench_listener: cannot open {fifo}");
            std::process::exit(2);
        };
        for line in BufReader::new(f).lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench_listener: runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let ack = ack.clone();
    rt.block_on(async move {
        let sh = Arc::new(Shared {
            http: AtomicBool::new(false),
            rec: Mutex::new(None),
        });
        let mut tasks: Vec<Option<JoinHandle<()>>> = Vec::with_capacity(addrs.len());
        for (i, a) in addrs.iter().enumerate() {
            match TcpListener::bind(a).await {
                Ok(l) => tasks.push(Some(serve(i, l, sh.clone()))),
                Err(e) => {
                    eprintln!("bench_listener: bind {a}: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        eprintln!("bench_listener: listening on {} sockets", addrs.len());
        let mut ackf = match OpenOptions::new().create(true).append(true).open(&ack) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("bench_listener: {ack}: {e}");
                return ExitCode::from(1);
            }
        };
        while let Some(line) = rx.recv().await {
            let w: Vec<&str> = line.split_whitespace().collect();
            let index = |s: Option<&&str>| {
                s.and_then(|s| s.parse::<usize>().ok())
                    .filter(|i| *i < addrs.len())
            };
            let ok = match w.first().copied() {
                Some("mode") => {
                    sh.http.store(w.get(1) == Some(&"http"), Ordering::Relaxed);
                    true
                }
                Some("rec") => {
                    if let Ok(mut r) = sh.rec.lock() {
                        *r = Some(vec![Vec::new(); addrs.len()]);
                    }
                    true
                }
                Some("dump") => {
                    let rec = sh.rec.lock().ok().and_then(|mut r| r.take()).unwrap_or_default();
                    let mut out = String::new();
                    for i in 0..addrs.len() {
                        out.push_str(&i.to_string());
                        for t in rec.get(i).map(Vec::as_slice).unwrap_or_default() {
                            out.push_str(&format!(" {t:.6}"));
                        }
                        out.push('\n');
                    }
                    w.get(1).is_some_and(|p| std::fs::write(p, out).is_ok())
                }
                Some("close") => match index(w.get(1)) {
                    Some(i) => {
                        if let Some(t) = tasks[i].take() {
                            t.abort();
                            let _ = t.await;
                        }
                        true
                    }
                    None => false,
                },
                Some("open") => match index(w.get(1)) {
                    Some(i) if tasks[i].is_none() => match TcpListener::bind(addrs[i]).await {
                        Ok(l) => {
                            tasks[i] = Some(serve(i, l, sh.clone()));
                            true
                        }
                        Err(e) => {
                            eprintln!("bench_listener: bind {}: {e}", addrs[i]);
                            false
                        }
                    },
                    _ => false,
                },
                _ => false,
            };
            let word = if ok { "" } else { " FAILED" };
            let _ = writeln!(ackf, "{line}{word} {:.6}", stamp());
            let _ = ackf.flush();
        }
        ExitCode::SUCCESS
    })
}
