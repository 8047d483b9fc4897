// `vtpm`: one quote (TPMS_ATTEST + TPMT_SIGNATURE + PCR values) against an AK and a nonce, and
// optionally a TCG event log replayed against the quote's PCRs.
#include <optional>
#include <ostream>

#include "cocos/igvm/measure.h"
#include "cocos/verifier/vtpm/event_log.h"
#include "cocos/verifier/vtpm/quote.h"
#include "common_verify.h"

namespace cocos::verifier::app {

int cmd_vtpm(const VtpmArgs& a, const Io& io) {
  auto setup = load_common(a.c);
  if (!setup) return unusable(io, setup.error());
  constexpr std::size_t kMax = 64 * 1024;
  auto ak_bytes = igvm::read_file_bounded(a.ak, kMax);
  if (!ak_bytes) return unusable(io, ak_bytes.error());
  auto ak = vtpm::parse_tpmt_public(*ak_bytes);
  if (!ak) return unusable(io, ak.error());
  vtpm::Quote q;
  auto attest = igvm::read_file_bounded(a.quote, kMax);
  if (!attest) return unusable(io, attest.error());
  q.attest = std::move(*attest);
  auto sig = igvm::read_file_bounded(a.sig, kMax);
  if (!sig) return unusable(io, sig.error());
  q.signature = std::move(*sig);
  auto pcr_text = igvm::read_file_bounded(a.pcrs, 1 << 20);
  if (!pcr_text) return unusable(io, pcr_text.error());
  auto pcrs = vtpm::parse_pcr_text(
      std::string_view(reinterpret_cast<const char*>(pcr_text->data()), pcr_text->size()));
  if (!pcrs) return unusable(io, pcrs.error());
  q.pcrs = std::move(*pcrs);
  auto nonce = from_hex(a.nonce);
  if (!nonce) return unusable(io, make_error("usage", "--nonce: " + nonce.error().message));
  // The bank is the one the quote selects; an unreadable quote is unusable input.
  auto parsed = vtpm::parse_tpms_attest(q.attest);
  if (!parsed) return unusable(io, parsed.error());
  if (parsed->selections.size() != 1) {
    return unusable(io, make_error("bad_tpm", "the quote must select exactly one PCR bank"));
  }
  q.bank = vtpm::alg_name(parsed->selections[0].hash);
  std::optional<vtpm::EventLog> log;
  if (!a.event_log.empty()) {
    auto bytes = igvm::read_file_bounded(a.event_log, vtpm::kMaxEventLogBytes);
    if (!bytes) return unusable(io, bytes.error());
    auto parsed_log = vtpm::parse_event_log(*bytes);
    if (!parsed_log) {
      return unusable(
          io, make_error(parsed_log.error().code, a.event_log + ": " + parsed_log.error().message));
    }
    log = std::move(*parsed_log);
  }
  Verdict v;
  v.subject = "vtpm quote (" + q.bank + ")";
  vtpm::check_ak(*ak, v);
  const bool ok = vtpm::verify_quote(*ak, q, *nonce, "vtpm.quote", v);
  if (setup->policy && !setup->policy->pcrs.empty()) {
    std::vector<const vtpm::Quote*> verified;
    if (ok) verified.push_back(&q);
    // Only the bank of this quote can be compared here.
    policy::PcrValues want;
    if (setup->policy->pcrs.count(q.bank)) want[q.bank] = setup->policy->pcrs.at(q.bank);
    vtpm::apply_pcr_rules(want, verified, v);
  }
  std::vector<const vtpm::Quote*> verified;
  if (ok) verified.push_back(&q);
  if (log) vtpm::check_event_log(*log, verified, "vtpm.event_log", v);
  if (setup->policy && setup->policy->require_secure_boot) {
    if (log) {
      vtpm::check_secure_boot(*log, verified, "vtpm.event_log", v);
    } else {
      v.fail("vtpm.event_log.secure_boot", "Secure Boot was enabled", "event log",
             "--event-log FILE", "none given", "the policy requires Secure Boot");
    }
  }
  return print_verdict(v, a.c, io);
}

}  // namespace cocos::verifier::app
