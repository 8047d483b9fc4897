// Internal: generation of the simulated ARK -> ASK -> VCEK and ARK -> ASVK -> VLEK chains (see
// simulated_snp.h for the shapes). Certificates are signed RSASSA-PSS/SHA-384/MGF1-SHA-384/salt
// 48.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cocos/common/keys.h"
#include "cocos/common/result.h"
#include "openssl_util.h"

namespace cocos::attestation {

Result<PkeyPtr> generate_rsa4096();
Result<PkeyPtr> generate_p384();

Result<X509Ptr> make_ark(EVP_PKEY* ark_key, const std::string& product);
// The ASK ("SEV-<product>") signs VCEKs; the ASVK ("SEV-VLEK-<product>") signs VLEKs.
Result<X509Ptr> make_ask(EVP_PKEY* ask_key, X509* ark, EVP_PKEY* ark_key,
                         const std::string& product);
Result<X509Ptr> make_asvk(EVP_PKEY* asvk_key, X509* ark, EVP_PKEY* ark_key,
                          const std::string& product);
// VCEK extensions from `reported_tcb` in the product's layout (Milan/Genoa: byte 0 BL, 1 TEE,
// 6 SNP, 7 UCODE; Turin: 0 FMC, 1 BL, 2 TEE, 3 SNP, 7 UCODE, plus the FMC extension) and
// hwID = chip_id (Turin: its first 8 bytes).
Result<X509Ptr> make_vcek(EVP_PKEY* vcek_key, X509* ask, EVP_PKEY* ask_key,
                          const std::string& product, const std::array<std::uint8_t, 64>& chip_id,
                          std::uint64_t reported_tcb);
// A VLEK: the same TCB extensions, no hwID (it is issued to a cloud provider, not a chip) and
// the provider's name as CSP_ID (1.3.6.1.4.1.3704.1.5).
Result<X509Ptr> make_vlek(EVP_PKEY* vlek_key, X509* asvk, EVP_PKEY* asvk_key,
                          const std::string& product, const std::string& csp_id,
                          std::uint64_t reported_tcb);

}  // namespace cocos::attestation
