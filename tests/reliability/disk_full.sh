#!/usr/bin/env bash
# Disk full during an upload: the agent's work directory is a 3 MiB tmpfs and a provider uploads
# an 8 MiB dataset. The run must fail with the stable code no_space (a clear error), the partial
# file must be gone (nothing in staging/, the space is free again), and the agent must still be
# alive and serving: `state` answers, and after `stop` a small computation runs to completion on
# the same (recovered) disk. Skipped (77) where tmpfs cannot be mounted.
source "$(dirname "$0")/../e2e/lib.sh"
mkdir -p "$W/agent"
mount -t tmpfs -o size=3m cocos-disk-full "$W/agent" 2>/dev/null || skip "cannot mount a tmpfs here"
# Unmount before lib.sh removes $W (lazy: the agent may still be exiting).
trap 'rc=$?; for g in "${_pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done; wait 2>/dev/null; umount -l "$W/agent" 2>/dev/null; (exit $rc); _cleanup' EXIT

keys algo data consumer
printf '#!/bin/sh\ncat "$DATASETS_DIR"/* | wc -c > "$RESULTS_DIR/size.txt"\n' >"$W/algo.sh"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$W/big.bin"
manifest "$W/big.json" full-1 bin "$W/algo.sh" algo consumer -- "$W/big.bin:data"
sign algo full-1 algorithm "$W/algo.sh" "$W/algo-1.sig"
sign data full-1 dataset "$W/big.bin" "$W/big.sig" 0

start_agent disk-full-agent --chunk-size 65536 --upload-credits 8
run_manager --agent disk-full-agent --manifest "$W/big.json" --algorithm "$W/algo.sh" \
  --algorithm-sig "$W/algo-1.sig" --dataset "$W/big.bin:$W/big.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results-1.zip"
expect_failure 'no_space'
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died on a full disk"
left=$(find "$W/agent/computations" -path '*/staging/*' -type f 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || fail "partial upload left behind: $(find "$W/agent/computations" -path '*/staging/*' -type f -exec ls -l {} +)"
used=$(du -sk "$W/agent" | cut -f1)
[ "$used" -lt 1024 ] || fail "the full disk was not freed (${used} KiB used)"

set +e
"$M" state --bind "$BUS" --agent disk-full-agent --timeout 30 --events-log "$EVENTS" >"$W/state.out" 2>"$W/state.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "state after the full disk failed: $(cat "$W/state.err")"
grep -q 'state: *receivingData' "$W/state.out" || fail "unexpected state: $(cat "$W/state.out")"
grep -q 'pending, 0 bytes' "$W/state.out" || fail "the dataset slot is not empty and open: $(cat "$W/state.out")"

"$M" stop --bind "$BUS" --agent disk-full-agent --timeout 30 --events-log "$EVENTS" >/dev/null 2>"$W/stop.err" ||
  fail "stop failed: $(cat "$W/stop.err")"
printf '1\n2\n3\n' >"$W/small.txt"
manifest "$W/small.json" full-2 bin "$W/algo.sh" algo consumer -- "$W/small.txt:data"
sign algo full-2 algorithm "$W/algo.sh" "$W/algo-2.sig"
sign data full-2 dataset "$W/small.txt" "$W/small.sig" 0
run_manager --agent disk-full-agent --manifest "$W/small.json" --algorithm "$W/algo.sh" \
  --algorithm-sig "$W/algo-2.sig" --dataset "$W/small.txt:$W/small.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results-2.zip"
expect_ok
[ "$(zip_file "$W/results-2.zip" size.txt | tr -d ' ')" = 6 ] || fail "results wrong"
check_event_log disk-full-agent
pass "disk full: no_space, partial removed (${used} KiB used after), agent kept serving and ran the next computation"
