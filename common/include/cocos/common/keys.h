// Public and private keys of providers and consumers (RSA, ECDSA P-256/P-384/P-521, Ed25519),
// their parsing from PEM or DER (also base64 DER, as cocos manifests carry them), generation,
// and the signature schemes the protocol uses:
//   RSA   -> PKCS#1 v1.5 with SHA-256
//   ECDSA -> ECDSA with SHA-256, DER-encoded (r, s)
//   Ed25519 -> pure Ed25519 over the message
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace cocos {

enum class KeyType { kRsa, kEcdsa, kEd25519 };
std::string_view key_type_name(KeyType t);  // "rsa", "ecdsa", "ed25519"
Result<KeyType> parse_key_type(std::string_view name);

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

class PublicKey {
 public:
  // Accepts PEM ("-----BEGIN PUBLIC KEY-----", or an RSA PUBLIC KEY), DER SubjectPublicKeyInfo,
  // or base64 of that DER. Error code "bad_key" with the reason.
  static Result<PublicKey> parse(std::string_view text_or_der);
  static Result<PublicKey> from_file(const std::string& path);

  KeyType type() const { return type_; }
  std::string to_pem() const;
  Bytes to_der() const;       // SubjectPublicKeyInfo
  Bytes fingerprint() const;  // SHA3-256 of the DER
  Status verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> sig) const;
  EVP_PKEY* get() const { return key_.get(); }
  static PublicKey from_pkey(PkeyPtr k, KeyType t) { return PublicKey(std::move(k), t); }

 private:
  PublicKey(PkeyPtr k, KeyType t) : key_(std::move(k)), type_(t) {}
  std::shared_ptr<EVP_PKEY> key_;
  KeyType type_;
};

class PrivateKey {
 public:
  // RSA keys are 3072 bits, ECDSA keys P-256.
  static Result<PrivateKey> generate(KeyType t);
  static Result<PrivateKey> parse_pem(std::string_view pem);
  static Result<PrivateKey> from_file(const std::string& path);

  KeyType type() const { return type_; }
  std::string to_pem() const;  // PKCS#8, unencrypted
  PublicKey public_key() const;
  Result<Bytes> sign(std::span<const std::uint8_t> message) const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  PrivateKey(PkeyPtr k, KeyType t) : key_(std::move(k)), type_(t) {}
  std::shared_ptr<EVP_PKEY> key_;
  KeyType type_;
};

// Most recent OpenSSL error queue entry as text, and clears the queue.
std::string openssl_error();

}  // namespace cocos
