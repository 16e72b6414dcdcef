#!/bin/bash
# Connection synchronisation between two directors: sync daemons started
# and stopped by lvsctl (and by Debian's ipvsadm), listed by both tools, and
# a real connection through the master showing up in the backup's
# connection table.
#
# Why: config_ops.sh starts and lists daemons on a dummy interface, where
# nothing is ever synchronised; this shows that daemons started by lvsctl
# really carry connections from master to backup, and that both tools
# list the daemons and the synchronised connections the same way.
#
# What it builds (inside the VM; see tests/vm/topology.sh):
#
#   client 198.51.100.1 --pub-- master eth0 198.51.100.2 + VIP 198.51.100.10
#                          \--- backup eth0 198.51.100.3
#                               master eth1 192.0.2.1 --priv-- rs1 192.0.2.11
#                               backup eth1 192.0.2.2 --/
#
#   Both directors have the same virtual service (TCP 198.51.100.10:80, rr,
#   NAT to rs1); only the master holds the VIP, and rs1's default route is
#   the master. The sync daemons talk over eth0 (the pub bridge, multicast
#   flooded to every port). rs1 runs the python server of topology.sh.
#
# Two rounds:
#   1. lvsctl starts "master" in the master namespace and "backup" in the
#      backup namespace (default group 224.0.0.81, syncid 7);
#   2. Debian's ipvsadm starts them, on the documentation multicast group
#      233.252.0.81, port 8848, syncid 9, maxlen 1000.
# In each round: -L --daemon identical from both tools in both namespaces;
# the client opens a TCP connection to the VIP and keeps it open after
# sending data (three packets: the kernel syncs an ESTABLISHED connection at
# its third packet); that connection (its client port) appears in the
# backup's "ipvsadm -Lnc" within 20 s, as ESTABLISHED; the connection
# tables of both directors listed the same by both tools (lvsctl's -c); lvsctl stops both daemons and -L --daemon is
# then empty from both tools. Finally, with no daemon running, a new
# connection through the master must not reach the backup.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1
T0=$SECONDS
elapsed() { note "t=$((SECONDS - T0))s: $*"; }
not() { ! "$@"; }

# ------------------------------------------------------------ topology
topo_ns client master backup rs1
topo_bridge pub
topo_bridge priv
topo_link client eth0 pub 198.51.100.1/24
topo_link master eth0 pub 198.51.100.2/24
topo_link backup eth0 pub 198.51.100.3/24
topo_link master eth1 priv 192.0.2.1/24
topo_link backup eth1 priv 192.0.2.2/24
topo_link rs1 eth0 priv 192.0.2.11/24
ip -n master addr add 198.51.100.10/32 dev eth0
ip -n rs1 route add default via 192.0.2.1
topo_sysctl master net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0
topo_sysctl backup net.ipv4.ip_forward=1
topo_bg rs1 rs1 python3 "$TOPO_SERVER" rs1 "$W/rs1.ready" tcp:192.0.2.11:80

kmod ip_vs ip_vs_rr
for d in master backup; do
    check "table.$d.service" on "$d" "$LVS" -A -t 198.51.100.10:80 -s rr
    check "table.$d.server" on "$d" "$LVS" -a -t 198.51.100.10:80 -r 192.0.2.11:80 -m
done
check server.ready wait_until 30 test -e "$W/rs1.ready"
check_contains traffic.through-master rs1 on client curl -sS --max-time 5 http://198.51.100.10/
elapsed "topology up"

# backup_conn PORT: the backup's Debian ipvsadm lists an ESTABLISHED
# connection from the client's PORT to the VIP, via rs1.
backup_conn() {
    on backup "$REAL" -Lnc | grep -E "^TCP +[0-9]{2}:[0-9]{2} +ESTABLISHED +198\.51\.100\.1:$1 +198\.51\.100\.10:80 +192\.0\.2\.11:80 *$"
}

master_conn() { on master "$REAL" -Lnc | grep -qF " 198.51.100.1:$1 "; }

# round NAME STARTER MASTER-OPTS BACKUP-OPTS MASTER-LINE BACKUP-LINE
round() {
    local r=$1 starter=$2 mopts=$3 bopts=$4 mline=$5 bline=$6 port ns
    local -a margs bargs
    read -ra margs <<< "$mopts"
    read -ra bargs <<< "$bopts"
    note "round $r: daemons started by $starter"
    check "$r.start-master" on master "$starter" --start-daemon master "${margs[@]}"
    check "$r.start-backup" on backup "$starter" --start-daemon backup "${bargs[@]}"
    check_output "$r.master-listed" "$mline" on master "$LVS" -L --daemon
    check_output "$r.backup-listed" "$bline" on backup "$LVS" -L --daemon
    for ns in master backup; do
        compare_in "$ns" "$r.$ns.daemon" -L --daemon
        compare_in "$ns" "$r.$ns.daemon-n" -Ln --daemon
    done

    # A connection through the master, held open.
    topo_bg "hold-$r" client python3 "$TOPO_CLIENT" hold 198.51.100.10 80 1 "$W/$r.port"
    if ! wait_until 20 test -s "$W/$r.port"; then
        fail "$r.connection-open" "the client could not open a connection to 198.51.100.10:80 ($(cat "$TOPO_DIR/hold-$r.log"))"
        return
    fi
    pass "$r.connection-open"
    port=$(<"$W/$r.port")
    check "$r.master-has-connection" wait_until 5 master_conn "$port"
    local t1=$SECONDS
    if wait_until 20 backup_conn "$port"; then
        note "round $r: in the backup after $((SECONDS - t1)) s"
        pass "$r.backup-has-connection"
    else
        fail "$r.backup-has-connection" "no ESTABLISHED entry for 198.51.100.1:$port in the backup after 20 s.
backup ipvsadm -Lnc:
$(on backup "$REAL" -Lnc 2>&1)
master ipvsadm -Lnc:
$(on master "$REAL" -Lnc 2>&1)
master ipvsadm -L --daemon: $(on master "$REAL" -L --daemon 2>&1)
backup ipvsadm -L --daemon: $(on backup "$REAL" -L --daemon 2>&1)"
    fi
    elapsed "round $r: connection synchronised"
    # Both tools list the synchronised table the same (lvsctl's -c).
    compare_conns_in backup "$r.backup.conns" -Lnc
    compare_conns_in master "$r.master.conns" -Lnc
    compare_conns_in backup "$r.backup.conns-persistent" -Lnc --persistent-conn
    check_contains "$r.lvsctl-lists-synced-connection" "198.51.100.1:$port" on backup "$LVS" -Lnc
    topo_kill "hold-$r"

    # lvsctl stops both daemons; nothing is listed any more, by either tool.
    check "$r.stop-master" on master "$LVS" --stop-daemon master
    check "$r.stop-backup" on backup "$LVS" --stop-daemon backup
    for ns in master backup; do
        check_output "$r.$ns.none-left-lvsctl" "" on "$ns" "$LVS" -L --daemon
        check_output "$r.$ns.none-left-ipvsadm" "" on "$ns" "$REAL" -L --daemon
    done
}

# The expected listings are what the kernel reports: defaults filled in
# (maxlen 1472 for a 1500-byte MTU, group 224.0.0.81, port 8848, ttl 1), and
# a backup started with maxlen 1000 reports 1024.
round lvs "$LVS" "--mcast-interface eth0 --syncid 7" "--mcast-interface eth0 --syncid 7" \
    "master sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)" \
    "backup sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)"
round ipvsadm "$REAL" \
    "--mcast-interface eth0 --syncid 9 --sync-maxlen 1000 --mcast-group 233.252.0.81 --mcast-port 8848 --mcast-ttl 1" \
    "--mcast-interface eth0 --syncid 9 --sync-maxlen 1000 --mcast-group 233.252.0.81 --mcast-port 8848" \
    "master sync daemon (mcast=eth0, syncid=9, maxlen=1000, group=233.252.0.81, port=8848, ttl=1)" \
    "backup sync daemon (mcast=eth0, syncid=9, maxlen=1024, group=233.252.0.81, port=8848, ttl=1)"

# Negative control: with both daemons stopped, a new connection through the
# master stays out of the backup (so the entries above came from the sync
# daemons). The daemons delivered within a few seconds above; give it 6.
topo_bg hold-nosync client python3 "$TOPO_CLIENT" hold 198.51.100.10 80 1 "$W/nosync.port"
if wait_until 20 test -s "$W/nosync.port"; then
    port=$(<"$W/nosync.port")
    check nosync.master-has-connection wait_until 5 master_conn "$port"
    sleep 6
    check nosync.backup-has-not not backup_conn "$port"
else
    fail nosync.connection-open "the client could not open a connection ($(cat "$TOPO_DIR/hold-nosync.log"))"
fi
topo_kill hold-nosync

elapsed "done"
topo_cleanup
summary
