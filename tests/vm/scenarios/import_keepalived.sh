#!/bin/bash
# vm-run: alone
# `lvsctl import keepalived` (issue 14) against Debian's keepalived 2.2.7:
# one keepalived.conf, the shapes the issue names (NAT with HTTP_GET, DR
# with TCP_CHECK and a sorry server, a firewall mark with persistence,
# IPv6, a tunnel with gue) and a VRRP instance, run twice side by side:
#   ka  192.0.2.2   keepalived -f ka.conf (checkers and VRRP)
#   lv  192.0.2.3   lvsctl daemon --config lv.toml, lv.toml written by
#                   `lvsctl import keepalived ka.conf`
# on one bridge with rs1 192.0.2.11 / 2001:db8::11 and rs2 .12 / ::12,
# which answer HTTP on 80 and connections on 443, 8080, 9000 and [::]:81.
# Each director keeps its IPVS table in its own namespace; no traffic
# goes to the VIPs, only the checks to the real servers.
#
# Checked:
#   * the import: exit 3, and its one note (the sorry server's quorum
#     rule) names its line;
#   * with every check passing, `ipvsadm -Sn` and `ipvsadm -Ln
#     --thresholds` in both namespaces are equal (real servers of a
#     service are listed in the order they were added, which follows
#     which check answered first: lines are compared sorted, each real
#     server's line with its service's);
#   * VRRP: the imported instance and keepalived's elect one master
#     (equal priorities: the first to become Master keeps it), keepalived
#     logs no refused advert and lvsctl sees no difference in its peer;
#   * rs1 stops answering on 80 and 443 (an nftables reject in rs1): both
#     tables change the same way (rs1 at weight 0 in the NAT service,
#     inhibit_on_failure; rs1 gone from the DR service), and equal again;
#   * the rule removed: both tables are back as they were.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
KA=/usr/sbin/keepalived
VIP=192.0.2.100
W=$(mktemp -d)
cd "$W" || exit 1
KEEP=$OUT/import_keepalived
mkdir -p "$KEEP"

check setup.modules kmod -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh
check setup.keepalived test -x "$KA"
topo_ns ka lv rs1 rs2
topo_bridge br0
for ns in ka lv rs1 rs2; do
    topo_sysctl "$ns" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
topo_link ka eth0 br0 192.0.2.2/24 2001:db8::2/64
topo_link lv eth0 br0 192.0.2.3/24 2001:db8::3/64
for i in 1 2; do
    topo_link "rs$i" eth0 br0 "192.0.2.1$i/24" "2001:db8::1$i/64"
    topo_bg "srv$i" "rs$i" python3 "$TOPO_SERVER" "rs$i" "$W/rs$i.ready" \
        tcp:0.0.0.0:80 tcp:0.0.0.0:443 tcp:0.0.0.0:8080 tcp:0.0.0.0:9000 "tcp:[::]:81"
done
wait_until 20 test -e "$W/rs1.ready" -a -e "$W/rs2.ready"

cat > ka.conf <<'EOF'
# keepalived.conf for tests/vm/scenarios/import_keepalived.sh: the
# issue's five shapes and a VRRP instance, short timers.
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24 dev eth0
    }
}

# NAT with HTTP_GET (a failed server is kept at weight 0)
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lvs_sched wrr
    lvs_method NAT
    protocol TCP
    alpha
    inhibit_on_failure
    real_server 192.0.2.11 80 {
        weight 3
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.0.2.12 80 {
        weight 1
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}

# DR with TCP_CHECK and a sorry server (a failed server is removed)
virtual_server 198.51.100.80 443 {
    delay_loop 1
    lvs_sched rr
    lvs_method DR
    protocol TCP
    alpha
    sorry_server 192.0.2.13 443
    real_server 192.0.2.11 443 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 192.0.2.12 443 {
        weight 2
        uthreshold 100
        lthreshold 10
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}

# A firewall mark with persistence
virtual_server fwmark 5 {
    delay_loop 1
    lvs_sched sh
    sh-port
    lvs_method DR
    persistence_timeout 120
    persistence_granularity 255.255.255.0
    alpha
    real_server 192.0.2.11 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 192.0.2.12 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}

# IPv6
virtual_server 2001:db8::100 81 {
    delay_loop 1
    lvs_sched lc
    lvs_method DR
    protocol TCP
    persistence_timeout 60
    persistence_granularity 64
    alpha
    real_server 2001:db8::11 81 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 2001:db8::12 81 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}

# A tunnel with gue
virtual_server 198.51.100.90 9000 {
    delay_loop 1
    lvs_sched wlc
    lvs_method TUN type gue port 6080
    protocol TCP
    alpha
    real_server 192.0.2.11 9000 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 192.0.2.12 9000 {
        weight 5
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
EOF
cp ka.conf "$KEEP/"

# ------------------------------------------------------------ the import
capture import "$L" import keepalived "$W/ka.conf" -o "$W/lv.toml"
cp lv.toml import.err "$KEEP/" 2>/dev/null
check_output import.exit 3 cat import.rc
check_output import.notes \
    "$W/ka.conf:54: while quorum is lost lvsctl keeps the real servers at weight 0 beside the sorry server; keepalived removes them" \
    cat import.err
check import.loads on lv "$L" daemon check "$W/lv.toml"

# ------------------------------------------------------------ both running
topo_bg keepalived ka "$KA" -n -l -D -f "$W/ka.conf" -p "$W/ka.pid" -r "$W/ka.vrrp.pid" -c "$W/ka.check.pid"
topo_bg lvsctl lv "$L" daemon --config "$W/lv.toml"

same_tables() {   # TAG [GREP]: both tables equal (and, with GREP, match it)
    topo_ipvs_snapshot ka "$1.ka" && topo_ipvs_snapshot lv "$1.lv" &&
        cmp -s "$1.ka.save" "$1.lv.save" && cmp -s "$1.ka.list" "$1.lv.list" &&
        { [ -z "${2:-}" ] || grep -qE -- "$2" "$1.lv.save"; }
}
# every real server of every service in: 10 -a lines
all_in() { [ "$(grep -c '^-a' "$1.lv.save")" = 10 ]; }
compare() {   # TAG: the tables' two listings, equal
    check_same "$1.save" "$1.ka.save" "$1.lv.save"
    check_same "$1.thresholds" "$1.ka.list" "$1.lv.list"
    cp "$1".* "$KEEP/" 2>/dev/null
}
if wait_until 30 eval 'same_tables run && all_in run'; then :; fi
compare run
check run.all-servers all_in run
check_contains run.tunnel "--tun-type gue --tun-port 6080" cat run.lv.save

# ------------------------------------------------------------ VRRP
has() { ip -n "$1" -o -4 addr show dev eth0 | grep -q " $VIP/"; }
holders() { local d; for d in ka lv; do has "$d" && printf '%s ' "$d"; done; echo; }
one_master() { [ "$(holders)" = "ka " ] || [ "$(holders)" = "lv " ]; }
if wait_until 15 one_master && sleep 4 && one_master; then pass vrrp.one-master; else
    fail vrrp.one-master "expected one director holding $VIP for 4 s; holders: $(holders)
$(tail -n 8 "$TOPO_DIR/keepalived.log"; tail -n 8 "$TOPO_DIR/lvsctl.log")"
fi
refused=$(grep -E 'wrong version|unexpected ip number|not present in MASTER advert|interval mismatch|Expected (unicast|multicast)|ttl' "$TOPO_DIR/keepalived.log")
if [ -z "$refused" ]; then pass vrrp.keepalived-accepts; else
    fail vrrp.keepalived-accepts "keepalived refused lvsctl's adverts:
$refused"
fi
differs() {
    on lv "$L" daemon status --output json 2>/dev/null | python3 -c 'import json,sys
v = json.load(sys.stdin)["vrrp"][0]
print(len(v.get("peers", [])), sum(len(p.get("differs", [])) for p in v.get("peers", [])))'
}
check_output vrrp.peer-agrees "1 0" differs

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
if wait_until 20 eval 'same_tables fail "$nat_quiesced" && ! grep -q "198.51.100.80:443 -r 192.0.2.11:443" fail.lv.save'; then :; fi
compare fail
check fail.nat-quiesced grep -qE "$nat_quiesced" fail.lv.save
check fail.dr-removed bash -c "! grep -q '198.51.100.80:443 -r 192.0.2.11:443' fail.lv.save"

# ------------------------------------------------------------ back
ip netns exec rs1 nft delete table inet down
if wait_until 20 eval 'same_tables back && all_in back && ! grep -qE "$nat_quiesced" back.lv.save'; then :; fi
compare back
check back.as-before cmp -s run.lv.save back.lv.save

topo_kill lvsctl
topo_kill keepalived
cp "$TOPO_DIR/keepalived.log" "$TOPO_DIR/lvsctl.log" "$KEEP/" 2>/dev/null
summary
