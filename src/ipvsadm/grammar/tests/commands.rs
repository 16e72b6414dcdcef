//! Every command, and what may come with it.

use super::*;

#[test]
fn no_arguments_lists() {
    assert_eq!(parse(&[]), Ok(Command::List(ListOptions::default())));
}

#[test]
fn every_command() {
    assert_eq!(ok("-L"), Command::List(ListOptions::default()));
    assert_eq!(ok("-l"), Command::List(ListOptions::default()));
    assert_eq!(ok("--list"), Command::List(ListOptions::default()));
    assert_eq!(ok("-C"), Command::Flush);
    assert_eq!(ok("--clear"), Command::Flush);
    assert_eq!(ok("-R"), Command::Restore);
    assert_eq!(ok("--restore"), Command::Restore);
    assert_eq!(ok("-S"), Command::Save { numeric: false });
    assert_eq!(ok("--save -n"), Command::Save { numeric: true });
    assert_eq!(ok("-Z"), Command::Zero(None));
    assert_eq!(
        ok("--zero -t 1.2.3.4:80"),
        Command::Zero(Some(tcp("1.2.3.4", 80)))
    );
    assert_eq!(ok("-h"), Command::Help);
    assert_eq!(ok("--help"), Command::Help);
    assert_eq!(ok("-v"), Command::Version);
    assert_eq!(ok("--version"), Command::Version);
    assert_eq!(ok("-D -t 1.2.3.4:80"), Command::DelService(tcp("1.2.3.4", 80)));
    assert_eq!(
        ok("--delete-service --fwmark-service 7"),
        Command::DelService(ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 7
        })
    );
    let mut svc = Service::new(tcp("1.2.3.4", 80));
    assert_eq!(ok("-A -t 1.2.3.4:80"), Command::AddService(svc.clone()));
    assert_eq!(
        ok("--add-service --tcp-service 1.2.3.4:80"),
        Command::AddService(svc.clone())
    );
    svc.scheduler = "rr".into();
    assert_eq!(ok("-E -t 1.2.3.4:80 -s rr"), Command::EditService(svc));
    let dest = Destination::new(v4("5.6.7.8"), 80);
    assert_eq!(
        ok("-a -t 1.2.3.4:80 -r 5.6.7.8"),
        Command::AddDest(tcp("1.2.3.4", 80), dest.clone())
    );
    let mut edited = dest.clone();
    edited.weight = 4;
    assert_eq!(
        ok("-e -t 1.2.3.4:80 -r 5.6.7.8 -w 4"),
        Command::EditDest(tcp("1.2.3.4", 80), edited)
    );
    assert_eq!(
        ok("-d -t 1.2.3.4:80 -r 5.6.7.8:8080"),
        Command::DelDest(tcp("1.2.3.4", 80), v4("5.6.7.8"), 8080)
    );
    assert_eq!(
        ok("--set 10 20 30"),
        Command::SetTimeouts(Timeouts {
            tcp: 10,
            tcp_fin: 20,
            udp: 30
        })
    );
    assert_eq!(
        ok("--start-daemon master"),
        Command::StartDaemon(SyncDaemon {
            state: DaemonState::Master,
            mcast_ifn: "eth0".into(),
            syncid: 0,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        })
    );
    assert_eq!(
        ok("--stop-daemon backup"),
        Command::StopDaemon(DaemonState::Backup)
    );
    assert_eq!(
        ok("--stop-daemon=master --syncid 5"),
        Command::StopDaemon(DaemonState::Master)
    );
}

#[test]
fn help_and_version_only_as_the_command() {
    // As the first option anything after them is ignored.
    assert_eq!(ok("-hL"), Command::Help);
    assert_eq!(ok("-h --bogus"), Command::Help);
    assert_eq!(ok("-v -x"), Command::Version);
    assert_eq!(ok("foo -h"), Command::Help);
    assert_err("-L -h", "invalid option `-h'", 2);
    assert_err("-L -nv", "invalid option `-nv'", 2);
    assert_err("-L --help", "invalid option `--help'", 2);
}

#[test]
fn daemons() {
    let Command::StartDaemon(d) = ok(
        "--start-daemon backup --mcast-interface eth1 --syncid 7 --sync-maxlen 1400 \
         --mcast-group 224.0.0.81 --mcast-port 9000 --mcast-ttl 3",
    ) else {
        panic!()
    };
    assert_eq!(d.state, DaemonState::Backup);
    assert_eq!(d.mcast_ifn, "eth1");
    assert_eq!(d.syncid, 7);
    assert_eq!(d.sync_maxlen, Some(1400));
    assert_eq!(d.mcast_group, Some(v4("224.0.0.81")));
    assert_eq!(d.mcast_port, Some(9000));
    assert_eq!(d.mcast_ttl, Some(3));

    let Command::StartDaemon(d) = ok("--start-daemon master --mcast-group ff02::1") else {
        panic!()
    };
    assert_eq!(d.mcast_group, Some(v6("ff02::1")));

    // An empty interface is the default; long names are cut to 15.
    let Command::StartDaemon(d) = ok_v(&["--start-daemon", "master", "--mcast-interface", ""]) else {
        panic!()
    };
    assert_eq!(d.mcast_ifn, "eth0");
    let Command::StartDaemon(d) = ok("--start-daemon master --mcast-interface abcdefghijklmnopqrst") else {
        panic!()
    };
    assert_eq!(d.mcast_ifn, "abcdefghijklmno");

    assert_err(
        "--start-daemon bogus",
        "illegal start-daemon parameter specified",
        2,
    );
    assert_err("--stop-daemon bogus", "illegal start_daemon specified", 2);
    assert_err(
        "--start-daemon Master",
        "illegal start-daemon parameter specified",
        2,
    );
    assert_err("--start-daemon", TRY_HELP, 255);
    assert_err(
        "--start-daemon master --syncid 256",
        "illegal syncid specified",
        2,
    );
    assert_err("--start-daemon master --syncid -1", "illegal syncid specified", 2);
    assert_err(
        "--start-daemon master --mcast-port 0",
        "illegal mcast-port specified",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-port 65536",
        "illegal mcast-port specified",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-ttl 0",
        "illegal mcast-ttl specified",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-ttl 256",
        "illegal mcast-ttl specified",
        2,
    );
    assert_err(
        "--start-daemon master --sync-maxlen 0",
        "illegal sync-maxlen specified",
        2,
    );
    assert_err(
        "--start-daemon master --sync-maxlen 65508",
        "illegal sync-maxlen specified",
        2,
    );
    assert!(parse(&words("--start-daemon master --sync-maxlen 65507")).is_ok());
    assert_err(
        "--start-daemon master --mcast-group 10.0.0.1",
        "invalid IPv4 mcast-group `10.0.0.1'",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-group 224.0.0.01",
        "invalid IPv4 mcast-group `224.0.0.01'",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-group 224.1",
        "invalid IPv4 mcast-group `224.1'",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-group fe80::1",
        "invalid IPv6 mcast-group `fe80::1'",
        2,
    );
    assert_err(
        "--start-daemon master --mcast-group ff02:::1",
        "invalid IPv6 mcast-group `ff02:::1'",
        2,
    );
    assert_err(
        "--stop-daemon master --mcast-interface eth1",
        "Illegal 'mcast-interface' option with the 'stop-daemon' command",
        2,
    );
    assert_err(
        "--start-daemon master -n",
        "Illegal 'numeric' option with the 'start-daemon' command",
        2,
    );
}

#[test]
fn set_timeouts() {
    assert_eq!(
        ok("--set 0 0 2678400"),
        Command::SetTimeouts(Timeouts {
            tcp: 0,
            tcp_fin: 0,
            udp: 2678400
        })
    );
    assert_err("--set", "--set option requires 3 timeout values", 2);
    assert_err("--set 1 2", "--set option requires 3 timeout values", 2);
    assert_err("--set 1 2 3 4", "unexpected argument 4", 2);
    assert_err("--set x 2 3", "invalid timeout value `x' specified", 2);
    assert_err(
        "--set 1 2 2678401",
        "invalid timeout value `2678401' specified",
        2,
    );
    assert_err("--set -1 2 3", "-1: unknown option", 255);
    // After `--` a negative number is a value, and then a bad one.
    assert_err("--set 1 -- -2 3", "invalid timeout value `-2' specified", 2);
    // Values are checked before the matrix.
    assert_err(
        "--set 0 0 0 -n",
        "Illegal 'numeric' option with the 'set' command",
        2,
    );
    assert_err("--set 0 0 -n", "--set option requires 3 timeout values", 2);
    // Positional words may come anywhere.
    assert!(matches!(ok("1 --set 2 3"), Command::SetTimeouts(_)));
}
