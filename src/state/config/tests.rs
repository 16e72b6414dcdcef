//! The TOML reader: its messages (serde's and its own, each with
//! `FILE:LINE`), every sysctl's range, and extensions.

use super::*;

/// Bad files and the message each gave before the reader was split in
/// two stages; they must not change.
const GOLDEN: &[(&str, &str)] = &[
    (
        r#"[foo]
x = 1
"#,
        r#"x.toml:1: unknown field `foo`, expected one of `timeouts`, `sysctl`, `daemons`, `services`"#,
    ),
    (
        r#"[timeouts]
tcp = 60
bogus = 1
"#,
        r#"x.toml:3: unknown field `bogus`, expected one of `tcp`, `tcp_fin`, `udp`"#,
    ),
    (
        r#"[timeouts]
tcp = 0
"#,
        r#"x.toml:1: timeouts.tcp must be 1 to 2147483647 seconds"#,
    ),
    (
        r#"[timeouts]
tcp = "x"
"#,
        r#"x.toml:2: invalid type: string "x", expected u32"#,
    ),
    (
        r#"timeouts = 5
"#,
        r#"x.toml:1: invalid type: integer `5`, expected struct TimeoutsToml"#,
    ),
    (
        r#"[sysctl]
sloppy_tcp = 2
"#,
        r#"x.toml:2: sysctl.sloppy_tcp must be 0 or 1"#,
    ),
    (
        r#"[sysctl]
sloppy_tcp = "1"
"#,
        r#"x.toml:2: invalid type: string "1", expected i64"#,
    ),
    (
        r#"[sysctl]
sloppy_tcp = true
"#,
        r#"x.toml:2: invalid type: boolean `true`, expected i64"#,
    ),
    (
        r#"[sysctl.sub]
x = 1
"#,
        r#"x.toml:1: invalid type: map, expected i64"#,
    ),
    (
        r#"sysctl = 1
"#,
        r#"x.toml:1: invalid type: integer `1`, expected a map"#,
    ),
    (
        r#"[[daemons]]
state = "master"
interface = "eth0"
extra = 1
"#,
        r#"x.toml:4: unknown field `extra`, expected one of `state`, `interface`, `syncid`, `maxlen`, `group`, `port`, `ttl`"#,
    ),
    (
        r#"[[daemons]]
state = "master"
"#,
        r#"x.toml:1: missing field `interface`"#,
    ),
    (
        r#"[[daemons]]
state = "mister"
interface = "eth0"
"#,
        r#"x.toml:1: daemon state "mister": expected "master" or "backup""#,
    ),
    (
        r#"[[daemons]]
state = "master"
interface = "eth0"
syncid = 300
"#,
        r#"x.toml:4: invalid value: integer `300`, expected u8"#,
    ),
    (
        r#"[daemons]
state = "master"
"#,
        r#"x.toml:1: invalid type: map, expected a sequence"#,
    ),
    (
        r#"[[services]]
fwmark = 1
bogus = 2
"#,
        r#"x.toml:3: unknown field `bogus`, expected one of `family`, `protocol`, `address`, `port`, `fwmark`, `scheduler`, `sched_flags`, `persistent`, `timeout`, `netmask`, `one_packet`, `pe`, `destinations`"#,
    ),
    (
        r#"[[services]]
fwmark = 1
port = "x"
"#,
        r#"x.toml:3: invalid type: string "x", expected u16"#,
    ),
    (
        r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 70000
"#,
        r#"x.toml:4: invalid value: integer `70000`, expected u16"#,
    ),
    (
        r#"[[services]]
protocol = "tcp"
address = "192.0.2.300"
port = 80
"#,
        r#"x.toml:3: invalid IP address syntax"#,
    ),
    (
        r#"[[services]]
fwmark = 1
[[services.destinations]]
address = "192.0.2.1"
bogus = 1
"#,
        r#"x.toml:5: unknown field `bogus`, expected one of `address`, `port`, `forward`, `weight`, `u_threshold`, `l_threshold`, `tunnel`, `enabled`"#,
    ),
    (
        r#"[[services]]
fwmark = 1
[[services.destinations]]
port = 1
"#,
        r#"x.toml:3: missing field `address`"#,
    ),
    (
        r#"[[services]]
fwmark = 1
[[services.destinations]]
address = "192.0.2.1"
tunnel = { type = "gue", bogus = 1 }
"#,
        r#"x.toml:5: unknown field `bogus`, expected one of `type`, `port`, `csum`"#,
    ),
    (
        r#"[[services]]
fwmark = 1
[[services.destinations]]
address = "192.0.2.1"
forward = "tunnel"
tunnel = { type = "gue" }
"#,
        r#"x.toml:3: a gue tunnel needs a port (1-65535)"#,
    ),
    (
        r#"[[services]]
fwmark = 1
netmask = 5
"#,
        r#"x.toml:1: timeout and netmask need persistent = true"#,
    ),
    (
        r#"[[services]]
fwmark = 1
persistent = true
netmask = 5
"#,
        r#"x.toml:1: an IPv4 netmask is a string such as "255.255.255.0""#,
    ),
    (
        r#"services = 3
"#,
        r#"x.toml:1: invalid type: integer `3`, expected a sequence"#,
    ),
    (
        r#"[services]
fwmark = 1
"#,
        r#"x.toml:1: invalid type: map, expected a sequence"#,
    ),
    (
        r#"x = = 1
"#,
        r#"x.toml:1: extra `=`, expected nothing"#,
    ),
    (
        r#"[[services]]
fwmark = 1
sched_flags = "x"
"#,
        r#"x.toml:3: invalid type: string "x", expected a sequence"#,
    ),
    (
        r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80
check = { type = "tcp" }
"#,
        r#"x.toml:5: services.check belongs to a daemon file: `lvsctl apply` does not run health checks (run the file with `lvsctl daemon --config FILE`, check it with `lvsctl daemon check FILE`)"#,
    ),
];

#[test]
fn messages_are_as_before() {
    for (text, want) in GOLDEN {
        let got = match parse("x.toml", text) {
            Ok(_) => "OK".to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(&got, want, "{text}");
    }
}

fn error(text: &str) -> InputError {
    parse("f.toml", text).unwrap_err()
}

#[test]
fn unknown_sections_and_keys_name_their_lines() {
    for (text, line, needle) in [
        ("# a comment\n\n[health]\nx = 1\n", 3, "unknown field `health`"),
        ("[timeouts]\ntcp = 60\n\nudp_fin = 1\n", 4, "unknown field `udp_fin`"),
        ("[sysctl]\nsloppy_tcp = 1\nsloppy = 1\n", 3, "unknown sysctl \"sloppy\" (known: am_droprate, amemthresh,"),
        ("[[daemons]]\nstate = \"backup\"\ninterface = \"eth0\"\nmcast = 1\n", 4, "unknown field `mcast`"),
        ("[[services]]\nfwmark = 1\n\n[[services]]\nfwmark = 2\ncheck = 1\n", 6, "services.check belongs to a daemon file"),
        (
            "[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"192.0.2.1\"\ncheck = 1\n",
            5,
            "services.destinations.check belongs to a daemon file",
        ),
        ("[[services]]\nfwmark = 1\non_failure = \"remove\"\n", 3, "services.on_failure belongs to a daemon file"),
        ("[daemon]\nprune = true\n", 1, "[daemon] belongs to a daemon file: `lvsctl apply` does not run health checks"),
        (
            "[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"192.0.2.1\"\nforward = \"tunnel\"\ntunnel = { type = \"gre\", ttl = 3 }\n",
            6,
            "unknown field `ttl`",
        ),
    ] {
        let e = error(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.message.contains(needle), "{text}: {e}");
        assert!(e.to_string().starts_with(&format!("f.toml:{line}: ")), "{e}");
    }
}

#[test]
fn every_sysctl_takes_its_range_and_no_more() {
    for s in &VS_SYSCTLS {
        let file = |v: i64| format!("# tuning\n[sysctl]\n{} = {v}\n", s.name);
        for ok in [s.min, s.max] {
            let d = parse("f.toml", &file(ok)).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            assert_eq!(d.table.sysctls.as_ref().unwrap()[s.name], ok);
            assert_eq!(d.source.sysctls[s.name], 3);
        }
        for bad in [s.min.checked_sub(1), s.max.checked_add(1)].into_iter().flatten() {
            let e = error(&file(bad));
            assert_eq!(e.line, 3, "{}={bad}: {e}", s.name);
            assert!(
                e.message.starts_with(&format!("sysctl.{} must be ", s.name)),
                "{e}"
            );
        }
    }
    assert_eq!(
        error("[sysctl]\nconn_reuse_mode = 4\n").to_string(),
        "f.toml:2: sysctl.conn_reuse_mode must be 0 to 3"
    );
    assert_eq!(
        error("[sysctl]\nsync_ports = 6\n").to_string(),
        "f.toml:2: sysctl.sync_ports must be a power of two from 1 to 64"
    );
}

#[test]
fn only_the_four_sysctls_default_when_left_out() {
    let d = parse("f.toml", "[sysctl]\nconn_reuse_mode = 0\n").unwrap();
    let want: BTreeMap<String, i64> = SYSCTLS
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .chain([("conn_reuse_mode".to_string(), 0)])
        .collect();
    assert_eq!(d.table.sysctls, Some(want));
    let none = parse("f.toml", "").unwrap();
    assert_eq!(none.table.sysctls.unwrap().len(), SYSCTLS.len());
    for (name, default) in SYSCTLS {
        assert_eq!(vs_sysctl(name).and_then(|s| s.default), Some(default), "{name}");
    }
    // What is saved reads back the same.
    let again = parse("g.toml", &render(&d.table)).unwrap();
    assert_eq!(again.table, d.table);
}

/// An extension in the style of the daemon's: a `[[vrrp]]` section and a
/// `check` table in services and real servers.
#[derive(Default)]
struct Recorder {
    seen: Vec<String>,
}

impl Extension for Recorder {
    fn sections(&self) -> &[&str] {
        &["vrrp", "daemon"]
    }
    fn service_keys(&self) -> &[&str] {
        &["check"]
    }
    fn destination_keys(&self) -> &[&str] {
        &["check"]
    }
    fn section(&mut self, doc: &Doc<'_>, name: &str, value: Value<'_>) -> Result<(), InputError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Vrrp {
            vrid: u8,
        }
        if name == "vrrp" {
            let list: Vec<Spanned<Vrrp>> = doc.decode(value)?;
            for v in list {
                self.seen
                    .push(format!("vrrp {} line {}", v.get_ref().vrid, doc.line(&v.span())));
            }
        } else {
            self.seen.push(format!("{name} line {}", doc.line(&value.span())));
        }
        Ok(())
    }
    fn service_key(
        &mut self,
        doc: &Doc<'_>,
        service: &ServiceKey,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        let t: BTreeMap<String, Spanned<String>> = doc.decode(value)?;
        let kind = &t["type"];
        if kind.get_ref() == "bogus" {
            return Err(doc.err(&kind.span(), "check type \"bogus\""));
        }
        self.seen.push(format!(
            "{service:?} {key} {} line {}",
            kind.get_ref(),
            doc.line(&kind.span())
        ));
        Ok(())
    }
    fn destination_key(
        &mut self,
        doc: &Doc<'_>,
        _service: &ServiceKey,
        dest: &Destination,
        key: &str,
        value: Value<'_>,
    ) -> Result<(), InputError> {
        self.seen
            .push(format!("{} {key} line {}", dest.addr, doc.line(&value.span())));
        Ok(())
    }
}

const WITH_EXTENSIONS: &str = "\
[daemon]
socket = \"/run/lvsctl.sock\"

[[vrrp]]
vrid = 7

[[services]]
fwmark = 1
check = { type = \"tcp\" }

  [[services.destinations]]
  address = \"192.0.2.1\"

  [[services.destinations]]
  address = \"192.0.2.2\"
  check = { type = \"http\" }

[[vrrp]]
vrid = 8
";

#[test]
fn extensions_get_their_sections_and_keys_with_lines() {
    let mut r = Recorder::default();
    let d = parse_with("f.toml", WITH_EXTENSIONS, &mut [&mut r]).unwrap();
    assert_eq!(d.table.services.len(), 1);
    assert_eq!(d.table.services[0].dests.len(), 2);
    assert_eq!(
        r.seen,
        [
            // Keys in services as each service is built, then the
            // extensions' sections in the document's (sorted) order.
            "Fwmark { af: Inet, mark: 1 } check tcp line 9",
            "192.0.2.2 check line 16",
            "daemon line 1",
            "vrrp 7 line 4",
            "vrrp 8 line 18",
        ]
    );
    // Read by `apply`, the same file is refused at its first daemon part
    // (services' keys are read before the extensions' sections).
    assert!(
        error(WITH_EXTENSIONS)
            .to_string()
            .starts_with("f.toml:9: services.check belongs to a daemon file"),
        "{}",
        error(WITH_EXTENSIONS)
    );
    // An extension's own errors and serde's inside its section keep lines.
    let mut r = Recorder::default();
    let e = parse_with("f.toml", "[[vrrp]]\nvrid = 7\nprio = 1\n", &mut [&mut r]).unwrap_err();
    assert_eq!(e.to_string(), "f.toml:3: unknown field `prio`, expected `vrid`");
    let text = "[[services]]\nfwmark = 1\ncheck = { type = \"bogus\" }\n";
    let e = parse_with("f.toml", text, &mut [&mut r]).unwrap_err();
    assert_eq!(e.to_string(), "f.toml:3: check type \"bogus\"");
    // Keys it does not claim are still refused, and the list of sections
    // names its own.
    let e = parse_with("f.toml", "[[services]]\nfwmark = 1\nprobe = 1\n", &mut [&mut r]).unwrap_err();
    assert!(
        e.to_string().starts_with("f.toml:3: unknown field `probe`"),
        "{e}"
    );
    let e = parse_with("f.toml", "[vip]\n", &mut [&mut r]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "f.toml:1: unknown field `vip`, expected one of `timeouts`, `sysctl`, `daemons`, `services`, `vrrp`, `daemon`"
    );
}

#[test]
fn live_sysctls_diff_and_save_by_their_rules() {
    use crate::state::table::DiffOptions;
    // Everything at its default (sync_qlen_max has none) ...
    let mut live: BTreeMap<String, i64> = VS_SYSCTLS
        .iter()
        .map(|s| (s.name.to_string(), s.default.unwrap_or(31_000)))
        .collect();
    // ... is saved as the four alone.
    let saved = crate::state::apply::worth_saving(live.clone());
    assert_eq!(saved, SYSCTLS.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    // A tuned one is saved too; an automatic defence mode that the kernel
    // switched on (2) is still mode 1, the default being 0.
    live.insert("conn_reuse_mode".into(), 0);
    live.insert("drop_entry".into(), 2);
    let saved = crate::state::apply::worth_saving(live.clone());
    assert_eq!(saved.len(), SYSCTLS.len() + 2);
    assert_eq!(saved["conn_reuse_mode"], 0);

    let live = Table {
        sysctls: Some(live),
        ..Table::default()
    };
    let desired = parse("f.toml", "[sysctl]\ndrop_entry = 1\nconn_reuse_mode = 0\n")
        .unwrap()
        .table;
    assert!(live.diff(&desired, DiffOptions::default()).is_empty());
    let desired = parse("f.toml", "[sysctl]\ndrop_entry = 3\nsloppy_tcp = 1\n")
        .unwrap()
        .table;
    let plan = live.diff(&desired, DiffOptions::default());
    let rules: Vec<String> = plan
        .changes
        .iter()
        .map(|c| crate::state::rules::change_text(&c.change))
        .collect();
    assert_eq!(
        rules,
        [
            "sysctl net.ipv4.vs.drop_entry=3",
            "sysctl net.ipv4.vs.sloppy_tcp=1"
        ]
    );
}

#[test]
fn line_numbers_are_the_newlines_before_the_span_plus_one() {
    let text = "a\nbb\n\nccc\n";
    let lines = newlines(text);
    let doc = Doc {
        file: "f",
        newlines: &lines,
        base: 0,
    };
    for start in 0..=text.len() + 2 {
        let naive = text.as_bytes()[..start.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        assert_eq!(doc.line(&(start..start)), naive, "offset {start}");
    }
}

/// Texts read the same a block at a time and whole: tables, lines of
/// every service and real server, and errors (message and line).
const SPLIT_CASES: &[&str] = &[
    // Sections before, between and after the blocks; a comment and a
    // string that look like headers; an array over several lines with a
    // line that looks like a table header.
    r#"[timeouts]
tcp = 60

[[services]]   # the first
protocol = "tcp"
address = "192.0.2.1"
port = 80
scheduler = "wrr"
  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  weight = 2
# [[services]] in a comment
[[daemons]]
state = "master"
interface = "eth0"
syncid = 1

[[ services ]]
protocol = "udp"
address = "192.0.2.2"
port = 53
  [[services.destinations]]
  address = "192.0.2.12"
  port = 53

[sysctl]
sloppy_tcp = 1
"#,
    // A syntax error inside the second block, and an unknown key in one.
    r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80

[[services]]
protocol = "tcp"
address = "192.0.2.2"
port = = 80
"#,
    r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80
  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  bogus = 1
"#,
    // The same service twice, in two blocks.
    r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80

[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80
"#,
    // `services` written as a table too, and as an inline array.
    r#"[services]
x = 1

[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80
"#,
    r#"services = [ { protocol = "tcp", address = "192.0.2.1", port = 80 } ]
"#,
    // A sub-table header before any block; a string with a quote in it.
    r#"[services.destinations]
address = "192.0.2.1"
"#,
    r#"[[services]]
protocol = "tcp"
address = "192.0.2.1"
port = 80
scheduler = "wrr"  # "quoted" ] [ in a comment
"#,
];

#[test]
fn blocks_read_as_the_whole_document() {
    for text in SPLIT_CASES {
        let split = read("x.toml", text, &mut [], true);
        let whole = read("x.toml", text, &mut [], false);
        match (&split, &whole) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.table, b.table, "{text}");
                for s in &b.table.services {
                    let k = &s.service.key;
                    assert_eq!(a.source.service_line(k), b.source.service_line(k), "{text}");
                    for d in &s.dests {
                        let (addr, port) = (d.addr, d.port);
                        assert_eq!(
                            a.source.dest_line(k, addr, port),
                            b.source.dest_line(k, addr, port),
                            "{text}"
                        );
                    }
                }
                assert_eq!(a.source.has_timeouts(), b.source.has_timeouts());
                assert_eq!(a.source.has_daemons(), b.source.has_daemons());
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
            _ => panic!("split {split:?}, whole {whole:?}, for\n{text}"),
        }
    }
}

#[test]
fn blocks_are_found_only_where_a_line_scanner_is_sure() {
    let two = "[[services]]\na = 1\n[[services.destinations]]\nb = 2\n[daemon]\nc = 3\n[[services]]\nd = [\n[1],\n]\n";
    let b = service_blocks(two).unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(
        &two[b[0].clone()],
        "[[services]]\na = 1\n[[services.destinations]]\nb = 2\n"
    );
    assert_eq!(&two[b[1].clone()], "[[services]]\nd = [\n[1],\n]\n");
    // Multi-line strings, quoted header names, unclosed strings, and
    // sub-tables outside a block: the whole document.
    assert!(service_blocks("[[services]]\na = \"\"\"\n[x]\n\"\"\"\n").is_none());
    assert!(service_blocks("[[\"services\"]]\na = 1\n").is_none());
    assert!(service_blocks("[[services]]\na = \"open\n").is_none());
    assert!(service_blocks("[services.check]\n[[services]]\n").is_none());
    assert!(service_blocks("[timeouts]\ntcp = 1\n").is_none());
    // Blanked, the rest keeps its offsets.
    let rest = blank(two, &b);
    assert_eq!(rest.len(), two.len());
    assert!(rest.contains("[daemon]\nc = 3\n"));
    assert_eq!(rest.find("[daemon]"), two.find("[daemon]"));
}

#[test]
fn split_cases_are_what_they_claim() {
    let r = |i: usize| read("x.toml", SPLIT_CASES[i], &mut [], true);
    let ok = r(0).unwrap();
    assert_eq!(ok.table.services.len(), 2);
    assert_eq!(ok.table.services[1].dests.len(), 1);
    assert!(ok.source.has_timeouts() && ok.source.has_daemons());
    assert_eq!(r(1).unwrap_err().line, 9);
    assert_eq!(r(2).unwrap_err().line, 8);
    let twice = r(3).unwrap_err();
    assert_eq!((twice.line, twice.message.contains("twice")), (6, true));
    assert!(r(4).is_err() && r(6).is_err());
    assert_eq!(r(5).unwrap().table.services.len(), 1);
    assert_eq!(r(7).unwrap().table.services.len(), 1);
    // The blocks were split in the cases that can be.
    assert_eq!(service_blocks(SPLIT_CASES[0]).map(|b| b.len()), Some(2));
    assert!(service_blocks(SPLIT_CASES[5]).is_none());
}

#[test]
fn switched_off_real_servers_are_checked_and_left_out() {
    let text = "\
[[services]]
fwmark = 1

  [[services.destinations]]
  address = \"192.0.2.1\"
  enabled = false
  check = { type = \"tcp\" }

  [[services.destinations]]
  address = \"192.0.2.2\"
  enabled = true
  check = { type = \"http\" }
";
    let mut r = Recorder::default();
    let d = parse_with("f.toml", text, &mut [&mut r]).unwrap();
    let dests: Vec<_> = d.table.services[0]
        .dests
        .iter()
        .map(|d| d.addr.to_string())
        .collect();
    assert_eq!(dests, ["192.0.2.2"]);
    // Its keys still reach the extension (its check is read and checked),
    // and each the right server's.
    assert_eq!(r.seen, ["192.0.2.1 check line 7", "192.0.2.2 check line 12"]);
    // It is validated like any other: a bad value or a duplicate is an error.
    let bad = text.replace(
        "address = \"192.0.2.1\"\n  enabled = false",
        "address = \"192.0.2.1\"\n  enabled = false\n  weight = -1",
    );
    assert!(parse_with("f.toml", &bad, &mut [&mut Recorder::default()]).is_err());
    let twice = text.replace("192.0.2.2", "192.0.2.1");
    let e = parse_with("f.toml", &twice, &mut [&mut Recorder::default()]).unwrap_err();
    assert!(
        e.to_string()
            .contains("real server defined twice (first on line 4)"),
        "{e}"
    );
    let e = parse(
        "f.toml",
        "[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"192.0.2.1\"\nenabled = 0\n",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("f.toml:5:"), "{e}");
}
