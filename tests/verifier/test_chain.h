// Test-only builders with real crypto: an AMD-like ARK -> ASK -> VCEK chain (RSA-PSS SHA-384,
// VCEK with AMD's TCB/HWID extensions), SNP reports signed with that VCEK, a software "TPM"
// (RSA AK as TPMT_PUBLIC, TPMS_ATTEST quotes signed RSASSA-SHA256), and the msgpack encoding
// of an evidence body.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "cocos/common/keys.h"
#include "cocos/verifier/evidence/evidence.h"

namespace cocos::test {

struct TestChain {
  // The VLEK chain (test_chain_vlek) keeps its ASVK in ask_* and its VLEK in vcek_*.
  Bytes ark_der, ask_der, vcek_der;
  std::string ark_pem;
  PkeyPtr vcek_key;          // EC P-384
  PkeyPtr ark_key, ask_key;  // RSA, for CRLs (make_crl)
  Bytes chip_id;             // 64 bytes (Turin: 8 significant bytes); the VCEK HWID
  std::uint64_t tcb = 0;
  bool turin = false;
  bool vlek = false;  // reports name the VLEK as their signer (SIGNING_KEY 1)
};

// One chain per process (RSA key generation is slow); TCB bl 3 tee 0 snp 14 ucode 213.
const TestChain& test_chain();
// A Turin-style chain: TCB fmc 1 bl 1 tee 1 snp 4 ucode 82, FMC extension, 8-byte HWID.
const TestChain& test_chain_turin();

// A Milan VLEK chain under test_chain()'s ARK: ARK-Test -> ASVK "SEV-VLEK-Test" -> VLEK
// ("SEV-VLEK": TCB and product extensions, CSP_ID "cocos-test-csp", no HWID). Its ARK is
// test_chain()'s (ark_der/ark_key are copies), so the VCEK chain's ASK is a wrong intermediate.
const TestChain& test_chain_vlek();

// A version-3 Milan report (CPUID 19/01/01) with the chain's TCB and CHIP_ID, policy 0x30000,
// VMPL 2; callers set REPORT_DATA/MEASUREMENT and then sign.
Bytes make_report(const Bytes& report_data64, const Bytes& measurement48,
                  const TestChain& chain = test_chain());
void sign_report(Bytes& report, const TestChain& chain);

// A DER CRL with the issuer name of the chain's ARK (`of_ask`: of its ASK), listing `revoked`
// serial numbers (the test ASK's is 1), thisUpdate/nextUpdate at now + the given offsets in
// seconds (`next_s` 0: no nextUpdate), signed RSA-PSS SHA-384 by `signer` (default: the
// issuer's own key).
Bytes make_crl(const TestChain& chain, bool of_ask, const std::vector<long>& revoked,
               long this_s = -3600, long next_s = 7 * 24 * 3600, EVP_PKEY* signer = nullptr);

struct TestTpm {
  PrivateKey ak;
  Bytes ak_public;  // TPMT_PUBLIC
  std::map<std::uint32_t, Bytes> pcrs256, pcrs384;
};
const TestTpm& test_tpm();
// A quote of `bank` over PCRs 0..23 with extraData = `nonce`.
verifier::vtpm::Quote make_quote(const TestTpm& tpm, const std::string& bank, const Bytes& nonce);
// The same over the given PCR values (all 24).
verifier::vtpm::Quote make_quote(const TestTpm& tpm, const std::string& bank, const Bytes& nonce,
                                 const std::map<std::uint32_t, Bytes>& pcrs);

std::string encode_evidence(const verifier::evidence::EvidenceInput& ev);

}  // namespace cocos::test
