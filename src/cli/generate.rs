//! Generated documentation: man pages and shell completions rendered from
//! the clap definition. The committed copies under `man/` and
//! `completions/` are checked against these by a test.

use std::path::PathBuf;

use clap_complete::Shell;

use super::native;

/// Every generated file: its path relative to the repository and content.
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cmd = native::command();
    cmd.build();
    for (shell, name) in [
        (Shell::Bash, "lvsctl.bash"),
        (Shell::Zsh, "_lvsctl"),
        (Shell::Fish, "lvsctl.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "lvsctl", &mut buf);
        out.push((PathBuf::from("completions").join(name), buf));
    }
    out.push((PathBuf::from("man/lvsctl.8"), man_page(cmd)));
    out
}

fn man_page(cmd: clap::Command) -> Vec<u8> {
    use clap_mangen::roff::{roman, Roff};
    let man = clap_mangen::Man::new(cmd).section("8").date("2026-11-24");
    let mut buf = Vec::new();
    let _ = man.render_title(&mut buf);
    let _ = man.render_name_section(&mut buf);
    let _ = man.render_synopsis_section(&mut buf);
    let _ = man.render_description_section(&mut buf);
    let _ = man.render_options_section(&mut buf);
    let mut extra = Roff::new();
    extra.control("SH", ["IPVSADM MODE"]);
    extra.text([roman(
        "Invoked as ipvsadm (for example through a symlink), or as lvsctl with an ipvsadm \
         command option first, lvsctl accepts the command line of ipvsadm 1.31: -A -E -D -C \
         -a -e -d -L/-l -S -R -Z with -t -u --sctp-service -f -6 -s -p -M -b -o --pe -r -g -i \
         -m -w -x -y --tun-type --tun-port --tun-nocsum --tun-csum --tun-remcsum -n --nosort \
         --sort, bundled short options (-Ln), attached values and --option=value. Listings \
         (-L -n, -L -n SERVICE) and rules (-S -n) are byte-identical to ipvsadm's, including \
         its sort order. Invoked as ipvsadm without arguments, it lists the table.",
    )]);
    extra.control("PP", [] as [&str; 0]);
    extra.text([roman(
        "Deliberate differences: arguments are checked before the kernel is contacted, so \
         usage errors are reported even without IPVS; -R reads its whole input and checks \
         every line before applying any, reports a bad line as 'lvsctl: line N: message' \
         with ipvsadm's exit code and applies nothing, accepts blank lines and # comments, \
         and sends the changes in batches; a change the kernel refuses in -R makes the exit \
         code 255 even when later lines succeed.",
    )]);
    extra.control("SH", ["EXIT STATUS"]);
    extra.text([roman(
        "In ipvsadm mode the exit codes are ipvsadm's: 0 success; 1 a listing failed (for \
         example No such service); 2 the command line is invalid, or IPVS cannot be \
         initialised (no IPVS in the kernel, no CAP_NET_ADMIN); 255 the kernel refused a \
         change, or a syntax error of the popt kind (unknown option, missing argument, no \
         command first). lvsctl's own subcommands use 0 done, 1 runtime failure, 2 usage or \
         invalid input, 3 a check found a problem or changes are pending, 4 nothing answered \
         or found.",
    )]);
    extra.control("SH", ["SEE ALSO"]);
    extra.text([roman("ipvsadm(8)")]);
    let _ = extra.to_writer(&mut buf);
    let _ = man.render_version_section(&mut buf);
    buf
}
