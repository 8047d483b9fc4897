// keys, checksum and sign: the offline subcommands (no bus, no agent).
#include <filesystem>
#include <iostream>

#include "cocos/common/hash.h"
#include "cocos/manager/checksum.h"
#include "cocos/manager/offline_tools.h"
#include "commands.h"

namespace cocos::manager::app {
namespace {

int fail(const Error& e) {
  std::cerr << "cocos-manager: " << e.to_string() << "\n";
  return 1;
}

}  // namespace

int run_keys(const KeysOptions& o) {
  auto type = parse_key_type(o.type);
  if (!type) return fail(type.error());
  auto files = generate_key_files(*type, o.out);
  if (!files) return fail(files.error());
  std::cout << "private key: " << files->private_pem << "\n"
            << "public key:  " << files->public_pem << "\n";
  return 0;
}

int run_checksum(const ChecksumOptions& o) {
  auto sum = checksum_path(o.path, o.manifest);
  if (!sum) return fail(sum.error());
  std::cout << (o.base64 ? to_base64(*sum) : to_hex(*sum)) << "\n";
  return 0;
}

int run_sign(const SignOptions& o) {
  std::string filename = o.filename;
  if (o.item == "dataset" && filename.empty())
    filename = std::filesystem::path(o.file).filename().string();
  auto item = make_upload_item(o.item, o.index, filename);
  if (!item) return fail(item.error());
  auto key = PrivateKey::from_file(o.key);
  if (!key) return fail(key.error());
  auto sum = checksum_path(o.file, false);
  if (!sum) return fail(sum.error());
  auto sig = sign_upload(*key, o.computation, *item, *sum);
  if (!sig) return fail(sig.error());
  if (auto st = write_signature_file(o.out, *sig); !st) return fail(st.error());
  std::cout << "signed " << item->describe() << " of computation " << o.computation << " (sha3-256 "
            << to_hex(*sum) << ") -> " << o.out << "\n";
  return 0;
}

}  // namespace cocos::manager::app
