// PEM/DER conversions (see openssl_util.h).
#include "openssl_util.h"

#include <openssl/pem.h>

namespace cocos::attestation {
namespace {

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Result<std::string> cert_to_pem(X509* cert) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), cert) != 1) {
    return make_error("internal", "PEM_write_bio_X509: " + openssl_error());
  }
  return bio_string(b.get());
}

Result<Bytes> cert_to_der(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return make_error("internal", "i2d_X509: " + openssl_error());
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

Result<X509Ptr> cert_from_pem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr x(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!x) return make_error("internal", "not a PEM certificate: " + openssl_error());
  return x;
}

Result<std::string> private_key_to_pem(EVP_PKEY* key) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return make_error("internal", "PEM_write_bio_PrivateKey: " + openssl_error());
  }
  return bio_string(b.get());
}

Result<PkeyPtr> private_key_from_pem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr k(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!k) return make_error("internal", "not a PEM private key: " + openssl_error());
  return k;
}

std::string common_name(X509* cert) {
  char buf[256];
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace cocos::attestation
