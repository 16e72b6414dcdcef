# tests/vm/status_site.sh — the site the status page scenarios look at
# (status_page.sh with curl, status_browser.sh with a browser on the host).
# Sourced after lib.sh and topology.sh; `status_site_up LISTEN` builds it:
#
#   client 192.0.2.100 --br0-- director 192.0.2.2 (VRRP VIP 192.0.2.110)
#                          \-- rs1 192.0.2.11, rs2 192.0.2.12 (DR, VIP hidden)
#
# and starts `lvsctl daemon` in the director with the page, /metrics and
# the buttons on LISTEN (ADDR:PORT), token $TOKEN; it returns once the
# page answers, the instance is Master and both servers are in the table.
# Sets L, VIP, W (the scratch directory, also the cwd), URL (the page as
# the director itself reaches it: http://LISTEN) and TOKEN.
L=$LVSCTL
VIP=192.0.2.110
TOKEN=0123456789abcdef-page-token
W=$(mktemp -d)
cd "$W" || exit 1

get() { on director curl -sS --max-time 10 "$@"; }

status_site_up() {
    URL=http://$1
    check setup.modules kmod -a ip_vs ip_vs_rr
    [ -e /run/netns/director ] || topo_ns director   # status_browser.sh makes it first
    topo_ns rs1 rs2 client
    topo_bridge br0
    topo_link director eth0 br0 192.0.2.2/24
    topo_link rs1 eth0 br0 192.0.2.11/24
    topo_link rs2 eth0 br0 192.0.2.12/24
    topo_link client eth0 br0 192.0.2.100/24
    local i
    for i in 1 2; do
        topo_bg "http$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" tcp:0.0.0.0:80
        check "setup.rs$i-cured" on "rs$i" "$L" rs up --mode dr --vip "$VIP"
    done
    check setup.servers-ready wait_until 60 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"
    printf '%s\n' "$TOKEN" > token
    chmod 600 token
    cat > d.toml <<EOT
[daemon]
reconcile_interval = "2s"
socket = "$W/d.sock"
http = "$1"
metrics = "$1"
http_actions = true
http_token_file = "$W/token"

[[services]]
protocol = "tcp"
address = "$VIP"
port = 80
scheduler = "rr"
  [services.check]           # generous timers: TCG emulation is slow
  type = "http"
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

[[vrrp]]
name = "VI_1"
interface = "eth0"
vrid = 51
priority = 150
advert_interval = "1s"
vips = ["$VIP/24"]
EOT
    topo_bg daemon director "$L" daemon --config d.toml
    check setup.page-answers wait_until 60 get -o /dev/null "$URL/"
    check setup.master wait_until 30 sh -c "ip netns exec director curl -s $URL/status.json | grep -q '\"state\":\"MASTER\"'"
    check setup.both-up wait_until 30 sh -c "ip netns exec director ipvsadm -Ln | grep -c ' Route ' | grep -qx 2"
}

# The kernel weight of a real server of the VIP's service ("" when absent).
weight_of() { on director ipvsadm -Ln | awk -v s="$1" '$2 == s { print $4 }'; }
