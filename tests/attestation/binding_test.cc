// The PLAN.md binding rules, recomputed independently for every platform and bus-key variant.
#include "cocos/attestation/binding.h"

#include <gtest/gtest.h>

#include "cocos/common/hash.h"

namespace cocos::attestation {
namespace {

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Bytes kTee(64, 0xAA), kVtpm(32, 0xBB), kAk = {0x00, 0x01, 0x00, 0x0b, 0x42}, kBus(32, 0xCC);

TEST(Binding, SnpUsesTheTeeNonceOrItsHashWithTheBusKey) {
  Binding b = compute_binding(Platform::kSnp, kTee, kVtpm, kAk, {});
  EXPECT_EQ(b.report_data, kTee);
  EXPECT_TRUE(b.qualifying_data.empty());
  EXPECT_EQ(b.name, "none");
  b = compute_binding(Platform::kSnp, kTee, kVtpm, kAk, kBus);
  EXPECT_EQ(b.report_data, digest(HashAlg::kSha3_512, cat({kTee, kBus})));
  EXPECT_EQ(b.name, "sha3-512(tee_nonce|bus_key)");
}

TEST(Binding, SnpVtpmHashesTheAkPublicAreaLikeCocos) {
  Binding b = compute_binding(Platform::kSnpVtpm, kTee, kVtpm, kAk, {});
  EXPECT_EQ(b.report_data, digest(HashAlg::kSha3_512, cat({kTee, kAk})));
  EXPECT_EQ(b.report_data.size(), 64u);
  EXPECT_EQ(b.qualifying_data, kVtpm);
  EXPECT_EQ(b.name, "sha3-512(tee_nonce|ak_public)");
  b = compute_binding(Platform::kSnpVtpm, kTee, kVtpm, kAk, kBus);
  EXPECT_EQ(b.report_data, digest(HashAlg::kSha3_512, cat({kTee, kAk, kBus})));
  EXPECT_EQ(b.qualifying_data, kVtpm);
  EXPECT_EQ(b.name, "sha3-512(tee_nonce|ak_public|bus_key)");
}

TEST(Binding, VtpmQuotesTheNonceOrItsHashWithTheBusKey) {
  Binding b = compute_binding(Platform::kVtpm, kTee, kVtpm, kAk, {});
  EXPECT_EQ(b.qualifying_data, kVtpm);
  EXPECT_TRUE(b.report_data.empty());
  EXPECT_EQ(b.name, "none");
  b = compute_binding(Platform::kVtpm, kTee, kVtpm, kAk, kBus);
  EXPECT_EQ(b.qualifying_data, digest(HashAlg::kSha3_256, cat({kVtpm, kBus})));
  EXPECT_EQ(b.name, "sha3-256(vtpm_nonce|bus_key)");
}

// Known answer: SHA3-512 of 64 zero bytes followed by nothing is the SNP-only case with an
// all-zero nonce; here a fixed vector guards against a silent switch to SHA-512.
TEST(Binding, UsesSha3NotSha2) {
  Binding b = compute_binding(Platform::kSnpVtpm, Bytes(64, 0), Bytes(32, 0), {}, {});
  EXPECT_EQ(b.report_data, digest(HashAlg::kSha3_512, Bytes(64, 0)));
  EXPECT_NE(b.report_data, digest(HashAlg::kSha512, Bytes(64, 0)));
}

TEST(Nonces, PaddedWithZerosAndBoundedAsCocos) {
  auto p = pad_nonce(Bytes{1, 2}, 32, "vtpm_nonce");
  ASSERT_TRUE(p.ok());
  Bytes want(32, 0);
  want[0] = 1, want[1] = 2;
  EXPECT_EQ(*p, want);
  EXPECT_EQ(pad_nonce(Bytes(64, 7), 64, "tee_nonce").value(), Bytes(64, 7));
  auto bad = pad_nonce(Bytes(65, 7), 64, "tee_nonce");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "bad_nonce");
  EXPECT_NE(bad.error().message.find("tee_nonce is 65 bytes; at most 64"), std::string::npos);
}

TEST(Platforms, NamesRoundTrip) {
  for (Platform p : {Platform::kSnp, Platform::kVtpm, Platform::kSnpVtpm}) {
    EXPECT_EQ(parse_platform(platform_name(p)).value(), p);
  }
  EXPECT_EQ(parse_platform("tdx").error().code, "bad_message");
}

}  // namespace
}  // namespace cocos::attestation
