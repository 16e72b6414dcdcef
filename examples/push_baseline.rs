//! The kernel's side of a bulk load alone: the floor `lvsctl apply` is
//! measured against by `tests/vm/bench`.
//!
//!     push_baseline RULES-FILE
//!
//! Reads an ipvsadm rules file (`-A` and `-a` lines, what `ipvsadm -S`
//! writes), turns every line into an [`Op`], and encodes all of them into
//! send buffers first (not timed). Then it times only pushing those buffers
//! to the kernel (the same chunking and ACK scheme as lvsctl's batches) and
//! prints the elapsed wall-clock seconds on stdout, e.g. `0.318`; a summary
//! (messages, sends, refusals) goes to stderr. Exit status 1 when a line
//! cannot be parsed or the kernel refused any message.

use std::io::{BufRead, BufReader};
use std::process::ExitCode;
use std::time::Instant;

use lvsctl::ipvs::{IpvsClient, Op};
use lvsctl::ipvsadm::{parse_line, Command};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, path] = args.as_slice() else {
        eprintln!("usage: push_baseline RULES-FILE");
        return ExitCode::from(2);
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("push_baseline: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut ops = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("push_baseline: {path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let op = match parse_line(&line) {
            Ok(None) => continue,
            Ok(Some(Command::AddService(s))) => Op::AddService(s),
            Ok(Some(Command::AddDest(k, d))) => Op::AddDest(k, d),
            Ok(Some(other)) => {
                eprintln!(
                    "push_baseline: {path}:{}: only -A and -a lines are supported, not {other:?}",
                    n + 1
                );
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("push_baseline: {path}:{}: {}", n + 1, e.message);
                return ExitCode::FAILURE;
            }
        };
        ops.push(op);
    }

    let mut client = match IpvsClient::connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("push_baseline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let family = client.family();
    let chunks = client.socket_mut().encode_batch(family, ops.iter());
    drop(ops);

    let start = Instant::now();
    let results = client.socket_mut().send_encoded(&chunks);
    let elapsed = start.elapsed();

    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("push_baseline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let refused = results.iter().filter(|r| r.is_err()).count();
    eprintln!(
        "push_baseline: {} messages in {} sends, {} refused",
        results.len(),
        chunks.len(),
        refused
    );
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("push_baseline: first refusal: {e}");
    }
    println!("{:.3}", elapsed.as_secs_f64());
    if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
