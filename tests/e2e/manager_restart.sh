#!/usr/bin/env bash
# The manager is killed (SIGKILL) while the algorithm runs; the computation finishes while no
# manager listens; a new `cocos-manager run` with the same arguments resumes: no second
# manifest or upload, the agent replays the events the log lacks, the results are fetched, and
# the event log holds every seq exactly once. The algorithm waits for a file the test creates
# only after the kill, so the order of things is forced, not timed.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-restart '
echo "started" >>"$1/runs"
while [ ! -e "$1/go" ]; do sleep 0.05; done
echo done >"$RESULTS_DIR/r.txt"' --args "[\"$W\"]"
start_agent e2e-restart
bg watch "$M" watch --connect "$PUB" --agent e2e-restart
bg manager1 "$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 75 --agent "$CID" \
  --manifest "$W/manifest.json" --algorithm "$W/algo.sh" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/numbers.txt:$W/numbers.sig" --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
first=$BG_PID
wait_until 40 "the algorithm did not start" test -e "$W/runs"
wait_until 20 "the running event was not stored" grep -q '"state":"running"' "$EVENTS/$CID.jsonl"
kill -KILL -- "-$first"
wait "$first" 2>/dev/null || true
before=$(wc -l <"$EVENTS/$CID.jsonl")
touch "$W/go"
# The monitor shows the computation finishing while no manager is there.
wait_until 40 "resultsReady was not published" grep -q 'resultsReady' "$W/watch.log"
grep -q 'resultsReady' "$EVENTS/$CID.jsonl" && fail "event stored although no manager ran"
simple_run
expect_ok
grep -q 'resuming' "$W/run.out" || fail "the second manager did not resume"
grep -q 'manifest .* accepted' "$W/run.out" && fail "manifest sent twice"
grep -q 'uploaded' "$W/run.out" && fail "an item was uploaded twice"
[ "$(zip_file "$W/results.zip" r.txt)" = done ] || fail "results wrong"
[ "$(wc -l <"$W/runs")" -eq 1 ] || fail "the algorithm ran more than once"
after=$(wc -l <"$EVENTS/$CID.jsonl")
[ "$after" -gt "$before" ] || fail "no event replayed"
grep -q '"state":"resultsReady"' "$EVENTS/$CID.jsonl" || fail "resultsReady not replayed"
check_event_log "$CID"
pass "manager restart: $before events before, $after after, each seq once"
