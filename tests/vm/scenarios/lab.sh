# Lab scenario for tests/vm/lab: build a small sample IPVS table with lvsctl in
# ipvsadm mode ($IPVSADM_LVS, a symlink named "ipvsadm" to $LVSCTL) and show
# the listing. Not a test: it prints, it does not judge. Set LAB_IPVSADM to
# another ipvsadm-compatible binary (tests/vm/lab --debian uses Debian's) to
# build the table with that instead.

IPVSADM=${LAB_IPVSADM:-$IPVSADM_LVS}
errors=0
run() {
    printf '+ ipvsadm'; printf ' %s' "$@"; printf '\n'
    "$IPVSADM" "$@" || { echo "  -> failed with exit status $?"; errors=$((errors + 1)); }
}

echo "=== kernel $(uname -r); building the sample table with $IPVSADM -> $(readlink -f "$IPVSADM")"
# The real servers sit behind a dummy device so NAT destinations are routable.
ip link add lab0 type dummy && ip link set lab0 up && ip addr add 198.51.100.1/24 dev lab0
ip addr add 192.0.2.10/32 dev lo

# TCP web service, round robin, two masquerading (NAT) real servers.
run -A -t 192.0.2.10:80 -s rr
run -a -t 192.0.2.10:80 -r 198.51.100.11:80 -m -w 1
run -a -t 192.0.2.10:80 -r 198.51.100.12:80 -m -w 3
# UDP DNS service, weighted least-connection, with a 60 s persistence.
run -A -u 192.0.2.10:53 -s wlc -p 60
run -a -u 192.0.2.10:53 -r 198.51.100.21:53 -m -w 2
run -a -u 192.0.2.10:53 -r 198.51.100.22:53 -m -w 2
# Firewall-mark service, source hashing, direct routing.
run -A -f 42 -s sh
run -a -f 42 -r 198.51.100.31 -g -w 1
run -a -f 42 -r 198.51.100.32 -g -w 0

echo
label="lvsctl -Ln"; [ -z "${LAB_IPVSADM:-}" ] || label="$LAB_IPVSADM -Ln"
echo "=== $label  ($IPVSADM -Ln)"
"$IPVSADM" -Ln || echo "  -> failed with exit status $?"
if [ "$IPVSADM" != "$(command -v ipvsadm)" ]; then
    echo
    echo "=== for comparison, Debian's ipvsadm -Ln"
    ipvsadm -Ln
fi
echo
[ "$errors" -eq 0 ] || echo "=== $errors command(s) failed"
exit "$errors"
