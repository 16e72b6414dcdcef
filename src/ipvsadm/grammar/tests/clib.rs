//! The C library look-alikes.

use super::*;

#[test]
fn c_number_parsing() {
    assert_eq!(string_to_number("5", 0, 10), Some(5));
    assert_eq!(string_to_number(" \t+5", 0, 10), Some(5));
    assert_eq!(string_to_number("-0", 0, 10), Some(0));
    assert_eq!(string_to_number("5 ", 0, 10), None);
    assert_eq!(string_to_number("", 0, 10), None);
    assert_eq!(string_to_number("+", 0, 10), None);
    assert_eq!(string_to_number("0x5", 0, 10), None);
    assert_eq!(string_to_number("11", 0, 10), None);
    assert_eq!(string_to_number("9223372036854775808", 0, i64::MAX), None);
    assert_eq!(atoi("12abc"), 12);
    assert_eq!(atoi("abc"), 0);
    assert_eq!(atoi("-3"), -3);
    assert_eq!(atoi("99999999999999999999"), -1);
    assert_eq!(atoi("4294967297"), 1);
}

#[test]
fn c_address_parsing() {
    let a = |s: &str| inet_aton(s).map(|a| a.to_string());
    assert_eq!(a("1.2.3.4").as_deref(), Some("1.2.3.4"));
    assert_eq!(a("1").as_deref(), Some("0.0.0.1"));
    assert_eq!(a("1.2").as_deref(), Some("1.0.0.2"));
    assert_eq!(a("1.2.3").as_deref(), Some("1.2.0.3"));
    assert_eq!(a("0x7f.0.0.1").as_deref(), Some("127.0.0.1"));
    assert_eq!(a("0X7F.1").as_deref(), Some("127.0.0.1"));
    assert_eq!(a("010.0.0.1").as_deref(), Some("8.0.0.1"));
    assert_eq!(a("0").as_deref(), Some("0.0.0.0"));
    assert_eq!(a("1.2.3.4\tx").as_deref(), Some("1.2.3.4"));
    for bad in [
        "",
        "x",
        "1.",
        ".1",
        "1..2",
        "08",
        "0x",
        "0xg",
        "256.1.1.1",
        "1.256.1.1",
        "1.2.65536",
        "1.16777216",
        "4294967296",
        "1.2.3.4.5",
        "+1",
        " 1",
        "1x",
        "99999999999999999999999",
    ] {
        assert_eq!(inet_aton(bad), None, "{bad:?}");
    }
    let p6 = |s: &str| inet_pton6(s).map(|a| a.to_string());
    assert_eq!(p6("::").as_deref(), Some("::"));
    assert_eq!(p6("::1").as_deref(), Some("::1"));
    assert_eq!(p6("1::").as_deref(), Some("1::"));
    assert_eq!(p6("1:2:3:4:5:6:7:8").as_deref(), Some("1:2:3:4:5:6:7:8"));
    assert_eq!(p6("::1.2.3.4").as_deref(), Some("::102:304"));
    assert_eq!(p6("1:2:3:4:5:6:1.2.3.4").as_deref(), Some("1:2:3:4:5:6:102:304"));
    for bad in [
        "",
        ":",
        ":1",
        "1:",
        ":::",
        "1::2::3",
        "12345::",
        "1:2:3:4:5:6:7:8:9",
        "1::2:3:4:5:6:7:8",
        "::1.2.3",
        "::1.2.3.04",
        "1:2:3:4:5:6:7:1.2.3.4",
        "g::",
        "::1 ",
        "[::1]",
    ] {
        assert_eq!(inet_pton6(bad), None, "{bad:?}");
    }
    assert_eq!(inet_pton4(b"224.0.0.1"), Some(Ipv4Addr::new(224, 0, 0, 1)));
    for bad in ["1.2.3", "01.2.3.4", "1.2.3.4.", "256.0.0.0", "1.2.3.4.5", ""] {
        assert_eq!(inet_pton4(bad.as_bytes()), None, "{bad:?}");
    }
}
