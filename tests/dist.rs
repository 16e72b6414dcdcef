//! What `dist/` ships. The files systemd reads are valid: `systemd-analyze
//! verify` accepts each unit with no complaint at all (it exits 0 even on
//! unknown keys, so its output must be empty too). The units name
//! `/usr/sbin/lvsctl`; the copies checked name the binary just built, which
//! verify requires to exist. The Debian package `dist/build-deb` makes from
//! that binary has every file where it belongs and nothing else, and
//! lintian reports no error or warning on it. The examples are valid.

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
        ("lvsctl.service", None),
        ("lvsctl@.service", Some("blue")),
        ("lvsctl-realserver.service", None),
    ] {
        let (ok, said) = verify("clean", unit, instance, |t| t);
        assert!(ok && said.is_empty(), "{unit}: {said}");
    }
}

#[test]
fn verify_does_complain_about_a_broken_unit() {
    // The check above can fail: a misspelt service type is reported.
    let (_, said) = verify("broken", "lvsctl.service", None, |t| {
        t.replace("Type=notify", "Type=notifyy")
    });
    assert!(said.contains("notifyy"), "{said}");
}

#[test]
fn units_reload_through_the_daemon_and_wait_for_readiness() {
    for unit in ["lvsctl.service", "lvsctl@.service"] {
        let text = std::fs::read_to_string(Path::new("dist").join(unit)).unwrap();
        assert!(text.contains("\nType=notify\n"), "{unit}");
        assert!(text.contains("\nExecReload=/usr/sbin/lvsctl "), "{unit}");
        assert!(text.contains(" daemon reload\n"), "{unit}");
    }
}

#[test]
fn the_daemon_unit_is_hardened_and_keeps_run_lvsctl() {
    for unit in ["lvsctl.service", "lvsctl@.service"] {
        let text = std::fs::read_to_string(Path::new("dist").join(unit)).unwrap();
        for key in [
            "\nWatchdogSec=",
            "\nNoNewPrivileges=yes\n",
            "\nProtectSystem=strict\n",
            "\nProtectHome=yes\n",
            "\nReadWritePaths=/run/lvsctl\n",
        ] {
            assert!(text.contains(key), "{unit}: {key}");
        }
        // RuntimeDirectory= would empty /run/lvsctl (registry, drains,
        // locks, rs up records) on every stop.
        assert!(!text.lines().any(|l| l.starts_with("RuntimeDirectory")), "{unit}");
        // The daemon's capabilities (src/daemon/run.rs keeps NET_ADMIN,
        // NET_RAW, SETUID, SETGID, KILL; CHOWN gives the socket its group
        // before that) and, to enter a namespace, SYS_ADMIN.
        let caps = text
            .lines()
            .find_map(|l| l.strip_prefix("CapabilityBoundingSet="))
            .unwrap();
        let mut want = vec![
            "CAP_NET_ADMIN",
            "CAP_NET_RAW",
            "CAP_SETUID",
            "CAP_SETGID",
            "CAP_KILL",
            "CAP_CHOWN",
        ];
        if unit.contains('@') {
            want.push("CAP_SYS_ADMIN");
        }
        assert_eq!(caps.split(' ').collect::<Vec<_>>(), want, "{unit}");
    }
    let rs = std::fs::read_to_string("dist/lvsctl-realserver.service").unwrap();
    for key in [
        "\nType=oneshot\n",
        "\nRemainAfterExit=yes\n",
        "\nAfter=systemd-modules-load.service systemd-sysctl.service",
        "\nBefore=network-pre.target\n",
        "\nExecStart=/usr/sbin/lvsctl rs up --config /etc/lvsctl/realserver.toml\n",
        "\nExecStop=/usr/sbin/lvsctl rs down --config /etc/lvsctl/realserver.toml\n",
    ] {
        assert!(rs.contains(key), "lvsctl-realserver.service: {key}");
    }
}

#[test]
fn the_examples_are_valid() {
    let o = Command::new(env!("CARGO_BIN_EXE_lvsctl"))
        .args(["daemon", "check", "dist/examples/daemon.toml"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string("dist/examples/realserver.toml").unwrap();
    let r = lvsctl::state::realserver::parse("realserver.toml", &text).unwrap();
    assert_eq!(r.vips.len(), 2);
}

/// Every file the package must hold, with its mode.
fn expected_files() -> Vec<(String, &'static str)> {
    let mut want: Vec<(String, &str)> = [
        ("usr/sbin/lvsctl", "-rwxr-xr-x"),
        ("usr/share/bash-completion/completions/lvsctl", "-rw-r--r--"),
        ("usr/share/zsh/vendor-completions/_lvsctl", "-rw-r--r--"),
        ("usr/share/fish/vendor_completions.d/lvsctl.fish", "-rw-r--r--"),
        ("lib/systemd/system/lvsctl.service", "-rw-r--r--"),
        ("lib/systemd/system/lvsctl@.service", "-rw-r--r--"),
        ("lib/systemd/system/lvsctl-realserver.service", "-rw-r--r--"),
        ("usr/lib/modules-load.d/lvsctl.conf", "-rw-r--r--"),
        ("usr/lib/tmpfiles.d/lvsctl.conf", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/copyright", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/changelog.gz", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/CHANGELOG.md.gz", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/README.md.gz", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/examples/daemon.toml", "-rw-r--r--"),
        ("usr/share/doc/lvsctl/examples/realserver.toml", "-rw-r--r--"),
    ]
    .into_iter()
    .map(|(p, m)| (p.to_string(), m))
    .collect();
    for e in std::fs::read_dir("man").unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".8") {
            want.push((format!("usr/share/man/man8/{name}.gz"), "-rw-r--r--"));
        }
    }
    want.sort();
    want
}

#[test]
fn the_debian_package_holds_everything_where_it_belongs() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("deb-{}", std::process::id()));
    // Under a strict umask: the modes checked below must not follow it.
    let built = Command::new("sh")
        .args(["-c", "umask 077 && exec dist/build-deb \"$@\"", "sh"])
        .args(["--binary", env!("CARGO_BIN_EXE_lvsctl"), "--out"])
        .arg(&out)
        .output()
        .expect("dist/build-deb (needs dpkg-deb)");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let deb = String::from_utf8_lossy(&built.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    let arch = Command::new("dpkg").arg("--print-architecture").output().unwrap();
    let arch = String::from_utf8_lossy(&arch.stdout).trim().to_string();
    let name = format!("lvsctl_{}_{arch}.deb", env!("CARGO_PKG_VERSION"));
    assert!(deb.ends_with(&name), "{deb}");

    // Contents: every file where it belongs, owned by root, nothing more.
    let list = Command::new("dpkg-deb").args(["-c", &deb]).output().unwrap();
    let mut got: Vec<(String, &str)> = Vec::new();
    for l in String::from_utf8_lossy(&list.stdout).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(f[1], "root/root", "{l}");
        if f[0].starts_with('d') {
            assert_eq!(f[0], "drwxr-xr-x", "{l}");
            continue;
        }
        let path = f[5].trim_start_matches("./").to_string();
        let mode = match f[0] {
            "-rwxr-xr-x" => "-rwxr-xr-x",
            "-rw-r--r--" => "-rw-r--r--",
            other => panic!("{path}: mode {other}"),
        };
        got.push((path, mode));
    }
    got.sort();
    assert_eq!(got, expected_files());
    // Beside Debian's ipvsadm: no file of its name (README: dpkg-divert).
    assert!(!got.iter().any(|(p, _)| p.contains("ipvsadm")));

    // The control fields.
    let field = |f: &str| {
        let o = Command::new("dpkg-deb").args(["-f", &deb, f]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(field("Package"), "lvsctl");
    assert_eq!(field("Version"), env!("CARGO_PKG_VERSION"));
    assert!(field("Depends").contains("libc6 (>= 2.36)"));
    assert_eq!(field("Conflicts"), "");

    // Unpacked: the binary runs, the units verify as installed.
    let root = out.join("root");
    let _ = std::fs::remove_dir_all(&root);
    let x = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .status()
        .unwrap();
    assert!(x.success());
    let v = Command::new(root.join("usr/sbin/lvsctl"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout),
        format!("lvsctl {}\n", env!("CARGO_PKG_VERSION"))
    );
    let modules = std::fs::read_to_string(root.join("usr/lib/modules-load.d/lvsctl.conf")).unwrap();
    assert!(modules.lines().any(|l| l == "ip_vs"), "{modules}");
    let units = root.join("lib/systemd/system");
    for u in ["lvsctl.service", "lvsctl-realserver.service"] {
        let text = std::fs::read_to_string(units.join(u)).unwrap();
        assert_eq!(
            text,
            std::fs::read_to_string(Path::new("dist").join(u)).unwrap(),
            "{u}"
        );
    }

    // lintian: no error, no warning.
    let l = Command::new("lintian")
        .args(["--fail-on", "error,warning"])
        .arg(&deb)
        .output()
        .expect("lintian (tests/vm/setup installs it)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&l.stdout),
        String::from_utf8_lossy(&l.stderr)
    );
    let tags: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("W: "))
        .collect();
    assert!(l.status.success() && tags.is_empty(), "{said}");
    let _ = std::fs::remove_dir_all(&out);
}
