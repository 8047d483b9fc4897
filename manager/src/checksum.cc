// checksum_path / pack_directory.
#include "cocos/manager/checksum.h"

#include <filesystem>

#include "cocos/manager/offline_tools.h"

namespace cocos::manager {

Status pack_directory(const std::string& dir, const std::string& zip_path) {
  (void)zip_path;
  return make_error("unsupported", "packing directory " + dir + " needs the archive library");
}

Result<Bytes> checksum_path(const std::string& path, bool manifest) {
  if (manifest) return make_error("unsupported", "--manifest needs the messages library");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error("unsupported", "checksum of a directory needs the archive library");
  return checksum_file(path);
}

}  // namespace cocos::manager
