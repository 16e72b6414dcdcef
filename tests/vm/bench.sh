#!/bin/bash
# tests/vm/bench.sh — the benchmark (README "Performance"), run inside the
# test VM by tests/vm/bench (not a test: it lives outside tests/vm/scenarios/
# so that cargo test does not run it). See tests/vm/bench for what it measures.
#
# Every bulk load goes into a new network namespace (its own, empty IPVS
# state), not into a flushed table: the kernel keeps deleted destinations in
# a per-namespace "trash" list for 2-3 minutes (IP_VS_DEST_TRASH_PERIOD) and
# every destination add scans that list linearly, so a load right after
# flushing 22,000 destinations is ~8x slower for every tool (measured: the
# pre-encoded push 0.5 s into a fresh table, 4 s after a flush).
#
# Environment (besides what tests/vm/run sets: LVSCTL, OUT, KROOT, ...):
#   PUSH_BASELINE  the push_baseline example binary (required)
#   BENCH_SIZES    "SERVICESxDESTS ..." (default "2000x10 20000x5")
#   BENCH_REPS     timed runs of a command that takes under 10 s (default 3;
#                  slower ones run once); the median is reported
#   BENCH_ONESHOT  processes per one-shot row (default 200)
#   BENCH_HOST     a line describing the host (CPU model, nproc), optional
#   LVSCTL_GIT     `git describe` of the tree lvsctl was built from, optional
# Writes $OUT/report.txt (also printed), progress on stderr (scenario.log),
# and $OUT/bench-errors.log (stderr of the measured commands).
set -u

SIZES=${BENCH_SIZES:-2000x10 20000x5}
REPS=${BENCH_REPS:-3}
ONESHOT=${BENCH_ONESHOT:-200}
SLOW_US=10000000          # a first run slower than 10 s is not repeated
IPVSADM=/usr/sbin/ipvsadm
BASE=${PUSH_BASELINE:?PUSH_BASELINE is not set}
REPORT=$OUT/report.txt
ERRLOG=$OUT/bench-errors.log
W=$(mktemp -d)
cd "$W" || exit 1
: > "$ERRLOG"
started=$EPOCHREALTIME

elapsed_s() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%6.1fs] %s\n' "$(elapsed_s)" "$*" >&2; }
sec() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) printf "n/a"; else if (a / b < 10) printf "%.2fx", a / b; else printf "%.1fx", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
problems=()
problem() { problems+=("$*"); log "PROBLEM: $*"; }

# ------------------------------------------------------------ namespaces
# All measured commands run in namespace $NS via "ip netns exec"; the clock
# is read inside it (by $W/timeit), so entering it is not timed.
NS='' nsn=0
in_ns() { ip netns exec "$NS" "$@"; }
drop_ns() {
    [ -n "$NS" ] || return 0
    in_ns "$IPVSADM" -C 2>> "$ERRLOG"
    ip netns del "$NS"
    NS=''
    sleep "${1:-1}"           # let the namespace's cleanup finish, untimed
}
# new_ns EST: a fresh namespace, empty IPVS table and trash, estimation EST
new_ns() {
    drop_ns "$(( 1 + lines / 40000 ))"
    NS=bench$((++nsn))
    ip netns add "$NS" || { problem "ip netns add $NS failed"; exit 1; }
    in_ns ip link set lo up
    [ "$1" = - ] || in_ns sysctl -q -w net.ipv4.vs.run_estimation="$1" ||
        problem "sysctl run_estimation=$1 failed"
}

cat > timeit <<'EOF'
#!/bin/bash
# timeit IN OUTFILE CMD...: prints CMD's wall-clock microseconds and status.
in=$1 out=$2
shift 2
t0=$EPOCHREALTIME
"$@" < "$in" > "$out"
rc=$?
t1=$EPOCHREALTIME
echo "$(( 10#${t1/./} - 10#${t0/./} )) $rc"
EOF
chmod +x timeit

cat > loop <<'EOF'
#!/bin/bash
# loop N CMD...: runs CMD N times, each %d in its arguments replaced by the
# run's number (1..N), output discarded; prints the microseconds of all N
# and how many exited non-zero.
n=$1 bad=0
shift
t0=$EPOCHREALTIME
for ((i = 1; i <= n; i++)); do "${@//%d/$i}" > /dev/null 2>&1 || bad=$((bad + 1)); done
t1=$EPOCHREALTIME
echo "$(( 10#${t1/./} - 10#${t0/./} )) $bad"
EOF
chmod +x loop

# timed IN OUTFILE CMD...: runs CMD once in $NS; sets US and RC.
timed() {
    local r
    r=$(in_ns "$W/timeit" "$@" 2>> "$ERRLOG")
    US=${r% *} RC=${r#* }
}

# peak IN OUTFILE CMD...: runs CMD in $NS under /usr/bin/time (not timed);
# sets KIB (max RSS in KiB) and RC.
peak() {
    local in=$1 out=$2
    shift 2
    in_ns /usr/bin/time -f %M -o "$W/rss.txt" "$@" < "$in" > "$out" 2>> "$ERRLOG"
    RC=$?
    KIB=$(tail -n 1 "$W/rss.txt")
}

# verify FILE WHAT: the table in $NS must equal the rules file.
verify() {
    in_ns "$LVSCTL" -Sn | LC_ALL=C sort > live.sorted
    if ! cmp -s live.sorted "$1.sorted"; then
        problem "$2: the table differs from $1 ($(wc -l < live.sorted) lines live, $(wc -l < "$1.sorted") expected)"
        return 1
    fi
}

# gen S D FILE: S services with D NAT destinations each, in ipvsadm -Sn syntax.
gen() {
    awk -v S="$1" -v D="$2" 'BEGIN {
        for (i = 0; i < S; i++) {
            svc = sprintf("10.%d.%d.%d:%d", int(i / 62500), int(i / 250) % 250, i % 250 + 1, (i % 2) ? 443 : 80)
            print "-A -t " svc " -s wlc"
            for (j = 0; j < D; j++) {
                net = ((i + j) % 2) ? "203.0.113." : "198.51.100."
                printf "-a -t %s -r %s%d:%d -m -w 1\n", svc, net, (i * 7 + j) % 250 + 1, 8000 + (i + j) % 1000
            }
        }
    }' > "$3"
    LC_ALL=C sort "$3" > "$3.sorted"
}

# ---------------------------------------------------------------- setup
modprobe -d "$KROOT" ip_vs 2>> "$ERRLOG" || problem "modprobe ip_vs failed"
lines=0
new_ns -
if in_ns test -e /proc/sys/net/ipv4/vs/run_estimation; then
    est_values="0 1"           # 1 (the default) last: the listings run with it
else
    est_values="-"
    problem "net.ipv4.vs.run_estimation does not exist in kernel $(uname -r): bulk loads measured once, estimation always on"
fi

ipvsadm_version=$("$IPVSADM" -v 2>&1 | head -n 1)
lvsctl_version=$("$LVSCTL" --version 2>/dev/null | head -n 1)
[ -n "$lvsctl_version" ] || lvsctl_version=$("$LVSCTL" -v 2>&1 | head -n 1)
[ -z "${LVSCTL_GIT:-}" ] || lvsctl_version="$lvsctl_version (git $LVSCTL_GIT)"
guest_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
guest_mem=$(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)
# Warm the page cache (the binaries come over 9p).
in_ns "$IPVSADM" -Ln > /dev/null; in_ns "$LVSCTL" -Ln > /dev/null; in_ns "$BASE" /dev/null > /dev/null 2>&1

# ---------------------------------------------------------------- measure
# R[key] = median microseconds, N[key] = runs, M[key] = peak RSS KiB
declare -A R N M
# record KEY US...: stores the median of the samples
record() { local k=$1; shift; R[$k]=$(median "$@"); N[$k]=$#; }

# What starting a process costs here: listing an empty table.
for t in ipvsadm lvsctl; do
    if [ $t = ipvsadm ]; then cmd=("$IPVSADM" -Ln); else cmd=("$LVSCTL" -Ln); fi
    s=()
    for ((r = 0; r < 5; r++)); do timed /dev/null /dev/null "${cmd[@]}"; s+=("$US"); done
    record "empty.$t" "${s[@]}"
done

for size in $SIZES; do
    S=${size%x*} D=${size#*x}
    f=$W/rules.$size
    gen "$S" "$D" "$f"
    lines=$(wc -l < "$f")
    log "== $S services x $D destinations: $lines lines, $(mib $(($(stat -c %s "$f") / 1024))) MiB"
    # The one-change file: the last destination's weight 1 -> 2.
    sed '$ s/-w 1$/-w 2/' "$f" > "$f.one"
    LC_ALL=C sort "$f.one" > "$f.one.sorted"

    for est in $est_values; do
        # ipvsadm -R
        s=()
        for ((r = 0; r < REPS; r++)); do
            new_ns "$est"
            timed "$f" /dev/null "$IPVSADM" -R
            [ "$RC" = 0 ] || problem "ipvsadm -R ($size, est=$est) exited $RC"
            s+=("$US")
            log "ipvsadm -R $size est=$est: $(sec "$US") s"
            [ "$r" -gt 0 ] || verify "$f" "ipvsadm -R $size" || break
            [ "$US" -lt "$SLOW_US" ] || break
        done
        record "$size.load.ipvsadm.$est" "${s[@]}"
        # lvsctl apply: first one untimed run under /usr/bin/time (peak RSS)
        new_ns "$est"
        peak /dev/null /dev/null "$LVSCTL" apply "$f"
        [ "$RC" = 0 ] || problem "lvsctl apply ($size, est=$est) exited $RC"
        M[$size.load.lvsctl]=$KIB
        verify "$f" "lvsctl apply $size"
        s=()
        for ((r = 0; r < REPS; r++)); do
            new_ns "$est"
            timed /dev/null /dev/null "$LVSCTL" apply "$f"
            [ "$RC" = 0 ] || problem "lvsctl apply ($size, est=$est) exited $RC"
            s+=("$US")
            log "lvsctl apply $size est=$est: $(sec "$US") s"
            [ "$US" -lt "$SLOW_US" ] || break
        done
        record "$size.load.lvsctl.$est" "${s[@]}"
        # The pre-encoded push: it prints the seconds of the push alone;
        # its whole run (start, parse, encode, push) is timed too.
        s=() p=()
        for ((r = 0; r < REPS; r++)); do
            new_ns "$est"
            timed /dev/null base.out "$BASE" "$f"
            [ "$RC" = 0 ] || problem "push_baseline ($size, est=$est) exited $RC"
            s+=("$(awk '{ printf "%d", $1 * 1e6 }' base.out)")
            p+=("$US")
            log "push_baseline $size est=$est: push $(cat base.out) s, process $(sec "$US") s"
            [ "$r" -gt 0 ] || verify "$f" "push_baseline $size"
        done
        record "$size.load.base.$est" "${s[@]}"
        record "$size.load.baseproc.$est" "${p[@]}"
    done

    # Where lvsctl apply's time goes besides the push: the same run with
    # --dry-run (read the file, read the empty table, diff, print the plan).
    new_ns 1
    s=()
    for ((r = 0; r < REPS; r++)); do
        timed /dev/null /dev/null "$LVSCTL" apply --dry-run "$f"
        s+=("$US")
        log "lvsctl apply --dry-run $size: $(sec "$US") s"
    done
    record "$size.load.dry" "${s[@]}"

    # A full table, estimation at its default (1).
    in_ns "$LVSCTL" apply "$f" > /dev/null 2>> "$ERRLOG"
    verify "$f" "load for the listings $size"

    # Listings: one untimed run under /usr/bin/time (peak RSS; the outputs
    # are compared), then timed runs with the output to /dev/null.
    peak /dev/null list.ipvsadm "$IPVSADM" -Ln; M[$size.list.ipvsadm]=$KIB
    peak /dev/null list.lvsctl "$LVSCTL" -Ln; M[$size.list.lvsctl]=$KIB
    peak /dev/null list.json "$LVSCTL" list --output json; M[$size.list.json]=$KIB
    cmp -s list.ipvsadm list.lvsctl || problem "$size: lvsctl -Ln output differs from ipvsadm -Ln"
    grep -q '"schema": *1' list.json || problem "$size: lvsctl list --output json printed no schema 1 object"
    # The counter views (no traffic: both print the same zeros).
    for v in stats rate; do
        peak /dev/null list.ipvsadm.$v "$IPVSADM" -Ln --$v; M[$size.list.ipvsadm-$v]=$KIB
        peak /dev/null list.lvsctl.$v "$LVSCTL" -Ln --$v; M[$size.list.lvsctl-$v]=$KIB
        cmp -s list.ipvsadm.$v list.lvsctl.$v || problem "$size: lvsctl -Ln --$v output differs from ipvsadm's"
    done
    for t in ipvsadm lvsctl json ipvsadm-stats lvsctl-stats ipvsadm-rate lvsctl-rate; do
        case $t in
            ipvsadm) cmd=("$IPVSADM" -Ln) ;;
            lvsctl) cmd=("$LVSCTL" -Ln) ;;
            json) cmd=("$LVSCTL" list --output json) ;;
            ipvsadm-*) cmd=("$IPVSADM" -Ln --"${t#*-}") ;;
            lvsctl-*) cmd=("$LVSCTL" -Ln --"${t#*-}") ;;
        esac
        s=()
        for ((r = 0; r < REPS; r++)); do
            timed /dev/null /dev/null "${cmd[@]}"
            [ "$RC" = 0 ] || problem "${cmd[*]} ($size) exited $RC"
            s+=("$US")
            log "${cmd[*]} $size: $(sec "$US") s"
            [ "$US" -lt "$SLOW_US" ] || break
        done
        record "$size.list.$t" "${s[@]}"
    done

    # One-shot commands in the full table, one process each, as a boot
    # script or ldirectord runs them: ONESHOT (default 200) real servers
    # added to a service of each tool's own, then as many listings of one
    # service; /bin/true with the same arguments is the cost of spawning.
    # lvsctl runs as "ipvsadm" (a symlink), as the tools that shell out do.
    ln -sf "$LVSCTL" ipvsadm-lvsctl
    in_ns "$IPVSADM" -A -t 192.0.2.200:80 -s wlc
    in_ns "$IPVSADM" -A -t 192.0.2.201:80 -s wlc
    for t in true:/bin/true ipvsadm:"$IPVSADM" lvsctl:"$W/ipvsadm-lvsctl"; do
        vip=192.0.2.200:80
        [ "${t%%:*}" = lvsctl ] && vip=192.0.2.201:80
        for op in add list; do
            case $op in
                add) args=(-a -t "$vip" -r 198.51.100.%d:80 -m) ;;
                list) args=(-Ln -t "$vip") ;;
            esac
            r=$(in_ns "$W/loop" "$ONESHOT" "${t#*:}" "${args[@]}")
            R[$size.oneshot.$op.${t%%:*}]=$(( ${r% *} / ONESHOT )) N[$size.oneshot.$op.${t%%:*}]=$ONESHOT
            [ "${t%%:*}" = true ] || [ "${r#* }" = 0 ] || problem "$size: ${r#* } of $ONESHOT one-shot ${t%%:*} ${args[*]} failed"
            log "one-shot $op ${t%%:*} $size: $(( ${r% *} / ONESHOT )) us per command"
        done
    done
    in_ns "$IPVSADM" -Ln -t 192.0.2.200:80 > one.ipvsadm
    in_ns "$IPVSADM" -Ln -t 192.0.2.201:80 | sed 's/192\.0\.2\.201:80/192.0.2.200:80/' > one.lvsctl
    cmp -s one.ipvsadm one.lvsctl || problem "$size: the one-shot adds of ipvsadm and lvsctl built different services"
    peak /dev/null /dev/null "$IPVSADM" -Ln -t 192.0.2.200:80; M[$size.oneshot.list.ipvsadm]=$KIB
    peak /dev/null /dev/null "$W/ipvsadm-lvsctl" -Ln -t 192.0.2.201:80; M[$size.oneshot.list.lvsctl]=$KIB
    peak /dev/null /dev/null "$IPVSADM" -a -t 192.0.2.200:80 -r 203.0.113.1:80 -m; M[$size.oneshot.add.ipvsadm]=$KIB
    peak /dev/null /dev/null "$W/ipvsadm-lvsctl" -a -t 192.0.2.201:80 -r 203.0.113.1:80 -m; M[$size.oneshot.add.lvsctl]=$KIB
    in_ns "$IPVSADM" -D -t 192.0.2.200:80
    in_ns "$IPVSADM" -D -t 192.0.2.201:80

    # One changed destination: apply FILE.one (weight 1 -> 2) and FILE
    # (back to 1), both timed; each must print exactly one change.
    peak /dev/null one.out "$LVSCTL" apply "$f.one"; M[$size.one.lvsctl]=$KIB
    [ "$(grep -c . one.out)" = 1 ] || problem "$size: apply of the one-change file printed $(grep -c . one.out) lines"
    verify "$f.one" "one-change apply $size"
    s=()
    for ((r = 0; r < REPS; r++)); do
        for g in "$f" "$f.one"; do
            timed /dev/null one.out "$LVSCTL" apply "$g"
            [ "$RC" = 0 ] || problem "lvsctl apply $g exited $RC"
            [ "$(grep -c . one.out)" = 1 ] || problem "$size: apply of a one-change file printed $(grep -c . one.out) lines"
            s+=("$US")
            log "lvsctl apply (one change) $size: $(sec "$US") s"
        done
    done
    record "$size.one.lvsctl" "${s[@]}"
    rm -f "$f" "$f".*
done
drop_ns "$(( 1 + lines / 40000 ))"

# ---------------------------------------------------------------- report
cell() { [ -n "${R[$1]:-}" ] && printf '%s (%s)' "$(sec "${R[$1]}")" "${N[$1]}" || printf 'n/a'; }
rat() { [ -n "${R[$1]:-}" ] && [ -n "${R[$2]:-}" ] && ratio "${R[$1]}" "${R[$2]}" || printf 'n/a'; }
ms() { [ -n "${R[$1]:-}" ] && awk -v u="${R[$1]}" 'BEGIN { printf "%.1f", u / 1000 }' || printf 'n/a'; }
above() { [ -n "${R[$1]:-}" ] && [ -n "${R[$2]:-}" ] && awk -v a="${R[$1]}" -v b="${R[$2]}" 'BEGIN { printf "%.1f", (a - b) / 1000 }' || printf 'n/a'; }
mem() { [ -n "${M[$1]:-}" ] && printf '%s MiB' "$(mib "${M[$1]}")" || printf 'n/a'; }
{
    echo "lvsctl benchmark: bulk load, listings, one-shot commands, one-entry change"
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
    [ -z "${BENCH_HOST:-}" ] || echo "host:     $BENCH_HOST"
    echo "VM:       kernel $(uname -r), qemu TCG (software emulation), $(nproc) vCPU: $guest_cpu, $guest_mem"
    echo "ipvsadm:  $ipvsadm_version"
    echo "lvsctl:   $lvsctl_version"
    echo "Seconds of wall-clock time, median of (n) runs. est=1/0: sysctl net.ipv4.vs.run_estimation."
    echo "Each load goes into a fresh network namespace (an empty table with an empty destination trash)."
    echo "push floor: the same messages pre-encoded (examples/push_baseline), only their push timed;"
    echo "  its whole process (start-up, parsing with lvsctl's ipvsadm parser, encoding, push) timed too."
    echo "Process start-up (listing an empty table): ipvsadm -Ln $(cell empty.ipvsadm), lvsctl -Ln $(cell empty.lvsctl)."
    for size in $SIZES; do
        S=${size%x*} D=${size#*x}
        echo
        echo "== $S services x $D destinations ($((S * (D + 1))) entries)"
        if [ "$est_values" = - ]; then ests=(-); else ests=(1 0); fi
        printf '%-38s' "bulk load into an empty table"
        for e in "${ests[@]}"; do printf '%14s' "est=$e"; done; echo
        for t in ipvsadm:"ipvsadm -R < FILE" lvsctl:"lvsctl apply FILE" base:"push floor" \
                 baseproc:"push_baseline, whole process"; do
            printf '  %-36s' "${t#*:}"
            for e in "${ests[@]}"; do printf '%14s' "$(cell "$size.load.${t%%:*}.$e")"; done; echo
        done
        printf '  %-36s' "ratio ipvsadm / lvsctl"
        for e in "${ests[@]}"; do printf '%14s' "$(rat "$size.load.ipvsadm.$e" "$size.load.lvsctl.$e")"; done
        echo "    target >= 20x at est=0"
        printf '  %-36s' "ratio lvsctl / push floor"
        for e in "${ests[@]}"; do printf '%14s' "$(rat "$size.load.lvsctl.$e" "$size.load.base.$e")"; done
        echo "    target <= 1.15x"
        printf '  %-36s%14s\n' "lvsctl apply --dry-run FILE" "$(cell "$size.load.dry")"
        printf '  %-36s%14s\n' "lvsctl apply peak RSS" "$(mem "$size.load.lvsctl")"
        printf '%-38s%14s%14s%14s\n' "listing the full table (est=1)" seconds "ipvsadm/this" "peak RSS"
        for t in ipvsadm:"ipvsadm -Ln" lvsctl:"lvsctl -Ln" json:"lvsctl list --output json" \
                 ipvsadm-stats:"ipvsadm -Ln --stats" lvsctl-stats:"lvsctl -Ln --stats" \
                 ipvsadm-rate:"ipvsadm -Ln --rate" lvsctl-rate:"lvsctl -Ln --rate"; do
            k=${t%%:*} base=ipvsadm
            case $k in *-*) base=ipvsadm-${k#*-} ;; esac
            printf '  %-36s%14s%14s%14s\n' "${t#*:}" "$(cell "$size.list.$k")" \
                "$(rat "$size.list.$base" "$size.list.$k")" "$(mem "$size.list.$k")"
        done
        echo "  (targets: ipvsadm -Ln / lvsctl -Ln >= 5x at 22,000 entries, >= 3x at 120,000)"
        printf '%-38s%14s%14s%14s\n' "one-shot, $ONESHOT processes each" "ms/command" "above true" "peak RSS"
        printf '  %-36s%14s\n' "/bin/true (spawning)" "$(ms "$size.oneshot.add.true")"
        for op in add:"-a -t VIP:PORT -r RIP:PORT -m" list:"-Ln -t VIP:PORT"; do
            for t in ipvsadm lvsctl; do
                printf '  %-36s%14s%14s%14s\n' "$t ${op#*:}" "$(ms "$size.oneshot.${op%%:*}.$t")" \
                    "$(above "$size.oneshot.${op%%:*}.$t" "$size.oneshot.add.true")" "$(mem "$size.oneshot.${op%%:*}.$t")"
            done
        done
        echo "  (target: lvsctl's cost above /bin/true <= ipvsadm's)"
        printf '%-38s%14s%14s%14s\n' "one changed destination" seconds "vs -Ln" "peak RSS"
        printf '  %-36s%14s%14s%14s\n' "lvsctl apply FILE (1 change)" "$(cell "$size.one.lvsctl")" \
            "$(rat "$size.one.lvsctl" "$size.list.lvsctl")" "$(mem "$size.one.lvsctl")"
        echo "  (target: <= 1.2x the time of lvsctl -Ln)"
    done
    echo
    if [ ${#problems[@]} = 0 ]; then
        echo "Every load was verified (lvsctl -Sn equals the file); lvsctl -Ln printed what ipvsadm -Ln did."
    else
        echo "PROBLEMS:"
        printf '  %s\n' "${problems[@]}"
    fi
    echo "VM time of the benchmark: $(elapsed_s) s"
} > "$REPORT"
cat "$REPORT"
[ ${#problems[@]} = 0 ]
