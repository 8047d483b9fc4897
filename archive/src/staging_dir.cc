// Staging + commit for extraction: the target only ever sees a fully checked tree.
#include "staging_dir.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace cocos::archive::detail {

namespace fs = std::filesystem;

Result<StagingDir> StagingDir::create_beside(const std::string& target) {
  fs::path t = fs::path(target).lexically_normal();
  if (t.filename().empty()) t = t.parent_path();
  fs::path parent = t.parent_path();
  if (parent.empty()) parent = ".";
  std::string tmpl = (parent / ("." + t.filename().string() + ".extract-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return make_error("io_error", "cannot create staging directory in " + parent.string() + ": " +
                                      std::strerror(errno));
  }
  return StagingDir(tmpl, t.string());
}

StagingDir::~StagingDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // never follows symlinks; we create none anyway
}

Status StagingDir::commit() {
  struct stat st {};
  if (::lstat(target_.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return make_error("io_error", "cannot stat " + target_ + ": " + std::strerror(errno));
    }
    if (::chmod(path_.c_str(), 0755) != 0 || ::rename(path_.c_str(), target_.c_str()) != 0) {
      return make_error("io_error",
                        "cannot move extracted tree to " + target_ + ": " + std::strerror(errno));
    }
    path_.clear();
    return ok_status();
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error("bad_archive", "extraction target is not a directory: '" + target_ + "'");
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path_, ec)) names.push_back(e.path().filename());
  if (ec) return make_error("io_error", "cannot list staging directory: " + ec.message());
  std::vector<std::string> moved;
  auto undo = [&] {
    for (const auto& n : moved) {
      ::renameat2(AT_FDCWD, (target_ + "/" + n).c_str(), AT_FDCWD, (path_ + "/" + n).c_str(),
                  RENAME_NOREPLACE);
    }
  };
  for (const auto& n : names) {
    std::string to = target_ + "/" + n;
    if (::renameat2(AT_FDCWD, (path_ + "/" + n).c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
        0) {
      int err = errno;
      undo();
      if (err == EEXIST) return make_error("bad_archive", "would overwrite existing: '" + n + "'");
      return make_error("io_error",
                        "cannot move '" + n + "' into " + target_ + ": " + std::strerror(err));
    }
    moved.push_back(n);
  }
  return ok_status();  // the now-empty staging dir is removed by the destructor
}

}  // namespace cocos::archive::detail
