// Fuzzes the parsers of what an (untrusted) SNP host hands the agent: the certificate table and
// the firmware's report response. Neither may crash, read out of bounds or loop.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cocos/attestation/cert_table.h"
#include "cocos/attestation/sev_guest_provider.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  auto certs = cocos::attestation::parse_cert_table(in);
  if (certs.ok()) {
    // Whatever parsed must survive a rebuild and a second parse unchanged.
    auto again = cocos::attestation::parse_cert_table(cocos::attestation::build_cert_table(*certs));
    if (!again.ok() || *again != *certs) __builtin_trap();
  }
  (void)cocos::attestation::parse_report_response(in);
  return 0;
}
