// Test helpers for SNP reports: verify the report signature with a certificate's key, the way a
// verifier does (r and s are 72-byte little-endian fields; ECDSA P-384 over SHA-384 of
// [0, 0x2A0)), and read integers out of a report.
#pragma once

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "cocos/attestation/simulated_snp.h"
#include "cocos/attestation/snp_report_layout.h"
#include "cocos/common/encoding.h"

namespace cocos::testing {

inline X509* parse_der_cert(const Bytes& der) {
  const unsigned char* p = der.data();
  return d2i_X509(nullptr, &p, static_cast<long>(der.size()));
}

inline bool report_signature_valid(const Bytes& report, X509* signer) {
  namespace L = attestation::snp_layout;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_lebin2bn(report.data() + L::kSignatureR, 72, nullptr),
                 BN_lebin2bn(report.data() + L::kSignatureS, 72, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_PKEY* key = X509_get0_pubkey(signer);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA384", nullptr, nullptr, key, nullptr) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len), report.data(), L::kSignedSize) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

inline std::uint64_t le_at(const Bytes& b, std::size_t off, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[off + i];
  return v;
}

// Generating the simulated ARK and ASK costs two RSA-4096 key generations (seconds each on a
// loaded 2-core machine). Tests that are not about generation copy a chain generated once per
// build tree (under an flock, so parallel ctest processes generate it once) into their own
// directory; SimulatedSnpProvider::create then reuses ARK/ASK (or ASVK) and issues its own leaf.
inline void seed_simulated_chain(const std::string& dest, const std::string& product = "Milan") {
  namespace fs = std::filesystem;
  const fs::path cache = fs::path(COCOS_TEST_CACHE_DIR) / ("simulated-snp-" + product);
  fs::create_directories(cache.parent_path());
  int lock = ::open((cache.string() + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ::flock(lock, LOCK_EX);
  if (!fs::exists(cache / "asvk.pem")) {
    attestation::SimulatedSnpConfig c;
    c.dir = cache.string();
    c.product = product;
    (void)attestation::SimulatedSnpProvider::create(c);  // ARK and ASK
    c.vlek = true;
    (void)attestation::SimulatedSnpProvider::create(c);  // the ASVK under the same ARK
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  fs::create_directories(dest);
  for (const char* f : {"ark.pem", "ark.key", "ask.pem", "ask.key", "asvk.pem", "asvk.key"}) {
    fs::copy_file(cache / f, fs::path(dest) / f, fs::copy_options::overwrite_existing);
  }
}

}  // namespace cocos::testing
