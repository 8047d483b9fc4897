// PLAN.md binding rules (see binding.h for the table).
#include "cocos/attestation/binding.h"

#include "cocos/common/hash.h"

namespace cocos::attestation {

Binding compute_binding(Platform platform, std::span<const std::uint8_t> tee_nonce,
                        std::span<const std::uint8_t> vtpm_nonce,
                        std::span<const std::uint8_t> ak_public,
                        std::span<const std::uint8_t> bus_key) {
  Binding b;
  const bool with_bus = !bus_key.empty();
  switch (platform) {
    case Platform::kSnp:
      if (with_bus) {
        Hasher h(HashAlg::kSha3_512);
        h.update(tee_nonce);
        h.update(bus_key);
        b.report_data = h.finish();
        b.name = "sha3-512(tee_nonce|bus_key)";
      } else {
        b.report_data.assign(tee_nonce.begin(), tee_nonce.end());
        b.name = "none";
      }
      break;
    case Platform::kSnpVtpm: {
      // cocos (vtpm.go addTEEAttestation): REPORT_DATA = SHA3-512(tee_nonce[64] || ak_pub).
      Hasher h(HashAlg::kSha3_512);
      h.update(tee_nonce);
      h.update(ak_public);
      if (with_bus) h.update(bus_key);
      b.report_data = h.finish();
      b.qualifying_data.assign(vtpm_nonce.begin(), vtpm_nonce.end());
      b.name = with_bus ? "sha3-512(tee_nonce|ak_public|bus_key)" : "sha3-512(tee_nonce|ak_public)";
      break;
    }
    case Platform::kVtpm:
      if (with_bus) {
        Hasher h(HashAlg::kSha3_256);
        h.update(vtpm_nonce);
        h.update(bus_key);
        b.qualifying_data = h.finish();
        b.name = "sha3-256(vtpm_nonce|bus_key)";
      } else {
        b.qualifying_data.assign(vtpm_nonce.begin(), vtpm_nonce.end());
        b.name = "none";
      }
      break;
  }
  return b;
}

}  // namespace cocos::attestation
