// Walks the parsed IGVM directives once and feeds the launch digest through a bounded batch of
// pages (contents hashed in parallel, PAGE_INFO chained in order); maps IGVM files read-only.
#include "cocos/igvm/measure.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include "cocos/common/hash.h"
#include "cocos/common/unique_fd.h"

namespace cocos::igvm {

namespace {
Error kvm(const std::string& m) {
  return make_error("igvm_kvm", m);
}
std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Pages per batch: 16 MiB of page contents, enough to keep every hashing thread busy for a
// while between two joins; two batches of bookkeeping stay under 1 MiB whatever the file size.
constexpr std::size_t kBatchPages = 4096;

// Pages waiting to enter the launch digest, in launch order, in two alternating batches. When a
// batch is full its data pages are hashed on the PageHasher's threads while the calling thread
// extends the PAGE_INFO chain with the previous batch (whose contents are all hashed), so the
// serial chain overlaps the parallel hashing. Pages enter the chain (and reach the observer)
// in the order they were added; finish() drains both batches.
class PageBatch {
 public:
  PageBatch(LaunchDigest& ld, unsigned threads) : ld_(ld), hasher_(threads) {
    for (Batch& b : batches_) {
      b.steps.reserve(kBatchPages);
      b.pages.reserve(kBatchPages);
    }
  }

  // CONTENTS = SHA-384 of the 4096 bytes at `page` (which must stay readable until finish()).
  void data(PageType type, std::uint64_t gpa, const std::uint8_t* page) {
    filling().pages.push_back(page);
    push({type, Kind::kData, gpa});
  }
  void empty(PageType type, std::uint64_t gpa) { push({type, Kind::kEmpty, gpa}); }
  void zero_filled_normal(std::uint64_t gpa) { push({PageType::kNormal, Kind::kZeroNormal, gpa}); }

  // Every page added so far is in the chain.
  void finish() {
    hash_filling();
    chain(batches_[1 - filling_]);
  }

 private:
  enum class Kind : std::uint8_t { kData, kEmpty, kZeroNormal };
  struct Step {
    PageType type;
    Kind kind;
    std::uint64_t gpa;
  };
  struct Batch {
    std::vector<Step> steps;
    std::vector<const std::uint8_t*> pages;  // of the kData steps, in order
    std::vector<Digest48> digests;           // of `pages`, once hashed
  };

  Batch& filling() { return batches_[filling_]; }
  void push(const Step& s) {
    filling().steps.push_back(s);
    if (filling().steps.size() == kBatchPages) hash_filling();
  }

  // Hashes the filling batch, chaining the other (already hashed) one meanwhile; the hashed
  // batch then waits for the next call while the other one fills.
  void hash_filling() {
    Batch& b = filling();
    Batch& hashed = batches_[1 - filling_];
    b.digests.resize(b.pages.size());
    hasher_.hash(b.pages, b.digests, [&] { chain(hashed); });
    filling_ = 1 - filling_;
  }

  void chain(Batch& b) {
    std::size_t next = 0;
    for (const Step& s : b.steps) {
      switch (s.kind) {
        case Kind::kData:
          ld_.add_hashed(s.type, s.gpa, b.digests[next++]);
          break;
        case Kind::kEmpty:
          ld_.add_empty(s.type, s.gpa);
          break;
        case Kind::kZeroNormal:
          ld_.add_zero_filled_normal(s.gpa);
          break;
      }
    }
    b.steps.clear();
    b.pages.clear();
  }

  LaunchDigest& ld_;
  PageHasher hasher_;
  Batch batches_[2];
  int filling_ = 0;
};

// A read-only private mapping of a whole file, unmapped when dropped.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  MappedFile& operator=(MappedFile&& o) noexcept {
    if (this != &o) {
      reset();
      addr_ = std::exchange(o.addr_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() { reset(); }

  // Maps `size` bytes of `fd` (size > 0).
  static Result<MappedFile> map(int fd, std::size_t size, const std::string& path) {
    // MAP_POPULATE: every page is read anyway, and setting up the page table in one go costs
    // less than a page fault per 64 KiB in the hashing threads.
    void* a = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (a == MAP_FAILED) {
      return make_error("io_error", "cannot map " + path + ": " + std::strerror(errno));
    }
    MappedFile m;
    m.addr_ = a;
    m.size_ = size;
    return m;
  }
  std::span<const std::uint8_t> bytes() const {
    return {static_cast<const std::uint8_t*>(addr_), size_};
  }

 private:
  void reset() noexcept {
    if (addr_ != nullptr) ::munmap(addr_, size_);
    addr_ = nullptr;
    size_ = 0;
  }
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

Result<SnpMeasurement> measure_snp(const IgvmFile& file, const MeasureOptions& options) {
  SnpMeasurement m;
  for (const auto& p : file.platforms) {
    if (p.type == PlatformType::kSevSnp) m.platform_mask = p.mask;
  }
  if (m.platform_mask == 0) {
    return make_error("igvm_no_snp", "the IGVM file declares no SEV-SNP platform");
  }
  for (const auto& gp : file.policies) {
    if (gp.mask & m.platform_mask) m.guest_policy = gp.policy;
  }
  for (const auto& id : file.id_blocks) {
    if (id.mask & m.platform_mask) m.id_block = id;
  }
  LaunchDigest ld;
  std::uint64_t count = 0;
  ld.set_observer([&](const MeasuredPage& page) {
    ++count;
    if (options.observer) options.observer(page);
  });
  PageBatch batch(ld, options.threads);
  // A KVM rule violation ends the walk; the pages before it are still measured (and observed),
  // as they were when pages were measured one by one.
  auto kvm_error = [&](const std::string& m) {
    batch.finish();
    return kvm(m);
  };
  const std::uint8_t* data = file.data.data();
  bool vmsa_seen = false;
  for (const Directive& d : file.directives) {
    if ((d.mask & m.platform_mask) == 0) continue;
    switch (d.kind) {
      case DirectiveKind::kPageData: {
        if (options.check_kvm && vmsa_seen) {
          return kvm_error("PAGE_DATA at gpa after the VMSA: KVM measures VMSAs last");
        }
        const std::uint64_t pages = (d.flags & kPageFlag2Mb) ? 512 : 1;
        for (std::uint64_t i = 0; i < pages; ++i) {
          const std::uint64_t gpa = d.gpa + i * kPageSize;
          if (d.data_type == PageDataType::kSecrets) {
            batch.empty(PageType::kSecrets, gpa);
          } else if (d.data_type != PageDataType::kNormal) {
            batch.empty(PageType::kCpuid, gpa);
          } else if (d.flags & kPageFlagUnmeasured) {
            batch.empty(PageType::kUnmeasured, gpa);
          } else if (d.file_offset == 0) {
            if (options.native_zero) {
              batch.empty(PageType::kZero, gpa);
            } else {
              batch.zero_filled_normal(gpa);
            }
          } else {
            batch.data(PageType::kNormal, gpa, data + d.file_offset + i * kPageSize);
          }
        }
        break;
      }
      case DirectiveKind::kParameterInsert:
        for (std::uint64_t off = 0; off < d.area_size; off += kPageSize) {
          batch.empty(PageType::kUnmeasured, d.gpa + off);
        }
        break;
      case DirectiveKind::kVpContext: {
        const auto vmsa = std::span(data + d.file_offset, kPageSize);
        if (options.check_kvm) {
          if (vmsa_seen) return kvm_error("more than one VMSA for the SNP platform");
          if (d.gpa != kVmsaGpa) {
            return kvm_error("VMSA gpa must be 0xfffffffff000 under KVM");
          }
          const std::uint64_t cr0 = le64(vmsa.data() + 0x158);
          if (cr0 != 0x31 && cr0 != 0x30) return kvm_error("VMSA cr0 must be 0x31 or 0x30");
        }
        vmsa_seen = true;
        ++m.vmsas;
        batch.data(PageType::kVmsa, d.gpa, vmsa.data());
        break;
      }
      case DirectiveKind::kOther:
        break;
    }
  }
  batch.finish();
  m.digest = ld.value();
  m.pages = count;
  if (m.id_block && !options.ignore_id_block_ld &&
      std::memcmp(m.id_block->ld.data(), m.digest.data(), kDigestSize) != 0) {
    return make_error("igvm_id_block", "SNP_ID_BLOCK ld " + to_hex(m.id_block->ld) +
                                           " differs from the computed launch digest " +
                                           to_hex(m.digest));
  }
  return m;
}

Result<Bytes> snp_launch_digest(std::span<const std::uint8_t> file, const MeasureOptions& options) {
  auto parsed = parse_igvm(file);
  if (!parsed) return parsed.take_error();
  auto m = measure_snp(*parsed, options);
  if (!m) return m.take_error();
  return Bytes(m->digest.begin(), m->digest.end());
}

Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return make_error("io_error", "cannot open " + path);
  const std::streamoff size = in.tellg();
  if (size < 0) return make_error("io_error", "cannot read " + path);
  if (static_cast<std::uint64_t>(size) > max_bytes) {
    return make_error("too_large",
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  Bytes buf(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), size)) {
    return make_error("io_error", "cannot read " + path);
  }
  return buf;
}

Result<Bytes> snp_launch_digest_from_file(const std::string& path, const MeasureOptions& options) {
  // Mapped, not read: the pages go from the page cache straight into SHA-384, and a 256 MiB
  // file does not cost 256 MiB of heap plus a copy.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return make_error("io_error", "cannot open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error("io_error", "cannot read " + path);
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    auto buf = read_file_bounded(path, kMaxIgvmFileBytes);  // a pipe, or nothing to map
    if (!buf) return buf.take_error();
    return snp_launch_digest(*buf, options);
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxIgvmFileBytes) {
    return make_error("too_large",
                      path + " is larger than " + std::to_string(kMaxIgvmFileBytes) + " bytes");
  }
  auto mapped = MappedFile::map(fd.get(), static_cast<std::size_t>(st.st_size), path);
  if (!mapped) return mapped.take_error();
  return snp_launch_digest(mapped->bytes(), options);
}

Bytes amd_key_digest(std::span<const std::uint8_t> amd_key) {
  return digest(HashAlg::kSha384, amd_key);
}

}  // namespace cocos::igvm
