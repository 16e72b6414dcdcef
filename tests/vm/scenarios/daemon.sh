#!/bin/bash
# `lvsctl daemon` end to end: health checks keeping a real kernel's IPVS
# table true while real traffic flows (issue 11, "Done when", every item
# about the daemon's behaviour; the per-kind check matrix, metrics, systemd
# and through_vip are other scenarios' business).
#
# Topology (tests/vm/topology.sh), all NAT:
#
#   client 198.51.100.1 ---pub--- director eth0 198.51.100.2
#                                   + VIPs 198.51.100.10, .11, .20
#                                 director eth1 192.0.2.1 ---priv--- rs1 192.0.2.11
#                                                                    rs2 192.0.2.12
#                                                                    rs3 192.0.2.13 (sorry)
#
# Each real server runs one small threaded python HTTP server (written
# below, not topology.sh's: it logs every request with a timestamp and the
# peer, which is how probes are counted at the server, and serves
# /until/FILE, a body that lasts until FILE exists, for connections that last).
# Stopping a real server's HTTP = killing that server process by its PID.
#
# The daemon's file (write_config) has two services sharing rs2 with the
# same HTTP check (interval 500ms, timeout 500ms, rise 2, fall 2):
#   S1 tcp:198.51.100.10:80 wrr, slow_start 2s, sorry server rs3:
#        rs1 weight 10, rs2 weight 10
#   S2 tcp:198.51.100.11:80 wrr: rs2 weight 5
# and [daemon] reconcile_interval 2s, drain_timeout 10s, its socket in this
# scenario's scratch dir. A third service, U tcp:198.51.100.20:80 with rs1,
# is made by Debian's ipvsadm before the daemon starts and is not in the
# file: it must never be touched.
#
# Every daemon runs under strace (seccomp-bpf, so only the traced calls
# stop): sendto/sendmsg (the IPVS netlink messages), write/writev (its log
# lines, through its own duplicate of fd 2) and the signals it gets, in one
# ordered trace. nlsends.py decodes that trace into events: "SIG SIGHUP",
# "LOG <line>", and one "NL <CMD> <service> <dest> <weight>" per IPVS
# message that changes something (the genl command byte after the
# 16-byte nlmsghdr: NEW/SET/DEL SERVICE 1/2/3, NEW/SET/DEL DEST 5/6/7, and
# the other writers), so "the changes sent between the SIGHUP and the
# `reload done` line" is an exact list, and "nothing sent by a restarted
# daemon" an empty one.
#
# Order: `daemon check`; start; status; one probe per interval for the
# shared server (c); rs1 stops, quiesced, traffic without failure, rs1
# back with the slow-start ramp (a); all down, sorry server (b); SIGHUP
# reload with exactly its changes, health kept, an invalid file refused (d);
# drain (f); kill -9 and restart with nothing sent, drain kept, drift
# repaired (e); undrain; `drain --wait` returning after the server's last
# connection; servers removed by reload leave after their last connection
# or drain_timeout (f); SIGTERM leaves the table (g: status exit codes
# throughout). The letters are those of the list in the issue's "Done
# when" as the scenario's brief numbered them.
#
# No timed assertions: every wait is wait_until with a generous limit, and
# measured times are only printed (note). Downloads that must outlast a
# step end when the scenario releases them (/until/FILE), not after a
# time. Under TCG on a loaded host a process can stall for a second or
# more; with probes every 500 ms such a stall can take a healthy server
# down (two timeouts), which would show as an unexpected change in the
# exact lists above. Decoding runs niced so that the scenario's own work
# does not cause that.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

L=$LVSCTL
W=$(mktemp -d)
cd "$W" || exit 1
T0=$SECONDS
elapsed() { note "t=$((SECONDS - T0))s: $*"; }
now() { date +%s.%N; }
# ms_since T: milliseconds from T (a `now`) to now
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

S1=198.51.100.10:80
S2=198.51.100.11:80
U=198.51.100.20:80
RS1=192.0.2.11:80
RS2=192.0.2.12:80
RS3=192.0.2.13:80
SOCK=$W/daemon.sock
CFG=$W/daemon.toml
INTERVAL_MS=500

# ------------------------------------------------------------ helpers
cat > "$W/httpd.py" <<'PY'
# httpd.py NAME READYFILE LOGFILE ADDR PORT: HTTP/1.0, one thread per
# connection; every request logged as "EPOCH PEER PATH". GET /until/FILE
# answers NAME at once, then a line every 0.2 s until FILE exists, then
# "end" (a close-delimited body: a download that lasts as long as the
# scenario wants, whatever the VM's speed).
import os, socket, sys, threading, time

name, ready, logfile, addr, port = sys.argv[1:6]
log = open(logfile, "a", buffering=1)
lock = threading.Lock()
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, int(port)))
srv.listen(128)
open(ready, "w").close()

def handle(c, peer):
    try:
        c.settimeout(30)
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d or len(buf) > 65536:
                return
            buf += d
        words = buf.split(b"\r\n", 1)[0].decode("latin-1").split()
        path = words[1] if len(words) > 1 else "/"
        with lock:
            log.write("%.3f %s %s\n" % (time.time(), peer[0], path))
        first = (name + "\n").encode()
        if path.startswith("/until/"):
            release = path[len("/until"):]
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + first)
            while not os.path.exists(release):
                time.sleep(0.2)
                c.sendall(b"y" * 99 + b"\n")
            c.sendall(b"end\n")
        else:
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                      % len(first) + first)
    except (OSError, ValueError):
        pass
    finally:
        c.close()

while True:
    try:
        c, peer = srv.accept()
    except OSError:
        continue
    threading.Thread(target=handle, args=(c, peer), daemon=True).start()
PY

cat > "$W/dl.py" <<'PY'
# dl.py HOST PORT PATH PREFIX: one GET; PREFIX.name gets the answering
# server's name as soon as it arrives, PREFIX.done "EPOCH ok" when the
# whole body has been read (its Content-Length, or up to the server's
# closing "end" line), "EPOCH short ..." otherwise.
import os, socket, sys, time

host, port, path, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def put(suffix, text):
    with open(prefix + suffix + ".tmp", "w") as f:
        f.write(text + "\n")
    os.rename(prefix + suffix + ".tmp", prefix + suffix)
s = socket.create_connection((host, port), timeout=60)
s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: x\r\n\r\n")
data, named, length = b"", False, None
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
    head, sep, body = data.partition(b"\r\n\r\n")
    if sep and length is None:
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
    if sep and not named and b"\n" in body:
        put(".name", body.split(b"\n", 1)[0].decode())
        named = True
body = data.partition(b"\r\n\r\n")[2]
ok = len(body) == length if length is not None else body.endswith(b"\nend\n")
put(".done", "%.3f %s" % (time.time(), "ok" if ok else "short %d/%s" % (len(body), length)))
PY

cat > "$W/ipvsw.py" <<'PY'
# ipvsw.py ramp SVC DEST TARGET SECS: print "MS WEIGHT" ("-" when absent)
#   each time DEST's weight in SVC changes in /proc/net/ip_vs, from the
#   first reading; stop once it is TARGET after a change, or after SECS.
# ipvsw.py gone SVC DEST SECS OUTFILE: print "watching" once DEST has been
#   seen in SVC; when DEST is no longer there, write the time (epoch) to
#   OUTFILE and stop (nothing written after SECS).
# SVC and DEST as ADDR:PORT (IPv4, TCP). Reads the file, no forks, so it
# samples every 20 ms (gone: 50 ms) even under TCG.
import socket, sys, time

def hexaddr(s):
    a, p = s.rsplit(":", 1)
    return "%s:%04X" % (socket.inet_aton(a).hex().upper(), int(p))

def weight(svc, dest):
    cur = None
    with open("/proc/net/ip_vs") as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[0] in ("TCP", "UDP", "FWM", "SCTP"):
                cur = w[1]
            elif len(w) >= 4 and w[0] == "->" and cur == svc and w[1] == dest:
                return w[3]
    return "-"

mode, svc, dest = sys.argv[1], hexaddr(sys.argv[2]), hexaddr(sys.argv[3])
t0 = time.time()
if mode == "ramp":
    target, secs = sys.argv[4], float(sys.argv[5])
    last, changed = None, False
    while time.time() - t0 < secs:
        w = weight(svc, dest)
        if w != last:
            print("%d %s" % ((time.time() - t0) * 1000, w), flush=True)
            changed = changed or last is not None
            last = w
        if changed and w == target:
            break
        time.sleep(0.02)
else:
    secs, out = float(sys.argv[4]), sys.argv[5]
    seen = False
    while time.time() - t0 < secs:
        w = weight(svc, dest)
        if w != "-" and not seen:
            print("watching", flush=True)
            seen = True
        if seen and w == "-":
            with open(out, "w") as f:
                f.write("%.3f\n" % time.time())
            break
        time.sleep(0.05)
PY

cat > "$W/nlsends.py" <<'PY'
# nlsends.py STRACE [LOGFILE]: the daemon's trace (strace -f -ttt -yy -xx -s 4096
# -e trace=sendto,sendmsg,write,writev) as events, in order:
#   SIG NAME                          a signal delivered
#   LOG TEXT                          a line written to fd 2 or to LOGFILE
#                                     (its log)
#   NL CMD SERVICE DEST WEIGHT        an IPVS message that changes the
#                                     table (DEST, WEIGHT "-" if none)
# IPVS messages are told by the socket (Generic Netlink) and the family
# (not nlctrl); the command is the genl header's first byte.
import re, socket, struct, sys

CMDS = {1: "NEW_SERVICE", 2: "SET_SERVICE", 3: "DEL_SERVICE", 5: "NEW_DEST",
        6: "SET_DEST", 7: "DEL_DEST", 9: "NEW_DAEMON", 10: "DEL_DAEMON",
        12: "SET_CONFIG", 14: "SET_INFO", 16: "ZERO", 17: "FLUSH"}
MSG = re.compile(r'\{nlmsg_len=\d+, nlmsg_type=([^,]+), nlmsg_flags=[^,]*, '
                 r'nlmsg_seq=\d+, nlmsg_pid=\d+\}(?:, "((?:\\x[0-9a-f]{2})*)")?')
HEX = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')
LINE = re.compile(r'^\d+\s+(?:\d+\.\d+\s+)?(.*)$')

def unhex(s):
    return bytes(int(s[i + 2:i + 4], 16) for i in range(0, len(s), 4))

def attrs(b):
    out, off = {}, 0
    while off + 4 <= len(b):
        ln, ty = struct.unpack_from("=HH", b, off)
        if ln < 4:
            break
        out[ty & 0x3FFF] = b[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out

def addr(af, raw):
    if af == 10 and len(raw) >= 16:
        return "[%s]" % socket.inet_ntop(socket.AF_INET6, raw[:16])
    return socket.inet_ntoa(raw[:4]) if len(raw) >= 4 else "?"

def u16(b):
    return struct.unpack("=H", b[:2])[0] if len(b) >= 2 else 0

def describe(payload):
    cmd = payload[0]
    top = attrs(payload[4:])
    svc, dest, weight, af = "-", "-", "-", 2
    if 1 in top:
        s = attrs(top[1])
        af = u16(s.get(1, b"\x02\x00"))
        if 5 in s:
            svc = "fwmark:%d" % struct.unpack("=I", s[5][:4])[0]
        else:
            proto = {6: "tcp", 17: "udp", 132: "sctp"}.get(u16(s.get(2, b"")), "proto?")
            port = struct.unpack(">H", s.get(4, b"\0\0")[:2])[0]
            svc = "%s:%s:%d" % (proto, addr(af, s.get(3, b"")), port)
    if 2 in top:
        d = attrs(top[2])
        daf = u16(d[11]) if 11 in d else af
        port = struct.unpack(">H", d.get(2, b"\0\0")[:2])[0]
        dest = "%s:%d" % (addr(daf, d.get(1, b"")), port)
        if 4 in d:
            weight = str(struct.unpack("=I", d[4][:4])[0])
    return "NL %s %s %s %s" % (CMDS[cmd], svc, dest, weight)

def unhex_path(s):
    return re.sub(r'\\x([0-9a-f]{2})', lambda m: chr(int(m.group(1), 16)), s)

logpath = sys.argv[2] if len(sys.argv) > 2 else None

# The daemon logs through its own duplicate of stderr (another descriptor
# number, the same file). strace names that file as the kernel sees it from
# the traced process, which under the VM's chroot carries the mount's
# prefix (/host/tmp/... for /tmp/...): the same file when the name ends
# with the log's own path.
def is_log(path):
    return logpath is not None and (path == logpath or path.endswith("/" + logpath.lstrip("/")))
for raw in open(sys.argv[1], errors="replace"):
    m = LINE.match(raw.rstrip("\n"))
    if not m:
        continue
    rest = m.group(1)
    if rest.startswith("--- SIG"):
        print("SIG " + rest.split()[1])
    elif re.match(r'writev?\((\d+)<', rest) and (
            rest.split("(", 1)[1].split("<", 1)[0] == "2" or
            is_log(unhex_path(rest.split("<", 1)[1].split(">", 1)[0]))):
        text = b"".join(unhex(h) for h in HEX.findall(rest)).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                print("LOG " + line)
    elif re.match(r'(sendto|sendmsg)\(\d+<NETLINK:\[GENERIC', rest):
        for ty, hx in MSG.findall(rest):
            if ty.startswith("nlctrl") or ty == "0x10" or not hx:
                continue
            p = unhex(hx)
            if len(p) >= 4 and p[0] in CMDS:
                print(describe(p))
PY

D() { ip netns exec director "$@"; }
C() { ip netns exec client "$@"; }
RI() { D ipvsadm "$@"; }        # Debian's ipvsadm: the independent reading
# weight SVC DEST: DEST's weight in SVC, empty if not there
weight() { RI -Ln -t "$1" 2>/dev/null | awk -v r="$2" '$1 == "->" && $2 == r { print $4 }'; }
weight_is() { [ "$(weight "$1" "$2")" = "$3" ]; }
absent() { RI -Ln -t "$1" > /dev/null 2>&1 && [ -z "$(weight "$1" "$2")" ]; }
table() { RI -Sn; }
foreign() { RI -Sn | grep -F -- "198.51.100.20:80"; }
# dstatus ARGS...: `lvsctl daemon status` against this scenario's daemon
dstatus() { D "$L" daemon status --socket "$SOCK" "$@"; }
status_text() { dstatus --output text; [ $? -le 3 ]; }   # exit 3 is an answer too
answers() { dstatus > /dev/null 2>&1; local rc=$?; [ "$rc" = 0 ] || [ "$rc" = 3 ]; }
dctl() { D "$L" daemon "$@" --socket "$SOCK"; }
# jserver SVC DEST FIELD: a server's field in `status --output json`
jserver() {
    dstatus --output json 2>/dev/null |
        jq -r --arg s "tcp:$1" --arg d "$2" --arg f "$3" \
            '.services[] | select(.service == $s) | .servers[] | select(.server == $d) | .[$f] | tostring'
}
jserver_is() { [ "$(jserver "$1" "$2" "$3")" = "$4" ]; }

# The daemon runs under strace in the director; topo name daemonN, its log
# $TOPO_DIR/daemonN.log, its trace $W/daemonN.strace.
DN=0
daemon_start() {   # [--log-format json]
    DN=$((DN + 1))
    DNAME=daemon$DN
    DLOG=$TOPO_DIR/$DNAME.log
    DTRACE=$W/$DNAME.strace
    topo_bg "$DNAME" director strace -f -qq --seccomp-bpf -ttt -yy -xx -s 4096 \
        -e trace=sendto,sendmsg,write,writev -o "$DTRACE" "$L" daemon --config "$CFG" "$@"
}
# daemon_pid: the daemon itself (strace's child)
daemon_pid() {
    local s
    s=$(topo_pid "$DNAME")
    [ -n "$s" ] && awk '{ print $1; exit }' "/proc/$s/task/$s/children" 2>/dev/null
}
# (nice: one vCPU under TCG; a trace decoded at full priority can starve
# the real servers and the daemon long enough for a probe to time out)
events() { nice -n 19 python3 "$W/nlsends.py" "$DTRACE" "$DLOG"; }
changes() { events | awk '/^NL /'; }
changes_after() { events | tail -n "+$(($1 + 1))" | awk '/^NL /'; }   # N: after the first N events
log_has() { grep -qiF -- "$1" "$DLOG"; }
# running PID: the process exists and is not a zombie (a child of this
# shell that ended stays a zombie until `wait`; kill -0 cannot tell)
running() {
    local st
    st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}

# A real server: rsN's HTTP on port 80, logging to $W/rsN.requests.
start_rs() {   # N
    rm -f "$W/rs$1.ready"
    topo_bg "rs$1" "rs$1" python3 "$W/httpd.py" "rs$1" "$W/rs$1.ready" "$W/rs$1.requests" "192.0.2.1$1" 80
    wait_until 30 test -e "$W/rs$1.ready"
}

# write_config FILE S1_RS2_WEIGHT S2_DEST... (ADDR=WEIGHT); BAD=1 adds an
# unknown key to S1 (its line: grep -n '^bogus_key').
CHECK='  [services.check]
  type = "http"
  path = "/"
  status = "200-299"
  expect = "rs[0-9]"
  interval = "500ms"
  timeout = "500ms"
  rise = 2
  fall = 2
'
write_config() {
    local f=$1 w=$2 d; shift 2
    {
        cat <<EOF
[daemon]
reconcile_interval = "2s"
drain_timeout = "10s"
socket = "$SOCK"
prune = false
flush_on_stop = false

[[services]]
protocol = "tcp"
address = "198.51.100.10"
port = 80
scheduler = "wrr"
on_failure = "quiesce"
slow_start = "2s"
quorum = 1
sorry_server = { address = "192.0.2.13", port = 80, forward = "masq" }
EOF
        [ -n "${BAD:-}" ] && echo 'bogus_key = 1'
        cat <<EOF

$CHECK
  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  forward = "masq"
  weight = 10

  [[services.destinations]]
  address = "192.0.2.12"
  port = 80
  forward = "masq"
  weight = $w

[[services]]
protocol = "tcp"
address = "198.51.100.11"
port = 80
scheduler = "wrr"

$CHECK
EOF
        for d in "$@"; do
            cat <<EOF
  [[services.destinations]]
  address = "${d%=*}"
  port = 80
  forward = "masq"
  weight = ${d#*=}

EOF
        done
    } > "$f"
}

# ------------------------------------------------------------ topology
topo_ns client director rs1 rs2 rs3
topo_bridge pub
topo_bridge priv
topo_link client eth0 pub 198.51.100.1/24
topo_link director eth0 pub 198.51.100.2/24
topo_link director eth1 priv 192.0.2.1/24
for i in 1 2 3; do
    topo_link "rs$i" eth0 priv "192.0.2.1$i/24"
    ip -n "rs$i" route add default via 192.0.2.1
done
for a in 198.51.100.10 198.51.100.11 198.51.100.20; do
    ip -n director addr add "$a/32" dev eth0
done
topo_sysctl director net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
    net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0
kmod ip_vs ip_vs_rr ip_vs_wrr
check daemon.setup.rs1 start_rs 1
check daemon.setup.rs2 start_rs 2
check daemon.setup.rs3 start_rs 3

# U: made by ipvsadm, not in the daemon's file.
check daemon.setup.foreign RI -A -t "$U" -s rr
check daemon.setup.foreign-rs1 RI -a -t "$U" -r "$RS1" -m -w 3
foreign > foreign.before
elapsed "topology ready"

# ------------------------------------------------------------ g: daemon check
write_config "$CFG" 10 "192.0.2.12=5"
cp "$CFG" v1.toml
check_status daemon.check.good 0 "$L" daemon check "$CFG"
BAD=1 write_config bad.toml 10 "192.0.2.12=5"
BADLINE=$(grep -n '^bogus_key' bad.toml | cut -d: -f1)
capture check-bad "$L" daemon check "$W/bad.toml"
check_status daemon.check.bad-exit2 2 "$L" daemon check "$W/bad.toml"
check_contains daemon.check.bad-file-line "$W/bad.toml:$BADLINE" cat check-bad.err

# ------------------------------------------------------------ start
daemon_start
if ! check daemon.start.answers wait_until 30 answers; then
    # Everything below talks to the daemon: without one it would only
    # time out, check after check. The checks not recorded fail the test.
    note "no daemon answers (log: $(head -c 2000 "$DLOG")); stopping here"
    cp "$DLOG" "$OUT/" 2>/dev/null
    topo_cleanup
    summary
    exit 1
fi
check daemon.start.rs1-up wait_until 20 weight_is "$S1" "$RS1" 10
check daemon.start.rs2-up wait_until 20 weight_is "$S1" "$RS2" 10
check daemon.start.s2-rs2-up wait_until 20 weight_is "$S2" "$RS2" 5
check daemon.start.no-sorry absent "$S1" "$RS3"
check daemon.status.all-up-exit0 wait_until 20 dstatus
elapsed "daemon up: $(daemon_pid)"
capture status-up dstatus --output json
check daemon.status.json-parses jq -e '.services | length == 2' status-up.out
check_output daemon.status.json-servers "tcp:198.51.100.10:80 192.0.2.11:80 10 10 up false
tcp:198.51.100.10:80 192.0.2.12:80 10 10 up false
tcp:198.51.100.11:80 192.0.2.12:80 5 5 up false" \
    jq -r '.services[] | .service as $s | .servers[] | "\($s) \(.server) \(.weight) \(.effective_weight) \(.health) \(.drained)"' status-up.out
check daemon.status.json-checks jq -e '[.services[].servers[].checks[] | select(.type == "http" and .up)] | length == 3' status-up.out
check_contains daemon.status.text "192.0.2.11:80" dstatus --output text
check_contains daemon.status.table "192.0.2.12:80" dstatus --output table

# ------------------------------------------------------------ c: one probe per interval
# rs2 is in S1 and S2 with the same check: one probe per interval at rs2,
# as many as at rs1 (in S1 only). keepalived's duplication would give rs2
# twice rs1's count and twice N/interval.
probes() {   # FILE FROM TO: probe requests (from the director) in [FROM, TO)
    awk -v a="$2" -v b="$3" '$2 == "192.0.2.1" && $1 >= a && $1 < b { n++ } END { print n + 0 }' "$1"
}
sleep 1
P0=$(now); sleep 8; P1=$(now)
N1=$(probes "$W/rs1.requests" "$P0" "$P1")
N2=$(probes "$W/rs2.requests" "$P0" "$P1")
EXPECT=$(awk -v a="$P0" -v b="$P1" -v i="$INTERVAL_MS" 'BEGIN { printf "%d", (b - a) * 1000 / i }')
note "probes over $(awk -v a="$P0" -v b="$P1" 'BEGIN { printf "%.1f", b - a }')s: rs1 $N1, rs2 (shared by two services) $N2; one per interval = $EXPECT, keepalived-style duplication = $((2 * EXPECT)) at rs2"
if [ "$N2" -le $((EXPECT * 3 / 2)) ] && [ "$N2" -ge $((EXPECT / 2)) ]; then pass daemon.dedup.one-per-interval
else fail daemon.dedup.one-per-interval "rs2 got $N2 probes, one per interval is $EXPECT (allowed $((EXPECT / 2))..$((EXPECT * 3 / 2)); duplicated would be $((2 * EXPECT)))"; fi
if [ "$N1" -gt 0 ] && [ "$((N2 * 2))" -le "$((N1 * 3))" ]; then pass daemon.dedup.shared-as-single
else fail daemon.dedup.shared-as-single "rs2 (two services) got $N2 probes, rs1 (one service) $N1: expected rs2 <= 1.5 x rs1"; fi

elapsed "probes counted"

# ------------------------------------------------------------ a: rs1 stops, comes back
topo_kill rs1
K=$(now)
check daemon.fall.rs1-quiesced wait_until 20 weight_is "$S1" "$RS1" 0
note "rs1 HTTP stopped -> weight 0 in $(ms_since "$K") ms (fall x interval = $((2 * INTERVAL_MS)) ms)"
check daemon.fall.rs2-kept weight_is "$S1" "$RS2" 10
check_status daemon.status.down-exit3 3 dstatus
check daemon.status.json-down jserver_is "$S1" "$RS1" health down
check daemon.status.json-down-weight jserver_is "$S1" "$RS1" effective_weight 0
check_contains daemon.status.text-down "down" status_text
check daemon.log.rs1-transition grep -qE '192\.0\.2\.11.*down|down.*192\.0\.2\.11' "$DLOG"
check_output daemon.foreign.kept-while-rs1-down "$(cat foreign.before)" foreign
elapsed "rs1 down"
# Requests started after the weight went 0: none fails, all on rs2.
capture during-down C python3 "$TOPO_CLIENT" http 198.51.100.10 80 40
check_output daemon.fall.no-failed-request "rs2=40" cat during-down.out
elapsed "requests done"
# rs1 back: weight back after rise successes, ramped by slow_start (2 s).
topo_bg ramp director python3 "$W/ipvsw.py" ramp "$S1" "$RS1" 10 40
# (the sampler's first reading before rs1 starts: started late, it would
# see only the end of the ramp)
wait_until 20 test -s "$TOPO_DIR/ramp.log"
B=$(now)
check daemon.rise.rs1-restarted start_rs 1
check daemon.rise.weight-back wait_until 30 weight_is "$S1" "$RS1" 10
note "rs1 HTTP back -> weight 10 in $(ms_since "$B") ms (rise x interval = $((2 * INTERVAL_MS)) ms, then slow_start 2s)"
wait_until 5 grep -q ' 10$' "$TOPO_DIR/ramp.log"   # the sampler saw it too
topo_kill ramp
note "rs1 weights seen while coming back (ms weight): $(tr '\n' ',' < "$TOPO_DIR/ramp.log")"
if awk '$2 ~ /^[0-9]+$/ && $2 > 0 && $2 < 10 { found = 1 } END { exit !found }' "$TOPO_DIR/ramp.log"; then
    pass daemon.rise.slow-start-ramp
else
    fail daemon.rise.slow-start-ramp "no weight strictly between 0 and 10 seen while rs1 came back (slow_start = 2s); samples (ms weight):
$(cat "$TOPO_DIR/ramp.log")"
fi
check daemon.status.all-up-again wait_until 20 dstatus

elapsed "rs1 back"

# ------------------------------------------------------------ b: sorry server
topo_kill rs1
topo_kill rs2
check daemon.sorry.in wait_until 20 weight_is "$S1" "$RS3" 1
check daemon.sorry.reals-quiesced eval 'weight_is "$S1" "$RS1" 0 && weight_is "$S1" "$RS2" 0'
dstatus --output json > status-sorry.json
check daemon.sorry.status jq -e '.services[0].sorry_server.active == true and .services[0].quorum_up == false' \
    status-sorry.json
capture sorry-serves C python3 "$TOPO_CLIENT" http 198.51.100.10 80 5
check_output daemon.sorry.serves "rs3=5" cat sorry-serves.out
check daemon.sorry.rs2-restarted start_rs 2
check daemon.sorry.out wait_until 20 absent "$S1" "$RS3"
capture sorry-out C python3 "$TOPO_CLIENT" http 198.51.100.10 80 5
check_output daemon.sorry.out-serves "rs2=5" cat sorry-out.out
check daemon.sorry.rs1-restarted start_rs 1
check daemon.sorry.all-back wait_until 30 eval 'weight_is "$S1" "$RS1" 10 && weight_is "$S1" "$RS2" 10 && weight_is "$S2" "$RS2" 5'
check daemon.status.all-up-after-sorry wait_until 20 dstatus
elapsed "sorry server done"

# ------------------------------------------------------------ d: reload
# SIGHUP with one changed weight (S1 rs2 10 -> 7) and one added server (rs1
# into S2): exactly those two messages between the signal and "reload
# done"; every server's health "since" kept.
sleep 1
dstatus --output json > status-before.json
write_config "$CFG" 7 "192.0.2.12=5" "192.0.2.11=5"
cp "$CFG" v2.toml
kill -HUP "$(daemon_pid)"
check daemon.reload.done-logged wait_until 20 log_has "reload done"
sleep 1
events > events.reload
# The window: after the last SIGHUP, up to the first "reload done" after it.
awk '/^SIG SIGHUP/ { n = NR } { line[NR] = $0 } END {
        if (!n) exit 1
        for (i = n + 1; i <= NR; i++) { if (line[i] ~ /^LOG .*reload done/) exit 0; print line[i] } exit 1 }' \
    events.reload > window.reload
WRC=$?
check daemon.reload.window-found test "$WRC" = 0
grep '^NL ' window.reload | awk '{ print $2, $3, $4 }' | sort > window.changes
check_output daemon.reload.exact-changes "NEW_DEST tcp:198.51.100.11:80 192.0.2.11:80
SET_DEST tcp:198.51.100.10:80 192.0.2.12:80" cat window.changes
note "changes sent between SIGHUP and reload done: $(grep '^NL ' window.reload | tr '\n' ';')"
check daemon.reload.weight-sent grep -qx 'NL SET_DEST tcp:198.51.100.10:80 192.0.2.12:80 7' window.reload
check daemon.reload.s1-rs2-weight wait_until 10 weight_is "$S1" "$RS2" 7
check daemon.reload.s2-rs1-added wait_until 10 weight_is "$S2" "$RS1" 5
dstatus --output json > status-after.json
since() { jq -r '.services[] | .service as $s | .servers[] | "\($s) \(.server) \(.health) \(.since)"' "$1" | sort; }
since status-before.json > since.before
since status-after.json | grep -vF "tcp:198.51.100.11:80 192.0.2.11:80" > since.after
check_same daemon.reload.health-kept since.before since.after
check daemon.reload.still-all-up dstatus
elapsed "SIGHUP reload judged"
# The same file again, through the socket: exit 0, nothing sent.
M=$(events | wc -l)
check_status daemon.reload.unchanged-exit0 0 dctl reload
sleep 1
check_output daemon.reload.unchanged-sends-nothing "" changes_after "$M"
elapsed "unchanged reload judged"
# An invalid file: refused with FILE:LINE, exit 2, table and daemon kept.
table > table.before-bad
BAD=1 write_config "$CFG" 1 "192.0.2.12=1"
BADLINE=$(grep -n '^bogus_key' "$CFG" | cut -d: -f1)
M=$(events | wc -l)
capture reload-bad dctl reload
check_output daemon.reload-bad.exit2 2 cat reload-bad.rc
check_contains daemon.reload-bad.file-line "$CFG:$BADLINE" cat reload-bad.err reload-bad.out
sleep 1
table > table.after-bad
check_same daemon.reload-bad.table-kept table.before-bad table.after-bad
check_output daemon.reload-bad.sends-nothing "" changes_after "$M"
check daemon.reload-bad.daemon-alive kill -0 "$(daemon_pid)"
check daemon.reload-bad.still-answers dstatus
cp v2.toml "$CFG"
elapsed "reload done"

# ------------------------------------------------------------ f: drain
check_status daemon.drain.exit0 0 dctl drain "tcp:$S1" "$RS2"
check daemon.drain.weight0 wait_until 10 weight_is "$S1" "$RS2" 0
check daemon.drain.other-service-kept weight_is "$S2" "$RS2" 5
check daemon.drain.status jserver_is "$S1" "$RS2" drained true
check_status daemon.drain.unknown-server-exit2 2 dctl drain "tcp:$S1" 192.0.2.99:80
sleep 3   # past a reconcile and several probes: still 0
check daemon.drain.kept weight_is "$S1" "$RS2" 0

elapsed "drained"

# ------------------------------------------------------------ e: kill -9, restart
table > table.before-kill
DP=$(daemon_pid)
check daemon.kill9.sent kill -9 "$DP"
wait_until 10 eval '! kill -0 "$DP"'
topo_kill "$DNAME"
check_status daemon.status.no-daemon-exit4 4 dstatus
table > table.after-kill
check_same daemon.kill9.table-kept table.before-kill table.after-kill
daemon_start --log-format json
check daemon.restart.answers wait_until 30 answers
sleep 4   # a few probe intervals and two reconciles
table > table.after-restart
check_same daemon.restart.table-unchanged table.before-kill table.after-restart
check_output daemon.restart.sends-nothing "" changes
check daemon.restart.all-up dstatus
check daemon.drain.kept-across-restart weight_is "$S1" "$RS2" 0
check daemon.drain.status-after-restart jserver_is "$S1" "$RS2" drained true
elapsed "restarted: $(daemon_pid)"

# Drift: a server deleted by hand, a weight changed by hand.
check daemon.drift.hand-delete RI -d -t "$S1" -r "$RS1"
X=$(now)
check daemon.drift.restored wait_until 20 weight_is "$S1" "$RS1" 10
note "hand-deleted rs1 restored in $(ms_since "$X") ms (reconcile_interval 2s)"
check daemon.drift.logged wait_until 5 log_has drift
check daemon.drift.hand-weight RI -e -t "$S1" -r "$RS1" -m -w 1
X=$(now)
check daemon.drift.weight-restored wait_until 20 weight_is "$S1" "$RS1" 10
note "hand-changed weight restored in $(ms_since "$X") ms"
check daemon.drift.drained-kept weight_is "$S1" "$RS2" 0
# shellcheck disable=SC2016  # a python program
check daemon.log.json python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    assert isinstance(json.loads(l), dict), l
' "$DLOG"

elapsed "drift repaired"
check_status daemon.undrain.exit0 0 dctl undrain "tcp:$S1" "$RS2"
check daemon.undrain.weight-back wait_until 20 weight_is "$S1" "$RS2" 7
check daemon.undrain.status jserver_is "$S1" "$RS2" drained false

elapsed "undrained"

# drain --wait returns once the server has no active connection left: a
# long download through S1, its server drained with --wait.
topo_bg dl2 client python3 "$W/dl.py" 198.51.100.10 80 "/until$W/release2" "$W/dl2"
check daemon.drainwait.download-started wait_until 20 test -s "$W/dl2.name"
if [ "$(cat "$W/dl2.name" 2>/dev/null)" = rs1 ]; then DA=$RS1 DW=10; else DA=$RS2 DW=7; fi
topo_bg drainwait director "$L" daemon drain "tcp:$S1" "$DA" --wait --socket "$SOCK"
check daemon.drainwait.weight0 wait_until 10 weight_is "$S1" "$DA" 0
sleep 1
check daemon.drainwait.still-waiting running "$(topo_pid drainwait)"
touch "$W/release2"
check daemon.drainwait.download-complete wait_until 30 test -e "$W/dl2.done"
check daemon.drainwait.returned wait_until 20 eval '! running "$(topo_pid drainwait)"'
P=$(topo_pid drainwait)
wait "$P"
check_output daemon.drainwait.exit0 0 echo "$?"
topo_kill drainwait
topo_kill dl2
check_status daemon.drainwait.undrain 0 dctl undrain "tcp:$S1" "$DA"
check daemon.drainwait.weight-back wait_until 20 weight_is "$S1" "$DA" "$DW"

elapsed "drain --wait done"

# ------------------------------------------------------------ f: removed by reload
# S2 is rs2 and rs1 (weight 5 each). A long download through S2 (it ends
# when $W/release1 appears); the server it landed on is removed by
# reload: weight 0 while the download runs, deleted only after it ended.
topo_bg dl1 client python3 "$W/dl.py" 198.51.100.11 80 "/until$W/release1" "$W/dl1"
check daemon.leave.download-started wait_until 20 test -s "$W/dl1.name"
if [ "$(cat "$W/dl1.name" 2>/dev/null)" = rs1 ]; then XA=$RS1 OA=$RS2 ON=rs2; else XA=$RS2 OA=$RS1 ON=rs1; fi
note "download on $(cat "$W/dl1.name" 2>/dev/null): removing $XA from S2, keeping $OA"
write_config "$CFG" 7 "${OA%:*}=5"
topo_bg gone1 director python3 "$W/ipvsw.py" gone "$S2" "$XA" 60 "$W/gone1"
check daemon.leave.watching wait_until 20 grep -q watching "$TOPO_DIR/gone1.log"
check_status daemon.leave.reload-exit0 0 dctl reload
dstatus --output json > status-leaving.json
check daemon.leave.weight0-while-active wait_until 5 weight_is "$S2" "$XA" 0
check daemon.leave.status-leaving jq -e --arg d "$XA" \
    '[.services[1].servers[] | select(.server == $d and .leaving_until != null and .effective_weight == 0)] | length == 1' \
    status-leaving.json
check daemon.leave.download-still-running test ! -e "$W/dl1.done"
check daemon.leave.still-in-table weight_is "$S2" "$XA" 0
touch "$W/release1"
check daemon.leave.download-complete wait_until 30 test -e "$W/dl1.done"
check_contains daemon.leave.download-ok " ok" cat "$W/dl1.done"
check daemon.leave.deleted wait_until 20 test -e "$W/gone1"
DONE_AT=$(awk '{ print $1 }' "$W/dl1.done" 2>/dev/null)
GONE_AT=$(cat "$W/gone1" 2>/dev/null)
note "download ended at $DONE_AT, $XA deleted from S2 at $GONE_AT"
if [ -n "$DONE_AT" ] && [ -n "$GONE_AT" ] && awk -v d="$DONE_AT" -v g="$GONE_AT" 'BEGIN { exit !(g >= d) }'; then
    pass daemon.leave.after-last-connection
else
    fail daemon.leave.after-last-connection "the removed server left S2 (at ${GONE_AT:-never}) before the download through it ended (at ${DONE_AT:-never})"
fi
check daemon.leave.other-kept weight_is "$S2" "$OA" 5
topo_kill gone1
topo_kill dl1

elapsed "removed server left"
# The last server of S2 removed while a connection stays open: deleted
# after drain_timeout (10 s) anyway.
topo_bg hold client python3 "$W/dl.py" 198.51.100.11 80 "/until$W/never" "$W/hold"
check daemon.timeout.connected wait_until 20 test -s "$W/hold.name"
check_output daemon.timeout.on-remaining "$ON" cat "$W/hold.name"
write_config "$CFG" 7
H=$(now)
check_status daemon.timeout.reload-exit0 0 dctl reload
check daemon.timeout.weight0 wait_until 5 weight_is "$S2" "$OA" 0
check daemon.timeout.deleted wait_until 40 absent "$S2" "$OA"
note "$OA deleted from S2 $(ms_since "$H") ms after the reload, its connection still open (drain_timeout 10s)"
check daemon.timeout.connection-still-open test ! -e "$W/hold.done"
topo_kill hold
elapsed "leaving done"

# ------------------------------------------------------------ the end
foreign > foreign.after
check_same daemon.foreign.untouched foreign.before foreign.after
for f in "$W"/daemon*.strace; do nice -n 19 python3 "$W/nlsends.py" "$f"; done > events.all
check_output daemon.foreign.no-messages "" awk '/^NL / && /198\.51\.100\.20/' events.all
# SIGTERM leaves the table as it is.
table > table.before-term
DP=$(daemon_pid)
SP=$(topo_pid "$DNAME")
check daemon.sigterm.sent kill -TERM "$DP"
check daemon.sigterm.stopped wait_until 20 eval '! kill -0 "$DP"'
wait_until 10 eval '! running "$SP"'
wait "$SP"
check_output daemon.sigterm.exit0 0 echo "$?"
topo_kill "$DNAME"
table > table.after-term
check_same daemon.sigterm.table-kept table.before-term table.after-term
check_status daemon.status.no-daemon-after-stop 4 dstatus

mkdir -p "$OUT/daemon"
cp "$TOPO_DIR"/*.log "$W"/*.toml "$W"/*.requests "$W"/*.json events.* window.* "$OUT/daemon/" 2>/dev/null
for f in "$W"/daemon*.strace; do gzip -c "$f" > "$OUT/daemon/${f##*/}.gz"; done
elapsed "done"
topo_cleanup
summary
