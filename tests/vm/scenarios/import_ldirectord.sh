#!/bin/bash
# vm-run: alone
# `lvsctl import ldirectord` (issue 14) against Debian's ldirectord
# (resource-agents 4.12): one ldirectord.cf (NAT with an HTTP negotiation,
# DR with a connect check, thresholds and a fallback, a firewall mark with
# persistence, IPv6) run twice side by side:
#   ld  192.0.2.2   ldirectord -d ld.cf start (it runs ipvsadm)
#   lv  192.0.2.3   lvsctl daemon --config lv.toml, lv.toml written by
#                   `lvsctl import ldirectord ld.cf`
# on one bridge with rs1 192.0.2.11 / 2001:db8::11 and rs2 .12 / ::12,
# which answer HTTP on 80 (the body starts with their name) and
# connections on 443, 8080 and [::]:81. Each director keeps its IPVS table
# in its own namespace; only the checks go to the real servers.
#
# Checked:
#   * the import: exit 3, its one note (logfile) with its line;
#   * with every check passing, `ipvsadm -Sn` and `ipvsadm -Ln
#     --thresholds` in both namespaces are equal (lines sorted: real
#     servers are listed in the order their checks first passed);
#   * rs1 stops answering on 80 and 443 (an nftables reject in rs1): both
#     tables change the same way (rs1 at weight 0 in the NAT service,
#     quiescent = yes; rs1 gone from the DR service), and equal again;
#   * the rule removed: both tables are back as they were.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
LD=/usr/sbin/ldirectord
W=$(mktemp -d)
cd "$W" || exit 1
KEEP=$OUT/import_ldirectord
mkdir -p "$KEEP"

check setup.modules kmod -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_sh
check setup.ldirectord test -x "$LD"
topo_ns ld lv rs1 rs2
topo_bridge br0
for ns in ld lv rs1 rs2; do
    topo_sysctl "$ns" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
topo_link ld eth0 br0 192.0.2.2/24 2001:db8::2/64
topo_link lv eth0 br0 192.0.2.3/24 2001:db8::3/64
for i in 1 2; do
    topo_link "rs$i" eth0 br0 "192.0.2.1$i/24" "2001:db8::1$i/64"
    topo_bg "srv$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" \
        tcp:0.0.0.0:80 tcp:0.0.0.0:443 tcp:0.0.0.0:8080 "tcp:[::]:81"
done
wait_until 20 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

cat > ld.cf <<EOF
# ldirectord.cf for tests/vm/scenarios/import_ldirectord.sh: the shapes
# the issue names, short timers.
checktimeout=1
negotiatetimeout=1
checkinterval=1
failurecount=1
quiescent=no
cleanstop=no
logfile="$W/ldirectord.log"

# NAT, an HTTP negotiation; a failed server is kept at weight 0
virtual=192.0.2.100:80
	real=192.0.2.11:80 masq 3
	real=192.0.2.12:80 masq 1
	service=http
	request="health"
	receive="rs[12]"
	scheduler=wrr
	quiescent=yes

# DR, a connect check, thresholds and a fallback; a failed server is removed
virtual=198.51.100.80:443
	real=192.0.2.11:443 gate
	real=192.0.2.12:443 gate 2 l:10 u:100
	checktype=connect
	scheduler=rr
	fallback=192.0.2.13:443

# A firewall mark with persistence, checked on another port
virtual=5
	real=192.0.2.11 gate
	real=192.0.2.12 gate
	checktype=connect
	checkport=8080
	scheduler=sh
	persistent=120
	netmask=255.255.255.0

# IPv6
virtual6=[2001:db8::100]:81
	real6=[2001:db8::11]:81 gate
	real6=[2001:db8::12]:81 gate
	checktype=connect
	scheduler=lc
	persistent=60
	netmask=64
EOF
cp ld.cf "$KEEP/"

# ------------------------------------------------------------ the import
capture import "$L" import ldirectord "$W/ld.cf" -o "$W/lv.toml"
cp lv.toml import.err "$KEEP/" 2>/dev/null
check_output import.exit 3 cat import.rc
check_output import.notes \
    "$W/ld.cf:9: logfile: not converted; the daemon logs to stderr (the journal under systemd)" \
    cat import.err
check import.loads on lv "$L" daemon check "$W/lv.toml"

# ------------------------------------------------------------ both running
topo_bg ldirectord ld "$LD" -d "$W/ld.cf" start
topo_bg lvsctl lv "$L" daemon --config "$W/lv.toml"

same_tables() {   # TAG [GREP]: both tables equal (and, with GREP, match it)
    topo_ipvs_snapshot ld "$1.ld" && topo_ipvs_snapshot lv "$1.lv" &&
        cmp -s "$1.ld.save" "$1.lv.save" && cmp -s "$1.ld.list" "$1.lv.list" &&
        { [ -z "${2:-}" ] || grep -qE -- "$2" "$1.lv.save"; }
}
# every real server of every service in: 8 -a lines
all_in() { [ "$(grep -c '^-a' "$1.lv.save")" = 8 ]; }
compare() {   # TAG: the tables' two listings, equal
    check_same "$1.save" "$1.ld.save" "$1.lv.save"
    check_same "$1.thresholds" "$1.ld.list" "$1.lv.list"
    cp "$1".* "$KEEP/" 2>/dev/null
}
# ldirectord (Perl, LWP) takes a while to start under TCG, and then
# checks one server after another
if wait_until 120 eval 'same_tables run && all_in run'; then :; fi
compare run
check run.all-servers all_in run
check_contains run.fwmark "-A -f 5 -s sh -p 120 -M 255.255.255.0" cat run.lv.save

# ------------------------------------------------------------ one server fails
ip netns exec rs1 nft -f - <<'NFT'
table inet down {
    chain input {
        type filter hook input priority 0;
        tcp dport { 80, 443 } reject with tcp reset
    }
}
NFT
nat_quiesced='^-a -t 192\.0\.2\.100:80 -r 192\.0\.2\.11:80 -m -w 0$'
if wait_until 40 eval 'same_tables fail "$nat_quiesced" && ! grep -q "198.51.100.80:443 -r 192.0.2.11:443" fail.lv.save'; then :; fi
compare fail
check fail.nat-quiesced grep -qE "$nat_quiesced" fail.lv.save
check fail.dr-removed bash -c "! grep -q '198.51.100.80:443 -r 192.0.2.11:443' fail.lv.save"

# ------------------------------------------------------------ back
ip netns exec rs1 nft delete table inet down
if wait_until 40 eval 'same_tables back && all_in back && ! grep -qE "$nat_quiesced" back.lv.save'; then :; fi
compare back
check back.as-before cmp -s run.lv.save back.lv.save

topo_kill lvsctl
topo_kill ldirectord
cp "$TOPO_DIR/ldirectord.log" "$TOPO_DIR/lvsctl.log" "$W/ldirectord.log" "$KEEP/" 2>/dev/null
summary
