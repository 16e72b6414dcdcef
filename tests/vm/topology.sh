# tests/vm/topology.sh — network-namespace topologies for VM scenarios that
# carry real traffic (tests/vm/scenarios/traffic.sh, sync.sh).
#
# Sourced by a scenario after tests/vm/lib.sh:
#     . "$REPO/tests/vm/lib.sh"
#     . "$REPO/tests/vm/topology.sh"
#
# Everything here happens inside the test VM, which has no network device of
# its own (tests/vm/run boots it with -nic none): the "networks" are Linux
# bridges in the VM's root namespace joined by veth pairs to network
# namespaces, one per host of the topology. Use documentation addresses only
# (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32,
# multicast 233.252.0.0/24).
#
# API:
#   topo_ns NAME...                 a network namespace with lo up
#   topo_bridge BR                  a bridge in the VM's root namespace (STP
#                                   and multicast snooping off, so multicast
#                                   floods to every port), up
#   topo_link NS IF BR ADDR...      a veth pair: IF inside NS (up, multicast
#                                   on), the peer enslaved to BR; each ADDR
#                                   (CIDR) added to IF, IPv6 ones "nodad"
#   on NS CMD...                    run CMD in NS (ip netns exec; stdin kept)
#   topo_bg NAME NS CMD...          start CMD in NS in the background, stdout
#                                   and stderr to $TOPO_DIR/NAME.log; its PID
#                                   (the command itself: ip netns exec execs
#                                   it) is recorded under NAME
#   topo_pid NAME                   print the PID recorded under NAME
#   topo_kill NAME                  kill that process (TERM, then KILL after
#                                   2 s) and wait for it; forget it
#   topo_cleanup                    topo_kill every process still recorded
#                                   (set as an EXIT trap by the first topo_bg)
#   topo_sysctl NS KEY=VALUE...     sysctl -w inside NS (quiet)
#   topo_now_ms                     the wall clock in ms, read without an
#                                   exec (bash's EPOCHREALTIME)
#   topo_addr_watch NS              record NS's address events, each
#                                   time-stamped (ip -ts monitor address),
#                                   in $TOPO_DIR/addr.NS.log
#   topo_ipvs_snapshot NS PREFIX    NS's table as `ipvsadm -Sn` (PREFIX.save)
#                                   and `-Ln --thresholds` (PREFIX.list),
#                                   each real server's line prefixed with
#                                   its service's and sorted, so that two
#                                   tables built in another order compare
#   topo_addr_added NS ADDR T0      print the time (ms) of the first event
#                                   of ADDR added in NS at or after T0 (ms);
#                                   nothing (status 1) if none
#
# Why the address events: a scenario that bounds a takeover needs the time
# the address arrived. A poll (`ip addr` every 50 ms) under TCG execs
# ip(8) and grep(1), tens to hundreds of ms each, and has run up to a
# second late; ip(8) blocked in its monitor stamps the kernel's message
# as it comes. The poll still says when to look.
#
# Traffic tools (python3 scripts written into $TOPO_DIR when this file is
# sourced; one process each, since every start costs time under TCG):
#   python3 "$TOPO_SERVER" NAME READYFILE SPEC...
#       a real server. SPEC is tcp:ADDR:PORT or udp:ADDR:PORT (IPv6 ADDR in
#       brackets). TCP: reads a request up to an empty line and answers
#       "HTTP/1.0 200 OK" with a body whose first line is NAME (plus padding
#       so a response takes several packets), then closes; a connection that
#       never completes its request stays open. UDP: answers each datagram
#       with "NAME\n" followed by the datagram. Touches READYFILE once every
#       socket is bound.
#   python3 "$TOPO_CLIENT" http ADDR PORT N
#       N sequential HTTP/1.0 requests, each on a new connection; prints the
#       answering server names as "rs1=20 rs2=20" (sorted), "fail=K" appended
#       when K requests failed.
#   python3 "$TOPO_CLIENT" udp ADDR PORT N
#       N datagrams, each from a new socket (so a new source port, a new IPVS
#       connection); output as for http.
#   python3 "$TOPO_CLIENT" sip ADDR PORT N CALLS
#       N SIP OPTIONS requests over UDP, each from a new socket, cycling over
#       CALLS Call-IDs (call-0 ...); prints "call-0=rs1 call-1=rs2 ..." with
#       every server that answered for that Call-ID ("+"-joined, sorted).
#   python3 "$TOPO_CLIENT" hold ADDR PORT N PORTSFILE
#       opens N TCP connections, sends an incomplete request on each (so they
#       carry data but stay open), writes their local ports to PORTSFILE (one
#       a line, written to a temporary name and renamed when complete) and
#       sleeps until killed.
#
# Comparisons of a live table (after tests/vm/lib.sh; each records a check):
#   compare_in NS NAME ARGS...       Debian's ipvsadm and lvsctl as ipvsadm
#                                    ($IPVSADM_LVS) print the same for
#                                    "ipvsadm ARGS" in NS (stdout, stderr,
#                                    exit status), retried while the table
#                                    moves (see the comments below)
#   compare_conns_in NS NAME ARGS... the same for connection listings (-c):
#                                    expiry column judged separately
#   topo_expiry_between A L B        (used by it) every entry's expiry in
#                                    file L lies between A's and B's
#
# Processes are killed only by the PIDs recorded here, never by name.

if [ -z "${_LVS_TOPO_LOADED:-}" ]; then
_LVS_TOPO_LOADED=1

TOPO_DIR=${TOPO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/topo.XXXXXX")}
declare -A _topo_pids=()
_topo_nveth=0
_topo_trap=0

topo_ns() {
    local ns
    for ns in "$@"; do
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up || return 1
    done
}

topo_bridge() {
    ip link add "$1" type bridge stp_state 0 mcast_snooping 0 forward_delay 0 || return 1
    ip link set "$1" up
}

topo_link() {
    local ns=$1 ifname=$2 br=$3 peer a
    shift 3
    peer=tv$_topo_nveth
    _topo_nveth=$((_topo_nveth + 1))
    ip link add "$peer" type veth peer name "$ifname" netns "$ns" || return 1
    # The bridge side carries no addresses; keep IPv6 (DAD, RS) off it.
    sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" 2>/dev/null
    ip link set "$peer" master "$br" up || return 1
    ip -n "$ns" link set "$ifname" multicast on up || return 1
    for a in "$@"; do
        case $a in
            *:*) ip -n "$ns" -6 addr add "$a" dev "$ifname" nodad || return 1 ;;
            *) ip -n "$ns" addr add "$a" dev "$ifname" || return 1 ;;
        esac
    done
}

on() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

topo_sysctl() {
    local ns=$1 kv; shift
    for kv in "$@"; do ip netns exec "$ns" sysctl -qw "$kv" || return 1; done
}

topo_bg() {
    local name=$1 ns=$2; shift 2
    if [ "$_topo_trap" = 0 ]; then trap topo_cleanup EXIT; _topo_trap=1; fi
    ip netns exec "$ns" "$@" < /dev/null > "$TOPO_DIR/$name.log" 2>&1 &
    _topo_pids[$name]=$!
}

topo_pid() { printf '%s\n' "${_topo_pids[$1]:-}"; }

topo_kill() {
    local pid=${_topo_pids[$1]:-} i
    [ -n "$pid" ] || return 0
    unset "_topo_pids[$1]"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

topo_cleanup() {
    local name
    for name in "${!_topo_pids[@]}"; do topo_kill "$name"; done
}

topo_ipvs_snapshot() {
    ip netns exec "$1" /usr/sbin/ipvsadm -Sn | sort > "$2.save"
    ip netns exec "$1" /usr/sbin/ipvsadm -Ln --thresholds |
        awk 'NR > 3 && /^[A-Z]/ { s = $0; print; next } /->/ { print s " |" $0; next } { print }' |
        sort > "$2.list"
}

topo_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

topo_addr_watch() {
    topo_bg "addr.$1" "$1" ip -ts monitor address
    # listening once its netlink socket is open
    wait_until 10 bash -c "ls -l /proc/$(topo_pid "addr.$1")/fd 2>/dev/null | grep -q socket:"
}

topo_addr_added() {
    local since ts
    # ISO times of one width compare as strings: two execs of date(1),
    # not one per event
    since=$(date -d "@$(($3 / 1000)).$(printf %03d $(($3 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3N)
    ts=$(awk -v a=" $2/" -v since="$since" 'index($0, a) && !index($0, "Deleted") && $1 ~ /^\[/ {
        t = substr($1, 2, length($1) - 2); if (substr(t, 1, 23) >= since) { print t; exit } }' \
        "$TOPO_DIR/addr.$1.log" 2>/dev/null)
    [ -n "$ts" ] && date -d "$ts" +%s%3N
}

# ------------------------------------------------------------ comparisons
# Differential readings of a live table (need tests/vm/lib.sh). Counters
# and rates change every 2 s (the kernel's estimator) and every
# connection's expiry counts down each second, so a plain "run ipvsadm, run
# lvsctl, compare" races. Each try takes three readings in NS, all invoked
# as "ipvsadm" (argv[0] matters): Debian's ipvsadm (a), lvsctl (l), Debian's
# ipvsadm again (b).
_topo_lvspath=${IPVSADM_LVS%/*}:$PATH
_topo_reading() {   # NS PREFIX LVS(0|1) ARGS...
    local ns=$1 p=$2 lvs=$3; shift 3
    if [ "$lvs" = 1 ]; then capture "$p" ip netns exec "$ns" env PATH="$_topo_lvspath" ipvsadm "$@"
    else capture "$p" ip netns exec "$ns" ipvsadm "$@"; fi
}
_topo_readings() {   # NS DIR ARGS...: a, l, b
    local ns=$1 d=$2; shift 2
    _topo_reading "$ns" "$d/a" 0 "$@"
    _topo_reading "$ns" "$d/l" 1 "$@"
    _topo_reading "$ns" "$d/b" 0 "$@"
}
_same3() { cmp -s "$1.out" "$2.out" && cmp -s "$1.err" "$2.err" && cmp -s "$1.rc" "$2.rc"; }
_cmp_details() {   # NS DIR ARGS...
    local ns=$1 d=$2; shift 2
    echo "command: ipvsadm $(_lib_cmdline "$@")   (in netns $ns; Debian's ipvsadm vs. lvsctl as ipvsadm)"
    echo "exit status: ipvsadm $(cat "$d/a.rc"), lvsctl $(cat "$d/l.rc"); second ipvsadm reading $(cat "$d/b.rc")"
    echo "--- diff -u ipvsadm lvsctl (stdout):"
    diff -u --label ipvsadm --label lvsctl "$d/a.out" "$d/l.out" | head -c 20000
    echo "--- diff -u ipvsadm lvsctl (stderr):"
    diff -u --label ipvsadm --label lvsctl "$d/a.err" "$d/l.err" | head -c 4000
    if ! _same3 "$d/a" "$d/b"; then
        echo "--- diff -u ipvsadm ipvsadm-again (stdout; the table moved between the readings):"
        diff -u --label ipvsadm --label ipvsadm-again "$d/a.out" "$d/b.out" | head -c 8000
    fi
}

# compare_in NS NAME ARGS...: "ipvsadm ARGS" prints the same stdout and
# stderr and exits the same from both tools. Passes if l equals a; fails at
# once if a equals b but l differs (the table held still while lvsctl read
# it: a real difference); otherwise the table moved: tries again, at most 10
# times, then fails.
compare_in() {
    local ns=$1 name=$2 d=$TOPO_DIR/cmp/$2 t; shift 2
    mkdir -p "$d"
    for ((t = 1; t <= 10; t++)); do
        _topo_readings "$ns" "$d" "$@"
        if _same3 "$d/a" "$d/l"; then [ "$t" = 1 ] || note "$name: agreed on try $t"; pass "$name"; return; fi
        if _same3 "$d/a" "$d/b"; then
            { echo "(the two ipvsadm readings agree, lvsctl's differs; try $t)"; _cmp_details "$ns" "$d" "$@"; } > "$LIB_TMP/detail"
            _lib_fail "$name"; return
        fi
        sleep 0.3
    done
    { echo "(no two consecutive ipvsadm readings agreed in 10 tries)"; _cmp_details "$ns" "$d" "$@"; } > "$LIB_TMP/detail"
    _lib_fail "$name"
}

# compare_conns_in NS NAME ARGS...: the same for connection listings (-c),
# where each entry's expiry (second column, MM:SS) ticks at its own
# sub-second phase, so two readings rarely agree byte for byte. The three
# readings are compared with the expiry masked; when a and b agree so, l
# must agree too and each entry's expiry in l must lie between a's and b's
# (a >= l >= b). A wrong line, order or expiry still fails.
_topo_mask() { sed -E 's/^([^ ]+ +)[0-9]{2}:[0-9]{2}( |$)/\1EE:EE\2/' "$1"; }
topo_expiry_between() {   # A L B: every entry's expiry A >= L >= B
    local f
    for f in "$@"; do awk '{ print $2 }' "$f" > "$f.expiry"; done
    paste -d ' ' "$1.expiry" "$2.expiry" "$3.expiry" |
        awk 'function s(x, p) { split(x, p, ":"); return p[1] * 60 + p[2] }
             $1 ~ /^[0-9][0-9]:[0-9][0-9]$/ {
                 if (!($2 ~ /^[0-9][0-9]:[0-9][0-9]$/ && s($1) >= s($2) && s($2) >= s($3))) {
                     printf "entry %d: expiry ipvsadm %s, lvsctl %s, ipvsadm again %s\n", NR, $1, $2, $3; bad = 1 } }
             END { exit bad }'
}
compare_conns_in() {
    local ns=$1 name=$2 d=$TOPO_DIR/cmp/$2 t f; shift 2
    mkdir -p "$d"
    for ((t = 1; t <= 10; t++)); do
        _topo_readings "$ns" "$d" "$@"
        for f in a l b; do _topo_mask "$d/$f.out" > "$d/$f.masked"; done
        if cmp -s "$d/a.masked" "$d/b.masked" && cmp -s "$d/a.err" "$d/b.err" && cmp -s "$d/a.rc" "$d/b.rc"; then
            # The ipvsadm readings agree but for expiry: the entries held still.
            if cmp -s "$d/a.masked" "$d/l.masked" && cmp -s "$d/a.err" "$d/l.err" && cmp -s "$d/a.rc" "$d/l.rc" &&
                topo_expiry_between "$d/a.out" "$d/l.out" "$d/b.out" > "$d/expiry"; then
                [ "$t" = 1 ] || note "$name: agreed on try $t"
                pass "$name"; return
            fi
            {
                echo "(try $t: lvsctl's listing differs from ipvsadm's beyond the expiry countdown)"
                cat "$d/expiry" 2>/dev/null
                _cmp_details "$ns" "$d" "$@"
            } > "$LIB_TMP/detail"
            _lib_fail "$name"; return
        fi
        sleep 0.3
    done
    { echo "(the connection table kept changing: no two ipvsadm readings agreed in 10 tries)"; _cmp_details "$ns" "$d" "$@"; } > "$LIB_TMP/detail"
    _lib_fail "$name"
}

TOPO_SERVER=$TOPO_DIR/server.py
TOPO_CLIENT=$TOPO_DIR/client.py

cat > "$TOPO_SERVER" <<'PY'
import os, selectors, socket, sys

name, ready, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
sel = selectors.DefaultSelector()
for spec in specs:
    proto, rest = spec.split(":", 1)
    host, port = rest.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    if proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(256)
        kind = "listen"
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, int(port)))
        kind = "udp"
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, [kind, None])
open(ready, "w").close()

body = (name + "\n" + "x" * 3000 + "\n").encode()
reply = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body
while True:
    for key, _ in sel.select():
        s, (kind, buf) = key.fileobj, key.data
        if kind == "listen":
            try:
                c, _ = s.accept()
            except OSError:
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ["conn", bytearray()])
        elif kind == "udp":
            try:
                data, addr = s.recvfrom(65535)
                s.sendto(name.encode() + b"\n" + data, addr)
            except OSError:
                pass
        else:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                buf += data
                if b"\r\n\r\n" not in buf:
                    continue
                try:
                    s.setblocking(True)
                    s.settimeout(5)
                    s.sendall(reply)
                except OSError:
                    pass
            sel.unregister(s)
            s.close()
PY

cat > "$TOPO_CLIENT" <<'PY'
import os, socket, sys, time
from collections import Counter, defaultdict

mode, host, port = sys.argv[1], sys.argv[2].strip("[]"), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET

def show(counts, fails):
    out = ["%s=%d" % kv for kv in sorted(counts.items())]
    if fails:
        out.append("fail=%d" % fails)
    print(" ".join(out))

if mode == "http":
    counts, fails = Counter(), 0
    for i in range(int(sys.argv[4])):
        try:
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect((host, port))
                s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                data = b""
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    data += d
            head, _, body = data.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.0 200"):
                raise OSError("bad reply %r" % head[:40])
            counts[body.split(b"\n", 1)[0].decode()] += 1
        except OSError as e:
            print("request %d: %s" % (i, e), file=sys.stderr)
            fails += 1
    show(counts, fails)
elif mode in ("udp", "sip"):
    n = int(sys.argv[4])
    calls = int(sys.argv[5]) if mode == "sip" else 0
    counts, fails, by_call = Counter(), 0, defaultdict(set)
    for i in range(n):
        if mode == "sip":
            call = "call-%d" % (i % calls)
            msg = ("OPTIONS sip:rs@%s SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP client;branch=z9hG4bK%d\r\n"
                   "From: <sip:client@example.com>;tag=%d\r\n"
                   "To: <sip:rs@example.com>\r\n"
                   "Call-ID: %s\r\n"
                   "CSeq: %d OPTIONS\r\n"
                   "Max-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n" % (host, i, i, call, i + 1)).encode()
        else:
            msg = b"datagram %d " % i + b"y" * 200
        try:
            with socket.socket(fam, socket.SOCK_DGRAM) as s:
                s.settimeout(3)
                s.sendto(msg, (host, port))
                data, _ = s.recvfrom(65535)
            who, _, echo = data.partition(b"\n")
            if echo != msg:
                raise OSError("bad echo")
            counts[who.decode()] += 1
            if mode == "sip":
                by_call[call].add(who.decode())
        except OSError as e:
            print("datagram %d: %s" % (i, e), file=sys.stderr)
            fails += 1
    if mode == "sip":
        print(" ".join("%s=%s" % (c, "+".join(sorted(w))) for c, w in sorted(by_call.items())))
    else:
        show(counts, fails)
elif mode == "hold":
    n, portsfile = int(sys.argv[4]), sys.argv[5]
    socks = []
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((host, port))
        s.sendall(b"GET /held HTTP/1.0\r\n")
        socks.append(s)
    with open(portsfile + ".tmp", "w") as f:
        for s in socks:
            f.write("%d\n" % s.getsockname()[1])
    os.rename(portsfile + ".tmp", portsfile)
    while True:
        time.sleep(3600)
else:
    sys.exit("unknown mode " + mode)
PY

fi
