#!/bin/bash
# The status page in a real browser: a headless Chromium on the host
# (tests/vm/browser.py, started by tests/vm/run beside this VM) loads the
# page the daemon serves here, through qemu's user network with
# restrict=on and a single forwarded port on the host's 127.0.0.1 (the
# guest reaches nothing). The NIC is moved into the director namespace,
# where the daemon listens on it. The browser finds every service and
# server with its state; this side stops rs2's HTTP and the open page shows
# it down within seconds, without a reload; this side sends requests
# through the VIP and the page's chart shows them; the browser types the
# token and clicks Drain, and this side reads the kernel weight. The
# browser's findings come back in OUT/browser-results and are recorded
# here as checks; its screenshot is OUT/status-page.png.
# (The site: tests/vm/status_site.sh.)
# vm-host: tests/vm/browser.py
# vm-hostfwd: 8080
# vm-run: alone
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"
. "$REPO/tests/vm/status_site.sh"

# The forwarded NIC: qemu's user network puts the guest at 10.0.2.15.
check setup.nic-driver kmod virtio_net
nic=''
for _ in $(seq 50); do
    nic=$(ip -o link show | awk -F': ' '$2 != "lo" && $2 !~ /@/ { print $2; exit }')
    [ -n "$nic" ] && break
    sleep 0.1
done
check setup.nic-found test -n "$nic"
topo_ns director
check setup.nic-to-director ip link set "$nic" netns director name mgmt0
on director ip addr add 10.0.2.15/24 dev mgmt0
on director ip link set mgmt0 up

status_site_up 0.0.0.0:8080
URL=http://127.0.0.1:8080

# Tell the browser; then answer its steps.
echo "$TOKEN" > "$OUT/ready.tmp" && mv "$OUT/ready.tmp" "$OUT/ready"
step() { wait_until "$2" test -e "$OUT/$1"; }
if step go-stop 240; then
    topo_kill http2
    date +%s > "$OUT/stopped"
fi
if step go-traffic 120; then
    check_output traffic.requests rs1=40 on client python3 "$TOPO_CLIENT" http "$VIP" 80 40
    date +%s > "$OUT/traffic"
fi
if step go-weight 120; then
    weight_of 192.0.2.11:80 > "$OUT/weight.tmp" && mv "$OUT/weight.tmp" "$OUT/weight"
fi
check browser.finished wait_until 120 test -e "$OUT/browser-done"
check_output browser.drain.logged 1 sh -c "grep -c 'page action.*action=drain.*server=192.0.2.11:80' '$TOPO_DIR/daemon.log'"
# What the browser found, each line a check of this scenario.
while IFS= read -r line; do
    case $line in
        "ok "*) pass "${line#ok }" ;;
        "not ok "*) rest=${line#not ok }; fail "${rest%%:*}" "${rest#*: }" ;;
    esac
done < "$OUT/browser-results"
cp "$TOPO_DIR/daemon.log" "$OUT/" 2>/dev/null
summary
