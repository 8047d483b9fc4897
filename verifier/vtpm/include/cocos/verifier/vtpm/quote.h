// vTPM quote verification (attestation.md §4): every quote is signature-checked with the AK
// before its PCR values are used; extraData must equal the nonce; the PCR selection must equal
// the supplied PCR set of that bank; pcrDigest = H_sig(PCR values in index order).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/verdict.h"
#include "cocos/verifier/vtpm/tpm_structs.h"

namespace cocos::verifier::vtpm {

struct Quote {
  std::string bank;  // "sha1" | "sha256" | "sha384" | "sha512"
  Bytes attest;      // TPMS_ATTEST
  Bytes signature;   // TPMT_SIGNATURE
  std::map<std::uint32_t, Bytes> pcrs;
};

// AK must be a restricted signing key (a TPM only quotes with those; an unrestricted key
// could sign a forged TPMS_ATTEST).
bool check_ak(const TpmPublic& ak, Verdict& v);

// Appends checks "<prefix>.signature", ".magic", ".type", ".nonce", ".selection", ".digest".
// Returns true when all passed.
bool verify_quote(const TpmPublic& ak, const Quote& q, std::span<const std::uint8_t> nonce,
                  const std::string& prefix, Verdict& v);

// Signature over `message` by the AK per TPMT_SIGNATURE ("bad_signature" on failure).
Status verify_tpm_signature(const TpmPublic& ak, const TpmSignature& sig,
                            std::span<const std::uint8_t> message);

// Expected PCR values against the (verified) quotes: one check per listed PCR.
void apply_pcr_rules(const policy::PcrValues& want, const std::vector<const Quote*>& verified,
                     Verdict& v);

// "<index> <hex>" per line (the test-vector text form). "bad_pcrs" on malformed lines.
Result<std::map<std::uint32_t, Bytes>> parse_pcr_text(std::string_view text);

}  // namespace cocos::verifier::vtpm
