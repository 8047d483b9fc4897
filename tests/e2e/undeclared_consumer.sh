#!/usr/bin/env bash
# The computation runs, but the key presented for the results is not a declared consumer:
# not_consumer, no result file, the manager exits non-zero.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-consumer 'echo ok >"$RESULTS_DIR/r.txt"'
keys intruder
start_agent e2e-consumer
run_manager --agent "$CID" --manifest "$W/manifest.json" --algorithm "$W/algo.sh" \
  --algorithm-sig "$W/algo.sig" --dataset "$W/numbers.txt:$W/numbers.sig" \
  --consumer-key "$W/keys/intruder.pem" --results "$W/results.zip"
expect_failure 'not_consumer'
[ ! -e "$W/results.zip" ] || fail "results handed to an undeclared consumer"
ls "$W"/.results.zip.part-* >/dev/null 2>&1 && fail "partial result file left behind"
pass "undeclared consumer refused"
