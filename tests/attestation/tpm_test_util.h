// Test helpers for vTPM evidence: unmarshal the TPM structures with tss2-mu, turn the AK's
// TPMT_PUBLIC into a PEM public key with OpenSSL, and write the files tpm2_checkquote reads
// (-u ak.pem, -m TPMS_ATTEST bytes, -s TPMT_SIGNATURE bytes, -f serialized PCR values).
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include <fstream>
#include <string>
#include <vector>

#include "cocos/attestation/evidence.h"
#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::testing {

inline TPMT_PUBLIC unmarshal_public(const Bytes& b, TSS2_RC* rc_out = nullptr) {
  TPMT_PUBLIC p{};
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(b.data(), b.size(), &off, &p);
  if (rc_out) *rc_out = (rc == 0 && off != b.size()) ? 1 : rc;
  return p;
}

inline TPMS_ATTEST unmarshal_attest(const Bytes& b, TSS2_RC* rc_out = nullptr) {
  TPMS_ATTEST a{};
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMS_ATTEST_Unmarshal(b.data(), b.size(), &off, &a);
  if (rc_out) *rc_out = (rc == 0 && off != b.size()) ? 1 : rc;
  return a;
}

inline Bytes extra_data(const TPMS_ATTEST& a) {
  return Bytes(a.extraData.buffer, a.extraData.buffer + a.extraData.size);
}

// RSA public key (modulus from unique.rsa, exponent 0 meaning 65537) as a PEM SubjectPublicKeyInfo.
inline Result<std::string> ak_pem(const Bytes& tpmt_public) {
  TSS2_RC rc = 0;
  TPMT_PUBLIC p = unmarshal_public(tpmt_public, &rc);
  if (rc != 0 || p.type != TPM2_ALG_RSA) return make_error("bad_key", "not an RSA TPMT_PUBLIC");
  const std::uint32_t e = p.parameters.rsaDetail.exponent ? p.parameters.rsaDetail.exponent : 65537;
  BIGNUM* n = BN_bin2bn(p.unique.rsa.buffer, p.unique.rsa.size, nullptr);
  BIGNUM* ebn = BN_new();
  BN_set_word(ebn, e);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, ebn);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  std::string pem;
  if (ok) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(len));
    BIO_free(bio);
  }
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(ebn);
  if (!ok) return make_error("bad_key", "cannot build the RSA key");
  return pem;
}

inline void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
inline void write_text(const std::string& path, const std::string& s) {
  std::ofstream(path, std::ios::binary) << s;
}

struct CheckquoteFiles {
  std::string msg, sig, pcrs;
};

// Writes <bank>.msg/.sig/.pcrs for one quote into `dir`. The .pcrs file is tpm2-tools'
// "serialized" PCR format (what tpm2_quote -o writes): the TPML_PCR_SELECTION struct as laid
// out in memory, a UINT32 count of TPML_DIGEST structs, then those structs, each holding up to
// 8 values in ascending PCR order. (The value-only format with -l fails in tpm2-tools 5.4 for
// more than 8 PCRs.) The selection is taken from the signed TPMS_ATTEST itself.
inline CheckquoteFiles write_checkquote_files(const std::string& dir, const attestation::Quote& q) {
  CheckquoteFiles f{dir + "/" + q.hash_alg + ".msg", dir + "/" + q.hash_alg + ".sig",
                    dir + "/" + q.hash_alg + ".pcrs"};
  write_bytes(f.msg, q.attest);
  write_bytes(f.sig, q.signature);
  TPMS_ATTEST att = unmarshal_attest(q.attest);
  TPML_PCR_SELECTION sel = att.attested.quote.pcrSelect;
  std::vector<TPML_DIGEST> chunks;
  for (const auto& [index, value] : q.pcrs) {
    if (chunks.empty() || chunks.back().count == 8) chunks.push_back(TPML_DIGEST{});
    TPM2B_DIGEST& d = chunks.back().digests[chunks.back().count++];
    d.size = static_cast<UINT16>(value.size());
    std::copy(value.begin(), value.end(), d.buffer);
  }
  UINT32 count = static_cast<UINT32>(chunks.size());
  std::ofstream out(f.pcrs, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&sel), sizeof sel);
  out.write(reinterpret_cast<const char*>(&count), sizeof count);
  out.write(reinterpret_cast<const char*>(chunks.data()),
            static_cast<std::streamsize>(chunks.size() * sizeof(TPML_DIGEST)));
  return f;
}

}  // namespace cocos::testing
