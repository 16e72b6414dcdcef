#!/bin/bash
# tests/vm/bench_daemon.sh — `lvsctl daemon` side by side with keepalived's
# checkers, run inside the test VM by tests/vm/bench_daemon (not a test: it
# lives outside tests/vm/scenarios/ so that cargo test does not run it). See
# tests/vm/bench_daemon for what it measures; the config files and the real
# servers are tests/vm/bench_daemon.py.
#
# Topology: namespace "rs" holds the real servers, 198.51.100.1-10 on a
# dummy device and ONE process listening on 1,000 sockets (10 addresses x
# ports 8000-8099) that stamps every accept (examples/bench_listener). Each tool run
# gets a fresh director namespace (its own, empty IPVS table) joined to "rs"
# by a veth pair (director 198.51.100.253, rs 198.51.100.254, route
# 198.51.100.0/25 via rs); the director has no other route, so the big
# file's 203.0.113.0/24 servers fail at once (ENETUNREACH). One tool runs at
# a time. keepalived runs as `keepalived -C -n -l` (checkers only, in the
# foreground, log to the console): its parent and its checker child are
# both measured.
#
# Environment (besides what tests/vm/run sets: LVSCTL, OUT, KROOT, ...):
#   BENCH_LISTENER the bench_listener example binary (required)
#   BENCH_SECS     steady-state window of each measurement (default 60)
#   BENCH_BIG      0 skips the 2,284-service file (default 1)
#   BENCH_BIG_WAIT seconds to wait for a load or reload of it (default 600)
#   BENCH_BIG_SVC, BENCH_BIG_DEST  its size (default 2284, 37298)
#   BENCH_PHASES   which parts run (default "tcp http dedup big")
#   BENCH_PROFILE  1: strace -c and perf record of each tool after its
#                  1,000-server window (logs/TAG.strace, logs/TAG.perf.txt)
#   BENCH_HOST, LVSCTL_GIT   lines for the report, optional
# Writes $OUT/report.txt (also printed; written as the phases finish, so a
# run cut short keeps what it measured), progress on stderr (scenario.log),
# the tools' logs and listener dumps under $OUT/logs/.
set -u

SECS=${BENCH_SECS:-60}
BIG=${BENCH_BIG:-1}
BIG_WAIT=${BENCH_BIG_WAIT:-600}
PHASES=${BENCH_PHASES:-tcp http dedup big}
KA=/usr/sbin/keepalived
IPVSADM=/usr/sbin/ipvsadm
PY=$REPO/tests/vm/bench_daemon.py
LISTENER_BIN=${BENCH_LISTENER:?BENCH_LISTENER is not set}
REPORT=$OUT/report.txt
LOGS=$OUT/logs
HZ=$(getconf CLK_TCK)
W=$(mktemp -d)
cd "$W" || exit 1
mkdir -p "$LOGS"
started=$EPOCHREALTIME

elapsed_s() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%6.1fs] %s\n' "$(elapsed_s)" "$*" >&2; }
problems=()
problem() { problems+=("$*"); log "PROBLEM: $*"; echo "PROBLEM: $*" >> "$REPORT"; }
rep() { printf '%s\n' "$*" >> "$REPORT"; }
now() { echo "$EPOCHREALTIME"; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 <= 0) printf "n/a"; else printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ------------------------------------------------------------ setup
modprobe -d "$KROOT" ip_vs 2>> "$LOGS/setup.err" || problem "modprobe ip_vs failed"
modprobe -d "$KROOT" ip_vs_wrr 2>> "$LOGS/setup.err" || true
modprobe -d "$KROOT" dummy 2>> "$LOGS/setup.err" || true
modprobe -d "$KROOT" veth 2>> "$LOGS/setup.err" || true
[ -x "$KA" ] || problem "$KA is missing (tests/vm/setup installs keepalived)"
python3 "$PY" gen "$W" || { problem "generating the files failed"; exit 1; }

ip netns add rs
ip -n rs link set lo up
ip -n rs link add dummy0 type dummy
ip -n rs link set dummy0 up
for j in $(seq 1 10); do ip -n rs addr add "198.51.100.$j/32" dev dummy0; done
ip netns exec rs sysctl -q -w net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096
# 1,000 listening sockets plus the connections in flight of HTTP probes
# exceed the default 1,024 descriptors (accept fails with EMFILE). Raised
# here, so both tools inherit the same limit too.
ulimit -n "$(ulimit -Hn)" 2> /dev/null || ulimit -n 65536 2> /dev/null || true
echo "file descriptor limit: $(ulimit -n)" >> "$LOGS/setup.err"
mkfifo "$W/ctl"
: > "$W/ack"
ip netns exec rs "$LISTENER_BIN" "$W/servers.txt" "$W/ctl" "$W/ack" 2> "$LOGS/listener.err" &
LISTENER=$!
# ctl CMD...: a command to the listener; waits for its acknowledgement and
# sets ACK_T to the listener's time of it.
ctl() {
    local n i
    n=$(wc -l < "$W/ack")
    kill -0 "$LISTENER" 2> /dev/null || { problem "the listener died"; return 1; }
    log "listener: $*"
    echo "$*" > "$W/ctl"
    for ((i = 0; i < 1000; i++)); do
        if [ "$(wc -l < "$W/ack")" -gt "$n" ]; then
            ACK_T=$(tail -n 1 "$W/ack" | awk '{ print $NF }')
            return 0
        fi
        sleep 0.01
    done
    problem "the listener did not acknowledge '$*'"
    return 1
}
sleep 2
ctl mode tcp || exit 1

NS='' nsn=0
in_ns() { ip netns exec "$NS" "$@"; }
new_ns() {
    NS=dir$((++nsn))
    ip netns add "$NS"
    in_ns ip link set lo up
    ip -n "$NS" link add vd type veth peer name vr$nsn netns rs
    ip -n "$NS" addr add 198.51.100.253/30 dev vd
    ip -n "$NS" link set vd up
    ip -n rs addr add 198.51.100.254/30 dev vr$nsn
    ip -n rs link set vr$nsn up
    ip -n "$NS" route add 198.51.100.0/25 via 198.51.100.254
    in_ns sysctl -q -w net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 60999"
}
drop_ns() {
    [ -n "$NS" ] || return 0
    ip netns del "$NS"
    NS=''
    sleep "${1:-2}"
}

# Tool processes. start_tool TOOL CONFIG TAG: PIDS = the processes to
# measure (keepalived: parent and checker child).
TOOL_PID='' PIDS=()
start_tool() {
    local tool=$1 conf=$2 tag=$3 i c
    if [ "$tool" = lvsctl ]; then
        # not through in_ns (a function): $! must be the daemon itself
        ip netns exec "$NS" "$LVSCTL" daemon --config "$conf" --log-format json 2> "$LOGS/$tag.log" > /dev/null &
        TOOL_PID=$!
        PIDS=("$TOOL_PID")
    else
        ip netns exec "$NS" "$KA" -C -n -l -f "$conf" -p "$W/ka.$tag.pid" -c "$W/kc.$tag.pid" \
            > "$LOGS/$tag.log" 2>&1 &
        TOOL_PID=$!
        PIDS=("$TOOL_PID")
        for ((i = 0; i < 500; i++)); do
            c=$(pgrep -P "$TOOL_PID" | head -n 1)
            [ -z "$c" ] || { PIDS+=("$c"); break; }
            sleep 0.02
        done
        [ ${#PIDS[@]} = 2 ] || problem "$tag: no keepalived checker process"
    fi
}
stop_tool() {
    [ -n "$TOOL_PID" ] || return 0
    kill -TERM "$TOOL_PID" 2> /dev/null
    local i
    for ((i = 0; i < 300; i++)); do kill -0 "$TOOL_PID" 2> /dev/null || break; sleep 0.1; done
    kill -0 "$TOOL_PID" 2> /dev/null && { kill -KILL "$TOOL_PID"; problem "$1 did not stop on SIGTERM"; }
    wait "$TOOL_PID" 2> /dev/null
    TOOL_PID='' PIDS=()
}
# stat_ticks EXPR: the sum over PIDS (every thread of each) of an awk
# expression of /proc/PID/stat's fields counted after the command name
# ($12 utime, $13 stime)
stat_ticks() {
    local t=0 p v
    for p in "${PIDS[@]}"; do
        v=$(awk "{ sub(/^.*\\) /, \"\"); print $1 }" "/proc/$p/stat" 2> /dev/null) || v=0
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
cpu_ticks() { stat_ticks '$12 + $13'; }
user_ticks() { stat_ticks '$12'; }
# ctx_switches: voluntary + involuntary context switches of every thread of PIDS
ctx_switches() {
    local t=0 p f v
    for p in "${PIDS[@]}"; do
        for f in /proc/"$p"/task/*/status; do
            v=$(awk '/ctxt_switches/ { n += $2 } END { print n + 0 }' "$f" 2> /dev/null)
            t=$((t + ${v:-0}))
        done
    done
    echo "$t"
}
# profile TAG: with BENCH_PROFILE=1, a system-call count (strace -c, 10 s)
# and a flat CPU profile (perf record, 15 s, when perf is installed) of
# PIDS into $LOGS/TAG.strace and $LOGS/TAG.perf.txt; after the measured
# window, as both slow the tool down.
profile() {
    [ "${BENCH_PROFILE:-0}" = 1 ] || return 0
    local a=() p
    for p in "${PIDS[@]}"; do a+=(-p "$p"); done
    log "$1: strace -c for 10 s"
    timeout -s INT 10 strace -c -f "${a[@]}" -o "$LOGS/$1.strace" 2> /dev/null
    if command -v perf > /dev/null; then
        log "$1: perf record for 15 s"
        perf record -q -F 499 -g -o "$W/$1.perf" --pid "$(IFS=,; echo "${PIDS[*]}")" -- sleep 15 > /dev/null 2>&1
        {
            perf report -q -i "$W/$1.perf" --stdio --no-children -g none --sort dso
            echo
            perf report -q -i "$W/$1.perf" --stdio --no-children -g none --sort dso,sym | head -n 80
            echo
            perf report -q -i "$W/$1.perf" --stdio --no-children --sort dso,sym | grep -v '^$' | head -n 400
        } > "$LOGS/$1.perf.txt" 2> /dev/null
    fi
}
# hwm_kib: the sum of VmHWM of PIDS
hwm_kib() {
    local t=0 p v
    for p in "${PIDS[@]}"; do
        v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2> /dev/null)
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
alive() { local p; for p in "${PIDS[@]}"; do kill -0 "$p" 2> /dev/null || return 1; done; }

# up_count [-t VIP:PORT]: destinations with a weight > 0
up_count() { in_ns "$IPVSADM" -Ln "$@" 2> /dev/null | awk '$1 == "->" && $4 ~ /^[0-9]+$/ && $4 > 0 { n++ } END { print n + 0 }'; }
# wait_up N SECS: until N destinations have a weight; sets WAITED (s)
wait_up() {
    local t0 n=0
    t0=$(now)
    while :; do
        n=$(up_count)
        [ "$n" -lt "$1" ] || break
        if awk -v a="$t0" -v b="$(now)" -v l="$2" 'BEGIN { exit !(b - a > l) }'; then
            problem "$TAG: only $n of $1 servers up after $2 s"
            break
        fi
        sleep 0.2
    done
    WAITED=$(diff_s "$t0" "$(now)")
}
# weight_of VIP:PORT RS:PORT: the weight, or "gone"
weight_of() {
    in_ns "$IPVSADM" -Ln -t "$1" 2> /dev/null | awk -v rs="$2" '$1 == "->" && $2 == rs { w = $4 } END { print (w == "" ? "gone" : w) }'
}
# wait_weight VIP RS WANT SECS [0]: polls every 20 ms (inside the namespace)
# until the weight is WANT (WANT=0 also accepts "gone"); prints the time.
cat > "$W/poll" <<'EOF'
#!/bin/bash
# poll VIP RS WANT SECS: prints $EPOCHREALTIME once RS's weight in VIP is WANT
vip=$1 rs=$2 want=$3 lim=$4
t0=$EPOCHREALTIME
while :; do
    w=$(/usr/sbin/ipvsadm -Ln -t "$vip" 2>/dev/null | awk -v rs="$rs" '$1 == "->" && $2 == rs { w = $4 } END { print (w == "" ? "gone" : w) }')
    if [ "$w" = "$want" ] || { [ "$want" = 0 ] && [ "$w" = gone ]; }; then echo "$EPOCHREALTIME"; exit 0; fi
    if awk -v a="$t0" -v b="$EPOCHREALTIME" -v l="$lim" 'BEGIN { exit !(b - a > l) }'; then echo timeout; exit 1; fi
    sleep 0.02
done
EOF
chmod +x "$W/poll"

# ------------------------------------------------------------ versions
ka_version=$("$KA" --version 2>&1 | head -n 1)
lvsctl_version=$("$LVSCTL" --version 2> /dev/null | head -n 1)
[ -z "${LVSCTL_GIT:-}" ] || lvsctl_version="$lvsctl_version (git $LVSCTL_GIT)"
guest_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
guest_mem=$(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)
{
    echo "lvsctl daemon benchmark: health checks side by side with keepalived"
    echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
    [ -z "${BENCH_HOST:-}" ] || echo "host:       $BENCH_HOST"
    echo "VM:         kernel $(uname -r), qemu TCG (software emulation, every number is slower than"
    echo "            on hardware), $(nproc) vCPU: $guest_cpu, $guest_mem"
    echo "lvsctl:     $lvsctl_version"
    echo "keepalived: $ka_version (keepalived -C -n -l: checkers only; parent + checker child measured)"
    echo "Real servers: one process (examples/bench_listener) in namespace rs accepting on every socket, stamping each"
    echo "  accept; probe lag = gap between successive probes of one server minus the interval."
    echo "Same semantics for both: interval 1 s (delay_loop 1), timeout 1 s (connect_timeout 1),"
    echo "  lvsctl rise = 1, fall = 1 ~ keepalived retry 0; lvsctl on_failure = quiesce ~ keepalived"
    echo "  inhibit_on_failure (weight 0). lvsctl runs with reconcile_interval = 10s (full table read)."
    echo "Window: $SECS s of steady state per row, after every server is up and 5 s more."
} > "$REPORT"

# ------------------------------------------------------------ 1,000 servers
# Failure-to-kernel: close the listening socket of a server (RST from then
# on), poll its weight in ipvsadm -Ln every 20 ms until 0; then reopen and
# time the return. Three servers, the median reported.
FAIL_IDX=(505 237 862)     # indexes in servers.txt
srv_of() { awk -v i="$1" 'NR == i + 1 { print $1 ":" $2 }' "$W/servers.txt"; }
vip_of() { echo "192.0.2.$(( $1 / 10 + 1 )):80"; }

declare -A CTX CPU LAG50 LAG99 RSS FAIL BACK PPS
run_1000() {
    local tool=$1 kind=$2 t0 t1 c0 c1 u0 u1 x0 x1 res probes k fails=() backs=() s v tf
    TAG=$tool.$kind
    log "== $TAG: 1,000 servers, $kind checks every 1 s"
    ctl mode "$kind"
    new_ns
    if [ $tool = lvsctl ]; then start_tool lvsctl "$W/lvs.$kind.toml" "$TAG"; else start_tool keepalived "$W/ka.$kind.conf" "$TAG"; fi
    wait_up 1000 60
    log "$TAG: $(up_count) servers up after $WAITED s"
    sleep 5
    alive || problem "$TAG: the tool died"
    log "$TAG: measuring for $SECS s"
    # CPU and probes are counted over the same window [t0, t1], inside
    # the listener's recording (rec .. dump)
    ctl rec
    c0=$(cpu_ticks); u0=$(user_ticks); x0=$(ctx_switches); t0=$(now)
    sleep "$SECS"
    c1=$(cpu_ticks); u1=$(user_ticks); x1=$(ctx_switches); t1=$(now)
    ctl dump "$LOGS/$TAG.dump"
    res=$(python3 "$PY" lag "$LOGS/$TAG.dump" 1 "$t0" "$t1")
    log "$TAG: $res"
    probes=$(sed 's/.*probes=\([0-9]*\).*/\1/' <<< "$res")
    CPU[$TAG]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v p="$probes" 'BEGIN { if (p > 0) printf "%.3f", c / hz / p * 1000; else print "n/a" }')
    LAG50[$TAG]=$(sed 's/.*p50_ms=\([-0-9.a-z]*\).*/\1/' <<< "$res")
    LAG99[$TAG]=$(sed 's/.*p99_ms=\([-0-9.a-z]*\).*/\1/' <<< "$res")
    PPS[$TAG]=$(sed 's/.*per_s=\([0-9.]*\).*/\1/' <<< "$res")
    RSS[$TAG]=$(hwm_kib)
    CTX[$TAG]=$(awk -v x=$((x1 - x0)) -v p="$probes" 'BEGIN { if (p > 0) printf "%.0f", x / p * 1000; else print "n/a" }')
    rep "$(printf '  %-18s cpu %.2f s (user %.2f s) in %s s = %s s / 1,000 probes; %s context switches / 1,000 probes; peak RSS %s MiB; %s' \
        "$TAG" "$(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN { print c / hz }')" \
        "$(awk -v c=$((u1 - u0)) -v hz="$HZ" 'BEGIN { print c / hz }')" "$(diff_s "$t0" "$t1")" \
        "${CPU[$TAG]}" "${CTX[$TAG]}" "$(awk -v k="${RSS[$TAG]}" 'BEGIN { printf "%.1f", k / 1024 }')" "$res")"
    profile "$TAG"
    if [ $tool = lvsctl ]; then
        in_ns "$LVSCTL" daemon status --output json > "$LOGS/$TAG.status.json" 2>> "$LOGS/$TAG.log"
        s=$?
        v=$(grep -o '"health": *"up"' "$LOGS/$TAG.status.json" | wc -l)
        rep "  $TAG             daemon status --output json: exit $s, $v of 1000 servers up"
        [ "$v" -ge 990 ] || problem "$TAG: daemon status shows only $v of 1000 servers up"
    fi
    for k in "${FAIL_IDX[@]}"; do
        s=$(srv_of "$k") v=$(vip_of "$k")
        ctl close "$k"
        tf=$(in_ns "$W/poll" "$v" "$s" 0 30)
        if [ "$tf" = timeout ]; then problem "$TAG: $s still weighted 30 s after its listener closed"; else fails+=("$(diff_ms "$ACK_T" "$tf")"); fi
        ctl open "$k"
        tf=$(in_ns "$W/poll" "$v" "$s" 1 30)
        if [ "$tf" = timeout ]; then problem "$TAG: $s not back 30 s after its listener reopened"; else backs+=("$(diff_ms "$ACK_T" "$tf")"); fi
    done
    FAIL[$TAG]=$( [ ${#fails[@]} -gt 0 ] && median "${fails[@]}" || echo n/a)
    BACK[$TAG]=$( [ ${#backs[@]} -gt 0 ] && median "${backs[@]}" || echo n/a)
    rep "$(printf '  %-18s failure-to-kernel %s ms (median of: %s), return %s ms (of: %s)' "$TAG" \
        "${FAIL[$TAG]}" "${fails[*]:-}" "${BACK[$TAG]}" "${backs[*]:-}")"
    alive || problem "$TAG: the tool died"
    stop_tool "$TAG"
    drop_ns
}

run_rows_1000() {
    [[ " $PHASES " = *" $1 "* ]] || return 0
    rep ""
    rep "== 1,000 real servers (100 services x 10), $1 checks every 1 s"
    for tool in lvsctl keepalived; do run_1000 "$tool" "$1"; done
}
run_rows_1000 tcp

# ------------------------------------------------------------ dedup
# 10 services sharing the same 100 servers (servers.txt lines 0-99).
declare -A DEDUP
run_dedup() {
    local tool=$1 t0 t1 res
    TAG=$tool.dedup
    log "== $TAG: 10 services sharing 100 servers"
    ctl mode tcp
    new_ns
    if [ $tool = lvsctl ]; then start_tool lvsctl "$W/lvs.dedup.toml" "$TAG"; else start_tool keepalived "$W/ka.dedup.conf" "$TAG"; fi
    wait_up 1000 60
    sleep 3
    ctl rec
    t0=$(now)
    sleep 20
    t1=$(now)
    ctl dump "$LOGS/$TAG.dump"
    res=$(python3 "$PY" lag "$LOGS/$TAG.dump" 1 "$t0" "$t1" 0 100)
    DEDUP[$tool]=$(sed 's/.*per_s=\([0-9.]*\).*/\1/' <<< "$res")
    rep "$(printf '  %-18s %s probes/s at the 100 listeners (%s)' "$TAG" "${DEDUP[$tool]}" "$res")"
    stop_tool "$TAG"
    drop_ns
}
rep ""
rep "== dedup: 10 services sharing the same 100 servers, TCP every 1 s (20 s window)"
[[ " $PHASES " != *" dedup "* ]] || for tool in lvsctl keepalived; do run_dedup "$tool"; done

# ------------------------------------------------------------ big file
# 2,284 services / 37,298 servers, TCP checks every 60 s (the first service
# has none: its servers are static, the first of them 198.51.100.1:8000; the
# checked ones are all unreachable). Load: from the start until ipvsadm -Ln has every entry.
# Reload: that live server's weight 1 -> 2 (lvsctl daemon reload / SIGHUP),
# until ipvsadm shows weight 2.
BIG_SVC=${BENCH_BIG_SVC:-2284} BIG_DEST=${BENCH_BIG_DEST:-37298}
BIG_LINES=$((3 + BIG_SVC + BIG_DEST))
run_big() {
    local tool=$1 conf t0 t1 n tf out c0 r
    TAG=$tool.big
    log "== $TAG: $BIG_SVC services / $BIG_DEST servers"
    ctl mode tcp
    new_ns
    if [ $tool = lvsctl ]; then conf=$W/lvs.big.toml; cp "$W/lvs.big.toml" "$W/cur.toml"; conf=$W/cur.toml
    else cp "$W/ka.big.conf" "$W/cur.conf"; conf=$W/cur.conf; fi
    t0=$(now)
    start_tool "$tool" "$conf" "$TAG"
    while :; do
        n=$(in_ns "$IPVSADM" -Ln 2> /dev/null | wc -l)
        [ "$n" -lt "$BIG_LINES" ] || break
        alive || { problem "$TAG: the tool died during the load ($n of $BIG_LINES lines)"; break; }
        if awk -v a="$t0" -v b="$(now)" -v l="$BIG_WAIT" 'BEGIN { exit !(b - a > l) }'; then
            problem "$TAG: $n of $BIG_LINES ipvsadm -Ln lines after $BIG_WAIT s"; break
        fi
        sleep 0.5
    done
    t1=$(now)
    r="load $(diff_s "$t0" "$t1") s to $n ipvsadm -Ln lines (of $BIG_LINES)"
    if [ $tool = lvsctl ]; then
        out=$(python3 - "$LOGS/$TAG.log" "$t0" <<'EOF'
import json, sys
t0 = float(sys.argv[2]); started = None; changes = 0
for line in open(sys.argv[1], errors="replace"):
    try: j = json.loads(line)
    except ValueError: continue
    if j.get("msg") == "started" and started is None: started = j.get("ts", 0) - t0
    elif started is not None and "change" in j and j.get("level") == "info": changes += 1
print("'started' logged after %s s, %d changes logged" % ("%.2f" % started if started is not None else "n/a", changes))
EOF
)
        r="$r; $out"
    fi
    r="$r; peak RSS $(awk -v k="$(hwm_kib)" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
    rep "  $TAG $r"
    log "$TAG: $r"
    if [ "$n" -ge "$BIG_LINES" ] && alive; then
        tf=$(in_ns "$W/poll" 192.0.2.1:80 198.51.100.1:8000 1 90)
        [ "$tf" != timeout ] || problem "$TAG: 198.51.100.1:8000 not up 90 s after the load"
        sleep 2
        t0=$(now)
        if [ $tool = lvsctl ]; then
            cp "$W/lvs.big.one.toml" "$conf"
            t0=$(now)
            out=$(in_ns timeout "$BIG_WAIT" "$LVSCTL" daemon reload 2>&1)
            r="reload: 'lvsctl daemon reload' exited $? after $(diff_s "$t0" "$(now)") s ($out)"
        else
            cp "$W/ka.big.one.conf" "$conf"
            t0=$(now)
            kill -HUP "$TOOL_PID"
            r="reload: SIGHUP"
        fi
        tf=$(in_ns "$W/poll" 192.0.2.1:80 198.51.100.1:8000 2 "$BIG_WAIT")
        if [ "$tf" = timeout ]; then problem "$TAG: weight 2 not in the table $BIG_WAIT s after the reload"; r="$r; weight 2 never seen"
        else r="$r; weight 2 in ipvsadm after $(diff_s "$t0" "$tf") s"; fi
        if [ $tool = lvsctl ]; then
            r="$r; log: $(grep -o '"msg":"reload done"[^}]*' "$LOGS/$TAG.log" | tail -n 1)"
        fi
        sleep 5
        n=$(in_ns "$IPVSADM" -Ln 2> /dev/null | wc -l)
        if alive; then r="$r; afterwards alive, $n ipvsadm -Ln lines"; else r="$r; afterwards DEAD"; problem "$TAG: the tool died after the reload"; fi
        rep "  $TAG $r"
        log "$TAG: $r"
    fi
    stop_tool "$TAG"
    drop_ns 5
}
if [ "$BIG" = 1 ] && [[ " $PHASES " = *" big "* ]]; then
    rep ""
    rep "== $BIG_SVC services / $BIG_DEST servers, TCP checks every 60 s (checked servers unreachable; the first service static)"
    for tool in lvsctl keepalived; do run_big "$tool"; done
fi

# HTTP last: the 1,000-server TCP row, dedup and the big file come first,
# so a run cut short has the most of it.
run_rows_1000 http

# ------------------------------------------------------------ summary
kill "$LISTENER" 2> /dev/null
{
    echo
    echo "== summary (lvsctl vs keepalived)"
    for kind in tcp http; do
        l=lvsctl.$kind k=keepalived.$kind
        printf '  %-5s CPU per 1,000 probes: %s s vs %s s, ratio %s (target <= 0.5)\n' "$kind" \
            "${CPU[$l]:-n/a}" "${CPU[$k]:-n/a}" "$(ratio "${CPU[$l]:-0}" "${CPU[$k]:-0}")"
        printf '  %-5s probe lag p50 %s ms vs %s ms; p99 %s ms vs %s ms (target: lvsctl p99 <= keepalived p99)\n' "$kind" \
            "${LAG50[$l]:-n/a}" "${LAG50[$k]:-n/a}" "${LAG99[$l]:-n/a}" "${LAG99[$k]:-n/a}"
        printf '  %-5s peak RSS %s MiB vs %s MiB (target: lvsctl <= keepalived + 16 MiB = %s MiB)\n' "$kind" \
            "$(awk -v k="${RSS[$l]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
            "$(awk -v k="${RSS[$k]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
            "$(awk -v k="${RSS[$k]:-0}" 'BEGIN { printf "%.1f", k / 1024 + 16 }')"
        printf '  %-5s failure-to-kernel %s ms vs %s ms (median of 3); probes/s %s vs %s\n' "$kind" \
            "${FAIL[$l]:-n/a}" "${FAIL[$k]:-n/a}" "${PPS[$l]:-n/a}" "${PPS[$k]:-n/a}"
    done
    printf '  dedup probes/s: %s vs %s, keepalived/lvsctl %s (expected 10)\n' "${DEDUP[lvsctl]:-n/a}" \
        "${DEDUP[keepalived]:-n/a}" "$(ratio "${DEDUP[keepalived]:-0}" "${DEDUP[lvsctl]:-0}")"
    if [ ${#problems[@]} = 0 ]; then echo "No problems."; else echo "PROBLEMS:"; printf '  %s\n' "${problems[@]}"; fi
    echo "VM time of the benchmark: $(elapsed_s) s"
} >> "$REPORT"
cat "$REPORT"
[ ${#problems[@]} = 0 ]
