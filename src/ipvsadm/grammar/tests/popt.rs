//! popt's behaviour: bundles, long options, values, `--`, repeats,
//! leftovers and the `!#:+` expansion.

use super::*;

#[test]
fn first_option_must_be_a_command() {
    assert_err("-nL", TRY_HELP, 255);
    assert_err("-t 1.2.3.4:80 -A", TRY_HELP, 255);
    assert_err("--tcp -L", TRY_HELP, 255);
    assert_err("-- -L", TRY_HELP, 255);
    assert_err("foo", TRY_HELP, 255);
    assert_err_v(&[""], TRY_HELP, 255);
    assert_err("-A=foo", TRY_HELP, 255);
    assert_err("--add-service=x -t 1.2.3.4:80", TRY_HELP, 255);
    assert_err("--set=1", TRY_HELP, 255);
    // A positional word before the command is only reported later.
    assert_err("foo -L", "unexpected argument foo", 2);
}

#[test]
fn bundles() {
    let l = list("-Ln");
    assert!(l.numeric && !l.connection);
    let l = list("-Lnc");
    assert!(l.numeric && l.connection);
    let l = list("-lnX");
    assert!(l.numeric && l.exact);
    // An option taking a value takes the rest of the bundle.
    let (_, d) = add_dest("-a -t1.2.3.4:80 -r5.6.7.8 -w3");
    assert_eq!(d.weight, 3);
    assert_eq!(add_service("-At1.2.3.4:80").key, tcp("1.2.3.4", 80));
    assert_eq!(add_service("-A -t=1.2.3.4:80").key, tcp("1.2.3.4", 80));
    // `-sp rr`: -s takes "p", "rr" is left over.
    assert_err("-A -t 1.2.3.4:80 -sp rr", "unexpected argument rr", 2);
    assert_err("-A -tn", "illegal virtual server address[:port] specified", 2);
    // popt blames the whole word.
    assert_err("-LZ", "invalid option `-LZ'", 2);
    assert_err("-LnZ", "invalid option `-LnZ'", 2);
    assert_err("-A -LnZ", "invalid option `-LnZ'", 2);
    assert_err("-Lnq", "-Lnq: unknown option", 255);
    assert_err("-L -nt", "-nt: missing argument", 255);
    assert_err("-L -n=x", "-n=x: option does not take an argument", 255);
    assert_err("-L -=x", "-=x: unknown option", 255);
    // A one-dash long name is a bundle: -l is a second command.
    assert_err("-L -list", "invalid option `-list'", 2);
}

#[test]
fn long_options() {
    assert_eq!(add_service("-A --tcp-service=1.2.3.4:80").key, tcp("1.2.3.4", 80));
    assert_eq!(add_service("-A --tcp-service 1.2.3.4:80").key, tcp("1.2.3.4", 80));
    let s = add_service("--add-service --udp-service=1.2.3.4:53 --scheduler=rr");
    assert_eq!(s.scheduler, "rr");
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: v4("1.2.3.4"),
            port: 53
        }
    );
    // No abbreviations.
    assert_err("-A --tcp 1.2.3.4:80", "--tcp: unknown option", 255);
    assert_err("-A --bogus", "--bogus: unknown option", 255);
    assert_err("-A --bogus=3", "--bogus=3: unknown option", 255);
    assert_err(
        "-L --numeric=x",
        "--numeric=x: option does not take an argument",
        255,
    );
    assert_err("-L --=x", "--=x: unknown option", 255);
    assert_err("-L ---x", "---x: unknown option", 255);
    assert_err(
        "-A -t 1.2.3.4:80 --scheduler",
        "--scheduler: missing argument",
        255,
    );
    assert_err("-A -t", "-t: missing argument", 255);
    // A second command given long, with its value consumed.
    assert_err("-L --zero", "invalid option `--zero'", 2);
    assert_err("-L --start-daemon master", "invalid option `master'", 2);
    assert_err(
        "-L --start-daemon=master",
        "invalid option `--start-daemon=master'",
        2,
    );
    assert_err("-L --start-daemon", "--start-daemon: missing argument", 255);
}

#[test]
fn double_dash_and_lone_dash() {
    assert_err("-A -t 1.2.3.4:80 -- -s", "unexpected argument -s", 2);
    assert_err("-A -t 1.2.3.4:80 -", "unexpected argument -", 2);
    // A required value may be `--` itself.
    assert_err("-A -t --", "illegal virtual server address[:port] specified", 2);
    assert_eq!(ok("-L --"), Command::List(ListOptions::default()));
}

#[test]
fn values_may_start_with_a_dash() {
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -x -1",
        "illegal u_threshold specified",
        2,
    );
    assert_err("-A -t -5", "illegal virtual server address[:port] specified", 2);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -s -x").scheduler, "-x");
}

#[test]
fn persistent_takes_an_optional_value() {
    let s = add_service("-A -t 1.2.3.4:80 -p");
    assert_eq!((s.flags.0, s.timeout), (ServiceFlags::PERSISTENT, 360));
    assert_eq!(add_service("-A -t 1.2.3.4:80 -p 600").timeout, 600);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -p600").timeout, 600);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -p=600").timeout, 600);
    assert_eq!(add_service("-A -t 1.2.3.4:80 --persistent=60").timeout, 60);
    assert_eq!(add_service("-A -t 1.2.3.4:80 --persistent 60").timeout, 60);
    // The next word is not taken when it starts with '-'.
    let s = add_service("-A -t 1.2.3.4:80 -p -s rr");
    assert_eq!((s.timeout, s.scheduler.as_str()), (360, "rr"));
    assert_eq!(add_service("-A -p -t 1.2.3.4:80").timeout, 360);
    assert_err("-A -t 1.2.3.4:80 -p -- 5", "unexpected argument 5", 2);
    assert_err("-A -t 1.2.3.4:80 -ps", "invalid timeout value `s' specified", 2);
    assert_err_v(
        &["-A", "-t", "1.2.3.4:80", "-p", ""],
        "invalid timeout value `' specified",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:80 --persistent=",
        "invalid timeout value `' specified",
        2,
    );
    assert_err("-A -t 1.2.3.4:80 -p 0", "invalid timeout value `0' specified", 2);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -p 2678400").timeout, 2678400);
    assert_err(
        "-A -t 1.2.3.4:80 -p 2678401",
        "invalid timeout value `2678401' specified",
        2,
    );
    // Port 0 is fine for persistent services.
    assert_eq!(add_service("-A -t 1.2.3.4 -p").key, tcp("1.2.3.4", 0));
}

#[test]
fn repeated_options() {
    assert_err("-L -n -n", "multiple 'numeric' options specified", 2);
    assert_err("-Lnn", "multiple 'numeric' options specified", 2);
    assert_err(
        "-A -t 1.2.3.4:80 -t 1.2.3.4:81",
        "multiple 'service-address' options specified",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:80 -f 1",
        "multiple 'service-address' options specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -m -g",
        "multiple 'forwarding-method' options specified",
        2,
    );
    // The repeat is reported before the value is looked at...
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 3 -w x",
        "multiple 'weight' options specified",
        2,
    );
    // ...but a bad first value comes first.
    assert_err(
        "-A -t bad:80 -t x",
        "illegal virtual server address[:port] specified",
        2,
    );
    // Not tracked: --sort and -6.
    assert!(parse(&words("-L --sort --sort")).is_ok());
    assert!(parse(&words("-A -f 1 -6 -6")).is_ok());
    assert_eq!(ok("-C --sort"), Command::Flush);
}

#[test]
fn leftovers() {
    assert_err("-A -t 1.2.3.4:80 extra", "unexpected argument extra", 2);
    assert_err("-A extra -t 1.2.3.4:80", "unexpected argument extra", 2);
    // Leftovers are reported before the matrix.
    assert_err("-A -t 1.2.3.4:80 -w 3 extra", "unexpected argument extra", 2);
    assert_err_v(&["-C", ""], "unexpected argument ", 2);
}

#[test]
fn popt_next_arg_expansion() {
    // `!#:+` takes the next positional word.
    assert_eq!(add_service("-A -t 1.2.3.4:80 -s rr!#:+ x").scheduler, "rrx");
    assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+!#:+ y").scheduler, "yy");
    assert_eq!(add_service("-A -t !#:+ 1.2.3.4:80").key, tcp("1.2.3.4", 80));
    // Without one the text stays (ipvsadm hangs in popt when other
    // words follow; here it simply stays).
    assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+").scheduler, "!#:+");
    assert_eq!(add_service("-A -t 1.2.3.4:80 -s !#:+ --sort").scheduler, "!#:+");
}
