// Turns a tpm2-tss return code into our Error: the code says what kind of failure it is, the
// message names the ESYS/TCTI call and carries Tss2_RC_Decode's text and the hex value, e.g.
//   "Esys_Quote failed: tpm:handle(1):the handle is not correct for the use (0x0000018b)".
#pragma once

#include <cstdint>
#include <string_view>

#include "cocos/common/result.h"

namespace cocos::attestation {

// `code` defaults to "internal"; callers opening the TPM pass "attestation_unavailable".
Error tss_error(std::string_view call, std::uint32_t rc, std::string_view code = "internal");

// True when `rc` comes from the TCTI layer (the connection to the TPM broke), so the caller
// should drop its context and reconnect next time.
bool is_tcti_error(std::uint32_t rc);

}  // namespace cocos::attestation
