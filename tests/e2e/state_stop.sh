#!/usr/bin/env bash
# The operator commands against a live agent: `state` while an algorithm runs (its manager gone),
# `stop` kills the run and the agent is ready for a new manifest, as `state` then shows; the
# stop event lands in the event log.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-stop 'echo started >"$1/started"; exec sleep 302' --args "[\"$W\"]"
start_agent e2e-stop
bg manager1 "$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 75 --agent "$CID" \
  --manifest "$W/manifest.json" --algorithm "$W/algo.sh" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/numbers.txt:$W/numbers.sig" --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
wait_until 40 "the algorithm did not start" test -e "$W/started"
kill -KILL -- "-$BG_PID"
wait "$BG_PID" 2>/dev/null || true
"$M" state --bind "$BUS" --agent "$CID" --events-log "$EVENTS" --timeout 30 >"$W/state1.out"
cat "$W/state1.out"
grep -q '^state: *running' "$W/state1.out" || fail "state does not say running"
grep -q '^computation: *e2e-stop' "$W/state1.out" || fail "state does not name the computation"
grep -q 'dataset 0 (numbers.txt) received' "$W/state1.out" || fail "items not listed"
"$M" stop --bind "$BUS" --agent "$CID" --events-log "$EVENTS" --reason "e2e stop" --timeout 30
"$M" state --bind "$BUS" --agent "$CID" --events-log "$EVENTS" --timeout 30 >"$W/state2.out"
cat "$W/state2.out"
grep -q '^state: *receivingManifest' "$W/state2.out" || fail "the agent did not return to receivingManifest"
wait_until 20 "the algorithm still runs" bash -c '! pgrep -f "^sleep 302$"'
grep -q '"status":"stopped"' "$EVENTS/$CID.jsonl" || fail "stop event not in the event log"
check_event_log "$CID"
pass "state and stop"
