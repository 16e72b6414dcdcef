//! Sync daemons: ipvsadm's start and stop requests, the kernel's
//! `NEW_DAEMON` replies.
//!
//! The requests are captured from ipvsadm, the replies laid out by hand
//! from the kernel's `ip_vs_genl_fill_daemon` (see `mod.rs`).

use super::{attr, emit, hex, parse};
use crate::ipvs::codec::{cmd, decode_daemon, reply, request};
use crate::ipvs::model::*;

/// `ipvsadm --start-daemon master --mcast-interface eth0 --syncid 5`,
/// captured: what is not given is not sent.
const START_MASTER: &str = "
    20000380                                    # DAEMON, NLA_F_NESTED
    08000100 01000000                           # STATE master
    09000200 65746830 00000000                  # MCAST_IFN \"eth0\"
    08000300 05000000                           # SYNC_ID 5
";

#[test]
fn start_daemon_minimal_both_ways() {
    let golden = hex(START_MASTER);
    let d = SyncDaemon {
        state: DaemonState::Master,
        mcast_ifn: "eth0".into(),
        syncid: 5,
        sync_maxlen: None,
        mcast_group: None,
        mcast_port: None,
        mcast_ttl: None,
    };
    let msg = request::new_daemon(&d);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::NEW_DAEMON, golden.clone()));
    assert_eq!(decode_daemon(&parse(cmd::NEW_DAEMON, &golden)).unwrap(), Some(d));
}

/// `ipvsadm --start-daemon backup --mcast-interface eth1 --syncid 9
/// --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8849
/// --mcast-ttl 2`, captured: libipvs puts the group last.
const START_BACKUP_FULL: &str = "
    40000380                                    # DAEMON, NLA_F_NESTED
    08000100 02000000                           # STATE backup
    09000200 65746831 00000000                  # MCAST_IFN \"eth1\"
    08000300 09000000                           # SYNC_ID 9
    06000400 78050000                           # SYNC_MAXLEN 1400
    06000700 91220000                           # MCAST_PORT 8849 (host order)
    05000800 02000000                           # MCAST_TTL 2
    08000500 ef010203                           # MCAST_GROUP 239.1.2.3
";

#[test]
fn start_daemon_with_every_option_both_ways() {
    let golden = hex(START_BACKUP_FULL);
    let d = SyncDaemon {
        state: DaemonState::Backup,
        mcast_ifn: "eth1".into(),
        syncid: 9,
        sync_maxlen: Some(1400),
        mcast_group: Some("239.1.2.3".parse().unwrap()),
        mcast_port: Some(8849),
        mcast_ttl: Some(2),
    };
    assert_eq!(emit(&request::new_daemon(&d)), golden);
    assert_eq!(decode_daemon(&parse(cmd::NEW_DAEMON, &golden)).unwrap(), Some(d));
}

/// `ipvsadm --start-daemon backup --mcast-interface eth1 --mcast-group
/// ff02::81`, captured: an IPv6 group has its own attribute.
const START_BACKUP6: &str = "
    34000380                                    # DAEMON, NLA_F_NESTED
    08000100 02000000                           # STATE backup
    09000200 65746831 00000000                  # MCAST_IFN \"eth1\"
    08000300 00000000                           # SYNC_ID 0
    14000600 ff020000 00000000 00000000 00000081 # MCAST_GROUP6 ff02::81
";

#[test]
fn start_daemon_on_an_ipv6_group_both_ways() {
    let golden = hex(START_BACKUP6);
    let d = SyncDaemon {
        state: DaemonState::Backup,
        mcast_ifn: "eth1".into(),
        syncid: 0,
        sync_maxlen: None,
        mcast_group: Some("ff02::81".parse().unwrap()),
        mcast_port: None,
        mcast_ttl: None,
    };
    assert_eq!(emit(&request::new_daemon(&d)), golden);
    assert_eq!(decode_daemon(&parse(cmd::NEW_DAEMON, &golden)).unwrap(), Some(d));
}

/// `ipvsadm --stop-daemon backup`, captured: the state, an empty
/// interface and sync id 0.
const STOP_BACKUP: &str = "
    1c000380                                    # DAEMON, NLA_F_NESTED
    08000100 02000000                           # STATE backup
    05000200 00000000                           # MCAST_IFN \"\"
    08000300 00000000                           # SYNC_ID 0
";

#[test]
fn stop_daemon_both_ways() {
    let golden = hex(STOP_BACKUP);
    let msg = request::del_daemon(DaemonState::Backup);
    assert_eq!((msg.cmd, emit(&msg)), (cmd::DEL_DAEMON, golden.clone()));
    let back = decode_daemon(&parse(cmd::DEL_DAEMON, &golden)).unwrap().unwrap();
    assert_eq!(
        (back.state, back.mcast_ifn.as_str(), back.syncid),
        (DaemonState::Backup, "", 0)
    );
    assert_eq!(emit(&request::del_daemon(back.state)), golden);
}

/// The kernel's report of the daemon `--start-daemon master
/// --mcast-interface eth0` started: every attribute, with the kernel's
/// defaults (maximum length from a 1500-byte MTU less the IP and UDP
/// headers, port 8848, TTL 1, group 224.0.0.81).
pub(super) const REPLY_MASTER: &str = "
    40000300                                    # DAEMON, no NLA_F_NESTED
    08000100 01000000                           # STATE master
    09000200 65746830 00000000                  # MCAST_IFN \"eth0\"
    08000300 00000000                           # SYNC_ID 0
    06000400 c0050000                           # SYNC_MAXLEN 1472
    06000700 90220000                           # MCAST_PORT 8848 (host order)
    05000800 01000000                           # MCAST_TTL 1
    08000500 e0000051                           # MCAST_GROUP 224.0.0.81
";

/// A backup daemon on an IPv6 group.
const REPLY_BACKUP6: &str = "
    4c000300                                    # DAEMON, no NLA_F_NESTED
    08000100 02000000                           # STATE backup
    0c000200 766c616e 31303000                  # MCAST_IFN \"vlan100\"
    08000300 c8000000                           # SYNC_ID 200
    06000400 78050000                           # SYNC_MAXLEN 1400
    06000700 91220000                           # MCAST_PORT 8849
    05000800 04000000                           # MCAST_TTL 4
    14000600 ff020000 00000000 00000000 00000081 # MCAST_GROUP6 ff02::81
";

#[test]
fn kernel_daemon_replies_both_ways() {
    let cases = [
        (
            REPLY_MASTER,
            SyncDaemon {
                state: DaemonState::Master,
                mcast_ifn: "eth0".into(),
                syncid: 0,
                sync_maxlen: Some(1472),
                mcast_group: Some("224.0.0.81".parse().unwrap()),
                mcast_port: Some(8848),
                mcast_ttl: Some(1),
            },
        ),
        (
            REPLY_BACKUP6,
            SyncDaemon {
                state: DaemonState::Backup,
                mcast_ifn: "vlan100".into(),
                syncid: 200,
                sync_maxlen: Some(1400),
                mcast_group: Some("ff02::81".parse().unwrap()),
                mcast_port: Some(8849),
                mcast_ttl: Some(4),
            },
        ),
    ];
    for (fixture, d) in cases {
        let golden = hex(fixture);
        assert_eq!(
            decode_daemon(&parse(cmd::NEW_DAEMON, &golden)).unwrap(),
            Some(d.clone())
        );
        let msg = reply::daemon(&d);
        assert_eq!((msg.cmd, emit(&msg)), (cmd::NEW_DAEMON, golden));
    }
}

#[test]
fn a_daemon_in_no_known_state_is_an_idle_slot() {
    let mut inner = attr(1, &0u32.to_ne_bytes());
    inner.extend(attr(2, b"eth0\0"));
    inner.extend(attr(3, &0u32.to_ne_bytes()));
    assert_eq!(
        decode_daemon(&parse(cmd::NEW_DAEMON, &attr(3, &inner))).unwrap(),
        None
    );
}
