//! Command-line behaviour that needs no kernel: lvsctl parses its
//! arguments before it contacts the kernel, so these run on any machine.

use std::process::{Command, Output};

fn lvsctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lvsctl"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs the binary under the name `ipvsadm` through a symlink.
fn as_ipvsadm(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("lvsctl-host-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ipvsadm");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_lvsctl"), &link).unwrap();
    Command::new(&link).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn no_arguments_shows_lvsctl_help() {
    let o = lvsctl(&[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("Usage: lvsctl"), "{}", text(&o.stdout));
}

#[test]
fn version_and_help_flags() {
    let o = lvsctl(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), format!("lvsctl {}\n", env!("CARGO_PKG_VERSION")));
    let o = lvsctl(&["-V"]);
    assert_eq!(o.status.code(), Some(0));
    let o = lvsctl(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("ipvsadm"));
}

#[test]
fn ipvsadm_mode_help_and_version_need_no_kernel() {
    let o = as_ipvsadm(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("--tun-type"), "{}", text(&o.stdout));
    let o = as_ipvsadm(&["-v"]);
    assert_eq!(o.status.code(), Some(0));
    let v = text(&o.stdout);
    assert!(v.starts_with("ipvsadm v1.31 "), "{v}");
    assert!(v.contains("lvsctl"), "{v}");
}

#[test]
fn usage_errors_are_reported_before_touching_the_kernel() {
    // ipvsadm itself would first fail with "Can't initialize ipvs" here.
    let o = lvsctl(&["-A", "-t", "192.0.2.300:80"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "illegal virtual server address[:port] specified\n"
    );
    let o = as_ipvsadm(&[
        "-a",
        "-t",
        "192.0.2.1:80",
        "-r",
        "198.51.100.1",
        "-w",
        "2147483648",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "illegal weight specified\n");
    // ipvsadm repeats its argv[0] in this hint.
    let o = lvsctl(&["-t", "192.0.2.1:80", "-A"]);
    assert_eq!(o.status.code(), Some(255));
    let me = env!("CARGO_BIN_EXE_lvsctl");
    assert_eq!(
        text(&o.stderr),
        format!("Try `{me} -h' or '{me} --help' for more information.\n")
    );
    let o = as_ipvsadm(&["-A", "--bogus"]);
    assert_eq!(o.status.code(), Some(255));
    assert_eq!(text(&o.stderr), "--bogus: unknown option\n");
    let o = as_ipvsadm(&["-A", "-t", "192.0.2.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "Zero port specified for non-persistent service\n"
    );
}

#[test]
fn unknown_native_subcommand_is_a_usage_error() {
    let o = lvsctl(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!o.stderr.is_empty());
}

#[test]
fn apply_and_diff_check_the_whole_file_before_the_kernel() {
    // This host has no IPVS: a file error must still be reported as such
    // (exit 2, file:line), because the file is read before the kernel.
    let dir = std::env::temp_dir().join(format!("lvsctl-host-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("bad.rules");
    std::fs::write(
        &rules,
        "-A -t 192.0.2.1:80\n# ok so far\n-a -t 192.0.2.1:80 -r 198.51.100.1 -w 70000000000\n",
    )
    .unwrap();
    let toml = dir.join("bad.toml");
    std::fs::write(&toml, "[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\nport = 80\n\n[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\nport = 80\n").unwrap();
    for cmd in ["apply", "diff"] {
        let o = lvsctl(&[cmd, rules.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        assert_eq!(
            text(&o.stderr),
            format!("lvsctl: {}:3: illegal weight specified\n", rules.display())
        );
        let o = lvsctl(&[cmd, toml.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        assert_eq!(
            text(&o.stderr),
            format!(
                "lvsctl: {}:6: service defined twice (first on line 1)\n",
                toml.display()
            )
        );
        let o = lvsctl(&[cmd, "/nonexistent/desired.toml"]);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(
            text(&o.stderr),
            "lvsctl: /nonexistent/desired.toml: No such file or directory\n"
        );
    }
    let o = lvsctl(&["save", "--output", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `lvsctl import` needs no kernel either: its exit codes and where its
/// output goes.
#[test]
fn import_exit_codes_and_outputs() {
    let dir = std::env::temp_dir().join(format!("lvsctl-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clean = dir.join("clean.cf");
    std::fs::write(
        &clean,
        "network = direct\nvirtual web {\n active = 1\n address = 192.0.2.100\n port = 443\n\
         server a {\n  address = 198.51.100.11\n  active = 1\n }\n}\n",
    )
    .unwrap();
    let p = |f: &std::path::Path| f.to_str().unwrap().to_string();
    // No VIP device, so no VRRP: reported, exit 3.
    let o = lvsctl(&["import", "piranha", &p(&clean)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("[[services]]"), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains(&format!("{}:4: address without its device", p(&clean))),
        "{}",
        text(&o.stderr)
    );
    // Everything converted: exit 0, nothing on stderr; -o writes the file
    // and nothing goes to stdout.
    std::fs::write(
        &clean,
        "primary = 192.0.2.2\nbackup = 192.0.2.3\nbackup_active = 1\nnetwork = direct\n\
         virtual web {\n active = 1\n address = 192.0.2.100 eth0:1\n vip_nmask = 255.255.255.0\n port = 443\n\
         server a {\n  address = 198.51.100.11\n  active = 1\n }\n}\n",
    )
    .unwrap();
    let out = dir.join("out.toml");
    let o = lvsctl(&["import", "piranha", &p(&clean), "-o", &p(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!((text(&o.stdout), text(&o.stderr)), (String::new(), String::new()));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("[[vrrp]]") && written.contains("forward = \"route\""),
        "{written}"
    );
    // A file that does not parse: 2, FILE:LINE, nothing written.
    let bad = dir.join("bad.cf");
    std::fs::write(&bad, "virtual web {\n wieght = 1\n}\n").unwrap();
    let none = dir.join("none.toml");
    let o = lvsctl(&["import", "piranha", &p(&bad), "-o", &p(&none)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "lvsctl: {}:2: unknown virtual setting `wieght`",
            p(&bad)
        )),
        "{}",
        text(&o.stderr)
    );
    assert!(!none.exists());
    // A missing file is bad input (2); an unknown format is usage (2).
    assert_eq!(
        lvsctl(&["import", "piranha", &p(&dir.join("nosuch"))])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(lvsctl(&["import", "pulse", &p(&clean)]).status.code(), Some(2));

    // keepalived.conf, with an include relative to the including file.
    let ka = dir.join("ka");
    std::fs::create_dir_all(ka.join("conf.d")).unwrap();
    std::fs::write(
        ka.join("keepalived.conf"),
        "virtual_server 192.0.2.100 80 {\n protocol TCP\n alpha\n include conf.d/*.conf\n}\n",
    )
    .unwrap();
    std::fs::write(
        ka.join("conf.d/rs.conf"),
        "real_server 198.51.100.11 80 {\n TCP_CHECK {\n  connect_timeout 2\n }\n}\n",
    )
    .unwrap();
    let o = lvsctl(&["import", "keepalived", &p(&ka.join("keepalived.conf"))]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("address = \"198.51.100.11\"") && text(&o.stdout).contains("type = \"tcp\""),
        "{}",
        text(&o.stdout)
    );
    // Something reported (in the included file, named as such): 3.
    std::fs::write(
        ka.join("conf.d/rs.conf"),
        "real_server 198.51.100.11 80 {\n SMTP_CHECK {\n }\n}\n",
    )
    .unwrap();
    let o = lvsctl(&["import", "keepalived", &p(&ka.join("keepalived.conf"))]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "{}:2: `SMTP_CHECK`: not converted",
            p(&ka.join("conf.d/rs.conf"))
        )),
        "{}",
        text(&o.stderr)
    );
    // A brace missing: 2 with the line, nothing written.
    std::fs::write(
        ka.join("keepalived.conf"),
        "virtual_server 192.0.2.100 80 {\n protocol TCP\n",
    )
    .unwrap();
    let o = lvsctl(&[
        "import",
        "keepalived",
        &p(&ka.join("keepalived.conf")),
        "-o",
        &p(&none),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("keepalived.conf:1: this block is not closed"),
        "{}",
        text(&o.stderr)
    );
    assert!(!none.exists());

    // ldirectord.cf: a virtual block ends at the first unindented line;
    // an unknown key is refused as ldirectord refuses it.
    let ld = dir.join("ldirectord.cf");
    std::fs::write(
        &ld,
        "quiescent=yes\nnegotiatetimeout=5\nvirtual=192.0.2.100:80\n\treal=198.51.100.11:80 masq 2\n",
    )
    .unwrap();
    let o = lvsctl(&["import", "ldirectord", &p(&ld)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("on_failure = \"quiesce\""),
        "{}",
        text(&o.stdout)
    );
    std::fs::write(
        &ld,
        "virtual=192.0.2.100:80\n\treal=198.51.100.11:80 masq\nchecktimout=3\n",
    )
    .unwrap();
    let o = lvsctl(&["import", "ldirectord", &p(&ld)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("ldirectord.cf:3: unknown setting `checktimout`"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rs_up_config_checks_the_file_before_the_host() {
    let dir = std::env::temp_dir().join(format!("lvsctl-rsfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("realserver.toml");
    std::fs::write(&bad, "mode = \"dr\"\ndev = \"lo\"\nvips = [\"192.0.2.110\"]\n").unwrap();
    let f = bad.to_str().unwrap();
    for cmd in ["up", "down"] {
        let o = lvsctl(&["rs", cmd, "--config", f]);
        assert_eq!(o.status.code(), Some(2), "rs {cmd}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(&format!("{f}:2: unknown field `dev`")),
            "{}",
            text(&o.stderr)
        );
    }
    // The file and the options are one or the other.
    let o = lvsctl(&["rs", "up", "--config", f, "--vip", "192.0.2.1"]);
    assert_eq!(o.status.code(), Some(2));
    let o = lvsctl(&["rs", "down", "--config", "/nonexistent/realserver.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("/nonexistent/realserver.toml"),
        "{}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
