#!/bin/bash
# Differential listings with live traffic: Debian's ipvsadm against lvsctl
# as ipvsadm, on tables whose counters, rates, connection counts,
# connection entries and persistence templates are all non-zero.
#
# Why: the corpus tests (differential.sh) only see idle tables, where every
# counter is 0 and there are no connections; the formatting of real numbers
# (K/M suffixes, 32-bit destination counters, rates, active/inactive
# counts), of the connection table and of persistence templates needs real
# traffic through a real kernel.
#
# What it builds (all inside the VM; see tests/vm/topology.sh):
#
#   client 198.51.100.1        director eth0 198.51.100.2 + VIPs .10-.14
#          2001:db8:1::1 ---pub---       2001:db8:1::2 + VIP 2001:db8:1::10
#                                  director eth1 192.0.2.1, 2001:db8:2::1
#                                  --priv-- rs1 192.0.2.11, 2001:db8:2::11
#                                           rs2 192.0.2.12, 2001:db8:2::12
#
#   Two bridges (pub, priv): with NAT the real servers' answers must go back
#   through the director, so they sit on their own subnet with the director
#   as default gateway (a single subnet would let them answer the client
#   directly). The director forwards (IPv4 and IPv6), sends no redirects.
#   rs1 and rs2 each run one small python server (tests/vm/topology.sh):
#   HTTP on port 80 (IPv4, IPv6), UDP echo on 7, UDP "SIP" echo on 5060.
#
# IPVS table in the director (built by lvsctl as ipvsadm, all NAT):
#   TCP 198.51.100.10:80     rr over rs1, rs2 (rs1 with thresholds -x/-y)
#   UDP 198.51.100.10:7      rr, UDP echo
#   TCP [2001:db8:1::10]:80  wlc, IPv6
#   TCP 198.51.100.11:80     rr, persistent (-p 300): persistence templates
#   FWM 1                    wrr; TCP to 198.51.100.12:80 is marked 1 by a
#                            tc flower filter on the director's ingress.
#                            Neither nft nor iptables is installed on the
#                            host; tc (iproute2) is, and skbedit's mark
#                            reaches IPVS's LOCAL_IN hook the same way. If
#                            tc were missing this part would not be built
#                            (noted in the log), nothing else changes.
#   UDP 198.51.100.13:5060   rr, -p 300 --pe sip: SIP OPTIONS with two
#                            Call-IDs; templates carry the Call-ID (pe data)
#   TCP 198.51.100.14:80     sh, one ipip/GUE tunnel destination, no
#                            traffic (gives --tun-info something to show)
#
# Traffic from the client: sequential HTTP requests (python, plus a few with
# curl), UDP datagrams, SIP datagrams, IPv6 requests, and a few TCP
# connections held open (ActiveConn > 0, ESTABLISHED entries).
#
# Checks: the traffic itself (round robin, persistence, SIP Call-ID
# affinity, fwmark), that the counters are really non-zero (so nothing can
# pass on an idle table), then every listing variant compared byte for byte
# (stdout, stderr, exit status) between Debian's ipvsadm and lvsctl, then
# -Z (one service, a fwmark service, all) and --set read back by both.
#
# Races: counters are stable once the traffic has stopped, but the rate
# estimator folds every 2 s and every connection's expiry counts down each
# second. So each comparison takes three readings — ipvsadm, lvsctl,
# ipvsadm — and
#   * passes if lvsctl's equals the first ipvsadm reading;
#   * fails at once if the two ipvsadm readings are equal but lvsctl's is
#     not (the table held still while lvsctl read it: a real difference);
#   * otherwise (the table moved) tries again, at most 10 times, then fails.
# For connection listings the expiry column moves almost continuously (each
# entry ticks at its own sub-second phase), so there the three readings are
# compared with the expiry field masked, and each entry's expiry in lvsctl's
# reading must lie between the two ipvsadm readings (first >= lvsctl >=
# second). A wrong expiry, a wrong line or a wrong order still fails.
#
# Name resolution (-L, -L -c, -S without -n): /etc/hosts and
# /etc/resolv.conf are bind-mounted inside the VM (its own mount namespace
# over the read-only host root) with names for some addresses and a name
# server on 127.0.0.1, where nothing listens, so unknown addresses fail fast
# and the same way for both tools.
#
# lvsctl's -c (the connection listing) came last; without it the conn.* and
# zero.all.conns checks fail (lvsctl exits 1 where ipvsadm lists).
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1
T0=$SECONDS
elapsed() { note "t=$((SECONDS - T0))s: $*"; }

# ------------------------------------------------------------ names
cat > "$W/hosts" <<'EOF'
127.0.0.1	localhost
198.51.100.1	client.example.com
198.51.100.10	www.example.com
198.51.100.11	sticky.example.com
192.0.2.11	rs1.example.net
192.0.2.12	a-really-long-name-for-the-second-real-server.example.net
2001:db8:1::10	www6.example.org
2001:db8:2::11	rs1-v6.example.net
EOF
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$W/resolv.conf"
# bind_file SRC DEST: DEST shows SRC's contents, in the VM only. DEST may be
# a symlink (resolv.conf often is) into the VM's own tmpfs /run, where its
# target does not exist yet.
bind_file() {
    local dest
    dest=$(readlink -f "$2") || return 1
    [ -e "$dest" ] || { mkdir -p "${dest%/*}" && touch "$dest"; } || return 1
    mount --bind "$1" "$dest"
}
check names.hosts bind_file "$W/hosts" /etc/hosts
check names.resolv bind_file "$W/resolv.conf" /etc/resolv.conf
check_output names.hosts-in-use "198.51.100.10   www.example.com" getent hosts 198.51.100.10

# ------------------------------------------------------------ topology
topo_ns client director rs1 rs2
topo_bridge pub
topo_bridge priv
topo_link client eth0 pub 198.51.100.1/24 2001:db8:1::1/64
topo_link director eth0 pub 198.51.100.2/24 2001:db8:1::2/64
topo_link director eth1 priv 192.0.2.1/24 2001:db8:2::1/64
topo_link rs1 eth0 priv 192.0.2.11/24 2001:db8:2::11/64
topo_link rs2 eth0 priv 192.0.2.12/24 2001:db8:2::12/64
for a in 198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14; do
    ip -n director addr add "$a/32" dev eth0
done
ip -n director -6 addr add 2001:db8:1::10/128 dev eth0 nodad
for rs in rs1 rs2; do
    ip -n "$rs" route add default via 192.0.2.1
    ip -n "$rs" -6 route add default via 2001:db8:2::1
done
topo_sysctl director net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
    net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0

# The real servers.
for i in 1 2; do
    topo_bg "rs$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" \
        "tcp:192.0.2.1$i:80" "tcp:[2001:db8:2::1$i]:80" "udp:192.0.2.1$i:7" "udp:192.0.2.1$i:5060"
done

# ------------------------------------------------------------ IPVS table
kmod ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh ip_vs_pe_sip
D() { ip netns exec director "$@"; }
TABLE=(
    "-A -t 198.51.100.10:80 -s rr"
    "-a -t 198.51.100.10:80 -r 192.0.2.11:80 -m -w 1 -x 1000 -y 200"
    "-a -t 198.51.100.10:80 -r 192.0.2.12:80 -m -w 1"
    "-A -u 198.51.100.10:7 -s rr"
    "-a -u 198.51.100.10:7 -r 192.0.2.11:7 -m"
    "-a -u 198.51.100.10:7 -r 192.0.2.12:7 -m"
    "-A -t [2001:db8:1::10]:80 -s wlc"
    "-a -t [2001:db8:1::10]:80 -r [2001:db8:2::11]:80 -m -w 1"
    "-a -t [2001:db8:1::10]:80 -r [2001:db8:2::12]:80 -m -w 1"
    "-A -t 198.51.100.11:80 -s rr -p 300"
    "-a -t 198.51.100.11:80 -r 192.0.2.11:80 -m"
    "-a -t 198.51.100.11:80 -r 192.0.2.12:80 -m"
    "-A -u 198.51.100.13:5060 -s rr -p 300 --pe sip"
    "-a -u 198.51.100.13:5060 -r 192.0.2.11:5060 -m"
    "-a -u 198.51.100.13:5060 -r 192.0.2.12:5060 -m"
    "-A -t 198.51.100.14:80 -s sh -b sh-port"
    "-a -t 198.51.100.14:80 -r 192.0.2.13:80 -i --tun-type gue --tun-port 6080 --tun-csum"
)
FWM=0
if command -v tc > /dev/null; then
    FWM=1
    TABLE+=("-A -f 1 -s wrr"
            "-a -f 1 -r 192.0.2.11:80 -m -w 3"
            "-a -f 1 -r 192.0.2.12:80 -m -w 1")
    kmod sch_ingress cls_flower act_skbedit
    check fwmark.tc-qdisc D tc qdisc add dev eth0 clsact
    check fwmark.tc-filter D tc filter add dev eth0 ingress protocol ip pref 1 flower \
        ip_proto tcp dst_ip 198.51.100.12 dst_port 80 action skbedit mark 1
else
    note "tc not found (nor nft/iptables): no firewall-mark service with traffic"
fi
n=0
for line in "${TABLE[@]}"; do
    n=$((n + 1))
    read -ra args <<< "$line"
    check "table.line$n" D "$LVS" "${args[@]}"
done
D "$REAL" -Sn > table.saved
check table.saved-nonempty test -s table.saved

# ------------------------------------------------------------ traffic
check servers.ready wait_until 30 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"
elapsed "servers ready"
C() { ip netns exec client "$@"; }
traffic() {   # NAME EXPECTED-PATTERN CLIENT-ARGS...: run, keep output, check it
    local name=$1 pat=$2; shift 2
    capture "traffic.$name" C python3 "$TOPO_CLIENT" "$@"
    if [[ $(<"traffic.$name.out") =~ $pat ]]; then pass "traffic.$name"; else
        fail "traffic.$name" "client $*: expected /$pat/, got:
$(cat "traffic.$name.out")
stderr: $(head -n 5 "traffic.$name.err")"
    fi
}
# rr over two servers: an exact split, no failures.
traffic http-rr '^rs1=20 rs2=20$' http 198.51.100.10 80 40
traffic udp-rr '^rs1=15 rs2=15$' udp 198.51.100.10 7 30
traffic http6 '^rs1=[0-9]+ rs2=[0-9]+$' http '[2001:db8:1::10]' 80 20
# Persistence: one client, one server.
traffic http-persistent '^rs[12]=20$' http 198.51.100.11 80 20
# SIP persistence engine: each Call-ID sticks to one server, the two
# Call-IDs were scheduled round robin onto different servers.
traffic sip-callid '^call-0=rs[12] call-1=rs[12]$' sip 198.51.100.13 5060 12 2
if [[ $(<traffic.sip-callid.out) =~ call-0=(rs[12])\ call-1=(rs[12]) ]] && [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
    pass traffic.sip-callids-spread
else
    fail traffic.sip-callids-spread "expected the two Call-IDs on different servers: $(<traffic.sip-callid.out)"
fi
if [ $FWM = 1 ]; then
    # wrr 3:1 over 20 requests.
    traffic fwmark-wrr '^rs1=15 rs2=5$' http 198.51.100.12 80 20
fi
# Real curl requests (IPv4 and IPv6).
check_contains traffic.curl rs C curl -sS --max-time 5 http://198.51.100.10/
check_contains traffic.curl6 rs C curl -sS --max-time 5 -g 'http://[2001:db8:1::10]/'
# Connections held open: ESTABLISHED entries, ActiveConn > 0.
topo_bg hold4 client python3 "$TOPO_CLIENT" hold 198.51.100.10 80 3 "$W/hold4.ports"
topo_bg hold6 client python3 "$TOPO_CLIENT" hold 2001:db8:1::10 80 2 "$W/hold6.ports"
check traffic.held-open wait_until 30 test -s "$W/hold4.ports" -a -s "$W/hold6.ports"
elapsed "traffic done"

# ------------------------------------------------------------ non-zero
# Read with Debian's ipvsadm: the reference, independent of lvsctl. The
# kernel publishes counters with the rate estimator, every 2 s: wait one
# period so they include all of the traffic.
sleep 2.5
D "$REAL" -L -n --stats --exact > ref.stats
D "$REAL" -L -n > ref.list
D "$REAL" -L -n --rate > ref.rate
D "$REAL" -L -n --persistent-conn > ref.persist
D "$REAL" -L -n -c > ref.conns
D "$REAL" -L -n -c --persistent-conn > ref.conns-persist
mkdir -p "$OUT/traffic-ref" && cp ref.* table.saved traffic.*.out "$OUT/traffic-ref/"
# field FILE PROTO ADDR COLUMN: a service line's column (1-based, PROTO=1)
field() { awk -v p="$2" -v a="$3" -v c="$4" '$1 == p && $2 == a { print $c; exit }' "$1"; }
# svc_counters FILE PROTO ADDR: a service's five counters (--stats --exact)
svc_counters() { awk -v p="$2" -v a="$3" '$1 == p && $2 == a { print $3, $4, $5, $6, $7; exit }' "$1"; }
positive() {   # NAME VALUE WHAT
    if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ]; then pass "$1"; else fail "$1" "expected $3 > 0, got '$2'"; fi
}
SERVICES=("TCP 198.51.100.10:80" "UDP 198.51.100.10:7" "TCP [2001:db8:1::10]:80"
          "TCP 198.51.100.11:80" "UDP 198.51.100.13:5060")
[ $FWM = 1 ] && SERVICES+=("FWM 1")
for s in "${SERVICES[@]}"; do
    read -r p a <<< "$s"
    tag=$p-$a; tag=${tag//[][]/}
    positive "nonzero.conns.$tag" "$(field ref.stats "$p" "$a" 3)" "Conns of $s"
    positive "nonzero.inpkts.$tag" "$(field ref.stats "$p" "$a" 4)" "InPkts of $s"
    positive "nonzero.outbytes.$tag" "$(field ref.stats "$p" "$a" 7)" "OutBytes of $s"
done
positive nonzero.activeconn "$(awk '$1 == "->" { s += $5 } END { print s + 0 }' ref.list)" "sum of ActiveConn"
positive nonzero.inactconn "$(awk '$1 == "->" { s += $6 } END { print s + 0 }' ref.list)" "sum of InActConn"
positive nonzero.rate-inbps "$(field ref.rate TCP 198.51.100.10:80 5)" "InBPS of TCP 198.51.100.10:80"
positive nonzero.persistconn "$(awk '$1 == "->" { s += $5 } END { print s + 0 }' ref.persist)" "sum of PersistConn"
positive nonzero.conn-entries "$(grep -c ESTABLISHED ref.conns)" "ESTABLISHED connection entries"
# Templates: client port 0 (one for the persistent TCP service, one per
# Call-ID for the SIP service).
positive nonzero.templates "$(awk '$4 ~ /:0$/ { n++ } END { print n + 0 }' ref.conns)" "persistence templates (client port 0)"
check_contains nonzero.sip-template-pe-data "call-0" cat ref.conns-persist

# ------------------------------------------------------------ comparisons
# (compare_in, compare_conns_in: tests/vm/topology.sh; the method is
# described at the top of this file.)
compare() { compare_in director "$@"; }
compare_conns() { compare_conns_in director "$@"; }

# The comparator itself: an expiry outside the two ipvsadm readings, or
# counting the wrong way, is refused; one between them is accepted.
not() { ! "$@"; }
printf 'h expire x\nTCP 01:56 A\nTCP 04:00 B\n' > st.a
printf 'h expire x\nTCP 01:55 A\nTCP 04:00 B\n' > st.b
printf 'h expire x\nTCP 01:56 A\nTCP 03:59 B\n' > st.bad
check selftest.expiry-between topo_expiry_between st.a st.b st.b
check selftest.expiry-outside not topo_expiry_between st.a st.bad st.b
check selftest.expiry-upward not topo_expiry_between st.b st.a st.b

elapsed "comparing"
VIEWS=("-Ln" "-ln" "-L -n --stats" "-L -n --stats --exact" "-L -n --rate" "-L -n --rate --exact"
       "-L -n --thresholds" "-L -n --persistent-conn" "-L -n --tun-info" "-L -n --nosort"
       "-Sn" "-L -n --timeout" "-L --timeout" "-L" "-S" "-L --stats" "-L --rate")
for v in "${VIEWS[@]}"; do
    read -ra args <<< "$v"
    tag=${v//[ ]/}
    compare "view.${tag//--/:}" "${args[@]}"
done
# One listing per service (and its stats), the service as -Sn writes it.
sed -n 's/^-A \(.*\) -s .*/\1/p' table.saved > services
n=0
while read -r svc; do
    n=$((n + 1))
    read -ra args <<< "$svc"
    compare "service$n.list" -L -n "${args[@]}"
    compare "service$n.stats" -L -n --stats --exact "${args[@]}"
done < services
check services.all-listed test "$n" -eq "$(grep -c '^-A ' table.saved)" -a "$n" -ge 6

# The connection table (lvsctl's -c: not implemented yet, these fail until
# it lands).
compare_conns conn.Lnc -Lnc
compare_conns conn.Lnc-persistent -Lnc --persistent-conn
compare_conns conn.L-n-c-nosort -L -n -c --nosort
compare_conns conn.Lc -L -c
compare_conns conn.Lc-persistent -L -c --persistent-conn
elapsed "views compared"

# ------------------------------------------------------------ -Z
# Zero one service with lvsctl: that service's counters are 0, the others
# keep theirs; both tools read the same.
check zero.one-by-lvsctl D "$LVS" -Z -t 198.51.100.10:80
D "$REAL" -L -n --stats --exact > z1.stats
check_output zero.one-zeroed "0 0 0 0 0" svc_counters z1.stats TCP 198.51.100.10:80
positive zero.others-kept "$(field z1.stats TCP 198.51.100.11:80 3)" "Conns of TCP 198.51.100.11:80 after zeroing another service"
compare zero.one.stats -L -n --stats --exact
compare zero.one.rate -L -n --rate --exact
if [ $FWM = 1 ]; then
    # A firewall-mark service, zeroed by Debian's ipvsadm, read by both.
    check zero.fwmark-by-ipvsadm D "$REAL" -Z -f 1
    compare zero.fwmark.stats -L -n --stats --exact
fi
# Everything, by lvsctl.
check zero.all-by-lvsctl D "$LVS" -Z
D "$REAL" -L -n --stats --exact > z2.stats
# shellcheck disable=SC2016  # an awk program
check_output zero.all-zeroed "0" awk '$1 ~ /^(TCP|UDP|FWM|SCTP)$/ || $1 == "->" { for (i = 3; i <= NF; i++) s += $i } END { print s + 0 }' z2.stats
compare zero.all.stats -L -n --stats
compare zero.all.stats-exact -L -n --stats --exact
compare zero.all.rate -L -n --rate
# Connections are not counters: still listed the same.
compare zero.all.list -Ln
compare_conns zero.all.conns -Lnc

# ------------------------------------------------------------ --set
check set.by-lvsctl D "$LVS" --set 1800 130 310
compare set.lvsctl.timeout -L --timeout
check_output set.lvsctl.value "Timeout (tcp tcpfin udp): 1800 130 310" D "$REAL" -L --timeout
check set.by-ipvsadm D "$REAL" --set 900 120 300
compare set.ipvsadm.timeout -L --timeout
check_output set.ipvsadm.value "Timeout (tcp tcpfin udp): 900 120 300" D "$LVS" -L --timeout

elapsed "done"
topo_cleanup
summary
