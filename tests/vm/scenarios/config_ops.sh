#!/bin/bash
# Timeouts (--set, -L --timeout), zeroing (-Z), sync daemons
# (--start-daemon, --stop-daemon, -L --daemon): lvsctl as ipvsadm against
# Debian's ipvsadm, each tool reading what the other set.
. "$REPO/tests/vm/lib.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1
ip link add d0 type dummy && ip link set d0 multicast on up
ip addr add 198.51.100.254/24 dev d0 && ip route add default dev d0
ip -6 addr add 2001:db8:ffff::fe/64 dev d0 nodad

# Timeouts: set by one tool, read by both.
for setter in REAL LVS; do
    bin=${!setter}
    check "set.$setter" "$bin" --set 901 121 301
    check_compat "timeout.after-$setter" -L --timeout
    check_output "timeout.value-$setter" "Timeout (tcp tcpfin udp): 901 121 301" "$LVS" -L --timeout
    # 0 keeps a value.
    check "set0.$setter" "$bin" --set 0 60 0
    check_output "timeout.keep-$setter" "Timeout (tcp tcpfin udp): 901 60 301" "$LVS" -L --timeout
    "$REAL" --set 900 120 300
done

# Zero: all services and one; the kernel accepts both, and a missing
# service is refused the same way.
"$REAL" -A -t 192.0.2.1:80 -s rr
"$REAL" -A -u 192.0.2.1:53 -s rr
for tool in REAL LVS; do
    bin=${!tool}
    check "zero-all.$tool" "$bin" -Z
    check "zero-one.$tool" "$bin" -Z -t 192.0.2.1:80
    check "zero-fwmark-missing-is-refused.$tool" bash -c "! \"$bin\" -Z -f 5"
done
LIB_COMPARE_STDERR=1 check_compat zero.stats-view -L -n --stats

# Sync daemons, started and stopped by each tool, listed by both.
for starter in REAL LVS; do
    bin=${!starter}
    check "daemon.start-master.$starter" "$bin" --start-daemon master --mcast-interface d0 --syncid 5
    check "daemon.start-backup.$starter" "$bin" --start-daemon backup --mcast-interface d0 --syncid 7 \
        --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 2
    LIB_COMPARE_STDERR=1 check_compat "daemon.list-after-$starter" -L --daemon
    check_contains "daemon.master-listed.$starter" "master sync daemon (mcast=d0, syncid=5" "$LVS" -L --daemon
    check_contains "daemon.backup-listed.$starter" "group=239.1.2.3, port=9000, ttl=2" "$LVS" -L --daemon
    LIB_COMPARE_STDERR=1 check_compat "daemon.start-again-refused.$starter" --start-daemon master --mcast-interface d0
    check "daemon.stop-master.$starter" "$bin" --stop-daemon master
    check "daemon.stop-backup.$starter" "$bin" --stop-daemon backup
    check_output "daemon.none-left.$starter" "" "$LVS" -L --daemon
    LIB_COMPARE_STDERR=1 check_compat "daemon.stop-again-refused.$starter" --stop-daemon master
done
# An IPv6 group.
check daemon.v6-start "$LVS" --start-daemon backup --mcast-interface d0 --mcast-group ff02::81
LIB_COMPARE_STDERR=1 check_compat daemon.v6-list -L --daemon
check daemon.v6-stop "$LVS" --stop-daemon backup

# Flush by each tool.
for tool in REAL LVS; do
    bin=${!tool}
    "$REAL" -A -t 192.0.2.9:80
    check "flush.$tool" "$bin" -C
    check_output "flush.empty.$tool" "" "$REAL" -Sn
done

summary
