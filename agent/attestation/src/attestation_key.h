// Internal: the cocos/go-tpm-tools RSA attestation key (template and load-or-create logic).
// See vtpm_provider.h for the template and the persistence policy.
#pragma once

#include <tss2/tss2_esys.h>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "esys.h"

namespace cocos::attestation {

// go-tpm-tools AKTemplateRSA.
TPM2B_PUBLIC ak_template_rsa();

struct AttestationKey {
  TpmObject handle;   // persistent at 0x81008F01, or a transient when persisting failed
  Bytes public_area;  // marshalled TPMT_PUBLIC
};

// Reuses the AK persisted at `persistent_handle` when it matches the template, else creates it
// under the owner hierarchy (empty owner auth) and tries to persist it.
Result<AttestationKey> load_or_create_ak(ESYS_CONTEXT* esys, TPM2_HANDLE persistent_handle);

// Tss2_MU_TPMT_PUBLIC_Marshal into a vector.
Result<Bytes> marshal_public(const TPMT_PUBLIC& pub);

}  // namespace cocos::attestation
