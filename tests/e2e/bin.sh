#!/usr/bin/env bash
# A bin algorithm (a shell script executed directly) with arguments and one dataset: results
# come back, stdout/stderr lines are shown, the event log holds every seq once.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-bin '
set -e
echo "bin algorithm: args $*"
wc -l <"$DATASETS_DIR/numbers.txt" | tr -d " " >"$RESULTS_DIR/lines.txt"
echo "$1-$2" >"$RESULTS_DIR/args.txt"
echo "note on stderr" >&2' --args '["x","y"]'
start_agent e2e-bin
simple_run
expect_ok
[ "$(zip_file "$W/results.zip" lines.txt)" = 3 ] || fail "lines.txt: $(zip_file "$W/results.zip" lines.txt)"
[ "$(zip_file "$W/results.zip" args.txt)" = x-y ] || fail "args.txt wrong"
grep -q '\[stdout\] bin algorithm: args x y' "$W/run.out" || fail "stdout line not shown"
grep -q '\[stderr\] note on stderr' "$W/run.out" || fail "stderr line not shown"
grep -q 'computation e2e-bin complete' "$W/run.out" || fail "no completion"
grep -q 'resultsReady' "$EVENTS/e2e-bin.jsonl" || fail "no resultsReady event stored"
check_event_log e2e-bin
pass "bin run"
