#!/bin/bash
# What lvsctl (as ipvsadm) says when IPVS is missing, when it lacks
# CAP_NET_ADMIN, and when the kernel refuses a change for want of a route;
# compared with Debian's ipvsadm.
. "$REPO/tests/vm/lib.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1

# --- No IPVS: ip_vs is not loaded yet in this fresh VM; stop the kernel
# from loading it.
saved_modprobe=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe
check_status no-ipvs.not-loaded 1 grep -q '^ip_vs ' /proc/modules
capture real.noipvs "$REAL" -Ln
capture lvs.noipvs "$LVS" -Ln
capture lvsctl.noipvs "$LVSCTL" -Ln
expected="Can't initialize ipvs: Protocol not available
Are you sure that IP Virtual Server is built in the kernel or as module?"
check_output no-ipvs.lvsctl-message "$expected" cat lvs.noipvs.err
check_output no-ipvs.lvsctl-status 2 cat lvs.noipvs.rc
check_same no-ipvs.native-name-same lvs.noipvs.err lvsctl.noipvs.err
# ipvsadm also runs modprobe itself, whose complaint comes first.
tail -n 2 real.noipvs.err > real.noipvs.tail
check_same no-ipvs.same-message-as-ipvsadm real.noipvs.tail lvs.noipvs.err
check_same no-ipvs.same-status-as-ipvsadm real.noipvs.rc lvs.noipvs.rc
# Usage errors are still reported as such: lvsctl parses first.
capture lvs.noipvs.usage "$LVS" -A -t 192.0.2.1:0
check_output no-ipvs.usage-error-first "Zero port specified for non-persistent service" cat lvs.noipvs.usage.err
check_output no-ipvs.usage-error-status 2 cat lvs.noipvs.usage.rc
echo "$saved_modprobe" > /proc/sys/kernel/modprobe

# --- No CAP_NET_ADMIN.
kmod ip_vs
$REAL -A -t 192.0.2.1:80 -s rr
unpriv() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
for args in "-Ln" "-Sn" "-A -t 192.0.2.2:80" "-C"; do
    read -ra a <<< "$args"
    n=$(echo "$args" | tr -c 'A-Za-z0-9' '_')
    capture "real.noperm.$n" unpriv "$REAL" "${a[@]}"
    capture "lvs.noperm.$n" unpriv "$LVS" "${a[@]}"
    check_output "no-cap.$n.lvsctl-message" "Can't initialize ipvs: Permission denied (you must be root)
Are you sure that IP Virtual Server is built in the kernel or as module?" cat "lvs.noperm.$n.err"
    tail -n 2 "real.noperm.$n.err" > "real.noperm.$n.tail"
    check_same "no-cap.$n.same-message" "real.noperm.$n.tail" "lvs.noperm.$n.err"
    check_same "no-cap.$n.same-status" "real.noperm.$n.rc" "lvs.noperm.$n.rc"
done
check_output no-cap.table-unchanged "-A -t 192.0.2.1:80 -s rr" "$REAL" -Sn

# --- A direct-routing destination with no route to it (a namespace with
# only loopback, down).
ip netns add bare
for tool in REAL LVS; do
    bin=${!tool}
    ip netns exec bare "$bin" -A -t 192.0.2.5:80 -s rr
    capture "$tool.noroute" ip netns exec bare "$bin" -a -t 192.0.2.5:80 -r 198.51.100.5 -g
    capture "$tool.noroute6" ip netns exec bare "$bin" -A -t [2001:db8::5]:80
    capture "$tool.noroute6d" ip netns exec bare "$bin" -a -t [2001:db8::5]:80 -r [2001:db8::6]:80 -g
    ip netns exec bare "$bin" -Sn > "$tool.noroute.table"
    ip netns exec bare "$REAL" -C
done
for f in noroute noroute6 noroute6d; do
    for s in out err rc; do
        check_same "no-route.$f.$s" "REAL.$f.$s" "LVS.$f.$s"
    done
done
check_same no-route.tables REAL.noroute.table LVS.noroute.table
note "no-route dest: ipvsadm said: $(cat REAL.noroute.err) ($(cat REAL.noroute.rc)); v6: $(cat REAL.noroute6d.err) ($(cat REAL.noroute6d.rc))"

summary
