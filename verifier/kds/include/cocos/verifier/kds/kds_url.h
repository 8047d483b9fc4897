// Paths of the AMD Key Distribution Service (https://kdsintf.amd.com) for what a verifier needs:
// the VCEK of one chip at one TCB, the ASK/ARK (or ASVK/ARK) bundle, and the ARK's CRL
// (attestation.md, "KDS URLs"). Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cocos/verifier/snp/report.h"

namespace cocos::verifier::kds {

inline constexpr const char* kDefaultBaseUrl = "https://kdsintf.amd.com";

// /vcek/v1/<Product>/<hwid>?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=.. (decimal SPLs of
// REPORTED_TCB). Milan and Genoa name the chip by all 64 bytes of CHIP_ID in hex; Turin by its
// first 8 bytes, and adds fmcSPL.
std::string vcek_path(snp::Product p, std::span<const std::uint8_t, 64> chip_id,
                      std::uint64_t reported_tcb);
// /vcek/v1/<Product>/cert_chain, or /vlek/v1/<Product>/cert_chain.
std::string chain_path(snp::Product p, bool vlek);
// /vcek/v1/<Product>/crl, or /vlek/v1/<Product>/crl.
std::string crl_path(snp::Product p, bool vlek);

}  // namespace cocos::verifier::kds
