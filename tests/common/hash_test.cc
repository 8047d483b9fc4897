// Digests against published "abc" vectors, and streaming equals one-shot.
#include "cocos/common/hash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace cocos {
namespace {

TEST(Hash, KnownVectors) {
  EXPECT_EQ(to_hex(digest(HashAlg::kSha3_256, "abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  EXPECT_EQ(to_hex(digest(HashAlg::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(digest(HashAlg::kSha384, "abc")).substr(0, 16), "cb00753f45a35e8b");
  EXPECT_EQ(digest(HashAlg::kSha3_512, "abc").size(), 64u);
}

TEST(Hash, StreamingMatchesOneShot) {
  std::string data(100000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Hasher h(HashAlg::kSha3_256);
  for (std::size_t off = 0; off < data.size(); off += 777) {
    h.update(std::string_view(data).substr(off, 777));
  }
  EXPECT_EQ(h.finish(), digest(HashAlg::kSha3_256, data));
  // finish() resets: the hasher is reusable.
  h.update("abc");
  EXPECT_EQ(h.finish(), digest(HashAlg::kSha3_256, "abc"));
}

TEST(Hash, File) {
  auto path =
      std::filesystem::temp_directory_path() / ("cocos_hash_test_" + std::to_string(::getpid()));
  { std::ofstream(path) << "abc"; }
  auto d = digest_file(HashAlg::kSha3_256, path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, digest(HashAlg::kSha3_256, "abc"));
  EXPECT_EQ(digest_file(HashAlg::kSha3_256, "/nonexistent/x").error().code, "io_error");
}

}  // namespace
}  // namespace cocos
