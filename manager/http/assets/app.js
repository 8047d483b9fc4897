// cocos-manager dashboard (manager/http/assets): vanilla JS over the JSON API and the SSE
// stream. Every list is paged and every table holds at most one page of rows, so the DOM stays
// small with thousands of agents and events. Untrusted text is only ever set as textContent.
"use strict";

const PAGE = { agents: 50, comps: 20, events: 50, cevents: 50 };
const KEEP_CEVENTS = 500;   // events of the selected computation held in memory
const st = {
  agentOff: 0, compOff: 0, evOff: 0, cevPage: 0,
  selected: null, userSelected: false,
  cevents: [], cevSince: 0, cevFor: null,
  live: [], source: null, refreshTimer: null,
};

const $ = (sel) => document.querySelector(sel);
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined ? "" : String(c);
    tr.appendChild(td);
  }
  return tr;
}
function fill(tbody, rows) { tbody.replaceChildren(...rows); }
function stateBadge(s) { return el("span", s || "—", "state " + (s || "")); }
function fmtTime(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").replace("Z", "") : ""; }
function fmtDur(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  return Math.floor(ms / 60000) + " min " + Math.round((ms % 60000) / 1000) + " s";
}
function fmtBytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0; let v = n;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : v) + " " + u[i];
}
function details(d) { return Object.entries(d || {}).map(([k, v]) => k + "=" + v).join(" "); }
async function api(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}
function pager(id, off, size, total, onMove) {
  const p = $(id);
  p.querySelector("span").textContent = total === 0 ? "0" :
    (off + 1) + "–" + Math.min(off + size, total) + " of " + total;
  p.querySelectorAll("button").forEach((b) => {
    const dir = Number(b.dataset.dir);
    b.disabled = dir < 0 ? off === 0 : off + size >= total;
    b.onclick = () => onMove(Math.max(0, off + dir * size));
  });
}

async function loadAgents() {
  const j = await api(`/api/agents?offset=${st.agentOff}&limit=${PAGE.agents}`);
  const now = Date.now();
  $("#agent-total").textContent = "(" + j.total + ")";
  fill($("#agents tbody"), j.agents.map((a) => {
    const caps = el("span");
    if (a.simulated_snp) caps.appendChild(el("span", "SIMULATED SEV-SNP", "badge sim"));
    for (const c of a.capabilities) caps.appendChild(el("span", c, "badge"));
    const hb = el("span");
    hb.appendChild(el("span", "", "dot" + (a.connected ? " on" : "")));
    hb.appendChild(document.createTextNode(Math.max(0, Math.round((now - a.last_seen_ms) / 1000)) + " s ago"));
    hb.title = fmtTime(a.last_seen_ms);
    return row([a.agent_id + (a.version ? " (" + a.version + ")" : ""), stateBadge(a.state), a.computation_id, caps, hb]);
  }));
  pager("#agent-pager", st.agentOff, PAGE.agents, j.total, (o) => { st.agentOff = o; loadAgents(); });
  return j;
}

async function loadComputations() {
  const j = await api(`/api/computations?offset=${st.compOff}&limit=${PAGE.comps}`);
  $("#comp-total").textContent = "(" + j.total + ")";
  if (!st.userSelected && j.computations.length && st.compOff === 0) st.selected = j.computations[0].computation_id;
  fill($("#computations tbody"), j.computations.map((c) => {
    const tr = row([c.computation_id, c.agent_id, stateBadge(c.state), fmtDur(c.duration_ms), el("span", c.failure_reason, "reason")]);
    tr.className = "clickable" + (c.computation_id === st.selected ? " selected" : "");
    tr.dataset.state = c.state;
    tr.onclick = () => { st.selected = c.computation_id; st.userSelected = true; st.cevPage = 0; refresh(); };
    return tr;
  }));
  pager("#comp-pager", st.compOff, PAGE.comps, j.total, (o) => { st.compOff = o; loadComputations(); });
  return j;
}

async function loadDetail() {
  const id = st.selected;
  if (!id) return;
  const c = await api("/api/computations/" + encodeURIComponent(id));
  $("#detail-empty").hidden = true;
  $("#detail").hidden = false;
  $("#detail-id").textContent = c.computation_id;
  const s = $("#detail-state");
  s.textContent = c.state; s.className = "state " + c.state;
  $("#detail-status").textContent = c.status;
  $("#detail-agent").textContent = c.agent_id;
  $("#detail-duration").textContent = "total " + fmtDur(c.duration_ms);
  const f = $("#failure");
  f.hidden = !c.failure_reason;
  f.textContent = c.failure_reason ? "FAILED: " + c.failure_reason : "";
  $("#timeline").replaceChildren(...c.timeline.map((t) => {
    const li = el("li", null, t.state + (t.current ? " current" : ""));
    li.appendChild(el("b", t.state));
    li.appendChild(el("span", fmtTime(t.start_ms)));
    li.appendChild(el("div", t.duration_ms !== undefined ? fmtDur(t.duration_ms) + (t.current ? " so far" : "") : "(final)", "muted"));
    return li;
  }));
  fill($("#items tbody"), c.items.map((i) => {
    const bar = el("div", null, "bar");
    const inner = el("div");
    inner.style.width = (i.total ? Math.min(100, (100 * i.bytes) / i.total) : 0) + "%";
    bar.appendChild(inner);
    return row([i.item, fmtBytes(i.bytes) + " / " + fmtBytes(i.total), bar, i.rate_bytes_per_s === null ? "—" : fmtBytes(i.rate_bytes_per_s) + "/s"]);
  }));
  const logs = $("#logs");
  const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
  logs.textContent = c.log_tail.map((l) => "[" + l.stream + "] " + l.line).join("\n") || "(no output)";
  if (atBottom) logs.scrollTop = logs.scrollHeight;
  await loadComputationEvents(id);
}

async function loadComputationEvents(id) {
  if (st.cevFor !== id) { st.cevFor = id; st.cevents = []; st.cevSince = 0; st.cevPage = 0; }
  for (let more = true, n = 0; more && n < 20; n++) {
    const j = await api(`/api/computations/${encodeURIComponent(id)}/events?since=${st.cevSince}&limit=1000`);
    st.cevents.push(...j.events);
    if (st.cevents.length > KEEP_CEVENTS) st.cevents.splice(0, st.cevents.length - KEEP_CEVENTS);
    st.cevSince = j.next_since;
    more = j.more;
  }
  const newest = st.cevents.slice().reverse();
  const off = st.cevPage * PAGE.cevents;
  fill($("#comp-events tbody"), newest.slice(off, off + PAGE.cevents).map((e) => {
    const tr = row([e.seq, fmtTime(e.timestamp_ms), stateBadge(e.state), e.status, details(e.details)]);
    tr.className = "event-row";
    tr.lastChild.className = "details";
    return tr;
  }));
  pager("#cev-pager", off, PAGE.cevents, newest.length, (o) => { st.cevPage = o / PAGE.cevents; loadComputationEvents(id); });
}

function eventRow(e) {
  const tr = row([fmtTime(e.timestamp_ms), e.agent_id, e.seq, e.computation_id, stateBadge(e.state), e.status, details(e.details)]);
  tr.className = "live-event";
  tr.lastChild.className = "details";
  return tr;
}

async function loadEvents() {
  const j = await api(`/api/events?offset=${st.evOff}&limit=${PAGE.events}`);
  if (st.evOff === 0) st.live = j.events.slice();
  fill($("#events tbody"), j.events.map(eventRow));
  pager("#ev-pager", st.evOff, PAGE.events, j.total, (o) => { st.evOff = o; loadEvents(); });
}

function onLiveEvent(e) {
  if (st.evOff === 0) {  // only the first page follows the stream; older pages stay put
    st.live.unshift(e);
    if (st.live.length > PAGE.events) st.live.length = PAGE.events;
    const tb = $("#events tbody");
    tb.insertBefore(eventRow(e), tb.firstChild);
    while (tb.children.length > PAGE.events) tb.removeChild(tb.lastChild);
  }
  scheduleRefresh();
}

function connectStream() {
  if (!window.EventSource) return;
  const src = new EventSource("/api/events/stream");
  st.source = src;
  const live = $("#live");
  src.onopen = () => { live.textContent = "live"; live.className = "pill on"; };
  src.onerror = () => { live.textContent = "live: reconnecting"; live.className = "pill off"; };
  src.addEventListener("event", (m) => { try { onLiveEvent(JSON.parse(m.data)); } catch (_) { /* ignore */ } });
}

function scheduleRefresh() {
  if (st.refreshTimer) return;
  st.refreshTimer = setTimeout(() => { st.refreshTimer = null; refresh(); }, 300);
}

async function refresh() {
  try {
    const [a, c] = await Promise.all([loadAgents(), loadComputations()]);
    $("#summary").textContent = a.total + " agent(s), " + c.total + " computation(s)";
    await loadDetail();
    document.body.dataset.loaded = "1";
  } catch (err) {
    $("#summary").textContent = "error: " + err.message;
  }
}

async function start() {
  await Promise.all([refresh(), loadEvents().catch(() => {})]);
  // The stream starts once the first paint is done; ?static=1 leaves it off (snapshots).
  if (!new URLSearchParams(location.search).has("static")) connectStream();
  else { $("#live").textContent = "snapshot (no live stream)"; $("#live").className = "pill"; }
  setInterval(refresh, 2000);
}
start();
