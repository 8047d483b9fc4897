// Hex and base64 codecs against RFC 4648 vectors, and their rejections.
#include "cocos/common/encoding.h"

#include <gtest/gtest.h>

namespace cocos {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  auto back = from_hex("0001ABff");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, b);
}

TEST(Hex, Rejects) {
  EXPECT_EQ(from_hex("abc").error().code, "bad_hex");
  EXPECT_EQ(from_hex("zz").error().code, "bad_hex");
}

TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(to_base64(as_bytes(plain[i])), enc[i]);
    auto back = from_base64(enc[i]);
    ASSERT_TRUE(back);
    EXPECT_EQ(std::string(back->begin(), back->end()), plain[i]);
  }
}

TEST(Base64, AcceptsUrlSafeAndUnpadded) {
  auto a = from_base64("-_8");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (Bytes{0xfb, 0xff}));
}

TEST(Base64, Rejects) {
  EXPECT_EQ(from_base64("Zm9v!").error().code, "bad_base64");
  EXPECT_EQ(from_base64("Z").error().code, "bad_base64");
}

}  // namespace
}  // namespace cocos
