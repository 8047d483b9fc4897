// sev-snp-measure vectors (expectations.json "launch_digest"): page-chain values and the three
// full OVMF direct-boot digests.
#include "cocos/igvm/ovmf.h"

#include <gtest/gtest.h>

#include "cocos/igvm/measure.h"

namespace cocos::test {
namespace {

const std::string kDir = std::string(COCOS_TESTDATA) + "/sev-snp-measure/";

std::string chain(const std::string& file) {
  auto data = igvm::read_file_bounded(kDir + file, 1 << 20);
  EXPECT_TRUE(data.ok());
  igvm::LaunchDigest ld;
  const std::uint64_t base = 0x100000000ULL - data->size();
  for (std::size_t off = 0; off < data->size(); off += 4096) {
    ld.add_page(igvm::PageType::kNormal, base + off, std::span(data->data() + off, 4096));
  }
  return to_hex(ld.value());
}

igvm::OvmfOptions base(const std::string& file) {
  igvm::OvmfOptions o;
  o.ovmf_path = kDir + file;
  o.vcpus = 1;
  o.vcpu_sig = igvm::vcpu_sig_for_type("EPYC-v4").value();
  o.guest_features = 0x21;
  return o;
}

TEST(Ovmf, PageChainVectors) {
  EXPECT_EQ(chain("ovmf_AmdSev_suffix.bin"),
            "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50"
            "da6d466b74");
  EXPECT_EQ(chain("ovmf_OvmfX64_suffix.bin"),
            "b91e6fec73d2bcc57ad5fd400a426ce02731c22ea92bc894ce675e7c9921a822977d6cf025b85f8ef4f264"
            "bff8839d20");
}

TEST(Ovmf, VcpuSignatures) {
  EXPECT_EQ(igvm::vcpu_sig_for_type("EPYC-v4").value(), 0x00800F12u);
  EXPECT_EQ(igvm::vcpu_sig_for_type("EPYC-Milan").value(), 0x00A00F11u);
  EXPECT_EQ(igvm::vcpu_sig_from_fms(23, 1, 2), 0x00800F12u);
  EXPECT_FALSE(igvm::vcpu_sig_for_type("Pentium").ok());
}

TEST(Ovmf, KernelDevNullAppendEmpty) {
  auto o = base("ovmf_AmdSev_suffix.bin");
  o.kernel = "/dev/null";
  o.initrd = "/dev/null";
  o.append = "";
  EXPECT_EQ(to_hex(igvm::ovmf_launch_digest(o).value()),
            "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179e"
            "f98a7ef198");
  // Starting from the published OVMF hash gives the same value.
  auto seed = from_hex(
                  "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c"
                  "467a50da6d466b74")
                  .value();
  igvm::Digest48 d;
  std::copy(seed.begin(), seed.end(), d.begin());
  o.ovmf_hash = d;
  EXPECT_EQ(to_hex(igvm::ovmf_launch_digest(o).value()),
            "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179e"
            "f98a7ef198");
}

TEST(Ovmf, NoKernel) {
  EXPECT_EQ(to_hex(igvm::ovmf_launch_digest(base("ovmf_AmdSev_suffix.bin")).value()),
            "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f2"
            "2adbcd0e2b");
  EXPECT_EQ(to_hex(igvm::ovmf_launch_digest(base("ovmf_OvmfX64_suffix.bin")).value()),
            "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b49"
            "3d8a64c385");
}

TEST(Ovmf, KernelWithOvmfX64IsAnError) {
  auto o = base("ovmf_OvmfX64_suffix.bin");
  o.kernel = "/dev/null";
  auto r = igvm::ovmf_launch_digest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ovmf_no_kernel_hashes");
}

TEST(Ovmf, MoreVcpusChangeTheDigest) {
  auto one = base("ovmf_AmdSev_suffix.bin");
  auto two = one;
  two.vcpus = 2;
  EXPECT_NE(igvm::ovmf_launch_digest(one).value(), igvm::ovmf_launch_digest(two).value());
}

}  // namespace
}  // namespace cocos::test
