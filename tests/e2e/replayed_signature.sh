#!/usr/bin/env bash
# The right provider's signature over the right file, but made for ANOTHER computation: the
# statement binds the computation id, so the agent refuses it (bad_signature).
source "$(dirname "$0")/lib.sh"
simple_bin e2e-replay 'echo never runs'
sign algo other-computation algorithm "$W/algo.sh" "$W/algo.sig"
start_agent e2e-replay
simple_run
expect_failure 'bad_signature'
expect_failure 'algorithm'
pass "replayed signature refused"
