// Fuzzes the evidence msgpack decoder and runs the verification on whatever decodes.
#include <cstddef>
#include <cstdint>

#include "cocos/verifier/evidence/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto ev = cocos::verifier::evidence::decode_evidence(std::span(data, size));
  if (!ev) return 0;
  cocos::verifier::policy::Policy p;
  cocos::verifier::evidence::EvidenceOptions o;
  o.policy = &p;
  (void)cocos::verifier::evidence::verify_evidence(*ev, o);
  return 0;
}
