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

fn check(format: Format, text: &str) -> Result<(), TestCaseError> {
    // Every odd word in a host's place would be a DNS query.
    lvsctl::ipvsadm::set_host_lookups(false);
    for node in [Node::Primary, Node::Backup] {
        let r = convert(format, "f", text, &Options { node });
        prop_assert!(
            !matches!(r, Err(ImportError::Output(_))),
            "{:?}\n{}",
            r.err(),
            text
        );
    }
    Ok(())
}

/// The sample file with one line changed: its value, its key, or the line
/// dropped, doubled or replaced by noise.
fn mutated_lines(text: &str, at: prop::sample::Index, how: u8, junk: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let i = at.index(lines.len());
    match how % 6 {
        0 => {
            if let Some((k, _)) = lines[i].split_once(" = ") {
                lines[i] = format!("{k} = {junk}");
            }
        }
        1 => {
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
        4 => lines[i] = junk.to_string(),
        _ => lines.truncate(i),
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(crate::config())]

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
