#!/bin/bash
# lvsctl's own read commands in the VM: JSON round trip of every configured
# field, text and table output, --netns for both grammars, exit codes, and
# bash completion of the live table's services.
. "$REPO/tests/vm/lib.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1

# --- Without IPVS (fresh VM, module loading stopped): runtime failure, 1.
saved=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe
capture noipvs "$LVSCTL" list
check_output native.no-ipvs.status 1 cat noipvs.rc
check_contains native.no-ipvs.message "IPVS is not available" cat noipvs.err
# Usage errors still come first.
capture badsel "$LVSCTL" list nonsense
check_output native.bad-selector.status 2 cat badsel.rc
echo "$saved" > /proc/sys/kernel/modprobe

ip link add d0 type dummy && ip link set d0 up
ip addr add 198.51.100.254/24 dev d0 && ip route add default dev d0
ip -6 addr add 2001:db8:ffff::fe/64 dev d0 nodad && ip -6 route add default dev d0

# --- A table in which every configurable field differs from its default.
"$LVS" -A -u [2001:db8::1]:5060 -s sh -b sh-fallback,sh-port -p 1234 -M 64 --pe sip -o
# (-i and -g destinations take the service port, as in ipvsadm.)
"$LVS" -a -u [2001:db8::1]:5060 -r 198.51.100.7:5061 -i -w 77 -x 500 -y 50 --tun-type gue --tun-port 6080 --tun-remcsum
"$LVS" -a -u [2001:db8::1]:5060 -r [2001:db8::8]:5062 -m -w 0 -x 9 -y 3
"$LVS" -A -f 3000000000 -6 -s mh -b mh-port
"$LVS" -a -f 3000000000 -6 -r [2001:db8::9]:0 -i --tun-type gre --tun-csum -w 5
"$LVS" -A --sctp-service 192.0.2.33:3868 -s wrr -p 60 -M 255.255.0.0 -b flag-3
"$LVS" -a --sctp-service 192.0.2.33:3868 -r 198.51.100.33:3869 -g -w 12
check native.list-json "$LVSCTL" list --output json
"$LVSCTL" list --output json > list.json
cat > expect.py <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == 1, doc
svcs = {(s["protocol"], s["address"], s["port"], s["fwmark"], s["family"]): s for s in doc["services"]}
assert len(svcs) == 3, svcs.keys()
def check(s, **want):
    for k, v in want.items():
        assert s[k] == v, f"{k}: {s[k]!r} != {v!r} in {s}"
sip = svcs[("udp", "2001:db8::1", 5060, None, "ipv6")]
check(sip, scheduler="sh", sched_flags=["sh-fallback", "sh-port"], persistent=True, timeout=1234,
      netmask="ffff:ffff:ffff:ffff::", one_packet=True, pe="sip")
d = {x["address"]: x for x in sip["destinations"]}
check(d["198.51.100.7"], family="ipv4", port=5060, forward="tunnel", weight=77, u_threshold=500,
      l_threshold=50, tunnel={"type": "gue", "port": 6080, "csum": "remcsum"})
check(d["2001:db8::8"], family="ipv6", port=5062, forward="masq", weight=0, u_threshold=9, l_threshold=3,
      tunnel=None)
fw = svcs[(None, None, None, 3000000000, "ipv6")]
check(fw, scheduler="mh", sched_flags=["mh-port"], persistent=False, one_packet=False, pe=None)
check(fw["destinations"][0], address="2001:db8::9", port=0, forward="tunnel", weight=5,
      tunnel={"type": "gre", "port": 0, "csum": "csum"})
sc = svcs[("sctp", "192.0.2.33", 3868, None, "ipv4")]
check(sc, scheduler="wrr", sched_flags=["flag-3"], persistent=True, timeout=60, netmask="255.255.0.0")
check(sc["destinations"][0], address="198.51.100.33", port=3868, forward="route", weight=12, tunnel=None)
for s in doc["services"]:
    for k in ("conns", "inpkts", "outpkts", "inbytes", "outbytes", "cps", "inpps", "outpps", "inbps", "outbps"):
        assert isinstance(s["stats"][k], int)
print("ok")
PY
check_output native.json-round-trip ok python3 expect.py list.json

# Text and table forms.
check_contains native.text.service "udp [2001:db8::1]:5060" "$LVSCTL" list
check_contains native.text.dest "  -> 198.51.100.7:5060" "$LVSCTL" list --output text
check_contains native.text.flags "persistent=1234,mask=ffff:ffff:ffff:ffff::,pe=sip,ops,sh-fallback,sh-port" "$LVSCTL" list
check_contains native.text.tunnel "tunnel/gue:6080:remcsum" "$LVSCTL" list
check_contains native.table.border "│" "$LVSCTL" list --output table
check_contains native.stats.header "INBYTES" "$LVSCTL" stats
check_contains native.rate.header "OUTBPS" "$LVSCTL" rate -o table
check_output native.one-service "fwmark6 3000000000" bash -c "\"$LVSCTL\" list fwmark6:3000000000 | sed -n 2p | awk '{print \$1, \$2}'"
capture missing "$LVSCTL" list tcp:192.0.2.99:80
check_output native.missing-service.status 4 cat missing.rc
check_contains native.missing-service.message "no such service: tcp 192.0.2.99:80" cat missing.err

# Timeouts and daemons.
"$LVS" --set 1000 100 200
check_output native.timeouts.json '{"tcp":1000,"tcp_fin":100,"udp":200}' \
    python3 -c "import json,subprocess;print(json.dumps(json.loads(subprocess.check_output(['$LVSCTL','timeouts','-o','json']))['timeouts'],separators=(',',':')))"
check_contains native.timeouts.text "1000" "$LVSCTL" timeouts
# (The kernel refuses to start a daemon while mixed-family destinations
# exist, so the daemon runs in a namespace of its own.)
ip netns add green
ip -n green link add d2 type dummy && ip -n green link set d2 multicast on up
check native.daemons.start ip netns exec green "$LVS" --start-daemon master --mcast-interface d2 --syncid 9
check_contains native.daemons.text "master" "$LVSCTL" --netns green daemons
check_output native.daemons.json "master d2 9" python3 -c "
import json,subprocess
d=json.loads(subprocess.check_output(['$LVSCTL','--netns','green','daemons','--output','json']))['daemons'][0]
print(d['state'], d['interface'], d['syncid'])"
ip netns exec green "$LVS" --stop-daemon master

# --- --netns, before either grammar, by name and by path.
ip netns add blue
ip -n blue link set lo up
check native.netns.ipvsadm-grammar "$LVSCTL" --netns blue -A -t 192.0.2.77:80 -s rr
check native.netns.ipvsadm-symlink "$LVS" --netns=blue -a -t 192.0.2.77:80 -r 198.51.100.77 -m
check_output native.netns.only-there "-A -t 192.0.2.77:80 -s rr
-a -t 192.0.2.77:80 -r 198.51.100.77:80 -m -w 1" ip netns exec blue "$REAL" -Sn
check_output native.netns.not-here 0 bash -c "\"$REAL\" -Sn | grep -c 192.0.2.77 || true"
check_contains native.netns.native "tcp 192.0.2.77:80" "$LVSCTL" --netns blue list
check_contains native.netns.after-subcommand "tcp 192.0.2.77:80" "$LVSCTL" list --netns blue
check_contains native.netns.path "tcp 192.0.2.77:80" "$LVSCTL" --netns /run/netns/blue list
capture nons "$LVSCTL" --netns nosuchns list
check_output native.netns.missing.status 2 cat nons.rc
check_contains native.netns.missing.message "/run/netns/nosuchns" cat nons.err
capture nons2 "$LVS" --netns nosuchns -Ln
check_output native.netns.missing-ipvsadm.status 2 cat nons2.rc

# --- Bash completion offers the live table's services.
mkdir bin && ln -s "$LVSCTL" bin/lvsctl
complete_line() {
    PATH="$W/bin:$PATH" LINE="$1" bash --norc -c '
        source "$REPO/completions/lvsctl.bash"
        read -ra COMP_WORDS <<< "$LINE"; COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        _lvsctl_complete lvsctl "" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"'
}
check_contains native.complete.sctp "192.0.2.33:3868" complete_line "lvsctl -d --sctp-service"
check_contains native.complete.udp "[2001:db8::1]:5060" complete_line "lvsctl -L -n -u"
check_contains native.complete.fwmark "-1294967296" complete_line "lvsctl -D -f"

summary
