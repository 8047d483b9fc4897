#!/usr/bin/env bash
# A directory dataset: declared by the SHA3-256 of its deterministic zip (cocos-manager
# checksum DIR), uploaded as that zip, unpacked by the agent (decompress: true).
source "$(dirname "$0")/lib.sh"
keys algo data consumer
cid=e2e-zip
mkdir -p "$W/records/sub"
printf 'alpha\n' >"$W/records/a.txt"
printf 'beta\n' >"$W/records/sub/b.txt"
cat >"$W/algo.sh" <<'SH'
#!/bin/sh
set -e
cd "$DATASETS_DIR"
find . -type f | sort >"$RESULTS_DIR/files.txt"
cat a.txt sub/b.txt >"$RESULTS_DIR/content.txt"
SH
chmod +x "$W/algo.sh"
manifest "$W/manifest.json" $cid bin "$W/algo.sh" algo consumer -- "$W/records:data:decompress"
sign algo $cid algorithm "$W/algo.sh" "$W/algo.sig"
sign data $cid dataset "$W/records" "$W/records.sig" 0
start_agent $cid
run_manager --agent $cid --manifest "$W/manifest.json" --algorithm "$W/algo.sh" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/records:$W/records.sig" --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_ok
[ "$(zip_file "$W/results.zip" files.txt)" = "$(printf './a.txt\n./sub/b.txt')" ] || fail "files: $(zip_file "$W/results.zip" files.txt)"
[ "$(zip_file "$W/results.zip" content.txt)" = "$(printf 'alpha\nbeta')" ] || fail "content wrong"
pass "zipped directory dataset unpacked"
