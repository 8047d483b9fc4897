// Validation of zip entry names taken from untrusted archives (internal to cocos_archive).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cocos/common/result.h"

namespace cocos::archive::detail {

struct EntryName {
  std::string path;  // normalised: no trailing '/'
  bool is_dir = false;
};

// Accepts only relative '/'-separated names of plain components; see zip_extract.h for the
// list of refusals. Errors are "bad_archive" naming the entry.
Result<EntryName> validate_entry_name(std::string_view raw, std::uint64_t max_bytes,
                                      std::uint64_t max_depth);

}  // namespace cocos::archive::detail
