// The agent's view of attestation: capabilities for hello, evidence for attestation.get (as the
// wire body), and the PCR16 manifest measurement. Backed by the attestation library's Attester;
// a build without that library (COCOS_AGENT_HAVE_ATTESTATION unset) offers no capability and
// answers "attestation_unavailable", so the rest of the agent does not depend on it.
// Thread-safe (the Attester serializes TPM/PSP access): called from the attestation worker.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cocos/agent/core/config.h"
#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/messages/bodies.h"

namespace cocos::agent::app {

class AttestationAdapter {
 public:
  // Errors: "bad_config" (snp-mode/igvm/sim dir unusable), attestation library errors.
  static Result<std::unique_ptr<AttestationAdapter>> create(const AgentConfig& config);
  ~AttestationAdapter();

  std::vector<std::string> capabilities() const;  // subset of snp, vtpm, snp-vtpm
  bool simulated() const;
  bool has_vtpm() const;
  Status extend_manifest_measurement(std::span<const std::uint8_t> canonical_manifest);
  // bus_key: this agent's 32-byte CURVE public key (empty without CURVE).
  Result<messages::Evidence> attest(const messages::AttestationGet& req, const Bytes& bus_key);

 private:
  struct Impl;
  explicit AttestationAdapter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::agent::app
