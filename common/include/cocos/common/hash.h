// Message digests over OpenSSL EVP: one-shot helpers and an incremental hasher for streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos {

enum class HashAlg { kSha256, kSha384, kSha512, kSha3_256, kSha3_384, kSha3_512 };

std::size_t digest_size(HashAlg alg);
std::string_view hash_name(HashAlg alg);  // OpenSSL's name, e.g. "SHA3-256"

// Incremental hasher; movable, not copyable. The EVP_MD is fetched once per object.
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data) { update(as_bytes(data)); }
  // Returns the digest and resets the hasher for reuse.
  Bytes finish();
  HashAlg alg() const { return alg_; }

 private:
  struct Impl;
  HashAlg alg_;
  std::unique_ptr<Impl> impl_;
};

Bytes digest(HashAlg alg, std::span<const std::uint8_t> data);
inline Bytes digest(HashAlg alg, std::string_view data) {
  return digest(alg, as_bytes(data));
}

// Hash of a whole file, read in large blocks ("io_error" when it cannot be read).
Result<Bytes> digest_file(HashAlg alg, const std::string& path);

}  // namespace cocos
