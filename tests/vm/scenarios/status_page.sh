#!/bin/bash
# lvsctl daemon's status page ([daemon] http), read with an HTTP client
# against a daemon driving the real kernel: an LVS-DR site with two real
# servers (cured with `lvsctl rs up`) and a VRRP instance that holds the
# VIP. The page and its assets (nothing external), /status.json equal to
# `lvsctl daemon status --output json`, /metrics on the same listener,
# /history.json showing the traffic a client sent through the VIP, the
# live event stream showing a server down after its HTTP stops (no
# reload), POSTs refused without the token or from another origin (the
# table unchanged), and a drain, undrain, disable and enable through the
# page reaching the kernel and the log.
# (The site: tests/vm/status_site.sh.)
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

. "$REPO/tests/vm/status_site.sh"

status_site_up 127.0.0.1:8080

# --- The page: embedded, no external asset, strict policy, buttons on.
capture index get -D index.head "$URL/"
check_output page.index.status "HTTP/1.1 200 OK" sh -c "head -1 index.head | tr -d '\r'"
check page.index.csp grep -q "^Content-Security-Policy: default-src 'none'; script-src 'self'" index.head
check page.index.buttons grep -q 'data-actions="on"' index.out
get -o app.js "$URL/app.js"; get -o app.css "$URL/app.css"
check page.assets.served test -s app.js -a -s app.css
# Every src/href is a path on this listener; nothing names another host
# (the SVG namespace is a name, not a fetch).
check page.no-external-assets sh -c "! grep -Eho '(src|href)=\"[^\"]*\"' index.out | grep -v '=\"/' && ! grep -Eo 'https?://[^\"]+' index.out app.js app.css | grep -v 'www.w3.org/2000/svg'"
check_contains page.metrics-same-listener "lvsctl_server_up{" get "$URL/metrics"

# --- /status.json is `daemon status --output json` (volatile fields aside).
cat > same.py <<'EOP'
import json, sys
def norm(d):
    for s in d["services"]:
        for x in s["servers"]:
            x.pop("active_conns", None); x.pop("inactive_conns", None)
            for c in x["checks"]:
                c.pop("last", None); c.pop("streak", None)
    for v in d["vrrp"]:
        for k in ("adverts_sent", "adverts_received", "advert_late_max_ms"):
            v.pop(k, None)
    return d
a, b = (norm(json.load(open(f))) for f in sys.argv[1:3])
if a != b:
    print(json.dumps(a, sort_keys=True)); print(json.dumps(b, sort_keys=True)); sys.exit(1)
EOP
get -o page.json "$URL/status.json"
on director "$L" daemon status --socket "$W/d.sock" --output json > cli.json
check page.status-json.same python3 same.py page.json cli.json
check page.status-json.keys python3 -c "
import json; d = json.load(open('page.json'))
s = d['services'][0]; x = s['servers'][0]
assert s['service'] == 'tcp:$VIP:80' and s['quorum_up'], s
assert [y['server'] for y in s['servers']] == ['192.0.2.11:80', '192.0.2.12:80']
assert x['health'] == 'up' and x['enabled'] and x['weight'] == 1 and x['effective_weight'] == 1, x
assert x['checks'][0]['last']['reason'], x
assert d['vrrp'][0]['name'] == 'VI_1' and d['vrrp'][0]['state'] == 'MASTER'"

# --- Live updates: one event stream, open while rs2's HTTP stops.
topo_bg events director curl -sS -N "$URL/events"
check live.first-event wait_until 20 grep -q '^event: status' "$TOPO_DIR/events.log"
cat > lastev.py <<'EOP'
import json, sys
# The newest status event of the stream: rs2's health must be `down`.
data = [l[6:] for l in open(sys.argv[1]) if l.startswith("data: {\"version\"")]
st = json.loads(data[-1])
health = {x["server"]: x["health"] for x in st["services"][0]["servers"]}
sys.exit(0 if health.get("192.0.2.12:80") == sys.argv[2] else 1)
EOP
check live.rs2-up python3 lastev.py "$TOPO_DIR/events.log" up
t0=$(topo_now_ms)
topo_kill http2
check live.rs2-down-without-reload wait_until 20 python3 lastev.py "$TOPO_DIR/events.log" down
note "rs2 shown down on the open stream $(( $(topo_now_ms) - t0 )) ms after its HTTP stopped (fall 2 x 1 s, events every 2 s)"

# --- Traffic through the VIP reaches the history (one point per 10 s).
check_output traffic.requests rs1=40 on client python3 "$TOPO_CLIENT" http "$VIP" 80 40
cat > nonzero.py <<'EOP'
import json, sys
h = json.load(open(sys.argv[1]))
vals = [v for v in h["series"].get(sys.argv[2], {}).get("conns", []) if v]
sys.exit(0 if vals else 1)
EOP
hist_nonzero() { get -o hist.json "$URL/history.json" && python3 nonzero.py hist.json "$1"; }
check traffic.history.service wait_until 40 hist_nonzero "tcp:$VIP:80"
check traffic.history.server hist_nonzero "tcp:$VIP:80 192.0.2.11:80"
cp hist.json "$OUT/" 2>/dev/null
check traffic.events.history grep -q '^event: history' "$TOPO_DIR/events.log"
topo_kill events

# --- Buttons: refused without the token, from another origin, with GET.
topo_ipvs_snapshot director before
body="{\"service\":\"tcp:$VIP:80\",\"server\":\"192.0.2.11:80\"}"
post() { get -o post.out -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data "$body" "$@"; }
check_output buttons.no-token.403 403 post "$URL/api/drain"
check_output buttons.wrong-token.403 403 post -H "Authorization: Bearer ${TOKEN}x" "$URL/api/drain"
check_output buttons.other-origin.403 403 post -H "Authorization: Bearer $TOKEN" -H "Origin: http://198.51.100.66" "$URL/api/drain"
check_output buttons.get.405 405 get -o /dev/null -w '%{http_code}' "$URL/api/drain"
topo_ipvs_snapshot director after
check_same buttons.refused.table-unchanged before.save after.save
check buttons.refused.logged grep -q 'page action refused' "$TOPO_DIR/daemon.log"

# --- Drain, undrain, disable, enable through the page.
own=(-H "Authorization: Bearer $TOKEN" -H "Origin: $URL")
check_output buttons.drain.200 200 post "${own[@]}" "$URL/api/drain"
check_output buttons.drain.kernel-weight-0 0 weight_of 192.0.2.11:80
check buttons.drain.logged grep -q 'page action.*action=drain.*server=192.0.2.11:80.*peer=127.0.0.1' "$TOPO_DIR/daemon.log"
check buttons.drain.status python3 -c "
import json, subprocess
d = json.loads(subprocess.check_output(['ip', 'netns', 'exec', 'director', 'curl', '-s', '$URL/status.json']))
assert d['services'][0]['servers'][0]['drained']"
check_output buttons.undrain.200 200 post "${own[@]}" "$URL/api/undrain"
check_output buttons.undrain.weight 1 weight_of 192.0.2.11:80
check_output buttons.disable.200 200 post "${own[@]}" "$URL/api/disable"
check_output buttons.disable.gone "" weight_of 192.0.2.11:80
check_output buttons.enable.200 200 post "${own[@]}" "$URL/api/enable"
check_output buttons.enable.back 1 weight_of 192.0.2.11:80
body="{\"service\":\"tcp:$VIP:80\",\"server\":\"192.0.2.99:80\"}"
check_output buttons.unknown-server.400 400 post "${own[@]}" "$URL/api/drain"

cp "$TOPO_DIR/daemon.log" "$OUT/" 2>/dev/null
topo_kill daemon
summary
