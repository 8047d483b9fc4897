#!/usr/bin/env bash
# A stuck monitor never holds the agent back: two monitors are attached to the agent's PUB and
# then frozen (a `watch` stopped with SIGSTOP, which never reads again, and a raw socket that
# never even finishes the ZeroMQ handshake). An algorithm then writes ~96 MiB of output lines,
# which the agent publishes as log messages. The computation must complete, the manager's
# event log must be whole, and the agent's memory must stay bounded (PUB drops at its
# high-water mark instead of queueing for the stuck reader). A live monitor attached meanwhile
# still receives the published events. Memory is read from /proc, a bound, not a timing.
source "$(dirname "$0")/../e2e/lib.sh"
simple_bin slow-monitor '
i=0
line=$(head -c 49152 /dev/zero | tr "\0" "x")
while [ $i -lt 2000 ]; do echo "$i $line"; i=$((i + 1)); done
echo done > "$RESULTS_DIR/r.txt"'
start_agent slow-monitor --max-log-line 65536 --max-log-lines-per-sec 100000
bg stuck "$M" watch --connect "$PUB" --agent slow-monitor
stuck=$BG_PID
bg rawstuck python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(3600)' "$W/pub.sock"
wait_until 20 "the stuck watch did not start" grep -q . /proc/$stuck/status
sleep 0.5  # let the SUB finish its handshake before it is frozen (not an assertion)
kill -STOP "$stuck"
bg live "$M" watch --connect "$PUB" --agent slow-monitor --json

# Not simple_run: its output (every log line) would flood the test log.
set +e
"$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 75 --agent "$CID" --manifest "$W/manifest.json" \
  --algorithm "$W/algo.sh" --algorithm-sig "$W/algo.sig" --dataset "$W/numbers.txt:$W/numbers.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip" >"$W/run.out" 2>"$W/run.err"
RUN_RC=$?
set -e
grep -v '^log ' "$W/run.out" | sed 's/^/  run| /'
expect_ok
[ "$(zip_file "$W/results.zip" r.txt)" = done ] || fail "results wrong"
peak=$(awk '/VmHWM/ {print $2}' /proc/$AGENT_PID/status)
check_event_log slow-monitor
# PUB is best effort for every subscriber: under this flood even the live monitor may lose
# the last events at its high-water mark, so only reception itself is checked here.
grep -q '"type":"event"' "$W/live.log" || fail "the live monitor received no event"
kill -0 "$stuck" || fail "the stuck monitor vanished"
[ "$peak" -lt $((400 * 1024)) ] || fail "agent peak RSS ${peak} KiB: output queued for a stuck reader"
logs=$(grep -c '"type":"log"' "$W/live.log" || true)
kill -CONT "$stuck" 2>/dev/null || true
pass "stuck monitors: run completed, agent peak RSS $((peak / 1024)) MiB for ~96 MiB of output, live monitor got $logs log lines"
