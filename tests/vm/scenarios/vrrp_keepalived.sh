#!/bin/bash
# vm-run: alone
# VRRP between `lvsctl daemon` and Debian's keepalived 2.2.7, one on each
# director: the migration path, where a site runs both for a while.
#
# Why: keepalived drops an advert whose version, VIP count or list, v2
# interval or v3/IPv4 checksum form it does not expect, and then both
# directors hold the VIP. lvsctl must send exactly what keepalived 2.2.7
# accepts (v2 by default on IPv4; v3 over IPv4 with keepalived's IPv4
# pseudo-header checksum, whose destination is the peer in unicast; IPv6
# v3 from the link-local address) and take over from it, and report a
# peer that differs instead of fighting it silently.
#
# What it builds (one bridge): client 192.0.2.1, dir1 192.0.2.2 (lvsctl),
# dir2 192.0.2.3 (keepalived -P, its own pid files), rs1 192.0.2.11 and
# rs2 192.0.2.12 (cured with `lvsctl rs up`, HTTP). dir1's file always
# has the LVS-DR service VIP:80 -> rs1, rs2; keepalived's holds VRRP only.
#
# Cases, each with lvsctl as the Master (priority 150, keepalived 100) and
# then with keepalived as the Master (the reverse):
#   v2-ipv4   VRRPv2, advert_int 1 s, 192.0.2.100/24
#   v3-ipv4   VRRPv3, 500 ms, keepalived's checksum form
#   v3-ipv6   VRRPv3, 500 ms, 2001:db8::100/64
#   v3-unicast  VRRPv3 over IPv4, unicast peers between the two
# In each: exactly one holds the VIP, and stays so for four intervals;
# keepalived logs no refused advert (wrong version, checksum, count,
# addresses) and lvsctl reports no difference in the peer; the Master
# stops (SIGTERM: priority 0) and the other takes over within skew + 1 s;
# it starts again and preempts; it dies (kill -9) and the other takes
# over within 3 x interval + skew + 1 s. When lvsctl took over from a
# dead keepalived (IPv4), HTTP through the VIP is served by both real
# servers. Times are the kernel's address events in the director taking
# over (topology.sh's topo_addr_added), printed with the polled times;
# the scenario measures time, so it runs with no other VM beside it.
#
# Then: keepalived with two VIPs against lvsctl's one (both Master, as
# keepalived 2.2.7 drops the advert) is reported by lvsctl, naming the
# extra address; and a sync group of two instances on each side moves
# together when one of lvsctl's instances faults (its tracked interface
# down) and comes back when it clears.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
KA=/usr/sbin/keepalived
declare -A IP4=([client]=192.0.2.1 [dir1]=192.0.2.2 [dir2]=192.0.2.3 [rs1]=192.0.2.11 [rs2]=192.0.2.12)
VIP4=192.0.2.100
VIP4B=192.0.2.101
VIP6=2001:db8::100
N=6
W=$(mktemp -d)
cd "$W" || exit 1
KEEP=$OUT/vrrp_keepalived
mkdir -p "$KEEP"
now_ms() { topo_now_ms; }

# ------------------------------------------------------------ topology
check setup.modules kmod -a ip_vs ip_vs_rr
check setup.keepalived test -x "$KA"
topo_ns client dir1 dir2 rs1 rs2
topo_bridge br0
for ns in client dir1 dir2 rs1 rs2; do
    # link-local addresses usable at once (no DAD wait): IPv6 adverts
    # leave from them
    topo_sysctl "$ns" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
    topo_link "$ns" eth0 br0 "${IP4[$ns]}/24"
done
ip -n dir1 link add dummy0 type dummy && ip -n dir1 link set dummy0 up
# the directors' address events, time-stamped: what takeover() measures by
topo_addr_watch dir1
topo_addr_watch dir2
for i in 1 2; do
    check "setup.rs$i.up" on "rs$i" "$L" rs up --vip "$VIP4"
    topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" "tcp:0.0.0.0:80"
done
wait_until 20 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

# ------------------------------------------------------------ the two sides
# lv_file PRIO VERSION INTERVAL_MS VIP [unicast]: lvsctl's file
lv_file() {
    cat <<EOF
[[services]]
protocol = "tcp"
address = "$VIP4"
port = 80
scheduler = "rr"

  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  forward = "route"

  [[services.destinations]]
  address = "192.0.2.12"
  port = 80
  forward = "route"

[[vrrp]]
name = "VI_1"
interface = "eth0"
vrid = 51
version = $2
priority = $1
advert_interval = "${3}ms"
vips = ["$4"]
garp = { count = 1, repeat_after = "0s" }
EOF
    if [ "${5:-}" = unicast ]; then
        printf 'unicast_source = "%s"\nunicast_peers = ["%s"]\n' "${IP4[dir1]}" "${IP4[dir2]}"
    fi
}
# ka_file PRIO VERSION INTERVAL_MS VIP... [unicast]: keepalived's file
ka_file() {
    local prio=$1 ver=$2 ms=$3 uni=0 v
    shift 3
    printf 'global_defs {\n    router_id dir2\n    vrrp_garp_master_delay 0\n    vrrp_garp_master_repeat 1\n}\n'
    printf 'vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n'
    printf '    priority %s\n    advert_int %s\n    version %s\n' "$prio" \
        "$(awk -v m="$ms" 'BEGIN { printf "%g", m / 1000 }')" "$ver"
    printf '    virtual_ipaddress {\n'
    for v in "$@"; do
        if [ "$v" = unicast ]; then uni=1; else printf '        %s\n' "$v"; fi
    done
    printf '    }\n'
    if [ "$uni" = 1 ]; then
        printf '    unicast_src_ip %s\n    unicast_peer {\n        %s\n    }\n' "${IP4[dir2]}" "${IP4[dir1]}"
    fi
    printf '}\n'
}

KN=0
lv_start() { topo_bg lvs dir1 "$L" daemon --config "$W/lv.toml"; }
lv_stop() { kill -TERM "$(topo_pid lvs)" 2>/dev/null; }
lv_kill() { kill -KILL "$(topo_pid lvs)" 2>/dev/null; }
lv_reap() { topo_kill lvs; cat "$TOPO_DIR/lvs.log" >> "$KEEP/lvsctl.log" 2>/dev/null; }
ka_start() {
    KN=$((KN + 1))
    rm -f "$W/ka.pid" "$W/ka.vrrp.pid"
    topo_bg ka dir2 "$KA" -n -l -D -P -R -G -f "$W/ka.conf" -p "$W/ka.pid" -r "$W/ka.vrrp.pid"
    wait_until 20 test -s "$W/ka.vrrp.pid"
}
ka_stop() { kill -TERM "$(topo_pid ka)" 2>/dev/null; }
# (the VRRP child first, so that the parent cannot stop it cleanly)
ka_kill() { kill -KILL "$(cat "$W/ka.vrrp.pid" 2>/dev/null)" "$(topo_pid ka)" 2>/dev/null; }
ka_reap() {
    topo_kill ka
    { echo "=== keepalived run $KN"; cat "$TOPO_DIR/ka.log"; } >> "$KEEP/keepalived.log" 2>/dev/null
}
ka_refusals() {   # keepalived's log lines about adverts it refused
    grep -E 'wrong version|Invalid VRRPv3 checksum|unexpected ip number|not present in MASTER advert|interval mismatch|Expected (unicast|multicast)|not a unicast peer|ttl' \
        "$TOPO_DIR/ka.log" 2>/dev/null
}

lv_state() {
    on dir1 "$L" daemon status --output json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["vrrp"][0]["state"])' 2>/dev/null
}
lv_differs() {   # every difference lvsctl reports in its peers
    on dir1 "$L" daemon status --output json 2>/dev/null |
        python3 -c 'import json,sys
for v in json.load(sys.stdin)["vrrp"]:
    for p in v.get("peers", []):
        for d in p.get("differs", []):
            print(v["name"], p["address"], d)' 2>/dev/null
}
has() { ip -n "$1" -o addr show dev eth0 | grep -q " $2/"; }
holders() { local d; for d in dir1 dir2; do has "$d" "$1" && printf '%s ' "$d"; done; echo; }
# wait_has DIR VIP MS: polls every 50 ms until DIR holds VIP; "never" if not
wait_has() {
    local t0 end
    t0=$(now_ms); end=$((t0 + $3))
    while [ "$(now_ms)" -lt "$end" ]; do
        if has "$1" "$2"; then return 0; fi
        sleep 0.05
    done
    return 1
}
explain() {
    echo "--- holders of $1: $(holders "$1"); lvsctl state: $(lv_state)"
    echo "--- lvsctl (dir1):"; tail -n 6 "$TOPO_DIR/lvs.log" 2>/dev/null
    echo "--- keepalived (dir2):"; tail -n 10 "$TOPO_DIR/ka.log" 2>/dev/null
}
# takeover NAME DIR VIP BOUND T0 HAD: DIR holds VIP within BOUND ms of
# T0; HAD is whether it held it already before the step (a failure: two
# masters, nothing was taken over)
takeover() {
    local name=$1 dir=$2 vip=$3 bound=$4 t0=$5 took=never
    if [ "$6" = yes ]; then
        fail "$name" "$dir held $vip before the step: nothing to take over
$(explain "$vip")"
        return
    fi
    local polled=never at
    if wait_has "$dir" "$vip" $((bound + 3000)); then
        polled=$(( $(now_ms) - t0 ))
        sleep 0.1   # ip monitor's line may trail the poll
        at=$(topo_addr_added "$dir" "$vip" "$t0")
        if [ -n "$at" ]; then took=$((at - t0)); else took=$polled; fi
    fi
    note "$name: $dir holds $vip after $took ms by the kernel's event ($polled ms polled; bound $bound ms)"
    if [ "$took" != never ] && [ "$took" -le "$bound" ]; then pass "$name"; else
        fail "$name" "expected $dir to hold $vip within $bound ms, took $took ms (polled: $polled ms)
$(explain "$vip")
--- $dir's address events:
$(tail -n 6 "$TOPO_DIR/addr.$dir.log" 2>/dev/null)"
    fi
}
# one_master NAME MASTER BACKUP VIP WAIT_S STABLE_S: only MASTER holds VIP,
# still so STABLE_S later
one_master() {
    local name=$1 m=$2 b=$3 vip=$4
    if wait_until "$5" eval 'has "$m" "$vip" && ! has "$b" "$vip"' && sleep "$6" &&
        has "$m" "$vip" && ! has "$b" "$vip"; then
        pass "$name"
    else
        fail "$name" "expected $m alone to hold $vip; holders: $(holders "$vip")
$(explain "$vip")"
    fi
}
http() {   # TAG
    capture "$1" on client python3 "$TOPO_CLIENT" http "$VIP4" 80 "$N"
    if [ "$(<"$1.out")" = "rs1=$((N / 2)) rs2=$((N / 2))" ]; then pass "$1"; else
        fail "$1" "$N HTTP requests to $VIP4:80: expected rs1=$((N / 2)) rs2=$((N / 2)), got: $(<"$1.out") $(head -n 3 "$1.err")"
    fi
}
clear_vips() {
    local d v
    for d in dir1 dir2; do
        for v in "$VIP4/24" "$VIP4B/24" "$VIP6/64"; do ip -n "$d" addr del "$v" dev eth0 2>/dev/null; done
    done
}

# ------------------------------------------------------------ the cases
# run_case NAME VERSION INTERVAL_MS VIP PREFIX MASTER [unicast]
run_case() {
    local c=$1 ver=$2 ms=$3 vip=$4 len=$5 master=$6 uni=${7:-} lp kp mdir bdir
    local skew=$(( (256 - 100) * ms / 256 ))
    local planned=$((skew + 1000)) death=$((3 * ms + skew + 1000))
    if [ "$master" = lvsctl ]; then lp=150 kp=100 mdir=dir1 bdir=dir2; else lp=100 kp=150 mdir=dir2 bdir=dir1; fi
    lv_file "$lp" "$ver" "$ms" "$vip/$len" $uni > lv.toml
    ka_file "$kp" "$ver" "$ms" "$vip/$len" $uni > ka.conf
    cp lv.toml "$KEEP/$c.lvsctl.toml"; cp ka.conf "$KEEP/$c.keepalived.conf"
    check "$c.keepalived-config" on dir2 "$KA" -t -f "$W/ka.conf"
    lv_start
    ka_start
    # up to the master-down interval of a starting Backup, twice over
    one_master "$c.one-master" "$mdir" "$bdir" "$vip" 20 $((4 * ms / 1000 + 1))
    local refused
    refused=$(ka_refusals)
    if [ -z "$refused" ]; then pass "$c.keepalived-accepts"; else
        fail "$c.keepalived-accepts" "keepalived refused lvsctl's adverts:
$refused"
    fi
    check_output "$c.lvsctl-no-differs" "" lv_differs
    # planned hand-over: the Master stops
    local t0 had
    had=no; has "$bdir" "$vip" && had=yes
    t0=$(now_ms)
    if [ "$master" = lvsctl ]; then lv_stop; else ka_stop; fi
    takeover "$c.stop.takeover" "$bdir" "$vip" "$planned" "$t0" "$had"
    if [ "$master" = lvsctl ]; then lv_reap; lv_start; else ka_reap; ka_start; fi
    one_master "$c.restart.preempts" "$mdir" "$bdir" "$vip" 20 1
    # death
    had=no; has "$bdir" "$vip" && had=yes
    t0=$(now_ms)
    if [ "$master" = lvsctl ]; then lv_kill; else ka_kill; fi
    takeover "$c.death.takeover" "$bdir" "$vip" "$death" "$t0" "$had"
    if [ "$master" = keepalived ] && [ "$vip" = "$VIP4" ]; then
        # the dead keepalived left its VIP: take it away as a reboot would
        ip -n dir2 addr del "$vip/$len" dev eth0 2>/dev/null
        ip -n client neigh flush dev eth0
        http "$c.death.http"
    fi
    lv_stop; ka_stop
    lv_reap; ka_reap
    clear_vips
}

for m in lvsctl keepalived; do
    run_case "v2-ipv4.$m-master" 2 1000 "$VIP4" 24 "$m"
    run_case "v3-ipv4.$m-master" 3 500 "$VIP4" 24 "$m"
    run_case "v3-ipv6.$m-master" 3 500 "$VIP6" 64 "$m"
    run_case "v3-unicast.$m-master" 3 500 "$VIP4" 24 "$m" unicast
done

# ------------------------------------------------------------ VIP lists differ
lv_file 150 3 500 "$VIP4/24" > lv.toml
ka_file 100 3 500 "$VIP4/24" "$VIP4B/24" > ka.conf
check mismatch.keepalived-config on dir2 "$KA" -t -f "$W/ka.conf"
lv_start
ka_start
check mismatch.reported wait_until 10 eval 'lv_differs | grep -q "VIP list differs: extra $VIP4B\$"'
note "lvsctl reports: $(lv_differs | tr '\n' ';')"
check mismatch.keepalived-refuses wait_until 10 eval 'ka_refusals | grep -q .'
note "keepalived says: $(ka_refusals | tail -n 1)"
lv_stop; ka_stop
lv_reap; ka_reap
clear_vips

# ------------------------------------------------------------ sync groups
cat > lv.toml <<EOF
[[vrrp]]
name = "VI_1"
interface = "eth0"
vrid = 51
version = 3
priority = 150
advert_interval = "500ms"
vips = ["$VIP4/24"]
garp = { count = 1, repeat_after = "0s" }

[[vrrp]]
name = "VI_2"
interface = "eth0"
vrid = 52
version = 3
priority = 150
advert_interval = "500ms"
vips = ["$VIP4B/24"]
track_interfaces = ["dummy0"]
garp = { count = 1, repeat_after = "0s" }

[[vrrp_sync_group]]
name = "G1"
instances = ["VI_1", "VI_2"]
EOF
{
    ka_file 100 3 500 "$VIP4/24"
    ka_file 100 3 500 "$VIP4B/24" | sed -n '/^vrrp_instance/,$p' |
        sed 's/VI_1/VI_2/; s/virtual_router_id 51/virtual_router_id 52/'
    printf 'vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n}\n'
} > ka.conf
cp lv.toml "$KEEP/sync.lvsctl.toml"; cp ka.conf "$KEEP/sync.keepalived.conf"
check sync.keepalived-config on dir2 "$KA" -t -f "$W/ka.conf"
lv_start
ka_start
both() { has "$1" "$VIP4" && has "$1" "$VIP4B"; }
none() { ! has "$1" "$VIP4" && ! has "$1" "$VIP4B"; }
check sync.lvsctl-master-of-both wait_until 20 eval 'both dir1 && none dir2'
ip -n dir1 link set dummy0 down
check sync.fault-moves-both wait_until 10 eval 'both dir2 && none dir1'
# (this file has no services: exit 3 is the instances' Fault alone)
check_status sync.status-exit3 3 on dir1 "$L" daemon status
ip -n dir1 link set dummy0 up
check sync.back-together wait_until 20 eval 'both dir1 && none dir2'
check_status sync.status-exit0 0 on dir1 "$L" daemon status
lv_stop; ka_stop
lv_reap; ka_reap

summary
