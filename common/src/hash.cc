// EVP-backed digests. The EVP_MD is fetched explicitly (OpenSSL 3) so repeated use does not
// pay for implicit fetches.
#include "cocos/common/hash.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>

namespace cocos {

namespace {
struct MdDeleter {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
}  // namespace

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return "SHA256";
    case HashAlg::kSha384:
      return "SHA384";
    case HashAlg::kSha512:
      return "SHA512";
    case HashAlg::kSha3_256:
      return "SHA3-256";
    case HashAlg::kSha3_384:
      return "SHA3-384";
    case HashAlg::kSha3_512:
      return "SHA3-512";
  }
  return "SHA256";
}

std::size_t digest_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
    case HashAlg::kSha3_256:
      return 32;
    case HashAlg::kSha384:
    case HashAlg::kSha3_384:
      return 48;
    case HashAlg::kSha512:
    case HashAlg::kSha3_512:
      return 64;
  }
  return 0;
}

struct Hasher::Impl {
  std::unique_ptr<EVP_MD, MdDeleter> md;
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx;
};

Hasher::Hasher(HashAlg alg) : alg_(alg), impl_(std::make_unique<Impl>()) {
  impl_->md.reset(EVP_MD_fetch(nullptr, std::string(hash_name(alg)).c_str(), nullptr));
  impl_->ctx.reset(EVP_MD_CTX_new());
  // Allocation failure of an EVP context is unrecoverable (like std::bad_alloc).
  if (!impl_->md || !impl_->ctx ||
      EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md.get(), nullptr) != 1) {
    std::abort();
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::span<const std::uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size());
}

Bytes Hasher::finish() {
  Bytes out(digest_size(alg_));
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len);
  EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md.get(), nullptr);
  out.resize(len);
  return out;
}

Bytes digest(HashAlg alg, std::span<const std::uint8_t> data) {
  Hasher h(alg);
  h.update(data);
  return h.finish();
}

Result<Bytes> digest_file(HashAlg alg, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error("io_error", "cannot open " + path);
  Hasher h(alg);
  std::vector<std::uint8_t> buf(1 << 20);
  while (true) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n > 0) h.update(std::span(buf.data(), n));
    if (n < buf.size()) {
      if (std::ferror(f.get())) return make_error("io_error", "read error on " + path);
      break;
    }
  }
  return h.finish();
}

}  // namespace cocos
