//! lvsctl's TOML desired-state format.

use proptest::prelude::*;

use lvsctl::ipvsadm::set_host_lookups;
use lvsctl::state::config::{parse, render};
use lvsctl::state::rules::save;
use lvsctl::state::source::parse_rules;
use lvsctl::state::Table;

use crate::model;

/// Interface names with characters TOML must quote (the reader refuses
/// `/` and blanks, and more than 15 bytes).
fn odd_interface() -> impl Strategy<Value = String> {
    "[^/ ]{1,15}".prop_filter("at most 15 bytes", |s| s.len() <= 15)
}

/// Scheduler and engine names with every printable ASCII character
/// (quotes and backslashes included).
fn odd_name() -> impl Strategy<Value = String> {
    "[!-~]{1,15}"
}

/// A table with odd names in the places TOML quotes.
fn odd_table() -> impl Strategy<Value = Table> {
    (
        model::full_table(),
        prop::collection::vec(odd_interface(), 2),
        prop::collection::vec(odd_name(), 10),
    )
        .prop_map(|(mut t, ifaces, names)| {
            for (d, n) in t.daemons.iter_mut().flatten().zip(ifaces) {
                d.mcast_ifn = n;
            }
            let mut names = names.into_iter().cycle();
            for s in &mut t.services {
                // The named flags of sh and mh are flag-1 and flag-2 to any
                // other scheduler: the same bits.
                s.service.scheduler = names.next().unwrap_or_default();
                if s.service.pe_name.is_some() {
                    s.service.pe_name = names.next();
                }
            }
            t
        })
}

/// A table with values at and past the limits the two formats share:
/// timeouts, weights and thresholds of any size, scheduler names of 15
/// to 17 bytes.
fn wide_table() -> impl Strategy<Value = Table> {
    let big = || {
        prop_oneof![
            Just(i32::MAX as u32),
            Just(i32::MAX as u32 + 1),
            Just(u32::MAX),
            Just(2_147_484u32),
            Just(86_400 * 31),
            Just(86_400 * 31 + 1),
            any::<u32>(),
        ]
    };
    (
        model::services(4),
        prop::collection::vec((big(), big(), big(), "[a-z]{15,17}", any::<u8>()), 24),
    )
        .prop_map(|(mut services, wide)| {
            let mut wide = wide.into_iter().cycle();
            for s in &mut services {
                let Some((timeout, _, _, name, what)) = wide.next() else {
                    break;
                };
                match what % 4 {
                    0 if s.service.timeout != 0 => s.service.timeout = timeout,
                    1 => s.service.scheduler = name,
                    // Not past 15 bytes: ipvsadm's grammar keeps 16 bytes of an
                    // engine name, which the kernel cuts to 15 (and then knows
                    // no such engine); TOML refuses them.
                    2 if s.service.pe_name.is_some() => s.service.pe_name = Some(name[..15].to_string()),
                    _ => {}
                }
                for d in &mut s.dests {
                    let Some((a, b, c, _, what)) = wide.next() else {
                        break;
                    };
                    match what % 4 {
                        0 => d.weight = a,
                        1 => (d.l_threshold, d.u_threshold) = (a.min(b), a.max(b)),
                        2 => d.u_threshold = c.max(d.l_threshold),
                        _ => {}
                    }
                }
            }
            Table {
                services,
                ..Table::default()
            }
        })
}

/// Lines of a valid file with one value, key or line changed.
pub fn mutated(text: &str, at: prop::sample::Index, how: u8, junk: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let i = at.index(lines.len());
    match how % 5 {
        0 => {
            // Another value.
            if let Some((k, _)) = lines[i].split_once(" = ") {
                lines[i] = format!("{k} = {junk}");
            }
        }
        1 => {
            // Another key.
            if let Some((_, v)) = lines[i].split_once(" = ") {
                lines[i] = format!("{junk} = {v}");
            }
        }
        2 => {
            lines.remove(i);
        }
        3 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        _ => lines[i] = junk.to_string(),
    }
    lines.join("\n")
}

pub fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "0",
                "-1",
                "1",
                "2",
                "128",
                "129",
                "65536",
                "4294967296",
                "9223372036854775807",
                "1e3",
                "true",
                "\"\"",
                "\"tcp\"",
                "\"udp\"",
                "\"fwmark\"",
                "\"masq\"",
                "\"tunnel\"",
                "\"gue\"",
                "\"csum\"",
                "\"master\"",
                "\"backup\"",
                "\"ipv6\"",
                "\"::1\"",
                "\"10.0.0.1\"",
                "\"255.255.255.0\"",
                "[\"mh-port\"]",
                "[\"sh-port\", \"flag-3\"]",
                "{ type = \"gue\" }",
                "{ type = \"gue\", port = 0 }",
                "{ type = \"gre\", port = 6080 }",
                "[]",
                "{}",
                "[[services]]",
                "[sysctl]",
                "[timeouts]",
                "[[services.destinations]]",
                "[[daemons]]",
                "fwmark",
                "tunnel",
                "netmask",
                "persistent",
                "one_packet",
                "pe",
                "u_threshold",
                "sched_flags",
                "\"\\u0000\"",
            ][..],
        )
        .prop_map(String::from),
        "[ -~]{0,16}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_text_does_not_panic(text in any::<String>()) {
        let _ = parse("f.toml", &text);
        set_host_lookups(false);
        let _ = lvsctl::state::parse("f", &text);
    }

    #[test]
    fn mutated_files_do_not_panic(
        table in model::full_table(),
        at in any::<prop::sample::Index>(),
        how in any::<u8>(),
        junk in junk(),
    ) {
        let _ = parse("f.toml", &mutated(&render(&table), at, how, &junk));
    }

    /// `render` writes a table that reads back as the same table.
    #[test]
    fn rendered_tables_read_back(table in model::full_table()) {
        let text = render(&table);
        let back = parse("f.toml", &text).map(|d| d.table);
        prop_assert_eq!(back.as_ref(), Ok(&table), "{}", text);
        prop_assert_eq!(lvsctl::state::parse("f", &text).map(|d| d.table), Ok(table));
    }

    /// The same with names that need quoting.
    #[test]
    fn rendered_odd_names_read_back(table in odd_table()) {
        let text = render(&table);
        prop_assert_eq!(parse("f.toml", &text).map(|d| d.table), Ok(table), "{}", text);
    }

    /// A table read from TOML and saved as rules reads back with the same
    /// services, and the other way round.
    #[test]
    fn the_two_formats_agree(table in model::full_table()) {
        set_host_lookups(false);
        let services = Table { services: table.services.clone(), ..Table::default() };
        let from_toml = parse("f.toml", &render(&table)).map(|d| d.table.services);
        prop_assert_eq!(from_toml.as_ref(), Ok(&table.services));
        let from_rules = parse_rules("f", &save(&services)).map(|d| d.table.services);
        prop_assert_eq!(from_rules, Ok(table.services));
    }

    /// What the TOML reader takes, saved as rules, the rules reader takes
    /// too, and the other way round.
    #[test]
    fn the_two_formats_take_the_same_tables(table in wide_table()) {
        set_host_lookups(false);
        let rules = save(&table);
        let toml = render(&table);
        if let Ok(d) = parse("f.toml", &toml) {
            let back = parse_rules("f", &save(&d.table)).map(|r| r.table.services);
            prop_assert_eq!(back, Ok(d.table.services), "TOML {}", toml);
        }
        if let Ok(d) = parse_rules("f", &rules) {
            let back = parse("f.toml", &render(&d.table)).map(|r| r.table.services);
            prop_assert_eq!(back, Ok(d.table.services), "rules {}", rules);
        }
    }
}
