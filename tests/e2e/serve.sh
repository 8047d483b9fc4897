#!/usr/bin/env bash
# cocos-manager serve: one manager endpoint holds several agents at once. Three agents connect;
# each one's "agent started" event is stored in its own event log (seq 1..N, each once) and the
# dashboard's API lists all three as connected; SIGTERM stops the manager with exit 0 and a
# summary. A second `serve` on the same event logs is told nothing twice: the agents reconnect,
# get hello.ok with what is stored, and the logs stay 1..N; the agents' heartbeats keep them
# connected meanwhile.
source "$(dirname "$0")/lib.sh"
start_serve() {
  bg "serve$1" "$M" serve --bind "$BUS" --events-log "$EVENTS" --http 127.0.0.1:0
  SERVE_PID=$BG_PID
  wait_until 20 "serve did not print its dashboard address" grep -q "dashboard at" "$W/serve$1.log"
  URL=$(sed -n 's/^manager: dashboard at //p' "$W/serve$1.log")
}
api_agents() {
  python3 - "$URL" <<'PY'
import json, sys, urllib.request
agents = json.load(urllib.request.urlopen(sys.argv[1] + "api/agents"))["agents"]
print(" ".join(sorted(a["agent_id"] for a in agents if a["connected"] and a["hello_ms"])))
PY
}

start_serve 1
for i in 1 2 3; do
  bg "agent$i" "$COCOS_AGENT" --agent-id "fleet-$i" --manager "$BUS" --work-dir "$W/agent$i" \
    --snp-mode off --heartbeat 1
done
wait_until 30 "not every agent reached the dashboard as connected (saw: $(api_agents 2>&1))" \
  test "$(api_agents)" = "fleet-1 fleet-2 fleet-3"
for i in 1 2 3; do
  wait_until 20 "no event stored for fleet-$i" test -s "$EVENTS/fleet-$i.jsonl"
  grep -q '"reason":"agent started"' "$EVENTS/fleet-$i.jsonl" || fail "fleet-$i: no start event"
  check_event_log "fleet-$i"
done
grep -q "^hello  fleet-2 " "$W/serve1.log" || fail "serve did not print fleet-2's hello"
pass "one serve holds three agents, their events stored, all connected on the dashboard"

kill -TERM "$SERVE_PID"
for _ in $(seq 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$SERVE_PID" 2>/dev/null || fail "serve did not stop on SIGTERM"
wait "$SERVE_PID" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
grep -q "manager: stopped by SIGTERM: 3 agent(s) heard" "$W/serve1.log" ||
  fail "no summary: $(tail -3 "$W/serve1.log")"
before=$(cat "$EVENTS"/fleet-*.jsonl | wc -l)
pass "SIGTERM stops serve cleanly"

start_serve 2
wait_until 30 "the agents did not come back to the second serve (saw: $(api_agents 2>&1))" \
  test "$(api_agents)" = "fleet-1 fleet-2 fleet-3"
grep -q "^hello  fleet-1 .*(event log has seq <= [1-9]" "$W/serve2.log" ||
  fail "fleet-1 was not told what is stored: $(grep hello "$W/serve2.log")"
for i in 1 2 3; do check_event_log "fleet-$i"; done
after=$(cat "$EVENTS"/fleet-*.jsonl | wc -l)
[ "$after" -ge "$before" ] || fail "events were lost ($before -> $after)"
pass "a second serve resumes the same event logs without duplicates"
