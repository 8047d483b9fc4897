// SHA3-256 checksums as the manifest declares them: of a file's bytes, of a directory packed
// with the project's deterministic zip (the bytes that are uploaded for a directory dataset),
// or of a manifest's canonical JSON (the value the agent measures into PCR16).
#pragma once

#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::manager {

// File: SHA3-256 of its bytes. Directory: SHA3-256 of pack_directory's zip. Errors: "io_error",
// and the archive library's errors.
Result<Bytes> checksum_path(const std::string& path, bool manifest);

// Packs `dir` into the deterministic zip at `zip_path` (what the agent unpacks with decompress).
Status pack_directory(const std::string& dir, const std::string& zip_path);

}  // namespace cocos::manager
