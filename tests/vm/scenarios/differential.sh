#!/bin/bash
# Differential tests of lvsctl's ipvsadm mode against Debian's ipvsadm, on
# the VM's real kernel. See tests/corpus/README.md for what is compared.
. "$REPO/tests/vm/lib.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1

# Routes for direct-routing and tunnel destinations (no traffic flows: the
# VM has no network device; this dummy only gives the addresses a route).
ip link add d0 type dummy
ip link set d0 up
ip addr add 198.51.100.254/24 dev d0
ip route add default dev d0
ip -6 addr add 2001:db8:ffff::fe/64 dev d0 nodad
ip -6 route add default dev d0

# The views every table is compared under.
VIEWS=("-Ln" "-ln" "-L -n --nosort" "-Sn" "-L -n --thresholds" "-L -n --persistent-conn"
       "-L -n --tun-info" "-L -n --stats" "-L -n --rate" "-L -n --stats --exact" "-L -n --timeout")

# replay TOOL CORPUS OUTFILE: flush, run every line, record "LINE STATUS".
replay() {
    local tool=$1 corpus=$2 out=$3 line n=0 args
    $REAL -C
    : > "$out"
    : > "$out.err"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        case $line in ''|'#'*) continue ;; esac
        read -ra args <<< "$line"
        "$tool" "${args[@]}" < /dev/null > /dev/null 2>> "$out.err"
        echo "$n $?" >> "$out"
    done < "$corpus"
}

# views TOOL PREFIX: every view of the current table, plus one listing per
# service (-L -n SERVICE, SERVICE taken from the saved rules).
views() {
    local tool=$1 prefix=$2 i=0 v svc args
    for v in "${VIEWS[@]}"; do
        read -ra args <<< "$v"
        "$tool" "${args[@]}" < /dev/null > "$prefix.view$i" 2>&1
        echo "rc=$?" >> "$prefix.view$i"
        i=$((i + 1))
    done
    $REAL -Sn | sed -n 's/^-A \(.*\) -s .*/\1/p' > "$prefix.services"
    i=0
    while IFS= read -r svc; do
        read -ra args <<< "$svc"
        "$tool" -L -n "${args[@]}" < /dev/null > "$prefix.svc$i" 2>&1
        echo "rc=$?" >> "$prefix.svc$i"
        i=$((i + 1))
    done < "$prefix.services"
}

# same_views NAME A B: every view file of A equals B's.
same_views() {
    local name=$1 a=$2 b=$3 f ok=1
    for f in "$a".view* "$a".svc*; do
        [ -e "$f" ] || continue
        if ! cmp -s "$f" "$b${f#"$a"}"; then
            check_same "$name.${f##*.}" "$f" "$b${f#"$a"}"
            ok=0
        fi
    done
    [ $ok = 1 ] && pass "$name"
}

for corpus in "$REPO"/tests/corpus/*.cmds; do
    c=$(basename "$corpus" .cmds)
    [ "$c" = errors ] && continue
    note "corpus $c"

    # Build with each tool; both must accept/refuse the same lines.
    replay "$REAL" "$corpus" "$c.real.status"
    views "$REAL" "$c.real-built.real"
    views "$LVS" "$c.real-built.lvs"
    $REAL -Sn > "$c.real.rules"

    replay "$LVS" "$corpus" "$c.lvs.status"
    views "$REAL" "$c.lvs-built.real"
    views "$LVS" "$c.lvs-built.lvs"
    $LVS -Sn > "$c.lvs.rules"

    check_same "$c.statuses" "$c.real.status" "$c.lvs.status"
    check_same "$c.stderr" "$c.real.status.err" "$c.lvs.status.err"
    # The table built by ipvsadm, read by both tools.
    same_views "$c.read-ipvsadm-table" "$c.real-built.real" "$c.real-built.lvs"
    # The table built by lvsctl, read by both tools.
    same_views "$c.read-lvsctl-table" "$c.lvs-built.real" "$c.lvs-built.lvs"
    # Both tools built the same table.
    same_views "$c.same-table" "$c.real-built.real" "$c.lvs-built.real"
    check "$c.nonempty" test -s "$c.real.rules"

    # Each tool restores what the other saved, giving the same table.
    # (Compared as sorted lines: ipvsadm's sort is not a total order, so
    # its -S order depends on the kernel's, which depends on insertion.)
    $REAL -C
    check "$c.lvsctl-restores-ipvsadm-save" "$LVS" -R < "$c.real.rules"
    $REAL -Sn | sort > "$c.restored-by-lvs.sorted"
    sort "$c.real.rules" > "$c.real.sorted"
    check_same "$c.lvsctl-restore-same-table" "$c.real.sorted" "$c.restored-by-lvs.sorted"
    $REAL -C
    if grep -qx '#! ipvsadm-cannot-restore' "$corpus"; then
        # ipvsadm saves marks above 2^31 as negative numbers and then
        # rejects them itself; lvsctl reads them back (checked above).
        check_status "$c.ipvsadm-rejects-own-negative-fwmark" 2 "$REAL" -R < "$c.lvs.rules"
    else
        check "$c.ipvsadm-restores-lvsctl-save" "$REAL" -R < "$c.lvs.rules"
        $REAL -Sn | sort > "$c.restored-by-real.sorted"
        sort "$c.lvs.rules" > "$c.lvs.sorted"
        check_same "$c.ipvsadm-restore-same-table" "$c.lvs.sorted" "$c.restored-by-real.sorted"
        # Restoring the same rules, both tools leave the kernel in the same
        # order: every view is byte-identical.
        $REAL -C
        "$REAL" -R < "$c.real.rules"
        views "$REAL" "$c.real-restored"
        $REAL -C
        "$LVS" -R < "$c.real.rules"
        views "$REAL" "$c.lvs-restored"
        same_views "$c.restore-same-order" "$c.real-restored" "$c.lvs-restored"
    fi
done

# Lines that must fail: same stdout, stderr and status from both tools, and
# the table unchanged.
note "corpus errors"
n=0
while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    case $line in ''|'#'*) continue ;; esac
    read -ra args <<< "$line"
    $REAL -C
    $REAL -A -t 192.0.2.1:80 -s rr
    $REAL -a -t 192.0.2.1:80 -r 198.51.100.1:80 -g
    $REAL -Sn > before
    # Both by the bare name "ipvsadm": it repeats argv[0] in some messages.
    capture "real.$n" ipvsadm "${args[@]}" < /dev/null
    $REAL -Sn > after-real
    capture "lvs.$n" env "PATH=${LVS%/*}:$PATH" ipvsadm "${args[@]}" < /dev/null
    $REAL -Sn > after-lvs
    ok=1
    for s in out err rc; do cmp -s "real.$n.$s" "lvs.$n.$s" || ok=0; done
    if [ "$(cat "real.$n.rc")" = 0 ]; then ok=0; fi
    if [ $ok = 1 ]; then
        pass "errors.line$n"
    else
        {
            echo "line $n: ipvsadm $line"
            for s in rc out err; do
                echo "--- $s: ipvsadm vs lvsctl"
                diff -u --label ipvsadm --label lvsctl "real.$n.$s" "lvs.$n.$s"
            done
        } > detail
        fail "errors.line$n" "$(cat detail)"
    fi
    check_same "errors.line$n.unchanged-by-ipvsadm" before after-real
    check_same "errors.line$n.unchanged-by-lvsctl" before after-lvs
done < "$REPO/tests/corpus/errors.cmds"

summary
