// Internal: small POSIX file helpers with errno turned into Error (configfs and sysfs style
// files: whole-file reads with a size bound, whole-file writes).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

// Reads the whole file (at most `max_bytes`; more is an error). ENOENT -> code "not_found".
Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes);
Status write_file(const std::string& path, std::span<const std::uint8_t> data, int mode = 0600);
std::string errno_text(int err);

}  // namespace cocos::attestation
