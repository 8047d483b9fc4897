// Fuzzes SNP report loading (raw, hex, certificate table) and the authenticity checks on it.
#include <cstddef>
#include <cstdint>

#include "cocos/verifier/snp/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto loaded = cocos::verifier::snp::load_report(std::span(data, size));
  if (!loaded) return 0;
  cocos::verifier::snp::SnpEvidence ev;
  ev.report = loaded->report;
  for (const auto* der : {&loaded->certs.vcek, &loaded->certs.ask}) {
    if (!*der) continue;
    auto c = cocos::verifier::snp::Cert::from_der(**der);
    if (c) (void)cocos::verifier::snp::add_certs(ev, {*c});
  }
  cocos::verifier::Verdict v;
  cocos::verifier::snp::VerifyOptions o;
  o.product = cocos::verifier::snp::Product::kMilan;
  (void)cocos::verifier::snp::verify_authenticity(ev, o, v);
  return 0;
}
