#!/usr/bin/env bash
# The attested bus key: `cocos-manager attest --verify` fetches SNP evidence with bind_bus_key
# from an agent (simulated SEV-SNP, CURVE on), verifies it with the verifier library (policy
# with the IGVM's MEASUREMENT, the simulated ARK as trust root, fresh nonces, REPORT_DATA =
# SHA3-512(tee_nonce | bus_key)), and only then pins the agent's key. Refused, and nothing pinned:
# a key other than the one the operator expects (a swapped key), evidence that fails the
# policy, and a chain whose ASK a CRL revokes (CRLs made with the openssl CLI's own CA, signed
# by the simulated ARK). The pinned file then admits the agent as --curve-agent-key. The KDS
# options reach the verifier (an AMD CRL is not fetched for the simulated chain).
source "$(dirname "$0")/../e2e/lib.sh"
: "${COCOS_CURVE_KEYGEN:?}"
[ -n "${COCOS_VERIFIER:-}" ] || skip "cocos-verifier not built"
K=$W/curve
mkdir -p "$K"
for k in mgr agent other; do "$COCOS_CURVE_KEYGEN" "$K/$k" >/dev/null; done
python3 "$COCOS_SOURCE_DIR/compose/sample/make-igvm.py" "$W/guest.igvm" >/dev/null
measurement=$("$COCOS_VERIFIER" measure --igvm "$W/guest.igvm")
policy() {
  printf '{"format": "cocos-verifier/policy/v1", "product": "milan", "snp": {"measurement": "%s"}}\n' "$1"
}
policy "$measurement" >"$W/policy.json"
policy "$(printf '0%.0s' $(seq 96))" >"$W/wrong-policy.json"

ID=attested-agent
# Not start_agent: it passes --snp-mode off.
bg agent "$COCOS_AGENT" --agent-id "$ID" --manager "$BUS" --pub-bind "$PUB" --work-dir "$W/agent" \
  --heartbeat 1 --snp-mode simulated --snp-sim-dir "$W/sim" --igvm "$W/guest.igvm" \
  --curve-key "$K/agent" --curve-manager-key "$K/mgr.pub"
wait_until 20 "cocos-agent did not start" test -S "$W/pub.sock"
wait_until 30 "the simulated SNP chain was not generated" test -s "$W/sim/ark.pem"
attest() {
  set +e
  "$M" attest --bind "$BUS" --agent "$ID" --timeout 30 --events-log "$EVENTS" --type snp \
    --out "$W/evidence.msgpack" --curve-key "$K/mgr" --curve-agent-key "$K/agent.pub" \
    --verify --trust-root "$W/sim/ark.pem" "$@" >"$W/attest.out" 2>"$W/attest.err"
  ATTEST_RC=$?
  set -e
}

# Swapped key: the operator expects another agent's key.
attest --policy "$W/policy.json" --expect-agent-key "$K/other.pub" --pin "$W/swapped.pub"
[ "$ATTEST_RC" -eq 1 ] || fail "a swapped key was accepted (rc $ATTEST_RC): $(cat "$W/attest.out" "$W/attest.err")"
grep -q key_mismatch "$W/attest.err" || fail "no key_mismatch: $(cat "$W/attest.err")"
[ ! -e "$W/swapped.pub" ] || fail "a swapped key was pinned"
pass "swapped key refused, nothing pinned"

# Evidence that fails the policy (another MEASUREMENT).
attest --policy "$W/wrong-policy.json" --pin "$W/bad.pub"
[ "$ATTEST_RC" -eq 1 ] || fail "evidence against a wrong policy was accepted"
grep -q invalid_evidence "$W/attest.err" || fail "no invalid_evidence: $(cat "$W/attest.err")"
[ ! -e "$W/bad.pub" ] || fail "a key was pinned from invalid evidence"
pass "policy failure refused, nothing pinned"

# CRLs issued by the simulated ARK with `openssl ca`: one listing nothing, one revoking the ASK.
CA=$W/ca
mkdir -p "$CA"
: >"$CA/index.txt"
echo 01 >"$CA/crlnumber"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\ncrlnumber=%s/crlnumber\ndefault_md=sha384\ndefault_crl_days=7\n' \
  "$CA" "$CA" >"$CA/ca.cnf"
ca() { openssl ca -config "$CA/ca.cnf" -keyfile "$W/sim/ark.key" -cert "$W/sim/ark.pem" "$@" 2>>"$CA/log"; }
ca -gencrl -out "$CA/current.crl" || fail "openssl ca -gencrl: $(cat "$CA/log")"
ca -revoke "$W/sim/ask.pem" || fail "openssl ca -revoke: $(cat "$CA/log")"
ca -gencrl -out "$CA/revoked.crl" || fail "openssl ca -gencrl: $(cat "$CA/log")"
attest --policy "$W/policy.json" --crl "$CA/revoked.crl" --pin "$W/revoked.pub"
[ "$ATTEST_RC" -eq 1 ] || fail "a revoked ASK was accepted (rc $ATTEST_RC)"
grep -q 'FAIL\] snp.crl.revoked' "$W/attest.out" || fail "no snp.crl.revoked failure: $(cat "$W/attest.out")"
[ ! -e "$W/revoked.pub" ] || fail "a key was pinned from a revoked chain"
pass "revoked ASK refused, nothing pinned"

# --kds-crl with the simulated chain: AMD's CRL cannot speak for a chain that ends at a
# --trust-root, so the check is skipped and KDS (port 9, where nothing listens) is not asked.
attest --policy "$W/policy.json" --kds-crl --kds-url http://127.0.0.1:9
[ "$ATTEST_RC" -eq 0 ] || fail "attest --kds-crl failed: $(cat "$W/attest.out" "$W/attest.err")"
grep -q 'skip\] snp.kds.crl' "$W/attest.out" || fail "no skipped snp.kds.crl: $(cat "$W/attest.out")"
set +e
"$M" attest --bind "$BUS" --agent "$ID" --out "$W/x.msgpack" --kds >/dev/null 2>"$W/usage.err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'need --verify' "$W/usage.err" || fail "--kds without --verify: rc $rc $(cat "$W/usage.err")"
set +e
"$M" attest --bind "$BUS" --agent "$ID" --out "$W/x.msgpack" --verify --policy "$W/policy.json" \
  --kds-url ftp://kds.example >/dev/null 2>"$W/usage.err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'http(s)://host' "$W/usage.err" || fail "--kds-url ftp: rc $rc $(cat "$W/usage.err")"
pass "KDS options: CRL skipped for a simulated chain; usage checked"

# The real thing (with a current CRL).
attest --policy "$W/policy.json" --crl "$CA/current.crl" --pin "$W/pinned.pub"
[ "$ATTEST_RC" -eq 0 ] || fail "attest --verify failed: $(cat "$W/attest.out" "$W/attest.err")"
grep -q 'sha3-512(tee_nonce|bus_key)' "$W/attest.out" || fail "binding not shown: $(cat "$W/attest.out")"
grep -q 'pass\] snp.crl.revoked' "$W/attest.out" || fail "the CRL was not checked: $(cat "$W/attest.out")"
[ "$(tr -d '\n' <"$W/pinned.pub")" = "$(tr -d '\n' <"$K/agent.pub")" ] || fail "pinned key differs from the agent's"
set +e
"$M" state --bind "$BUS" --agent "$ID" --timeout 30 --events-log "$EVENTS" --curve-key "$K/mgr" \
  --curve-agent-key "$W/pinned.pub" >"$W/state.out" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || fail "the pinned key does not admit the agent: $(cat "$W/state.out")"
pass "evidence verified, bus key pinned and used"
