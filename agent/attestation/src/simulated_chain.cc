// Simulated AMD certificate chain (see simulated_chain.h).
#include "simulated_chain.h"

#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <vector>

namespace cocos::attestation {
namespace {

constexpr long kDay = 24L * 3600;

Error ossl(const std::string& what) {
  return make_error("internal", what + ": " + openssl_error());
}

// Every AMD name has these five attributes plus a CN (go-sev-guest validateAmdLocation).
Status set_amd_name(X509_NAME* n, const std::string& cn) {
  const std::pair<const char*, const char*> parts[] = {
      {"OU", "Engineering"},           {"C", "US"},       {"L", "Santa Clara"}, {"ST", "CA"},
      {"O", "Advanced Micro Devices"}, {"CN", cn.c_str()}};
  for (const auto& [field, value] : parts) {
    if (X509_NAME_add_entry_by_txt(n, field, MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(value), -1, -1, 0) != 1) {
      return ossl("X509_NAME_add_entry_by_txt");
    }
  }
  return ok_status();
}

Result<X509Ptr> new_cert(const std::string& cn, long serial, long days, EVP_PKEY* subject_key,
                         X509* issuer) {
  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), 2) != 1) return ossl("X509_new");
  if (ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) != 1) return ossl("serial");
  // Back-dated one day so a verifier with a slightly late clock accepts a fresh chain.
  if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), -kDay) ||
      !X509_gmtime_adj(X509_getm_notAfter(x.get()), days * kDay)) {
    return ossl("validity");
  }
  if (auto s = set_amd_name(X509_get_subject_name(x.get()), cn); !s) return s.take_error();
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x.get());
  if (X509_set_issuer_name(x.get(), issuer_name) != 1) return ossl("X509_set_issuer_name");
  if (X509_set_pubkey(x.get(), subject_key) != 1) return ossl("X509_set_pubkey");
  return x;
}

Status add_conf_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) return ossl(std::string("extension ") + value);
  return ok_status();
}

// An AMD extension: the value is the DER of the inner type inside the extension OCTET STRING.
Status add_raw_ext(X509* x, const std::string& oid, const Bytes& inner_der) {
  Asn1ObjPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  Asn1StrPtr octet(ASN1_OCTET_STRING_new());
  if (!obj || !octet ||
      ASN1_OCTET_STRING_set(octet.get(), inner_der.data(), static_cast<int>(inner_der.size())) !=
          1) {
    return ossl("extension " + oid);
  }
  X509ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, octet.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) return ossl("extension " + oid);
  return ok_status();
}

template <class T, int (*I2D)(const T*, unsigned char**)>
Result<Bytes> to_der(const T* v) {
  int n = I2D(v, nullptr);
  if (n <= 0) return ossl("DER encoding");
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  I2D(v, &p);
  return out;
}

Result<Bytes> der_integer(long v) {
  Asn1IntPtr i(ASN1_INTEGER_new());
  if (!i || ASN1_INTEGER_set(i.get(), v) != 1) return ossl("ASN1_INTEGER_set");
  return to_der<ASN1_INTEGER, i2d_ASN1_INTEGER>(i.get());
}

Result<Bytes> der_string(int type, const std::uint8_t* data, std::size_t n) {
  Asn1StrPtr s(ASN1_STRING_type_new(type));
  if (!s || ASN1_STRING_set(s.get(), data, static_cast<int>(n)) != 1) return ossl("ASN1_STRING");
  if (type == V_ASN1_IA5STRING) return to_der<ASN1_IA5STRING, i2d_ASN1_IA5STRING>(s.get());
  return to_der<ASN1_OCTET_STRING, i2d_ASN1_OCTET_STRING>(s.get());
}

Status sign_pss(X509* x, EVP_PKEY* issuer_key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, issuer_key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1) {
    return ossl("RSA-PSS signing setup");
  }
  if (X509_sign_ctx(x, ctx.get()) <= 0) return ossl("X509_sign_ctx");
  return ok_status();
}

std::string crl_uri(const std::string& kind, const std::string& product) {
  return "URI:https://kdsintf.amd.com/" + kind + "/v1/" + product + "/crl";
}

Result<X509Ptr> make_intermediate(const std::string& cn, long serial, const std::string& kind,
                                  EVP_PKEY* key, X509* ark, EVP_PKEY* ark_key,
                                  const std::string& product) {
  auto x = new_cert(cn, serial, 25 * 365, key, ark);
  if (!x) return x;
  X509* c = x->get();
  for (auto [nid, v] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                        std::pair{NID_key_usage, "critical,keyCertSign"}}) {
    if (auto s = add_conf_ext(c, ark, nid, v); !s) return s.take_error();
  }
  if (auto s = add_conf_ext(c, ark, NID_crl_distribution_points, crl_uri(kind, product).c_str());
      !s) {
    return s.take_error();
  }
  if (auto s = sign_pss(c, ark_key); !s) return s.take_error();
  return x;
}

// A VCEK (`chip_id` set: hwID) or a VLEK (`csp_id` set), with the TCB extensions.
Result<X509Ptr> make_leaf(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          const std::string& product, std::uint64_t reported_tcb,
                          const std::array<std::uint8_t, 64>* chip_id, const std::string& csp_id) {
  // AMD's leaf certificates have serial 0 and a 7-year validity.
  auto x = new_cert(cn, 0, 7 * 365, key, issuer);
  if (!x) return x;
  X509* c = x->get();
  const std::string base = "1.3.6.1.4.1.3704.1.";
  auto tcb = [&](int byte) { return static_cast<long>((reported_tcb >> (8 * byte)) & 0xff); };
  const std::string product_name = product + "-B0";
  // TCB bytes: Milan/Genoa BL 0, TEE 1, SNP 6, UCODE 7; Turin FMC 0, BL 1, TEE 2, SNP 3, UCODE 7.
  const bool turin = product == "Turin";
  auto ia5 = [](const std::string& s) {
    return der_string(V_ASN1_IA5STRING, reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  std::vector<std::pair<std::string, Result<Bytes>>> exts;
  exts.emplace_back(base + "1", der_integer(0));  // struct version
  exts.emplace_back(base + "2", ia5(product_name));
  exts.emplace_back(base + "3.1", der_integer(tcb(turin ? 1 : 0)));  // blSPL
  exts.emplace_back(base + "3.2", der_integer(tcb(turin ? 2 : 1)));  // teeSPL
  exts.emplace_back(base + "3.3", der_integer(tcb(turin ? 3 : 6)));  // snpSPL
  for (int spl = 4; spl <= 7; ++spl)
    exts.emplace_back(base + "3." + std::to_string(spl), der_integer(0));
  exts.emplace_back(base + "3.8", der_integer(tcb(7)));             // ucodeSPL
  if (turin) exts.emplace_back(base + "3.9", der_integer(tcb(0)));  // fmcSPL
  if (chip_id != nullptr) {
    // hwID: the CHIP_ID (Turin: its first 8 bytes, the rest of CHIP_ID being zero).
    exts.emplace_back(base + "4", der_string(V_ASN1_OCTET_STRING, chip_id->data(),
                                             turin ? std::size_t{8} : chip_id->size()));
  } else {
    exts.emplace_back(base + "5", ia5(csp_id));  // CSP_ID
  }
  for (auto& [oid, der] : exts) {
    if (!der) return der.take_error();
    if (auto s = add_raw_ext(c, oid, *der); !s) return s.take_error();
  }
  if (auto s = sign_pss(c, issuer_key); !s) return s.take_error();
  return x;
}

}  // namespace

Result<PkeyPtr> generate_rsa4096() {
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(4096)));
  if (!k) return ossl("RSA-4096 key generation");
  return k;
}

Result<PkeyPtr> generate_p384() {
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  if (!k) return ossl("P-384 key generation");
  return k;
}

Result<X509Ptr> make_ark(EVP_PKEY* ark_key, const std::string& product) {
  auto x = new_cert("ARK-" + product, 1, 25 * 365, ark_key, nullptr);
  if (!x) return x;
  X509* c = x->get();
  for (auto [nid, v] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                        std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}}) {
    if (auto s = add_conf_ext(c, nullptr, nid, v); !s) return s.take_error();
  }
  if (auto s =
          add_conf_ext(c, nullptr, NID_crl_distribution_points, crl_uri("vcek", product).c_str());
      !s) {
    return s.take_error();
  }
  if (auto s = sign_pss(c, ark_key); !s) return s.take_error();
  return x;
}

Result<X509Ptr> make_ask(EVP_PKEY* ask_key, X509* ark, EVP_PKEY* ark_key,
                         const std::string& product) {
  return make_intermediate("SEV-" + product, 2, "vcek", ask_key, ark, ark_key, product);
}

Result<X509Ptr> make_asvk(EVP_PKEY* asvk_key, X509* ark, EVP_PKEY* ark_key,
                          const std::string& product) {
  return make_intermediate("SEV-VLEK-" + product, 3, "vlek", asvk_key, ark, ark_key, product);
}

Result<X509Ptr> make_vcek(EVP_PKEY* vcek_key, X509* ask, EVP_PKEY* ask_key,
                          const std::string& product, const std::array<std::uint8_t, 64>& chip_id,
                          std::uint64_t reported_tcb) {
  return make_leaf("SEV-VCEK", vcek_key, ask, ask_key, product, reported_tcb, &chip_id, "");
}

Result<X509Ptr> make_vlek(EVP_PKEY* vlek_key, X509* asvk, EVP_PKEY* asvk_key,
                          const std::string& product, const std::string& csp_id,
                          std::uint64_t reported_tcb) {
  return make_leaf("SEV-VLEK", vlek_key, asvk, asvk_key, product, reported_tcb, nullptr, csp_id);
}

}  // namespace cocos::attestation
