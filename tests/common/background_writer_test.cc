// BackgroundWriter and Chunk: bytes arrive in order at the right offsets, a full disk is
// "no_space" and stops the writer, and chunks own their storage.
#include "cocos/common/background_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cocos {
namespace {

// A temporary file, removed at the end of the test.
struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    char tmpl[] = "/tmp/cocos-bgw-XXXXXX";
    fd = ::mkstemp(tmpl);
    path = tmpl;
  }
  ~TempFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string content() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    off_t at = 0;
    while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }
};

Chunk chunk_of(const std::string& s) {
  return Chunk::copy_of(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

TEST(Chunk, AdoptsItsOwnerWithoutCopying) {
  std::vector<std::uint8_t> v{1, 2, 3};
  const std::uint8_t* data = v.data();
  Chunk c = Chunk::adopt(std::move(v), [](const std::vector<std::uint8_t>& o) {
    return std::span<const std::uint8_t>(o);
  });
  EXPECT_EQ(c.bytes().data(), data);
  EXPECT_EQ(c.size(), 3u);
  Chunk moved = std::move(c);
  EXPECT_EQ(moved.bytes().data(), data);
}

TEST(BackgroundWriter, WritesEveryChunkInOrderFromTheStartOffset) {
  TempFile f;
  ASSERT_GE(f.fd, 0);
  ASSERT_EQ(::pwrite(f.fd, "head:", 5, 0), 5);
  std::string expected = "head:";
  {
    // A queue of 2 and a write-back kick every 64 bytes exercise the blocking and the kicks.
    BackgroundWriter w(f.fd, 5, f.path, {.max_queued = 2, .kick_bytes = 64, .direct = false});
    for (int i = 0; i < 200; ++i) {
      std::string piece = std::to_string(i) + std::string(static_cast<std::size_t>(i % 37), 'x');
      expected += piece;
      ASSERT_TRUE(w.push(chunk_of(piece)).ok());
    }
    ASSERT_TRUE(w.flush().ok());
    EXPECT_EQ(w.written(), expected.size());
    EXPECT_EQ(f.content(), expected);
    ASSERT_TRUE(w.push(chunk_of("tail")).ok());
    expected += "tail";
  }  // dropping the writer writes what is still queued
  EXPECT_EQ(f.content(), expected);
}

// The O_DIRECT path (or the page cache where the file system refuses O_DIRECT): odd chunk sizes,
// flushes between them (the staged partial block reaches the file and is rewritten by the next
// direct write), and a second writer resuming at an unaligned offset.
TEST(BackgroundWriter, DirectPathKeepsEveryByteAcrossFlushesAndResumes) {
  TempFile f;
  ASSERT_GE(f.fd, 0);
  std::string expected;
  auto piece = [](int i) {
    std::string s(static_cast<std::size_t>(100000 + 37 * i), static_cast<char>('a' + i % 26));
    s[0] = static_cast<char>(i);
    return s;
  };
  {
    BackgroundWriter w(f.fd, 0, f.path, {.max_queued = 3, .direct = true});
    for (int i = 0; i < 40; ++i) {
      expected += piece(i);
      ASSERT_TRUE(w.push(chunk_of(piece(i))).ok());
      if (i % 7 == 6) {
        ASSERT_TRUE(w.flush().ok());
        EXPECT_EQ(w.written(), expected.size());
        EXPECT_EQ(f.content(), expected);
      }
    }
    ASSERT_TRUE(w.flush().ok());
    EXPECT_EQ(w.written(), expected.size());
  }
  EXPECT_EQ(f.content(), expected);
  ASSERT_NE(expected.size() % 4096, 0u) << "the resume below must start mid-block";
  {
    BackgroundWriter w(f.fd, expected.size(), f.path, {.direct = true});
    for (int i = 40; i < 70; ++i) {
      expected += piece(i);
      ASSERT_TRUE(w.push(chunk_of(piece(i))).ok());
    }
  }  // dropping the writer writes the staged tail too
  EXPECT_EQ(f.content(), expected);
}

TEST(BackgroundWriter, FullDiskIsNoSpaceAndLaterChunksAreRefused) {
  int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0) GTEST_SKIP() << "/dev/full is not available here";
  {
    BackgroundWriter w(full, 0, "/dev/full", {});
    ASSERT_TRUE(w.push(chunk_of("some bytes")).ok());  // queued; the write fails behind it
    auto st = w.flush();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "no_space");
    EXPECT_NE(st.error().message.find("/dev/full"), std::string::npos);
    auto again = w.push(chunk_of("more"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "no_space");
    EXPECT_EQ(w.written(), 0u);
  }
  ::close(full);
}

TEST(BackgroundWriter, OtherWriteErrorsAreIoError) {
  TempFile f;
  int ro = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  {
    BackgroundWriter w(ro, 0, f.path, {});
    (void)w.push(chunk_of("x"));
    auto st = w.flush();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "io_error");
  }
  ::close(ro);
}

}  // namespace
}  // namespace cocos
