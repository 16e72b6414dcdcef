#!/usr/bin/env python3
"""tests/vm/browser.py — a real headless Chromium on the host reads the
status page a VM scenario's daemon serves (status_browser.sh).

tests/vm/run starts it beside the VM when the scenario says
"# vm-host: tests/vm/browser.py" and forwards one port: qemu's user network
with restrict=on (the guest reaches nothing) and a single hostfwd on
127.0.0.1. It speaks the DevTools protocol over --remote-debugging-pipe
(file descriptors 3 and 4, NUL-terminated JSON), so it needs no WebSocket
library and opens no debugging port. Chromium is kept off every other
network: background services are switched off and no host name resolves.

It steps the scenario through files in the shared results directory
(OUT): it waits for OUT/ready, asks for a real server's HTTP to stop
(OUT/go-stop), for traffic through the VIP (OUT/go-traffic), for the
kernel weight after its click on Drain (OUT/go-weight), and writes what it
found to OUT/browser-results ("ok NAME" / "not ok NAME: why"), which the
scenario records as its own checks, then OUT/browser-done. The screenshot
is OUT/status-page.png.

    tests/vm/browser.py --out DIR --url http://127.0.0.1:PORT/
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request


class Browser:
    def __init__(self, exe, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [
            exe, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-pipe", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--disable-extensions",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection",
            "--metrics-recording-only", "--no-pings", "--dns-prefetch-disable",
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
            # Only the forwarded literal address is reachable: no name resolves.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1280,1000", "about:blank",
        ]
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=fds,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(OUT, "chromium.log"), "w"))
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        end = time.time() + timeout
        while time.time() < end:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m.get("result", {})
            ready, _, _ = select.select([self.from_child], [], [], max(0.0, end - time.time()))
            if not ready:
                break
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self.buf += chunk
        raise RuntimeError(f"{method}: no answer in {timeout}s")

    def attach(self):
        targets = self.call("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr[:60]}...: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


RESULTS = []


def record(name, ok, why=""):
    RESULTS.append(f"ok {name}" if ok else f"not ok {name}: {why}")
    print(RESULTS[-1], flush=True)


def wait_file(name, secs):
    end = time.time() + secs
    while time.time() < end:
        if os.path.exists(os.path.join(OUT, name)):
            return True
        time.sleep(0.2)
    return False


def signal(name):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(str(time.time()))


def poll(b, expr, secs, every=0.25):
    """Evaluates expr until it is truthy; (value, seconds taken)."""
    t0 = time.time()
    while True:
        v = b.js(expr)
        if v or time.time() - t0 > secs:
            return v, time.time() - t0
        time.sleep(every)


ROWS = """JSON.stringify([...document.querySelectorAll('section.service')].map(s => ({
  service: s.dataset.service, quorum: s.dataset.quorum,
  servers: [...s.querySelectorAll('tr.server')].map(r => ({
    server: r.dataset.server, health: r.dataset.health, enabled: r.dataset.enabled,
    drained: r.dataset.drained, weight: r.dataset.weight, effective: r.dataset.effective,
    reason: r.querySelector('.reason').textContent}))})))"""


def main():
    global OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--url", required=True)
    a = ap.parse_args()
    OUT = a.out
    url = a.url
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        record("browser.chromium-present", False, "no chromium on the host (tests/vm/setup installs it)")
        return finish()
    if not wait_file("ready", 400):
        record("browser.site-ready", False, "the VM never wrote OUT/ready")
        return finish()
    token = open(os.path.join(OUT, "ready")).read().strip()
    profile = tempfile.mkdtemp(prefix="lvsctl-chromium-")
    b = Browser(exe, profile)
    try:
        steps(b, url, token)
    except Exception as e:  # a step that broke is a failure, never a pass
        record("browser.steps", False, repr(e))
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
    finish()


def steps(b, url, token):
    b.attach()
    b.call("Page.enable")
    b.call("Runtime.enable")
    b.call("Page.navigate", {"url": url})
    drawn, _ = poll(b, "document.querySelectorAll('tr.server').length >= 2 && "
                       "document.getElementById('link').dataset.state === 'live'", 60)
    record("browser.page-live", bool(drawn), "no server rows or no live stream within 60 s")
    # A mark a reload would erase: the checks below happen on this page.
    b.js("window.__lvsctlNoReload = 1")

    # Every service and server of /status.json, with its state.
    status = json.load(urllib.request.urlopen(url + "status.json", timeout=10))
    dom = json.loads(b.js(ROWS))
    want = [{"service": s["service"],
             "servers": [(d["server"], d["health"], str(d["enabled"]).lower()) for d in s["servers"]]}
            for s in status["services"]]
    got = [{"service": s["service"],
            "servers": [(d["server"], d["health"], d["enabled"]) for d in s["servers"]]}
           for s in dom]
    record("browser.dom.services-and-servers", got == want, f"page {got}, status.json {want}")
    record("browser.dom.reasons",
           all(d["reason"] and "undefined" not in d["reason"] for s in dom for d in s["servers"]),
           f"a server without its last check: {dom}")
    vrrp = b.js("[...document.querySelectorAll('tr.vrrp')].map(r => r.dataset.instance + ' ' + r.dataset.state).join(',')")
    record("browser.dom.vrrp-master", vrrp == "VI_1 MASTER", f"VRRP rows: {vrrp!r}")
    buttons = b.js("document.querySelectorAll('button[data-action]').length")
    record("browser.dom.buttons", buttons == 4, f"{buttons} buttons for 2 servers")

    # A server's HTTP stops: the open page shows it down, no reload.
    signal("go-stop")
    if not wait_file("stopped", 30):
        record("browser.down.stopped", False, "the VM did not stop the server")
        return
    t0 = time.time()
    down, took = poll(b, "document.querySelector('tr.server[data-server=\"192.0.2.12:80\"]')"
                         "?.dataset.health === 'down'", 20)
    print(f"# rs2 shown down on the page {took * 1000:.0f} ms after the VM said it stopped", flush=True)
    record("browser.down.within-seconds", bool(down) and took <= 15,
           f"shown down: {bool(down)} after {took:.1f} s (bound 15 s: fall 2 x 1 s, events every 2 s, TCG)")
    record("browser.down.no-reload", b.js("window.__lvsctlNoReload === 1"), "the page was reloaded")
    _ = t0

    # Requests through the VIP: the service's chart shows them.
    signal("go-traffic")
    if not wait_file("traffic", 60):
        record("browser.chart.traffic", False, "the VM sent no traffic")
        return
    chart = ("Math.max(0, ...[...document.querySelectorAll("
             "'section.service > .charts svg.chart[data-series=\"conns\"] rect')].map(r => +r.dataset.v))")
    peak, took = poll(b, f"({chart}) > 0 ? {chart} : 0", 45)
    record("browser.chart.nonzero", bool(peak), f"the connections chart stayed at 0 for {took:.0f} s")
    print(f"# connections chart peak {peak} conn/s, {took:.1f} s after the traffic", flush=True)
    shot = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(os.path.join(OUT, "status-page.png"), "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    record("browser.screenshot", os.path.getsize(os.path.join(OUT, "status-page.png")) > 10000,
           "screenshot too small")

    # Drain through the page: the token typed in, the button clicked.
    b.js(f"document.getElementById('token').value = {json.dumps(token)}")
    b.js("document.querySelector('tr.server[data-server=\"192.0.2.11:80\"] button[data-action=\"drain\"]').click()")
    drained, _ = poll(b, "document.querySelector('tr.server[data-server=\"192.0.2.11:80\"]')"
                         "?.dataset.drained === 'true'", 15)
    record("browser.drain.shown", bool(drained),
           "not shown drained; page says: " + str(b.js("document.getElementById('message').textContent")))
    signal("go-weight")
    if wait_file("weight", 30):
        w = open(os.path.join(OUT, "weight")).read().strip()
        record("browser.drain.kernel-weight-0", w == "0", f"kernel weight {w!r}")
    else:
        record("browser.drain.kernel-weight-0", False, "the VM did not read the weight")


def finish():
    with open(os.path.join(OUT, "browser-results.tmp"), "w") as f:
        f.write("".join(r + "\n" for r in RESULTS))
    os.rename(os.path.join(OUT, "browser-results.tmp"), os.path.join(OUT, "browser-results"))
    signal("browser-done")


if __name__ == "__main__":
    OUT = "."
    main()
