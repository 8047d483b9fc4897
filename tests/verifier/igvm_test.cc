// IGVM parser and SNP launch digest: every page type, parameter areas/inserts, VMSA, several
// platforms, ID block, batches measured on several threads, the mapped-file path, and corrupted
// files that must be rejected with "bad_igvm".
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "cocos/igvm/measure.h"
#include "igvm_writer.h"

namespace cocos::test {
namespace {

using igvm::MeasureOptions;

constexpr std::uint32_t kSnp = 0x1, kNative = 0x2, kTdx = 0x4;
constexpr std::uint64_t kVmsaGpa = 0xFFFFFFFFF000ULL;

Bytes digest_of(const Bytes& file, MeasureOptions o = {}) {
  auto d = igvm::snp_launch_digest(file, o);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().to_string());
  return d.ok() ? *d : Bytes();
}

Error error_of(const Bytes& file, MeasureOptions o = {}) {
  auto d = igvm::snp_launch_digest(file, o);
  EXPECT_FALSE(d.ok());
  return d.ok() ? Error{} : d.error();
}

// A file using every directive kind, for several platforms.
struct Sample {
  Bytes file;
  Bytes expected;         // QEMU semantics
  Bytes expected_native;  // --native-zero
};

Sample make_sample() {
  IgvmWriter w;
  RefDigest ref, ref_native;
  auto both = [&](std::uint8_t type, std::uint64_t gpa, const Bytes* c) {
    ref.page(type, gpa, c);
    ref_native.page(type, gpa, c);
  };
  w.platform(kSnp, 2);
  w.platform(kNative, 0);
  w.platform(kTdx, 3);
  w.guest_policy(0x30000, kSnp);
  w.guest_policy(0x1, kTdx);
  w.parameter_area(0, 4096);
  w.parameter_area(7, 3 * 4096);
  w.parameter_usage(0x307, 0, 0);     // VP_COUNT
  w.parameter_usage(0x30C, 7, 64);    // MEMORY_MAP
  w.parameter_usage(0x30E, 7, 4096);  // COMMAND_LINE
  const Bytes p1 = pattern_page(1), p2 = pattern_page(2), zeros(4096, 0);
  w.page_data(0x1000, kSnp | kNative, p1);  // normal, SNP + native
  both(1, 0x1000, &p1);
  w.page_data(0x2000, kNative, pattern_page(9));  // native only: ignored
  w.page_data(0x3000, kSnp, {});                  // zero page
  ref.page(1, 0x3000, &zeros);
  ref_native.page(3, 0x3000, nullptr);
  w.page_data(0x4000, kSnp, pattern_page(3), /*UNMEASURED*/ 2);
  both(4, 0x4000, nullptr);
  w.page_data(0x5000, kSnp, {}, 0, /*SECRETS*/ 1);
  both(5, 0x5000, nullptr);
  w.page_data(0x6000, kSnp, pattern_page(4), 0, /*CPUID_DATA*/ 2);
  both(6, 0x6000, nullptr);
  w.page_data(0x7000, kSnp, pattern_page(5), 0, /*CPUID_XF*/ 3);
  both(6, 0x7000, nullptr);
  w.page_data(0x8000, kSnp | kTdx, p2, /*SHARED*/ 4);  // QEMU measures it as a normal page
  both(1, 0x8000, &p2);
  w.page_data(0x200000, kSnp, {}, /*2MB*/ 1);  // 512 zero pages
  for (int i = 0; i < 512; ++i) {
    ref.page(1, 0x200000 + i * 4096ull, &zeros);
    ref_native.page(3, 0x200000 + i * 4096ull, nullptr);
  }
  w.parameter_insert(0x9000, kSnp, 0);
  both(4, 0x9000, nullptr);
  w.parameter_insert(0xA000, kSnp, 7);  // three pages
  for (int i = 0; i < 3; ++i) both(4, 0xA000 + i * 4096ull, nullptr);
  Bytes vmsa = pattern_page(6);
  vmsa[0x158] = 0x31;
  for (int i = 1; i < 8; ++i) vmsa[0x158 + i] = 0;
  w.vp_context(0x10000, kNative, pattern_page(8));  // native VP context: not measured
  w.vp_context(kVmsaGpa, kSnp, vmsa);
  both(2, kVmsaGpa, &vmsa);
  return {w.build(), ref.value(), ref_native.value()};
}

TEST(Igvm, EveryPageTypeAndPlatformMatchesReference) {
  const Sample s = make_sample();
  EXPECT_EQ(to_hex(digest_of(s.file)), to_hex(s.expected));
  MeasureOptions native;
  native.native_zero = true;
  EXPECT_EQ(to_hex(digest_of(s.file, native)), to_hex(s.expected_native));
  EXPECT_NE(s.expected, s.expected_native);
}

TEST(Igvm, ReportsPagesPolicyAndVmsa) {
  const Sample s = make_sample();
  auto parsed = igvm::parse_igvm(s.file);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(parsed->platforms.size(), 3u);
  std::vector<std::pair<std::uint64_t, igvm::PageType>> pages;
  MeasureOptions o;
  o.observer = [&](const igvm::MeasuredPage& p) { pages.emplace_back(p.gpa, p.type); };
  auto m = igvm::measure_snp(*parsed, o);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->guest_policy, 0x30000u);
  EXPECT_EQ(m->vmsas, 1u);
  EXPECT_EQ(m->pages, 8u + 512u + 4u);
  EXPECT_EQ(pages.size(), m->pages);
  EXPECT_EQ(pages.back().first, kVmsaGpa);
  EXPECT_EQ(pages.back().second, igvm::PageType::kVmsa);
  o.check_kvm = true;
  EXPECT_TRUE(igvm::measure_snp(*parsed, o).ok());
}

TEST(Igvm, PlatformSelectionIgnoresOtherMasks) {
  // Same SNP content, extra native-only pages: same digest.
  IgvmWriter a, b;
  for (auto* w : {&a, &b}) {
    w->platform(kSnp, 2);
    w->platform(kNative, 0);
  }
  a.page_data(0x1000, kSnp, pattern_page(1));
  b.page_data(0x1000, kSnp | kNative, pattern_page(1));
  b.page_data(0x2000, kNative, pattern_page(2));
  EXPECT_EQ(digest_of(a.build()), digest_of(b.build()));
}

TEST(Igvm, NoSnpPlatformIsAnError) {
  IgvmWriter w;
  w.platform(kNative, 0);
  w.page_data(0x1000, kNative, pattern_page(1));
  EXPECT_EQ(error_of(w.build()).code, "igvm_no_snp");
}

TEST(Igvm, IdBlockLdMustMatchTheDigest) {
  IgvmWriter probe;
  probe.platform(kSnp, 2);
  probe.page_data(0x1000, kSnp, pattern_page(1));
  const Bytes ld = digest_of(probe.build());
  IgvmWriter good = probe, bad = probe;
  good.id_block(kSnp, ld, Bytes(16, 0xAB), 7);
  Bytes wrong = ld;
  wrong[0] ^= 1;
  bad.id_block(kSnp, wrong, Bytes(16, 0xAB), 7);
  const Bytes good_file = good.build();  // the parsed form borrows these bytes
  auto parsed = igvm::parse_igvm(good_file);
  ASSERT_TRUE(parsed.ok());
  auto m = igvm::measure_snp(*parsed, {});
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  ASSERT_TRUE(m->id_block.has_value());
  EXPECT_EQ(m->id_block->guest_svn, 7u);
  EXPECT_EQ(m->id_block->id_key_amd.size(), 0x404u);
  EXPECT_EQ(m->id_block->id_key_amd[0], 2);  // curve moved to the AMD layout
  EXPECT_EQ(m->id_block->id_key_amd[4], 1);  // qx follows the curve directly
  EXPECT_EQ(error_of(bad.build()).code, "igvm_id_block");
  MeasureOptions ignore;
  ignore.ignore_id_block_ld = true;
  EXPECT_EQ(digest_of(bad.build(), ignore), ld);
}

TEST(Igvm, KvmChecksRejectMisplacedVmsa) {
  IgvmWriter w;
  w.platform(kSnp, 2);
  Bytes vmsa(4096, 0);
  vmsa[0x158] = 0x31;
  w.vp_context(0x5000, kSnp, vmsa);  // wrong GPA for KVM
  MeasureOptions o;
  o.check_kvm = true;
  EXPECT_EQ(error_of(w.build(), o).code, "igvm_kvm");
  EXPECT_FALSE(digest_of(w.build()).empty());  // fine without --check-kvm
  IgvmWriter late;
  late.platform(kSnp, 2);
  late.vp_context(kVmsaGpa, kSnp, vmsa);
  late.page_data(0x1000, kSnp, pattern_page(1));  // page after the VMSA
  EXPECT_EQ(error_of(late.build(), o).code, "igvm_kvm");
}

// More pages than one measuring batch, of every kind interleaved, and the VMSA last: the
// digest and the observed page order must not depend on the number of hashing threads.
TEST(Igvm, ManyPagesAcrossBatchesAndThreadsMatchReference) {
  IgvmWriter w;
  RefDigest ref;
  std::vector<std::uint64_t> ref_gpas;
  auto add = [&](std::uint8_t type, std::uint64_t gpa, const Bytes* c) {
    ref.page(type, gpa, c);
    ref_gpas.push_back(gpa);
  };
  w.platform(kSnp, 2);
  w.parameter_area(0, 3000 * 4096ull);
  const Bytes zeros(4096, 0);
  std::uint64_t gpa = 0x100000;
  for (std::uint32_t i = 0; i < 4500; ++i) {
    Bytes page = pattern_page(static_cast<std::uint8_t>(i));
    put_le(page, 0, i, 4);  // every page distinct
    w.page_data(gpa, kSnp, page);
    add(1, gpa, &page);
    gpa += 4096;
    if (i % 3 == 0) {
      w.page_data(gpa, kSnp, {});
      add(1, gpa, &zeros);
      gpa += 4096;
    }
    if (i % 1000 == 0) {
      w.page_data(gpa, kSnp, {}, /*UNMEASURED*/ 2);
      add(4, gpa, nullptr);
      gpa += 4096;
    }
  }
  w.parameter_insert(0x40000000, kSnp, 0);  // 3000 unmeasured pages across a batch boundary
  for (std::uint64_t i = 0; i < 3000; ++i) add(4, 0x40000000 + i * 4096, nullptr);
  Bytes vmsa = pattern_page(6);
  w.vp_context(kVmsaGpa, kSnp, vmsa);
  add(2, kVmsaGpa, &vmsa);
  const Bytes file = w.build();
  auto parsed = igvm::parse_igvm(file);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    SCOPED_TRACE(threads);
    MeasureOptions o;
    o.threads = threads;
    std::vector<std::uint64_t> gpas;
    o.observer = [&](const igvm::MeasuredPage& p) { gpas.push_back(p.gpa); };
    auto m = igvm::measure_snp(*parsed, o);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(to_hex(m->digest), to_hex(ref.value()));
    EXPECT_EQ(m->pages, ref_gpas.size());
    EXPECT_EQ(gpas, ref_gpas);
  }
}

TEST(Igvm, FromFileMapsTheFileAndReportsIoErrors) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "cocos-igvm-test-XXXXXX").string();
  std::string tmpl = dir;
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const Sample s = make_sample();
  const std::string path = tmpl + "/sample.igvm";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(s.file.data()),
             static_cast<std::streamsize>(s.file.size()));
  auto d = igvm::snp_launch_digest_from_file(path);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(to_hex(*d), to_hex(s.expected));
  const std::string empty = tmpl + "/empty.igvm";
  std::ofstream(empty, std::ios::binary).flush();
  auto e = igvm::snp_launch_digest_from_file(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "bad_igvm");
  auto missing = igvm::snp_launch_digest_from_file(tmpl + "/missing.igvm");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io_error");
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
}

// ---- corrupted files ----

Bytes simple_file() {
  IgvmWriter w;
  w.platform(kSnp, 2);
  w.parameter_area(0, 4096);
  w.page_data(0x1000, kSnp, pattern_page(1));
  w.parameter_insert(0x2000, kSnp, 0);
  return w.build();
}

void expect_bad(const Bytes& f, const std::string& text) {
  auto parsed = igvm::parse_igvm(f);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "bad_igvm");
  EXPECT_NE(parsed.error().message.find(text), std::string::npos) << parsed.error().message;
}

TEST(IgvmCorrupt, BadChecksum) {
  Bytes f = simple_file();
  f[24 + 8 + 6] ^= 0x01;  // a byte inside the first variable header
  expect_bad(f, "checksum mismatch");
}

TEST(IgvmCorrupt, WrongMagicTruncatedAndSize) {
  Bytes f = simple_file();
  Bytes m = f;
  m[0] = 'X';
  expect_bad(m, "wrong magic");
  expect_bad(Bytes(f.begin(), f.begin() + 10), "truncated");
  Bytes shorter(f.begin(), f.end() - 1);
  expect_bad(shorter, "total_file_size");
  Bytes version = f;
  version[4] = 9;
  fix_checksum(version);
  expect_bad(version, "format_version");
}

TEST(IgvmCorrupt, HeaderLengths) {
  Bytes f = simple_file();
  Bytes wrong_len = f;
  put_le(wrong_len, 24 + 4, 12, 4);  // SUPPORTED_PLATFORM length 12 instead of 16
  fix_checksum(wrong_len);
  expect_bad(wrong_len, "length");
  Bytes past = f;
  put_le(past, 24 + 4, 0x10000, 4);
  fix_checksum(past);
  expect_bad(past, "runs past the header region");
  Bytes region = f;
  put_le(region, 12, 0x7FFFFFFF, 4);  // variable_header_size beyond the file
  fix_checksum(region);
  expect_bad(region, "runs past the end of the file");
  Bytes overlap = f;
  put_le(overlap, 8, 16, 4);  // variable headers overlap the fixed header
  fix_checksum(overlap);
  expect_bad(overlap, "overlaps the fixed header");
}

TEST(IgvmCorrupt, DataOverlappingHeadersOrPastEnd) {
  IgvmWriter w;
  w.platform(kSnp, 2);
  Bytes body(24, 0);
  put_le(body, 0, 0x1000, 8);
  put_le(body, 8, kSnp, 4);
  put_le(body, 12, 24, 4);  // file_offset inside the headers
  w.raw(0x302, body);
  expect_bad(w.build(), "overlaps the headers");
  IgvmWriter e;
  e.platform(kSnp, 2);
  put_le(body, 12, 0x100000, 4);  // past the end
  e.raw(0x302, body);
  expect_bad(e.build(), "past the end of the file");
}

TEST(IgvmCorrupt, SectionOrderMasksAndTypes) {
  IgvmWriter order;
  order.platform(kSnp, 2);
  order.page_data(0x1000, kSnp, pattern_page(1));
  order.guest_policy(0x30000, kSnp);  // initialization after a directive
  expect_bad(order.build(), "earlier section");
  IgvmWriter mask;
  mask.platform(kSnp, 2);
  mask.page_data(0x1000, 0x8, pattern_page(1));
  expect_bad(mask.build(), "names no declared platform");
  IgvmWriter twice;
  twice.platform(kSnp, 2);
  twice.platform(kSnp, 0);
  expect_bad(twice.build(), "declared twice");
  IgvmWriter unknown;
  unknown.platform(kSnp, 2);
  unknown.raw(0x3FF, Bytes(8, 0));
  expect_bad(unknown.build(), "unknown variable header type");
  IgvmWriter ignorable;
  ignorable.platform(kSnp, 2);
  ignorable.raw(0x800003FF, Bytes(8, 0));  // bit 31: may be ignored
  const Bytes ignorable_file = ignorable.build();
  EXPECT_TRUE(igvm::parse_igvm(ignorable_file).ok());
  IgvmWriter none;
  none.guest_policy(1, 1);
  expect_bad(none.build(), "names no declared platform");
}

TEST(IgvmCorrupt, ParameterAreas) {
  IgvmWriter undeclared;
  undeclared.platform(kSnp, 2);
  undeclared.parameter_insert(0x1000, kSnp, 3);
  expect_bad(undeclared.build(), "never declared");
  IgvmWriter twice;
  twice.platform(kSnp, 2);
  twice.parameter_area(1, 4096);
  twice.parameter_insert(0x1000, kSnp, 1);
  twice.parameter_insert(0x2000, kSnp, 1);
  expect_bad(twice.build(), "inserted twice");
  IgvmWriter unaligned;
  unaligned.platform(kSnp, 2);
  unaligned.parameter_area(1, 100);
  expect_bad(unaligned.build(), "multiple of 4096");
  IgvmWriter after;
  after.platform(kSnp, 2);
  after.parameter_area(1, 4096);
  after.parameter_insert(0x1000, kSnp, 1);
  after.parameter_usage(0x307, 1, 0);
  expect_bad(after.build(), "already inserted");
}

TEST(IgvmCorrupt, PaddingAndReservedFields) {
  Bytes f = simple_file();
  // VP_CONTEXT-free file: the PARAMETER_INSERT is 16 bytes (no padding); use a 20-byte header.
  IgvmWriter w;
  w.platform(kSnp, 2);
  Bytes vmsa(4096, 0);
  w.vp_context(kVmsaGpa, kSnp, vmsa);
  Bytes v = w.build();
  const std::size_t pad = 24 + 24 + 8 + 20;  // fixed, platform header, VP_CONTEXT header, body
  v[pad] = 1;
  fix_checksum(v);
  expect_bad(v, "padding");
  IgvmWriter res;
  res.platform(kSnp, 2);
  res.page_data(0x1000, kSnp, pattern_page(1), 0x40);  // unknown flag
  expect_bad(res.build(), "reserved");
  IgvmWriter gpa;
  gpa.platform(kSnp, 2);
  gpa.page_data(0x1001, kSnp, pattern_page(1));
  expect_bad(gpa.build(), "aligned");
}

TEST(IgvmCorrupt, EveryTruncationIsRejectedWithoutCrash) {
  const Bytes f = make_sample().file;
  for (std::size_t n = 0; n < f.size(); n += 97) {
    auto r = igvm::parse_igvm(std::span(f.data(), n));
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(Igvm, Crc32KnownAnswer) {
  const std::string s = "123456789";
  EXPECT_EQ(igvm::crc32(as_bytes(s)), 0xCBF43926u);
}

// The 8-bytes-at-a-time loop against one bit at a time, for every length and offset around it,
// and chained over two calls.
TEST(Igvm, Crc32MatchesBitwiseReference) {
  auto bitwise = [](std::span<const std::uint8_t> d) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::uint8_t b : d) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    }
    return ~c;
  };
  const Bytes data = pattern_page(42, 64);
  for (std::size_t off = 0; off < 8; ++off) {
    for (std::size_t len = 0; off + len <= data.size(); ++len) {
      const auto part = std::span(data).subspan(off, len);
      ASSERT_EQ(igvm::crc32(part), bitwise(part)) << off << " " << len;
      const std::size_t half = len / 2;
      ASSERT_EQ(igvm::crc32(part.subspan(half), igvm::crc32(part.first(half))), bitwise(part));
    }
  }
}

}  // namespace
}  // namespace cocos::test
