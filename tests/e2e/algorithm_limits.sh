#!/usr/bin/env bash
# The operator's limits reach the algorithm (--run-memory-max, --run-file-size-max): it sees
# them, it is the OOM killer's first pick, and a write past the file-size limit fails the
# computation with a reason that names the limit.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-limits 'echo "as $(ulimit -v) KiB, fsize $(ulimit -f) blocks, oom_score_adj $(cat /proc/self/oom_score_adj)"
exec head -c 1000000 /dev/zero > "$RESULTS_DIR/big"'
start_agent e2e-limits --run-memory-max 256M --run-file-size-max 64K
simple_run
expect_failure 'computation_failed'
expect_failure 'file size limit reached'
grep -q 'as 262144 KiB, fsize 128 blocks, oom_score_adj 1000' "$W/run.out" "$W/run.err" \
  "$EVENTS/e2e-limits.jsonl" 2>/dev/null || fail "the algorithm did not report its limits: $(cat "$W/run.err")"
check_event_log e2e-limits
pass "limits applied, the violation reported"
