use super::*;

fn conv(text: &str) -> Result<(String, Vec<String>), ImportError> {
    let (doc, notes) = convert("lvs.cf", text, &Options::default())?;
    Ok((doc.render(), notes.iter().map(|n| n.to_string()).collect()))
}

fn err(text: &str) -> String {
    conv(text).unwrap_err().to_string()
}

const ONE: &str = "primary = 192.0.2.2\nbackup = 192.0.2.3\nbackup_active = 1\nnetwork = direct\n\
virtual web {\n active = 1\n address = 192.0.2.100 eth0:1\n vip_nmask = 255.255.255.0\n port = 80\n\
 server a {\n  address = 198.51.100.11\n  active = 1\n }\n}\n";

#[test]
fn words_split_on_blanks_and_keep_quoted_runs() {
    assert_eq!(words(" a\t= \"x y\"  'z'").unwrap(), ["a", "=", "\"x y\"", "'z'"]);
    assert_eq!(words("send = \"GET / \"").unwrap(), ["send", "=", "\"GET / \""]);
    assert!(words("send = \"open").is_err());
    assert_eq!(unquote("\"x y\""), "x y");
    assert_eq!(unquote("'"), "'");
}

#[test]
fn numbers_are_read_as_c_reads_them() {
    assert_eq!(c_int("80"), Some(80));
    assert_eq!(c_int("0x50"), Some(80));
    assert_eq!(c_int("010"), Some(8));
    assert_eq!(c_int("0"), Some(0));
    assert_eq!(c_int("-3"), Some(-3));
    assert_eq!(c_int("8o"), None);
    assert_eq!(c_int("0x"), None);
    assert_eq!(c_int(""), None);
    assert_eq!(c_int("--9223372036854775808"), None);
    assert_eq!(c_int("-9223372036854775808"), None);
    assert_eq!(c_int("+-1"), None);
}

#[test]
fn nannys_escapes_are_expanded() {
    assert_eq!(unescape(r#"GET / HTTP/1.0\r\n\r\n"#), "GET / HTTP/1.0\r\n\r\n");
    assert_eq!(unescape(r#"a\tb\\c\'\"\x\"#), "a\tb\\c'\"\\x\\");
}

#[test]
fn a_minimal_site_converts_and_loads() {
    let (text, _) = conv(ONE).unwrap();
    let cfg = crate::daemon::config::parse("out", &text).unwrap();
    assert_eq!(cfg.desired.table.services.len(), 1);
    let d = &cfg.desired.table.services[0].dests[0];
    assert_eq!(d.addr.to_string(), "198.51.100.11");
    assert_eq!(d.fwd, crate::ipvs::ForwardMethod::Route);
    assert_eq!(cfg.vrrp.len(), 1);
    assert!(
        text.contains("unicast_source = \"192.0.2.2\"\nunicast_peers = [\"192.0.2.3\"]"),
        "{text}"
    );
    assert!(text.contains("priority = 150"), "{text}");
    // On port 80 with nothing to send, nanny's own HTTP probe.
    assert!(
        text.contains(
            "type = \"send-expect\"\n  send = \"GET / HTTP/1.0\\r\\n\\r\\n\"\n  expect = \"\\\\AHTTP\""
        ),
        "{text}"
    );
    // The backup's file differs in its priority and its unicast ends.
    let (doc, _) = convert(
        "lvs.cf",
        ONE,
        &Options {
            node: Node::Backup,
            ..Options::default()
        },
    )
    .unwrap();
    let b = doc.render();
    assert!(b.contains("priority = 100"), "{b}");
    assert!(
        b.contains("unicast_source = \"192.0.2.3\"\nunicast_peers = [\"192.0.2.2\"]"),
        "{b}"
    );
}

#[test]
fn crlf_comments_and_an_unclosed_last_block_are_accepted() {
    let text = ONE.replace('\n', "\r\n").replacen("}\r\n}\r\n", "}\r\n", 1);
    let text = format!("# heading\r\n   # indented comment\r\n\r\n{text}");
    // The same file but for the lines the block comments name.
    let strip = |t: String| {
        t.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(conv(&text).unwrap().0), strip(conv(ONE).unwrap().0));
}

#[test]
fn key_value_without_blanks_reads_as_with_them() {
    let tight = ONE
        .replace("network = direct", "network=direct")
        .replace("port = 80", "port= 80")
        .replace("active = 1\n address", "active =1\n address");
    assert_eq!(conv(&tight).unwrap().0, conv(ONE).unwrap().0);
}

#[test]
fn what_piranha_refuses_is_refused_with_its_line() {
    assert_eq!(
        err("primary = 192.0.2.2\nbogus = 1\n"),
        "lvs.cf:2: unknown global setting `bogus` (piranha refuses it too)"
    );
    assert_eq!(
        err("virtual web {\n active = 1\n weight = 1\n}\n"),
        "lvs.cf:3: unknown virtual setting `weight` (piranha refuses it too)"
    );
    assert_eq!(err("virtual web\n{\n"), "lvs.cf:1: expected `virtual = VALUE`");
    assert_eq!(err("}\n"), "lvs.cf:1: `}` without a block to close");
    assert_eq!(
        err("server a {\n"),
        "lvs.cf:1: a server block belongs inside a virtual block"
    );
    assert_eq!(
        err("virtual a {\nvirtual b {\n"),
        "lvs.cf:2: a virtual block cannot be inside another block"
    );
    assert_eq!(
        err("network = fast\n"),
        "lvs.cf:1: network = \"fast\": expected direct, nat or tunnel"
    );
    assert_eq!(err("keepalive =\n"), "lvs.cf:1: `keepalive` has no value");
    assert_eq!(
        err(&ONE.replace("port = 80", "port = 70000")),
        "lvs.cf:9: `port`: 70000 is not a port (1 to 65535)"
    );
    assert_eq!(
        err(&ONE.replace(" active = 1\n address", " active = yes\n address")),
        "lvs.cf:6: `active`: \"yes\" is not 0 or 1"
    );
    assert_eq!(
        err(&ONE.replace("port = 80", "port = 80\n scheduler = mh")),
        "lvs.cf:10: scheduler = \"mh\": piranha offers rr, wrr, lc, wlc, lblc, lblcr, dh, sh"
    );
    assert_eq!(
        err(&ONE.replace("255.255.255.0", "255.0.255.0")),
        "lvs.cf:8: `vip_nmask`: 255.0.255.0 is not a netmask"
    );
}

#[test]
fn a_servers_port_defaults_to_the_virtuals_port_as_read_so_far() {
    // nanny's real port is the virtual's `port` as parsed when the server
    // block opened; a `port` after the block does not reach it.
    let text = "network = nat\nvirtual web {\n active = 1\n address = 192.0.2.100 eth0:1\n port = 8080\n\
                server a {\n  address = 198.51.100.11\n  active = 1\n }\n port = 80\n}\n";
    let (out, _) = conv(text).unwrap();
    let cfg = crate::daemon::config::parse("out", &out).unwrap();
    let spec = &cfg.desired.table.services[0];
    assert_eq!(spec.dests[0].port, 8080);
    assert!(out.contains("port = 80\n"), "{out}");
}

#[test]
fn fos_is_reported_not_converted() {
    let (out, notes) = conv("service = fos\nfailover f {\n active = 1\n}\n").unwrap();
    assert!(!out.contains("[["), "{out}");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("lvs.cf:1: service = fos"), "{notes:?}");
    assert!(notes[1].starts_with("lvs.cf:2: failover \"f\""), "{notes:?}");
}

/// The file written from the manual pages: its conversion is the golden
/// file beside it, and every note names its line.
#[test]
fn the_manual_pages_file_converts_as_recorded() {
    let src = include_str!("../../../tests/import/lvs.cf");
    let (doc, notes) = convert("lvs.cf", src, &Options::default()).unwrap();
    let text = doc.render();
    let notes: String = notes.iter().map(|n| format!("{n}\n")).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import/");
    if std::env::var_os("LVSCTL_REGENERATE").is_some() {
        std::fs::write(format!("{dir}lvs.cf.toml"), &text).unwrap();
        std::fs::write(format!("{dir}lvs.cf.notes"), &notes).unwrap();
    }
    assert_eq!(text, include_str!("../../../tests/import/lvs.cf.toml"));
    assert_eq!(notes, include_str!("../../../tests/import/lvs.cf.notes"));
    crate::daemon::config::parse("out", &text).unwrap();
}
