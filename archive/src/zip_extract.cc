// Safe extraction: all metadata is checked before the first byte is written, then each entry
// is streamed into a private staging directory while its real size, the running total and the
// expansion ratio are counted; the staged tree is moved into the target only at the end.
#include "cocos/archive/zip_extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "cocos/common/unique_fd.h"
#include "entry_name.h"
#include "staging_dir.h"
#include "zip_handle.h"

namespace cocos::archive {

namespace fs = std::filesystem;
using detail::EntryName;
using detail::StagingDir;
using detail::ZipFilePtr;
using detail::ZipPtr;

namespace {

constexpr zip_uint16_t kPkwareUnixExtra = 0x000d;  // carries hard/symbolic link targets

struct Planned {
  zip_uint64_t index = 0;
  EntryName name;
  std::uint64_t declared_size = 0;
  std::uint64_t comp_size = 0;
  bool exec = false;
};

Error refuse(const std::string& why, const std::string& name) {
  return make_error("bad_archive", why + ": '" + name + "'");
}

Error cancelled(const std::string& name) {
  return make_error("cancelled", "unpacking stopped at '" + name + "'");
}

// Checks one entry's metadata; nothing is written yet.
Result<Planned> plan_entry(zip_t* za, zip_uint64_t i, const ExtractLimits& limits) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, i, ZIP_FL_ENC_RAW, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
    return make_error("bad_archive", "unreadable entry #" + std::to_string(i));
  }
  auto name = detail::validate_entry_name(st.name, limits.max_name_bytes, limits.max_depth);
  if (!name) return name.take_error();
  Planned p;
  p.index = i;
  p.name = std::move(*name);
  const std::string& shown = p.name.path;
  constexpr zip_uint64_t kNeed =
      ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
  if ((st.valid & kNeed) != kNeed) return refuse("incomplete entry metadata", shown);
  if (st.encryption_method != ZIP_EM_NONE) return refuse("encrypted entry", shown);
  if (zip_compression_method_supported(st.comp_method, 0) == 0) {
    return refuse("unsupported compression method " + std::to_string(st.comp_method), shown);
  }
  p.declared_size = st.size;
  p.comp_size = st.comp_size;
  if (p.name.is_dir && st.size != 0) return refuse("directory entry with data", shown);
  if (st.size > limits.max_entry_bytes) return refuse("declared size over the limit", shown);

  zip_uint8_t opsys = 0;
  zip_uint32_t attr = 0;
  if (zip_file_get_external_attributes(za, i, 0, &opsys, &attr) != 0) {
    return refuse("unreadable attributes", shown);
  }
  if (opsys == ZIP_OPSYS_UNIX) {
    zip_uint32_t mode = attr >> 16;
    zip_uint32_t type = mode & S_IFMT;
    // Some writers mark directory entries as regular files; the trailing '/' decides, and a
    // directory mode on a file name is ambiguous, so refused.
    bool ok_type = type == 0 || type == S_IFREG || (p.name.is_dir && type == S_IFDIR);
    if (!ok_type) {
      const char* what = type == S_IFLNK                      ? "symbolic link"
                         : type == S_IFCHR                    ? "character device"
                         : type == S_IFBLK                    ? "block device"
                         : type == S_IFIFO                    ? "FIFO"
                         : type == S_IFSOCK                   ? "socket"
                         : type == S_IFDIR || type == S_IFREG ? "file type does not match name"
                                                              : "unknown file type";
      return refuse(std::string("refused entry type (") + what + ")", shown);
    }
    p.exec = (mode & 0111) != 0;
  }
  zip_int16_t links =
      zip_file_extra_fields_count_by_id(za, i, kPkwareUnixExtra, ZIP_FL_CENTRAL | ZIP_FL_LOCAL);
  if (links < 0) return refuse("unreadable extra fields", shown);
  if (links > 0) return refuse("refused entry type (link extra field 0x000d)", shown);
  return p;
}

Result<std::vector<Planned>> plan_all(zip_t* za, const ExtractLimits& limits) {
  zip_int64_t n = zip_get_num_entries(za, 0);
  if (n < 0) return make_error("bad_archive", "cannot count entries");
  if (static_cast<std::uint64_t>(n) > limits.max_entries) {
    return make_error("bad_archive", "too many entries: " + std::to_string(n) + " > " +
                                         std::to_string(limits.max_entries));
  }
  std::vector<Planned> out;
  std::set<std::string> names, files;
  std::uint64_t declared_total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    auto p = plan_entry(za, static_cast<zip_uint64_t>(i), limits);
    if (!p) return p.take_error();
    if (!names.insert(p->name.path).second) return refuse("duplicate entry", p->name.path);
    if (!p->name.is_dir) files.insert(p->name.path);
    declared_total += p->declared_size;  // each <= max_entry_bytes, count <= max_entries
    if (declared_total > limits.max_total_bytes) {
      return refuse("declared total size over the limit", p->name.path);
    }
    out.push_back(std::move(*p));
  }
  for (const Planned& p : out) {  // a file may not also be a parent directory
    for (auto pos = p.name.path.find('/'); pos != std::string::npos;
         pos = p.name.path.find('/', pos + 1)) {
      if (files.count(p.name.path.substr(0, pos)) != 0) {
        return refuse("entry below a file", p.name.path);
      }
    }
  }
  return out;
}

Status make_dirs(const std::string& path, const std::string& shown) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return refuse("cannot create directory (" + ec.message() + ")", shown);
  return ok_status();
}

// Streams one entry to disk, counting real bytes against every limit.
Status write_entry(zip_t* za, const Planned& p, const std::string& dest,
                   const ExtractLimits& limits, const std::stop_token& stop, std::uint64_t& total) {
  const std::string& shown = p.name.path;
  ZipFilePtr zf(zip_fopen_index(za, p.index, 0));
  if (!zf) return refuse(std::string("cannot open entry (") + zip_strerror(za) + ")", shown);
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  p.exec ? 0755 : 0644);
  if (fd < 0)
    return refuse(std::string("cannot create file (") + std::strerror(errno) + ")", shown);
  const UniqueFd closer(fd);
  static constexpr std::size_t kChunk = 64 * 1024;
  std::vector<char> buf(kChunk);
  std::uint64_t written = 0;
  while (true) {
    zip_int64_t n = zip_fread(zf.get(), buf.data(), buf.size());
    if (n < 0) {
      return refuse(std::string("corrupt entry data (") + zip_file_strerror(zf.get()) + ")", shown);
    }
    if (n == 0) break;
    if (stop.stop_requested()) return cancelled(shown);
    written += static_cast<std::uint64_t>(n);
    total += static_cast<std::uint64_t>(n);
    if (written > limits.max_entry_bytes) return refuse("entry larger than the limit", shown);
    if (total > limits.max_total_bytes) return refuse("archive larger than the total limit", shown);
    if (written > limits.ratio_floor_bytes &&
        (p.comp_size == 0 || written / p.comp_size > limits.max_ratio)) {
      return refuse("compression ratio over the limit", shown);
    }
    if (written > p.declared_size) return refuse("entry larger than declared", shown);
    const char* at = buf.data();
    auto left = static_cast<std::size_t>(n);
    while (left > 0) {
      ssize_t w = ::write(fd, at, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        return make_error("io_error", "cannot write '" + shown + "': " + std::strerror(errno));
      }
      at += w;
      left -= static_cast<std::size_t>(w);
    }
  }
  if (written != p.declared_size) return refuse("entry smaller than declared", shown);
  return ok_status();
}

// Checks and writes the whole archive into `staging` (nothing is committed here).
Result<ExtractSummary> extract_into(zip_source_t* src, StagingDir& staging,
                                    const ExtractLimits& limits, const std::stop_token& stop) {
  zip_error_t err;
  zip_error_init(&err);
  ZipPtr za(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!za) {
    zip_source_free(src);  // still ours when the open failed
    // ZIP_CHECKCONS reports duplicate names itself (without naming them).
    std::string msg = zip_error_code_zip(&err) == ZIP_ER_EXISTS
                          ? std::string("duplicate entry: '(name not reported by libzip)'")
                          : std::string("not a readable zip: ") + zip_error_strerror(&err);
    zip_error_fini(&err);
    return make_error("bad_archive", msg);
  }
  zip_error_fini(&err);
  auto plan = plan_all(za.get(), limits);
  if (!plan) return plan.take_error();

  ExtractSummary summary;
  for (const Planned& p : *plan) {
    if (stop.stop_requested()) return cancelled(p.name.path);
    std::string dest = staging.path() + "/" + p.name.path;
    if (p.name.is_dir) {
      auto st = make_dirs(dest, p.name.path);
      if (!st) return st.take_error();
      ++summary.directories;
      continue;
    }
    auto slash = p.name.path.rfind('/');
    if (slash != std::string::npos) {
      auto st = make_dirs(staging.path() + "/" + p.name.path.substr(0, slash), p.name.path);
      if (!st) return st.take_error();
    }
    auto st = write_entry(za.get(), p, dest, limits, stop, summary.bytes);
    if (!st) return st.take_error();
    ++summary.files;
  }
  return summary;
}

}  // namespace

namespace {

// A libzip source over a file. Errors: "io_error".
Result<zip_source_t*> file_source(const std::string& zip_path) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_file_create(zip_path.c_str(), 0, -1, &err);
  if (src == nullptr) {
    std::string msg = "cannot open " + zip_path + ": " + zip_error_strerror(&err);
    zip_error_fini(&err);
    return make_error("io_error", msg);
  }
  zip_error_fini(&err);
  return src;
}

// Stages `src` beside `target_dir`, then moves the tree into place.
Result<ExtractSummary> extract_from(zip_source_t* src, const std::string& target_dir,
                                    const ExtractLimits& limits) {
  auto staging = StagingDir::create_beside(target_dir);
  if (!staging) {
    zip_source_free(src);
    return staging.take_error();
  }
  auto summary = extract_into(src, *staging, limits, {});
  if (!summary) return summary.take_error();
  if (auto st = staging->commit(); !st) return st.take_error();
  return summary;
}

}  // namespace

Result<ExtractSummary> extract_zip(const std::string& zip_path, const std::string& target_dir,
                                   const ExtractLimits& limits) {
  auto src = file_source(zip_path);
  if (!src) return src.take_error();
  return extract_from(*src, target_dir, limits);
}

Result<ExtractSummary> extract_zip_bytes(std::span<const std::uint8_t> data,
                                         const std::string& target_dir,
                                         const ExtractLimits& limits) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &err);
  zip_error_fini(&err);
  if (src == nullptr) return make_error("io_error", "cannot create a zip source");
  return extract_from(src, target_dir, limits);
}

StagedZip::StagedZip(std::unique_ptr<detail::StagingDir> dir, ExtractSummary summary)
    : dir_(std::move(dir)), summary_(summary) {}
StagedZip::StagedZip(StagedZip&&) noexcept = default;
StagedZip& StagedZip::operator=(StagedZip&&) noexcept = default;
StagedZip::~StagedZip() = default;

Status StagedZip::commit_into(const std::string& target_dir) {
  if (!dir_) return make_error("internal", "nothing staged");
  return dir_->commit_into(target_dir);
}

Result<StagedZip> stage_zip(const std::string& zip_path, const std::string& staging_parent,
                            const ExtractLimits& limits, std::stop_token stop) {
  // Cancelled before it began (the archive may already be gone with its computation).
  if (stop.stop_requested()) return cancelled(zip_path);
  auto src = file_source(zip_path);
  if (!src) return src.take_error();
  auto staging = StagingDir::create_in(staging_parent);
  if (!staging) {
    zip_source_free(*src);
    return staging.take_error();
  }
  auto summary = extract_into(*src, *staging, limits, stop);
  if (!summary) return summary.take_error();
  return StagedZip(std::make_unique<StagingDir>(std::move(*staging)), *summary);
}

}  // namespace cocos::archive
