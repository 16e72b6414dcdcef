use super::*;
use crate::state::rules::change_line;
use crate::state::source::parse;

fn table(text: &str) -> Table {
    parse("t", text).expect("valid input").table
}

fn plan_lines(live: &str, desired: &str, opts: DiffOptions) -> Vec<String> {
    let p = table(live).diff(&table(desired), opts);
    p.changes.iter().map(change_line).collect()
}

/// Applies a plan to a table the way the kernel would (new destinations
/// at the head), to check where a plan leads: on the fake kernel, which
/// also refuses what the kernel would (a destination added twice, one
/// deleted that is not there).
fn simulate(t: &Table, plan: &Plan) -> Table {
    let mut k = crate::state::fake::FakeKernel::with_table(t);
    for op in plan.ops() {
        if let Err(e) = k.execute(&op) {
            panic!("{op:?}: {e}");
        }
    }
    crate::state::read_live(&mut k, crate::state::Scope::default()).expect("the fake's table")
}

const BASE: &str = "\
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2
-a -t 192.0.2.1:80 -r 198.51.100.2:80 -m
-A -u 192.0.2.1:53 -s wlc
";

#[test]
fn equal_tables_need_nothing() {
    assert!(plan_lines(BASE, BASE, DiffOptions::default()).is_empty());
    // The kernel's HASHED flag is not a difference.
    let mut live = table(BASE);
    live.services[0].service.flags.0 |= ServiceFlags::HASHED;
    assert!(live.diff(&table(BASE), DiffOptions::default()).is_empty());
}

#[test]
fn only_the_difference_in_order_deletions_first() {
    let desired = "\
-A -t 192.0.2.1:80 -s wrr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3 -x 10 -y 2
-a -t 192.0.2.1:80 -r 198.51.100.3:80 -g
-A -t 192.0.2.9:80 -p 60
";
    assert_eq!(
        plan_lines(BASE, desired, DiffOptions::default()),
        [
            "- -D -u 192.0.2.1:53",
            "~ -E -t 192.0.2.1:80 -s wrr",
            "- -d -t 192.0.2.1:80 -r 198.51.100.2:80",
            "~ -e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3 -x 10 -y 2",
            "+ -a -t 192.0.2.1:80 -r 198.51.100.3:80 -g -w 1",
            "+ -A -t 192.0.2.9:80 -s wlc -p 60",
        ]
    );
    let no_prune = DiffOptions {
        prune: false,
        exact_order: false,
    };
    assert!(!plan_lines(BASE, desired, no_prune)
        .iter()
        .any(|l| l.contains("-D")));
}

#[test]
fn thresholds_left_out_are_reset() {
    let live = "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -x 5 -y 1\n";
    let desired = "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m\n";
    assert_eq!(
        plan_lines(live, desired, DiffOptions::default()),
        ["~ -e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1"]
    );
}

fn mh(dests: &[&str]) -> String {
    let mut s = String::from("-A -t 192.0.2.2:80 -s mh\n");
    for d in dests {
        s.push_str(&format!("-a -t 192.0.2.2:80 -r {d}:80 -m\n"));
    }
    s
}

fn order(t: &Table) -> Vec<String> {
    t.services[0].dests.iter().map(|d| d.addr.to_string()).collect()
}

#[test]
fn mh_ends_in_canonical_order_whatever_the_history() {
    let want = table(&mh(&[
        "198.51.100.3",
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.4",
    ]));
    let canonical = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"];
    // Live lists (kernel order) of various histories.
    for live in [
        vec![],
        vec!["198.51.100.4", "198.51.100.3", "198.51.100.2", "198.51.100.1"],
        vec!["198.51.100.2", "198.51.100.3", "198.51.100.4"],
        vec!["198.51.100.1", "198.51.100.3", "198.51.100.4"],
        vec![
            "198.51.100.9",
            "198.51.100.1",
            "198.51.100.2",
            "198.51.100.3",
            "198.51.100.4",
        ],
        vec!["198.51.100.3", "198.51.100.4"],
    ] {
        let live = table(&mh(&live));
        let plan = live.diff(&want, DiffOptions::default());
        let got = simulate(&live, &plan);
        assert_eq!(order(&got), canonical, "from {:?}", order(&live));
        assert!(got.diff(&want, DiffOptions::default()).is_empty());
    }
}

#[test]
fn mh_plans_are_minimal_and_warn_only_on_disorder() {
    let want = table(&mh(&["198.51.100.1", "198.51.100.2", "198.51.100.3"]));
    // Already canonical: nothing.
    let live = table(&mh(&["198.51.100.1", "198.51.100.2", "198.51.100.3"]));
    assert!(live.diff(&want, DiffOptions::default()).is_empty());
    // A missing head: one add, no warning.
    let live = table(&mh(&["198.51.100.2", "198.51.100.3"]));
    let p = live.diff(&want, DiffOptions::default());
    assert_eq!(p.changes.len(), 1);
    assert!(p.warnings.is_empty());
    // A missing middle: the head is re-added after it, no warning.
    let live = table(&mh(&["198.51.100.1", "198.51.100.3"]));
    let p = live.diff(&want, DiffOptions::default());
    assert_eq!(p.changes.len(), 3);
    assert!(p.warnings.is_empty());
    // Reversed: rebuilt with a warning.
    let live = table(&mh(&["198.51.100.3", "198.51.100.2", "198.51.100.1"]));
    let p = live.diff(&want, DiffOptions::default());
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
}

#[test]
fn exact_order_restores_any_order() {
    let before = table(
        "-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.3:80 -m\n\
         -a -t 192.0.2.1:80 -r 198.51.100.1:80 -m\n-a -t 192.0.2.1:80 -r 198.51.100.2:80 -m\n",
    );
    let now = table(
        "-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 4\n\
         -a -t 192.0.2.1:80 -r 198.51.100.9:80 -m\n-A -t 192.0.2.7:80\n",
    );
    let exact = DiffOptions {
        prune: true,
        exact_order: true,
    };
    let back = simulate(&now, &now.diff(&before, exact));
    assert_eq!(back, before);
}

#[test]
fn daemons_timeouts_sysctls() {
    let live = crate::state::config::parse("t", "[[daemons]]\nstate = \"backup\"\ninterface = \"eth0\"\n")
        .unwrap()
        .table;
    let desired = crate::state::config::parse(
        "t",
        "[timeouts]\ntcp = 60\n[sysctl]\nexpire_nodest_conn = 1\n[[daemons]]\nstate = \"master\"\ninterface = \"eth1\"\nsyncid = 3\n",
    )
    .unwrap()
    .table;
    let lines: Vec<String> = live
        .diff(&desired, DiffOptions::default())
        .changes
        .iter()
        .map(change_line)
        .collect();
    assert_eq!(
        lines,
        [
            "~ --set 60 120 300",
            "+ --start-daemon master --mcast-interface eth1 --syncid 3",
            "- --stop-daemon backup",
            "~ sysctl net.ipv4.vs.expire_nodest_conn=1",
        ]
    );
    // A running daemon with the kernel's default options matches one
    // that leaves them out.
    let mut running = desired.clone();
    if let Some(d) = running.daemons.as_mut() {
        d[0].sync_maxlen = Some(1472);
        d[0].mcast_group = Some("224.0.0.81".parse().unwrap());
        d[0].mcast_port = Some(8848);
        d[0].mcast_ttl = Some(1);
    }
    assert!(running.diff(&desired, DiffOptions::default()).is_empty());
}

#[test]
fn toml_round_trip_and_errors() {
    let text = "\
[[services]]
protocol = \"udp\"
address = \"2001:db8::1\"
port = 53
scheduler = \"sh\"
sched_flags = [\"sh-port\"]
persistent = true
timeout = 60
netmask = 64
one_packet = true

  [[services.destinations]]
  address = \"2001:db8::10\"
  forward = \"masq\"
  port = 5353
  weight = 0
  u_threshold = 9
  l_threshold = 3

  [[services.destinations]]
  address = \"192.0.2.10\"
  forward = \"tunnel\"
  tunnel = { type = \"gue\", port = 6080, csum = \"remcsum\" }

[[services]]
fwmark = 4294967295
family = \"ipv6\"
pe = \"sip\"
persistent = true
";
    let t = crate::state::config::parse("f.toml", text).unwrap().table;
    let again = crate::state::config::parse("g.toml", &crate::state::config::render(&t))
        .unwrap()
        .table;
    assert_eq!(t, again);
    let rules = super::super::rules::save(&t);
    let from_rules = table(&rules);
    assert_eq!(from_rules.services, t.services, "{rules}");

    for (bad, line, needle) in [
        ("[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.1\"\n", 1, "only for persistent"),
        ("[[services]]\nfwmark = 1\n[[services]]\nfwmark = 1\n", 3, "twice (first on line 1)"),
        ("[[services]]\nfwmark = 1\nbogus = 2\n", 3, "unknown field"),
        (
            "[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"192.0.2.1\"\nl_threshold = 3\n",
            3,
            "above u_threshold",
        ),
        ("[sysctl]\nsloppy_tcp = 2\n", 2, "0 or 1"),
        ("[sysctl]\nsloppy = 1\n", 2, "unknown sysctl"),
        ("[[daemons]]\nstate = \"master\"\ninterface = \"eth0\"\n[[daemons]]\nstate = \"master\"\ninterface = \"eth1\"\n", 4, "second master"),
        ("[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"2001:db8::1\"\n", 3, "another address family"),
        (
            "[[services]]\nfwmark = 1\n\n[[services.destinations]]\naddress = \"192.0.2.1\"\nforward = \"tunnel\"\ntunnel = { type = \"gre\", csum = \"remcsum\" }\n",
            4,
            "for gue tunnels only",
        ),
        (
            "[[services]]\nfwmark = 1\n[[services.destinations]]\naddress = \"192.0.2.1\"\nu_threshold = 2147483648\n",
            3,
            "thresholds must be 0 to 2147483647",
        ),
        ("[[services]]\nfwmark = 1\npersistent = true\ntimeout = 2678401\n", 1, "1 to 2678400 seconds"),
    ] {
        let e = crate::state::config::parse("x.toml", bad).unwrap_err();
        assert_eq!(e.line, line, "{bad}: {e}");
        assert!(e.message.contains(needle), "{bad}: {e}");
        assert!(e.to_string().starts_with(&format!("x.toml:{line}: ")), "{e}");
    }
    // ipvsadm's longest persistence (31 days) reads, as `-p 2678400` does.
    let t = crate::state::config::parse(
        "x.toml",
        "[[services]]\nfwmark = 1\npersistent = true\ntimeout = 2678400\n",
    )
    .unwrap()
    .table;
    assert_eq!(t.services[0].service.timeout, 2_678_400);
}

#[test]
fn rules_files_take_only_a_table() {
    for (bad, line, needle) in [
        (
            "-A -t 192.0.2.1:80\n\n-D -t 192.0.2.1:80\n",
            3,
            "-A and -a lines only",
        ),
        ("-a -t 192.0.2.1:80 -r 198.51.100.1\n", 1, "earlier -A"),
        (
            "-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80 -s rr\n",
            2,
            "first on line 1",
        ),
        (
            "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 198.51.100.1 -m -y 4\n",
            2,
            "lower threshold",
        ),
        ("# c\n-A -t 192.0.2.300:80\n", 2, "illegal virtual server"),
    ] {
        let e = parse("r", bad).unwrap_err();
        assert_eq!(e.line, line, "{bad}: {e}");
        assert!(e.message.contains(needle), "{bad}: {e}");
    }
    assert_eq!(
        crate::state::source::detect("\n# x\n  -A -t 1.2.3.4:80"),
        FileFormat::Rules
    );
    assert_eq!(
        crate::state::source::detect("# x\n[[services]]"),
        FileFormat::Toml
    );
}

use crate::state::FileFormat;

#[test]
fn live_services_never_carry_the_hashed_flag() {
    let t = table(BASE);
    let mut svc = t.services[0].service.clone();
    svc.flags.0 |= ServiceFlags::HASHED | ServiceFlags::PERSISTENT;
    let entry = ServiceEntry {
        service: svc,
        stats: Default::default(),
    };
    let spec = ServiceSpec::from_entries(&entry, &[]);
    assert_eq!(spec.service.flags.0, ServiceFlags::PERSISTENT);
}

#[test]
fn fast_plan_lines_equal_the_general_ones() {
    let desired = "\
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2 -x 100 -y 10
-a -t 192.0.2.1:80 -r 198.51.100.2:8080 -i -w 0 --tun-type gue --tun-port 6080 --tun-remcsum
-A -u 10.0.0.255:65535 -s wlc
-a -u 10.0.0.255:65535 -r 0.0.0.0:1 -g -w 2147483647
-a -u 10.0.0.255:65535 -r [2001:db8::1]:53 -i
-A -f 7 -s sh
-a -f 7 -r 198.51.100.4:0 -g
-A -t [2001:db8::5]:443
-a -t [2001:db8::5]:443 -r [2001:db8::6]:443 -m
";
    let live = "-A -u 10.0.0.255:65535 -s wlc\n-a -u 10.0.0.255:65535 -r 0.0.0.0:1 -g -w 3\n";
    let plan = table(live).diff(&table(desired), DiffOptions::default());
    assert!(plan.changes.len() >= 9);
    for c in &plan.changes {
        let mut fast = String::new();
        super::super::rules::push_change_line(&mut fast, c);
        assert_eq!(fast, change_line(c) + "\n");
    }
}

#[test]
fn changes_name_their_lines() {
    let text = "\
[timeouts]
tcp = 60

[sysctl]
sloppy_tcp = 1

[[daemons]]
state = \"backup\"
interface = \"eth0\"

[[services]]
fwmark = 1

[[services]]
protocol = \"tcp\"
address = \"192.0.2.1\"
port = 80

  [[services.destinations]]
  address = \"198.51.100.1\"
";
    let d = crate::state::config::parse("f", text).unwrap();
    let plan = Table {
        timeouts: Some(DEFAULT_TIMEOUTS),
        daemons: Some(vec![]),
        sysctls: Some(SYSCTLS.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
        ..Table::default()
    }
    .diff(&d.table, DiffOptions::default());
    let lines: Vec<(String, Option<usize>)> = plan
        .changes
        .iter()
        .map(|c| {
            (
                super::super::rules::change_text(&c.change),
                d.source.line_of(&c.change),
            )
        })
        .collect();
    let expect = |rule: &str, line: usize| {
        assert!(
            lines.iter().any(|(r, l)| r.starts_with(rule) && *l == Some(line)),
            "{rule} at {line}: {lines:?}"
        )
    };
    expect("-A -f 1", 11);
    expect("-A -t 192.0.2.1:80", 14);
    expect("-a -t 192.0.2.1:80 -r 198.51.100.1:80", 19);
    expect("--set 60", 1);
    expect("--start-daemon backup", 7);
    expect("sysctl net.ipv4.vs.sloppy_tcp=1", 5);
}
