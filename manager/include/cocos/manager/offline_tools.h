// The operator's offline tools: key generation, SHA3-256 checksums and upload signatures.
// Providers run these on their own machines; the manager relaying uploads never needs a
// provider's private key, only the signature file these tools write.
#pragma once

#include <cstdint>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/keys.h"
#include "cocos/common/result.h"
#include "cocos/common/statements.h"

namespace cocos::manager {

// The two files `keys --out PREFIX` writes.
struct KeyFiles {
  std::string private_pem;  // PREFIX.pem, mode 0600, PKCS#8
  std::string public_pem;   // PREFIX.pub.pem, SubjectPublicKeyInfo
};
KeyFiles key_file_names(const std::string& prefix);

// Generates a key pair and writes both files. Refuses to overwrite an existing private key
// ("exists"). Errors: "io_error", key generation errors from common.
Result<KeyFiles> generate_key_files(KeyType type, const std::string& prefix);

// SHA3-256 of a file's bytes.
Result<Bytes> checksum_file(const std::string& path);

// Parses the item name of `sign --item`: "algorithm", "requirements" or "dataset"
// (datasets take `index` and `filename`). Error "bad_item".
Result<UploadItem> make_upload_item(const std::string& kind, std::uint32_t index,
                                    const std::string& filename);

// Signs upload_statement(cid, item, sha3) with the provider's private key.
Result<Bytes> sign_upload(const PrivateKey& key, const std::string& computation_id,
                          const UploadItem& item, const Bytes& sha3_256);

// Signature files hold the signature as one line of standard base64 (text, so it can be mailed
// or pasted). read_signature_file accepts surrounding whitespace. Errors: "io_error",
// "bad_signature_file".
Status write_signature_file(const std::string& path, const Bytes& signature);
Result<Bytes> read_signature_file(const std::string& path);

// Writes `data` to `path` atomically (temp file in the same directory, fsync, rename) with the
// given mode. Errors: "io_error".
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// Reads a whole small file (<= max_bytes). Errors: "io_error", "too_large".
Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes = 1 << 20);

}  // namespace cocos::manager
