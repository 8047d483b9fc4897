#!/usr/bin/env bash
# An algorithm that hangs past the manifest's timeout_s: killed, the computation fails with a
# timeout reason, and the manager says so.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-timeout 'echo "hanging"; exec sleep 301' --timeout 2
start_agent e2e-timeout
simple_run
expect_failure 'computation_failed'
expect_failure 'time'
pgrep -f "^sleep 301$" >/dev/null && fail "the algorithm is still running"
check_event_log e2e-timeout
pass "timeout reported"
