// UploadSink: one-pass hashing to a staging file, resume from the durable prefix, mismatches
// delete the partial file.
#include "cocos/agent/core/upload_sink.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cocos/common/hash.h"
#include "test_util.h"

namespace cocos::agent {
namespace {

Chunk bytes_of(const std::string& s) {
  return Chunk::copy_of(as_bytes(s));
}

TEST(UploadSink, WholeUploadVerifies) {
  testing::TempDir dir;
  const std::string data = "hello world, this is the algorithm";
  const std::string path = dir.path() + "/algorithm";
  auto sink = UploadSink::open(path, data.size(), digest(HashAlg::kSha3_256, data));
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ(sink->offset(), 0u);
  ASSERT_TRUE(sink->write(0, bytes_of(data.substr(0, 10))).ok());
  ASSERT_TRUE(sink->write(10, bytes_of(data.substr(10))).ok());
  ASSERT_TRUE(sink->finish().ok());
  EXPECT_EQ(testing::read_text(path), data);
  EXPECT_FALSE(std::filesystem::exists(path + ".meta"));
}

TEST(UploadSink, HashMismatchDeletesPartial) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/d0";
  auto sink = UploadSink::open(path, 5, digest(HashAlg::kSha3_256, std::string("right")));
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE(sink->write(0, bytes_of("wrong")).ok());
  auto st = sink->finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "hash_mismatch");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".meta"));
}

TEST(UploadSink, ResumesFromDurablePrefixAndRehashes) {
  testing::TempDir dir;
  const std::string data(300000, 'x');
  std::string mixed = data;
  for (std::size_t i = 0; i < mixed.size(); i += 7) mixed[i] = static_cast<char>('a' + i % 26);
  const auto sha = digest(HashAlg::kSha3_256, mixed);
  const std::string path = dir.path() + "/d1";
  {
    auto sink = UploadSink::open(path, mixed.size(), sha);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(sink->write(0, bytes_of(mixed.substr(0, 123456))).ok());
    ASSERT_TRUE(sink->flush().ok());
    EXPECT_EQ(sink->written(), 123456u);
  }  // connection cut: the sink is dropped, the partial file stays
  auto sink = UploadSink::open(path, mixed.size(), sha);
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ(sink->offset(), 123456u);
  ASSERT_TRUE(sink->write(123456, bytes_of(mixed.substr(123456))).ok());
  ASSERT_TRUE(sink->finish().ok());
  EXPECT_EQ(testing::read_text(path), mixed);
}

TEST(UploadSink, DifferentUploadDoesNotResume) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/d2";
  {
    auto sink = UploadSink::open(path, 10, digest(HashAlg::kSha3_256, std::string("0123456789")));
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(sink->write(0, bytes_of("01234")).ok());
  }
  auto sink = UploadSink::open(path, 4, digest(HashAlg::kSha3_256, std::string("abcd")));
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ(sink->offset(), 0u);
  ASSERT_TRUE(sink->write(0, bytes_of("abcd")).ok());
  ASSERT_TRUE(sink->finish().ok());
  EXPECT_EQ(testing::read_text(path), "abcd");
}

TEST(UploadSink, TooManyBytesAndWrongOffsetsAreRefused) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/d3";
  auto sink = UploadSink::open(path, 4, digest(HashAlg::kSha3_256, std::string("abcd")));
  ASSERT_TRUE(sink.ok());
  auto gap = sink->write(2, bytes_of("cd"));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().code, "bad_message");
  EXPECT_EQ(sink->offset(), 0u);
  auto big = sink->write(0, bytes_of("abcde"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "size_mismatch");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(UploadSink, ShortUploadIsSizeMismatch) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/d4";
  auto sink = UploadSink::open(path, 4, digest(HashAlg::kSha3_256, std::string("abcd")));
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE(sink->write(0, bytes_of("abc")).ok());
  auto st = sink->finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "size_mismatch");
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace cocos::agent
