// The extended-report certificate table (GHCB spec; go-sev-guest abi.go): 24-byte entries
// {GUID[16] in RFC 4122 string byte order, offset u32 LE, length u32 LE} ended by an all-zero
// entry; offsets count from the start of the table. It comes from configfs-tsm's auxblob or
// SNP_GET_EXT_REPORT's certificate buffer. Known GUIDs map to our certificate names:
//   63da758d-e664-4564-adc5-f4b93be8accd vcek   a8074bc2-a25a-483e-aae6-39c045a0b8a1 vlek
//   4ab7b379-bbac-4fe4-a02f-05aef327c782 ask    c0b406a4-a803-4952-9743-3fb6014cd0ae ark
// Other GUIDs (go-sev-guest's "extra platform info", ASVK variants) are skipped.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

// Fails with "bad_message" when an entry points outside the blob or the terminator is missing.
// An empty blob is an empty map.
Result<std::map<std::string, Bytes>> parse_cert_table(std::span<const std::uint8_t> blob);

// The inverse, for the simulated PSP and tests: entries in the order vcek, vlek, ask, asvk?,
// ark (only names with a GUID above), terminator, then the certificates.
Bytes build_cert_table(const std::map<std::string, Bytes>& certs);

}  // namespace cocos::attestation
