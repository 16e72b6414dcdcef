#!/bin/bash
# lvsctl apply / diff / save: both file formats, minimal diffs (counted
# outside the tool with strace), whole-file validation, pruning, and kernel
# refusals in the middle of a batch rolled back to the exact previous table.
. "$REPO/tests/vm/lib.sh"

L=$LVSCTL
W=$(mktemp -d)
cd "$W" || exit 1
ip link add d0 type dummy && ip link set d0 up && ip addr add 192.0.2.250/24 dev d0
ip route add 198.51.100.0/24 dev d0 && ip route add 203.0.113.0/24 dev d0

# Every attribute `save` and the listings show, destination order included
# (in namespace $2 if given).
snapshot() {
    local ns=()
    [ -n "${2:-}" ] && ns=(ip netns exec "$2")
    {
        "${ns[@]}" ipvsadm -Sn
        echo "--- nosort"; "${ns[@]}" ipvsadm -Ln --nosort
        echo "--- thresholds"; "${ns[@]}" ipvsadm -Ln --thresholds --nosort
        echo "--- tun"; "${ns[@]}" ipvsadm -Ln --tun-info --nosort
        echo "--- persistent"; "${ns[@]}" ipvsadm -Ln --persistent-conn --nosort
        echo "--- timeout"; "${ns[@]}" ipvsadm -L --timeout
        echo "--- daemon"; "${ns[@]}" ipvsadm -L --daemon
        echo "--- sysctl"; "${ns[@]}" cat /proc/sys/net/ipv4/vs/{sloppy_tcp,expire_nodest_conn,expire_quiescent_template,conntrack}
    } > "$1"
}
# A real server's line in ipvsadm's default and --thresholds listings.
dline() { printf '  -> %-28s %-7s %-6s %-10s %-10s' "$@"; }
tline() { printf '  -> %-28s %-10s %-10s' "$@"; }

# Netlink sends of a command (sendto + sendmsg), counted by strace.
sends() {
    strace -f -qq -e trace=sendto,sendmsg -o "$1.strace" "${@:2}" > "$1.out" 2> "$1.err"
    echo $? > "$1.rc"
    grep -c 'send' "$1.strace"
}

# --- Rules format into an empty table.
cat > a.rules <<'R'
# web tier
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2 -x 100 -y 10
-a -t 192.0.2.1:80 -r 198.51.100.2:8080 -m

-A -u 192.0.2.1:53 -s wlc -o
-a -u 192.0.2.1:53 -r 198.51.100.3:53 -g -w 5
-A -f 7 -s sh -b sh-port -p 60 -M 255.255.255.0
-a -f 7 -r 198.51.100.4:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -t [2001:db8::1]:443 -s mh -b mh-port
-a -t [2001:db8::1]:443 -r [2001:db8::13]:443 -m
-a -t [2001:db8::1]:443 -r [2001:db8::11]:443 -m
-a -t [2001:db8::1]:443 -r [2001:db8::12]:443 -m
R
capture diff0 "$L" diff a.rules
check_output apply.diff-empty.status 3 cat diff0.rc
check_output apply.diff-empty.lines 11 bash -c "wc -l < diff0.out"
capture apply0 "$L" apply a.rules
check_output apply.empty.status 0 cat apply0.rc
check_same apply.empty.prints-the-plan diff0.out apply0.out
sort > expected.a <<'R'
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2
-a -t 192.0.2.1:80 -r 198.51.100.2:8080 -m -w 1
-A -u 192.0.2.1:53 -s wlc -o
-a -u 192.0.2.1:53 -r 198.51.100.3:53 -g -w 5
-A -f 7 -s sh -p 60 -M 255.255.255.0 -b sh-port
-a -f 7 -r 198.51.100.4:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -t [2001:db8::1]:443 -s mh -b mh-port
-a -t [2001:db8::1]:443 -r [2001:db8::11]:443 -m -w 1
-a -t [2001:db8::1]:443 -r [2001:db8::12]:443 -m -w 1
-a -t [2001:db8::1]:443 -r [2001:db8::13]:443 -m -w 1
R
ipvsadm -Sn | sort > got.a
check_same apply.empty.table expected.a got.a
check_contains apply.empty.thresholds "$(tline 198.51.100.1:80 100 10)" ipvsadm -Ln --thresholds
check_output apply.empty.mh-canonical-order "$(dline '[2001:db8::11]:443' Masq 1 0 0)
$(dline '[2001:db8::12]:443' Masq 1 0 0)
$(dline '[2001:db8::13]:443' Masq 1 0 0)" \
    bash -c "ipvsadm -Ln --nosort -t [2001:db8::1]:443 | tail -n 3"
check_output apply.save-rules-has-thresholds "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2 -x 100 -y 10" \
    bash -c "$L save | grep 198.51.100.1:80"

# --- The same file again: nothing to do, and no change message sent: the
# run sends exactly what the read-only diff sends.
snapshot before.same
n_diff=$(sends same.diff "$L" diff a.rules)
check_output apply.same.diff-status 0 cat same.diff.rc
n_apply=$(sends same.apply "$L" apply a.rules)
check_output apply.same.status 0 cat same.apply.rc
check_output apply.same.prints-nothing "" cat same.apply.out
check apply.same.sends-no-change test "$n_apply" -eq "$n_diff" -a "$n_diff" -gt 0
note "re-apply: $n_apply netlink sends (diff: $n_diff)"
snapshot after.same
check_same apply.same.table-unchanged before.same after.same

# --- An edited file: only the difference, one batch.
sed -e 's/-r 198.51.100.2:8080 -m$/-r 198.51.100.2:8080 -m -w 3/' a.rules > b.rules
capture edit.diff "$L" diff b.rules
check_output apply.edit.plan "~ -e -t 192.0.2.1:80 -r 198.51.100.2:8080 -m -w 3" cat edit.diff.out
n_edit=$(sends edit.apply "$L" apply b.rules)
check_output apply.edit.status 0 cat edit.apply.rc
check apply.edit.one-more-send test "$n_edit" -eq $((n_diff + 1))
check_contains apply.edit.applied "$(dline 198.51.100.2:8080 Masq 3 0 0)" ipvsadm -Ln
snapshot before.edit2
# Thresholds left out are reset (a file is the whole state).
sed -e 's/ -x 100 -y 10//' b.rules > c.rules
capture reset "$L" apply c.rules
check_output apply.reset-thresholds.plan "~ -e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2" cat reset.out
check_contains apply.reset-thresholds.table "$(tline 198.51.100.1:80 0 0)" ipvsadm -Ln --thresholds
"$L" apply b.rules > /dev/null

# --- An error on the last line: file:line, exit 2, nothing changed.
snapshot before.bad
{ cat c.rules; echo "-A -t 192.0.2.77:80 -s rr"; echo "-a -t 192.0.2.77:80 -r 198.51.100.9:80 -m -w 99999999999"; } > bad.rules
capture bad "$L" apply bad.rules
check_output apply.bad-last-line.status 2 cat bad.rc
check_output apply.bad-last-line.message "lvsctl: bad.rules:$(wc -l < bad.rules): illegal weight specified" cat bad.err
printf '[[services]]\nprotocol = "tcp"\naddress = "192.0.2.77"\nport = 80\n[[services.destinations]]\naddress = "198.51.100.9"\nforward = "sideways"\n' > bad.toml
capture badt "$L" apply bad.toml
check_output apply.bad-toml.status 2 cat badt.rc
check_output apply.bad-toml.message 'lvsctl: bad.toml:5: forward "sideways": expected route, masq or tunnel' cat badt.err
printf -- '-A -t 192.0.2.77:80\n-C\n' > imperative.rules
capture imp "$L" apply imperative.rules
check_output apply.imperative-line.status 2 cat imp.rc
check_contains apply.imperative-line.message "imperative.rules:2: a rules file describes a table with -A and -a lines only" cat imp.err
snapshot after.bad
check_same apply.bad.table-unchanged before.bad after.bad

# --- Pruning: a service made by another tool.
ipvsadm -A -t 192.0.2.99:80 -s rr
ipvsadm -a -t 192.0.2.99:80 -r 198.51.100.99:80 -m
capture keep "$L" apply --no-prune b.rules
check_output apply.no-prune.status 0 cat keep.rc
check_output apply.no-prune.prints-nothing "" cat keep.out
check_contains apply.no-prune.kept "TCP  192.0.2.99:80 rr" ipvsadm -Ln
capture prune.diff "$L" diff b.rules
check_output apply.prune.diff-status 3 cat prune.diff.rc
check_output apply.prune.diff-shows-deletion "- -D -t 192.0.2.99:80" cat prune.diff.out
capture prune.json "$L" diff --output json b.rules
check_output apply.prune.diff-json '[{"action": "delete", "rule": "-D -t 192.0.2.99:80", "line": null}]' \
    python3 -c "import json;print(json.dumps(json.load(open('prune.json.out'))['changes']))"
capture prune "$L" apply b.rules
check_output apply.prune.status 0 cat prune.rc
check_output apply.prune.deleted "" bash -c "ipvsadm -Sn | grep 192.0.2.99 || true"
capture dry "$L" apply --dry-run c.rules
check_output apply.dry-run.status 0 cat dry.rc
check_output apply.dry-run.plan "~ -e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2" cat dry.out
check_contains apply.dry-run.changes-nothing "$(tline 198.51.100.1:80 100 10)" ipvsadm -Ln --thresholds

# --- save round trips: rules and TOML.
"$L" save > saved.rules
"$L" save --output toml > saved.toml
snapshot before.save
ipvsadm -C
check apply.save-rules.apply "$L" apply saved.rules
snapshot after.rules
check_same apply.save-rules.round-trip before.save after.rules
ipvsadm -C
check apply.save-toml.apply "$L" apply saved.toml
snapshot after.toml
check_same apply.save-toml.round-trip before.save after.toml
check_output apply.save-toml.nothing-left "" "$L" diff saved.toml

# --- TOML: timeouts, sysctls, daemons; left out means default.
cat > d.toml <<'T'
[timeouts]
tcp = 1000
udp = 200

[sysctl]
expire_nodest_conn = 1
sloppy_tcp = 1

[[daemons]]
state = "master"
interface = "d0"
syncid = 9

[[services]]
protocol = "sctp"
address = "192.0.2.5"
port = 9000
scheduler = "wrr"

  [[services.destinations]]
  address = "198.51.100.5"
  port = 9000
  forward = "masq"
  weight = 4
T
check apply.toml.apply "$L" apply d.toml
check_output apply.toml.timeouts "Timeout (tcp tcpfin udp): 1000 120 200" ipvsadm -L --timeout
check_output apply.toml.sysctls "1 1" bash -c "echo \$(cat /proc/sys/net/ipv4/vs/expire_nodest_conn /proc/sys/net/ipv4/vs/sloppy_tcp)"
check_contains apply.toml.daemon "master sync daemon (mcast=d0, syncid=9" ipvsadm -L --daemon
check_output apply.toml.table "-A --sctp-service 192.0.2.5:9000 -s wrr
-a --sctp-service 192.0.2.5:9000 -r 198.51.100.5:9000 -m -w 4" ipvsadm -Sn
check_output apply.toml.again "" "$L" diff d.toml
printf '[[services]]\nfwmark = 3\nfamily = "ipv6"\n' > e.toml
capture defaults "$L" apply e.toml
check_output apply.toml.defaults-plan "- -D --sctp-service 192.0.2.5:9000
+ -A -f 3 -6 -s wlc
~ --set 900 120 300
- --stop-daemon master
~ sysctl net.ipv4.vs.expire_nodest_conn=0
~ sysctl net.ipv4.vs.sloppy_tcp=0" cat defaults.out
check_output apply.toml.defaults-timeouts "Timeout (tcp tcpfin udp): 900 120 300" ipvsadm -L --timeout
check_output apply.toml.defaults-daemons "" ipvsadm -L --daemon
check_output apply.toml.defaults-sysctls "0 0" bash -c "echo \$(cat /proc/sys/net/ipv4/vs/expire_nodest_conn /proc/sys/net/ipv4/vs/sloppy_tcp)"

# --- Every net.ipv4.vs setting lvsctl knows, in a namespace of its own:
# each exists in this kernel with the default lvsctl expects (so `save` of
# an untouched namespace writes only the four managed ones), a value out of
# range is FILE:LINE before anything changes, tuned values are applied and
# read back without a diff and saved, and a file that leaves them out keeps
# them (only the four managed ones go back to their defaults).
ip netns add vs
vsctl() { ip netns exec vs bash -c "cd /proc/sys/net/ipv4/vs && echo \$(cat $*)"; }
sysctl_section() { ip netns exec vs "$L" save --output toml | sed -n '/^\[sysctl\]/,/^$/p' | sed '/^$/d'; }
printf '[sysctl]\nno_such = 1\n' > known.toml
known=$("$L" diff known.toml 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ',')
missing=""
for n in $known; do [ -f "/proc/sys/net/ipv4/vs/$n" ] || missing="$missing $n"; done
check_output apply.sysctl.all-known-exist "26 known, missing:" echo "$(echo $known | wc -w) known, missing:$missing"
check_output apply.sysctl.fresh-defaults "[sysctl]
conntrack = 0
expire_nodest_conn = 0
expire_quiescent_template = 0
sloppy_tcp = 0" sysctl_section
printf '[sysctl]\nsloppy_sctp = 1\nconn_reuse_mode = 4\n' > range.toml
capture range ip netns exec vs "$L" apply range.toml
check_output apply.sysctl.out-of-range.status 2 cat range.rc
check_output apply.sysctl.out-of-range.message "lvsctl: range.toml:3: sysctl.conn_reuse_mode must be 0 to 3" cat range.err
check_output apply.sysctl.out-of-range.nothing-changed "0 1" vsctl sloppy_sctp conn_reuse_mode
cat > tuned.toml <<'T'
[sysctl]
conn_reuse_mode = 0
sloppy_sctp = 1
backup_only = 1
drop_entry = 1
amemthresh = 2048
sync_ports = 4
sync_qlen_max = 5000
sync_refresh_period = 30
sync_retries = 2
run_estimation = 0
pmtu_disc = 0
T
capture tuned ip netns exec vs "$L" apply tuned.toml
check_output apply.sysctl.tuned.status 0 cat tuned.rc
check_output apply.sysctl.tuned.plan-lines 11 bash -c "grep -c '^~ sysctl net.ipv4.vs.' tuned.out"
check_output apply.sysctl.tuned.values "0 1 1 1 2048 4 5000 30 2 0 0" \
    vsctl conn_reuse_mode sloppy_sctp backup_only drop_entry amemthresh sync_ports sync_qlen_max sync_refresh_period sync_retries run_estimation pmtu_disc
check_output apply.sysctl.tuned.again "" ip netns exec vs "$L" diff tuned.toml
check_output apply.sysctl.tuned.saved "[sysctl]
amemthresh = 2048
backup_only = 1
conn_reuse_mode = 0
conntrack = 0
drop_entry = 1
expire_nodest_conn = 0
expire_quiescent_template = 0
pmtu_disc = 0
run_estimation = 0
sloppy_sctp = 1
sloppy_tcp = 0
sync_ports = 4
sync_refresh_period = 30
sync_retries = 2" sysctl_section
printf '[sysctl]\nsloppy_tcp = 1\n' > four.toml
capture four ip netns exec vs "$L" apply four.toml
check_output apply.sysctl.left-out.plan "~ sysctl net.ipv4.vs.sloppy_tcp=1" cat four.out
check_output apply.sysctl.left-out.kept "0 1 5000 1" vsctl conn_reuse_mode sloppy_sctp sync_qlen_max sloppy_tcp
ip netns del vs

# --- Kernel refusals in the middle of a batch, rolled back exactly.
# A table with history: 300 services, an mh service whose live order is
# not canonical, thresholds, tunnels, timeouts, a daemon, sysctls.
ipvsadm -C
for i in $(seq 1 300); do
    echo "-A -t 10.1.$((i / 200)).$((i % 200 + 1)):80 -s wlc"
    echo "-a -t 10.1.$((i / 200)).$((i % 200 + 1)):80 -r 198.51.100.$((i % 50 + 1)):80 -m -w $((i % 7))"
done > big.rules
ipvsadm -R < big.rules
ipvsadm -A -t 192.0.2.2:80 -s mh
for d in 13 11 12; do ipvsadm -a -t 192.0.2.2:80 -r 198.51.100.$d:80 -m; done
ipvsadm -a -t 10.1.0.2:80 -r 203.0.113.7:80 -i --tun-type gre --tun-csum -x 50 -y 5
ipvsadm --set 700 70 77
ipvsadm --start-daemon backup --mcast-interface d0 --syncid 4
echo 1 > /proc/sys/net/ipv4/vs/conntrack
snapshot before.refuse
# Desired: every service edited (weights), some deleted, new ones, the mh
# service reordered, a sysctl and the timeouts changed -- and in the
# middle, a service with a scheduler the kernel does not have.
{
    echo '[timeouts]'; echo 'tcp = 901'
    echo '[sysctl]'; echo 'sloppy_tcp = 1'
    echo '[[services]]'; echo 'protocol = "tcp"'; echo 'address = "192.0.2.2"'; echo 'port = 80'; echo 'scheduler = "mh"'
    for d in 11 12 13 14; do
        echo '[[services.destinations]]'; echo "address = \"198.51.100.$d\""; echo 'forward = "masq"'
    done
    for i in $(seq 1 260); do
        [ "$i" = 150 ] && { echo '[[services]]'; echo 'protocol = "tcp"'; echo 'address = "192.0.2.3"'; echo 'port = 80'; echo 'scheduler = "nosuch"'; }
        echo '[[services]]'; echo 'protocol = "tcp"'; echo "address = \"10.1.$((i / 200)).$((i % 200 + 1))\""; echo 'port = 80'
        echo '[[services.destinations]]'; echo "address = \"198.51.100.$((i % 50 + 1))\""; echo 'forward = "masq"'; echo "weight = $((i % 5 + 1))"
    done
    echo '[[services]]'; echo 'protocol = "udp"'; echo 'address = "192.0.2.4"'; echo 'port = 53'
} > refuse.toml
nosuch_line=$(grep -n '"nosuch"' refuse.toml | cut -d: -f1)
capture refuse "$L" apply refuse.toml
check_output apply.refused-scheduler.status 1 cat refuse.rc
check_output apply.refused-scheduler.message "lvsctl: refuse.toml:$((nosuch_line - 4)): the kernel refused \`-A -t 192.0.2.3:80 -s nosuch\`: Scheduler or persistence engine not found; nothing was changed (rolled back)" tail -n 1 refuse.err
check_output apply.refused-scheduler.mh-warning "lvsctl: warning: -t 192.0.2.2:80: the kernel's destination order is not the canonical one; re-adding 3 destination(s)" head -n 1 refuse.err
snapshot after.refuse
check_same apply.refused-scheduler.exact-rollback before.refuse after.refuse

# The same with a refusal that depends on the host: a direct-routing real
# server with no route to it (a namespace with only loopback, down).
ip netns add bare
ip netns exec bare ipvsadm -A -t 192.0.2.5:80 -s mh
for d in 2 1; do ip netns exec bare ipvsadm -a -t 192.0.2.5:80 -r [2001:db8::$d]:80 -i; done
ip netns exec bare ipvsadm -A -t 192.0.2.6:80 -s rr
snapshot before.noroute bare
printf -- '-A -t 192.0.2.5:80 -s mh\n-a -t 192.0.2.5:80 -r [2001:db8::1]:80 -i\n-a -t 192.0.2.5:80 -r [2001:db8::2]:80 -i -w 3\n-A -t 192.0.2.7:80 -s rr\n-a -t 192.0.2.7:80 -r 198.51.100.5:80 -g\n-A -t 192.0.2.8:80\n' > noroute.rules
capture noroute ip netns exec bare "$L" apply noroute.rules
check_output apply.refused-no-route.status 1 cat noroute.rc
check_output apply.refused-no-route.message "lvsctl: noroute.rules:5: the kernel refused \`-a -t 192.0.2.7:80 -r 198.51.100.5:80 -g -w 1\`: Invalid operation.  Possibly wrong module version, address not unicast, ...; nothing was changed (rolled back)" cat noroute.err
snapshot after.noroute bare
check_same apply.refused-no-route.exact-rollback before.noroute after.noroute

# --- Unprivileged or without IPVS access: clear error, exit 1.
capture noperm setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$L" apply a.rules
check_output apply.no-privilege.status 1 cat noperm.rc
check_contains apply.no-privilege.message "ermission denied" cat noperm.err

summary
