#!/bin/bash
# lvsctl rs up/down/status on one host (no traffic; the ARP behaviour on a
# wire is proven by rs_arp.sh): idempotence, exact undo, every status
# verdict, every error, rollback, and the tunnel devices.
. "$REPO/tests/vm/lib.sh"

L=$LVSCTL
W=$(mktemp -d)
cd "$W" || exit 1
conf() { cat "/proc/sys/net/ipv4/conf/$1/$2"; }
snapshot() {
    for k in all/arp_ignore all/arp_announce all/rp_filter lo/arp_ignore lo/arp_announce; do
        echo "$k=$(conf "${k%/*}" "${k#*/}")"
    done
    ip -o addr show | awk '{print $2, $4}' | sort
}

# --- Missing module (fresh VM: stop module loading before ipip is loaded).
saved=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe
snapshot > before-nomod
capture nomod "$L" rs up --mode tun --vip 192.0.2.20
check_output rs.no-module.status 1 cat nomod.rc
check_contains rs.no-module.message "no ipip module" cat nomod.err
snapshot > after-nomod
check_same rs.no-module.nothing-changed before-nomod after-nomod
echo "$saved" > /proc/sys/kernel/modprobe

# Non-default starting values, to see them restored.
echo 1 > /proc/sys/net/ipv4/conf/all/arp_announce
echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter
snapshot > before

# --- Nothing yet.
check_status rs.status.none 4 "$L" rs status
check_status rs.down.nothing 0 "$L" rs down

# --- up; up; down restores everything.
check rs.up "$L" rs up --vip 192.0.2.10 --vip 2001:db8::10
check_output rs.up.sysctls "1 2" bash -c "echo \$(cat /proc/sys/net/ipv4/conf/all/arp_ignore) \$(cat /proc/sys/net/ipv4/conf/all/arp_announce)"
check_contains rs.up.v4-on-lo "192.0.2.10/32" ip -o addr show dev lo
check_contains rs.up.v6-on-lo "2001:db8::10/128" ip -o addr show dev lo
check_output rs.up.no-prefix-route "" ip route show table main 192.0.2.10
snapshot > after-up1
capture up2 "$L" rs up --vip 192.0.2.10 --vip 2001:db8::10
check_output rs.up-again.status 0 cat up2.rc
check_contains rs.up-again.says-nothing-new "192.0.2.10/32 already on lo" cat up2.out
snapshot > after-up2
check_same rs.up-again.changes-nothing after-up1 after-up2
check rs.status.ok "$L" rs status
check_output rs.status.json-ok "True True" python3 -c "
import json,subprocess
d=json.loads(subprocess.check_output(['$L','rs','status','--output','json']))
print(all(v['ok'] for v in d['vips']), len(d['vips'])==2)"
check rs.down "$L" rs down
snapshot > after-down
check_same rs.up-up-down.restores-everything before after-down
check_output rs.down.state-gone "" bash -c "ls /run/lvsctl/*.json 2>/dev/null || true"

# --- Stricter settings that are still correct are kept.
echo 2 > /proc/sys/net/ipv4/conf/all/arp_ignore
check rs.strict.up "$L" rs up --vip 192.0.2.10
check_output rs.strict.kept 2 conf all arp_ignore
check rs.strict.down "$L" rs down
check_output rs.strict.back 2 conf all arp_ignore
echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore

# --- down of one VIP keeps the rest and the sysctls.
"$L" rs up --vip 192.0.2.10 --vip 192.0.2.11 > /dev/null
check rs.down-one "$L" rs down --vip 192.0.2.11
check_output rs.down-one.others-stay "1 192.0.2.10/32" bash -c "echo \$(cat /proc/sys/net/ipv4/conf/all/arp_ignore) \$(ip -o -4 addr show dev lo | awk '/192.0.2/{print \$4}')"
check_status rs.down-unknown 2 "$L" rs down --vip 192.0.2.99

# --- Every misconfiguration makes status exit 3.
check_status rs.status.healthy 0 "$L" rs status
echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore
echo 1 > /proc/sys/net/ipv4/conf/lo/arp_ignore
capture loonly "$L" rs status
check_output rs.status.lo-only 3 cat loonly.rc
check_contains rs.status.lo-only.why "set on lo only" cat loonly.out
echo 0 > /proc/sys/net/ipv4/conf/lo/arp_ignore
ip link add v0 type veth peer name v1
echo 1 > /proc/sys/net/ipv4/conf/v0/arp_ignore
capture ifonly "$L" rs status
check_output rs.status.interface-only 3 cat ifonly.rc
check_contains rs.status.interface-only.why "set on v0 only" cat ifonly.out
echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore
echo 3 > /proc/sys/net/ipv4/conf/v0/arp_ignore
capture override "$L" rs status
check_output rs.status.interface-overrides 3 cat override.rc
check_contains rs.status.interface-overrides.why "v0.arp_ignore is 3" cat override.out
echo 0 > /proc/sys/net/ipv4/conf/v0/arp_ignore
ip link del v0
echo 1 > /proc/sys/net/ipv4/conf/all/arp_announce
capture announce "$L" rs status
check_output rs.status.arp-announce-1 3 cat announce.rc
check_contains rs.status.arp-announce-1.why "arp_announce is 1" cat announce.out
echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce
echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore
check_status rs.status.arp-ignore-0 3 "$L" rs status
echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore
ip addr add 192.0.2.30/24 dev lo noprefixroute
capture wide "$L" rs status
check_output rs.status.wide-prefix 3 cat wide.rc
check_contains rs.status.wide-prefix.why "prefix /24 on lo" cat wide.out
check_status rs.status.json-exit-3 3 "$L" rs status --output json

# --- Errors change nothing.
snapshot > before-errors
capture conflict "$L" rs up --vip 192.0.2.30
check_output rs.error.conflict.status 2 cat conflict.rc
check_contains rs.error.conflict.message "already configured on lo as /24" cat conflict.err
capture nothost "$L" rs up --vip 192.0.2.0/24
check_output rs.error.not-host.status 2 cat nothost.rc
capture mcast "$L" rs up --vip 239.1.1.1
check_output rs.error.multicast.status 2 cat mcast.rc
capture noperm setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$L" rs up --vip 192.0.2.31
check_output rs.error.no-privilege.status 1 cat noperm.rc
check_contains rs.error.no-privilege.message "permission denied" cat noperm.err
capture port0 "$L" rs up --mode tun --tun-type gue --tun-port 0 --vip 192.0.2.31
check_output rs.error.port-0.status 2 cat port0.rc
snapshot > after-errors
check_same rs.errors.change-nothing before-errors after-errors
ip addr del 192.0.2.30/24 dev lo
"$L" rs down > /dev/null

# --- TUN: ipip, gre, gue devices, rp_filter, status.
for t in ipip gre gue; do
    dev=tunl0; [ $t = gre ] && dev=gre0
    extra=(); [ $t = gue ] && { kmod fou; extra=(--tun-port 6080); }
    echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter
    snapshot > "tun-before-$t"
    check "rs.tun.$t.up" "$L" rs up --mode tun --tun-type $t "${extra[@]}" --vip 192.0.2.40
    check_contains "rs.tun.$t.vip-on-$dev" "192.0.2.40/32" ip -o addr show dev $dev
    check_contains "rs.tun.$t.dev-up" "UP" ip -br link show $dev
    check_output "rs.tun.$t.rp_filter" "0 0" bash -c "echo \$(cat /proc/sys/net/ipv4/conf/all/rp_filter) \$(cat /proc/sys/net/ipv4/conf/$dev/rp_filter)"
    [ $t = gue ] && check_contains rs.tun.gue.fou-port "port 6080 gue" ip fou show
    check "rs.tun.$t.status-ok" "$L" rs status
    echo 1 > /proc/sys/net/ipv4/conf/$dev/rp_filter
    check_status "rs.tun.$t.status-strict-rp" 3 "$L" rs status
    echo 0 > /proc/sys/net/ipv4/conf/$dev/rp_filter
    ip link set $dev down
    capture "tdown-$t" "$L" rs status
    check_output "rs.tun.$t.status-dev-down" 3 cat "tdown-$t.rc"
    check_contains "rs.tun.$t.status-dev-down.why" "$dev is down" cat "tdown-$t.out"
    ip link set $dev up
    check "rs.tun.$t.down" "$L" rs down
    [ $t = gue ] && check_output rs.tun.gue.fou-port-gone "" ip fou show
    snapshot > "tun-after-$t"
    check_same "rs.tun.$t.restored" "tun-before-$t" "tun-after-$t"
done

# --- A device that answers ARP is refused.
ip link add v9 type veth peer name v8
capture devveth "$L" rs up --vip 192.0.2.51 --dev v9
check_output rs.error.dev-answers-arp.status 2 cat devveth.rc
check_status rs.error.tun-dev 2 "$L" rs up --mode tun --vip 192.0.2.51 --dev v9
ip link del v9

# --- gue twice changes nothing; a port closed by hand does not break down.
kmod fou
check rs.gue-twice.up1 "$L" rs up --mode tun --tun-type gue --tun-port 6070 --vip 192.0.2.41
check rs.gue-twice.up2 "$L" rs up --mode tun --tun-type gue --tun-port 6070 --vip 192.0.2.41
ip fou del port 6070
check rs.gue-twice.down-after-manual-close "$L" rs down

# --- A recorded tunnel VIP whose device has gone (module unloaded).
check rs.tun-missing.up "$L" rs up --mode tun --vip 192.0.2.42
ip addr flush dev tunl0
modprobe -d "$KROOT" -r ipip
capture tmiss "$L" rs status
check_output rs.status.tunnel-missing 3 cat tmiss.rc
check_contains rs.status.tunnel-missing.why "tunl0 is missing" cat tmiss.out
check rs.tun-missing.down "$L" rs down

# --- DR on a dummy device that rs up creates and rs down deletes.
check rs.dummy.up "$L" rs up --vip 192.0.2.50 --dev lvs0
check_contains rs.dummy.vip "192.0.2.50/32" ip -o addr show dev lvs0
check rs.dummy.down "$L" rs down
check_status rs.dummy.deleted 1 ip link show lvs0

# --- Rollback: the record cannot be written (/run/lvsctl is a file), so
# the whole run (tunnel device up, a fou port, sysctls, the VIP) is undone.
snapshot > before-rollback
ip fou show > fou-before
ino=$(stat -L -c %i /proc/self/ns/net)
rm -rf /run/lvsctl && mkdir -p "/run/lvsctl/rs-netns-$ino.json.tmp"   # the write will fail, after the changes
capture rb "$L" rs up --mode tun --tun-type gue --tun-port 6090 --vip 192.0.2.60
check_output rs.rollback.failed 1 cat rb.rc
check_contains rs.rollback.message "state file" cat rb.err
snapshot > after-rollback
check_same rs.rollback.nothing-left before-rollback after-rollback
ip fou show > fou-after
check_same rs.rollback.fou-port-closed fou-before fou-after
rm -rf /run/lvsctl

# --- A record left by a deleted namespace is not taken for a new one that
# reuses its inode number (records carry the namespace cookie). Inode reuse
# is up to the kernel, so the record is moved to the new inode's name, which
# is exactly what reuse looks like.
ip netns add reuse-a
ino_a=$(ip netns exec reuse-a stat -L -c %i /proc/self/ns/net)
ip netns exec reuse-a "$L" rs up --vip 192.0.2.70 > /dev/null
ip netns del reuse-a
ip netns add reuse-b
ino_b=$(ip netns exec reuse-b stat -L -c %i /proc/self/ns/net)
[ "$ino_a" = "$ino_b" ] || mv "/run/lvsctl/rs-netns-$ino_a.json" "/run/lvsctl/rs-netns-$ino_b.json"
check rs.netns-reuse.record-in-place test -f "/run/lvsctl/rs-netns-$ino_b.json"
check_status rs.netns-reuse.status-ignores-stale-record 4 ip netns exec reuse-b "$L" rs status
check_contains rs.netns-reuse.down-ignores-stale-record "nothing to undo" ip netns exec reuse-b "$L" rs down

# --- Concurrent runs are serialised by the namespace's lock: many
# parallel ups of different VIPs all end up recorded.
for i in 1 2 3 4 5 6; do "$L" rs up --vip 192.0.2.8$i > "par.$i" 2>&1 & done
wait
check_output rs.lock.all-recorded 6 python3 -c "import json,glob;print(len(json.load(open(glob.glob('/run/lvsctl/*.json')[0]))['vips']))"
check rs.lock.down "$L" rs down
check_output rs.lock.all-removed "" bash -c "ip -o addr show dev lo | grep 192.0.2.8 || true"

summary
