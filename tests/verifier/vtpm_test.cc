// vTPM vectors (GCE, nonce 9009): all three quotes verify; wrong nonce, altered PCR and altered
// attest byte fail at the documented check; structure parsers reject damaged input.
#include <gtest/gtest.h>

#include "cocos/verifier/vtpm/quote.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using namespace cocos::verifier::vtpm;

const char* kBanks[] = {"sha1", "sha256", "sha384"};

Quote load_quote(const std::string& bank) {
  return load_vector_quote(bank);
}

TpmPublic ak() {
  return parse_tpmt_public(read_data("vtpm/ak_pub.tpmt_public.bin")).value();
}

const Bytes kNonce = {0x90, 0x09};

TEST(VtpmVectors, AkFields) {
  const TpmPublic a = ak();
  EXPECT_EQ(a.type, kAlgRsa);
  EXPECT_EQ(a.attributes, 0x00050072u);
  EXPECT_EQ(a.scheme, kAlgRsassa);
  EXPECT_EQ(a.key_bits, 2048);
  EXPECT_EQ(a.modulus.size(), 256u);
  Verdict v;
  EXPECT_TRUE(check_ak(a, v));
}

TEST(VtpmVectors, AllQuotesVerify) {
  for (const char* bank : kBanks) {
    Verdict v;
    EXPECT_TRUE(verify_quote(ak(), load_quote(bank), kNonce, "q", v)) << render_text(v);
    EXPECT_TRUE(v.valid());
    auto at = parse_tpms_attest(load_quote(bank).attest).value();
    EXPECT_EQ(at.pcr_digest.size(), 32u);  // SHA-256 (the signing hash) for every bank
    EXPECT_EQ(at.reset_count, 10u);
  }
}

TEST(VtpmVectors, WrongNonceFails) {
  for (const Bytes& nonce : {Bytes{0x90, 0x08}, Bytes{}}) {
    Verdict v;
    EXPECT_FALSE(verify_quote(ak(), load_quote("sha256"), nonce, "q", v));
    EXPECT_TRUE(passed(v, "q.signature"));
    EXPECT_EQ(first_failure(v), "q.nonce");
  }
}

TEST(VtpmVectors, AlteredPcrFails) {
  for (const char* bank : kBanks) {
    Quote q = load_quote(bank);
    q.pcrs[7][0] ^= 0x01;
    Verdict v;
    EXPECT_FALSE(verify_quote(ak(), q, kNonce, "q", v));
    EXPECT_EQ(first_failure(v), "q.digest");
  }
}

TEST(VtpmVectors, AlteredAttestByteFails) {
  for (std::size_t off : {45u, 114u, 0u, 60u}) {
    Quote q = load_quote("sha384");
    q.attest[off] ^= 0x01;
    Verdict v;
    EXPECT_FALSE(verify_quote(ak(), q, kNonce, "q", v));
    EXPECT_EQ(first_failure(v), "q.signature") << off;
  }
  Quote q = load_quote("sha1");
  q.signature[100] ^= 0x01;
  Verdict v;
  EXPECT_FALSE(verify_quote(ak(), q, kNonce, "q", v));
  EXPECT_EQ(first_failure(v), "q.signature");
}

TEST(VtpmVectors, MissingOrExtraPcrFailsSelection) {
  Quote q = load_quote("sha256");
  q.pcrs.erase(23);
  Verdict v;
  EXPECT_FALSE(verify_quote(ak(), q, kNonce, "q", v));
  EXPECT_TRUE(failed(v, "q.selection"));
  Quote wrong_bank = load_quote("sha256");
  wrong_bank.bank = "sha384";
  Verdict v2;
  EXPECT_FALSE(verify_quote(ak(), wrong_bank, kNonce, "q", v2));
  EXPECT_TRUE(failed(v2, "q.selection"));
}

TEST(VtpmVectors, CocosPolicyPcrsDiffer) {
  auto p =
      verifier::policy::load_policy_file(data_path("cocos/cocos_attestation_policy_da31d76c.json"));
  ASSERT_TRUE(p.ok());
  Quote s256 = load_quote("sha256"), s384 = load_quote("sha384");
  Verdict v;
  apply_pcr_rules(p->pcrs, {&s256, &s384}, v);
  for (const char* bank : {"sha256", "sha384"}) {
    for (int i : {2, 3, 6})
      EXPECT_TRUE(passed(v, std::string("policy.pcr.") + bank + "." + std::to_string(i)));
    for (int i : {0, 1, 4, 5, 7, 9, 16}) {
      EXPECT_TRUE(failed(v, std::string("policy.pcr.") + bank + "." + std::to_string(i)));
    }
  }
  // A bank with expected values but no verified quote fails.
  Verdict none;
  apply_pcr_rules(p->pcrs, {&s256}, none);
  EXPECT_TRUE(failed(none, "policy.pcr.sha384"));
}

TEST(TpmStructs, RejectDamagedInput) {
  const Bytes pub = read_data("vtpm/ak_pub.tpmt_public.bin");
  for (std::size_t n = 0; n < pub.size(); n += 7) {
    EXPECT_FALSE(parse_tpmt_public(std::span(pub.data(), n)).ok()) << n;
  }
  Bytes trailing = pub;
  trailing.push_back(0);
  EXPECT_EQ(parse_tpmt_public(trailing).error().code, "bad_tpm");
  const Bytes at = read_data("vtpm/quote_sha1.attest.bin");
  for (std::size_t n = 0; n < at.size(); ++n)
    EXPECT_FALSE(parse_tpms_attest(std::span(at.data(), n)).ok());
  Bytes big = at;
  big[6] = 0xFF;  // qualifiedSigner size 0xFF22
  EXPECT_FALSE(parse_tpms_attest(big).ok());
  const Bytes sig = read_data("vtpm/quote_sha1.sig.bin");
  EXPECT_TRUE(parse_tpmt_signature(sig).ok());
  for (std::size_t n = 0; n < sig.size(); n += 5)
    EXPECT_FALSE(parse_tpmt_signature(std::span(sig.data(), n)).ok());
  Bytes alg = sig;
  alg[1] = 0x99;
  EXPECT_FALSE(parse_tpmt_signature(alg).ok());
}

TEST(TpmStructs, PcrText) {
  EXPECT_FALSE(parse_pcr_text("24 00").ok());
  EXPECT_FALSE(parse_pcr_text("x 00").ok());
  EXPECT_FALSE(parse_pcr_text("1 0g").ok());
  EXPECT_EQ(parse_pcr_text("1 00ff\n\n2 aa\n").value().size(), 2u);
}

}  // namespace
}  // namespace cocos::test
