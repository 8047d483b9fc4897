// Test-only IGVM writer and reference digest (see igvm_writer.h).
#include "igvm_writer.h"

#include "cocos/common/hash.h"
#include "cocos/igvm/igvm_file.h"

namespace cocos::test {

void put_le(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void IgvmWriter::platform(std::uint32_t mask, std::uint8_t type) {
  Bytes b(16, 0);
  put_le(b, 0, mask, 4);
  b[4] = 0;
  b[5] = type;
  put_le(b, 6, 1, 2);
  raw(0x001, b);
}

void IgvmWriter::guest_policy(std::uint64_t policy, std::uint32_t mask) {
  Bytes b(16, 0);
  put_le(b, 0, policy, 8);
  put_le(b, 8, mask, 4);
  raw(0x101, b);
}

void IgvmWriter::parameter_area(std::uint32_t index, std::uint64_t size) {
  Bytes b(16, 0);
  put_le(b, 0, size, 8);
  put_le(b, 8, index, 4);
  raw(0x301, b);
}

void IgvmWriter::page_data(std::uint64_t gpa, std::uint32_t mask, Bytes data, std::uint32_t flags,
                           std::uint16_t data_type) {
  Bytes b(24, 0);
  put_le(b, 0, gpa, 8);
  put_le(b, 8, mask, 4);
  put_le(b, 16, flags, 4);
  put_le(b, 20, data_type, 2);
  if (data.empty()) {
    raw(0x302, b);
  } else {
    raw(0x302, b, std::move(data), 12);
  }
}

void IgvmWriter::parameter_insert(std::uint64_t gpa, std::uint32_t mask, std::uint32_t index) {
  Bytes b(16, 0);
  put_le(b, 0, gpa, 8);
  put_le(b, 8, mask, 4);
  put_le(b, 12, index, 4);
  raw(0x303, b);
}

void IgvmWriter::parameter_usage(std::uint32_t type, std::uint32_t index, std::uint32_t offset) {
  Bytes b(8, 0);
  put_le(b, 0, index, 4);
  put_le(b, 4, offset, 4);
  raw(type, b);
}

void IgvmWriter::vp_context(std::uint64_t gpa, std::uint32_t mask, Bytes vmsa, std::uint16_t vp) {
  Bytes b(20, 0);
  put_le(b, 0, gpa, 8);
  put_le(b, 8, mask, 4);
  put_le(b, 16, vp, 2);
  raw(0x304, b, std::move(vmsa), 12);
}

void IgvmWriter::id_block(std::uint32_t mask, const Bytes& ld48, const Bytes& family16,
                          std::uint32_t svn) {
  Bytes b(696, 0);
  put_le(b, 0, mask, 4);
  std::copy(ld48.begin(), ld48.end(), b.begin() + 8);
  std::copy(family16.begin(), family16.end(), b.begin() + 56);
  put_le(b, 88, 1, 4);
  put_le(b, 92, svn, 4);
  put_le(b, 96, 1, 4);
  put_le(b, 248, 2, 4);  // id key curve P-384
  for (int i = 0; i < 48; ++i) b[256 + i] = static_cast<std::uint8_t>(i + 1);
  raw(0x30B, b);
}

void IgvmWriter::raw(std::uint32_t type, Bytes body, std::optional<Bytes> data,
                     std::size_t data_offset_field) {
  headers_.push_back(Header{type, std::move(body), std::move(data), data_offset_field});
}

Bytes IgvmWriter::build() const {
  std::size_t region = 0;
  for (const auto& h : headers_) region += 8 + ((h.body.size() + 7) & ~std::size_t{7});
  const std::size_t vh_offset = 24;
  Bytes file(vh_offset + region, 0);
  std::size_t pos = vh_offset;
  std::size_t data_at = file.size();
  for (const auto& h : headers_) {
    Bytes body = h.body;
    if (h.data) {
      put_le(body, h.offset_field, data_at, 4);
      data_at += h.data->size();
    }
    put_le(file, pos, h.type, 4);
    put_le(file, pos + 4, body.size(), 4);
    std::copy(body.begin(), body.end(), file.begin() + static_cast<long>(pos + 8));
    pos += 8 + ((body.size() + 7) & ~std::size_t{7});
  }
  for (const auto& h : headers_) {
    if (h.data) file.insert(file.end(), h.data->begin(), h.data->end());
  }
  put_le(file, 0, 0x4D564749, 4);
  put_le(file, 4, 1, 4);
  put_le(file, 8, vh_offset, 4);
  put_le(file, 12, region, 4);
  put_le(file, 16, file.size(), 4);
  fix_checksum(file);
  return file;
}

void fix_checksum(Bytes& file) {
  const std::uint32_t off =
      file[8] | file[9] << 8 | file[10] << 16 | static_cast<std::uint32_t>(file[11]) << 24;
  const std::uint32_t size =
      file[12] | file[13] << 8 | file[14] << 16 | static_cast<std::uint32_t>(file[15]) << 24;
  Bytes head(file.begin(), file.begin() + 24);
  put_le(head, 20, 0, 4);
  std::uint32_t crc = igvm::crc32(head);
  if (off + static_cast<std::uint64_t>(size) <= file.size()) {
    crc = igvm::crc32(std::span(file.data() + off, size), crc);
  }
  put_le(file, 20, crc, 4);
}

void RefDigest::page(std::uint8_t type, std::uint64_t gpa, const Bytes* contents4k) {
  Bytes info = ld_;
  if (contents4k) {
    Bytes h = digest(HashAlg::kSha384, *contents4k);
    info.insert(info.end(), h.begin(), h.end());
  } else {
    info.resize(96, 0);
  }
  info.resize(0x70, 0);
  info[0x60] = 0x70;
  info[0x62] = type;
  put_le(info, 0x68, gpa, 8);
  ld_ = digest(HashAlg::kSha384, info);
}

Bytes pattern_page(std::uint8_t seed, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return b;
}

}  // namespace cocos::test
