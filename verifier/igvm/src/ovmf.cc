// OVMF direct-boot measurement (sev-snp-measure semantics; see ovmf.h). The OVMF GUIDed footer
// table sits just before the last 32 bytes of the image: ... entries | u16 table size |
// footer GUID | 32 bytes. Each entry is data | u16 entry size | GUID, read backwards.
#include "cocos/igvm/ovmf.h"

#include <cstring>
#include <map>
#include <vector>

#include "cocos/common/hash.h"
#include "cocos/igvm/measure.h"

namespace cocos::igvm {

namespace {

constexpr std::uint64_t kFourGb = 0x100000000ULL;
constexpr std::size_t kMaxOvmfBytes = 64u << 20;
constexpr std::size_t kMaxKernelBytes = 512u << 20;

using Guid = std::array<std::uint8_t, 16>;

// GUID text -> bytes in the mixed-endian (Microsoft/EFI) layout.
Guid guid_le(const char* text) {
  std::string hex;
  for (const char* c = text; *c; ++c) {
    if (*c != '-') hex += *c;
  }
  Bytes b = from_hex(hex).value();
  Guid g{};
  const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; ++i) g[i] = b[order[i]];
  return g;
}

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

void put(std::uint8_t* p, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void put_seg(std::uint8_t* p, std::uint16_t sel, std::uint16_t attr, std::uint32_t limit,
             std::uint64_t base) {
  put(p, sel, 2);
  put(p + 2, attr, 2);
  put(p + 4, limit, 4);
  put(p + 8, base, 8);
}

Error bad(const std::string& m) {
  return make_error("bad_ovmf", m);
}

struct Section {
  std::uint32_t gpa, size, type;
};

struct Ovmf {
  Bytes data;
  std::map<Guid, Bytes> table;
  std::vector<Section> sections;
};

Status parse_footer(Ovmf& o) {
  const std::size_t n = o.data.size();
  if (n < 50) return bad("image too small for a footer table");
  Guid footer;
  std::memcpy(footer.data(), o.data.data() + n - 48, 16);
  if (footer != guid_le("96b582de-1fb2-45f7-baea-a366c55a082d")) return ok_status();  // no table
  const std::size_t full = o.data[n - 50] | (o.data[n - 49] << 8);
  if (full < 18 || full - 18 > n - 50) return bad("footer table size out of range");
  std::size_t end = n - 50;  // end of the remaining entries
  const std::size_t start = end - (full - 18);
  while (end - start >= 18) {
    Guid g;
    std::memcpy(g.data(), o.data.data() + end - 16, 16);
    const std::size_t size = o.data[end - 18] | (o.data[end - 17] << 8);
    if (size < 18 || size > end - start) return bad("footer table entry size out of range");
    o.table[g] = Bytes(o.data.begin() + static_cast<long>(end - size),
                       o.data.begin() + static_cast<long>(end - 18));
    end -= size;
  }
  return ok_status();
}

Status parse_metadata(Ovmf& o) {
  auto it = o.table.find(guid_le("dc886566-984a-4798-a75e-5585a7bf67cc"));
  if (it == o.table.end()) return ok_status();
  if (it->second.size() < 4) return bad("SEV metadata entry too short");
  const std::uint32_t offset = le32(it->second.data());
  if (offset > o.data.size() || offset < 16) return bad("SEV metadata offset out of range");
  const std::uint8_t* h = o.data.data() + o.data.size() - offset;
  if (std::memcmp(h, "ASEV", 4) != 0) return bad("SEV metadata signature is not ASEV");
  const std::uint32_t len = le32(h + 4);
  const std::uint32_t count = le32(h + 12);
  if (len > offset || len < 16 || (len - 16) / 12 < count) {
    return bad("SEV metadata length/count out of range");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint8_t* d = h + 16 + 12 * i;
    o.sections.push_back({le32(d), le32(d + 4), le32(d + 8)});
  }
  return ok_status();
}

Result<Bytes> sha256_file(const std::string& path) {
  auto b = read_file_bounded(path, kMaxKernelBytes);
  if (!b) return b.take_error();
  return digest(HashAlg::kSha256, *b);
}

// QEMU's SEV hashes table (kernel-hashes page content at `offset`).
Result<Bytes> hashes_page(const OvmfOptions& opt, std::size_t offset) {
  auto kernel = sha256_file(*opt.kernel);
  if (!kernel) return kernel.take_error();
  Bytes initrd = digest(HashAlg::kSha256, std::string_view());
  if (opt.initrd && !opt.initrd->empty()) {
    auto r = sha256_file(*opt.initrd);
    if (!r) return r.take_error();
    initrd = *r;
  }
  std::string cmdline = opt.append.value_or("");
  cmdline.push_back('\0');  // the command line is measured with its terminating NUL
  const Bytes cmd = digest(HashAlg::kSha256, cmdline);
  const std::size_t ht_len = 16 + 2 + 3 * (16 + 2 + 32);
  const std::size_t aligned = (ht_len + 15) & ~std::size_t{15};
  if (offset + aligned > kPageSize) return bad("hashes table does not fit in its page");
  Bytes page(kPageSize, 0);
  std::uint8_t* t = page.data() + offset;
  auto g = guid_le("9438d606-4f22-4cc9-b479-a793d411fd21");
  std::memcpy(t, g.data(), 16);
  put(t + 16, ht_len, 2);
  std::size_t e = 18;
  const std::pair<const char*, const Bytes*> entries[3] = {
      {"97d02dd8-bd20-4c94-aa78-e7714d36ab2a", &cmd},
      {"44baf731-3a2f-4bd7-9af1-41e29169781d", &initrd},
      {"4de79437-abd2-427f-b835-d5b172d2045b", &*kernel}};
  for (const auto& [guid, hash] : entries) {
    auto eg = guid_le(guid);
    std::memcpy(t + e, eg.data(), 16);
    put(t + e + 16, 16 + 2 + 32, 2);
    std::memcpy(t + e + 18, hash->data(), 32);
    e += 50;
  }
  return page;
}

}  // namespace

std::uint32_t vcpu_sig_from_fms(std::uint32_t family, std::uint32_t model, std::uint32_t stepping) {
  std::uint32_t fam_low = family, fam_ext = 0;
  if (family > 0xf) {
    fam_low = 0xf;
    fam_ext = (family - 0xf) & 0xff;
  }
  const std::uint32_t model_low = model & 0xf, model_ext = (model >> 4) & 0xf;
  return (fam_ext << 20) | (model_ext << 16) | (fam_low << 8) | (model_low << 4) | (stepping & 0xf);
}

Result<std::uint32_t> vcpu_sig_for_type(const std::string& name) {
  struct T {
    const char* prefix;
    std::uint32_t f, m, s;
  };
  static const T kTypes[] = {{"EPYC-Rome", 23, 49, 0},
                             {"EPYC-Milan", 25, 1, 1},
                             {"EPYC-Genoa", 25, 17, 0},
                             {"EPYC-Turin", 26, 2, 0},
                             {"EPYC", 23, 1, 2}};
  for (const T& t : kTypes) {
    const std::string p = t.prefix;
    if (name == p || (name.rfind(p + "-v", 0) == 0 && name.size() == p.size() + 3)) {
      return vcpu_sig_from_fms(t.f, t.m, t.s);
    }
  }
  return make_error("bad_vcpu_type", "unknown vCPU type " + name +
                                         " (known: EPYC[-vN], EPYC-Rome, EPYC-Milan, "
                                         "EPYC-Genoa, EPYC-Turin)");
}

void build_qemu_vmsa(std::uint8_t* p, std::uint32_t eip, std::uint64_t sev_features,
                     std::uint32_t vcpu_sig) {
  std::memset(p, 0, kPageSize);
  put_seg(p + 0x00, 0, 0x93, 0xffff, 0);                      // es
  put_seg(p + 0x10, 0xf000, 0x9b, 0xffff, eip & 0xffff0000);  // cs
  put_seg(p + 0x20, 0, 0x93, 0xffff, 0);                      // ss
  put_seg(p + 0x30, 0, 0x93, 0xffff, 0);                      // ds
  put_seg(p + 0x40, 0, 0x93, 0xffff, 0);                      // fs
  put_seg(p + 0x50, 0, 0x93, 0xffff, 0);                      // gs
  put_seg(p + 0x60, 0, 0, 0xffff, 0);                         // gdtr
  put_seg(p + 0x70, 0, 0x82, 0xffff, 0);                      // ldtr
  put_seg(p + 0x80, 0, 0, 0xffff, 0);                         // idtr
  put_seg(p + 0x90, 0, 0x8b, 0xffff, 0);                      // tr
  put(p + 0xD0, 0x1000, 8);                                   // efer: SVME (KVM)
  put(p + 0x148, 0x40, 8);                                    // cr4: MCE (KVM)
  put(p + 0x158, 0x10, 8);                                    // cr0
  put(p + 0x160, 0x400, 8);                                   // dr7
  put(p + 0x168, 0xffff0ff0, 8);                              // dr6
  put(p + 0x170, 0x2, 8);                                     // rflags
  put(p + 0x178, eip & 0xffff, 8);                            // rip
  put(p + 0x268, 0x0007040600070406ULL, 8);                   // g_pat
  put(p + 0x310, vcpu_sig, 8);                                // rdx = CPUID(1).EAX
  put(p + 0x3B0, sev_features, 8);                            // sev_features
  put(p + 0x3E8, 0x1, 8);                                     // xcr0
  put(p + 0x408, 0x1f80, 4);                                  // mxcsr (QEMU)
  put(p + 0x410, 0x37f, 2);                                   // x87 fcw (QEMU)
}

Result<Digest48> ovmf_launch_digest(const OvmfOptions& opt) {
  Ovmf o;
  auto data = read_file_bounded(opt.ovmf_path, kMaxOvmfBytes);
  if (!data) return data.take_error();
  o.data = std::move(*data);
  if (o.data.empty() || o.data.size() % kPageSize != 0) {
    return bad("OVMF size " + std::to_string(o.data.size()) + " is not a multiple of 4096");
  }
  if (auto s = parse_footer(o); !s) return s.take_error();
  if (auto s = parse_metadata(o); !s) return s.take_error();
  if (opt.vcpus == 0 || opt.vcpus > 4096) return bad("vcpus must be 1..4096");

  LaunchDigest ld = opt.ovmf_hash ? LaunchDigest(*opt.ovmf_hash) : LaunchDigest();
  ld.set_observer(opt.observer);
  const std::uint64_t base = kFourGb - o.data.size();
  if (!opt.ovmf_hash) {
    for (std::size_t off = 0; off < o.data.size(); off += kPageSize) {
      ld.add_page(PageType::kNormal, base + off, std::span(o.data.data() + off, kPageSize));
    }
  }
  bool have_hashes_section = false;
  for (const Section& s : o.sections) {
    if (s.size % kPageSize != 0 || s.gpa % kPageSize != 0) {
      return bad("metadata section at gpa " + std::to_string(s.gpa) + " is not page aligned");
    }
    switch (s.type) {
      case 1:  // SNP_SEC_MEM
      case 4:  // SVSM_CAA
        for (std::uint64_t off = 0; off < s.size; off += kPageSize) {
          ld.add_empty(PageType::kZero, s.gpa + off);
        }
        break;
      case 2:  // SNP_SECRETS
        ld.add_empty(PageType::kSecrets, s.gpa);
        break;
      case 3:  // CPUID
        ld.add_empty(PageType::kCpuid, s.gpa);
        break;
      case 0x10: {  // SNP_KERNEL_HASHES
        have_hashes_section = true;
        if (opt.kernel) {
          auto rv = o.table.find(guid_le("7255371f-3a3b-4b04-927b-1da6efa8d454"));
          if (rv == o.table.end() || rv->second.size() < 4) {
            return bad("no SEV hash table entry in the OVMF footer table");
          }
          if (s.size != kPageSize) return bad("kernel hashes section is not one page");
          auto page = hashes_page(opt, le32(rv->second.data()) & 0xfff);
          if (!page) return page.take_error();
          ld.add_page(PageType::kNormal, s.gpa, *page);
        } else {
          for (std::uint64_t off = 0; off < s.size; off += kPageSize) {
            ld.add_empty(PageType::kZero, s.gpa + off);
          }
        }
        break;
      }
      default:
        return bad("unknown OVMF metadata section type " + std::to_string(s.type));
    }
  }
  if (opt.kernel && !have_hashes_section) {
    return make_error("ovmf_no_kernel_hashes",
                      "a kernel was given but the OVMF metadata has no SNP_KERNEL_HASHES section");
  }
  std::uint32_t ap_eip = 0;
  auto reset = o.table.find(guid_le("00f771de-1a7e-4fcb-890e-68c77e2fb44e"));
  if (reset != o.table.end() && reset->second.size() >= 4) ap_eip = le32(reset->second.data());
  if (opt.vcpus > 1 && ap_eip == 0) return bad("no SEV-ES reset block for the APs");
  std::uint8_t vmsa[kPageSize];
  build_qemu_vmsa(vmsa, 0xfffffff0u, opt.guest_features, opt.vcpu_sig);
  ld.add_page(PageType::kVmsa, kVmsaGpa, std::span(vmsa, kPageSize));
  if (opt.vcpus > 1) {
    build_qemu_vmsa(vmsa, ap_eip, opt.guest_features, opt.vcpu_sig);
    for (std::uint32_t i = 1; i < opt.vcpus; ++i) {
      ld.add_page(PageType::kVmsa, kVmsaGpa, std::span(vmsa, kPageSize));
    }
  }
  return ld.value();
}

}  // namespace cocos::igvm
