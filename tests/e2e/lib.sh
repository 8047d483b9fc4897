# tests/e2e/lib.sh: shared helpers of the end-to-end tests (sourced, not run).
# Each test runs the real cocos-agent and cocos-manager as processes, in a private temp dir,
# over ipc:// endpoints inside it (no ports to clash under ctest -j), and kills every process
# group it started when it exits, however it exits.
#
# Environment (set by tests/e2e/CMakeLists.txt): COCOS_MANAGER, COCOS_AGENT, COCOS_SOURCE_DIR.
# Exit codes: 0 pass, 1 fail, 77 skipped (ctest SKIP_RETURN_CODE) with the reason printed.
set -euo pipefail

: "${COCOS_MANAGER:?}" "${COCOS_AGENT:?}" "${COCOS_SOURCE_DIR:?}"
M=$COCOS_MANAGER
W=$(mktemp -d "${TMPDIR:-/tmp}/cocos-e2e.XXXXXX")
BUS="ipc://$W/bus.sock"
PUB="ipc://$W/pub.sock"
EVENTS="$W/events"
_pgids=()

_cleanup() {
  local rc=$?
  for g in "${_pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${_pgids[@]}"; do
    for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    for f in "$W"/*.log; do
      [ -f "$f" ] || continue
      echo "--- $(basename "$f") (last 40 lines)"
      tail -n 40 "$f"
    done
  fi
  if [ "${COCOS_E2E_KEEP:-0}" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
  exit $rc
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "PASS: $*"; }

# bg NAME CMD...: runs CMD in its own process group, output in $W/NAME.log; sets BG_PID.
bg() {
  local name=$1
  shift
  setsid "$@" >"$W/$name.log" 2>&1 &
  BG_PID=$!
  _pgids+=("$BG_PID")
}

# wait_until SECONDS WHAT CMD...: polls CMD (a condition, not a timing assertion).
wait_until() {
  local secs=$1 what=$2
  shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || fail "$what (waited ${secs}s)"
    sleep 0.05
  done
}

# keys WHO...: ecdsa key pairs $W/keys/WHO.pem / WHO.pub.pem
keys() {
  mkdir -p "$W/keys"
  local who
  for who in "$@"; do "$M" keys --type ecdsa --out "$W/keys/$who" >/dev/null; done
}

sum() { "$M" checksum "$1"; }

# manifest OUT CID ALGO_TYPE ALGO_FILE ALGO_KEY CONSUMER_KEY [options] [-- dataset specs...]
#   options: --args JSON_LIST, --requirements FILE, --timeout S, --consumers "k1 k2", --policy P
#   dataset spec: PATH:KEYNAME[:decompress]   (filename = PATH's base name)
manifest() {
  local out=$1 cid=$2 type=$3 algo=$4 akey=$5 ckey=$6
  shift 6
  local args='[]' req='' timeout='' policy='' consumers="$ckey"
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
      --args) args=$2 ;;
      --requirements) req=$(sum "$2") ;;
      --timeout) timeout=$2 ;;
      --consumers) consumers=$2 ;;
      --policy) policy=$2 ;;
      *) fail "manifest: unknown option $1" ;;
    esac
    shift 2
  done
  [ $# -gt 0 ] && shift
  local ds=()
  local spec path key dec
  for spec in "$@"; do
    IFS=: read -r path key dec <<<"$spec"
    ds+=("$(sum "$path")|$W/keys/$key.pub.pem|$(basename "$path")|${dec:-}")
  done
  python3 - "$out" "$cid" "$type" "$(sum "$algo")" "$W/keys/$akey.pub.pem" "$args" "$req" \
    "$timeout" "$policy" "$W/keys" "$consumers" "${ds[@]}" <<'PY'
import json, sys
out, cid, typ, ahash, akey, args, req, timeout, policy, keydir, consumers, *ds = sys.argv[1:]
pem = lambda p: open(p).read()
m = {"id": cid, "name": "e2e " + cid,
     "algorithm": {"hash": ahash, "userKey": pem(akey), "algo_type": typ, "algo_args": json.loads(args)},
     "datasets": [], "result_consumers": [{"userKey": pem(f"{keydir}/{c}.pub.pem")} for c in consumers.split()]}
if req: m["algorithm"]["requirements_hash"] = req
if timeout: m["timeout_s"] = int(timeout)
if policy: m["consume_policy"] = policy
for d in ds:
    h, k, name, dec = d.split("|")
    m["datasets"].append({"hash": h, "userKey": pem(k), "filename": name, "decompress": dec == "decompress"})
json.dump(m, open(out, "w"), indent=1)
PY
}

# sign KEYNAME CID ITEM FILE OUT [INDEX]
sign() {
  local key=$1 cid=$2 item=$3 file=$4 out=$5 index=${6:-0}
  if [ "$item" = dataset ]; then
    "$M" sign --key "$W/keys/$key.pem" --computation "$cid" --item dataset --index "$index" "$file" --out "$out" >/dev/null
  else
    "$M" sign --key "$W/keys/$key.pem" --computation "$cid" --item "$item" "$file" --out "$out" >/dev/null
  fi
}

# start_agent ID [extra cocos-agent flags...]: starts the agent and waits until its PUB exists.
start_agent() {
  local id=$1
  shift
  bg agent "$COCOS_AGENT" --agent-id "$id" --manager "$BUS" --pub-bind "$PUB" \
    --work-dir "$W/agent" --snp-mode off --heartbeat 1 --default-timeout 60 "$@"
  AGENT_PID=$BG_PID
  wait_until 20 "cocos-agent did not start" test -S "$W/pub.sock"
}

# run_manager [run options...]: cocos-manager run with the bus, events dir and a timeout;
# stdout in $W/run.out, stderr in $W/run.err, exit code in RUN_RC (never fails by itself).
run_manager() {
  set +e
  "$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 75 "$@" >"$W/run.out" 2>"$W/run.err"
  RUN_RC=$?
  set -e
  sed 's/^/  run| /' "$W/run.out"
  sed 's/^/  run! /' "$W/run.err"
}

expect_ok() { [ "$RUN_RC" -eq 0 ] || fail "cocos-manager run exited $RUN_RC: $(cat "$W/run.err")"; }
# expect_failure PATTERN: run failed (non-zero) and stderr names the reason.
expect_failure() {
  [ "$RUN_RC" -ne 0 ] || fail "cocos-manager run succeeded, expected a failure matching '$1'"
  grep -qE -- "$1" "$W/run.err" || fail "stderr does not match '$1': $(cat "$W/run.err")"
}
# zip_file ZIP NAME: prints one member of the results zip.
zip_file() { python3 -c 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"; }
# event log checks: every seq exactly once, increasing by one from 1.
check_event_log() {
  local log="$EVENTS/$1.jsonl"
  [ -s "$log" ] || fail "no event log at $log"
  python3 - "$log" <<'PY' || fail "event log $log is not 1..N each once"
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1])]
sys.exit(0 if seqs == list(range(1, len(seqs) + 1)) else 1)
PY
}

# simple_bin CID BODY [manifest options...]: the common setup of the bin tests. Writes
# $W/algo.sh (#!/bin/sh + BODY), one dataset $W/numbers.txt (provider "data"), keys algo/data/
# consumer, the manifest and both signatures. Then `simple_run [extra run options]` runs it.
simple_bin() {
  local cid=$1 body=$2
  shift 2
  CID=$cid
  keys algo data consumer
  printf '#!/bin/sh\n%s\n' "$body" >"$W/algo.sh"
  chmod +x "$W/algo.sh"
  printf '1\n2\n3\n' >"$W/numbers.txt"
  manifest "$W/manifest.json" "$cid" bin "$W/algo.sh" algo consumer "$@" -- "$W/numbers.txt:data"
  sign algo "$cid" algorithm "$W/algo.sh" "$W/algo.sig"
  sign data "$cid" dataset "$W/numbers.txt" "$W/numbers.sig" 0
}
simple_run() {
  run_manager --agent "$CID" --manifest "$W/manifest.json" --algorithm "$W/algo.sh" \
    --algorithm-sig "$W/algo.sig" --dataset "$W/numbers.txt:$W/numbers.sig" \
    --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip" "$@"
}
