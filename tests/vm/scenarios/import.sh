#!/bin/bash
# vm-run: alone
# `lvsctl import piranha` (issue 14): an lvs.cf converted for each of its
# two directors and run by `lvsctl daemon` against the real kernel, real
# servers and traffic; the tables must be what piranha's lvsd and nanny
# program from the same file.
#
# piranha itself is not in Debian, so its tables cannot be captured; the
# expected `ipvsadm -Sn` lines below are derived from lvs.cf(5), nanny(8)
# and lvsd(8), read beside piranha 0.8's lvsd.c and nanny.c:
#   * lvsd, for each virtual with `active = 1`:
#       -A -t|-u VIP:PORT -s SCHED [-p PERSISTENT [-M PMASK]]
#     or, with a fwmark, -A -f MARK -s SCHED ... ; an inactive virtual
#     (`active` unset) gets nothing;
#   * nanny, one per server with `active = 1`, after its first good check:
#       -a <service> -r RIP:PORT -m|-g|-i -w WEIGHT
#     (-m for network = nat); on a failed check `-d` (server line gone), or
#     with quiesce_server `-e ... -w 0`; a server without `active = 1` gets
#     no nanny and is never added.
#   * nanny's UDP check (-u) sends `send` and compares the start of the
#     answer with `expect`.
# ipvsadm -Sn lists real servers in the kernel's order, which for piranha
# is the order its nannies happened to succeed in; the comparison is of
# sorted lines.
#
# Topology (tests/vm/topology.sh), LVS-NAT:
#   client 192.0.2.50 ---pub--- dir1 eth0 192.0.2.2, dir2 eth0 192.0.2.3
#                                 VIPs 192.0.2.100 (eth0:1), 192.0.2.102 (eth0:2)
#                               dir1 eth1 198.51.100.2, dir2 eth1 198.51.100.3
#                                 nat_router 198.51.100.1 (eth1:1)
#                    ---priv--- rs1 198.51.100.11, rs2 .12, rs3 .13 (inactive)
# The real servers' default route is the nat_router address, which only
# the Master holds.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
REAL=/usr/sbin/ipvsadm
W=$(mktemp -d)
cd "$W" || exit 1

check setup.modules kmod -a ip_vs ip_vs_wlc ip_vs_rr ip_vs_sh
topo_ns client dir1 dir2 rs1 rs2 rs3
topo_bridge pub
topo_bridge priv
topo_link client eth0 pub 192.0.2.50/24
topo_link dir1 eth0 pub 192.0.2.2/24
topo_link dir2 eth0 pub 192.0.2.3/24
topo_link dir1 eth1 priv 198.51.100.2/24
topo_link dir2 eth1 priv 198.51.100.3/24
for i in 1 2 3; do
    topo_link "rs$i" eth0 priv "198.51.100.1$i/24"
    on "rs$i" ip route add default via 198.51.100.1
done
for d in dir1 dir2; do
    topo_sysctl "$d" net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0
done
for i in 1 2 3; do
    topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" "tcp:0.0.0.0:80" "udp:0.0.0.0:53"
done
wait_until 20 test -e "$W/rs1.ready" -a -e "$W/rs2.ready" -a -e "$W/rs3.ready"

# ------------------------------------------------------------ the file
cat > lvs.cf <<'EOF'
serial_no = 7
primary = 192.0.2.2
service = lvs
backup_active = 1
backup = 192.0.2.3
heartbeat = 1
keepalive = 1
deadtime = 3
network = nat
nat_router = 198.51.100.1 eth1:1
nat_nmask = 255.255.255.0
syncdaemon = 1
syncd_iface = eth0
syncd_id = 51
tcp_timeout = 600

virtual web {
     active = 1
     address = 192.0.2.100 eth0:1
     vip_nmask = 255.255.255.0
     port = 80
     send = "GET / HTTP/1.0\r\n\r\n"
     expect = "HTTP/1.0 200"
     scheduler = wlc
     timeout = 2
     reentry = 4
     sorry_server = 198.51.100.14
     server rs1 {
         address = 198.51.100.11
         active = 1
         weight = 1
     }
     server rs2 {
         address = 198.51.100.12
         active = 1
         weight = 1
     }
     server rs3 {
         address = 198.51.100.13
         weight = 1
     }
}

virtual dns {
     active = 1
     address = 192.0.2.100 eth0:1
     vip_nmask = 255.255.255.0
     protocol = udp
     port = 53
     send = "ping"
     expect = "rs"
     scheduler = sh
     timeout = 2
     reentry = 4
     server rs1 {
         address = 198.51.100.11
         active = 1
     }
     server rs2 {
         address = 198.51.100.12
         active = 1
     }
}

virtual sticky {
     active = 1
     address = 192.0.2.102 eth0:2
     vip_nmask = 255.255.255.0
     fwmark = 7
     port = 80
     persistent = 60
     pmask = 255.255.255.0
     scheduler = rr
     quiesce_server = 1
     load_monitor = ruptime
     timeout = 2
     reentry = 4
     server rs1 {
         address = 198.51.100.11
         active = 1
     }
     server rs2 {
         address = 198.51.100.12
         active = 1
     }
}

virtual spare {
     address = 192.0.2.103 eth0:3
     port = 25
}
EOF
line_of() { grep -n -m1 -- "$1" lvs.cf | cut -d: -f1; }

# What lvsd and nanny program (see the top), sorted.
cat > want.all <<'EOF'
-A -f 7 -s rr -p 60 -M 255.255.255.0
-A -t 192.0.2.100:80 -s wlc
-A -u 192.0.2.100:53 -s sh
-a -f 7 -r 198.51.100.11:80 -m -w 1
-a -f 7 -r 198.51.100.12:80 -m -w 1
-a -t 192.0.2.100:80 -r 198.51.100.11:80 -m -w 1
-a -t 192.0.2.100:80 -r 198.51.100.12:80 -m -w 1
-a -u 192.0.2.100:53 -r 198.51.100.11:53 -m -w 1
-a -u 192.0.2.100:53 -r 198.51.100.12:53 -m -w 1
EOF
# rs1 stops answering: nanny deletes it from web and dns, and quiesces it
# in sticky (quiesce_server = 1).
cat > want.rs1down <<'EOF'
-A -f 7 -s rr -p 60 -M 255.255.255.0
-A -t 192.0.2.100:80 -s wlc
-A -u 192.0.2.100:53 -s sh
-a -f 7 -r 198.51.100.11:80 -m -w 0
-a -f 7 -r 198.51.100.12:80 -m -w 1
-a -t 192.0.2.100:80 -r 198.51.100.12:80 -m -w 1
-a -u 192.0.2.100:53 -r 198.51.100.12:53 -m -w 1
EOF

# ------------------------------------------------------------ import
capture imp1 "$L" import piranha lvs.cf -o dir1.toml --node primary
check_output import.primary.exit3 3 cat imp1.rc
capture imp2 "$L" import piranha lvs.cf -o dir2.toml --node backup
check_output import.backup.exit3 3 cat imp2.rc
check import.primary.stdout-empty test ! -s imp1.out
# Reported with their lines: what has no equivalent or another meaning.
check_contains import.note.load-monitor "lvs.cf:$(line_of load_monitor): load_monitor = ruptime" cat imp1.err
check_contains import.note.deadtime "lvs.cf:$(line_of deadtime): deadtime = 3: VRRP has no dead time; the backup takes over after 3 adverts and a skew (3.6s at keepalive = 1)" cat imp1.err
check_contains import.note.inactive-virtual "lvs.cf:$(line_of 'virtual spare'): virtual \"spare\" is not active" cat imp1.err
check_contains import.vrid-comment "# vrid: lvs.cf has no virtual router id" cat dir1.toml
# Nothing else: every line of stderr is FILE:LINE: message.
check import.notes.all-have-lines bash -c '! grep -v "^lvs.cf:[0-9][0-9]*: " imp1.err'
check import.primary.priority grep -q '^priority = 150$' dir1.toml
check import.backup.priority grep -q '^priority = 100$' dir2.toml
check import.inactive-server-disabled grep -q 'enabled = false' dir1.toml
check import.daemon-check bash -c "'$L' daemon check dir1.toml && '$L' daemon check dir2.toml"

# A file piranha refuses is refused: exit 2, FILE:LINE, nothing written.
printf 'primary = 192.0.2.2\nvirtual web {\n  weigth = 1\n}\n' > bad.cf
capture bad "$L" import piranha bad.cf -o bad.toml
check_output import.bad.exit2 2 cat bad.rc
check_contains import.bad.line "bad.cf:3: unknown virtual setting \`weigth\`" cat bad.err
check import.bad.nothing-written test ! -e bad.toml
capture missing "$L" import piranha nosuch.cf
check_output import.missing.exit2 2 cat missing.rc

# ------------------------------------------------------------ run both
table() { ip netns exec "$1" "$REAL" -Sn | sort; }
table_is() { [ "$(table "$1")" = "$(cat "$2")" ]; }
state() {
    on "$1" "$L" daemon status --output json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["vrrp"][0]["state"])' 2>/dev/null
}
state_is() { [ "$(state "$1")" = "$2" ]; }
has_vips() {   # DIR: the Master's addresses, with their labels
    ip -n "$1" -o -4 addr show dev eth0 label eth0:1 | grep -q ' 192.0.2.100/24 ' &&
        ip -n "$1" -o -4 addr show dev eth0 label eth0:2 | grep -q ' 192.0.2.102/24 ' &&
        ip -n "$1" -o -4 addr show dev eth1 label eth1:1 | grep -q ' 198.51.100.1/24 '
}
no_vips() { ! ip -n "$1" -o -4 addr show | grep -Eq ' (192\.0\.2\.10[0-3]|198\.51\.100\.1)/'; }
syncd_is() { [[ $(ip netns exec "$1" "$REAL" -L --daemon) == "$2 sync daemon (mcast=eth0, syncid=51,"* ]]; }

# The primary first: with preempt = false (pulse does not fail back),
# whichever director's down timer runs out first stays Master, and two
# started together race.
topo_bg lvs.dir1 dir1 "$L" daemon --config "$W/dir1.toml"
check run.dir1-master wait_until 30 state_is dir1 MASTER
topo_bg lvs.dir2 dir2 "$L" daemon --config "$W/dir2.toml"
check run.dir2-backup wait_until 20 state_is dir2 BACKUP
check run.dir1-vips has_vips dir1
check run.dir2-no-vips no_vips dir2
for d in dir1 dir2; do
    if wait_until 20 table_is "$d" want.all; then pass "run.$d.table"; else
        table "$d" > "$d.table"; check_same "run.$d.table" want.all "$d.table"; fi
done
check run.timeouts bash -c "ip netns exec dir1 '$REAL' -L --timeout | grep -q '^Timeout (tcp tcpfin udp): 600 '"
check run.syncd-roles eval 'wait_until 10 syncd_is dir1 master && wait_until 10 syncd_is dir2 backup'
# served WANT... -- CMD: CMD's answer names every WANT server and no
# failure (the client prints "rs1=6 rs2=6", "fail=K" appended on failures)
served() {
    local want=() out w
    while [ "$1" != -- ]; do want+=("$1"); shift; done
    shift
    out=$("$@") || return 1
    [[ $out != *fail=* ]] || { echo "$out"; return 1; }
    for w in "${want[@]}"; do [[ $out == *"$w"* ]] || { echo "$out"; return 1; }; done
}
# Traffic through the Master's VIP and NAT gateway reaches both servers
# (dns: sh hashes the one client to one server).
check run.traffic-web served rs1 rs2 -- on client python3 "$TOPO_CLIENT" http 192.0.2.100 80 12
check run.traffic-dns served rs -- on client python3 "$TOPO_CLIENT" udp 192.0.2.100 53 4

# ------------------------------------------------------------ a server fails
topo_kill http1
for d in dir1 dir2; do
    if wait_until 20 table_is "$d" want.rs1down; then pass "fail.$d.table"; else
        table "$d" > "$d.down"; check_same "fail.$d.table" want.rs1down "$d.down"; fi
done
topo_bg http1 rs1 python3 "$TOPO_SERVER" rs1 "$W/rs1.again" "tcp:0.0.0.0:80" "udp:0.0.0.0:53"
for d in dir1 dir2; do
    check "back.$d.table" wait_until 20 table_is "$d" want.all
done

# ------------------------------------------------------------ failover
kill -TERM "$(topo_pid lvs.dir1)"
check takeover.dir2-master wait_until 10 state_is dir2 MASTER
check takeover.dir2-vips wait_until 5 has_vips dir2
check takeover.dir1-no-vips wait_until 5 no_vips dir1
check takeover.traffic served rs1 rs2 -- on client python3 "$TOPO_CLIENT" http 192.0.2.100 80 12
topo_cleanup
# The daemons' logs and the converted files stay with the results.
mkdir -p "$OUT/import"
cp lvs.cf dir1.toml dir2.toml imp1.err "$OUT/import/" 2>/dev/null
for d in dir1 dir2; do cp "$TOPO_DIR/lvs.$d.log" "$OUT/import/" 2>/dev/null; done
summary
