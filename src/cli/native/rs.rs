//! `rs up`, `rs down`, `rs status`: the real-server side of LVS-DR and
//! LVS-TUN. [`crate::rs`] does the work and keeps the undo record; this
//! front end maps the options and prints its notes or its status.

use super::{enter, NativeError, Output, Report, RsCmd, RsMode, RsTunType};
use crate::output::json::{Document, JsonVip};
use crate::output::text;
use crate::rs;

/// `lvsctl rs ...`.
pub(super) fn run(cmd: &RsCmd, netns: Option<&str>, pretty: bool) -> Result<Report, NativeError> {
    let vips = |v: &[String]| v.iter().map(|s| rs::parse_vip(s)).collect::<Result<Vec<_>, _>>();
    match cmd {
        RsCmd::Up {
            config: Some(file), ..
        } => {
            let req = crate::state::realserver::load(file)?;
            enter(netns)?;
            Ok(Report::Done(lines(&rs::up(&req)?)))
        }
        RsCmd::Up {
            vips: v,
            mode,
            dev,
            tun_type,
            tun_port,
            config: None,
        } => {
            let req = rs::UpRequest {
                vips: vips(v)?,
                mode: match mode {
                    RsMode::Dr => rs::Mode::Dr,
                    RsMode::Tun => rs::Mode::Tun,
                },
                dev: dev.clone(),
                tun_type: match tun_type {
                    RsTunType::Ipip => rs::TunType::Ipip,
                    RsTunType::Gue => rs::TunType::Gue,
                    RsTunType::Gre => rs::TunType::Gre,
                },
                tun_port: *tun_port,
            };
            enter(netns)?;
            Ok(Report::Done(lines(&rs::up(&req)?)))
        }
        RsCmd::Down { vips: v, config } => {
            let v = match config {
                Some(file) => crate::state::realserver::load(file)?.vips,
                None => vips(v)?,
            };
            enter(netns)?;
            Ok(Report::Done(lines(&rs::down(&v)?)))
        }
        RsCmd::Status { out } => {
            enter(netns)?;
            let st = rs::status()?;
            if st.is_empty() {
                return Err(NativeError::NotFound(
                    "no VIP found: none recorded by rs up, and no host address on lo, dummy or tunnel devices".into(),
                ));
            }
            let text = match out.output {
                Output::Json => {
                    let mut doc = Document::new();
                    doc.vips = Some(st.iter().map(JsonVip::from).collect());
                    doc.render_as(pretty)
                }
                _ => text::rs_status(&st),
            };
            Ok(if st.iter().all(|s| s.ok) {
                Report::Done(text)
            } else {
                Report::Problems(text)
            })
        }
    }
}

/// One line per step of `rs up` / `rs down`.
fn lines<T: std::fmt::Display>(steps: &[T]) -> String {
    steps.iter().map(T::to_string).collect::<Vec<_>>().join("\n") + "\n"
}
