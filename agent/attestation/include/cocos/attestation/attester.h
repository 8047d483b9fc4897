// The agent's attestation facade: answers `attestation.get` with an Evidence (PLAN.md "Evidence
// body" and "Binding rules"), extends PCR16 with the manifest, and reports what this platform
// can attest ("snp", "vtpm", "snp-vtpm") for the agent's hello.
//
// Construction (Attester::create) detects the platform; it fails only on explicit
// configuration errors (a simulated SNP whose directory cannot be used, an SNP mode that was
// forced but is absent). A missing TPM or SNP interface is not an error: the capability is
// simply not offered, and asking for it later fails with "attestation_unavailable" and the
// reason found at detection.
//
// Thread-safe: one mutex serializes all TPM and SNP access, so the agent may call attest() from
// a worker thread in any state while its lifecycle continues. A vTPM request takes ~12 ms per
// PCR bank on swtpm; the first one also creates the AK (~0.2 s) unless it is already persisted.
//
// Use from the agent:
//   AttesterConfig c;                       // defaults: SNP auto-detected, TCTI device:/dev/tpmrm0
//   c.tcti = cfg.tcti;                      // e.g. "swtpm:path=/run/swtpm/tpm.sock" in the demo
//   if (cfg.simulated_snp) {                // only ever by explicit configuration
//     c.snp = SnpMode::kSimulated;
//     c.simulated = SimulatedSnpConfig{.dir = work_dir + "/simulated-snp",
//                                      .measurement = igvm_launch_digest};
//   }
//   auto attester = Attester::create(std::move(c));   // Result<std::unique_ptr<Attester>>
//   hello.capabilities = attester->capabilities(); hello.simulated_snp = attester->simulated();
//   auto ev = attester->attest({.type = Platform::kSnpVtpm, .tee_nonce = ..., .vtpm_nonce = ...,
//                               .bind_bus_key = b, .bus_key = curve_public_key});
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cocos/attestation/configfs_tsm_provider.h"
#include "cocos/attestation/evidence.h"
#include "cocos/attestation/sev_guest_provider.h"
#include "cocos/attestation/simulated_snp.h"
#include "cocos/attestation/vtpm_provider.h"

namespace cocos::attestation {

enum class SnpMode {
  kAuto,         // configfs-tsm if its root exists, else /dev/sev-guest if present, else none
  kConfigfsTsm,  // forced; create() fails if the root is missing
  kSevGuest,     // forced; create() fails if the device is missing
  kSimulated,    // the software PSP; needs AttesterConfig::simulated (never chosen by kAuto)
  kDisabled,
};

// Where Linux exposes the firmware's TCG event log (securityfs).
inline constexpr const char* kKernelEventLog = "/sys/kernel/security/tpm0/binary_bios_measurements";

struct AttesterConfig {
  SnpMode snp = SnpMode::kAuto;
  ConfigfsTsmConfig tsm;     // root (default /sys/kernel/config/tsm/report), vmpl (2)
  SevGuestConfig sev_guest;  // device (default /dev/sev-guest), vmpl (2)
  std::optional<SimulatedSnpConfig> simulated;
  bool vtpm = true;                 // use a TPM when one answers on `tcti`
  std::string tcti = kDefaultTcti;  // "device:/dev/tpmrm0"; tests: "swtpm:path=<dir>/tpm.sock"
  // The firmware TCG event log, read at each vTPM attestation and sent as it is (a verifier
  // replays it against the quotes). A missing file means the machine has none (swtpm, say):
  // the evidence goes without. "" = never send one.
  std::string event_log;
};

class Attester {
 public:
  static Result<std::unique_ptr<Attester>> create(AttesterConfig config);
  ~Attester();
  Attester(const Attester&) = delete;
  Attester& operator=(const Attester&) = delete;

  // Errors: "bad_nonce" (a nonce longer than 64/32 bytes), "bad_message" (bind_bus_key without
  // a 32-byte bus key), "attestation_unavailable" (the platform cannot produce this type; the
  // message says why), "internal"/"busy" (the TPM or PSP failed; the message names the call).
  Result<Evidence> attest(const AttestationRequest& request);

  // PCR16 manifest measurement (VtpmProvider::extend_manifest_measurement); fails with
  // "attestation_unavailable" without a vTPM.
  Status extend_manifest_measurement(std::span<const std::uint8_t> manifest);

  // Subset of {"snp", "vtpm", "snp-vtpm"}, in that order.
  std::vector<std::string> capabilities() const;
  bool simulated() const;  // SNP comes from the simulated PSP
  // The ARK PEM of the simulated chain (for `cocos-verifier --trust-root`); nullopt otherwise.
  std::optional<std::string> simulated_trust_root() const;
  // "configfs-tsm", "sev-guest", "simulated" or "" without SNP.
  std::string snp_source() const;

 private:
  Attester() = default;
  Status need_vtpm();  // REQUIRES mu_ held; reopens a TPM that was absent at start-up

  AttesterConfig config_;
  mutable std::mutex mu_;
  std::unique_ptr<SnpProvider> snp_;
  std::unique_ptr<VtpmProvider> vtpm_;
  std::string snp_unavailable_;   // why snp_ is null
  std::string vtpm_unavailable_;  // why vtpm_ is null
  std::optional<std::string> trust_root_;
};

}  // namespace cocos::attestation
