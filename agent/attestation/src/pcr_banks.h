// Internal: PCR bank names, the allocated-bank query and a complete PCR read (TPM2_PCR_Read
// returns at most 8 digests per call, so reading 24 PCRs takes several calls).
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

std::optional<std::string> bank_name(TPMI_ALG_HASH alg);  // "sha256"; nullopt if unnamed
std::optional<TPMI_ALG_HASH> bank_alg(std::string_view name);
std::size_t bank_digest_size(TPMI_ALG_HASH alg);

// TPM2_GetCapability(TPM2_CAP_PCRS): the banks with at least one PCR selected.
Result<TPML_PCR_SELECTION> allocated_pcrs(ESYS_CONTEXT* esys);

// Reads every PCR selected in `bank` (one TPMS_PCR_SELECTION).
Result<std::map<std::uint32_t, Bytes>> read_pcrs(ESYS_CONTEXT* esys,
                                                 const TPMS_PCR_SELECTION& bank);

}  // namespace cocos::attestation
