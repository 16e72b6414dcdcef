//! Real servers: addresses, ports, forwarding methods, weights and
//! tunnels.

use super::*;

#[test]
fn destinations() {
    let (k, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8");
    assert_eq!(k, tcp("1.2.3.4", 80));
    assert_eq!(d, Destination::new(v4("5.6.7.8"), 80));
    // DR and TUN force the service port.
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080");
    assert_eq!((d.port, d.fwd), (80, ForwardMethod::Route));
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080 -i");
    assert_eq!((d.port, d.fwd), (80, ForwardMethod::Tunnel));
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8:8080 -m");
    assert_eq!((d.port, d.fwd), (8080, ForwardMethod::Masq));
    // Without a port: the service port known when -r is read.
    let (_, d) = add_dest("-a -r 5.6.7.8 -t 1.2.3.4:80 -m");
    assert_eq!(d.port, 0);
    // Not for fwmark services.
    let (_, d) = add_dest("-a -f 1 -r 1.1.1.1:99 -g");
    assert_eq!(d.port, 99);
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -w 0 -x 10 -y 20");
    assert_eq!((d.weight, d.u_threshold, d.l_threshold), (0, 10, 20));
    let (_, d) = add_dest_v(&["-a", "-t", "1.2.3.4:80", "-r", "5.6.7.8", "-x", "+5", "-y", " 3"]);
    assert_eq!((d.u_threshold, d.l_threshold), (5, 3));
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -w 2147483647");
    assert_eq!(d.weight, 2147483647);
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 2147483648",
        "illegal weight specified",
        2,
    );
    assert_err("-a -t 1.2.3.4:80 -r 5.6.7.8 -w -1", "illegal weight specified", 2);
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -w 0x10",
        "illegal weight specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -x 2147483648",
        "illegal u_threshold specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -y x",
        "illegal l_threshold specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 80",
        "illegal real server address[:port] specified",
        2,
    );
    // -d keeps the given port.
    assert_eq!(
        ok("-d -t 1.2.3.4:80 -r 5.6.7.8"),
        Command::DelDest(tcp("1.2.3.4", 80), v4("5.6.7.8"), 80)
    );
}

#[test]
fn mixed_families() {
    assert_err(
        "-a -t 1.2.3.4:80 -r [::2]:80",
        "Different address family is allowed only for tunneling servers",
        2,
    );
    assert_err(
        "-a -f 1 -r [::2]:80",
        "Different address family is allowed only for tunneling servers",
        2,
    );
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r [::2]:80 -i");
    assert_eq!(d.addr, v6("::2"));
    let (k, d) = add_dest("-a -f 1 -6 -r [::2]:80 -m");
    assert_eq!(k.af(), AddressFamily::Inet6);
    assert_eq!((d.addr, d.port), (v6("::2"), 80));
}

#[test]
fn tunnels() {
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 6080");
    assert_eq!(
        (d.tun_type, d.tun_port, d.tun_flags),
        (TunnelType::Gue, 6080, tun_flags::NOCSUM)
    );
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 1 --tun-remcsum");
    assert_eq!(d.tun_flags, tun_flags::REMCSUM);
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-csum");
    assert_eq!((d.tun_type, d.tun_flags), (TunnelType::Gre, tun_flags::CSUM));
    let (_, d) = add_dest("-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type ipip");
    assert_eq!(d.tun_type, TunnelType::Ipip);

    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 --tun-type gue",
        "Tunnel options conflict with forward method",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -m --tun-csum",
        "Tunnel options conflict with forward method",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue",
        "You need to supply the 'tun-port' option for the 'gue' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-port 6080",
        "Illegal 'tun-port' option with the 'ipip' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type ipip --tun-nocsum",
        "Illegal 'tun-nocsum' option with the 'ipip' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-remcsum",
        "Illegal 'tun-remcsum' option with the 'gre' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-port 5",
        "Illegal 'tun-port' option with the 'gre' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 1 --tun-csum --tun-nocsum",
        "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre --tun-csum --tun-nocsum",
        "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type xx",
        "illegal tunnel type specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 0",
        "illegal tunnel port specified",
        2,
    );
    assert_err(
        "-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gue --tun-port 65536",
        "illegal tunnel port specified",
        2,
    );
    assert_err(
        "-d -t 1.2.3.4:80 -r 5.6.7.8 --tun-type gue",
        "Illegal 'tun-type' option with the 'delete-server' command",
        2,
    );
}
