#!/bin/bash
# The Debian package's boot-time pieces against the real kernel: the .deb
# is built from the repository (dist/build-deb, the binary under test) and
# unpacked; lvsctl-realserver.service's ExecStart, run as systemd would in
# a real-server namespace with a realserver.toml (DR, an IPv4 and an IPv6
# VIP on lo), cures it (`rs status` exits 0, the VIPs hidden, the ARP
# sysctls set), and its ExecStop gives back every sysctl and address as
# they were. The modules-load.d file names modules this kernel has.
# (Contents, control fields, lintian and systemd-analyze verify: tests/dist.rs
# on the host.)
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

W=$(mktemp -d)
cd "$W" || exit 1

check pkg.build sh -c "'$REPO/dist/build-deb' --binary '$LVSCTL' --out '$W/deb' > build.out 2> build.err"
deb=$(tail -1 build.out)
check pkg.unpack dpkg-deb -x "$deb" "$W/root"
B=$W/root/usr/sbin/lvsctl
UNIT=$W/root/lib/systemd/system/lvsctl-realserver.service
check pkg.unit-present test -f "$UNIT"

# modules-load.d: every module it names loads.
while read -r m; do
    case $m in ''|'#'*) continue ;; esac
    check "pkg.modules-load.$m" kmod "$m"
done < "$W/root/usr/lib/modules-load.d/lvsctl.conf"

topo_ns rs
topo_bridge br0
topo_link rs eth0 br0 192.0.2.11/24
mkdir -p etc
cat > etc/realserver.toml <<'EOT'
mode = "dr"
device = "lo"
vips = ["192.0.2.110", "2001:db8::110"]
EOT
# The unit's own command lines, with the installed paths pointed at the
# unpacked binary and this file.
unit_cmd() {
    sed -n "s/^$1=//p" "$UNIT" \
        | sed "s|/usr/sbin/lvsctl|$B|; s|/etc/lvsctl/realserver.toml|$W/etc/realserver.toml|"
}
start=$(unit_cmd ExecStart)
stop=$(unit_cmd ExecStop)
check_contains pkg.unit.start-is-rs-up " rs up --config $W/etc/realserver.toml" echo "$start"
check_contains pkg.unit.stop-is-rs-down " rs down --config $W/etc/realserver.toml" echo "$stop"

state() {   # what the cure changes, to compare before and after
    on rs sh -c 'for k in all lo eth0; do
        printf "%s " "$k" "$(cat /proc/sys/net/ipv4/conf/$k/arp_ignore)" "$(cat /proc/sys/net/ipv4/conf/$k/arp_announce)"
        echo; done; ip -br addr show dev lo'
}
state > before.txt
capture status0 on rs "$B" rs status
check_output pkg.before.no-vip 4 cat status0.rc

# shellcheck disable=SC2086  # the unit's command line, split as systemd does
check pkg.unit.start on rs $start
check pkg.cured.rs-status on rs "$B" rs status
check_contains pkg.cured.vip4-on-lo "192.0.2.110/32" on rs ip -br addr show dev lo
check_contains pkg.cured.vip6-on-lo "2001:db8::110/128" on rs ip -br addr show dev lo
check_output pkg.cured.arp_ignore 1 on rs cat /proc/sys/net/ipv4/conf/all/arp_ignore
check_output pkg.cured.arp_announce 2 on rs cat /proc/sys/net/ipv4/conf/all/arp_announce
# A second start (a restart of the unit) changes nothing.
# shellcheck disable=SC2086
check pkg.unit.start-again on rs $start
# shellcheck disable=SC2086
check pkg.unit.stop on rs $stop
state > after.txt
check_same pkg.stopped.restored before.txt after.txt
capture status1 on rs "$B" rs status
check_output pkg.stopped.no-vip 4 cat status1.rc
summary
