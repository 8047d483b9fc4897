#!/usr/bin/env bash
# CURVE refusals with the real programs: a manager bound as a CURVE server (one admitted agent
# key) must not hear a plaintext agent, an agent with an unlisted key, nor an agent that expects
# another server key; the admitted agent is heard (positive control, so the refusals are not
# vacuous). A monitor without the publisher's key (plaintext `watch`) receives nothing from a
# CURVE agent's PUB while the manager stores that agent's events.
# A refusal can only be observed as "no session within a bound": the bound is functional
# (`state --timeout`), never a measured duration.
source "$(dirname "$0")/../e2e/lib.sh"
: "${COCOS_CURVE_KEYGEN:?}"
K=$W/curve
mkdir -p "$K"
for k in mgr agent rogue; do "$COCOS_CURVE_KEYGEN" "$K/$k" >/dev/null; done
[ -s "$K/mgr.pub" ] && [ -s "$K/agent.key" ] || fail "cocos-curve-keygen wrote no key files"

ID=curve-agent
# state_as_curve_manager TIMEOUT: one `state` request through a CURVE manager admitting agent.pub.
state_as_curve_manager() {
  set +e
  "$M" state --bind "$BUS" --agent "$ID" --timeout "$1" --events-log "$EVENTS" \
    --curve-key "$K/mgr" --curve-agent-key "$K/agent.pub" >"$W/state.out" 2>"$W/state.err"
  STATE_RC=$?
  set -e
}
stop_agent() {
  kill -KILL -- "-$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
  rm -f "$W/pub.sock"
}

# 1. Plaintext agent.
start_agent "$ID"
state_as_curve_manager 6
[ "$STATE_RC" -ne 0 ] || fail "the CURVE manager talked to a plaintext agent: $(cat "$W/state.out")"
grep -q 'state:' "$W/state.out" && fail "plaintext agent answered state"
stop_agent
pass "plaintext agent refused"

# 2. Agent with a key pair the manager does not list.
start_agent "$ID" --curve-key "$K/rogue" --curve-manager-key "$K/mgr.pub"
state_as_curve_manager 6
[ "$STATE_RC" -ne 0 ] || fail "the CURVE manager admitted an unlisted agent key"
stop_agent
pass "unlisted agent key refused"

# 3. Listed agent key, but the agent pins another server key (a man in the middle's).
start_agent "$ID" --curve-key "$K/agent" --curve-manager-key "$K/rogue.pub"
state_as_curve_manager 6
[ "$STATE_RC" -ne 0 ] || fail "an agent expecting another server key completed the handshake"
stop_agent
pass "wrong server key refused"

# 4. Positive control: the admitted agent runs a whole computation over CURVE; a plaintext
#    monitor of its PUB meanwhile receives nothing although every step is published.
simple_bin "$ID" 'echo secret > "$RESULTS_DIR/r.txt"'
start_agent "$ID" --curve-key "$K/agent" --curve-manager-key "$K/mgr.pub"
bg watch "$M" watch --connect "$PUB" --agent "$ID" --json
simple_run --curve-key "$K/mgr" --curve-agent-key "$K/agent.pub"
expect_ok
[ "$(zip_file "$W/results.zip" r.txt)" = secret ] || fail "results wrong"
grep -q 'curve=on' "$W/agent.log" || fail "the agent does not say curve=on"
grep -q '"state":"resultsReady"' "$EVENTS/$ID.jsonl" || fail "the manager stored no resultsReady event"
check_event_log "$ID"
if grep -q '"type"' "$W/watch.log"; then fail "a monitor without the key received: $(head -3 "$W/watch.log")"; fi
pass "admitted agent ran a computation over CURVE ($(wc -l <"$EVENTS/$ID.jsonl") events stored); keyless monitor got nothing"
