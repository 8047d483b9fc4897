// X.509 handling for the AMD chain: RAII certificates, PEM/DER loading, the embedded AMD roots
// (Milan, Genoa, Turin; VCEK and VLEK bundles), the VCEK/VLEK extensions
// (OID 1.3.6.1.4.1.3704.1.*, attestation.md §2) and signature checks with a cache keyed by
// certificate fingerprints.
#pragma once

#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/verifier/snp/report.h"

typedef struct x509_st X509;

namespace cocos::verifier::snp {

struct X509Deleter {
  void operator()(X509* x) const;
};

class Cert {
 public:
  // One DER certificate. "bad_cert" on garbage.
  static Result<Cert> from_der(std::span<const std::uint8_t> der);
  X509* get() const { return x_.get(); }
  const Bytes& der() const { return der_; }
  const std::string& fingerprint() const { return fp_; }  // SHA-256 of the DER, hex
  const std::string& common_name() const { return cn_; }
  bool self_issued() const { return self_issued_; }
  bool has_amd_tcb_extensions() const;
  std::string validity() const;  // "notBefore .. notAfter"

 private:
  std::shared_ptr<X509> x_;
  Bytes der_;
  std::string fp_, cn_;
  bool self_issued_ = false;
};

// PEM (one or more certificates) or a single DER certificate. Bounded to 1 MiB.
Result<std::vector<Cert>> parse_certs(std::span<const std::uint8_t> bytes);
Result<std::vector<Cert>> load_certs_file(const std::string& path);

struct AmdBundle {
  Cert intermediate;  // ASK or ASVK
  Cert ark;
};
// Embedded roots: `vlek` selects the ASVK bundle.
Result<AmdBundle> amd_bundle(Product p, bool vlek);

struct AmdExtensions {
  std::optional<long> struct_version;
  std::optional<std::string> product_name;
  std::optional<long> bl, tee, snp, ucode, fmc;
  std::optional<Bytes> hwid;
  std::optional<std::string> csp_id;
};
AmdExtensions read_amd_extensions(const Cert& c);

// Remembers signature checks (child fingerprint, issuer fingerprint) -> result.
class ChainCache {
 public:
  bool signed_by(const Cert& child, const Cert& issuer);
  std::size_t size() const { return seen_.size(); }

 private:
  std::map<std::string, bool> seen_;
};

// ECDSA P-384 / SHA-384 over the report's signed bytes, r and s little-endian.
Status verify_report_signature(const SnpReport& r, const Cert& leaf);

// Certificate validity at `now`: "" when valid, otherwise the reason.
std::string validity_problem(const Cert& c, std::time_t now);

}  // namespace cocos::verifier::snp
