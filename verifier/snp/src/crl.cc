// CRL parsing (PEM or DER, bounded) and the revocation checks of a verified AMD chain (crl.h).
#include "cocos/verifier/snp/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cocos/igvm/measure.h"

namespace cocos::verifier::snp {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::shared_ptr<X509_CRL> own(X509_CRL* c) {
  return std::shared_ptr<X509_CRL>(c, X509_CRL_free);
}

std::string name_line(const X509_NAME* n) {
  char buf[512];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}

std::string serial_hex(const ASN1_INTEGER* s) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(s, nullptr);
  if (bn == nullptr) return "?";
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "?";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string time_text(const ASN1_TIME* t) {
  if (t == nullptr) return "(none)";
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(bio.get(), t);
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<std::size_t>(n));
}

// The CRLs that `issuer` issued: same name, and a signature its key verifies. A CRL with the
// right name and a bad signature is reported (a forged or damaged CRL is not "no CRL").
std::vector<const Crl*> issued_by(const std::vector<Crl>& crls, const Cert& issuer,
                                  std::vector<const Crl*>* forged) {
  std::vector<const Crl*> out;
  for (const Crl& c : crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(c.get()), X509_get_subject_name(issuer.get())) != 0) {
      continue;
    }
    if (X509_CRL_verify(c.get(), X509_get0_pubkey(issuer.get())) == 1) {
      out.push_back(&c);
    } else {
      forged->push_back(&c);
    }
    ERR_clear_error();
  }
  return out;
}

}  // namespace

Result<Crl> Crl::from_der(std::span<const std::uint8_t> der) {
  if (der.size() > kMaxCrlBytes) return make_error("too_large", "CRL over 4 MiB");
  const unsigned char* p = der.data();
  X509_CRL* c = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (c == nullptr || p != der.data() + der.size()) {
    if (c) X509_CRL_free(c);
    ERR_clear_error();
    return make_error("bad_crl", "not a DER X.509 CRL");
  }
  return Crl(own(c));
}

std::string Crl::issuer() const {
  return name_line(X509_CRL_get_issuer(crl_.get()));
}

bool Crl::current_at(std::time_t now) const {
  const ASN1_TIME* last = X509_CRL_get0_lastUpdate(crl_.get());
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_.get());
  // X509_cmp_time: -1 when the time is before `now`, 1 after, 0 on an unreadable time.
  std::time_t t = now;
  const int last_cmp = last ? X509_cmp_time(last, &t) : 0;
  const int next_cmp = next ? X509_cmp_time(next, &t) : 1;
  return last_cmp < 0 && next_cmp > 0;
}

std::size_t Crl::revoked_count() const {
  const STACK_OF(X509_REVOKED)* r = X509_CRL_get_REVOKED(crl_.get());
  return r ? static_cast<std::size_t>(sk_X509_REVOKED_num(r)) : 0;
}

Result<std::vector<Crl>> parse_crls(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxCrlBytes) return make_error("too_large", "CRL file over 4 MiB");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<Crl> out;
  if (text.find("-----BEGIN X509 CRL-----") == std::string_view::npos) {
    auto c = Crl::from_der(bytes);
    if (!c) return c.take_error();
    out.push_back(std::move(*c));
    return out;
  }
  BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  for (int i = 0; i < 16; ++i) {
    X509_CRL* raw = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) break;
    out.push_back(Crl(own(raw)));
  }
  ERR_clear_error();  // the expected end-of-input error
  if (out.empty()) return make_error("bad_crl", "no readable CRL in the PEM text");
  return out;
}

Result<std::vector<Crl>> load_crl_file(const std::string& path) {
  auto b = igvm::read_file_bounded(path, kMaxCrlBytes);
  if (!b) return b.take_error();
  auto r = parse_crls(*b);
  if (!r) return make_error(r.error().code, path + ": " + r.error().message);
  return r;
}

void check_revocation(const std::vector<Crl>& crls, const Cert& leaf, const Cert& intermediate,
                      const Cert& root, std::time_t now, Verdict& v) {
  std::vector<const Crl*> forged;
  const auto of_root = issued_by(crls, root, &forged);
  const auto of_inter = issued_by(crls, intermediate, &forged);
  for (const Crl& c : crls) {
    const X509_NAME* n = X509_CRL_get_issuer(c.get());
    if (X509_NAME_cmp(n, X509_get_subject_name(root.get())) != 0 &&
        X509_NAME_cmp(n, X509_get_subject_name(intermediate.get())) != 0) {
      v.warn("CRL issued by " + c.issuer() + " ignored: not an issuer in this chain");
    }
  }
  if (!forged.empty()) {
    v.fail("snp.crl.issuer", "every CRL of this chain's issuers carries their signature",
           "CRL signature", "signed by " + forged.front()->issuer(), "signature does not verify",
           "a damaged or forged CRL");
  }
  if (of_root.empty()) {
    v.fail("snp.crl.issuer", "a CRL issued by the ARK was given", "CRL issuer",
           name_line(X509_get_subject_name(root.get())), "none of the CRLs given",
           "download the CRL of this product from AMD's KDS (/vcek/v1/<product>/crl)");
    return;
  }
  v.pass("snp.crl.issuer", "a CRL issued by the ARK was given", "CRL issuer",
         name_line(X509_get_subject_name(root.get())), "signature valid");

  std::vector<const Crl*> used = of_root;
  used.insert(used.end(), of_inter.begin(), of_inter.end());
  std::string stale;
  for (const Crl* c : used) {
    if (!c->current_at(now)) {
      stale += c->issuer() + ": thisUpdate " + time_text(X509_CRL_get0_lastUpdate(c->get())) +
               ", nextUpdate " + time_text(X509_CRL_get0_nextUpdate(c->get())) + "; ";
    }
  }
  v.expect(stale.empty(), "snp.crl.validity", "the CRLs are current", "thisUpdate/nextUpdate",
           "thisUpdate <= now < nextUpdate", stale.empty() ? "current" : stale,
           "fetch a current CRL from AMD's KDS");

  // Revocation: the intermediate in the root's CRLs, the leaf in the intermediate's.
  std::string revoked;
  auto look = [&](const std::vector<const Crl*>& list, const Cert& cert) {
    for (const Crl* c : list) {
      X509_REVOKED* entry = nullptr;
      if (X509_CRL_get0_by_cert(c->get(), &entry, cert.get()) == 1) {
        revoked += "'" + cert.common_name() + "' serial " +
                   serial_hex(X509_get0_serialNumber(cert.get())) + " revoked " +
                   time_text(X509_REVOKED_get0_revocationDate(entry)) + "; ";
      }
    }
  };
  look(of_root, intermediate);
  look(of_inter, leaf);
  std::string checked = "'" + intermediate.common_name() + "'";
  if (!of_inter.empty()) checked += " and '" + leaf.common_name() + "'";
  v.expect(revoked.empty(), "snp.crl.revoked", "no certificate of the chain is revoked",
           "CRL entries", "not listed", revoked.empty() ? checked + " not listed" : revoked,
           "AMD revoked this signing key");
}

}  // namespace cocos::verifier::snp
