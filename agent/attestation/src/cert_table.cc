// GHCB certificate table parse/build (see cert_table.h).
#include "cocos/attestation/cert_table.h"

#include <array>
#include <vector>

namespace cocos::attestation {
namespace {

using Guid = std::array<std::uint8_t, 16>;
constexpr std::size_t kEntrySize = 24;

struct Known {
  const char* name;
  Guid guid;
};
// Byte order = RFC 4122 string order (verified on cocos attestation.bin's trailer).
const std::array<Known, 4> kKnown = {{
    {"vcek",
     {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac,
      0xcd}},
    {"vlek",
     {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8,
      0xa1}},
    {"ask",
     {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7,
      0x82}},
    {"ark",
     {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0,
      0xae}},
}};

std::uint32_t le32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
void put_le32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Result<std::map<std::string, Bytes>> parse_cert_table(std::span<const std::uint8_t> blob) {
  std::map<std::string, Bytes> out;
  if (blob.empty()) return out;
  for (std::size_t off = 0;; off += kEntrySize) {
    if (off + kEntrySize > blob.size()) {
      return make_error("bad_message", "certificate table: no all-zero terminator entry");
    }
    const std::uint8_t* e = blob.data() + off;
    bool zero = true;
    for (std::size_t i = 0; i < kEntrySize; ++i) zero &= e[i] == 0;
    if (zero) break;
    const std::uint32_t cert_off = le32(e + 16);
    const std::uint32_t cert_len = le32(e + 20);
    if (static_cast<std::uint64_t>(cert_off) + cert_len > blob.size()) {
      return make_error("bad_message",
                        "certificate table entry " + std::to_string(off / kEntrySize) +
                            " points outside the table (offset " + std::to_string(cert_off) +
                            ", length " + std::to_string(cert_len) + ", table " +
                            std::to_string(blob.size()) + " bytes)");
    }
    for (const Known& k : kKnown) {
      if (std::equal(k.guid.begin(), k.guid.end(), e)) {
        out[k.name] = Bytes(blob.begin() + cert_off, blob.begin() + cert_off + cert_len);
      }
    }
  }
  return out;
}

Bytes build_cert_table(const std::map<std::string, Bytes>& certs) {
  std::vector<std::pair<const Known*, const Bytes*>> present;
  for (const Known& k : kKnown) {
    if (auto it = certs.find(k.name); it != certs.end()) present.push_back({&k, &it->second});
  }
  Bytes out;
  std::uint32_t data_off = static_cast<std::uint32_t>((present.size() + 1) * kEntrySize);
  for (const auto& [k, der] : present) {
    out.insert(out.end(), k->guid.begin(), k->guid.end());
    put_le32(out, data_off);
    put_le32(out, static_cast<std::uint32_t>(der->size()));
    data_off += static_cast<std::uint32_t>(der->size());
  }
  out.resize(out.size() + kEntrySize, 0);
  for (const auto& [k, der] : present) out.insert(out.end(), der->begin(), der->end());
  return out;
}

}  // namespace cocos::attestation
