// Safe extraction of an untrusted zip (e.g. a dataset marked "decompress") into a directory.
//
// Refused, with Error{"bad_archive", "<reason>: '<entry name>'"}:
//  * names that are empty, absolute, contain '\\', NUL or control bytes, a drive letter
//    ("C:"), empty / "." / ".." components, or exceed the name length or depth limits;
//  * duplicate names (also "a" vs "a/"), and a file used as a parent directory of another entry;
//  * entries whose Unix mode (external attributes, creator Unix) is not a regular file or a
//    directory: symlinks, hard links (PKWARE 0x000d extra field with a link target), character
//    and block devices, FIFOs, sockets, unknown types;
//  * encrypted entries and unsupported compression methods;
//  * more than max_entries entries; a declared size above a limit; and, while writing (actual
//    bytes are counted, declared sizes are not trusted), an entry above max_entry_bytes, a total
//    above max_total_bytes, an entry expanding more than max_ratio times its compressed size
//    (checked once it has produced ratio_floor_bytes), a size or CRC different from the
//    declared one;
//  * an entry that would overwrite something already in the target.
// Everything is extracted into a fresh staging directory beside `target_dir` and moved into
// place only when the whole archive passed, so on any error nothing is left behind. When
// `target_dir` does not exist it is created (mode 0755); when it exists its top-level names must
// not collide with the archive's. Files are created 0644 (0755 with an execute bit), never
// with set-id bits. Thread-compatible; distinct targets may be extracted concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stop_token>
#include <string>

#include "cocos/common/result.h"

namespace cocos::archive {

struct ExtractLimits {
  std::uint64_t max_entries = 10000;
  std::uint64_t max_entry_bytes = 1ull << 30;  // 1 GiB
  std::uint64_t max_total_bytes = 4ull << 30;  // 4 GiB
  std::uint64_t max_ratio = 200;               // uncompressed / compressed, per entry
  std::uint64_t ratio_floor_bytes = 1ull << 20;
  std::uint64_t max_name_bytes = 1024;
  std::uint64_t max_depth = 32;
};

struct ExtractSummary {
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t bytes = 0;
};

// Errors: "bad_archive" (refusals above, or not a zip), "io_error" (filesystem failures).
Result<ExtractSummary> extract_zip(const std::string& zip_path, const std::string& target_dir,
                                   const ExtractLimits& limits = {});
// Same, from bytes in memory (fuzzing, small uploads). `data` must outlive the call only.
Result<ExtractSummary> extract_zip_bytes(std::span<const std::uint8_t> data,
                                         const std::string& target_dir,
                                         const ExtractLimits& limits = {});

namespace detail {
class StagingDir;
}

// An archive extracted and checked but not yet in place (stage_zip). Dropping it uncommitted
// removes its files. Move-only.
class StagedZip {
 public:
  StagedZip(std::unique_ptr<detail::StagingDir> dir, ExtractSummary summary);
  StagedZip(StagedZip&&) noexcept;
  StagedZip& operator=(StagedZip&&) noexcept;
  ~StagedZip();

  const ExtractSummary& summary() const { return summary_; }
  // Moves the tree into `target_dir` (same file system), by the rules of extract_zip: created
  // when missing, else no top-level name may collide ("bad_archive", nothing moved).
  Status commit_into(const std::string& target_dir);

 private:
  std::unique_ptr<detail::StagingDir> dir_;
  ExtractSummary summary_;
};

// The first half of extract_zip, for a caller that unpacks on one thread and publishes on
// another: checks and writes the whole archive into a private directory created under
// `staging_parent` ("<staging_parent>/.extract-XXXXXX"). Same errors as extract_zip, and
// "cancelled" when `stop` is requested (checked before the archive is opened, before each entry
// and every 64 KiB written), which leaves nothing behind either.
Result<StagedZip> stage_zip(const std::string& zip_path, const std::string& staging_parent,
                            const ExtractLimits& limits = {}, std::stop_token stop = {});

}  // namespace cocos::archive
