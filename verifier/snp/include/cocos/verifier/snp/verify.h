// Authenticity of an SNP report: product, signature (VCEK/VLEK), chain to a trusted ARK
// (embedded AMD roots, or an extra root given explicitly), certificate validity, VCEK TCB
// extensions equal REPORTED_TCB (Turin layout with FMC), HWID equals CHIP_ID, and, with CRLs
// given, no certificate of the chain revoked. Each step
// appends named checks to the verdict. Nothing here reads the clock or the network: a caller
// that wants a missing VCEK or the CRLs fetched (verifier/kds) passes functions that do it.
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/snp/crl.h"
#include "cocos/verifier/snp/report.h"
#include "cocos/verifier/verdict.h"

namespace cocos::verifier::snp {

struct SnpEvidence {
  SnpReport report;
  std::optional<Cert> leaf;         // VCEK or VLEK
  std::vector<Cert> intermediates;  // ASK/ASVK offered by the host or the evidence
  std::vector<Cert> offered_roots;  // ARKs offered: never trusted because they were offered
};

// Sorts certificates by role: self-issued -> offered root, AMD TCB extensions -> leaf,
// otherwise intermediate. A second leaf is an error ("bad_cert").
Status add_certs(SnpEvidence& ev, std::vector<Cert> certs);

// A certificate or CRLs obtained for the verification, and where from (a URL or a cache file),
// which the verdict records.
struct FetchedLeaf {
  Cert cert;
  std::string source;
};
struct FetchedCrls {
  std::vector<Crl> crls;
  std::string source;
};
// Asked for the VCEK of the report's chip at its REPORTED_TCB when none was given.
using VcekFetcher = std::function<Result<FetchedLeaf>(const SnpReport&, Product)>;
// Asked for the CRLs of the product's ARK (VCEK or VLEK chain) once the chain is known.
using CrlFetcher = std::function<Result<FetchedCrls>(Product, bool vlek, std::time_t now)>;

struct VerifyOptions {
  std::optional<Product> product;  // --product or the policy's product
  std::vector<Cert> extra_roots;  // --trust-root (self-issued ones are roots, others intermediates)
  std::time_t now = 0;
  // Optional; a local one is used otherwise (the embedded roots are then parsed per call).
  // A verifier that checks many reports keeps one, so only the report signature costs.
  ChainCache* cache = nullptr;
  // Revocation lists (crl.h); when given, the verified chain is checked against them.
  std::vector<Crl> crls;
  // Optional: a missing VCEK is then fetched (check snp.kds.vcek) instead of failing
  // snp.signature; with fetch_crls the chain's revocation is checked with the fetched CRLs
  // (snp.kds.crl) in addition to `crls`.
  VcekFetcher fetch_vcek;
  CrlFetcher fetch_crls;
};

struct AuthResult {
  Product product = Product::kUnknown;
  bool turin = false;
  bool chained_to_extra_root = false;
  bool authentic = false;  // signature and chain both good
};

AuthResult verify_authenticity(const SnpEvidence& ev, const VerifyOptions& opt, Verdict& v);

}  // namespace cocos::verifier::snp
