#!/usr/bin/env bash
# A VLEK-signed report end to end: the agent's simulated SEV-SNP signs as a cloud provider's
# hosts do (--snp-sim-signer vlek: SIGNING_KEY 1, ARK -> ASVK -> VLEK), `cocos-manager attest`
# fetches the evidence, and `cocos-verifier evidence` accepts it through the ASVK with the
# simulated ARK as trust root and the IGVM's MEASUREMENT as policy; the bare report fails
# without the VLEK certificate.
source "$(dirname "$0")/lib.sh"
[ -n "${COCOS_VERIFIER:-}" ] || skip "cocos-verifier not built"
python3 "$COCOS_SOURCE_DIR/compose/sample/make-igvm.py" "$W/guest.igvm" >/dev/null
measurement=$("$COCOS_VERIFIER" measure --igvm "$W/guest.igvm")
printf '{"format": "cocos-verifier/policy/v1", "product": "milan", "snp": {"measurement": "%s"}}\n' \
  "$measurement" >"$W/policy.json"

ID=vlek-agent
# Not start_agent: it passes --snp-mode off.
bg agent "$COCOS_AGENT" --agent-id "$ID" --manager "$BUS" --pub-bind "$PUB" --work-dir "$W/agent" \
  --heartbeat 1 --snp-mode simulated --snp-sim-dir "$W/sim" --snp-sim-signer vlek \
  --igvm "$W/guest.igvm"
wait_until 20 "cocos-agent did not start" test -S "$W/pub.sock"
wait_until 60 "the simulated VLEK chain was not generated" test -s "$W/sim/vlek.pem"
"$M" attest --bind "$BUS" --agent "$ID" --timeout 60 --events-log "$EVENTS" --type snp \
  --out "$W/evidence.msgpack" >"$W/attest.out" 2>"$W/attest.err" ||
  fail "attest failed: $(cat "$W/attest.err")"
grep -q SIMULATED "$W/attest.out" || fail "the simulated platform is not labelled: $(cat "$W/attest.out")"

set +e
"$COCOS_VERIFIER" evidence "$W/evidence.msgpack" --trust-root "$W/sim/ark.pem" \
  --policy "$W/policy.json" >"$W/verdict.txt" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || fail "VLEK evidence rejected (rc $rc): $(cat "$W/verdict.txt")"
grep -q "signature by the VLEK" "$W/verdict.txt" || fail "not checked as a VLEK: $(cat "$W/verdict.txt")"
grep -q "SEV-VLEK-Milan" "$W/verdict.txt" || fail "the ASVK is not the intermediate: $(cat "$W/verdict.txt")"
pass "VLEK-signed evidence verified through the ASVK"

# The bare report with the simulator's certificate folder verifies; without the VLEK it cannot
# (the ASVK and ARK alone do not sign reports).
python3 - "$W/evidence.msgpack" "$W/report.bin" <<'PY'
import sys
# msgpack: find the snp_report bin (1184 bytes, bin 16: c5 04 a0) without a msgpack module.
data = open(sys.argv[1], 'rb').read()
at = data.find(b'\xc5\x04\xa0')
assert at >= 0, 'no 1184-byte report in the evidence'
open(sys.argv[2], 'wb').write(data[at + 3:at + 3 + 1184])
PY
set +e
"$COCOS_VERIFIER" snp --report "$W/report.bin" --certs "$W/sim" --trust-root "$W/sim/ark.pem" \
  >"$W/with-vlek.txt" 2>&1
rc_vlek=$?
rm -f "$W/sim/vlek.pem"
"$COCOS_VERIFIER" snp --report "$W/report.bin" --certs "$W/sim" --trust-root "$W/sim/ark.pem" \
  >"$W/without-vlek.txt" 2>&1
rc_none=$?
set -e
[ $rc_vlek -eq 0 ] || fail "the report with the simulator's own certificates failed: $(cat "$W/with-vlek.txt")"
[ $rc_none -eq 1 ] || fail "the report verified without its VLEK (rc $rc_none): $(cat "$W/without-vlek.txt")"
pass "without the VLEK the report does not verify"
