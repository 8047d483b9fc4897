// Deterministic zip of a directory tree: the same tree (names, contents, executable bits)
// always yields the same bytes, whatever the mtimes, owners or umask, so the SHA3-256 of the
// zip is a stable "checksum" of a directory. Used for computation results (agent) and for
// `cocos-manager checksum DIR`.
//
// Format (documented here because hashes depend on it; see also archive/README.md):
//  * entries sorted by name in byte order; a directory entry "sub/" is written explicitly for
//    every subdirectory (so empty directories survive a round trip); the root is not an entry;
//  * names are paths relative to the root with '/' separators;
//  * files are Stored (method 0) by default, or Deflated when ZipOptions::compress is set
//    (deflate output depends on the zlib version, Stored does not);
//  * every entry has DOS time 1980-01-01 00:00:00, creator "Unix", and external attributes
//    holding a normalised mode: 0100644 for files, 0100755 when any execute bit is set, 040755
//    for directories; no extra fields are added; no archive or entry comments;
//  * an empty directory gives an empty zip (the 22-byte end-of-central-directory record).
// Files are streamed from disk (one open at a time), never loaded whole. Symlinks, devices,
// FIFOs and sockets are refused by default (a result tree must not leak host files through a
// link); ZipOptions::skip_special_files lists and skips them instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/common/result.h"

namespace cocos::archive {

struct ZipOptions {
  bool compress = false;            // Deflate instead of Store
  bool skip_special_files = false;  // skip (and report) symlinks/devices instead of failing
  // Bounds on the tree (0: none), checked while it is listed, before anything is written:
  // entries (files and directories) and the sum of the file sizes. A tree beyond either is
  // refused with "too_large" (an algorithm's results must not exhaust the agent's memory or
  // disk through the zip).
  std::uint64_t max_entries = 0;
  std::uint64_t max_content_bytes = 0;
};

struct ZipSummary {
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t content_bytes = 0;   // sum of the file sizes
  std::vector<std::string> skipped;  // relative names of special files skipped
};

// Writes the deterministic zip of `dir` to `zip_path` (replaced if it exists; written to a
// temporary name in the same directory and renamed, so a reader never sees half a zip).
// Errors: "io_error" (unreadable tree, write failure), "unsupported_file" (a special file when
// not skipping; the message names it).
Result<ZipSummary> write_dir_zip(const std::string& dir, const std::string& zip_path,
                                 const ZipOptions& options = {});

// Digest of the deterministic (Stored) zip of `dir`: the directory checksum. The zip is
// built in a temporary file next to nothing the caller owns (under $TMPDIR) and removed.
Result<Bytes> dir_checksum(const std::string& dir, HashAlg alg = HashAlg::kSha3_256,
                           const ZipOptions& options = {});

}  // namespace cocos::archive
