//! `-R` lines: words, comments and what only the restore stream accepts.

use super::*;

#[test]
fn restore_lines() {
    assert_eq!(parse_line(""), Ok(None));
    assert_eq!(parse_line("   \t \r"), Ok(None));
    assert_eq!(parse_line("# a comment"), Ok(None));
    assert_eq!(parse_line("   # indented comment"), Ok(None));
    assert_eq!(parse_line("ipvsadm"), Ok(None));
    assert_eq!(parse_line("-C"), Ok(Some(Command::Flush)));
    assert_eq!(parse_line("ipvsadm -C"), Ok(Some(Command::Flush)));
    assert_eq!(parse_line("-C # flush it all"), Ok(Some(Command::Flush)));
    assert_eq!(parse_line("-C #"), Ok(Some(Command::Flush)));
    assert_eq!(
        parse_line("-A\t-t  1.2.3.4:80 -s rr\r"),
        Ok(Some(Command::AddService({
            let mut s = Service::new(tcp("1.2.3.4", 80));
            s.scheduler = "rr".into();
            s
        })))
    );
    assert_eq!(
        parse_line("-a -t 1.2.3.4:80 -r 5.6.7.8:80 -m -w 1 ipvsadm"),
        Ok(Some(Command::AddDest(tcp("1.2.3.4", 80), {
            let mut d = Destination::new(v4("5.6.7.8"), 80);
            d.fwd = ForwardMethod::Masq;
            d
        })))
    );
    // A `#` inside a word is kept.
    assert_eq!(
        parse_line("-A -t 1.2.3.4:80 -s a#b").map(|c| match c {
            Some(Command::AddService(s)) => s.scheduler,
            _ => String::new(),
        }),
        Ok("a#b".to_string())
    );
    // No quoting.
    assert_eq!(
        parse_line("-A -t \"1.2.3.4:80\"").unwrap_err().message,
        "illegal virtual server address[:port] specified"
    );
    // -R inside the stream.
    assert_eq!(
        parse_line("-R"),
        Err(ParseError {
            message: TRY_HELP.into(),
            kind: ParseErrorKind::Popt
        })
    );
    assert_eq!(
        parse_line("-R -n").unwrap_err().message,
        "Illegal 'numeric' option with the 'restore' command"
    );
    assert_eq!(parse_line("-n").unwrap_err().kind, ParseErrorKind::Popt);
    assert_eq!(
        parse_line("-L -n --timeout")
            .unwrap()
            .map(|c| matches!(c, Command::List(l) if l.timeout && l.numeric)),
        Some(true)
    );
    assert_eq!(
        parse_line("-A -t").unwrap_err(),
        ParseError {
            message: "-t: missing argument".into(),
            kind: ParseErrorKind::Popt
        }
    );
    assert_eq!(parse_line("-h"), Ok(Some(Command::Help)));
    // Negative marks as ipvsadm -S writes them, only in -R input.
    assert_eq!(
        parse_line("-A -f -1 -s wlc -p 600").map(|c| match c {
            Some(Command::AddService(s)) => Some(s.key),
            _ => None,
        }),
        Ok(Some(ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: u32::MAX
        }))
    );
    assert_eq!(
        parse_line("-a -f -1294967296 -6 -r [2001:db8::21]:80 -m -w 9").map(|c| match c {
            Some(Command::AddDest(k, _)) => Some(k),
            _ => None,
        }),
        Ok(Some(ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 3_000_000_000
        }))
    );
    assert_eq!(
        parse_line("-D -f -2147483648").map(|c| c.map(|c| matches!(
            c,
            Command::DelService(ServiceKey::Fwmark { mark: 2147483648, .. })
        ))),
        Ok(Some(true))
    );
    assert_eq!(
        parse_line("-A -f -2147483649").unwrap_err().message,
        "invalid fwmark value `-2147483649' specified"
    );
    assert_eq!(
        parse_line("-A -f -0").unwrap_err().message,
        "invalid fwmark value `-0' specified"
    );
    assert_err("-A -f -1", "invalid fwmark value `-1' specified", 2);
}
