// The SEV-SNP launch digest (MEASUREMENT): a chain of SHA-384 hashes over 112-byte PAGE_INFO
// records, one per measured 4 KiB page (SNP firmware ABI, PAGE_INFO; attestation.md §5.2).
// The object reuses one OpenSSL digest context, so measuring a page allocates nothing.
// The chain is serial, but each page's CONTENTS (SHA-384 of the page) is not: PageHasher
// computes many of them on several threads, and add_hashed() then chains them in order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace cocos::igvm {

inline constexpr std::size_t kPageSize = 4096;
inline constexpr std::size_t kDigestSize = 48;
inline constexpr std::uint64_t kVmsaGpa = 0xFFFFFFFFF000ULL;  // KVM/QEMU fixed VMSA GPA

using Digest48 = std::array<std::uint8_t, kDigestSize>;

enum class PageType : std::uint8_t {
  kNormal = 1,
  kVmsa = 2,
  kZero = 3,
  kUnmeasured = 4,
  kSecrets = 5,
  kCpuid = 6,
};
const char* page_type_name(PageType t);

// One measured page, reported to an observer (for `measure --verbose`).
struct MeasuredPage {
  std::uint64_t gpa;
  PageType type;
  const Digest48& digest_after;
};
using PageObserver = std::function<void(const MeasuredPage&)>;

class LaunchDigest {
 public:
  // Starts from 48 zero bytes, or from a seed (sev-snp-measure --ovmf-hash).
  LaunchDigest();
  explicit LaunchDigest(const Digest48& seed);
  ~LaunchDigest();
  LaunchDigest(LaunchDigest&&) noexcept;
  LaunchDigest& operator=(LaunchDigest&&) noexcept;
  LaunchDigest(const LaunchDigest&) = delete;
  LaunchDigest& operator=(const LaunchDigest&) = delete;

  void set_observer(PageObserver obs) { observer_ = std::move(obs); }

  // A NORMAL or VMSA page: CONTENTS = SHA-384(page), page must be exactly 4096 bytes.
  void add_page(PageType type, std::uint64_t gpa, std::span<const std::uint8_t> page);
  // A page whose CONTENTS field is zero (ZERO, UNMEASURED, SECRETS, CPUID).
  void add_empty(PageType type, std::uint64_t gpa);
  // A NORMAL page of 4096 zero bytes (QEMU's treatment of IGVM zero pages); precomputed hash.
  void add_zero_filled_normal(std::uint64_t gpa);
  // A NORMAL or VMSA page whose CONTENTS (SHA-384 of the page) was computed by the caller,
  // e.g. with PageHasher. Same result as add_page() with the page itself.
  void add_hashed(PageType type, std::uint64_t gpa, const Digest48& contents);

  const Digest48& value() const { return ld_; }

 private:
  void update(PageType type, std::uint64_t gpa, const std::uint8_t* contents);
  void sha384(const std::uint8_t* data, std::size_t len, std::uint8_t* out);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Digest48 ld_{};
  PageObserver observer_;
};

// SHA-384 of many 4 KiB pages, on up to `threads` threads (the calling thread is one of them).
// SHA-384 is fetched once; each thread reuses one digest context for all its pages. Workers are
// started per hash() call and joined before it returns, so nothing outlives the call.
// Thread-compatible: one hash() at a time per object.
class PageHasher {
 public:
  // 0 = std::thread::hardware_concurrency(), capped at kMaxThreads.
  explicit PageHasher(unsigned threads = 0);
  ~PageHasher();
  PageHasher(PageHasher&&) noexcept;
  PageHasher& operator=(PageHasher&&) noexcept;
  PageHasher(const PageHasher&) = delete;
  PageHasher& operator=(const PageHasher&) = delete;

  static constexpr unsigned kMaxThreads = 8;
  unsigned threads() const { return threads_; }

  // out[i] = SHA-384(pages[i][0, 4096)); REQUIRES: out.size() == pages.size(). Every pointer
  // must address 4096 readable bytes. `meanwhile` (may be empty) runs first on the calling
  // thread while the other threads already hash; the caller then helps with what is left.
  void hash(std::span<const std::uint8_t* const> pages, std::span<Digest48> out,
            const std::function<void()>& meanwhile = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned threads_ = 1;
};

}  // namespace cocos::igvm
