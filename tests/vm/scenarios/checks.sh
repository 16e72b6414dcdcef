#!/bin/bash
# Every health-check kind of `lvsctl daemon` against real listeners, run
# one at a time with `lvsctl daemon probe` (the daemon's own probe code).
#
# Why in the VM: the probes open real sockets (TCP, UDP, ICMP raw and
# datagram sockets, SO_MARK, bound source addresses) and judge what real
# servers, a real TLS stack and the kernel's ICMP errors send back; none of
# that may run on the host.
#
# What it builds (all inside the VM; see tests/vm/topology.sh):
#
#   prober 198.51.100.1, .3   --br--   srv 198.51.100.2, 2001:db8:1::2
#          2001:db8:1::1                   203.0.113.2 on lo (reached from
#          fwmark 7 -> table 7:            the prober only by marked
#          203.0.113.0/24 via srv          packets: table 7)
#
#   srv runs one python process ($W/servers.py) with, dual-stack:
#     tcp 80    HTTP/1.1: /ok 200 "hello from rs1", /fail 503, /chunked
#               (chunked body), /close (HTTP/1.0, close-delimited body),
#               /peer (body "peer=ADDR": who connected)
#     tcp 443   the same over TLS, certificate for rs.example.com and
#               198.51.100.2 signed by a CA made here with openssl
#     tcp 2000  reads a line, answers "PONG <line>" and closes
#     udp 7     echo, "echo:" + datagram;  udp 8: swallows datagrams
#     udp 53    DNS: NOERROR for rs.example.com, NXDOMAIN for anything else
#     udp 7007, 5353 on 203.0.113.2: echo and DNS again (for fwmark)
#     tcp 81, udp 9: nothing (refused, ICMP port unreachable)
#   198.51.100.99 and 2001:db8:1::99 have no host: SYNs and echo requests
#   vanish (neighbour resolution never completes within the timeouts).
#
# Each check runs `lvsctl daemon probe --check TOML SERVER` in the prober
# and judges its exit status (0 up, 3 down, 2 invalid) and the reason it
# prints, so a probe that is up for the wrong reason fails too.
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/topology.sh"

W=$(mktemp -d)
cd "$W" || exit 1
T0=$SECONDS

# ------------------------------------------------------------ topology
topo_ns prober srv
topo_bridge br0
topo_link prober eth0 br0 198.51.100.1/24 198.51.100.3/24 2001:db8:1::1/64
topo_link srv eth0 br0 198.51.100.2/24 2001:db8:1::2/64
ip -n srv addr add 203.0.113.2/32 dev lo
ip -n prober rule add fwmark 7 lookup 7
ip -n prober route add 203.0.113.0/24 via 198.51.100.2 dev eth0 table 7
# Every ICMP error counted, none rate-limited away.
topo_sysctl srv net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0

# ------------------------------------------------------------ certificates
mkdir -p tls
gen_ca() {   # NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$1" -keyout "tls/$1.key" -out "tls/$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
gen_tls() {
    gen_ca test-ca && gen_ca other-ca || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rs.example.com \
        -keyout tls/srv.key -out tls/srv.csr || return 1
    printf '%s\n' 'subjectAltName=DNS:rs.example.com,IP:198.51.100.2' 'basicConstraints=CA:FALSE' \
        'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' > tls/ext.cnf
    openssl x509 -req -in tls/srv.csr -CA tls/test-ca.pem -CAkey tls/test-ca.key -CAcreateserial \
        -days 2 -extfile tls/ext.cnf -out tls/srv.pem
}
check setup.tls gen_tls

# ------------------------------------------------------------ servers
cat > servers.py <<'PY'
import socket, socketserver, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

certdir, ready = sys.argv[1], sys.argv[2]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
    def do_GET(self):
        peer = self.client_address[0]
        if peer.startswith("::ffff:"):
            peer = peer[7:]
        if self.path == "/ok":
            self.reply(200, b"hello from rs1\n")
        elif self.path == "/fail":
            self.reply(503, b"busy\n")
        elif self.path == "/peer":
            self.reply(200, ("peer=%s\n" % peer).encode())
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"chunk-one ", b"chunk-two\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True
        elif self.path == "/close":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclosed body\n")
            self.close_connection = True
        else:
            self.reply(404, b"no such page\n")

class Server6(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

http = Server6(("::", 80), H)
https = Server6(("::", 443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certdir + "/srv.pem", certdir + "/srv.key")
https.socket = ctx.wrap_socket(https.socket, server_side=True)

class Pong(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(1000).strip()
        self.wfile.write(b"PONG " + line + b"\n")

class Tcp6(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True

pong = Tcp6(("::", 2000), Pong)

def udp(port, host="::"):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((host, port))
    return s

def serve_echo(echo):
    while True:
        data, addr = echo.recvfrom(65535)
        echo.sendto(b"echo:" + data, addr)

def serve_silent(silent):
    while True:
        silent.recvfrom(65535)

def serve_dns(dns):
    while True:
        q, addr = dns.recvfrom(4096)
        if len(q) < 12:
            continue
        labels, i = [], 12
        while i < len(q) and q[i] != 0:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        question = q[12:i + 5]
        rcode = 0 if ".".join(labels).lower() == "rs.example.com" else 3
        flags = 0x8400 | (q[2] & 0x01) << 8 | rcode
        dns.sendto(q[:2] + flags.to_bytes(2, "big") + b"\x00\x01\x00\x00\x00\x00\x00\x00" + question, addr)

# A wildcard-bound UDP socket answers from the address routing picks, not
# the one asked; the fwmark checks ask 203.0.113.2, so it has its own
# sockets (other ports) bound to it.
jobs = [(http.serve_forever,), (https.serve_forever,), (pong.serve_forever,),
        (serve_echo, udp(7)), (serve_silent, udp(8)), (serve_dns, udp(53)),
        (serve_echo, udp(7007, "::ffff:203.0.113.2")), (serve_dns, udp(5353, "::ffff:203.0.113.2"))]
for f, *args in jobs:
    threading.Thread(target=f, args=args, daemon=True).start()
open(ready, "w").close()
threading.Event().wait()
PY
topo_bg servers srv python3 "$W/servers.py" "$W/tls" "$W/servers.ready"
check setup.servers wait_until 20 test -e "$W/servers.ready"
note "t=$((SECONDS - T0))s: servers up"

# ------------------------------------------------------------ helpers
# probe_is RC NEEDLE CHECK SERVER [LVSCTL-PREFIX...]: the probe exits RC
# and prints NEEDLE.
probe_is() {
    local want=$1 needle=$2 chk=$3 server=$4 out rc
    out=$(ip netns exec prober "$LVSCTL" daemon probe --check "$chk" "$server" 2>&1)
    rc=$?
    printf 'check: %s\nserver: %s\n%s\n' "$chk" "$server" "$out"
    [ "$rc" = "$want" ] || { echo "exit status $rc, expected $want"; return 1; }
    [[ $out == *"$needle"* ]] || { echo "output lacks: $needle"; return 1; }
}
up() { probe_is 0 "up: $1" "$2" "$3"; }
down() { probe_is 3 "down: $1" "$2" "$3"; }
S=198.51.100.2
S6='[2001:db8:1::2]'

# ------------------------------------------------------------ tcp
check tcp.up up "connected" '{ type = "tcp" }' $S:80
check tcp.v6-up up "connected" '{ type = "tcp" }' $S6:80
check tcp.refused down "connection refused" '{ type = "tcp" }' $S:81
check tcp.blackholed down "timed out after 500ms" '{ type = "tcp", timeout = "500ms" }' 198.51.100.99:80
check tcp.connect-port up "connected" '{ type = "tcp", connect_port = 80 }' $S:81
check tcp.connect-address up "connected" '{ type = "tcp", connect_address = "198.51.100.2" }' 198.51.100.99:80

# ------------------------------------------------------------ http
check http.up up "HTTP 200" '{ type = "http", path = "/ok" }' $S:80
check http.v6-up up "HTTP 200" '{ type = "http", path = "/ok" }' $S6:80
check http.default-port up "HTTP 200" '{ type = "http", path = "/ok" }' $S
check http.status-down down "HTTP 503 not in 200-299" '{ type = "http", path = "/fail" }' $S:80
check http.status-listed up "HTTP 503" '{ type = "http", path = "/fail", status = ["200-299", 503] }' $S:80
check http.not-found down "HTTP 404 not in 200" '{ type = "http", path = "/nothing", status = 200 }' $S:80
check http.expect-up up "HTTP 200" '{ type = "http", path = "/ok", expect = "hello from rs[0-9]" }' $S:80
check http.expect-down down 'body does not match "goodbye"' '{ type = "http", path = "/ok", expect = "goodbye" }' $S:80
check http.expect-literal up "HTTP 200" '{ type = "http", path = "/ok", expect = "hello*rs1", expect_mode = "literal" }' $S:80
check http.expect-literal-down down 'body does not match "rs1*hello"' '{ type = "http", path = "/ok", expect = "rs1*hello", expect_mode = "literal" }' $S:80
check http.chunked up "HTTP 200" '{ type = "http", path = "/chunked", expect = "^chunk-one chunk-two\n$" }' $S:80
check http.close-delimited up "HTTP 200" '{ type = "http", path = "/close", expect = "^closed body" }' $S:80
check http.refused down "connection refused" '{ type = "http" }' $S:81
check http.not-http down "not an HTTP response" '{ type = "http" }' $S:2000

# ------------------------------------------------------------ https
CA=$W/tls/test-ca.pem
OTHER=$W/tls/other-ca.pem
check https.ca-sni up "HTTP 200" "{ type = \"https\", path = \"/ok\", ca_file = \"$CA\", sni = \"rs.example.com\", expect = \"hello\" }" $S:443
check https.ca-host up "HTTP 200" "{ type = \"https\", path = \"/ok\", ca_file = \"$CA\", host = \"rs.example.com\" }" $S:443
check https.ca-ip-san up "HTTP 200" "{ type = \"https\", path = \"/ok\", ca_file = \"$CA\" }" $S:443
check https.default-port up "HTTP 200" "{ type = \"https\", path = \"/ok\", ca_file = \"$CA\" }" $S
check https.wrong-ca down "TLS: certificate not signed by a trusted CA" "{ type = \"https\", path = \"/ok\", ca_file = \"$OTHER\", sni = \"rs.example.com\" }" $S:443
check https.wrong-name down "TLS: certificate not valid for the server name" "{ type = \"https\", path = \"/ok\", ca_file = \"$CA\", sni = \"www.example.com\" }" $S:443
check https.insecure up "HTTP 200" '{ type = "https", path = "/ok", insecure = true }' $S:443
check https.insecure-status down "HTTP 503 not in 200-299" '{ type = "https", path = "/fail", insecure = true }' $S:443
check https.plain-server down "TLS" '{ type = "https", insecure = true }' $S:80
check https.missing-ca down "ca_file /nonexistent.pem" '{ type = "https", ca_file = "/nonexistent.pem" }' $S:443

# ------------------------------------------------------------ send-expect
check send-expect.up up "reply matches" '{ type = "send-expect", send = "PING\\r\\n", expect = "^PONG PING" }' $S:2000
check send-expect.literal up "reply matches" '{ type = "send-expect", send = "PING\\n", expect = "PONG*PING", expect_mode = "literal" }' $S:2000
check send-expect.down down 'reply does not match "^PONG HELLO"' '{ type = "send-expect", send = "PING\\n", expect = "^PONG HELLO" }' $S:2000
check send-expect.no-expect up "sent 5 bytes" '{ type = "send-expect", send = "PING\\n" }' $S:2000
check send-expect.refused down "connection refused" '{ type = "send-expect", send = "x", expect = "y" }' $S:81

# ------------------------------------------------------------ udp
check udp.reply up "reply of 7 bytes" '{ type = "udp", payload = "hi", expect = "^echo:hi$" }' $S:7
check udp.reply-v6 up "reply of" '{ type = "udp", payload = "hi", expect = "echo:hi" }' $S6:7
check udp.reply-mismatch down 'reply does not match "nope"' '{ type = "udp", payload = "hi", expect = "nope" }' $S:7
check udp.unreachable down "port unreachable" '{ type = "udp", payload = "hi" }' $S:9
check udp.unreachable-expect down "port unreachable" '{ type = "udp", payload = "hi", expect = "x" }' $S:9
check udp.silent up "no ICMP error within 500ms" '{ type = "udp", payload = "hi", timeout = "500ms" }' $S:8
check udp.silent-expect down "timed out after 500ms" '{ type = "udp", payload = "hi", expect = "x", timeout = "500ms" }' $S:8

# ------------------------------------------------------------ dns
check dns.noerror up "NOERROR" '{ type = "dns", name = "rs.example.com", query_type = "A" }' $S:53
check dns.default-port up "NOERROR" '{ type = "dns", name = "RS.example.com." }' $S
check dns.v6 up "NOERROR" '{ type = "dns", name = "rs.example.com", query_type = "AAAA" }' $S6:53
check dns.nxdomain down "NXDOMAIN not in NOERROR" '{ type = "dns", name = "missing.example.com" }' $S:53
check dns.nxdomain-expected up "NXDOMAIN" '{ type = "dns", name = "missing.example.com", rcode = ["NOERROR", "NXDOMAIN"] }' $S:53
check dns.closed down "port unreachable" '{ type = "dns" }' $S:9

# ------------------------------------------------------------ ping
check ping.v4-up up "echo reply" '{ type = "ping" }' $S
check ping.v6-up up "echo reply" '{ type = "ping" }' 2001:db8:1::2
check ping.v4-down down "timed out after 500ms" '{ type = "ping", timeout = "500ms" }' 198.51.100.99
check ping.v6-down down "timed out after 500ms" '{ type = "ping", timeout = "500ms" }' 2001:db8:1::99
# Without CAP_NET_RAW: only the ICMP datagram socket, which
# net.ipv4.ping_group_range (per namespace) must allow.
unpriv() { ip netns exec prober setpriv --reuid=65534 --regid=65534 --clear-groups "$LVSCTL" daemon probe --check '{ type = "ping" }' "$1"; }
check_status ping.unprivileged-refused 3 unpriv $S
topo_sysctl prober "net.ipv4.ping_group_range=0 2147483647"
check_contains ping.unprivileged-v4 "up: echo reply" unpriv $S
check_contains ping.unprivileged-v6 "up: echo reply" unpriv 2001:db8:1::2

# ------------------------------------------------------------ command
check command.exit0 up "exit 0" '{ type = "command", argv = ["true"] }' $S:80
check command.exit1 down "exit 1" '{ type = "command", argv = ["false"] }' $S:80
check command.dynamic-weight up "exit 7, weight 5" '{ type = "command", argv = ["sh", "-c", "exit 7"], dynamic_weight = true }' $S:80
check command.dynamic-down down "exit 1" '{ type = "command", argv = ["false"], dynamic_weight = true }' $S:80
check command.no-dynamic down "exit 7" '{ type = "command", argv = ["sh", "-c", "exit 7"] }' $S:80
check command.args up "exit 0" '{ type = "command", argv = ["test", "%h:%p", "=", "198.51.100.2:80"] }' $S:80
check command.expect up "exit 0" '{ type = "command", argv = ["echo", "state=ok %h"], expect = "state=ok 198\\.51\\.100\\.2" }' $S:80
check command.expect-down down 'output does not match "state=bad"' '{ type = "command", argv = ["echo", "state=ok"], expect = "state=bad" }' $S:80
check command.missing down "cannot run /nonexistent/check: no such file or directory" '{ type = "command", argv = ["/nonexistent/check"] }' $S:80
check command.timeout down "timed out after 300ms" '{ type = "command", argv = ["sh", "-c", "sleep 37.25 & sleep 37.5"], timeout = "300ms" }' $S:80
# Neither the program nor its own child outlives the probe (its process
# group is killed).
check command.timeout-killed wait_until 5 bash -c '! pgrep -f "sleep 37[.](25|5)"'

# ------------------------------------------------------------ file
mkdir -p maint
check file.absent up "no $W/maint/198.51.100.2:80" "{ type = \"file\", path = \"$W/maint/%h:%p\" }" $S:80
touch maint/198.51.100.2:80
check file.present down "maintenance file $W/maint/198.51.100.2:80 exists" "{ type = \"file\", path = \"$W/maint/%h:%p\" }" $S:80
check file.other-server up "no $W/maint/198.51.100.3:80" "{ type = \"file\", path = \"$W/maint/%h:%p\" }" 198.51.100.3:80

# ------------------------------------------------------------ source_address, fwmark
check source.applied up "HTTP 200" '{ type = "http", path = "/peer", expect = "peer=198\\.51\\.100\\.3\n", source_address = "198.51.100.3" }' $S:80
check source.default down 'body does not match' '{ type = "http", path = "/peer", expect = "peer=198\\.51\\.100\\.3\n" }' $S:80
check source.v6 up "HTTP 200" '{ type = "http", path = "/peer", expect = "peer=2001:db8:1::1\n", source_address = "2001:db8:1::1" }' $S6:80
check source.not-local down "bind 192.0.2.99: address not available" '{ type = "tcp", source_address = "192.0.2.99" }' $S:80
check source.ping up "echo reply" '{ type = "ping", source_address = "198.51.100.3" }' $S
check fwmark.needed down "network unreachable" '{ type = "tcp" }' 203.0.113.2:80
check fwmark.tcp up "connected" '{ type = "tcp", fwmark = 7 }' 203.0.113.2:80
check fwmark.http up "HTTP 200" '{ type = "http", path = "/peer", fwmark = 7, expect = "peer=198\\.51\\.100\\.1\n" }' 203.0.113.2:80
check fwmark.dns up "NOERROR" '{ type = "dns", name = "rs.example.com", fwmark = 7 }' 203.0.113.2:5353
check fwmark.udp up "reply of" '{ type = "udp", payload = "m", expect = "echo:m", fwmark = 7 }' 203.0.113.2:7007
check fwmark.ping up "echo reply" '{ type = "ping", fwmark = 7 }' 203.0.113.2

# ------------------------------------------------------------ the command itself
check probe.array-up up "tcp: connected" '[{ type = "tcp" }, { type = "http", path = "/ok" }]' $S:80
check probe.array-one-down down "http: HTTP 503 not in 200-299" '[{ type = "tcp" }, { type = "http", path = "/fail" }]' $S:80
check probe.invalid-check probe_is 2 '--check:1: `path` applies to http, https and file checks, not tcp' '{ type = "tcp", path = "/" }' $S:80
check probe.unknown-key probe_is 2 'unknown field `colour`' '{ type = "tcp", colour = "red" }' $S:80
check probe.invalid-server probe_is 2 'invalid server' '{ type = "tcp" }' rs1:80
check probe.no-port probe_is 3 'down: no port to probe' '{ type = "tcp" }' $S
check_contains probe.netns-option "up: HTTP 200" "$LVSCTL" --netns prober daemon probe --check '{ type = "http", path = "/ok" }' $S:80

note "t=$((SECONDS - T0))s: done"
summary
