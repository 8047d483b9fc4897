#!/usr/bin/env bash
# A wasm algorithm (WASI preview1, built here from algo.wat with wat2wasm) run by the agent's
# WASI runtime (node): it reads its dataset through the /cocos/datasets preopen and writes its
# result through /cocos/results.
source "$(dirname "$0")/lib.sh"
keys algo data consumer
cid=e2e-wasm
wat2wasm "$(dirname "$0")/algo.wat" -o "$W/algo.wasm"
printf 'forty-two\n' >"$W/in.txt"
manifest "$W/manifest.json" $cid wasm "$W/algo.wasm" algo consumer -- "$W/in.txt:data"
sign algo $cid algorithm "$W/algo.wasm" "$W/algo.sig"
sign data $cid dataset "$W/in.txt" "$W/in.sig" 0
start_agent $cid ${COCOS_E2E_WASM_FLAGS:-}
run_manager --agent $cid --manifest "$W/manifest.json" --algorithm "$W/algo.wasm" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/in.txt:$W/in.sig" --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_ok
[ "$(zip_file "$W/results.zip" out.txt)" = "wasm saw: forty-two" ] || fail "out.txt: $(zip_file "$W/results.zip" out.txt)"
grep -q '\[stdout\] hello from wasm' "$W/run.out" || fail "wasm stdout not shown"
pass "wasm run"
