// Internal: owning pointers for the OpenSSL objects the simulated PSP uses, and PEM/DER helpers.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/keys.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

template <class T, void (*F)(T*)>
struct OsslDeleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Asn1IntPtr = std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1StrPtr = std::unique_ptr<ASN1_STRING, OsslDeleter<ASN1_STRING, ASN1_STRING_free>>;
using Asn1ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using X509ExtPtr =
    std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

Result<std::string> cert_to_pem(X509* cert);
Result<Bytes> cert_to_der(X509* cert);
Result<X509Ptr> cert_from_pem(const std::string& pem);
// The subject's CN ("" when it has none).
std::string common_name(X509* cert);
Result<std::string> private_key_to_pem(EVP_PKEY* key);
Result<PkeyPtr> private_key_from_pem(const std::string& pem);

}  // namespace cocos::attestation
