// Walks the parsed IGVM directives once and feeds the launch digest.
#include "cocos/igvm/measure.h"

#include <cstdio>
#include <cstring>
#include <fstream>

#include "cocos/common/hash.h"

namespace cocos::igvm {

namespace {
Error kvm(const std::string& m) {
  return make_error("igvm_kvm", m);
}
std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

Result<SnpMeasurement> measure_snp(const IgvmFile& file, const MeasureOptions& options) {
  SnpMeasurement m;
  for (const auto& p : file.platforms) {
    if (p.type == PlatformType::kSevSnp) m.platform_mask = p.mask;
  }
  if (m.platform_mask == 0) {
    return make_error("igvm_no_snp", "the IGVM file declares no SEV-SNP platform");
  }
  for (const auto& gp : file.policies) {
    if (gp.mask & m.platform_mask) m.guest_policy = gp.policy;
  }
  for (const auto& id : file.id_blocks) {
    if (id.mask & m.platform_mask) m.id_block = id;
  }
  LaunchDigest ld;
  std::uint64_t count = 0;
  ld.set_observer([&](const MeasuredPage& page) {
    ++count;
    if (options.observer) options.observer(page);
  });
  const std::uint8_t* data = file.data.data();
  bool vmsa_seen = false;
  for (const Directive& d : file.directives) {
    if ((d.mask & m.platform_mask) == 0) continue;
    switch (d.kind) {
      case DirectiveKind::kPageData: {
        if (options.check_kvm && vmsa_seen) {
          return kvm("PAGE_DATA at gpa after the VMSA: KVM measures VMSAs last");
        }
        const std::uint64_t pages = (d.flags & kPageFlag2Mb) ? 512 : 1;
        for (std::uint64_t i = 0; i < pages; ++i) {
          const std::uint64_t gpa = d.gpa + i * kPageSize;
          if (d.data_type == PageDataType::kSecrets) {
            ld.add_empty(PageType::kSecrets, gpa);
          } else if (d.data_type != PageDataType::kNormal) {
            ld.add_empty(PageType::kCpuid, gpa);
          } else if (d.flags & kPageFlagUnmeasured) {
            ld.add_empty(PageType::kUnmeasured, gpa);
          } else if (d.file_offset == 0) {
            if (options.native_zero) {
              ld.add_empty(PageType::kZero, gpa);
            } else {
              ld.add_zero_filled_normal(gpa);
            }
          } else {
            ld.add_page(PageType::kNormal, gpa,
                        std::span(data + d.file_offset + i * kPageSize, kPageSize));
          }
        }
        break;
      }
      case DirectiveKind::kParameterInsert:
        for (std::uint64_t off = 0; off < d.area_size; off += kPageSize) {
          ld.add_empty(PageType::kUnmeasured, d.gpa + off);
        }
        break;
      case DirectiveKind::kVpContext: {
        const auto vmsa = std::span(data + d.file_offset, kPageSize);
        if (options.check_kvm) {
          if (vmsa_seen) return kvm("more than one VMSA for the SNP platform");
          if (d.gpa != kVmsaGpa) {
            return kvm("VMSA gpa must be 0xfffffffff000 under KVM");
          }
          const std::uint64_t cr0 = le64(vmsa.data() + 0x158);
          if (cr0 != 0x31 && cr0 != 0x30) return kvm("VMSA cr0 must be 0x31 or 0x30");
        }
        vmsa_seen = true;
        ++m.vmsas;
        ld.add_page(PageType::kVmsa, d.gpa, vmsa);
        break;
      }
      case DirectiveKind::kOther:
        break;
    }
  }
  m.digest = ld.value();
  m.pages = count;
  if (m.id_block && !options.ignore_id_block_ld &&
      std::memcmp(m.id_block->ld.data(), m.digest.data(), kDigestSize) != 0) {
    return make_error("igvm_id_block", "SNP_ID_BLOCK ld " + to_hex(m.id_block->ld) +
                                           " differs from the computed launch digest " +
                                           to_hex(m.digest));
  }
  return m;
}

Result<Bytes> snp_launch_digest(std::span<const std::uint8_t> file, const MeasureOptions& options) {
  auto parsed = parse_igvm(file);
  if (!parsed) return parsed.take_error();
  auto m = measure_snp(*parsed, options);
  if (!m) return m.take_error();
  return Bytes(m->digest.begin(), m->digest.end());
}

Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return make_error("io_error", "cannot open " + path);
  const std::streamoff size = in.tellg();
  if (size < 0) return make_error("io_error", "cannot read " + path);
  if (static_cast<std::uint64_t>(size) > max_bytes) {
    return make_error("too_large",
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  Bytes buf(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), size)) {
    return make_error("io_error", "cannot read " + path);
  }
  return buf;
}

Result<Bytes> snp_launch_digest_from_file(const std::string& path, const MeasureOptions& options) {
  auto buf = read_file_bounded(path, kMaxIgvmFileBytes);
  if (!buf) return buf.take_error();
  return snp_launch_digest(*buf, options);
}

Bytes amd_key_digest(std::span<const std::uint8_t> amd_key) {
  return digest(HashAlg::kSha384, amd_key);
}

}  // namespace cocos::igvm
