//! The generated bash completion, loaded into a real bash: what it offers
//! for subcommands, options, scheduler names and output formats. (Existing
//! services are offered from the live table; that part runs in the VM:
//! `native.complete.*` in tests/vm/scenarios/native.sh.)

use std::process::Command;

/// Completes the last word of `line` (words separated by single spaces; a
/// trailing space means an empty word) and returns the candidates.
fn complete(line: &str) -> Vec<String> {
    let script = format!(
        r#"source "{root}/completions/lvsctl.bash"
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$LINE"
COMP_POINT=${{#LINE}}
_lvsctl_complete lvsctl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        root = env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(script)
        .env("LINE", line)
        // The wrapper asks lvsctl for live services; make sure this test
        // cannot reach any kernel IPVS by giving it a PATH without lvsctl.
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("bash must be installed");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn has(c: &[String], want: &[&str]) {
    for w in want {
        assert!(c.iter().any(|x| x == w), "missing {w:?} in {c:?}");
    }
}

#[test]
fn subcommands() {
    let c = complete("lvsctl ");
    has(&c, &["list", "stats", "rate", "conns", "timeouts", "daemons"]);
    assert_eq!(complete("lvsctl li"), vec!["list".to_string()]);
}

#[test]
fn options_of_both_grammars() {
    let c = complete("lvsctl --");
    has(
        &c,
        &[
            "--netns",
            "--help",
            "--version",
            "--add-service",
            "--tun-type",
            "--sctp-service",
        ],
    );
    let c = complete("lvsctl list --");
    has(&c, &["--output", "--netns"]);
}

#[test]
fn scheduler_names() {
    let c = complete("lvsctl -A -t 192.0.2.1:80 -s ");
    has(&c, &["rr", "wrr", "wlc", "mh", "sh", "twos"]);
    assert_eq!(
        complete("lvsctl -A -t 192.0.2.1:80 --scheduler tw"),
        vec!["twos".to_string()]
    );
}

#[test]
fn value_choices() {
    has(&complete("lvsctl list --output "), &["text", "table", "json"]);
    has(
        &complete("lvsctl -a -t 192.0.2.1:80 -r 198.51.100.1 -i --tun-type "),
        &["ipip", "gue", "gre"],
    );
    has(&complete("lvsctl --start-daemon "), &["master", "backup"]);
}

#[test]
fn no_services_without_a_kernel_table() {
    // lvsctl is not on this PATH: nothing is offered, and nothing breaks.
    assert!(complete("lvsctl -d -t ").is_empty());
}
