// File-system bricks the agent's persistence is built from: atomic whole-file replacement (temp +
// fsync + rename + fsync of the directory), bounded reads, directory creation and removal. Errors
// use errno_error: a full disk is its own stable code ("no_space"), anything else "io_error".
//
// All functions are thread-compatible and never throw.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "cocos/common/result.h"
#include "cocos/common/sys_error.h"  // errno_error
#include "cocos/common/unique_fd.h"

namespace cocos::agent {

// Replaces `path` with `content` so that a crash at any point leaves either the old or the new
// file, never a mix: write `path.tmp`, fsync it, rename over `path`, fsync the directory.
Status write_file_atomic(const std::string& path, std::string_view content);

// Whole file as bytes. "not_found" when it does not exist, "io_error" otherwise.
Result<std::string> read_file(const std::string& path);

// fsync of a directory, so a rename or create inside it is durable.
Status fsync_dir(const std::string& dir);

// mkdir -p; "io_error"/"no_space" on failure.
Status make_dirs(const std::string& dir);

// rm -rf that reports failures; a missing path is fine.
Status remove_tree(const std::string& path);

}  // namespace cocos::agent
