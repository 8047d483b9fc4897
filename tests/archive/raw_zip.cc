// Hand-rolled zip encoding (PKWARE APPNOTE 4.3.7 local header, 4.3.12 central header, 4.3.16
// end of central directory) for the hostile-archive tests.
#include "raw_zip.h"

#include <zlib.h>

namespace cocos::archive::testing {

namespace {
void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

std::string raw_deflate(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace

std::string extra_field(std::uint16_t id, const std::string& payload) {
  std::string s;
  put16(s, id);
  put16(s, static_cast<std::uint32_t>(payload.size()));
  return s + payload;
}

std::string build_zip(const std::vector<RawEntry>& entries) {
  std::string out, central;
  for (const RawEntry& e : entries) {
    std::string data = e.deflate ? raw_deflate(e.content) : e.content;
    auto crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(e.content.data()),
                                                static_cast<uInt>(e.content.size())));
    auto size =
        static_cast<std::uint32_t>(e.declared_size >= 0 ? e.declared_size : e.content.size());
    std::uint32_t method = e.deflate ? 8 : 0;
    auto offset = static_cast<std::uint32_t>(out.size());
    auto header = [&](std::string& s, bool local) {
      put32(s, local ? 0x04034b50 : 0x02014b50);
      if (!local) put16(s, (3 << 8) | 20);  // made by Unix, spec 2.0
      put16(s, 20);
      put16(s, 0);
      put16(s, method);
      put16(s, 0);
      put16(s, 0x21);
      put32(s, crc);
      put32(s, static_cast<std::uint32_t>(data.size()));
      put32(s, size);
      put16(s, static_cast<std::uint32_t>(e.name.size()));
      put16(s, static_cast<std::uint32_t>(e.extra.size()));
      if (!local) {
        put16(s, 0);  // comment
        put16(s, 0);  // disk
        put16(s, 0);  // internal attributes
        put32(s, e.unix_mode << 16);
        put32(s, offset);
      }
      s += e.name;
      s += e.extra;
    };
    header(out, true);
    out += data;
    header(central, false);
  }
  auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

}  // namespace cocos::archive::testing
