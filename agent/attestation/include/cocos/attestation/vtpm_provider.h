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

  // The manifest measurement of the Go agent (cocos-agent.md §5.5), in one TPM2_PCR_Extend of
  // PCR16 carrying two digests:
  //   SHA-256 bank: SHA3-256(manifest)   (32 bytes)
  //   SHA-384 bank: SHA3-384(manifest)   (48 bytes)
  // and the TPM computes new = SHA-256(old || d256) and new = SHA-384(old || d384). Other banks
  // (SHA-1, SHA-512) are left alone, as in Go; an unallocated SHA-256/SHA-384 bank is skipped,
  // and if neither is allocated the call fails ("attestation_unavailable").
  //
  // Exact bytes: `manifest` is hashed as given, nothing is added or canonicalized here. The Go
  // agent passes Go encoding/json of its internal Computation struct (cocos-agent.md §2.4); our
  // agent passes the computation manifest JSON bytes it stores for the computation, and a
  // verifier predicting PCR16 must hash those same bytes.
  Status extend_manifest_measurement(std::span<const std::uint8_t> manifest);

  // TPM2_PCR_Extend of one PCR with one digest per bank (the building block of the above).
  Status extend_pcr(std::uint32_t index, const std::vector<PcrDigest>& digests);

 private:
  struct Impl;
  explicit VtpmProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::attestation
