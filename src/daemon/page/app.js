// lvsctl's status page. It draws /status.json and /history.json as the
// daemon's event stream (/events) delivers them: the whole status every
// two seconds, new history samples as they are taken. No library, no
// external asset; every name from the daemon is set as text, never as
// markup. Elements carry their state in data attributes (data-service,
// data-server, data-health, data-enabled, data-weight, data-effective, and
// each chart point's data-t and data-v) so that scripts and tests can read
// the page without parsing its text.
"use strict";

const ACTIONS = document.body.dataset.actions === "on";
const CHART_W = 180, CHART_H = 36, ROW_W = 110, ROW_H = 24;
let history = { step: 10, points: 90, times: [], series: {} };
let lastStatus = null;
// While a button is pressed the page is not redrawn: a redraw between
// mousedown and mouseup would lose the click.
let pressing = false, redrawLater = false;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function when(epoch) {
  if (!epoch) return "";
  return new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
}

function ago(epoch) {
  const s = Math.max(0, Math.round(Date.now() / 1000 - epoch));
  if (s < 120) return s + " s ago";
  if (s < 7200) return Math.round(s / 60) + " min ago";
  if (s < 172800) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " days ago";
}

function human(v, unit) {
  if (v === null || v === undefined) return "–";
  const k = [["G", 1e9], ["M", 1e6], ["k", 1e3]];
  for (const [p, f] of k) if (v >= f) return (v / f).toFixed(1) + " " + p + unit;
  return (v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(2)) + " " + unit;
}

// One chart: a bar per sample, scaled to the largest; a sample with no
// value (the server was not in the table) has no bar.
function chart(key, which, label, W = CHART_W, H = CHART_H) {
  const s = history.series[key];
  const values = s ? s[which] : [];
  const times = history.times;
  const n = times.length;
  const svg = svgEl("svg", {
    class: "chart", width: W, height: H, viewBox: `0 0 ${W} ${H}`,
    "data-key": key, "data-series": which, role: "img",
  });
  let max = 0, last = null;
  for (const v of values) if (v !== null && v > max) max = v;
  const w = W / history.points;
  // A bar's place is its time (a gap, a restart of the daemon, a page
  // away for a while leave room), the newest at the right edge.
  const newest = n ? times[n - 1] : 0;
  const step = history.step || 10;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const slot = history.points - 1 - Math.round((newest - times[i]) / step);
    if (slot < 0) continue;
    last = v;
    const h = max > 0 ? Math.max(v > 0 ? 1 : 0, (v / max) * (H - 2)) : 0;
    const r = svgEl("rect", {
      x: (slot * w).toFixed(2), y: (H - h).toFixed(2),
      width: Math.max(w - 0.5, 0.5).toFixed(2), height: h.toFixed(2),
      "data-t": times[i], "data-v": v,
    });
    const t = svgEl("title", {});
    t.textContent = `${when(times[i])}: ${human(v, label)}`;
    r.append(t);
    svg.append(r);
  }
  const title = svgEl("title", {});
  title.textContent = `${which === "conns" ? "connections" : "bytes"} per second, last 15 minutes; max ${human(max, label)}`;
  svg.prepend(title);
  svg.dataset.max = max;
  svg.dataset.last = last === null ? "" : last;
  return svg;
}

function chartBox(key, which, label, caption) {
  const s = history.series[key];
  const vals = s ? s[which].filter((v) => v !== null) : [];
  const now = vals.length ? vals[vals.length - 1] : null;
  return el("div", { class: "chart-box" }, chart(key, which, label), `${caption}: ${human(now, label)}`);
}

function say(text, kind) {
  const m = document.getElementById("message");
  m.textContent = text;
  m.dataset.kind = kind || "info";
  m.hidden = !text;
}

async function act(action, service, server) {
  const token = document.getElementById("token").value.trim();
  if (!token) {
    say("Enter the token (the first line of http_token_file) to use the buttons.", "error");
    return;
  }
  sessionStorage.setItem("lvsctl-token", token);
  try {
    const r = await fetch("/api/" + action, {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ service, server }),
    });
    const body = await r.json().catch(() => ({}));
    if (r.ok) say(body.message || `${action}: done`, "info");
    else say(`${action} ${server}: ${r.status} ${body.message || r.statusText}`, "error");
  } catch (e) {
    say(`${action} ${server}: ${e}`, "error");
  }
}

function buttons(service, d) {
  if (!ACTIONS || d.leaving_until) return null;
  const td = el("td", { class: "actions" });
  const b = (action, label) => {
    const x = el("button", { type: "button", "data-action": action }, label);
    x.addEventListener("click", () => act(action, service, d.server));
    td.append(x);
  };
  if (d.drained) b("undrain", "Undrain"); else b("drain", "Drain");
  if (d.enabled === false) b("enable", "Enable"); else b("disable", "Disable");
  return td;
}

function lastCheck(d) {
  const parts = [];
  for (const c of d.checks) {
    if (!c.last) { parts.push(`${c.type}: not run yet`); continue; }
    parts.push(`${c.type} ${c.up ? "up" : "down"}: ${c.last.reason} (${c.last.latency_ms.toFixed(1)} ms, ${ago(c.last.at)})`);
  }
  return parts.length ? parts.join("; ") : "static (no check)";
}

function serverRow(service, d) {
  const key = service + " " + d.server;
  const eff = d.effective_weight === null || d.effective_weight === undefined ? null : d.effective_weight;
  const health = d.health;
  const flags = [health];
  if (d.drained) flags.push("drained");
  if (d.enabled === false) flags.push("disabled");
  if (d.leaving_until) flags.push("leaving by " + when(d.leaving_until));
  return el("tr", {
      class: "server", "data-server": d.server, "data-health": health,
      "data-enabled": d.enabled !== false, "data-drained": d.drained,
      "data-weight": d.weight, "data-effective": eff === null ? "" : eff,
    },
    el("td", { class: "addr" }, d.server),
    el("td", { class: "health", title: "since " + when(d.since) }, flags.join(", ")),
    el("td", { class: "weight" }, `${eff === null ? "–" : eff} / ${d.weight}`),
    el("td", { class: "enabled" }, d.enabled === false ? "no" : "yes"),
    el("td", { class: "conns" }, `${d.active_conns ?? "–"} / ${d.inactive_conns ?? "–"}`),
    el("td", { class: "reason" }, lastCheck(d)),
    el("td", {}, chart(key, "conns", "conn/s", ROW_W, ROW_H)),
    el("td", {}, chart(key, "bytes", "B/s", ROW_W, ROW_H)),
    buttons(service, d));
}

function serviceSection(s) {
  const facts = [];
  const quorum = el("span", { class: "quorum", "data-held": s.quorum_up },
    `quorum ${s.quorum} ${s.quorum_up ? "held" : "lost"}`);
  const sorry = s.sorry_server
    ? el("span", { class: "sorry", "data-active": s.sorry_server.active },
        `sorry server ${s.sorry_server.server} ${s.sorry_server.active ? "in" : "out"}`)
    : null;
  facts.push(quorum, `live weight ${s.live_weight}`);
  if (sorry) facts.push(sorry);
  const factSpan = el("span", { class: "facts" });
  facts.forEach((f, i) => { if (i) factSpan.append(" · "); factSpan.append(f); });
  const head = el("tr", {},
    ...["Server", "Health", "Weight (now / file)", "Enabled", "Conns (act. / inact.)", "Last check",
        "conn/s", "bytes/s"].map((h) => el("th", {}, h)),
    ACTIONS ? el("th", {}, "") : null);
  return el("section", { class: "service", "data-service": s.service, "data-quorum": s.quorum_up },
    el("h2", {}, el("span", { class: "name" }, s.service), factSpan),
    el("div", { class: "charts" },
      chartBox(s.service, "conns", "conn/s", "connections/s"),
      chartBox(s.service, "bytes", "B/s", "bytes/s")),
    el("table", {}, el("thead", {}, head), el("tbody", {}, ...s.servers.map((d) => serverRow(s.service, d)))));
}

function vrrpRow(v) {
  return el("tr", { class: "vrrp", "data-instance": v.name, "data-state": v.state },
    el("td", {}, v.name),
    el("td", {}, v.interface),
    el("td", {}, v.vrid),
    el("td", { class: "state-" + v.state }, v.state + (v.released ? " (released)" : "")),
    el("td", {}, v.priority),
    el("td", {}, v.master ? `${v.master}${v.master_priority ? " (" + v.master_priority + ")" : ""}` : "–"),
    el("td", { title: when(v.since) }, v.since ? ago(v.since) : "–"));
}

function draw() {
  const st = lastStatus;
  if (!st) return;
  if (pressing) { redrawLater = true; return; }
  // Absent when the daemon has no VRRP instance.
  const vrrp = st.vrrp || [];
  let down = 0, lost = 0, servers = 0;
  for (const s of st.services) {
    if (!s.quorum_up) lost++;
    for (const d of s.servers) { servers++; if (d.health !== "up") down++; }
  }
  const fault = vrrp.filter((v) => v.state === "FAULT").length;
  const summary = document.getElementById("summary");
  summary.dataset.state = down || lost || fault ? "problem" : "ok";
  summary.textContent = `${st.services.length} services, ${servers} servers, ${down} down` +
    (lost ? `, ${lost} without quorum` : "") + (fault ? `, ${fault} VRRP in FAULT` : "");
  document.getElementById("daemon").textContent =
    `pid ${st.pid} · ${st.config} · started ${when(st.started)} · loaded ${when(st.loaded)}`;
  document.getElementById("vrrp").hidden = vrrp.length === 0;
  document.getElementById("vrrp-rows").replaceChildren(...vrrp.map(vrrpRow));
  document.getElementById("services").replaceChildren(...st.services.map(serviceSection));
}

function addHistory(h) {
  if (!history.times.length || !h.times.length || h.times[0] <= history.times[history.times.length - 1]) {
    // A whole history (the first one, or the daemon restarted).
    history = h;
    return;
  }
  const keep = Math.max(0, history.times.length + h.times.length - h.points);
  const keys = new Set([...Object.keys(history.series), ...Object.keys(h.series)]);
  const oldLen = history.times.length;
  const series = {};
  for (const k of keys) {
    const a = history.series[k] || { conns: Array(oldLen).fill(null), bytes: Array(oldLen).fill(null) };
    const b = h.series[k] || { conns: Array(h.times.length).fill(null), bytes: Array(h.times.length).fill(null) };
    series[k] = { conns: a.conns.concat(b.conns).slice(keep), bytes: a.bytes.concat(b.bytes).slice(keep) };
  }
  history = { step: h.step, points: h.points, times: history.times.concat(h.times).slice(keep), series };
}

function connect() {
  const link = document.getElementById("link");
  const es = new EventSource("/events");
  es.addEventListener("open", () => { link.dataset.state = "live"; link.textContent = "live"; });
  es.addEventListener("error", () => {
    link.dataset.state = "lost";
    link.textContent = "reconnecting";
    // EventSource retries a dropped stream by itself, but not one refused
    // (too many open pages, the daemon restarting): then start again.
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  });
  es.addEventListener("status", (e) => {
    lastStatus = JSON.parse(e.data);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    draw();
  });
  es.addEventListener("history", (e) => { addHistory(JSON.parse(e.data)); draw(); });
}

const services = document.getElementById("services");
services.addEventListener("pointerdown", (e) => { if (e.target.closest("button")) pressing = true; });
window.addEventListener("pointerup", () => {
  if (!pressing) return;
  setTimeout(() => { pressing = false; if (redrawLater) { redrawLater = false; draw(); } }, 200);
});

if (ACTIONS) {
  const form = document.getElementById("token-form");
  form.hidden = false;
  form.addEventListener("submit", (e) => e.preventDefault());
  document.getElementById("token").value = sessionStorage.getItem("lvsctl-token") || "";
}
connect();
