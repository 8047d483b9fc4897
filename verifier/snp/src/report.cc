// Report parsing at the offsets of attestation.md §1 (go-sev-guest abi.go, virtee/sev).
#include "cocos/verifier/snp/report.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace cocos::verifier::snp {

namespace {
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}
template <std::size_t N>
void copy(std::array<std::uint8_t, N>& dst, const std::uint8_t* src) {
  std::memcpy(dst.data(), src, N);
}
Error bad(const std::string& m) {
  return make_error("bad_report", m);
}

std::string guid_string(const std::uint8_t* g) {
  // Stored in RFC 4122 string order (attestation.md §1).
  const std::string h = to_hex(std::span(g, 16));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}
}  // namespace

const char* product_name(Product p) {
  switch (p) {
    case Product::kMilan:
      return "Milan";
    case Product::kGenoa:
      return "Genoa";
    case Product::kTurin:
      return "Turin";
    case Product::kUnknown:
      break;
  }
  return "unknown";
}

Result<Product> parse_product(std::string_view s) {
  std::string l;
  for (char c : s) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (l.rfind("sev_product_", 0) == 0) l = l.substr(12);
  if (l.rfind("milan", 0) == 0) return Product::kMilan;
  if (l.rfind("genoa", 0) == 0) return Product::kGenoa;
  if (l.rfind("turin", 0) == 0) return Product::kTurin;
  return make_error("bad_product",
                    "unknown product '" + std::string(s) + "' (milan, genoa or turin)");
}

Tcb decompose_tcb(std::uint64_t raw, bool turin) {
  Tcb t;
  t.turin = turin;
  auto b = [raw](int i) { return static_cast<std::uint8_t>(raw >> (8 * i)); };
  if (turin) {
    t.fmc = b(0);
    t.bl = b(1);
    t.tee = b(2);
    t.snp = b(3);
  } else {
    t.bl = b(0);
    t.tee = b(1);
    t.snp = b(6);
  }
  t.ucode = b(7);
  return t;
}

std::uint64_t compose_tcb(const Tcb& t) {
  auto at = [](std::uint8_t v, int i) { return static_cast<std::uint64_t>(v) << (8 * i); };
  if (t.turin) return at(t.fmc, 0) | at(t.bl, 1) | at(t.tee, 2) | at(t.snp, 3) | at(t.ucode, 7);
  return at(t.bl, 0) | at(t.tee, 1) | at(t.snp, 6) | at(t.ucode, 7);
}

bool tcb_le(const Tcb& a, const Tcb& b) {
  return a.fmc <= b.fmc && a.bl <= b.bl && a.tee <= b.tee && a.snp <= b.snp && a.ucode <= b.ucode;
}

bool tcb_eq(const Tcb& a, const Tcb& b) {
  return a.fmc == b.fmc && a.bl == b.bl && a.tee == b.tee && a.snp == b.snp && a.ucode == b.ucode;
}

std::string tcb_string(std::uint64_t raw, bool turin) {
  const Tcb t = decompose_tcb(raw, turin);
  char buf[128];
  if (turin) {
    std::snprintf(buf, sizeof buf, "0x%016llx (fmc %u bl %u tee %u snp %u ucode %u)",
                  static_cast<unsigned long long>(raw), t.fmc, t.bl, t.tee, t.snp, t.ucode);
  } else {
    std::snprintf(buf, sizeof buf, "0x%016llx (bl %u tee %u snp %u ucode %u)",
                  static_cast<unsigned long long>(raw), t.bl, t.tee, t.snp, t.ucode);
  }
  return buf;
}

bool SnpReport::chip_id_masked() const {
  return std::all_of(chip_id.begin(), chip_id.end(), [](std::uint8_t b) { return b == 0; });
}

Product SnpReport::product_from_cpuid() const {
  if (!has_cpuid) return Product::kUnknown;
  if (cpuid_fam == 0x19 && cpuid_mod == 0x01) return Product::kMilan;
  if (cpuid_fam == 0x19 && (cpuid_mod == 0x11 || cpuid_mod == 0xA0)) return Product::kGenoa;
  if (cpuid_fam == 0x1A && (cpuid_mod == 0x02 || (cpuid_mod & 0xF0) == 0x10)) {
    return Product::kTurin;
  }
  return Product::kUnknown;
}

Result<SnpReport> parse_report(std::span<const std::uint8_t> bytes,
                               std::vector<std::string>* warnings) {
  if (bytes.size() != kReportSize) {
    return bad("report is " + std::to_string(bytes.size()) + " bytes, want 1184");
  }
  SnpReport r;
  std::memcpy(r.raw.data(), bytes.data(), kReportSize);
  const std::uint8_t* p = r.raw.data();
  r.version = le32(p);
  if (r.version < 2) return bad("unsupported report version " + std::to_string(r.version));
  if (r.version > 5 && warnings) {
    warnings->push_back("report version " + std::to_string(r.version) +
                        " is newer than 5: parsed by the fields common to version 5");
  }
  r.guest_svn = le32(p + 0x04);
  r.policy = le64(p + 0x08);
  copy(r.family_id, p + 0x10);
  copy(r.image_id, p + 0x20);
  r.vmpl = le32(p + 0x30);
  r.signature_algo = le32(p + 0x34);
  r.current_tcb = le64(p + 0x38);
  r.platform_info = le64(p + 0x40);
  r.signer_info = le32(p + 0x48);
  copy(r.report_data, p + 0x50);
  copy(r.measurement, p + 0x90);
  copy(r.host_data, p + 0xC0);
  copy(r.id_key_digest, p + 0xE0);
  copy(r.author_key_digest, p + 0x110);
  copy(r.report_id, p + 0x140);
  copy(r.report_id_ma, p + 0x160);
  r.reported_tcb = le64(p + 0x180);
  if (r.version >= 3) {
    r.has_cpuid = true;
    r.cpuid_fam = p[0x188];
    r.cpuid_mod = p[0x189];
    r.cpuid_step = p[0x18A];
  }
  copy(r.chip_id, p + 0x1A0);
  r.committed_tcb = le64(p + 0x1E0);
  r.current_build = p[0x1E8];
  r.current_minor = p[0x1E9];
  r.current_major = p[0x1EA];
  r.committed_build = p[0x1EC];
  r.committed_minor = p[0x1ED];
  r.committed_major = p[0x1EE];
  r.launch_tcb = le64(p + 0x1F0);
  if (r.version >= 5) {
    r.has_mit_vectors = true;
    r.launch_mit_vector = le64(p + 0x1F8);
    r.current_mit_vector = le64(p + 0x200);
  }
  if (r.signature_algo == 1 &&
      std::any_of(p + 0x330, p + kReportSize, [](std::uint8_t b) { return b != 0; })) {
    return bad("signature bytes 0x330..0x49f must be zero for ECDSA P-384");
  }
  return r;
}

Result<CertTable> parse_cert_table(std::span<const std::uint8_t> t) {
  CertTable out;
  constexpr std::size_t kEntry = 24, kMaxEntries = 64;
  for (std::size_t i = 0;; ++i) {
    if (i >= kMaxEntries) return bad("certificate table has more than 64 entries");
    const std::size_t at = i * kEntry;
    if (at + kEntry > t.size()) return bad("certificate table is truncated (no terminator)");
    const std::uint8_t* e = t.data() + at;
    if (std::all_of(e, e + kEntry, [](std::uint8_t b) { return b == 0; })) break;
    const std::uint32_t off = le32(e + 16), len = le32(e + 20);
    if (off > t.size() || len > t.size() - off) {
      return bad("certificate table entry " + std::to_string(i) + " points outside the table");
    }
    Bytes data(t.begin() + off, t.begin() + off + len);
    const std::string g = guid_string(e);
    if (g == "63da758d-e664-4564-adc5-f4b93be8accd") {
      out.vcek = std::move(data);
    } else if (g == "a8074bc2-a25a-483e-aae6-39c045a0b8a1") {
      out.vlek = std::move(data);
    } else if (g == "4ab7b379-bbac-4fe4-a02f-05aef327c782") {
      out.ask = std::move(data);
    } else if (g == "c0b406a4-a803-4952-9743-3fb6014cd0ae") {
      out.ark = std::move(data);
    } else {
      out.other_guids.push_back(g);
    }
  }
  return out;
}

Result<LoadedReport> load_report(std::span<const std::uint8_t> file) {
  if (file.size() > kMaxReportFileBytes) return bad("report file larger than 1 MiB");
  Bytes decoded;
  std::span<const std::uint8_t> bin = file;
  // Hex text: only hex digits and whitespace.
  const bool texty = !file.empty() && std::all_of(file.begin(), file.end(), [](std::uint8_t c) {
    return std::isxdigit(c) || std::isspace(c);
  });
  if (texty && file.size() >= 2 * kReportSize) {
    std::string hex;
    for (std::uint8_t c : file) {
      if (!std::isspace(c)) hex.push_back(static_cast<char>(c));
    }
    auto d = from_hex(hex);
    if (!d) return bad("report hex text: " + d.error().message);
    decoded = std::move(*d);
    bin = decoded;
  }
  if (bin.size() < kReportSize) {
    return bad("truncated: " + std::to_string(bin.size()) + " bytes, want 1184");
  }
  LoadedReport out;
  auto r = parse_report(bin.first(kReportSize), &out.warnings);
  if (!r) return r.take_error();
  out.report = std::move(*r);
  if (bin.size() > kReportSize) {
    auto t = parse_cert_table(bin.subspan(kReportSize));
    if (!t) return t.take_error();
    out.certs = std::move(*t);
  }
  return out;
}

}  // namespace cocos::verifier::snp
