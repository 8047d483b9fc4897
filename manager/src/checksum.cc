// checksum_path / pack_directory over the archive and messages libraries.
#include "cocos/manager/checksum.h"

#include <filesystem>

#include "cocos/archive/zip_writer.h"
#include "cocos/manager/offline_tools.h"
#include "cocos/messages/manifest.h"

namespace cocos::manager {

Status pack_directory(const std::string& dir, const std::string& zip_path) {
  auto summary = archive::write_dir_zip(dir, zip_path);
  if (!summary) return summary.take_error();
  return ok_status();
}

Result<Bytes> checksum_path(const std::string& path, bool manifest) {
  if (manifest) {
    auto mf = messages::load_manifest_file(path);
    if (!mf) return mf.take_error();
    return messages::manifest_digest(*mf, HashAlg::kSha3_256);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return archive::dir_checksum(path);
  return checksum_file(path);
}

}  // namespace cocos::manager
