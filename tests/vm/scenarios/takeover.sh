#!/bin/bash
# VIP takeover between two LVS-DR directors, proven by real traffic: lvsctl
# vip del on the old director, lvsctl vip add on the new one, and the
# client's neighbour cache follows the gratuitous ARP (IPv4) or unsolicited
# neighbour advertisement (IPv6) alone, without the client asking.
#
# Why: when a VIP moves to another director, every host on the LAN still
# has the old director's MAC cached for it (for up to a minute and more,
# longer while traffic keeps confirming the entry) and keeps sending to a
# host that no longer holds the address. Announcing the VIP from the new
# director must repoint those caches at once. arp_basic.sh checks the
# frames lvsctl sends on a single host pair; only a client's real kernel
# shows whether they do the job: an existing neighbour entry switched to
# the new MAC, with no ARP request / neighbour solicitation of its own in
# between, and connections to the VIP served by the new director.
#
# What it builds (all inside the VM; see tests/vm/topology.sh): ONE bridge,
# one subnet for IPv4 and one for IPv6, every host hears every broadcast:
#
#   client  192.0.2.1    2001:db8:1::1     \
#   dir1    192.0.2.2    2001:db8:1::2      \
#   dir2    192.0.2.3    2001:db8:1::3       > bridge br0 (eth0 in each)
#   rs1     192.0.2.11   2001:db8:1::11     /
#   rs2     192.0.2.12   2001:db8:1::12    /
#   VIP     192.0.2.100  2001:db8:1::100
#
# Both directors carry the same IPVS table, built with lvsctl in its
# ipvsadm grammar: TCP VIP:80 and TCP [VIP6]:80, rr, rs1 and rs2 as -g
# (LVS-DR) destinations. Only the director holding the VIP (lvsctl vip add
# on its eth0) receives the client's packets. The real servers hold both
# VIPs on lo through "lvsctl rs up" (arp_ignore=1 / arp_announce=2; IPv6
# needs no sysctl) and run topology.sh's HTTP server on [::]:80 (dual
# stack), answering the client directly. IPv6 addresses are "nodad"; the
# IPv6 VIPs go on without DAD too (vip add and rs up do that themselves).
#
# Steps:
#   1. The ARP problem on the full topology: VIP on dir1's eth0 (vip add),
#      added by hand on rs1's and rs2's lo with default sysctls:
#      "arp probe" from the client lists three MACs (exit 3). The IPv6 VIP,
#      also on the real servers' lo by hand, is answered by dir1 alone
#      (neighbour discovery only answers for addresses on the receiving
#      interface). The hand-made VIPs are removed, "rs up" on both real
#      servers: the probe lists dir1's MAC alone (exit 0).
#   2. IPv4 takeover dir1 -> dir2 (request form, lvsctl's defaults: 5
#      requests 1 s apart): the client's neighbour table is flushed, HTTP
#      to the VIP through dir1 (dir1 counts it) leaves a fresh REACHABLE
#      entry with dir1's MAC; a capture starts in the client; dir1 vip del,
#      dir2 vip add; the entry switches to dir2's MAC; the capture (from
#      before vip del until after the switch and the whole burst) holds
#      dir2's gratuitous ARPs, each of the documented form, and no ARP
#      request from the client. HTTP again: served, counted by dir2, dir1's
#      counter unchanged.
#   3. IPv4 back dir2 -> dir1 in the reply form (--garp-form reply): the
#      same switch without a request from the client, opcode-2 frames.
#   4. IPv6 takeover dir1 -> dir2, as 2 with unsolicited neighbour
#      advertisements (override flag, to ff02::1, hop limit 255, target
#      link-layer address option = dir2's MAC, valid checksum) and no
#      neighbour solicitation (ICMPv6 type 135) from the client for the VIP.
#
# The client's kernel settings stay at their defaults, deliberately:
#   * arp_accept=0 only stops a gratuitous ARP from CREATING an entry; an
#     existing entry is updated by any ARP whose sender IP it is for
#     (net/ipv4/arp.c: arp_process looks the sender up first). Every client
#     that talked to the VIP has an entry, which is exactly the case a
#     takeover must fix, so arp_accept is not needed.
#   * locktime (1 s) only protects an entry against a DIFFERENT MAC within
#     1 s of its last update. A frame Linux recognises as gratuitous
#     (arp_is_garp: sender IP = target IP, and for a reply also target MAC
#     = sender MAC) overrides even inside that second. Both of lvsctl's
#     forms qualify: the request form, and the reply form, whose target MAC
#     is the sender MAC as in arping -A (measured by hand in this VM with
#     locktime raised to 10 s: a reply with a zero target MAC did not
#     switch a just-updated entry, one with target MAC = sender MAC did).
#   * IPv6: an unsolicited NA with the override flag updates an existing
#     entry (ndisc_recv_na: NEIGH_UPDATE_F_OVERRIDE, state STALE); it does
#     not create one (accept_untracked_na applies to routers only). No
#     locktime on the IPv6 side.
# So nothing is set on the client: the checks show what an unmodified
# Linux client does.
#
# The capture windows: tcpdump -U -w in the client namespace (ARP and
# ICMPv6, whole frames) is started and confirmed listening before vip del
# and stopped after the neighbour entry switched AND vip add returned (the
# whole burst is sent). The pcap is parsed by a small python reader below.
# No traffic is sent by the client inside a window, and a window starts
# only once the client's entry is REACHABLE or STALE (not DELAY or PROBE,
# where the kernel unicasts its own requests to the cached MAC: those would
# be the client's requests, which the checks forbid). The log says which announcement
# switched the entry (the first, in every window, on 6.1), from the
# capture's and the monitor's timestamps; both are kept in $OUT/takeover/.
#
# Counters: the 6.1 kernel folds IPVS counters every 2 s (estimator), so
# they are read with Debian's ipvsadm -L -n --stats --exact until they show
# the expected value; "unchanged" is read once the old director's
# estimator has surely run (2.2 s after the traffic ended).
#
# Runs in about 45 s of VM time under TCG (one vCPU).
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"
. "$REPO/tests/vm/arp.sh"

L=$LVSCTL
REAL=/usr/sbin/ipvsadm
VIP=192.0.2.100
VIP6=2001:db8:1::100
N=6   # HTTP requests per round (rr: N/2 to each real server)
declare -A IP4=([client]=192.0.2.1 [dir1]=192.0.2.2 [dir2]=192.0.2.3 [rs1]=192.0.2.11 [rs2]=192.0.2.12)
declare -A IP6=([client]=2001:db8:1::1 [dir1]=2001:db8:1::2 [dir2]=2001:db8:1::3 [rs1]=2001:db8:1::11 [rs2]=2001:db8:1::12)
W=$(mktemp -d)
cd "$W" || exit 1
KEEP=$OUT/takeover
mkdir -p "$KEEP"
T0=$SECONDS
elapsed() { note "t=$((SECONDS - T0))s: $*"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ------------------------------------------------------------ topology
check setup.modules kmod -a ip_vs ip_vs_rr
topo_ns client dir1 dir2 rs1 rs2
topo_bridge br0
for ns in client dir1 dir2 rs1 rs2; do
    topo_link "$ns" eth0 br0 "${IP4[$ns]}/24" "${IP6[$ns]}/64"
done

declare -A MAC_OF=() NAME_OF=()
for ns in client dir1 dir2 rs1 rs2; do
    MAC_OF[$ns]=$(ns_mac "$ns" eth0)
    NAME_OF[${MAC_OF[$ns]}]=$ns
done
note "MACs: $(for ns in client dir1 dir2 rs1 rs2; do printf '%s %s  ' "$ns" "${MAC_OF[$ns]}"; done)"
if [ "${#NAME_OF[@]}" = 5 ]; then pass setup.distinct-macs; else
    fail setup.distinct-macs "expected five distinct MACs: ${MAC_OF[*]}"
fi
note "client defaults: arp_accept=$(on client cat /proc/sys/net/ipv4/conf/eth0/arp_accept)" \
    "locktime=$(on client cat /proc/sys/net/ipv4/neigh/eth0/locktime) (1/100 s)"

# The client's neighbour table, every change with a timestamp, for the
# whole run (tells which announcement switched an entry; kept in $OUT).
topo_bg neighmon client ip -ts monitor neigh
for i in 1 2; do
    topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" "tcp:[::]:80"
done

# The same IPVS table in both directors.
for d in dir1 dir2; do
    check "setup.ipvs.$d" bash -c '
        set -e
        L=$1 d=$2
        ip netns exec "$d" "$L" -A -t 192.0.2.100:80 -s rr
        ip netns exec "$d" "$L" -a -t 192.0.2.100:80 -r 192.0.2.11:80 -g
        ip netns exec "$d" "$L" -a -t 192.0.2.100:80 -r 192.0.2.12:80 -g
        ip netns exec "$d" "$L" -A -t "[2001:db8:1::100]:80" -s rr
        ip netns exec "$d" "$L" -a -t "[2001:db8:1::100]:80" -r "[2001:db8:1::11]:80" -g
        ip netns exec "$d" "$L" -a -t "[2001:db8:1::100]:80" -r "[2001:db8:1::12]:80" -g
    ' - "$L" "$d"
done
elapsed "topology"

# ------------------------------------------------------------ helpers
# probe_macs FILE: the MACs in "arp probe --output json" FILE, sorted, space-joined
probe_macs() {
    python3 -c 'import json,sys; print(" ".join(sorted(a["mac"].lower() for a in json.load(open(sys.argv[1]))["probe"]["answers"])))' "$1"
}
macs_of() { local ns; for ns in "$@"; do echo "${MAC_OF[$ns]}"; done | sort | paste -sd ' '; }
named() { local m; for m in "$@"; do printf '%s(%s) ' "$m" "${NAME_OF[$m]:-?}"; done; }

# neigh_field FAMILY ADDR: "MAC STATE" of the client's entry for ADDR
neigh_field() {
    ip -n client "$1" neigh show "$2" dev eth0 |
        awk '{ m = "-"; for (i = 1; i <= NF; i++) if ($i == "lladdr") m = $(i + 1); print m, $NF; exit }'
}
neigh_settled() { [[ $(neigh_field "$1" "$2") =~ \ (REACHABLE|STALE)$ ]]; }
neigh_mac_is() { [ "$(neigh_field "$1" "$2" | awk '{ print $1 }')" = "$3" ]; }

# conns NS SERVICE: the Conns counter of SERVICE (as -L -n prints it) in NS
conns() {
    on "$1" "$REAL" -L -n --stats --exact | awk -v s="$2" '$1 == "TCP" && $2 == s { print $3; f = 1 } END { if (!f) print "none" }'
}
conns_are() { [ "$(conns "$1" "$2")" = "$3" ]; }
tables() {
    local d
    for d in dir1 dir2; do
        echo "--- $d: ipvsadm -L -n --stats --exact"
        on "$d" "$REAL" -L -n --stats --exact
        echo "--- $d: addresses on eth0"
        ip -n "$d" -o addr show dev eth0 | awk '{ print "  " $4 }'
    done
}

# http TAG ADDR: N requests from the client, expecting both real servers N/2 each
http() {
    local tag=$1 addr=$2
    capture "$tag" on client python3 "$TOPO_CLIENT" http "$addr" 80 "$N"
    HTTP_END=$(now_ms)
    if [ "$(<"$tag.out")" = "rs1=$((N / 2)) rs2=$((N / 2))" ]; then pass "$tag"; else
        fail "$tag" "$N HTTP requests to $addr:80: expected rs1=$((N / 2)) rs2=$((N / 2)), got: $(<"$tag.out")
client stderr: $(head -n 5 "$tag.err")
client neighbour entry for $addr: $(neigh_field "$( [[ $addr == *:* ]] && echo -6 || echo -4)" "$addr")
$(tables 2>&1)"
    fi
}

# count_check NAME NS SERVICE WANT: NS's Conns for SERVICE reaches WANT
count_check() {
    local name=$1 ns=$2 svc=$3 want=$4
    if wait_until 8 conns_are "$ns" "$svc" "$want"; then pass "$name"; else
        fail "$name" "expected $ns to count $want connections on TCP $svc, it counts $(conns "$ns" "$svc")
$(tables 2>&1)"
    fi
}

# unchanged_check NAME NS SERVICE WANT: NS's counter still WANT once NS's
# estimator has run after the last traffic (2.2 s after it ended)
unchanged_check() {
    local name=$1 ns=$2 svc=$3 want=$4 left
    left=$(( HTTP_END + 2200 - $(now_ms) ))
    [ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
    if conns_are "$ns" "$svc" "$want"; then pass "$name"; else
        fail "$name" "expected $ns's counter for TCP $svc to stay at $want (the VIP has moved away from it), it is $(conns "$ns" "$svc")
$(tables 2>&1)"
    fi
}

# fresh_check NAME FAMILY ADDR NS: the client's entry for ADDR holds NS's MAC, REACHABLE
fresh_check() {
    local name=$1 fam=$2 addr=$3 ns=$4 got
    got=$(neigh_field "$fam" "$addr")
    if [ "$got" = "${MAC_OF[$ns]} REACHABLE" ]; then pass "$name"; else
        fail "$name" "expected the client's neighbour entry for $addr to be ${MAC_OF[$ns]} ($ns) REACHABLE after traffic, got: $got
$(ip -n client "$fam" neigh show dev eth0)"
    fi
}

# Capture windows: tcpdump in the client, ARP and ICMPv6, whole frames
# (--immediate-mode: every frame reaches the file at once, not in blocks).
cap_start() {   # TAG
    topo_bg "cap.$1" client tcpdump --immediate-mode -U -n -i eth0 -w "$W/$1.pcap" arp or icmp6
    wait_until 20 grep -q 'listening on' "$TOPO_DIR/cap.$1.log"
}
# cap_has TAG MAC COUNT: the capture holds COUNT announcements from MAC
cap_has() {
    [ "$(python3 "$W/frames.py" "$W/$1.pcap" 2>/dev/null |
        awk -v m="$2" '$3 == "src=" m && ($1 == "arp" || $6 == "type=136")' | grep -c .)" -ge "$3" ]
}
cap_stop() {   # TAG MAC COUNT: stop once COUNT announcements from MAC are in; parse into TAG.frames
    wait_until 5 cap_has "$1" "$2" "$3"
    topo_kill "cap.$1"
    python3 "$W/frames.py" "$W/$1.pcap" > "$1.frames" 2> "$1.frames.err"
    python3 "$W/frames.py" --time "$W/$1.pcap" > "$1.tframes" 2>> "$1.frames.err"
    cp "$1.pcap" "$1.tframes" "$KEEP/" 2>/dev/null
}
# switched_by TAG MAC ADDR SINCE: which of MAC's announcements (in TAG's
# capture) came before the neighbour monitor's first event showing ADDR at
# MAC after SINCE (ms since the epoch)
switched_by() {
    python3 - "$1.tframes" "$TOPO_DIR/neighmon.log" "$2" "$3" "$4" <<'PY'
import re, sys, time
frames, mon, mac, addr, since = sys.argv[1:6]
since = int(since) / 1000
ann = [float(l.split()[0]) for l in open(frames)
       if (" src=%s " % mac) in l and (l.split()[1] == "arp" or " type=136 " in l)]
sw = None
for l in open(mon):
    m = re.match(r"\[(\S+)\.(\d+)\] (\S+) .*lladdr (\S+) (.*)", l)
    if not m:
        continue
    t = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + int(m.group(2)) / 1e6
    if t >= since and m.group(3) == addr and m.group(4) == mac:
        sw, state = t, m.group(5).strip()
        break
if sw is None or not ann:
    print("switch not seen in the neighbour monitor (%d announcement(s) captured)" % len(ann))
else:
    k = sum(1 for t in ann if t <= sw)
    print("entry switched to %s (%s) %.0f ms after announcement %d of %d" % (mac, state, (sw - ann[k - 1]) * 1000 if k else -1, k, len(ann)))
PY
}

cat > frames.py <<'PY'
# One line per ARP or ICMPv6 frame of a pcap (Ethernet link type):
#   arp dst=MAC src=MAC op=N sha=MAC spa=IP tha=MAC tpa=IP
#   icmp6 dst=MAC src=MAC hlim=N ip6dst=IP type=N code=N R=b S=b O=b
#         target=IP tlla=MAC slla=MAC csum=ok|bad ip6src=IP
# (icmp6 on one line; R/S/O/target/tlla only for types 135/136; fields
# that are absent print "-"). Anything else is skipped.
import ipaddress, struct, sys

stamp = sys.argv[1] == '--time'   # prefix each line with its capture time
if stamp: del sys.argv[1]

def mac(b): return b.hex(':')

def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s

data = open(sys.argv[1], 'rb').read()
if struct.unpack('<I', data[20:24])[0] != 1:
    sys.exit('not an Ethernet capture')
off = 24
while off + 16 <= len(data):
    incl = struct.unpack('<I', data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + incl]
    t = '%d.%06d ' % struct.unpack('<II', data[off:off + 8]) if stamp else ''
    off += 16 + incl
    dst, src, et = mac(f[0:6]), mac(f[6:12]), f[12:14].hex()
    if et == '0806':
        a = f[14:42]
        op = struct.unpack('>H', a[6:8])[0]
        print(t + 'arp dst=%s src=%s op=%d sha=%s spa=%s tha=%s tpa=%s' % (
            dst, src, op, mac(a[8:14]), ipaddress.IPv4Address(a[14:18]), mac(a[18:24]), ipaddress.IPv4Address(a[24:28])))
    elif et == '86dd':
        ip = f[14:]
        plen, nh, hlim = struct.unpack('>HBB', ip[4:8])
        s6, d6 = ip[8:24], ip[24:40]
        p = ip[40:40 + plen]
        while nh in (0, 43, 60) and len(p) >= 8:   # hop-by-hop, routing, destination options
            nh, hl = p[0], (p[1] + 1) * 8
            p = p[hl:]
        if nh != 58 or len(p) < 4:
            continue
        typ, code = p[0], p[1]
        pseudo = s6 + d6 + struct.pack('>IxxxB', len(p), 58)
        ok = 'ok' if csum(pseudo + p) == 0xffff else 'bad'
        R = S = O = target = tlla = slla = '-'
        if typ in (135, 136) and len(p) >= 24:
            if typ == 136:
                R, S, O = (p[4] >> 7) & 1, (p[4] >> 6) & 1, (p[4] >> 5) & 1
            target = ipaddress.IPv6Address(p[8:24])
            o = 24
            while o + 2 <= len(p) and p[o + 1]:
                ol = p[o + 1] * 8
                if p[o] == 1: slla = mac(p[o + 2:o + 8])
                if p[o] == 2: tlla = mac(p[o + 2:o + 8])
                o += ol
        print(t + 'icmp6 dst=%s src=%s hlim=%d ip6dst=%s type=%d code=%d R=%s S=%s O=%s target=%s tlla=%s slla=%s csum=%s ip6src=%s' % (
            dst, src, hlim, ipaddress.IPv6Address(d6), typ, code, R, S, O, target, tlla, slla, ok, ipaddress.IPv6Address(s6)))
PY

# garp_form_check NAME FRAMES NS OP COUNT: the ARP frames sent by NS in
# FRAMES are exactly COUNT gratuitous ARPs of the documented form
garp_form_check() {
    local name=$1 frames=$2 ns=$3 op=$4 count=$5 m want got
    m=${MAC_OF[$ns]}
    want=$(for ((i = 0; i < count; i++)); do
        local tha=00:00:00:00:00:00; [ "$op" = 2 ] && tha=$m
        echo "arp dst=ff:ff:ff:ff:ff:ff src=$m op=$op sha=$m spa=$VIP tha=$tha tpa=$VIP"; done)
    got=$(grep -F " src=$m " "$frames" | grep '^arp ')
    if [ "$got" = "$want" ]; then pass "$name"; else
        fail "$name" "expected exactly $count gratuitous ARP(s) from $ns ($m) in the capture, each:
  ethernet destination ff:ff:ff:ff:ff:ff, opcode $op, sender MAC $m, sender IP = target IP = $VIP, target MAC zero (request) or = sender MAC (reply)
--- diff -u expected actual:
$(printf '%s\n' "$want" > want.txt; printf '%s\n' "$got" > got.txt; diff -u --label expected --label actual want.txt got.txt)
--- whole capture:
$(cat "$frames" "${frames}.err" 2>/dev/null)"
    fi
}

# no_request_check NAME FRAMES: no ARP request sent by the client
no_request_check() {
    local name=$1 frames=$2 bad
    bad=$(awk -v m="${MAC_OF[client]}" -v a="${IP4[client]}" \
        '$1 == "arp" && $4 == "op=1" && ($3 == "src=" m || $5 == "sha=" m || $6 == "spa=" a)' "$frames")
    if [ -s "$frames" ] && [ -z "$bad" ]; then pass "$name"; else
        fail "$name" "expected no ARP request from the client (${MAC_OF[client]}, ${IP4[client]}) in the takeover window${bad:+, found:
$bad}
--- whole capture:
$(cat "$frames" "${frames}.err" 2>/dev/null)"
    fi
}

# switch_check NAME FAMILY ADDR NS T1: wait for the client's entry for ADDR
# to hold NS's MAC (T1: when vip add started, for the log)
switch_check() {
    local name=$1 fam=$2 addr=$3 ns=$4 t1=$5 got
    if wait_until 12 neigh_mac_is "$fam" "$addr" "${MAC_OF[$ns]}"; then
        pass "$name"
        note "$name: entry now $(neigh_field "$fam" "$addr") (seen ~$(( $(now_ms) - t1 )) ms after vip add started)"
    else
        got=$(neigh_field "$fam" "$addr")
        fail "$name" "expected the client's neighbour entry for $addr to switch to ${MAC_OF[$ns]} ($ns) after $ns's vip add, it is: $got ($(named "${got%% *}"))
$(ip -n client "$fam" neigh show dev eth0)
$(tables 2>&1)"
    fi
}

# takeover TAG FAMILY ADDR/PREFIX FROM TO COUNT [VIP-ADD-OPTIONS...]: the
# whole move inside a capture window: FROM vip del, TO vip add (sending
# COUNT announcements), the client's entry switches to TO's MAC. Leaves
# TAG.frames (the capture) and TAG.neigh (the neighbour monitor).
takeover() {
    local tag=$1 fam=$2 cidr=$3 from=$4 to=$5 count=$6 addr=${3%/*} pid rc t0 t1
    shift 6
    # A window starts only once the client's entry has settled (REACHABLE
    # or STALE). An entry that an announcement left STALE and that traffic
    # then used is in DELAY; 5 s after that first use the kernel either
    # marks it REACHABLE (confirmed meanwhile) or PROBEs it with unicast
    # requests to the cached MAC. Here (step 3, after step 2's HTTP through
    # dir2) it was seen to probe every time, and a probe inside the window
    # would be the client's own request, unrelated to the takeover.
    if wait_until 10 neigh_settled "$fam" "$addr"; then
        pass "$tag.settled"
        note "$tag: client's entry before: $(neigh_field "$fam" "$addr")"
    else
        fail "$tag.settled" "the client's neighbour entry for $addr did not settle (REACHABLE or STALE) in 10 s: $(neigh_field "$fam" "$addr")"
    fi
    check "$tag.capture" cap_start "$tag"
    t0=$(now_ms)
    check "$tag.vip-del" on "$from" "$L" vip del "$cidr" --dev eth0
    t1=$(now_ms)
    on "$to" "$L" vip add "$cidr" --dev eth0 "$@" > "$tag.vipadd.out" 2> "$tag.vipadd.err" &
    pid=$!
    switch_check "$tag.switched" "$fam" "$addr" "$to" "$t1"
    wait "$pid"
    rc=$?
    note "$tag: vip add took $(( $(now_ms) - t1 )) ms: $(<"$tag.vipadd.out")"
    if [ "$rc" = 0 ]; then pass "$tag.vip-add"; else
        fail "$tag.vip-add" "on $to: $L vip add $cidr --dev eth0 $*: exit $rc
$(cat "$tag.vipadd.out" "$tag.vipadd.err")"
    fi
    cap_stop "$tag" "${MAC_OF[$to]}" "$count"
    note "$tag: $(switched_by "$tag" "${MAC_OF[$to]}" "$addr" "$t0")"
    note "$tag: client's entry after the burst: $(neigh_field "$fam" "$addr")"
}

check setup.servers-ready wait_until 30 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

# ------------------------------------------------------------ 1. probe
check setup.dir1.vip4 on dir1 "$L" vip add "$VIP/32" --dev eth0 --garp-count 1
check setup.dir1.vip6 on dir1 "$L" vip add "$VIP6/128" --dev eth0 --garp-count 1
for i in 1 2; do
    ip -n "rs$i" addr add "$VIP/32" dev lo
    ip -n "rs$i" -6 addr add "$VIP6/128" dev lo nodad
done
capture probe.before on client "$L" arp probe "$VIP" --output json
check_output probe.before.status 3 cat probe.before.rc
check_output probe.before.macs "$(macs_of dir1 rs1 rs2)" probe_macs probe.before.out
capture probe6.before on client "$L" arp probe "$VIP6" --timeout 1s --output json
check_output probe6.before.status 0 cat probe6.before.rc
check_output probe6.before.macs "$(macs_of dir1)" probe_macs probe6.before.out
cp probe.before.* probe6.before.* "$KEEP/"

for i in 1 2; do
    ip -n "rs$i" addr del "$VIP/32" dev lo
    ip -n "rs$i" -6 addr del "$VIP6/128" dev lo
    check "rs.up.rs$i" on "rs$i" "$L" rs up --vip "$VIP" --vip "$VIP6"
done
capture probe.after on client "$L" arp probe "$VIP" --output json
check_output probe.after.status 0 cat probe.after.rc
check_output probe.after.macs "$(macs_of dir1)" probe_macs probe.after.out
cp probe.after.* "$KEEP/"
elapsed "probes"

# ------------------------------------------------------------ 2. IPv4 dir1 -> dir2
ip -n client -4 neigh flush dev eth0
http v4.before.http "$VIP"
fresh_check v4.before.neigh -4 "$VIP" dir1
count_check v4.before.count dir1 "$VIP:80" "$N"

takeover v4.takeover -4 "$VIP/32" dir1 dir2 5     # lvsctl's defaults: 5 requests, 1 s apart
no_request_check v4.takeover.no-request v4.takeover.frames
garp_form_check v4.wire.request-form v4.takeover.frames dir2 1 5

http v4.after.http "$VIP"
count_check v4.after.count-dir2 dir2 "$VIP:80" "$N"
unchanged_check v4.after.dir1-unchanged dir1 "$VIP:80" "$N"
elapsed "IPv4 takeover"

# ------------------------------------------------------------ 3. IPv4 back, reply form
takeover v4.back -4 "$VIP/32" dir2 dir1 3 --garp-form reply --garp-count 3 --garp-interval 500ms
no_request_check v4.back.no-request v4.back.frames
garp_form_check v4.wire.reply-form v4.back.frames dir1 2 3
elapsed "IPv4 back (reply form)"

# ------------------------------------------------------------ 4. IPv6 dir1 -> dir2
ip -n client -6 neigh flush dev eth0
http v6.before.http "$VIP6"
fresh_check v6.before.neigh -6 "$VIP6" dir1
count_check v6.before.count dir1 "[$VIP6]:80" "$N"

takeover v6.takeover -6 "$VIP6/128" dir1 dir2 3 --garp-count 3 --garp-interval 500ms

# no neighbour solicitation from the client for the VIP
# (fields: $3 src=, $6 type=, $11 target=)
bad=$(awk -v m="${MAC_OF[client]}" -v t="$VIP6" '$1 == "icmp6" && $3 == "src=" m && $6 == "type=135" && $11 == "target=" t' v6.takeover.frames)
if [ -s v6.takeover.frames ] && [ -z "$bad" ]; then pass v6.takeover.no-solicitation; else
    fail v6.takeover.no-solicitation "expected no neighbour solicitation (ICMPv6 135) from the client for $VIP6 in the takeover window${bad:+, found:
$bad}
--- whole capture:
$(cat v6.takeover.frames v6.takeover.frames.err)"
fi
other=$(awk -v m="${MAC_OF[client]}" '$1 == "icmp6" && $3 == "src=" m && $6 == "type=135"' v6.takeover.frames)
[ -z "$other" ] || note "other solicitations from the client in the window: $other"

# the NAs of dir2: documented form
m=${MAC_OF[dir2]}
want=$(for i in 1 2 3; do echo "icmp6 dst=33:33:00:00:00:01 src=$m hlim=255 ip6dst=ff02::1 type=136 code=0 R=0 S=0 O=1 target=$VIP6 tlla=$m slla=- csum=ok"; done)
got=$(awk -v m="$m" '$1 == "icmp6" && $3 == "src=" m && $6 == "type=136"' v6.takeover.frames | sed 's/ ip6src=.*//')
note "v6 NA source addresses: $(awk -v m="$m" '$1 == "icmp6" && $3 == "src=" m && $6 == "type=136" { print $NF }' v6.takeover.frames | sort -u | paste -sd ' ')"
if [ "$got" = "$want" ]; then pass v6.wire.na-form; else
    fail v6.wire.na-form "expected exactly 3 unsolicited neighbour advertisements from dir2 ($m): to 33:33:00:00:00:01 / ff02::1, hop limit 255, ICMPv6 136 code 0, override set, solicited and router clear, target $VIP6, target link-layer address option $m, valid checksum
--- diff -u expected actual:
$(printf '%s\n' "$want" > want.txt; printf '%s\n' "$got" > got.txt; diff -u --label expected --label actual want.txt got.txt)
--- whole capture:
$(cat v6.takeover.frames v6.takeover.frames.err)"
fi

http v6.after.http "$VIP6"
count_check v6.after.count-dir2 dir2 "[$VIP6]:80" "$N"
unchanged_check v6.after.dir1-unchanged dir1 "[$VIP6]:80" "$N"
elapsed "IPv6 takeover"

tables > "$KEEP/tables.txt" 2>&1
cp "$TOPO_DIR/neighmon.log" "$KEEP/client-neigh.log"
summary
