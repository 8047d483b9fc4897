// Key parsing, generation, signing and verification with OpenSSL 3 EVP_PKEY.
#include "cocos/common/keys.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

#include "cocos/common/hash.h"

namespace cocos {
namespace {

constexpr std::size_t kMaxKeyText = 64 * 1024;  // bounds any external key input

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

Result<KeyType> classify(EVP_PKEY* k) {
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
      return KeyType::kRsa;
    case EVP_PKEY_EC:
      return KeyType::kEcdsa;
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    default:
      return make_error("bad_key", "unsupported key algorithm (want RSA, ECDSA or Ed25519)");
  }
}

// Ed25519 signs the message itself; RSA and ECDSA hash it with SHA-256 first.
const char* digest_for(KeyType t) {
  return t == KeyType::kEd25519 ? nullptr : "SHA256";
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot open " + path);
  std::string data;
  data.resize(kMaxKeyText + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > kMaxKeyText) return make_error("bad_key", path + " is larger than 64 KiB");
  return data;
}

PkeyPtr der_to_public(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  return PkeyPtr(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

// PEM or DER, SubjectPublicKeyInfo or PKCS#1 RSA: OpenSSL's decoder detects the form.
PkeyPtr decode_public(std::span<const std::uint8_t> data) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, nullptr, nullptr, nullptr,
                                                         EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (dctx == nullptr) return nullptr;
  const unsigned char* p = data.data();
  std::size_t len = data.size();
  if (OSSL_DECODER_from_data(dctx, &p, &len) != 1) pkey = nullptr;
  OSSL_DECODER_CTX_free(dctx);
  ERR_clear_error();
  return PkeyPtr(pkey);
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::kRsa:
      return "rsa";
    case KeyType::kEcdsa:
      return "ecdsa";
    case KeyType::kEd25519:
      return "ed25519";
  }
  return "rsa";
}

Result<KeyType> parse_key_type(std::string_view name) {
  if (name == "rsa") return KeyType::kRsa;
  if (name == "ecdsa" || name == "ec") return KeyType::kEcdsa;
  if (name == "ed25519") return KeyType::kEd25519;
  return make_error("bad_key_type",
                    "unknown key type '" + std::string(name) + "' (rsa, ecdsa, ed25519)");
}

Result<PublicKey> PublicKey::parse(std::string_view in) {
  if (in.empty()) return make_error("bad_key", "empty public key");
  if (in.size() > kMaxKeyText) return make_error("bad_key", "public key larger than 64 KiB");
  PkeyPtr key = decode_public(as_bytes(in));
  if (!key && in.find("-----BEGIN") == std::string_view::npos) {
    // Base64 of DER, with any whitespace removed.
    std::string compact;
    for (char c : in) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
    }
    auto der = from_base64(compact);
    if (der) key = decode_public(*der);
  }
  if (!key)
    return make_error("bad_key", "not a PEM, DER or base64-DER public key: " + openssl_error());
  auto type = classify(key.get());
  if (!type) return type.take_error();
  return PublicKey(std::move(key), *type);
}

Result<PublicKey> PublicKey::from_file(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return text.take_error();
  auto key = parse(*text);
  if (!key) return make_error(key.error().code, path + ": " + key.error().message);
  return key;
}

std::string PublicKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Bytes PublicKey::to_der() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key_.get(), &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes PublicKey::fingerprint() const {
  return digest(HashAlg::kSha3_256, to_der());
}

Status PublicKey::verify(std::span<const std::uint8_t> message,
                         std::span<const std::uint8_t> sig) const {
  if (sig.empty() || sig.size() > 1024)
    return make_error("bad_signature", "signature has an impossible length");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_for(type_), nullptr, nullptr, key_.get(),
                              nullptr) != 1) {
    return make_error("bad_signature", "cannot initialise verification: " + openssl_error());
  }
  int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size());
  if (rc != 1) {
    ERR_clear_error();
    return make_error("bad_signature", std::string("the ") + std::string(key_type_name(type_)) +
                                           " signature does not verify with the declared key");
  }
  return ok_status();
}

Result<PrivateKey> PrivateKey::generate(KeyType t) {
  EVP_PKEY* raw = nullptr;
  switch (t) {
    case KeyType::kRsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072));
      break;
    case KeyType::kEcdsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (!raw) return make_error("crypto_error", "key generation failed: " + openssl_error());
  return PrivateKey(PkeyPtr(raw), t);
}

Result<PrivateKey> PrivateKey::parse_pem(std::string_view pem) {
  if (pem.size() > kMaxKeyText) return make_error("bad_key", "private key larger than 64 KiB");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return make_error("bad_key", "not a PEM private key: " + openssl_error());
  auto type = classify(key.get());
  if (!type) return type.take_error();
  return PrivateKey(std::move(key), *type);
}

Result<PrivateKey> PrivateKey::from_file(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return text.take_error();
  auto key = parse_pem(*text);
  if (!key) return make_error(key.error().code, path + ": " + key.error().message);
  return key;
}

std::string PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

PublicKey PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key_.get(), &der);
  PkeyPtr pub = der_to_public(std::span(der, static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return PublicKey::from_pkey(std::move(pub), type_);
}

Result<Bytes> PrivateKey::sign(std::span<const std::uint8_t> message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_for(type_), nullptr, nullptr, key_.get(),
                            nullptr) != 1) {
    return make_error("crypto_error", "cannot initialise signing: " + openssl_error());
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return make_error("crypto_error", "signing failed: " + openssl_error());
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return make_error("crypto_error", "signing failed: " + openssl_error());
  }
  sig.resize(len);
  return sig;
}

}  // namespace cocos
