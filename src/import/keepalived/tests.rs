//! keepalived.conf: the reader's syntax, and the golden conversion of a
//! file written from keepalived.conf(5).

use super::*;

fn conv(text: &str) -> Result<(String, Vec<String>), ImportError> {
    let mut none = |_: &str, _: &str| Ok(Vec::new());
    let (doc, notes) = convert("k.conf", text, &Options::default(), &mut none)?;
    Ok((doc.render(), notes.iter().map(|n| n.to_string()).collect()))
}

fn err(text: &str) -> String {
    conv(text).unwrap_err().to_string()
}

fn tree(text: &str) -> Vec<Stmt> {
    let mut none = |_: &str, _: &str| Ok(Vec::new());
    parse::parse("k.conf", text, &mut none).unwrap().stmts
}

#[test]
fn words_blocks_and_comments_as_keepalived_reads_them() {
    let t = tree("a b \"c d\" # x\n  e{ f g }\nh\n{\n i ! j\n}\nk \\#1 \\!2 '3 4'\n");
    assert_eq!(t.len(), 4);
    assert_eq!(t[0].words, ["a", "b", "c d"]);
    assert_eq!((t[1].key(), t[1].line), ("e", 2));
    assert_eq!(t[1].body()[0].words, ["f", "g"]);
    // `{` on the line after the keyword is its block.
    assert_eq!(t[2].key(), "h");
    assert_eq!(t[2].body()[0].words, ["i"]);
    // Escaped comment characters stay; single quotes are ordinary.
    assert_eq!(t[3].words, ["k", "#1", "!2", "'3", "4'"]);
    // A trailing backslash is a word outside definitions.
    assert_eq!(tree("a \\\nb\n")[0].words, ["a", "\\"]);
}

#[test]
fn definitions_stand_for_their_words() {
    let t = tree("$IP=192.0.2.1\n$LONG=a \\\n b\nx $IP ${IP}:80 $NOPE\ny $LONG\n");
    assert_eq!(t[0].words, ["x", "192.0.2.1", "192.0.2.1:80", "$NOPE"]);
    assert_eq!(t[1].words, ["y", "a"]);
    assert_eq!((t[2].key(), t[2].line), ("b", 5));
}

#[test]
fn broken_syntax_is_refused_with_its_line() {
    assert_eq!(
        err("a {\n b\n"),
        "k.conf:1: this block is not closed: `}` missing before the end of the file"
    );
    assert_eq!(err("a\n}\n"), "k.conf:2: `}` without a block to close");
    assert_eq!(err("x \"open\n"), "k.conf:1: a quote is not closed on its line");
    assert!(err("@dir1 priority 150\n").starts_with("k.conf:1: a line starting with @"));
    assert!(err("~SEQ(i, 1, 3) x\n").starts_with("k.conf:1: ~SEQ"));
    assert_eq!(err("{\n}\n"), "k.conf:1: `{` without a keyword before it");
}

#[test]
fn includes_nest_but_not_forever() {
    let mut me = |_: &str, _: &str| Ok(vec![("self.conf".to_string(), "include self.conf\n".to_string())]);
    let e = convert("k.conf", "include self.conf\n", &Options::default(), &mut me).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("self.conf:1: includes nest more than 8 deep"),
        "{e}"
    );
    let mut two = |p: &str, _: &str| {
        assert_eq!(p, "d/*.conf");
        Ok(vec![
            (
                "d/a.conf".to_string(),
                "global_defs {\n router_id A\n}\n".to_string(),
            ),
            ("d/b.conf".to_string(), "\n\nbogus\n".to_string()),
        ])
    };
    let (_, notes) = convert("k.conf", "x\ninclude d/*.conf\n", &Options::default(), &mut two).unwrap();
    let notes: Vec<String> = notes.iter().map(|n| n.to_string()).collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    // The main file's notes first, then each included file's, by line.
    assert!(notes[0].starts_with("k.conf:1: `x`"), "{notes:?}");
    assert!(notes[1].starts_with("d/a.conf:2: `router_id`"), "{notes:?}");
    assert!(notes[2].starts_with("d/b.conf:3: `bogus`"), "{notes:?}");
}

#[test]
fn globs_match_as_glob3_does() {
    assert!(glob_match("*.conf", "a.conf"));
    assert!(!glob_match("*.conf", "a.conf~"));
    assert!(glob_match("a?c", "abc"));
    assert!(glob_match("[a-c]x", "bx"));
    assert!(!glob_match("[!a-c]x", "bx"));
    assert!(glob_match("*a*b*", "xxaxxbxx"));
    assert!(glob_match("[", "["));
    assert!(!glob_match("a", "ab"));
}

#[test]
fn include_takes_the_rest_of_its_line_and_braces_expand() {
    assert_eq!(parse::expand_braces("a/{x,y}.conf", 0), ["a/x.conf", "a/y.conf"]);
    assert_eq!(parse::expand_braces("{a,b{1,2}}", 0), ["a", "b1", "b2"]);
    assert_eq!(parse::expand_braces("no{brace", 0), ["no{brace"]);
    let mut seen = Vec::new();
    let mut inc = |p: &str, _: &str| {
        seen.push(p.to_string());
        Ok(Vec::new())
    };
    parse::parse(
        "k.conf",
        "include conf.d/{a,b}.conf # x\ninclude \"with space.conf\"\n",
        &mut inc,
    )
    .unwrap();
    assert_eq!(seen, ["conf.d/{a,b}.conf", "with space.conf"]);
}

#[test]
fn blocks_nest_but_not_forever() {
    let deep = "a {\n".repeat(40) + &"}\n".repeat(40);
    assert!(
        err(&deep).contains("blocks nest more than 32 deep"),
        "{}",
        err(&deep)
    );
}

#[test]
fn scripts_split_like_keepalived() {
    assert_eq!(argv("/bin/x a 'b c' \"d\\\"e\""), ["/bin/x", "a", "b c", "d\"e"]);
    assert_eq!(argv("  "), Vec::<String>::new());
}

#[test]
fn checker_timing_follows_keepalived() {
    let (text, _) = conv(
        "virtual_server 192.0.2.1 80 {\n protocol TCP\n delay_loop 10\n alpha\n real_server 192.0.2.11 80 {\n  \
         TCP_CHECK {\n   retry 2\n  }\n }\n}\n",
    )
    .unwrap();
    // retry 2: down at the third failure in a row, the retries 1 s apart.
    assert!(
        text.contains("type = \"tcp\"\n  interval = \"10s\"\n  timeout = \"5s\"\n  fall = 3\n  rise = 1\n  retry_interval = \"1s\""),
        "{text}"
    );
    let cfg = crate::daemon::config::parse("out", &text).unwrap();
    assert_eq!(cfg.services.len(), 1);
}

#[test]
fn defaults_of_keepalived_are_written_out() {
    let (text, notes) = conv("virtual_server 192.0.2.1 80 {\n real_server 192.0.2.11 80 {\n }\n}\n").unwrap();
    // No protocol: keepalived makes it UDP (and says so); wlc; NAT; weight 1.
    assert!(text.contains("protocol = \"udp\""), "{text}");
    assert!(text.contains("scheduler = \"wlc\""), "{text}");
    assert!(text.contains("forward = \"masq\"\n  weight = 1"), "{text}");
    assert!(notes.iter().any(|n| n.contains("no `protocol`")), "{notes:?}");
    // A service without a port is persistent for 360 s.
    let (text, _) = conv("virtual_server 192.0.2.1 {\n protocol TCP\n}\n").unwrap();
    assert!(text.contains("persistent = true\ntimeout = 360"), "{text}");
    // state MASTER without a priority is the address owner.
    let (text, _) =
        conv("vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  192.0.2.9\n }\n}\n")
            .unwrap();
    assert!(text.contains("priority = 255"), "{text}");
    // A source address without peers is keepalived's multicast source.
    let (text, notes) = conv(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 9\n mcast_src_ip 192.0.2.2\n virtual_ipaddress {\n  192.0.2.9\n }\n}\n",
    )
    .unwrap();
    assert!(!text.contains("unicast_source"), "{text}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("k.conf:4: `mcast_src_ip` without unicast_peer")),
        "{notes:?}"
    );
    assert!(text.contains("vips = [\"192.0.2.9/32\"]"), "{text}");
}

#[test]
fn bad_values_are_refused_with_their_line() {
    for (text, want) in [
        (
            "virtual_server 192.0.2.1 x {\n}\n",
            "k.conf:1: `virtual_server`: \"x\" is not a port (0 to 65535)",
        ),
        (
            "virtual_server 192.0.2.1 80 {\n lvs_method XX\n}\n",
            "k.conf:2: `lvs_method` \"XX\": expected NAT, DR or TUN",
        ),
        (
            "virtual_server 192.0.2.1 80 {\n lvs_method TUN type gue\n}\n",
            "k.conf:2: a gue tunnel needs `port N`",
        ),
        (
            "virtual_server group X {\n}\n",
            "k.conf:1: virtual_server group \"X\": no such virtual_server_group",
        ),
        (
            "vrrp_instance V {\n interface eth0\n}\n",
            "k.conf:1: vrrp_instance V has no virtual_router_id",
        ),
        (
            "vrrp_instance V {\n virtual_router_id 300\n}\n",
            "k.conf:2: `virtual_router_id`: \"300\" is not a number from 0 to 255",
        ),
        (
            "virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  HTTP_GET {\n  }\n }\n}\n",
            "k.conf:3: HTTP_GET needs a url block",
        ),
    ] {
        assert_eq!(err(text), want, "{text}");
    }
}

/// The file written from the manual page: its conversion is the golden
/// file beside it, and every note names its line.
#[test]
fn the_manual_page_file_converts_as_recorded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import/");
    let main = format!("{dir}keepalived.conf");
    let src = std::fs::read_to_string(&main).unwrap();
    let mut fs = fs_includes;
    let (doc, notes) = convert(&main, &src, &Options::default(), &mut fs).unwrap();
    let text = doc.render().replace(dir, "");
    let notes: String = notes
        .iter()
        .map(|n| format!("{n}\n"))
        .collect::<String>()
        .replace(dir, "");
    if std::env::var_os("LVSCTL_REGENERATE").is_some() {
        std::fs::write(format!("{dir}keepalived.conf.toml"), &text).unwrap();
        std::fs::write(format!("{dir}keepalived.conf.notes"), &notes).unwrap();
    }
    assert_eq!(text, include_str!("../../../tests/import/keepalived.conf.toml"));
    assert_eq!(notes, include_str!("../../../tests/import/keepalived.conf.notes"));
    crate::daemon::config::parse("out", &text).unwrap();
}

#[test]
fn details_keepalived_settles_as_its_source_does() {
    // A DR server's own port becomes the service's; its check keeps the
    // port written.
    let (text, notes) = conv(
        "virtual_server 192.0.2.1 80 {\n protocol TCP\n alpha\n lvs_method DR\n real_server 192.0.2.11 8080 {\n  \
         TCP_CHECK {\n   retry 0\n  }\n }\n}\n",
    )
    .unwrap();
    assert!(
        text.contains("address = \"192.0.2.11\"\n  port = 80\n  forward = \"route\""),
        "{text}"
    );
    assert!(text.contains("connect_port = 8080"), "{text}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("k.conf:5: port 8080 on a DR real server")),
        "{notes:?}"
    );
    // The url's virtualhost wins over the checker's and the service's.
    let (text, _) = conv(
        "virtual_server 192.0.2.1 80 {\n protocol TCP\n alpha\n virtualhost vs.example\n real_server 192.0.2.11 80 {\n  \
         HTTP_GET {\n   virtualhost chk.example\n   url {\n    path /\n    virtualhost url.example\n   }\n  }\n }\n}\n",
    )
    .unwrap();
    assert!(
        text.contains("host = \"url.example\"") && !text.contains("chk.example"),
        "{text}"
    );
    // Methods are compared as written; GARP repeat 0 is 1; IPv6 ranges
    // are bounded.
    assert!(err("virtual_server 192.0.2.1 80 {\n lvs_method dr\n}\n")
        .starts_with("k.conf:2: `lvs_method` \"dr\""));
    let (text, _) = conv(
        "global_defs {\n vrrp_garp_master_repeat 0\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 9\n \
         virtual_ipaddress {\n  192.0.2.9\n }\n}\n",
    )
    .unwrap();
    assert!(text.contains("garp = { count = 1 }"), "{text}");
    let e = err("virtual_server_group G {\n 2001:db8::1-ffff 80\n}\nvirtual_server group G {\n}\n");
    assert!(e.contains("more than 256 addresses"), "{e}");
}
