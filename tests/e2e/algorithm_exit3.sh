#!/usr/bin/env bash
# An algorithm that exits 3: the computation fails and cocos-manager run exits non-zero naming
# the agent's reason (the exit code).
source "$(dirname "$0")/lib.sh"
simple_bin e2e-exit3 'echo "about to fail"; exit 3'
start_agent e2e-exit3
simple_run
expect_failure 'computation_failed'
expect_failure '3'
grep -q '"state":"failed"' "$EVENTS/e2e-exit3.jsonl" || fail "failed event not stored"
[ ! -e "$W/results.zip" ] || fail "results written for a failed computation"
check_event_log e2e-exit3
pass "exit 3 reported"
