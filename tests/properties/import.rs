//! `lvsctl import`: other tools' files.
//!
//! Besides "never panics", one property that is worth more: whatever a
//! reader accepts converts to a file the daemon loads. `convert` reads
//! its own output back with the daemon's parser and says
//! `ImportError::Output` when that fails, so that error is a converter
//! bug, never an answer for any input.

use proptest::prelude::*;

use lvsctl::import::{convert, Format, ImportError, Node, Options};

const LVS_CF: &str = include_str!("../import/lvs.cf");
const LDIRECTORD: &str = include_str!("../import/ldirectord.cf");
/// The keepalived sample with its included file after it (includes are
/// not read here).
const KEEPALIVED: &str = concat!(
    include_str!("../import/keepalived.conf"),
    include_str!("../import/keepalived.d/10-ipv6.conf")
);

fn check(format: Format, text: &str) -> Result<(), TestCaseError> {
    // Every odd word in a host's place would be a DNS query.
    lvsctl::ipvsadm::set_host_lookups(false);
    for node in [Node::Primary, Node::Backup] {
        let r = convert(
            format,
            "f",
            text,
            &Options {
                node,
                read_includes: false,
            },
        );
        prop_assert!(
            !matches!(r, Err(ImportError::Output(_))),
            "{:?}\n{}",
            r.err(),
            text
        );
    }
    Ok(())
}

/// The sample file with one line changed (its value, its key, or the
/// line dropped, doubled or replaced by noise: the TOML properties'
/// mutation), or cut there.
fn mutated_lines(text: &str, at: prop::sample::Index, how: u8, junk: &str) -> String {
    if how % 6 == 5 {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.truncate(at.index(lines.len()));
        return lines.join("\n");
    }
    crate::toml::mutated(text, at, how % 6, junk)
}

/// keepalived.conf with one line changed: a word of it replaced, the
/// line dropped, doubled, replaced by noise, or the file cut there.
fn mutated_words(
    text: &str,
    at: prop::sample::Index,
    word: prop::sample::Index,
    how: u8,
    junk: &str,
) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let i = at.index(lines.len());
    match how % 5 {
        0 => {
            let indent: String = lines[i].chars().take_while(|c| c.is_whitespace()).collect();
            let mut w: Vec<String> = lines[i].split_whitespace().map(String::from).collect();
            if !w.is_empty() {
                let k = word.index(w.len());
                w[k] = junk.to_string();
                lines[i] = format!("{indent}{}", w.join(" "));
            }
        }
        1 => {
            lines.remove(i);
        }
        2 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        3 => lines[i] = junk.to_string(),
        _ => lines.truncate(i),
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_text_converts_or_is_refused_as_keepalived_conf(text in any::<String>()) {
        check(Format::Keepalived, &text)?;
    }

    #[test]
    fn mutated_keepalived_conf_converts_or_is_refused(
        at in any::<prop::sample::Index>(),
        word in any::<prop::sample::Index>(),
        how in any::<u8>(),
        junk in prop_oneof![
            crate::toml::junk(),
            Just("{".to_string()),
            Just("}".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[0-9]{1,3}\\.[0-9]{1,4}",
            "[0-9a-fA-FxX ]{0,12}",
        ],
    ) {
        check(Format::Keepalived, &mutated_words(KEEPALIVED, at, word, how, &junk))?;
    }

    #[test]
    fn arbitrary_text_converts_or_is_refused_as_ldirectord_cf(text in any::<String>()) {
        check(Format::Ldirectord, &text)?;
    }

    #[test]
    fn mutated_ldirectord_cf_converts_or_is_refused(
        at in any::<prop::sample::Index>(),
        word in any::<prop::sample::Index>(),
        how in any::<u8>(),
        junk in prop_oneof![
            crate::toml::junk(),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-z]{1,8}=[0-9a-z:.>-]{0,20}",
            "\t[a-z]{1,8}=[0-9a-z:.>\" -]{0,24}",
            "(192\\.0\\.2\\.[0-9]{1,3}|\\[2001:db8::[0-9]{1,2}\\])(->192\\.0\\.2\\.[0-9]{1,3})?(:[0-9]{1,5})?",
        ],
    ) {
        check(Format::Ldirectord, &mutated_words(LDIRECTORD, at, word, how, &junk))?;
    }

    #[test]
    fn ldirectord_cf_cut_anywhere_converts_or_is_refused(at in any::<prop::sample::Index>()) {
        let cut = at.index(LDIRECTORD.len());
        check(Format::Ldirectord, &LDIRECTORD[..cut])?;
    }

    #[test]
    fn keepalived_conf_cut_anywhere_converts_or_is_refused(at in any::<prop::sample::Index>()) {
        let cut = at.index(KEEPALIVED.len());
        check(Format::Keepalived, &KEEPALIVED[..cut])?;
    }

    #[test]
    fn arbitrary_text_converts_or_is_refused(text in any::<String>()) {
        check(Format::Piranha, &text)?;
    }

    #[test]
    fn mutated_lvs_cf_converts_or_is_refused(
        at in any::<prop::sample::Index>(),
        how in any::<u8>(),
        junk in crate::toml::junk(),
    ) {
        check(Format::Piranha, &mutated_lines(LVS_CF, at, how, &junk))?;
    }

    #[test]
    fn lvs_cf_cut_anywhere_converts_or_is_refused(at in any::<prop::sample::Index>()) {
        let cut = at.index(LVS_CF.len());
        check(Format::Piranha, &LVS_CF[..cut])?;
    }

    /// Keys that take numbers, with numbers of every kind.
    #[test]
    fn any_number_anywhere_converts_or_is_refused(
        at in any::<prop::sample::Index>(),
        n in prop_oneof![any::<i64>().prop_map(|n| n.to_string()), "0x[0-9a-f]{1,12}", "0[0-7]{1,12}"],
    ) {
        check(Format::Piranha, &mutated_lines(LVS_CF, at, 0, &n))?;
    }
}
