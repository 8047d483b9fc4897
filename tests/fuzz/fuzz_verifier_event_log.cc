// Fuzzes the TCG event-log parser, and replays and checks whatever it accepts against a quote
// with fixed PCR values (the replay must not trust digest counts or sizes the parser did not),
// including the SecureBoot variable's reading.
#include <cstddef>
#include <cstdint>

#include "cocos/verifier/vtpm/event_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cocos::verifier;
  auto log = vtpm::parse_event_log(std::span(data, size));
  if (!log) return 0;
  vtpm::Quote q;
  q.bank = "sha256";
  for (std::uint32_t i = 0; i < 24; ++i) q.pcrs[i] = cocos::Bytes(32, 0);
  Verdict v;
  vtpm::check_event_log(*log, {&q}, "fuzz", v);
  vtpm::check_secure_boot(*log, {&q}, "fuzz", v);
  for (const auto& [alg, size] : log->algorithms) (void)vtpm::secure_boot_enabled(*log, alg);
  for (const auto& e : log->events) (void)vtpm::event_type_name(e.type);
  return 0;
}
