// Fuzzes what AMD's KDS (or whoever answers in its place) may send the verifier: certificates
// (DER or PEM) with their AMD extensions and validity read, and CRLs, checked against the
// embedded Milan chain as a fetched CRL would be.
#include <cstddef>
#include <cstdint>

#include "cocos/verifier/snp/crl.h"
#include "cocos/verifier/snp/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace snp = cocos::verifier::snp;
  const std::span<const std::uint8_t> bytes(data, size);
  if (auto certs = snp::parse_certs(bytes)) {
    for (const auto& c : *certs) {
      (void)c.amd_extensions();
      (void)c.validity();
      (void)c.self_issued();
    }
  }
  auto crls = snp::parse_crls(bytes);
  if (!crls || crls->empty()) return 0;
  for (const auto& c : *crls) {
    (void)c.issuer();
    (void)c.revoked_count();
  }
  auto bundle = snp::amd_bundle(snp::Product::kMilan, false);
  if (!bundle) return 0;
  cocos::verifier::Verdict v;
  snp::check_revocation(*crls, bundle->intermediate, bundle->intermediate, bundle->ark,
                        1767225600, v);
  return 0;
}
