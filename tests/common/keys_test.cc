// Keys: every type generates, round-trips through PEM/DER/base64, signs and verifies;
// tampered messages, wrong keys and garbage are refused. Also the upload statement bytes.
#include "cocos/common/keys.h"

#include <gtest/gtest.h>

#include "cocos/common/hash.h"
#include "cocos/common/statements.h"

namespace cocos {
namespace {

class KeysTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeysTest, SignVerifyAndEncodings) {
  auto priv = PrivateKey::generate(GetParam());
  ASSERT_TRUE(priv) << priv.error().to_string();
  auto pub = priv->public_key();
  EXPECT_EQ(pub.type(), GetParam());

  std::string msg = "statement";
  auto sig = priv->sign(as_bytes(msg));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(pub.verify(as_bytes(msg), *sig).ok());
  EXPECT_EQ(pub.verify(as_bytes("statemenT"), *sig).error().code, "bad_signature");
  Bytes bad = *sig;
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(pub.verify(as_bytes(msg), bad).ok());

  auto other = PrivateKey::generate(GetParam());
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->public_key().verify(as_bytes(msg), *sig).ok());

  auto from_pem = PublicKey::parse(pub.to_pem());
  ASSERT_TRUE(from_pem);
  EXPECT_EQ(from_pem->fingerprint(), pub.fingerprint());
  Bytes der = pub.to_der();
  auto from_der =
      PublicKey::parse(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  ASSERT_TRUE(from_der);
  auto from_b64 = PublicKey::parse(to_base64(der));
  ASSERT_TRUE(from_b64);
  EXPECT_TRUE(from_b64->verify(as_bytes(msg), *sig).ok());

  auto priv2 = PrivateKey::parse_pem(priv->to_pem());
  ASSERT_TRUE(priv2);
  EXPECT_EQ(priv2->public_key().fingerprint(), pub.fingerprint());
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KeysTest,
                         ::testing::Values(KeyType::kRsa, KeyType::kEcdsa, KeyType::kEd25519));

TEST(Keys, RejectsGarbage) {
  EXPECT_EQ(PublicKey::parse("").error().code, "bad_key");
  EXPECT_EQ(PublicKey::parse("hello world").error().code, "bad_key");
  EXPECT_EQ(
      PublicKey::parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").error().code,
      "bad_key");
  EXPECT_EQ(PrivateKey::parse_pem("nope").error().code, "bad_key");
  EXPECT_EQ(parse_key_type("dsa").error().code, "bad_key_type");
}

TEST(UploadStatement, ExactBytes) {
  Bytes h = digest(HashAlg::kSha3_256, "abc");
  EXPECT_EQ(upload_statement("c1", UploadItem::algorithm(), h),
            "cocos-upload-statement-v1\ncomputation: c1\nitem: algorithm\n"
            "sha3-256: 3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532\n");
  EXPECT_EQ(upload_statement("c1", UploadItem::dataset(2, "b.csv"), h).substr(0, 64),
            "cocos-upload-statement-v1\ncomputation: c1\nitem: dataset 2 b.csv\n");
}

TEST(ResultChallenge, ExactBytes) {
  Bytes c{0xde, 0xad};
  EXPECT_EQ(result_challenge_statement("c1", c),
            "cocos-result-challenge-v1\ncomputation: c1\nchallenge: dead\n");
  EXPECT_EQ(upload_statement("c1", UploadItem::requirements(), c).find("item: requirements\n"),
            42u);
}

}  // namespace
}  // namespace cocos
