#!/usr/bin/env bash
# A python algorithm without requirements: the demo's statistics script over two CSV datasets
# from two providers.
source "$(dirname "$0")/lib.sh"
keys algo hosp-a hosp-b consumer
cid=e2e-python
S=$COCOS_SOURCE_DIR/compose/sample
cp "$S/stats.py" "$S/hospital-a.csv" "$S/hospital-b.csv" "$W/"
manifest "$W/manifest.json" $cid python "$W/stats.py" algo consumer -- \
  "$W/hospital-a.csv:hosp-a" "$W/hospital-b.csv:hosp-b"
sign algo $cid algorithm "$W/stats.py" "$W/stats.sig"
sign hosp-a $cid dataset "$W/hospital-a.csv" "$W/a.sig" 0
sign hosp-b $cid dataset "$W/hospital-b.csv" "$W/b.sig" 1
start_agent $cid
run_manager --agent $cid --manifest "$W/manifest.json" --algorithm "$W/stats.py" --algorithm-sig "$W/stats.sig" \
  --dataset "$W/hospital-b.csv:$W/b.sig" --dataset "$W/hospital-a.csv:$W/a.sig" \
  --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_ok
zip_file "$W/results.zip" stats.json >"$W/stats.json"
python3 - "$W/stats.json" <<'PY' || fail "wrong statistics"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["datasets"] == ["hospital-a.csv", "hospital-b.csv"], s["datasets"]
age = s["combined"]["age"]
assert age["count"] == 14 and age["min"] == 28 and age["max"] == 71, age
assert abs(age["mean"] - 47.3571) < 1e-3, age
PY
grep -q '\[stdout\] hospital-a.csv: 8 rows' "$W/run.out" || fail "algorithm output not shown"
check_event_log $cid
pass "python run"
