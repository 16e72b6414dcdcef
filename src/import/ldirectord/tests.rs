//! ldirectord.cf: the reader's rules and the golden conversion of a file
//! written from ldirectord(8).

use super::*;

fn conv(text: &str) -> Result<(String, Vec<String>), ImportError> {
    let (doc, notes) = convert("l.cf", text, &Options::default())?;
    Ok((doc.render(), notes.iter().map(|n| n.to_string()).collect()))
}

fn err(text: &str) -> String {
    conv(text).unwrap_err().to_string()
}

#[test]
fn blocks_end_at_the_first_unindented_line() {
    let (text, _) =
        conv("virtual=192.0.2.1:8080\n    real=192.0.2.11:8080 gate\n\tchecktype=on\nquiescent=yes\n")
            .unwrap();
    assert!(
        text.contains("address = \"192.0.2.11\"\n  port = 8080\n  forward = \"route\"\n  weight = 1\n"),
        "{text}"
    );
    // checktype = on: no check.
    assert!(!text.contains("check ="), "{text}");
    // quiescent after the block is a global, and ldirectord reads the
    // globals' final values when it sets the virtuals up: it applies.
    assert!(text.contains("on_failure = \"quiesce\""), "{text}");
}

#[test]
fn what_ldirectord_refuses_is_refused_with_its_line() {
    for (text, want) in [
        (
            "bogus=1\n",
            "l.cf:1: unknown setting `bogus` (ldirectord refuses it too)",
        ),
        (
            "virtual=192.0.2.1:80\n    bogus=1\n",
            "l.cf:2: unknown setting `bogus` in the virtual (ldirectord refuses it too)",
        ),
        (
            "virtual=192.0.2.1:80\n    real=192.0.2.2:80 nat\n",
            "l.cf:2: forward method must be gate, masq or ipip",
        ),
        (
            "virtual=192.0.2.1:80\n    real6=[2001:db8::1]:80 gate\n",
            "l.cf:2: cannot specify \"real6\" here. please use \"real\" instead",
        ),
        (
            "timeout=3\n",
            "l.cf:1: timeout is deprecated: ldirectord refuses it (checktimeout, negotiatetimeout)",
        ),
        (
            "virtual=192.0.2.1:80\n    checktype=sometimes\n",
            "l.cf:2: checktype must be",
        ),
        (
            "virtual=192.0.2.1:80\nvirtual=192.0.2.1:80\n",
            "l.cf:2: duplicate virtual server (tcp 192.0.2.1:80, first on line 1)",
        ),
        (
            "virtual=192.0.2.1:80\n    real=192.0.2.2:80 gate 1 l:9 u:3\n",
            "l.cf:2: l:9 is above u:3",
        ),
    ] {
        let e = err(text);
        assert!(e.starts_with(want), "{text:?}: {e}");
    }
}

#[test]
fn timeouts_default_each_other_as_ld_setup_does() {
    // A virtual's checktimeout is its negotiatetimeout too.
    let (text, _) =
        conv("checkinterval=60\nvirtual=192.0.2.1:80\n    real=192.0.2.2:80 gate\n    checktimeout=7\n")
            .unwrap();
    assert!(
        text.contains(
            "type = \"http\", path = \"/\", interval = \"60s\", timeout = \"7s\", fall = 1, rise = 1"
        ),
        "{text}"
    );
    // Neither set: 30 s for a negotiate check, at most the interval.
    let (text, _) = conv("virtual=192.0.2.1:80\n    real=192.0.2.2:80 gate\n").unwrap();
    assert!(text.contains("interval = \"10s\", timeout = \"10s\""), "{text}");
}

/// The file written from the manual page: its conversion is the golden
/// file beside it, and every note names its line.
#[test]
fn the_manual_page_file_converts_as_recorded() {
    let src = include_str!("../../../tests/import/ldirectord.cf");
    let (doc, notes) = convert("ldirectord.cf", src, &Options::default()).unwrap();
    let text = doc.render();
    let notes: String = notes.iter().map(|n| format!("{n}\n")).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import/");
    if std::env::var_os("LVSCTL_REGENERATE").is_some() {
        std::fs::write(format!("{dir}ldirectord.cf.toml"), &text).unwrap();
        std::fs::write(format!("{dir}ldirectord.cf.notes"), &notes).unwrap();
    }
    assert_eq!(text, include_str!("../../../tests/import/ldirectord.cf.toml"));
    assert_eq!(notes, include_str!("../../../tests/import/ldirectord.cf.notes"));
    crate::daemon::config::parse("out", &text).unwrap();
}
