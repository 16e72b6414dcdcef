#!/bin/bash
# lvsctl daemon, the operator's side: file validation (`daemon check`, and
# `apply` refusing a daemon file by name), systemd's readiness protocol
# (READY=1, RELOADING=1 on a socket of our own as $NOTIFY_SOCKET), the
# capabilities it keeps, JSON logs, Prometheus metrics scraped, the
# warning other writers print while it runs, the read-only status group
# over the socket's peer credentials, hooks and command checks run as the
# file's user, and flush_on_stop. (Health, reloads, drains and restarts
# against a client's traffic: daemon.sh.)
#
#   director d (192.0.2.1) --veth-- r1 (192.0.2.11, 192.0.2.12: python HTTP)
. "$REPO/tests/vm/lib.sh"

L=$LVSCTL
W=$(mktemp -d)
chmod 755 "$W"
cd "$W" || exit 1
kmod ip_vs

ip netns add d; ip netns add r1
ip -n d link set lo up; ip -n r1 link set lo up
ip link add v0 netns d type veth peer name v1 netns r1
ip -n d addr add 192.0.2.1/24 dev v0; ip -n d link set v0 up
ip -n r1 addr add 192.0.2.11/24 dev v1; ip -n r1 addr add 192.0.2.12/24 dev v1; ip -n r1 link set v1 up
pids=()
ip netns exec r1 python3 -m http.server 80 --bind 192.0.2.11 >/dev/null 2>&1 &
pids+=($!)
ip netns exec r1 python3 -m http.server 80 --bind 192.0.2.12 >/dev/null 2>&1 &
pids+=($!)
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    cp daemon.log flush.log notify.log "$OUT/" 2>/dev/null
}
trap cleanup EXIT
wait_until 30 ip netns exec d python3 -c "import socket; socket.create_connection(('192.0.2.12', 80), 1)"

mkdir -m 1777 "$W/hooks"
cat > good.toml <<EOF
[daemon]
reconcile_interval = "2s"
socket = "$W/d.sock"
metrics = "127.0.0.1:9480"
status_group = "nogroup"

[[services]]
protocol = "tcp"
address = "198.51.100.10"
port = 80
scheduler = "wrr"
notify_down = ["/usr/bin/touch", "$W/hooks/down-%h-%p"]

  [services.check]            # generous: TCG emulation runs python slowly
  type = "http"
  interval = "1s"
  timeout = "1s"
  rise = 1
  fall = 3

  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  forward = "masq"
  weight = 3

  [[services.destinations]]
  address = "192.0.2.12"
  port = 80
  forward = "masq"
  weight = 2
  check = { type = "command", argv = ["/usr/bin/id", "-u"], expect = '(?m)^65534\$', interval = "2s", timeout = "2s", rise = 1, fall = 3 }
EOF

# --- Validation.
check_contains ops.check.valid "good.toml: valid: 1 service, 2 real servers, 2 distinct probes" "$L" daemon check good.toml
sed 's/^  rise = 1$/  rise = 1\n  rize = 2/' good.toml > bad.toml
capture badcheck "$L" daemon check bad.toml
check_output ops.check.invalid.status 2 cat badcheck.rc
check_contains ops.check.invalid.line "bad.toml:19: unknown field \`rize\`" cat badcheck.err
capture apply ip netns exec d "$L" apply good.toml
check_output ops.apply-refuses.status 2 cat apply.rc
check_contains ops.apply-refuses.message "belongs to a daemon file" cat apply.err
check_output ops.apply-refuses.table-untouched "" ip netns exec d "$L" save

# --- Running: readiness, capabilities, logs.
# A stand-in for systemd's notify socket: every datagram, one per line.
cat > notify.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
EOF
python3 notify.py "$W/notify.sock" "$W/notify.log" &
pids+=($!)
wait_until 10 test -S "$W/notify.sock"
ip netns exec d env NOTIFY_SOCKET="$W/notify.sock" "$L" daemon --config good.toml --log-format json 2> daemon.log &
DPID=$!
pids+=($DPID)
check ops.ready wait_until 30 grep -qx "READY=1" notify.log
check_output ops.capabilities "CapEff:	00000000000030e0" grep CapEff "/proc/$DPID/status"
# Capabilities are per thread: every thread (the kernel side's, the log
# writer's, the runtime's) started after they were dropped.
check_output ops.capabilities-every-thread "CapEff:	00000000000030e0" \
    sh -c "cat /proc/$DPID/task/*/status | grep CapEff | sort -u"
check ops.both-up wait_until 30 sh -c "ip netns exec d ipvsadm -Ln | grep -q '192.0.2.12:80 *Masq *2'"
note "the command check passes only as uid 65534: the file's user (nobody)"
check ops.json-log python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ups = [l for l in lines if l["msg"] == "server up"]
assert {l["server"] for l in ups} == {"192.0.2.11:80", "192.0.2.12:80"}, lines
assert all(l["level"] == "info" and isinstance(l["ts"], float) for l in ups)
' daemon.log

# --- Metrics.
scrape() { ip netns exec d python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9480/metrics', timeout=5).read().decode(), end='')"; }
scrape > metrics.txt
check_contains ops.metrics.up 'lvsctl_server_up{service="tcp:198.51.100.10:80",server="192.0.2.11:80"} 1' cat metrics.txt
check_contains ops.metrics.weight 'lvsctl_server_effective_weight{service="tcp:198.51.100.10:80",server="192.0.2.12:80"} 2' cat metrics.txt
check_contains ops.metrics.kernel 'lvsctl_ipvs_service_connections_total{service="tcp:198.51.100.10:80"} 0' cat metrics.txt
check_contains ops.metrics.histogram 'lvsctl_probe_latency_seconds_count{type="http"}' cat metrics.txt
capture m404 ip netns exec d python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9480/other', timeout=5)"
check_contains ops.metrics.other-path-404 "HTTP Error 404" cat m404.err

# --- Other writers are warned, naming the daemon.
capture edit ip netns exec d "$L" -e -t 198.51.100.10:80 -r 192.0.2.11:80 -m -w 9
check_output ops.warning.status 0 cat edit.rc
check_contains ops.warning.names-pid "lvsctl daemon (pid $DPID) manages tcp:198.51.100.10:80 and will revert this change" cat edit.err
check ops.warning.reverted wait_until 20 sh -c "ip netns exec d ipvsadm -Ln | grep -q '192.0.2.11:80 *Masq *3'"
check ops.drift-logged grep -q '"msg":"drift repaired"' daemon.log
capture other ip netns exec d "$L" -A -t 203.0.113.9:80 -s rr
check_output ops.warning.not-for-others "" cat other.err

# --- Peer credentials: the socket is 0660 root:nogroup; nogroup may read.
check_output ops.socket.mode "660 root nogroup" stat -c '%a %U %G' "$W/d.sock"
capture ro setpriv --reuid=nobody --regid=nogroup --clear-groups "$L" daemon status --socket "$W/d.sock"
check_output ops.status-group.reads 0 cat ro.rc
capture rorl setpriv --reuid=nobody --regid=nogroup --clear-groups "$L" daemon reload --socket "$W/d.sock"
check_output ops.status-group.no-reload 2 cat rorl.rc
capture other_user setpriv --reuid=nobody --regid=65533 --clear-groups "$L" daemon status --socket "$W/d.sock"
check_output ops.other-user.refused 2 cat other_user.rc

# --- Reload: RELOADING=1, then READY=1 again.
kill -HUP "$DPID"
check ops.reload.notify wait_until 20 sh -c 'grep -q "^RELOADING=1 MONOTONIC_USEC=[0-9]*$" notify.log && [ "$(grep -c "^READY=1$" notify.log)" -ge 2 ]'

# --- A hook runs as the file's user (192.0.2.11 has the http check).
kill "${pids[0]}"
check ops.hook.ran wait_until 20 test -e "$W/hooks/down-192.0.2.11-80"
check_output ops.hook.as-nobody nobody stat -c %U "$W/hooks/down-192.0.2.11-80"

# --- SIGTERM leaves the table; flush_on_stop removes what it manages.
ip netns exec d ipvsadm -Sn > before-stop
kill "$DPID"; wait "$DPID"
check_output ops.stop.exit 0 echo $?
ip netns exec d ipvsadm -Sn > after-stop
check_same ops.stop.table-kept before-stop after-stop
check_contains ops.stop.notified "STOPPING=1" cat notify.log
sed 's/^reconcile_interval = "2s"$/reconcile_interval = "2s"\nflush_on_stop = true/' good.toml > flush.toml
ip netns exec d "$L" daemon --config flush.toml 2> flush.log &
FPID=$!
pids+=($FPID)
check ops.flush.started wait_until 20 grep -q "started" flush.log
sleep 1
kill "$FPID"; wait "$FPID"
check_output ops.flush.managed-gone "-A -t 203.0.113.9:80 -s rr" ip netns exec d ipvsadm -Sn

summary
