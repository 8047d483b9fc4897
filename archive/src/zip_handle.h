// Owning handles for libzip objects (internal to cocos_archive).
#pragma once

#include <zip.h>

#include <memory>
#include <string>

namespace cocos::archive::detail {

struct ZipDiscard {  // an archive opened for reading, or abandoned while writing
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

inline std::string zip_error_text(zip_error_t* e) {
  return zip_error_strerror(e);
}

}  // namespace cocos::archive::detail
