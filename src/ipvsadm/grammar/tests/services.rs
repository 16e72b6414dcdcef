//! Services and addresses: `host[:port]`, IPv6, port names, firewall
//! marks, netmasks, schedulers and their flags.

use super::*;

#[test]
fn service_addresses() {
    assert_eq!(add_service("-A -t 123:80").key, tcp("0.0.0.123", 80));
    assert_eq!(add_service("-A -t 10.1:80").key, tcp("10.0.0.1", 80));
    assert_eq!(add_service("-A -t 0x7f.1:80").key, tcp("127.0.0.1", 80));
    assert_eq!(add_service("-A -t 017.0.0.1:80").key, tcp("15.0.0.1", 80));
    assert_eq!(add_service("-A -t 4294967295:80").key, tcp("255.255.255.255", 80));
    assert_eq!(add_service("-A -t 1.2.3.4:+80").key, tcp("1.2.3.4", 80));
    assert_eq!(add_service("-A -t localhost:80").key, tcp("127.0.0.1", 80));
    // inet_aton ignores anything after a blank.
    assert_eq!(
        add_service_v(&["-A", "-t", "1.2.3.4 junk:80"]).key,
        tcp("1.2.3.4", 80)
    );
    for bad in [
        "80",
        "",
        ":80",
        "1.2.3.4:",
        "08.0.0.1:80",
        "1.2.3.256:80",
        "4294967296:80",
        "1.2.3.4:65536",
        "1.2.3.4:99999999999999999999",
        "99999999999999999999999",
        "[",
        "[::1",
        "[::1]",
        "[::1]80",
        "[::1]:",
        "[1::2::3]:1",
        "[00001::]:1",
        "[1::2:3:4:5:6:7:8]:8",
        "1.2.3.4:80 ",
    ] {
        assert_err_v(
            &["-A", "-t", bad],
            "illegal virtual server address[:port] specified",
            2,
        );
    }
}

#[test]
fn ipv6_services() {
    let s = add_service("-A -t [::1]:80");
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v6("::1"),
            port: 80
        }
    );
    assert_eq!(s.netmask, 128);
    // A whole-string IPv6 address has no port.
    assert_err(
        "-A -t ::1:80",
        "Zero port specified for non-persistent service",
        2,
    );
    let s = add_service("-A -t ::1:80 -p");
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v6("::1:80"),
            port: 0
        }
    );
    let s = add_service("-A -t [1:2:3:4:5:6:7::]:8");
    assert_eq!(s.key.af(), AddressFamily::Inet6);
    let s = add_service("-A -t [::1.2.3.4]:9");
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v6("::1.2.3.4"),
            port: 9
        }
    );
    // Brackets around a non-IPv6 address: the port after them is lost.
    assert_err(
        "-A -t [1.2.3.4]:80",
        "Zero port specified for non-persistent service",
        2,
    );
    assert_eq!(add_service("-A -t [1.2.3.4:5]:80").key, tcp("1.2.3.4", 5));
}

#[test]
fn port_names() {
    // Whatever the services database says, parse agrees with it.
    match service_to_port("http", Some(Protocol::Tcp)) {
        Some(port) => {
            assert_eq!(port, 80);
            assert_eq!(add_service("-A -t 1.2.3.4:http").key, tcp("1.2.3.4", port));
            let (_, d) = add_dest("-a -t 1.2.3.4:http -r 5.6.7.8:http -m");
            assert_eq!(d.port, 80);
        }
        None => assert_err(
            "-A -t 1.2.3.4:http",
            "illegal virtual server address[:port] specified",
            2,
        ),
    }
    match service_to_port("domain", Some(Protocol::Udp)) {
        Some(port) => assert_eq!(
            add_service("-A -u 1.2.3.4:domain").key,
            ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: v4("1.2.3.4"),
                port
            }
        ),
        None => assert_err(
            "-A -u 1.2.3.4:domain",
            "illegal virtual server address[:port] specified",
            2,
        ),
    }
    assert_eq!(service_to_port("no-such-service-name", Some(Protocol::Tcp)), None);
    assert_eq!(service_to_port("http", None), None);
    // -r before -t: no protocol yet, so no port names.
    assert_err(
        "-a -r 1.1.1.1:http -t 2.2.2.2:80",
        "illegal real server address[:port] specified",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:no-such-service-name",
        "illegal virtual server address[:port] specified",
        2,
    );
}

#[test]
fn fwmark_services() {
    let s = add_service("-A -f 1");
    assert_eq!(
        s.key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 1
        }
    );
    assert_eq!(s.netmask, u32::MAX);
    let s = add_service("-A -f 4294967295 -6");
    assert_eq!(
        s.key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: u32::MAX
        }
    );
    assert_eq!(s.netmask, 128);
    assert_eq!(add_service_v(&["-A", "-f", " +5"]).key.af(), AddressFamily::Inet);
    for bad in ["0", "0x10", "-3", "4294967296", "", "1a", "99999999999999999999"] {
        assert_err_v(
            &["-A", "-f", bad],
            &format!("invalid fwmark value `{bad}' specified"),
            2,
        );
    }
}

#[test]
fn ipv6_flag_order() {
    assert_err("-A -6 -f 1", "-6 used before -f\n", 2);
    assert_err("-A -t 1.2.3.4:80 -6", "-6 used before -f\n", 2);
    assert_err("-L -6", "-6 used before -f\n", 2);
    assert_err("-C -6", "-6 used before -f\n", 2);
    assert_eq!(
        ok("-Z -f 3 -6"),
        Command::Zero(Some(ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 3
        }))
    );
}

#[test]
fn netmask_depends_on_the_family_known_so_far() {
    assert_eq!(
        add_service("-A -t 1.2.3.4:80 -p -M 255.255.255.0").netmask,
        0xffff_ff00
    );
    // IPv4 syntax: inet_aton, so "24" is 0.0.0.24.
    assert_eq!(add_service("-A -t 1.2.3.4:80 -M 24").netmask, 24);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -M 0x10").netmask, 16);
    assert_eq!(add_service("-A -t 1.2.3.4:80 -M localhost").netmask, 0x7f00_0001);
    // Before an IPv6 service: read as IPv4, then reset to 128.
    assert_eq!(add_service("-A -M 64 -t [::1]:80").netmask, 128);
    assert_eq!(add_service("-A -t [::1]:80 -M 64").netmask, 64);
    assert_eq!(add_service("-A -t [::1]:80 -M 64abc").netmask, 64);
    assert_eq!(add_service_v(&["-A", "-t", "[::1]:80", "-M", " +7"]).netmask, 7);
    // atoi() wraps through int.
    assert_eq!(add_service("-A -t [::1]:80 -M 4294967297").netmask, 1);
    assert_eq!(add_service("-A -f 1 -M 255.0.0.0 -6").netmask, 128);
    assert_eq!(add_service("-A -f 1 -6 -M 48").netmask, 48);
    assert_err("-A -t [::1]:80 -M 0", "illegal ipv6 netmask specified", 2);
    assert_err("-A -t [::1]:80 -M 129", "illegal ipv6 netmask specified", 2);
    assert_err("-A -t [::1]:80 -M x", "illegal ipv6 netmask specified", 2);
    assert_err(
        "-A -t 1.2.3.4:80 -M 4294967296",
        "illegal virtual server persistent mask specified",
        2,
    );
    assert_err_v(
        &["-A", "-t", "1.2.3.4:80", "-M", ""],
        "illegal virtual server persistent mask specified",
        2,
    );
}

#[test]
fn service_checks() {
    assert_err(
        "-A -t 1.2.3.4",
        "Zero port specified for non-persistent service",
        2,
    );
    assert_err(
        "-E -t 1.2.3.4:0",
        "Zero port specified for non-persistent service",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:80 -o",
        "One-Packet Scheduling is only for UDP virtual services",
        2,
    );
    assert_err(
        "-A --sctp-service 1.2.3.4:80 -o",
        "One-Packet Scheduling is only for UDP virtual services",
        2,
    );
    let s = add_service("-A -u 1.2.3.4:53 -o");
    assert_eq!(s.flags.0, ServiceFlags::ONEPACKET);
    let s = add_service("-A -f 7 --ops");
    assert_eq!(s.flags.0, ServiceFlags::ONEPACKET);
    let s = add_service("-A -u 1.2.3.4:0 -p -o -b flag-2 --pe sip -s sh");
    assert_eq!(
        s.flags.0,
        ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED2
    );
    assert_eq!(s.pe_name.as_deref(), Some("sip"));
    assert_eq!(s.scheduler, "sh");
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: v4("1.2.3.4"),
            port: 0
        }
    );
}

#[test]
fn scheduler_and_pe_names() {
    assert_eq!(add_service("-A -t 1.2.3.4:80").scheduler, "wlc");
    match ok("-E -t 1.2.3.4:80 -p") {
        Command::EditService(s) => assert_eq!(s.scheduler, "wlc"),
        c => panic!("{c:?}"),
    }
    assert_eq!(
        add_service_v(&["-A", "-t", "1.2.3.4:80", "-s", ""]).scheduler,
        "wlc"
    );
    assert_eq!(
        add_service("-A -t 1.2.3.4:80 -s abcdefghijklmnopqrstuvwxyz").scheduler,
        "abcdefghijklmno"
    );
    assert_eq!(
        add_service("-A -t 1.2.3.4:80 --pe abcdefghijklmnopqrstuvwxyz")
            .pe_name
            .as_deref(),
        Some("abcdefghijklmnop")
    );
    assert_eq!(
        add_service_v(&["-A", "-t", "1.2.3.4:80", "--pe", ""]).pe_name,
        None
    );
    // Cut at a character boundary.
    assert_eq!(
        add_service("-A -t 1.2.3.4:80 -s abcdefghijklmné").scheduler,
        "abcdefghijklmn"
    );
}

#[test]
fn scheduler_flags() {
    let s = add_service("-A -t 1.2.3.4:80 -s sh -b sh-port,sh-fallback");
    assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
    // Checked against the final scheduler, wherever -s is.
    let s = add_service("-A -t 1.2.3.4:80 -b sh-port -s sh");
    assert_eq!(s.flags.0, ServiceFlags::SCHED2);
    let s = add_service("-A -t 1.2.3.4:80 -s mh -b mh-port,mh-fallback");
    assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED2);
    let s = add_service("-A -t 1.2.3.4:80 -b flag-1,flag-3");
    assert_eq!(s.flags.0, ServiceFlags::SCHED1 | ServiceFlags::SCHED3);
    let s = add_service("-A -t 1.2.3.4:80 -b ,,flag-2,");
    assert_eq!(s.flags.0, ServiceFlags::SCHED2);
    let s = add_service_v(&["-A", "-t", "1.2.3.4:80", "-b", ""]);
    assert_eq!(s.flags.0, 0);
    assert_err(
        "-A -t 1.2.3.4:80 -b sh-port",
        "incompatible scheduler flag `sh-port'",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:80 -s sh -b mh-fallback",
        "incompatible scheduler flag `mh-fallback'",
        2,
    );
    assert_err(
        "-A -t 1.2.3.4:80 -b flag-1,bogus",
        "invalid scheduler flag `bogus'",
        2,
    );
    assert_err("-A -t 1.2.3.4:80 -b ,", "invalid scheduler flag `,'", 2);
    // Flags are parsed before the matrix check...
    assert_err("-L -b foo", "invalid scheduler flag `foo'", 2);
    assert_err(
        "-L -b flag-1",
        "Illegal 'sched-flags' option with the 'list' command",
        2,
    );
    // ...and after the leftover check.
    assert_err("-A -t 1.2.3.4:80 -b bogus extra", "unexpected argument extra", 2);
}
