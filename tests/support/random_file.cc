// Pseudo-random test files with their SHA3-256 (see random_file.h).
#include "random_file.h"

#include <algorithm>
#include <fstream>
#include <span>
#include <vector>

#include "cocos/common/hash.h"

namespace cocos::test_support {

Result<Bytes> write_random_file(const std::string& path, std::uint64_t size, std::uint64_t seed) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return make_error("io_error", "cannot create " + path);
  Hasher h(HashAlg::kSha3_256);
  std::vector<std::uint64_t> buf((1 << 20) / 8);
  std::uint64_t x = seed != 0 ? seed : 1;  // xorshift never leaves 0
  for (std::uint64_t done = 0; done < size;) {
    for (auto& w : buf) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      w = x;
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size - done, 1 << 20));
    const auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
    h.update(std::span<const std::uint8_t>(p, n));
    f.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n));
    done += n;
  }
  f.close();
  if (!f) return make_error("io_error", "cannot write " + path);
  return h.finish();
}

}  // namespace cocos::test_support
