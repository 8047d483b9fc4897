// Offline tools: keys, checksum of a file, upload signatures and their files.
#include "cocos/manager/offline_tools.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cocos/common/hash.h"
#include "cocos/common/sys_error.h"
#include "cocos/common/unique_fd.h"

namespace cocos::manager {

KeyFiles key_file_names(const std::string& prefix) {
  return {prefix + ".pem", prefix + ".pub.pem"};
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  std::filesystem::path p(path);
  std::filesystem::path dir = p.parent_path().empty() ? "." : p.parent_path();
  std::string tmpl = (dir / ("." + p.filename().string() + ".XXXXXX")).string();
  int raw = ::mkstemp(tmpl.data());
  if (raw < 0) return errno_error("cannot create a temporary file in " + dir.string(), errno);
  UniqueFd fd(raw);
  bool ok = ::fchmod(fd.get(), static_cast<mode_t>(mode)) == 0;
  std::string_view rest = data;
  while (ok && !rest.empty()) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ok = ok && ::fsync(fd.get()) == 0;
  if (ok) ok = ::close(fd.release()) == 0;
  if (ok) ok = ::rename(tmpl.c_str(), path.c_str()) == 0;
  if (!ok) {
    Error e = errno_error("cannot write " + path, errno);
    ::unlink(tmpl.c_str());
    return e;
  }
  return ok_status();
}

Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot open " + path);
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max_bytes)
    return make_error("too_large",
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return data;
}

Result<KeyFiles> generate_key_files(KeyType type, const std::string& prefix) {
  KeyFiles files = key_file_names(prefix);
  std::error_code ec;
  if (std::filesystem::exists(files.private_pem, ec))
    return make_error("exists", files.private_pem + " exists; refusing to overwrite a private key");
  auto key = PrivateKey::generate(type);
  if (!key) return key.take_error();
  if (auto st = write_file_atomic(files.private_pem, key->to_pem(), 0600); !st)
    return st.take_error();
  if (auto st = write_file_atomic(files.public_pem, key->public_key().to_pem(), 0644); !st)
    return st.take_error();
  return files;
}

Result<Bytes> checksum_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error("io_error", path + " is not a regular file");
  return digest_file(HashAlg::kSha3_256, path);
}

Result<UploadItem> make_upload_item(const std::string& kind, std::uint32_t index,
                                    const std::string& filename) {
  if (kind == "algorithm") return UploadItem::algorithm();
  if (kind == "requirements") return UploadItem::requirements();
  if (kind == "dataset") {
    if (filename.empty()) return make_error("bad_item", "a dataset needs its manifest filename");
    return UploadItem::dataset(index, filename);
  }
  return make_error("bad_item",
                    "item must be algorithm, requirements or dataset, not '" + kind + "'");
}

Result<Bytes> sign_upload(const PrivateKey& key, const std::string& computation_id,
                          const UploadItem& item, const Bytes& sha3_256) {
  if (computation_id.empty()) return make_error("bad_item", "empty computation id");
  if (sha3_256.size() != 32) return make_error("bad_item", "SHA3-256 must be 32 bytes");
  std::string statement = upload_statement(computation_id, item, sha3_256);
  return key.sign(as_bytes(statement));
}

Status write_signature_file(const std::string& path, const Bytes& signature) {
  return write_file_atomic(path, to_base64(signature) + "\n", 0644);
}

Result<Bytes> read_signature_file(const std::string& path) {
  auto text = read_small_file(path, 64 * 1024);
  if (!text) return text.take_error();
  std::string_view s = *text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return make_error("bad_signature_file", path + " is empty");
  auto sig = from_base64(s);
  if (!sig)
    return make_error("bad_signature_file", path + ": not base64 (" + sig.error().message + ")");
  return sig;
}

}  // namespace cocos::manager
