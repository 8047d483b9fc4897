// Certificate revocation lists for the AMD chain, offline: the caller passes the CRLs (AMD's KDS
// publishes one per product, issued and signed by the ARK: https://kdsintf.amd.com/vcek/v1/
// <product>/crl, and /vlek/v1/<product>/crl); nothing here touches the network.
//
// For a chain leaf <- intermediate <- root that verified, check_revocation appends:
//   snp.crl.issuer    a CRL issued by the root (name and signature) was given: that is the one
//                     that can revoke the ASK/ASVK, so without it the check cannot be made;
//   snp.crl.validity  each CRL used is current: thisUpdate <= now < nextUpdate (when present);
//   snp.crl.revoked   neither the intermediate (root's CRL) nor the leaf (a CRL of the
//                     intermediate, when one is given) is listed.
// A CRL naming a chain certificate as issuer but failing its signature fails snp.crl.issuer;
// CRLs of other issuers are ignored with a warning.
#pragma once

#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/verdict.h"

typedef struct X509_crl_st X509_CRL;

namespace cocos::verifier::snp {

inline constexpr std::size_t kMaxCrlBytes = 4u << 20;  // AMD's are a few KiB

// One parsed CRL; copies share the same immutable object.
class Crl {
 public:
  // One DER CRL. "bad_crl" on garbage.
  static Result<Crl> from_der(std::span<const std::uint8_t> der);
  X509_CRL* get() const { return crl_.get(); }
  std::string issuer() const;  // one-line distinguished name
  std::size_t revoked_count() const;
  // thisUpdate <= now < nextUpdate (a CRL without nextUpdate stays current once issued; an
  // unreadable time is not current).
  bool current_at(std::time_t now) const;

 private:
  friend Result<std::vector<Crl>> parse_crls(std::span<const std::uint8_t> bytes);  // PEM
  explicit Crl(std::shared_ptr<X509_CRL> c) : crl_(std::move(c)) {}
  std::shared_ptr<X509_CRL> crl_;
};

// PEM (one or more "X509 CRL" blocks) or a single DER CRL; "bad_crl" / "too_large".
Result<std::vector<Crl>> parse_crls(std::span<const std::uint8_t> bytes);
Result<std::vector<Crl>> load_crl_file(const std::string& path);

void check_revocation(const std::vector<Crl>& crls, const Cert& leaf, const Cert& intermediate,
                      const Cert& root, std::time_t now, Verdict& v);

}  // namespace cocos::verifier::snp
