// Safe extraction: hostile archives built byte by byte are each refused with "bad_archive",
// naming the entry, and leave nothing behind: no target, no staging dir, nothing outside.
#include "cocos/archive/zip_extract.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <stop_token>
#include <thread>

#include "raw_zip.h"
#include "test_dir.h"

namespace cocos::archive {
namespace {

namespace fs = std::filesystem;
using testing::build_zip;
using testing::extra_field;
using testing::RawEntry;
using testing::read_file;
using testing::TestDir;
using testing::write_file;

class Extract : public ::testing::Test {
 protected:
  void SetUp() override { write_file(t_ / "outside.txt", "sentinel"); }

  std::set<std::string> listing() const {
    std::set<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(t_.path())) {
      out.insert(fs::path(e.path()).lexically_relative(t_.path()).string());
    }
    return out;
  }

  // Extracts `zip` into a fresh target and expects a refusal mentioning `reason` and `entry`.
  void expect_refused(const std::string& zip, const std::string& reason, const std::string& entry,
                      const ExtractLimits& limits = {}) {
    auto before = listing();
    auto r =
        extract_zip_bytes(std::span(reinterpret_cast<const std::uint8_t*>(zip.data()), zip.size()),
                          t_ / "target", limits);
    ASSERT_FALSE(r.ok()) << "accepted an archive that should fail with: " << reason;
    EXPECT_EQ(r.error().code, "bad_archive");
    EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(entry), std::string::npos) << r.error().message;
    EXPECT_EQ(listing(), before);  // no target, no staging directory, nothing escaped
    EXPECT_EQ(read_file(t_ / "outside.txt"), "sentinel");
  }

  TestDir t_;
};

TEST_F(Extract, AcceptsAWellFormedArchive) {
  std::string zip =
      build_zip({{.name = "d/"},
                 {.name = "d/x.txt", .content = "hello"},
                 {.name = "y.txt", .content = std::string(5000, 'y'), .deflate = true},
                 {.name = "run.sh", .content = "#!/bin/sh\n", .unix_mode = 0104755}});
  write_file(t_ / "in.zip", zip);
  auto r = extract_zip(t_ / "in.zip", t_ / "target");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->files, 3u);
  EXPECT_EQ(r->bytes, 5u + 5000u + 10u);
  EXPECT_EQ(read_file(t_ / "target/d/x.txt"), "hello");
  EXPECT_EQ(read_file(t_ / "target/y.txt"), std::string(5000, 'y'));
  struct stat st {};
  ASSERT_EQ(::stat((t_ / "target/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // setuid bit dropped
}

TEST_F(Extract, RefusesParentTraversal) {
  expect_refused(build_zip({{.name = "../evil.txt", .content = "x"}}), "dot path component",
                 "../evil.txt");
  expect_refused(build_zip({{.name = "ok/../../evil.txt", .content = "x"}}), "dot path component",
                 "evil.txt");
}

TEST_F(Extract, RefusesAbsoluteBackslashAndDriveNames) {
  expect_refused(build_zip({{.name = t_ / "evil.txt", .content = "x"}}), "absolute", "evil.txt");
  expect_refused(build_zip({{.name = "..\\evil.txt", .content = "x"}}), "backslash", "evil.txt");
  expect_refused(build_zip({{.name = "C:/evil.txt", .content = "x"}}), "drive letter", "evil.txt");
  expect_refused(build_zip({{.name = "a//b", .content = "x"}}), "empty path component", "a//b");
}

TEST_F(Extract, RefusesSymlinkEntries) {
  expect_refused(build_zip({{.name = "ok.txt", .content = "fine"},
                            {.name = "link", .content = "/etc/passwd", .unix_mode = 0120777}}),
                 "symbolic link", "link");
}

TEST_F(Extract, RefusesHardLinkExtraField) {
  expect_refused(build_zip({{.name = "hard",
                             .content = "",
                             .extra = extra_field(0x000d, std::string(12, '\0') + "/etc/shadow")}}),
                 "link extra field", "hard");
}

TEST_F(Extract, RefusesDevicesAndFifos) {
  expect_refused(build_zip({{.name = "tty", .unix_mode = 0020644}}), "character device", "tty");
  expect_refused(build_zip({{.name = "disk", .unix_mode = 0060644}}), "block device", "disk");
  expect_refused(build_zip({{.name = "pipe", .unix_mode = 0010644}}), "FIFO", "pipe");
}

TEST_F(Extract, RefusesHugeDeclaredSizes) {
  ExtractLimits l;
  l.max_entry_bytes = 1 << 20;
  expect_refused(build_zip({{.name = "huge", .content = "x", .declared_size = 0x7fffffff}}),
                 "declared size over the limit", "huge", l);
  l.max_entry_bytes = 1 << 30;
  l.max_total_bytes = 1000;
  expect_refused(build_zip({{.name = "a", .content = std::string(600, 'a')},
                            {.name = "b", .content = std::string(600, 'b')}}),
                 "declared total size over the limit", "b", l);
}

TEST_F(Extract, RefusesARealBombByRatio) {
  // 16 MiB of zeros deflate to ~16 KiB: ratio ~1000.
  expect_refused(
      build_zip({{.name = "bomb", .content = std::string(16 << 20, '\0'), .deflate = true}}),
      "compression ratio over the limit", "bomb");
}

TEST_F(Extract, CountsRealBytesNotDeclaredOnes) {
  // The headers claim 1000 bytes; the deflate stream really expands to 8 MiB.
  ExtractLimits l;
  l.max_ratio = 1u << 20;  // let the ratio pass so the byte count is what stops it
  expect_refused(build_zip({{.name = "liar",
                             .content = std::string(8 << 20, 'q'),
                             .deflate = true,
                             .declared_size = 1000}}),
                 "entry larger than declared", "liar", l);
  // Declared exactly at the per-entry limit (so the up-front check passes), really twice that.
  l.max_entry_bytes = 1 << 20;
  expect_refused(build_zip({{.name = "big",
                             .content = std::string(2 << 20, 'q'),
                             .deflate = true,
                             .declared_size = 1 << 20}}),
                 "entry larger than the limit", "big", l);
}

TEST_F(Extract, RefusesTooManyEntries) {
  std::vector<RawEntry> es;
  for (int i = 0; i < 6; ++i) es.push_back({.name = "f" + std::to_string(i), .content = "x"});
  ExtractLimits l;
  l.max_entries = 5;
  expect_refused(build_zip(es), "too many entries", "6", l);
}

TEST_F(Extract, RefusesDuplicatesAndFileDirClashes) {
  expect_refused(build_zip({{.name = "a.txt", .content = "1"}, {.name = "a.txt", .content = "2"}}),
                 "duplicate entry", "");
  expect_refused(build_zip({{.name = "d", .content = "1"}, {.name = "d/", .unix_mode = 040755}}),
                 "duplicate entry", "d");
  expect_refused(build_zip({{.name = "f", .content = "1"}, {.name = "f/g", .content = "2"}}),
                 "entry below a file", "f/g");
}

TEST_F(Extract, RefusesCorruptData) {
  std::string zip = build_zip({{.name = "c.txt", .content = "hello world"}});
  zip[30 + 5 + 2] ^= 0x20;  // flip a byte inside the stored data: CRC mismatch
  expect_refused(zip, "corrupt entry data", "c.txt");
  expect_refused("PK\x03\x04 this is not a zip", "not a readable zip", "");
}

TEST_F(Extract, NeverOverwritesAndRollsBack) {
  write_file(t_ / "target/keep.txt", "original");
  auto before = listing();
  std::string zip = build_zip({{.name = "aaa-new.txt", .content = "new"},
                               {.name = "keep.txt", .content = "replaced"},
                               {.name = "zzz-new.txt", .content = "new"}});
  auto r = extract_zip_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(zip.data()), zip.size()), t_ / "target");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_archive");
  EXPECT_NE(r.error().message.find("keep.txt"), std::string::npos);
  EXPECT_EQ(read_file(t_ / "target/keep.txt"), "original");
  EXPECT_EQ(listing(), before);
}

TEST_F(Extract, MergesIntoAnExistingTargetWithoutClashes) {
  write_file(t_ / "target/keep.txt", "original");
  std::string zip = build_zip({{.name = "new.txt", .content = "new"}});
  auto r = extract_zip_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(zip.data()), zip.size()), t_ / "target");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(read_file(t_ / "target/new.txt"), "new");
  EXPECT_EQ(read_file(t_ / "target/keep.txt"), "original");
}

// stage_zip with a stop token: the agent's unpack worker ends early when the agent shuts down
// or the computation ends.
TEST_F(Extract, StageDoesNotStartWhenAskedToStopAlready) {
  write_file(t_ / "in.zip", build_zip({{.name = "a.txt", .content = "a"}}));
  fs::create_directories(t_ / "staging");
  std::stop_source stop;
  stop.request_stop();
  auto r = stage_zip(t_ / "in.zip", t_ / "staging", {}, stop.get_token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "cancelled");
  EXPECT_NE(r.error().message.find("in.zip"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::is_empty(t_ / "staging"));
  fs::remove(t_ / "in.zip");  // the computation took its archive with it: still "cancelled"
  r = stage_zip(t_ / "in.zip", t_ / "staging", {}, stop.get_token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "cancelled");
}

TEST_F(Extract, StageStopsInsideABigEntryAndLeavesNothing) {
  // 64 MiB of zeros, deflated: long enough to write that the stop arrives mid-entry.
  ExtractLimits limits;
  limits.max_ratio = 1u << 20;
  write_file(
      t_ / "in.zip",
      build_zip({{.name = "big.bin", .content = std::string(64u << 20, '\0'), .deflate = true}}));
  fs::create_directories(t_ / "staging");
  std::stop_source stop;
  Result<StagedZip> r = make_error("unset", "");
  std::thread worker(
      [&] { r = stage_zip(t_ / "in.zip", t_ / "staging", limits, stop.get_token()); });
  // Stop as soon as the entry's file has its first bytes (the extraction is then under way).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    for (auto& e : fs::recursive_directory_iterator(t_ / "staging")) {
      std::error_code ec;
      if (e.path().filename() == "big.bin" && fs::file_size(e.path(), ec) > 0 && !ec)
        started = true;
    }
    if (!started) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  stop.request_stop();
  worker.join();
  ASSERT_TRUE(started) << "the extraction never began";
  ASSERT_FALSE(r.ok()) << "finished 64 MiB before the stop arrived";
  EXPECT_EQ(r.error().code, "cancelled");
  EXPECT_NE(r.error().message.find("big.bin"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::is_empty(t_ / "staging"));  // the staging directory went with the error
  EXPECT_EQ(read_file(t_ / "outside.txt"), "sentinel");
}

}  // namespace
}  // namespace cocos::archive
