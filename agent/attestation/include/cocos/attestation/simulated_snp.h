// SIMULATED SEV-SNP: a software PSP for development and the demo, never for production.
//
// On first use it generates, and stores in `dir` (normally a folder of the agent's work dir),
// an AMD-shaped chain:
//   ARK  RSA-4096, self-signed, CN "ARK-<product>"      ark.pem / ark.key
//   ASK  RSA-4096, signed by the ARK, CN "SEV-<product>" ask.pem / ask.key
//   VCEK ECDSA P-384, signed by the ASK, CN "SEV-VCEK"   vcek.pem / vcek.key
// or, with `vlek` (reports signed as a cloud provider's hosts sign them, SIGNING_KEY 1):
//   ASVK RSA-4096, signed by the ARK, CN "SEV-VLEK-<product>"  asvk.pem / asvk.key
//   VLEK ECDSA P-384, signed by the ASVK, CN "SEV-VLEK"        vlek.pem / vlek.key
// Every certificate signature is RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48, like AMD's. The
// VCEK carries AMD's extensions (1.3.6.1.4.1.3704.1.*: struct version, product name
// "<product>-B0", blSPL/teeSPL/snpSPL/ucodeSPL (+ fmcSPL on Turin) from REPORTED_TCB in the
// product's layout, and hwID = CHIP_ID, 8 bytes on Turin; a VLEK has CSP_ID
// "cocos-simulated-csp" instead of hwID). Later starts reuse the files; the leaf alone is
// re-issued when the configured CHIP_ID, REPORTED_TCB or signer no longer match it (sim.params
// records them), the whole chain when the product changed (the ARK's CN names it).
//
// Reports are byte-exact version 3 ATTESTATION_REPORTs: MEASUREMENT from the config (the agent
// computes it from its IGVM file), REPORT_DATA from the request, the configured policy, VMPL,
// platform info and TCBs, firmware 1.55, the product's CPUID (Milan 19h/01h, Genoa 19h/11h,
// Turin 1Ah/02h; a Turin CHIP_ID has 8 significant bytes, the rest zero), signed by
// the VCEK with ECDSA P-384/SHA-384 over bytes [0, 0x2A0) with r and s as 72-byte little-endian
// fields at 0x2A0 and 0x2E8. Evidence produced with it says simulated=true, and every log line
// of this provider says "SIMULATED". The verifier trusts its ARK only when given
// `ark_pem_path()` with --trust-root.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cocos/attestation/snp_provider.h"

namespace cocos::attestation {

struct SimulatedSnpConfig {
  std::string dir;                             // created if missing; holds keys and certificates
  std::array<std::uint8_t, 48> measurement{};  // MEASUREMENT of every report
  std::optional<std::array<std::uint8_t, 64>> chip_id;  // default: random, kept in sim.params
  // 0: the product's default, Milan/Genoa bl 4 tee 0 snp 21 ucode 211 (0xD315000000000004),
  // Turin fmc 1 bl 1 tee 1 snp 4 ucode 82 (0x5200000004010101); else in the product's layout.
  std::uint64_t reported_tcb = 0;
  std::uint64_t policy = 0x30000;      // SMT allowed + reserved bit 17 (COCONUT)
  std::uint64_t platform_info = 0x25;  // SMT_EN | ECC_EN | ALIAS_CHECK_COMPLETE
  std::uint32_t vmpl = 2;              // VMPL cocos requests
  std::array<std::uint8_t, 32> host_data{};
  std::string product = "Milan";  // Milan, Genoa or Turin (TCB layout); names ARK-/SEV-<product>
  bool vlek = false;              // sign with a VLEK (through the ASVK) instead of a VCEK

  std::uint64_t effective_reported_tcb() const {
    if (reported_tcb != 0) return reported_tcb;
    return product == "Turin" ? 0x5200000004010101 : 0xD315000000000004;
  }
};

class SimulatedSnpProvider : public SnpProvider {
 public:
  // Loads the chain from config.dir or generates it (two RSA-4096 keys: a few seconds once).
  // Errors: "io_error" (directory), "internal" (OpenSSL).
  static Result<std::unique_ptr<SimulatedSnpProvider>> create(SimulatedSnpConfig config);
  ~SimulatedSnpProvider() override;

  Result<SnpReport> get_report(std::span<const std::uint8_t, 64> report_data) override;
  std::string name() const override { return "simulated"; }
  bool simulated() const override { return true; }

  // The trust root to hand to `cocos-verifier --trust-root` (config.dir + "/ark.pem").
  std::string ark_pem_path() const;
  const std::array<std::uint8_t, 64>& chip_id() const;
  // {"vcek", "ask", "ark"} (with `vlek`: {"vlek", "asvk", "ark"}) -> DER, as shipped with every
  // report.
  const std::map<std::string, Bytes>& certs() const;

 private:
  struct Impl;
  explicit SimulatedSnpProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::attestation
