// Test-only builders (see test_chain.h). OpenSSL objects are owned by unique_ptrs.
#include "test_chain.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <msgpack.hpp>
#include <stdexcept>

#include "cocos/common/hash.h"
#include "cocos/verifier/vtpm/tpm_structs.h"

namespace cocos::test {

namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Free<ASN1_OBJECT, ASN1_OBJECT_free>>;
using OctPtr = std::unique_ptr<ASN1_OCTET_STRING, Free<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Free<ASN1_INTEGER, ASN1_INTEGER_free>>;
using StrPtr = std::unique_ptr<ASN1_STRING, Free<ASN1_STRING, ASN1_STRING_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test chain: ") + what);
}

PkeyPtr gen(const char* type, const char* param) {
  EVP_PKEY* k = nullptr;
  if (std::string(type) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param);
  }
  check(k != nullptr, "keygen");
  return PkeyPtr(k);
}

void add_ext(X509* x, const std::string& oid, const Bytes& inner_der) {
  ObjPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  OctPtr os(ASN1_OCTET_STRING_new());
  check(obj && os &&
            ASN1_OCTET_STRING_set(os.get(), inner_der.data(), static_cast<int>(inner_der.size())) ==
                1,
        "ext");
  ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os.get()));
  check(ext && X509_add_ext(x, ext.get(), -1) == 1, "add ext");
}

Bytes der_int(long v) {
  IntPtr i(ASN1_INTEGER_new());
  ASN1_INTEGER_set(i.get(), v);
  unsigned char* p = nullptr;
  const int n = i2d_ASN1_INTEGER(i.get(), &p);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

Bytes der_ia5(const std::string& s) {
  StrPtr str(ASN1_STRING_type_new(V_ASN1_IA5STRING));
  ASN1_STRING_set(str.get(), s.data(), static_cast<int>(s.size()));
  unsigned char* p = nullptr;
  const int n = i2d_ASN1_IA5STRING(str.get(), &p);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

Bytes der_octets(const Bytes& b) {
  OctPtr os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), b.data(), static_cast<int>(b.size()));
  unsigned char* p = nullptr;
  const int n = i2d_ASN1_OCTET_STRING(os.get(), &p);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

X509Ptr make_cert(const std::string& cn, const std::string& issuer_cn, EVP_PKEY* pub, bool ca) {
  X509Ptr x(X509_new());
  check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ca ? 1 : 0);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365 * 20);
  X509_set_pubkey(x.get(), pub);
  for (auto [name, value] : {std::pair{X509_get_subject_name(x.get()), cn},
                             std::pair{X509_get_issuer_name(x.get()), issuer_cn}}) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Test AMD"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  if (ca) {
    ExtPtr bc(X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE"));
    check(bc && X509_add_ext(x.get(), bc.get(), -1) == 1, "basicConstraints");
  }
  return x;
}

// A signing context for AMD's scheme: RSA-PSS, SHA-384, MGF1-SHA-384, salt 48.
MdCtxPtr pss_context(EVP_PKEY* key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  check(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, key) == 1, "sign init");
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384());
  return ctx;
}

void sign_pss(X509* x, EVP_PKEY* key) {
  check(X509_sign_ctx(x, pss_context(key).get()) > 0, "X509_sign_ctx");
}

Bytes der_of(X509* x) {
  unsigned char* p = nullptr;
  const int n = i2d_X509(x, &p);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

// `vlek_under`: build a VLEK chain under that chain's ARK instead of a VCEK chain.
TestChain build_chain(bool turin, const TestChain* vlek_under = nullptr) {
  TestChain c;
  c.turin = turin;
  c.vlek = vlek_under != nullptr;
  PkeyPtr ark, ask = gen("RSA", nullptr);
  if (vlek_under) {
    ark.reset(EVP_PKEY_dup(vlek_under->ark_key.get()));
    check(ark != nullptr, "EVP_PKEY_dup");
  } else {
    ark = gen("RSA", nullptr);
  }
  c.vcek_key = gen("EC", "P-384");
  c.chip_id.assign(64, 0);
  for (int i = 0; i < (turin ? 8 : 64); ++i) c.chip_id[i] = static_cast<std::uint8_t>(0xA0 + i);
  // Milan: bl 3 tee 0 snp 14 ucode 213. Turin: fmc 1 bl 1 tee 1 snp 4 ucode 82.
  c.tcb = turin ? 0x5200000004010101ULL : 0xD50E000000000003ULL;
  X509Ptr ark_cert = make_cert("ARK-Test", "ARK-Test", ark.get(), true);
  sign_pss(ark_cert.get(), ark.get());
  const std::string ask_cn = c.vlek ? "SEV-VLEK-Test" : "SEV-Test";
  X509Ptr ask_cert = make_cert(ask_cn, "ARK-Test", ask.get(), true);
  sign_pss(ask_cert.get(), ark.get());
  X509Ptr vcek = make_cert(c.vlek ? "SEV-VLEK" : "SEV-VCEK", ask_cn, c.vcek_key.get(), false);
  const std::string p = "1.3.6.1.4.1.3704.1.";
  add_ext(vcek.get(), p + "1", der_int(turin ? 1 : 0));
  add_ext(vcek.get(), p + "2", der_ia5(turin ? "Turin" : "Milan-B0"));
  add_ext(vcek.get(), p + "3.1", der_int(turin ? 1 : 3));
  add_ext(vcek.get(), p + "3.2", der_int(turin ? 1 : 0));
  add_ext(vcek.get(), p + "3.3", der_int(turin ? 4 : 14));
  add_ext(vcek.get(), p + "3.8", der_int(turin ? 82 : 213));
  if (turin) add_ext(vcek.get(), p + "3.9", der_int(1));
  if (c.vlek) {  // a VLEK names the cloud provider it was issued to, not a chip
    add_ext(vcek.get(), p + "5", der_ia5("cocos-test-csp"));
  } else {
    add_ext(vcek.get(), p + "4",
            der_octets(Bytes(c.chip_id.begin(), c.chip_id.begin() + (turin ? 8 : 64))));
  }
  sign_pss(vcek.get(), ask.get());
  c.ark_der = vlek_under ? vlek_under->ark_der : der_of(ark_cert.get());
  c.ask_der = der_of(ask_cert.get());
  c.vcek_der = der_of(vcek.get());
  c.ark_pem =
      "-----BEGIN CERTIFICATE-----\n" + to_base64(c.ark_der) + "\n-----END CERTIFICATE-----\n";
  c.ark_key = std::move(ark);
  c.ask_key = std::move(ask);
  return c;
}

void put_be(Bytes& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes make_crl(const TestChain& chain, bool of_ask, const std::vector<long>& revoked, long this_s,
               long next_s, EVP_PKEY* signer) {
  const Bytes& issuer_der = of_ask ? chain.ask_der : chain.ark_der;
  const unsigned char* p = issuer_der.data();
  X509Ptr issuer(d2i_X509(nullptr, &p, static_cast<long>(issuer_der.size())));
  check(issuer != nullptr, "d2i issuer");
  using CrlPtr = std::unique_ptr<X509_CRL, Free<X509_CRL, X509_CRL_free>>;
  CrlPtr crl(X509_CRL_new());
  check(crl != nullptr, "X509_CRL_new");
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get()));
  using TimePtr = std::unique_ptr<ASN1_TIME, Free<ASN1_TIME, ASN1_TIME_free>>;
  TimePtr t(X509_gmtime_adj(nullptr, this_s));
  X509_CRL_set1_lastUpdate(crl.get(), t.get());
  if (next_s != 0) {
    TimePtr n(X509_gmtime_adj(nullptr, next_s));
    X509_CRL_set1_nextUpdate(crl.get(), n.get());
  }
  for (long serial : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, serial);
    X509_REVOKED_set_serialNumber(r, s);
    ASN1_INTEGER_free(s);
    X509_REVOKED_set_revocationDate(r, t.get());
    X509_CRL_add0_revoked(crl.get(), r);
  }
  X509_CRL_sort(crl.get());
  EVP_PKEY* key = signer ? signer : (of_ask ? chain.ask_key.get() : chain.ark_key.get());
  check(X509_CRL_sign_ctx(crl.get(), pss_context(key).get()) > 0, "X509_CRL_sign_ctx");
  unsigned char* der = nullptr;
  const int n = i2d_X509_CRL(crl.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

const TestChain& test_chain() {
  static const TestChain c = build_chain(false);
  return c;
}

const TestChain& test_chain_vlek() {
  static const TestChain c = build_chain(false, &test_chain());
  return c;
}

const TestChain& test_chain_turin() {
  static const TestChain c = build_chain(true);
  return c;
}

Bytes make_report(const Bytes& report_data64, const Bytes& measurement48, const TestChain& c) {
  Bytes r(0x4A0, 0);
  auto le = [&](std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) r[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  le(0x00, 3, 4);
  le(0x08, 0x30000, 8);
  le(0x30, 2, 4);
  le(0x34, 1, 4);
  for (std::size_t at : {0x38u, 0x180u, 0x1E0u, 0x1F0u}) le(at, c.tcb, 8);
  le(0x40, 0x1, 8);
  if (c.vlek) le(0x48, 1u << 2, 4);  // SIGNER_INFO: SIGNING_KEY 1 (VLEK)
  std::copy(report_data64.begin(), report_data64.end(), r.begin() + 0x50);
  std::copy(measurement48.begin(), measurement48.end(), r.begin() + 0x90);
  std::fill(r.begin() + 0x160, r.begin() + 0x180, 0xFF);
  r[0x188] = c.turin ? 0x1A : 0x19;
  r[0x189] = c.turin ? 0x02 : 0x01;
  r[0x18A] = 0x01;
  std::copy(c.chip_id.begin(), c.chip_id.end(), r.begin() + 0x1A0);
  r[0x1E8] = r[0x1EC] = 8;
  r[0x1E9] = r[0x1ED] = 55;
  r[0x1EA] = r[0x1EE] = 1;
  return r;
}

void sign_report(Bytes& report, const TestChain& chain) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  check(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, chain.vcek_key.get()) == 1,
        "ecdsa init");
  std::size_t len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &len, report.data(), 0x2A0) == 1, "ecdsa len");
  Bytes der(len);
  check(EVP_DigestSign(ctx.get(), der.data(), &len, report.data(), 0x2A0) == 1, "ecdsa sign");
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  check(sig != nullptr, "d2i_ECDSA_SIG");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::fill(report.begin() + 0x2A0, report.end(), 0);
  BN_bn2lebinpad(r, report.data() + 0x2A0, 72);
  BN_bn2lebinpad(s, report.data() + 0x2E8, 72);
}

namespace {
TestTpm build_tpm() {
  TestTpm t{PrivateKey::generate(KeyType::kRsa).value(), {}, {}, {}};
  BIGNUM* n = nullptr;
  check(EVP_PKEY_get_bn_param(t.ak.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1, "modulus");
  BnPtr hold(n);
  Bytes mod(static_cast<std::size_t>(BN_num_bytes(n)));
  BN_bn2bin(n, mod.data());
  Bytes& p = t.ak_public;
  put_be(p, 0x0001, 2);      // RSA
  put_be(p, 0x000B, 2);      // nameAlg SHA-256
  put_be(p, 0x00050072, 4);  // restricted | sign | ...
  put_be(p, 0, 2);           // authPolicy
  put_be(p, 0x0010, 2);      // symmetric NULL
  put_be(p, 0x0014, 2);      // RSASSA
  put_be(p, 0x000B, 2);      // SHA-256
  put_be(p, mod.size() * 8, 2);
  put_be(p, 0, 4);  // exponent 65537
  put_be(p, mod.size(), 2);
  p.insert(p.end(), mod.begin(), mod.end());
  for (std::uint32_t i = 0; i < 24; ++i) {
    t.pcrs256[i] = digest(HashAlg::kSha256, "pcr" + std::to_string(i));
    t.pcrs384[i] = digest(HashAlg::kSha384, "pcr" + std::to_string(i));
  }
  return t;
}
}  // namespace

const TestTpm& test_tpm() {
  static const TestTpm t = build_tpm();
  return t;
}

verifier::vtpm::Quote make_quote(const TestTpm& tpm, const std::string& bank, const Bytes& nonce) {
  return make_quote(tpm, bank, nonce, bank == "sha384" ? tpm.pcrs384 : tpm.pcrs256);
}

verifier::vtpm::Quote make_quote(const TestTpm& tpm, const std::string& bank, const Bytes& nonce,
                                 const std::map<std::uint32_t, Bytes>& pcrs) {
  verifier::vtpm::Quote q;
  q.bank = bank;
  q.pcrs = pcrs;
  Hasher h(HashAlg::kSha256);
  for (const auto& [i, v] : q.pcrs) h.update(v);
  const Bytes pcr_digest = h.finish();
  Bytes& a = q.attest;
  put_be(a, 0xFF544347, 4);
  put_be(a, 0x8018, 2);
  put_be(a, 34, 2);
  for (int i = 0; i < 34; ++i) a.push_back(static_cast<std::uint8_t>(i));
  put_be(a, nonce.size(), 2);
  a.insert(a.end(), nonce.begin(), nonce.end());
  put_be(a, 123456789, 8);  // clock
  put_be(a, 1, 4);
  put_be(a, 0, 4);
  a.push_back(1);
  put_be(a, 0x2016051100162800ULL, 8);
  put_be(a, 1, 4);
  put_be(a, verifier::vtpm::bank_alg(bank).value(), 2);
  a.push_back(3);
  a.push_back(0xFF);
  a.push_back(0xFF);
  a.push_back(0xFF);
  put_be(a, pcr_digest.size(), 2);
  a.insert(a.end(), pcr_digest.begin(), pcr_digest.end());
  const Bytes sig = tpm.ak.sign(a).value();  // RSA PKCS#1 v1.5 SHA-256
  put_be(q.signature, 0x0014, 2);
  put_be(q.signature, 0x000B, 2);
  put_be(q.signature, sig.size(), 2);
  q.signature.insert(q.signature.end(), sig.begin(), sig.end());
  return q;
}

std::string encode_evidence(const verifier::evidence::EvidenceInput& ev) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  auto bin = [&](const Bytes& b) {
    pk.pack_bin(static_cast<std::uint32_t>(b.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
  };
  std::uint32_t n = 6;
  n += ev.snp_report ? 1 : 0;
  n += ev.ak_public ? 2 : 0;
  n += ev.bus_key ? 1 : 0;
  n += ev.event_log ? 1 : 0;
  pk.pack_map(n + 1);
  pk.pack(std::string("platform"));
  pk.pack(ev.platform);
  pk.pack(std::string("simulated"));
  pk.pack(ev.simulated);
  pk.pack(std::string("tee_nonce"));
  bin(ev.tee_nonce);
  pk.pack(std::string("vtpm_nonce"));
  bin(ev.vtpm_nonce);
  pk.pack(std::string("certs"));
  pk.pack_map(static_cast<std::uint32_t>(ev.certs.size()));
  for (const auto& [k, v] : ev.certs) {
    pk.pack(k);
    bin(v);
  }
  pk.pack(std::string("binding"));
  pk.pack(ev.binding);
  pk.pack(std::string("future_field"));  // unknown keys are ignored
  pk.pack(1);
  if (ev.event_log) {
    pk.pack(std::string("event_log"));
    bin(*ev.event_log);
  }
  if (ev.snp_report) {
    pk.pack(std::string("snp_report"));
    bin(*ev.snp_report);
  }
  if (ev.ak_public) {
    pk.pack(std::string("ak_public"));
    bin(*ev.ak_public);
    pk.pack(std::string("quotes"));
    pk.pack_array(static_cast<std::uint32_t>(ev.quotes.size()));
    for (const auto& q : ev.quotes) {
      pk.pack_map(4);
      pk.pack(std::string("hash_alg"));
      pk.pack(q.bank);
      pk.pack(std::string("attest"));
      bin(q.attest);
      pk.pack(std::string("signature"));
      bin(q.signature);
      pk.pack(std::string("pcrs"));
      pk.pack_map(static_cast<std::uint32_t>(q.pcrs.size()));
      for (const auto& [i, v] : q.pcrs) {
        pk.pack(i);
        bin(v);
      }
    }
  }
  if (ev.bus_key) {
    pk.pack(std::string("bus_key"));
    bin(*ev.bus_key);
  }
  return std::string(buf.data(), buf.size());
}

}  // namespace cocos::test
