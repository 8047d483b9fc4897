// vTPM evidence through tpm2-tss ESAPI: the attestation key (AK), quotes over every allocated
// PCR bank, and the PCR16 manifest measurement.
//
// AK: go-tpm-tools `AttestationKeyRSA`, the key cocos quotes with: a primary key in the owner
// hierarchy created from the RSA template (RSA-2048, nameAlg SHA-256, attributes 0x00050072 =
// fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|sign, scheme RSASSA-SHA256,
// no symmetric, exponent 0, empty authPolicy and unique), cached at persistent handle
// 0x81008F01. An AK already persisted there is reused when its public area matches the template
// (ignoring the modulus); a different object there is evicted and replaced. If the AK cannot be
// persisted (full NV, say), the transient AK is kept loaded for this provider's lifetime.
//
// Quotes: one TPM2_Quote per allocated bank (TPM2_GetCapability(PCRS)), selecting all PCRs
// allocated in that bank, qualifying data = the caller's bytes, scheme = the AK's (RSASSA with
// SHA-256). The PCR values are read next to each quote and checked against the quote's
// pcrDigest (SHA-256 of the values in index order); a PCR changing in between is retried.
//
// The provider connects lazily and reconnects after a TCTI (transport) failure. Every ESYS
// handle it creates is flushed or closed by RAII, so repeated attestations never exhaust TPM
// object memory. Not thread-safe: the Attester serializes access with a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cocos/attestation/evidence.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

inline constexpr std::uint32_t kAkPersistentHandle = 0x81008F01;
inline constexpr std::uint32_t kManifestPcr = 16;
inline constexpr const char* kDefaultTcti = "device:/dev/tpmrm0";

struct PcrDigest {
  std::string bank;  // "sha1" | "sha256" | "sha384" | "sha512"
  Bytes digest;      // exactly the bank's digest size
};

class VtpmProvider {
 public:
  // Opens the TCTI and checks that the TPM answers TPM2_GetCapability. Fails with
  // "attestation_unavailable" naming the call (Tss2_TctiLdr_Initialize, Esys_Initialize, ...).
  static Result<std::unique_ptr<VtpmProvider>> open(std::string tcti);
  ~VtpmProvider();
  VtpmProvider(const VtpmProvider&) = delete;
  VtpmProvider& operator=(const VtpmProvider&) = delete;

  const std::string& tcti() const;

  // Marshalled TPMT_PUBLIC of the AK (no TPM2B size prefix); creates/loads the AK on first use.
  Result<Bytes> ak_public();

  // Banks with at least one allocated PCR, e.g. {"sha1", "sha256"} (unnamed algorithms skipped).
  Result<std::vector<std::string>> allocated_banks();

  // One quote per allocated bank with `qualifying_data` (<= 64 bytes, else "bad_nonce").
  Result<std::vector<Quote>> quote(std::span<const std::uint8_t> qualifying_data);

  // The manifest measurement of the Go agent (cocos-agent.md §5.5): PCR16 is extended with
  //   SHA3-256(manifest) in the SHA-256 bank and SHA3-384(manifest) in the SHA-384 bank,
  // where `manifest` is exactly the bytes the caller passes (the agent passes the manifest JSON
  // bytes as received). The TPM computes new = H_bank(old || digest). Banks that are not
  // allocated are skipped; if neither is allocated the call fails ("attestation_unavailable").
  Status extend_manifest_measurement(std::span<const std::uint8_t> manifest);

  // TPM2_PCR_Extend of one PCR with one digest per bank (the building block of the above).
  Status extend_pcr(std::uint32_t index, const std::vector<PcrDigest>& digests);

 private:
  struct Impl;
  explicit VtpmProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::attestation
