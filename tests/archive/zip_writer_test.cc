// Deterministic directory zip: round trip through the safe extractor, byte-identical output
// for the same tree whatever the mtimes and creation order, empty trees, special files.
#include "cocos/archive/zip_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cocos/archive/zip_extract.h"
#include "test_dir.h"

namespace cocos::archive {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TestDir;
using testing::write_file;

void make_tree(const std::string& root, bool reverse_order, long mtime) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"a.txt", "alpha\n"},
      {"sub/b.csv", "x,y\n1,2\n"},
      {"sub/deeper/c.bin", std::string("\0\1\2\3\xff", 5)},
      {"a-b.txt", "dash sorts before slash"},
      {"big.dat", std::string(3 * 1024 * 1024 + 7, 'z')},
  };
  if (reverse_order) std::reverse(files.begin(), files.end());
  for (auto& [name, content] : files) write_file(root + "/" + name, content);
  fs::create_directories(root + "/empty/dir");
  ::chmod((root + "/a.txt").c_str(), 0755);
  for (auto& e : fs::recursive_directory_iterator(root)) {
    struct timeval tv[2] = {{mtime, 0}, {mtime, 0}};
    ::utimes(e.path().c_str(), tv);
  }
}

TEST(ZipWriter, RoundTripPreservesContentEmptyDirsAndExecBit) {
  TestDir t;
  make_tree(t / "src", false, 1000000);
  auto s = write_dir_zip(t / "src", t / "out.zip");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->files, 5u);
  EXPECT_EQ(s->directories, 4u);  // empty, empty/dir, sub, sub/deeper
  auto x = extract_zip(t / "out.zip", t / "dst");
  ASSERT_TRUE(x.ok()) << x.error().to_string();
  EXPECT_EQ(x->files, 5u);
  for (auto& e : fs::recursive_directory_iterator(t / "src")) {
    std::string rel = fs::path(e.path()).lexically_relative(t / "src").string();
    std::string other = t / ("dst/" + rel);
    ASSERT_TRUE(fs::exists(other)) << rel;
    if (e.is_regular_file()) {
      EXPECT_EQ(read_file(e.path()), read_file(other)) << rel;
    }
  }
  struct stat st {};
  ASSERT_EQ(::stat((t / "dst/a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(::stat((t / "dst/sub/b.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_TRUE(fs::is_directory(t / "dst/empty/dir"));
}

TEST(ZipWriter, SameTreeSameBytesWhateverMtimesAndOrder) {
  TestDir t;
  make_tree(t / "one", false, 1000000);
  make_tree(t / "two", true, 1700000000);
  ASSERT_TRUE(write_dir_zip(t / "one", t / "one.zip").ok());
  ASSERT_TRUE(write_dir_zip(t / "two", t / "two.zip").ok());
  std::string a = read_file(t / "one.zip");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, read_file(t / "two.zip"));
  auto c1 = dir_checksum(t / "one");
  auto c2 = dir_checksum(t / "two");
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(*c1, *c2);
  EXPECT_EQ(*c1, digest(HashAlg::kSha3_256, a));
  write_file(t / "two/sub/b.csv", "x,y\n1,3\n");
  auto c3 = dir_checksum(t / "two");
  ASSERT_TRUE(c3.ok());
  EXPECT_NE(*c1, *c3);
}

// Pins the format: if this changes (libzip upgrade, option change), every published directory
// checksum changes with it, which must be a deliberate decision.
TEST(ZipWriter, ChecksumOfAFixedTreeIsPinned) {
  TestDir t;
  write_file(t / "gold/a.txt", "alpha\n");
  write_file(t / "gold/sub/b.txt", "beta\n");
  fs::create_directories(t / "gold/empty");
  auto c = dir_checksum(t / "gold");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(to_hex(*c), "faf9bdca757a02226ab26853eb3a229d0373c873fe4ac91764b75635d3fa1f6e");
}

TEST(ZipWriter, CompressedVariantIsDeterministicAndReadable) {
  TestDir t;
  make_tree(t / "one", false, 5);
  make_tree(t / "two", true, 50000);
  ZipOptions o;
  o.compress = true;
  ASSERT_TRUE(write_dir_zip(t / "one", t / "one.zip", o).ok());
  ASSERT_TRUE(write_dir_zip(t / "two", t / "two.zip", o).ok());
  EXPECT_EQ(read_file(t / "one.zip"), read_file(t / "two.zip"));
  EXPECT_LT(fs::file_size(t / "one.zip"), 100000u);
  // Another implementation agrees that the archive is sound.
  EXPECT_EQ(std::system(("unzip -tq " + (t / "one.zip") + " >/dev/null").c_str()), 0);
}

TEST(ZipWriter, EmptyDirectoryGivesEndRecordOnly) {
  TestDir t;
  fs::create_directories(t / "empty");
  auto s = write_dir_zip(t / "empty", t / "e.zip");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  std::string z = read_file(t / "e.zip");
  ASSERT_EQ(z.size(), 22u);
  EXPECT_EQ(z.substr(0, 4), "PK\x05\x06");
  auto x = extract_zip(t / "e.zip", t / "out");
  ASSERT_TRUE(x.ok()) << x.error().to_string();
  EXPECT_TRUE(fs::is_directory(t / "out"));
}

TEST(ZipWriter, SymlinkRefusedOrSkipped) {
  TestDir t;
  write_file(t / "src/ok.txt", "ok");
  fs::create_symlink("/etc/passwd", t / "src/leak");
  auto refused = write_dir_zip(t / "src", t / "r.zip");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unsupported_file");
  EXPECT_NE(refused.error().message.find("leak"), std::string::npos);
  ZipOptions o;
  o.skip_special_files = true;
  auto skipped = write_dir_zip(t / "src", t / "s.zip", o);
  ASSERT_TRUE(skipped.ok());
  ASSERT_EQ(skipped->skipped.size(), 1u);
  EXPECT_EQ(skipped->skipped[0], "leak");
  EXPECT_EQ(skipped->files, 1u);
}

TEST(ZipWriter, BoundsOnEntriesAndBytesRefuseBeforeWriting) {
  TestDir t;
  make_tree(t / "tree", false, 1000000000);
  std::uint64_t entries = 0, bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(t / "tree")) {
    ++entries;
    if (e.is_regular_file()) bytes += e.file_size();
  }
  ZipOptions exact;
  exact.max_entries = entries;
  exact.max_content_bytes = bytes;
  auto ok = write_dir_zip(t / "tree", t / "ok.zip", exact);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->content_bytes, bytes);

  ZipOptions fewer = exact;
  fewer.max_entries = entries - 1;
  auto many = write_dir_zip(t / "tree", t / "many.zip", fewer);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, "too_large");
  EXPECT_EQ(many.error().message,
            "more than " + std::to_string(entries - 1) + " files and directories");
  EXPECT_FALSE(fs::exists(t / "many.zip"));

  ZipOptions smaller = exact;
  smaller.max_content_bytes = bytes - 1;
  auto big = write_dir_zip(t / "tree", t / "big.zip", smaller);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "too_large");
  EXPECT_FALSE(fs::exists(t / "big.zip"));
}

TEST(ZipWriter, MissingDirectoryIsAnError) {
  TestDir t;
  auto r = write_dir_zip(t / "nope", t / "x.zip");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "io_error");
  EXPECT_FALSE(fs::exists(t / "x.zip"));
}

}  // namespace
}  // namespace cocos::archive
