// Platform names and nonce padding shared by every provider.
#include "cocos/attestation/evidence.h"

namespace cocos::attestation {

std::string_view platform_name(Platform p) {
  switch (p) {
    case Platform::kSnp:
      return "snp";
    case Platform::kVtpm:
      return "vtpm";
    case Platform::kSnpVtpm:
      return "snp-vtpm";
  }
  return "snp";
}

Result<Platform> parse_platform(std::string_view name) {
  if (name == "snp") return Platform::kSnp;
  if (name == "vtpm") return Platform::kVtpm;
  if (name == "snp-vtpm") return Platform::kSnpVtpm;
  return make_error("bad_message", "unknown attestation type '" + std::string(name) +
                                       "' (want snp, vtpm or snp-vtpm)");
}

Result<Bytes> pad_nonce(std::span<const std::uint8_t> nonce, std::size_t size,
                        std::string_view what) {
  if (nonce.size() > size) {
    return make_error("bad_nonce", std::string(what) + " is " + std::to_string(nonce.size()) +
                                       " bytes; at most " + std::to_string(size) + " allowed");
  }
  Bytes out(nonce.begin(), nonce.end());
  out.resize(size, 0);
  return out;
}

}  // namespace cocos::attestation
