//! `/etc/lvsctl/realserver.toml`: what `lvsctl rs up --config` and `rs
//! down --config` (and the `lvsctl-realserver` unit that runs them at
//! boot) do to a real server.
//!
//! ```toml
//! mode = "dr"                        # dr (the default) | tun
//! device = "lo"                      # where the VIPs go (as rs status shows it)
//! vips = ["192.0.2.110", "2001:db8::110"]
//! # with mode = "tun":
//! tun_type = "ipip"                  # ipip (the default) | gue | gre
//! tun_port = 6080                    # gue's UDP port
//! ```
//!
//! The keys are `rs up`'s options under the names `rs status --output
//! json` prints (`device`, not `--dev`), so a file can be written from what
//! a cured host shows. One file is one `rs up`: a host with VIPs of both
//! modes runs `rs up` twice, by hand or from two files. Everything is
//! checked here, each error with `FILE:LINE`, before anything on the host
//! changes; unknown keys are refused, as everywhere in lvsctl's files.

use serde::Deserialize;

use super::InputError;
use crate::rs::{self, Mode, TunType, UpRequest, Vip};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    mode: Option<toml::Spanned<String>>,
    device: Option<toml::Spanned<String>>,
    vips: toml::Spanned<Vec<toml::Spanned<String>>>,
    tun_type: Option<toml::Spanned<String>>,
    tun_port: Option<toml::Spanned<i64>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Reads a real-server file into the `rs up` it asks for.
pub fn parse(file: &str, text: &str) -> Result<UpRequest, InputError> {
    let err = |offset: usize, message: String| InputError {
        file: file.to_string(),
        line: line_of(text, offset),
        message,
    };
    let t: FileToml = toml::from_str(text).map_err(|e| InputError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        message: e.message().trim_end().to_string(),
    })?;
    let mode = match t.mode.as_ref().map(|m| (m.get_ref().as_str(), m.span().start)) {
        None | Some(("dr", _)) => Mode::Dr,
        Some(("tun", _)) => Mode::Tun,
        Some((other, at)) => return Err(err(at, format!("mode {other:?}: expected \"dr\" or \"tun\""))),
    };
    let tun_type = match t
        .tun_type
        .as_ref()
        .map(|m| (m.get_ref().as_str(), m.span().start))
    {
        Some((_, at)) if mode != Mode::Tun => {
            return Err(err(at, "tun_type is only for mode = \"tun\"".into()));
        }
        None | Some(("ipip", _)) => TunType::Ipip,
        Some(("gue", _)) => TunType::Gue,
        Some(("gre", _)) => TunType::Gre,
        Some((other, at)) => {
            return Err(err(
                at,
                format!("tun_type {other:?}: expected \"ipip\", \"gue\" or \"gre\""),
            ));
        }
    };
    let tun_port = match &t.tun_port {
        None if tun_type == TunType::Gue => {
            let at = t.tun_type.as_ref().map(|x| x.span().start).unwrap_or(0);
            return Err(err(at, "tun_type = \"gue\" needs tun_port (its UDP port)".into()));
        }
        None => None,
        Some(p) if tun_type != TunType::Gue || mode != Mode::Tun => {
            return Err(err(
                p.span().start,
                "tun_port is only for tun_type = \"gue\"".into(),
            ));
        }
        Some(p) => match u16::try_from(*p.get_ref()) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(err(
                    p.span().start,
                    format!("tun_port {}: expected 1 to 65535", p.get_ref()),
                ))
            }
        },
    };
    let device = match &t.device {
        None => None,
        Some(d) => {
            let name = d.get_ref();
            if name.is_empty()
                || name.len() > 15
                || name.contains(['/', ' ', ':'])
                || name == "."
                || name == ".."
            {
                return Err(err(
                    d.span().start,
                    format!("device {name:?} is not a network device name (1 to 15 characters, no '/', ':' or space)"),
                ));
            }
            Some(name.clone())
        }
    };
    if t.vips.get_ref().is_empty() {
        return Err(err(
            t.vips.span().start,
            "vips is empty: list the VIPs this host serves".into(),
        ));
    }
    let mut vips: Vec<Vip> = Vec::with_capacity(t.vips.get_ref().len());
    for v in t.vips.get_ref() {
        let vip = rs::parse_vip(v.get_ref()).map_err(|e| err(v.span().start, format!("vips: {e}")))?;
        if vips.contains(&vip) {
            return Err(err(
                v.span().start,
                format!("vips: {} is listed twice", v.get_ref()),
            ));
        }
        if mode == Mode::Tun && vip.ip().is_ipv6() {
            return Err(err(
                v.span().start,
                format!("vips: {}: IPv6 VIPs are for mode = \"dr\" only", v.get_ref()),
            ));
        }
        vips.push(vip);
    }
    Ok(UpRequest {
        vips,
        mode,
        dev: device,
        tun_type,
        tun_port,
    })
}

/// Reads the file at `path`.
pub fn load(path: &str) -> Result<UpRequest, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        file: path.to_string(),
        line: 0,
        message: e.to_string(),
    })?;
    parse(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let r = parse(
            "rs.toml",
            "mode = \"tun\"\ndevice = \"tunl0\"\nvips = [\"192.0.2.110\", \"192.0.2.111\"]\ntun_type = \"gue\"\ntun_port = 6080\n",
        )
        .unwrap();
        assert_eq!(r.mode, Mode::Tun);
        assert_eq!(r.dev.as_deref(), Some("tunl0"));
        assert_eq!(r.tun_type, TunType::Gue);
        assert_eq!(r.tun_port, Some(6080));
        assert_eq!(r.vips.len(), 2);
        let r = parse("rs.toml", "vips = [\"192.0.2.110\", \"2001:db8::110\"]\n").unwrap();
        assert_eq!(
            (r.mode, r.dev, r.tun_type, r.tun_port),
            (Mode::Dr, None, TunType::Ipip, None)
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "vips = [\"192.0.2.1\"]\ndev = \"lo\"\n",
                "rs.toml:2: unknown field `dev`",
            ),
            (
                "mode = \"nat\"\nvips = [\"192.0.2.1\"]\n",
                "rs.toml:1: mode \"nat\"",
            ),
            ("mode = \"dr\"\n", "missing field `vips`"),
            ("vips = []\n", "rs.toml:1: vips is empty"),
            ("vips = [\n  \"192.0.2.1\",\n  \"x\",\n]\n", "rs.toml:3: vips: "),
            ("vips = [\"192.0.2.1\", \"192.0.2.1\"]\n", "listed twice"),
            (
                "vips = [\"192.0.2.1\"]\ntun_type = \"gre\"\n",
                "rs.toml:2: tun_type is only for mode = \"tun\"",
            ),
            (
                "mode = \"tun\"\nvips = [\"192.0.2.1\"]\ntun_type = \"gue\"\n",
                "rs.toml:3: tun_type = \"gue\" needs tun_port",
            ),
            (
                "mode = \"tun\"\nvips = [\"192.0.2.1\"]\ntun_port = 5\n",
                "rs.toml:3: tun_port is only for",
            ),
            (
                "mode = \"tun\"\nvips = [\"192.0.2.1\"]\ntun_type = \"gue\"\ntun_port = 70000\n",
                "rs.toml:4: tun_port 70000",
            ),
            (
                "mode = \"tun\"\nvips = [\"2001:db8::1\"]\n",
                "IPv6 VIPs are for mode = \"dr\" only",
            ),
            (
                "device = \"a/b\"\nvips = [\"192.0.2.1\"]\n",
                "rs.toml:1: device \"a/b\"",
            ),
        ];
        for (text, want) in cases {
            let e = parse("rs.toml", text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "[a-z_ =\\[\\]\"0-9.:,\n]{0,120}") {
            let _ = parse("rs.toml", &text);
        }
    }
}
