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

Result<StagingDir> StagingDir::create_in(const std::string& parent) {
  std::string tmpl = (fs::path(parent) / ".extract-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return make_error("io_error",
                      "cannot create staging directory in " + parent + ": " + std::strerror(errno));
  }
  return StagingDir(tmpl, std::string());
}

StagingDir::~StagingDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // never follows symlinks; we create none anyway
}

Status StagingDir::commit_into(const std::string& target) {
  if (path_.empty()) return make_error("internal", "staging directory already committed");
  fs::path t = fs::path(target).lexically_normal();
  if (t.filename().empty()) t = t.parent_path();  // "dir/" names "dir"
  const std::string dst = t.string();
  struct stat st {};
  if (::lstat(dst.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return make_error("io_error", "cannot stat " + dst + ": " + std::strerror(errno));
    }
    if (::chmod(path_.c_str(), 0755) != 0 || ::rename(path_.c_str(), dst.c_str()) != 0) {
      return make_error("io_error",
                        "cannot move extracted tree to " + dst + ": " + std::strerror(errno));
    }
    path_.clear();
    return ok_status();
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error("bad_archive", "extraction target is not a directory: '" + dst + "'");
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path_, ec)) names.push_back(e.path().filename());
  if (ec) return make_error("io_error", "cannot list staging directory: " + ec.message());
  std::vector<std::string> moved;
  auto undo = [&] {
    for (const auto& n : moved) {
      ::renameat2(AT_FDCWD, (dst + "/" + n).c_str(), AT_FDCWD, (path_ + "/" + n).c_str(),
                  RENAME_NOREPLACE);
    }
  };
  for (const auto& n : names) {
    std::string to = dst + "/" + n;
    if (::renameat2(AT_FDCWD, (path_ + "/" + n).c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
        0) {
      int err = errno;
      undo();
      if (err == EEXIST) return make_error("bad_archive", "would overwrite existing: '" + n + "'");
      return make_error("io_error",
                        "cannot move '" + n + "' into " + dst + ": " + std::strerror(err));
    }
    moved.push_back(n);
  }
  return ok_status();  // the now-empty staging dir is removed by the destructor
}

}  // namespace cocos::archive::detail
