// Deterministic directory zip on libzip. Each file is added through a custom zip_source that
// opens the file only when libzip copies it (so one fd at a time, however many files), refuses
// a file that turned into a symlink (O_NOFOLLOW) and fails if the size changed since the walk.
#include "cocos/archive/zip_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <system_error>

#include "zip_handle.h"

namespace cocos::archive {

namespace fs = std::filesystem;
using detail::ZipPtr;

namespace {

constexpr zip_uint16_t kDosTime1980 = 0;                        // 00:00:00
constexpr zip_uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr zip_uint32_t kFileMode = 0100644;
constexpr zip_uint32_t kExecMode = 0100755;
constexpr zip_uint32_t kDirMode = 040755;

struct WalkEntry {
  std::string name;  // relative, '/'-separated, directories with a trailing '/'
  std::string path;  // absolute or caller-relative path on disk
  bool is_dir = false;
  bool exec = false;
  std::uint64_t size = 0;
};

// Reads one file for libzip, lazily. Lives in a deque until zip_close has returned.
struct FileSource {
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t done = 0;
  int fd = -1;
  zip_error_t error{};

  FileSource() { zip_error_init(&error); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  ~FileSource() {
    if (fd >= 0) ::close(fd);
    zip_error_fini(&error);
  }
};

zip_int64_t file_source_cb(void* ud, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<FileSource*>(ud);
  switch (cmd) {
    case ZIP_SOURCE_OPEN: {
      s->fd = ::open(s->path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      struct stat st {};
      if (s->fd < 0 || ::fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
          static_cast<std::uint64_t>(st.st_size) != s->size) {
        zip_error_set(&s->error, ZIP_ER_OPEN, errno);
        if (s->fd >= 0) ::close(s->fd);
        s->fd = -1;
        return -1;
      }
      s->done = 0;
      return 0;
    }
    case ZIP_SOURCE_READ: {
      std::uint64_t want = std::min<std::uint64_t>(len, s->size - s->done);
      std::uint64_t got = 0;
      while (got < want) {
        ssize_t n = ::read(s->fd, static_cast<char*>(data) + got, want - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // error, or the file shrank under us
          zip_error_set(&s->error, ZIP_ER_READ, n < 0 ? errno : EIO);
          return -1;
        }
        got += static_cast<std::uint64_t>(n);
      }
      s->done += got;
      return static_cast<zip_int64_t>(got);
    }
    case ZIP_SOURCE_CLOSE:
      if (s->fd >= 0) ::close(s->fd);
      s->fd = -1;
      return 0;
    case ZIP_SOURCE_STAT: {
      auto* st = static_cast<zip_stat_t*>(data);
      zip_stat_init(st);
      st->size = s->size;
      st->valid |= ZIP_STAT_SIZE;
      return sizeof(*st);
    }
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
      if (s->fd >= 0) ::close(s->fd);
      s->fd = -1;
      return 0;
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
      zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

Result<std::vector<WalkEntry>> walk(const std::string& dir, const ZipOptions& options,
                                    ZipSummary& summary) {
  std::error_code ec;
  auto root_status = fs::status(dir, ec);
  if (ec || !fs::is_directory(root_status)) {
    return make_error("io_error", "not a readable directory: " + dir);
  }
  std::vector<WalkEntry> out;
  std::uint64_t content = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (options.max_entries != 0 && out.size() >= options.max_entries) {
      return make_error("too_large", "more than " + std::to_string(options.max_entries) +
                                         " files and directories");
    }
    const fs::directory_entry& e = *it;
    std::string rel = fs::path(e.path()).lexically_relative(dir).generic_string();
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) != 0) {
      return make_error("io_error", "cannot stat " + rel + ": " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
      out.push_back({rel + "/", e.path().string(), true, false, 0});
    } else if (S_ISREG(st.st_mode)) {
      out.push_back({rel, e.path().string(), false, (st.st_mode & 0111) != 0,
                     static_cast<std::uint64_t>(st.st_size)});
      content += static_cast<std::uint64_t>(st.st_size);
      if (options.max_content_bytes != 0 && content > options.max_content_bytes) {
        return make_error("too_large", "the files hold more than " +
                                           std::to_string(options.max_content_bytes) + " bytes");
      }
    } else if (options.skip_special_files) {
      summary.skipped.push_back(rel);
    } else {
      return make_error("unsupported_file", "not a regular file or directory: '" + rel + "'");
    }
  }
  if (ec) return make_error("io_error", "cannot walk " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const WalkEntry& a, const WalkEntry& b) { return a.name < b.name; });
  std::sort(summary.skipped.begin(), summary.skipped.end());
  return out;
}

Status write_empty_zip(const std::string& zip_path) {
  static const unsigned char kEocd[22] = {0x50, 0x4b, 0x05, 0x06};
  std::string tmp = zip_path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return make_error("io_error", "cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, kEocd, sizeof kEocd) == static_cast<ssize_t>(sizeof kEocd);
  ok = (::fchmod(fd, 0644) == 0) && ok;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), zip_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error("io_error", "cannot write " + zip_path);
  }
  return ok_status();
}

Status set_fixed_metadata(zip_t* za, zip_int64_t idx, zip_uint32_t mode, bool compress) {
  auto i = static_cast<zip_uint64_t>(idx);
  zip_int32_t method = compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE;
  if (zip_set_file_compression(za, i, method, compress ? 6 : 0) != 0 ||
      zip_file_set_dostime(za, i, kDosTime1980, kDosDate1980, 0) != 0 ||
      zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX, mode << 16) != 0) {
    return make_error("io_error", std::string("zip metadata: ") + zip_strerror(za));
  }
  return ok_status();
}

}  // namespace

Result<ZipSummary> write_dir_zip(const std::string& dir, const std::string& zip_path,
                                 const ZipOptions& options) {
  ZipSummary summary;
  auto entries = walk(dir, options, summary);
  if (!entries) return entries.take_error();
  if (entries->empty()) {
    // libzip deletes an archive with no entries instead of writing an empty one.
    auto st = write_empty_zip(zip_path);
    if (!st) return st.take_error();
    return summary;
  }
  std::deque<FileSource> sources;  // declared first: must outlive the archive (even discarded)
  int zerr = 0;
  ZipPtr za(zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr));
  if (!za) {
    zip_error_t e;
    zip_error_init_with_code(&e, zerr);
    std::string msg = "cannot create " + zip_path + ": " + zip_error_strerror(&e);
    zip_error_fini(&e);
    return make_error("io_error", msg);
  }
  for (const WalkEntry& e : *entries) {
    zip_int64_t idx = -1;
    if (e.is_dir) {
      idx = zip_dir_add(za.get(), e.name.c_str(), ZIP_FL_ENC_GUESS);
      ++summary.directories;
    } else {
      FileSource& s = sources.emplace_back();
      s.path = e.path;
      s.size = e.size;
      zip_source_t* src = zip_source_function(za.get(), file_source_cb, &s);
      if (src == nullptr) return make_error("io_error", zip_strerror(za.get()));
      idx = zip_file_add(za.get(), e.name.c_str(), src, ZIP_FL_ENC_GUESS);
      if (idx < 0) zip_source_free(src);
      ++summary.files;
      summary.content_bytes += e.size;
    }
    if (idx < 0) {
      return make_error("io_error", "cannot add '" + e.name + "': " + zip_strerror(za.get()));
    }
    auto st =
        set_fixed_metadata(za.get(), idx, e.is_dir ? kDirMode : (e.exec ? kExecMode : kFileMode),
                           options.compress && !e.is_dir);
    if (!st) return st.take_error();
  }
  if (zip_close(za.get()) != 0) {
    std::string msg = "cannot write " + zip_path + ": " + zip_strerror(za.get());
    return make_error("io_error", msg);  // za's deleter discards the partial archive
  }
  (void)za.release();  // zip_close freed it
  return summary;
}

Result<Bytes> dir_checksum(const std::string& dir, HashAlg alg, const ZipOptions& options) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  std::string tmpl = base + "/cocos-checksum-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return make_error("io_error",
                      "cannot create temporary directory: " + std::string(std::strerror(errno)));
  }
  std::string zip_path = tmpl + "/dir.zip";
  auto written = write_dir_zip(dir, zip_path, options);
  Result<Bytes> out = written ? digest_file(alg, zip_path) : Result<Bytes>(written.take_error());
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  return out;
}

}  // namespace cocos::archive
