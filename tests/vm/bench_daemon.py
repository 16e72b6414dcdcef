#!/usr/bin/env python3
"""tests/vm/bench_daemon.py: helpers of tests/vm/bench_daemon.sh (in the VM).

  gen DIR                  write every config file of the benchmark into DIR
                           (lvsctl's TOML and keepalived's, the same services
                           and checks) and servers.txt, the real servers
  lag DUMP INTERVAL T0 T1 [FIRST COUNT]   probe statistics of a dump of
                           examples/bench_listener (the real servers), the
                           stamps from T0 to T1 of servers FIRST.. (COUNT):
                           probes, probes/s, and per server the gaps between
                           successive probes minus INTERVAL, pooled: p50,
                           p99, max in ms
"""
import os
import sys

# ------------------------------------------------------------------ layout
# The 1,000 real servers: 10 addresses x 100 ports. Service i (0..99) has
# the servers 198.51.100.(1+j):(8000+i), j = 0..9: ten distinct addresses.
RS_ADDRS = ["198.51.100.%d" % (1 + j) for j in range(10)]
N_SVC = 100


def servers():
    return [(a, 8000 + i) for i in range(N_SVC) for a in RS_ADDRS]


def svc_servers(i):
    return [(a, 8000 + i) for a in RS_ADDRS]


def lvs_check(kind, interval, timeout="1s"):
    s = '  [services.check]\n  type = "%s"\n' % kind
    if kind == "http":
        s += '  path = "/"\n  status = "200"\n'
    return s + '  interval = "%s"\n  timeout = "%s"\n  rise = 1\n  fall = 1\n\n' % (interval, timeout)


def lvs_service(vip, port, dests, check, dest_extra=None):
    out = ['[[services]]\nprotocol = "tcp"\naddress = "%s"\nport = %d\nscheduler = "wrr"\n'
           'on_failure = "quiesce"\n' % (vip, port), check]
    for (a, p, w) in dests:
        out.append('  [[services.destinations]]\n  address = "%s"\n  port = %d\n'
                   '  forward = "masq"\n  weight = %d\n' % (a, p, w))
    return "".join(out) + "\n"


def ka_check(kind):
    if kind == "http":
        return ("            HTTP_GET {\n                url {\n                    path /\n"
                "                    status_code 200\n                }\n"
                "                connect_timeout 1\n                retry 0\n            }\n")
    return "            TCP_CHECK {\n                connect_timeout 1\n                retry 0\n            }\n"


def ka_service(vip, port, dests, kind, delay, alpha=False):
    out = ["virtual_server %s %d {\n    delay_loop %d\n    lb_algo wrr\n    lb_kind NAT\n"
           "    protocol TCP\n%s" % (vip, port, delay, "    alpha\n" if alpha else "")]
    chk = ka_check(kind) if kind else ""
    for (a, p, w) in dests:
        out.append("    real_server %s %d {\n        weight %d\n        inhibit_on_failure\n%s    }\n"
                   % (a, p, w, chk))
    out.append("}\n")
    return "".join(out)


KA_HEAD = "global_defs {\n    router_id lvsctl_bench\n}\n\n"
LVS_HEAD = '[daemon]\nreconcile_interval = "10s"\n\n'

# The big file: 2,284 services, 37,298 servers (754 services with 17, the
# rest with 16), every server a distinct address:port in 203.0.113.0/24,
# which the director has no route to (each probe fails at once, ENETUNREACH)
# except the first server of the first service, 198.51.100.1:8000, a live
# listener whose weight the reload changes. The first service has no check
# (its servers are static: up, in both tools, from the start; so the reload
# is timed from a weight both tools show at once: keepalived 2.2.7 under
# `alpha` did not bring even a live checked server up within 90 s of this
# file's load); every other one is checked every 60 s.
BIG_SVC = int(os.environ.get("BENCH_BIG_SVC", "2284"))
BIG_DEST = int(os.environ.get("BENCH_BIG_DEST", "37298"))


def big(weight, lvs):
    out = [LVS_HEAD if lvs else KA_HEAD]
    n = 0
    extra = BIG_DEST - (BIG_DEST // BIG_SVC) * BIG_SVC
    for i in range(BIG_SVC):
        vip, port = "192.0.2.%d" % (1 + i % 254), 80 + i // 254
        k = BIG_DEST // BIG_SVC + (1 if i < extra else 0)
        dests = []
        for _ in range(k):
            dests.append(("203.0.113.%d" % (1 + n % 254), 1000 + n // 254, 1))
            n += 1
        if i == 0:
            dests[0] = ("198.51.100.1", 8000, weight)
        if lvs:
            out.append(lvs_service(vip, port, dests, "" if i == 0 else lvs_check("tcp", "60s")))
        elif i == 0:
            out.append(ka_service(vip, port, dests, None, 60))
        else:
            out.append(ka_service(vip, port, dests, "tcp", 60, alpha=True))
    assert n == BIG_DEST
    return "".join(out)


def gen(d):
    def w(name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    w("servers.txt", "".join("%s %d\n" % s for s in servers()))
    for kind in ("tcp", "http"):
        lv, ka = [LVS_HEAD], [KA_HEAD]
        for i in range(N_SVC):
            dests = [(a, p, 1) for (a, p) in svc_servers(i)]
            lv.append(lvs_service("192.0.2.%d" % (1 + i), 80, dests, lvs_check(kind, "1s")))
            ka.append(ka_service("192.0.2.%d" % (1 + i), 80, dests, kind, 1))
        w("lvs.%s.toml" % kind, "".join(lv))
        w("ka.%s.conf" % kind, "".join(ka))
    # dedup: 10 services sharing the same 100 servers (the first 10 ports
    # of every address: indexes 0..99 of servers.txt).
    shared = [(a, p, 1) for (a, p) in servers()[:100]]
    lv, ka = [LVS_HEAD], [KA_HEAD]
    for i in range(10):
        lv.append(lvs_service("192.0.2.%d" % (201 + i), 80, shared, lvs_check("tcp", "1s")))
        ka.append(ka_service("192.0.2.%d" % (201 + i), 80, shared, "tcp", 1))
    w("lvs.dedup.toml", "".join(lv))
    w("ka.dedup.conf", "".join(ka))
    for lvs, name in ((True, "lvs.big"), (False, "ka.big")):
        ext = "toml" if lvs else "conf"
        w("%s.%s" % (name, ext), big(1, lvs))
        w("%s.one.%s" % (name, ext), big(2, lvs))


# ---------------------------------------------------------------- analysis
def pct(v, q):
    if not v:
        return float("nan")
    v = sorted(v)
    k = min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))
    return v[k]


def lag(dump, interval, t0, t1, first=0, count=None):
    interval, t0, t1 = float(interval), float(t0), float(t1)
    rows = {}
    with open(dump) as f:
        for line in f:
            w = line.split()
            rows[int(w[0])] = [float(x) for x in w[1:] if t0 <= float(x) <= t1]
    idx = sorted(rows)
    first = int(first)
    count = len(idx) if count is None else int(count)
    sel = [i for i in idx if first <= i < first + count]
    probes, gaps, silent = 0, [], 0
    for i in sel:
        ts = rows[i]
        probes += len(ts)
        if not ts:
            silent += 1
        gaps.extend((b - a - interval) * 1000.0 for a, b in zip(ts, ts[1:]))
    print("probes=%d per_s=%.1f servers=%d silent=%d gaps=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f"
          % (probes, probes / (t1 - t0), len(sel), silent, len(gaps), pct(gaps, 0.5), pct(gaps, 0.99),
             max(gaps) if gaps else float("nan")))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "lag":
        lag(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
