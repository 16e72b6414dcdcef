#!/bin/bash
# Concurrency: listings taken while another process changes the table show
# it before or after the change, never in between; concurrent applies are
# serialised; two directors with different histories that apply one file
# end with the same mh destination order.
. "$REPO/tests/vm/lib.sh"

L=$LVSCTL
W=$(mktemp -d)
cd "$W" || exit 1

# --- Listings under concurrent change. A table of 300 services with two
# NAT real servers each. For each kind of change, a listing is started and
# the change is made while it runs, after a random delay within the time a
# listing takes; the listing must equal the table before or after the
# change (the change is then undone). Debian's ipvsadm is run the same way
# for comparison (noted, not asserted: it is expected to fail).
for i in $(seq 1 300); do
    s="10.2.$((i / 200)).$((i % 200 + 1)):80"
    echo "-A -t $s -s wrr"
    for d in 1 2; do echo "-a -t $s -r 198.51.100.$d:$((8000 + i)) -m -w $d"; done
done > base.rules
ipvsadm -R < base.rules
# The service the changes touch: the last one in ipvsadm's order, so that
# its real servers are read last and a change lands in ipvsadm's window
# (between its service dump and that service's destination dump) as often
# as not.
S=10.2.1.101:80
change() {
    case $1 in
        del-svc) ipvsadm -D -t $S ;;
        add-svc) ipvsadm -A -t 10.2.1.150:80 -s rr ;;
        del-dest) ipvsadm -d -t $S -r 198.51.100.2:8300 ;;
        add-dest) ipvsadm -a -t $S -r 198.51.100.9:8300 -m ;;
    esac
}
undo() {
    case $1 in
        del-svc) grep -- "-t $S " base.rules | ipvsadm -R ;;
        add-svc) ipvsadm -D -t 10.2.1.150:80 ;;
        del-dest) ipvsadm -a -t $S -r 198.51.100.2:8300 -m -w 2 ;;
        add-dest) ipvsadm -d -t $S -r 198.51.100.9:8300 ;;
    esac
}
list_cmd() {
    case $1 in
        lvs) "$L" -Ln ;;
        json) "$L" list --output json ;;
        real) ipvsadm -Ln ;;
    esac
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
for tool in lvs json real; do
    list_cmd $tool > "$tool.before"
    t0=$(now_ms); list_cmd $tool > /dev/null; t1=$(now_ms)
    dur=$((t1 - t0))
    note "a listing ($tool) takes $dur ms"
    tries=25
    [ $tool = json ] && tries=8
    [ $tool = real ] && tries=12
    for kind in del-svc add-svc del-dest add-dest; do
        change $kind; list_cmd $tool > "$tool.$kind.after"; undo $kind
        ok=0 torn=0 err=0
        for n in $(seq 1 $tries); do
            list_cmd $tool > during.txt 2> during.err & pid=$!
            sleep "$(printf '0.%03d' $((RANDOM % (dur > 999 ? 999 : dur + 1))))"
            change $kind
            if ! wait $pid; then
                err=$((err + 1)); cp during.err "err.$tool.$kind.$n.txt"
            elif cmp -s during.txt "$tool.before" || cmp -s during.txt "$tool.$kind.after"; then
                ok=$((ok + 1))
            else
                torn=$((torn + 1)); cp during.txt "torn.$tool.$kind.$n.txt"
            fi
            undo $kind
        done
        note "$kind while listing ($tool): $ok whole, $torn torn, $err errors of $tries"
        [ $tool = real ] && continue
        if [ "$torn" = 0 ] && [ "$err" = 0 ]; then
            pass "consistent.$tool.$kind"
        else
            fail "consistent.$tool.$kind" "$torn of $tries listings showed neither the table before nor after the change, $err failed" \
                "$(for f in torn.$tool.$kind.*.txt err.$tool.$kind.*.txt; do [ -e "$f" ] && { echo "--- $f"; diff "$tool.before" "$f" | head -20; }; done)"
        fi
        check "consistent.$tool.$kind.really-changes" bash -c "! cmp -s $tool.before $tool.$kind.after"
    done
done
# --- Where the default listing comes from. Its real servers are read
# from /proc/net/ip_vs (one file instead of a dump per service); views the
# file cannot carry (--stats here) keep the dumps. A file that does not
# match the service dumps (a stale copy: one service short; an empty file;
# one it cannot parse; no file) is noticed, and the listing falls back to
# dumps. The file is replaced in a private mount namespace by a tmpfs over
# /proc (a bind mount over the file itself is never found again: the
# kernel revalidates every /proc/net lookup, so it cannot be covered).
ipvsadm -Ln > real.now
strace -f -e trace=openat -o trace.ln "$L" -Ln > lvs.now
check_same "listing.source.same" real.now lvs.now
check "listing.source.proc-file" grep -q '"/proc/net/ip_vs"' trace.ln
strace -f -e trace=openat -o trace.stats "$L" -Ln --stats > /dev/null
check "listing.source.stats-dumps" bash -c '! grep -q "/proc/net/ip_vs" trace.stats'
ipvsadm -D -t $S
cat /proc/net/ip_vs > stale.ip_vs
grep -- "-t $S " base.rules | ipvsadm -R
: > empty.ip_vs
printf 'IP Virtual Server version 1.2.1 (size=4096)\nProt\n  ->\nnot a service line\n' > garbage.ip_vs
for f in stale empty garbage missing; do
    unshare -m sh -c "mount -t tmpfs none /proc && mkdir /proc/net && { [ $f = missing ] || cp $f.ip_vs /proc/net/ip_vs; } && exec \"$L\" -Ln" > lvs.$f 2> lvs.$f.err
    check_same "listing.fallback.$f" real.now lvs.$f
done
ipvsadm -C

# --- Two applies at once in one namespace: serialised, so the table ends
# as exactly one of the two files, never a mix.
for f in x y; do
    for i in $(seq 1 400); do
        if [ $f = x ]; then s="10.3.$((i / 200)).$((i % 200 + 1)):80"; w=1; else s="10.4.$((i / 200)).$((i % 200 + 1)):80"; w=2; fi
        echo "-A -t $s -s rr"
        for d in 1 2; do echo "-a -t $s -r 198.51.100.$d:80 -m -w $w"; done
    done > $f.rules
    sort $f.rules > $f.sorted
done
for round in 1 2 3; do
    "$L" apply x.rules > x.out 2> x.err & px=$!
    "$L" apply y.rules > y.out 2> y.err & py=$!
    wait $px; rx=$?
    wait $py; ry=$?
    check_output "concurrent-apply.$round.both-succeed" "0 0" echo "$rx $ry"
    ipvsadm -Sn | sort > final.sorted
    if cmp -s final.sorted x.sorted || cmp -s final.sorted y.sorted; then
        pass "concurrent-apply.$round.one-file-whole"
    else
        fail "concurrent-apply.$round.one-file-whole" "the table is neither x.rules nor y.rules: $(wc -l < final.sorted) lines, $(grep -c 10.3. final.sorted) of x, $(grep -c 10.4. final.sorted) of y"
    fi
done
ipvsadm -C

# --- Two directors, different histories, one file: the same mh order.
for ns in d1 d2; do
    ip netns add $ns
    ip -n $ns link set lo up
    ip -n $ns link add d0 type dummy && ip -n $ns link set d0 up
    ip -n $ns addr add 198.51.100.250/24 dev d0
done
cat > a.toml <<'T'
[[services]]
protocol = "tcp"
address = "192.0.2.20"
port = 80
scheduler = "mh"
sched_flags = ["mh-port"]
T
for d in 1 2 3 4; do printf '[[services.destinations]]\naddress = "198.51.100.%s"\nforward = "masq"\nport = 80\n' $d; done >> a.toml
{ head -n 6 a.toml; for d in 6 2 5 3 4; do printf '[[services.destinations]]\naddress = "198.51.100.%s"\nforward = "masq"\nport = 80\nweight = %s\n' $d $d; done; } > b.toml
# d1: a.toml, then b.toml.
check mh.d1.apply-a ip netns exec d1 "$L" apply a.toml
check mh.d1.apply-b ip netns exec d1 "$L" apply b.toml
# d2: built by hand in another order, with a destination deleted and
# re-added and one extra, then b.toml.
ip netns exec d2 ipvsadm -A -t 192.0.2.20:80 -s mh -b mh-port
for d in 6 2 5 9 4 3; do ip netns exec d2 ipvsadm -a -t 192.0.2.20:80 -r 198.51.100.$d:80 -m -w 1; done
ip netns exec d2 ipvsadm -d -t 192.0.2.20:80 -r 198.51.100.5:80
ip netns exec d2 ipvsadm -a -t 192.0.2.20:80 -r 198.51.100.5:80 -m
capture mh.d2 ip netns exec d2 "$L" apply b.toml
check_output mh.d2.apply-status 0 cat mh.d2.rc
check_contains mh.d2.warns-about-order "destination order is not the canonical one" cat mh.d2.err
ip netns exec d1 ipvsadm -Ln --nosort > d1.list
ip netns exec d2 ipvsadm -Ln --nosort > d2.list
check_same mh.same-order d1.list d2.list
check_output mh.canonical-order "198.51.100.2:80 198.51.100.3:80 198.51.100.4:80 198.51.100.5:80 198.51.100.6:80" \
    bash -c "echo \$(grep -- '->' d1.list | tail -n +2 | awk '{print \$2}')"
check_output mh.weights "2 3 4 5 6" bash -c "echo \$(grep -- '->' d1.list | tail -n +2 | awk '{print \$4}')"
check_output mh.nothing-left-d1 "" ip netns exec d1 "$L" diff b.toml
check_output mh.nothing-left-d2 "" ip netns exec d2 "$L" diff b.toml

summary
