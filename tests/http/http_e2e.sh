#!/usr/bin/env bash
# The manager's HTTP face against a real run: cocos-manager run --http drives a real cocos-agent
# (a bin algorithm with one dataset) while this test reads the JSON API over real HTTP, follows
# the SSE stream with curl, parses /metrics, and loads the dashboard in Debian's headless
# Chromium (--dump-dom), checking that the finished computation shows as complete with its
# events. The manager keeps serving after the run (--http-hold), the agent's heartbeats
# included, until its stdin gets a line.
# Exit 77 (skipped) only when Chromium cannot start at all.
source "$COCOS_SOURCE_DIR/tests/e2e/lib.sh"
H=$(dirname "$0")

simple_bin e2e-http '
echo "http algorithm starting"
for i in 1 2 3; do echo "step $i"; done
wc -l <"$DATASETS_DIR/numbers.txt" | tr -d " " >"$RESULTS_DIR/lines.txt"'

# The manager's stdin: a fifo held open by fd 3, so --http-hold waits until we write a line.
mkfifo "$W/hold"
exec 3<>"$W/hold"
setsid "$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 75 --agent "$CID" \
  --manifest "$W/manifest.json" --algorithm "$W/algo.sh" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/numbers.txt:$W/numbers.sig" --consumer-key "$W/keys/consumer.pem" \
  --results "$W/results.zip" --http 127.0.0.1:0 --http-hold <"$W/hold" >"$W/run.log" 2>&1 &
MANAGER_PID=$!
_pgids+=("$MANAGER_PID")
wait_until 20 "the manager did not print its dashboard address" grep -q 'dashboard at http' "$W/run.log"
URL=$(grep -o 'dashboard at http://[^ ]*' "$W/run.log" | head -1 | cut -d' ' -f3)
URL=${URL%/}
echo "dashboard: $URL"

# Before any agent: empty lists, JSON 404s for unknown ids and paths, 400 for a bad query.
curl -fsS "$URL/api/agents" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["total"]==0 and j["agents"]==[], j' \
  || fail "agents list not empty before the agent started"
code=$(curl -sS -o "$W/404.json" -w '%{http_code}' "$URL/api/computations/no-such-id")
[ "$code" = 404 ] || fail "unknown computation: HTTP $code"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["error"]["code"]=="not_found", j' "$W/404.json" \
  || fail "404 body is not a JSON error: $(cat "$W/404.json")"
code=$(curl -sS -o "$W/404b.json" -w '%{http_code}' "$URL/api/computations/no-such-id/events?since=0")
[ "$code" = 404 ] || fail "events of an unknown computation: HTTP $code"
code=$(curl -sS -o "$W/404c.json" -w '%{http_code}' "$URL/api/nothing")
[ "$code" = 404 ] || fail "unknown path: HTTP $code"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["error"]' "$W/404c.json" || fail "unknown path: not JSON"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/agents?limit=abc")
[ "$code" = 400 ] || fail "bad limit: HTTP $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL/api/agents")
[ "$code" = 405 ] || [ "$code" = 404 ] || fail "POST should be refused, got HTTP $code"

# Follow the live stream from before the agent starts (bounded by --max-time).
setsid curl -sS -N --max-time 60 "$URL/api/events/stream" >"$W/sse.txt" 2>"$W/sse.err" &
_pgids+=("$!")
wait_until 10 "the SSE stream did not open" grep -q 'cocos-manager event stream' "$W/sse.txt"

start_agent "$CID"
wait_until 75 "the run did not finish" grep -q 'run finished' "$W/run.log"
grep -q 'run finished (exit 0)' "$W/run.log" || fail "the run failed: $(cat "$W/run.log")"
[ "$(zip_file "$W/results.zip" lines.txt)" = 3 ] || fail "results wrong"

# The API after the run.
curl -fsS "$URL/api/agents" >"$W/agents.json"
curl -fsS "$URL/api/computations" >"$W/comps.json"
curl -fsS "$URL/api/computations/$CID" >"$W/comp.json"
curl -fsS "$URL/api/computations/$CID/events?since=0&limit=2" >"$W/ev1.json"
curl -fsS "$URL/api/computations/$CID/events?since=0" >"$W/evall.json"
python3 - "$W" "$CID" <<'PY' || fail "API documents wrong"
import json, sys
w, cid = sys.argv[1:]
load = lambda n: json.load(open(f"{w}/{n}"))
agents = load("agents.json")
assert agents["total"] == 1, agents
a = agents["agents"][0]
assert a["agent_id"] == cid and a["connected"] and a["last_seen_ms"] > 0, a
assert isinstance(a["capabilities"], list) and a["version"], a
comps = load("comps.json")
assert comps["total"] == 1 and comps["computations"][0]["computation_id"] == cid, comps
c = load("comp.json")
assert c["agent_id"] == cid, c
assert c["state"] in ("resultsReady", "complete"), c["state"]
states = [t["state"] for t in c["timeline"]]
assert "running" in states and states[-1] == c["state"], states
for t in c["timeline"][:-1]:
    assert t["end_ms"] >= t["start_ms"] and t["duration_ms"] == t["end_ms"] - t["start_ms"], t
items = {i["item"]: i for i in c["items"]}
assert "algorithm" in items and items["algorithm"]["complete"], items
ds = [i for n, i in items.items() if n.startswith("dataset")]
assert ds and ds[0]["bytes"] == 6 and ds[0]["total"] == 6, items
assert "results" in items and items["results"]["complete"], items
lines = [l["line"] for l in c["log_tail"]]
assert "http algorithm starting" in lines and "step 3" in lines, lines
assert c["failure_reason"] == "", c
e1, ev = load("ev1.json"), load("evall.json")
assert len(e1["events"]) == 2 and e1["more"] and e1["next_since"] == e1["events"][-1]["seq"], e1
seqs = [e["seq"] for e in ev["events"]]
assert seqs == sorted(seqs) and len(seqs) == c["events_total"] and len(seqs) >= 4, seqs
assert seqs[:2] == [e["seq"] for e in e1["events"]]
assert all(e["computation_id"] == cid for e in ev["events"])
PY
# Held after the run, the manager still answers the agent: its heartbeats keep arriving.
seen() { curl -fsS "$URL/api/agents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["agents"][0]["last_seen_ms"])'; }
seen_after() { [ "$(seen)" -gt "$1" ]; }
first_seen=$(seen)
wait_until 15 "the held manager stopped hearing the agent" seen_after "$first_seen"

# since=S skips what the client has seen.
last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_since"])' "$W/evall.json")
curl -fsS "$URL/api/computations/$CID/events?since=$last" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["events"]==[] and not j["more"], j' \
  || fail "events?since=last is not empty"

# The live stream carried the run's events.
python3 - "$W/sse.txt" "$W/evall.json" <<'PY' || fail "SSE stream: $(head -c 2000 "$W/sse.txt")"
import json, sys
text = open(sys.argv[1]).read()
got = [json.loads(l[6:]) for l in text.splitlines() if l.startswith("data: ")]
want = [e["seq"] for e in json.load(open(sys.argv[2]))["events"]]
assert [e["seq"] for e in got if e["seq"] in want] == want, ([e["seq"] for e in got], want)
PY

# /metrics in Prometheus text format, parsed.
curl -fsS "$URL/metrics" >"$W/metrics.txt"
python3 "$H/parse_metrics.py" "$W/metrics.txt" "$W/evall.json" || fail "metrics wrong: $(cat "$W/metrics.txt")"

# The dashboard in headless Chromium.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium is not installed (tools/deps.txt lists it; tests/run installs it)"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-dev-shm-usage --user-data-dir="$W/chromium-profile")
if ! timeout 30 "$CHROMIUM" "${flags[@]}" --dump-dom about:blank >"$W/blank.html" 2>"$W/chromium-probe.log"; then
  skip "Chromium cannot start here: $(tail -n 3 "$W/chromium-probe.log")"
fi
# ?static=1: no SSE connection, so the page settles; the virtual time budget lets its fetches run.
timeout 60 "$CHROMIUM" "${flags[@]}" --virtual-time-budget=10000 --dump-dom "$URL/?static=1" \
  >"$W/dom.html" 2>"$W/chromium.log" || fail "chromium --dump-dom failed: $(tail -n 5 "$W/chromium.log")"
python3 "$H/check_dom.py" "$W/dom.html" "$CID" "$W/evall.json" || fail "dashboard DOM wrong"

# Let go of the page: the manager exits with the run's status.
echo >&3
for _ in $(seq 100); do kill -0 "$MANAGER_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$MANAGER_PID" 2>/dev/null && fail "manager still running after Enter"
wait "$MANAGER_PID" || fail "manager exit status $?"
check_event_log "$CID"
pass "HTTP API, SSE, metrics and dashboard"
