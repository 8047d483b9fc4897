// tests/support/random_file.h
//
// Test data: files of incompressible pseudo-random bytes (xorshift64, so a seed always gives the
// same bytes) written in 1 MiB blocks, with their SHA3-256 computed in the same pass. Used for
// upload datasets by cocos-bench and the reliability tests.
#pragma once

#include <cstdint>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::test_support {

// Writes `size` bytes to `path` (created or truncated) and returns their SHA3-256.
// Error "io_error" when the file cannot be written completely.
Result<Bytes> write_random_file(const std::string& path, std::uint64_t size,
                                std::uint64_t seed = 0x9E3779B97F4A7C15ull);

}  // namespace cocos::test_support
