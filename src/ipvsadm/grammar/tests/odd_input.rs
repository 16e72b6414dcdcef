//! Odd input: nothing panics, C strings end at NUL.

use super::*;

#[test]
fn no_panics_on_odd_input() {
    // Thousands of odd names: keep them away from DNS.
    NO_HOST_LOOKUPS.with(|c| c.set(true));
    let odd = [
        "",
        "-",
        "--",
        "---",
        "-=",
        "--=",
        "=",
        "[",
        "]",
        "[]",
        "[]:",
        "[::1",
        "[::1]",
        ":",
        "::",
        ":::",
        "#",
        "!#:+",
        "-!#:+",
        "é",
        "-é",
        "--é",
        "\0",
        "-\0",
        "a\0b",
        "-t\0",
        "99999999999999999999999999999",
        "-99999999999999999999999",
        "0x",
        "0x.1",
        "1.2.3.4:",
        "1.2.3.4::",
        "[::1]:",
        "[::1]:99999",
        "1.2.3.4:http:80",
        " ",
        "\t",
        "-p",
        "-M",
        "-6",
        "-b",
        ",",
        ",,",
        "--pe",
        "--set",
        "-R",
        "-h",
        "1.2.3.4.5:80",
        "255.255.255.255.255",
        "::ffff:1.2.3.4.5",
        "1::1.2.3",
        "1:2:3:4:5:6:7:8:9",
        "ffff::ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "1.2.3.",
        ".1.2.3",
        "1..2",
    ];
    let commands = [
        "-A", "-E", "-D", "-C", "-L", "-a", "-e", "-d", "-Z", "-S", "-R", "--set",
    ];
    let options = [
        "-t",
        "-u",
        "--sctp-service",
        "-f",
        "-M",
        "-r",
        "-s",
        "-p",
        "-w",
        "-b",
        "--mcast-group",
        "--tun-type",
        "--syncid",
    ];
    for a in odd {
        let _ = parse(&[a.to_string()]);
        let _ = parse_line(a);
        for c in commands {
            let _ = parse(&[c.to_string(), a.to_string()]);
            for o in options {
                let _ = parse(&[c.to_string(), o.to_string(), a.to_string()]);
                let _ = parse(&[c.to_string(), format!("{o}{a}")]);
                let _ = parse(&[
                    c.to_string(),
                    "-t".into(),
                    "1.2.3.4:80".into(),
                    o.into(),
                    a.into(),
                ]);
                let _ = parse(&[c.to_string(), "-t".into(), "[::1]:80".into(), o.into(), a.into()]);
                let _ = parse_line(&format!("{c} {o} {a}"));
            }
        }
    }
    for a in ["--start-daemon", "--stop-daemon"] {
        for v in odd {
            let _ = parse(&[a.to_string(), v.to_string()]);
            let _ = parse(&[format!("{a}={v}")]);
        }
    }
    // C strings end at NUL.
    assert_eq!(
        add_service_v(&["-A", "-t", "1.2.3.4:80\0junk"]).key,
        tcp("1.2.3.4", 80)
    );
}
