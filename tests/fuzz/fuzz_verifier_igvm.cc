// Fuzzes the IGVM parser and the SNP launch digest (both zero-page modes, KVM checks).
#include <cstddef>
#include <cstdint>

#include "cocos/igvm/measure.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = cocos::igvm::parse_igvm(std::span(data, size));
  if (!parsed) return 0;
  cocos::igvm::MeasureOptions o;
  (void)cocos::igvm::measure_snp(*parsed, o);
  o.native_zero = true;
  o.check_kvm = true;
  (void)cocos::igvm::measure_snp(*parsed, o);
  return 0;
}
