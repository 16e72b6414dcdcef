//! The ipvsadm grammar (command lines and `-R` lines) and rules files.

use proptest::prelude::*;

use lvsctl::ipvs::{DaemonState, Op};
use lvsctl::ipvsadm::rules::op_rule;
use lvsctl::ipvsadm::{parse, parse_line, parse_sched_flags as sched_flags, set_host_lookups, Command};
use lvsctl::state::rules::save;
use lvsctl::state::source::{detect, parse_rules, FileFormat};
use lvsctl::state::{ServiceSpec, Table};

use crate::model;

/// The command a `-R` line of `op` must parse to.
fn command_of(op: &Op) -> Command {
    match op.clone() {
        Op::AddService(s) => Command::AddService(s),
        Op::EditService(s) => Command::EditService(s),
        Op::DelService(k) => Command::DelService(k),
        Op::AddDest(k, d) => Command::AddDest(k, d),
        Op::EditDest(k, d) => Command::EditDest(k, d),
        Op::DelDest(k, a, p) => Command::DelDest(k, a, p),
        Op::Flush => Command::Flush,
        Op::Zero(k) => Command::Zero(k),
        Op::SetTimeouts(t) => Command::SetTimeouts(t),
        Op::StartDaemon(d) => Command::StartDaemon(d),
        Op::StopDaemon(s) => Command::StopDaemon(s),
    }
}

/// Every change lvsctl writes as a rule.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        model::service().prop_map(Op::AddService).boxed(),
        model::service().prop_map(Op::EditService).boxed(),
        model::key().prop_map(Op::DelService).boxed(),
        model::service_and_dest()
            .prop_map(|(k, d)| Op::AddDest(k, d))
            .boxed(),
        model::service_and_dest()
            .prop_map(|(k, d)| Op::EditDest(k, d))
            .boxed(),
        (model::key(), model::ip(), model::port())
            .prop_map(|(k, a, p)| Op::DelDest(k, a, p))
            .boxed(),
        Just(Op::Flush).boxed(),
        prop::option::of(model::key()).prop_map(Op::Zero).boxed(),
        model::set_timeouts().prop_map(Op::SetTimeouts).boxed(),
        model::daemon().prop_map(Op::StartDaemon).boxed(),
        prop_oneof![Just(DaemonState::Master), Just(DaemonState::Backup)]
            .prop_map(Op::StopDaemon)
            .boxed(),
    ]
}

/// Words the grammar gives meaning to, and values of every shape.
fn token() -> impl Strategy<Value = String> {
    let words = prop::sample::select(
        &[
            "-A",
            "-E",
            "-D",
            "-C",
            "-R",
            "-S",
            "-a",
            "-e",
            "-d",
            "-L",
            "-l",
            "-Z",
            "--set",
            "-h",
            "-v",
            "-t",
            "-u",
            "--sctp-service",
            "-f",
            "-s",
            "-p",
            "-M",
            "-r",
            "-g",
            "-i",
            "-m",
            "-w",
            "-x",
            "-y",
            "-c",
            "-n",
            "-6",
            "-o",
            "-b",
            "-X",
            "--pe",
            "--start-daemon",
            "--stop-daemon",
            "--mcast-interface",
            "--syncid",
            "--sync-maxlen",
            "--mcast-group",
            "--mcast-port",
            "--mcast-ttl",
            "--tun-type",
            "--tun-port",
            "--tun-nocsum",
            "--tun-csum",
            "--tun-remcsum",
            "--timeout",
            "--daemon",
            "--stats",
            "--rate",
            "--thresholds",
            "--persistent-conn",
            "--nosort",
            "--sort",
            "--exact",
            "--tun-info",
            "--",
            "-",
            "master",
            "backup",
            "ipip",
            "gue",
            "gre",
            "sh-port",
            "mh-fallback,mh-port",
            "flag-3",
            "1.2.3.4:80",
            "[::1]:80",
            "::1",
            "10.0.0.1",
            "0.0.0.0:0",
            "255.255.255.255",
            "1.2.3.4:http",
            "5",
            "-5",
            "0",
            "4294967295",
            "99999999999",
            "!#:+",
            "#",
            "ipvsadm",
            "224.0.0.81",
            "ff02::1",
        ][..],
    )
    .prop_map(String::from);
    prop_oneof![
        4 => words,
        1 => "[-=:.,#!+\\[\\]0-9a-fA-Fx]{0,12}",
        1 => any::<String>(),
        1 => (prop::sample::select(&["-t", "-r", "-p", "-M", "-s", "-w", "--pe", "--syncid"][..]), "[-=:.0-9a-z\\[\\]]{0,10}")
            .prop_map(|(o, v)| format!("{o}{v}")),
    ]
}

/// What a rules file means, read with the grammar alone (no fast
/// path): services and real servers, each once, thresholds in order.
fn grammar_only(text: &str) -> Result<Table, ()> {
    let mut table = Table::default();
    for line in text.split('\n') {
        match parse_line(line).map_err(|_| ())? {
            None => {}
            Some(Command::AddService(s)) => {
                if table.services.iter().any(|x| x.service.key == s.key) {
                    return Err(());
                }
                table.services.push(ServiceSpec {
                    service: s,
                    dests: Vec::new(),
                });
            }
            Some(Command::AddDest(k, d)) => {
                let spec = table.services.iter_mut().find(|x| x.service.key == k).ok_or(())?;
                if d.l_threshold > d.u_threshold
                    || spec.dests.iter().any(|x| (x.addr, x.port) == (d.addr, d.port))
                {
                    return Err(());
                }
                spec.dests.push(d);
            }
            Some(_) => return Err(()),
        }
    }
    Ok(table)
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_command_lines_do_not_panic(args in prop::collection::vec(any::<String>(), 0..6)) {
        set_host_lookups(false);
        let _ = parse(&args);
    }

    #[test]
    fn command_lines_of_grammar_words_do_not_panic(args in prop::collection::vec(token(), 0..10)) {
        set_host_lookups(false);
        let _ = parse(&args);
        let _ = parse_line(&args.join(" "));
    }

    #[test]
    fn arbitrary_lines_do_not_panic(line in any::<String>()) {
        set_host_lookups(false);
        let _ = parse_line(&line);
    }

    #[test]
    fn scheduler_flag_lists_do_not_panic(sched in "[a-z]{0,3}", list in "[-a-z0-9,]{0,24}") {
        let _ = sched_flags(&sched, &list);
    }

    /// A rule with one word replaced by an arbitrary one, or one word
    /// dropped: an error or a command, never a panic.
    #[test]
    fn mutated_rules_do_not_panic(
        op in op(),
        at in any::<prop::sample::Index>(),
        word in token(),
        drop in any::<bool>(),
    ) {
        set_host_lookups(false);
        let mut words: Vec<String> = op_rule(&op).split(' ').map(String::from).collect();
        let i = at.index(words.len());
        if drop {
            words.remove(i);
        } else {
            words[i] = word;
        }
        let _ = parse(&words);
        let _ = parse_line(&words.join(" "));
    }

    /// Every change written as a rule (what `diff` and `apply` print)
    /// reads back as the same command, as a `-R` line and as a command
    /// line.
    #[test]
    fn rules_read_back_as_the_same_command(op in op()) {
        set_host_lookups(false);
        let rule = op_rule(&op);
        let want = command_of(&op);
        prop_assert_eq!(parse_line(&rule), Ok(Some(want.clone())), "rule {:?}", rule);
        prop_assert_eq!(parse_line(&format!("ipvsadm {rule} # comment")), Ok(Some(want.clone())));
        let words: Vec<String> = rule.split(' ').map(String::from).collect();
        // On the command line negative marks are refused, as by ipvsadm.
        let negative_mark = words.windows(2).any(|w| w[0] == "-f" && w[1].starts_with('-'));
        if !negative_mark {
            prop_assert_eq!(parse(&words), Ok(want), "words {:?}", words);
        }
    }

    #[test]
    fn arbitrary_rules_files_do_not_panic(text in any::<String>()) {
        set_host_lookups(false);
        let _ = parse_rules("f", &text);
        let _ = detect(&text);
    }

    #[test]
    fn rules_files_of_grammar_lines_do_not_panic(
        lines in prop::collection::vec(prop::collection::vec(token(), 0..8), 0..6),
    ) {
        set_host_lookups(false);
        let text: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        let _ = parse_rules("f", &text.join("\n"));
    }

    /// `save` writes a table that reads back as the same table; the same
    /// file with CRLF line ends, tabs and comments too.
    #[test]
    fn saved_tables_read_back(services in model::services(6)) {
        set_host_lookups(false);
        let table = Table { services, ..Table::default() };
        let text = save(&table);
        prop_assert_eq!(detect(&text), FileFormat::Rules);
        let back = parse_rules("f", &text).map(|d| d.table);
        prop_assert_eq!(back.as_ref(), Ok(&table), "{}", text);
        let noisy: String = text
            .lines()
            .map(|l| format!("# a comment\n\t{}  # why\r\n", l.replace(' ', " \t")))
            .collect();
        prop_assert_eq!(parse_rules("f", &noisy).map(|d| d.table), Ok(table));
    }

    /// Lines in the plain shapes `ipvsadm -Sn` writes take a fast path in
    /// the rules reader; with numbers of any spelling it must agree with
    /// the grammar on every line, errors included.
    #[test]
    fn the_rules_fast_path_agrees_with_the_grammar(
        cmd in prop::sample::select(&["-A", "-a", "-e"][..]),
        proto in prop::sample::select(&["-t", "-u", "-f"][..]),
        vip in "(0|1|01|192|255|256)\\.(0|2|00)\\.(1|2)\\.(1|10|010)",
        vport in "(0|1|80|080|65535|65536|http)?",
        rip in "(198|1998)\\.(51|051)\\.100\\.(1|2)",
        rport in "(0|1|80|8080|65535|65536|x)?",
        fwd in prop::sample::select(&["-m", "-g", "-i", "-w", ""][..]),
        weight in "(0|1|01|65535|99999|-1|2147483647|2147483648|x)?",
        sched in prop::sample::select(&["", " -s rr", " -s mh", " -s nosuch", " -s", " -p 30"][..]),
        tail in prop::sample::select(&["", " ", "\r", " -x 5 -y 1", " # c", " -w 1"][..]),
    ) {
        set_host_lookups(false);
        let vip_port = if vport.is_empty() { vip.clone() } else { format!("{vip}:{vport}") };
        let line = if cmd == "-A" {
            format!("{cmd} {proto} {vip_port}{sched}{tail}")
        } else {
            let rip_port = if rport.is_empty() { rip } else { format!("{rip}:{rport}") };
            format!("{cmd} {proto} {vip_port} -r {rip_port} {fwd} -w {weight}{tail}")
        };
        // A real server needs its service first.
        let text = if cmd == "-A" { line } else { format!("-A {proto} {vip_port} -p 30\n{line}") };
        prop_assert_eq!(
            parse_rules("f", &text).map(|d| d.table).map_err(|_| ()),
            grammar_only(&text),
            "{:?}", text
        );
    }
}
