// OpenSSL 3 X.509 and ECDSA plumbing for the AMD chain. Every OpenSSL object is owned by a
// unique_ptr with its free function. X509_verify handles the RSA-PSS parameters (SHA-384,
// MGF1-SHA-384, salt 48) from each certificate's AlgorithmIdentifier. Everything read from a
// certificate is read once, when it is parsed, so a cached certificate costs nothing more.
#include "cocos/verifier/snp/certs.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

#include "amd_roots_data.h"
#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
#include "lru.h"

namespace cocos::verifier::snp {

void X509Deleter::operator()(X509* x) const {
  X509_free(x);
}

namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Free<ASN1_OBJECT, ASN1_OBJECT_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Free<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Ia5Ptr = std::unique_ptr<ASN1_IA5STRING, Free<ASN1_IA5STRING, ASN1_IA5STRING_free>>;
using OctPtr = std::unique_ptr<ASN1_OCTET_STRING, Free<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
struct OsslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};

constexpr std::size_t kMaxCertBytes = 1 << 20;
constexpr const char* kOidPrefix = "1.3.6.1.4.1.3704.1.";

std::string name_cn(const X509_NAME* n) {
  char buf[256] = {};
  if (n == nullptr ||
      X509_NAME_get_text_by_NID(const_cast<X509_NAME*>(n), NID_commonName, buf, sizeof buf) < 0) {
    return {};
  }
  return buf;
}

// The extension's value (inner DER), or nullopt.
std::optional<Bytes> ext_value(X509* x, const std::string& oid) {
  ObjPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  if (!obj) return std::nullopt;
  const int idx = X509_get_ext_by_OBJ(x, obj.get(), -1);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(x, idx);
  const ASN1_OCTET_STRING* os = X509_EXTENSION_get_data(ext);
  if (os == nullptr) return std::nullopt;
  return Bytes(os->data, os->data + os->length);
}

std::optional<long> ext_int(X509* x, const std::string& oid) {
  auto v = ext_value(x, oid);
  if (!v) return std::nullopt;
  const unsigned char* p = v->data();
  IntPtr i(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(v->size())));
  if (!i) return std::nullopt;
  return ASN1_INTEGER_get(i.get());
}

std::optional<std::string> ext_ia5(X509* x, const std::string& oid) {
  auto v = ext_value(x, oid);
  if (!v) return std::nullopt;
  const unsigned char* p = v->data();
  Ia5Ptr s(d2i_ASN1_IA5STRING(nullptr, &p, static_cast<long>(v->size())));
  if (!s) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(s->data), static_cast<std::size_t>(s->length));
}

std::optional<Bytes> ext_octets(X509* x, const std::string& oid) {
  auto v = ext_value(x, oid);
  if (!v) return std::nullopt;
  const unsigned char* p = v->data();
  OctPtr s(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(v->size())));
  if (s && p == v->data() + v->size()) return Bytes(s->data, s->data + s->length);
  return v;  // some issuers put the raw bytes in the extension
}

// seconds since the epoch of an ASN1_TIME; nullopt when it does not parse.
std::optional<std::int64_t> epoch_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

AmdExtensions decode_amd_extensions(X509* x) {
  const std::string p = kOidPrefix;
  AmdExtensions e;
  e.struct_version = ext_int(x, p + "1");
  e.product_name = ext_ia5(x, p + "2");
  e.bl = ext_int(x, p + "3.1");
  e.tee = ext_int(x, p + "3.2");
  e.snp = ext_int(x, p + "3.3");
  e.ucode = ext_int(x, p + "3.8");
  e.fmc = ext_int(x, p + "3.9");
  e.hwid = ext_octets(x, p + "4");
  e.csp_id = ext_ia5(x, p + "5");
  return e;
}

}  // namespace

struct Cert::Data {
  std::unique_ptr<X509, X509Deleter> x;
  Bytes der;
  std::string fp, cn;
  bool self_issued = false;
  bool has_tcb_ext = false;
  AmdExtensions ext;
  std::optional<std::int64_t> not_before, not_after;
};

Result<Cert> Cert::from_der(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > kMaxCertBytes) {
    return make_error("bad_cert", "certificate is empty or larger than 1 MiB");
  }
  const unsigned char* p = der.data();
  X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) return make_error("bad_cert", "not a DER X.509 certificate");
  auto d = std::make_shared<Data>();
  d->x.reset(raw);
  d->der.assign(der.data(), p);
  d->fp = to_hex(digest(HashAlg::kSha256, d->der));
  d->cn = name_cn(X509_get_subject_name(raw));
  d->self_issued = X509_NAME_cmp(X509_get_subject_name(raw), X509_get_issuer_name(raw)) == 0;
  d->has_tcb_ext = ext_value(raw, std::string(kOidPrefix) + "3.1").has_value();
  d->ext = decode_amd_extensions(raw);
  d->not_before = epoch_seconds(X509_get0_notBefore(raw));
  d->not_after = epoch_seconds(X509_get0_notAfter(raw));
  openssl_error();  // absent extensions leave errors on OpenSSL's queue
  return Cert(std::move(d));
}

X509* Cert::get() const {
  return d_->x.get();
}
const Bytes& Cert::der() const {
  return d_->der;
}
const std::string& Cert::fingerprint() const {
  return d_->fp;
}
const std::string& Cert::common_name() const {
  return d_->cn;
}
bool Cert::self_issued() const {
  return d_->self_issued;
}
bool Cert::has_amd_tcb_extensions() const {
  return d_->has_tcb_ext;
}
const AmdExtensions& Cert::amd_extensions() const {
  return d_->ext;
}
std::optional<std::int64_t> Cert::not_before() const {
  return d_->not_before;
}
std::optional<std::int64_t> Cert::not_after() const {
  return d_->not_after;
}

std::string Cert::validity() const {
  auto show = [](const ASN1_TIME* t) {
    BioPtr b(BIO_new(BIO_s_mem()));
    ASN1_TIME_print(b.get(), t);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  return show(X509_get0_notBefore(get())) + " .. " + show(X509_get0_notAfter(get()));
}

Result<std::vector<Cert>> parse_certs(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxCertBytes) return make_error("bad_cert", "certificate file over 1 MiB");
  std::vector<Cert> out;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    auto c = Cert::from_der(bytes);
    if (!c) return c.take_error();
    out.push_back(std::move(*c));
    return out;
  }
  BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  for (int i = 0; i < 16; ++i) {
    X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) break;
    std::unique_ptr<X509, X509Deleter> x(raw);
    unsigned char* der = nullptr;
    const int n = i2d_X509(x.get(), &der);
    if (n <= 0) return make_error("bad_cert", "cannot re-encode a PEM certificate");
    std::unique_ptr<unsigned char, OsslFree> hold(der);
    auto c = Cert::from_der(std::span(der, static_cast<std::size_t>(n)));
    if (!c) return c.take_error();
    out.push_back(std::move(*c));
  }
  openssl_error();  // clear the expected end-of-input error
  if (out.empty()) return make_error("bad_cert", "no readable certificate in the PEM text");
  return out;
}

Result<std::vector<Cert>> load_certs_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot open " + path);
  Bytes buf(kMaxCertBytes + 1);
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  auto r = parse_certs(buf);
  if (!r) return make_error(r.error().code, path + ": " + r.error().message);
  return r;
}

Result<AmdBundle> amd_bundle(Product p, bool vlek) {
  const char* pem = nullptr;
  switch (p) {
    case Product::kMilan:
      pem = vlek ? kAmdRoots_ask_ark_milan_vlek : kAmdRoots_ask_ark_milan;
      break;
    case Product::kGenoa:
      pem = vlek ? kAmdRoots_ask_ark_genoa_vlek : kAmdRoots_ask_ark_genoa;
      break;
    case Product::kTurin:
      pem = vlek ? kAmdRoots_ask_ark_turin_vlek : kAmdRoots_ask_ark_turin_vcek;
      break;
    case Product::kUnknown:
      return make_error("bad_product", "no embedded roots for an unknown product");
  }
  auto certs = parse_certs(as_bytes(std::string_view(pem)));
  if (!certs || certs->size() != 2) return make_error("internal", "embedded AMD bundle unreadable");
  return AmdBundle{(*certs)[0], (*certs)[1]};
}

const AmdExtensions& read_amd_extensions(const Cert& c) {
  return c.amd_extensions();
}

struct CertCache::Impl {
  explicit Impl(std::size_t capacity) : entries(capacity) {}
  struct Entry {
    Bytes input;  // the bytes given to from_der (the certificate's DER may end earlier)
    Cert cert;
  };
  mutable std::mutex mu;
  LruMap<Entry> entries;  // by SHA-256 of the input bytes
  std::uint64_t hits = 0;
  std::unique_ptr<EVP_MD, Free<EVP_MD, EVP_MD_free>> sha256{
      EVP_MD_fetch(nullptr, "SHA256", nullptr)};
};

CertCache::CertCache(std::size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {
  if (!impl_->sha256) std::abort();  // the default provider always has SHA-256
}
CertCache::~CertCache() = default;

Result<Cert> CertCache::from_der(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > kMaxCertBytes) return Cert::from_der(der);  // its error
  unsigned char h[32];
  unsigned int n = 0;
  if (EVP_Digest(der.data(), der.size(), h, &n, impl_->sha256.get(), nullptr) != 1) {
    return Cert::from_der(der);
  }
  const std::string key(reinterpret_cast<const char*>(h), n);
  {
    std::lock_guard lock(impl_->mu);
    if (Impl::Entry* e = impl_->entries.find(key)) {
      if (e->input.size() == der.size() &&
          std::memcmp(e->input.data(), der.data(), der.size()) == 0) {
        ++impl_->hits;
        return e->cert;
      }
    }
  }
  // Parsed outside the lock: other threads keep using the cache meanwhile.
  auto c = Cert::from_der(der);
  if (!c) return c;
  std::lock_guard lock(impl_->mu);
  impl_->entries.put(key, Impl::Entry{Bytes(der.begin(), der.end()), *c});
  return c;
}

std::size_t CertCache::size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->entries.size();
}

std::uint64_t CertCache::hits() const {
  std::lock_guard lock(impl_->mu);
  return impl_->hits;
}

struct ChainCache::Impl {
  explicit Impl(std::size_t capacity) : seen(capacity) {}
  mutable std::mutex mu;
  LruMap<bool> seen;  // "child fingerprint:issuer fingerprint" -> signature verifies
  // Embedded bundles by product and vlek; three products, two kinds: nothing to bound.
  std::map<std::pair<Product, bool>, AmdBundle> bundles;
};

ChainCache::ChainCache(std::size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {}
ChainCache::~ChainCache() = default;

bool ChainCache::signed_by(const Cert& child, const Cert& issuer) {
  const std::string key = child.fingerprint() + ":" + issuer.fingerprint();
  {
    std::lock_guard lock(impl_->mu);
    if (const bool* ok = impl_->seen.find(key)) return *ok;
  }
  // Verified outside the lock (an RSA-4096 signature takes a while).
  EVP_PKEY* pub = X509_get0_pubkey(issuer.get());
  const bool ok = pub != nullptr && X509_verify(child.get(), pub) == 1;
  openssl_error();
  std::lock_guard lock(impl_->mu);
  impl_->seen.put(key, ok);
  return ok;
}

Result<AmdBundle> ChainCache::bundle(Product p, bool vlek) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->bundles.find({p, vlek});
    if (it != impl_->bundles.end()) return it->second;
  }
  auto b = amd_bundle(p, vlek);
  if (!b) return b;
  std::lock_guard lock(impl_->mu);
  impl_->bundles.emplace(std::make_pair(p, vlek), *b);
  return b;
}

std::size_t ChainCache::size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seen.size();
}

Status verify_report_signature(const SnpReport& r, const Cert& leaf) {
  EVP_PKEY* pub = X509_get0_pubkey(leaf.get());
  if (pub == nullptr || EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC) {
    return make_error("bad_signature", "the VCEK/VLEK public key is not an EC key");
  }
  std::uint8_t rb[48], sb[48];
  std::memcpy(rb, r.raw.data() + 0x2A0, 48);
  std::memcpy(sb, r.raw.data() + 0x2E8, 48);
  for (std::size_t i = 48; i < 72; ++i) {
    if (r.raw[0x2A0 + i] != 0 || r.raw[0x2E8 + i] != 0) {
      return make_error("bad_signature", "R or S has non-zero bytes above the P-384 size");
    }
  }
  SigPtr sig(ECDSA_SIG_new());
  BnPtr bn_r(BN_lebin2bn(rb, 48, nullptr)), bn_s(BN_lebin2bn(sb, 48, nullptr));
  if (!sig || !bn_r || !bn_s || ECDSA_SIG_set0(sig.get(), bn_r.get(), bn_s.get()) != 1) {
    return make_error("internal", "cannot build the ECDSA signature");
  }
  bn_r.release();  // owned by sig now
  bn_s.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return make_error("internal", "cannot encode the ECDSA signature");
  std::unique_ptr<unsigned char, OsslFree> hold(der);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA384", nullptr, nullptr, pub, nullptr) != 1) {
    openssl_error();
    return make_error("internal", "cannot initialise ECDSA verification");
  }
  const int ok = EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), r.raw.data(),
                                  kSignedSize);
  openssl_error();
  if (ok != 1) {
    return make_error("bad_signature",
                      "ECDSA P-384 signature over report bytes [0x000, 0x2a0) does not verify");
  }
  return ok_status();
}

std::optional<Tcb> certificate_tcb(const AmdExtensions& e, bool turin) {
  if (!e.bl || !e.tee || !e.snp || !e.ucode || (turin && !e.fmc)) return std::nullopt;
  Tcb t;
  t.turin = turin;
  t.bl = static_cast<std::uint8_t>(*e.bl);
  t.tee = static_cast<std::uint8_t>(*e.tee);
  t.snp = static_cast<std::uint8_t>(*e.snp);
  t.ucode = static_cast<std::uint8_t>(*e.ucode);
  t.fmc = turin ? static_cast<std::uint8_t>(*e.fmc) : 0;
  return t;
}

bool hwid_matches(const AmdExtensions& e, const SnpReport& r, bool turin) {
  const std::size_t n = turin ? 8 : 64;
  if (!e.hwid || e.hwid->size() != n) return false;
  if (!std::equal(e.hwid->begin(), e.hwid->end(), r.chip_id.begin())) return false;
  return std::all_of(r.chip_id.begin() + static_cast<std::ptrdiff_t>(n), r.chip_id.end(),
                     [](std::uint8_t b) { return b == 0; });
}

std::string validity_problem(const Cert& c, std::time_t now) {
  // The times were read when the certificate was parsed; the comparison is made for every
  // report against the caller's clock. Same bounds as X509_cmp_time (valid from notBefore
  // up to, but not at, notAfter); an unreadable time is a problem, not a pass.
  const auto nb = c.not_before(), na = c.not_after();
  if (!nb || !na) return "has an unreadable validity period";
  const auto t = static_cast<std::int64_t>(now);
  if (*nb > t) return "not yet valid";
  if (*na <= t) return "expired";
  return {};
}

}  // namespace cocos::verifier::snp
