#!/usr/bin/env bash
# The uploaded algorithm is not the one the manifest declares (correctly signed by the provider,
# but a different file): the agent refuses it with hash_mismatch and the manager exits non-zero.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-hash 'echo declared'
printf '#!/bin/sh\necho substituted\n' >"$W/other.sh"
sign algo "$CID" algorithm "$W/other.sh" "$W/other.sig"
start_agent e2e-hash
run_manager --agent "$CID" --manifest "$W/manifest.json" --algorithm "$W/other.sh" \
  --algorithm-sig "$W/other.sig" --dataset "$W/numbers.txt:$W/numbers.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_failure 'hash_mismatch'
expect_failure 'algorithm'
pass "wrong hash refused"
