#!/usr/bin/env bash
# Least privilege: with --algorithm-uid the algorithm runs as an unprivileged user (no new
# privileges, its own process group, rlimits: runner library). It can read its own dataset (but
# not change it) and write its results, but not the agent's CURVE secret key, state.json or
# event journal.
# The algorithm itself reports what it could read; the test checks the report.
source "$(dirname "$0")/../e2e/lib.sh"
: "${COCOS_CURVE_KEYGEN:?}"
[ "$(id -u)" -eq 0 ] || skip "needs root to switch the algorithm to another uid"
NOBODY=65534
chmod 711 "$W"   # mktemp made it 0700; the algorithm's user must be able to traverse it
K=$W/curve
mkdir -p "$K"
for k in mgr agent; do "$COCOS_CURVE_KEYGEN" "$K/$k" >/dev/null; done
simple_bin least-priv '
r="$RESULTS_DIR/report.txt"
try() { if cat "$2" >/dev/null 2>&1; then echo "$1 READ"; else echo "$1 denied"; fi >>"$r"; }
try curve_secret "$1"
try state "$2"
try journal "$3"
try dataset "$DATASETS_DIR/numbers.txt"
if ls "$4" >/dev/null 2>&1; then echo "work_dir listed" >>"$r"; else echo "work_dir denied" >>"$r"; fi
# Its inputs are read-only to it: no overwrite, no new file, no chmod back (not the owner).
if ( : >"$DATASETS_DIR/numbers.txt" ) 2>/dev/null; then echo "dataset WRITTEN" >>"$r"; else echo "dataset write denied" >>"$r"; fi
if ( : >"$DATASETS_DIR/new.txt" ) 2>/dev/null; then echo "dataset dir WRITTEN" >>"$r"; else echo "dataset dir write denied" >>"$r"; fi
if chmod u+w "$DATASETS_DIR/numbers.txt" 2>/dev/null; then echo "dataset CHMOD" >>"$r"; else echo "dataset chmod denied" >>"$r"; fi
echo "uid $(id -u)" >>"$r"' --args "[\"$K/agent.key\", \"$W/agent/state.json\", \"$W/agent/events/journal\", \"$W/agent\"]"
start_agent least-priv --algorithm-uid $NOBODY --curve-key "$K/agent" --curve-manager-key "$K/mgr.pub"
simple_run --curve-key "$K/mgr" --curve-agent-key "$K/agent.pub"
expect_ok
report=$(zip_file "$W/results.zip" report.txt)
echo "$report" | sed 's/^/  algorithm| /'
grep -qx "uid $NOBODY" <<<"$report" || fail "the algorithm did not run as uid $NOBODY"
grep -qx "dataset READ" <<<"$report" || fail "the algorithm could not read its own dataset"
grep -qx "curve_secret denied" <<<"$report" || fail "the algorithm read the agent's CURVE secret key"
grep -qx "state denied" <<<"$report" || fail "the algorithm read the agent's state.json"
grep -qx "journal denied" <<<"$report" || fail "the algorithm read the agent's event journal"
grep -qx "dataset write denied" <<<"$report" || fail "the algorithm overwrote its dataset"
grep -qx "dataset dir write denied" <<<"$report" || fail "the algorithm created a file among its datasets"
grep -qx "dataset chmod denied" <<<"$report" || fail "the algorithm changed its dataset's mode"
pass "least privilege: algorithm as uid $NOBODY read its dataset (read-only), not the agent's key, state or journal"
