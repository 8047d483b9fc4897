#!/usr/bin/env bash
# Soak with chaos: SOAK_N computations (default 12; the issue's figure is 200, run by hand:
# SOAK_N=200 ctest -R reliability_soak, or bash soak.sh with the COCOS_* variables) run back to
# back through one agent and a `cocos-manager run` per computation, while a chaos loop SIGKILLs
# the agent or the running manager at random moments (SOAK_SEED makes the sequence repeatable).
# A supervisor restarts the agent; a killed manager is simply run again with the same
# arguments (it resumes). Afterwards:
#   * every computation ended `complete` or `failed` with a reason (its last event in the log);
#   * the manager's event log holds every event of the agent exactly once, seq 1..N in order,
#     and N is the agent's own last seq (nothing missing at the tail);
#   * no staged (partial upload) file is left in the agent's work directory.
# Prints the counts: kills of each program, computations by outcome, events.
source "$(dirname "$0")/../e2e/lib.sh"
N=${SOAK_N:-12}
SEED=${SOAK_SEED:-$RANDOM}
RANDOM=$SEED
ID=soak-agent
keys algo data consumer
cat >"$W/algo.sh" <<'ALGO'
#!/bin/sh
# Sums the numbers of every dataset; takes a moment so that kills land in every phase.
cat "$DATASETS_DIR"/* | awk '{s += $1} END {print s}' > "$RESULTS_DIR/sum.txt"
sleep 0.$(( $(date +%N) % 5 ))
ALGO
chmod +x "$W/algo.sh"
# A dataset of ~512 KiB so that uploads take several credit rounds (kills land mid-upload).
seq 1 100000 >"$W/numbers.txt"
head -c 200000 /dev/urandom | od -An -tu1 | tr -s ' ' '\n' | grep . >"$W/noise.txt"
expected=$(cat "$W/numbers.txt" "$W/noise.txt" | awk '{s += $1} END {print s}')

touch "$W/agent.kills" "$W/manager.kills"
# Supervisor: restarts the agent whenever it dies, until told to stop.
cat >"$W/supervise.sh" <<SUP
while [ ! -e "$W/stop" ]; do
  "$COCOS_AGENT" --agent-id $ID --manager "$BUS" --work-dir "$W/agent" --snp-mode off \
    --heartbeat 1 --default-timeout 60 --chunk-size 16384 --upload-credits 4 \
    --log-level info >>"$W/agent.log" 2>&1 &
  echo \$! >"$W/agent.pid"
  wait \$!
done
SUP
bg supervisor bash "$W/supervise.sh"
SUP_PID=$BG_PID
wait_until 20 "the agent did not start" test -s "$W/agent.pid"

# Chaos: every 0.5-3.5 s kills the agent or the running manager (SIGKILL), while not told to stop.
cat >"$W/chaos.sh" <<CHAOS
RANDOM=$SEED
while [ ! -e "$W/stop" ]; do
  sleep \$(( RANDOM % 3 )).\$(( RANDOM % 10 + 5 ))
  [ -e "$W/stop" ] && break
  if [ \$(( RANDOM % 2 )) -eq 0 ]; then
    p=\$(cat "$W/agent.pid" 2>/dev/null) && kill -KILL "\$p" 2>/dev/null && echo k >>"$W/agent.kills"
  else
    p=\$(cat "$W/manager.pid" 2>/dev/null) && kill -KILL "\$p" 2>/dev/null && echo k >>"$W/manager.kills"
  fi
done
CHAOS
bg chaos bash "$W/chaos.sh"

complete=0 failed=0 attempts_total=0
for i in $(seq 1 "$N"); do
  cid=soak-$i
  manifest "$W/m-$i.json" "$cid" bin "$W/algo.sh" algo consumer --timeout 30 -- \
    "$W/numbers.txt:data" "$W/noise.txt:data"
  sign algo "$cid" algorithm "$W/algo.sh" "$W/a-$i.sig"
  sign data "$cid" dataset "$W/numbers.txt" "$W/d0-$i.sig" 0
  sign data "$cid" dataset "$W/noise.txt" "$W/d1-$i.sig" 1
  outcome=
  for attempt in $(seq 1 25); do
    attempts_total=$((attempts_total + 1))
    # Created here: chaos may kill the forked shell before it opens its redirections.
    : >"$W/run-$i.err"
    set +e
    "$M" run --bind "$BUS" --events-log "$EVENTS" --timeout 40 --agent "$ID" \
      --manifest "$W/m-$i.json" --algorithm "$W/algo.sh" --algorithm-sig "$W/a-$i.sig" \
      --dataset "$W/numbers.txt:$W/d0-$i.sig" --dataset "$W/noise.txt:$W/d1-$i.sig" \
      --consumer-key "$W/keys/consumer.pem" --results "$W/r-$i.zip" \
      >>"$W/run.log" 2>"$W/run-$i.err" &
    echo $! >"$W/manager.pid"
    wait $! 2>/dev/null
    rc=$?
    set -e
    rm -f "$W/manager.pid"
    cat "$W/run-$i.err" >>"$W/run.log" || true
    if [ $rc -eq 0 ]; then
      outcome=complete
      break
    fi
    # A failed computation is an outcome (the agent's reason is on stderr); anything else (the
    # manager or the agent was killed, a session timed out) is retried: `run` resumes.
    if grep -q 'computation_failed' "$W/run-$i.err"; then
      outcome=failed
      break
    fi
  done
  case $outcome in
    complete)
      [ "$(zip_file "$W/r-$i.zip" sum.txt)" = "$expected" ] || fail "$cid: wrong result"
      complete=$((complete + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    *)
      echo "SOAK: stopped at $cid: complete=$complete failed=$failed kills: agent=$(wc -l <"$W/agent.kills") manager=$(wc -l <"$W/manager.kills")"
      fail "$cid: no outcome after 25 attempts: $(tail -5 "$W/run-$i.err")" ;;
  esac
done
touch "$W/stop"
kill -KILL "$(cat "$W/agent.pid")" 2>/dev/null || true
wait_until 30 "the supervisor did not stop" bash -c "! kill -0 $SUP_PID 2>/dev/null"

# One last agent run and manager session, with no chaos, so that every journaled event reaches
# the log (the agent replays what the manager has not acknowledged after hello).
start_agent "$ID"
set +e
"$M" state --bind "$BUS" --agent "$ID" --timeout 40 --events-log "$EVENTS" >"$W/final.out" 2>"$W/final.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "final state failed: $(cat "$W/final.err")"
last_seq=$(awk '/event seq:/ {print $3}' "$W/final.out")
# The replay after hello may still be in flight when `state` returns: wait for the log to reach
# the agent's seq (a condition, bounded).
wait_until 30 "the event log did not reach seq $last_seq" \
  python3 -c 'import json,sys; l=open(sys.argv[1]).read().splitlines(); sys.exit(0 if l and json.loads(l[-1])["seq"] >= int(sys.argv[2]) else 1)' \
  "$EVENTS/$ID.jsonl" "$last_seq"
"$M" state --bind "$BUS" --agent "$ID" --timeout 40 --events-log "$EVENTS" >/dev/null 2>&1 || true

python3 - "$EVENTS/$ID.jsonl" "$N" "$last_seq" >"$W/verdict.txt" <<'PY' || { cat "$W/verdict.txt"; fail "event log check"; }
import json, sys
path, n, last_seq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
events = [json.loads(l) for l in open(path)]
seqs = [e["seq"] for e in events]
ok = True
if seqs != list(range(1, len(seqs) + 1)):
    dups = len(seqs) - len(set(seqs))
    print(f"seq not 1..N once each in order: {len(seqs)} events, {dups} duplicates")
    ok = False
if seqs and seqs[-1] != last_seq:
    print(f"log ends at seq {seqs[-1]}, the agent is at {last_seq}")
    ok = False
last = {}
for e in events:
    if e["computation_id"]:
        last[e["computation_id"]] = e
outcomes = {"complete": 0, "failed": 0}
for i in range(1, n + 1):
    cid = f"soak-{i}"
    e = last.get(cid)
    if e is None:
        print(f"{cid}: no event"); ok = False; continue
    # A computation may be followed by the next one's reset; its own last lifecycle event is
    # what counts: complete, or failed with a reason.
    if e["state"] == "complete":
        outcomes["complete"] += 1
    elif e["state"] == "failed" and e["details"].get("reason"):
        outcomes["failed"] += 1
    else:
        print(f"{cid}: last event {e['state']}/{e['status']} {e['details']}"); ok = False
print(f"events={len(seqs)} complete={outcomes['complete']} failed={outcomes['failed']}")
sys.exit(0 if ok else 1)
PY
cat "$W/verdict.txt"
staged=$(find "$W/agent/computations" -path '*/staging/*' -type f 2>/dev/null | wc -l)
[ "$staged" -eq 0 ] || fail "staged files left behind: $(find "$W/agent/computations" -path '*/staging/*' -type f)"
# A manager killed while receiving results leaves its hidden .part file (the next run uses a
# new one); counted and reported, not a failure of the agent.
leftover=$(find "$W" -maxdepth 1 -name '.r-*.part-*' | wc -l)
akills=$(wc -l <"$W/agent.kills")
mkills=$(wc -l <"$W/manager.kills")
echo "SOAK: seed=$SEED computations=$N complete=$complete failed=$failed manager_runs=$attempts_total" \
  "kills: agent=$akills manager=$mkills; $(tail -1 "$W/verdict.txt"); manager temp files left=$leftover"
pass "soak"
