// `attest --verify`: verify fetched evidence (verifier library) and pin the attested bus key.
#pragma once

#include <string>

#include "cocos/common/encoding.h"
#include "commands.h"

namespace cocos::manager::app {

// body: the evidence body (msgpack map). Returns the exit code (0: verified and pinned).
int verify_and_pin(const AttestOptions& o, const std::string& body, const Bytes& tee_nonce,
                   const Bytes& vtpm_nonce);

}  // namespace cocos::manager::app
