// PAGE_INFO chain. Layout (SNP ABI Table "PAGE_INFO"): DIGEST_CUR[48] CONTENTS[48] LENGTH u16
// PAGE_TYPE u8 IMI u8 VMPL3/2/1 perms + reserved (4 bytes, zero in every launch flow) GPA u64.
#include "cocos/igvm/launch_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

namespace cocos::igvm {

struct LaunchDigest::Impl {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  Digest48 zero_page_hash{};
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

const char* page_type_name(PageType t) {
  switch (t) {
    case PageType::kNormal:
      return "normal";
    case PageType::kVmsa:
      return "vmsa";
    case PageType::kZero:
      return "zero";
    case PageType::kUnmeasured:
      return "unmeasured";
    case PageType::kSecrets:
      return "secrets";
    case PageType::kCpuid:
      return "cpuid";
  }
  return "?";
}

LaunchDigest::LaunchDigest() : impl_(std::make_unique<Impl>()) {
  impl_->md = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->md == nullptr || impl_->ctx == nullptr) std::abort();  // out of memory
  static const std::uint8_t kZeros[kPageSize] = {};
  sha384(kZeros, kPageSize, impl_->zero_page_hash.data());
}

LaunchDigest::LaunchDigest(const Digest48& seed) : LaunchDigest() {
  ld_ = seed;
}

LaunchDigest::~LaunchDigest() = default;
LaunchDigest::LaunchDigest(LaunchDigest&&) noexcept = default;
LaunchDigest& LaunchDigest::operator=(LaunchDigest&&) noexcept = default;

void LaunchDigest::sha384(const std::uint8_t* data, std::size_t len, std::uint8_t* out) {
  unsigned int n = 0;
  if (EVP_DigestInit_ex2(impl_->ctx, impl_->md, nullptr) != 1 ||
      EVP_DigestUpdate(impl_->ctx, data, len) != 1 ||
      EVP_DigestFinal_ex(impl_->ctx, out, &n) != 1) {
    std::abort();  // cannot happen with a fetched SHA-384 and a valid context
  }
}

void LaunchDigest::update(PageType type, std::uint64_t gpa, const std::uint8_t* contents) {
  std::uint8_t info[0x70] = {};
  std::memcpy(info, ld_.data(), kDigestSize);
  if (contents != nullptr) std::memcpy(info + 0x30, contents, kDigestSize);
  info[0x60] = 0x70;
  info[0x61] = 0x00;
  info[0x62] = static_cast<std::uint8_t>(type);
  for (int i = 0; i < 8; ++i) info[0x68 + i] = static_cast<std::uint8_t>(gpa >> (8 * i));
  sha384(info, sizeof info, ld_.data());
  if (observer_) observer_(MeasuredPage{gpa, type, ld_});
}

void LaunchDigest::add_page(PageType type, std::uint64_t gpa, std::span<const std::uint8_t> page) {
  if (page.size() != kPageSize) std::abort();  // callers pass whole pages (programming error)
  std::uint8_t h[kDigestSize];
  sha384(page.data(), page.size(), h);
  update(type, gpa, h);
}

void LaunchDigest::add_hashed(PageType type, std::uint64_t gpa, const Digest48& contents) {
  update(type, gpa, contents.data());
}

void LaunchDigest::add_empty(PageType type, std::uint64_t gpa) {
  update(type, gpa, nullptr);
}

void LaunchDigest::add_zero_filled_normal(std::uint64_t gpa) {
  update(PageType::kNormal, gpa, impl_->zero_page_hash.data());
}

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Pages handed to a thread at a time: small enough that a thread descheduled by a busy machine
// holds back little work, large enough that the shared counter is touched rarely.
constexpr std::size_t kPagesPerGrab = 8;
// Below this many pages a batch is hashed on the calling thread: starting a thread costs more.
constexpr std::size_t kMinPagesForThreads = 64;

}  // namespace

struct PageHasher::Impl {
  EVP_MD* md = nullptr;
  ~Impl() { EVP_MD_free(md); }
};

PageHasher::PageHasher(unsigned threads) : impl_(std::make_unique<Impl>()) {
  impl_->md = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  if (impl_->md == nullptr) std::abort();  // the default provider always has SHA-384
  if (threads == 0) threads = std::thread::hardware_concurrency();
  threads_ = std::clamp(threads, 1u, kMaxThreads);
}

PageHasher::~PageHasher() = default;
PageHasher::PageHasher(PageHasher&&) noexcept = default;
PageHasher& PageHasher::operator=(PageHasher&&) noexcept = default;

void PageHasher::hash(std::span<const std::uint8_t* const> pages, std::span<Digest48> out,
                      const std::function<void()>& meanwhile) {
  if (out.size() != pages.size()) std::abort();  // programming error
  const EVP_MD* md = impl_->md;
  std::atomic<std::size_t> next{0};
  // Every thread, the caller included, takes the next few pages until none are left; the
  // digests land at their page's index, so the order of completion does not matter.
  auto work = [&] {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) std::abort();  // out of memory
    for (;;) {
      const std::size_t begin = next.fetch_add(kPagesPerGrab, std::memory_order_relaxed);
      if (begin >= pages.size()) return;
      const std::size_t end = std::min(begin + kPagesPerGrab, pages.size());
      for (std::size_t i = begin; i < end; ++i) {
        unsigned int n = 0;
        if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
            EVP_DigestUpdate(ctx.get(), pages[i], kPageSize) != 1 ||
            EVP_DigestFinal_ex(ctx.get(), out[i].data(), &n) != 1) {
          std::abort();  // cannot happen with a fetched SHA-384 and a valid context
        }
      }
    }
  };
  const std::size_t helpers =
      pages.size() < kMinPagesForThreads
          ? 0
          : std::min<std::size_t>(threads_ - 1, pages.size() / kMinPagesForThreads);
  std::vector<std::jthread> workers;  // joined when this scope ends
  workers.reserve(helpers);
  for (std::size_t i = 0; i < helpers; ++i) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no thread available: the threads already started (or the caller) do the rest
    }
  }
  if (meanwhile) meanwhile();
  work();
}

}  // namespace cocos::igvm
