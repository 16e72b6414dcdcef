#!/bin/bash
# lvsctl rs up/down/status proven on a wire: the real servers of an LVS-DR
# or LVS-TUN service stop answering ARP for the VIP, and the service carries
# traffic through the director to both of them, in every forwarding mode
# (DR, TUN with ipip, gue and gre). rs_basic.sh covers the command on one
# host without traffic; this is the acceptance test of the ARP problem.
#
# Why: a real server of DR or TUN holds the VIP itself (it must accept
# packets addressed to it), and Linux by default answers ARP for every
# local address on every interface (arp_ignore=0). So on the director's
# LAN the VIP is claimed by several MACs, and clients reach a real server
# directly, bypassing the balancer. The cure is arp_ignore=1 /
# arp_announce=2, set before the VIP appears. Only a real ARP exchange on a
# shared segment shows whether it works.
#
# What it builds (all inside the VM, see tests/vm/topology.sh): ONE bridge,
# one subnet, so the director, both real servers and the client hear the
# same broadcasts:
#
#   client   192.0.2.1               \
#   director 192.0.2.2 + VIP 192.0.2.100/32 on eth0 (a normal address)
#   rs1      192.0.2.11               > bridge br0, 192.0.2.0/24
#   rs2      192.0.2.12              /
#
# The director's IPVS (set up with lvsctl in its ipvsadm grammar) has
# TCP VIP:80, rr, rs1 and rs2 as -g (DR) or -i (TUN) destinations. Both real
# servers run one small HTTP server (tests/vm/topology.sh) on 0.0.0.0:80
# for the whole run, and answer the client directly (same subnet), so the
# director only sees the client's packets (its OutPkts stay 0). For TUN the
# director encapsulates to the real servers' own addresses on the same
# subnet (no extra routes needed).
#
# How ARP is observed (tests/vm/arp.sh): arping in the client sends a
# broadcast who-has VIP five times, 0.3 s apart, and keeps listening after
# the first reply; tcpdump in the client captures every ARP frame. Each ARP
# check records two results: .broadcast (the capture holds as many requests
# as arping says it sent, at least 3, every one to ff:ff:ff:ff:ff:ff) and
# .responders (the set of distinct MACs that replied, read from arping's
# output AND from the capture, equals the expected namespaces' MACs as
# "ip link" shows them). The client's neighbour table is flushed before
# each probe and each round of HTTP, so nothing is answered from a cache.
#
# Steps:
#   1. The problem reproduced: the VIP added by hand (ip addr add VIP/32 dev
#      lo) on both real servers, sysctls at their defaults: the director,
#      rs1 and rs2 all answer (arp.before.*).
#   2. The hand-made VIPs are removed. Non-default starting values are set
#      so that rs down has something to restore: rs1 gets
#      all.arp_announce=1; both get strict rp_filter (1) on all, tunl0 and
#      gre0 (strict rp_filter would also drop TUN's decapsulated packets,
#      whose source is reached through eth0, not the tunnel device).
#   3. For each mode dr, ipip, gue, gre, on both real servers (rs1 through
#      "ip netns exec", rs2 through lvsctl --netns): snapshot (every
#      net.ipv4.conf sysctl, addresses, links, routes, fou ports); rs up;
#      rs up again (must change nothing); rs status exits 0; only the
#      director's MAC answers ARP; IPVS table rebuilt for the mode; 10 HTTP
#      requests reach rs1 and rs2 5/5 and the director counted them (Conns
#      10 on the service, 5 per destination, OutPkts 0: read with Debian's
#      ipvsadm -L -n --stats --exact once the 2 s estimator has run); rs
#      down; the snapshot equals the one before (up; up; down restores every
#      value, including rs1's non-default ones).
#
# Modules: ip_vs, ip_vs_rr, ipip, ip_gre and fou are loaded first (the
# kernel cannot autoload fou; loading ipip/ip_gre creates tunl0/gre0 in
# every namespace, so they exist before the first snapshot and module
# loading cannot show up as a difference).
#
# Runs in about 55 s of VM time under TCG (one vCPU).
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"
. "$REPO/tests/vm/arp.sh"

L=$LVSCTL
REAL=/usr/sbin/ipvsadm
VIP=192.0.2.100
CLIENT_IP=192.0.2.1
RS_IP=([1]=192.0.2.11 [2]=192.0.2.12)
N=10   # HTTP requests per mode (rr: N/2 each)
W=$(mktemp -d)
cd "$W" || exit 1
mkdir -p "$OUT/rs_arp"
T0=$SECONDS
elapsed() { note "t=$((SECONDS - T0))s: $*"; }

# ------------------------------------------------------------ topology
check setup.modules kmod -a ip_vs ip_vs_rr ipip ip_gre fou
topo_ns client director rs1 rs2
topo_bridge br0
topo_link client eth0 br0 "$CLIENT_IP/24"
topo_link director eth0 br0 192.0.2.2/24
topo_link rs1 eth0 br0 "${RS_IP[1]}/24"
topo_link rs2 eth0 br0 "${RS_IP[2]}/24"
check setup.director-vip ip -n director addr add "$VIP/32" dev eth0

declare -A MAC_OF=() NAME_OF=()
for ns in client director rs1 rs2; do
    MAC_OF[$ns]=$(ns_mac "$ns" eth0)
    NAME_OF[${MAC_OF[$ns]}]=$ns
done
note "MACs: client ${MAC_OF[client]} director ${MAC_OF[director]} rs1 ${MAC_OF[rs1]} rs2 ${MAC_OF[rs2]}; arping flavour $ARP_FLAVOUR"
if [ "$(printf '%s\n' "${MAC_OF[@]}" | grep -c .)" = 4 ] && [ "${#NAME_OF[@]}" = 4 ]; then
    pass setup.distinct-macs
else
    fail setup.distinct-macs "expected four distinct MACs: ${MAC_OF[*]}"
fi

for i in 1 2; do
    topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" tcp:0.0.0.0:80
done
check setup.arp-capture arp_watch_start client eth0
elapsed "topology"

# ------------------------------------------------------------ ARP checks
named() { local m; for m in "$@"; do printf '%s (%s)\n' "$m" "${NAME_OF[$m]:-unknown}"; done; }

captured_requests_reach() {   # MARK COUNT
    local t b
    read -r t b <<< "$(arp_watch_since "$1" | arp_capture_requests /dev/stdin "$VIP")"
    [ "$t" -ge "$2" ]
}

# arp_check TAG NS...: broadcast who-has VIP from the client; exactly the
# MACs of NS... answer. Records arp.TAG.broadcast and arp.TAG.responders.
arp_check() {
    local tag=$1 ns want from_arping from_capture mark sent total bcast
    shift
    want=$(for ns in "$@"; do echo "${MAC_OF[$ns]}"; done | sort -u)
    ip -n client neigh flush all
    mark=$(arp_watch_mark)
    capture "arp.$tag" arp_probe client eth0 "$VIP"
    sent=$(arp_sent "arp.$tag.out")
    # arping listened one interval past its last request; give tcpdump
    # (which may lag under TCG) time to print every request, then a little
    # more for the replies that follow them.
    [ -n "$sent" ] && wait_until 5 captured_requests_reach "$mark" "$sent"
    sleep 0.2
    arp_watch_since "$mark" > "arp.$tag.capture"
    read -r total bcast <<< "$(arp_capture_requests "arp.$tag.capture" "$VIP")"
    from_arping=$(arp_macs "arp.$tag.out")
    from_capture=$(arp_capture_macs "arp.$tag.capture" "$VIP")
    cp "arp.$tag.out" "arp.$tag.capture" "$OUT/rs_arp/" 2>/dev/null
    if [ -n "$sent" ] && [ "$total" -ge 3 ] && [ "$total" = "$bcast" ] && [ "$total" = "$sent" ]; then
        pass "arp.$tag.broadcast"
    else
        fail "arp.$tag.broadcast" "expected every request for $VIP in the client's capture to be a broadcast, at least 3, as many as arping sent
arping says it sent: ${sent:-?}; captured requests: $total, of them to ff:ff:ff:ff:ff:ff: $bcast
--- arping (status $(<"arp.$tag.rc")):
$(cat "arp.$tag.out" "arp.$tag.err")
--- capture:
$(cat "arp.$tag.capture")"
    fi
    if [ "$from_arping" = "$want" ] && [ "$from_capture" = "$want" ]; then
        pass "arp.$tag.responders"
    else
        fail "arp.$tag.responders" "who-has $VIP from the client: expected replies from exactly
$(named $want)
replies in arping's output from:
$(named $from_arping)
replies in the capture from:
$(named $from_capture)
--- arping (status $(<"arp.$tag.rc")):
$(cat "arp.$tag.out" "arp.$tag.err")
--- capture:
$(cat "arp.$tag.capture")
--- rs1 / rs2: all.arp_ignore all.arp_announce, addresses
$(for i in 1 2; do on "rs$i" cat /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce | paste -sd ' '; ip -n "rs$i" -o addr show | awk '{ print "  " $2, $4 }'; done)"
    fi
    ARP_LAST=$from_arping
}

# ------------------------------------------------------------ 1. the problem
for i in 1 2; do ip -n "rs$i" addr add "$VIP/32" dev lo; done
arp_check before director rs1 rs2
n=$(grep -c . <<< "$ARP_LAST")
if [ "$n" -gt 1 ]; then pass arp.before.reproduced; else
    fail arp.before.reproduced "expected more than one MAC to answer for $VIP before the cure, got $n: $ARP_LAST"
fi
for i in 1 2; do ip -n "rs$i" addr del "$VIP/32" dev lo; done
elapsed "problem reproduced"

# ------------------------------------------------------------ 2. starting values
topo_sysctl rs1 net.ipv4.conf.all.arp_announce=1
for i in 1 2; do
    topo_sysctl "rs$i" net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.tunl0.rp_filter=1 net.ipv4.conf.gre0.rp_filter=1
done
check setup.servers-ready wait_until 30 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

# ------------------------------------------------------------ 3. each mode
# snapshot NS: everything rs up may touch in NS
snapshot() {
    ip netns exec "$1" grep -r . /proc/sys/net/ipv4/conf/ 2>/dev/null | sort
    ip -n "$1" -o addr show
    ip -n "$1" -br link show
    ip -n "$1" route show table all
    ip -n "$1" -6 route show table all
    ip -n "$1" fou show
}
# rs_in I ARGS...: lvsctl ARGS in rsI (rs1 entered by ip netns exec, rs2 by --netns)
rs_in() {
    local i=$1; shift
    if [ "$i" = 1 ]; then ip netns exec rs1 "$L" "$@"; else "$L" --netns rs2 "$@"; fi
}
D() { ip netns exec director "$@"; }

# stats_ok: the director's counters for this round are complete
stats_ok() {
    D "$REAL" -L -n --stats --exact > stats.now || return 1
    [ "$(awk -v s="$VIP:80" '$1 == "TCP" && $2 == s { print $3, $5 }' stats.now)" = "$N 0" ] &&
    [ "$(awk -v a="${RS_IP[1]}:80" '$1 == "->" && $2 == a { print $3, $5 }' stats.now)" = "$((N / 2)) 0" ] &&
    [ "$(awk -v a="${RS_IP[2]}:80" '$1 == "->" && $2 == a { print $3, $5 }' stats.now)" = "$((N / 2)) 0" ]
}

diagnose() {
    echo "--- director: ipvsadm -L -n --stats --exact"
    D "$REAL" -L -n --stats --exact
    local i
    for i in 1 2; do
        echo "--- rs$i: lvsctl rs status; rp_filter all/tunl0/gre0; links; addresses"
        rs_in "$i" rs status
        on "rs$i" cat /proc/sys/net/ipv4/conf/{all,tunl0,gre0}/rp_filter | paste -sd ' '
        ip -n "rs$i" -s -br link show
        ip -n "rs$i" -o addr show | awk '{ print "  " $2, $4 }'
    done
}

mode_round() {   # MODE (dr|ipip|gue|gre)
    local mode=$1 up=() dest=() i
    case $mode in
        dr)   up=(--mode dr); dest=(-g) ;;
        ipip) up=(--mode tun --tun-type ipip); dest=(-i) ;;
        gue)  up=(--mode tun --tun-type gue --tun-port 6080); dest=(-i --tun-type gue --tun-port 6080) ;;
        gre)  up=(--mode tun --tun-type gre); dest=(-i --tun-type gre) ;;
    esac

    # rs up; rs up again; status
    for i in 1 2; do
        snapshot "rs$i" > "$mode.rs$i.before"
        check "rs.$mode.rs$i.up" rs_in "$i" rs up "${up[@]}" --vip "$VIP"
        snapshot "rs$i" > "$mode.rs$i.up1"
        check "rs.$mode.rs$i.up-again" rs_in "$i" rs up "${up[@]}" --vip "$VIP"
        snapshot "rs$i" > "$mode.rs$i.up2"
        check_same "rs.$mode.rs$i.up-again-changes-nothing" "$mode.rs$i.up1" "$mode.rs$i.up2"
        check_status "rs.$mode.rs$i.status" 0 rs_in "$i" rs status
    done

    # ARP: only the director
    arp_check "$mode" director

    # IPVS for this mode, fresh counters
    check "ipvs.$mode.table" bash -c '
        set -e
        L=$1 VIP=$2; shift 2
        ip netns exec director "$L" -C
        ip netns exec director "$L" -A -t "$VIP:80" -s rr
        for rs in 192.0.2.11 192.0.2.12; do ip netns exec director "$L" -a -t "$VIP:80" -r "$rs:80" "$@"; done
    ' - "$L" "$VIP" "${dest[@]}"

    # HTTP through the director to both real servers. Each mode rebuilds
    # the service (-C), but the director's connection entries of the modes
    # before live on, and a re-added server takes its old self back from
    # the kernel's trash: a client port that happened to match an old
    # entry went on it, to whichever server it named, uncounted (4/6
    # instead of 5/5 now and then). So each mode's client ports are its
    # own.
    MODE_N=$((${MODE_N:-0} + 1))
    topo_sysctl client "net.ipv4.ip_local_port_range=$((20000 + MODE_N * 1000)) $((20999 + MODE_N * 1000))"
    ip -n client neigh flush all
    capture "http.$mode" on client python3 "$TOPO_CLIENT" http "$VIP" 80 "$N"
    if [ "$(<"http.$mode.out")" = "rs1=$((N / 2)) rs2=$((N / 2))" ]; then pass "http.$mode"; else
        fail "http.$mode" "$N HTTP requests to $VIP:80 ($mode): expected rs1=$((N / 2)) rs2=$((N / 2)), got: $(<"http.$mode.out")
client stderr: $(head -n 5 "http.$mode.err")
--- client's neighbour for $VIP: $(ip -n client neigh show "$VIP")
$(diagnose 2>&1)"
    fi
    if wait_until 8 stats_ok; then pass "count.$mode"; else
        fail "count.$mode" "expected the director to count $N connections on TCP $VIP:80 ($((N / 2)) per real server) and no outgoing packets (the real servers answer directly)
$(diagnose 2>&1)"
    fi

    # rs down restores everything
    for i in 1 2; do
        check "rs.$mode.rs$i.down" rs_in "$i" rs down
        snapshot "rs$i" > "$mode.rs$i.after"
        check_same "rs.$mode.rs$i.restored" "$mode.rs$i.before" "$mode.rs$i.after"
    done
    elapsed "mode $mode done"
}

for mode in dr ipip gue gre; do mode_round "$mode"; done

# The non-default starting values really were non-default (so "restored"
# above restored them, not the kernel's defaults).
check_output rs.rs1.prior-values-kept "1 1 1 1" bash -c \
    'ip netns exec rs1 cat /proc/sys/net/ipv4/conf/{all/arp_announce,all/rp_filter,tunl0/rp_filter,gre0/rp_filter} | paste -sd " "'
check_output rs.state-gone "" bash -c 'ls -A /run/lvsctl/*.json 2>/dev/null || true'

cp ./*.before ./*.after ./*.up1 http.*.out "$OUT/rs_arp/" 2>/dev/null
summary
