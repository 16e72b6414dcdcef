//! Generated documentation: man pages and shell completions rendered from
//! the clap definition. The committed copies under `man/` and
//! `completions/` are checked against these by a test
//! (`tests/generated.rs`).
//!
//! Completions and the main man page use [`documented_command`]: lvsctl's
//! clap definition plus the options of the ipvsadm grammar, which lvsctl
//! parses by hand (see [`super::ipvsadm`]) but which users type and should
//! find in completions and in the manual. Their names, values and help
//! come from the grammar's option definitions
//! ([`crate::ipvsadm::options`]), the same that `-h` in ipvsadm mode
//! prints.

use std::path::PathBuf;

use clap::{Arg, ArgAction};
use clap_complete::Shell;

use super::native;

/// Schedulers the kernel ships (offered by completion for `-s`).
pub const SCHEDULERS: &[&str] = &crate::ipvs::names::SCHEDULERS;

/// The name clap shows for an option's value: the definition's, without
/// an optional `[:PORT]` tail (zsh's completion spec cannot hold a colon
/// there; the help text names the port).
fn clap_value_name(name: &'static str) -> &'static str {
    name.split_once("[:").map_or(name, |(head, _)| head)
}

fn values_of(long: &str) -> Option<&'static [&'static str]> {
    match long {
        "scheduler" => Some(SCHEDULERS),
        "tun-type" => Some(&["ipip", "gue", "gre"]),
        "start-daemon" | "stop-daemon" => Some(&["master", "backup"]),
        "pe" => Some(&["sip"]),
        "sched-flags" => Some(&[
            "flag-1",
            "flag-2",
            "flag-3",
            "sh-fallback",
            "sh-port",
            "mh-fallback",
            "mh-port",
            "sh-fallback,sh-port",
            "mh-fallback,mh-port",
        ]),
        _ => None,
    }
}

/// lvsctl's clap definition plus the ipvsadm grammar's options, for
/// completions and the manual (not for parsing).
pub fn documented_command() -> clap::Command {
    let mut cmd = native::command().args_conflicts_with_subcommands(true);
    for o in crate::ipvsadm::options() {
        // clap has its own -h/--help and -V/--version.
        if matches!(o.long, "help" | "version") {
            continue;
        }
        let mut a = Arg::new(o.long).long(o.long).help(format!("ipvsadm: {}", o.help));
        if let Some(c) = o.short {
            a = a.short(c);
        }
        if let Some(c) = o.alias {
            a = a.visible_short_alias(c);
        }
        if o.takes_value {
            a = a
                .action(ArgAction::Set)
                .num_args(if o.value_optional { 0..=1 } else { 1..=1 });
            if let Some(v) = values_of(o.long) {
                a = a.value_parser(clap::builder::PossibleValuesParser::new(v.iter().copied()));
            }
            if let Some(v) = o.value_name {
                a = a.value_name(clap_value_name(v));
            }
        } else {
            a = a.action(ArgAction::SetTrue);
        }
        // `--set` takes no value of its own but three operands; clap can
        // only document them as its values.
        if let (false, Some(operands)) = (o.takes_value, o.value_name) {
            let names: Vec<&str> = operands.split(' ').collect();
            a = a.action(ArgAction::Set).num_args(names.len()).value_names(names);
        }
        cmd = cmd.arg(a);
    }
    cmd
}

/// Bash: after clap's function, a wrapper that offers the live table's
/// services after `-t`, `-u`, `--sctp-service` and `-f` (read with
/// `lvsctl -Sn`, which needs privileges; nothing is offered without).
const BASH_SERVICES: &str = r#"
# lvsctl: complete existing services after the service options.
_lvsctl_services() {
    local opt=$1
    lvsctl -Sn 2>/dev/null | while read -r cmd kind svc rest; do
        [ "$cmd" = "-A" ] || continue
        case "$opt:$kind" in
            -t:-t|--tcp-service:-t|-u:-u|--udp-service:-u|--sctp-service:--sctp-service|-f:-f|--fwmark-service:-f)
                printf '%s\n' "$svc" ;;
        esac
    done
}
_lvsctl_complete() {
    local cur prev
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    case "$prev" in
        -t|--tcp-service|-u|--udp-service|--sctp-service|-f|--fwmark-service)
            COMPREPLY=( $(compgen -W "$(_lvsctl_services "$prev")" -- "$cur") )
            return 0 ;;
    esac
    _lvsctl "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _lvsctl_complete -o nosort -o bashdefault -o default lvsctl
else
    complete -F _lvsctl_complete -o bashdefault -o default lvsctl
fi
"#;

/// Every generated file: its path relative to the repository and content.
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cmd = documented_command();
    cmd.build();
    for (shell, name) in [
        (Shell::Bash, "lvsctl.bash"),
        (Shell::Zsh, "_lvsctl"),
        (Shell::Fish, "lvsctl.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "lvsctl", &mut buf);
        if shell == Shell::Bash {
            buf.extend_from_slice(BASH_SERVICES.as_bytes());
        }
        out.push((PathBuf::from("completions").join(name), buf));
    }
    out.push((PathBuf::from("man/lvsctl.8"), main_page(cmd.clone())));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("lvsctl-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).display_name(name.clone());
        out.push((PathBuf::from(format!("man/{name}.8")), sub_page(page)));
        for nested in sub.get_subcommands().filter(|s| s.get_name() != "help") {
            let nname = format!("{name}-{}", nested.get_name());
            let npage = nested.clone().name(nname.clone()).display_name(nname.clone());
            out.push((PathBuf::from(format!("man/{nname}.8")), nested_page(npage, &name)));
        }
    }
    out
}

/// Title, name, synopsis, description and options: how every page starts.
fn page_head(man: &clap_mangen::Man, buf: &mut Vec<u8>) {
    let _ = man.render_title(buf);
    let _ = man.render_name_section(buf);
    let _ = man.render_synopsis_section(buf);
    let _ = man.render_description_section(buf);
    let _ = man.render_options_section(buf);
}

const DATE: &str = "2026-11-24";

fn exit_status_section() -> clap_mangen::roff::Roff {
    use clap_mangen::roff::{roman, Roff};
    let mut r = Roff::new();
    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(
        "lvsctl's own subcommands: 0 done, healthy or nothing to change; 1 runtime failure (the \
         kernel refused, no IPVS in the kernel, no CAP_NET_ADMIN, I/O error); 2 usage \
         or invalid input (including an unknown --netns name); 3 a check found a problem or \
         changes are pending; 4 nothing answered or found (for example no such service). In \
         ipvsadm mode the exit codes are ipvsadm's: 0 success; 1 a listing failed; 2 the \
         command line is invalid, or IPVS cannot be initialised; 255 the kernel refused a \
         change, or a syntax error of the popt kind (unknown option, missing argument, no \
         command first).",
    )]);
    r
}

fn main_page(cmd: clap::Command) -> Vec<u8> {
    use clap_mangen::roff::{roman, Roff};
    let man = clap_mangen::Man::new(cmd).section("8").date(DATE);
    let mut buf = Vec::new();
    page_head(&man, &mut buf);
    let _ = man.render_subcommands_section(&mut buf);
    let mut extra = Roff::new();
    extra.control("SH", ["IPVSADM MODE"]);
    extra.text([roman(
        "Invoked as ipvsadm (for example through a symlink), or as lvsctl with an ipvsadm \
         command option first, lvsctl accepts the command line of ipvsadm 1.31 (the options \
         marked ipvsadm above), with bundled short options (-Ln), attached values and \
         --option=value. Listings, rules, statistics and the connection table print \
         byte-identically to ipvsadm's, including its sort order. Invoked as ipvsadm without \
         arguments, it lists the table. --netns NAME may come before the command.",
    )]);
    extra.control("PP", [] as [&str; 0]);
    extra.text([roman(
        "Deliberate differences: arguments are checked before the kernel is contacted, so \
         usage errors are reported even without IPVS; -R reads its whole input and checks \
         every line before applying any, reports a bad line as 'lvsctl: line N: message' \
         with ipvsadm's exit code and applies nothing, accepts blank lines, # comments and \
         the negative firewall marks ipvsadm -S writes, and sends the changes in batches; a \
         change the kernel refuses in -R makes the exit code 255 even when later lines \
         succeed.",
    )]);
    let _ = extra.to_writer(&mut buf);
    let _ = exit_status_section().to_writer(&mut buf);
    let mut also = Roff::new();
    also.control("SH", ["SEE ALSO"]);
    also.text([roman(
        "lvsctl-list(8), lvsctl-stats(8), lvsctl-rate(8), lvsctl-conns(8), lvsctl-timeouts(8), lvsctl-rs(8), \
         lvsctl-daemons(8), ipvsadm(8)",
    )]);
    let _ = also.to_writer(&mut buf);
    let _ = man.render_version_section(&mut buf);
    buf
}

const RS_TEXT: &str = "lvsctl rs up hides the VIP of an LVS-DR or LVS-TUN real server from ARP, in \
     the order that avoids the race the LVS-HOWTO describes: for TUN it first makes sure the \
     tunnel device exists and is up (tunl0 for ipip, a fou port plus tunl0 for gue, gre0 for \
     gre) and relaxes rp_filter on all and on that device where it is strict (1); then it sets \
     net.ipv4.conf.all.arp_ignore=1 and arp_announce=2 (the kernel uses the larger of all and \
     the receiving interface, so all covers every interface; an interface whose own value \
     would still break the cure is fixed too), and only then adds each VIP as a /32 (/128) \
     host address without a prefix route on lo, on a dummy device (--dev, created when \
     missing) or on the tunnel device. Values that are already stricter and still correct \
     (arp_ignore 2 or 8, rp_filter 2) are kept. Running it again changes nothing. What it \
     changed is recorded under /run/lvsctl, one file per network namespace; rs down removes \
     the VIPs it added and, when the last one goes, restores every sysctl to its value \
     before the first rs up and removes the devices and ports it created. A failing rs up \
     undoes what it had done. rs status reports, for every VIP recorded or found on lo, \
     dummy and tunnel devices, whether this host would answer ARP for it and why: \
     arp_ignore or arp_announce wrong on all (also when set only on lo or one interface), an \
     interface value that overrides all, a prefix wider than /32 (/128), and for TUN a \
     missing or down tunnel device or a strict rp_filter. IPv6 needs no sysctl (neighbour \
     discovery answers only for addresses on the receiving interface). The fou module \
     cannot be loaded by the kernel on demand; for gue lvsctl runs modprobe fou once when it \
     is missing. rs status exits 0 when the cure is complete, 3 when it is not, 4 when no \
     VIP is found.";

fn nested_page(cmd: clap::Command, parent: &str) -> Vec<u8> {
    use clap_mangen::roff::{roman, Roff};
    let man = clap_mangen::Man::new(cmd).section("8").date(DATE);
    let mut buf = Vec::new();
    page_head(&man, &mut buf);
    let _ = exit_status_section().to_writer(&mut buf);
    let mut also = Roff::new();
    also.control("SH", ["SEE ALSO"]);
    also.text([roman(format!("{parent}(8), lvsctl(8)"))]);
    let _ = also.to_writer(&mut buf);
    buf
}

const VIP_ARP_TEXT: &str = "lvsctl vip add puts an address on the director's client-facing device over \
     rtnetlink (IPv6 without duplicate address detection; adding an address that is already \
     there is not an error) and then announces it with gratuitous ARP, so that routers and \
     clients replace the old MAC in their caches at once: by default 5 requests 1 second apart \
     (--garp-count, --garp-interval), and the command returns after the whole burst. The \
     request form is a broadcast ARP request with sender IP = target IP = the VIP, sender MAC \
     the device's and target MAC zero; the reply form (--garp-form reply) has \
     opcode 2 and target MAC = sender MAC, as arping -A (Linux accepts only that as a gratuitous reply). lvsctl arp announce sends the same burst \
     for an address already configured. lvsctl arp probe broadcasts ARP requests for an \
     address every --interval (200 ms) for the whole --timeout (2 s), never switching to \
     unicast after the first reply, and lists every distinct MAC that answered with the \
     interface and the time of its first reply; a host cannot hear its own answer, so when \
     the address is local the output says so and the host counts as one answerer. Exit \
     codes of probe: 0 exactly one host answers, 3 several answer (the LVS ARP problem), 4 \
     nobody answers. Errors: 2 for an unknown interface or an address outside the \
     interface's subnets, 1 for a down interface or without CAP_NET_RAW / CAP_NET_ADMIN. \
     For IPv6 the same commands use unsolicited neighbour advertisements (override flag, \
     to all-nodes, hop limit 255) and neighbour solicitations.";

fn sub_page(cmd: clap::Command) -> Vec<u8> {
    use clap_mangen::roff::{roman, Roff};
    let group_text = match cmd.get_name() {
        "lvsctl-rs" => Some(RS_TEXT),
        "lvsctl-vip" | "lvsctl-arp" => Some(VIP_ARP_TEXT),
        _ => None,
    };
    let is_group = group_text.is_some();
    let man = clap_mangen::Man::new(cmd).section("8").date(DATE);
    let mut buf = Vec::new();
    page_head(&man, &mut buf);
    if is_group {
        let _ = man.render_subcommands_section(&mut buf);
        let mut r = Roff::new();
        r.control("SH", ["HOW IT WORKS"]);
        r.text([roman(group_text.unwrap_or_default())]);
        let _ = r.to_writer(&mut buf);
        let _ = exit_status_section().to_writer(&mut buf);
        let mut also = Roff::new();
        also.control("SH", ["SEE ALSO"]);
        also.text([roman(
            "lvsctl(8), lvsctl-rs(8), lvsctl-vip(8), lvsctl-arp(8), ip-address(8), ip-fou(8)",
        )]);
        let _ = also.to_writer(&mut buf);
        return buf;
    }
    let mut extra = Roff::new();
    extra.control("SH", ["OUTPUT"]);
    extra.text([roman(
        "--output text prints aligned columns; --output table the same with borders; --output \
         json one document of lvsctl's schema version 1: an object with \"schema\": 1 and the \
         keys this command reads (\"services\", \"connections\", \"timeouts\" or \"daemons\"). \
         Services carry family, protocol, address, port, fwmark, scheduler, sched_flags, \
         persistent, timeout, netmask, one_packet, pe, stats and destinations; destinations \
         carry family, address, port, forward, weight, u_threshold, l_threshold, tunnel, \
         active_conns, inactive_conns, persistent_conns and stats. Counters are exact 64-bit \
         integers and addresses are strings. The README describes every field.",
    )]);
    let _ = extra.to_writer(&mut buf);
    let _ = exit_status_section().to_writer(&mut buf);
    let mut also = Roff::new();
    also.control("SH", ["SEE ALSO"]);
    also.text([roman("lvsctl(8)")]);
    let _ = also.to_writer(&mut buf);
    buf
}
