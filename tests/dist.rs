//! The files in `dist/` that systemd reads are valid: `systemd-analyze
//! verify` accepts each unit with no complaint at all (it exits 0 even on
//! unknown keys, so its output must be empty too). The units name
//! `/usr/sbin/lvsctl`; the copies checked name the binary just built, which
//! verify requires to exist.

use std::path::{Path, PathBuf};
use std::process::Command;

fn verify(tag: &str, unit: &str, instance: Option<&str>, edit: impl Fn(String) -> String) -> (bool, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dist-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(Path::new("dist").join(unit)).unwrap();
    let text = edit(text.replace("/usr/sbin/lvsctl", env!("CARGO_BIN_EXE_lvsctl")));
    std::fs::write(dir.join(unit), text).unwrap();
    let name = match instance {
        Some(i) => unit.replace("@.", &format!("@{i}.")),
        None => unit.to_string(),
    };
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(dir.join(name))
        .output()
        .expect("systemd-analyze (Debian package systemd; tests/vm/setup installs it)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // verify loads what the unit pulls in (multi-user.target, and so every
    // unit the machine has enabled, such as the ldirectord.service the VM
    // packages install); their complaints name their own files and are
    // not about ours.
    let ours: String = said
        .lines()
        .filter(|l| {
            !["/lib/systemd/", "/usr/lib/systemd/", "/etc/systemd/"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    (out.status.success(), ours)
}

#[test]
fn units_verify_cleanly() {
    for (unit, instance) in [
        ("lvsctl-daemon.service", None),
        ("lvsctl-daemon@.service", Some("blue")),
    ] {
        let (ok, said) = verify("clean", unit, instance, |t| t);
        assert!(ok && said.is_empty(), "{unit}: {said}");
    }
}

#[test]
fn verify_does_complain_about_a_broken_unit() {
    // The check above can fail: a misspelt service type is reported.
    let (_, said) = verify("broken", "lvsctl-daemon.service", None, |t| {
        t.replace("Type=notify", "Type=notifyy")
    });
    assert!(said.contains("notifyy"), "{said}");
}

#[test]
fn units_reload_through_the_daemon_and_wait_for_readiness() {
    for unit in ["lvsctl-daemon.service", "lvsctl-daemon@.service"] {
        let text = std::fs::read_to_string(Path::new("dist").join(unit)).unwrap();
        assert!(text.contains("\nType=notify\n"), "{unit}");
        assert!(text.contains("\nExecReload=/usr/sbin/lvsctl "), "{unit}");
        assert!(text.contains(" daemon reload\n"), "{unit}");
    }
}
