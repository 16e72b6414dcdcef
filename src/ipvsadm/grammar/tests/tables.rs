//! The tables: one matrix column per tracked option, commands in ipvsadm's order,
//! one definition per option.

use super::*;

#[test]
fn tables_have_one_column_per_option() {
    for row in MATRIX {
        assert_eq!(row.len(), NUMBER_OF_OPT, "{row:?}");
    }
    assert_eq!(CMD_NAMES.len(), MATRIX.len());
    for (i, name) in CMD_NAMES.iter().enumerate() {
        let cmd = [
            Cmd::Add,
            Cmd::Edit,
            Cmd::Del,
            Cmd::Flush,
            Cmd::List,
            Cmd::AddDest,
            Cmd::DelDest,
            Cmd::EditDest,
            Cmd::Timeout,
            Cmd::StartDaemon,
            Cmd::StopDaemon,
            Cmd::Restore,
            Cmd::Save,
            Cmd::Zero,
        ][i];
        assert_eq!(cmd.name(), *name);
    }
    for (i, col) in Col::ALL.iter().enumerate() {
        assert_eq!(*col as usize, i, "{col:?}");
    }
    assert_eq!(Col::TunRemcsum.name(), "tun-remcsum");
    assert_eq!(Col::Service.name(), "service-address");
    assert_eq!(Col::Forward.name(), "forwarding-method");
}

#[test]
fn one_definition_per_option() {
    // `Opt` is declared in table order: the n-th row defines the n-th
    // option, and there are as many rows as options.
    for (i, def) in DEFS.iter().enumerate() {
        assert_eq!(def.opt as usize, i, "{def:?}");
    }
    assert_eq!(DEFS.len(), Opt::TunRemcsum as usize + 1);
    // popt matches names exactly: each name once.
    for (i, def) in DEFS.iter().enumerate() {
        for other in &DEFS[i + 1..] {
            assert_ne!(def.long, other.long);
            for c in def.short {
                assert!(!other.short.contains(c), "-{c}");
            }
        }
    }
    // Every matrix column counts at least one option; commands none.
    for col in Col::ALL {
        assert!(DEFS.iter().any(|d| d.column == Some(col)), "{col:?}");
    }
    for def in DEFS.iter().filter(|d| d.section == Section::Command) {
        assert_eq!(def.column, None, "{def:?}");
    }
    let untracked: Vec<&str> = DEFS
        .iter()
        .filter(|d| d.column.is_none() && d.section != Section::Command)
        .map(|d| d.long)
        .collect();
    assert_eq!(untracked, ["sort", "ipv6"]);
}

#[test]
fn public_view_of_the_options() {
    let all: Vec<OptionInfo> = options().collect();
    assert_eq!(all.len(), 57);
    let list = all.iter().find(|o| o.long == "list").unwrap();
    assert_eq!((list.short, list.alias), (Some('L'), Some('l')));
    let p = all.iter().find(|o| o.long == "persistent").unwrap();
    assert!(p.takes_value && p.value_optional);
    let set = all.iter().find(|o| o.long == "set").unwrap();
    assert!(!set.takes_value);
    assert_eq!(set.value_name, Some("TCP TCPFIN UDP"));
    let sctp = all.iter().find(|o| o.long == "sctp-service").unwrap();
    assert_eq!(sctp.short, None);
}
