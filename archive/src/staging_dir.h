// A private staging directory beside an extraction target (internal to cocos_archive).
// Removed recursively on destruction unless its contents were committed into the target.
#pragma once

#include <string>

#include "cocos/common/result.h"

namespace cocos::archive::detail {

class StagingDir {
 public:
  // Creates "<parent of target>/.<target name>.extract-XXXXXX" (mode 0700).
  static Result<StagingDir> create_beside(const std::string& target);
  // Creates "<parent>/.extract-XXXXXX" (mode 0700), for a target named later (commit_into).
  static Result<StagingDir> create_in(const std::string& parent);
  StagingDir(StagingDir&& o) noexcept : path_(std::move(o.path_)), target_(std::move(o.target_)) {
    o.path_.clear();
  }
  StagingDir& operator=(StagingDir&&) = delete;
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir();

  const std::string& path() const { return path_; }
  // Moves the staged tree into the target: renames the staging dir when the target does not
  // exist, else moves each top-level name with RENAME_NOREPLACE, undoing the moves done so far
  // if one would overwrite ("bad_archive") or fails ("io_error").
  Status commit() { return commit_into(target_); }
  // The same into `target` (on the same file system).
  Status commit_into(const std::string& target);

 private:
  StagingDir(std::string path, std::string target)
      : path_(std::move(path)), target_(std::move(target)) {}
  std::string path_;
  std::string target_;
};

}  // namespace cocos::archive::detail
