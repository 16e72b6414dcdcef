#!/bin/bash
# lvsctl daemon's through_vip probes on an LVS-DR wire: the probe goes from
# the director to the VIP with SO_MARK, through a firewall-mark service the
# daemon makes for that one real server, so it passes only for a real
# server that accepts packets for the VIP. rs1 is cured (`lvsctl rs up
# --mode dr`: the VIP hidden on its loopback), rs2 is not (no VIP): a plain
# probe to each server's address passes for both, the through_vip probe
# only for rs1. Also: the director sysctls set while it runs and given back
# on stop, the probe services shown as the daemon's own (registry), left
# alone by a pruning `apply`, and removed on stop.
#
#   director 192.0.2.2 + VIP 203.0.113.10 --br0-- rs1 192.0.2.11, rs2 192.0.2.12
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
VIP=203.0.113.10
W=$(mktemp -d)
cd "$W" || exit 1

check setup.modules kmod -a ip_vs ip_vs_rr
topo_ns director rs1 rs2
topo_bridge br0
topo_link director eth0 br0 192.0.2.2/24
topo_link rs1 eth0 br0 192.0.2.11/24
topo_link rs2 eth0 br0 192.0.2.12/24
check setup.director-vip ip -n director addr add "$VIP/32" dev eth0
for i in 1 2; do
    topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" tcp:0.0.0.0:80
done
check setup.rs1-cured on rs1 "$L" rs up --mode dr --vip "$VIP"
check setup.servers-ready wait_until 60 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

accept_before=$(on director cat /proc/sys/net/ipv4/conf/all/accept_local)
on director sysctl -qw net.ipv4.conf.eth0.rp_filter=1
rp_before=$(on director cat /proc/sys/net/ipv4/conf/all/rp_filter)

cat > d.toml <<EOT
[daemon]
reconcile_interval = "2s"
socket = "$W/d.sock"

[[services]]
protocol = "tcp"
address = "$VIP"
port = 80
scheduler = "rr"
  [services.check]           # generous timers: TCG emulation is slow
  type = "http"
  through_vip = true
  interval = "1s"
  timeout = "1s"
  rise = 1
  fall = 2
  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  [[services.destinations]]
  address = "192.0.2.12"
  port = 80

# The same servers probed at their own addresses: both answer. (NAT, so
# the real servers' port may differ; no traffic uses this service.)
[[services]]
protocol = "tcp"
address = "$VIP"
port = 8080
  [services.check]
  type = "http"
  interval = "1s"
  timeout = "1s"
  rise = 1
  fall = 2
  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  forward = "masq"
  [[services.destinations]]
  address = "192.0.2.12"
  port = 80
  forward = "masq"
EOT
check_contains vip.check "valid: 2 services, 4 real servers, 4 distinct probes" on director "$L" daemon check d.toml
topo_bg daemon director "$L" daemon --config d.toml

status() { on director "$L" daemon status --socket "$W/d.sock" --output json; }
health_is() {   # SERVICE SERVER HEALTH
    status | python3 -c '
import json, sys
s = json.load(sys.stdin)
svc = [x for x in s["services"] if x["service"] == sys.argv[1]][0]
srv = [x for x in svc["servers"] if x["server"] == sys.argv[2]][0]
sys.exit(0 if srv["health"] == sys.argv[3] and srv["checks"][0]["last"] is not None else 1)
' "$@"
}
check vip.cured-up wait_until 60 health_is "tcp:$VIP:80" 192.0.2.11:80 up
check vip.uncured-down wait_until 60 health_is "tcp:$VIP:80" 192.0.2.12:80 down
plain_both_up() { health_is "tcp:$VIP:8080" 192.0.2.11:80 up && health_is "tcp:$VIP:8080" 192.0.2.12:80 up; }
check vip.plain-probe-both-up wait_until 60 plain_both_up
status > status.json
check vip.uncured-reason python3 -c '
import json
s = json.load(open("status.json"))
srv = s["services"][0]["servers"][1]
assert srv["checks"][0]["last"]["up"] is False, srv
print(srv["checks"][0]["last"]["reason"])
'
on director ipvsadm -Ln > table.txt
check vip.weights-in-kernel grep -Eq '^  -> 192\.0\.2\.12:80 +Route +0 ' table.txt
# The two probe services: one firewall mark per server, rr, that server only.
marks=$(on director ipvsadm -Sn | grep -c '^-A -f [0-9]* -s rr$')
check_output vip.probe-services 2 echo "$marks"
check_output vip.sysctl.accept_local 1 on director cat /proc/sys/net/ipv4/conf/all/accept_local
check_output vip.sysctl.rp_filter 2 on director cat /proc/sys/net/ipv4/conf/all/rp_filter
reg=$(ls /run/lvsctl/daemons/*.json 2>/dev/null | head -1)
check_contains vip.registry-keeps-them '"keep":["fwmark:' cat "$reg"

# A pruning apply of a file without them leaves the probe services alone.
on director ipvsadm -Sn | grep -v '^-A -f\|^-a -f' > site.rules
capture apply on director "$L" apply --prune site.rules
check_output vip.apply.status 0 cat apply.rc
check_output vip.apply.probes-kept 2 sh -c "ip netns exec director ipvsadm -Sn | grep -c '^-A -f'"
capture diff on director "$L" diff site.rules
check_output vip.diff.nothing 0 cat diff.rc

# Stop: the probe services go, the sysctls come back, the site stays.
dpid=$(topo_pid daemon)
kill -TERM "$dpid"
wait "$dpid"
check_output vip.stop.exit 0 echo $?
topo_kill daemon
check_output vip.stop.probes-removed 0 sh -c "ip netns exec director ipvsadm -Sn | grep -c '^-A -f' || true"
check_output vip.stop.services-kept 2 sh -c "ip netns exec director ipvsadm -Sn | grep -c '^-A -t'"
check_output vip.stop.accept_local "$accept_before" on director cat /proc/sys/net/ipv4/conf/all/accept_local
check_output vip.stop.rp_filter "$rp_before" on director cat /proc/sys/net/ipv4/conf/all/rp_filter
cp status.json table.txt "$OUT/" 2>/dev/null
cp "$TOPO_DIR/daemon.log" "$OUT/daemon.log" 2>/dev/null

summary
