// Entry-name rules for extraction: everything that could address a path outside the target
// (or confuse another OS that later reads the tree) is refused rather than rewritten.
#include "entry_name.h"

namespace cocos::archive::detail {

namespace {
Error refuse(std::string_view why, std::string_view name) {
  std::string shown;
  for (char c : name) {  // never echo control bytes into logs
    auto u = static_cast<unsigned char>(c);
    shown += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return make_error("bad_archive", std::string(why) + ": '" + shown + "'");
}
}  // namespace

Result<EntryName> validate_entry_name(std::string_view raw, std::uint64_t max_bytes,
                                      std::uint64_t max_depth) {
  if (raw.empty()) return refuse("empty entry name", raw);
  if (raw.size() > max_bytes) return refuse("entry name too long", raw.substr(0, 64));
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return refuse("control character in entry name", raw);
    if (c == '\\') return refuse("backslash in entry name", raw);
  }
  if (raw.front() == '/') return refuse("absolute entry name", raw);
  if (raw.size() >= 2 && raw[1] == ':' &&
      ((raw[0] >= 'A' && raw[0] <= 'Z') || (raw[0] >= 'a' && raw[0] <= 'z'))) {
    return refuse("drive letter in entry name", raw);
  }
  EntryName out;
  std::string_view body = raw;
  if (body.back() == '/') {
    out.is_dir = true;
    body.remove_suffix(1);
    if (body.empty()) return refuse("empty entry name", raw);
  }
  std::uint64_t depth = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t end = body.find('/', start);
    std::string_view comp = body.substr(start, end == std::string_view::npos ? end : end - start);
    if (comp.empty()) return refuse("empty path component", raw);
    if (comp == "." || comp == "..") return refuse("dot path component", raw);
    if (comp.size() > 255) return refuse("path component too long", raw);
    if (++depth > max_depth) return refuse("entry nested too deep", raw);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.path = std::string(body);
  return out;
}

}  // namespace cocos::archive::detail
