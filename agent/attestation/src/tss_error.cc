// tpm2-tss return codes -> Error (see tss_error.h).
#include "cocos/attestation/tss_error.h"

#include <tss2/tss2_common.h>
#include <tss2/tss2_rc.h>

#include <cstdio>
#include <string>

namespace cocos::attestation {

Error tss_error(std::string_view call, std::uint32_t rc, std::string_view code) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", rc);
  const char* text = Tss2_RC_Decode(rc);
  return make_error(std::string(code),
                    std::string(call) + " failed: " + (text ? text : "?") + " (" + hex + ")");
}

bool is_tcti_error(std::uint32_t rc) {
  return (rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER;
}

}  // namespace cocos::attestation
