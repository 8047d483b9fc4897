// The binding rules of PLAN.md ("Binding rules"): what goes into the SNP REPORT_DATA and into
// the TPM quote's qualifying data, and the name of the rule recorded in Evidence.binding.
// The verifier implements the same rules; both must stay byte-identical.
//
//   snp       REPORT_DATA = tee_nonce                         binding "none"
//             with bus key: SHA3-512(tee_nonce | bus_key)      "sha3-512(tee_nonce|bus_key)"
//   snp-vtpm  REPORT_DATA = SHA3-512(tee_nonce | ak_public)    "sha3-512(tee_nonce|ak_public)"
//             with bus key: SHA3-512(tee_nonce | ak_public | bus_key)
//                                                  "sha3-512(tee_nonce|ak_public|bus_key)"
//             qualifying data = vtpm_nonce (the bus key is bound through REPORT_DATA)
//   vtpm      qualifying data = vtpm_nonce                    "none"
//             with bus key: SHA3-256(vtpm_nonce | bus_key)     "sha3-256(vtpm_nonce|bus_key)"
// tee_nonce is the zero-padded 64 bytes, vtpm_nonce the zero-padded 32 bytes, ak_public the
// marshalled TPMT_PUBLIC without a size prefix (exactly cocos), bus_key the raw 32 bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cocos/attestation/evidence.h"
#include "cocos/common/encoding.h"

namespace cocos::attestation {

struct Binding {
  Bytes report_data;      // 64 bytes for snp / snp-vtpm; empty for vtpm
  Bytes qualifying_data;  // 32 bytes for vtpm / snp-vtpm; empty for snp
  std::string name;       // Evidence.binding
};

// `tee_nonce` and `vtpm_nonce` must already be padded; `ak_public` is ignored for snp and vtpm;
// `bus_key` empty means "do not bind the bus key".
Binding compute_binding(Platform platform, std::span<const std::uint8_t> tee_nonce,
                        std::span<const std::uint8_t> vtpm_nonce,
                        std::span<const std::uint8_t> ak_public,
                        std::span<const std::uint8_t> bus_key);

}  // namespace cocos::attestation
