#!/usr/bin/env bash
# A dataset signed by the wrong key (another provider's, not the one the manifest declares for
# that dataset): bad_signature, the manager exits non-zero.
source "$(dirname "$0")/lib.sh"
simple_bin e2e-sig 'echo never runs'
sign algo "$CID" dataset "$W/numbers.txt" "$W/numbers.sig" 0   # algo provider, not "data"
start_agent e2e-sig
simple_run
expect_failure 'bad_signature'
expect_failure 'dataset 0'
pass "wrong signature refused"
