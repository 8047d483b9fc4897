// IGVM parser. Bounds: every read is checked against the buffer; every header length must equal
// its structure size; file data must lie after the header region and inside the file.
#include "cocos/igvm/igvm_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

namespace cocos::igvm {

namespace {

std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

constexpr std::uint64_t kPageSizeBytes = 4096;

std::string to_hex_u64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error bad(const std::string& msg) {
  return make_error("bad_igvm", msg);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// Section of a header type: 0 platform, 1 initialization, 2 directive, -1 unknown range.
int section_of(std::uint32_t type) {
  if (type >= 0x001 && type <= 0x100) return 0;
  if (type >= 0x101 && type <= 0x200) return 1;
  if (type >= 0x301 && type <= 0x400) return 2;
  return -1;
}

bool is_parameter_usage(std::uint32_t t) {
  switch (t) {
    case kVhtVpCount:
    case kVhtSrat:
    case kVhtMadt:
    case kVhtMmioRanges:
    case kVhtMemoryMap:
    case kVhtCommandLine:
    case kVhtSlit:
    case kVhtPptt:
    case kVhtDeviceTree:
    case kVhtEnvironmentInfo:
      return true;
    default:
      return false;
  }
}

// Expected body length of a known type; 0 = unknown type; SIZE_MAX = any length.
std::size_t expected_length(std::uint32_t t) {
  if (is_parameter_usage(t)) return 8;
  switch (t) {
    case kVhtSupportedPlatform:
    case kVhtGuestPolicy:
    case kVhtCorimDocument:
    case kVhtCorimSignature:
    case kVhtParameterArea:
    case kVhtParameterInsert:
    case kVhtErrorRange:
      return 16;
    case kVhtRelocatableRegion:
      return 48;
    case kVhtPageTableRelocation:
    case kVhtCcaPolicy:
      return 32;
    case kVhtPageData:
    case kVhtRequiredMemory:
      return 24;
    case kVhtVpContext:
      return 20;
    case kVhtSnpIdBlock:
      return 696;
    case kVhtVbsMeasurement:
      return SIZE_MAX;
    default:
      return 0;
  }
}

Bytes amd_key_from_igvm(const std::uint8_t* p) {
  // IGVM key: curve u32, reserved u32, qx[72], qy[72]. AMD: curve u32, qx[72], qy[72], pad.
  Bytes k(0x404, 0);
  std::memcpy(k.data(), p, 4);
  std::memcpy(k.data() + 4, p + 8, 72);
  std::memcpy(k.data() + 76, p + 80, 72);
  return k;
}

class Parser {
 public:
  explicit Parser(std::span<const std::uint8_t> f) : f_(f) {}

  Result<IgvmFile> run();

 private:
  Status check_data_range(std::uint64_t offset, std::uint64_t len, const char* what);
  Status header(std::uint32_t type, const std::uint8_t* b, std::size_t len, std::size_t at);
  Status check_mask(std::uint32_t mask, const char* what, std::size_t at);

  std::span<const std::uint8_t> f_;
  IgvmFile out_;
  std::size_t region_end_ = 0;
  std::uint32_t all_masks_ = 0;
  std::uint32_t vmsa_masks_ = 0;  // platforms whose VP_CONTEXT is a 4096-byte VMSA
  std::map<std::uint32_t, std::size_t> area_by_index_;
  std::map<std::uint32_t, bool> area_inserted_;
};

Status Parser::check_data_range(std::uint64_t offset, std::uint64_t len, const char* what) {
  if (offset < region_end_) {
    return bad(std::string(what) + ": file_offset " + std::to_string(offset) +
               " overlaps the headers (which end at " + std::to_string(region_end_) + ")");
  }
  if (offset > f_.size() || len > f_.size() - offset) {
    return bad(std::string(what) + ": data at " + std::to_string(offset) + " length " +
               std::to_string(len) + " runs past the end of the file (" +
               std::to_string(f_.size()) + " bytes)");
  }
  return ok_status();
}

Status Parser::check_mask(std::uint32_t mask, const char* what, std::size_t at) {
  if (mask == 0 || (mask & ~all_masks_) != 0) {
    return bad(std::string(what) + " at " + std::to_string(at) + ": compatibility_mask " +
               hex32(mask) + " names no declared platform (declared " + hex32(all_masks_) + ")");
  }
  return ok_status();
}

Status Parser::header(std::uint32_t type, const std::uint8_t* b, std::size_t len, std::size_t at) {
  (void)len;
  switch (type) {
    case kVhtSupportedPlatform: {
      Platform p{le32(b), b[4], static_cast<PlatformType>(b[5]), le16(b + 6), le64(b + 8)};
      if (p.mask == 0 || (p.mask & (p.mask - 1)) != 0) {
        return bad("SUPPORTED_PLATFORM at " + std::to_string(at) +
                   ": compatibility_mask must have exactly one bit, got " + hex32(p.mask));
      }
      if ((all_masks_ & p.mask) != 0) {
        return bad("SUPPORTED_PLATFORM at " + std::to_string(at) + ": mask " + hex32(p.mask) +
                   " declared twice");
      }
      if (b[5] > 6) {
        return bad("SUPPORTED_PLATFORM at " + std::to_string(at) + ": unknown platform_type " +
                   std::to_string(b[5]));
      }
      all_masks_ |= p.mask;
      if (p.type == PlatformType::kSevSnp || p.type == PlatformType::kSevEs) vmsa_masks_ |= p.mask;
      out_.platforms.push_back(p);
      return ok_status();
    }
    case kVhtGuestPolicy: {
      GuestPolicy gp{le64(b), le32(b + 8)};
      if (auto s = check_mask(gp.mask, "GUEST_POLICY", at); !s) return s;
      out_.policies.push_back(gp);
      return ok_status();
    }
    case kVhtParameterArea: {
      ParameterArea a{le32(b + 8), le64(b), le32(b + 12)};
      if (a.size == 0 || a.size % kPageSizeBytes != 0 || a.size > kMaxIgvmFileBytes) {
        return bad("PARAMETER_AREA at " + std::to_string(at) + ": number_of_bytes " +
                   std::to_string(a.size) + " is not a positive multiple of 4096");
      }
      if (area_by_index_.count(a.index) != 0) {
        return bad("PARAMETER_AREA at " + std::to_string(at) + ": parameter_area_index " +
                   std::to_string(a.index) + " declared twice");
      }
      if (a.file_offset != 0) {
        if (auto s = check_data_range(a.file_offset, 1, "PARAMETER_AREA"); !s) return s;
      }
      area_by_index_[a.index] = out_.areas.size();
      out_.areas.push_back(a);
      return ok_status();
    }
    case kVhtPageData: {
      Directive d;
      d.kind = DirectiveKind::kPageData;
      d.type = type;
      d.gpa = le64(b);
      d.mask = le32(b + 8);
      d.file_offset = le32(b + 12);
      d.flags = le32(b + 16);
      const std::uint16_t data_type = le16(b + 20);
      const std::uint16_t reserved = le16(b + 22);
      if (auto s = check_mask(d.mask, "PAGE_DATA", at); !s) return s;
      if (data_type > 3) {
        return bad("PAGE_DATA at " + std::to_string(at) + ": unknown data_type " +
                   std::to_string(data_type));
      }
      if (reserved != 0 || (d.flags & ~0x7u) != 0) {
        return bad("PAGE_DATA at " + std::to_string(at) + ": reserved bits set (flags " +
                   hex32(d.flags) + ", reserved " + hex32(reserved) + ")");
      }
      const std::uint64_t page = (d.flags & kPageFlag2Mb) ? 0x200000 : kPageSizeBytes;
      if (d.gpa % page != 0) {
        return bad("PAGE_DATA at " + std::to_string(at) + ": gpa 0x" + to_hex_u64(d.gpa) +
                   " is not aligned to the page size");
      }
      if (d.file_offset != 0) {
        if (auto s = check_data_range(d.file_offset, page, "PAGE_DATA"); !s) return s;
      }
      d.data_type = static_cast<PageDataType>(data_type);
      out_.directives.push_back(d);
      return ok_status();
    }
    case kVhtParameterInsert: {
      Directive d;
      d.kind = DirectiveKind::kParameterInsert;
      d.type = type;
      d.gpa = le64(b);
      d.mask = le32(b + 8);
      d.area_index = le32(b + 12);
      if (auto s = check_mask(d.mask, "PARAMETER_INSERT", at); !s) return s;
      auto it = area_by_index_.find(d.area_index);
      if (it == area_by_index_.end()) {
        return bad("PARAMETER_INSERT at " + std::to_string(at) + ": parameter area " +
                   std::to_string(d.area_index) + " was never declared");
      }
      if (area_inserted_[d.area_index]) {
        return bad("PARAMETER_INSERT at " + std::to_string(at) + ": parameter area " +
                   std::to_string(d.area_index) + " inserted twice");
      }
      if (d.gpa % kPageSizeBytes != 0) {
        return bad("PARAMETER_INSERT at " + std::to_string(at) + ": gpa not page aligned");
      }
      area_inserted_[d.area_index] = true;
      d.area_size = out_.areas[it->second].size;
      out_.directives.push_back(d);
      return ok_status();
    }
    case kVhtVpContext: {
      Directive d;
      d.kind = DirectiveKind::kVpContext;
      d.type = type;
      d.gpa = le64(b);
      d.mask = le32(b + 8);
      d.file_offset = le32(b + 12);
      d.vp_index = le16(b + 16);
      if (auto s = check_mask(d.mask, "VP_CONTEXT", at); !s) return s;
      if (d.file_offset == 0) {
        return bad("VP_CONTEXT at " + std::to_string(at) + ": no VMSA data (file_offset 0)");
      }
      const std::uint64_t need = (d.mask & vmsa_masks_) ? kPageSizeBytes : 1;
      if (auto s = check_data_range(d.file_offset, need, "VP_CONTEXT"); !s) return s;
      out_.directives.push_back(d);
      return ok_status();
    }
    case kVhtSnpIdBlock: {
      IdBlock id;
      id.mask = le32(b);
      if (auto s = check_mask(id.mask, "SNP_ID_BLOCK", at); !s) return s;
      id.author_key_enabled = b[4] != 0;
      std::memcpy(id.ld.data(), b + 8, 48);
      std::memcpy(id.family_id.data(), b + 56, 16);
      std::memcpy(id.image_id.data(), b + 72, 16);
      id.version = le32(b + 88);
      id.guest_svn = le32(b + 92);
      id.id_key_algorithm = le32(b + 96);
      id.author_key_algorithm = le32(b + 100);
      id.id_key_amd = amd_key_from_igvm(b + 248);
      id.author_key_amd = amd_key_from_igvm(b + 544);
      out_.id_blocks.push_back(std::move(id));
      out_.directives.push_back(Directive{DirectiveKind::kOther, type});
      return ok_status();
    }
    default:
      break;
  }
  if (is_parameter_usage(type)) {
    const std::uint32_t index = le32(b);
    const std::uint32_t offset = le32(b + 4);
    auto it = area_by_index_.find(index);
    if (it == area_by_index_.end()) {
      return bad("parameter header " + hex32(type) + " at " + std::to_string(at) +
                 ": parameter area " + std::to_string(index) + " was never declared");
    }
    if (area_inserted_[index]) {
      return bad("parameter header " + hex32(type) + " at " + std::to_string(at) +
                 ": parameter area " + std::to_string(index) + " already inserted");
    }
    if (offset >= out_.areas[it->second].size) {
      return bad("parameter header " + hex32(type) + " at " + std::to_string(at) +
                 ": byte_offset beyond the area");
    }
  } else if (type == kVhtRequiredMemory || type == kVhtErrorRange ||
             type == kVhtRelocatableRegion || type == kVhtPageTableRelocation ||
             type == kVhtCorimDocument || type == kVhtCorimSignature) {
    if (auto s = check_mask(le32(type == kVhtRequiredMemory || type == kVhtErrorRange ? b + 8 : b),
                            "directive", at);
        !s) {
      return s;
    }
  }
  out_.directives.push_back(Directive{DirectiveKind::kOther, type});
  return ok_status();
}

Result<IgvmFile> Parser::run() {
  if (f_.size() > kMaxIgvmFileBytes) return bad("file larger than 1 GiB");
  if (f_.size() < 24) return bad("truncated: " + std::to_string(f_.size()) + " bytes, need 24");
  const std::uint8_t* p = f_.data();
  if (le32(p) != kIgvmMagic) return bad("wrong magic " + hex32(le32(p)) + ", want 0x4d564749");
  out_.format_version = le32(p + 4);
  std::size_t fixed = 0;
  if (out_.format_version == 1) {
    fixed = 24;
  } else if (out_.format_version == 2) {
    fixed = 32;
    if (f_.size() < fixed) return bad("truncated v2 fixed header");
  } else {
    return bad("unsupported format_version " + std::to_string(out_.format_version));
  }
  const std::uint32_t vh_offset = le32(p + 8);
  const std::uint32_t vh_size = le32(p + 12);
  const std::uint32_t total = le32(p + 16);
  out_.checksum = le32(p + 20);
  if (total != f_.size()) {
    return bad("total_file_size " + std::to_string(total) + " != actual size " +
               std::to_string(f_.size()));
  }
  if (vh_offset < fixed || vh_offset % 8 != 0) {
    return bad("variable_header_offset " + std::to_string(vh_offset) +
               " overlaps the fixed header or is not 8-aligned");
  }
  if (static_cast<std::uint64_t>(vh_offset) + vh_size > f_.size()) {
    return bad("variable header region [" + std::to_string(vh_offset) + ", +" +
               std::to_string(vh_size) + ") runs past the end of the file");
  }
  region_end_ = vh_offset + vh_size;
  // Checksum: CRC-32 over the fixed header (checksum field zeroed), then the variable headers.
  std::uint8_t head[32];
  std::memcpy(head, p, fixed);
  std::memset(head + 20, 0, 4);
  std::uint32_t crc = crc32(std::span(head, fixed));
  crc = crc32(f_.subspan(vh_offset, vh_size), crc);
  if (crc != out_.checksum) {
    return bad("checksum mismatch: header says " + hex32(out_.checksum) + ", computed " +
               hex32(crc));
  }
  int section = 0;
  std::size_t pos = vh_offset;
  while (pos < region_end_) {
    if (region_end_ - pos < 8) return bad("truncated variable header at " + std::to_string(pos));
    const std::uint32_t raw_type = le32(p + pos);
    const std::uint32_t len = le32(p + pos + 4);
    const std::size_t body = pos + 8;
    if (len > region_end_ - body) {
      return bad("variable header " + hex32(raw_type) + " at " + std::to_string(pos) + ": length " +
                 std::to_string(len) + " runs past the header region");
    }
    const std::size_t padded = (static_cast<std::size_t>(len) + 7) & ~std::size_t{7};
    const std::size_t next = std::min(body + padded, region_end_);
    for (std::size_t i = body + len; i < next; ++i) {
      if (p[i] != 0) return bad("non-zero padding after header at " + std::to_string(pos));
    }
    const std::uint32_t type = raw_type & 0x7FFFFFFFu;
    const bool ignorable = (raw_type & 0x80000000u) != 0;
    const std::size_t want = expected_length(type);
    const int sec = section_of(type);
    if (want == 0 || sec < 0) {
      if (!ignorable) {
        return bad("unknown variable header type " + hex32(raw_type) + " at " +
                   std::to_string(pos));
      }
    } else {
      if (sec < section) {
        return bad("variable header " + hex32(type) + " at " + std::to_string(pos) +
                   " goes back to an earlier section");
      }
      section = sec;
      const bool len_ok = want == SIZE_MAX || len == want || (type == kVhtVpContext && len == 24);
      if (!len_ok) {
        return bad("variable header " + hex32(type) + " at " + std::to_string(pos) + ": length " +
                   std::to_string(len) + ", want " + std::to_string(want));
      }
      if (auto s = header(type, p + body, len, pos); !s) return s.take_error();
    }
    ++out_.header_count;
    pos = body + padded;
  }
  if (out_.platforms.empty()) return bad("no SUPPORTED_PLATFORM header");
  out_.data = f_;
  return std::move(out_);
}

}  // namespace

Result<IgvmFile> parse_igvm(std::span<const std::uint8_t> file) {
  return Parser(file).run();
}

const char* platform_type_name(PlatformType t) {
  switch (t) {
    case PlatformType::kNative:
      return "native";
    case PlatformType::kVsmIsolation:
      return "vsm-isolation";
    case PlatformType::kSevSnp:
      return "sev-snp";
    case PlatformType::kTdx:
      return "tdx";
    case PlatformType::kSev:
      return "sev";
    case PlatformType::kSevEs:
      return "sev-es";
    case PlatformType::kCca:
      return "cca";
  }
  return "?";
}

}  // namespace cocos::igvm
