//! `lvsctl daemon probe`: one check, once, against one server.
//!
//! The same probe code the daemon runs ([`crate::daemon::check::probe`]),
//! on a current-thread runtime of its own, so an operator can try a check
//! from the director (`--netns` included) before writing it into the file.

use std::net::{IpAddr, SocketAddr};

use super::{NativeError, Report};
use crate::daemon::check::{self, CheckSpec, Outcome, Server};

/// Runs `lvsctl daemon probe --check TOML SERVER`.
pub fn run(check: &str, server: &str, netns: Option<&str>) -> Result<Report, NativeError> {
    let checks = check::read_inline(check)?;
    let server = parse_server(server)?;
    super::enter(netns)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NativeError::Usage(format!("cannot start the probe's runtime: {e}")))?;
    let outcomes: Vec<(&CheckSpec, Outcome)> = rt.block_on(async {
        let mut out = Vec::with_capacity(checks.len());
        for spec in &checks {
            out.push((spec, check::probe(spec, &server).await));
        }
        out
    });
    let all_up = outcomes.iter().all(|(_, o)| o.up);
    let text = render(&outcomes);
    Ok(if all_up {
        Report::Done(text)
    } else {
        Report::Problems(text)
    })
}

/// `up: HTTP 200 (3.1 ms)`, one line per check; with several, each names
/// its type.
fn render(outcomes: &[(&CheckSpec, Outcome)]) -> String {
    let mut text = String::new();
    for (spec, o) in outcomes {
        let state = if o.up { "up" } else { "down" };
        let ms = o.latency.as_secs_f64() * 1000.0;
        if outcomes.len() > 1 {
            text.push_str(&format!(
                "{state}: {}: {} ({ms:.1} ms)\n",
                spec.kind.name(),
                o.reason
            ));
        } else {
            text.push_str(&format!("{state}: {} ({ms:.1} ms)\n", o.reason));
        }
    }
    text
}

/// `ADDR:PORT`, `[V6]:PORT`, or `ADDR` (port 0: the check's default).
fn parse_server(text: &str) -> Result<Server, NativeError> {
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Ok(Server {
            address: sa.ip(),
            port: sa.port(),
        });
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    match bare.parse::<IpAddr>() {
        Ok(address) => Ok(Server { address, port: 0 }),
        Err(_) => Err(NativeError::Usage(format!(
            "invalid server {text:?}: expected ADDR:PORT, [ADDR]:PORT or ADDR"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn servers() {
        let s = parse_server("192.0.2.1:80").unwrap();
        assert_eq!((s.address.to_string(), s.port), ("192.0.2.1".to_string(), 80));
        let s = parse_server("[2001:db8::1]:443").unwrap();
        assert_eq!((s.address.to_string(), s.port), ("2001:db8::1".to_string(), 443));
        assert_eq!(parse_server("2001:db8::1").unwrap().port, 0);
        assert_eq!(parse_server("[2001:db8::1]").unwrap().port, 0);
        assert_eq!(parse_server("192.0.2.1").unwrap().port, 0);
        assert!(matches!(parse_server("rs1:80"), Err(NativeError::Usage(_))));
    }

    #[test]
    fn renders_one_or_several() {
        let spec = check::read_inline("{ type = \"tcp\" }").unwrap().remove(0);
        let o = |up: bool, reason: &str| Outcome {
            up,
            reason: reason.into(),
            latency: Duration::from_micros(3140),
            weight: None,
        };
        assert_eq!(
            render(&[(&spec, o(true, "connected"))]),
            "up: connected (3.1 ms)\n"
        );
        assert_eq!(
            render(&[
                (&spec, o(true, "connected")),
                (&spec, o(false, "connection refused"))
            ]),
            "up: tcp: connected (3.1 ms)\ndown: tcp: connection refused (3.1 ms)\n"
        );
    }

    #[test]
    fn bad_checks_are_input_errors() {
        assert!(matches!(
            run("{ type = \"nope\" }", "192.0.2.1:80", None),
            Err(NativeError::Input(_))
        ));
        assert!(matches!(
            run("{ type = \"tcp\" }", "nope", None),
            Err(NativeError::Usage(_))
        ));
    }
}
